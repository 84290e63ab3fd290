"""The edges issue 10 closed beyond `check --base` (tests/test_attacks.py holds those): what commands
read and write through links and pipes, signing, finite metrics, values that would forge lines,
option-like names, escapes on output, credentials in URLs, and the policy's rules for leaving a
stage, deleting and renaming, each refused in one line with nothing changed, and allowed to the
right people."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_policy import REFUSES, ok, set_policy

from modelreg_cli.errors import InvalidInputError
from modelreg_cli.service import Registry
from modelreg_cli.store.credentials import redact

from conftest import EMAIL, Runner, git, set_identity, snapshot

VERSIONS = "models/fraud/versions"
EVE = "eve@example.com"


@pytest.fixture
def fraud(registry_path: Path, cli: Runner) -> Path:
    """fraud, owned by ada: v1 (auc 0.91) in Production as @champion, v2 in Staging."""
    ok(cli, "create", "fraud", "--owner", EMAIL)
    ok(cli, "register", "fraud", "s3://m/1", "--metric", "auc=0.91", "--run-id", "r1", "--stage", "Production",
       "--alias", "champion")
    ok(cli, "register", "fraud", "s3://m/2", "--metric", "auc=0.93", "--run-id", "r2", "--stage", "Staging")
    return registry_path


def commit_all(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def swap_for_link(root: Path, path: str) -> Path:
    """Replace PATH by a link to a copy of it (outside models/) whose source is another one."""
    copy = root / "elsewhere" / Path(path).name
    copy.parent.mkdir(exist_ok=True)
    copy.write_text((root / path).read_text().replace("s3://m/", "s3://evil/"))
    (root / path).unlink()
    os.symlink(os.path.relpath(copy, (root / path).parent), root / path)
    return copy


# --------------------------------------------------------------------------- links, submodules, pipes


def test_reads_never_follow_a_link(fraud: Path, cli: Runner) -> None:
    swap_for_link(fraud, f"{VERSIONS}/1.yaml")
    refusal = (f"error: {VERSIONS}/1.yaml: is a symbolic link, not a file: a registry holds only plain files and "
               "folders (replace it with the file itself)\n")
    for command in (["resolve", "models:/fraud/1"], ["list"], ["versions", "fraud"]):
        result = cli(*command)
        assert (result.code, result.stdout, result.stderr) == (1, "", refusal), command
    commit_all(fraud)
    result = cli("resolve", "models:/fraud/1", "--at", "HEAD")
    assert (result.code, result.stderr) == (1, refusal)


def test_writes_never_go_through_a_linked_folder(fraud: Path, cli: Runner) -> None:
    outside = fraud.parent / "outside"
    shutil.copytree(fraud / VERSIONS, outside)
    shutil.rmtree(fraud / VERSIONS)
    os.symlink(outside, fraud / VERSIONS)
    commit_all(fraud, "link")
    before, listed = snapshot(fraud), sorted(p.name for p in outside.iterdir())
    for command in (["register", "fraud", "s3://m/3"], ["describe", "fraud", "words", "--version", "2"],
                    ["delete", "fraud", "--yes"]):
        result = cli(*command)
        assert result.code == 1 and result.stderr == (
            f"error: {VERSIONS}: is a symbolic link, not a file: a registry holds only plain files and folders (replace "
            "it with the file itself)\n"), command
    assert snapshot(fraud) == before
    assert sorted(p.name for p in outside.iterdir()) == listed


def test_log_and_diff_show_a_manifest_swapped_for_a_link(fraud: Path, cli: Runner) -> None:
    swap_for_link(fraud, f"{VERSIONS}/1.yaml")
    commit_all(fraud, "tidy")
    seen = (f"{VERSIONS}/1.yaml cannot be read: is a symbolic link, not a file: a registry holds only plain files and "
            "folders (replace it with the file itself)")
    assert seen in ok(cli, "log", "--max-count", "1")
    assert ok(cli, "diff", "HEAD~1", "HEAD") == f"fraud\n  {seen}\n"


def test_a_pipe_is_reported_not_read(fraud: Path, cli: Runner) -> None:
    os.mkfifo(fraud / VERSIONS / "3.yaml")  # reading it would wait forever
    result = cli("check")
    assert result.code == 1
    assert result.stdout.splitlines()[0] == (f"{VERSIONS}/3.yaml: file-type: {VERSIONS}/3.yaml is a named pipe, not a "
                                             "file: a registry holds only plain files and folders, and modelreg reads "
                                             "nothing through a link: replace it with the file itself")


def test_codeowners_write_never_follows_a_committed_link(fraud: Path, cli: Runner) -> None:
    target = fraud.parent / "outside-codeowners"
    target.write_text("* @someone\n")
    os.symlink(target, fraud / "CODEOWNERS")
    commit_all(fraud, "codeowners")
    result = cli("codeowners", "--write")
    assert (result.code, result.stderr) == (1, "error: CODEOWNERS is a symbolic link: modelreg writes no file through "
                                               "a link (it could point anywhere): replace it with a plain file, then "
                                               "run this again\n")
    assert target.read_text() == "* @someone\n"


# --------------------------------------------------------------------------- signing


def _ssh_key(tmp_path: Path, principal: str) -> Path:
    if shutil.which("ssh-keygen") is None:
        if os.environ.get("CI"):
            pytest.fail("ssh-keygen is missing in CI: .ci/run installs openssh-client")
        pytest.skip("needs ssh-keygen")
    key = tmp_path / "signing-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    (tmp_path / "allowed").write_text(f"{principal} {(tmp_path / 'signing-key.pub').read_text().strip()}\n")
    return key


def test_modelreg_signs_its_commits_when_git_is_told_to(fraud: Path, cli: Runner, tmp_path: Path) -> None:
    key = _ssh_key(tmp_path, EMAIL)
    for setting, value in [("gpg.format", "ssh"), ("user.signingkey", str(key)), ("commit.gpgsign", "true"),
                           ("gpg.ssh.allowedSignersFile", str(tmp_path / "allowed"))]:
        git(fraud, "config", setting, value)
    git(fraud, "checkout", "-q", "-b", "signed")
    ok(cli, "tag", "set", "fraud", "team", "risk")
    ok(cli, "transition", "fraud", "2", "Production", "--archive-existing")
    assert git(fraud, "log", "--format=%G? %GS", "main..HEAD").splitlines() == [f"G {EMAIL}", f"G {EMAIL}"]
    assert cli("check", "--base", "main", "--require-signed").stdout == (
        "OK: 1 model, 2 versions in the working tree; 2 commits since main\n")


def test_a_commit_that_cannot_be_signed_is_not_made(fraud: Path, cli: Runner, tmp_path: Path) -> None:
    for setting, value in [("gpg.format", "ssh"), ("user.signingkey", str(tmp_path / "no-such-key")),
                           ("commit.gpgsign", "true")]:
        git(fraud, "config", setting, value)
    before = snapshot(fraud)
    result = cli("tag", "set", "fraud", "team", "risk")
    assert result.code == 1 and result.stderr.startswith("error: git could not sign the commit, as commit.gpgSign asks "
                                                         "(git commit-tree failed (exit 1): ")
    assert result.stderr.endswith("check user.signingKey and gpg.format, or turn commit.gpgSign off\n")
    assert result.stderr.count("\n") == 1
    assert snapshot(fraud) == before


# --------------------------------------------------------------------------- metrics no gate can compare


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_the_python_api_refuses_a_metric_that_is_not_finite(fraud: Path, value: float) -> None:
    before = snapshot(fraud)
    with pytest.raises(InvalidInputError, match=f"metric 'auc' must be a finite number, not {value}"):
        Registry(fraud).register("fraud", "s3://m/3", metrics={"auc": value})
    assert snapshot(fraud) == before


def test_a_hand_written_nan_is_an_error_not_json(fraud: Path, cli: Runner) -> None:
    path = fraud / VERSIONS / "2.yaml"
    path.write_text(path.read_text().replace("auc: 0.93", "auc: .nan"))
    result = cli("versions", "fraud", "--json")
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == f"error: {VERSIONS}/2.yaml: metrics.auc: Input should be a finite number\n"
    assert cli("check").stdout == (f"{VERSIONS}/2.yaml:9: schema: metrics.auc: nan is not a finite number: no gate can "
                                   "compare it: record a number, or leave the metric out\n")


# --------------------------------------------------------------------------- values that would forge lines


def test_an_owner_must_be_one_email(fraud: Path, cli: Runner) -> None:
    before = snapshot(fraud)
    result = cli("create", "churn", "--owner", f"{EMAIL}\n* @eve")
    assert (result.code, result.stderr) == (1, "error: owner 'ada@example.com\\n* @eve' is not an email address: give "
                                               "one address like ada@example.com\n")
    assert snapshot(fraud) == before
    model = fraud / "models/fraud/model.yaml"
    model.write_text(model.read_text().replace(f"- {EMAIL}", f'- "{EMAIL}\\n* @eve"'))
    result = cli("codeowners")
    assert result.code == 1 and "is not an email address" in result.stderr  # no CODEOWNERS line is made of it


def test_an_approver_with_a_line_break_is_refused_on_load(registry_path: Path, cli: Runner) -> None:
    set_policy(registry_path, 'policy:\n  gates:\n    Production:\n      approvers: ["tom@example.com\\n* @eve"]\n')
    result = cli("list")
    assert result.stderr == ("error: modelreg.yaml: policy.gates.Production.approvers: approver 'tom@example.com\\n* "
                             "@eve' holds a space, a control character or '#': write one email or pattern per entry\n")


@pytest.mark.parametrize(("command", "message"), [
    (["tag", "set", "fraud", "team", "risk\n\nModelreg-Op: delete"],
     "tag value 'risk\\n\\nModelreg-Op: delete' holds a line break or control character, which would forge lines of "
     "the commit message: write it on one line"),
    (["describe", "fraud", "words", "-m", "why\n\nModelreg-Op: delete"],
     "the message line 'Modelreg-Op: delete' reads as one of modelreg's own trailers (Modelreg-...: records what a "
     "commit did): reword it"),
    (["promote", "fraud", "--to", "Production", "--archive-existing", "-m", "ok\n  modelreg-version: 9"],
     "the message line 'modelreg-version: 9' reads as one of modelreg's own trailers (Modelreg-...: records what a "
     "commit did): reword it"),
    (["register", "fraud", "s3://m/3\x1b[2J"],
     "source 's3://m/3\\x1b[2J' holds a line break or control character, which would forge lines of the commit "
     "message: write it on one line"),
])
def test_values_that_would_forge_lines_are_refused(fraud: Path, cli: Runner, command: list[str], message: str) -> None:
    before = snapshot(fraud)
    result = cli(*command)
    assert (result.code, result.stdout, result.stderr) == (1, "", f"error: {message}\n")
    assert snapshot(fraud) == before


def test_names_that_git_would_read_as_options_are_refused(fraud: Path, cli: Runner, tmp_path: Path) -> None:
    served = tmp_path / "served.git"
    git(tmp_path, "init", "-q", "--bare", str(served))
    git(fraud, "remote", "add", "origin", str(served))
    git(fraud, "push", "-q", "-u", "origin", "HEAD")
    before = snapshot(fraud)
    result = cli("tag", "set", "fraud", "team", "risk", "--branch", "-evil")
    assert result.stderr == "error: branch '-evil' starts with '-', which git would read as an option: choose another\n"
    branch = git(fraud, "branch", "--show-current").strip()
    git(fraud, "config", f"branch.{branch}.remote", "--upload-pack=touch pwned")
    for command in (["tag", "set", "fraud", "team", "risk", "--push"], ["sync"]):
        result = cli(*command)
        assert result.stderr == ("error: remote '--upload-pack=touch pwned' starts with '-', which git would read as an "
                                 "option: choose another\n"), command
    result = cli("check", "--base", "--output=x")
    assert result.stderr == ("error: no commit '--output=x' in the registry's repository: `git log` shows the "
                             "commits\n")
    assert snapshot(fraud) == before
    assert not (fraud / "pwned").exists() and not (fraud / "x").exists()


# --------------------------------------------------------------------------- escapes on output

EVIL = "\x1b[2J\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \u202etxt.exe"
SHOWN = "\\x1b[2J\\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x07 \\u202etxt.exe"


def test_user_text_is_shown_escaped_never_obeyed(fraud: Path, cli: Runner) -> None:
    ok(cli, "describe", "fraud", EVIL, "--version", "2")
    path = fraud / VERSIONS / "2.yaml"
    text = path.read_text().replace("source: s3://m/2", f"source: {json.dumps('s3://m/2' + EVIL)}")
    path.write_text(text.replace("tags: {}", f"tags:\n  note: {json.dumps(EVIL + '[bold]x[/bold]')}"))
    commit_all(fraud, "by hand")
    outputs = {
        "show": ok(cli, "show", "models:/fraud/2"),
        "versions": ok(cli, "versions", "fraud"),
        "compare": ok(cli, "compare", "fraud", "1", "2"),
        "log": ok(cli, "log"),
        "diff": ok(cli, "diff", "HEAD~2", "HEAD"),
        "resolve": ok(cli, "resolve", "models:/fraud/2"),
        "search": ok(cli, "search", "--versions", "version_number = 2"),
    }
    for command, out in outputs.items():
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out, command
        assert SHOWN in out.replace("\n", ""), command
    assert "[bold]x[/bold]" in outputs["show"]  # rich markup shown as text, not applied
    markdown = ok(cli, "diff", "HEAD~2", "HEAD", "--format", "markdown")
    escaped = SHOWN.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")  # as markdown escapes it
    assert "\x1b" not in markdown and escaped in markdown


def test_a_line_break_in_a_value_forges_no_line_of_markdown(fraud: Path, cli: Runner) -> None:
    path = fraud / VERSIONS / "2.yaml"
    path.write_text(path.read_text().replace("tags: {}", 'tags:\n  note: "ok\\n\\n## Approved by the risk team"'))
    commit_all(fraud, "by hand")
    markdown = ok(cli, "diff", "HEAD~1", "HEAD", "--format", "markdown")
    assert "\n## Approved" not in markdown
    assert "- tag v2: note=ok\\\\n\\\\n## Approved by the risk team\n" in markdown  # \\n: a backslash and n


# --------------------------------------------------------------------------- credentials in URLs


@pytest.mark.parametrize(("text", "shown"), [
    ("https://ci:tok-123@git.example.com/org/reg.git", "https://ci:***@git.example.com/org/reg.git"),
    ("git+https://ghp_abc123@github.com/org/reg.git#ml", "git+https://***@github.com/org/reg.git#ml"),
    ("fatal: unable to access 'http://u:p%40ss@127.0.0.1:8080/x.git/': 403", "fatal: unable to access "
     "'http://u:***@127.0.0.1:8080/x.git/': 403"),
    ("git+ssh://git@github.com/org/reg.git", "git+ssh://git@github.com/org/reg.git"),
    ("ada@example.com may not move it", "ada@example.com may not move it"),
])
def test_credentials_in_urls_are_hidden(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_a_token_in_a_registry_url_is_never_printed(tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = cli("list", registry="git+http://ci:tok-secret-9@127.0.0.1:9/org/reg.git")
    assert result.code == 1 and "tok-secret-9" not in result.stderr
    assert result.stderr.startswith("error: cannot fetch the registry from http://ci:***@127.0.0.1:9/org/reg.git: ")


# --------------------------------------------------------------------------- leaving a stage, deleting, renaming

LEAVING = """\
policy:
  gates:
    Production:
      approvers: [owners]
      leave_approvers: [sre@example.com]
  protected_aliases:
    champion:
      approvers: [owners]
  rename_approvers: ["*@platform.example.com"]
