"""One change is one commit or nothing: inject a failure at every step of a write and check
that HEAD, the index and the working tree are exactly as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modelreg_cli.store import fileio
from modelreg_cli.store.repository import GitRepository

from conftest import Runner, git, remove_identity, snapshot, subjects


class Boom(RuntimeError):
    pass


def fail_on_call(target: Any, name: str, monkeypatch: pytest.MonkeyPatch, when: Callable[..., bool] | None = None) -> None:
    """Make TARGET.NAME raise Boom (when WHEN(*args) holds), after doing nothing."""
    original = getattr(target, name)

    def broken(*args: Any, **kwargs: Any) -> Any:
        if when is None or when(*args, **kwargs):
            raise Boom(f"injected failure in {name}")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, broken)


def fail_after_call(target: Any, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make TARGET.NAME do its work, then raise Boom (a crash right after the step)."""
    original = getattr(target, name)

    def broken(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise Boom(f"injected failure after {name}")

    monkeypatch.setattr(target, name, broken)


def git_step(command: str) -> Callable[..., bool]:
    return lambda self, *args, **kwargs: bool(args) and args[0] == command


STEPS: list[tuple[str, Callable[[pytest.MonkeyPatch], None]]] = [
    ("writing blobs", lambda mp: fail_on_call(GitRepository, "write_blobs", mp)),
    ("building the tree", lambda mp: fail_on_call(GitRepository, "git", mp, git_step("write-tree"))),
    ("making the commit", lambda mp: fail_on_call(GitRepository, "git", mp, git_step("commit-tree"))),
    ("moving HEAD", lambda mp: fail_on_call(GitRepository, "git", mp, git_step("update-ref"))),
    ("after moving HEAD", lambda mp: fail_after_call(GitRepository, "move_head", mp)),
    ("writing the first file", lambda mp: fail_on_call(fileio, "write_atomic", mp)),
    ("writing the second file", lambda mp: _fail_on_nth_write(mp, 2)),
    ("staging the files", lambda mp: fail_on_call(GitRepository, "stage_paths", mp)),
    ("after staging the files", lambda mp: fail_after_call(GitRepository, "stage_paths", mp)),
]


def _fail_on_nth_write(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    original = fileio.write_atomic
    calls = {"count": 0}

    def broken(path: Path, data: bytes) -> None:
        calls["count"] += 1
        if calls["count"] == n:
            raise Boom("injected failure in the second write")
        original(path, data)

    monkeypatch.setattr(fileio, "write_atomic", broken)


OPERATIONS = [
    ["register", "fraud", "s3://m/3", "--alias", "champion"],
    ["register", "churn", "s3://c/1"],
    ["transition", "fraud", "2", "Production", "--archive-existing"],
    ["alias", "set", "fraud", "champion", "2"],
    ["delete", "fraud", "--version", "1", "--yes"],
    ["rename", "fraud", "fraud-detector"],
]
WRITES_ONE_FILE = {"alias", "delete"}
CASES = [
    (step, inject, operation)
    for step, inject in STEPS
    for operation in OPERATIONS
    if not (step == "writing the second file" and operation[0] in WRITES_ONE_FILE)
]


@pytest.fixture
def populated(registry_path: Path, cli: Runner) -> Path:
    assert cli("register", "fraud", "s3://m/1", "--alias", "champion").code == 0
    assert cli("register", "fraud", "s3://m/2").code == 0
    assert cli("transition", "fraud", "1", "Production").code == 0
    # the user's own unrelated work, staged and not, must survive a failure too
    (registry_path / "notes.md").write_text("mine\n")
    return registry_path


@pytest.mark.parametrize(("step", "inject", "operation"), CASES, ids=[f"{c[0]}: {' '.join(c[2][:3])}" for c in CASES])
def test_a_failure_at_any_step_changes_nothing(
    populated: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch, operation: list[str], step: str,
    inject: Callable[[pytest.MonkeyPatch], None],
) -> None:
    before = snapshot(populated)
    with pytest.MonkeyPatch.context() as injected:  # its own patcher: undoing it keeps the pinned git env
        inject(injected)
        result = cli(*operation)
    assert result.code == 3, (step, result.stdout, result.stderr)
    assert result.stderr.startswith("error: unexpected Boom: injected failure")
    assert result.stderr.endswith("(rerun with --debug for the traceback)\n")
    assert snapshot(populated) == before
    # and the registry still works afterwards
    again = cli(*operation)
    assert again.code == 0, again.stderr


def test_a_missing_git_identity_changes_nothing(populated: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(populated)
    remove_identity(monkeypatch)
    result = cli("transition", "fraud", "2", "Staging")
    assert result.code == 1
    assert result.stderr == (
        "error: git does not know who you are: run `git config user.name \"Your Name\"` and "
        "`git config user.email you@example.com`, then try again\n"
    )
    assert snapshot(populated) == before


def test_a_locked_index_changes_nothing(populated: Path, cli: Runner) -> None:
    lock = populated / ".git" / "index.lock"
    lock.write_text("")
    before = snapshot(populated)
    result = cli("transition", "fraud", "2", "Staging")
    assert result.code == 1
    assert result.stderr == (
        "error: another git process is using this repository (index.lock exists): wait for it to finish, "
        "or remove .git/index.lock if no git command is running\n"
    )
    lock.unlink()
    assert snapshot(populated) == before
    assert subjects(populated)[0] == "transition fraud v1: None -> Production"


def test_head_moved_by_someone_else_is_not_overwritten(
    populated: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """update-ref moves HEAD only from the commit the change was built on: a commit made meanwhile
    (by a tool that does not use the index, which modelreg holds locked meanwhile) wins."""
    original = GitRepository.git
    raced: list[bool] = []

    def racing_git(self: GitRepository, *args: str, **kwargs: Any) -> str:
        if args and args[0] == "update-ref" and not raced:
            raced.append(True)
            tree = git(populated, "rev-parse", "HEAD^{tree}").strip()
            other = git(populated, "commit-tree", tree, "-p", "HEAD", "-m", "made by someone else meanwhile").strip()
            git(populated, "update-ref", "HEAD", other)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GitRepository, "git", racing_git)
    status = git(populated, "status", "--porcelain")
    result = cli("transition", "fraud", "2", "Staging")
    assert result.code == 1
    assert result.stderr.startswith("error: git update-ref")
    assert subjects(populated)[:2] == ["made by someone else meanwhile", "transition fraud v1: None -> Production"]
    assert git(populated, "status", "--porcelain") == status
