"""The command line: typer commands and rich rendering over the Python API."""
