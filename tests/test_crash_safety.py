"""Writers serialize on a lock, and a write killed with SIGKILL at any point leaves the clone
before or after the change once the next command has run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelreg_cli.store import journal

from conftest import Runner, git, subjects

# Runs the CLI in a child process that SIGKILLs itself at one step of the write.
KILLER = """
import os, signal, sys
from modelreg_cli.store import fileio, repository, journal

def kill_at(owner, name, after, nth):
    original = getattr(owner, name)
    calls = []
    def dying(*args, **kwargs):
        calls.append(1)
        if len(calls) < nth:
            return original(*args, **kwargs)
        if after:
            original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    setattr(owner, name, dying)

where, _, nth = sys.argv[1].partition("#")
owner = {"journal": journal, "fileio": fileio, "repo": repository.GitRepository}[where.split(".")[0]]
kill_at(owner, where.split(".")[1], sys.argv[2] == "after", int(nth or 1))
from modelreg_cli.cli.app import app
app(sys.argv[3:])
"""

# (step, killed before or after it, the state the clone ends in)
KILL_POINTS = [
    ("repo.build_commit", "before", "unchanged"),
    ("journal.record", "after", "unchanged"),
    ("repo.lock_index", "after", "unchanged"),
    ("fileio.write_atomic#1", "before", "unchanged"),  # the journal itself
    ("fileio.write_atomic#2", "before", "unchanged"),  # the first registry file
    ("fileio.write_atomic#2", "after", "unchanged"),  # one file of two: undone
    ("fileio.write_atomic#3", "before", "unchanged"),
    ("fileio.write_atomic#3", "after", "changed"),  # every file written: finished
    ("repo.move_head", "before", "changed"),
    ("repo.move_head", "after", "changed"),
    ("repo.stage_paths", "before", "changed"),
    ("repo.stage_paths", "after", "changed"),
]
# From taking index.lock until releasing it, a write is half-done: git itself refuses to commit then.
LOCKED = {point for point in KILL_POINTS[3:] if point[0] != "fileio.write_atomic#1"} | {KILL_POINTS[2]}
UNCHANGED = {1: "Production", 2: "None"}
CHANGED = {1: "Archived", 2: "Production"}


@pytest.fixture
def populated(registry_path: Path, cli: Runner) -> Path:
    assert cli("register", "fraud", "s3://m/1", "--alias", "champion").code == 0
    assert cli("register", "fraud", "s3://m/2").code == 0
    assert cli("transition", "fraud", "1", "Production").code == 0
    (registry_path / "notes.md").write_text("the user's own untracked file\n")
    return registry_path


@pytest.mark.parametrize(("where", "when", "outcome"), KILL_POINTS, ids=[f"{p[0]} {p[1]}" for p in KILL_POINTS])
def test_a_write_killed_at_any_point_is_before_or_after(
    populated: Path, cli: Runner, where: str, when: str, outcome: str
) -> None:
    before = git(populated, "rev-parse", "HEAD").strip()
    args = ["--registry", str(populated), "transition", "fraud", "2", "Production", "--archive-existing"]
    proc = subprocess.run([sys.executable, "-c", KILLER, where, when, *args], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr

    # the next command, even a read, finishes or undoes what the killed one left
    assert cli("list").code == 0
    head = git(populated, "rev-parse", "HEAD").strip()
    assert git(populated, "status", "--porcelain") == "?? notes.md\n"
    stages = {v["version"]: v["stage"] for v in json.loads(cli("versions", "fraud", "--json").stdout)}
    if outcome == "unchanged":
        assert (head, stages) == (before, UNCHANGED)
    else:
        assert stages == CHANGED
        assert subjects(populated)[0] == "transition fraud v2: None -> Production; archive v1"
        assert git(populated, "rev-parse", "HEAD~1").strip() == before
    checked = cli("check")
    assert checked.code == 0, checked.stdout + checked.stderr
    assert not journal.pending(populated / ".git")
    assert not list((populated / ".git").glob("modelreg-index-*"))
    # and the registry takes the next write
    assert cli("register", "fraud", "s3://m/3").code == 0


def test_concurrent_writers_in_one_clone_serialize(registry_path: Path) -> None:
    from conftest import modelreg_executable

    procs = [
        subprocess.Popen(
            [modelreg_executable(), "--registry", str(registry_path), "register", "fraud", f"s3://m/{i}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(6)
    ]
    outputs = [proc.communicate() for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 6, outputs
    numbers = sorted(int(out.split()[-1]) for out, _ in outputs)
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert sorted(p.name for p in (registry_path / "models/fraud/versions").iterdir()) == [
        f"{n}.yaml" for n in range(1, 7)
    ]
    assert len(subjects(registry_path)) == 7
    assert git(registry_path, "status", "--porcelain") == ""


def test_a_held_lock_gives_a_clear_error(
    populated: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELREG_LOCK_TIMEOUT", "0")
    with journal.write_lock(populated / ".git"):
        result = cli("transition", "fraud", "2", "Staging")
    assert result.code == 1
    assert result.stderr.startswith("error: another modelreg command (pid ")
    assert result.stderr.endswith("is still writing to this registry after 0s: wait for it to finish and try again\n")
    assert cli("transition", "fraud", "2", "Staging").code == 0


def kill(populated: Path, where: str, when: str) -> str:
    """Run the transition in a child killed at WHERE; return HEAD before it."""
    before = git(populated, "rev-parse", "HEAD").strip()
    args = ["--registry", str(populated), "transition", "fraud", "2", "Production", "--archive-existing"]
    proc = subprocess.run([sys.executable, "-c", KILLER, where, when, *args], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    return before


@pytest.mark.parametrize(("where", "when", "outcome"), KILL_POINTS, ids=[f"{p[0]} {p[1]}" for p in KILL_POINTS])
def test_git_commit_all_after_a_kill_never_reverts_the_write(
    populated: Path, cli: Runner, where: str, when: str, outcome: str
) -> None:
    """The user's own `git commit -a` before any modelreg command runs, at every point a write can
    die: while the write is half-done git refuses to commit (modelreg holds index.lock, as git does
    while committing), so it can neither undo the write nor commit half of it."""
    before = kill(populated, where, when)
    committed = subprocess.run(["git", "commit", "-qam", "my own work"], cwd=populated, capture_output=True, text=True)
    if (where, when, outcome) in LOCKED:
        assert committed.returncode == 128
        assert "index.lock': File exists" in committed.stderr
    assert cli("list").code == 0
    assert git(populated, "rev-parse", "HEAD~1" if outcome == "changed" else "HEAD").strip() == before
    stages = {v["version"]: v["stage"] for v in json.loads(cli("versions", "fraud", "--json").stdout)}
    assert stages == (CHANGED if outcome == "changed" else UNCHANGED)
    assert git(populated, "status", "--porcelain") == "?? notes.md\n"
    assert not (populated / ".git" / "index.lock").exists()
    assert cli("check").code == 0


def test_recovery_never_discards_an_edit_made_after_the_crash(populated: Path, cli: Runner) -> None:
    kill(populated, "fileio.write_atomic#2", "after")  # v2's file written, v1's not: a half-done write
    edited = populated / "models/fraud/versions/1.yaml"
    edited.write_text(edited.read_text().replace("description: ''", "description: my note"))
    mine = edited.read_bytes()
    for command in (["list"], ["transition", "fraud", "2", "Staging"]):
        result = cli(*command)
        assert (result.code, result.stdout) == (1, "")
        assert result.stderr == ("error: a modelreg write was interrupted, and models/fraud/versions/1.yaml was changed "
                                 "after it: keep your edit with `git stash` (or drop it with `git checkout HEAD -- "
                                 "models/fraud/versions/1.yaml`), then run the command again\n")
        assert edited.read_bytes() == mine
    git(populated, "stash", "-q")
    assert cli("list").code == 0  # the half-done write is undone now that nothing else is in the way
    stages = {v["version"]: v["stage"] for v in json.loads(cli("versions", "fraud", "--json").stdout)}
    assert stages == UNCHANGED
    git(populated, "stash", "pop", "-q")
    assert edited.read_bytes() == mine


def test_a_git_process_holding_the_index_stops_a_write_cleanly(populated: Path, cli: Runner) -> None:
    lock = populated / ".git" / "index.lock"
    lock.write_bytes(b"DIRC git's own lock")  # what git leaves while it (or a crashed git) holds the index
    head = git(populated, "rev-parse", "HEAD")
    result = cli("transition", "fraud", "2", "Staging")
    assert (result.code, result.stderr) == (1, "error: another git process is using this repository (index.lock "
                                               "exists): wait for it to finish, or remove .git/index.lock if no git "
                                               "command is running\n")
    assert git(populated, "rev-parse", "HEAD") == head
    assert lock.read_bytes() == b"DIRC git's own lock"  # never removed: it is not modelreg's
    assert not journal.pending(populated / ".git")
    lock.unlink()
    assert git(populated, "status", "--porcelain") == "?? notes.md\n"
    assert cli("transition", "fraud", "2", "Staging").code == 0
