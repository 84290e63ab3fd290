"""Commands for the bytes behind versions: pull (for deploy jobs), verify, and `artifacts gc`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from modelreg_cli.cli.common import AtOption, JsonOption, OfflineOption, RegistryOption, open_registry, open_registry_at

artifacts_app = typer.Typer(help="The artifact store: remove objects no version needs (gc).", no_args_is_help=True)


def pull(
    ctx: typer.Context,
    uri: Annotated[str, typer.Argument(help="The version: models:/NAME/3, models:/NAME@ALIAS, models:/NAME/STAGE, "
                                       "models:/NAME/latest.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder to place it in (default: NAME-vN here). A file "
                                  "lands as DIR/<its file name>; a folder's contents become DIR.", show_default=False)
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use only the local cache (and local folders): never the network.")
    ] = False,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Take a version that has no recorded sha256 as it is (one that has "
                           "one is always checked).")
    ] = False,
    registry: RegistryOption = None,
    json: JsonOption = False,
    at: AtOption = None,
) -> None:
    """Download a version's artifact, check its sha256, and print the path to load.

    Bytes come from the local cache ($XDG_CACHE_HOME/modelreg/artifacts), else the artifact store,
    else the source of a reference; a mismatch is an error and nothing is kept or placed."""
    from modelreg_cli.cli.common import print_json

    pulled = open_registry_at(ctx, registry, at, offline).pull_artifact(uri, output, offline=offline,
                                                                        verify=not no_verify)
    if not pulled.verified:
        sys.stderr.write(f"warning: {uri} has no recorded sha256: placed without checking it\n")
    if json:
        print_json(pulled.to_json())
    else:
        typer.echo(str(pulled.path))


def verify(
    ctx: typer.Context,
    uris: Annotated[
        list[str] | None, typer.Argument(help="Versions to check (default: every version of the registry).",
                                         show_default=False)
    ] = None,
    local: Annotated[
        Path | None, typer.Option("--local", help="Check this local copy (a file or folder) instead of the store; "
                                  "give one URI.", show_default=False)
    ] = None,
    registry: RegistryOption = None,
    offline: OfflineOption = False,
    json: JsonOption = False,
    at: AtOption = None,
) -> None:
    """Check stored objects (or a local copy) against the registry's sha256 and size.

    Reports every missing or mismatched artifact; exit 1 if any. Without URIs, every version is
    checked (remote references are skipped: name one to download and check it)."""
    from modelreg_cli.cli.common import print_json
    from modelreg_cli.cli.render import artifacts as render
    from modelreg_cli.errors import UsageError

    if local is not None and len(uris or []) != 1:
        raise UsageError("--local checks one copy against one version: give exactly one URI")
    reg = open_registry_at(ctx, registry, at, offline)
    found = [reg.verify(uri, local) for uri in uris] if uris else reg.verify_all()
    if json:
        print_json([check.to_json() for check in found])
    else:
        for check in found:
            typer.echo(render.check_line(check))
    failed = [check for check in found if check.failed]
    if failed:
        sys.stderr.write(f"error: {render.failure_summary(failed)}\n")
        raise typer.Exit(1)


def gc(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be removed; remove nothing.")] = False,
    head_only: Annotated[
        bool, typer.Option("--head-only", help="Keep only what the latest revision of each branch and tag uses: "
                           "objects only older revisions reference go too.")
    ] = False,
    min_age: Annotated[
        float, typer.Option("--min-age", help="Keep unreferenced objects written less than this many minutes ago "
                            "(an upload whose commit is yet to come); 0 removes them too.", min=0)
    ] = 60,
    registry: RegistryOption = None,
    json: JsonOption = False,
) -> None:
    """Remove store objects that no version references in any revision of the registry's history."""
    from modelreg_cli.cli.common import print_json
    from modelreg_cli.cli.render import artifacts as render

    done = open_registry(ctx, registry).collect_artifacts(dry_run=dry_run, head_only=head_only, min_age=min_age * 60)
    if json:
        print_json(done.to_json())
        return
    for line in render.collected_lines(done):
        typer.echo(line)


artifacts_app.command()(gc)
