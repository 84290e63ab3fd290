"""A registry on a git host over smart HTTP with basic auth (tests/conftest.py `git_http`: git
http-backend behind lighttpd on 127.0.0.1): reads by URL with a token, pushes refused without
credentials, and the token never printed, in any output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import HTTP_TOKEN, GitHost, Outcome, Runner, git, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture
def hosted(git_http: GitHost, tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A registry (fraud v1 in Production as @champion) served as reg.git; the cache of registries
    read by URL lives in the test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "made"
    assert cli("init", str(root), registry=None).code == 0
    assert cli("register", "fraud", "s3://m/1", "--alias", "champion", "--stage", "Production", registry=root).code == 0
    bare = git_http.base / "reg.git"
    git(tmp_path, "clone", "-q", "--bare", str(root), str(bare))
    return bare


def no_token(*outcomes: Outcome) -> None:
    for outcome in outcomes:
        assert HTTP_TOKEN not in outcome.stdout + outcome.stderr


def test_reads_by_url_with_a_token(hosted: Path, git_http: GitHost, sh: Callable[..., Outcome]) -> None:
    url = "git+" + git_http.with_token("/private/reg.git")
    resolved = sh("--registry", url, "resolve", "models:/fraud@champion")
    assert (resolved.code, resolved.stdout, resolved.stderr) == (0, "s3://m/1\n", "")
    listed = sh("--registry", url, "list", "--json")
    assert [model["name"] for model in json.loads(listed.stdout)] == ["fraud"]
    manifest = sh("--registry", url, "resolve", "models:/fraud/Production", "--json")
    checked = sh("--registry", url, "check")
    head = git(hosted, "rev-parse", "HEAD").strip()
    shown = git_http.url.replace("http://", "http://ci:***@")
    assert (checked.code, checked.stdout) == (0, f"OK: 1 model, 1 version in git+{shown}/private/reg.git (at {head[:12]})\n")
    no_token(resolved, listed, manifest, checked)


def test_a_read_without_credentials_is_refused_in_one_line(hosted: Path, git_http: GitHost,
                                                           sh: Callable[..., Outcome]) -> None:
    result = sh("--registry", f"git+{git_http.url}/private/reg.git", "list")
    assert result.code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: cannot fetch the registry from {git_http.url}/private/reg.git: git clone "
                                    "failed: the server wants credentials it was not given")


def test_a_wrong_token_is_refused_and_never_printed(hosted: Path, git_http: GitHost, sh: Callable[..., Outcome]) -> None:
    wrong = git_http.url.replace("http://", "http://ci:not-the-token-42@") + "/private/reg.git"
    result = sh("--registry", f"git+{wrong}", "list", "--json")
    assert result.code == 1 and result.stdout == ""
    assert "not-the-token-42" not in result.stderr
    assert result.stderr.startswith("error: cannot fetch the registry from http://ci:***@127.0.0.1:")


def _clone(url: str, where: Path) -> Path:
    git(where.parent, "clone", "-q", url, str(where))
    return where


def test_a_push_without_credentials_is_refused_and_nothing_changes(
        hosted: Path, git_http: GitHost, tmp_path: Path, sh: Callable[..., Outcome]) -> None:
    clone = _clone(f"{git_http.url}/shared/reg.git", tmp_path / "clone")  # anyone may read /shared/
    before, served = snapshot(clone), git(hosted, "rev-parse", "HEAD")
    result = sh("tag", "set", "fraud", "team", "risk", "--push", cwd=clone)
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == ("error: git push to origin failed: the server wants credentials it was not given: put "
                             "USER:TOKEN@ before the host in the remote's URL, or set up a git credential helper, then "
                             "try again\n")
    assert snapshot(clone) == before
    assert git(hosted, "rev-parse", "HEAD") == served


def test_a_push_with_a_token_goes_through_and_the_token_is_never_printed(
        hosted: Path, git_http: GitHost, tmp_path: Path, sh: Callable[..., Outcome]) -> None:
    clone = _clone(git_http.with_token("/shared/reg.git"), tmp_path / "clone")
    result = sh("tag", "set", "fraud", "team", "risk", "--push", cwd=clone)
    head = git(clone, "rev-parse", "HEAD").strip()
    assert (result.code, result.stdout, result.stderr) == (0, f"tag fraud: team=risk\nPushed {head[:7]} to origin/main\n", "")
    assert git(hosted, "rev-parse", "HEAD").strip() == head
    logged = sh("log", "--json", cwd=clone)
    no_token(result, logged)
