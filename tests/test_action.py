"""The GitHub Action (action.yml) run as a runner runs it: each step's script with its env, in a checkout
of a registry with a pull-request branch, with `gh` and `pip` replaced by stand-ins. The `gh` stand-in
keeps the pull request's comments in a file, so posting and then updating one comment is proven."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_ci_recipes import CI, MARKDOWN, Project, make_project, pull_request_checkout, tampered_branch

from conftest import Runner as CliRunner
from conftest import git

ACTION = Path(__file__).resolve().parent.parent / "action.yml"
MARKER = "<!-- modelreg:registry-review -->"

pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="the action uses jq, as GitHub's runners have it")

GH = '''#!{python}
"""A stand-in for `gh api` that keeps one pull request's comments in {state}."""
import json, pathlib, sys
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write("gh " + " ".join(args) + "\\n")
state = pathlib.Path({state!r})
comments = json.loads(state.read_text()) if state.exists() else []
method, fields, paths, rest = "GET", {{}}, [], list(args[1:])
while rest:
    arg = rest.pop(0)
    if arg == "--method":
        method = rest.pop(0)
    elif arg == "-F":
        key, value = rest.pop(0).split("=", 1)
        fields[key] = pathlib.Path(value[1:]).read_text() if value.startswith("@") else value
    elif arg != "--paginate":
        paths.append(arg)
path = paths[0].split("?")[0]
if method == "GET" and path.endswith("/comments"):
    for page in (comments[:1], comments[1:]):  # two pages, as --paginate prints them
        print(json.dumps(page))
    sys.exit(0)
if method == "POST" and path.endswith("/comments"):
    comments.append({{"id": 100 + len(comments), "body": fields["body"]}})
elif method == "PATCH":
    number = int(path.rsplit("/", 1)[1])
    [found] = [c for c in comments if c["id"] == number]
    found["body"] = fields["body"]
else:
    sys.exit("gh stand-in: unexpected call " + " ".join(args))
