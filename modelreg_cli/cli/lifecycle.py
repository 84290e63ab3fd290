"""Commands that change the registry: init, create, register, copy, transition, describe, delete, rename."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from modelreg_cli.cli.common import (
    BranchOption,
    JsonOption,
    MessageOption,
    PushOption,
    RegistryOption,
    VersionOption,
    parse_version_option,
    print_json,
    writing,
)
from modelreg_cli.cli.render.text import safe

TagOption = Annotated[
    list[str] | None, typer.Option("--tag", "-t", help="A tag KEY=VALUE; repeat for more.", show_default=False)
]


def init(
    path: Annotated[Path, typer.Argument(help="Folder for the registry (made if missing).")] = Path("."),
    store: Annotated[
        str | None, typer.Option("--store", help="Keep artifacts in this store: a folder, s3://bucket/prefix, "
                                 "gs://bucket/prefix or az://container/prefix (docs/artifacts.md).", show_default=False)
    ] = None,
    store_option: Annotated[
        list[str] | None, typer.Option("--store-option", help="An option for the store's backend KEY=VALUE, e.g. "
                                       "endpoint_url=http://127.0.0.1:9000; repeat for more. Never credentials.",
                                       show_default=False)
    ] = None,
) -> None:
    """Make a new registry: modelreg.yaml and models/, in one commit (runs `git init` when PATH is in no repo)."""
    from modelreg_cli.core.names import parse_key_value
    from modelreg_cli.errors import UsageError
    from modelreg_cli.service import Registry

    options = dict(parse_key_value(item, "store option") for item in store_option or [])
    if options and store is None:
        raise UsageError("--store-option configures the store of --store: give --store URL too")
    registry = Registry.init(path, store=store, store_options=options)
    typer.echo(safe(f"Initialized model registry in {registry.root}"))
    if store is not None:
        typer.echo(safe(f"Artifacts go to {store}"))


def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new model, e.g. fraud-detector.")],
    description: Annotated[str, typer.Option("--description", "-d", help="What the model does.")] = "",
    tag: TagOption = None,
    owner: Annotated[
        list[str] | None, typer.Option("--owner", help="An owner (git email); repeat for more.", show_default=False)
    ] = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
    json: JsonOption = False,
) -> None:
    """Register a model with no versions yet (MLflow's create_registered_model)."""
    from modelreg_cli.core.names import parse_key_value

    tags = dict(parse_key_value(item, "tag") for item in tag or [])
    with writing(ctx, registry, push, branch) as writer:
        model = writer.create_model(name, description, tags, owner or [])
        if json:
            print_json(model.model_dump(mode="json", exclude={"versions"}))
        else:
            typer.echo(safe(f"Created model {model.name}"))


def register(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name; the model is created if it does not exist.")],
    source: Annotated[str, typer.Argument(help="The artifact: a local file or folder (hashed), or a URI (s3://, runs:/, hf://, ...).")],
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="A metric KEY=NUMBER; repeat for more.", show_default=False)
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="A parameter KEY=VALUE; repeat for more.", show_default=False)
    ] = None,
    tag: TagOption = None,
    run_id: Annotated[str | None, typer.Option("--run-id", help="The training run that made it.", show_default=False)] = None,
    description: Annotated[str, typer.Option("--description", "-d", help="What is new in this version.")] = "",
    stage: Annotated[str | None, typer.Option("--stage", help="Start in this stage instead of the first one.", show_default=False)] = None,
    alias: Annotated[
        list[str] | None, typer.Option("--alias", help="Point this alias at the new version; repeat for more.", show_default=False)
    ] = None,
    sha256: Annotated[
        str | None, typer.Option("--sha256", help="The artifact's sha256 (checked for a local SOURCE).", show_default=False)
    ] = None,
    size_bytes: Annotated[
        int | None, typer.Option("--size-bytes", help="The artifact's size in bytes (checked for a local SOURCE).",
                                 show_default=False)
    ] = None,
    code_commit: Annotated[
        str | None, typer.Option("--code-commit", help="Lineage: the code commit that trained it.", show_default=False)
    ] = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", help="Lineage: a dataset it was trained on; repeat for more.", show_default=False)
    ] = None,
    parent: Annotated[
        list[str] | None, typer.Option("--parent", help="Lineage: a model URI it derives from; repeat for more.", show_default=False)
    ] = None,
    no_upload: Annotated[
        bool, typer.Option("--no-upload", help="With an artifact store: record a local SOURCE as a reference (its "
                           "path and sha256) instead of uploading it.")
    ] = False,
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
    json: JsonOption = False,
) -> None:
    """Add the next version of a model (1, 2, ...; numbers are never reused).

    With an artifact store in modelreg.yaml, a local file or folder is hashed and uploaded, then
    committed; its source is then the object's URL in the store."""
    from modelreg_cli.core.manifests import Lineage
    from modelreg_cli.core.names import parse_key_value, parse_metric

    metrics = dict(parse_metric(item) for item in metric or [])
    params = dict(parse_key_value(item, "param") for item in param or [])
    tags = dict(parse_key_value(item, "tag") for item in tag or [])
    lineage = Lineage(code_commit=code_commit, datasets=dataset or [], parents=parent or [])
    with writing(ctx, registry, push, branch) as writer:
        version = writer.register(
            name, source, metrics=metrics, params=params, tags=tags, run_id=run_id, description=description,
            stage=stage, aliases=alias or [], sha256=sha256, size_bytes=size_bytes, lineage=lineage, message=message,
            progress=_progress_bar, upload=not no_upload,
        )
        if json:
            print_json(version.model_dump(mode="json"))
        else:
            typer.echo(safe(f"Registered {version.name} version {version.version}"))


