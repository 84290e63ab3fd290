"""What every command shares: the --registry option, opening the registry, and turning errors into exit codes."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from modelreg_cli.service import Registry

F = TypeVar("F", bound=Callable[..., Any])

RegistryOption = Annotated[
    str | None,
    typer.Option(
        "--registry",
        "-R",
        help="Registry folder, or a git URL to read it from (git+https://host/org/registry.git). Default: "
        "$MODELREG_REGISTRY, else the nearest folder upward holding modelreg.yaml.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
MessageOption = Annotated[
    str | None, typer.Option("--message", "-m", help="Why: goes in the body of the commit.", show_default=False)
]
VersionOption = Annotated[
    str | None, typer.Option("--version", help="Act on this version instead of the model.", show_default=False)
]

AtOption = Annotated[
    str | None,
    typer.Option("--at", help="Answer as of this git revision (commit, branch, tag, HEAD~3) or date "
                 "(2026-10-01 means the end of that day; UTC unless an offset is given).", show_default=False),
]

PushOption = Annotated[
    bool | None,
    typer.Option("--push/--no-push", help="Make the change on the tracked remote branch's latest state and push it, "
                 "retrying when others pushed first (default: $MODELREG_PUSH, else push: in modelreg.yaml).",
                 show_default=False),
]
BranchOption = Annotated[
    str | None,
    typer.Option("--branch", help="Make the change on the remote's latest state and push it as this new branch, "
                 "for a pull request; your checkout is left as it is.", show_default=False),
]

OfflineOption = Annotated[
    bool, typer.Option("--offline", help="With a registry URL: use the cached copy, do not fetch (also $MODELREG_OFFLINE=1).")
]

DEBUG_ENV = "MODELREG_DEBUG"
OFFLINE_ENV = "MODELREG_OFFLINE"


def open_registry(ctx: typer.Context, registry: str | None, offline: bool = False) -> Registry:
    """The registry named after the command, else before it, else found from the environment.
    OFFLINE (the command's --offline, else the global one, else $MODELREG_OFFLINE) skips fetching a URL."""
    from modelreg_cli.service import Registry

    options = ctx.obj or {}
    chosen = registry if registry is not None else options.get("registry")
    offline = offline or bool(options.get("offline")) or os.environ.get(OFFLINE_ENV, "") not in ("", "0")
    return Registry(chosen, offline=offline)


def open_writer(ctx: typer.Context, registry: str | None, push: bool | None, branch: str | None) -> Registry:
    """The registry for a write command, with its --push / --branch; the push is reported after the command."""
    from modelreg_cli.service import Registry

    options = ctx.obj if ctx.obj is not None else {}
    chosen = registry if registry is not None else options.get("registry")
    writer = Registry(chosen, push=push, branch=branch)
    options["writer"] = writer
    ctx.obj = options
    return writer


def report_push(ctx: typer.Context | None) -> None:
    """After a write that was pushed, say where it went (and what to open for a branch)."""
    writer = (ctx.obj or {}).get("writer") if ctx is not None else None
    published = getattr(writer, "last_push", None)
    if published is None or published.commit is None:
        return
    short = published.commit[:7]
    if published.for_review:
        target = f"{published.remote}/{published.branch}"
        typer.echo(f"Pushed {short} to branch {target}: open a pull request from {published.branch} "
                   f"into the branch it was made from")
    else:
        typer.echo(f"Pushed {short} to {published.remote}/{published.branch}")
    if published.note:
        sys.stderr.write(f"warning: {published.note}\n")


def open_registry_at(ctx: typer.Context, registry: str | None, at: str | None, offline: bool = False) -> Registry:
    """The registry as open_registry finds it, or its read-only view as of AT (--at)."""
    opened = open_registry(ctx, registry, offline)
    return opened.at(at) if at is not None else opened


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line on stderr; return the Exit to raise."""
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    return typer.Exit(code)


def handle_errors(command: F) -> F:
    """Turn a domain error into one line on stderr and its exit code; a bug into exit 3."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from modelreg_cli.errors import ModelregError

        try:
            result = command(*args, **kwargs)
            report_push(kwargs.get("ctx"))
            return result
        except ModelregError as exc:
            if os.environ.get(DEBUG_ENV):
                traceback.print_exc()
            raise fail(str(exc), exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug: say so plainly, with the way to see more
            if os.environ.get(DEBUG_ENV):
                traceback.print_exc()
            raise fail(f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", 3) from None

    return wrapper  # type: ignore[return-value]


def parse_version_option(text: str | None) -> int | None:
    from modelreg_cli.core.names import parse_version

    return None if text is None else parse_version(text)


def print_json(data: Any) -> None:
    import json

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