state.write_text(json.dumps(comments))
print(json.dumps(comments[-1] if method == "POST" else found))
'''


class Runner:
    """Runs action.yml's steps for one event, like a GitHub runner, and collects the outputs."""

    def __init__(self, tmp_path: Path) -> None:
        self.ci = CI(tmp_path)
        self.state = tmp_path / "comments.json"
        self.state.write_text(json.dumps([{"id": 1, "body": "LGTM, from a person"}]))
        gh = self.ci.bin / "gh"
        gh.write_text(GH.format(python=sys.executable, state=str(self.state), log=str(self.ci.log)))
        gh.chmod(0o755)
        self.temp = tmp_path / "runner-temp"
        self.temp.mkdir()
        self.action = yaml.safe_load(ACTION.read_text())

    def run(self, cwd: Path, github: dict[str, str], inputs: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
        """(exit code of the first failing step or 0, stdout of all steps, the action's outputs)."""
        values = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in self.action["inputs"].items()}
        values["inputs.github-token"] = "t0ken"
        values.update({f"inputs.{k}": v for k, v in (inputs or {}).items()})
        values.update({f"github.{k}": v for k, v in github.items()})
        values["github.action_path"] = str(ACTION.parent)
        outputs: dict[str, dict[str, str]] = {}
        stdout = ""
        self.stderr = ""
        code = 0
        for step in self.action["runs"]["steps"]:
            assert step["shell"] == "bash" and "${{" not in step["run"], "values reach the scripts through env only"
            output_file = self.temp / f"output-{step.get('id', 'step')}"
            output_file.write_text("")
            env = {key: _expand(str(value), values) for key, value in step.get("env", {}).items()}
            ran = self.ci.bash(step["run"], cwd, {**env, "GITHUB_OUTPUT": str(output_file), "RUNNER_TEMP": str(self.temp)})
            stdout += ran.stdout
            self.stderr += ran.stderr
            if "id" in step:
                outputs[step["id"]] = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
            if ran.code != 0:
                code = ran.code
                break
        result = {}
        for name, spec in self.action["outputs"].items():
            step, key = re.fullmatch(r"\$\{\{ steps\.(\S+)\.outputs\.(\S+) \}\}", spec["value"]).groups()  # type: ignore[union-attr]
            result[name] = outputs.get(step, {}).get(key, "")
        return code, stdout, result

    def comments(self) -> list[dict[str, Any]]:
        return list(json.loads(self.state.read_text()))


def _expand(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda match: values.get(match.group(1).strip(), ""), text)


@pytest.fixture
def project(tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The registry of test_ci_recipes: main, and branch promote-v2 that promotes fraud v2."""
    return make_project(tmp_path, cli, monkeypatch)


def pr_event(number: str = "7") -> dict[str, str]:
    return {"event_name": "pull_request", "base_ref": "main", "event.pull_request.number": number,
            "repository": "acme/registry"}


# --------------------------------------------------------------------------- pull requests


def test_a_pull_request_gets_one_comment_posted_then_updated(project: Project, tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    work = pull_request_checkout(project, "promote-v2", tmp_path)
    code, stdout, outputs = runner.run(work, pr_event(), {"site-url": "https://acme.github.io/registry/"})
    assert (code, stdout, runner.stderr) == (0, "Commented on pull request #7\n", "")
    assert outputs["problems"] == "0"
    head = git(work, "rev-parse", "HEAD").strip()
    body = "\n".join([
        MARKER,
        MARKDOWN.format(base=project.base[:8], head=head[:8]),
        "**Policy check**: ✅ every commit passes `modelreg check --base origin/main`.",
        "",
        "[The registry's site](https://acme.github.io/registry/index.html), as on the base branch: "
        "[fraud](https://acme.github.io/registry/models/fraud/index.html)",
        "",
    ])
    assert runner.comments() == [{"id": 1, "body": "LGTM, from a person"}, {"id": 101, "body": body}]
    assert runner.ci.logged() == [
        f"pip install --quiet {ACTION.parent}",
        "gh api --paginate repos/acme/registry/issues/7/comments?per_page=100",
        f"gh api --method POST repos/acme/registry/issues/7/comments -F body=@{tmp_path}/runner-temp/modelreg-review/comment.md",
    ]
    code, stdout, _ = runner.run(work, pr_event(), {"install": "false"})  # the next push to the branch
    assert (code, stdout) == (0, "Updated the registry comment on pull request #7\n")
    comments = runner.comments()
    assert [c["id"] for c in comments] == [1, 101]
    assert comments[1]["body"] == body.split("\n\n[The registry's site]")[0] + "\n"  # no site-url this time
    assert runner.ci.logged()[-1].startswith("gh api --method PATCH repos/acme/registry/issues/comments/101 -F body=@")


def test_a_tampered_pull_request_is_annotated_fails_and_still_gets_its_comment(project: Project, tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    tampered_branch(project, monkeypatch)
    runner = Runner(tmp_path)
    work = pull_request_checkout(project, "tamper", tmp_path)
    code, stdout, outputs = runner.run(work, pr_event("8"))
    assert code == 1
    lines = stdout.splitlines()
    assert [line.split("::")[1] for line in lines[:4]] == [
        "error file=models/fraud/versions/1.yaml,line=9,title=immutable",
        "error file=models/fraud/versions/1.yaml,line=3,title=approvers",
        "error file=models/fraud/versions/2.yaml,line=3,title=not-worse",
        "error file=models/fraud/versions/2.yaml,line=3,title=approvers",
    ]
    assert lines[4:] == ["Commented on pull request #8"]
    assert runner.stderr == "error: 4 problems found: fix them and run `modelreg check` again\n"
    assert outputs["problems"] == "4"
    body = runner.comments()[1]["body"]
    assert body.startswith(MARKER + "\n## Model registry changes\n")
    assert ("**Policy check**: ❌ 4 problems: see the annotations on the files, or run "
            "`modelreg check --base origin/main`.\n") in body


# --------------------------------------------------------------------------- pushes


def test_a_push_that_promotes_sets_the_outputs(project: Project, tmp_path: Path) -> None:
    clone = project.clone
    git(clone, "checkout", "-q", "main")
    git(clone, "merge", "-q", "--no-ff", "--no-edit", "promote-v2")
    after = git(clone, "rev-parse", "HEAD").strip()
    runner = Runner(tmp_path)
    code, stdout, outputs = runner.run(clone, {"event_name": "push", "event.before": project.base, "sha": after})
    assert (code, stdout, runner.stderr) == (0, "Stage and alias changes in this push: fraud\n", "")
    assert outputs["promoted"] == "true"
    assert json.loads(outputs["models"]) == ["fraud"]
    assert json.loads(outputs["events"]) == [
        {"type": "stage_changed", "model": "fraud", "version": 1, "key": None, "from": "Production", "to": "Archived"},
        {"type": "stage_changed", "model": "fraud", "version": 2, "key": None, "from": "Staging", "to": "Production"},
        {"type": "alias_moved", "model": "fraud", "version": 2, "key": "champion", "from": 1, "to": 2},
    ]
    assert json.loads(Path(outputs["events-file"]).read_text()) == json.loads(outputs["events"])
    assert [line for line in runner.ci.logged() if line.startswith("gh")] == []


def test_a_push_without_promotions_says_so(project: Project, tmp_path: Path, cli: Any) -> None:
    clone = project.clone
    git(clone, "checkout", "-q", "main")
    before = git(clone, "rev-parse", "HEAD").strip()
    assert cli("tag", "set", "fraud", "reviewed", "yes", "--version", "1", registry=clone).code == 0
    assert cli("register", "fraud", "s3://m/3", "--run-id", "r3", registry=clone).code == 0  # into None
    after = git(clone, "rev-parse", "HEAD").strip()
    runner = Runner(tmp_path)
    code, stdout, outputs = runner.run(clone, {"event_name": "push", "event.before": before, "sha": after})
    assert (code, stdout) == (0, "Stage and alias changes in this push: none\n")
    assert (outputs["promoted"], outputs["models"], outputs["events"]) == ("false", "[]", "[]")
    assert [e["type"] for e in json.loads(Path(outputs["events-file"]).read_text())] == ["tag_set", "version_registered"]


def test_a_new_branch_is_compared_with_the_commit_before_its_last(project: Project, tmp_path: Path) -> None:
    after = git(project.clone, "rev-parse", "promote-v2").strip()  # its last commit moved @champion
    git(project.clone, "checkout", "-q", "promote-v2")
    runner = Runner(tmp_path)
    code, _, outputs = runner.run(project.clone, {"event_name": "push", "event.before": "0" * 40, "sha": after})
    assert code == 0
    assert [e["type"] for e in json.loads(outputs["events"])] == ["alias_moved"]


def test_other_events_do_nothing(project: Project, tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    code, stdout, outputs = runner.run(project.clone, {"event_name": "workflow_dispatch"}, {"install": "false"})
    assert (code, stdout) == (0, "")
    assert set(outputs.values()) == {""}
    assert runner.ci.logged() == []
