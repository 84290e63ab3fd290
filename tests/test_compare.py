"""`modelreg compare`: versions side by side, differences marked, metric changes from the first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelreg_cli.core.compare import compare_versions
from modelreg_cli.service import Registry

from conftest import EMAIL, Runner, set_date


@pytest.fixture
def three(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> Runner:
    register = ["register", "fraud"]
    assert cli(*register, "s3://m/1", "--metric", "auc=0.91", "--metric", "loss=0.3", "--param", "lr=0.01",
               "--param", "epochs=10", "--tag", "framework=sklearn", "--code-commit", "abc123",
               "--dataset", "s3://d/week-1", "--run-id", "run-1").code == 0
    set_date(monkeypatch, "2026-10-02T12:00:00Z")
    assert cli(*register, "s3://m/2", "--metric", "auc=0.93", "--metric", "loss=0.3", "--param", "lr=0.001",
               "--param", "epochs=10", "--code-commit", "def456", "--dataset", "s3://d/week-1",
               "--dataset", "s3://d/week-2", "--parent", "models:/fraud/1", "--run-id", "run-2",
               "--stage", "Production", "--alias", "champion").code == 0
    assert cli(*register, "s3://m/3", "--metric", "auc=0.9", "--param", "lr=0.01", "--param", "epochs=10",
               "--tag", "framework=torch").code == 0
    return cli


def test_table_marks_the_rows_that_differ(three: Runner) -> None:
    result = three("compare", "fraud", "1", "2", "3")
    assert (result.code, result.stderr) == (0, "")
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines[0] == "fraud: versions 1, 2, 3 (* marks rows that differ; metric changes are from version 1)"
    assert set(lines[2]) == {"─"}
    assert [lines[1], *lines[3:]] == [
        "    Key                   1                      2                              3",
        "*   stage                 None                   Production                     None",
        "*   aliases               -                      @champion                      -",
        "*   source                s3://m/1               s3://m/2                       s3://m/3",
        "*   run_id                run-1                  run-2                          -",
        "*   created_at            2026-10-01T12:00:00Z   2026-10-02T12:00:00Z           2026-10-02T12:00:00Z",
        f"    created_by            {EMAIL}        {EMAIL}                {EMAIL}",
        "*   metrics.auc           0.91                   0.93 (+0.02)                   0.9 (-0.01)",
        "*   metrics.loss          0.3                    0.3 (±0)                       -",
        "    params.epochs         10                     10                             10",
        "*   params.lr             0.01                   0.001                          0.01",
        "*   tags.framework        sklearn                -                              torch",
        "*   lineage.code_commit   abc123                 def456                         -",
        "*   lineage.datasets      s3://d/week-1          s3://d/week-1, s3://d/week-2   -",
        "*   lineage.parents       -                      models:/fraud/1                -",
    ]


def rows(data: dict[str, Any]) -> dict[str, tuple[list[Any], bool, list[Any] | None]]:
    return {row["key"]: (row["values"], row["differs"], row["deltas"]) for row in data["rows"]}


def test_json_in_the_order_given(three: Runner) -> None:
    data = json.loads(three("compare", "fraud", "2", "v1", "--json").stdout)
    assert (data["name"], data["versions"]) == ("fraud", [2, 1])
    assert rows(data) == {
        "stage": (["Production", "None"], True, None),
        "aliases": ([["champion"], None], True, None),
        "source": (["s3://m/2", "s3://m/1"], True, None),
        "run_id": (["run-2", "run-1"], True, None),
        "created_at": (["2026-10-02T12:00:00Z", "2026-10-01T12:00:00Z"], True, None),
        "created_by": ([EMAIL, EMAIL], False, None),
        "metrics.auc": ([0.93, 0.91], True, [None, -0.02]),
        "metrics.loss": ([0.3, 0.3], False, [None, 0.0]),
        "params.epochs": (["10", "10"], False, None),
        "params.lr": (["0.001", "0.01"], True, None),
        "tags.framework": ([None, "sklearn"], True, None),
        "lineage.code_commit": (["def456", "abc123"], True, None),
        "lineage.datasets": ([["s3://d/week-1", "s3://d/week-2"], ["s3://d/week-1"]], True, None),
        "lineage.parents": ([["models:/fraud/1"], None], True, None),
    }


def test_rows_no_version_has_are_left_out(registry_path: Path, cli: Runner) -> None:
    assert cli("register", "bare", "s3://b/1").code == 0
    assert cli("register", "bare", "s3://b/2").code == 0
    comparison = Registry(registry_path).compare("bare", [1, 2])
    assert [(row.key, row.differs) for row in comparison.rows] == [
        ("stage", False), ("source", True), ("created_at", False), ("created_by", False),
    ]
    assert compare_versions("bare", comparison.versions).rows == comparison.rows


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["1"], "compare needs at least two versions: give them like `modelreg compare NAME 1 2`"),
        (["1", "2", "1"], "version 1 is given twice: list each version once"),
        (["1", "9"], "model 'fraud' has no version 9: its versions are 1, 2, 3"),
        (["1", "x"], "version 'x' is not a number: give a version like 3"),
    ],
)
def test_errors(three: Runner, args: list[str], error: str) -> None:
    result = three("compare", "fraud", *args)
    assert (result.code, result.stdout, result.stderr) == (1, "", f"error: {error}\n")


def test_missing_versions_are_a_usage_error(three: Runner) -> None:
    result = three("compare", "fraud")
    assert result.code == 2
    assert result.stderr == "error: Missing argument 'versions' (see `modelreg compare --help`)\n"


class _Terminal:
    """A stdout that says it is a terminal, as rich checks."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_differing_rows_are_highlighted_on_a_terminal(
    three: Runner, registry_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re
    import sys

    from modelreg_cli.cli import render

    terminal = _Terminal()
    for variable in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(sys, "stdout", terminal)
    render.comparison_table(Registry(registry_path).compare("fraud", [1, 2]))
    plain = {re.sub(r"\x1b\[[0-9;]*m", "", line).lstrip("* ").split(" ")[0]: line
             for line in terminal.text.splitlines()[3:]}
    assert "\x1b[1;33m" in plain["params.lr"]
    assert "\x1b[1;33m" not in plain["params.epochs"]
