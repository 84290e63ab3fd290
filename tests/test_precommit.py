"""The `modelreg-check` hook with the real pre-commit framework: installed into a registry
repository, it refuses a bad commit and lets a good one through. No network: the hook repository
is a local clone, and the `modelreg-check-system` variant uses the modelreg already installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_policy import ok

from conftest import EMAIL, Runner, git, modelreg_executable, subjects

HOOKS = Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml"

pytest.importorskip("pre_commit", reason="pre-commit is in the dev extra: pip install -e '.[dev]'")


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture
def hook_repo(tmp_path: Path) -> tuple[Path, str]:
    """A git repository holding this project's .pre-commit-hooks.yaml, as pre-commit clones it."""
    repo = tmp_path / "modelreg-hooks"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copy(HOOKS, repo / ".pre-commit-hooks.yaml")
    git(repo, "add", ".pre-commit-hooks.yaml")
    git(repo, "commit", "-q", "-m", "hooks")
    return repo, git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def hooked(registry_path: Path, cli: Runner, hook_repo: tuple[Path, str], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The test registry (fraud v1 in Production as @champion, v2 in Staging) with the hook installed by `pre-commit
    install`; returns it and the environment to commit in (modelreg and pre-commit on PATH)."""
    ok(cli, "create", "fraud", "--owner", EMAIL)
    ok(cli, "register", "fraud", "s3://m/1", "--metric", "auc=0.91", "--stage", "Production", "--alias", "champion")
    ok(cli, "register", "fraud", "s3://m/2", "--metric", "auc=0.93", "--stage", "Staging")
    repo, rev = hook_repo
    (registry_path / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo}\n  rev: {rev}\n  hooks:\n  - id: modelreg-check-system\n"
    )
    git(registry_path, "add", ".pre-commit-config.yaml")
    git(registry_path, "commit", "-q", "-m", "Check registry commits with modelreg")
    tools = os.pathsep.join(dict.fromkeys([str(Path(modelreg_executable()).parent), str(Path(sys.executable).parent)]))
    env = {**os.environ, "PATH": tools + os.pathsep + os.environ.get("PATH", ""),
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}
    installed = run([sys.executable, "-m", "pre_commit", "install"], registry_path, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return registry_path, env


def commit(root: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    """`git commit` of everything, with the hook's output and git's own in `stdout` (git shows hooks' on stderr)."""
    git(root, "add", "-A")
    return subprocess.run(["git", "commit", "-m", message], cwd=root, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_the_hook_refuses_a_bad_commit_and_accepts_a_good_one(hooked: tuple[Path, dict[str, str]]) -> None:
    root, env = hooked
    head = git(root, "rev-parse", "HEAD")
    version = root / "models/fraud/versions/2.yaml"
    good = version.read_text()

    version.write_text(good.replace("stage: Staging", "stage: Production"))
    refused = commit(root, env, "two in Production")
    assert refused.returncode == 1
    assert ("models/fraud/versions/2.yaml: exclusive-stage: fraud v1, v2 all hold Production, which only one version "
            "may hold: move all but one to another stage\n") in refused.stdout
    assert "error: 1 problem found: fix it and run `modelreg check` again" in refused.stdout
    assert git(root, "rev-parse", "HEAD") == head

    version.write_text(good.replace("auc: 0.93", "auc: 0.97"))
    refused = commit(root, env, "better numbers")
    assert refused.returncode == 1
    assert ("models/fraud/versions/2.yaml:9: immutable: fraud v2: metrics.auc changed (0.93 -> 0.97), but what a "
            "version was registered with never changes") in refused.stdout
    assert git(root, "rev-parse", "HEAD") == head

    version.write_text(good.replace("description: ''", "description: Shadow run passed"))
    accepted = commit(root, env, "describe v2")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "modelreg check (installed modelreg)" in accepted.stdout and "Passed" in accepted.stdout
    assert subjects(root)[0] == "describe v2"


@pytest.mark.slow
def test_the_hook_catches_a_commit_that_only_deletes(hooked: tuple[Path, dict[str, str]]) -> None:
    """pre-commit lists no deleted files, so the hook runs on every commit."""
    root, env = hooked
    head = git(root, "rev-parse", "HEAD")
    (root / "models/fraud/versions/1.yaml").unlink()  # @champion pointed at it
    git(root, "add", "-A")
    refused = commit(root, env, "drop v1")
    assert refused.returncode == 1
    assert ("models/fraud/model.yaml:7: alias: alias champion points at version 1 of fraud, which does not exist: point "
            "it at a version that does, or remove it\n") in refused.stdout
    assert git(root, "rev-parse", "HEAD") == head
    git(root, "reset", "-q", "--hard")
    (root / "README.md").write_text("The fraud team's registry.\n")
    accepted = commit(root, env, "readme")
    assert accepted.returncode == 0, accepted.stdout
    assert "modelreg check (installed modelreg)" in accepted.stdout and "Passed" in accepted.stdout


def test_the_hook_manifest_is_valid() -> None:
    result = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)],
                            capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    import yaml

    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"modelreg-check", "modelreg-check-system"}
    for hook in hooks.values():
        assert (hook["entry"], hook["pass_filenames"]) == ("modelreg check --staged", False)
    assert (hooks["modelreg-check"]["language"], hooks["modelreg-check-system"]["language"]) == ("python", "system")
