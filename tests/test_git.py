"""store/git.py, the one door to the git binary: results, failures, a missing git, streaming,
the batch reader and background commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelreg_cli.errors import GitError, InvalidInputError
from modelreg_cli.store import git as gitdoor

from conftest import git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "a.txt").write_text("alpha\n")
    git(root, "add", "a.txt")
    git(root, "commit", "-qm", "first")
    return root


def test_run_returns_code_and_output_without_raising(repo: Path) -> None:
    ok = gitdoor.run(repo, ["rev-parse", "--is-inside-work-tree"])
    assert (ok.code, ok.out, ok.err) == (0, "true\n", "")
    failed = gitdoor.run(repo, ["rev-parse", "--verify", "no-such-ref"])
    assert failed.code == 128
    assert failed.err == "fatal: Needed a single revision\n"


def test_run_git_raises_with_the_command_and_gits_words(repo: Path) -> None:
    with pytest.raises(GitError) as raised:
        gitdoor.run_git(repo, ["-c", "core.quotepath=off", "rev-parse", "--verify", "no-such-ref"])
    assert str(raised.value) == "git rev-parse failed (exit 128): fatal: Needed a single revision"


def test_a_missing_git_is_one_clear_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo))  # no git there
    for call in (lambda: gitdoor.run(repo, ["status"]), lambda: gitdoor.CatFile(repo).read("HEAD"),
                 lambda: gitdoor.Background(repo, ["status"])):
        with pytest.raises(GitError) as raised:
            call()
        assert str(raised.value) == "git is not installed or not on PATH: install git and try again"


def test_location_variables_of_a_hook_do_not_redirect_commands(repo: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    assert gitdoor.run_git(repo, ["log", "--format=%s"]) == "first\n"


def test_values_that_look_like_options_are_refused() -> None:
    assert gitdoor.value("main", "branch") == "main"
    with pytest.raises(InvalidInputError) as raised:
        gitdoor.value("--upload-pack=touch /tmp/x", "branch")
    assert str(raised.value) == ("branch '--upload-pack=touch /tmp/x' starts with '-', which git would read as an "
                                 "option: choose another")


def test_cat_file_reads_objects_and_paths_and_says_when_missing(repo: Path) -> None:
    with gitdoor.CatFile(repo) as objects:
        oid, data = objects.read("HEAD:a.txt") or ("", b"")
        assert data == b"alpha\n"
        assert objects.read_object(oid) == b"alpha\n"
        assert objects.read("HEAD:missing.txt") is None
        with pytest.raises(GitError):
            objects.read_object("0" * 40)


def test_stream_reads_output_as_it_comes_and_reports_failure(repo: Path) -> None:
    with gitdoor.stream(repo, ["log", "--format=%s"]) as output:
        assert output.read() == b"first\n"
    with pytest.raises(GitError) as raised, gitdoor.stream(repo, ["log", "no-such-ref"]) as output:
        output.read()
    assert str(raised.value).startswith("git log failed (exit 128): fatal: ambiguous argument 'no-such-ref'")


def test_stream_left_early_stops_git_without_an_error(repo: Path) -> None:
    for number in range(50):
        (repo / "a.txt").write_text(f"{number}\n")
        git(repo, "commit", "-qam", f"commit {number}")
    with gitdoor.stream(repo, ["log", "--format=%s"]) as output:
        assert output.readline() == b"commit 49\n"  # and leave the other 50 lines unread


def test_background_collects_output_after_the_fact(repo: Path) -> None:
    running = gitdoor.Background(repo, ["ls-files", "-z"])
    assert running.output() == "a.txt\0"
    failing = gitdoor.Background(repo, ["rev-parse", "--verify", "no-such-ref"])
    with pytest.raises(GitError) as raised:
        failing.output()
    assert str(raised.value) == "git rev-parse failed (exit 128): fatal: Needed a single revision"
