"""The `alias` and `tag` command groups."""

from __future__ import annotations

from typing import Annotated

import typer

from modelreg_cli.cli.common import (
    BranchOption,
    MessageOption,
    PushOption,
    RegistryOption,
    VersionOption,
    parse_version_option,
    writing,
)
from modelreg_cli.cli.render.text import safe

alias_app = typer.Typer(help="Point named aliases (champion, challenger) at versions.", no_args_is_help=True)
tag_app = typer.Typer(help="Set and remove tags on models and versions.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="Model name.")]


def _report(subject: str, changed: bool) -> None:
    typer.echo(safe(subject if changed else f"Nothing to do: {subject}"))


@alias_app.command("set")
def alias_set(
    ctx: typer.Context,
    name: NameArg,
    alias: Annotated[str, typer.Argument(help="Alias, e.g. champion (not 'latest' or v<number>).")],
    version: Annotated[str, typer.Argument(help="Version number it should point at.")],
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
) -> None:
    """Point ALIAS at VERSION, moving it if it pointed elsewhere."""
    from modelreg_cli.core.names import parse_version

    with writing(ctx, registry, push, branch) as writer:
        result = writer.set_alias(name, alias, parse_version(version), message)
        _report(result.subject, result.commit is not None)


@alias_app.command("delete")
def alias_delete(
    ctx: typer.Context,
    name: NameArg,
    alias: Annotated[str, typer.Argument(help="Alias to remove.")],
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
) -> None:
    """Remove ALIAS from the model."""
    with writing(ctx, registry, push, branch) as writer:
        result = writer.delete_alias(name, alias, message)
        _report(result.subject, True)


@tag_app.command("set")
def tag_set(
    ctx: typer.Context,
    name: NameArg,
    key: Annotated[str, typer.Argument(help="Tag key.")],
    value: Annotated[str, typer.Argument(help="Tag value.")],
    version: VersionOption = None,
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
) -> None:
    """Set tag KEY to VALUE on the model, or on one version with --version."""
    with writing(ctx, registry, push, branch) as writer:
        result = writer.set_tag(name, key, value, parse_version_option(version), message)
        _report(result.subject, result.commit is not None)


@tag_app.command("delete")
def tag_delete(
    ctx: typer.Context,
    name: NameArg,
    key: Annotated[str, typer.Argument(help="Tag key to remove.")],
    version: VersionOption = None,
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
) -> None:
    """Remove tag KEY from the model, or from one version with --version."""
    with writing(ctx, registry, push, branch) as writer:
        result = writer.delete_tag(name, key, parse_version_option(version), message)
        _report(result.subject, True)
