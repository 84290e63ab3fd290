"""Applying an import plan (modelreg_cli/importers): the other registry's history as modelreg commits.

In this order: the stages modelreg.yaml lacks (one commit); per model, its creation, then one commit
per version in creation order, each by its original author at its original time (git's
GIT_AUTHOR_*/GIT_COMMITTER_* for that commit), keeping the version's number when it is free; then the
stage changes in time order and the aliases. A version is known by its `imported.from` tag, so a
second run adds only what is new. Names that differ only in case from another are reported, not merged.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from modelreg_cli.core import changes, layout
from modelreg_cli.core.manifests import Lineage, RegistryConfig
from modelreg_cli.core.serialize import dump_document
from modelreg_cli.errors import ModelregError

if TYPE_CHECKING:
    from modelreg_cli.core.imports import ImportedModel, ImportedVersion, ImportPlan
    from modelreg_cli.service.registry import Registry

ORIGIN_TAG = "imported.from"


@dataclass
class ImportReport:
    done: list[str] = field(default_factory=list)
    """One line per change made (or, in a dry run, that would be made)."""
    skipped: list[str] = field(default_factory=list)
    """One line per thing left out, and why."""


@contextlib.contextmanager
def authored(who: str, when: str) -> Iterator[None]:
    """Commits made inside are by WHO at WHEN (an ISO 8601 time), as git's environment says."""
    name = who.split("@")[0] or who
    values = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": who, "GIT_AUTHOR_DATE": when,
              "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": who, "GIT_COMMITTER_DATE": when}
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def apply(registry: Registry, plan: ImportPlan, dry_run: bool = False) -> ImportReport:
    report = ImportReport()
    missing = [stage for stage in plan.stages if stage.lower() not in {s.lower() for s in registry.config.stages}]
    if missing:
        report.done.append(f"add stages {', '.join(missing)} to {layout.CONFIG_FILE}")
        if not dry_run:
            _add_stages(registry, missing)
    taken = {name.lower(): name for name in (model.name for model in registry.list_models())}
    planned: dict[str, str] = {}
    for model in plan.models:
        clash = next((other for other in (taken.get(model.name.lower()), planned.get(model.name.lower()))
                      if other is not None and other != model.name), None)
        if clash is not None:
            report.skipped.append(f"{model.name}: differs from {clash!r} only in case, so it is not imported "
                                  "(rename one of them there, then import again)")
            continue
        planned[model.name.lower()] = model.name
        _apply_model(registry, model, model.name in taken.values(), dry_run, report)
    return report


def _add_stages(registry: Registry, stages: list[str]) -> None:
    config = registry.config
    archived = [stage for stage in config.stages if stage.lower() == "archived"]
    kept = [stage for stage in config.stages if stage not in archived]
    updated = RegistryConfig.model_validate({**config.model_dump(), "stages": [*kept, *stages, *archived]})
    change = changes.Change("config", "", f"import: add stages {', '.join(stages)}",
                            writes={layout.CONFIG_FILE: dump_document(updated)})
    registry._write(lambda reg: (change, lambda commit: None))
    registry._config = None


def _imported(registry: Registry, name: str) -> dict[str, int]:
    """Origin -> modelreg's number, of the versions of NAME imported before."""
    return {version.tags[ORIGIN_TAG]: version.version for version in registry.versions(name)
            if ORIGIN_TAG in version.tags}


def _apply_model(registry: Registry, model: ImportedModel, exists: bool, dry_run: bool, report: ImportReport) -> None:
    if not exists:
        report.done.append(f"create model {model.name}")
        if not dry_run:
            with authored(model.created_by, model.created_at):
                registry.create_model(model.name, model.description, model.tags)
    known = _imported(registry, model.name) if exists or not dry_run else {}
    numbers = dict(known)
    for version in sorted(model.versions, key=lambda v: (v.created_at, v.number)):
        if version.origin in known:
            continue
        report.done.append(f"register {model.name} v{version.number} ({version.origin})")
        if not dry_run:
            try:
                numbers[version.origin] = _register(registry, model.name, version)
            except ModelregError as exc:
                report.skipped.append(f"{version.origin}: {exc}")
    if dry_run:
        return
    by_number = {v.number: numbers[v.origin] for v in model.versions if v.origin in numbers}
    fresh = [v for v in model.versions if v.origin in numbers and v.origin not in known]
    moves = sorted(((change, v) for v in fresh for change in v.stages), key=lambda pair: pair[0].at)
    for change, version in moves:
        number = numbers[version.origin]
        with authored(change.by, change.at):
            try:
                result = registry.transition(model.name, number, change.stage, archive_existing=True)
            except ModelregError as exc:
                report.skipped.append(f"{version.origin} -> {change.stage}: {exc}")
                continue
        if result.commit is not None:
            report.done.append(f"transition {model.name} v{number} to {result.to_stage}")
    current = registry.get_model(model.name, with_versions=False).aliases
    for alias, there in sorted(model.aliases.items()):
        target = by_number.get(there)
        if target is None or current.get(alias) == target:
            continue
        try:
            registry.set_alias(model.name, alias, target)
            report.done.append(f"alias {model.name}@{alias} -> v{target}")
        except ModelregError as exc:
            report.skipped.append(f"{model.name}@{alias}: {exc}")


def _register(registry: Registry, name: str, version: ImportedVersion) -> int:
    """One commit: VERSION as the next version of NAME, under its own number when that is free."""
    request = changes.RegisterRequest(
        name=name, source=version.source, metrics=version.metrics, params=version.params,
        tags={**version.tags, ORIGIN_TAG: version.origin}, run_id=version.run_id, description=version.description,
        lineage=Lineage(code_commit=version.code_commit) if version.code_commit else None,
    )
    with authored(version.created_by, version.created_at):
        stamp = registry._store.stamp()

        def operation(reg: Registry) -> tuple[changes.Change | None, object]:
            state = reg._store.read_model(name)
            if state is not None and state.model.last_version < version.number:
                state.model.last_version = version.number - 1  # keep the number it had there
            manifest, change = changes.register(reg.config, state, reg._store.model_names(), request, stamp)
            return change, lambda commit: manifest.version

        number: int = registry._write(operation)  # type: ignore[arg-type]
    return number
