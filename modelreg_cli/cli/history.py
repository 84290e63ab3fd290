"""History commands: log (the audit trail), diff (what a change or a pull request does), rollback."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from modelreg_cli.cli.common import (
    BranchOption,
    MessageOption,
    OfflineOption,
    PushOption,
    RegistryOption,
    open_registry,
    print_json,
    writing,
)
from modelreg_cli.cli.render.text import safe


class DiffFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


def log(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this model (followed through renames).", show_default=False)] = None,
    version: Annotated[str | None, typer.Argument(help="Only this version of the model.", show_default=False)] = None,
    alias: Annotated[str | None, typer.Option("--alias", help="Only changes of this alias.", show_default=False)] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Only versions entering or leaving this stage.", show_default=False)
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only commits landed at or after this date or time (UTC unless "
                                 "it has an offset).", show_default=False)
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Only commits landed at or before this date (through its end) "
                                 "or time.", show_default=False)
    ] = None,
    max_count: Annotated[
        int | None, typer.Option("--max-count", "-n", min=0, help="Show at most this many commits.", show_default=False)
    ] = None,
    registry: RegistryOption = None,
    offline: OfflineOption = False,
    json: Annotated[bool, typer.Option("--json", help="Print a JSON list with one object per event.")] = False,
) -> None:
    """The audit history, newest first: when, who, which commit, what changed, and why."""
    from modelreg_cli.cli.render import events
    from modelreg_cli.core.names import parse_version

    number = parse_version(version) if version is not None else None
    entries = open_registry(ctx, registry, offline).history(
        name, number, alias=alias, stage=stage, since=since, until=until, max_count=max_count
    )
    if json:
        print_json(events.log_json(entries))
    else:
        typer.echo(events.log_text(entries), nl=False)


def diff(
    ctx: typer.Context,
    base: Annotated[
        str | None, typer.Argument(help="Revision or date to compare from (default HEAD); A..B or A...B (from "
                                   "their merge base) name both sides.", show_default=False)
    ] = None,
    head: Annotated[
        str | None, typer.Argument(help="Revision or date to compare to (default: the working tree).", show_default=False)
    ] = None,
    format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="text for a terminal, markdown for a pull request comment, "
                                 "json for scripts.")
    ] = DiffFormat.text,
    registry: RegistryOption = None,
    offline: OfflineOption = False,
) -> None:
    """The changes between two states of the registry (default: the working tree against HEAD)."""
    from modelreg_cli.cli.render import events

    result = open_registry(ctx, registry, offline).diff(base, head)
    if format is DiffFormat.json:
        print_json([event.to_json() for event in result.events])
    elif format is DiffFormat.markdown:
        typer.echo(events.diff_markdown(result), nl=False)
    else:
        typer.echo(events.diff_text(result), nl=False)


def rollback(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name.")],
    stage: Annotated[
        str | None, typer.Option("--stage", help="Put this stage back on the version that held it before.",
                                 show_default=False)
    ] = None,
    alias: Annotated[
        str | None, typer.Option("--alias", help="Point this alias back at the version it pointed at before.",
                                 show_default=False)
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Roll back to this version instead of the previous one.", show_default=False)
    ] = None,
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
    json: Annotated[bool, typer.Option("--json", help="Print the commit made and its subject as JSON.")] = False,
) -> None:
    """Undo the last change of a stage or alias: one commit that names the commit it undoes."""
    from modelreg_cli.core.names import parse_version

    target = parse_version(to) if to is not None else None
    with writing(ctx, registry, push, branch) as writer:
        result = writer.rollback(name, stage=stage, alias=alias, to=target, message=message)
        if json:
            print_json(result.to_json())
        else:
            typer.echo(safe(result.subject))
            for move in result.moved:
                typer.echo(safe(f"{name} version {move.version}: {move.before} -> {move.after}"))
