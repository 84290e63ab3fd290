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
    ("repo.move_head", "before", "unchanged"),
    ("repo.move_head", "after", "changed"),
    ("fileio.write_atomic#1", "before", "unchanged"),  # the journal itself
    ("fileio.write_atomic#2", "before", "changed"),  # the first registry file
    ("fileio.write_atomic#2", "after", "changed"),
    ("fileio.write_atomic#3", "after", "changed"),
    ("repo.stage_paths", "before", "changed"),
    ("repo.stage_paths", "after", "changed"),
]
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
