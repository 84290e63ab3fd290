"""The `modelreg` command: global options and the list of commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from modelreg_cli.cli import labels, lifecycle, query
from modelreg_cli.cli.common import DEBUG_ENV

app = typer.Typer(
    name="modelreg",
    help="A model registry in a git repository: versions, stages, aliases, and every change a commit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        from modelreg_cli import __version__

        typer.echo(f"modelreg {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    registry: Annotated[
        Path | None,
        typer.Option("--registry", "-R", help="Registry folder (default: $MODELREG_REGISTRY, else the nearest "
                     "folder upward holding modelreg.yaml).", show_default=False),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_show_version, is_eager=True)
    ] = False,
) -> None:
    """A model registry in a git repository: versions, stages, aliases, and every change a commit."""
    ctx.obj = {"registry": registry}
    if debug:
        os.environ[DEBUG_ENV] = "1"


app.command()(lifecycle.init)
app.command()(lifecycle.create)
app.command()(lifecycle.register)
app.command()(lifecycle.transition)
app.add_typer(labels.alias_app, name="alias")
app.add_typer(labels.tag_app, name="tag")
app.command()(lifecycle.describe)
app.command()(lifecycle.delete)
app.command()(lifecycle.rename)
app.command("list")(query.list_models)
app.command()(query.show)
app.command()(query.versions)
app.command()(query.resolve)


def main() -> None:
    app()
