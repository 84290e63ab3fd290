"""Writing to a shared registry: make the change on the remote's latest state and push it.

A change is not rebased as text. The *operation* (register, transition, ...) is run again on the
state of the remote branch as fetched, so a register takes the next free number there and a
transition re-checks the exclusive stage against what others did meanwhile. The commit is pushed
without force; when the remote moved in the meantime the push is rejected, and the whole thing
is tried again on the new remote state, with a growing random wait, up to a limit.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelreg_cli.core.changes import Change
from modelreg_cli.errors import ConflictError, GitError, ModelregError
from modelreg_cli.store import git as gitdoor

if TYPE_CHECKING:
    from modelreg_cli.store.files import RegistryStore
    from modelreg_cli.store.repository import GitRepository

Operation = Callable[["RegistryStore"], Change | None]
"""Computes the change from the registry state it is given (the remote's latest), or None."""

DEFAULT_ATTEMPTS = 12


@dataclass(frozen=True)
class Published:
    change: Change | None
    commit: str | None
    remote: str
    branch: str
    for_review: bool = False
    """Pushed as a new branch (--branch): the clone's own branch was left alone."""
    note: str = ""


def attempts_allowed() -> int:
    return max(1, int(os.environ.get("MODELREG_PUSH_ATTEMPTS", DEFAULT_ATTEMPTS)))


def _back_off(attempt: int) -> None:
    # Writers that collided retry at random moments within a growing window, so they spread out.
    time.sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))


def push_operation(store: RegistryStore, operation: Operation) -> Published:
    """Run OPERATION on the tracked remote branch's latest state, push the commit, fast-forward the clone."""
    repo = store.repo
    remote, branch = repo.upstream()
    for attempt in range(attempts_allowed()):
        base = _base_for(store, remote, branch)
        change = _run_on(store, operation, base, remote, branch, retried=attempt > 0)
        if change is None:
            _fast_forward(store, base)
            return Published(None, None, remote, branch)
        commit = store.build_on(change, base)
        if repo.push(remote, commit, branch):
            updated = _fast_forward(store, commit)
            note = "" if updated else "pushed; your checkout could not fast-forward to it: run `git pull`"
            return Published(change, commit, remote, branch, note=note)
        _back_off(attempt)
    remote_head = repo.fetch_branch(remote, branch)
    if remote_head is not None:
        _fast_forward(store, remote_head)
    raise ConflictError(
        f"could not push to {remote}/{branch}: others kept writing to it ({attempts_allowed()} attempts). "
        f"Your clone is at {remote}/{branch} with nothing changed: try again"
    )


def push_to_new_branch(store: RegistryStore, operation: Operation, new_branch: str) -> Published:
    """Run OPERATION on the tracked remote branch's latest state and push it as NEW_BRANCH (for a pull request)."""
    repo = store.repo
    remote, branch = repo.upstream()
    gitdoor.value(new_branch, "branch")
    if repo.fetch_branch(remote, new_branch) is not None:
        raise ConflictError(f"branch {new_branch} already exists on {remote}: choose another name with --branch")
    base = repo.fetch_branch(remote, branch)
    if base is None:
        raise GitError(f"{remote} has no branch {branch} yet: push it once with `git push -u {remote} {branch}`")
    change = _run_on(store, operation, base, remote, branch, retried=True)
    if change is None:
        return Published(None, None, remote, new_branch, for_review=True)
    commit = store.build_on(change, base)
    if not repo.push(remote, commit, new_branch):
        raise ConflictError(f"branch {new_branch} was created on {remote} meanwhile: choose another name")
    repo.git("branch", "--no-track", new_branch, commit, check=False)  # a local name for it too, if free
    return Published(change, commit, remote, new_branch, for_review=True)


def _base_for(store: RegistryStore, remote: str, branch: str) -> str:
    """The commit to build on: the remote head, or the local head when it is ahead (its commits go too)."""
    repo = store.repo
    local = repo.head()
    remote_head = repo.fetch_branch(remote, branch)
    if local is None or remote_head is None:
        if remote_head is None and local is not None:
            return local  # a new branch on the remote: the push creates it
        raise GitError(f"nothing to build on: neither the clone nor {remote}/{branch} has a commit")
    if local == remote_head or repo.is_ancestor(local, remote_head):
        return remote_head
    if repo.is_ancestor(remote_head, local):
        return local
    raise ConflictError(
        f"your branch and {remote}/{branch} have diverged: run `modelreg sync` to replay your registry "
        "changes on top of it, then try again"
    )