_PROGRESS_THRESHOLD = 64 << 20


def copy(
    ctx: typer.Context,
    uri: Annotated[str, typer.Argument(help="The version to copy: models:/NAME/3, models:/NAME@ALIAS, models:/NAME/STAGE.")],
    name: Annotated[str, typer.Argument(help="The model that gets the copy as its next version (created if missing).")],
    registry_to: Annotated[
        str | None, typer.Option("--registry-to", help="Copy into this registry folder instead of the same one.",
                                 show_default=False)
    ] = None,
    message: MessageOption = None,
    registry: RegistryOption = None,
    json: JsonOption = False,
) -> None:
    """Register a version again under another model (MLflow's copy_model_version).

    The copy has the same artifact, run, metrics, params, tags and description, starts in the first
    stage, and its lineage points at the original.
    """
    from modelreg_cli.cli.common import open_registry
    from modelreg_cli.service import Registry

    source = open_registry(ctx, registry)
    target = Registry(registry_to) if registry_to is not None else None
    copied = source.copy_version(uri, name, to=target, message=message)
    if json:
        print_json(copied.model_dump(mode="json"))
    else:
        typer.echo(f"Copied {uri} to {copied.name} version {copied.version}")


def _progress_bar(total: int) -> Callable[[int], None] | None:
    """A progress bar on stderr for hashing large artifacts at a terminal."""
    if total < _PROGRESS_THRESHOLD or not sys.stderr.isatty():
        return None
    from rich.progress import Progress

    from modelreg_cli.cli.render import console

    progress = Progress(console=console(stderr=True), transient=True)
    progress.start()
    task = progress.add_task("hashing (and uploading) artifact", total=total)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        progress.update(task, advance=count)
        if done >= total:
            progress.stop()

    return advance


def transition(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name.")],
    version: Annotated[str, typer.Argument(help="Version number.")],
    stage: Annotated[str, typer.Argument(help="Target stage (any case): None, Staging, Production, Archived.")],
    archive_existing: Annotated[
        bool, typer.Option("--archive-existing", help="Move the current holder of an exclusive stage to Archived.")
    ] = False,
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
    json: JsonOption = False,
) -> None:
    """Move a version to another stage."""
    from modelreg_cli.core.names import parse_version

    with writing(ctx, registry, push, branch) as writer:
        result = writer.transition(name, parse_version(version), stage, archive_existing, message)
        if json:
            print_json(result.to_json())
        elif result.commit is None:
            typer.echo(safe(f"{name} version {result.version.version} is already in {result.to_stage}: nothing to do"))
        else:
            typer.echo(safe(f"{name} version {result.version.version}: {result.from_stage} -> {result.to_stage}"))
            for number in result.archived:
                typer.echo(safe(f"{name} version {number}: {result.to_stage} -> Archived"))


def describe(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name.")],
    text: Annotated[str, typer.Argument(help="The new description.")],
    version: VersionOption = None,
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
) -> None:
    """Set the description of a model, or of one version with --version."""
    with writing(ctx, registry, push, branch) as writer:
        result = writer.describe(name, text, parse_version_option(version), message)
        typer.echo(safe(result.subject if result.commit else f"Nothing to do: {result.subject}"))


def delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name.")],
    version: VersionOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
) -> None:
    """Delete a model, or one version with --version (its aliases go too; its number is never reused)."""
    from modelreg_cli.errors import ModelregError

    number = parse_version_option(version)
    with writing(ctx, registry, push, branch) as writer:
        what = f"version {number} of {name}" if number is not None else f"model {name} and all its versions"
        if number is None:
            writer.get_model(name, with_versions=False)
        else:
            writer.get_version(name, number)
        if not yes:
            if not sys.stdin.isatty():
                raise ModelregError(f"refusing to delete {what} without confirmation: pass --yes")
            if not typer.confirm(f"Delete {what}?"):
                raise ModelregError("not deleted")
        result = writer.delete(name, number, message)
        typer.echo(safe(f"Deleted {what}" if result.commit else result.subject))


def rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="Current model name.")],
    new: Annotated[str, typer.Argument(help="New model name.")],
    message: MessageOption = None,
    registry: RegistryOption = None,
    push: PushOption = None,
    branch: BranchOption = None,
) -> None:
    """Rename a model; its versions, tags and aliases follow."""
    with writing(ctx, registry, push, branch) as writer:
        writer.rename(old, new, message)
        typer.echo(safe(f"Renamed model {old} to {new}"))
