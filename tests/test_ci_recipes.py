"""The CI recipes of docs/ci.md, run as written: each workflow's scripts are taken from the page and
run with bash in a clone of a registry with a pull-request branch, as GitHub Actions and GitLab CI
would run them (with `gh`, `curl`, `pip` and `apt-get` replaced by stand-ins that log their
arguments), and their outcomes are asserted exactly."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_policy import POLICY, ok

from conftest import EMAIL, Runner, git, modelreg_executable, set_date, set_identity

DOC = Path(__file__).resolve().parent.parent / "docs" / "ci.md"
STUBS = ("gh", "curl", "pip", "apt-get")

pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="the recipes use jq, as CI images have it")


def recipes() -> dict[str, Any]:
    """The YAML blocks of docs/ci.md, by the file named on their first line."""
    found = {}
    for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.DOTALL):
        first = block.splitlines()[0]
        if first.startswith("# "):
            found[first[2:].strip()] = yaml.safe_load(block)
    return found


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


class CI:
    """Runs recipe scripts in WORKDIR with stand-ins for the network tools, logging to `log`."""

    def __init__(self, tmp_path: Path) -> None:
        self.bin = tmp_path / "stubs"
        self.bin.mkdir()
        self.log = tmp_path / "stub.log"
        for tool in STUBS:
            stub = self.bin / tool
            stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{self.log}"\n')
            stub.chmod(0o755)
        tools = dict.fromkeys([str(self.bin), str(Path(modelreg_executable()).parent)])
        self.path = os.pathsep.join([*tools, os.environ.get("PATH", "")])

    def bash(self, script: str, cwd: Path, env: dict[str, str]) -> Ran:
        full = {**os.environ, "PATH": self.path, **env}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=full,
                              capture_output=True, text=True)
        return Ran(proc.returncode, proc.stdout, proc.stderr)

    def github_job(self, job: dict[str, Any], cwd: Path, env: dict[str, str], expressions: dict[str, str]) -> list[Ran]:
        """Every `run` step of JOB, as a GitHub runner runs it (steps with `uses` are the runner's own)."""
        ran = []
        for step in job["steps"]:
            if "run" not in step:
                continue
            step_env = {key: _expand(str(value), expressions) for key, value in step.get("env", {}).items()}
            ran.append(self.bash(_expand(step["run"], expressions), cwd, {**env, **step_env}))
        return ran

    def gitlab_job(self, recipe: dict[str, Any], name: str, cwd: Path, env: dict[str, str]) -> Ran:
        job = recipe[name]
        base = recipe[job["extends"]] if "extends" in job else {}
        lines = [*base.get("before_script", []), *job["script"]]
        variables = {key: str(value) for key, value in recipe.get("variables", {}).items()}
        return self.bash("\n".join(lines), cwd, {**variables, **env})

    def logged(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


def _expand(text: str, expressions: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return expressions[match.group(1).strip()]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


# --------------------------------------------------------------------------- a registry with a pull request


@dataclass
class Project:
    origin: Path
    clone: Path
    base: str
    """origin/main before the pull request."""


@pytest.fixture
def project(tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> Project:
    return make_project(tmp_path, cli, monkeypatch)


def make_project(tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch) -> Project:
    """origin: fraud (owned by ada; v1 auc 0.91 in Production as @champion, v2 auc 0.93 in Staging) under
    the strict policy. A clone with branch `promote-v2`: v2 promoted, @champion moved to it."""
    seed = tmp_path / "seed"
    assert cli("init", str(seed), registry=None).code == 0

    def ok_in(*args: str) -> str:
        return ok(cli, *args, "--registry", str(seed))

    ok_in("create", "fraud", "--owner", EMAIL)
    ok_in("register", "fraud", "s3://m/1", "--metric", "auc=0.91", "--metric", "latency_ms=20", "--run-id", "r1",
          "--stage", "Production", "--alias", "champion")
    ok_in("register", "fraud", "s3://m/2", "--metric", "auc=0.93", "--metric", "latency_ms=18", "--run-id", "r2",
          "--stage", "Staging")
    with (seed / "modelreg.yaml").open("a") as handle:
        handle.write(POLICY)
    git(seed, "commit", "-q", "-am", "Adopt a policy")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    base = git(clone, "rev-parse", "origin/main").strip()
    git(clone, "checkout", "-q", "-b", "promote-v2")
    set_date(monkeypatch, "2026-10-02T12:00:00Z")
    for args in (("transition", "fraud", "2", "Production", "--archive-existing", "-m", "Shadow run passed"),
                 ("alias", "set", "fraud", "champion", "2")):
        result = cli(*args, registry=clone)
        assert result.code == 0, result.stderr
    git(clone, "push", "-q", "origin", "promote-v2")
    return Project(origin, clone, base)


def pull_request_checkout(project: Project, branch: str, tmp_path: Path) -> Path:
    """What actions/checkout gives a pull_request workflow: the merge of BRANCH into main, detached."""
    work = tmp_path / f"runner-{branch}"
    git(tmp_path, "clone", "-q", str(project.origin), str(work))
    git(work, "checkout", "-q", "--detach", "origin/main")
    git(work, "merge", "-q", "--no-ff", "--no-edit", f"origin/{branch}")
    return work


def tampered_branch(project: Project, monkeypatch: pytest.MonkeyPatch) -> str:
    """Branch `tamper` by eve: v1's auc raised by hand, v2 moved to Production by hand."""
    clone = project.clone
    git(clone, "checkout", "-q", "-b", "tamper", "origin/main")
    set_identity(monkeypatch, "Eve", "eve@example.com")
    path = clone / "models/fraud/versions/1.yaml"
    path.write_text(path.read_text().replace("auc: 0.91", "auc: 0.99"))
    git(clone, "commit", "-q", "-am", "fix auc")
    for number, old, new in ((1, "stage: Production", "stage: Archived"), (2, "stage: Staging", "stage: Production")):
        path = clone / f"models/fraud/versions/{number}.yaml"
        path.write_text(path.read_text().replace(old, new))
    git(clone, "commit", "-q", "-am", "ship v2")
    git(clone, "push", "-q", "origin", "tamper")
    set_identity(monkeypatch)
    return git(clone, "rev-parse", "tamper").strip()


MARKDOWN = """\
## Model registry changes

From the merge base of origin/main and HEAD ({base}) to HEAD ({head}): 1 model changed.

### fraud

- v1: Production → Archived
- v2: Staging → Production
- @champion: v1 → v2

**v2 → Production, @champion**, replacing v1

| Metric | v1 | v2 | Change |
| :-- | --: | --: | --: |
| auc | 0.91 | 0.93 | 🟢 +0.02 |
| latency\\_ms | 20 | 18 | 🟢 -2 |
"""


# --------------------------------------------------------------------------- GitHub Actions


def test_the_page_has_the_recipes_the_tests_run() -> None:
    assert set(recipes()) == {".github/workflows/registry-pr.yml", ".github/workflows/registry-deploy.yml",
                              ".github/workflows/registry-site.yml", ".gitlab-ci.yml"}


def test_github_checks_and_comments_on_a_good_pull_request(project: Project, tmp_path: Path) -> None:
    ci = CI(tmp_path)
    work = pull_request_checkout(project, "promote-v2", tmp_path)
    job = recipes()[".github/workflows/registry-pr.yml"]["jobs"]["check"]
    install, check, comment = ci.github_job(job, work, {"GITHUB_BASE_REF": "main"},
                                            {"github.token": "t0ken", "github.event.pull_request.number": "7"})
    assert (install.code, check.code, check.stdout, check.stderr) == (0, 0, "", "")
    assert json.loads((work / "problems.json").read_text()) == []
    assert comment.code == 0
    head = git(work, "rev-parse", "HEAD").strip()
    assert (work / "comment.md").read_text() == MARKDOWN.format(base=project.base[:8], head=head[:8])
    assert ci.logged() == [
        'pip install modelreg @ git+https://github.com/<org>/modelreg@v0.1.0',
        "gh pr comment 7 --body-file comment.md --edit-last",
    ]


def test_github_annotates_a_tampered_pull_request_and_fails(project: Project, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    tampered = tampered_branch(project, monkeypatch)
    first = git(project.clone, "rev-parse", "tamper~1").strip()
    ci = CI(tmp_path)
    work = pull_request_checkout(project, "tamper", tmp_path)
    job = recipes()[".github/workflows/registry-pr.yml"]["jobs"]["check"]
    _, check, comment = ci.github_job(job, work, {"GITHUB_BASE_REF": "main"},
                                      {"github.token": "t0ken", "github.event.pull_request.number": "8"})
    by = "models/fraud/versions"
    assert check.code == 1
    assert check.stdout.splitlines() == [
        f"::error file={by}/1.yaml,line=9,title=immutable::fraud v1: metrics.auc changed (0.91 -> 0.99), but what a "
        "version was registered with never changes: restore it and register a new version",
        f"::error file={by}/1.yaml,line=3,title=approvers::fraud v1 Production -> Archived: eve@example.com may not "
        f"take versions out of Production: ask an owner of the model ({EMAIL}) or someone matching *@risk.example.com "
        "to make the change",
        # judged commit by commit: v2 is now compared with the v1 the first commit made up
        f"::error file={by}/2.yaml,line=3,title=not-worse::fraud v2 Staging -> Production: auc 0.93 of v2 is worse "
        "than 0.99 of v1, the current Production version (higher is better)",
        f"::error file={by}/2.yaml,line=3,title=approvers::fraud v2 Staging -> Production: eve@example.com may not move "
        f"versions into Production: ask an owner of the model ({EMAIL}) or someone matching *@risk.example.com to "
        "make the change",
    ]
    problems = json.loads((work / "problems.json").read_text())
    assert [(p["rule"], p["commit"], p["author"]) for p in problems] == [
        ("immutable", first, "eve@example.com"), ("approvers", tampered, "eve@example.com"),
        ("not-worse", tampered, "eve@example.com"), ("approvers", tampered, "eve@example.com"),
    ]
    assert check.stderr == "error: 4 problems found: fix them and run `modelreg check` again\n"
    assert comment.code == 0  # `if: always()`: the comment is posted on a failing check too
    assert "- v1 metrics edited: " in (work / "comment.md").read_text()


def test_github_emits_the_promotions_of_a_merge_to_main(project: Project, tmp_path: Path) -> None:
    clone = project.clone
    git(clone, "checkout", "-q", "main")
    git(clone, "merge", "-q", "--no-ff", "--no-edit", "promote-v2")
    git(clone, "push", "-q", "origin", "main")
    after = git(clone, "rev-parse", "HEAD").strip()
    work = tmp_path / "runner-main"
    git(tmp_path, "clone", "-q", str(project.origin), str(work))
    ci = CI(tmp_path)
    job = recipes()[".github/workflows/registry-deploy.yml"]["jobs"]["promotions"]
    ran = ci.github_job(job, work, {"GITHUB_SHA": after}, {"github.event.before": project.base})
    assert [(r.code, r.stderr) for r in ran] == [(0, ""), (0, "")]
    assert json.loads((work / "events.json").read_text()) == [
        {"type": "stage_changed", "model": "fraud", "version": 1, "key": None, "from": "Production", "to": "Archived"},
        {"type": "stage_changed", "model": "fraud", "version": 2, "key": None, "from": "Staging", "to": "Production"},
        {"type": "alias_moved", "model": "fraud", "version": 2, "key": "champion", "from": 1, "to": 2},
    ]
    assert json.loads((work / "promotions.json").read_text()) == [
        {"type": "stage_changed", "model": "fraud", "version": 2, "key": None, "from": "Staging", "to": "Production"},
        {"type": "alias_moved", "model": "fraud", "version": 2, "key": "champion", "from": 1, "to": 2},
    ]
    assert (work / "deploy.txt").read_text() == "models:/fraud/2 s3://m/2\n"


# --------------------------------------------------------------------------- GitLab CI


def gitlab_merge_request(project: Project, branch: str, tmp_path: Path) -> Path:
    """What a GitLab runner checks out for a merge request pipeline: the source branch's head."""
    work = tmp_path / f"gitlab-{branch}"
    git(tmp_path, "clone", "-q", "--no-checkout", str(project.origin), str(work))
    git(work, "checkout", "-q", "--detach", f"origin/{branch}")
    git(work, "update-ref", "-d", "refs/remotes/origin/main")  # the job fetches the target itself
    return work


MR_ENV = {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
          "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "7", "REGISTRY_BOT_TOKEN": "t0ken"}


def test_gitlab_checks_and_comments_on_a_good_merge_request(project: Project, tmp_path: Path) -> None:
    ci = CI(tmp_path)
    work = gitlab_merge_request(project, "promote-v2", tmp_path)
    ran = ci.gitlab_job(recipes()[".gitlab-ci.yml"], "registry:check", work, MR_ENV)
    assert (ran.code, ran.stdout, ran.stderr) == (0, "", "")
    assert json.loads((work / "gl-code-quality.json").read_text()) == []
    head = git(work, "rev-parse", "HEAD").strip()
    assert (work / "comment.md").read_text() == MARKDOWN.format(base=project.base[:8], head=head[:8])
    assert ci.logged()[-1] == ('curl -sS --fail -X POST -H PRIVATE-TOKEN: t0ken --data-urlencode body@comment.md '
                               'https://gitlab.example.com/api/v4/projects/42/merge_requests/7/notes')


def test_gitlab_reports_a_tampered_merge_request_as_code_quality(project: Project, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    tampered = tampered_branch(project, monkeypatch)
    ci = CI(tmp_path)
    work = gitlab_merge_request(project, "tamper", tmp_path)
    ran = ci.gitlab_job(recipes()[".gitlab-ci.yml"], "registry:check", work, MR_ENV)
    assert (ran.code, ran.stderr) == (1, "error: 4 problems found: fix them and run `modelreg check` again\n")
    report = json.loads((work / "gl-code-quality.json").read_text())
    assert [(r["check_name"], r["severity"], r["location"]) for r in report] == [
        ("immutable", "major", {"path": "models/fraud/versions/1.yaml", "lines": {"begin": 9}}),
        ("approvers", "major", {"path": "models/fraud/versions/1.yaml", "lines": {"begin": 3}}),
        ("not-worse", "major", {"path": "models/fraud/versions/2.yaml", "lines": {"begin": 3}}),
        ("approvers", "major", {"path": "models/fraud/versions/2.yaml", "lines": {"begin": 3}}),
    ]
    assert report[3]["fingerprint"] == f"models/fraud/versions/2.yaml:3:approvers:{tampered}"
    assert report[3]["description"].startswith("approvers: fraud v2 Staging -> Production: eve@example.com may not")


def test_gitlab_emits_the_promotions_of_a_merge_to_main(project: Project, tmp_path: Path) -> None:
    clone = project.clone
    git(clone, "checkout", "-q", "main")
    git(clone, "merge", "-q", "--no-ff", "--no-edit", "promote-v2")
    git(clone, "push", "-q", "origin", "main")
    after = git(clone, "rev-parse", "HEAD").strip()
    work = tmp_path / "gitlab-main"
    git(tmp_path, "clone", "-q", str(project.origin), str(work))
    ci = CI(tmp_path)
    ran = ci.gitlab_job(recipes()[".gitlab-ci.yml"], "registry:deploy", work,
                        {"CI_COMMIT_BEFORE_SHA": project.base, "CI_COMMIT_SHA": after})
    assert (ran.code, ran.stdout, ran.stderr) == (0, "", "")
    assert [event["type"] for event in json.loads((work / "promotions.json").read_text())] == [
        "stage_changed", "alias_moved"]
    assert (work / "deploy.txt").read_text() == "models:/fraud/2 s3://m/2\n"
    assert ci.logged()[:1] == ["apt-get update -qq"]


# --------------------------------------------------------------------------- the site on Pages


def _site_commits(site: Path) -> set[str]:
    return set(re.findall(r'href="([^"]+/commit/[0-9a-f]{40})"', (site / "activity.html").read_text()))


def test_github_builds_the_site_for_pages(project: Project, tmp_path: Path) -> None:
    work = tmp_path / "runner-site"
    git(tmp_path, "clone", "-q", str(project.origin), str(work))
    ci = CI(tmp_path)
    job = recipes()[".github/workflows/registry-site.yml"]["jobs"]["build"]
    assert [step.get("uses") for step in job["steps"] if "uses" in step][-1] == "actions/upload-pages-artifact@v3"
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/registry"}
    install, site = ci.github_job(job, work, env, {})
    assert (install.code, site.code, site.stderr) == (0, 0, "")
    assert site.stdout.startswith(f"Built the site of 1 model and 2 versions (5 pages) in {work / '_site'}")
    assert (work / "_site/models/fraud/versions/2.html").is_file()
    head = git(work, "rev-parse", "HEAD").strip()
    assert f"https://github.com/acme/registry/commit/{head}" in _site_commits(work / "_site")


def test_gitlab_publishes_the_site_from_public(project: Project, tmp_path: Path) -> None:
    work = tmp_path / "gitlab-site"
    git(tmp_path, "clone", "-q", str(project.origin), str(work))
    ci = CI(tmp_path)
    recipe = recipes()[".gitlab-ci.yml"]
    assert recipe["pages"]["artifacts"] == {"paths": ["public"]}
    ran = ci.gitlab_job(recipe, "pages", work, {"CI_PROJECT_URL": "https://gitlab.example.com/acme/registry"})
    assert (ran.code, ran.stderr) == (0, "")
    assert (work / "public/index.html").is_file()
    head = git(work, "rev-parse", "HEAD").strip()
    assert f"https://gitlab.example.com/acme/registry/-/commit/{head}" in _site_commits(work / "public")
