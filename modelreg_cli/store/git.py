"""The one place that runs the git binary.

A thin wrapper: run a command in a repository, return its output, and on failure
raise GitError with the command and git's own message. Variables that point git at
another repository (set by hooks, or by a test's parent process) are dropped so a
command always talks to the repository it was given.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from modelreg_cli.errors import GitError

# Set by git when it runs a hook; they would redirect our commands elsewhere.
_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX",
                       "GIT_COMMON_DIR", "GIT_NAMESPACE")

ZERO_OID = "0" * 40

# What git says, in its versions and settings, when it has no name or email to record.
_NO_IDENTITY = ("Please tell me who you are", "empty ident name", "unable to auto-detect email",
                "auto-detection is disabled")


def git_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _LOCATION_VARIABLES}
    env["LC_ALL"] = "C"
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    if extra:
        env.update(extra)
    return env


def run_git(
    cwd: Path | str,
    args: Sequence[str],
    *,
    input: str | bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> str:
    """Run `git ARGS` in CWD and return stdout (text, trailing newline kept)."""
    data = input.encode() if isinstance(input, str) else input
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=data, capture_output=True, env=git_environment(env), check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH: install git and try again") from None
    if check and proc.returncode != 0:
        raise GitError(describe_failure(args, proc.returncode, proc.stderr.decode(errors="replace")))
    return proc.stdout.decode(errors="replace")


def run_git_status(cwd: Path | str, args: Sequence[str], env: Mapping[str, str] | None = None) -> tuple[int, str, str]:
    """Run `git ARGS` for its exit code: (code, stdout, stderr), never raising on failure."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=git_environment(env), check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH: install git and try again") from None
    return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")


def describe_failure(args: Sequence[str], code: int, stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    detail = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[0] if lines else "")
    if "index.lock" in stderr:
        return ("another git process is using this repository (index.lock exists): wait for it to finish, "
                "or remove .git/index.lock if no git command is running")
    if any(sign in stderr for sign in _NO_IDENTITY):
        return ("git does not know who you are: run `git config user.name \"Your Name\"` and "
                "`git config user.email you@example.com`, then try again")
    return f"git {_subcommand(args)} failed (exit {code}): {detail or 'no message'}"


def _subcommand(args: Sequence[str]) -> str:
    """'update-ref' of ['-c', 'x=y', 'update-ref', ...]: the part of a command a person recognises."""
    rest = list(args)
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] == "-c" else rest[1:]
    return rest[0] if rest else " ".join(args)
