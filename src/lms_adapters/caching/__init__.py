"""Read caches with exact invalidation: in-process, and broadcast between processes through Redis."""
