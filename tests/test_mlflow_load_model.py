"""MLflow's own flows on the plugin: `mlflow.register_model` of a model saved with
`mlflow.pyfunc.save_model`, then `mlflow.pyfunc.load_model("models:/NAME@ALIAS")` with the registry
named by MLFLOW_REGISTRY_URI, in a fresh Python process as a deploy job would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelreg_cli.service import Registry

from conftest import git, needs

pytestmark = pytest.mark.slow

TRAIN = '''
import sys, mlflow, mlflow.pyfunc
from mlflow import MlflowClient

class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return [2 * x for x in model_input]

mlflow.pyfunc.save_model(sys.argv[1], python_model=Doubler())
version = mlflow.register_model(sys.argv[1], "fraud detector")
MlflowClient().set_registered_model_alias("fraud detector", "champion", version.version)
print(version.version)
'''

DEPLOY = '''
import json, sys, mlflow.pyfunc
model = mlflow.pyfunc.load_model(sys.argv[1])
print(json.dumps(list(model.predict([1, 2, 3]))))
'''


def run_python(code: str, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def test_register_model_then_load_it_by_alias(registry_path: Path, tmp_path: Path) -> None:
    needs("mlflow")
    import os

    env = {**os.environ, "MLFLOW_REGISTRY_URI": f"modelreg://{registry_path}",
           "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'tracking.db'}"}
    assert run_python(TRAIN, str(tmp_path / "doubler"), env=env) == "1"
    assert git(registry_path, "log", "--format=%s").splitlines()[:3] == [
        "alias fraud detector@champion -> v1", "register fraud detector v1", "create model fraud detector"]
    version = Registry(registry_path).resolve("models:/fraud detector@champion")
    assert version.source == (tmp_path / "doubler").resolve().as_uri()
    assert version.artifact is not None and version.artifact.sha256  # the saved model folder, hashed
    for uri in ("models:/fraud detector@champion", "models:/fraud detector@latest", "models:/fraud detector/1"):
        assert json.loads(run_python(DEPLOY, uri, env=env)) == [2, 4, 6]


def test_a_model_kept_in_the_registry_repository_loads_from_the_checkout(registry_path: Path, tmp_path: Path) -> None:
    needs("mlflow")
    import os

    env = {**os.environ, "MLFLOW_REGISTRY_URI": f"modelreg://{registry_path}",
           "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'tracking.db'}"}
    run_python(TRAIN, str(registry_path / "artifacts" / "doubler"), env=env)
    assert Registry(registry_path).resolve("models:/fraud detector/1").source == "artifacts/doubler"  # repo-relative
    assert json.loads(run_python(DEPLOY, "models:/fraud detector@champion", env=env)) == [2, 4, 6]
