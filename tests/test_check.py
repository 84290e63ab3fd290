"""`modelreg check`: every problem of the files, with file and line; with --base, every commit since
a revision against the policy; with --staged, what is about to be committed."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from test_policy import ok, set_policy

from conftest import EMAIL, SAMPLE_REGISTRY, Outcome, Runner, git, set_date, set_identity


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def check(cli: Runner, *args: str) -> tuple[int, list[str], str]:
    """(exit code, stdout lines, stderr) of `modelreg check ARGS`."""
    result = cli("check", *args)
    return result.code, result.stdout.splitlines(), result.stderr


def short(commit: str) -> str:
    return commit[:8]


@pytest.fixture
def fraud(registry_path: Path, cli: Runner) -> Path:
    """fraud, owned by ada: v1 in Production (auc 0.91, @champion), v2 in Staging (auc 0.93)."""
    ok(cli, "create", "fraud", "--owner", EMAIL)
    ok(cli, "register", "fraud", "s3://m/1", "--metric", "auc=0.91", "--run-id", "r1", "--stage", "Production",
       "--alias", "champion")
    ok(cli, "register", "fraud", "s3://m/2", "--metric", "auc=0.93", "--run-id", "r2", "--stage", "Staging")
    return registry_path


VERSIONS = "models/fraud/versions"


# --------------------------------------------------------------------------- the files


def test_a_sound_registry_passes(fraud: Path, cli: Runner) -> None:
    assert check(cli) == (0, ["OK: 1 model, 2 versions in the working tree"], "")


def test_the_sample_registry_passes_its_own_strict_policy(sh: Callable[..., Outcome]) -> None:
    result = sh("--registry", str(SAMPLE_REGISTRY), "check")
    assert (result.code, result.stdout, result.stderr) == (0, "OK: 4 models, 16 versions in the working tree\n", "")


def test_a_registry_outside_git_can_be_checked(tmp_path: Path, cli: Runner) -> None:
    copy = tmp_path / "plain"
    shutil.copytree(SAMPLE_REGISTRY, copy)
    assert cli("check", registry=copy).stdout == "OK: 4 models, 16 versions in the working tree\n"


def test_invalid_yaml_is_reported_at_its_line(fraud: Path, cli: Runner) -> None:
    edit(fraud / VERSIONS / "2.yaml", "source: s3://m/2", "source: [s3://m/2")
    code, lines, err = check(cli)
    assert code == 1
    assert lines == [f"{VERSIONS}/2.yaml:5: yaml: invalid YAML: did not find expected ',' or ']': fix the syntax"]
    assert err == "error: 1 problem found: fix it and run `modelreg check` again\n"


def test_every_schema_problem_is_listed_with_its_line(fraud: Path, cli: Runner) -> None:
    path = fraud / VERSIONS / "2.yaml"
    edit(path, "run_id: r2\n", "run_id: r2\nreviewer: eve\n")
    edit(path, "  auc: 0.93\n", "  auc: high\n")
    edit(path, "created_by: ada@example.com\n", "")
    edit(fraud / "models/fraud/model.yaml", "last_version: 2", "last_version: two")
    code, lines, _ = check(cli)
    assert code == 1
    assert lines == [
        "models/fraud/model.yaml:8: schema: last_version: Input should be a valid integer, unable to parse string as "
        "an integer",
        f"{VERSIONS}/2.yaml:10: schema: metrics.auc: Input should be a valid number, unable to parse string as a number",
        f"{VERSIONS}/2.yaml:1: schema: missing key 'created_by'",
        f"{VERSIONS}/2.yaml:7: unknown-key: unknown key 'reviewer': remove it or fix its spelling (docs/format.md lists "
        "the keys)",
    ]


def test_two_holders_of_an_exclusive_stage(fraud: Path, cli: Runner) -> None:
    edit(fraud / VERSIONS / "2.yaml", "stage: Staging", "stage: Production")
    assert check(cli)[:2] == (1, [
        f"{VERSIONS}/2.yaml: exclusive-stage: fraud v1, v2 all hold Production, which only one version may hold: move "
        "all but one to another stage",
    ])


def test_an_alias_pointing_at_no_version(fraud: Path, cli: Runner) -> None:
    edit(fraud / "models/fraud/model.yaml", "champion: 1", "champion: 7")
    assert check(cli)[1] == [
        "models/fraud/model.yaml:7: alias: alias champion points at version 7 of fraud, which does not exist: point it "
        "at a version that does, or remove it",
    ]


def test_file_names_must_match_the_versions_inside(fraud: Path, cli: Runner) -> None:
    shutil.copy(fraud / VERSIONS / "2.yaml", fraud / VERSIONS / "v2.yaml")
    edit(fraud / VERSIONS / "1.yaml", "version: 1", "version: 2")
    edit(fraud / "models/fraud/model.yaml", "name: fraud", "name: Fraud")
    assert check(cli)[1] == [
        "models/fraud/model.yaml:1: file-name: name is 'Fraud' but the folder is 'fraud': make them the same",
        f"{VERSIONS}/1.yaml:2: file-name: holds version 2 but is named 1.yaml: make them the same",
        f"{VERSIONS}/v2.yaml: file-name: v2.yaml is not named <number>.yaml, so modelreg ignores it: rename it (e.g. "
        "3.yaml) or move it out of versions/",
    ]


def test_a_number_above_last_version(fraud: Path, cli: Runner) -> None:
    text = (fraud / VERSIONS / "2.yaml").read_text().replace("version: 2", "version: 3")
    (fraud / VERSIONS / "3.yaml").write_text(text.replace("stage: Staging", "stage: None"))
    assert check(cli)[1] == [
        f"{VERSIONS}/3.yaml:2: last-version: version 3 is above last_version 2 of fraud: numbers come from "
        "last_version in model.yaml (register versions with `modelreg register`)",
    ]


def test_model_names_equal_up_to_case(fraud: Path, cli: Runner) -> None:
    shutil.copytree(fraud / "models/fraud", fraud / "models/Fraud")
    for path in (fraud / "models/Fraud").rglob("*.yaml"):
        edit(path, "name: fraud", "name: Fraud")
    assert check(cli)[1] == [
        "models/fraud/: name-case: models 'Fraud' and 'fraud' differ only in case, which breaks checkouts on macOS and "
        "Windows: rename one",
    ]


def test_a_stage_that_is_not_configured(fraud: Path, cli: Runner) -> None:
    edit(fraud / VERSIONS / "2.yaml", "stage: Staging", "stage: staging")
    edit(fraud / VERSIONS / "1.yaml", "stage: Production", "stage: Live")
    assert check(cli)[1] == [
        f"{VERSIONS}/1.yaml:3: stage: stage 'Live' is not a stage of this registry: use one of None, Staging, "
        "Production, Archived",
        f"{VERSIONS}/2.yaml:3: stage: stage 'staging' is not a stage of this registry: write Staging",
    ]


def test_a_missing_model_file(fraud: Path, cli: Runner) -> None:
    (fraud / "models/fraud/model.yaml").unlink()
    (fraud / "models/bad name").mkdir()
    (fraud / "models/bad name/model.yaml").write_text("name: bad name\n")
    code, lines, _ = check(cli)
    assert lines[:3] == [
        "models/bad name/: name: the folder of model 'bad name' is named models/bad%20name/ (docs/format.md): "
        "rename the folder",
        "models/bad name/model.yaml:1: schema: missing key 'created_at'",
        "models/bad name/model.yaml:1: schema: missing key 'created_by'",
    ]
    assert lines[-1] == ("models/fraud/model.yaml: missing-file: models/fraud/model.yaml is missing: every model folder "
                         "needs one (restore it, or remove the folder)")


def test_a_bad_policy_is_reported_at_its_line(fraud: Path, cli: Runner) -> None:
    (fraud / "modelreg.yaml").write_text((fraud / "modelreg.yaml").read_text()
                                         + "policy:\n  gates:\n    Prod:\n      fields: [run_id]\n")
    assert check(cli)[1] == [
        "modelreg.yaml:12: schema: policy.gates.Prod: unknown stage 'Prod' (stages are None, Staging, Production, "
        "Archived)",
    ]


def test_json_for_ci_annotations(fraud: Path, cli: Runner) -> None:
    edit(fraud / VERSIONS / "2.yaml", "stage: Staging", "stage: Production")
    result = cli("check", "--json")
    assert result.code == 1
    assert json.loads(result.stdout) == [{
        "file": f"{VERSIONS}/2.yaml", "line": None, "rule": "exclusive-stage",
        "message": "fraud v1, v2 all hold Production, which only one version may hold: move all but one to another stage",
        "commit": None, "author": None, "since": None,
    }]
    ok_result = cli("check", "--json", registry=SAMPLE_REGISTRY)
    assert (ok_result.code, ok_result.stdout) == (0, "[]\n")


def test_a_registry_in_a_subfolder_names_files_from_the_top(tmp_path: Path, cli: Runner) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    assert cli("init", str(repo / "ml/registry"), registry=None).code == 0
    root = repo / "ml/registry"
    assert cli("register", "fraud", "s3://m/1", registry=root).code == 0
    edit(root / VERSIONS / "1.yaml", "stage: None", "stage: Nope")
    result = cli("check", registry=root)
    assert result.stdout.startswith(f"ml/registry/{VERSIONS}/1.yaml:3: stage: ")


# --------------------------------------------------------------------------- changes since a base


@pytest.fixture
def branch(fraud: Path, cli: Runner) -> Path:
    """The registry with the strict policy on main, and a branch `review` checked out from it."""
    set_policy(fraud)
    git(fraud, "checkout", "-q", "-b", "review")
    return fraud


def test_changes_made_by_modelreg_pass(branch: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    ok(cli, "register", "fraud", "s3://m/3", "--metric", "auc=0.95", "--run-id", "r3", "--stage", "Staging")
    set_date(monkeypatch, "2026-10-02T12:00:00Z")
    ok(cli, "promote", "fraud", "--to", "Production", "--archive-existing")
    ok(cli, "alias", "set", "fraud", "champion", "3")
    set_date(monkeypatch, "2026-10-03T12:00:00Z")
    ok(cli, "rollback", "fraud", "--stage", "Production")
    ok(cli, "rollback", "fraud", "--alias", "champion")
    ok(cli, "transition", "fraud", "3", "Production", "--archive-existing")  # back where it was: a rollback too
    ok(cli, "register", "fraud", "s3://m/4", "--alias", "candidate")
    ok(cli, "tag", "set", "fraud", "team", "risk")
    ok(cli, "delete", "fraud", "--version", "4", "--yes")
    ok(cli, "rename", "fraud", "fraud-detector")
    assert check(cli, "--base", "main") == (
        0, ["OK: 1 model, 3 versions in the working tree; 10 commits since main"], "")


def test_a_tampered_metric_and_source(branch: Path, cli: Runner) -> None:
    edit(branch / VERSIONS / "1.yaml", "auc: 0.91", "auc: 0.99")
    edit(branch / VERSIONS / "2.yaml", "source: s3://m/2", "source: s3://evil/2")
    commit = commit_all(branch, "better numbers")
    code, lines, err = check(cli, "--base", "main")
    assert code == 1
    assert lines == [
        f"{VERSIONS}/1.yaml:9: immutable: fraud v1: metrics.auc changed (0.91 -> 0.99), but what "
        f"a version was registered with never changes: restore it and register a new version "
        f"(commit {short(commit)} by {EMAIL})",
        f"{VERSIONS}/2.yaml:4: immutable: fraud v2: source changed (s3://m/2 -> s3://evil/2), but what a version was "
        f"registered with never changes: restore it and register a new version (commit {short(commit)} by {EMAIL})",
    ]
    assert err == "error: 2 problems found: fix them and run `modelreg check` again\n"
    assert check(cli)[0] == 0  # the files alone are fine: only the history shows the tampering


def test_a_swapped_artifact_digest_params_and_lineage(branch: Path, cli: Runner) -> None:
    digest = "a" * 64
    ok(cli, "register", "fraud", "s3://m/3", "--sha256", digest, "--param", "lr=0.1", "--dataset", "s3://d/1")
    git(branch, "checkout", "-q", "main")
    git(branch, "merge", "-q", "--ff-only", "review")
    git(branch, "checkout", "-q", "review")
    path = branch / VERSIONS / "3.yaml"
    edit(path, digest, "b" * 64)
    edit(path, "lr: '0.1'", "lr: '0.2'")
    edit(path, "s3://d/1", "s3://d/2")
    commit = commit_all(branch, "swap")
    code, lines, _ = check(cli, "--base", "main")
    fixed = "but what a version was registered with never changes: restore it and register a new version"
    assert (code, lines) == (1, [
        f"{VERSIONS}/3.yaml:8: immutable: fraud v3: artifact.sha256 changed ({digest} -> {'b' * 64}), {fixed} "
        f"(commit {short(commit)} by {EMAIL})",
        f"{VERSIONS}/3.yaml:12: immutable: fraud v3: params.lr changed (0.1 -> 0.2), {fixed} (commit {short(commit)} by "
        f"{EMAIL})",
        f"{VERSIONS}/3.yaml:16: immutable: fraud v3: lineage.datasets changed ([\"s3://d/1\"] -> [\"s3://d/2\"]), "
        f"{fixed} (commit {short(commit)} by {EMAIL})",
    ])


def test_a_skipped_stage(branch: Path, cli: Runner) -> None:
    ok(cli, "register", "fraud", "s3://m/3", "--metric", "auc=0.95", "--run-id", "r3")
    git(branch, "checkout", "-q", "main")
    git(branch, "merge", "-q", "--ff-only", "review")
    git(branch, "checkout", "-q", "review")
    edit(branch / VERSIONS / "3.yaml", "stage: None", "stage: Production")
    edit(branch / VERSIONS / "1.yaml", "stage: Production", "stage: Archived")
    commit = commit_all(branch, "ship v3")
    code, lines, _ = check(cli, "--base", "main")
    assert (code, lines) == (1, [
        f"{VERSIONS}/3.yaml:3: transition: fraud v3 None -> Production: a version in None may move only to Staging, "
        f"Archived: move it to Staging first (commit {short(commit)} by {EMAIL})",
    ])


def test_a_failed_gate(branch: Path, cli: Runner) -> None:
    ok(cli, "register", "fraud", "s3://m/3", "--metric", "auc=0.85", "--stage", "Staging")
    edit(branch / VERSIONS / "3.yaml", "stage: Staging", "stage: Production")
    edit(branch / VERSIONS / "1.yaml", "stage: Production", "stage: Archived")
    commit = commit_all(branch, "ship v3")
    code, lines, _ = check(cli, "--base", "main")
    where = f"(commit {short(commit)} by {EMAIL})"
    assert (code, lines) == (1, [
        f"{VERSIONS}/3.yaml:3: require: fraud v3 Staging -> Production: `metrics.auc >= 0.9` does not hold for v3 "
        f"(auc is 0.85) {where}",
        f"{VERSIONS}/3.yaml:3: fields: fraud v3 Staging -> Production: v3 has no run_id: register a version that "
        f"records run_id (fixed once registered) {where}",
        f"{VERSIONS}/3.yaml:3: not-worse: fraud v3 Staging -> Production: auc 0.85 of v3 is worse than 0.91 of v1, the "
        f"current Production version (higher is better) {where}",
    ])


def test_an_author_who_may_not_promote(branch: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    set_identity(monkeypatch, "Eve", "eve@example.com")
    edit(branch / VERSIONS / "2.yaml", "stage: Staging", "stage: Production")
    edit(branch / VERSIONS / "1.yaml", "stage: Production", "stage: Archived")
    edit(branch / "models/fraud/model.yaml", "champion: 1", "champion: 2")
    commit = commit_all(branch, "ship v2")
    code, lines, _ = check(cli, "--base", "main")
    where = f"(commit {short(commit)} by eve@example.com)"
    assert (code, lines) == (1, [
        f"{VERSIONS}/1.yaml:3: approvers: fraud v1 Production -> Archived: eve@example.com may not take versions out of "
        f"Production: ask an owner of the model ({EMAIL}) or someone matching *@risk.example.com to make the change "
        f"{where}",
        f"{VERSIONS}/2.yaml:3: approvers: fraud v2 Staging -> Production: eve@example.com may not move versions into "
        f"Production: ask an owner of the model ({EMAIL}) or someone matching *@risk.example.com to make the change "
        f"{where}",
        f"models/fraud/model.yaml:7: approvers: fraud@champion -> v2: eve@example.com may not move the protected alias "
        f"@champion: ask an owner of the model ({EMAIL}) to make the change {where}",
    ])


def test_an_author_cannot_make_themselves_an_owner_to_promote(branch: Path, cli: Runner,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    set_identity(monkeypatch, "Eve", "eve@example.com")
    edit(branch / "models/fraud/model.yaml", f"- {EMAIL}", f"- {EMAIL}\n- eve@example.com")
    edit(branch / VERSIONS / "2.yaml", "stage: Staging", "stage: Production")
    edit(branch / VERSIONS / "1.yaml", "stage: Production", "stage: Archived")
    commit_all(branch, "ship v2")
    assert any("eve@example.com may not move versions into Production" in line for line in check(cli, "--base", "main")[1])


def test_a_reused_version_number(branch: Path, cli: Runner) -> None:
    saved = (branch / VERSIONS / "2.yaml").read_text()
    ok(cli, "delete", "fraud", "--version", "2", "--yes")
    (branch / VERSIONS / "2.yaml").write_text(saved.replace("s3://m/2", "s3://m/other").replace("Staging", "None"))
    commit = commit_all(branch, "bring back 2")
    assert check(cli, "--base", "main")[1] == [
        f"{VERSIONS}/2.yaml:2: reused-number: fraud v2: version number 2 was given before (last_version was 2); numbers "
        f"are never reused: register it as v3 with `modelreg register` (commit {short(commit)} by {EMAIL})",
    ]


def test_last_version_going_down(branch: Path, cli: Runner) -> None:
    ok(cli, "delete", "fraud", "--version", "2", "--yes")
    edit(branch / "models/fraud/model.yaml", "last_version: 2", "last_version: 1")
    commit = commit_all(branch, "tidy")
    assert check(cli, "--base", "main")[1] == [
        f"models/fraud/model.yaml:8: last-version: fraud: last_version went down from 2 to 1, which would let version "
        f"numbers be reused: restore it (commit {short(commit)} by {EMAIL})",
    ]


def test_a_branch_cannot_loosen_the_policy_it_is_judged_by(branch: Path, cli: Runner) -> None:
    config = branch / "modelreg.yaml"
    config.write_text(config.read_text().split("policy:")[0])
    commit_all(branch, "no more rules")
    ok(cli, "transition", "fraud", "1", "None")  # allowed by the branch's policy (none), not by main's
    result = cli("check", "--base", "main")
    assert result.code == 1
    assert result.stdout == (f"{VERSIONS}/1.yaml:3: transition: fraud v1 Production -> None: a version in Production "
                             f"may move only to Archived (commit {short(git(branch, 'rev-parse', 'HEAD'))} by {EMAIL})\n")
    assert result.stderr.startswith("note: the policy in modelreg.yaml changed since main: changes were checked against "
                                    "the policy before it\n")


def test_merge_commits_are_not_judged_as_their_authors_changes(branch: Path, cli: Runner,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    git(branch, "checkout", "-q", "main")
    ok(cli, "describe", "fraud", "new words")
    git(branch, "checkout", "-q", "review")
    ok(cli, "tag", "set", "fraud", "team", "risk")
    set_identity(monkeypatch, "Eve", "eve@example.com")
    git(branch, "merge", "-q", "--no-edit", "main")
    assert check(cli, "--base", "main")[:2] == (0, ["OK: 1 model, 2 versions in the working tree; 1 commit since main"])


def test_an_unknown_base_is_one_line(branch: Path, cli: Runner) -> None:
    result = cli("check", "--base", "origin/nope")
    assert (result.code, result.stderr) == (1, "error: no commit 'origin/nope' in the registry's repository: `git log` "
                                                "shows the commits\n")


# --------------------------------------------------------------------------- signatures


def _signing_key(tmp_path: Path, repo: Path) -> None:
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"{EMAIL} {(tmp_path / 'key.pub').read_text().strip()}\n")
    for setting, value in [("gpg.format", "ssh"), ("user.signingkey", str(key)),
                           ("gpg.ssh.allowedSignersFile", str(allowed))]:
        git(repo, "config", setting, value)


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen to sign commits")
def test_require_signed(branch: Path, cli: Runner, tmp_path: Path) -> None:
    _signing_key(tmp_path, branch)
    ok(cli, "describe", "fraud", "unsigned words")  # modelreg's own commit: not signed
    unsigned = git(branch, "rev-parse", "HEAD").strip()
    edit(branch / "models/fraud/model.yaml", "unsigned words", "signed words")
    git(branch, "commit", "-q", "-S", "-am", "signed")
    code, lines, _ = check(cli, "--base", "main", "--require-signed")
    assert (code, lines) == (1, [
        f"signature: commit {short(unsigned)} by {EMAIL} has no signature: sign registry commits (git commit -S) with "
        "a key git can verify",
    ])
    assert check(cli, "--base", "HEAD~1", "--require-signed")[0] == 0


def test_require_signed_needs_a_base(fraud: Path, cli: Runner) -> None:
    result = cli("check", "--require-signed")
    assert (result.code, result.stderr) == (2, "error: --require-signed checks the commits since --base: pass --base "
                                                "REV too\n")


# --------------------------------------------------------------------------- staged


def test_staged_checks_the_index_not_the_working_tree(branch: Path, cli: Runner) -> None:
    edit(branch / VERSIONS / "1.yaml", "auc: 0.91", "auc: 0.99")
    git(branch, "add", "-A")
    edit(branch / VERSIONS / "1.yaml", "auc: 0.99", "auc: 0.91")  # undone on disk, still staged
    code, lines, _ = check(cli, "--staged")
    assert (code, lines) == (1, [
        f"{VERSIONS}/1.yaml:9: immutable: fraud v1: metrics.auc changed (0.91 -> 0.99), but what "
        f"a version was registered with never changes: restore it and register a new version (staged, by {EMAIL})",
    ])
    assert check(cli)[0] == 0


def test_staged_ignores_unstaged_edits(branch: Path, cli: Runner) -> None:
    edit(branch / "models/fraud/model.yaml", "description: ''", "description: Scores fraud")
    git(branch, "add", "-A")
    edit(branch / VERSIONS / "2.yaml", "stage: Staging", "stage: Production")  # not staged
    assert check(cli, "--staged") == (0, ["OK: 1 model, 2 versions in the staged files"], "")


def test_staged_reads_the_index_git_names_in_a_hook(branch: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    """`git commit -a` runs hooks with GIT_INDEX_FILE pointing at a temporary index."""
    edit(branch / VERSIONS / "2.yaml", "stage: Staging", "stage: Production")
    other = tmp_path / "index"
    shutil.copy(branch / ".git/index", other)
    subprocess.run(["git", "add", "-A"], cwd=branch, env={**_environ(), "GIT_INDEX_FILE": str(other)}, check=True)
    assert check(cli, "--staged")[0] == 0  # the usual index has nothing staged
    monkeypatch.setenv("GIT_INDEX_FILE", str(other))
    assert check(cli, "--staged")[1][0].startswith(f"{VERSIONS}/2.yaml: exclusive-stage: fraud v1, v2 all hold")


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_staged_and_base_together(branch: Path, cli: Runner) -> None:
    edit(branch / VERSIONS / "1.yaml", "source: s3://m/1", "source: s3://evil/1")
    commit = commit_all(branch, "swap")
    edit(branch / VERSIONS / "2.yaml", "source: s3://m/2", "source: s3://evil/2")
    git(branch, "add", "-A")
    lines = check(cli, "--staged", "--base", "main")[1]
    assert [line.rsplit(" (", 1)[1] for line in lines] == [f"commit {short(commit)} by {EMAIL})", f"staged, by {EMAIL})"]


def test_the_python_api_returns_every_problem(branch: Path, cli: Runner) -> None:
    from modelreg_cli.service import Registry

    edit(branch / VERSIONS / "1.yaml", "source: s3://m/1", "source: s3://evil/1")
    commit = commit_all(branch, "swap")
    report = Registry(branch).check(base="main")
    assert (report.models, report.versions, report.commits, report.base) == (1, 2, 1, "main")
    assert [(p.file, p.line, p.rule, p.commit, p.author) for p in report.problems] == [
        (f"{VERSIONS}/1.yaml", 4, "immutable", commit, EMAIL),
    ]
