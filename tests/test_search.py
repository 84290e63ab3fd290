"""`modelreg search`, `versions --latest` and the Python API behind them, on a small pinned fleet."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from modelreg_cli.cli.app import app
from modelreg_cli.errors import InvalidInputError
from modelreg_cli.service import Registry

from conftest import EMAIL, Outcome, Runner, set_date, set_identity


def ok(result: Outcome) -> Outcome:
    assert (result.code, result.stderr) == (0, ""), result.stderr
    return result


def make_fleet(cli: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch) -> None:
    """Three models, five versions, one step a day so every ordering is pinned:

    churn   1 None       auc .81  lr 0.1    run-c1            (day 1)
            2 Staging    auc .85  lr 0.1                      (day 4)
    fraud   1 Archived   auc .91  lr 0.01   run-f1  framework=sklearn   (day 2; archived day 6)
            2 Production auc .93  lr 0.001  run-f2  @champion           (day 3)
    vision  1 None       no metrics         framework=torch             (day 5)
    """
    set_date(monkeypatch, "2026-10-01T10:00:00Z")
    ok(cli("create", "churn", "--tag", "team=growth", "--description", "Who will leave"))
    ok(cli("register", "churn", "s3://m/churn/1", "--metric", "auc=0.81", "--param", "lr=0.1", "--run-id", "run-c1"))
    set_date(monkeypatch, "2026-10-02T10:00:00Z")
    ok(cli("create", "fraud", "--tag", "team=risk"))
    ok(cli("register", "fraud", "s3://m/fraud/1", "--metric", "auc=0.91", "--metric", "f1=0.7", "--param", "lr=0.01",
           "--tag", "framework=sklearn", "--run-id", "run-f1"))
    set_date(monkeypatch, "2026-10-03T10:00:00Z")
    ok(cli("register", "fraud", "s3://m/fraud/2", "--metric", "auc=0.93", "--param", "lr=0.001", "--run-id", "run-f2",
           "--stage", "Production", "--alias", "champion"))
    set_date(monkeypatch, "2026-10-04T10:00:00Z")
    ok(cli("register", "churn", "s3://m/churn/2", "--metric", "auc=0.85", "--param", "lr=0.1", "--stage", "Staging"))
    set_date(monkeypatch, "2026-10-05T10:00:00Z")
    ok(cli("register", "vision", "s3://m/vision/1", "--tag", "framework=torch"))
    set_date(monkeypatch, "2026-10-06T10:00:00Z")
    ok(cli("transition", "fraud", "1", "Archived"))


@pytest.fixture(scope="module")
def fleet_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The fleet, built once for the module (in the same isolated git environment as every test)."""
    root = tmp_path_factory.mktemp("fleet") / "registry"
    home = tmp_path_factory.mktemp("fleet-home")
    with pytest.MonkeyPatch.context() as monkeypatch:
        for key in list(os.environ):
            if key.startswith(("GIT_", "MODELREG_")):
                monkeypatch.delenv(key)
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
        monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        set_identity(monkeypatch)
        Registry.init(root)

        def run(*args: str) -> Outcome:
            result = CliRunner().invoke(app, ["--registry", str(root), *args])
            return Outcome(result.exit_code, result.stdout, result.stderr)

        make_fleet(run, monkeypatch)
    yield root


@pytest.fixture
def registry_path(tmp_path: Path, fleet_template: Path) -> Path:
    """A copy of the fleet for each test (overrides conftest's empty registry)."""
    root = tmp_path / "registry"
    shutil.copytree(fleet_template, root, symlinks=True)
    return root


@pytest.fixture
def fleet(cli: Runner) -> Runner:
    return cli


def search_json(cli: Runner, *args: str) -> dict[str, Any]:
    data = json.loads(ok(cli("search", *args, "--json")).stdout)
    assert isinstance(data, dict)
    return data


def versions_found(cli: Runner, *args: str) -> list[tuple[str, int]]:
    data = search_json(cli, "--versions", *args)
    assert data["next_page_token"] is None
    return [(item["name"], item["version"]) for item in data["items"]]


