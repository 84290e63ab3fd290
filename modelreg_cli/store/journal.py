"""Serializing writers, and finishing a write that was killed half-way.

Writers in one clone take an exclusive lock (flock on .git/modelreg/lock), so they run one
after the other. The kernel drops the lock when its holder dies, even by SIGKILL, so a lock
is never left behind.

A write moves HEAD first and then updates the files and the index of the paths it touched.
Before moving HEAD it records a journal (.git/modelreg/journal.json) naming the commit before,
the commit after and those paths; it removes the journal when done. If the process is killed in
between, the next modelreg command finds the journal and makes those paths' files and index
entries match whatever HEAD is now (before or after the change: both are whole states). That is
safe because a write only ever touches paths that had no uncommitted changes.
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

from modelreg_cli.errors import ConflictError
from modelreg_cli.store import fileio

JOURNAL = "journal.json"
LOCK = "lock"
DEFAULT_LOCK_TIMEOUT = 120.0


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


def record(git_dir: Path, head: str | None, commit: str, paths: list[str]) -> None:
    folder = state_dir(git_dir)
    folder.mkdir(exist_ok=True)
    payload = json.dumps({"head": head, "commit": commit, "paths": paths}, indent=1)
    fileio.write_atomic(folder / JOURNAL, payload.encode())


def clear(git_dir: Path) -> None:
    (state_dir(git_dir) / JOURNAL).unlink(missing_ok=True)


@contextlib.contextmanager
def write_lock(git_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the registry's write lock; wait up to TIMEOUT seconds ($MODELREG_LOCK_TIMEOUT) for it."""
    if timeout is None:
        timeout = float(os.environ.get("MODELREG_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
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
