"""The cache of parsed manifests (store/cache.py): filled by whole-registry reads, never stale.

Staleness is checked through search results after every kind of change; "the cache was used" is
checked by making parsing fail: a warm read that still works parsed nothing.
"""

from __future__ import annotations

import json
import marshal
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from modelreg_cli.core.search import registered_model
from modelreg_cli.errors import ModelregError
from modelreg_cli.service import Registry
from modelreg_cli.store import cache
from modelreg_cli.store.cache import CACHE_FILE, CACHE_FOLDER, DocumentReader, ManifestCache
from modelreg_cli.store.files import RegistryStore
from modelreg_cli.store.git import blob_id_of
from modelreg_cli.store.snapshot import WorkingTree

from conftest import SAMPLE_REGISTRY, Runner, git

VERSION_1 = "models/fraud/versions/1.yaml"


def cache_file(repo: Path) -> Path:
    return repo / ".git" / CACHE_FOLDER / CACHE_FILE


def aucs(registry_path: Path) -> list[tuple[str, int, str, float | None]]:
    """(name, version, stage, auc) of every version, as search sees them now (a new Registry each time)."""
    page = Registry(registry_path).search_versions(order_by=["name", "version_number"])
    return [(v.name, v.version, v.stage, v.metrics.get("auc")) for v in page.items]


@pytest.fixture
def fraud(registry_path: Path, cli: Runner) -> Path:
    assert cli("register", "fraud", "s3://m/1", "--metric", "auc=0.91").code == 0
    assert cli("register", "fraud", "s3://m/2", "--metric", "auc=0.93").code == 0
    assert aucs(registry_path) == [("fraud", 1, "None", 0.91), ("fraud", 2, "None", 0.93)]  # warms the cache
    return registry_path


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on every document must come from the cache."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"parsed {args[2]} instead of using the cache")

    monkeypatch.setattr(cache, "parse_document", refuse)


