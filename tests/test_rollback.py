"""`modelreg rollback`: a stage or alias back on the version that held it before, in one commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EMAIL, Runner, git, set_date, snapshot, subjects


def ok(cli: Runner, *args: str) -> str:
    result = cli(*args)
    assert result.code == 0, result.stderr
    return result.stdout


def stages(cli: Runner, name: str = "fraud") -> dict[int, str]:
    import json

    return {v["version"]: v["stage"] for v in json.loads(ok(cli, "versions", name, "--json"))}


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def promoted(registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """fraud v1, v2, v3: each promoted to Production in turn (archiving the one before); @champion
    moved 1 -> 2 -> 3 alongside. Returns the commit ids of the promotions."""
    ids = {}
    for number in (1, 2, 3):
        set_date(monkeypatch, f"2026-10-0{number + 1}T09:00:00Z")
        ok(cli, "register", "fraud", f"s3://fraud/{number}", "--alias", "champion")
        ok(cli, "transition", "fraud", str(number), "Production", "--archive-existing")
        ids[f"v{number}"] = head(registry_path)
    set_date(monkeypatch, "2026-10-09T09:00:00Z")
    return ids


def test_rollback_a_stage(registry_path: Path, cli: Runner, promoted: dict[str, str]) -> None:
    result = cli("rollback", "fraud", "--stage", "production", "-m", "v3 drifts on weekend traffic")
    assert (result.code, result.stdout, result.stderr) == (0, "rollback fraud Production: v3 -> v2\n"
                                                              "fraud version 2: Archived -> Production\n"
                                                              "fraud version 3: Production -> Archived\n", "")
    assert stages(cli) == {1: "Archived", 2: "Production", 3: "Archived"}
    assert ok(cli, "resolve", "models:/fraud/Production") == "s3://fraud/2\n"
    assert git(registry_path, "log", "-1", "--format=%B") == f"""\
rollback fraud Production: v3 -> v2

Undoes {promoted['v3']} (transition fraud v3: None -> Production; archive v2).

v3 drifts on weekend traffic

Modelreg-Op: rollback
Modelreg-Model: fraud
Modelreg-Version: 2
Modelreg-Undoes: {promoted['v3']}

"""
    assert git(registry_path, "show", "--name-only", "--format=", "HEAD").split() == [
        "models/fraud/model.yaml", "models/fraud/versions/2.yaml", "models/fraud/versions/3.yaml",
    ]
    assert git(registry_path, "status", "--porcelain") == ""
    assert ok(cli, "log", "fraud", "-n", "1") == f"""\
2026-10-09 09:00  {head(registry_path)[:8]}  Ada Lovelace <{EMAIL}>
  fraud v2: Archived -> Production
  fraud v3: Production -> Archived
  why: Undoes {promoted['v3']} (transition fraud v3: None -> Production; archive v2).

       v3 drifts on weekend traffic
"""


def test_rolling_back_a_rollback_undoes_it(cli: Runner, promoted: dict[str, str]) -> None:
    ok(cli, "rollback", "fraud", "--stage", "Production")
    assert ok(cli, "rollback", "fraud", "--stage", "Production").splitlines()[0] == "rollback fraud Production: v2 -> v3"
    assert stages(cli) == {1: "Archived", 2: "Archived", 3: "Production"}


def test_rollback_to_a_chosen_version(cli: Runner, promoted: dict[str, str]) -> None:
    assert ok(cli, "rollback", "fraud", "--stage", "Production", "--to", "1") == (
        "rollback fraud Production: v3 -> v1\nfraud version 1: Archived -> Production\n"
        "fraud version 3: Production -> Archived\n")
    assert stages(cli) == {1: "Production", 2: "Archived", 3: "Archived"}


def test_rollback_skips_an_earlier_holder_that_was_deleted(
    registry_path: Path, cli: Runner, promoted: dict[str, str]
) -> None:
    ok(cli, "delete", "fraud", "--version", "2", "--yes")
    assert ok(cli, "rollback", "fraud", "--stage", "Production").splitlines()[0] == "rollback fraud Production: v3 -> v1"


def test_a_stage_left_empty_goes_back_to_its_last_holder(cli: Runner, promoted: dict[str, str]) -> None:
    ok(cli, "transition", "fraud", "3", "Archived")
    assert ok(cli, "rollback", "fraud", "--stage", "Production") == (
        "rollback fraud Production: none -> v3\nfraud version 3: Archived -> Production\n")
    assert stages(cli) == {1: "Archived", 2: "Archived", 3: "Production"}


def test_a_last_holder_that_moved_to_another_stage_keeps_it(cli: Runner, promoted: dict[str, str]) -> None:
    ok(cli, "transition", "fraud", "3", "Staging")
    assert ok(cli, "rollback", "fraud", "--stage", "Production") == (
        "rollback fraud Production: none -> v2\nfraud version 2: Archived -> Production\n")
    assert stages(cli) == {1: "Archived", 2: "Production", 3: "Staging"}


def test_rolling_back_staging_never_takes_production_away(
    registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The usual path: each version is staged, then promoted; rolling back Staging must leave the
    live version where it is."""
    for number in (1, 2, 3):
        set_date(monkeypatch, f"2026-10-0{number + 1}T09:00:00Z")
        ok(cli, "register", "fraud", f"s3://fraud/{number}", "--stage", "Staging")
        if number < 3:
            ok(cli, "transition", "fraud", str(number), "Production", "--archive-existing")
    assert stages(cli) == {1: "Archived", 2: "Production", 3: "Staging"}
    assert ok(cli, "rollback", "fraud", "--stage", "Staging") == (
        "rollback fraud Staging: v3 -> v1\nfraud version 1: Archived -> Staging\n"
        "fraud version 3: Staging -> Archived\n")
    assert stages(cli) == {1: "Staging", 2: "Production", 3: "Archived"}