def models_found(cli: Runner, *args: str) -> list[str]:
    data = search_json(cli, *args)
    assert data["next_page_token"] is None
    return [item["name"] for item in data["items"]]


# versions ----------------------------------------------------------------------------------------


def test_versions_newest_first_by_default(fleet: Runner) -> None:
    assert versions_found(fleet) == [("vision", 1), ("churn", 2), ("fraud", 2), ("fraud", 1), ("churn", 1)]


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        # MLflow's own filters
        ("name = 'fraud'", [("fraud", 2), ("fraud", 1)]),
        ("name LIKE 'fr%' AND version_number >= 2", [("fraud", 2)]),
        ("run_id IN ('run-f1', 'run-c1')", [("fraud", 1), ("churn", 1)]),
        ("source_path = 's3://m/churn/2'", [("churn", 2)]),
        ("tags.framework = 'torch'", [("vision", 1)]),
        # beyond MLflow: stages (any case), aliases, metrics, params, dates
        ("stage = 'production'", [("fraud", 2)]),
        ("stage IN ('Staging', 'Archived')", [("churn", 2), ("fraud", 1)]),
        ("alias = 'champion'", [("fraud", 2)]),
        ("metrics.auc > 0.9", [("fraud", 2), ("fraud", 1)]),
        ("metrics.auc >= 0.85 AND metrics.auc < 0.93", [("churn", 2), ("fraud", 1)]),
        ("params.lr = '0.1'", [("churn", 2), ("churn", 1)]),
        ("params.lr < 0.05", [("fraud", 2), ("fraud", 1)]),
        ("created_at >= '2026-10-04'", [("vision", 1), ("churn", 2)]),
        # a test on a key matches only versions that have it, even with !=; NOT takes in the others
        ("tags.framework != 'torch'", [("fraud", 1)]),
        ("NOT tags.framework = 'torch'", [("churn", 2), ("fraud", 2), ("fraud", 1), ("churn", 1)]),
        ("metrics.f1 < 1 OR alias = 'champion'", [("fraud", 2), ("fraud", 1)]),
        ("name = 'nothing'", []),
    ],
)
def test_version_filters(fleet: Runner, filter_text: str, expected: list[tuple[str, int]]) -> None:
    assert versions_found(fleet, filter_text) == expected


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (["metrics.auc DESC"], [("fraud", 2), ("fraud", 1), ("churn", 2), ("churn", 1), ("vision", 1)]),
        (["metrics.auc"], [("churn", 1), ("churn", 2), ("fraud", 1), ("fraud", 2), ("vision", 1)]),
        (["name", "version_number DESC"], [("churn", 2), ("churn", 1), ("fraud", 2), ("fraud", 1), ("vision", 1)]),
        (["last_updated DESC"], [("fraud", 1), ("vision", 1), ("churn", 2), ("fraud", 2), ("churn", 1)]),
        (["created_at ASC"], [("churn", 1), ("fraud", 1), ("fraud", 2), ("churn", 2), ("vision", 1)]),
    ],
)
def test_version_ordering(fleet: Runner, order: list[str], expected: list[tuple[str, int]]) -> None:
    args = [arg for key in order for arg in ("--order-by", key)]
    assert versions_found(fleet, *args) == expected


def test_version_items_are_the_objects_show_prints(fleet: Runner) -> None:
    data = search_json(fleet, "--versions", "alias = 'champion'")
    shown = json.loads(ok(fleet("show", "models:/fraud/2", "--json")).stdout)
    assert data == {"items": [shown], "next_page_token": None}
    assert shown["aliases"] == ["champion"] and shown["metrics"] == {"auc": 0.93}


def test_version_table(fleet: Runner) -> None:
    result = ok(fleet("search", "--versions", "metrics.auc > 0.84"))
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert [line.split() for line in lines[:1] + lines[2:]] == [
        ["Model", "Version", "Stage", "Aliases", "Created", "Metrics", "Source"],
        ["churn", "2", "Staging", "-", "2026-10-04", "auc=0.85", "s3://m/churn/2"],
        ["fraud", "2", "Production", "@champion", "2026-10-03", "auc=0.93", "s3://m/fraud/2"],
        ["fraud", "1", "Archived", "-", "2026-10-02", "auc=0.91,", "f1=0.7", "s3://m/fraud/1"],
    ]
    assert set(lines[1].strip()) == {"─"}


