"""The Python API: `from modelreg_cli import Registry`.

Every operation the CLI offers, returning pydantic objects. A write reads only the model it
changes, asks core for the change, and hands it to the store, which commits it or leaves
everything as it was.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar, cast

from modelreg_cli.core import changes
from modelreg_cli.core.manifests import Artifact, Lineage, ModelVersion, RegisteredModel, RegistryConfig
from modelreg_cli.core.names import canonical_stage, validate_sha256
from modelreg_cli.core.state import ModelState
from modelreg_cli.core.uri import ModelURI, parse_model_uri
from modelreg_cli.errors import InvalidInputError
from modelreg_cli.store import artifacts
from modelreg_cli.store.files import RegistryStore, find_registry_root, init_registry


@dataclass(frozen=True)
class TransitionResult:
    """What a transition did: `commit` is None when the version was already in the stage."""

    version: ModelVersion
    from_stage: str
    to_stage: str
    archived: tuple[int, ...]
    commit: str | None


@dataclass(frozen=True)
class ChangeResult:
    """The outcome of a write: `commit` is None when nothing needed to change."""

    commit: str | None
    subject: str


P = ParamSpec("P")
R = TypeVar("R")


def _writes(method: Callable[Concatenate[Registry, P], R]) -> Callable[Concatenate[Registry, P], R]:
    """Run a write under the registry's lock, from reading the model to committing the change."""

    @functools.wraps(method)
    def locked(self: Registry, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._store.transaction():
            return method(self, *args, **kwargs)

    return cast("Callable[Concatenate[Registry, P], R]", locked)


class Registry:
    """A model registry in a git repository."""

    def __init__(self, path: str | Path | None = None, *, _store: RegistryStore | None = None) -> None:
        """Open the registry at PATH, else $MODELREG_REGISTRY, else the nearest one upward from the cwd."""
        self._store = _store or RegistryStore(find_registry_root(path))
        self.root = self._store.root
        self._config: RegistryConfig | None = None
        if _store is None:
            self._store.recover()

    def at(self, point: str) -> Registry:
        """The registry as it was at POINT: a git revision (commit, branch, tag, HEAD~3) or a date
        (2026-10-01, 2026-10-01T12:00:00Z: the last commit at or before it). Read-only."""
        return Registry(_store=self._store.at(point))

    @classmethod
    def init(cls, path: str | Path = ".") -> Registry:
        """Make a new registry at PATH (running `git init` when PATH is in no repository)."""
        init_registry(Path(path).expanduser().resolve(), RegistryConfig())
        return cls(path)

    @property
    def config(self) -> RegistryConfig:
        if self._config is None:
            self._config = self._store.read_config()
        return self._config

    # reading ------------------------------------------------------------------

    def list_models(self) -> list[RegisteredModel]:
        stages = self.config.stages
        return [state.view(stages) for state in self._store.read_models()]

    def get_model(self, name: str, with_versions: bool = True) -> RegisteredModel:
        return self._store.require_model(name).view(self.config.stages, with_versions=with_versions)

    def get_version(self, name: str, version: int) -> ModelVersion:
        return self._store.require_model(name).view_version(version)

    def versions(self, name: str, stage: str | None = None) -> list[ModelVersion]:
        state = self._store.require_model(name)
        numbers = sorted(state.versions)
        if stage is not None:
            wanted = canonical_stage(stage, self.config.stages)
            numbers = state.holders(wanted)
        return [state.view_version(n) for n in numbers]

    def resolve(self, uri: str | ModelURI) -> ModelVersion:
        """The version a models:/ URI points at."""
        parsed = parse_model_uri(uri) if isinstance(uri, str) else uri
        state = self._store.require_model(parsed.name)
        return state.view_version(state.select(parsed, self.config.stages))

    # writing ------------------------------------------------------------------

    def _commit(self, change: changes.Change | None) -> str | None:
        return None if change is None else self._store.apply(change)

    def _model(self, name: str) -> ModelState:
        return self._store.require_model(name)

    @_writes
    def create_model(
        self,
        name: str,
        description: str = "",
        tags: Mapping[str, str] | None = None,
        owners: Iterable[str] = (),
    ) -> RegisteredModel:
        """Register a model with no versions (MLflow's create_registered_model)."""
        state, change = changes.create_model(
            self._store.model_names(), name, self._store.stamp(), description, tags, owners
        )
        self._commit(change)
        return state.view(self.config.stages)

    def register(
        self,
        name: str,
        source: str,
        *,
        metrics: Mapping[str, float] | None = None,
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        run_id: str | None = None,
        description: str = "",
        stage: str | None = None,
        aliases: Iterable[str] = (),
        sha256: str | None = None,
        size_bytes: int | None = None,
        lineage: Lineage | None = None,
        message: str | None = None,
        progress: artifacts.ProgressFactory | None = None,
    ) -> ModelVersion:
        """Add the next version of NAME (creating the model if needed) pointing at SOURCE.

        A local file or folder SOURCE gets its sha256 and size measured (SHA256 and SIZE_BYTES, when
        given, must match); for a remote SOURCE they are recorded as given. PROGRESS, when given,
        is called with the total size and returns a callback fed with the bytes read.
        """
        stamp = self._store.stamp()
        artifact, stored_source = self._describe_source(source, sha256, size_bytes, progress)
        request = changes.RegisterRequest(
            name=name, source=stored_source, metrics=dict(metrics or {}), params=dict(params or {}),
            tags=dict(tags or {}), run_id=run_id, description=description, stage=stage,
            aliases=tuple(aliases), artifact=artifact, lineage=lineage,
        )
        with self._store.transaction():  # taken after hashing, which may be long, so others are not kept waiting
            state = self._store.read_model(name)
            manifest, change = changes.register(
                self.config, state, self._store.model_names(), request, stamp, message
            )
            self._commit(change)
        return ModelVersion(**manifest.model_dump(), aliases=sorted(request.aliases))

    def _describe_source(
        self, source: str, sha256: str | None, size_bytes: int | None, progress: artifacts.ProgressFactory | None
    ) -> tuple[Artifact | None, str]:
        expected = validate_sha256(sha256) if sha256 else None
        if size_bytes is not None and size_bytes < 0:
            raise InvalidInputError(f"size {size_bytes} is negative: give the artifact's size in bytes")
        if not source.strip():
            raise InvalidInputError("source is empty: give a path or a URI such as s3://bucket/model")
        local = artifacts.local_source(source, self._store.repo.toplevel)
        if local is None:
            given = expected is not None or size_bytes is not None
            return (Artifact(sha256=expected, size_bytes=size_bytes) if given else None), source
        callback = progress(artifacts.total_size(local.path)) if progress else None
        artifact = artifacts.digest(local.path, callback)
        if expected and artifact.sha256 != expected:
            raise InvalidInputError(
                f"sha256 of {source} is {artifact.sha256}, not the {expected} given with --sha256: "
                "check that this is the right artifact"
            )
        if size_bytes is not None and artifact.size_bytes != size_bytes:
            raise InvalidInputError(
                f"{source} has {artifact.size_bytes} bytes, not the {size_bytes} given with --size-bytes: "
                "check that this is the right artifact"
            )
        return artifact, local.stored

    @_writes
    def transition(
        self, name: str, version: int, stage: str, archive_existing: bool = False, message: str | None = None
    ) -> TransitionResult:
        """Move VERSION of NAME to STAGE (any case); see --archive-existing for exclusive stages."""
        state = self._model(name)
        move, change = changes.transition(
            self.config, state, version, stage, self._store.stamp(), archive_existing, message
        )
        commit = self._commit(change)
        return TransitionResult(state.view_version(version), move.from_stage, move.to_stage, move.archived, commit)

    @_writes
    def set_alias(self, name: str, alias: str, version: int, message: str | None = None) -> ChangeResult:
        state = self._model(name)
        return self._result(changes.set_alias(state, alias, version, self._store.stamp(), message),
                            f"{name}@{alias} already points at version {version}")

    @_writes
    def delete_alias(self, name: str, alias: str, message: str | None = None) -> ChangeResult:
        state = self._model(name)
        return self._result(changes.delete_alias(state, alias, self._store.stamp(), message), "")

    @_writes
    def set_tag(self, name: str, key: str, value: str, version: int | None = None,
                message: str | None = None) -> ChangeResult:
        state = self._model(name)
        return self._result(changes.set_tag(state, key, value, self._store.stamp(), version, message),
                            f"tag {key} already has that value")

    @_writes
    def delete_tag(self, name: str, key: str, version: int | None = None, message: str | None = None) -> ChangeResult:
        state = self._model(name)
        return self._result(changes.delete_tag(state, key, self._store.stamp(), version, message), "")

    @_writes
    def describe(self, name: str, text: str, version: int | None = None, message: str | None = None) -> ChangeResult:
        state = self._model(name)
        return self._result(changes.describe(state, text, self._store.stamp(), version, message),
                            "the description is already that text")

    @_writes
    def delete(self, name: str, version: int | None = None, message: str | None = None) -> ChangeResult:
        """Delete a version (and the aliases pointing at it), or the whole model."""
        state = self._model(name)
        if version is None:
            return self._result(changes.delete_model(state, message), "")
        return self._result(changes.delete_version(state, version, self._store.stamp(), message), "")

    @_writes
    def rename(self, old: str, new: str, message: str | None = None) -> ChangeResult:
        state = self._model(old)
        change = changes.rename(state, new, self._store.model_names(), self._store.stamp(), message)
        return self._result(change, "")

    def _result(self, change: changes.Change | None, unchanged: str) -> ChangeResult:
        if change is None:
            return ChangeResult(None, unchanged)
        return ChangeResult(self._store.apply(change), change.subject)
