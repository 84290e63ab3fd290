"""The one door to the git binary: the only module that starts a process.

Every git command of modelreg goes through here, in one of four shapes:

* `run` (and `run_git`, which raises on failure): run a command, return its exit code and output;
* `CatFile`: one long-lived `git cat-file --batch` that reads any number of objects;
* `stream`: a command whose output is read as it arrives (`git log` over a long history);
* `Background`: a command that runs while Python does other work, its output collected later.

So a missing git, an argument that would be read as an option, and git's own error messages are
handled in one place. Variables that point git at another repository (set by hooks, or by a
test's parent process) are dropped, so a command always talks to the repository it was given.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from modelreg_cli.errors import GitError, InvalidInputError
from modelreg_cli.store.credentials import redact

# Set by git when it runs a hook; they would redirect our commands elsewhere.
_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX",
                       "GIT_COMMON_DIR", "GIT_NAMESPACE")

ZERO_OID = "0" * 40

# What git says, in its versions and settings, when it has no name or email to record.
_NO_IDENTITY = ("Please tell me who you are", "empty ident name", "unable to auto-detect email",
                "auto-detection is disabled")
_NOT_INSTALLED = "git is not installed or not on PATH: install git and try again"
# What git says when a server asks for credentials it cannot give (prompts are off) or refuses them.
_NO_CREDENTIALS = ("could not read Username", "could not read Password", "Authentication failed",
                   "terminal prompts disabled", "The requested URL returned error: 401",
                   "The requested URL returned error: 403")
NEEDS_CREDENTIALS = ("the server wants credentials it was not given: put USER:TOKEN@ before the host in the "
                     "remote's URL, or set up a git credential helper, then try again")


def git_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    import os

    env = {key: value for key, value in os.environ.items() if key not in _LOCATION_VARIABLES}
    env["LC_ALL"] = "C"
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    if extra:
        env.update(extra)
    return env


def blob_id_of(data: bytes, like: str) -> str:
    """Git's object id of a blob holding DATA, in the hash of LIKE (an object id of a sha1 or a
    sha256 repository), computed without running git."""
    import hashlib

    algorithm = hashlib.sha1 if len(like) == 40 else hashlib.sha256
    return algorithm(b"blob %d\0" % len(data) + data).hexdigest()


def value(text: str, what: str) -> str:
    """TEXT, a name or revision from a user or a config file, checked before it goes on a git
    command line: one starting with '-' would be read by git as an option."""
    if text.startswith("-"):
        raise InvalidInputError(f"{what} {text!r} starts with '-', which git would read as an option: choose another")
    return text


@dataclass(frozen=True)
class GitResult:
    """What a finished git command did: its exit code and its output, as bytes."""

    code: int
    stdout: bytes
    stderr: bytes

    @property
    def out(self) -> str:
        return self.stdout.decode(errors="replace")

    @property
    def err(self) -> str:
        return self.stderr.decode(errors="replace")


def run(cwd: Path | str, args: Sequence[str], *, input: str | bytes | None = None,
        env: Mapping[str, str] | None = None) -> GitResult:
    """Run `git ARGS` in CWD to the end; never raises for git's exit code (see run_git)."""
    data = input.encode() if isinstance(input, str) else input
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, env=git_environment(env),
                              check=False, stdin=None if data is not None else subprocess.DEVNULL)
    except FileNotFoundError:
        raise GitError(_NOT_INSTALLED) from None
    return GitResult(proc.returncode, proc.stdout, proc.stderr)


def run_git(cwd: Path | str, args: Sequence[str], *, input: str | bytes | None = None,
            env: Mapping[str, str] | None = None, check: bool = True) -> str:
    """Run `git ARGS` in CWD and return stdout (text, trailing newline kept); GitError on failure
    unless CHECK is false."""
    result = run(cwd, args, input=input, env=env)
    if check and result.code != 0:
        raise GitError(describe_failure(args, result.code, result.err))
    return result.out


def describe_failure(args: Sequence[str], code: int, stderr: str) -> str:
    """One line saying what failed, in git's words (credentials in any URL it names hidden)."""
    return redact(_failure(args, code, stderr))


