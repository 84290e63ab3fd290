"""What every command shares: the common options and opening the registry (errors: cli/boundary.py)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from modelreg_cli.service import Registry

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

OFFLINE_ENV = "MODELREG_OFFLINE"


def open_registry(ctx: typer.Context, registry: str | None, offline: bool = False) -> Registry:
    """The registry named after the command, else before it, else found from the environment.
    OFFLINE (the command's --offline, else the global one, else $MODELREG_OFFLINE) skips fetching a URL."""
    from modelreg_cli.service import Registry

    options = ctx.obj or {}
    chosen = registry if registry is not None else options.get("registry")
    offline = offline or bool(options.get("offline")) or os.environ.get(OFFLINE_ENV, "") not in ("", "0")
    return Registry(chosen, offline=offline)


@contextlib.contextmanager
def writing(ctx: typer.Context, registry: str | None, push: bool | None, branch: str | None) -> Iterator[Registry]:
    """The registry for a write command, with its --push / --branch. The command says what it did
    inside the block; after it, where the write went when it was pushed (its publication is part
    of the result, so no command can leave it out)."""
    from modelreg_cli.cli.render import published
    from modelreg_cli.service import Registry

    options = ctx.obj or {}
    chosen = registry if registry is not None else options.get("registry")
    writer = Registry(chosen, push=push, branch=branch)
    yield writer
    published(writer.last_push)


def open_registry_at(ctx: typer.Context, registry: str | None, at: str | None, offline: bool = False) -> Registry:
    """The registry as open_registry finds it, or its read-only view as of AT (--at)."""
    opened = open_registry(ctx, registry, offline)
    return opened.at(at) if at is not None else opened


def parse_version_option(text: str | None) -> int | None:
    from modelreg_cli.core.names import parse_version

    return None if text is None else parse_version(text)


def print_json(data: Any) -> None:
    import json

    # allow_nan=False: JSON has no NaN or Infinity (none can enter a registry; this keeps it so)
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
