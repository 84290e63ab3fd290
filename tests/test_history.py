"""`modelreg log`: the audit history from git, for changes made by modelreg and by hand (merged
through a branch), with pinned dates so every line can be checked exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EMAIL, Runner, git, set_date, set_identity

BOB = "bob@example.com"
CAROL = "carol@example.com"


def as_of(monkeypatch: pytest.MonkeyPatch, date: str, email: str = EMAIL) -> None:
    set_date(monkeypatch, date)
    set_identity(monkeypatch, email.split("@")[0].title(), email)


def ok(cli: Runner, *args: str) -> str:
    result = cli(*args)
    assert result.code == 0, result.stderr
    return result.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def build_history(root: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A registry's life: modelreg commands by two people, then a hand edit on a branch merged with
    plain git while main moved on. Returns the commit ids by name."""
    ids: dict[str, str] = {"init": git(root, "rev-parse", "HEAD").strip()}

    def commit(name: str) -> None:
        ids[name] = git(root, "rev-parse", "HEAD").strip()

    as_of(monkeypatch, "2026-10-02T09:00:00Z")
    ok(cli, "register", "fraud", "s3://fraud/1", "--metric", "auc=0.91", "--metric", "loss=0.31", "-m", "baseline")
    commit("register1")
    as_of(monkeypatch, "2026-10-03T09:00:00Z")
    ok(cli, "transition", "fraud", "1", "Production")
    commit("promote1")
    as_of(monkeypatch, "2026-10-05T09:00:00Z", BOB)
    ok(cli, "register", "fraud", "s3://fraud/2", "--metric", "auc=0.93", "--metric", "loss=0.28", "--alias", "champion")
    commit("register2")
    as_of(monkeypatch, "2026-10-06T09:00:00Z", BOB)
    ok(cli, "transition", "fraud", "2", "Production", "--archive-existing", "-m", "A/B test: +2% recall")
    commit("promote2")

    git(root, "checkout", "-q", "-b", "review")
    as_of(monkeypatch, "2026-10-07T10:00:00Z", CAROL)
    edit(root / "models/fraud/model.yaml", "owners: []", "owners:\n- carol@example.com")
    edit(root / "models/fraud/model.yaml", "tags: {}", "tags:\n  team: risk")
    edit(root / "models/fraud/versions/2.yaml", "description: ''", "description: calibrated on October data")
    git(root, "commit", "-q", "-am", "Fraud: owner, team tag and a description\n\nAgreed in the model review.")
    commit("hand_edit")
    git(root, "checkout", "-q", "main")

    as_of(monkeypatch, "2026-10-07T11:00:00Z")
    ok(cli, "register", "churn", "s3://churn/1", "--stage", "Staging")
    commit("churn")
    as_of(monkeypatch, "2026-10-08T09:00:00Z")
    git(root, "merge", "-q", "--no-ff", "review", "-m", "Merge branch 'review'")
    commit("merge")
    return ids


