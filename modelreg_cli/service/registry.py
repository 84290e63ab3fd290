"""The Registry: the Python API (`from modelreg_cli import Registry`).

Every operation the CLI offers, returning pydantic objects. A write reads only the model it
changes, asks core for the change, and hands it to the store, which commits it or leaves
everything as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from modelreg_cli.core import changes
from modelreg_cli.core.events import HistoryEntry, RegistryDiff
from modelreg_cli.core.manifests import Lineage, ModelVersion, RegisteredModel, RegistryConfig
from modelreg_cli.core.names import canonical_stage
from modelreg_cli.core.search import DEFAULT_MAX_RESULTS, SearchPage
from modelreg_cli.core.state import ModelState
from modelreg_cli.core.uri import ModelURI, parse_model_uri
from modelreg_cli.errors import NotFoundError
from modelreg_cli.service.askers import alias_history, stage_history
from modelreg_cli.store import artifacts, publish
from modelreg_cli.store.files import RegistryStore, init_registry, open_store
from modelreg_cli.store.publish import Published

PUSH_ENV = "MODELREG_PUSH"

if TYPE_CHECKING:
    from modelreg_cli.core.compare import VersionComparison
    from modelreg_cli.service.artifacts import ArtifactCheck, Collected, Pulled
    from modelreg_cli.store.artifact_stores import ArtifactStore
    from modelreg_cli.store.audit import CheckReport


@dataclass(frozen=True)
class TransitionResult:
    """What a transition did: `commit` is None when the version was already in the stage."""

    version: ModelVersion
    from_stage: str
    to_stage: str
    archived: tuple[int, ...]
    commit: str | None

    def to_json(self) -> dict[str, Any]:
        """The version after the move, with where it came from, what it displaced and the commit."""
        return {**self.version.model_dump(mode="json"), "from_stage": self.from_stage, "archived": list(self.archived),
                "commit": self.commit}


@dataclass(frozen=True)
class ChangeResult:
    """The outcome of a write: `commit` is None when nothing needed to change."""

    commit: str | None
    subject: str


@dataclass(frozen=True)
class RollbackResult(ChangeResult):
    """A rollback's commit and subject, and every version it moved between stages (none for an alias)."""

    moved: tuple[changes.StageMove, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"commit": self.commit, "subject": self.subject,
                "moved": [{"version": m.version, "from": m.before, "to": m.after} for m in self.moved]}