def _failure(args: Sequence[str], code: int, stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    detail = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[0] if lines else "")
    if "index.lock" in stderr:
        return ("another git process is using this repository (index.lock exists): wait for it to finish, "
                "or remove .git/index.lock if no git command is running")
    if any(sign in stderr for sign in _NO_IDENTITY):
        return ("git does not know who you are: run `git config user.name \"Your Name\"` and "
                "`git config user.email you@example.com`, then try again")
    if any(sign in stderr for sign in _NO_CREDENTIALS):
        return f"git {_subcommand(args)} failed: {NEEDS_CREDENTIALS}"
    return f"git {_subcommand(args)} failed (exit {code}): {detail or 'no message'}"


def failure_detail(stderr: str, fallback: str = "") -> str:
    """The line of git's STDERR that says what went wrong (its fatal: or error: line), credentials
    hidden; when the server wanted credentials, what to do about it."""
    if any(sign in stderr for sign in _NO_CREDENTIALS):
        return NEEDS_CREDENTIALS
    detail = next((line for line in stderr.splitlines() if line.startswith(("fatal:", "error:"))), stderr.strip())
    return redact(detail or fallback or "no message")


def _subcommand(args: Sequence[str]) -> str:
    """'update-ref' of ['-c', 'x=y', 'update-ref', ...]: the part of a command a person recognises."""
    rest = list(args)
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] == "-c" else rest[1:]
    return rest[0] if rest else " ".join(args)


def _start(cwd: Path | str, args: Sequence[str], **streams: Any) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(["git", *args], cwd=cwd, env=git_environment(), **streams)
    except FileNotFoundError:
        raise GitError(_NOT_INSTALLED) from None


class CatFile:
    """One `git cat-file --batch` process serving every object read of its user: by object id, or
    by REVISION:PATH. Started on the first read; close it (or use it as a context manager)."""

    def __init__(self, cwd: Path | str) -> None:
        self.cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None

    def read(self, name: str) -> tuple[str, bytes] | None:
        """(object id, bytes) of NAME, or None when there is no such object or path."""
        if "\n" in name:
            raise GitError(f"cannot read an object named {name!r}: the name holds a line break")
        if self._proc is None:
            self._proc = _start(self.cwd, ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(f"{name}\n".encode(errors="surrogateescape"))
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().split()
        if len(header) == 2 and header[1] == b"missing":
            return None
        if len(header) != 3:
            raise GitError(f"git cat-file could not read {name}")
        data = self._proc.stdout.read(int(header[2]))
        self._proc.stdout.read(1)  # the newline after the contents
        return header[0].decode(), data

    def read_object(self, oid: str) -> bytes:
        """The bytes of object OID, which must exist."""
        found = self.read(oid)
        if found is None:
            raise GitError(f"git cat-file could not read object {oid}")
        return found[1]

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin is not None:
                proc.stdin.close()
            if proc.stdout is not None:
                proc.stdout.close()
            proc.wait()

    def __enter__(self) -> CatFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


@contextlib.contextmanager
def stream(cwd: Path | str, args: Sequence[str]) -> Iterator[IO[bytes]]:
    """`git ARGS` with its stdout to read as it arrives. Leaving the block early stops git; when
    the output was read to its end and git failed, GitError."""
    proc = _start(cwd, args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    finished = False
    try:
        yield proc.stdout
        finished = proc.stdout.read(1) == b""  # read to its end: git's exit code counts
    finally:
        if not finished:
            proc.kill()
        proc.stdout.close()
        error = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        code = proc.wait()
    if finished and code != 0:
        raise GitError(describe_failure(args, code, error))


class Background:
    """A git command running in the background, its output going to a temporary file (a pipe
    would stall it until read). Collect it with output(); close() waits for it."""

    def __init__(self, cwd: Path | str, args: Sequence[str]) -> None:
        self.args = list(args)
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        self._process: subprocess.Popen[bytes] | None = None
        try:
            self._process = _start(cwd, args, stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err)
        except GitError:
            self.close()
            raise

    def output(self) -> str:
        """Its stdout once it has finished (file names kept byte for byte); GitError if it failed."""
        assert self._process is not None, "output() after close()"
        code = self._process.wait()
        self._out.seek(0)
        self._err.seek(0)
        out, err = self._out.read(), self._err.read()
        self.close()
        if code != 0:
            raise GitError(describe_failure(self.args, code, err.decode(errors="replace")))
        return out.decode(errors="surrogateescape")

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.wait()  # never killed: a killed `git status` could leave index.lock behind
        self._out.close()
        self._err.close()
