"""The funnel's history from git: every version of every deal, and what changed."""
