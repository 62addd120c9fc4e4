"""The `funnel` command line: thin commands over the library."""
