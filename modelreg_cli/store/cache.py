"""Parsed manifests keyed by git blob id, in one file under .git/, for whole-registry reads.

`search` and `list` read every manifest. Parsing and validating YAML costs ~0.25 ms a file, so
10,000 versions would cost seconds in every process. A git blob id names a file's exact bytes,
so the document parsed from blob X is right for every file whose content is X, in any commit or
working tree: entries never go stale, and correctness rests only on knowing each file's blob id.

Where the blob ids come from:

* a revision (GitTree, used by `Registry.at`): the tree itself (`git ls-tree`);
* the working tree: the index (`git ls-files -s`), minus every path `git status` reports as
  differing from the index (edited, deleted, conflicted), entries git is told not to check
  (assume-unchanged, skip-worktree) and anything that is not a regular file (symlinks). Those
  files, and untracked ones, are read from disk and parsed every time; they are never cached.

An entry is stored only after hashing the bytes it was parsed from back to the blob id, so a file
that changes while modelreg reads it can never put a wrong entry in the cache. A registry that is
not in a git repository gets no cache: every file is parsed.

The file is `<git dir>/modelreg/cache-v1.marshal`: marshal (the fastest of marshal, pickle and
json to load here, and it cannot run code), stamped with the Python version and a hash of the code
that parses manifests, so a different modelreg or Python starts afresh. A file that cannot be read
is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import marshal
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from modelreg_cli.core import layout
from modelreg_cli.core.manifests import ModelManifest, VersionManifest
from modelreg_cli.core.serialize import parse_document
from modelreg_cli.store import fileio
from modelreg_cli.store.git import Background, blob_id_of
from modelreg_cli.store.repository import GitRepository
from modelreg_cli.store.snapshot import Snapshot, WorkingTree
from modelreg_cli.version import __version__

CACHE_FORMAT = 1
CACHE_FOLDER = "modelreg"
CACHE_FILE = f"cache-v{CACHE_FORMAT}.marshal"
_MAGIC = "modelreg-manifest-cache"

Kind = Literal["model", "version"]
Document = dict[str, Any]
_KINDS: dict[Kind, type[ModelManifest] | type[VersionManifest]] = {"model": ModelManifest, "version": VersionManifest}


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: building a million small containers (the cache, the
    search entities) triggers dozens of full collections that find nothing (there are no cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fingerprint() -> str:
    """What the cached documents depend on besides the bytes: the Python (marshal's format) and
    the code that parses and validates manifests."""
    from modelreg_cli.core import manifests, serialize

    digest = hashlib.sha256(f"{sys.version_info[:2]} {marshal.version} {__version__}".encode())
    for module in (manifests, serialize):
        try:
            digest.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            pass
    return digest.hexdigest()[:20]


class ManifestCache:
    """The cache file: kind -> blob id -> validated document (`model_dump(mode="json")`)."""

    def __init__(self, path: Path | None, entries: dict[Kind, dict[str, Document]] | None = None) -> None:
        """PATH None: a cache in memory only, for a registry outside git."""
        self.path = path
        self.entries: dict[Kind, dict[str, Document]] = entries or {"model": {}, "version": {}}
        self.used: dict[Kind, list[str]] = {"model": [], "version": []}
        self._added: dict[Kind, dict[str, Document]] = {"model": {}, "version": {}}

    @classmethod
    def load(cls, git_dir: Path) -> ManifestCache:
        """The cache of the repository at GIT_DIR; empty when its file is missing, unreadable or
        made by another modelreg or Python."""
        path = git_dir / CACHE_FOLDER / CACHE_FILE
        try:
            data = path.read_bytes()
        except OSError:
            return cls(path)
        try:
            with collection_paused():
                loaded = marshal.loads(data)
        except (ValueError, EOFError, TypeError):
            return cls(path)
        if not _well_formed(loaded):
            return cls(path)
        return cls(path, loaded[2])

    def get(self, kind: Kind, oid: str) -> Document | None:
        document = self.entries[kind].get(oid)
        if document is not None:
            self.used[kind].append(oid)
        return document

    def put(self, kind: Kind, oid: str, document: Document) -> None:
        self.entries[kind][oid] = self._added[kind][oid] = document
        self.used[kind].append(oid)

    @property
    def changed(self) -> bool:
        return any(self._added.values())

    def save(self) -> None:
        """Write the file when documents were added (atomically: readers see the old file or the
        new one). Entries this read did not use are kept, so going back and forth between
        revisions stays fast, until they outnumber the used ones."""
        if self.path is None or not self.changed:
            return
        used = {kind: set(oids) for kind, oids in self.used.items()}
        unused = sum(len(self.entries[kind]) - len(oids) for kind, oids in used.items())
        entries = self.entries
        if unused > sum(len(oids) for oids in used.values()):
            entries = {kind: {oid: docs[oid] for oid in used[kind] if oid in docs} for kind, docs in entries.items()}
        pool: dict[str, str] = {}
        for kind, added in self._added.items():
            for oid in added:
                if oid in entries[kind]:
                    entries[kind][oid] = _shared_strings(entries[kind][oid], pool)
        try:
            fileio.write_atomic(self.path, marshal.dumps((_MAGIC, _fingerprint(), entries)))
        except OSError:
            pass  # a read-only .git: every read parses, which is only slower


def _well_formed(loaded: Any) -> bool:
    return (
        isinstance(loaded, tuple) and len(loaded) == 3 and loaded[0] == _MAGIC and loaded[1] == _fingerprint()
        and isinstance(loaded[2], dict) and set(loaded[2]) == set(_KINDS)
        and all(isinstance(entries, dict) for entries in loaded[2].values())
    )


def _shared_strings(value: Any, pool: dict[str, str]) -> Any:
    """VALUE with equal strings made one object: marshal then writes each once and loading it
    makes one string instead of thousands (stage names, keys, authors)."""
    if isinstance(value, str):
        return pool.setdefault(value, value)
    if isinstance(value, dict):
        return {pool.setdefault(key, key): _shared_strings(item, pool) for key, item in value.items()}
    if isinstance(value, list):
        return [_shared_strings(item, pool) for item in value]
    return value


# --------------------------------------------------------------------------- blob ids

# An index entry git compares with the disk ("H", not "h" assume-unchanged or "S" skip-worktree),
# of a regular file (not a symlink, whose blob is the link's target), not in a merge conflict.
_CHECKED_ENTRY = re.compile(r"H (?:100644|100755) ([0-9a-f]+) 0\t(.*)", re.DOTALL)


class WorkingTreeBlobs:
    """Registry-relative path -> blob id of each file under models/ whose copy on disk git vouches
    for: its index entry (`git ls-files -s -v`), unless `git status` reports it as differing from
    the index. Both commands start at once and run while Python lists folders and loads the cache.
    `git status` compares the content of files whose stat data changed (a touched but unchanged
    file is clean), and never takes the index lock (--no-optional-locks), so a search can not get
    in the way of a write running at the same time."""

    def __init__(self, repo: GitRepository, prefix: str) -> None:
        models = f"{prefix}/{layout.MODELS_DIR}" if prefix else layout.MODELS_DIR
        pathspec = f":(literal){models}"
        self._cut = len(prefix) + 1 if prefix else 0
        self._ids: dict[str, str] | None = None
        self._listing = Background(repo.toplevel, ["ls-files", "--stage", "-v", "-z", "--", pathspec])
        self._status = Background(repo.toplevel, ["--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=no",
                                      "--no-renames", "--ignore-submodules=all", "--", pathspec])

    def get(self, path: str) -> str | None:
        if self._ids is None:
            self._ids = self._collect()
        return self._ids.get(path)

    def _collect(self) -> dict[str, str]:
        listed, changed = self._listing.output(), self._status.output()
        # "XY path": Y is the working tree against the index (' ': the same).
        differing = {entry[3:] for entry in changed.split("\0") if len(entry) > 3 and entry[1] != " "}
        cut = self._cut
        ids: dict[str, str] = {}
        for entry in listed.split("\0"):
            found = _CHECKED_ENTRY.match(entry)
            if found is not None and found[2] not in differing:
                ids[found[2][cut:]] = found[1]
        return ids

    def close(self) -> None:
        self._listing.close()
        self._status.close()


# --------------------------------------------------------------------------- reading


class DocumentReader:
    """Reads registry documents as validated dicts, from the cache when a file's blob id is known."""

    def __init__(self, snapshot: Snapshot, blob_id: Callable[[str], str | None], cache: ManifestCache,
                 release: Callable[[], None] | None = None) -> None:
        self.snapshot = snapshot
        self._blob_id = blob_id
        self.cache = cache
        self._release = release

    @classmethod
    def open(cls, root: Path, snapshot: Snapshot, repo: GitRepository | None) -> DocumentReader:
        """A reader for the registry at ROOT as SNAPSHOT shows it, REPO holding it; without a
        cache outside git."""
        if repo is None:
            return cls(snapshot, lambda path: None, ManifestCache(None))
        if isinstance(snapshot, WorkingTree):
            blobs = WorkingTreeBlobs(repo, repo.relative(root))
            try:
                return cls(snapshot, blobs.get, ManifestCache.load(repo.git_dir), blobs.close)
            except BaseException:
                blobs.close()
                raise
        return cls(snapshot, snapshot.blob_id, ManifestCache.load(repo.git_dir))

    def read(self, path: str, kind: Kind) -> Document | None:
        """The validated document at PATH, or None when there is no such file; ManifestError when
        it cannot be parsed."""
        return self.read_all([path], kind)[0]

    def read_all(self, paths: Sequence[str], kind: Kind) -> list[Document | None]:
        """read() of each path; one loop, as it runs 100,000 times on a big registry."""
        blob_id, entries, used = self._blob_id, self.cache.entries[kind], self.cache.used[kind]
        documents: list[Document | None] = []
        for path in paths:
            oid = blob_id(path)
            document = entries.get(oid) if oid is not None else None
            if document is None:
                document = self._parse(path, kind, oid)
            else:
                used.append(oid)  # type: ignore[arg-type]  # oid is not None when document is not
            documents.append(document)
        return documents

    def _parse(self, path: str, kind: Kind, oid: str | None) -> Document | None:
        data = self.snapshot.read(path)
        if data is None:
            return None
        document: Document = parse_document(data, _KINDS[kind], path).model_dump(mode="json")
        if oid is not None and blob_id_of(data, oid) == oid:
            self.cache.put(kind, oid, document)
        return document

    def close(self) -> None:
        """Save what was learnt; wait for any git command still running."""
        if self._release is not None:
            self._release()
        self.cache.save()

    def __enter__(self) -> DocumentReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
