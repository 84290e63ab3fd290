"""`modelreg diff`: the changes between two states of the registry, in text, markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Runner, git, set_date

METRICS_V1 = ["--metric", "auc=0.91", "--metric", "loss=0.31", "--metric", "latency_ms=12"]
METRICS_V2 = ["--metric", "auc=0.93", "--metric", "loss=0.28", "--metric", "latency_ms=15", "--metric", "f1=0.8"]


def ok(cli: Runner, *args: str) -> str:
    result = cli(*args)
    assert result.code == 0, result.stderr
    return result.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def fraud(registry_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> Path:
    """fraud v1 in Production as @champion, v2 registered; everything committed."""
    set_date(monkeypatch, "2026-10-02T09:00:00Z")
    ok(cli, "register", "fraud", "s3://fraud/1", *METRICS_V1, "--alias", "champion")
    ok(cli, "transition", "fraud", "1", "Production")
    set_date(monkeypatch, "2026-10-03T09:00:00Z")
    ok(cli, "register", "fraud", "s3://fraud/2", *METRICS_V2)
    return registry_path


def promote_by_hand(root: Path) -> None:
    """What a pull request promoting v2 changes, edited as text, plus a v3 manifest not yet added to git."""
    versions = root / "models/fraud/versions"
    edit(versions / "1.yaml", "stage: Production", "stage: Archived")
    edit(versions / "2.yaml", "stage: None", "stage: Production")
    edit(root / "models/fraud/model.yaml", "champion: 1", "champion: 2")
    edit(root / "models/fraud/model.yaml", "last_version: 2", "last_version: 3")
    text = (versions / "2.yaml").read_text().replace("version: 2", "version: 3").replace("fraud/2", "fraud/3")
    (versions / "3.yaml").write_text(text.replace("stage: Production", "stage: None"))


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()[:8]


def test_working_tree_against_head_as_text(fraud: Path, cli: Runner) -> None:
    promote_by_hand(fraud)
    assert ok(cli, "diff") == """\
fraud
  v1: Production -> Archived
  v2: None -> Production
  registered v3 in None
  @champion: v1 -> v2
"""


def test_working_tree_against_head_as_markdown(fraud: Path, cli: Runner) -> None:
    promote_by_hand(fraud)
    assert ok(cli, "diff", "--format", "markdown") == f"""\
## Model registry changes

From HEAD ({head(fraud)}) to the working tree: 1 model changed.

### fraud

- v1: Production → Archived
- v2: None → Production
- registered v3 in None
- @champion: v1 → v2

**v2 → Production, @champion**, replacing v1

| Metric | v1 | v2 | Change |
| :-- | --: | --: | --: |
| auc | 0.91 | 0.93 | 🟢 +0.02 |
| f1 | — | 0.8 | new |
| latency\\_ms | 12 | 15 | 🔴 +3 |
| loss | 0.31 | 0.28 | 🟢 -0.03 |
"""


def test_working_tree_against_head_as_json(fraud: Path, cli: Runner) -> None:
    promote_by_hand(fraud)
    assert json.loads(ok(cli, "diff", "-f", "json")) == [
        {"type": "stage_changed", "model": "fraud", "version": 1, "key": None, "from": "Production", "to": "Archived"},
        {"type": "stage_changed", "model": "fraud", "version": 2, "key": None, "from": "None", "to": "Production"},
        {"type": "version_registered", "model": "fraud", "version": 3, "key": None, "from": None, "to": "None"},
        {"type": "alias_moved", "model": "fraud", "version": 2, "key": "champion", "from": 1, "to": 2},
    ]


def test_a_clean_working_tree_has_no_changes(fraud: Path, cli: Runner) -> None:
    short = head(fraud)
    assert ok(cli, "diff") == f"No changes to the registry from HEAD ({short}) to the working tree.\n"
    assert ok(cli, "diff", "-f", "json") == "[]\n"
    assert ok(cli, "diff", "-f", "markdown") == (
        f"## Model registry changes\n\nNo changes to the registry from HEAD ({short}) to the working tree.\n"
    )


def revisions(root: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """From the fixture's HEAD: promote v2 (archiving v1), move @champion, add churn, tag fraud."""
    start = git(root, "rev-parse", "HEAD").strip()
    set_date(monkeypatch, "2026-10-04T09:00:00Z")
    ok(cli, "transition", "fraud", "2", "Production", "--archive-existing")
    ok(cli, "alias", "set", "fraud", "champion", "2")
    set_date(monkeypatch, "2026-10-05T09:00:00Z")
    ok(cli, "register", "churn", "s3://churn/1", "--metric", "auc=0.7", "--stage", "Staging")
    ok(cli, "tag", "set", "fraud", "team", "risk")
    ok(cli, "describe", "fraud", "Card fraud scores")
    return start, git(root, "rev-parse", "HEAD").strip()


