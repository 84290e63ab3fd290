"""Writing to a shared registry: --push re-applies the operation on the remote's latest state,
--branch pushes a change for review, and many writers racing lose nothing."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modelreg_cli.store.repository import GitRepository

from conftest import Runner, git, modelreg_executable, subjects


def clone(remote: Path, target: Path) -> Path:
    git(remote.parent, "clone", "-q", str(remote), str(target))
    return target


@pytest.fixture
def remote(tmp_path: Path, cli: Runner) -> Path:
    """A bare repository holding a registry with fraud v1 (the 'origin' every clone pushes to)."""
    seed = tmp_path / "seed"
    assert cli("init", str(seed), registry=None).code == 0
    assert cli("register", "fraud", "s3://m/1", registry=seed).code == 0
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(bare))
    return bare


@pytest.fixture
def alice(remote: Path, tmp_path: Path) -> Path:
    return clone(remote, tmp_path / "alice")


@pytest.fixture
def bob(remote: Path, tmp_path: Path) -> Path:
    return clone(remote, tmp_path / "bob")


def remote_versions(remote: Path, model: str = "fraud") -> dict[int, str]:
    """version -> stage, as the remote's main branch has them."""
    names = git(remote, "ls-tree", "--name-only", f"main:models/{model}/versions").split()
    found = {}
    for name in names:
        text = git(remote, "show", f"main:models/{model}/versions/{name}")
        stage = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("stage: "))
        found[int(name.removesuffix(".yaml"))] = stage
    return found


def test_push_after_the_commit(alice: Path, remote: Path, cli: Runner) -> None:
    result = cli("register", "fraud", "s3://m/2", "--push", registry=alice)
    head = git(alice, "rev-parse", "HEAD").strip()
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == f"Registered fraud version 2\nPushed {head[:7]} to origin/main\n"
    assert git(remote, "rev-parse", "main").strip() == head
    assert git(alice, "status", "--porcelain") == ""


