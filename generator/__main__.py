"""`python -m generator`: the same as the `funnel` command."""

from generator.cli import main

main()