# models ------------------------------------------------------------------------------------------


def test_models_by_name_by_default(fleet: Runner) -> None:
    assert models_found(fleet) == ["churn", "fraud", "vision"]


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("name = 'fraud'", ["fraud"]),
        ("name ILIKE '%R%'", ["churn", "fraud"]),
        ("tags.team = 'risk'", ["fraud"]),  # the model's own tags
        ("description LIKE 'Who%'", ["churn"]),
        # version attributes match a model when any of its versions matches the whole comparison
        ("stage = 'Production'", ["fraud"]),
        ("stage = 'None'", ["churn", "vision"]),
        ("alias = 'champion' OR name = 'vision'", ["fraud", "vision"]),
        ("metrics.auc > 0.84", ["churn", "fraud"]),
        ("params.lr = '0.1' AND stage = 'Staging'", ["churn"]),
        ("version_number = 2", ["churn", "fraud"]),
        ("NOT metrics.auc > 0", ["vision"]),
        ("created_at < '2026-10-02'", ["churn"]),
    ],
)
def test_model_filters(fleet: Runner, filter_text: str, expected: list[str]) -> None:
    assert models_found(fleet, filter_text) == expected


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (["name DESC"], ["vision", "fraud", "churn"]),
        (["metrics.auc DESC"], ["fraud", "churn", "vision"]),  # the best version's value; none sorts last
        (["last_updated DESC"], ["fraud", "vision", "churn"]),
        (["created_at"], ["churn", "fraud", "vision"]),
    ],
)
def test_model_ordering(fleet: Runner, order: list[str], expected: list[str]) -> None:
    args = [arg for key in order for arg in ("--order-by", key)]
    assert models_found(fleet, *args) == expected


def test_model_items_are_the_objects_list_prints(fleet: Runner) -> None:
    listed = json.loads(ok(fleet("list", "--json")).stdout)
    data = search_json(fleet, "stage = 'Production'")
    assert data == {"items": [listed[1]], "next_page_token": None}
    assert listed[1] == {
        "name": "fraud", "description": "", "tags": {"team": "risk"}, "owners": [], "aliases": {"champion": 2},
        "latest_version": 2, "last_version": 2, "stages": {"Production": [2], "Archived": [1]},
        "created_at": "2026-10-02T10:00:00Z", "created_by": EMAIL, "updated_at": "2026-10-06T10:00:00Z",
    }


def test_model_table(fleet: Runner) -> None:
    result = ok(fleet("search", "metrics.auc > 0.84"))
    lines = result.stdout.splitlines()
    assert [line.split() for line in lines[:1] + lines[2:]] == [
        ["Model", "Latest", "Staging", "Production", "Archived", "Aliases", "Updated"],
        ["churn", "2", "2", "-", "-", "-", "2026-10-04", "10:00"],
        ["fraud", "2", "-", "2", "1", "@champion=2", "2026-10-06", "10:00"],
    ]


def test_nothing_found(fleet: Runner) -> None:
    assert ok(fleet("search", "name = 'nope'")).stdout == "No models match.\n"
    assert ok(fleet("search", "--versions", "name = 'nope'")).stdout == "No versions match.\n"
    assert search_json(fleet, "name = 'nope'") == {"items": [], "next_page_token": None}


# paging ------------------------------------------------------------------------------------------


def walk(cli: Runner, *args: str) -> list[list[tuple[str, int]]]:
    """Every page of a versions search, following the tokens."""
    pages: list[list[tuple[str, int]]] = []
    token: str | None = None
    while True:
        extra = ["--page-token", token] if token else []
        data = search_json(cli, "--versions", *args, *extra)
        pages.append([(item["name"], item["version"]) for item in data["items"]])
        token = data["next_page_token"]
        if token is None:
            return pages
        assert isinstance(token, str) and token.isascii() and " " not in token


