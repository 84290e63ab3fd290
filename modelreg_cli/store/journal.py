"""Serializing writers, and finishing a write that was killed half-way.

Writers in one clone take an exclusive lock (flock on .git/modelreg/lock), so they run one
after the other. The kernel drops the lock when its holder dies, even by SIGKILL, so a lock
is never left behind.

A write records a journal (.git/modelreg/journal.json: the commit before, the commit after, and
the blob each touched path becomes), then writes the files, stages exactly those paths, and moves
HEAD last, with a compare-and-swap. In that order no state between the steps lets git itself undo
the write: until HEAD moves, the change is an uncommitted edit of the touched paths (a `git
commit -a` would commit it, never revert it), and once HEAD moves, the files and the index
already hold the change. The journal is removed when done.

If the process is killed in between, the next modelreg command (store/files.py) finishes the
write when every touched file already holds its new content, and otherwise puts the touched paths
back as HEAD has them. It only ever replaces content it knows: a path that holds neither what
HEAD has nor what the write was writing has been edited since the crash, and it refuses, saying
how to keep or drop the edit. (A write only starts on paths with no uncommitted changes.)
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from modelreg_cli.errors import ConflictError, InvalidInputError
from modelreg_cli.store import fileio

JOURNAL = "journal.json"
LOCK = "lock"
DEFAULT_LOCK_TIMEOUT = 120.0
LOCK_TIMEOUT_ENV = "MODELREG_LOCK_TIMEOUT"


def state_dir(git_dir: Path) -> Path:
    return git_dir / "modelreg"


def find_git_dir(start: Path) -> Path | None:
    """The .git folder of the repository holding START, found without running git (cheap for reads)."""
    for folder in (start, *start.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():  # a linked worktree or a submodule: "gitdir: <path>"
            text = dot_git.read_text().strip()
            if text.startswith("gitdir:"):
                target = Path(text[len("gitdir:"):].strip())
                return target if target.is_absolute() else (folder / target).resolve()
    return None


def pending(git_dir: Path) -> dict[str, object] | None:
    """The journal of an interrupted write, if there is one."""
    try:
        data = json.loads((state_dir(git_dir) / JOURNAL).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"head": None, "commit": None, "paths": []}  # unreadable: treat as nothing to finish
    return data if isinstance(data, dict) else None


def record(git_dir: Path, head: str | None, commit: str, after: dict[str, str | None]) -> None:
    """Before a write: HEAD before it, the commit it makes, and what each touched path (relative to
    the top of the repository) becomes: a blob id, or None when the write deletes it."""
    folder = state_dir(git_dir)
    folder.mkdir(exist_ok=True)
    payload = json.dumps({"head": head, "commit": commit, "paths": sorted(after), "after": after}, indent=1)
    fileio.write_atomic(folder / JOURNAL, payload.encode())


def clear(git_dir: Path) -> None:
    (state_dir(git_dir) / JOURNAL).unlink(missing_ok=True)


def lock_timeout() -> float:
    """$MODELREG_LOCK_TIMEOUT in seconds (default 120), or a clear error when it is not one."""
    text = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise InvalidInputError(f"{LOCK_TIMEOUT_ENV}={text!r} is not a number of seconds: set it to one, like 30, "
                                "or unset it for the default of 120")
    return seconds


@contextlib.contextmanager
def write_lock(git_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the registry's write lock; wait up to TIMEOUT seconds ($MODELREG_LOCK_TIMEOUT) for it."""
    if timeout is None:
        timeout = lock_timeout()
    folder = state_dir(git_dir)
    folder.mkdir(exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
                    raise ConflictError(
                        f"another modelreg command (pid {holder}) is still writing to this registry after "
                        f"{timeout:g}s: wait for it to finish and try again"
                    ) from None
                time.sleep(delay)  # a real wait for another process, not a test ordering trick
                delay = min(delay * 2, 0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
