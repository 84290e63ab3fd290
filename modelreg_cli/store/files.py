"""The registry folder: finding it, reading its documents, and writing a change as one commit."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from modelreg_cli.core import layout
from modelreg_cli.core.changes import Change, Stamp
from modelreg_cli.core.manifests import ModelManifest, RegistryConfig, VersionManifest, format_timestamp
from modelreg_cli.core.names import model_name_of_folder, validate_model_name
from modelreg_cli.core.serialize import dump_document, parse_document
from modelreg_cli.core.state import ModelState
from modelreg_cli.errors import ConflictError, DirtyError, GitError, InvalidInputError, ManifestError, NotFoundError
from modelreg_cli.store import fileio, journal, remote
from modelreg_cli.store.credentials import redact
from modelreg_cli.store.git import blob_id_of
from modelreg_cli.store.repository import GitRepository, identity_at
from modelreg_cli.store.snapshot import GitTree, Snapshot, WorkingTree, refusal

if TYPE_CHECKING:
    from modelreg_cli.core.search import ModelDocuments
    from modelreg_cli.store.cache import DocumentReader

REGISTRY_ENV = "MODELREG_REGISTRY"


def find_registry_root(explicit: str | Path | None = None, start: Path | None = None) -> Path:
    """--registry, else $MODELREG_REGISTRY, else the nearest folder upward holding modelreg.yaml."""
    given = explicit if explicit is not None else os.environ.get(REGISTRY_ENV) or None
    if given is not None:
        root = Path(given).expanduser().resolve()
        if not (root / layout.CONFIG_FILE).is_file():
            origin = "--registry" if explicit is not None else REGISTRY_ENV
            raise NotFoundError(
                f"{root} is not a registry (no {layout.CONFIG_FILE}; from {origin}): "
                f"run `modelreg init {given}` to make one"
            )
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / layout.CONFIG_FILE).is_file():
            return folder
    raise NotFoundError(
        f"no registry found in {here} or its parents: run `modelreg init` to make one, "
        "or pass --registry PATH (or set MODELREG_REGISTRY)"
    )


def open_store(given: str | Path | None, offline: bool = False) -> RegistryStore:
    """The registry named by GIVEN (a folder or a git URL), else by $MODELREG_REGISTRY, else found upward."""
    chosen = given if given is not None else os.environ.get(REGISTRY_ENV) or None
    if chosen is not None and remote.is_registry_url(str(chosen)):
        return _open_url(str(chosen), offline)
    return RegistryStore(find_registry_root(given))


def _open_url(text: str, offline: bool) -> RegistryStore:
    url = remote.parse_registry_url(text)
    mirror = remote.update_mirror(url, offline)
    repo = GitRepository(mirror, mirror)
    commit = repo.head()
    if commit is None:
        raise NotFoundError(f"the repository at {url.shown} has no commits yet: nothing to read")
    snapshot = GitTree(mirror, commit, url.subfolder)
    snapshot.label = f"{redact(text)} (at {commit[:12]})"
    if snapshot.read(layout.CONFIG_FILE) is None:
        where = f"in its folder {url.subfolder}" if url.subfolder else "at its top"
        raise NotFoundError(
            f"{url.shown} holds no registry {where} (no {layout.CONFIG_FILE}): "
            "name the registry's folder after a #, as in git+https://host/org/repo.git#ml/registry"
        )
    return RegistryStore(mirror, snapshot, repo)


def _guards(paths: list[str]) -> list[str]:
    """What must be clean before a change: the whole folder of each model it touches."""
    guards = set()
    for path in paths:
        parts = path.split("/")
        if parts[0] == layout.MODELS_DIR and len(parts) >= 3:
            guards.add(f"{layout.MODELS_DIR}/{parts[1]}")
        else:
            guards.add(path)
    return sorted(guards)


class RegistryStore:
    """A registry rooted at ROOT. Reads need no git; writes go through the repository holding it."""

    def __init__(self, root: Path, snapshot: Snapshot | None = None, repo: GitRepository | None = None) -> None:
        """SNAPSHOT: where files are read (default: the working tree at ROOT); REPO: the repository
        holding the registry, when the caller knows it (else found on first use)."""
        self.root = root
        self.snapshot: Snapshot = snapshot or WorkingTree(root)
        self._repo = repo

    def at(self, point: str) -> RegistryStore:
        """The same registry as it was at POINT (a revision, or a date: see commit_at), read-only."""
        commit = self.repo.commit_at(point)
        prefix = self.snapshot.prefix if isinstance(self.snapshot, GitTree) else self.repo.relative(self.root)
        return RegistryStore(self.root, GitTree(self.repo.toplevel, commit, prefix), self._repo)

    @property
    def read_only(self) -> bool:
        return not isinstance(self.snapshot, WorkingTree)

    # reading ------------------------------------------------------------------

    def _read(self, relative: str) -> bytes:
        data = self.snapshot.read(relative)
        if data is None:
            raise NotFoundError(f"{relative} is missing from the registry in {self.snapshot.label}")
        return data

    def read_config(self) -> RegistryConfig:
        return parse_document(self._read(layout.CONFIG_FILE), RegistryConfig, layout.CONFIG_FILE)

    def model_names(self) -> list[str]:
        """Names of the models, from the folder names alone (no file is read). A folder modelreg
        would not have named so (`modelreg check` reports it) holds no model."""
        entries = self.snapshot.list_dir(layout.MODELS_DIR)
        names = (model_name_of_folder(folder) for folder, is_dir in entries if is_dir and not folder.startswith("."))
        return sorted(name for name in names if name is not None)

    def read_model(self, name: str) -> ModelState | None:
        """One model and its versions, or None when it does not exist."""
        if name not in self.model_names():
            return None
        model_path = layout.model_file(name)
        model = parse_document(self._read_model_file(model_path), ModelManifest, model_path)
        _check_model_place(model.name, name, model_path)
        state = ModelState(model)
        for filename, is_dir in self.snapshot.list_dir(f"{layout.model_dir(name)}/{layout.VERSIONS_DIR}"):
            number = None if is_dir else layout.version_number_of(filename)
            if number is None:
                continue
            path = layout.version_file(name, number)
            manifest = parse_document(self._read(path), VersionManifest, path)
            _check_version_place(manifest.name, manifest.version, name, number, path)
            state.versions[number] = manifest
        return state

    def _read_model_file(self, path: str) -> bytes:
        data = self.snapshot.read(path)
        if data is None:
            raise ManifestError(path, "missing: every model folder needs a model.yaml")
        return data

    def require_model(self, name: str) -> ModelState:
        validate_model_name(name)
        state = self.read_model(name)
        if state is None:
            hint = self._similar(name)
            raise NotFoundError(f"no model named {name!r}{hint}: `modelreg list` shows the models")
        return state

    def _similar(self, name: str) -> str:
        for other in self.model_names():
            if other.lower() == name.lower():
                return f" (did you mean {other!r}?)"
        return ""

    def read_documents(self) -> list[ModelDocuments]:
        """Every model as validated document dicts: what search and list read. In a git repository
        they come from the cache of parsed manifests keyed by blob id (store/cache.py) for every
        file git vouches for; the others are parsed. Single-model reads (read_model) parse their
        few files directly: loading the whole cache would cost them more than it saves."""
        from modelreg_cli.store.cache import DocumentReader, collection_paused

        repo = self._repo or GitRepository.discover(self.root)
        with collection_paused(), DocumentReader.open(self.root, self.snapshot, repo) as reader:
            # Folders first: on the working tree, git works out the blob ids meanwhile.
            numbers = {name: self._version_numbers(name) for name in self.model_names()}
            return [self._model_documents(name, numbers[name], reader) for name in numbers]

    def _version_numbers(self, name: str) -> list[int]:
        entries = self.snapshot.list_dir(f"{layout.model_dir(name)}/{layout.VERSIONS_DIR}")
        numbers = (None if is_dir else layout.version_number_of(filename) for filename, is_dir in entries)
        return [number for number in numbers if number is not None]

    def _model_documents(self, name: str, numbers: list[int], reader: DocumentReader) -> ModelDocuments:
        from modelreg_cli.core.search import ModelDocuments

        model_path = layout.model_file(name)
        model = reader.read(model_path, "model")
        if model is None:
            raise ManifestError(model_path, "missing: every model folder needs a model.yaml")
        _check_model_place(model["name"], name, model_path)
        documents = ModelDocuments(name, model)
        paths = [layout.version_file(name, number) for number in numbers]
        for number, path, version in zip(numbers, paths, reader.read_all(paths, "version"), strict=True):
            if version is None:
                raise NotFoundError(f"{path} is missing from the registry in {self.snapshot.label}")
            _check_version_place(version["name"], version["version"], name, number, path)
            documents.versions[number] = version
        return documents

    # writing ------------------------------------------------------------------

    @property
    def repo(self) -> GitRepository:
        if self._repo is None:
            repo = GitRepository.discover(self.root)
            if repo is None:
                raise GitError(
                    f"the registry at {self.root} is not in a git repository: run `git init` there "
                    "(or make it with `modelreg init`)"
                )
            self._repo = repo
        return self._repo

    def stamp(self) -> Stamp:
        identity = self.repo.identity()
        return Stamp(who=identity.email, when=format_timestamp(identity.when))

    def _repo_path(self, relative: str) -> str:
        prefix = self.repo.relative(self.root)
        return f"{prefix}/{relative}" if prefix else relative

    def apply(self, change: Change) -> str:
        """Write CHANGE as exactly one commit, or leave everything as it was; return the commit id."""
        self._refuse_if_read_only()
        repo = self.repo
        paths = change.paths
        for path in paths:
            found = fileio.irregular_on_the_way(self.root, path)
            if found is not None:
                raise refusal(*found)  # never write through a link, nor into a pipe
        repo.ensure_clean([self._repo_path(guard) for guard in _guards(paths)])
        repo_paths = {path: self._repo_path(path) for path in paths}
        writes = {repo_paths[path]: text.encode() for path, text in change.writes.items()}
        deletes = [repo_paths[path] for path in change.deletes]
        head, commit = repo.build_commit(writes, deletes, change.commit_message())
        after: dict[str, str | None] = {path: blob_id_of(data, commit) for path, data in writes.items()}
        after.update(dict.fromkeys(deletes))
        backups = {path: fileio.read_or_none(self.root / path) for path in paths}
        journal.record(repo.git_dir, head, commit, after)
        lock = None
        try:
            # While the write is half-done no git command may commit or stage anything: a `git
            # commit -a` then would commit half a change, or undo it (store/journal.py).
            lock = repo.lock_index()
            for path, text in change.writes.items():
                fileio.write_atomic(self.root / path, text.encode())
            for path in change.deletes:
                fileio.remove_file(self.root / path, stop=self.root)
            repo.move_head(head, commit, change.subject)
            repo.stage_paths(list(repo_paths.values()))
        except BaseException:
            if lock is not None:
                lock.release()
            self._roll_back(backups, head, commit, list(repo_paths.values()))
            journal.clear(repo.git_dir)
            raise
        lock.release()
        journal.clear(repo.git_dir)
        return commit

    def build_on(self, change: Change, base: str) -> str:
        """CHANGE as a commit on top of BASE (not HEAD), for pushing; nothing local changes."""
        repo = self.repo
        repo.ensure_clean([self._repo_path(guard) for guard in _guards(change.paths)])
        repo_paths = {path: self._repo_path(path) for path in change.paths}
        writes = {repo_paths[path]: text.encode() for path, text in change.writes.items()}
        deletes = [repo_paths[path] for path in change.deletes]
        return repo.build_commit(writes, deletes, change.commit_message(), parent=base)[1]

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise InvalidInputError(
                f"the registry in {self.snapshot.label} is read-only: change it in a checkout of its repository, "
                "without --at"
            )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the write lock for a whole read-decide-write, after finishing any killed write."""
        self._refuse_if_read_only()
        git_dir = self.repo.git_dir
        with journal.write_lock(git_dir):
            self._finish_interrupted(git_dir)
            yield

    def recover(self) -> None:
        """Finish a write that was killed half-way, if any (a cheap check when there is none)."""
        git_dir = journal.find_git_dir(self.root)
        if git_dir is None or journal.pending(git_dir) is None:
            return
        with journal.write_lock(git_dir):
            self._finish_interrupted(git_dir)

    def _finish_interrupted(self, git_dir: Path) -> None:
        """Finish (or undo) the write a killed process left half-done: store/journal.py says how."""
        entry = journal.pending(git_dir)
        if entry is None:
            return
        for leftover in git_dir.glob("modelreg-index-*"):
            leftover.unlink(missing_ok=True)  # the private indexes of the killed writer
        self.repo.release_index_lock_of_a_killed_write()
        written = entry.get("after")
        if isinstance(written, dict) and written:
            self._recover(str(entry.get("head") or "") or None, str(entry.get("commit") or ""),
                          {str(path): str(oid) if oid else None for path, oid in written.items()})
        journal.clear(git_dir)

    def _recover(self, before: str | None, commit: str, after: dict[str, str | None]) -> None:
        repo = self.repo
        paths = sorted(after)
        head = repo.head()
        known = [repo.tree_blobs(point, paths) for point in {before, head} if point is not None]
        indexed = repo.index_blobs(paths)
        on_disk = self._on_disk(paths)
        for path in paths:
            expected = {after[path], *(blobs.get(path) for blobs in known)}
            if on_disk[path] not in expected or indexed.get(path) not in expected:
                raise DirtyError(
                    f"a modelreg write was interrupted, and {path} was changed after it: keep your edit with "
                    f"`git stash` (or drop it with `git checkout HEAD -- {path}`), then run the command again"
                )
        if head is not None and head == before and on_disk == after:
            repo.move_head(before, commit, "finish an interrupted write")  # every file holds the change
            repo.stage_paths(paths)
        elif head == commit and on_disk == after:
            repo.stage_paths(paths)  # HEAD moved: only the index entries were left to do
        else:
            repo.reset_paths_to_head(paths)  # back to what HEAD has (before the change, or after it)

    def _on_disk(self, paths: list[str]) -> dict[str, str | None]:
        """Path (from the top of the repository) -> blob id of the file there now, None when absent."""
        like = self.repo.head() or "0" * 40
        contents = {path: fileio.read_or_none(self.repo.toplevel / path) for path in paths}
        return {path: None if data is None else blob_id_of(data, like) for path, data in contents.items()}

    def _roll_back(self, backups: dict[str, bytes | None], head: str | None, commit: str, repo_paths: list[str]) -> None:
        """Put files, HEAD and index entries back. Every step is tried even if one fails, so a
        failing disk cannot stop HEAD from going back."""
        steps: list[Callable[[], None]] = []
        for path, data in backups.items():
            target = self.root / path
            if data is None:
                steps.append(functools.partial(fileio.remove_file, target, self.root))
            elif fileio.read_or_none(target) != data:
                steps.append(functools.partial(fileio.write_atomic, target, data))
        steps.append(functools.partial(self.repo.move_head_back, head, commit))
        steps.append(functools.partial(self.repo.restore_index, head, repo_paths))
        for step in steps:
            try:
                step()
            except Exception:  # noqa: S110 - keep undoing; the original error is re-raised by the caller
                pass


