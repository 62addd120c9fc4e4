"""`funnel example`: a repository of the sample team with months of history."""