@pytest.fixture
def history(registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    git(registry_path, "branch", "-M", "main")
    return build_history(registry_path, cli, monkeypatch)


def test_log_of_the_whole_registry(history: dict[str, str], cli: Runner) -> None:
    short = {name: commit[:8] for name, commit in history.items()}
    assert ok(cli, "log") == f"""\
2026-10-08 09:00  {short['merge']}  Ada <{EMAIL}>
  description of fraud v2: "calibrated on October data"
  owners of fraud: none -> carol@example.com
  tag fraud: team=risk
  why: Merge branch 'review'

2026-10-07 11:00  {short['churn']}  Ada <{EMAIL}>
  created model churn
  registered churn v1 in Staging

2026-10-06 09:00  {short['promote2']}  Bob <{BOB}>
  fraud v1: Production -> Archived
  fraud v2: None -> Production
  why: A/B test: +2% recall

2026-10-05 09:00  {short['register2']}  Bob <{BOB}>
  registered fraud v2 in None
  fraud@champion -> v2

2026-10-03 09:00  {short['promote1']}  Ada <{EMAIL}>
  fraud v1: None -> Production

2026-10-02 09:00  {short['register1']}  Ada <{EMAIL}>
  created model fraud
  registered fraud v1 in None
  why: baseline

2026-10-01 12:00  {short['init']}  Ada Lovelace <{EMAIL}>
  registry config created
"""


def test_log_json_of_a_model(history: dict[str, str], cli: Runner) -> None:
    rows = json.loads(ok(cli, "log", "fraud", "--json", "--since", "2026-10-05"))

    def row(commit: str, author: str, time: str, kind: str, version: int | None, key: str | None,
            before: object, after: object, subject: str, message: str) -> dict[str, object]:
        name = author.split("@")[0].title()
        return {"commit": history[commit], "author": f"{name} <{author}>", "author_name": name, "author_email": author,
                "time": time, "type": kind, "model": "fraud",
                "version": version, "key": key, "from": before, "to": after, "subject": subject, "message": message}

    merge = ("merge", EMAIL, "2026-10-08T09:00:00Z")
    why = ("Merge branch 'review'", "Merge branch 'review'")
    promote = ("promote2", BOB, "2026-10-06T09:00:00Z")
    promoted = ("transition fraud v2: None -> Production; archive v1", "A/B test: +2% recall")
    registered = ("register2", BOB, "2026-10-05T09:00:00Z")
    assert rows == [
        row(*merge, "description_changed", 2, None, "", "calibrated on October data", *why),
        row(*merge, "owners_changed", None, None, [], [CAROL], *why),
        row(*merge, "tag_set", None, "team", None, "risk", *why),
        row(*promote, "stage_changed", 1, None, "Production", "Archived", *promoted),
        row(*promote, "stage_changed", 2, None, "None", "Production", *promoted),
        row(*registered, "version_registered", 2, None, None, "None", "register fraud v2 as @champion", ""),
        row(*registered, "alias_set", 2, "champion", None, 2, "register fraud v2 as @champion", ""),
    ]


def test_the_branch_commit_itself_is_not_repeated(history: dict[str, str], registry_path: Path) -> None:
    # first-parent history: the hand edit shows once, as what the merge brought to main
    from modelreg_cli.service import Registry

    commits = [entry.commit.id for entry in Registry(registry_path).history()]
    assert history["hand_edit"] not in commits
    assert commits[0] == history["merge"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["fraud", "1"], [("promote2", "stage_changed"), ("promote1", "stage_changed"),
                          ("register1", "model_created"), ("register1", "version_registered")]),
        (["fraud", "--alias", "champion"], [("register2", "alias_set")]),
        (["--stage", "production"], [("promote2", "stage_changed"), ("promote2", "stage_changed"),
                                     ("promote1", "stage_changed")]),
        (["--stage", "Staging"], [("churn", "version_registered")]),
        (["fraud", "--max-count", "2"], [("merge", "description_changed"), ("merge", "owners_changed"),
                                         ("merge", "tag_set"), ("promote2", "stage_changed"),
                                         ("promote2", "stage_changed")]),
        (["--since", "2026-10-03", "--until", "2026-10-05"], [("register2", "version_registered"),
                                                              ("register2", "alias_set"),
                                                              ("promote1", "stage_changed")]),
        (["--until", "2026-10-07T10:59:59Z", "-n", "1"], [("promote2", "stage_changed"),
                                                          ("promote2", "stage_changed")]),
        (["--since", "2026-10-07T12:00:00+02:00", "--until", "2026-10-07T13:00:00+02:00"],
         [("churn", "model_created"), ("churn", "version_registered")]),
        (["churn", "--alias", "champion"], []),
    ],
)
def test_log_filters(history: dict[str, str], cli: Runner, args: list[str], expected: list[tuple[str, str]]) -> None:
    rows = json.loads(ok(cli, "log", *args, "--json"))
    by_id = {commit: name for name, commit in history.items()}
    assert [(by_id[row["commit"]], row["type"]) for row in rows] == expected


def test_log_with_nothing_to_show(history: dict[str, str], cli: Runner) -> None:
    assert ok(cli, "log", "churn", "--alias", "champion") == "No history matches.\n"
    assert ok(cli, "log", "--since", "2027-01-01", "--json") == "[]\n"


