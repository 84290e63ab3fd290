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
import tempfile
from pathlib import Path


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
