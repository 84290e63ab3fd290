"""The promotion policy in modelreg.yaml: validated on load, applied by transition, alias set,
register, delete and rollback; each rule with a case it lets through and one it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelreg_cli.core import policy
from modelreg_cli.core.changes import RegisterRequest, Stamp, register
from modelreg_cli.core.manifests import Gate, RegistryConfig
from modelreg_cli.core.serialize import parse_document
from modelreg_cli.errors import PolicyError
from modelreg_cli.service import Registry

from conftest import EMAIL, Runner, git, set_date, set_identity, snapshot

POLICY = """\
policy:
  transitions:
    None: [Staging, Archived]
    Staging: [Production, Archived]
    Production: [Archived]
    Archived:
  gates:
    Production:
      require: "metrics.auc >= 0.9"
      fields: [run_id]
      not_worse_than_current: {auc: higher, latency_ms: lower}
      approvers: [owners, "*@risk.example.com"]
  protected_aliases:
    champion:
      require: "stage = 'Production'"
      approvers: [owners]
"""
REFUSES = "error: the policy in modelreg.yaml refuses "


def ok(cli: Runner, *args: str) -> str:
    result = cli(*args)
    assert result.code == 0, result.stderr
    return result.stdout


def set_policy(root: Path, text: str = POLICY) -> None:
    """Append TEXT to modelreg.yaml and commit it, as a registry adopting a policy does."""
    with (root / "modelreg.yaml").open("a", encoding="utf-8") as handle:
        handle.write(text)
    git(root, "commit", "-q", "-m", "Adopt a policy", "--", "modelreg.yaml")


def stages(cli: Runner) -> dict[int, str]:
    return {v["version"]: v["stage"] for v in json.loads(ok(cli, "versions", "fraud", "--json"))}


@pytest.fixture
def governed(registry_path: Path, cli: Runner) -> Path:
    """fraud, owned by ada (the test's identity): v1 (auc 0.91, latency 20) in Production, v2 (auc 0.93,
    latency 18) in Staging, v3 (auc 0.85, no run id) in None; then the policy above."""
    ok(cli, "create", "fraud", "--owner", EMAIL)
    ok(cli, "register", "fraud", "s3://m/1", "--metric", "auc=0.91", "--metric", "latency_ms=20", "--run-id", "r1",
       "--stage", "Production")
    ok(cli, "register", "fraud", "s3://m/2", "--metric", "auc=0.93", "--metric", "latency_ms=18", "--run-id", "r2",
       "--stage", "Staging")
    ok(cli, "register", "fraud", "s3://m/3", "--metric", "auc=0.85")
    set_policy(registry_path)
    return registry_path


# --------------------------------------------------------------------------- validated on load


@pytest.mark.parametrize(("text", "message"), [
    ("policy:\n  gates:\n    Prod: {}\n",
     "policy.gates.Prod: unknown stage 'Prod' (stages are None, Staging, Production, Archived)"),
    ("policy:\n  transitions:\n    None: [Live]\n",
     "policy.transitions.None: unknown stage 'Live' (stages are None, Staging, Production, Archived)"),
    ("policy:\n  gates:\n    Production:\n      require: 'metrics.auc >>'\n",
     "policy.gates.Production.require: condition 'metrics.auc >>' cannot be read: unexpected '>' at column 14: "
     "expected a value for 'metrics.auc'"),
    ("policy:\n  gates:\n    Production:\n      fields: [sha]\n",
     "policy.gates.Production.fields: unknown field 'sha': use source, description, run_id, artifact.sha256, "
     "artifact.size_bytes, artifact.kind, artifact.name, artifact.stored, lineage.code_commit, lineage.datasets, "
     "lineage.parents, metrics.KEY, params.KEY or tags.KEY"),
    ("policy:\n  gates:\n    Production:\n      approvers: []\n",
     "policy.gates.Production.approvers: approvers is empty, so nobody could make the change: list emails, patterns "
     "or 'owners', or remove the key to let anyone"),
    ("policy:\n  gates:\n    Production:\n      approvers: [release-team]\n",
     "policy.gates.Production.approvers: approver 'release-team' is neither an email (pattern), like "
     "*@risk.example.com, nor 'owners'"),
    ("policy:\n  gates:\n    Production:\n      not_worse_than_current: {auc: up}\n",
     "policy.gates.Production.not_worse_than_current.auc: Input should be 'higher' or 'lower'"),
    ("policy:\n  protected_aliases:\n    latest: {}\n",
     "policy.protected_aliases: alias 'latest' is reserved ('latest' and 'v<number>' have a meaning in model URIs): "
     "choose another"),
    ("policy:\n  gate:\n    Production: {}\n", "unknown key 'policy.gate'"),
])
def test_a_bad_policy_is_refused_on_load_with_the_key_and_the_reason(registry_path: Path, cli: Runner, text: str,
                                                                     message: str) -> None:
    set_policy(registry_path, text)
    result = cli("list")
    assert (result.code, result.stdout, result.stderr) == (1, "", f"error: modelreg.yaml: {message}\n")


def test_stage_names_in_the_policy_match_in_any_case(registry_path: Path, cli: Runner) -> None:
    set_policy(registry_path, "policy:\n  transitions:\n    none: [staging]\n  gates:\n    STAGING: {fields: [run_id]}\n")
    ok(cli, "register", "fraud", "s3://m/1")
    result = cli("transition", "fraud", "1", "Production")
    assert result.code == 1
    assert result.stderr == (f"{REFUSES}fraud v1: None -> Production: transition: a version in None may move only "
                             "to Staging: move it to Staging first\n")
    result = cli("transition", "fraud", "1", "Staging")
    assert result.stderr.startswith(f"{REFUSES}fraud v1: None -> Staging: fields: v1 has no run_id")


def test_a_config_without_policy_is_written_and_read_as_before() -> None:
    from modelreg_cli.core.serialize import dump_document

    assert "policy" not in dump_document(RegistryConfig())
    assert parse_document("policy:\n", RegistryConfig, "modelreg.yaml").policy is None


# --------------------------------------------------------------------------- no rules: as MLflow


def test_with_no_policy_any_stage_may_follow_any_other(registry_path: Path, cli: Runner) -> None:
    ok(cli, "register", "fraud", "s3://m/1")
    for stage in ("Production", "None", "Archived", "Production", "Staging"):
        ok(cli, "transition", "fraud", "1", stage)
    ok(cli, "register", "fraud", "s3://m/2", "--stage", "Production")
    result = cli("transition", "fraud", "1", "Production")
    assert result.code == 1 and "already holds Production" in result.stderr  # only the exclusive stage is limited


# --------------------------------------------------------------------------- transitions


def test_an_allowed_transition_goes_through(governed: Path, cli: Runner) -> None:
    assert ok(cli, "transition", "fraud", "3", "Staging") == "fraud version 3: None -> Staging\n"


def test_a_transition_not_allowed_is_refused_and_changes_nothing(governed: Path, cli: Runner) -> None:
    before = snapshot(governed)
    result = cli("transition", "fraud", "2", "None")
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (f"{REFUSES}fraud v2: Staging -> None: transition: a version in Staging may move only to "
                             "Production, Archived\n")
    assert snapshot(governed) == before


def test_a_skipped_stage_is_refused_with_the_way_round(governed: Path, cli: Runner) -> None:
    ok(cli, "describe", "fraud", "fast", "--version", "3")
    set_identity_risk = cli("transition", "fraud", "3", "Production", "--archive-existing")
    assert set_identity_risk.code == 1
    assert set_identity_risk.stderr.startswith(
        f"{REFUSES}fraud v3: None -> Production: transition: a version in None may move only to Staging, Archived: "
        "move it to Staging first; require: ")


def test_a_stage_listed_with_nothing_allows_no_move_out(governed: Path, cli: Runner) -> None:
    ok(cli, "transition", "fraud", "3", "Archived")
    result = cli("transition", "fraud", "3", "Staging")
    assert result.stderr == f"{REFUSES}fraud v3: Archived -> Staging: transition: a version in Archived may move to no other stage\n"


def test_a_stage_not_listed_may_move_anywhere(registry_path: Path, cli: Runner) -> None:
    set_policy(registry_path, "policy:\n  transitions:\n    None: [Staging]\n")
    ok(cli, "register", "fraud", "s3://m/1", "--stage", "Staging")  # None -> Staging
    for stage in ("Production", "None"):
        ok(cli, "transition", "fraud", "1", stage)


def test_archiving_the_holder_must_be_an_allowed_transition_too(registry_path: Path, cli: Runner) -> None:
    ok(cli, "register", "fraud", "s3://m/1", "--stage", "Production")
    ok(cli, "register", "fraud", "s3://m/2", "--stage", "Staging")
    set_policy(registry_path, "policy:\n  transitions:\n    Production: [Staging]\n")
    result = cli("transition", "fraud", "2", "Production", "--archive-existing")
    assert result.stderr == (f"{REFUSES}fraud v2: Staging -> Production: transition: (archiving v1) a version in "
                             "Production may move only to Staging: move it to Staging first\n")


def test_register_in_a_stage_is_a_move_from_the_first_stage(governed: Path, cli: Runner) -> None:
    result = cli("register", "fraud", "s3://m/4", "--stage", "Staging")
    assert result.code == 0
    result = cli("register", "other", "s3://o/1", "--stage", "Production", "--run-id", "r1", "--metric", "auc=0.99")
    assert result.stderr == (
        f"{REFUSES}registering other v1: transition: a version in None may move only to Staging, Archived: move it to "
        "Staging first; approvers: ada@example.com may not move versions into Production: ask an owner of the model "
        "(it has none: list them under owners in its model.yaml) or someone matching *@risk.example.com to make the "
        "change\n")


# --------------------------------------------------------------------------- gates


def test_a_version_meeting_every_gate_is_promoted(governed: Path, cli: Runner) -> None:
    result = cli("transition", "fraud", "2", "Production", "--archive-existing")
    assert result.code == 0, result.stderr
    assert stages(cli) == {1: "Archived", 2: "Production", 3: "None"}


def test_a_failed_condition_is_refused_with_the_values(registry_path: Path, cli: Runner) -> None:
    ok(cli, "create", "fraud", "--owner", EMAIL)
    ok(cli, "register", "fraud", "s3://m/1", "--metric", "auc=0.88", "--run-id", "r1", "--stage", "Staging")
    set_policy(registry_path)
    result = cli("transition", "fraud", "1", "Production")
    assert result.stderr == f"{REFUSES}fraud v1: Staging -> Production: require: `metrics.auc >= 0.9` does not hold for v1 (auc is 0.88)\n"


def test_a_condition_on_a_missing_metric_fails(registry_path: Path, cli: Runner) -> None:
    ok(cli, "create", "fraud", "--owner", EMAIL)
    ok(cli, "register", "fraud", "s3://m/1", "--run-id", "r1", "--stage", "Staging")
    set_policy(registry_path)
    result = cli("transition", "fraud", "1", "Production")
    assert result.stderr.endswith("require: `metrics.auc >= 0.9` does not hold for v1 (auc is missing)\n")


def test_a_missing_required_field_is_refused(registry_path: Path, cli: Runner) -> None:
    ok(cli, "create", "fraud", "--owner", EMAIL)
    ok(cli, "register", "fraud", "s3://m/1", "--metric", "auc=0.95", "--stage", "Staging")
    set_policy(registry_path, POLICY.replace("fields: [run_id]", "fields: [run_id, description, tags.reviewed]"))
    result = cli("transition", "fraud", "1", "Production")
    assert result.stderr == (
        f"{REFUSES}fraud v1: Staging -> Production: fields: v1 has no run_id, description, tags.reviewed: set the "
        "description with `modelreg describe fraud TEXT --version 1`, and set the tag with `modelreg tag set fraud "
        "reviewed VALUE --version 1`, and register a version that records run_id (fixed once registered)\n")


def test_not_worse_than_current_refuses_a_worse_metric_in_either_direction(registry_path: Path, cli: Runner) -> None:
    ok(cli, "create", "fraud", "--owner", EMAIL)
    ok(cli, "register", "fraud", "s3://m/1", "--metric", "auc=0.93", "--metric", "latency_ms=18", "--run-id", "r1",
       "--stage", "Production")
    ok(cli, "register", "fraud", "s3://m/2", "--metric", "auc=0.92", "--metric", "latency_ms=25", "--run-id", "r2",
       "--stage", "Staging")
    set_policy(registry_path)
    result = cli("transition", "fraud", "2", "Production", "--archive-existing")
    assert result.stderr == (
        f"{REFUSES}fraud v2: Staging -> Production: not-worse: auc 0.92 of v2 is worse than 0.93 of v1, the current "
        "Production version (higher is better); not-worse: latency_ms 25 of v2 is worse than 18 of v1, the current "
        "Production version (lower is better)\n")


def test_not_worse_than_current_needs_the_metric_the_current_version_has(registry_path: Path, cli: Runner) -> None:
    ok(cli, "create", "fraud", "--owner", EMAIL)
    ok(cli, "register", "fraud", "s3://m/1", "--metric", "auc=0.93", "--metric", "latency_ms=18", "--run-id", "r1",
       "--stage", "Production")
    ok(cli, "register", "fraud", "s3://m/2", "--metric", "auc=0.95", "--run-id", "r2", "--stage", "Staging")
    set_policy(registry_path)
    result = cli("transition", "fraud", "2", "Production", "--archive-existing")
    assert result.stderr.endswith("not-worse: v2 has no metric latency_ms to compare with 18 of v1, the current "
                                  "Production version\n")


def test_not_worse_than_current_passes_when_nothing_holds_the_stage(registry_path: Path, cli: Runner) -> None:
    ok(cli, "create", "fraud", "--owner", EMAIL)
    ok(cli, "register", "fraud", "s3://m/1", "--metric", "auc=0.91", "--run-id", "r1", "--stage", "Staging")
    set_policy(registry_path)
    ok(cli, "transition", "fraud", "1", "Production")


# --------------------------------------------------------------------------- approvers


def test_an_owner_may_promote(governed: Path, cli: Runner) -> None:
    ok(cli, "transition", "fraud", "2", "Production", "--archive-existing")


def test_an_approver_by_pattern_may_promote_in_any_case(governed: Path, cli: Runner,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    set_identity(monkeypatch, "Rita", "Rita@Risk.Example.com")
    ok(cli, "transition", "fraud", "2", "Production", "--archive-existing")


def test_someone_else_may_not_promote(governed: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    set_identity(monkeypatch, "Eve", "eve@example.com")
    before = snapshot(governed)
    result = cli("transition", "fraud", "2", "Production", "--archive-existing")
    assert result.stderr == (
        f"{REFUSES}fraud v2: Staging -> Production: approvers: eve@example.com may not move versions into Production: "
        f"ask an owner of the model ({EMAIL}) or someone matching *@risk.example.com to make the change\n")
    assert snapshot(governed) == before
    ok(cli, "transition", "fraud", "3", "Staging")  # a stage with no approvers: anyone


# --------------------------------------------------------------------------- protected aliases


def test_a_protected_alias_is_moved_by_its_approvers_only(governed: Path, cli: Runner,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ok(cli, "alias", "set", "fraud", "candidate", "3")  # not protected: anyone
    set_identity(monkeypatch, "Eve", "eve@example.com")
    result = cli("alias", "set", "fraud", "champion", "1")
    assert result.stderr == (f"{REFUSES}fraud@champion -> v1: approvers: eve@example.com may not move the protected "
                             f"alias @champion: ask an owner of the model ({EMAIL}) to make the change\n")
    set_identity(monkeypatch)
    assert ok(cli, "alias", "set", "fraud", "champion", "1") == "alias fraud@champion -> v1\n"


def test_a_protected_alias_gate_is_checked(governed: Path, cli: Runner) -> None:
    result = cli("alias", "set", "fraud", "champion", "2")
    assert result.stderr == (f"{REFUSES}fraud@champion -> v2: require: `stage = 'Production'` does not hold for v2\n")


def test_removing_a_protected_alias_needs_an_approver(governed: Path, cli: Runner,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    ok(cli, "alias", "set", "fraud", "champion", "1")
    set_identity(monkeypatch, "Eve", "eve@example.com")
    result = cli("alias", "delete", "fraud", "champion")
    assert result.stderr == (f"{REFUSES}removing fraud@champion: approvers: eve@example.com may not remove the "
                             f"protected alias @champion: ask an owner of the model ({EMAIL}) to make the change\n")
    result = cli("delete", "fraud", "--version", "1", "--yes")
    assert result.stderr == (f"{REFUSES}deleting fraud v1: approvers: eve@example.com may not delete fraud v1, which "
                             f"holds Production: ask an owner of the model ({EMAIL}) or someone matching "
                             "*@risk.example.com to make the change\n")
    set_identity(monkeypatch)
    ok(cli, "alias", "delete", "fraud", "champion")


def test_register_with_a_protected_alias_needs_an_approver(governed: Path, cli: Runner,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    set_identity(monkeypatch, "Eve", "eve@example.com")
    result = cli("register", "fraud", "s3://m/4", "--alias", "champion")
    assert result.stderr.startswith(f"{REFUSES}registering fraud v4: require: `stage = 'Production'` does not hold "
                                    "for v4; approvers: eve@example.com may not move the protected alias @champion")


# --------------------------------------------------------------------------- rollback: a version returning


@pytest.fixture
def promoted_twice(governed: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> Path:
    """fraud v2 promoted over v1 (archived), @champion moved v1 -> v2; v1 is worse than v2."""
    ok(cli, "alias", "set", "fraud", "champion", "1")
    set_date(monkeypatch, "2026-10-02T12:00:00Z")
    ok(cli, "transition", "fraud", "2", "Production", "--archive-existing")
    ok(cli, "alias", "set", "fraud", "champion", "2")
    return governed


def test_rollback_gives_a_stage_back_despite_transitions_and_not_worse(promoted_twice: Path, cli: Runner) -> None:
    # Archived may move nowhere and v1 is worse than v2, but v1 held Production before.
    assert ok(cli, "rollback", "fraud", "--stage", "Production") == (
        "rollback fraud Production: v2 -> v1\nfraud version 1: Archived -> Production\nfraud version 2: Production -> Archived\n")
    assert ok(cli, "rollback", "fraud", "--alias", "champion") == "rollback fraud@champion: v2 -> v1\n"
    assert stages(cli) == {1: "Production", 2: "Archived", 3: "None"}


def test_rollback_still_needs_an_approver(promoted_twice: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    set_identity(monkeypatch, "Eve", "eve@example.com")
    result = cli("rollback", "fraud", "--stage", "Production")
    assert result.stderr == (
        f"{REFUSES}rolling back fraud Production to v1: approvers: eve@example.com may not move versions into "
        f"Production: ask an owner of the model ({EMAIL}) or someone matching *@risk.example.com to make the change\n")
    result = cli("rollback", "fraud", "--alias", "champion")
    assert result.code == 1 and "eve@example.com may not move the protected alias @champion" in result.stderr


def test_rollback_to_a_version_that_never_held_the_stage_obeys_every_rule(promoted_twice: Path, cli: Runner) -> None:
    result = cli("rollback", "fraud", "--stage", "Production", "--to", "3")
    assert result.stderr.startswith(f"{REFUSES}rolling back fraud Production to v3: transition: a version in None may "
                                    "move only to Staging, Archived: move it to Staging first; require: ")


def test_a_transition_back_to_a_stage_held_before_is_a_rollback(promoted_twice: Path, cli: Runner) -> None:
    ok(cli, "transition", "fraud", "1", "Production", "--archive-existing")
    assert stages(cli) == {1: "Production", 2: "Archived", 3: "None"}


# --------------------------------------------------------------------------- the Python API and the rules on plain data


def test_the_python_api_raises_policy_error(governed: Path) -> None:
    with pytest.raises(PolicyError, match="a version in Staging may move only to Production, Archived"):
        Registry(governed).transition("fraud", 2, "None")


@pytest.mark.parametrize(("who", "approvers", "owners", "allowed"), [
    ("ada@example.com", ["owners"], ["ada@example.com"], True),
    ("ADA@example.com", ["owners"], ["ada@Example.com"], True),
    ("bob@example.com", ["owners"], ["ada@example.com"], False),
    ("bob@risk.example.com", ["*@risk.example.com"], [], True),
    ("bob@example.com.evil", ["*@example.com"], [], False),
    ("bob@example.com", ["owners", "bob@example.com"], [], True),
    ("anyone@anywhere", ["*"], [], True),
])
def test_is_approver(who: str, approvers: list[str], owners: list[str], allowed: bool) -> None:
    assert policy.is_approver(who, approvers, owners) is allowed


def test_gate_violations_on_plain_data() -> None:
    config = parse_document(POLICY, RegistryConfig, "modelreg.yaml")
    stamp = Stamp("ada@example.com", "2026-10-01T12:00:00Z")
    request = RegisterRequest("fraud", "s3://m", metrics={"auc": 0.95}, run_id="r1", stage="Staging")
    manifest, _ = register(RegistryConfig(), None, [], request, stamp)
    gate = config.policy.gates["Production"] if config.policy else Gate()
    assert policy.gate_violations(gate, manifest, [], None, "") == []
    worse = manifest.model_copy(update={"metrics": {"auc": 0.97}, "version": 0})
    assert policy.gate_violations(gate, manifest, [], worse, "the current Production version") == [
        policy.Violation("not-worse", "auc 0.95 of v1 is worse than 0.97 of v0, the current Production version "
                                      "(higher is better)"),
    ]
