"""Extension points: artifact stores and importers are found through entry points, modelreg's own
exactly like a third party's; a missing or broken plugin is one line that says what to install."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from modelreg_cli.errors import NotFoundError
from modelreg_cli.importers import get_importer
from modelreg_cli.plugins import ARTIFACT_STORES, IMPORTERS, PluginError, names
from modelreg_cli.store.artifact_stores import open_artifact_store, scheme_of
from modelreg_cli.store.artifact_stores.local import LocalStore

from conftest import needs

THIRD_PARTY_STORE = '''
class MemoryStore:
    objects = {}

    def __init__(self, url, options):
        self.url = url
        self.options = options

    def exists(self, digest):
        return digest in self.objects
'''

THIRD_PARTY_IMPORTER = '''
class Importer:
    name = "fake"
    summary = "Import nothing, for the test"

    def read(self, source, options):
        from modelreg_cli.importers import ImportPlan
        return ImportPlan(stages=[source])
'''


def install_plugin(site: Path, monkeypatch: pytest.MonkeyPatch, group: str, name: str, module: str, code: str,
                   target: str) -> None:
    """An installed distribution (dist-info with entry points) that provides one plugin."""
    site.mkdir(exist_ok=True)
    (site / f"{module}.py").write_text(code)
    info = site / f"{module}_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{group}]\n{name} = {module}:{target}\n")
    monkeypatch.syspath_prepend(str(site))


def test_the_built_in_local_store_is_found_through_its_entry_point(tmp_path: Path) -> None:
    assert "file" in names(ARTIFACT_STORES)
    for url in (str(tmp_path / "store"), (tmp_path / "store").as_uri()):
        store = open_artifact_store(url)
        assert isinstance(store, LocalStore)
        assert store.root == tmp_path / "store"


def test_a_third_party_store_is_found_like_the_built_in_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugin(tmp_path / "site", monkeypatch, ARTIFACT_STORES.name, "mem", "memory_store", THIRD_PARTY_STORE,
                   "MemoryStore")
    store: Any = open_artifact_store("mem://bucket/models", {"region": "north"})
    assert type(store).__name__ == "MemoryStore"
    assert (store.url, store.options) == ("mem://bucket/models", {"region": "north"})
    assert names(ARTIFACT_STORES) == ["abfs", "az", "file", "gcs", "gs", "mem", "s3"]


BUILT_IN = "abfs, az, file, gcs, gs, s3"


def test_a_missing_store_says_what_to_install() -> None:
    assert scheme_of("s3://bucket/prefix") == "s3"
    with pytest.raises(PluginError) as raised:
        open_artifact_store("hdfs://cluster/models")
    assert str(raised.value) == (f"no artifact store named 'hdfs' is installed (installed: {BUILT_IN}): install a "
                                 "package that provides the hdfs artifact store")


@pytest.mark.parametrize(("url", "extra"), [("s3://bucket/prefix", "s3"), ("gs://bucket", "gcs"), ("az://box", "azure")])
def test_an_object_store_without_its_extra_says_what_to_install(url: str, extra: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)  # as where the extra is not installed
    monkeypatch.delitem(sys.modules, "modelreg_cli.store.artifact_stores.fsspec_store", raising=False)
    with pytest.raises(PluginError) as raised:
        open_artifact_store(url)
    scheme = url.split(":")[0]
    assert str(raised.value) == f"the {scheme} artifact store cannot be loaded (fsspec is missing): pip install 'modelreg[{extra}]'"


@pytest.mark.slow
def test_an_object_store_without_its_backend_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    needs("fsspec")
    monkeypatch.setitem(sys.modules, "gcsfs", None)
    with pytest.raises(PluginError) as raised:
        open_artifact_store("gs://bucket/models")
    assert str(raised.value) == "the gs artifact store needs gcsfs: pip install 'modelreg[gcs]'"


def test_a_plugin_whose_library_is_missing_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugin(tmp_path / "site", monkeypatch, ARTIFACT_STORES.name, "gs", "broken_store",
                   "import gcsfs_that_is_not_installed\n", "Store")
    with pytest.raises(PluginError) as raised:
        open_artifact_store("gs://bucket")
    assert str(raised.value) == ("the gs artifact store cannot be loaded (gcsfs_that_is_not_installed is missing): "
                                 "pip install 'modelreg[gcs]'")


def test_importers_are_plugins_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(PluginError) as raised:
        get_importer("fake")
    assert str(raised.value).startswith("no importer named 'fake' is installed")
    install_plugin(tmp_path / "site", monkeypatch, IMPORTERS.name, "fake", "fake_importer", THIRD_PARTY_IMPORTER,
                   "Importer")
    importer = get_importer("fake")
    assert (importer.name, importer.summary) == ("fake", "Import nothing, for the test")
    assert importer.read("sqlite:///mlflow.db", {}).stages == ["sqlite:///mlflow.db"]


# --------------------------------------------------------------------------- the local folder store


def test_local_store_keeps_objects_by_digest(tmp_path: Path) -> None:
    store = LocalStore(str(tmp_path / "store"), {})
    source = tmp_path / "model.pkl"
    source.write_bytes(b"weights")
    digest = hashlib.sha256(b"weights").hexdigest()
    assert not store.exists(digest)
    store.upload(digest, source)
    assert store.exists(digest)
    assert (tmp_path / "store" / "sha256" / digest).read_bytes() == b"weights"
    assert store.object_url(digest) == (tmp_path / "store" / "sha256" / digest).as_uri()
    assert list(store.digests()) == [digest]
    store.download(digest, tmp_path / "copy")
    assert (tmp_path / "copy").read_bytes() == b"weights"
    store.delete(digest)
    assert list(store.digests()) == []
    with pytest.raises(NotFoundError) as raised:
        store.download(digest, tmp_path / "again")
    assert str(raised.value) == f"object {digest} is missing from the artifact store {tmp_path / 'store'}"


def test_local_store_never_shows_a_partial_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalStore(str(tmp_path / "store"), {})
    source = tmp_path / "model.pkl"
    source.write_bytes(b"x" * 1000)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()

    def interrupted(data: Any, out: Any, length: int = 0) -> None:
        out.write(data.read(10))
        raise OSError("disk full")

    monkeypatch.setattr(shutil, "copyfileobj", interrupted)
    with pytest.raises(OSError):
        store.upload(digest, source)
    assert not store.exists(digest)
    assert list((tmp_path / "store" / "sha256").iterdir()) == []  # no temporary file left either
