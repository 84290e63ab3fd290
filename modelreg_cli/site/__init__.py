"""The static web view of the registry (`modelreg site build`): a layer above the Python API, like the CLI.

Only this package imports Jinja2, and only when a site is built.
"""
