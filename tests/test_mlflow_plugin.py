"""The MLflow registry store plugin against MLflow's own SQLite store: the same MlflowClient calls on
both, with one clock, give the same entities (timestamps included), the same pages and the same error
codes; MLflow's filter and order-by cases (from its test suite and docs) give the same results.
Where modelreg is stricter or accepts more, the table says so and the test checks that too."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import git, needs, set_date, set_identity

pytestmark = pytest.mark.slow

START = datetime(2026, 10, 1, 12, 0, 0, tzinfo=UTC)
ERROR = "error"


class Clock:
    """One clock for both stores: modelreg's from git's dates, MLflow's from get_current_time_millis.
    Each call ticks one second, so which call moved a timestamp is visible."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seconds = int(START.timestamp())
        self._monkeypatch = monkeypatch
        monkeypatch.setattr("mlflow.store.model_registry.sqlalchemy_store.get_current_time_millis",
                            lambda: self.seconds * 1000)
        self.tick()

    def tick(self) -> None:
        self.seconds += 1
        set_date(self._monkeypatch, datetime.fromtimestamp(self.seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def plain(value: Any, in_list: bool = False) -> Any:
    """An entity (or a list, a page) as comparable data: user_id is modelreg's author (MLflow's own
    store leaves it None) and run_link is not kept; aliases of versions in a list are left out
    (MLflow's SQL store leaves them empty there, the plugin fills them in)."""
    from mlflow.entities.model_registry import ModelVersion, RegisteredModel
    from mlflow.store.entities.paged_list import PagedList

    if isinstance(value, PagedList):
        return {"items": [plain(item, in_list=True) for item in value], "more": value.token is not None}
    if isinstance(value, list):
        return [plain(item, in_list=True) for item in value]
    if isinstance(value, RegisteredModel):
        return {"name": value.name, "created": value.creation_timestamp, "updated": value.last_updated_timestamp,
                "description": value.description, "tags": value.tags, "aliases": value.aliases,
                "latest": sorted((plain(v, in_list=True) for v in value.latest_versions), key=lambda v: v["version"])}
    if isinstance(value, ModelVersion):
        found = {"name": value.name, "version": int(value.version), "created": value.creation_timestamp,
                 "updated": value.last_updated_timestamp, "description": value.description,
                 "stage": value.current_stage, "source": value.source, "run_id": value.run_id,
                 "status": value.status, "tags": value.tags}
        return found if in_list else {**found, "aliases": sorted(value.aliases)}
    return value


class Pair:
    """The same calls on MLflow's SQLite store and on the plugin."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        needs("mlflow")
        from mlflow import MlflowClient

        from modelreg_cli.service import Registry

        warnings.filterwarnings("ignore", category=FutureWarning)  # stages are deprecated in MLflow 2.9+
        self.clock = Clock(monkeypatch)
        self.root = tmp_path / "registry"
        Registry.init(self.root)
        tracking = f"sqlite:///{tmp_path / 'tracking.db'}"
        self.mlflow = MlflowClient(tracking_uri=tracking, registry_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
        self.modelreg = MlflowClient(tracking_uri=tracking, registry_uri=f"modelreg://{self.root}")

    def both(self, method: str, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        results = []
        for client in (self.mlflow, self.modelreg):
            try:
                results.append(plain(getattr(client, method)(*args, **kwargs)))
            except Exception as exc:  # an MlflowException: its code is what both must agree on
                results.append((ERROR, getattr(exc, "error_code", type(exc).__name__)))
        self.clock.tick()
        return results[0], results[1]

    def same(self, method: str, *args: Any, **kwargs: Any) -> Any:
        expected, got = self.both(method, *args, **kwargs)
        assert got == expected, f"{method}{args}: MLflow gave {expected}, the plugin {got}"
        return got


def without_source(version: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in version.items() if key != "source"}


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pair:
    return Pair(tmp_path, monkeypatch)


def test_every_store_method_gives_what_mlflow_gives(pair: Pair) -> None:
    same = pair.same
    same("create_registered_model", "fraud detector", tags={"team": "risk"}, description="Scores card payments")
    same("create_registered_model", "fraud detector")  # RESOURCE_ALREADY_EXISTS
    same("create_registered_model", "")  # INVALID_PARAMETER_VALUE
    same("get_registered_model", "fraud detector")
    same("get_registered_model", "nope")  # RESOURCE_DOES_NOT_EXIST
    same("update_registered_model", "fraud detector", description="Scores card transactions")
    same("update_registered_model", "fraud detector", description=None)  # a missing description is None
    same("create_model_version", "nope", "s3://b/0")
    same("create_model_version", "fraud detector", "s3://b/1", run_id="run1", tags={"framework": "xgboost"},
         description="baseline")
    same("create_model_version", "fraud detector", "s3://b/2", run_id="run2")
    same("create_model_version", "fraud detector", "s3://b/3")
    same("get_model_version", "fraud detector", "2")
    same("get_model_version", "fraud detector", "9")
    same("get_model_version", "fraud detector", "two")
    same("update_model_version", "fraud detector", "2", description="more data")
    same("set_registered_model_tag", "fraud detector", "owner", "ada")
    same("delete_registered_model_tag", "fraud detector", "owner")
    same("delete_registered_model_tag", "fraud detector", "owner")  # already gone: nothing happens
    same("set_model_version_tag", "fraud detector", "1", "validated", "true")
    same("delete_model_version_tag", "fraud detector", "1", "framework")
    same("delete_model_version_tag", "fraud detector", "1", "framework")
    same("set_model_version_tag", "fraud detector", "7", "k", "v")
    same("set_registered_model_alias", "fraud detector", "champion", "1")
    same("set_registered_model_alias", "fraud detector", "challenger", "2")
    same("set_registered_model_alias", "fraud detector", "latest", "2")  # reserved
    same("set_registered_model_alias", "fraud detector", "v3", "2")  # reserved
    same("set_registered_model_alias", "fraud detector", "champion", "9")
    same("get_model_version_by_alias", "fraud detector", "champion")
    same("get_model_version_by_alias", "fraud detector", "latest")  # the highest version
    same("get_model_version_by_alias", "fraud detector", "gone")
    same("delete_registered_model_alias", "fraud detector", "challenger")
    same("delete_registered_model_alias", "fraud detector", "challenger")
    same("transition_model_version_stage", "fraud detector", "1", "staging")
    same("transition_model_version_stage", "fraud detector", "2", "Staging", archive_existing_versions=True)
    same("transition_model_version_stage", "fraud detector", "2", "Production", archive_existing_versions=True)
    same("transition_model_version_stage", "fraud detector", "3", "Archived", archive_existing_versions=True)
    same("transition_model_version_stage", "fraud detector", "3", "Deployed")
    same("get_registered_model", "fraud detector")
    for stages in (None, [], ["production"], ["None", "Archived"], ["bogus"]):
        same("get_latest_versions", "fraud detector", stages)
    same("get_model_version_download_uri", "fraud detector", "2")
    same("search_registered_models")
    same("search_model_versions", "name = 'fraud detector'")
    copied = pair.both("copy_model_version", "models:/fraud detector/2", "fraud copy")
    assert without_source(copied[1]) == without_source(copied[0])
    assert copied[0]["source"] == "models:/fraud detector/2"  # MLflow's copy names the original ...
    assert copied[1]["source"] == "s3://b/2"  # ... modelreg's keeps the artifact and records the original in lineage
    same("get_model_version_download_uri", "fraud copy", "1")
    same("rename_registered_model", "fraud copy", "fraud detector")  # RESOURCE_ALREADY_EXISTS
    same("rename_registered_model", "fraud copy", "fraud détecteur")
    renamed = pair.both("get_model_version", "fraud détecteur", "1")
    assert without_source(renamed[1]) == without_source(renamed[0])
    same("delete_model_version", "fraud detector", "1")
    same("delete_model_version", "fraud detector", "1")
    same("get_registered_model", "fraud detector")  # the alias to v1 went with it
    same("create_model_version", "fraud detector", "s3://b/4")  # number 4: never reused
    same("delete_registered_model", "fraud détecteur")
    same("search_registered_models")
    same("search_model_versions")
    assert git(pair.root, "log", "--format=%s").splitlines()[:3] == [
        "delete model fraud détecteur", "register fraud detector v4", "delete fraud detector v1 and alias @champion"]
    from modelreg_cli.service import Registry

    assert Registry(pair.root).check().problems == []


def test_where_modelreg_is_stricter_the_plugin_says_why_and_how(pair: Pair) -> None:
    for client in (pair.mlflow, pair.modelreg):
        client.create_registered_model("fraud")
        for source in ("s3://b/1", "s3://b/2"):
            client.create_model_version("fraud", source)
        client.transition_model_version_stage("fraud", "1", "Production")
    mlflow_allows, refused = pair.both("transition_model_version_stage", "fraud", "2", "Production")
    assert mlflow_allows["stage"] == "Production"  # MLflow lets two versions hold Production
    assert refused == (ERROR, "INVALID_STATE")
    from mlflow.exceptions import MlflowException

    with pytest.raises(MlflowException) as raised:
        pair.modelreg.transition_model_version_stage("fraud", "2", "Production")
    assert raised.value.message == (
        "version 1 of 'fraud' already holds Production, which only one version may hold: modelreg lets only one "
        "version hold it; call transition_model_version_stage(..., archive_existing_versions=True) to move the "
        "current holder to Archived")
    assert git(pair.root, "log", "-1", "--format=%s").strip() == "transition fraud v1: None -> Production"


# --------------------------------------------------------------------------- searching

MODEL_NAMES = ["test_for_search_RM1", "test_for_search_RM2", "test_for_search_RM3", "test_for_search_RM4",
               "test_for_search_RM4A", "test_for_search_RM4ab", "fraud detector", "modèle"]
MODEL_TAGS = {"test_for_search_RM1": {"t1": "abc", "t2": "xyz"},
              "test_for_search_RM2": {"t1": "abcd", "t2": "xyz123", "t3": "XYZ"},
              "fraud detector": {"my key": "spaced", "équipe": "fraude"}}
RUN = {1: "aaaa1111", 2: "bbbb2222", 3: "cccc3333"}
VERSIONS = [("test_for_search_MV", "s3://A/B", RUN[1], {"t1": "abc", "t2": "xyz"}),
            ("test_for_search_MV", "s3://A/C", RUN[2], {"t1": "abc", "t2": "x123"}),
            ("test_for_search_MV", "s3://A/D", RUN[2], {}),
            ("test_for_search_MV", "s3://A/D", RUN[3], {"my key": "spaced"}),
            ("fraud detector", "s3://F/1", RUN[1], {"équipe": "fraude"}),
            ("modèle", "s3://M/1", None, {})]

SAME, BOTH_REFUSE, MODELREG_ACCEPTS = "same", "both refuse", "modelreg accepts"

# (filter, how the two compare): MLflow's cases from tests/store/model_registry/test_sqlalchemy_store.py
# (test_search_registered_models*, test_search_model_versions*) and its search docs.
MODEL_FILTERS = [
    (None, SAME), ("", SAME),
    ("name='test_for_search_RM1'", SAME), ("name='test_for_search_RM1cats'", SAME),
    ("name LIKE 'test_for_search_%'", SAME), ("name LIKE '%RM%'", SAME), ("name LIKE '_e%'", SAME),
    ("name LIKE 'test_for_search_RM4A%'", SAME), ("name lIkE '%blah%'", SAME), ("name like 'test_for_search_RM4A%'", SAME),
    ("name ILIKE 'test_for_search_RM4A%'", SAME), ("name ILIKE '%RM4a%'", SAME), ("name iLike '%%'", SAME),
    ("name != 'modèle'", SAME), ("name IN ('modèle', 'fraud detector')", SAME), ("name NOT IN ('modèle')", SAME),
    ("name = 'fraud detector'", SAME),
    ("tag.t3 = 'XYZ'", SAME), ("name = 'test_for_search_RM1' and tag.t1 = 'abc'", SAME),
    ("tag.t1 LIKE 'ab%'", SAME), ("tag.t1 ILIKE 'aB%'", SAME), ("tag.t1 LIKE 'ab%' AND tag.t2 LIKE 'xy%'", SAME),
    ("tag.t3 = 'XYz'", SAME), ("tag.T3 = 'XYZ'", SAME), ("tag.t1 != 'abc'", SAME),
    ("tag.t1 != 'abcd' and tag.t1 LIKE 'ab%'", SAME), ("tags.`my key` = 'spaced'", SAME), ("tags.équipe = 'fraude'", SAME),
    ('tags."my key" = \'spaced\'', SAME), ("attribute.name = 'modèle'", SAME),
    ("name IN ('modèle',)", SAME),  # MLflow reads the list as a Python tuple
    ("name!=something", BOTH_REFUSE), ("evilhax = true", BOTH_REFUSE),
    ("tag.t1 IN ('abc')", MODELREG_ACCEPTS),
    ("run_id = 'aaaa1111'", MODELREG_ACCEPTS),  # any version of the model (docs/search.md)
    ("source_path = 's3://A/D'", MODELREG_ACCEPTS),
    ("name = 'modèle' OR name = 'fraud detector'", MODELREG_ACCEPTS),
]
VERSION_FILTERS = [
    (None, SAME), ("", SAME), ("name='test_for_search_MV'", SAME), ("version_number=2", SAME),
    ("version_number<=3", SAME), (f"run_id='{RUN[1]}'", SAME), (f"run_id='{RUN[2]}'", SAME),
    (f"run_id IN ('{RUN[1]}','{RUN[2]}')", SAME), (f"run_id IN ('{RUN[1].upper()}','{RUN[2]}')", SAME),
    (f"version_number=2 AND run_id IN ('{RUN[1].upper()}','{RUN[2]}')", SAME),
    (f"run_id IN ('{RUN[1]}', '{RUN[2]}')", SAME), ("run_id LIKE 'bbbb%'", SAME), ("run_id ILIKE 'BBBB%'", SAME),
    ("source_path = 's3://A/D'", SAME), ("source_path = 's3://A'", SAME), ("source_path = ''", SAME),
    ("name = 'test_for_search_MV' and tag.t2 = 'xyz'", SAME), ("name = 'wrong_name' and tag.t2 = 'xyz'", SAME),
    ("tag.`t2` = 'xyz'", SAME), ("tag.t3 = 'xyz'", SAME), ("tag.t2 != 'xy'", SAME), ("tag.t2 LIKE 'xy%'", SAME),
    ("tag.t2 LIKE 'xY%'", SAME), ("tag.t2 ILIKE 'xY%'", SAME), ("tag.t2 LIKE 'x%'", SAME), ("tag.T2 = 'xyz'", SAME),
    ("tag.t1 = 'abc' and tag.t2 = 'xyz'", SAME), ("tag.t1 = 'abc' and tag.t2 LIKE 'x%'", SAME),
    ("tag.t1 = 'abc' and tag.t2 LIKE 'y%'", SAME), ("tag.t2 like 'x%' and tag.t2 != 'xyz'", SAME),
    ("name = 'fraud detector'", SAME), ("tags.`my key` = 'spaced'", SAME), ('tags."my key" = \'spaced\'', SAME),
    ("tags.équipe = 'fraude'", SAME),
    ("attribute.name = 'modèle'", SAME), ("name IN ('modèle',)", SAME), (f"run_id IN ('{RUN[3]}',)", SAME),
    ("run_id IN (1,2,3)", BOTH_REFUSE), ("run_id IN ()", BOTH_REFUSE), ("run_id IN (", BOTH_REFUSE),
    ("run_id IN", BOTH_REFUSE), ("name LIKE", BOTH_REFUSE), ("run_id IN (,)", BOTH_REFUSE),
    ("run_id IN ('runid1',,'runid2')", BOTH_REFUSE), ("evilhax = true", BOTH_REFUSE),
    (f"run_id = '{RUN[1]}' OR version_number = 3", MODELREG_ACCEPTS),
    ("stage = 'None' AND version_number > 1", MODELREG_ACCEPTS),
    ("tags.t1 IN ('abc')", MODELREG_ACCEPTS),
]
MODEL_ORDERS = [
    [], ["name DESC"], ["name ASC"], ["last_updated_timestamp DESC"], ["last_updated_timestamp ASC"],
    ["last_updated_timestamp"], ["timestamp DESC"], ["timestamp"], ["timestamp ASC", "name DESC"],
    ["timestamp ASC", "name   DESC"], ["timestamp\tASC"], ["timestamp\nASC"], ["timestamp  asc"],
    ["timestamp  desc", "name desc"], ["timestamp  deSc", "name deSc"],
]
VERSION_ORDERS = [
    [], ["name DESC"], ["version_number DESC"], ["creation_timestamp DESC"], ["last_updated_timestamp ASC"],
    ["name ASC", "version_number ASC"], ["last_updated_timestamp DESC", "name DESC"],
]
ORDER_ERRORS = [  # (target, order_by, how)
    ("models", ["name ASC", "last_updated_timestamp DESC blah"], BOTH_REFUSE),
    ("models", ["timestamp", "last_updated_timestamp"], BOTH_REFUSE),  # the same key twice
    ("versions", ["name ASC", "last_updated_timestamp DESC blah"], BOTH_REFUSE),
    ("versions", ["name ASC", "run_id DESC"], BOTH_REFUSE),
    ("models", ["name ASC", "creation_timestamp DESC"], MODELREG_ACCEPTS),
]


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Both registries with MLflow's search fixtures, made once for the module."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        home = tmp_path_factory.mktemp("home")
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
        monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        set_identity(monkeypatch)
        made = Pair(tmp_path_factory.mktemp("search"), monkeypatch)
        for client in (made.mlflow, made.modelreg):
            made.clock.seconds = int(START.timestamp())
            for name in [*MODEL_NAMES, "test_for_search_MV"]:
                made.clock.tick()
                client.create_registered_model(name, tags=MODEL_TAGS.get(name))
            for name, source, run_id, tags in VERSIONS:
                made.clock.tick()
                client.create_model_version(name, source, run_id=run_id, tags=tags)
            made.clock.tick()
            client.update_model_version("test_for_search_MV", "1", "latest updated")
            client.transition_model_version_stage("test_for_search_MV", "2", "Production")
        yield made


def _search(pair: Pair, target: str, filter_string: str | None, order_by: list[str] | None = None) -> tuple[Any, Any]:
    method = "search_registered_models" if target == "models" else "search_model_versions"
    return pair.both(method, filter_string, order_by=order_by)


@pytest.mark.parametrize(("target", "filter_string", "how"),
                         [("models", text, how) for text, how in MODEL_FILTERS]
                         + [("versions", text, how) for text, how in VERSION_FILTERS])
def test_mlflow_filter_cases(searched: Pair, target: str, filter_string: str | None, how: str) -> None:
    expected, got = _search(searched, target, filter_string)
    if how == SAME:
        assert got == expected
    elif how == BOTH_REFUSE:
        assert expected[0] == ERROR, f"MLflow accepted {filter_string!r}"
        assert got == (ERROR, "INVALID_PARAMETER_VALUE")
    else:
        assert expected[0] == ERROR, f"MLflow now accepts {filter_string!r}: move it to SAME"
        assert got != ERROR and isinstance(got, dict) and got["items"], got


@pytest.mark.parametrize(("target", "order_by"), [("models", order) for order in MODEL_ORDERS]
                         + [("versions", order) for order in VERSION_ORDERS])
def test_mlflow_order_by_cases(searched: Pair, target: str, order_by: list[str]) -> None:
    expected, got = _search(searched, target, None, order_by)
    assert got == expected
    assert len(got["items"]) > 3


@pytest.mark.parametrize(("target", "order_by", "how"), ORDER_ERRORS)
def test_mlflow_order_by_errors(searched: Pair, target: str, order_by: list[str], how: str) -> None:
    expected, got = _search(searched, target, "name LIKE 'test%'", order_by)
    assert expected[0] == ERROR
    if how == BOTH_REFUSE:
        assert got == (ERROR, "INVALID_PARAMETER_VALUE")
    else:
        assert isinstance(got, dict) and got["items"]


@pytest.mark.parametrize("target", ["models", "versions"])
def test_pages_walk_the_same_results(searched: Pair, target: str) -> None:
    method: Callable[..., Any]
    walked: list[list[Any]] = []
    for client in (searched.mlflow, searched.modelreg):
        method = client.search_registered_models if target == "models" else client.search_model_versions
        items, token = [], None
        while True:
            page = method(None, max_results=2, page_token=token)
            items += plain(list(page))
            token = page.token
            if not token:
                break
        walked.append(items)
    assert walked[1] == walked[0]
    assert len(walked[0]) >= 6
    expected, got = searched.both("search_model_versions", None, max_results=10**6)
    assert got == expected == (ERROR, "INVALID_PARAMETER_VALUE")
    expected, got = searched.both("search_registered_models", None, page_token="evilhax")
    assert got == expected == (ERROR, "INVALID_PARAMETER_VALUE")
