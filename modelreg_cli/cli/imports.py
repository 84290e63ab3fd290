"""`modelreg import mlflow|gto`: bring another registry in, history and all (docs/mlflow.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from modelreg_cli.cli.common import RegistryOption

import_app = typer.Typer(help="Bring an existing registry (MLflow's, GTO's) in, with its history: one commit per change.",
                         no_args_is_help=True)

ModelFilter = Annotated[
    list[str] | None, typer.Option("--model", help="Import only this model; repeat for more.", show_default=False)
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print what would be imported; change nothing.")]


def _run(ctx: typer.Context, importer_name: str, source: str, models: list[str] | None, dry_run: bool,
         registry: str | None) -> None:
    from modelreg_cli.cli.common import open_registry
    from modelreg_cli.importers import get_importer
    from modelreg_cli.service.imports import apply

    target = open_registry(ctx, registry)
    options: dict[str, Any] = {"models": models or []}
    plan = get_importer(importer_name).read(source, options)
    report = apply(target, plan, dry_run=dry_run)
    prefix = "would " if dry_run else ""
    for line in report.done:
        typer.echo(f"{prefix}{line}")
    for line in report.skipped:
        typer.echo(f"skipped: {line}", err=True)
    if not report.done:
        typer.echo("nothing new to import")


@import_app.command("mlflow")
def import_mlflow(
    ctx: typer.Context,
    tracking_uri: Annotated[str, typer.Option("--tracking-uri", help="The MLflow tracking/registry URI: "
                                              "sqlite:///mlflow.db, http://server:5000, databricks, ...")],
    model: ModelFilter = None,
    dry_run: DryRun = False,
    registry: RegistryOption = None,
) -> None:
    """Import registered models, versions, tags, aliases, stages, runs' metrics and params from MLflow.

    One commit per version in creation order, by its original user at its original time, then the
    current stages and aliases. Running it again imports only what is new.
    """
    _run(ctx, "mlflow", tracking_uri, model, dry_run, registry)


@import_app.command("gto")
def import_gto(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="The GTO repository (its tags and artifacts.yaml are read).")],
    model: ModelFilter = None,
    dry_run: DryRun = False,
    registry: RegistryOption = None,
) -> None:
    """Import GTO's artifacts: versions in semver order (the semver kept as the tag gto.version),
    stage assignments as commits, GTO's stages added to modelreg.yaml."""
    _run(ctx, "gto", path, model, dry_run, registry)
