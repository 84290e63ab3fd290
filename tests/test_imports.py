"""`modelreg import mlflow` from an MLflow SQLite registry built here, and `modelreg import gto` from a
repository made with `gto` itself: one commit per version in creation order by the original user at
the original time, then stages and aliases; `modelreg check` passes; a second run adds nothing."""

from __future__ import annotations

import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from modelreg_cli.service import Registry

from conftest import Outcome, git, needs

pytestmark = pytest.mark.slow


def _mlflow_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    needs("mlflow")
    import mlflow
    from mlflow import MlflowClient

    warnings.filterwarnings("ignore", category=FutureWarning)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    clock = iter(range(1_790_000_000_000, 1_800_000_000_000, 60_000))  # a minute a change
    monkeypatch.setattr("mlflow.store.model_registry.sqlalchemy_store.get_current_time_millis", lambda: next(clock))
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    mlflow.set_tracking_uri(uri)
    runs = []
    for auc in (0.81, 0.86, 0.9):
        monkeypatch.setenv("LOGNAME", "grace")
        with mlflow.start_run() as run:
            mlflow.log_metric("auc", auc)
            mlflow.log_param("depth", "6")
        runs.append(run.info.run_id)
    client.create_registered_model("fraud detector", tags={"team": "risk"}, description="Scores payments")
    for index, run_id in enumerate(runs):
        client.create_model_version("fraud detector", f"s3://ml/fraud/{index + 1}", run_id=run_id,
                                    tags={"data": f"q{index + 1}"}, description=f"try {index + 1}")
    client.delete_model_version("fraud detector", "2")  # a gap: version 3 stays 3
    client.transition_model_version_stage("fraud detector", "1", "Archived")
    client.transition_model_version_stage("fraud detector", "3", "Production")
    client.set_registered_model_alias("fraud detector", "champion", "3")
    client.create_registered_model("Churn")
    client.create_model_version("Churn", "/models/churn")  # a local path
    client.create_registered_model("churn")  # the same name but for case: reported, not merged
    return uri


def test_import_mlflow_brings_history_and_a_second_run_adds_nothing(
        registry_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sh: Callable[..., Outcome]) -> None:
    uri = _mlflow_registry(tmp_path, monkeypatch)
    dry = sh("--registry", str(registry_path), "import", "mlflow", "--tracking-uri", uri, "--dry-run")
    assert dry.code == 0, dry.stderr
    assert "would register fraud detector v3 (mlflow models:/fraud detector/3)" in dry.stdout.splitlines()
    assert git(registry_path, "log", "--format=%s").splitlines() == ["init model registry"]
    result = sh("--registry", str(registry_path), "import", "mlflow", "--tracking-uri", uri)
    assert result.code == 0, result.stderr
    assert result.stderr == ("skipped: churn: differs from 'Churn' only in case, so it is not imported "
                             "(rename one of them there, then import again)\n")
    log = git(registry_path, "log", "--reverse", "--format=%s|%an <%ae>|%aI").splitlines()[1:]
    assert [line.split("|")[0] for line in log] == [
        "create model Churn", "register Churn v1", "create model fraud detector", "register fraud detector v1",
        "register fraud detector v3", "transition fraud detector v1: None -> Archived",
        "transition fraud detector v3: None -> Production", "alias fraud detector@champion -> v3",
    ]
    assert log[3].split("|")[1] == "grace <grace@mlflow>"  # the run's user: MLflow's store keeps no user_id
    registry = Registry(registry_path)
    v3 = registry.get_version("fraud detector", 3)
    assert (v3.stage, v3.source, v3.metrics, v3.params, v3.description, v3.aliases) == (
        "Production", "s3://ml/fraud/3", {"auc": 0.9}, {"depth": "6"}, "try 3", ["champion"])
    assert v3.tags == {"data": "q3", "imported.from": "mlflow models:/fraud detector/3"}
    assert registry.get_version("Churn", 1).source == "file:///models/churn"
    assert registry.get_model("fraud detector").tags == {"team": "risk"}
    assert registry.check().problems == []
    again = sh("--registry", str(registry_path), "import", "mlflow", "--tracking-uri", uri)
    assert (again.code, again.stdout) == (0, "nothing new to import\n")
    assert len(git(registry_path, "log", "--format=%s").splitlines()) == len(log) + 1


GTO_CLOCK = iter(range(1_790_000_000, 1_800_000_000, 60))


def _gto(repo: Path, *args: str) -> None:
    """Run gto itself; each tag a minute after the last (dulwich reads git's raw date format)."""
    import os
    import sys

    when = f"{next(GTO_CLOCK)} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    gto = Path(sys.executable).parent / "gto"
    proc = subprocess.run([str(gto), *args], cwd=repo, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr


def test_import_gto_keeps_semver_order_stage_history_and_custom_stages(
        registry_path: Path, tmp_path: Path, sh: Callable[..., Outcome]) -> None:
    needs("gto")
    repo = tmp_path / "gto-repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.name", "Grace Hopper")  # gto tags with the repository's identity
    git(repo, "config", "user.email", "grace@example.com")
    (repo / "models").mkdir()
    (repo / "artifacts.yaml").write_text("churn:\n  type: model\n  path: models/churn.pkl\n  description: Churn model\n")
    for content, version in ((b"1", "v0.9.0"), (b"2", "v1.0.0")):
        (repo / "models/churn.pkl").write_bytes(content)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"train {version}")
        _gto(repo, "register", "churn", "--version", version)
    _gto(repo, "assign", "churn", "--version", "v0.9.0", "--stage", "dev")
    _gto(repo, "assign", "churn", "--version", "v1.0.0", "--stage", "prod")
    result = sh("--registry", str(registry_path), "import", "gto", str(repo))
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "add stages dev, prod to modelreg.yaml", "create model churn",
        "register churn v1 (gto churn@v0.9.0)", "register churn v2 (gto churn@v1.0.0)",
        "transition churn v1 to dev", "transition churn v2 to prod",
    ]
    registry = Registry(registry_path)
    assert registry.config.stages == ["None", "Staging", "Production", "dev", "prod", "Archived"]
    v2 = registry.get_version("churn", 2)
    assert (v2.stage, v2.tags["gto.version"], v2.source) == ("prod", "v1.0.0", (repo / "models/churn.pkl").as_uri())
    assert v2.lineage.code_commit == git(repo, "rev-parse", "HEAD").strip()
    assert registry.check().problems == []
    again = sh("--registry", str(registry_path), "import", "gto", str(repo))
    assert (again.code, again.stdout) == (0, "nothing new to import\n")