def test_a_search_fills_the_cache_and_the_next_one_parses_nothing(fraud: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = ManifestCache.load(fraud / ".git")
    blob = git(fraud, "rev-parse", f"HEAD:{VERSION_1}").strip()
    assert (len(stored.entries["model"]), len(stored.entries["version"])) == (1, 2)
    assert stored.entries["version"][blob]["metrics"] == {"auc": 0.91}
    no_parsing(monkeypatch)
    assert aucs(fraud) == [("fraud", 1, "None", 0.91), ("fraud", 2, "None", 0.93)]
    assert [model.name for model in Registry(fraud).list_models()] == ["fraud"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_uncommitted_hand_edit_is_seen_and_not_cached(fraud: Path) -> None:
    # Same size and within the same second as the commit: only git's racy-clean check can tell.
    edit(fraud / VERSION_1, "auc: 0.91", "auc: 0.51")
    assert aucs(fraud) == [("fraud", 1, "None", 0.51), ("fraud", 2, "None", 0.93)]
    edited = blob_id_of((fraud / VERSION_1).read_bytes(), "0" * 40)
    assert edited not in ManifestCache.load(fraud / ".git").entries["version"]
    git(fraud, "checkout", "--", VERSION_1)
    assert aucs(fraud) == [("fraud", 1, "None", 0.91), ("fraud", 2, "None", 0.93)]


def test_a_committed_hand_edit_is_seen(fraud: Path) -> None:
    edit(fraud / VERSION_1, "stage: None", "stage: Staging")
    git(fraud, "commit", "-q", "-am", "promote by hand")
    assert aucs(fraud) == [("fraud", 1, "Staging", 0.91), ("fraud", 2, "None", 0.93)]


def test_a_staged_edit_is_seen_and_cached(fraud: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(fraud / VERSION_1, "auc: 0.91", "auc: 0.99")
    git(fraud, "add", VERSION_1)
    assert aucs(fraud) == [("fraud", 1, "None", 0.99), ("fraud", 2, "None", 0.93)]
    no_parsing(monkeypatch)
    assert aucs(fraud) == [("fraud", 1, "None", 0.99), ("fraud", 2, "None", 0.93)]


def test_checkout_of_another_revision_and_back(fraud: Path, cli: Runner) -> None:
    assert cli("transition", "fraud", "2", "Production").code == 0
    assert aucs(fraud) == [("fraud", 1, "None", 0.91), ("fraud", 2, "Production", 0.93)]
    git(fraud, "checkout", "-q", "HEAD~2")
    assert aucs(fraud) == [("fraud", 1, "None", 0.91)]
    git(fraud, "checkout", "-q", "-")
    assert aucs(fraud) == [("fraud", 1, "None", 0.91), ("fraud", 2, "Production", 0.93)]


def test_changes_made_by_modelreg_are_seen(fraud: Path, cli: Runner) -> None:
    assert cli("transition", "fraud", "1", "Archived").code == 0
    assert cli("delete", "fraud", "--version", "2", "--yes").code == 0
    assert cli("register", "churn", "s3://c/1", "--metric", "auc=0.7").code == 0
    assert aucs(fraud) == [("churn", 1, "None", 0.7), ("fraud", 1, "Archived", 0.91)]


def test_a_pull_is_seen(fraud: Path, tmp_path: Path, cli: Runner) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(fraud), str(clone))
    assert cli("transition", "fraud", "2", "Staging", registry=clone).code == 0
    git(clone, "push", "-q", "origin", "HEAD:refs/heads/incoming")
    git(fraud, "merge", "-q", "--ff-only", "incoming")
    assert aucs(fraud) == [("fraud", 1, "None", 0.91), ("fraud", 2, "Staging", 0.93)]


def test_touched_but_unchanged_files_still_come_from_the_cache(fraud: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = (fraud / ".git" / "index").read_bytes()
    for path in (fraud / "models").rglob("*.yaml"):
        path.touch()
        os.utime(path, ns=(path.stat().st_mtime_ns + 5_000_000_000,) * 2)
    no_parsing(monkeypatch)
    assert aucs(fraud) == [("fraud", 1, "None", 0.91), ("fraud", 2, "None", 0.93)]
    assert (fraud / ".git" / "index").read_bytes() == index  # a read never writes git's index


def test_files_git_does_not_check_are_read_from_disk(fraud: Path) -> None:
    git(fraud, "update-index", "--assume-unchanged", VERSION_1)
    edit(fraud / VERSION_1, "auc: 0.91", "auc: 0.11")
    assert git(fraud, "status", "--porcelain") == ""  # git itself no longer looks
    assert aucs(fraud)[0] == ("fraud", 1, "None", 0.11)


def test_untracked_and_deleted_files_are_seen(fraud: Path) -> None:
    third = (fraud / VERSION_1).read_text().replace("version: 1", "version: 3").replace("auc: 0.91", "auc: 0.3")
    (fraud / "models/fraud/versions/3.yaml").write_text(third)
    (fraud / "models/fraud/versions/2.yaml").unlink()
    assert aucs(fraud) == [("fraud", 1, "None", 0.91), ("fraud", 3, "None", 0.3)]


def test_a_corrupted_cache_is_ignored_and_rebuilt(fraud: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = cache_file(fraud)
    good = path.read_bytes()
    for damage in (b"not marshal at all", good[: len(good) // 2], marshal.dumps(["a", "list"]),
                   marshal.dumps(("modelreg-manifest-cache", "another modelreg", {}))):
        path.write_bytes(damage)
        assert aucs(fraud) == [("fraud", 1, "None", 0.91), ("fraud", 2, "None", 0.93)]
        assert len(ManifestCache.load(fraud / ".git").entries["version"]) == 2  # written afresh
    with monkeypatch.context() as patched:
        no_parsing(patched)
        assert aucs(fraud) == [("fraud", 1, "None", 0.91), ("fraud", 2, "None", 0.93)]


def test_an_unwritable_cache_only_makes_reads_slower(fraud: Path) -> None:
    cache_file(fraud).unlink()
    cache_file(fraud).mkdir()  # a folder where the file should be: it can be neither read nor written
    assert aucs(fraud) == [("fraud", 1, "None", 0.91), ("fraud", 2, "None", 0.93)]


def test_a_file_that_changes_while_read_is_not_cached(fraud: Path) -> None:
    """Git said the file was blob X, but by the time it was read it held other bytes: the
    document is returned (it is what is on disk) but never stored under X."""
    stale = git(fraud, "rev-parse", f"HEAD:{VERSION_1}").strip()
    edit(fraud / VERSION_1, "auc: 0.91", "auc: 0.42")
    reader = DocumentReader(WorkingTree(fraud), {VERSION_1: "f" * 40}.get, ManifestCache(None))
    document = reader.read(VERSION_1, "version")
    assert document is not None and document["metrics"] == {"auc": 0.42}
    assert reader.cache.entries["version"] == {}
    assert stale not in reader.cache.entries["version"]


def test_time_travel_reads_through_the_cache(fraud: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("transition", "fraud", "2", "Production").code == 0
    registry = Registry(fraud)
    assert [(v.version, v.stage) for v in registry.at("HEAD").search_versions().items] == [(2, "Production"), (1, "None")]
    no_parsing(monkeypatch)  # the old revision's files are all in the cache, from the search before the transition
    assert [(v.version, v.stage) for v in registry.at("HEAD~1").search_versions().items] == [(2, "None"), (1, "None")]
    assert [(v.version, v.stage) for v in registry.at("HEAD").search_versions().items] == [(2, "Production"), (1, "None")]


def test_a_registry_in_a_subfolder_uses_the_cache(tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    root = repo / "ml" / "registry"
    assert cli("init", str(root), registry=None).code == 0
    assert cli("register", "fraud", "s3://m/1", "--metric", "auc=0.91", registry=root).code == 0
    assert aucs(root) == [("fraud", 1, "None", 0.91)]
    assert cache_file(repo).is_file()
    with monkeypatch.context() as patched:
        no_parsing(patched)
        assert aucs(root) == [("fraud", 1, "None", 0.91)]
    edit(root / VERSION_1, "auc: 0.91", "auc: 0.61")
    assert aucs(root) == [("fraud", 1, "None", 0.61)]


def test_a_registry_outside_git_is_parsed_every_time(tmp_path: Path, cli: Runner) -> None:
    root = tmp_path / "plain"
    shutil.copytree(SAMPLE_REGISTRY, root)
    result = cli("search", "stage = 'Production'", "--json", registry=root)
    assert result.code == 0, result.stderr
    assert [m["name"] for m in json.loads(result.stdout)["items"]] == [
        "churn-predictor", "demand-forecast", "fraud-detector",
    ]
    assert not any(path.name == ".git" for path in root.rglob("*"))


def test_a_broken_manifest_is_reported_the_same_way_by_every_read(fraud: Path, cli: Runner) -> None:
    edit(fraud / VERSION_1, "version: 1", "version: 7")
    error = "error: models/fraud/versions/1.yaml: holds fraud version 7, but its place says fraud version 1\n"
    for command in (["search"], ["list"], ["show", "fraud"]):
        result = cli(*command)
        assert (result.code, result.stderr) == (1, error), command
    edit(fraud / VERSION_1, "version: 7", "version: [")
    with pytest.raises(ModelregError, match=r"^models/fraud/versions/1.yaml: line \d+: invalid YAML"):
        Registry(fraud).search_versions()


def test_unused_entries_are_dropped_once_they_outnumber_the_used(tmp_path: Path) -> None:
    path = tmp_path / "cache.marshal"
    document = {"name": "x"}
    old = ManifestCache(path, {"model": {}, "version": {"a" * 40: document, "b" * 40: document, "c" * 40: document}})
    assert old.get("version", "a" * 40) == document
    old.put("version", "d" * 40, document)  # used: a, d; unused: b, c -- not more than used
    old.save()
    assert sorted(ManifestCache.load(tmp_path.parent / tmp_path.name).entries["version"]) == []  # another path
    kept = _load(path)
    assert sorted(kept["version"]) == ["a" * 40, "b" * 40, "c" * 40, "d" * 40]
    fresh = ManifestCache(path, kept)
    fresh.put("version", "e" * 40, document)  # used: e; unused: a, b, c, d
    fresh.save()
    assert sorted(_load(path)["version"]) == ["e" * 40]


def _load(path: Path) -> Any:
    loaded = marshal.loads(path.read_bytes())
    return loaded[2]


def test_reads_through_the_cache_equal_plain_reads(tmp_path: Path) -> None:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE_REGISTRY, root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sample")
    store = RegistryStore(root)
    stages = store.read_config().stages
    for _ in range(2):  # cold, then warm
        documents = store.read_documents()
        assert [found.name for found in documents] == store.model_names()
        for found in documents:
            plain = store.read_model(found.name)
            assert plain is not None
            assert registered_model(found, stages) == plain.view(stages)
            state = found.state()
            assert state.model == plain.model
            assert state.versions == plain.versions
            assert state.view(stages, with_versions=True) == plain.view(stages, with_versions=True)
