"""The only layer that touches the filesystem and git."""
