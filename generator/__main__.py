"""`python -m generator`: the same as the `funnel` command."""

from generator.cli.main import run

run()
