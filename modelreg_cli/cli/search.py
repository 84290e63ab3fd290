"""`modelreg search` (models or versions with an MLflow-style filter) and `modelreg compare` (versions side by side)."""

from __future__ import annotations

from typing import Annotated

import typer

from modelreg_cli.cli.common import (
    AtOption,
    JsonOption,
    OfflineOption,
    RegistryOption,
    open_registry_at,
    print_json,
)


def search(
    ctx: typer.Context,
    filter: Annotated[
        str | None,
        typer.Argument(help="What to find, e.g. \"name LIKE 'fraud%' AND stage = 'Production'\" or "
                       "\"metrics.auc > 0.9\" (see docs/search.md). Omit it to match everything.",
                       show_default=False),
    ] = None,
    versions: Annotated[
        bool, typer.Option("--versions", help="Search model versions instead of registered models.")
    ] = False,
    order_by: Annotated[
        list[str] | None,
        typer.Option("--order-by", help="Sort key: name, version_number, created_at, last_updated or metrics.KEY, "
                     "then ASC or DESC; repeat for more keys. Default: name for models, newest first for versions.",
                     show_default=False),
    ] = None,
    max_results: Annotated[
        int, typer.Option("--max-results", min=1, help="Results per page.")
    ] = 100,
    page_token: Annotated[
        str | None,
        typer.Option("--page-token", help="Fetch the page after the one that printed this token (same filter "
                     "and order).", show_default=False),
    ] = None,
    registry: RegistryOption = None,
    offline: OfflineOption = False,
    json: JsonOption = False,
    at: AtOption = None,
) -> None:
    """Search registered models (or versions with --versions) with an MLflow-style filter."""
    from modelreg_cli.cli import render

    reg = open_registry_at(ctx, registry, at, offline)
    keys = order_by or []
    if versions:
        found_versions = reg.search_versions(filter, keys, max_results, page_token)
        if json:
            print_json({"items": [version.model_dump(mode="json") for version in found_versions.items],
                        "next_page_token": found_versions.next_page_token})
            return
        render.search_versions_table(found_versions.items)
        render.next_page_hint(found_versions.next_page_token)
        return
    found_models = reg.search_models(filter, keys, max_results, page_token)
    if json:
        print_json({"items": [model.model_dump(mode="json", exclude={"versions"}) for model in found_models.items],
                    "next_page_token": found_models.next_page_token})
        return
    render.search_models_table(found_models.items, reg.config.stages)
    render.next_page_hint(found_models.next_page_token)


def compare(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name.")],
    versions: Annotated[
        list[str], typer.Argument(help="Two or more version numbers; the first is the baseline for metric deltas.")
    ],
    registry: RegistryOption = None,
    offline: OfflineOption = False,
    json: JsonOption = False,
    at: AtOption = None,
) -> None:
    """Compare versions side by side: stage, metrics (with the change from the first), params, tags, lineage."""
    from modelreg_cli.cli import render

    comparison = open_registry_at(ctx, registry, at, offline).compare(name, versions)
    if json:
        print_json(comparison.to_json())
    else:
        render.comparison_table(comparison)
