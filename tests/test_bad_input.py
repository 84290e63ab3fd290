"""Bad input: one clear line on stderr, exit 1 (2 for usage), and the registry exactly as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Runner, snapshot

PATH_RULE = "reads as a path that resolves elsewhere ('..', '.', '//' or a slash at an end): write it without those"


@pytest.fixture
def populated(registry_path: Path, cli: Runner) -> Path:
    assert cli("register", "fraud", "s3://m/1", "--alias", "champion").code == 0
    assert cli("register", "fraud", "s3://m/2").code == 0
    assert cli("transition", "fraud", "1", "Production").code == 0
    return registry_path


CASES = [
    # unknown model or version
    (["transition", "ghost", "1", "Staging"], 1, "no model named 'ghost': `modelreg list` shows the models"),
    (["transition", "fraud", "9", "Staging"], 1, "model 'fraud' has no version 9: its versions are 1, 2"),
    (["show", "ghost"], 1, "no model named 'ghost': `modelreg list` shows the models"),
    (["versions", "ghost"], 1, "no model named 'ghost': `modelreg list` shows the models"),
    (["delete", "fraud", "--version", "7", "--yes"], 1, "model 'fraud' has no version 7: its versions are 1, 2"),
    (["alias", "set", "fraud", "x", "5"], 1, "model 'fraud' has no version 5: its versions are 1, 2"),
    # non-integer versions
    (["transition", "fraud", "two", "Staging"], 1, "version 'two' is not a number: give a version like 3"),
    (["alias", "set", "fraud", "x", "1.5"], 1, "version '1.5' is not a number: give a version like 3"),
    (["tag", "set", "fraud", "k", "v", "--version", "x"], 1, "version 'x' is not a number: give a version like 3"),
    (["transition", "fraud", "0", "Staging"], 1, "version '0' is not valid: versions start at 1"),
    # unknown stage
    (["transition", "fraud", "2", "Prod"], 1, "unknown stage 'Prod': use one of None, Staging, Production, Archived"),
    (["register", "fraud", "s3://x", "--stage", "live"], 1,
     "unknown stage 'live': use one of None, Staging, Production, Archived"),
    (["versions", "fraud", "--stage", "Dev"], 1, "unknown stage 'Dev': use one of None, Staging, Production, Archived"),
    # invalid or reserved aliases
    (["alias", "set", "fraud", "latest", "1"], 1,
     "alias 'latest' is reserved ('latest' and 'v<number>' have a meaning in model URIs): choose another"),
    (["alias", "set", "fraud", "v2", "1"], 1,
     "alias 'v2' is reserved ('latest' and 'v<number>' have a meaning in model URIs): choose another"),
    (["alias", "set", "fraud", "best model", "1"], 1,
     "alias 'best model' is not allowed: use 1-64 letters, digits, '_' or '-', not starting with '-'"),
    (["register", "fraud", "s3://x", "--alias", "a@b"], 1,
     "alias 'a@b' is not allowed: use 1-64 letters, digits, '_' or '-', not starting with '-'"),
    # bad names
    (["register", "team//fraud", "s3://x"], 1, f"model name 'team//fraud' {PATH_RULE}"),
    (["register", "fraud\nx", "s3://x"], 1,
     "model name 'fraud\\nx' contains a control character (a line break, a tab...): remove it"),
    (["register", "", "s3://x"], 1, "model name is empty: give a name like fraud-detector"),
    (["register", "   ", "s3://x"], 1, "model name is empty: give a name like fraud-detector"),
    (["create", "FRAUD"], 1, "model 'FRAUD' differs from existing model 'fraud' only in case: use 'fraud' or another name"),
    (["register", "Fraud", "s3://x"], 1,
     "model 'Fraud' differs from existing model 'fraud' only in case: use 'fraud' or another name"),
    (["rename", "fraud", "../evil"], 1, f"model name '../evil' {PATH_RULE}"),
    (["show", "../etc"], 1, f"model name '../etc' {PATH_RULE}"),
    # malformed K=V
    (["register", "fraud", "s3://x", "--metric", "auc"], 1, "malformed metric 'auc': write it as KEY=VALUE"),
    (["register", "fraud", "s3://x", "--metric", "auc=high"], 1,
     "metric 'auc' has value 'high', which is not a number: write it as KEY=0.93"),
    (["register", "fraud", "s3://x", "--param", "=3"], 1, "malformed param '=3': write it as KEY=VALUE"),
    (["create", "churn", "--tag", "team"], 1, "malformed tag 'team': write it as KEY=VALUE"),
    # sources
    (["register", "fraud", "no/such/model.pkl"], 1,
     "source 'no/such/model.pkl' does not exist: give an existing file or folder, or a URI such as s3://bucket/model"),
    (["register", "fraud", "file:///no/such/file"], 1,
     "source 'file:///no/such/file' does not exist: give an existing file or folder, or a URI such as s3://bucket/model"),
    (["register", "fraud", "s3://x", "--sha256", "xyz"], 1, "sha256 'xyz' is not 64 hex digits"),
    # exclusive stage held
    (["register", "fraud", "s3://x", "--stage", "Production"], 1,
     "version 1 of 'fraud' holds Production, which only one version may hold: register without --stage, "
     "then run `modelreg transition fraud 3 Production --archive-existing`"),
    # usage errors: exit 2
    (["transition", "fraud", "1"], 2, "Missing argument 'stage' (see `modelreg transition --help`)"),
    (["register", "-fraud", "s3://x"], 2, "No such option: -f (see `modelreg register --help`)"),
    (["list", "--bogus"], 2, "No such option: --bogus (see `modelreg list --help`)"),
    (["frobnicate"], 2, "No such command 'frobnicate' (see `modelreg --help`)"),
]


@pytest.mark.parametrize(("args", "code", "message"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input_is_refused_cleanly(populated: Path, cli: Runner, args: list[str], code: int, message: str) -> None:
    before = snapshot(populated)
    result = cli(*args)
    assert (result.code, result.stderr, result.stdout) == (code, f"error: {message}\n", "")
    assert snapshot(populated) == before


def test_malformed_manifest_names_the_file_and_reason(populated: Path, cli: Runner) -> None:
    manifest = populated / "models/fraud/versions/2.yaml"
    manifest.write_text("name: fraud\nversion: [unclosed\n")
    result = cli("resolve", "models:/fraud/1")
    assert result.code == 1
    assert result.stderr.startswith("error: models/fraud/versions/2.yaml: line 3: invalid YAML:")
    manifest.write_text(manifest.read_text().replace("[unclosed", "2\nstage: None\nsource: s3://x\ncolour: red"))
    result = cli("show", "fraud")
    assert result.stderr == (
        "error: models/fraud/versions/2.yaml: missing key 'created_at'; missing key 'created_by'; "
        "missing key 'updated_at'; unknown key 'colour'\n"
    )


def test_manifest_in_the_wrong_place(populated: Path, cli: Runner) -> None:
    (populated / "models/fraud/versions/2.yaml").rename(populated / "models/fraud/versions/5.yaml")
    result = cli("list")
    assert result.stderr == (
        "error: models/fraud/versions/5.yaml: holds fraud version 2, but its place says fraud version 5\n"
    )


def test_malformed_config(populated: Path, cli: Runner) -> None:
    (populated / "modelreg.yaml").write_text("format_version: 1\nstages: [A, a]\n")
    result = cli("list")
    assert result.stderr == "error: modelreg.yaml: stages must be unique (names are compared in any case)\n"
