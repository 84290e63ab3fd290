"""Commands that only read: list, show, versions, resolve (each also as of a past revision or date, --at)."""

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
from modelreg_cli.cli.render.text import safe


def list_models(
    ctx: typer.Context,
    registry: RegistryOption = None,
    offline: OfflineOption = False,
    json: JsonOption = False,
    at: AtOption = None,
) -> None:
    """Every model: latest version, which version holds each stage, aliases, last update."""
    from modelreg_cli.cli import render

    reg = open_registry_at(ctx, registry, at, offline)
    models = reg.list_models()
    if json:
        print_json([model.model_dump(mode="json", exclude={"versions"}) for model in models])
    else:
        render.models_table(models, reg.config.stages)


def show(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="A model name, or a model URI such as models:/NAME/3 for one version.")],
    registry: RegistryOption = None,
    offline: OfflineOption = False,
    json: JsonOption = False,
    at: AtOption = None,
) -> None:
    """Show a model with its versions, or one version in full."""
    from modelreg_cli.cli import render
    from modelreg_cli.core.uri import is_model_uri

    reg = open_registry_at(ctx, registry, at, offline)
    if is_model_uri(target):
        version = reg.resolve(target)
        if json:
            print_json(version.model_dump(mode="json"))
        else:
            render.version_details(version)
        return
    model = reg.get_model(target)
    if json:
        print_json(model.model_dump(mode="json"))
    else:
        render.model_details(model)


def versions(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name.")],
    stage: Annotated[
        list[str] | None,
        typer.Option("--stage", help="Only versions in this stage (any case); repeat for several.", show_default=False),
    ] = None,
    latest: Annotated[
        bool,
        typer.Option("--latest", help="Only the highest version in each stage given with --stage (every stage "
                     "without --stage), like MLflow's get_latest_versions."),
    ] = False,
    registry: RegistryOption = None,
    offline: OfflineOption = False,
    json: JsonOption = False,
    at: AtOption = None,
) -> None:
    """List the versions of a model."""
    from modelreg_cli.cli import render

    reg = open_registry_at(ctx, registry, at, offline)
    stages = stage or []
    found = reg.latest_versions(name, stages) if latest else reg.versions(name, stages or None)
    if json:
        print_json([version.model_dump(mode="json") for version in found])
    else:
        where = f" in stage {' or '.join(stages)}" if stages else ""
        render.print_versions(found, f"{name} has no versions{where}.")


def resolve(
    ctx: typer.Context,
    uri: Annotated[str, typer.Argument(help="models:/NAME/3, models:/NAME@ALIAS, models:/NAME/STAGE or models:/NAME/latest.")],
    registry: RegistryOption = None,
    offline: OfflineOption = False,
    json: JsonOption = False,
    at: AtOption = None,
) -> None:
    """Print the source of the version a model URI points at (--json: the whole manifest)."""
    version = open_registry_at(ctx, registry, at, offline).resolve(uri)
    if json:
        print_json(version.model_dump(mode="json"))
    else:
        typer.echo(safe(version.source))  # a hand-edited source could hold escapes
