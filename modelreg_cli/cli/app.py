"""The `modelreg` command: global options and the list of commands."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from modelreg_cli.cli import artifacts, governance, history, imports, labels, lifecycle, query, search, sharing
from modelreg_cli.cli.boundary import DEBUG_ENV, error_boundary
from modelreg_cli.cli.common import RegistryOption
from modelreg_cli.cli.site import site_app


class ModelregGroup(TyperGroup):
    """The whole dispatch runs inside the error boundary (cli/boundary.py)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        run = functools.partial(super().main, args, prog_name, complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
        if not standalone_mode:
            return run()
        with error_boundary():
            code = run()
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=ModelregGroup,
    name="modelreg",
    help="A model registry in a git repository: versions, stages, aliases, and every change a commit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        from modelreg_cli.version import __version__

        typer.echo(f"modelreg {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    registry: RegistryOption = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="With a registry URL: use the cached copy, do not fetch "
                           "(also $MODELREG_OFFLINE=1).")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_show_version, is_eager=True)
    ] = False,
) -> None:
    """A model registry in a git repository: versions, stages, aliases, and every change a commit."""
    ctx.obj = {"registry": registry, "offline": offline}
    if debug:
        os.environ[DEBUG_ENV] = "1"


app.command()(lifecycle.init)
app.command()(lifecycle.create)
app.command()(lifecycle.register)
app.command()(lifecycle.copy)
app.command()(lifecycle.transition)
app.command()(governance.promote)
app.add_typer(labels.alias_app, name="alias")
app.add_typer(labels.tag_app, name="tag")
app.command()(lifecycle.describe)
app.command()(lifecycle.delete)
app.command()(lifecycle.rename)
app.command("list")(query.list_models)
app.command()(query.show)
app.command()(query.versions)
app.command()(query.resolve)
app.command()(search.search)
app.command()(search.compare)
app.command()(history.log)
app.command()(history.diff)
app.command()(history.rollback)
app.command()(sharing.sync)
app.command()(artifacts.pull)
app.command()(artifacts.verify)
app.add_typer(artifacts.artifacts_app, name="artifacts")
app.command()(governance.check)
app.command()(governance.codeowners)
app.add_typer(site_app, name="site")
app.add_typer(imports.import_app, name="import")


def main() -> None:
    app()
