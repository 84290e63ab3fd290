"""Every command in-process with CliRunner: output, files, exit codes and `git log`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from conftest import EMAIL, Runner, git, remove_identity, set_date, set_identity, snapshot, subjects


def register(cli: Runner, name: str = "fraud", source: str = "s3://bucket/fraud/1", *extra: str) -> None:
    result = cli("register", name, source, *extra)
    assert result.code == 0, result.stderr


def load(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


# init ------------------------------------------------------------------------------------------


def test_init_makes_a_repository_and_one_commit(tmp_path: Path, cli: Runner) -> None:
    target = tmp_path / "new"
    result = cli("init", str(target), registry=None)
    assert result.code == 0
    assert result.stdout == f"Initialized model registry in {target}\n"
    assert (target / ".git").is_dir()
    assert subjects(target) == ["init model registry"]
    assert git(target, "ls-files").splitlines() == ["modelreg.yaml", "models/.gitkeep"]
    assert load(target / "modelreg.yaml") == {
        "format_version": 1,
        "stages": ["None", "Staging", "Production", "Archived"],
        "exclusive_stages": ["Production"],
        "push": False,
    }
    assert git(target, "status", "--porcelain") == ""


def test_init_inside_an_existing_repository_commits_only_its_files(tmp_path: Path, cli: Runner) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "train.py").write_text("print('train')\n")
    git(repo, "add", "train.py")
    result = cli("init", str(repo / "registry"), registry=None)
    assert result.code == 0, result.stderr
    assert git(repo, "show", "--name-only", "--format=%s", "HEAD").split() == [
        "init", "model", "registry", "registry/modelreg.yaml", "registry/models/.gitkeep"
    ]
    assert git(repo, "diff", "--cached", "--name-only") == "train.py\n"  # the user's staged work is still staged


def test_init_refuses_an_existing_registry(registry_path: Path, cli: Runner) -> None:
    before = snapshot(registry_path)
    result = cli("init", str(registry_path), registry=None)
    assert result.code == 1
    assert result.stderr == f"error: {registry_path} already holds a registry (modelreg.yaml exists): nothing to do\n"
    assert snapshot(registry_path) == before


def test_init_without_git_identity_makes_nothing(tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    remove_identity(monkeypatch)
    target = tmp_path / "new"
    result = cli("init", str(target), registry=None)
    assert result.code == 1
    assert result.stderr.startswith("error: git does not know who you are: run `git config user.name")
    assert not target.exists()


# create and register ---------------------------------------------------------------------------


def test_create_model(registry_path: Path, cli: Runner) -> None:
    result = cli("create", "fraud", "--description", "Card fraud", "--tag", "team=risk", "--owner", "ada@example.com")
    assert (result.code, result.stdout) == (0, "Created model fraud\n")
    assert load(registry_path / "models/fraud/model.yaml") == {
        "name": "fraud", "description": "Card fraud", "owners": ["ada@example.com"], "tags": {"team": "risk"},
        "aliases": {}, "last_version": 0, "created_at": "2026-10-01T12:00:00Z", "created_by": EMAIL,
        "updated_at": "2026-10-01T12:00:00Z",
    }
    assert subjects(registry_path)[0] == "create model fraud"
    again = cli("create", "fraud")
    assert (again.code, again.stderr) == (1, "error: model 'fraud' already exists: choose another name\n")


def test_register_writes_the_manifest_and_one_commit(registry_path: Path, cli: Runner) -> None:
    result = cli(
        "register", "fraud", "s3://bucket/fraud/1", "--metric", "auc=0.93", "--param", "lr=0.1",
        "--tag", "team=risk", "--run-id", "run-42", "--description", "first", "--alias", "champion",
        "--sha256", "A" * 64, "--code-commit", "abc123", "--dataset", "s3://data/2026-09", "-m", "trained on Sept",
    )
    assert (result.code, result.stdout, result.stderr) == (0, "Registered fraud version 1\n", "")
    manifest = (registry_path / "models/fraud/versions/1.yaml").read_text()
    assert manifest == (
        "name: fraud\nversion: 1\nstage: None\nsource: s3://bucket/fraud/1\ndescription: first\nrun_id: run-42\n"
        "artifact:\n  sha256: " + "a" * 64 + "\n  size_bytes: null\nmetrics:\n  auc: 0.93\nparams:\n  lr: '0.1'\n"
        "tags:\n  team: risk\nlineage:\n  code_commit: abc123\n  datasets:\n  - s3://data/2026-09\n  parents: []\n"
        "created_at: '2026-10-01T12:00:00Z'\ncreated_by: ada@example.com\nupdated_at: '2026-10-01T12:00:00Z'\n"
    )
    assert load(registry_path / "models/fraud/model.yaml")["aliases"] == {"champion": 1}
    message = git(registry_path, "log", "-1", "--format=%B")
    assert message == (
        "register fraud v1 as @champion\n\ntrained on Sept\n\n"
        "Modelreg-Op: register\nModelreg-Model: fraud\nModelreg-Version: 1\n\n"
    )
    assert git(registry_path, "show", "--name-only", "--format=", "HEAD").split() == [
        "models/fraud/model.yaml", "models/fraud/versions/1.yaml"
    ]
    assert git(registry_path, "log", "-1", "--format=%an <%ae> %aI") == "Ada Lovelace <ada@example.com> 2026-10-01T12:00:00+00:00\n"
    assert git(registry_path, "status", "--porcelain") == ""


def test_register_numbers_versions(registry_path: Path, cli: Runner) -> None:
    for _ in range(3):
        register(cli)
    assert sorted(p.name for p in (registry_path / "models/fraud/versions").iterdir()) == ["1.yaml", "2.yaml", "3.yaml"]
    assert cli("delete", "fraud", "--version", "3", "--yes").code == 0
    result = cli("register", "fraud", "s3://x")
    assert result.stdout == "Registered fraud version 4\n"


def test_register_a_local_file_records_digest_and_size(registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    artifact = tmp_path / "model.bin"
    artifact.write_bytes(b"weights" * 1000)
    result = cli("register", "fraud", str(artifact), "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["artifact"] == {"sha256": hashlib.sha256(b"weights" * 1000).hexdigest(), "size_bytes": 7000,
                                "kind": "file", "name": "model.bin"}
    assert data["source"] == artifact.resolve().as_uri()


def test_register_a_folder_inside_the_repo_stores_a_repo_relative_path(registry_path: Path, cli: Runner) -> None:
    folder = registry_path / "artifacts" / "m1"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_bytes(b"a")
    (folder / "sub" / "b.txt").write_bytes(b"bb")
    result = cli("register", "fraud", str(folder), "--json")
    data = json.loads(result.stdout)
    listing = f"{hashlib.sha256(b'a').hexdigest()}  a.txt\n{hashlib.sha256(b'bb').hexdigest()}  sub/b.txt\n"
    assert data["source"] == "artifacts/m1"
    assert data["artifact"] == {"sha256": hashlib.sha256(listing.encode()).hexdigest(), "size_bytes": 3,
                                "kind": "folder", "name": "m1"}
    # the artifact itself is not swept into the commit
    assert git(registry_path, "status", "--porcelain") == "?? artifacts/\n"


def test_register_records_a_given_digest_and_size_of_a_remote_source(registry_path: Path, cli: Runner) -> None:
    result = cli("register", "fraud", "s3://m/1", "--sha256", "ab" * 32, "--size-bytes", "1234", "--json")
    assert json.loads(result.stdout)["artifact"] == {"sha256": "ab" * 32, "size_bytes": 1234}


def test_register_checks_a_given_size_of_a_local_file(registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    artifact = tmp_path / "model.bin"
    artifact.write_bytes(b"xyz")
    assert cli("register", "fraud", str(artifact), "--size-bytes", "3").code == 0
    result = cli("register", "fraud", str(artifact), "--size-bytes", "4")
    assert (result.code, result.stderr) == (
        1, f"error: {artifact} has 3 bytes, not the 4 given with --size-bytes: check that this is the right artifact\n"
    )


def test_register_checks_a_given_sha256_of_a_local_file(registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    artifact = tmp_path / "model.bin"
    artifact.write_bytes(b"x")
    before = snapshot(registry_path)
    result = cli("register", "fraud", str(artifact), "--sha256", "0" * 64)
    assert result.code == 1
    assert "not the " + "0" * 64 + " given with --sha256" in result.stderr
    assert snapshot(registry_path) == before


# transition ------------------------------------------------------------------------------------


def test_transition_and_its_commit(registry_path: Path, cli: Runner) -> None:
    register(cli)
    result = cli("transition", "fraud", "1", "staging", "-m", "passed offline eval")
    assert (result.code, result.stdout) == (0, "fraud version 1: None -> Staging\n")
    assert load(registry_path / "models/fraud/versions/1.yaml")["stage"] == "Staging"
    assert git(registry_path, "log", "-1", "--format=%B") == (
        "transition fraud v1: None -> Staging\n\npassed offline eval\n\n"
        "Modelreg-Op: transition\nModelreg-Model: fraud\nModelreg-Version: 1\n\n"
    )
    assert git(registry_path, "show", "--name-only", "--format=", "HEAD").split() == ["models/fraud/versions/1.yaml"]


def test_exclusive_stage_refuses_then_archives_with_the_flag(registry_path: Path, cli: Runner) -> None:
    register(cli)
    register(cli)
    assert cli("transition", "fraud", "1", "Production").code == 0
    before = snapshot(registry_path)
    refused = cli("transition", "fraud", "2", "PRODUCTION")
    assert refused.code == 1
    assert refused.stderr == (
        "error: version 1 of 'fraud' already holds Production, which only one version may hold: "
        "pass --archive-existing to move it to Archived\n"
    )
    assert snapshot(registry_path) == before
    done = cli("transition", "fraud", "2", "production", "--archive-existing")
    assert done.stdout == "fraud version 2: None -> Production\nfraud version 1: Production -> Archived\n"
    assert subjects(registry_path)[0] == "transition fraud v2: None -> Production; archive v1"
    assert git(registry_path, "show", "--name-only", "--format=", "HEAD").split() == [
        "models/fraud/versions/1.yaml", "models/fraud/versions/2.yaml"
    ]


def test_transition_to_the_same_stage_is_a_no_op(registry_path: Path, cli: Runner) -> None:
    register(cli)
    cli("transition", "fraud", "1", "Staging")
    head = git(registry_path, "rev-parse", "HEAD")
    result = cli("transition", "fraud", "1", "staging")
    assert (result.code, result.stdout) == (0, "fraud version 1 is already in Staging: nothing to do\n")
    assert git(registry_path, "rev-parse", "HEAD") == head


def test_transition_json(cli: Runner) -> None:
    register(cli)
    result = cli("transition", "fraud", "1", "Staging", "--json")
    data = json.loads(result.stdout)
    assert (data["name"], data["version"], data["stage"], data["from_stage"], data["archived"]) == (
        "fraud", 1, "Staging", "None", []
    )
    assert len(data["commit"]) == 40


# aliases, tags, describe, delete, rename -------------------------------------------------------


def test_alias_set_move_and_delete(registry_path: Path, cli: Runner) -> None:
    register(cli)
    register(cli)
    assert cli("alias", "set", "fraud", "champion", "1").stdout == "alias fraud@champion -> v1\n"
    assert cli("alias", "set", "fraud", "champion", "2").stdout == "alias fraud@champion: v1 -> v2\n"
    same = cli("alias", "set", "fraud", "champion", "2")
    assert (same.code, same.stdout) == (0, "Nothing to do: fraud@champion already points at version 2\n")
    assert cli("resolve", "models:/fraud@champion", "--json").stdout.count('"version": 2') == 1
    assert cli("alias", "delete", "fraud", "champion").stdout == "delete alias fraud@champion (was v2)\n"
    assert subjects(registry_path)[:3] == [
        "delete alias fraud@champion (was v2)", "alias fraud@champion: v1 -> v2", "alias fraud@champion -> v1"
    ]
    missing = cli("alias", "delete", "fraud", "champion")
    assert (missing.code, missing.stderr) == (1, "error: model 'fraud' has no alias 'champion' (aliases: none)\n")


def test_tags_on_models_and_versions(registry_path: Path, cli: Runner) -> None:
    register(cli)
    assert cli("tag", "set", "fraud", "team", "risk").code == 0
    assert cli("tag", "set", "fraud", "reviewed", "yes", "--version", "1").code == 0
    assert load(registry_path / "models/fraud/model.yaml")["tags"] == {"team": "risk"}
    assert load(registry_path / "models/fraud/versions/1.yaml")["tags"] == {"reviewed": "yes"}
    assert cli("tag", "delete", "fraud", "reviewed", "--version", "1").code == 0
    assert load(registry_path / "models/fraud/versions/1.yaml")["tags"] == {}
    assert subjects(registry_path)[:3] == ["untag fraud v1: reviewed", "tag fraud v1: reviewed=yes", "tag fraud: team=risk"]


def test_describe(registry_path: Path, cli: Runner) -> None:
    register(cli)
    assert cli("describe", "fraud", "Scores card transactions").code == 0
    assert cli("describe", "fraud", "Retrained on October", "--version", "1").code == 0
    assert load(registry_path / "models/fraud/model.yaml")["description"] == "Scores card transactions"
    assert load(registry_path / "models/fraud/versions/1.yaml")["description"] == "Retrained on October"


def test_delete_version_removes_its_aliases(registry_path: Path, cli: Runner) -> None:
    register(cli)
    register(cli, "fraud", "s3://x", "--alias", "champion")
    result = cli("delete", "fraud", "--version", "2", "--yes")
    assert (result.code, result.stdout) == (0, "Deleted version 2 of fraud\n")
    assert not (registry_path / "models/fraud/versions/2.yaml").exists()
    assert load(registry_path / "models/fraud/model.yaml")["aliases"] == {}
    assert subjects(registry_path)[0] == "delete fraud v2 and alias @champion"


def test_delete_needs_confirmation_without_a_terminal(registry_path: Path, cli: Runner) -> None:
    register(cli)
    before = snapshot(registry_path)
    result = cli("delete", "fraud")
    assert (result.code, result.stderr) == (
        1, "error: refusing to delete model fraud and all its versions without confirmation: pass --yes\n"
    )
    assert snapshot(registry_path) == before


def test_delete_model(registry_path: Path, cli: Runner) -> None:
    register(cli)
    assert cli("delete", "fraud", "--yes").stdout == "Deleted model fraud and all its versions\n"
    assert not (registry_path / "models/fraud").exists()
    assert (registry_path / "models").is_dir()
    assert cli("list", "--json").stdout == "[]\n"


def test_rename(registry_path: Path, cli: Runner) -> None:
    register(cli, "fraud", "s3://x", "--alias", "champion", "--tag", "k=v")
    result = cli("rename", "fraud", "fraud-detector")
    assert (result.code, result.stdout) == (0, "Renamed model fraud to fraud-detector\n")
    assert not (registry_path / "models/fraud").exists()
    assert cli("resolve", "models:/fraud-detector@champion").stdout == "s3://x\n"
    assert load(registry_path / "models/fraud-detector/versions/1.yaml")["name"] == "fraud-detector"
    assert subjects(registry_path)[0] == "rename model fraud -> fraud-detector"
    changed = git(registry_path, "show", "--name-status", "--format=", "--no-renames", "HEAD").splitlines()
    assert sorted(changed) == [
        "A\tmodels/fraud-detector/model.yaml", "A\tmodels/fraud-detector/versions/1.yaml",
        "D\tmodels/fraud/model.yaml", "D\tmodels/fraud/versions/1.yaml",
    ]


# reading ---------------------------------------------------------------------------------------


def make_fleet(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    register(cli, "fraud", "s3://m/fraud/1", "--metric", "auc=0.91")
    set_date(monkeypatch, "2026-10-02T09:30:00Z")
    register(cli, "fraud", "s3://m/fraud/2", "--metric", "auc=0.93", "--alias", "champion")
    cli("transition", "fraud", "1", "Archived")
    cli("transition", "fraud", "2", "Production")
    register(cli, "churn", "s3://m/churn/1", "--stage", "Staging")


def test_list_table(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    make_fleet(cli, monkeypatch)
    lines = cli("list").stdout.splitlines()
    assert [line.split() for line in lines] == [
        ["Model", "Latest", "Staging", "Production", "Archived", "Aliases", "Updated"],
        [lines[1].strip()],
        ["churn", "1", "1", "-", "-", "-", "2026-10-02", "09:30"],
        ["fraud", "2", "-", "2", "1", "@champion=2", "2026-10-02", "09:30"],
    ]


def test_list_json(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    make_fleet(cli, monkeypatch)
    models = json.loads(cli("list", "--json").stdout)
    assert [m["name"] for m in models] == ["churn", "fraud"]
    fraud = models[1]
    assert fraud == {
        "name": "fraud", "description": "", "tags": {}, "owners": [], "aliases": {"champion": 2},
        "latest_version": 2, "last_version": 2, "stages": {"Production": [2], "Archived": [1]},
        "created_at": "2026-10-01T12:00:00Z", "created_by": EMAIL, "updated_at": "2026-10-02T09:30:00Z",
    }


def test_show_model_and_version(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    make_fleet(cli, monkeypatch)
    shown = cli("show", "fraud").stdout
    assert shown.splitlines()[0] == "fraud"
    assert "Aliases:     @champion=2" in shown
    rows = [line.split() for line in shown.splitlines() if line.strip().startswith(("1 ", "2 "))]
    assert rows == [
        ["1", "Archived", "-", "2026-10-01", "auc=0.91", "s3://m/fraud/1"],
        ["2", "Production", "@champion", "2026-10-02", "auc=0.93", "s3://m/fraud/2"],
    ]
    data = json.loads(cli("show", "fraud", "--json").stdout)
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert data["versions"][1]["aliases"] == ["champion"]
    version = cli("show", "models:/fraud@champion").stdout.splitlines()
    assert version[:4] == ["fraud version 2", "Stage:       Production", "Aliases:     @champion",
                           "Source:      s3://m/fraud/2"]


def test_versions_filtered_by_stage(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    make_fleet(cli, monkeypatch)
    data = json.loads(cli("versions", "fraud", "--stage", "archived", "--json").stdout)
    assert [(v["version"], v["stage"]) for v in data] == [(1, "Archived")]
    assert cli("versions", "fraud", "--stage", "Staging").stdout == "fraud has no versions in stage Staging.\n"


@pytest.mark.parametrize(
    ("uri", "source"),
    [
        ("models:/fraud/1", "s3://m/fraud/1"),
        ("models:/fraud@champion", "s3://m/fraud/2"),
        ("models:/fraud/Production", "s3://m/fraud/2"),
        ("models:/fraud/production", "s3://m/fraud/2"),
        ("models:/fraud/latest", "s3://m/fraud/2"),
        ("models:/churn/Staging", "s3://m/churn/1"),
    ],
)
def test_resolve(cli: Runner, monkeypatch: pytest.MonkeyPatch, uri: str, source: str) -> None:
    make_fleet(cli, monkeypatch)
    result = cli("resolve", uri)
    assert (result.code, result.stdout, result.stderr) == (0, source + "\n", "")


def test_resolve_json_is_the_manifest(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    make_fleet(cli, monkeypatch)
    data = json.loads(cli("resolve", "models:/fraud/Production", "--json").stdout)
    assert list(data) == [
        "name", "version", "stage", "source", "description", "run_id", "artifact", "metrics", "params", "tags",
        "lineage", "created_at", "created_by", "updated_at", "aliases",
    ]
    assert (data["version"], data["aliases"], data["metrics"]) == (2, ["champion"], {"auc": 0.93})


@pytest.mark.parametrize(
    ("uri", "error"),
    [
        ("models:/fraud/9", "model 'fraud' has no version 9: its versions are 1, 2"),
        ("models:/fraud@nope", "model 'fraud' has no alias 'nope' (aliases: champion)"),
        ("models:/fraud/Staging", "model 'fraud' has no version in stage Staging"),
        ("models:/fraud/Live", "unknown stage 'Live': use one of None, Staging, Production, Archived"),
        ("models:/ghost/1", "no model named 'ghost': `modelreg list` shows the models"),
        ("models:/FRAUD/1", "no model named 'FRAUD' (did you mean 'fraud'?): `modelreg list` shows the models"),
        ("fraud/1", "'fraud/1' is not a model URI: use models:/NAME/VERSION, models:/NAME@ALIAS, "
                    "models:/NAME/STAGE or models:/NAME/latest"),
    ],
)
def test_resolve_errors(cli: Runner, monkeypatch: pytest.MonkeyPatch, uri: str, error: str) -> None:
    make_fleet(cli, monkeypatch)
    result = cli("resolve", uri)
    assert (result.code, result.stdout, result.stderr) == (1, "", f"error: {error}\n")


# finding the registry --------------------------------------------------------------------------


def test_registry_option_before_or_after_the_command(registry_path: Path, cli: Runner) -> None:
    register(cli)
    before = cli("--registry", str(registry_path), "resolve", "models:/fraud/1", registry=None)
    after = cli("resolve", "models:/fraud/1", "--registry", str(registry_path), registry=None)
    assert before.stdout == after.stdout == "s3://bucket/fraud/1\n"


def test_registry_from_environment_and_from_parent_folders(
    registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    register(cli)
    monkeypatch.setenv("MODELREG_REGISTRY", str(registry_path))
    monkeypatch.chdir(tmp_path)
    assert cli("resolve", "models:/fraud/1", registry=None).stdout == "s3://bucket/fraud/1\n"
    monkeypatch.delenv("MODELREG_REGISTRY")
    nested = registry_path / "models" / "fraud" / "versions"
    monkeypatch.chdir(nested)
    assert cli("resolve", "models:/fraud/1", registry=None).stdout == "s3://bucket/fraud/1\n"
    monkeypatch.chdir(tmp_path)
    missing = cli("list", registry=None)
    assert missing.code == 1
    assert missing.stderr == (
        f"error: no registry found in {tmp_path} or its parents: run `modelreg init` to make one, "
        "or pass --registry PATH (or set MODELREG_REGISTRY)\n"
    )


# safety: dirty trees, unrelated work, identity ------------------------------------------------


def test_refuses_when_the_models_files_have_uncommitted_edits(registry_path: Path, cli: Runner) -> None:
    register(cli)
    manifest = registry_path / "models/fraud/versions/1.yaml"
    manifest.write_text(manifest.read_text().replace("description: ''", "description: hand edit"))
    before = snapshot(registry_path)
    result = cli("transition", "fraud", "1", "Staging")
    assert result.code == 1
    assert result.stderr == (
        "error: models/fraud/versions/1.yaml has uncommitted changes: commit or discard them (git stash), "
        "then try again\n"
    )
    assert snapshot(registry_path) == before


def test_leaves_the_users_unrelated_work_alone(registry_path: Path, cli: Runner) -> None:
    register(cli)
    register(cli, "churn", "s3://c")
    (registry_path / "notes.md").write_text("staged\n")
    git(registry_path, "add", "notes.md")
    (registry_path / "notes.md").write_text("staged\nand unstaged\n")
    (registry_path / "scratch.txt").write_text("untracked\n")
    churn = registry_path / "models/churn/model.yaml"
    churn.write_text(churn.read_text() + "# a hand edit in another model\n")
    status = git(registry_path, "status", "--porcelain")
    assert cli("transition", "fraud", "1", "Staging").code == 0
    assert git(registry_path, "status", "--porcelain") == status
    assert git(registry_path, "show", "--name-only", "--format=", "HEAD").split() == ["models/fraud/versions/1.yaml"]
    assert (registry_path / "notes.md").read_text() == "staged\nand unstaged\n"
    assert git(registry_path, "show", ":notes.md") == "staged\n"


def test_created_by_follows_the_git_identity(registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    set_identity(monkeypatch, "Bob", "bob@example.com")
    register(cli)
    assert load(registry_path / "models/fraud/versions/1.yaml")["created_by"] == "bob@example.com"
    assert git(registry_path, "log", "-1", "--format=%ae") == "bob@example.com\n"


def test_registry_in_a_subfolder_of_a_repository(tmp_path: Path, cli: Runner) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    assert cli("init", str(repo / "ml" / "registry"), registry=None).code == 0
    result = cli("register", "fraud", "s3://x", registry=repo / "ml" / "registry")
    assert result.code == 0, result.stderr
    assert git(repo / "ml" / "registry", "show", "--name-only", "--format=", "HEAD").split() == [
        "ml/registry/models/fraud/model.yaml", "ml/registry/models/fraud/versions/1.yaml"
    ]


def test_writes_read_only_the_model_they_change(registry_path: Path, cli: Runner) -> None:
    """A broken manifest of another model does not matter to a write: nothing else is read."""
    register(cli, "fraud", "s3://f")
    register(cli, "churn", "s3://c")
    (registry_path / "models/churn/versions/1.yaml").write_text("not: [valid\n")
    git(registry_path, "commit", "-qam", "break churn by hand")
    for args in (["register", "fraud", "s3://f2"], ["transition", "fraud", "2", "Staging"],
                 ["alias", "set", "fraud", "champion", "2"], ["tag", "set", "fraud", "k", "v"]):
        result = cli(*args)
        assert result.code == 0, (args, result.stderr)
    assert cli("list").stderr.startswith("error: models/churn/versions/1.yaml: line 2: invalid YAML")
