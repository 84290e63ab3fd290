"""Plain file I/O: atomic writes, reads that may find nothing, removals.

A leaf: it imports nothing from the package, so every module of the store can use it without
importing another in a circle (pre-commit keeps its file lock in a module of its own for the
same reason). Modules call these as `fileio.write_atomic(...)`, so a test can replace one in a
single place.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~umask())  # mkstemp makes 0600; give the file the mode git would
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@functools.cache
def umask() -> int:
    """The process's umask (read once: reading it means setting it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no file there (or a folder is in the way)."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def remove_file(path: Path, stop: Path) -> None:
    """Delete a file and the folders it leaves empty, up to (not including) STOP."""
    path.unlink(missing_ok=True)
    folder = path.parent
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def remove_tree(path: Path) -> None:
    """Delete a folder and everything in it; nothing when it is not there."""
    shutil.rmtree(path, ignore_errors=True)


def kind_of(mode: int) -> str | None:
    """What a non-regular entry is ('a symbolic link', 'a named pipe', ...), None for a plain file or folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def irregular_on_the_way(root: Path, relative: str) -> tuple[str, str] | None:
    """(the part of RELATIVE, what it is) for the first entry on the way from ROOT to RELATIVE
    (itself included) that is not a plain folder or, at the end, a plain file: a symbolic link,
    a pipe, a device. Nothing is followed. None when there is none (or the path ends early)."""
    current, parts = root, PurePosixPath(relative).parts
    for depth, part in enumerate(parts):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return None
        kind = kind_of(mode)
        if kind is None and depth < len(parts) - 1 and not stat.S_ISDIR(mode):
            return None  # a file where a folder would be: nothing lies beyond it
        if kind is not None:
            return "/".join(parts[:depth + 1]), kind
    return None


def irregular_entries(root: Path, relative: str) -> list[tuple[str, str]]:
    """(path relative to ROOT, what it is) of every entry at or under RELATIVE that is not a plain
    file or folder, found without following any link."""
    found: list[tuple[str, str]] = []
    try:
        mode = os.lstat(root / relative).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return found
    kind = kind_of(mode)
    if kind is not None:
        return [(relative, kind)]
    if stat.S_ISDIR(mode):
        with os.scandir(root / relative) as entries:
            for entry in entries:
                path = f"{relative}/{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    found += irregular_entries(root, path)
                elif not entry.is_file(follow_symlinks=False):
                    found.append((path, kind_of(entry.stat(follow_symlinks=False).st_mode) or "not a file"))
    return found
