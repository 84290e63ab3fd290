"""`modelreg copy` (MLflow's copy_model_version): the next version of another model, same artifact,
lineage pointing at the original; into the same registry or another one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from modelreg_cli.service import Registry

from conftest import Outcome, Runner, git, snapshot, subjects


def test_copy_into_another_model_keeps_the_artifact_and_points_at_the_original(registry_path: Path, cli: Runner) -> None:
    (registry_path / "model.pkl").write_bytes(b"weights")
    git(registry_path, "add", "model.pkl")
    git(registry_path, "commit", "-qm", "artifact")
    assert cli("register", "fraud", str(registry_path / "model.pkl"), "--metric", "auc=0.9", "--param", "depth=6", "--tag", "team=risk",
               "--run-id", "r1", "-d", "baseline").code == 0
    assert cli("transition", "fraud", "1", "Production").code == 0
    result = cli("copy", "models:/fraud/Production", "fraud-eu", "-m", "for the EU deployment")
    assert (result.code, result.stdout) == (0, "Copied models:/fraud/Production to fraud-eu version 1\n")
    copied = Registry(registry_path).get_version("fraud-eu", 1)
    original = Registry(registry_path).get_version("fraud", 1)
    assert (copied.source, copied.artifact, copied.metrics, copied.params, copied.tags, copied.run_id,
            copied.description) == (original.source, original.artifact, original.metrics, original.params,
                                    original.tags, original.run_id, original.description)
    assert copied.stage == "None"
    assert copied.lineage.parents == ["models:/fraud/1"]
    assert subjects(registry_path)[0] == "copy fraud v1 to fraud-eu v1"
    assert "Modelreg-Copied-From: models:/fraud/1" in git(registry_path, "log", "-1", "--format=%B")
    assert cli("copy", "models:/fraud/1", "fraud").stdout == "Copied models:/fraud/1 to fraud version 2\n"
    assert cli("check").code == 0


def test_copy_to_another_registry_turns_a_repository_path_into_a_file_uri(
        registry_path: Path, tmp_path: Path, sh: Callable[..., Outcome]) -> None:
    (registry_path / "model.pkl").write_bytes(b"weights")
    Registry(registry_path).register("fraud", str(registry_path / "model.pkl"))
    other = tmp_path / "other"
    Registry.init(other)
    result = sh("--registry", str(registry_path), "copy", "models:/fraud@latest", "fraud", "--registry-to", str(other),
                "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["source"] == (registry_path / "model.pkl").resolve().as_uri()
    assert sh("--registry", str(other), "check").code == 0


def test_copy_of_a_missing_version_changes_nothing(registry_path: Path, cli: Runner) -> None:
    cli("register", "fraud", "s3://m/1")
    before = snapshot(registry_path)
    result = cli("copy", "models:/fraud/7", "other")
    assert (result.code, result.stderr) == (1, "error: model 'fraud' has no version 7: its versions are 1\n")
    assert snapshot(registry_path) == before
