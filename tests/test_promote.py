"""`modelreg promote NAME --to STAGE`: the latest version of the stage before, if it qualifies."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from test_policy import POLICY, REFUSES, ok, set_policy, stages

from conftest import EMAIL, Outcome, Runner, git, set_identity, snapshot, subjects


@pytest.fixture
def staged(registry_path: Path, cli: Runner) -> Path:
    """fraud: v1 (auc 0.91) in Production; v2 (auc 0.93) and v3 (auc 0.95) in Staging; v4 in None."""
    ok(cli, "create", "fraud", "--owner", EMAIL)
    for number, (auc, stage) in enumerate([("0.91", "Production"), ("0.93", "Staging"), ("0.95", "Staging"),
                                           ("0.97", "None")], start=1):
        ok(cli, "register", "fraud", f"s3://m/{number}", "--metric", f"auc={auc}", "--metric", "latency_ms=10",
           "--run-id", f"r{number}", "--stage", stage)
    return registry_path


def test_promote_the_latest_version_of_the_stage_before(staged: Path, cli: Runner) -> None:
    result = cli("promote", "fraud", "--to", "production", "--archive-existing", "--if", "metrics.auc > 0.9",
                 "-m", "Nightly promotion")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == "Promoted fraud version 3: Staging -> Production; archived version 1\n"
    assert stages(cli) == {1: "Archived", 2: "Staging", 3: "Production", 4: "None"}
    assert subjects(staged)[0] == "transition fraud v3: Staging -> Production; archive v1"
    assert git(staged, "log", "-1", "--format=%b") == (
        "Nightly promotion\n\nQualified by: metrics.auc > 0.9\n\n"
        "Modelreg-Op: transition\nModelreg-Model: fraud\nModelreg-Version: 3\n\n"
    )


def test_promote_from_a_chosen_stage(staged: Path, cli: Runner) -> None:
    assert ok(cli, "promote", "fraud", "--from", "None", "--to", "Staging") == \
        "Promoted fraud version 4: None -> Staging\n"


def test_a_version_that_does_not_meet_the_condition_is_not_promoted(staged: Path, cli: Runner) -> None:
    before = snapshot(staged)
    result = cli("promote", "fraud", "--to", "Production", "--archive-existing", "--if", "metrics.auc >= 0.96")
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == ("error: fraud v3 (the latest in Staging) does not qualify for Production: --if "
                             "`metrics.auc >= 0.96` does not hold (auc is 0.95)\n")
    assert snapshot(staged) == before


def test_a_version_that_fails_the_policy_is_not_promoted(staged: Path, cli: Runner) -> None:
    set_policy(staged, POLICY.replace('"metrics.auc >= 0.9"', '"metrics.auc >= 0.96"'))
    before = snapshot(staged)
    result = cli("promote", "fraud", "--to", "Production", "--archive-existing")
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (f"{REFUSES}fraud v3: Staging -> Production: require: `metrics.auc >= 0.96` does not hold "
                             "for v3 (auc is 0.95)\n")
    assert snapshot(staged) == before


def test_promote_obeys_the_approvers(staged: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    set_policy(staged)
    set_identity(monkeypatch, "Eve", "eve@example.com")
    result = cli("promote", "fraud", "--to", "Production", "--archive-existing")
    assert result.code == 1 and "approvers: eve@example.com may not move versions into Production" in result.stderr
    set_identity(monkeypatch, "Rita", "rita@risk.example.com")
    assert ok(cli, "promote", "fraud", "--to", "Production", "--archive-existing").startswith("Promoted fraud version 3")


def test_an_exclusive_stage_still_needs_archive_existing(staged: Path, cli: Runner) -> None:
    result = cli("promote", "fraud", "--to", "Production")
    assert result.stderr == ("error: version 1 of 'fraud' already holds Production, which only one version may hold: "
                             "pass --archive-existing to move it to Archived\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--to", "Staging", "--from", "Archived"], "no version of 'fraud' is in Archived: nothing to promote to Staging"),
    (["--to", "None"], "None is the first stage: nothing comes before it to promote from (pass --from STAGE)"),
    (["--to", "Staging", "--from", "staging"], "--from and --to are both Staging: promote from another stage"),
    (["--to", "Live"], "unknown stage 'Live': use one of None, Staging, Production, Archived"),
    (["--to", "Production", "--if", "metrics.auc >"],
     "--if 'metrics.auc >': unexpected end of input at column 14: expected a value for 'metrics.auc'"),
])
def test_promote_refuses_what_it_cannot_do(staged: Path, cli: Runner, args: list[str], message: str) -> None:
    result = cli("promote", "fraud", *args)
    assert (result.code, result.stdout, result.stderr) == (1, "", f"error: {message}\n")


def test_promote_needs_to(staged: Path, cli: Runner) -> None:
    result = cli("promote", "fraud")
    assert result.code == 2
    assert result.stderr == "error: Missing option '--to' (see `modelreg promote --help`)\n"


def test_promote_json(staged: Path, cli: Runner) -> None:
    data = json.loads(ok(cli, "promote", "fraud", "--to", "Production", "--archive-existing", "--json"))
    assert (data["version"], data["stage"], data["from_stage"], data["archived"]) == (3, "Production", "Staging", [1])
    assert data["commit"] == git(staged, "rev-parse", "HEAD").strip()


def test_promote_as_a_real_command_in_ci(staged: Path, sh: Callable[..., Outcome]) -> None:
    result = sh("promote", "fraud", "--to", "Production", "--if", "metrics.auc > 0.99", "--archive-existing",
                cwd=staged)
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == ("error: fraud v3 (the latest in Staging) does not qualify for Production: --if "
                             "`metrics.auc > 0.99` does not hold (auc is 0.95)\n")
    result = sh("promote", "fraud", "--to", "Production", "--if", "metrics.auc > 0.9", "--archive-existing",
                cwd=staged)
    assert (result.code, result.stdout) == (0, "Promoted fraud version 3: Staging -> Production; archived version 1\n")


def test_promote_with_push_is_decided_on_the_remote_state(staged: Path, cli: Runner, tmp_path: Path) -> None:
    """A clone that is behind promotes what the remote has in Staging now, not what it saw."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(staged), str(bare))
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    git(tmp_path, "clone", "-q", str(bare), str(alice))
    git(tmp_path, "clone", "-q", str(bare), str(bob))
    ok_alice = cli("register", "fraud", "s3://m/5", "--metric", "auc=0.96", "--run-id", "r5", "--stage", "Staging",
                   "--push", registry=alice)
    assert ok_alice.code == 0, ok_alice.stderr
    result = cli("promote", "fraud", "--to", "Production", "--archive-existing", "--push", registry=bob)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout.startswith("Promoted fraud version 5: Staging -> Production; archived version 1\nPushed ")
