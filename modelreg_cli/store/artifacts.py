"""Local artifacts: where a SOURCE path points, and the sha256 and size of its bytes.

A file's digest is the sha256 of its bytes. A folder's digest is the sha256 of its listing: one
line per file, sorted by path, "<sha256 of the file>  <path relative to the folder>\\n", the
format `sha256sum` prints, escaped as it escapes: a path holding a backslash or a line break is
written with `\\\\` and `\\n` for them, and its line starts with a backslash. So the listing
names every folder unambiguously, and changes when any file's bytes or name change. Folders
hashed before the escaping (modelreg 0.x) used the same lines unescaped: `legacy_listing` makes
that listing too, so an old digest can still be checked (the two differ only for such names).

What a folder may hold: regular files and folders. A symbolic link to a regular file inside the
folder is followed (its bytes are stored under the link's name); any other link (to a folder,
out of the folder, or to nothing) and any FIFO, socket or device is refused, naming it, before
anything is read, so hashing can neither hang nor store something else than the folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from modelreg_cli.core.manifests import Artifact
from modelreg_cli.core.names import validate_sha256
from modelreg_cli.errors import InvalidInputError

Progress = Callable[[int], None]
"""Called with the number of bytes just read."""

ProgressFactory = Callable[[int], Progress | None]
"""Called with the total size before hashing starts; returns the Progress to feed, or None."""

Kind = Literal["file", "folder"]

CHUNK = 1 << 20
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_LINE = re.compile(r"(\\?)([0-9a-f]{64})  (.+)")


def has_scheme(source: str) -> bool:
    """Whether SOURCE is a URI (s3://, runs:/, file://, ...) rather than a path (a Windows drive is a path)."""
    return bool(_SCHEME.match(source)) and not re.match(r"[A-Za-z]:[\\/]", source)


@dataclass(frozen=True)
class LocalSource:
    path: Path
    stored: str


@dataclass(frozen=True)
class FolderFile:
    """One file of a folder artifact: its path in the folder (posix), where it is, its size."""

    relative: str
    path: Path
    size: int


@dataclass(frozen=True)
class Entry:
    """One line of a folder's listing: a file's digest and its path in the folder."""

    sha256: str
    relative: str


def local_source(source: str, repo_root: Path | None) -> LocalSource | None:
    """The local path SOURCE names (a plain path or file://), or None for a remote URI (s3://, runs:/, ...).

    A path inside the registry's repository is stored relative to the repository's top, so the
    manifest stays valid in every clone; any other local path is stored as a file:// URI.
    """
    path = local_path(source)
    if path is None:
        return None
    if not os.path.lexists(path):
        raise InvalidInputError(
            f"source {source!r} does not exist: give an existing file or folder, or a URI such as s3://bucket/model"
        )
    resolved = path.resolve()
    kind_of(resolved, source)
    if repo_root is not None:
        try:
            return LocalSource(resolved, resolved.relative_to(repo_root.resolve()).as_posix())
        except ValueError:
            pass
    return LocalSource(resolved, resolved.as_uri())


def local_path(source: str) -> Path | None:
    """The path a plain path or file:// SOURCE names; None for any other URI."""
    if source.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return Path(unquote(urlparse(source).path))
    if has_scheme(source):
        return None
    return Path(source)


def kind_of(path: Path, shown: str | None = None) -> Kind:
    """Whether PATH is a file or a folder artifact; InvalidInputError for anything else (a FIFO,
    a device, a socket, a dangling link), which has no bytes to register."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InvalidInputError(f"{shown or path} is a symbolic link to nothing: give the file or folder itself") from None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    raise InvalidInputError(f"{shown or path} is {_special(mode)}, not a file or folder: give a regular file or a folder")


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def describe_source(source: str, sha256: str | None, size_bytes: int | None, repo_root: Path | None,
                    progress: ProgressFactory | None = None) -> tuple[Artifact | None, str]:
    """What to record of SOURCE: its artifact (sha256 and size) and the source as stored. A local
    file or folder is hashed (SHA256 and SIZE_BYTES, when given, must match); for a remote URI
    they are recorded as given. PROGRESS is called with the total size before hashing."""
    expected = check_expected(source, sha256, size_bytes)
    local = local_source(source, repo_root)
    if local is None:
        given = expected is not None or size_bytes is not None
        return (Artifact(sha256=expected, size_bytes=size_bytes) if given else None), source
    files = folder_files(local.path) if local.path.is_dir() else None
    callback = progress(total_size(local.path, files)) if progress else None
    artifact = digest(local.path, callback, files)
    check_matches(source, artifact, expected, size_bytes)
    return artifact, local.stored


def check_expected(source: str, sha256: str | None, size_bytes: int | None) -> str | None:
    """The --sha256 given, checked (and --size-bytes), before anything is read."""
    expected = validate_sha256(sha256) if sha256 else None
    if size_bytes is not None and size_bytes < 0:
        raise InvalidInputError(f"size {size_bytes} is negative: give the artifact's size in bytes")
    if not source.strip():
        raise InvalidInputError("source is empty: give a path or a URI such as s3://bucket/model")
    return expected


def check_matches(source: str, artifact: Artifact, expected: str | None, size_bytes: int | None) -> None:
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


def total_size(path: Path, files: list[FolderFile] | None = None) -> int:
    if files is None and path.is_file():
        return path.stat().st_size
    return sum(file.size for file in (files if files is not None else folder_files(path)))


def digest(path: Path, progress: Progress | None = None, files: list[FolderFile] | None = None) -> Artifact:
    """sha256, size, kind and name of a file or folder, streamed in 1 MiB chunks."""
    if files is None and kind_of(path) == "file":
        sha, size = hash_file(path, progress)
        return Artifact(sha256=sha, size_bytes=size, kind="file", name=path.name)
    found = files if files is not None else folder_files(path)
    entries = [Entry(hash_file(file.path, progress)[0], file.relative) for file in found]
    return Artifact(sha256=hashlib.sha256(listing(entries)).hexdigest(), size_bytes=sum(file.size for file in found),
                    kind="folder", name=path.name)


def folder_files(folder: Path) -> list[FolderFile]:
    """The files of FOLDER sorted by their path in it, checked as the module says (nothing is read)."""
    found: list[FolderFile] = []
    top = folder.resolve()
    pending = [(folder, "")]
    while pending:
        where, prefix = pending.pop()
        with os.scandir(where) as entries:
            for entry in entries:
                relative = f"{prefix}{entry.name}"
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    pending.append((Path(entry.path), f"{relative}/"))
                elif stat.S_ISREG(mode):
                    found.append(FolderFile(relative, Path(entry.path), entry.stat(follow_symlinks=False).st_size))
                elif stat.S_ISLNK(mode):
                    found.append(_followed(Path(entry.path), relative, top))
                else:
                    raise InvalidInputError(f"{entry.path} is {_special(mode)}: a folder artifact holds only files and "
                                            "folders; move it out of the folder")
    return sorted(found, key=lambda file: file.relative)


def _followed(link: Path, relative: str, top: Path) -> FolderFile:
    target = link.resolve()
    refuse = f"{link} is a symbolic link"
    if not target.exists():
        raise InvalidInputError(f"{refuse} to nothing: remove it, or replace it with the file it should be")
    if not target.is_relative_to(top):
        raise InvalidInputError(f"{refuse} out of the folder (to {target}): copy the file in instead")
    info = target.stat()
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInputError(f"{refuse} to {'a folder' if stat.S_ISDIR(info.st_mode) else _special(info.st_mode)}: "
                                "only links to files inside the folder are followed; copy it in instead")
    return FolderFile(relative, target, info.st_size)


def listing(entries: Iterable[Entry]) -> bytes:
    """The folder's listing, escaped as `sha256sum` escapes names (the module says how)."""
    lines = []
    for entry in entries:
        name = entry.relative
        if "\\" in name or "\n" in name:
            lines.append("\\" + f"{entry.sha256}  " + name.replace("\\", "\\\\").replace("\n", "\\n") + "\n")
        else:
            lines.append(f"{entry.sha256}  {name}\n")
    return "".join(lines).encode(errors="surrogateescape")


def legacy_listing(entries: Iterable[Entry]) -> bytes:
    """The listing as modelreg wrote it before names were escaped (ambiguous, kept to check old digests)."""
    return "".join(f"{entry.sha256}  {entry.relative}\n" for entry in entries).encode(errors="surrogateescape")


def parse_listing(data: bytes, what: str) -> list[Entry]:
    """The entries of a listing written by `listing`; InvalidInputError naming WHAT when it is not one,
    or names a path that would leave the folder (an absolute path, `..`)."""
    entries: list[Entry] = []
    if not data:
        return entries  # an empty folder
    for line in data.decode(errors="surrogateescape").split("\n")[:-1] if data.endswith(b"\n") else [None]:
        found = _LINE.fullmatch(line) if line is not None else None
        if found is None:
            raise InvalidInputError(f"{what} is not a folder listing: check it with `modelreg verify`")
        name = found.group(3)
        if found.group(1):
            name = re.sub(r"\\(.)", lambda escape: "\n" if escape.group(1) == "n" else escape.group(1), name)
        parts = name.split("/")
        if name.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise InvalidInputError(f"{what} names {name!r}, which is not a path inside a folder: it cannot be placed")
        entries.append(Entry(found.group(2), name))
    return entries


def hash_file(path: Path, progress: Progress | None = None) -> tuple[str, int]:
    with path.open("rb") as handle:
        return hash_stream(handle, progress)


def hash_stream(handle: BinaryIO, progress: Progress | None = None, copy_to: BinaryIO | None = None) -> tuple[str, int]:
    """sha256 and size of what HANDLE holds, read to its end in 1 MiB chunks (written to COPY_TO too)."""
    sha = hashlib.sha256()
    size = 0
    while chunk := handle.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
        if progress is not None:
            progress(len(chunk))
    return sha.hexdigest(), size


def folder_digests(folder: Path) -> tuple[list[FolderFile], list[Entry], str, str]:
    """The files of a local FOLDER, their entries, and its digest by the current and the legacy listing."""
    files = folder_files(folder)
    entries = [Entry(hash_file(file.path)[0], file.relative) for file in files]
    return files, entries, hashlib.sha256(listing(entries)).hexdigest(), hashlib.sha256(legacy_listing(entries)).hexdigest()