STRICT_POLICY = f"""policy:
  transitions:
    None: [Staging, Archived]
    Staging: [Production, Archived, None]
    Production: [Archived]
    Archived: []
  gates:
    Production:
      approvers: [{EMAIL}]
"""


def test_rolling_back_staging_under_a_strict_policy_leaves_production_alone(
    registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = registry_path / "modelreg.yaml"
    config.write_text(config.read_text() + STRICT_POLICY)
    git(registry_path, "commit", "-qam", "a strict policy")
    for number in (1, 2, 3, 4):
        set_date(monkeypatch, f"2026-10-0{number + 1}T09:00:00Z")
        ok(cli, "register", "fraud", f"s3://fraud/{number}", "--stage", "Staging")
        if number < 4:
            ok(cli, "transition", "fraud", str(number), "Production", "--archive-existing")
    before = stages(cli)
    assert before == {1: "Archived", 2: "Archived", 3: "Production", 4: "Staging"}
    assert ok(cli, "rollback", "fraud", "--stage", "Staging") == (
        "rollback fraud Staging: v4 -> v2\nfraud version 2: Archived -> Staging\n"
        "fraud version 4: Staging -> Archived\n")
    assert stages(cli) == {1: "Archived", 2: "Staging", 3: "Production", 4: "Archived"}
    assert ok(cli, "resolve", "models:/fraud/Production") == "s3://fraud/3\n"


def test_a_rollback_target_holding_another_stage_is_refused(cli: Runner, promoted: dict[str, str]) -> None:
    ok(cli, "register", "fraud", "s3://fraud/4", "--stage", "Staging")
    result = cli("rollback", "fraud", "--stage", "Staging", "--to", "3")
    assert (result.code, result.stderr) == (1, "error: version 3 of 'fraud' holds Production: rolling Staging back to "
                                               "it would take it out of Production; choose another version with --to\n")
    assert stages(cli) == {1: "Archived", 2: "Archived", 3: "Production", 4: "Staging"}


def test_when_every_earlier_holder_moved_on_nothing_moves(cli: Runner) -> None:
    ok(cli, "register", "fraud", "s3://fraud/1", "--stage", "Staging")
    ok(cli, "transition", "fraud", "1", "Production")
    result = cli("rollback", "fraud", "--stage", "Staging")
    assert (result.code, result.stderr) == (1, "error: nothing to roll back to: the earlier holders of fraud Staging "
                                               "moved on (v1 holds Production now), and rolling back must not take "
                                               "that away; pass --to VERSION to choose a version\n")


def test_a_non_exclusive_stage_is_left_to_the_target_alone(cli: Runner, promoted: dict[str, str]) -> None:
    ok(cli, "transition", "fraud", "1", "Staging")
    ok(cli, "transition", "fraud", "2", "Staging")
    ok(cli, "transition", "fraud", "1", "Archived")  # v1 left Staging last
    assert ok(cli, "rollback", "fraud", "--stage", "Staging").splitlines()[0] == "rollback fraud Staging: v2 -> v1"
    assert ok(cli, "resolve", "models:/fraud/Staging") == "s3://fraud/1\n"


def test_rollback_a_moved_alias(registry_path: Path, cli: Runner, promoted: dict[str, str]) -> None:
    ok(cli, "alias", "set", "fraud", "champion", "1")
    undone = head(registry_path)
    assert ok(cli, "rollback", "fraud", "--alias", "champion") == "rollback fraud@champion: v1 -> v3\n"
    assert ok(cli, "resolve", "models:/fraud@champion") == "s3://fraud/3\n"
    message = git(registry_path, "log", "-1", "--format=%B")
    assert message.splitlines()[:3] == [
        "rollback fraud@champion: v1 -> v3", "", f"Undoes {undone} (alias fraud@champion: v3 -> v1).",
    ]
    assert git(registry_path, "show", "--name-only", "--format=", "HEAD").split() == ["models/fraud/model.yaml"]


def test_rollback_restores_a_removed_alias(cli: Runner, promoted: dict[str, str]) -> None:
    ok(cli, "alias", "delete", "fraud", "champion")
    assert ok(cli, "rollback", "fraud", "--alias", "champion") == "rollback fraud@champion: none -> v3\n"
    assert ok(cli, "resolve", "models:/fraud@champion") == "s3://fraud/3\n"


def test_rollback_of_a_promotion_made_by_hand(
    registry_path: Path, cli: Runner, promoted: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for number, old, new in ((3, "Production", "Archived"), (1, "Archived", "Production")):
        path = registry_path / f"models/fraud/versions/{number}.yaml"
        path.write_text(path.read_text().replace(f"stage: {old}", f"stage: {new}"))
    git(registry_path, "commit", "-q", "-am", "Hotfix: v1 back to Production")
    hand = head(registry_path)
    assert ok(cli, "rollback", "fraud", "--stage", "Production").splitlines()[0] == "rollback fraud Production: v1 -> v3"
    assert f"Undoes {hand} (Hotfix: v1 back to Production)." in git(registry_path, "log", "-1", "--format=%B")


@pytest.mark.parametrize(
    ("setup", "args", "code", "error"),
    [
        ([], ["fraud"], 2, "give exactly one of --stage STAGE or --alias ALIAS: what to roll back"),
        ([], ["fraud", "--stage", "Production", "--alias", "champion"], 2,
         "give exactly one of --stage STAGE or --alias ALIAS: what to roll back"),
        ([], ["fraud", "--stage", "Archived"], 1,
         "Archived is where versions start or end, not a stage to roll back: roll back the stage a version was "
         "promoted to (e.g. Production)"),
        ([], ["fraud", "--stage", "Live"], 1, "unknown stage 'Live': use one of None, Staging, Production, Archived"),
        ([], ["fraud", "--stage", "Staging"], 1,
         "nothing to roll back to: no version of 'fraud' has ever held Staging; pass --to VERSION to choose a version"),
        ([], ["fraud", "--alias", "challenger"], 1,
         "nothing to roll back to: no version of 'fraud' has ever held @challenger; pass --to VERSION to choose a "
         "version"),
        ([["delete", "fraud", "--version", "1", "--yes"], ["delete", "fraud", "--version", "2", "--yes"]],
         ["fraud", "--stage", "Production"], 1,
         "nothing to roll back to: the earlier holders of fraud Production (v2, v1) were deleted; pass --to VERSION "
         "to choose a version"),
        ([["delete", "fraud", "--version", "2", "--yes"]], ["fraud", "--stage", "Production", "--to", "2"], 1,
         "version 2 of 'fraud' was deleted: roll back to a version that exists (`modelreg versions fraud` lists them)"),
        ([], ["fraud", "--stage", "Production", "--to", "9"], 1, "model 'fraud' has no version 9: its versions are 1, 2, 3"),
        ([], ["fraud", "--stage", "Production", "--to", "3"], 1,
         "version 3 of 'fraud' already holds Production: nothing to roll back"),
        ([], ["fraud", "--alias", "champion", "--to", "3"], 1,
         "fraud@champion already points at version 3: nothing to roll back"),
        ([], ["ghost", "--stage", "Production"], 1, "no model named 'ghost': `modelreg list` shows the models"),
    ],
)
def test_rollback_refusals(
    registry_path: Path, cli: Runner, promoted: dict[str, str],
    setup: list[list[str]], args: list[str], code: int, error: str,
) -> None:
    for command in setup:
        ok(cli, *command)
    before = snapshot(registry_path)
    result = cli("rollback", *args)
    assert (result.code, result.stdout, result.stderr) == (code, "", f"error: {error}\n")
    assert snapshot(registry_path) == before


def test_a_model_with_one_production_version_has_nothing_to_roll_back(cli: Runner) -> None:
    ok(cli, "register", "fraud", "s3://fraud/1", "--stage", "Production")
    result = cli("rollback", "fraud", "--stage", "Production")
    assert (result.code, result.stderr) == (1, "error: nothing to roll back to: no other version of 'fraud' has held "
                                               "Production; pass --to VERSION to choose a version\n")


def test_rollback_refuses_uncommitted_edits_of_the_model(
    registry_path: Path, cli: Runner, promoted: dict[str, str]
) -> None:
    path = registry_path / "models/fraud/versions/3.yaml"
    path.write_text(path.read_text().replace("description: ''", "description: work in progress"))
    before = snapshot(registry_path)
    result = cli("rollback", "fraud", "--stage", "Production")
    assert result.code == 1
    assert result.stderr.startswith("error: models/fraud/versions/3.yaml has uncommitted changes")
    assert snapshot(registry_path) == before


def test_rollback_as_a_real_process(registry_path: Path, sh: Runner, promoted: dict[str, str]) -> None:
    result = sh("rollback", "fraud", "--alias", "champion", "--to", "1", "--json", cwd=registry_path)
    assert result.code == 0, result.stderr
    import json

    assert json.loads(result.stdout) == {"commit": head(registry_path), "subject": "rollback fraud@champion: v3 -> v1",
                                         "moved": []}
    assert subjects(registry_path)[0] == "rollback fraud@champion: v3 -> v1"
