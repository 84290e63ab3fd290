"""`--at REV|DATE` on the read commands: the registry as it was at a git revision or an instant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Runner, git, set_date


def ok(cli: Runner, *args: str) -> str:
    result = cli(*args)
    assert result.code == 0, result.stderr
    return result.stdout


@pytest.fixture
def timeline(registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """fraud: v1 champion from 30 Sept 10:00, v2 champion and in Production from 1 Oct 15:00, churn from 2 Oct."""
    ids = {}
    set_date(monkeypatch, "2026-09-30T10:00:00Z")
    ok(cli, "register", "fraud", "s3://fraud/1", "--alias", "champion", "--stage", "Production")
    ids["v1"] = git(registry_path, "rev-parse", "HEAD").strip()
    set_date(monkeypatch, "2026-10-01T15:00:00Z")
    ok(cli, "register", "fraud", "s3://fraud/2", "--alias", "champion")
    ok(cli, "transition", "fraud", "2", "Production", "--archive-existing")
    ids["v2"] = git(registry_path, "rev-parse", "HEAD").strip()
    set_date(monkeypatch, "2026-10-02T08:00:00Z")
    ok(cli, "register", "churn", "s3://churn/1")
    return ids


@pytest.mark.parametrize(
    ("at", "source"),
    [
        ("2026-09-30", "s3://fraud/1"),               # a date means the end of that day (UTC)
        ("2026-10-01T14:59:59Z", "s3://fraud/1"),
        ("2026-10-01T15:00:00Z", "s3://fraud/2"),     # the instant of a commit includes it
        ("2026-10-01T16:59:59+02:00", "s3://fraud/1"),  # 14:59:59 UTC
        ("2026-10-01T12:00:00", "s3://fraud/1"),      # no offset: UTC, whatever the machine's zone
        ("2026-10-01", "s3://fraud/2"),
        ("HEAD~1", "s3://fraud/2"),
        ("HEAD~3", "s3://fraud/1"),
    ],
)
def test_resolve_at(timeline: dict[str, str], cli: Runner, monkeypatch: pytest.MonkeyPatch, at: str, source: str) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    assert ok(cli, "resolve", "models:/fraud@champion", "--at", at) == source + "\n"
    assert ok(cli, "resolve", "models:/fraud/Production", "--at", at) == source + "\n"


def test_resolve_at_a_commit_id(timeline: dict[str, str], cli: Runner) -> None:
    assert ok(cli, "resolve", "models:/fraud/latest", "--at", timeline["v1"][:10]) == "s3://fraud/1\n"
    assert ok(cli, "resolve", "models:/fraud/latest", "--at", timeline["v2"]) == "s3://fraud/2\n"


def test_list_at(timeline: dict[str, str], cli: Runner) -> None:
    assert [m["name"] for m in json.loads(ok(cli, "list", "--json", "--at", "2026-10-01"))] == ["fraud"]
    assert [m["name"] for m in json.loads(ok(cli, "list", "--json"))] == ["churn", "fraud"]
    lines = ok(cli, "list", "--at", "2026-09-30").splitlines()
    assert lines[2].split() == ["fraud", "1", "-", "1", "-", "@champion=1", "2026-09-30", "10:00"]


def test_show_and_versions_at(timeline: dict[str, str], cli: Runner) -> None:
    model = json.loads(ok(cli, "show", "fraud", "--json", "--at", "2026-09-30"))
    assert (model["latest_version"], model["aliases"], model["stages"]) == (1, {"champion": 1}, {"Production": [1]})
    version = json.loads(ok(cli, "show", "models:/fraud/1", "--json", "--at", timeline["v1"]))
    assert version["stage"] == "Production"
    assert json.loads(ok(cli, "show", "models:/fraud/1", "--json"))["stage"] == "Archived"
    found = json.loads(ok(cli, "versions", "fraud", "--json", "--at", "2026-10-01"))
    assert [(v["version"], v["stage"], v["aliases"]) for v in found] == [(1, "Archived", []), (2, "Production", ["champion"])]
    assert ok(cli, "versions", "fraud", "--stage", "Archived", "--at", "2026-09-30") == "fraud has no versions in stage Archived.\n"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["resolve", "models:/fraud/1", "--at", "2026-09-01"],
         "the registry has no commit at or before 2026-09-01: its history starts later"),
        (["resolve", "models:/fraud/1", "--at", "yesterday"],
         "'yesterday' is neither a revision nor a date: give a commit, branch or tag, or a date like 2026-10-01"),
        (["show", "churn", "--at", "2026-10-01"], "no model named 'churn': `modelreg list` shows the models"),
        (["resolve", "models:/fraud/2", "--at", "2026-09-30"], "model 'fraud' has no version 2: its versions are 1"),
    ],
)
def test_at_refusals(timeline: dict[str, str], cli: Runner, args: list[str], error: str) -> None:
    result = cli(*args)
    assert (result.code, result.stdout, result.stderr) == (1, "", f"error: {error}\n")


def test_at_as_a_real_process(timeline: dict[str, str], registry_path: Path, sh: Runner) -> None:
    result = sh("resolve", "models:/fraud@champion", "--at", "2026-09-30", cwd=registry_path)
    assert (result.code, result.stdout, result.stderr) == (0, "s3://fraud/1\n", "")