def test_pages_walk_the_whole_result_once(fleet: Runner) -> None:
    assert walk(fleet, "--max-results", "2") == [
        [("vision", 1), ("churn", 2)], [("fraud", 2), ("fraud", 1)], [("churn", 1)],
    ]
    assert walk(fleet, "--max-results", "1", "--order-by", "metrics.auc DESC", "metrics.auc > 0.8") == [
        [("fraud", 2)], [("fraud", 1)], [("churn", 2)], [("churn", 1)],
    ]
    assert walk(fleet, "--max-results", "5") == [[("vision", 1), ("churn", 2), ("fraud", 2), ("fraud", 1), ("churn", 1)]]


def test_table_output_prints_the_next_page_token(fleet: Runner) -> None:
    first = ok(fleet("search", "--max-results", "2")).stdout.splitlines()
    assert [line.split()[0] for line in first[2:4]] == ["churn", "fraud"]
    assert first[4].startswith("More results: add --page-token ")
    token = first[4].split()[-1]
    second = ok(fleet("search", "--max-results", "2", "--page-token", token)).stdout.splitlines()
    assert [line.split()[0] for line in second[2:]] == ["vision"]


def test_models_pages_through_the_api(registry_path: Path, fleet: Runner) -> None:
    registry = Registry(registry_path)
    seen, token = [], None
    while True:
        page = registry.search_models(max_results=2, page_token=token, order_by=["last_updated DESC"])
        seen.append([model.name for model in page.items])
        token = page.next_page_token
        if token is None:
            break
    assert seen == [["fraud", "vision"], ["churn"]]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--page-token", "garbage"],
         "page token 'garbage' is not valid: pass the next_page_token of the previous page as it was printed"),
        (["--page-token", "eyJvZmZzZXQiOiAtMSwgInF1ZXJ5IjogIngifQ"],  # {"offset": -1, "query": "x"}
         "page token was made for another search: repeat the same filter, order and target (models or --versions) "
         "as the page it came from, or start again without a page token"),
    ],
)
def test_bad_page_tokens(fleet: Runner, args: list[str], error: str) -> None:
    result = fleet("search", *args)
    assert (result.code, result.stdout, result.stderr) == (1, "", f"error: {error}\n")


def test_a_token_only_continues_its_own_search(fleet: Runner) -> None:
    token = search_json(fleet, "--max-results", "1")["next_page_token"]
    for other in (["--versions"], ["name = 'fraud'"], ["--order-by", "name DESC"]):
        result = fleet("search", "--max-results", "1", "--page-token", token, *other)
        assert result.code == 1
        assert result.stderr.startswith("error: page token was made for another search: ")
    # the page size may change from page to page
    assert models_found(fleet, "--max-results", "5", "--page-token", token) == ["fraud", "vision"]


# errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["metrics.auc >"], "filter: unexpected end of input at column 14: expected a value for 'metrics.auc'"),
        (["colour = 'red'"], "filter: unknown attribute 'colour' at column 1: use name, run_id, source_path, "
                             "version_number, stage, alias, tags.KEY, metrics.KEY, params.KEY, created_at, created_by, "
                             "description"),
        (["name = fraud"], "filter: value for 'name' at column 8 must be quoted: name = 'fraud'"),
        (["name = 'a\nb"], "filter: unterminated string starting at column 8: add the closing '"),
        (["--order-by", "name", "--order-by", "name DESC"], "order_by 'name DESC': duplicate key 'name'"),
        (["--order-by", "version_number"], "order_by 'version_number': key 'version_number' at column 1 applies to "
                                           "versions only: use name, created_at, last_updated, metrics.KEY"),
    ],
)
def test_bad_filters_are_one_line_errors(fleet: Runner, args: list[str], error: str) -> None:
    result = fleet("search", *args)
    assert (result.code, result.stdout, result.stderr) == (1, "", f"error: {error}\n")