def _checked(kind: Any, **values: Any) -> Any:
    """A document of KIND made from VALUES, its validation errors in one line."""
    from pydantic import ValidationError

    from modelreg_cli.errors import InvalidInputError

    try:
        return kind(**values)
    except ValidationError as exc:
        raise InvalidInputError("; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())) from None


T = TypeVar("T")
Finish = Callable[[str | None], T]
"""Builds a write's result from the commit it made (None when nothing changed)."""
Operation = Callable[["Registry"], tuple[changes.Change | None, Finish[T]]]
"""A write, run on a registry state: the change to commit and how to report it. Run on the working
tree, or (with push) on the remote's latest state, again after each rejected push."""


class Registry:
    """A model registry in a git repository."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        offline: bool = False,
        push: bool | None = None,
        branch: str | None = None,
        _store: RegistryStore | None = None,
    ) -> None:
        """Open the registry at PATH, else $MODELREG_REGISTRY, else the nearest one upward from the cwd.

        PATH may be a git URL (git+https://host/org/registry.git, file:///srv/registry.git): the
        registry is then read, read-only, from a cached mirror fetched now (not when OFFLINE).

        PUSH: every write is made on the tracked remote branch's latest state and pushed (retried
        when others pushed first); default $MODELREG_PUSH, else `push:` in modelreg.yaml.
        BRANCH: every write is made on the remote's latest state and pushed as this new branch,
        for a pull request; the clone's own branch is left alone.
        """
        self._store = _store or open_store(path, offline)
        self.root = self._store.root
        self._config: RegistryConfig | None = None
        self._push = push
        self._branch = branch
        self.last_push: Published | None = None
        """Where the last write went, when it was pushed."""
        if _store is None:
            self._store.recover()

    def at(self, point: str) -> Registry:
        """The registry as it was at POINT: a git revision (commit, branch, tag, HEAD~3) or a date
        (2026-10-01, 2026-10-01T12:00:00Z: the last commit at or before it). Read-only."""
        return Registry(_store=self._store.at(point))

    @classmethod
    def init(cls, path: str | Path = ".", *, store: str | None = None,
             store_options: Mapping[str, Any] | None = None) -> Registry:
        """Make a new registry at PATH (running `git init` when PATH is in no repository); with
        STORE, its artifacts are kept there (a folder, s3://bucket/prefix, gs://..., az://...),
        reached with STORE_OPTIONS (never credentials: see docs/artifacts.md)."""
        from modelreg_cli.core.manifests import ArtifactsConfig
        from modelreg_cli.service.artifacts import open_store

        root = Path(path).expanduser().resolve()
        config = RegistryConfig()
        if store is not None:
            config = RegistryConfig(artifacts=_checked(ArtifactsConfig, store=store, options=dict(store_options or {})))
            open_store(config, root)  # its plugin is installed and takes these options
        init_registry(root, config)
        return cls(path)

    @property
    def config(self) -> RegistryConfig:
        if self._config is None:
            self._config = self._store.read_config()
        return self._config

    # reading ------------------------------------------------------------------

    def list_models(self) -> list[RegisteredModel]:
        from modelreg_cli.core.search import registered_model

        stages = self.config.stages
        return [registered_model(documents, stages) for documents in self._store.read_documents()]

    def get_model(self, name: str, with_versions: bool = True, *, mlflow_semantics: bool = False) -> RegisteredModel:
        """Model NAME (with its versions). Its updated_at is the last change to it or any of its
        versions; with MLFLOW_SEMANTICS, its own (MLflow's last_updated_timestamp of a model)."""
        return self._store.require_model(name).view(self.config.stages, with_versions=with_versions,
                                                    own_updated=mlflow_semantics)

    def get_version(self, name: str, version: int) -> ModelVersion:
        return self._store.require_model(name).view_version(version)

    def versions(self, name: str, stage: str | Sequence[str] | None = None) -> list[ModelVersion]:
        """The versions of NAME, lowest first; only those in STAGE (one stage or several) when given."""
        state = self._store.require_model(name)
        numbers = sorted(state.versions)
        if stage is not None:
            wanted = set(self._stages([stage] if isinstance(stage, str) else stage))
            numbers = [n for n in numbers if state.versions[n].stage in wanted]
        return [state.view_version(n) for n in numbers]

    def latest_versions(self, name: str, stages: Sequence[str] = ()) -> list[ModelVersion]:
        """The highest version in each of STAGES (every configured stage when none are given),
        in the order of the stages; a stage no version holds is left out. MLflow's
        get_latest_versions."""
        state = self._store.require_model(name)
        found = []
        for stage in self._stages(stages) if stages else self.config.stages:
            holders = state.holders(stage)
            if holders:
                found.append(state.view_version(holders[-1]))
        return found

    def _stages(self, stages: Sequence[str]) -> list[str]:
        """The configured spelling of each stage, each once, in the order given."""
        return list(dict.fromkeys(canonical_stage(stage, self.config.stages) for stage in stages))

    def compare(self, name: str, versions: Sequence[int | str]) -> VersionComparison:
        """VERSIONS of NAME side by side (the first is the baseline): see core/compare.py."""
        from modelreg_cli.core.compare import check_versions, compare_versions
        from modelreg_cli.core.names import parse_version

        numbers = [parse_version(version) for version in versions]
        check_versions(numbers)
        state = self._store.require_model(name)
        return compare_versions(state.name, [state.view_version(number) for number in numbers])

    # searching ----------------------------------------------------------------

    def search_models(
        self,
        filter: str | None = None,
        order_by: Sequence[str] = (),
        max_results: int = DEFAULT_MAX_RESULTS,
        page_token: str | None = None,
        *,
        mlflow_semantics: bool = False,
    ) -> SearchPage[RegisteredModel]:
        """Registered models matching FILTER (MLflow's search_registered_models, and more: see
        docs/search.md), ordered by ORDER_BY ("name", "last_updated DESC", "metrics.auc DESC",
        ...; default name), MAX_RESULTS a page; pass the page's next_page_token for the next one.
        MLFLOW_SEMANTICS: a model's last update is its own (model.yaml's), not its versions'."""
        from modelreg_cli.core import search
        from modelreg_cli.core.filter import MLFLOW_ORDERING, MODELREG_ORDERING
        from modelreg_cli.store.cache import collection_paused

        documents = {found.name: found for found in self._store.read_documents()}
        ordering = MLFLOW_ORDERING if mlflow_semantics else MODELREG_ORDERING
        with collection_paused():
            entities = [search.model_entity(found, own_updated=mlflow_semantics) for found in documents.values()]
            page = search.search(entities, "models", filter, order_by, max_results, page_token, ordering)
        stages = self.config.stages
        items = [search.registered_model(documents[entity["name"]], stages) for entity in page.items]
        return SearchPage(items, page.next_page_token)

    def search_versions(
        self,
        filter: str | None = None,
        order_by: Sequence[str] = (),
        max_results: int = DEFAULT_MAX_RESULTS,
        page_token: str | None = None,
        *,
        mlflow_semantics: bool = False,
    ) -> SearchPage[ModelVersion]:
        """Versions matching FILTER (MLflow's search_model_versions, and more: see docs/search.md),
        ordered by ORDER_BY (default: newest first), MAX_RESULTS a page; pass the page's
        next_page_token for the next one. MLFLOW_SEMANTICS: MLflow's default order (last updated
        first) and tie-breaks (within a name, higher versions first)."""
        from modelreg_cli.core import search
        from modelreg_cli.core.filter import MLFLOW_ORDERING, MODELREG_ORDERING
        from modelreg_cli.store.cache import collection_paused

        documents = self._store.read_documents()
        ordering = MLFLOW_ORDERING if mlflow_semantics else MODELREG_ORDERING
        with collection_paused():
            entities = [entity for found in documents for entity in search.version_entities(found)]
            page = search.search(entities, "versions", filter, order_by, max_results, page_token, ordering)
        items = [ModelVersion.model_validate({"aliases": [], **entity}) for entity in page.items]
        return SearchPage(items, page.next_page_token)

    def download_uri(self, version: ModelVersion) -> str:
        """Where VERSION's bytes can be read: its source, with a path kept in the repository made an
        absolute file:// URI of this checkout (NotFoundError for a registry read from a URL, which
        has no checkout)."""
        if artifacts.has_scheme(version.source):
            return version.source
        if self._store.read_only:
            raise NotFoundError(
                f"{version.name} v{version.version} is kept in the registry's repository ({version.source}), which "
                "this registry, read from git, has no checkout of: clone the repository and open the clone"
            )
        return (self._store.repo.toplevel / version.source).resolve().as_uri()

    def resolve(self, uri: str | ModelURI) -> ModelVersion:
        """The version a models:/ URI points at."""
        parsed = parse_model_uri(uri) if isinstance(uri, str) else uri
        state = self._store.require_model(parsed.name)
        return state.view_version(state.select(parsed, self.config.stages))

    # history ------------------------------------------------------------------

    def history(
        self,
        name: str | None = None,
        version: int | None = None,
        *,
        alias: str | None = None,
        stage: str | None = None,
        since: str | None = None,
        until: str | None = None,
        max_count: int | None = None,
    ) -> list[HistoryEntry]:
        """The audit history, newest first: each commit that changed the registry (or model NAME,
        through its renames) with its events, keeping the events about VERSION, ALIAS and STAGE
        (all of those given) and commits landed between SINCE and UNTIL (dates or times)."""
        from modelreg_cli.core.names import validate_model_name
        from modelreg_cli.store import history

        if name is not None:
            validate_model_name(name)
        wanted = canonical_stage(stage, self.config.stages) if stage is not None else None
        found = history.read_history(self._store, name, version, alias, wanted, since, until, max_count)
        if not found and name is not None and since is None and until is None:
            self._store.require_model(name)  # say so when the name was never a model of this history
        return found

    def diff(self, base: str | None = None, head: str | None = None) -> RegistryDiff:
        """The events from BASE to HEAD (revisions or dates; default: HEAD to the working tree; BASE
        may be A..B or A...B), with each promotion beside the version it replaces."""
        from modelreg_cli.store import history

        return history.registry_diff(self._store, base, head)

    # writing ------------------------------------------------------------------

    def _commit(self, change: changes.Change | None) -> str | None:
        return None if change is None else self._store.apply(change)

    @property
    def pushes(self) -> bool:
        """Whether writes are pushed: the push argument, else $MODELREG_PUSH, else modelreg.yaml."""
        if self._push is not None:
            return self._push
        flag = os.environ.get(PUSH_ENV, "").strip().lower()
        if flag:
            return flag in ("1", "true", "yes", "on")
        return self.config.push

    def _write(self, operation: Operation[T]) -> T:
        """Run OPERATION under the write lock and commit its change, here or (push/branch) on the remote."""
        with self._store.transaction():
            if self._branch is None and not self.pushes:
                change, finish = operation(self)
                return finish(self._commit(change))
            finishers: list[Finish[T]] = []

            def on(store: RegistryStore) -> changes.Change | None:
                change, finish = operation(Registry(_store=store))
                finishers.append(finish)
                return change

            if self._branch is not None:
                self.last_push = publish.push_to_new_branch(self._store, on, self._branch)
            else:
                self.last_push = publish.push_operation(self._store, on)
            return finishers[-1](self.last_push.commit)

    def _model(self, name: str) -> ModelState:
        return self._store.require_model(name)

    def create_model(
        self,
        name: str,
        description: str = "",
        tags: Mapping[str, str] | None = None,
        owners: Iterable[str] = (),
    ) -> RegisteredModel:
        """Register a model with no versions (MLflow's create_registered_model)."""

        def operation(reg: Registry) -> tuple[changes.Change | None, Finish[RegisteredModel]]:
            state, change = changes.create_model(
                reg._store.model_names(), name, reg._store.stamp(), description, tags, owners
            )
            return change, lambda commit: state.view(reg.config.stages)

        return self._write(operation)

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
        upload: bool = True,
    ) -> ModelVersion:
        """Add the next version of NAME (creating the model if needed) pointing at SOURCE.

        A local file or folder SOURCE gets its sha256 and size measured (SHA256 and SIZE_BYTES, when
        given, must match); for a remote SOURCE they are recorded as given. With an artifact store
        in modelreg.yaml, a local SOURCE is uploaded to it first (unless not UPLOAD) and the version's
        source is the object's URL; if the upload fails, nothing is committed. PROGRESS, when given,
        is called with the total bytes to read (and send) and returns a callback fed with them.
        """
        stamp = self._store.stamp()
        artifact, stored_source = self._artifact_of(source, sha256, size_bytes, progress, upload)
        request = changes.RegisterRequest(
            name=name, source=stored_source, metrics=dict(metrics or {}), params=dict(params or {}),
            tags=dict(tags or {}), run_id=run_id, description=description, stage=stage,
            aliases=tuple(aliases), artifact=artifact, lineage=lineage,
        )

        def operation(reg: Registry) -> tuple[changes.Change | None, Finish[ModelVersion]]:
            state = reg._store.read_model(name)
            manifest, change = changes.register(reg.config, state, reg._store.model_names(), request, stamp, message)
            return change, lambda commit: ModelVersion(**manifest.model_dump(), aliases=sorted(request.aliases))

        return self._write(operation)  # the lock is taken after hashing, which may be long

    def copy_version(self, uri: str | ModelURI, name: str, *, to: Registry | None = None,
                     message: str | None = None) -> ModelVersion:
        """Register the version URI points at again as the next version of NAME (created when
        missing), in this registry or in TO: same artifact, run, metrics, params, tags and
        description, lineage pointing at the original (MLflow's copy_model_version). A source kept in
        this repository is recorded as a file:// URI when the copy goes to another repository."""
        original = self.resolve(uri)
        target = to if to is not None else self
        source = original.source
        if not artifacts.has_scheme(source) and target._store.repo.toplevel != self._store.repo.toplevel:
            source = (self._store.repo.toplevel / source).resolve().as_uri()
        manifest = original.model_copy()
        stamp = target._store.stamp()

        def operation(reg: Registry) -> tuple[changes.Change | None, Finish[ModelVersion]]:
            state = reg._store.read_model(name)
            if state is None:
                state, _ = changes.create_model(reg._store.model_names(), name, stamp)
            copied, change = changes.copy_version(reg.config, state, reg._store.model_names(), manifest, source,
                                                  stamp, message)
            return change, lambda commit: ModelVersion(**copied.model_dump(), aliases=[])

        return target._write(operation)

    def _artifact_of(self, source: str, sha256: str | None, size_bytes: int | None,
                  progress: artifacts.ProgressFactory | None, upload: bool) -> tuple[Any, str]:
        """The artifact and source to record: uploaded to the store when there is one (and UPLOAD)."""
        top = self._store.repo.toplevel
        store = self.artifact_store() if upload else None
        if store is None:
            return artifacts.describe_source(source, sha256, size_bytes, top, progress)
        from modelreg_cli.service.artifacts import upload as upload_source

        expected = artifacts.check_expected(source, sha256, size_bytes)
        local = artifacts.local_source(source, top)
        if local is None:
            return artifacts.describe_source(source, sha256, size_bytes, top, progress)  # a reference
        return upload_source(store, local, expected, size_bytes, progress)

    # artifacts ----------------------------------------------------------------

    def artifact_store(self) -> ArtifactStore | None:
        """The artifact store named in modelreg.yaml (`artifacts: {store: URL}`), or None."""
        from modelreg_cli.service.artifacts import open_store

        return open_store(self.config, self.root)

    def pull_artifact(self, uri: str | ModelURI, dest: str | Path | None = None, *, offline: bool = False,
                      verify: bool = True) -> Pulled:
        """Place the artifact of the version URI points at in DEST (default: NAME-vN in the current
        folder), checked against its sha256: through the local cache, from the store, or from the
        source of a reference. OFFLINE: from the cache (and local folders) only. VERIFY=False takes
        an artifact with no recorded sha256 as it is. What was placed where: see Pulled."""
        from modelreg_cli.service.artifacts import pull

        version = self.resolve(uri)
        return pull(version, self.config, self.root, self._store.repo.toplevel,
                    Path(dest).expanduser() if dest is not None else None, offline, verify)

    def pull(self, uri: str | ModelURI, dest: str | Path | None = None, *, offline: bool = False,
             verify: bool = True) -> Path:
        """pull_artifact, returning the path to load: the file, or the folder of a folder artifact."""
        return self.pull_artifact(uri, dest, offline=offline, verify=verify).path

    def verify(self, uri: str | ModelURI, local: str | Path | None = None) -> ArtifactCheck:
        """Check the artifact of the version URI points at, in the store (or at its source, or the
        copy at LOCAL), against its sha256 and size; see ArtifactCheck.status."""
        from modelreg_cli.service.artifacts import verify

        version = self.resolve(uri)
        return verify(version, self.config, self.root, self._store.repo.toplevel,
                      Path(local).expanduser() if local is not None else None)

    def verify_all(self) -> list[ArtifactCheck]:
        """verify for every version of every model; remote references are skipped (not downloaded)."""
        from modelreg_cli.service.artifacts import verify

        top = self._store.repo.toplevel
        versions = [version for model in self.list_models() for version in self.versions(model.name)]
        store = self.artifact_store() if any(v.artifact is not None and v.artifact.stored for v in versions) else None
        return [verify(version, self.config, self.root, top, explicit=False, store=store) for version in versions]

    def collect_artifacts(self, *, dry_run: bool = False, head_only: bool = False,
                          min_age: float | None = None) -> Collected:
        """Remove the store's objects that no version of any revision references (HEAD_ONLY: of the
        latest revision of each branch and tag) and that are older than MIN_AGE seconds (default an
        hour: an upload is referenced only once its commit is made); DRY_RUN only says which."""
        from modelreg_cli.service.artifacts import MIN_AGE, collect

        return collect(self._store, self.config, dry_run, head_only, MIN_AGE if min_age is None else min_age)

    def transition(
        self, name: str, version: int, stage: str, archive_existing: bool = False, message: str | None = None,
        *, every_holder: bool = False,
    ) -> TransitionResult:
        """Move VERSION of NAME to STAGE (any case); see --archive-existing for exclusive stages.
        EVERY_HOLDER: with ARCHIVE_EXISTING, archive every other version in STAGE, exclusive or not
        (MLflow's archive_existing_versions)."""

        def operation(reg: Registry) -> tuple[changes.Change | None, Finish[TransitionResult]]:
            state = reg._model(name)
            move, change = changes.transition(
                reg.config, state, version, stage, reg._store.stamp(), archive_existing, message,
                held_before=reg._stage_history(name), every_holder=every_holder,
            )
            return change, lambda commit: TransitionResult(
                state.view_version(version), move.from_stage, move.to_stage, move.archived, commit
            )

        return self._write(operation)

    def promote(
        self,
        name: str,
        to: str,
        *,
        from_stage: str | None = None,
        condition: str | None = None,
        archive_existing: bool = False,
        message: str | None = None,
    ) -> TransitionResult:
        """Move the latest version of NAME in FROM_STAGE (default: the stage before TO in modelreg.yaml)
        to TO, when it meets CONDITION (a filter, as in search_versions) and the policy's gates; else
        raise PolicyError (NotFoundError when no version is in FROM_STAGE) saying why."""
        from modelreg_cli.core.policy import promotion_candidate

        def operation(reg: Registry) -> tuple[changes.Change | None, Finish[TransitionResult]]:
            state = reg._model(name)
            number, _ = promotion_candidate(reg.config, state, to, from_stage, condition)
            why = "\n\n".join(part for part in (message, f"Qualified by: {condition}" if condition else None) if part)
            move, change = changes.transition(
                reg.config, state, number, to, reg._store.stamp(), archive_existing, why or None,
                held_before=reg._stage_history(name),
            )
            return change, lambda commit: TransitionResult(
                state.view_version(number), move.from_stage, move.to_stage, move.archived, commit
            )

        return self._write(operation)

    def _stage_history(self, name: str) -> Callable[[int, str], bool]:
        return stage_history(self._store, self.config.stages, name)

    def _alias_history(self, name: str, version: int, alias: str) -> Callable[[], bool]:
        return alias_history(self._store, name, version, alias)

    def check(self, *, staged: bool = False, base: str | None = None, require_signed: bool = False,
              artifacts: bool = False) -> CheckReport:
        """Every problem of the registry's files (the staged ones with STAGED) and, with BASE, of
        every commit since BASE (and with STAGED, of the staged change): see docs/policy.md. With
        ARTIFACTS, every version's artifact is verified too (verify_all)."""
        from modelreg_cli.store import audit

        report = audit.check(self._store, staged=staged, base=base, require_signed=require_signed)
        if artifacts and not report.problems:
            from modelreg_cli.core import layout
            from modelreg_cli.core.checks import Problem

            prefix = audit.registry_prefix(self._store)
            for found in self.verify_all():
                path = layout.version_file(found.name, found.version)
                path = f"{prefix}/{path}" if prefix else path
                if found.failed:
                    report.problems.append(Problem(path, None, "artifact", f"{found.status}: {found.detail}"))
                elif found.status == "skipped":
                    report.notes.append(f"{found.uri}: not checked: {found.detail}")
        return report

    def codeowners(self) -> list[str]:
        """CODEOWNERS lines for the registry: each model's folder owned by its owners and the policy's
        approvers (plain emails), modelreg.yaml by the approvers; between modelreg's BEGIN/END lines."""
        from modelreg_cli.core.policy import codeowners_lines
        from modelreg_cli.store.audit import registry_prefix

        owners = {model.name: model.owners for model in self.list_models()}
        return codeowners_lines(self.config, owners, registry_prefix(self._store))

    def write_codeowners(self) -> Path:
        """Write codeowners() into the repository's CODEOWNERS (.github/, the top or docs/, where one
        exists; else the top), replacing modelreg's block and keeping every other line. Not committed."""
        from modelreg_cli.store.audit import write_codeowners

        return write_codeowners(self._store, self.codeowners())

    def set_alias(self, name: str, alias: str, version: int, message: str | None = None) -> ChangeResult:
        """Point ALIAS of NAME at VERSION, moving it when it pointed elsewhere."""
        return self._change(
            lambda reg: changes.set_alias(reg._model(name), alias, version, reg._store.stamp(), message,
                                          config=reg.config, returning=reg._alias_history(name, version, alias)),
            f"{name}@{alias} already points at version {version}",
        )

    def delete_alias(self, name: str, alias: str, message: str | None = None) -> ChangeResult:
        return self._change(
            lambda reg: changes.delete_alias(reg._model(name), alias, reg._store.stamp(), message, config=reg.config)
        )

    def set_tag(self, name: str, key: str, value: str, version: int | None = None,
                message: str | None = None) -> ChangeResult:
        """Set tag KEY to VALUE on NAME, or on one VERSION of it."""
        return self._change(
            lambda reg: changes.set_tag(reg._model(name), key, value, reg._store.stamp(), version, message),
            f"tag {key} already has that value",
        )

    def delete_tag(self, name: str, key: str, version: int | None = None, message: str | None = None) -> ChangeResult:
        return self._change(
            lambda reg: changes.delete_tag(reg._model(name), key, reg._store.stamp(), version, message)
        )

    def describe(self, name: str, text: str, version: int | None = None, message: str | None = None) -> ChangeResult:
        return self._change(
            lambda reg: changes.describe(reg._model(name), text, reg._store.stamp(), version, message),
            "the description is already that text",
        )

    def delete(self, name: str, version: int | None = None, message: str | None = None) -> ChangeResult:
        """Delete a version (and the aliases pointing at it), or the whole model."""
        if version is None:
            return self._change(lambda reg: changes.delete_model(reg._model(name), message, config=reg.config,
                                                                 who=reg._store.stamp().who))
        return self._change(
            lambda reg: changes.delete_version(reg._model(name), version, reg._store.stamp(), message, config=reg.config)
        )

    def rename(self, old: str, new: str, message: str | None = None) -> ChangeResult:
        return self._change(
            lambda reg: changes.rename(reg._model(old), new, reg._store.model_names(), reg._store.stamp(), message,
                                       config=reg.config)
        )

    def sync(self) -> publish.Synced:
        """Bring this clone and its tracked remote branch together: fast-forward to the remote, push
        local commits, or, when both moved, replay the local registry commits as operations on top of
        the remote's (a register takes the next free number there) and push them."""
        from modelreg_cli.service.sync import sync

        return sync(self._store)

    def _change(self, make: Callable[[Registry], changes.Change | None], unchanged: str = "") -> ChangeResult:
        """A write whose result is its commit and subject (UNCHANGED when there was nothing to do)."""

        def operation(reg: Registry) -> tuple[changes.Change | None, Finish[ChangeResult]]:
            change = make(reg)
            subject = change.subject if change is not None else unchanged
            return change, lambda commit: ChangeResult(commit, subject)

        return self._write(operation)

    def rollback(
        self,
        name: str,
        *,
        stage: str | None = None,
        alias: str | None = None,
        to: int | None = None,
        message: str | None = None,
    ) -> RollbackResult:
        """Put STAGE (or ALIAS) back on the version that held it before, from history, or on TO:
        one commit naming the commit it undoes. For a stage, the current holders go to Archived;
        no other stage changes hands. The result lists every version it moved."""
        from modelreg_cli.store.history import find_rollback

        def operation(reg: Registry) -> tuple[changes.Change | None, Finish[RollbackResult]]:
            state = reg._model(name)
            wanted = canonical_stage(stage, reg.config.stages) if stage is not None else None
            changes.check_rollback(reg.config, state, wanted, alias, to)
            found = find_rollback(reg._store, state, wanted, alias, to, reg.config.resting_stages)
            if found.version is None:
                raise changes.nothing_to_roll_back(
                    state, wanted or f"@{alias}", found.undone is not None, found.deleted, found.moved_on
                )
            undone = changes.Undone(found.undone.id, found.undone.subject) if found.undone else None
            stamp = reg._store.stamp()
            moves: list[changes.StageMove] = []
            if wanted is not None:
                moves, change = changes.rollback_stage(reg.config, state, wanted, found.version, stamp, undone,
                                                       message, held_before=reg._stage_history(name))
            else:
                change = changes.rollback_alias(state, str(alias), found.version, stamp, undone, message,
                                                config=reg.config,
                                                returning=reg._alias_history(name, found.version, str(alias)))
            return change, lambda commit: RollbackResult(commit, change.subject, tuple(moves))

        return self._write(operation)