def _run_on(
    store: RegistryStore, operation: Operation, base: str, remote: str, branch: str, retried: bool
) -> Change | None:
    try:
        return operation(store.at(base))
    except ModelregError as exc:
        if not retried and base == store.repo.head():
            raise
        raise type(exc)(f"on {remote}/{branch} as it is now: {exc}") from None


def _fast_forward(store: RegistryStore, commit: str) -> bool:
    """Bring the clone's branch and files to COMMIT (a descendant of HEAD); False if local edits stop it."""
    repo = store.repo
    head = repo.head()
    if head == commit:
        return True
    if head is not None and not repo.is_ancestor(head, commit):
        return False
    return gitdoor.run(repo.toplevel, ["merge", "--ff-only", "--quiet", commit]).code == 0


@dataclass(frozen=True)
class Synced:
    """What sync did: 'up-to-date', 'fast-forward' (took N remote commits), 'pushed' (N local commits),
    or 'replayed' (N local commits made again on top of the remote's)."""

    action: str
    count: int
    remote: str
    branch: str
    head: str | None


Replay = Callable[[str, str], str]
"""Makes local commit C again on top of commit ONTO; returns the new tip (ONTO when nothing was left)."""


def sync(store: RegistryStore, replay: Replay, registry_prefix: str) -> Synced:
    """Bring the clone and its tracked remote branch together: fast-forward, push, or replay."""
    repo = store.repo
    remote, branch = repo.upstream()
    for attempt in range(attempts_allowed()):
        remote_head = repo.fetch_branch(remote, branch)
        local = repo.head()
        if local is None:
            raise GitError("the clone has no commits: nothing to sync")
        if remote_head is None or repo.is_ancestor(remote_head, local):
            if local == remote_head:
                return Synced("up-to-date", 0, remote, branch, local)
            ahead = len(repo.first_parent_commits(remote_head, local)) if remote_head else 1
            if repo.push(remote, local, branch):
                return Synced("pushed", ahead, remote, branch, local)
            _back_off(attempt)
            continue
        if repo.is_ancestor(local, remote_head):
            behind = len(repo.first_parent_commits(local, remote_head))
            if not _fast_forward(store, remote_head):
                raise ConflictError(
                    f"cannot fast-forward to {remote}/{branch}: files it changes have uncommitted edits here; "
                    "commit or stash them, then run modelreg sync again"
                )
            return Synced("fast-forward", behind, remote, branch, remote_head)
        mine = repo.first_parent_commits(repo.git("merge-base", local, remote_head).strip(), local)
        _check_registry_only(repo, mine, registry_prefix)
        tip = remote_head
        for commit in mine:
            tip = replay(commit, tip)
        if tip != remote_head and not repo.push(remote, tip, branch):
            _back_off(attempt)
            continue
        repo.git("update-ref", "-m", "modelreg sync: before replaying", "refs/modelreg/sync-backup", local)
        moved = gitdoor.run(repo.toplevel, ["reset", "--keep", "-q", tip])
        if moved.code != 0:
            raise ConflictError(
                f"replayed and pushed, but your checkout could not move to it ({moved.err.strip().splitlines()[-1]}): "
                f"run `git reset --keep {tip[:12]}` after committing or stashing your edits"
            )
        return Synced("replayed", len(mine), remote, branch, tip)
    raise ConflictError(
        f"could not sync with {remote}/{branch}: others kept writing to it ({attempts_allowed()} attempts): try again"
    )


def _check_registry_only(repo: GitRepository, commits: list[str], prefix: str) -> None:
    """Only registry files can be replayed as operations: anything else needs git's own rebase."""
    lead = f"{prefix}/" if prefix else ""
    for commit in commits:
        outside = [
            path for path in repo.changed_paths(commit)
            if not (path == f"{lead}modelreg.yaml" or path.startswith(f"{lead}models/"))
        ]
        if outside:
            raise ConflictError(
                f"commit {commit[:12]} changes files outside the registry ({outside[0]}): "
                "rebase it on the remote with git instead"
            )