"""


def test_who_may_leave_a_stage_delete_and_rename_is_the_policys_to_say(fraud: Path, cli: Runner,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    set_policy(fraud, LEAVING)
    before = snapshot(fraud)
    result = cli("transition", "fraud", "1", "Archived")
    assert result.stderr == (f"{REFUSES}fraud v1: Production -> Archived: approvers: {EMAIL} may not take versions out "
                             "of Production: ask sre@example.com to make the change\n")
    result = cli("transition", "fraud", "2", "Production", "--archive-existing")
    assert result.stderr == (f"{REFUSES}fraud v2: Staging -> Production: approvers: (archiving v1) {EMAIL} may not take "
                             "versions out of Production: ask sre@example.com to make the change\n")
    result = cli("delete", "fraud", "--yes")
    assert result.stderr == (f"{REFUSES}deleting fraud: approvers: {EMAIL} may not delete fraud, whose v1 holds "
                             "Production: ask sre@example.com to make the change\n")
    result = cli("rename", "fraud", "fraud-2")
    assert result.stderr == (f"{REFUSES}renaming fraud: approvers: {EMAIL} may not rename models (renaming fraud): ask "
                             "someone matching *@platform.example.com to make the change\n")
    assert snapshot(fraud) == before
    set_identity(monkeypatch, "Sam", "sam@platform.example.com")
    ok(cli, "rename", "fraud", "fraud-2")
    set_identity(monkeypatch, "Sre", "sre@example.com")
    ok(cli, "transition", "fraud-2", "1", "Archived")


def test_by_default_leaving_needs_the_approvers_of_entering(fraud: Path, cli: Runner,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    set_policy(fraud, "policy:\n  gates:\n    Production:\n      approvers: [owners]\n")
    set_identity(monkeypatch, "Eve", EVE)
    for command, what in [(["transition", "fraud", "1", "Staging"], "fraud v1: Production -> Staging: approvers: "
                           f"{EVE} may not take versions out of Production"),
                          (["delete", "fraud", "--version", "1", "--yes"], f"deleting fraud v1: approvers: {EVE} may "
                           "not delete fraud v1, which holds Production"),
                          (["delete", "fraud", "--yes"], f"deleting fraud: approvers: {EVE} may not delete fraud, whose "
                           "v1 holds Production"),
                          (["rename", "fraud", "fraud-2"], f"renaming fraud: approvers: {EVE} may not rename fraud, "
                           "whose v1 holds Production")]:
        result = cli(*command)
        assert result.stderr == f"{REFUSES}{what}: ask an owner of the model ({EMAIL}) to make the change\n", command
    ok(cli, "transition", "fraud", "2", "Archived")  # Staging has no gate: anyone
    set_identity(monkeypatch)
    ok(cli, "rename", "fraud", "fraud-2")


@pytest.mark.parametrize(("text", "message"), [
    ("policy:\n  gates:\n    Production:\n      leave_approvers: []\n",
     "policy.gates.Production.leave_approvers: approvers is empty, so nobody could make the change: list emails, "
     "patterns or 'owners', or remove the key to let anyone"),
    ("policy:\n  rename_approvers: [platform team]\n",
     "policy.rename_approvers: approver 'platform team' is neither an email (pattern), like *@risk.example.com, nor "
     "'owners'"),
])
def test_bad_leave_and_rename_approvers_are_refused_on_load(registry_path: Path, cli: Runner, text: str,
                                                            message: str) -> None:
    set_policy(registry_path, text)
    assert cli("list").stderr == f"error: modelreg.yaml: {message}\n"


def test_commits_sync_replays_are_signed_too(tmp_path: Path, cli: Runner) -> None:
    seed = tmp_path / "seed"
    assert cli("init", str(seed), registry=None).code == 0
    assert cli("register", "fraud", "s3://m/1", registry=seed).code == 0
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    for clone in (alice, bob):
        git(tmp_path, "clone", "-q", str(origin), str(clone))
    key = _ssh_key(tmp_path, EMAIL)
    for setting, value in [("gpg.format", "ssh"), ("user.signingkey", str(key)), ("commit.gpgsign", "true"),
                           ("gpg.ssh.allowedSignersFile", str(tmp_path / "allowed"))]:
        git(bob, "config", setting, value)
    assert cli("register", "fraud", "s3://alice", "--push", registry=alice).code == 0
    assert cli("register", "fraud", "s3://bob", registry=bob).code == 0  # made offline: replayed on top of alice's by sync
    assert cli("sync", registry=bob).code == 0
    assert git(bob, "log", "-1", "--format=%G? %GS %s").strip() == f"G {EMAIL} register fraud v3"
