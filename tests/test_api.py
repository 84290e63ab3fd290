"""The Python API for scripts: `from modelreg_cli import Registry`."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelreg_cli
from modelreg_cli import ModelregError, ModelVersion, RegisteredModel, Registry

from conftest import git, subjects


def test_the_lifecycle_from_python(tmp_path: Path) -> None:
    registry = Registry.init(tmp_path / "reg")
    first = registry.register("fraud", "s3://m/1", metrics={"auc": 0.91}, params={"depth": "6"}, message="baseline")
    second = registry.register("fraud", "s3://m/2", metrics={"auc": 0.94}, aliases=["challenger"])
    assert isinstance(first, ModelVersion)
    assert (first.version, second.version, second.aliases) == (1, 2, ["challenger"])
    registry.transition("fraud", 1, "Production")
    moved = registry.transition("fraud", 2, "production", archive_existing=True, message="better")
    assert (moved.from_stage, moved.to_stage, moved.archived) == ("None", "Production", (1,))
    assert moved.commit == git(tmp_path / "reg", "rev-parse", "HEAD").strip()
    assert registry.set_alias("fraud", "champion", 2).subject == "alias fraud@champion -> v2"
    assert registry.set_alias("fraud", "champion", 2).commit is None
    assert registry.resolve("models:/fraud@champion").source == "s3://m/2"
    model = registry.get_model("fraud")
    assert isinstance(model, RegisteredModel)
    assert model.aliases == {"challenger": 2, "champion": 2}
    assert [v.stage for v in model.versions or []] == ["Archived", "Production"]
    assert [v.version for v in registry.versions("fraud", stage="archived")] == [1]
    assert [m.name for m in registry.list_models()] == ["fraud"]
    assert len(subjects(tmp_path / "reg")) == 6


def test_errors_are_modelreg_errors_with_the_cli_message(registry: Registry) -> None:
    with pytest.raises(ModelregError) as err:
        registry.resolve("models:/ghost/1")
    assert str(err.value) == "no model named 'ghost': `modelreg list` shows the models"
    assert err.value.exit_code == 1


def test_registry_is_found_from_the_environment(registry_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELREG_REGISTRY", str(registry_path))
    assert Registry().root == registry_path


def test_importing_the_package_is_light() -> None:
    assert set(modelreg_cli.__all__) >= {"Registry", "ModelVersion", "RegisteredModel", "ModelregError"}
    with pytest.raises(AttributeError):
        modelreg_cli.Nope  # noqa: B018
