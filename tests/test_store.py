"""The store: reading the registry from the working tree and from any git revision."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelreg_cli.errors import InvalidInputError, NotFoundError
from modelreg_cli.store.files import RegistryStore
from modelreg_cli.store.snapshot import GitTree, WorkingTree

from conftest import Runner, git


def test_a_revision_reads_the_registry_as_it_was(registry_path: Path, cli: Runner) -> None:
    cli("register", "fraud", "s3://m/1")
    first = git(registry_path, "rev-parse", "HEAD").strip()
    cli("register", "fraud", "s3://m/2")
    cli("transition", "fraud", "1", "Production")
    cli("register", "churn", "s3://c/1")
    now = RegistryStore(registry_path)
    then = now.at(first)
    assert then.model_names() == ["fraud"]
    state = then.read_model("fraud")
    assert state is not None
    assert sorted(state.versions) == [1]
    assert state.versions[1].stage == "None"
    assert now.read_model("fraud").versions[1].stage == "Production"  # type: ignore[union-attr]
    assert then.read_config() == now.read_config()
    assert now.at("HEAD~1").model_names() == ["fraud"]


def test_a_revision_is_read_only_and_must_exist(registry_path: Path, cli: Runner) -> None:
    cli("register", "fraud", "s3://m/1")
    store = RegistryStore(registry_path)
    with pytest.raises(NotFoundError, match="'nope' is neither a revision nor a date"):
        store.at("nope")
    from modelreg_cli.core import changes

    past = store.at("HEAD")
    state = past.require_model("fraud")
    change = changes.delete_model(state)
    with pytest.raises(InvalidInputError, match="read-only"):
        past.apply(change)


def test_git_tree_in_a_subfolder_lists_and_reads(tmp_path: Path, cli: Runner) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    root = repo / "ml" / "registry"
    cli("init", str(root), registry=None)
    cli("register", "fraud", "s3://m/1", "--alias", "champion", registry=root)
    head = git(repo, "rev-parse", "HEAD").strip()
    tree = GitTree(repo, head, "ml/registry")
    disk = WorkingTree(root)
    for folder in ["", "models", "models/fraud", "models/fraud/versions"]:
        assert tree.list_dir(folder) == sorted(disk.list_dir(folder)), folder
    assert tree.read("models/fraud/versions/1.yaml") == disk.read("models/fraud/versions/1.yaml")
    assert tree.read("models/ghost/model.yaml") is None
    assert tree.list_dir("models/ghost") == []
    assert tree.blob_id("modelreg.yaml") == git(repo, "rev-parse", "HEAD:ml/registry/modelreg.yaml").strip()
    tree.close()


def test_a_date_reads_the_last_commit_at_or_before_it(
    registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelreg_cli.service import Registry

    from conftest import set_date

    set_date(monkeypatch, "2026-10-05T10:00:00Z")
    cli("register", "fraud", "s3://m/1", "--alias", "champion")
    set_date(monkeypatch, "2026-10-07T10:00:00Z")
    cli("register", "fraud", "s3://m/2", "--alias", "champion")
    registry = Registry(registry_path)
    assert registry.at("2026-10-06").resolve("models:/fraud@champion").source == "s3://m/1"
    assert registry.at("2026-10-07T10:00:00Z").resolve("models:/fraud@champion").source == "s3://m/2"
    assert registry.resolve("models:/fraud@champion").source == "s3://m/2"
    with pytest.raises(NotFoundError, match="the registry has no commit at or before 2026-01-01"):
        registry.at("2026-01-01")
