"""The data: strict reading of the YAML files, the typed values and models, loading and checking."""
