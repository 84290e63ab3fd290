"""The bytes behind versions: uploading at register, pull, verify and gc (docs/artifacts.md).

The store (store/artifact_stores/) keeps objects by sha256; a folder is its files by digest plus
its listing (store/artifacts.py), stored last, so a listing in the store means its files were
stored before it. Pull fetches objects into the local cache (store/artifact_cache.py), which
takes only bytes that hash to their name, and copies them out, hashed again, into a temporary
folder that is renamed into place: what lands at DIR is what the registry recorded, or nothing.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, TypeVar

from modelreg_cli.core.manifests import Artifact, ModelVersion, RegistryConfig
from modelreg_cli.errors import ConflictError, IntegrityError, InvalidInputError, ModelregError, NotFoundError
from modelreg_cli.store import artifacts
from modelreg_cli.store.artifact_cache import ArtifactCache
from modelreg_cli.store.artifact_stores import OBJECTS, ArtifactStore, open_artifact_store, scheme_of
from modelreg_cli.store.artifact_stores.references import copy_url, is_remote, open_url
from modelreg_cli.store.artifacts import Entry, LocalSource, ProgressFactory

if TYPE_CHECKING:
    from modelreg_cli.store.files import RegistryStore

WORKERS = 8
"""Objects moved at once to and from a remote store (a folder's files)."""

Item = TypeVar("Item")


def open_store(config: RegistryConfig, root: Path) -> ArtifactStore | None:
    """The registry's artifact store (a relative folder is relative to the registry's folder), or None."""
    if config.artifacts is None:
        return None
    url = config.artifacts.store
    if scheme_of(url) == "file" and not url.startswith("file://"):
        folder = Path(os.path.expanduser(url))
        url = os.path.normpath(folder if folder.is_absolute() else root / folder)
    return open_artifact_store(url, config.artifacts.options)


def _each(work: Callable[[Item], None], items: Sequence[Item], parallel: bool) -> None:
    """WORK on every item, several at once when PARALLEL; the first failure stops the rest."""
    if not parallel or len(items) < 2:
        for item in items:
            work(item)
        return
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = [pool.submit(work, item) for item in items]
        try:
            for future in futures:
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


# --------------------------------------------------------------------------- register: hash and upload


def upload(store: ArtifactStore, local: LocalSource, expected: str | None, size_bytes: int | None,
           progress: ProgressFactory | None = None) -> tuple[Artifact, str]:
    """Hash LOCAL, check it against EXPECTED and SIZE_BYTES (--sha256, --size-bytes), and put every
    object the store lacks in it; the artifact and the URL of its object, for the manifest."""
    path = local.path
    shown = str(path)
    if artifacts.kind_of(path) == "file":
        size = path.stat().st_size
        advance = progress(2 * size) if progress else None
        digest, size = artifacts.hash_file(path, advance)
        artifact = Artifact(sha256=digest, size_bytes=size, kind="file", name=path.name, stored=True)
        artifacts.check_matches(shown, artifact, expected, size_bytes)
        _put(store, digest, path, size, advance)
        return artifact, store.object_url(digest)
    files = artifacts.folder_files(path)
    total = sum(file.size for file in files)
    advance = progress(2 * total) if progress else None
    entries = [Entry(artifacts.hash_file(file.path, advance)[0], file.relative) for file in files]
    data = artifacts.listing(entries)
    digest = hashlib.sha256(data).hexdigest()
    artifact = Artifact(sha256=digest, size_bytes=total, kind="folder", name=path.name, stored=True)
    artifacts.check_matches(shown, artifact, expected, size_bytes)
    unique = {entry.sha256: file for entry, file in zip(entries, files, strict=True)}
    if advance is not None:
        advance(total - sum(file.size for file in unique.values()))  # files of the same bytes are sent once
    _each(lambda item: _put(store, item[0], item[1].path, item[1].size, advance), list(unique.items()), store.remote)
    if not store.exists(digest):  # the listing last: once it is there, so are its files
        with tempfile.TemporaryDirectory(prefix="modelreg-listing-") as folder:
            listing_file = Path(folder) / digest
            listing_file.write_bytes(data)
            store.upload(digest, listing_file)
    return artifact, store.object_url(digest)


def _put(store: ArtifactStore, digest: str, path: Path, size: int, advance: Callable[[int], None] | None) -> None:
    if store.exists(digest):
        if advance is not None:
            advance(size)  # already stored: nothing to send
        return
    store.upload(digest, path, advance)


# --------------------------------------------------------------------------- pull


Origin = Literal["cache", "store", "source", "in place"]


@dataclass(frozen=True)
class Pulled:
    """Where a pull placed a version's artifact (PATH: the file, or the folder) and where its bytes came from."""

    version: ModelVersion
    path: Path
    origin: Origin
    verified: bool

    def to_json(self) -> dict[str, Any]:
        artifact = self.version.artifact or Artifact()
        return {"uri": f"models:/{self.version.name}/{self.version.version}", "name": self.version.name,
                "version": self.version.version, "path": str(self.path), "kind": artifact.kind,
                "sha256": artifact.sha256, "size_bytes": artifact.size_bytes, "from": self.origin,
                "verified": self.verified}


@dataclass
class _Objects:
    """Where the objects of one version come from, into the cache: the cache itself, the
    registry's store, or the folder of the version's source URL (the store it was uploaded to)."""

    uri: str
    cache: ArtifactCache
    store: ArtifactStore | None
    base: str | None
    options: dict[str, Any]
    offline: bool
    origins: set[str] = field(default_factory=set)

    def get(self, digest: str) -> None:
        if self.cache.has(digest):
            self.origins.add("cache")
            return
        store = self.store if self.store is not None and not (self.offline and self.store.remote) else None
        if store is not None:
            try:
                self.cache.fill(digest, lambda: store.open(digest),
                                f"object {digest} of the artifact store {store.url}")
                self.origins.add("store")
                return
            except NotFoundError:
                if self.base is None or self.base == store.object_url(digest).rsplit("/", 1)[0]:
                    raise
        if self.base is None:
            raise self._offline(digest) if self.offline else NotFoundError(
                f"{self.uri}: object {digest} is in no artifact store this registry names: set artifacts.store in "
                "modelreg.yaml to the store it was uploaded to")
        if self.offline and is_remote(self.base):
            raise self._offline(digest)
        url = f"{self.base}/{digest}"
        self.cache.fill(digest, lambda: open_url(url, self.options), url)
        self.origins.add("source")

    def _offline(self, digest: str) -> NotFoundError:
        return NotFoundError(f"{self.uri} is not in the local cache (object {digest[:12]}…) and --offline keeps "
                             "modelreg off the network: pull it once without --offline")


def pull(version: ModelVersion, config: RegistryConfig, root: Path, repo_root: Path | None, dest: Path | None,
         offline: bool = False, verify: bool = True, cache: ArtifactCache | None = None) -> Pulled:
    """Place VERSION's artifact at DEST (default: NAME-vN in the current folder), checked against
    its sha256; see the module."""
    uri = f"models:/{version.name}/{version.version}"
    artifact = version.artifact or Artifact()
    target = Path(os.path.abspath(dest if dest is not None else f"{version.name}-v{version.version}"))
    if artifact.sha256 is None:
        if verify:
            raise InvalidInputError(f"{uri} has no sha256 recorded, so modelreg cannot verify what it would download: "
                                    "pass --no-verify to take it as it is")
        return _pull_unverified(version, target, repo_root, offline, config)
    cache = cache or ArtifactCache()
    digest = artifact.sha256
    kind = _kind(version, repo_root)
    name = _file_name(version) if kind == "file" else ""
    placed = target / name if name else target
    if _holds_already(target, placed, kind, artifact):
        return Pulled(version, placed, "in place", True)
    objects = _objects(version, config, root, cache, offline)
    if not artifact.stored and not cache.has(digest):  # a reference: from its source
        if kind == "folder":
            _fetch_local_folder(version, repo_root, cache)
        else:
            _fetch_reference(version, config, repo_root, cache, offline)
        objects.origins.add("source")
    objects.get(digest)
    if kind == "file":
        _place(target, lambda folder: _copy_out(cache, digest, folder / name))
    else:
        entries = artifacts.parse_listing(cache.read(digest), f"the listing of {uri}")
        _each(objects.get, _unique(entries), objects.store is None or objects.store.remote)
        _place(target, lambda folder: _copy_entries(cache, entries, folder))
    origin: Origin = "cache" if objects.origins <= {"cache"} else "source" if "source" in objects.origins else "store"
    return Pulled(version, placed, origin, True)


def _objects(version: ModelVersion, config: RegistryConfig, root: Path, cache: ArtifactCache, offline: bool) -> _Objects:
    artifact = version.artifact or Artifact()
    store = None
    if config.artifacts is not None:
        try:
            store = open_store(config, root)
        except ModelregError:
            if not offline:
                raise
    base = version.source.rsplit("/", 1)[0] if artifact.stored and f"/{OBJECTS}/" in version.source else None
    return _Objects(f"models:/{version.name}/{version.version}", cache, store, base, _options_for(version.source, config),
                    offline)


def _options_for(url: str, config: RegistryConfig) -> dict[str, Any]:
    """The store's options (endpoint_url, ...) serve a source URL of the same scheme."""
    if config.artifacts is None or scheme_of(url) != scheme_of(config.artifacts.store):
        return {}
    return dict(config.artifacts.options)


def _kind(version: ModelVersion, repo_root: Path | None) -> artifacts.Kind:
    artifact = version.artifact or Artifact()
    if artifact.kind is not None:
        return artifact.kind
    path = _local(version.source, repo_root)
    return "folder" if path is not None and path.is_dir() else "file"


def _local(source: str, repo_root: Path | None) -> Path | None:
    path = artifacts.local_path(source)
    if path is not None and not path.is_absolute() and repo_root is not None:
        path = repo_root / path
    return path


def _file_name(version: ModelVersion) -> str:
    artifact = version.artifact or Artifact()
    name = artifact.name or version.source.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "artifact"
    if artifact.stored and artifact.name is None:
        name = "artifact"  # an object's key says nothing of the file it was
    if "/" in name or "\\" in name or name in (".", ".."):
        raise InvalidInputError(f"models:/{version.name}/{version.version} records the file name {name!r}, which is "
                                "not a plain file name: fix artifact.name in its manifest")
    return name


def _fetch_reference(version: ModelVersion, config: RegistryConfig, repo_root: Path | None, cache: ArtifactCache,
                     offline: bool) -> None:
    """A referenced file (its source URL, not the store) into the cache."""
    source = version.source
    digest = (version.artifact or Artifact()).sha256 or ""
    if offline and is_remote(source):
        raise NotFoundError(f"models:/{version.name}/{version.version} is not in the local cache and --offline keeps "
                            f"modelreg off the network (it is at {source}): pull it once without --offline")
    cache.fill(digest, lambda: open_url(source, _options_for(source, config), repo_root), source)


def _fetch_local_folder(version: ModelVersion, repo_root: Path | None, cache: ArtifactCache) -> None:
    """A referenced local folder into the cache: each file by its digest, and the listing, once it
    hashes to the recorded digest (by the current listing or the legacy one)."""
    uri = f"models:/{version.name}/{version.version}"
    digest = (version.artifact or Artifact()).sha256 or ""
    folder = _local(version.source, repo_root)
    if folder is None or not folder.is_dir():
        raise NotFoundError(f"{uri} is a folder at {version.source}, which is not on this machine: pull it where it "
                            "was registered, or register it to the artifact store")
    files = artifacts.folder_files(folder)
    added: list[str] = []
    entries = []
    for file in files:
        found, _ = artifacts.hash_file(file.path)
        if not cache.has(found):
            cache.fill(found, functools.partial(_open_binary, file.path), str(file.path))
            added.append(found)
        entries.append(Entry(found, file.relative))
    data = artifacts.listing(entries)
    if hashlib.sha256(data).hexdigest() != digest and hashlib.sha256(artifacts.legacy_listing(entries)).hexdigest() != digest:
        for added_digest in added:
            cache.discard(added_digest)
        raise IntegrityError(f"{version.source} does not hash to the {digest} registered for {uri}: its files "
                             "changed since; nothing was placed")
    cache.fill(digest, lambda: io.BytesIO(data), f"the listing of {version.source}")


def _open_binary(path: Path) -> BinaryIO:
    return path.open("rb")


def _unique(entries: Iterable[Entry]) -> list[str]:
    return list(dict.fromkeys(entry.sha256 for entry in entries))


def _copy_out(cache: ArtifactCache, digest: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    cache.copy_out(digest, target)


def _copy_entries(cache: ArtifactCache, entries: list[Entry], folder: Path) -> None:
    for entry in entries:
        _copy_out(cache, entry.sha256, folder / entry.relative)


def _holds_already(target: Path, placed: Path, kind: artifacts.Kind, artifact: Artifact) -> bool:
    """Whether TARGET already holds exactly this artifact (a pull run again); ConflictError when it
    holds something else."""
    if not target.exists():
        return False
    if not target.is_dir():
        raise ConflictError(f"{target} is a file: give -o a folder to put the artifact in")
    if not any(target.iterdir()):
        return False
    if kind == "file":
        same = [p.name for p in target.iterdir()] == [placed.name] and placed.is_file() and \
            artifacts.hash_file(placed)[0] == artifact.sha256
    else:
        _, _, current, legacy = artifacts.folder_digests(target)
        same = artifact.sha256 in (current, legacy)
    if not same:
        raise ConflictError(f"{target} already holds other files: remove it, or pull to another folder with -o")
    return True


def _place(target: Path, build: Callable[[Path], None]) -> None:
    """Build the artifact in a temporary folder beside TARGET, then rename it to TARGET: a failure
    leaves nothing behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        build(temp)
        if target.is_dir():
            target.rmdir()  # empty: checked before
        os.rename(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _pull_unverified(version: ModelVersion, target: Path, repo_root: Path | None, offline: bool,
                     config: RegistryConfig) -> Pulled:
    source = version.source
    if offline and is_remote(source):
        raise NotFoundError(f"models:/{version.name}/{version.version} has no sha256, so it is never cached, and "
                            "--offline keeps modelreg off the network")
    local = _local(source, repo_root)
    if local is not None and local.is_dir():
        if target.exists() and any(target.iterdir()):
            raise ConflictError(f"{target} already holds files: remove it, or pull to another folder with -o")
        _place(target, lambda folder: _copy_tree(local, folder))
        return Pulled(version, target, "source", False)
    name = _file_name(version)
    if target.exists() and any(target.iterdir()):
        raise ConflictError(f"{target} already holds files: remove it, or pull to another folder with -o")
    _place(target, lambda folder: copy_url(source, folder / name, _options_for(source, config), repo_root))
    return Pulled(version, target / name, "source", False)


def _copy_tree(source: Path, folder: Path) -> None:
    for file in artifacts.folder_files(source):
        (folder / file.relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file.path, folder / file.relative)


# --------------------------------------------------------------------------- verify


Status = Literal["ok", "missing", "mismatch", "unverifiable", "skipped"]


@dataclass(frozen=True)
class ArtifactCheck:
    """What verify found for one version: STATUS and, in words, DETAIL."""

    name: str
    version: int
    status: Status
    detail: str

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"

    @property
    def failed(self) -> bool:
        return self.status in ("missing", "mismatch", "unverifiable")

    def to_json(self) -> dict[str, Any]:
        return {"uri": self.uri, "name": self.name, "version": self.version, "status": self.status,
                "detail": self.detail}


def verify(version: ModelVersion, config: RegistryConfig, root: Path, repo_root: Path | None,
           local: Path | None = None, explicit: bool = True, store: ArtifactStore | None = None) -> ArtifactCheck:
    """Check VERSION's bytes against its sha256 and size: LOCAL (a copy on this machine), else the
    store's objects (stored), else the source (a reference; a remote one only when EXPLICIT).
    STORE: the registry's store, when the caller has opened it already."""
    artifact = version.artifact or Artifact()

    def result(status: Status, detail: str) -> ArtifactCheck:
        return ArtifactCheck(version.name, version.version, status, detail)

    if artifact.sha256 is None:
        return result("unverifiable" if explicit else "skipped", "no sha256 recorded: nothing to check it against")
    try:
        if local is not None:
            return result(*_check_local(Path(os.path.abspath(local)), artifact))
        if artifact.stored:
            return result(*_check_stored(version, config, store or open_store(config, root)))
        path = _local(version.source, repo_root)
        if path is not None:
            if not os.path.exists(path):
                return result("missing", f"{version.source} is not on this machine")
            return result(*_check_local(path, artifact))
        if not explicit:
            return result("skipped", f"a reference to {version.source}: `modelreg verify "
                                     f"models:/{version.name}/{version.version}` downloads and checks it")
        with open_url(version.source, _options_for(version.source, config)) as data:
            found, size = artifacts.hash_stream(data)
        return result(*_compare(found, size, artifact, version.source))
    except NotFoundError as exc:
        return result("missing", str(exc))


def _compare(found: str, size: int, artifact: Artifact, what: str, legacy: str | None = None) -> tuple[Status, str]:
    if found != artifact.sha256 and legacy != artifact.sha256:
        return "mismatch", f"{what} hashes to {found}, not the recorded {artifact.sha256}"
    if artifact.size_bytes is not None and size != artifact.size_bytes:
        return "mismatch", f"{what} has {size:,} bytes, not the recorded {artifact.size_bytes:,}"
    if found != artifact.sha256:
        return "ok", (f"{what} matches sha256 {legacy[:12] if legacy else ''}… by the listing of folders registered before "
                      "names were escaped (the same digest as then)")
    return "ok", f"{what} matches sha256 {found[:12]}…, {size:,} bytes"


def _check_local(path: Path, artifact: Artifact) -> tuple[Status, str]:
    if artifacts.kind_of(path) == "file":
        found, size = artifacts.hash_file(path)
        return _compare(found, size, artifact, str(path))
    files, _, current, legacy = artifacts.folder_digests(path)
    return _compare(current, sum(file.size for file in files), artifact, str(path), legacy)


def _check_stored(version: ModelVersion, config: RegistryConfig, store: ArtifactStore | None) -> tuple[Status, str]:
    artifact = version.artifact or Artifact()
    digest = artifact.sha256 or ""
    reader = _StoredReader(version, config, store)
    found, size, data = reader.hash(digest, keep=artifact.kind == "folder")
    if artifact.kind != "folder":
        return _compare(found, size, artifact, f"object {digest[:12]}… in {reader.where}")
    if found != digest:
        return "mismatch", f"the listing {digest[:12]}… in {reader.where} hashes to {found}"
    entries = artifacts.parse_listing(data, f"the listing of models:/{version.name}/{version.version}")
    problems: dict[str, str] = {}
    sizes: dict[str, int] = {}

    def check(entry_digest: str) -> None:
        try:
            got, got_size, _ = reader.hash(entry_digest)
        except NotFoundError:
            problems[entry_digest] = "missing"
            return
        sizes[entry_digest] = got_size
        if got != entry_digest:
            problems[entry_digest] = "damaged"

    _each(check, _unique(entries), reader.remote)
    if problems:
        names = [entry.relative for entry in entries if entry.sha256 in problems]
        missing = sum(1 for state in problems.values() if state == "missing")
        status: Status = "missing" if missing else "mismatch"
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return status, (f"{len(names)} of {len(entries):,} files are missing or damaged in {reader.where} ({shown})")
    total = sum(sizes[entry.sha256] for entry in entries)
    return _compare(digest, total, artifact, f"folder of {len(entries):,} files in {reader.where}")


class _StoredReader:
    """Reads a stored version's objects: from the registry's store, else from its source's folder."""

    def __init__(self, version: ModelVersion, config: RegistryConfig, store: ArtifactStore | None) -> None:
        self.store = store
        self.base = version.source.rsplit("/", 1)[0]
        self.options = _options_for(version.source, config)
        self.where = self.store.url if self.store is not None else self.base
        self.remote = self.store.remote if self.store is not None else is_remote(self.base)

    def hash(self, digest: str, keep: bool = False) -> tuple[str, int, bytes]:
        """sha256, size (and with KEEP, the bytes) of object DIGEST: from the store, else (as pull
        does) from the folder of the version's source, when that is another place."""
        if self.store is not None:
            try:
                with self.store.open(digest) as data:
                    return _hashed(data, keep)
            except NotFoundError:
                if self.base == self.store.object_url(digest).rsplit("/", 1)[0]:
                    raise
                self.where = self.base
        with open_url(f"{self.base}/{digest}", self.options) as data:
            return _hashed(data, keep)


def _hashed(data: Any, keep: bool) -> tuple[str, int, bytes]:
    if keep:
        content = data.read()
        return hashlib.sha256(content).hexdigest(), len(content), content
    found, size = artifacts.hash_stream(data)
    return found, size, b""


# --------------------------------------------------------------------------- gc


MIN_AGE = 3600.0
"""Seconds an unreferenced object is kept by gc: an upload's objects are referenced only once its commit is made."""


@dataclass(frozen=True)
class Collected:
    """What `artifacts gc` removed (or, with DRY_RUN, would remove), how many objects versions use
    (KEPT), and how many unreferenced ones it kept for being younger than its minimum age (RECENT)."""

    store: str
    removed: tuple[str, ...]
    kept: int
    recent: int
    dry_run: bool

    def to_json(self) -> dict[str, Any]:
        return {"store": self.store, "removed": list(self.removed), "kept": self.kept, "recent": self.recent,
                "dry_run": self.dry_run}


def collect(registry: RegistryStore, config: RegistryConfig, dry_run: bool, head_only: bool,
            min_age: float = MIN_AGE) -> Collected:
    """Remove the store's objects that no version references in any revision (HEAD_ONLY: in the
    latest revision of any branch or tag, or the working tree) and that are older than MIN_AGE
    seconds (when the store can tell). A stored folder keeps its listing and every file it lists;
    when a listing is missing, nothing is removed."""
    import time

    from modelreg_cli.store.history import artifact_uses

    store = open_store(config, registry.root)
    if store is None:
        raise InvalidInputError("this registry has no artifact store: add `artifacts: {store: URL}` to modelreg.yaml "
                                "(or `modelreg init --store URL` for a new one)")
    keep: set[str] = set()
    folders: dict[str, str] = {}
    for use in artifact_uses(registry, head_only):
        keep.add(use.sha256)
        if use.stored and use.kind == "folder":
            folders.setdefault(use.sha256, f"models:/{use.model}/{use.version}")
    present = set(store.digests())
    for digest, uri in sorted(folders.items()):
        if digest not in present:
            raise NotFoundError(f"the listing of {uri} ({digest[:12]}…) is missing from the artifact store, so gc cannot "
                                "tell which objects its folder needs: nothing was removed (see `modelreg verify`)")
        with store.open(digest) as data:
            listing = data.read()
        keep.update(entry.sha256 for entry in artifacts.parse_listing(listing, f"the listing of {uri}"))
    unreferenced = sorted(present - keep)
    now = time.time()
    modified = getattr(store, "modified", None)
    young = {digest for digest in unreferenced
             if min_age > 0 and modified is not None and (when := modified(digest)) is not None and now - when < min_age}
    removed = tuple(digest for digest in unreferenced if digest not in young)
    if not dry_run:
        for digest in removed:
            store.delete(digest)
    return Collected(store.url, removed, len(present & keep), len(young), dry_run)
