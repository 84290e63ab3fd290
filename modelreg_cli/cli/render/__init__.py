"""Rendering for people, in one place: tables.py (tables and details, with rich), events.py
(history and diffs in words and markdown), checks.py (what check found), text.py (numbers and
times). Commands parse their arguments, call the service, and hand the result to one of these;
--json output is built from the results' own to_json() or model_dump().

The table functions are importable from here (`from modelreg_cli.cli import render`)."""

from modelreg_cli.cli.render.tables import (
    comparison_table,
    console,
    model_details,
    models_table,
    next_page_hint,
    print_versions,
    published,
    search_models_table,
    search_versions_table,
    version_details,
    versions_table,
)

__all__ = ["comparison_table", "console", "model_details", "models_table", "next_page_hint", "print_versions",
           "published", "search_models_table", "search_versions_table", "version_details", "versions_table"]
