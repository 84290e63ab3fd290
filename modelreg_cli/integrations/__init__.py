"""Integrations with other tools, above the service layer: they use the `Registry` Python API as the
CLI does. Each imports its tool only inside itself, so the plain CLI never loads it."""
