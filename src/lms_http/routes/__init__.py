"""Route groups, one module per core module."""
