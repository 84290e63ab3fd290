"""Local artifacts: where a SOURCE path points, and the sha256 and size of its bytes.

A file's digest is the sha256 of its bytes. A folder's digest is the sha256 of a listing
with one line per file, sorted by path: "<sha256 of the file>  <path relative to the folder>\\n"
(the format `sha256sum` prints), so it changes when any file's bytes or name change.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from modelreg_cli.core.manifests import Artifact
from modelreg_cli.core.names import validate_sha256
from modelreg_cli.errors import InvalidInputError

Progress = Callable[[int], None]
"""Called with the number of bytes just read."""

ProgressFactory = Callable[[int], Progress | None]
"""Called with the total size before hashing starts; returns the Progress to feed, or None."""

_CHUNK = 1 << 20
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def has_scheme(source: str) -> bool:
    """Whether SOURCE is a URI (s3://, runs:/, file://, ...) rather than a path (a Windows drive is a path)."""
    return bool(_SCHEME.match(source)) and not re.match(r"[A-Za-z]:[\\/]", source)


@dataclass(frozen=True)
class LocalSource:
    path: Path
    stored: str


def local_source(source: str, repo_root: Path | None) -> LocalSource | None:
    """The local path SOURCE names (a plain path or file://), or None for a remote URI (s3://, runs:/, ...).

    A path inside the registry's repository is stored relative to the repository's top, so the
    manifest stays valid in every clone; any other local path is stored as a file:// URI.
    """
    if source.startswith("file://"):
        path = Path(source[len("file://"):])
    elif _SCHEME.match(source) and not re.match(r"[A-Za-z]:[\\/]", source):
        return None
    else:
        path = Path(source)
    if not path.exists():
        raise InvalidInputError(
            f"source {source!r} does not exist: give an existing file or folder, or a URI such as s3://bucket/model"
        )
    resolved = path.resolve()
    if repo_root is not None:
        try:
            return LocalSource(resolved, resolved.relative_to(repo_root.resolve()).as_posix())
        except ValueError:
            pass
    return LocalSource(resolved, resolved.as_uri())


def describe_source(source: str, sha256: str | None, size_bytes: int | None, repo_root: Path | None,
                    progress: ProgressFactory | None = None) -> tuple[Artifact | None, str]:
    """What to record of SOURCE: its artifact (sha256 and size) and the source as stored. A local
    file or folder is hashed (SHA256 and SIZE_BYTES, when given, must match); for a remote URI
    they are recorded as given. PROGRESS is called with the total size before hashing."""
    expected = validate_sha256(sha256) if sha256 else None
    if size_bytes is not None and size_bytes < 0:
        raise InvalidInputError(f"size {size_bytes} is negative: give the artifact's size in bytes")
    if not source.strip():
        raise InvalidInputError("source is empty: give a path or a URI such as s3://bucket/model")
    local = local_source(source, repo_root)
    if local is None:
        given = expected is not None or size_bytes is not None
        return (Artifact(sha256=expected, size_bytes=size_bytes) if given else None), source
    callback = progress(total_size(local.path)) if progress else None
    artifact = digest(local.path, callback)
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


def total_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(file.stat().st_size for file in _files(path))


def digest(path: Path, progress: Progress | None = None) -> Artifact:
    """sha256 and size of a file or folder, streamed in 1 MiB chunks."""
    if path.is_file():
        sha, size = _hash_file(path, progress)
        return Artifact(sha256=sha, size_bytes=size)
    listing = hashlib.sha256()
    size = 0
    for file in _files(path):
        sha, file_size = _hash_file(file, progress)
        listing.update(f"{sha}  {file.relative_to(path).as_posix()}\n".encode())
        size += file_size
    return Artifact(sha256=listing.hexdigest(), size_bytes=size)


def _files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        found.extend(Path(dirpath) / name for name in filenames)
    return sorted(found, key=lambda file: file.relative_to(folder).as_posix())


def _hash_file(path: Path, progress: Progress | None) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
            if progress is not None:
                progress(len(chunk))
    return sha.hexdigest(), size
