"""The pipeline manifest (``polp.yaml``): its model, its JSON Schema, and the loader that reports every
problem with its file and line."""