def test_a_stale_clone_registers_the_next_free_number_on_the_remote(
    alice: Path, bob: Path, remote: Path, cli: Runner
) -> None:
    assert cli("register", "fraud", "s3://alice", "--push", registry=alice).code == 0
    result = cli("register", "fraud", "s3://bob", "--push", registry=bob)
    assert result.stdout.startswith("Registered fraud version 3\n")
    assert remote_versions(remote) == {1: "None", 2: "None", 3: "None"}
    # bob's clone was brought to the remote head, alice's version included
    assert git(bob, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
    assert (bob / "models/fraud/versions/2.yaml").read_text().count("s3://alice") == 1


def test_a_rejected_push_is_retried_on_the_new_remote_state(
    alice: Path, bob: Path, remote: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alice's push lands between Bob's fetch and Bob's push: Bob's is rejected and re-applied."""
    assert cli("register", "fraud", "s3://alice", registry=alice).code == 0  # committed, not yet pushed
    original = GitRepository.push
    calls: list[str] = []

    def racing_push(self: GitRepository, *args: Any) -> bool:
        if not calls:
            git(alice, "push", "-q", "origin", "HEAD:main")
        calls.append("push")
        return original(self, *args)

    monkeypatch.setattr(GitRepository, "push", racing_push)
    result = cli("register", "fraud", "s3://bob", "--push", registry=bob)
    assert result.code == 0, result.stderr
    assert len(calls) == 2
    assert result.stdout.startswith("Registered fraud version 3\n")
    assert remote_versions(remote) == {1: "None", 2: "None", 3: "None"}
    assert subjects(bob)[:2] == ["register fraud v3", "register fraud v2"]


def test_a_transition_rechecks_the_exclusive_stage_on_the_remote(
    alice: Path, bob: Path, remote: Path, cli: Runner
) -> None:
    assert cli("register", "fraud", "s3://m/2", "--push", registry=alice).code == 0
    assert cli("transition", "fraud", "1", "Production", "--push", registry=alice).code == 0
    git(bob, "pull", "-q")
    git(bob, "reset", "-q", "--hard", "HEAD~1")  # bob has not seen alice's promotion
    refused = cli("transition", "fraud", "2", "Production", "--push", registry=bob)
    assert (refused.code, refused.stderr) == (
        1, "error: on origin/main as it is now: version 1 of 'fraud' already holds Production, which only one "
           "version may hold: pass --archive-existing to move it to Archived\n",
    )
    done = cli("transition", "fraud", "2", "Production", "--archive-existing", "--push", registry=bob)
    assert done.code == 0, done.stderr
    assert remote_versions(remote) == {1: "Archived", 2: "Production"}


def test_an_operation_that_no_longer_applies_says_so(alice: Path, bob: Path, remote: Path, cli: Runner) -> None:
    assert cli("register", "fraud", "s3://m/2", "--push", registry=alice).code == 0
    git(bob, "pull", "-q")
    assert cli("delete", "fraud", "--version", "2", "--yes", "--push", registry=alice).code == 0
    result = cli("transition", "fraud", "2", "Staging", "--push", registry=bob)
    assert (result.code, result.stderr) == (
        1, "error: on origin/main as it is now: model 'fraud' has no version 2: its versions are 1\n"
    )


def test_branch_pushes_a_change_for_review(bob: Path, remote: Path, cli: Runner) -> None:
    before = git(bob, "rev-parse", "HEAD")
    result = cli("transition", "fraud", "1", "Staging", "--branch", "promote-fraud-v1", "-m", "review please",
                 registry=bob)
    assert result.code == 0, result.stderr
    pushed = git(remote, "rev-parse", "promote-fraud-v1").strip()
    assert result.stdout == (
        "fraud version 1: None -> Staging\n"
        f"Pushed {pushed[:7]} to branch origin/promote-fraud-v1: open a pull request from promote-fraud-v1 "
        "into the branch it was made from\n"
    )
    assert git(remote, "rev-parse", "promote-fraud-v1^") == git(remote, "rev-parse", "main")
    assert git(remote, "log", "-1", "--format=%s", "promote-fraud-v1") == "transition fraud v1: None -> Staging\n"
    assert git(bob, "rev-parse", "HEAD") == before  # the checkout is left alone
    again = cli("transition", "fraud", "1", "Staging", "--branch", "promote-fraud-v1", registry=bob)
    assert (again.code, again.stderr) == (
        1, "error: branch promote-fraud-v1 already exists on origin: choose another name with --branch\n"
    )


def test_push_from_the_environment(alice: Path, remote: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELREG_PUSH", "1")
    assert cli("tag", "set", "fraud", "team", "risk", registry=alice).code == 0
    assert git(remote, "log", "-1", "--format=%s", "main") == "tag fraud: team=risk\n"


def test_push_needs_a_tracked_branch(registry_path: Path, cli: Runner) -> None:
    result = cli("register", "fraud", "s3://x", "--push")
    assert (result.code, result.stderr) == (
        1, "error: branch main tracks no remote branch: run `git push -u origin main` once, then try again\n"
    )


def _writers(clones: list[Path], args: Callable[[int, int], list[str]], per_writer: int) -> list[tuple[int, str]]:
    """Each clone runs its commands one after another; the clones run at the same time."""
    procs = []
    for w, where in enumerate(clones):
        lines = [f'"{modelreg_executable()}" --registry "{where}" {" ".join(args(w, i))} || exit 1'
                 for i in range(per_writer)]
        procs.append(subprocess.Popen(["bash", "-c", "\n".join(lines)], stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True))
    return [(proc.wait(), proc.stdout.read() if proc.stdout else "") for proc in procs]


@pytest.mark.slow
def test_eight_writers_register_eighty_versions_without_losing_one(
    remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_daemon: tuple[str, Path]
) -> None:
    """Eight CI jobs, each in its own clone, push ten versions each through a real git server."""
    monkeypatch.setenv("MODELREG_PUSH_ATTEMPTS", "200")
    address, served = git_daemon
    shutil.move(str(remote), str(served / "registry.git"))
    remote = served / "registry.git"
    clones = []
    for w in range(8):
        git(tmp_path, "clone", "-q", f"{address}/registry.git", str(tmp_path / f"writer{w}"))
        clones.append(tmp_path / f"writer{w}")
    results = _writers(clones, lambda w, i: ["register", "fraud", f"s3://w{w}/{i}", "--push"], 10)
    assert [code for code, _ in results] == [0] * 8, [out for _, out in results]
    assert sorted(remote_versions(remote)) == list(range(1, 82))  # v1 from the seed, then 80 more
    sources = set()
    for number in range(2, 82):
        text = git(remote, "show", f"main:models/fraud/versions/{number}.yaml")
        sources.add(next(line for line in text.splitlines() if line.startswith("source: ")))
    assert len(sources) == 80  # every writer's every version, each exactly once
    assert int(git(remote, "rev-list", "--count", "main")) == 2 + 80


@pytest.mark.slow
def test_racing_promotions_leave_exactly_one_production_holder(
    remote: Path, tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELREG_PUSH_ATTEMPTS", "200")
    seed = clone(remote, tmp_path / "seeder")
    for i in range(2, 9):
        assert cli("register", "fraud", f"s3://m/{i}", registry=seed).code == 0
    git(seed, "push", "-q", "origin", "HEAD:main")
    clones = [clone(remote, tmp_path / f"promoter{w}") for w in range(8)]
    results = _writers(
        clones, lambda w, i: ["transition", "fraud", str(w + 1), "Production", "--archive-existing", "--push"], 1
    )
    assert [code for code, _ in results] == [0] * 8, [out for _, out in results]
    stages = remote_versions(remote)
    assert list(stages.values()).count("Production") == 1
    assert list(stages.values()).count("Archived") == 7


def test_sync_when_up_to_date_behind_and_ahead(alice: Path, bob: Path, remote: Path, cli: Runner) -> None:
    assert cli("sync", registry=bob).stdout == "Already up to date with origin/main\n"
    assert cli("register", "fraud", "s3://alice", "--push", registry=alice).code == 0
    assert cli("sync", registry=bob).stdout == "Fast-forwarded to origin/main (1 new commit)\n"
    assert git(bob, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
    assert (bob / "models/fraud/versions/2.yaml").exists()
    assert cli("register", "fraud", "s3://bob", registry=bob).code == 0
    assert cli("sync", registry=bob).stdout == "Pushed 1 commit to origin/main\n"
    assert git(remote, "rev-parse", "main") == git(bob, "rev-parse", "HEAD")


def test_sync_replays_local_registry_commits_on_top_of_the_remote(
    alice: Path, bob: Path, remote: Path, cli: Runner
) -> None:
    assert cli("register", "fraud", "s3://alice", "--push", registry=alice).code == 0
    # bob works offline: his version 2 collides with alice's
    assert cli("register", "fraud", "s3://bob", "-m", "bob's retrain", registry=bob).code == 0
    assert cli("alias", "set", "fraud", "champion", "2", registry=bob).code == 0
    assert cli("transition", "fraud", "2", "Staging", registry=bob).code == 0
    result = cli("sync", registry=bob)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (
        "Replayed 3 local commits on top of origin/main and pushed them "
        "(the old ones are kept as refs/modelreg/sync-backup)\n"
    )
    assert remote_versions(remote) == {1: "None", 2: "None", 3: "Staging"}
    assert "source: s3://bob" in git(remote, "show", "main:models/fraud/versions/3.yaml")
    assert "champion: 3" in git(remote, "show", "main:models/fraud/model.yaml")
    assert git(remote, "log", "--format=%s", "-4", "main").splitlines() == [
        "transition fraud v3: None -> Staging", "alias fraud@champion -> v3", "register fraud v3", "register fraud v2",
    ]
    replayed = git(remote, "log", "-1", "--format=%B", "main~2")
    original = git(bob, "rev-parse", "refs/modelreg/sync-backup~2").strip()
    assert replayed == (
        "register fraud v3\n\nbob's retrain\n\n"
        f"Modelreg-Op: register\nModelreg-Model: fraud\nModelreg-Version: 3\nModelreg-Replays: {original}\n\n"
    )
    assert git(bob, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
    assert git(bob, "status", "--porcelain") == ""
    assert git(bob, "rev-parse", "refs/modelreg/sync-backup") != git(bob, "rev-parse", "HEAD")


def test_sync_refuses_what_it_cannot_replay(alice: Path, bob: Path, cli: Runner) -> None:
    assert cli("register", "fraud", "s3://alice", "--push", registry=alice).code == 0
    (bob / "notes.md").write_text("not a registry file\n")
    git(bob, "add", "notes.md")
    git(bob, "commit", "-qm", "notes")
    head = git(bob, "rev-parse", "HEAD").strip()
    result = cli("sync", registry=bob)
    assert (result.code, result.stderr) == (
        1, f"error: commit {head[:12]} changes files outside the registry (notes.md): "
           "rebase it on the remote with git instead\n",
    )
    assert git(bob, "rev-parse", "HEAD").strip() == head


def test_when_the_attempts_run_out_the_clone_is_left_at_the_remote_head(
    alice: Path, bob: Path, remote: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Others keep pushing first: after the last attempt nothing is lost and the clone is at the remote head."""
    monkeypatch.setenv("MODELREG_PUSH_ATTEMPTS", "2")
    original = GitRepository.push
    counter = iter(range(100))

    def always_beaten(self: GitRepository, *args: Any) -> bool:
        number = next(counter)  # alice's change lands on the remote just before each of bob's pushes
        assert cli("tag", "set", "fraud", f"race{number}", "x", registry=alice).code == 0
        git(alice, "push", "-q", "origin", "HEAD:main")
        return original(self, *args)

    monkeypatch.setattr(GitRepository, "push", always_beaten)
    result = cli("register", "fraud", "s3://bob", "--push", registry=bob)
    assert (result.code, result.stderr) == (
        1, "error: could not push to origin/main: others kept writing to it (2 attempts). Your clone is at "
           "origin/main with nothing changed: try again\n",
    )
    assert git(bob, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
    assert git(bob, "status", "--porcelain") == ""
    assert remote_versions(remote) == {1: "None"}
