"""`modelreg codeowners`: CODEOWNERS rules from model owners and the policy's approvers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_policy import ok, set_policy

from modelreg_cli.core.policy import CODEOWNERS_BEGIN, CODEOWNERS_END, merge_codeowners

from conftest import Outcome, Runner, git

APPROVERS = """\
policy:
  gates:
    Staging:
      approvers: ["*@ml.example.com"]
    Production:
      approvers: [owners, tom@example.com, "*@risk.example.com"]
  protected_aliases:
    champion:
      approvers: [owners, ana@example.com, tom@example.com]
"""


@pytest.fixture
def owned(registry_path: Path, cli: Runner) -> Path:
    ok(cli, "create", "fraud", "--owner", "priya@example.com", "--owner", "marco@example.com")
    ok(cli, "create", "churn", "--owner", "aisha@example.com")
    ok(cli, "create", "scratch")
    return registry_path


EXPECTED = [
    CODEOWNERS_BEGIN,
    "/modelreg.yaml tom@example.com ana@example.com",
    "/models/churn/ aisha@example.com tom@example.com ana@example.com",
    "/models/fraud/ priya@example.com marco@example.com tom@example.com ana@example.com",
    "/models/scratch/ tom@example.com ana@example.com",
    CODEOWNERS_END,
]


def test_owners_and_plain_email_approvers_own_the_files(owned: Path, cli: Runner) -> None:
    set_policy(owned, APPROVERS)
    result = cli("codeowners")
    assert (result.code, result.stdout.splitlines(), result.stderr) == (0, EXPECTED, "")


def test_without_a_policy_the_owners_alone(owned: Path, cli: Runner) -> None:
    assert cli("codeowners").stdout.splitlines() == [
        CODEOWNERS_BEGIN,
        "/models/churn/ aisha@example.com",
        "/models/fraud/ priya@example.com marco@example.com",
        "# /models/scratch/ has no owners: add them to its model.yaml",
        CODEOWNERS_END,
    ]


def test_write_keeps_hand_written_rules_and_commits_nothing(owned: Path, cli: Runner) -> None:
    set_policy(owned, APPROVERS)
    (owned / "CODEOWNERS").write_text("* @platform-team\n/docs/ @writers\n")
    head = git(owned, "rev-parse", "HEAD")
    result = cli("codeowners", "--write")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == f"Wrote modelreg's rules to {owned / 'CODEOWNERS'} (not committed: review it, then commit it)\n"
    written = (owned / "CODEOWNERS").read_text()
    assert written == "* @platform-team\n/docs/ @writers\n\n" + "\n".join(EXPECTED) + "\n"
    assert git(owned, "rev-parse", "HEAD") == head
    ok(cli, "create", "ranker", "--owner", "lee@example.com")
    ok(cli, "codeowners", "--write")  # the block is replaced, not appended again
    again = (owned / "CODEOWNERS").read_text()
    assert again.count(CODEOWNERS_BEGIN) == 1
    assert "/models/ranker/ lee@example.com tom@example.com ana@example.com\n" in again
    assert again.startswith("* @platform-team\n/docs/ @writers\n\n" + CODEOWNERS_BEGIN)


def test_write_uses_the_codeowners_file_github_reads(owned: Path, cli: Runner) -> None:
    (owned / ".github").mkdir()
    (owned / ".github/CODEOWNERS").write_text("")
    ok(cli, "codeowners", "--write")
    assert (owned / ".github/CODEOWNERS").read_text().startswith(CODEOWNERS_BEGIN)
    assert not (owned / "CODEOWNERS").exists()


def test_a_registry_in_a_subfolder(tmp_path: Path, cli: Runner, sh: Callable[..., Outcome]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    root = repo / "ml/registry"
    assert cli("init", str(root), registry=None).code == 0
    assert cli("create", "fraud", "--owner", "priya@example.com", registry=root).code == 0
    result = sh("codeowners", "--write", cwd=root)
    assert (result.code, result.stderr) == (0, "")
    assert (repo / "CODEOWNERS").read_text().splitlines()[1] == "/ml/registry/models/fraud/ priya@example.com"


def test_merge_replaces_only_the_block() -> None:
    lines = [CODEOWNERS_BEGIN, "/models/a/ x@example.com", CODEOWNERS_END]
    text = f"* @all\n{CODEOWNERS_BEGIN}\n/models/old/ y@example.com\n{CODEOWNERS_END}\n/late/ @z\n"
    assert merge_codeowners(text, lines) == f"* @all\n{CODEOWNERS_BEGIN}\n/models/a/ x@example.com\n{CODEOWNERS_END}\n/late/ @z\n"
    assert merge_codeowners("", lines) == "\n".join(lines) + "\n"
