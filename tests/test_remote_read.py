"""Reading a registry by URL, without a checkout: file:// remotes and a real git daemon on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Runner, git


@pytest.fixture
def upstream(tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A registry repository that deploy jobs read by URL; the cache lives in the test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "upstream"
    assert cli("init", str(root), registry=None).code == 0
    assert cli("register", "fraud", "s3://m/1", "--alias", "champion", registry=root).code == 0
    assert cli("transition", "fraud", "1", "Production", registry=root).code == 0
    return root


def test_read_by_file_url(upstream: Path, cli: Runner) -> None:
    for url in (upstream.as_uri(), f"git+{upstream.as_uri()}"):
        result = cli("resolve", "models:/fraud@champion", registry=url)
        assert (result.code, result.stdout, result.stderr) == (0, "s3://m/1\n", "")
    listing = cli("--registry", upstream.as_uri(), "list", "--json", registry=None)
    assert [m["name"] for m in json.loads(listing.stdout)] == ["fraud"]


def test_fetches_on_use_and_offline_uses_the_cache(upstream: Path, cli: Runner) -> None:
    url = upstream.as_uri()
    assert cli("resolve", "models:/fraud@champion", registry=url).stdout == "s3://m/1\n"
    assert cli("register", "fraud", "s3://m/2", "--alias", "champion", registry=upstream).code == 0
    offline = cli("--offline", "resolve", "models:/fraud@champion", registry=url)
    assert offline.stdout == "s3://m/1\n"  # the cached copy, not fetched
    assert cli("resolve", "models:/fraud@champion", registry=url).stdout == "s3://m/2\n"


def test_offline_without_a_cached_copy(upstream: Path, cli: Runner) -> None:
    result = cli("--offline", "list", registry=upstream.as_uri())
    assert (result.code, result.stderr) == (
        1, f"error: no cached copy of {upstream.as_uri()} yet: run once without --offline to fetch it\n"
    )


def test_a_registry_in_a_subfolder_of_the_repository(tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    repo = tmp_path / "mono"
    repo.mkdir()
    git(repo, "init", "-q")
    assert cli("init", str(repo / "ml" / "registry"), registry=None).code == 0
    assert cli("register", "churn", "s3://c/1", registry=repo / "ml" / "registry").code == 0
    found = cli("resolve", "models:/churn/latest", registry=f"{repo.as_uri()}#ml/registry")
    assert found.stdout == "s3://c/1\n"
    missing = cli("list", registry=repo.as_uri())
    assert missing.code == 1
    assert missing.stderr == (
        f"error: {repo.as_uri()} holds no registry at its top (no modelreg.yaml): name the registry's folder "
        "after a #, as in git+https://host/org/repo.git#ml/registry\n"
    )


def test_a_registry_read_by_url_is_read_only(upstream: Path, cli: Runner) -> None:
    url = upstream.as_uri()
    result = cli("transition", "fraud", "1", "Archived", registry=url)
    assert result.code == 1
    assert result.stderr.startswith(f"error: the registry in {url} (at ")
    assert result.stderr.endswith("is read-only: change it in a checkout of its repository, without --at\n")


def test_an_unreachable_url_is_a_clear_error(tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url = (tmp_path / "nowhere").as_uri()
    result = cli("list", registry=url)
    assert result.code == 1
    assert result.stderr == (
        f"error: cannot fetch the registry from {url}: git clone failed (exit 128): "
        f"fatal: '{tmp_path / 'nowhere'}' does not appear to be a git repository\n"
    )
    assert not list((tmp_path / "cache").rglob("*.partial-*"))


@pytest.mark.slow
def test_read_from_a_git_daemon(upstream: Path, git_daemon: tuple[str, Path], cli: Runner) -> None:
    address, base = git_daemon
    git(base, "clone", "-q", "--bare", str(upstream), str(base / "registry.git"))
    url = f"git+{address}/registry.git"
    assert cli("resolve", "models:/fraud/Production", registry=url).stdout == "s3://m/1\n"
    # a new version pushed to the server is seen on the next use, and not with --offline
    assert cli("register", "fraud", "s3://m/2", "--alias", "champion", registry=upstream).code == 0
    git(upstream, "push", "-q", str(base / "registry.git"), "HEAD:main")
    offline = cli("--offline", "resolve", "models:/fraud@champion", registry=url)
    assert offline.stdout == "s3://m/1\n"
    assert cli("resolve", "models:/fraud@champion", registry=url).stdout == "s3://m/2\n"


def test_offline_after_the_command_too(upstream: Path, cli: Runner) -> None:
    url = upstream.as_uri()
    assert cli("resolve", "models:/fraud/1", registry=url).code == 0  # fills the cache
    assert cli("register", "fraud", "s3://m/2", registry=upstream).code == 0
    for args in (["resolve", "models:/fraud/latest", "--offline"], ["list", "--json", "--offline"],
                 ["search", "--versions", "--offline", "--json"], ["log", "fraud", "--offline", "--json"]):
        result = cli(*args, registry=url)
        assert result.code == 0, (args, result.stderr)
        assert "s3://m/2" not in result.stdout and '"version": 2' not in result.stdout, args
    assert cli("resolve", "models:/fraud/latest", registry=url).stdout == "s3://m/2\n"
