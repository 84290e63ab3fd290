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

DEBUG_ENV = "MODELREG_DEBUG"
OFFLINE_ENV = "MODELREG_OFFLINE"


def open_registry(ctx: typer.Context, registry: str | None) -> Registry:
    """The registry named after the command, else before it, else found from the environment."""
    from modelreg_cli.service import Registry

    options = ctx.obj or {}
    chosen = registry if registry is not None else options.get("registry")
    offline = bool(options.get("offline")) or os.environ.get(OFFLINE_ENV, "") not in ("", "0")
    return Registry(chosen, offline=offline)


def open_registry_at(ctx: typer.Context, registry: str | None, at: str | None) -> Registry:
    """The registry as open_registry finds it, or its read-only view as of AT (--at)."""
    opened = open_registry(ctx, registry)
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
            return command(*args, **kwargs)
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