def _check_model_place(found: str, name: str, path: str) -> None:
    if found != name:
        raise ManifestError(path, f"name is {found!r} but the folder is {name!r}")


def _check_version_place(found_name: str, found_number: int, name: str, number: int, path: str) -> None:
    if found_number != number or found_name != name:
        raise ManifestError(path, f"holds {found_name} version {found_number}, but its place says {name} version {number}")


def init_registry(root: Path, config: RegistryConfig) -> tuple[RegistryStore, str]:
    """Make a registry at ROOT (and a git repository when ROOT is in none) with one commit."""
    if (root / layout.CONFIG_FILE).exists():
        raise ConflictError(f"{root} already holds a registry ({layout.CONFIG_FILE} exists): nothing to do")
    made_root = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    repo = GitRepository.discover(root)
    made_repo = repo is None
    try:
        identity_at(root)  # fail on a missing identity before anything is made
        if repo is None:
            repo = GitRepository.init(root)
        store = RegistryStore(root, repo=repo)
        change = Change("init", "", "init model registry",
                        writes={layout.CONFIG_FILE: dump_document(config),
                                f"{layout.MODELS_DIR}/.gitkeep": ""})
        return store, store.apply(change)
    except BaseException:
        if made_repo:
            fileio.remove_tree(root / ".git")
        if made_root:
            fileio.remove_tree(root)
        raise