def test_two_revisions_as_text_and_markdown(fraud: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    start, end = revisions(fraud, cli, monkeypatch)
    text = """\
churn
  model created
  registered v1 in Staging
fraud
  v1: Production -> Archived
  v2: None -> Production
  description: "Card fraud scores"
  tag: team=risk
  @champion: v1 -> v2
"""
    assert ok(cli, "diff", start, end) == text
    assert ok(cli, "diff", f"{start[:10]}..{end}") == text
    assert ok(cli, "diff", "HEAD~5", "HEAD", "--format", "markdown") == f"""\
## Model registry changes

From HEAD~5 ({start[:8]}) to HEAD ({end[:8]}): 2 models changed.

### churn

- model created
- registered v1 in Staging

**v1 → Staging** (nothing held it before)

| Metric | v1 |
| :-- | --: |
| auc | 0.7 |

### fraud

- v1: Production → Archived
- v2: None → Production
- description: "Card fraud scores"
- tag: team=risk
- @champion: v1 → v2

**v2 → Production, @champion**, replacing v1

| Metric | v1 | v2 | Change |
| :-- | --: | --: | --: |
| auc | 0.91 | 0.93 | 🟢 +0.02 |
| f1 | — | 0.8 | new |
| latency\\_ms | 12 | 15 | 🔴 +3 |
| loss | 0.31 | 0.28 | 🟢 -0.03 |
"""


def test_revisions_by_date(fraud: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    revisions(fraud, cli, monkeypatch)
    rows = json.loads(ok(cli, "diff", "2026-10-04", "2026-10-05", "-f", "json"))
    assert rows == [
        {"type": "model_created", "model": "churn", "version": None, "key": None, "from": None, "to": None},
        {"type": "version_registered", "model": "churn", "version": 1, "key": None, "from": None, "to": "Staging"},
        {"type": "description_changed", "model": "fraud", "version": None, "key": None, "from": "",
         "to": "Card fraud scores"},
        {"type": "tag_set", "model": "fraud", "version": None, "key": "team", "from": None, "to": "risk"},
    ]


def test_three_dots_compare_a_branch_with_where_it_started(
    fraud: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(fraud, "branch", "-M", "main")
    git(fraud, "checkout", "-q", "-b", "promote-v2")
    set_date(monkeypatch, "2026-10-04T09:00:00Z")
    ok(cli, "transition", "fraud", "2", "Staging")
    git(fraud, "checkout", "-q", "main")
    ok(cli, "tag", "set", "fraud", "team", "risk")  # main moves on meanwhile
    assert ok(cli, "diff", "main...promote-v2") == "fraud\n  v2: None -> Staging\n"
    assert ok(cli, "diff", "main..promote-v2") == "fraud\n  v2: None -> Staging\n  untag: team (was risk)\n"
    start = git(fraud, "merge-base", "main", "promote-v2").strip()
    assert ok(cli, "diff", "main...promote-v2", "-f", "markdown").splitlines()[2] == (
        f"From the merge base of main and promote-v2 ({start[:8]}) to promote-v2 "
        f"({git(fraud, 'rev-parse', 'promote-v2').strip()[:8]}): 1 model changed."
    )


def test_a_rename_and_a_deletion(fraud: Path, cli: Runner) -> None:
    ok(cli, "rename", "fraud", "fraud-detector")
    ok(cli, "register", "churn", "s3://churn/1")
    ok(cli, "delete", "churn", "--yes")
    assert ok(cli, "diff", "HEAD~3", "HEAD") == "fraud-detector\n  renamed from fraud\n"
    assert ok(cli, "diff", "HEAD~1", "HEAD") == "churn\n  model deleted\n"


def test_registry_config_changes(fraud: Path, cli: Runner) -> None:
    edit(fraud / "modelreg.yaml", "- Archived", "- Shadow\n- Archived")
    assert ok(cli, "diff") == (
        'registry\n  registry config stages: ["None", "Staging", "Production", "Archived"] -> '
        '["None", "Staging", "Production", "Shadow", "Archived"]\n'
    )


def test_diff_refuses_unknown_revisions(fraud: Path, cli: Runner) -> None:
    result = cli("diff", "nope")
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: 'nope' is neither a revision nor a date: give a commit, branch or tag, or a date like 2026-10-01\n"
    )
    result = cli("diff", "-f", "html")
    assert result.code == 2
    assert result.stderr.startswith("error: Invalid value for '--format' / '-f'")


def test_diff_as_a_real_process(fraud: Path, sh: Runner) -> None:
    promote_by_hand(fraud)
    result = sh("diff", "-f", "json", cwd=fraud / "models")
    assert (result.code, result.stderr) == (0, "")
    assert [row["type"] for row in json.loads(result.stdout)] == [
        "stage_changed", "stage_changed", "version_registered", "alias_moved",
    ]


def test_markdown_reads_untouched_versions_a_promotion_is_compared_with(
    fraud: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # v1 holds Staging too (Staging is not exclusive) and is untouched by the change; @champion moves
    # back to v1 without v1's file changing either
    ok(cli, "transition", "fraud", "1", "Staging")
    ok(cli, "alias", "set", "fraud", "champion", "2")
    start = git(fraud, "rev-parse", "HEAD").strip()
    ok(cli, "register", "fraud", "s3://fraud/3", "--metric", "auc=0.95", "--stage", "Staging")
    ok(cli, "alias", "set", "fraud", "champion", "1")
    assert ok(cli, "diff", start, "HEAD", "-f", "markdown").split("\n\n", 2)[2] == """\
### fraud

- registered v3 in Staging
- @champion: v2 → v1

**v3 → Staging**, replacing v1

| Metric | v1 | v3 | Change |
| :-- | --: | --: | --: |
| auc | 0.91 | 0.95 | 🟢 +0.04 |
| latency\\_ms | 12 | — | removed |
| loss | 0.31 | — | removed |

**v1 → @champion**, replacing v2

| Metric | v2 | v1 | Change |
| :-- | --: | --: | --: |
| auc | 0.93 | 0.91 | 🔴 -0.02 |
| f1 | 0.8 | — | removed |
| latency\\_ms | 15 | 12 | 🟢 -3 |
| loss | 0.28 | 0.31 | 🔴 +0.03 |
"""