def test_log_follows_a_model_through_a_rename(
    history: dict[str, str], registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_of(monkeypatch, "2026-10-09T09:00:00Z")
    ok(cli, "rename", "fraud", "fraud-detector")
    as_of(monkeypatch, "2026-10-10T09:00:00Z")
    ok(cli, "alias", "set", "fraud-detector", "champion", "1")
    rows = json.loads(ok(cli, "log", "fraud-detector", "--json"))
    assert [(row["model"], row["type"], row["from"], row["to"]) for row in rows[:3]] == [
        ("fraud-detector", "alias_moved", 2, 1),
        ("fraud-detector", "model_renamed", "fraud", "fraud-detector"),
        ("fraud", "description_changed", "", "calibrated on October data"),
    ]
    assert rows[-1]["type"] == "version_registered" and rows[-1]["model"] == "fraud"
    assert len(rows) == 2 + 10  # the two new events, then fraud's ten
    # the old name's history ends with the rename; the registry's log shows the rename once
    assert [row["type"] for row in json.loads(ok(cli, "log", "fraud", "--json"))[:2]] == [
        "model_renamed", "description_changed"
    ]
    assert [row["type"] for row in json.loads(ok(cli, "log", "--json", "-n", "2"))] == ["alias_moved", "model_renamed"]


def test_log_of_a_deleted_model_and_of_a_name_never_used(history: dict[str, str], cli: Runner) -> None:
    ok(cli, "delete", "churn", "--yes")
    rows = json.loads(ok(cli, "log", "churn", "--json"))
    assert [row["type"] for row in rows] == ["model_deleted", "model_created", "version_registered"]
    result = cli("log", "ghost")
    assert (result.code, result.stderr) == (1, "error: no model named 'ghost': `modelreg list` shows the models\n")


def test_a_hand_edit_of_an_immutable_field_and_a_broken_file_show_up(
    history: dict[str, str], registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_of(monkeypatch, "2026-10-09T09:00:00Z", CAROL)
    edit(registry_path / "models/fraud/versions/1.yaml", "auc: 0.91", "auc: 0.99")
    git(registry_path, "commit", "-q", "-am", "Better numbers")
    as_of(monkeypatch, "2026-10-09T10:00:00Z", CAROL)
    edit(registry_path / "models/fraud/versions/1.yaml", "stage: Archived", "stage: [Archived")
    git(registry_path, "commit", "-q", "-am", "Oops")
    as_of(monkeypatch, "2026-10-09T11:00:00Z", CAROL)
    edit(registry_path / "models/fraud/versions/1.yaml", "stage: [Archived", "stage: Staging")
    git(registry_path, "commit", "-q", "-am", "Fix the typo, and stage it")
    lines = ok(cli, "log", "fraud", "1", "-n", "3").splitlines()
    assert [line.split("  ", 3)[-1] if not line.startswith(" ") else line for line in lines] == [
        f"Carol <{CAROL}>",
        "  models/fraud/versions/1.yaml can be read again",
        "  why: Fix the typo, and stage it",
        "",
        f"Carol <{CAROL}>",
        "  models/fraud/versions/1.yaml cannot be read: line 4: invalid YAML: did not find expected ',' or ']'",
        "  why: Oops",
        "",
        f"Carol <{CAROL}>",
        '  fraud v1 metrics edited: {"auc": 0.91, "loss": 0.31} -> {"auc": 0.99, "loss": 0.31}',
        "  why: Better numbers",
    ]


def test_log_of_a_registry_in_a_subfolder(tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    root = repo / "ml" / "registry"
    ok(cli, "--registry", str(root), "init", str(root))
    (repo / "train.py").write_text("print('train')\n")
    git(repo, "add", "train.py")
    git(repo, "commit", "-q", "-m", "code only")
    as_of(monkeypatch, "2026-10-02T09:00:00Z")
    ok(cli, "--registry", str(root), "register", "fraud", "s3://m/1", "--alias", "champion")
    rows = json.loads(ok(cli, "--registry", str(root), "log", "--json"))
    assert [(row["type"], row["model"]) for row in rows] == [
        ("model_created", "fraud"), ("version_registered", "fraud"), ("alias_set", "fraud"), ("config_changed", None),
    ]


def test_log_takes_a_model_name_literally(history: dict[str, str], cli: Runner) -> None:
    result = cli("log", "fr*")
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == "error: no model named 'fr*': `modelreg list` shows the models\n"  # no glob


def test_log_refuses_a_bad_date(history: dict[str, str], cli: Runner) -> None:
    result = cli("log", "--since", "last tuesday")
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: --since 'last tuesday' is not a date: give a date like 2026-10-01 or 2026-10-01T12:00:00Z\n"
    )


def test_log_as_a_real_process(history: dict[str, str], registry_path: Path, sh: Runner) -> None:
    result = sh("log", "fraud", "2", "--stage", "Production", cwd=registry_path)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == f"""\
2026-10-06 09:00  {history['promote2'][:8]}  Bob <{BOB}>
  fraud v2: None -> Production
  why: A/B test: +2% recall
"""


@pytest.mark.parametrize("command", ["log", "diff", "rollback"])
def test_history_commands_have_help_for_every_option(command: str) -> None:
    import typer.main

    from modelreg_cli.cli.app import app

    group = typer.main.get_command(app)
    found = group.commands[command]  # type: ignore[attr-defined]
    assert found.help, f"{command} has no help"
    for param in found.params:
        assert getattr(param, "help", None), f"{command} {param.name} has no help"


def test_history_of_a_registry_read_by_url(
    history: dict[str, str], registry_path: Path, tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url = registry_path.as_uri()
    rows = json.loads(ok(cli, "--registry", url, "log", "fraud", "2", "--json"))
    assert [(row["commit"], row["type"]) for row in rows] == [
        (history["merge"], "description_changed"), (history["promote2"], "stage_changed"),
        (history["register2"], "version_registered"), (history["register2"], "alias_set"),
        (history["register1"], "model_created"),
    ]
    assert ok(cli, "--registry", url, "diff", history["promote1"], history["promote2"]) == (
        "fraud\n  v1: Production -> Archived\n  registered v2 in Production\n  @champion -> v2\n"
    )
    result = cli("--registry", url, "diff")
    assert (result.code, result.stderr) == (1, "error: this registry is read from git and has no working tree: "
                                               "give the revisions to compare, as in `modelreg diff BASE HEAD`\n")