def test_max_results_must_be_positive(fleet: Runner, registry_path: Path) -> None:
    result = fleet("search", "--max-results", "0")
    assert result.code == 2
    assert result.stderr.startswith("error: Invalid value for '--max-results'")
    with pytest.raises(InvalidInputError, match="max_results must be at least 1, not 0"):
        Registry(registry_path).search_versions(max_results=0)


def test_api_turns_filter_errors_into_invalid_input(fleet: Runner, registry_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"^filter: unexpected end of input at column 6"):
        Registry(registry_path).search_models("name ")


# time travel -------------------------------------------------------------------------------------


def test_search_as_of_a_date(fleet: Runner) -> None:
    assert versions_found(fleet, "stage = 'Archived'") == [("fraud", 1)]
    assert versions_found(fleet, "stage = 'Archived'", "--at", "2026-10-05") == []
    assert models_found(fleet, "--at", "2026-10-02") == ["churn", "fraud"]


# versions --latest -------------------------------------------------------------------------------


def latest(cli: Runner, *args: str) -> list[tuple[int, str]]:
    data = json.loads(ok(cli("versions", *args, "--json")).stdout)
    return [(item["version"], item["stage"]) for item in data]


def test_latest_per_stage(fleet: Runner, registry_path: Path) -> None:
    assert latest(fleet, "fraud", "--latest") == [(2, "Production"), (1, "Archived")]
    assert latest(fleet, "churn", "--latest", "--stage", "staging", "--stage", "None") == [(2, "Staging"), (1, "None")]
    assert latest(fleet, "churn", "--latest", "--stage", "Production") == []
    assert ok(fleet("versions", "churn", "--latest", "--stage", "Production")).stdout == (
        "churn has no versions in stage Production.\n"
    )
    api = Registry(registry_path)
    assert [(v.version, v.stage) for v in api.latest_versions("churn", ["Staging", "STAGING"])] == [(2, "Staging")]
    assert [(v.version, v.stage) for v in api.latest_versions("churn")] == [(1, "None"), (2, "Staging")]


def test_latest_is_the_highest_version_in_the_stage(cli: Runner) -> None:
    for n in (1, 2, 3):
        ok(cli("register", "ranker", f"s3://m/{n}", "--stage", "Staging"))
    assert latest(cli, "ranker", "--latest", "--stage", "Staging") == [(3, "Staging")]
    assert latest(cli, "ranker", "--stage", "Staging") == [(1, "Staging"), (2, "Staging"), (3, "Staging")]


def test_versions_in_several_stages(fleet: Runner) -> None:
    assert latest(fleet, "fraud", "--stage", "production", "--stage", "archived") == [(1, "Archived"), (2, "Production")]
    assert ok(fleet("versions", "fraud", "--stage", "Staging", "--stage", "None")).stdout == (
        "fraud has no versions in stage Staging or None.\n"
    )
    result = fleet("versions", "fraud", "--latest", "--stage", "Live")
    assert (result.code, result.stderr) == (1, "error: unknown stage 'Live': use one of None, Staging, Production, Archived\n")


# the real entry point ----------------------------------------------------------------------------


def test_search_as_a_subprocess(fleet: Runner, sh: Any, registry_path: Path) -> None:
    result = sh("search", "--versions", "stage = 'Production' AND metrics.auc > 0.9", "--json", cwd=registry_path)
    assert (result.code, result.stderr) == (0, "")
    assert [(v["name"], v["version"]) for v in json.loads(result.stdout)["items"]] == [("fraud", 2)]
    table = sh("search", "alias = 'champion'", cwd=registry_path)
    assert (table.code, table.stderr) == (0, "")
    lines = table.stdout.splitlines()
    assert [lines[0].split(), lines[2].split(), len(lines)] == [
        ["Model", "Latest", "Staging", "Production", "Archived", "Aliases", "Updated"],
        ["fraud", "2", "-", "2", "1", "@champion=2", "2026-10-06", "10:00"],
        3,
    ]
    bad = sh("search", "metrics.auc >>", cwd=registry_path)
    assert (bad.code, bad.stdout) == (1, "")
    assert bad.stderr == "error: filter: unexpected '>' at column 14: expected a value for 'metrics.auc'\n"
