"""A git repository as the registry needs it: identity, cleanliness, and one-commit changes.

A change is committed without touching the user's index or other files:
  1. the new blobs go into the object database,
  2. a tree is built in a private index from HEAD plus the change,
  3. a commit is made from that tree;
then, holding index.lock as git does while it commits (store/files.py), the touched files are
written, HEAD is moved to the commit only if it has not moved meanwhile (update-ref with the old
value), and the index entries of exactly the touched paths are updated.
If anything fails, the files, the index entries and HEAD are put back as they were.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from modelreg_cli.errors import ConflictError, DirtyError, GitError, NotFoundError
from modelreg_cli.store import git as gitdoor
from modelreg_cli.store.git import ZERO_OID, run_git

INDEX_LOCK_MARK = b"modelreg: a registry write holds this lock; pid "
"""What modelreg writes in the index.lock it holds (git's own hold an index), to tell them apart."""


@dataclass
class IndexLock:
    path: Path

    def release(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Identity:
    email: str
    when: datetime


class GitRepository:
    def __init__(self, toplevel: Path, git_dir: Path) -> None:
        self.toplevel = toplevel
        self.git_dir = git_dir

    @classmethod
    def discover(cls, path: Path) -> GitRepository | None:
        """The repository holding PATH, or None when PATH is not inside one."""
        try:
            out = run_git(path, ["rev-parse", "--show-toplevel", "--absolute-git-dir"])
        except GitError:
            return None
        toplevel, git_dir = out.splitlines()[:2]
        if not toplevel:
            return None  # a bare repository has no working tree to hold a registry
        return cls(Path(toplevel), Path(git_dir))

    @classmethod
    def init(cls, path: Path) -> GitRepository:
        configured = run_git(path, ["config", "--get", "init.defaultBranch"], check=False).strip()
        run_git(path, ["-c", f"init.defaultBranch={configured or 'main'}", "init", "-q"])
        repo = cls.discover(path)
        if repo is None:
            raise GitError(f"git init in {path} did not make a repository")
        return repo

    def git(self, *args: str, input: str | bytes | None = None, env: Mapping[str, str] | None = None,
            check: bool = True) -> str:
        return run_git(self.toplevel, args, input=input, env=env, check=check)

    def head(self) -> str | None:
        out = self.git("rev-parse", "--verify", "-q", "HEAD", check=False).strip()
        return out or None

    def resolve_commit(self, revision: str) -> str:
        """The commit id REVISION names, or a clear error."""
        out = self.git("rev-parse", "--verify", "-q", "--end-of-options", f"{revision}^{{commit}}", check=False).strip()
        if not out:
            raise NotFoundError(f"no commit {revision!r} in the registry's repository: `git log` shows the commits")
        return out

    def commit_at(self, point: str) -> str:
        """The commit for --at: a revision (id, branch, tag, HEAD~3), else a date or time
        (2026-10-01, 2026-10-01T12:00:00Z), meaning the last commit of HEAD's first-parent
        history made at or before it."""
        out = self.git("rev-parse", "--verify", "-q", "--end-of-options", f"{point}^{{commit}}", check=False).strip()
        if out:
            return out
        moment = git_date(point)
        if moment is None:
            raise NotFoundError(
                f"{point!r} is neither a revision nor a date: give a commit, branch or tag, or a date like 2026-10-01"
            )
        found = self.git("rev-list", "-1", "--first-parent", f"--before={moment}", "HEAD", check=False).strip()
        if not found:
            raise NotFoundError(f"the registry has no commit at or before {point}: its history starts later")
        return found

    def identity(self) -> Identity:
        return identity_at(self.toplevel)

    def relative(self, path: Path) -> str:
        """PATH relative to the top of the repository, with forward slashes ('' for the top itself)."""
        relative = path.resolve().relative_to(self.toplevel.resolve()).as_posix()
        return "" if relative == "." else relative

    def ensure_clean(self, pathspecs: Sequence[str]) -> None:
        """Refuse when any of PATHSPECS has staged, unstaged or untracked changes."""
        if not pathspecs:
            return
        out = self.git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *pathspecs)
        entries = [entry for entry in out.split("\0") if entry]
        if entries:
            path = entries[0][3:]
            more = f" (and {len(entries) - 1} more)" if len(entries) > 1 else ""
            raise DirtyError(
                f"{path}{more} has uncommitted changes: commit or discard them (git stash), then try again"
            )

    def write_blobs(self, contents: Mapping[str, bytes]) -> dict[str, str]:
        """Store each content as a blob; return path -> object id."""
        from io import BytesIO

        from git import Repo
        from gitdb.base import IStream

        odb = Repo(self.git_dir).odb
        blobs = {}
        for path, data in contents.items():
            stored = odb.store(IStream(b"blob", len(data), BytesIO(data)))
            blobs[path] = stored.hexsha.decode()
        return blobs

    def build_commit(
        self, writes: Mapping[str, bytes], deletes: Sequence[str], message: str, parent: str | None = None
    ) -> tuple[str | None, str]:
        """A commit of exactly WRITES and DELETES (repository paths) on top of PARENT (default: HEAD);
        return (parent, commit).

        Nothing visible changes: HEAD, the index and the files stay as they are until move_head.
        """
        head = parent or self.head()
        blobs = self.write_blobs(writes)
        info = "".join(f"100644 {oid}\t{path}\n" for path, oid in blobs.items())
        info += "".join(f"0 {ZERO_OID}\t{path}\n" for path in deletes)
        fd, index_path = tempfile.mkstemp(prefix="modelreg-index-", dir=self.git_dir)
        os.close(fd)
        os.unlink(index_path)  # git wants to create the index itself
        env = {"GIT_INDEX_FILE": index_path}
        try:
            self.git("read-tree", *([head] if head else ["--empty"]), env=env)
            self.git("update-index", "--index-info", input=info, env=env)
            tree = self.git("write-tree", env=env).strip()
        finally:
            Path(index_path).unlink(missing_ok=True)
        parents = ["-p", head] if head else []
        commit = self._commit_tree(tree, parents, message)
        return head, commit

    def _commit_tree(self, tree: str, parents: Sequence[str], message: str, env: Mapping[str, str] | None = None) -> str:
        signing = self.signing()
        try:
            return self.git("commit-tree", *signing, tree, *parents, "-F", "-", input=message, env=env).strip()
        except GitError as exc:
            if not signing:
                raise
            raise GitError(f"git could not sign the commit, as commit.gpgSign asks ({exc}): check user.signingKey and "
                           "gpg.format, or turn commit.gpgSign off") from None

    def signing(self) -> list[str]:
        """['-S'] when git is configured to sign commits (commit.gpgSign), as `git commit` would;
        git then signs with user.signingKey in gpg.format (openpgp, ssh, x509). commit-tree, which
        modelreg commits with, does not read commit.gpgSign itself."""
        configured = self.git("config", "--type=bool", "--get", "commit.gpgsign", check=False).strip()
        return ["-S"] if configured == "true" else []

    def move_head(self, head: str | None, commit: str, reason: str) -> None:
        """Point HEAD (or the branch it names) at COMMIT, only if it still points at HEAD."""
        self.git("update-ref", "-m", f"modelreg: {reason}", "HEAD", commit, head or ZERO_OID)

    def move_head_back(self, head: str | None, commit: str) -> None:
        """Undo move_head: HEAD back to HEAD-before, only if it is at COMMIT (else nothing to undo)."""
        if head:
            self.git("update-ref", "-m", "modelreg: roll back", "HEAD", head, commit, check=False)
        else:
            self.git("update-ref", "-d", "HEAD", commit, check=False)

    def stage_paths(self, paths: Sequence[str]) -> None:
        """Make the real index match the working tree for exactly PATHS. The entries are updated in a
        copy of the index that then replaces it in one rename, so this works, and is atomic, while
        modelreg holds index.lock (lock_index)."""
        index = self.git_dir / "index"
        fd, staged = tempfile.mkstemp(prefix="modelreg-index-", dir=self.git_dir)
        os.close(fd)
        try:
            if index.exists():
                shutil.copyfile(index, staged)
            else:
                os.unlink(staged)  # no index yet: git makes a new one
            self.git("update-index", "--add", "--remove", "--stdin", input="".join(f"{p}\n" for p in paths),
                     env={"GIT_INDEX_FILE": staged})
            os.replace(staged, index)
        finally:
            Path(staged).unlink(missing_ok=True)

    def lock_index(self) -> IndexLock:
        """Take .git/index.lock, as git does while it commits, so that no git command can stage or
        commit anything until it is released: modelreg holds it while a write is half-done."""
        lock = self.git_dir / "index.lock"
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise ConflictError(
                "another git process is using this repository (index.lock exists): wait for it to finish, "
                "or remove .git/index.lock if no git command is running"
            ) from None
        with os.fdopen(fd, "wb") as handle:
            handle.write(INDEX_LOCK_MARK + str(os.getpid()).encode() + b"\n")
        return IndexLock(lock)

    def release_index_lock_of_a_killed_write(self) -> None:
        """Remove index.lock when it is one a killed modelreg write left (never one of git's)."""
        lock = self.git_dir / "index.lock"
        try:
            ours = lock.read_bytes().startswith(INDEX_LOCK_MARK)
        except OSError:
            return
        if ours:
            lock.unlink(missing_ok=True)

    def reset_paths_to_head(self, paths: Sequence[str]) -> None:
        """Make the index entries and files of PATHS exactly what HEAD has (finishing a killed write)."""
        head = self.head()
        existing = set(self.tree_blobs(head, paths)) if head else set()
        if head and existing:
            self.git("--literal-pathspecs", "checkout", "-q", head, "--", *sorted(existing))
        gone = [path for path in paths if path not in existing]
        if gone:
            self.git("--literal-pathspecs", "rm", "-q", "--cached", "--ignore-unmatch", "--", *gone)
            for path in gone:
                (self.toplevel / path).unlink(missing_ok=True)

    def tree_blobs(self, commit: str | None, paths: Sequence[str]) -> dict[str, str]:
        """Path -> blob id of each of PATHS that COMMIT has (none for no commit)."""
        if commit is None or not paths:
            return {}
        out = self.git("--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths)
        found = {}
        for entry in out.split("\0"):
            meta, _, path = entry.partition("\t")
            if path:
                found[path] = meta.split()[2]
        return found

    def index_blobs(self, paths: Sequence[str]) -> dict[str, str | None]:
        """Path -> blob id of each of PATHS in the index; None for a path in a merge conflict."""
        if not paths:
            return {}
        out = self.git("--literal-pathspecs", "ls-files", "--stage", "-z", "--", *paths)
        found: dict[str, str | None] = {}
        for entry in out.split("\0"):
            meta, _, path = entry.partition("\t")
            if path:
                _, oid, stage = meta.split()
                found[path] = oid if stage == "0" and path not in found else None
        return found

    # sharing with a remote ---------------------------------------------------------------

    def upstream(self) -> tuple[str, str]:
        """(remote, branch) that the current branch tracks, e.g. ('origin', 'main')."""
        branch = self.git("symbolic-ref", "-q", "--short", "HEAD", check=False).strip()
        if not branch:
            raise GitError("HEAD is detached: check out a branch that tracks a remote to push")
        remote = self.git("config", "--get", f"branch.{branch}.remote", check=False).strip()
        merge = self.git("config", "--get", f"branch.{branch}.merge", check=False).strip()
        if not remote or not merge or remote == ".":
            raise GitError(
                f"branch {branch} tracks no remote branch: run `git push -u origin {branch}` once, then try again"
            )
        return gitdoor.value(remote, "remote"), gitdoor.value(merge.removeprefix("refs/heads/"), "branch")

    def fetch_branch(self, remote: str, branch: str) -> str | None:
        """Fetch REMOTE's BRANCH into its remote-tracking ref; its commit, or None if it does not exist."""
        tracking = f"refs/remotes/{remote}/{branch}"
        fetched = gitdoor.run(self.toplevel, ["fetch", "--quiet", remote, f"+refs/heads/{branch}:{tracking}"])
        if fetched.code != 0:
            err = fetched.err
            if "couldn't find remote ref" in err:
                return None
            raise GitError(f"cannot fetch {branch} from {remote}: {gitdoor.failure_detail(err)}")
        return self.git("rev-parse", "--verify", tracking).strip()

    def is_ancestor(self, older: str, newer: str) -> bool:
        return gitdoor.run(self.toplevel, ["merge-base", "--is-ancestor", older, newer]).code == 0

    def push(self, remote: str, commit: str, branch: str) -> bool:
        """Push COMMIT to REMOTE's BRANCH without force; False when rejected because the remote moved."""
        pushed = gitdoor.run(self.toplevel, ["push", "--porcelain", remote, f"{commit}:refs/heads/{branch}"])
        out, err = pushed.out, pushed.err
        if pushed.code == 0:
            return True
        if any(line.startswith("!\t") for line in out.splitlines()):
            return False  # the ref was refused (moved meanwhile, or locked by a concurrent push): try again
        raise GitError(f"git push to {remote} failed: {gitdoor.failure_detail(err, out.strip())}")

    def recommit(self, tip: str, parent: str, original: str, message: str) -> str:
        """A commit with TIP's tree on PARENT, with MESSAGE and ORIGINAL's author (a replayed commit)."""
        tree = self.git("rev-parse", f"{tip}^{{tree}}").strip()
        name, email, date = self.git("log", "-1", "--format=%an%n%ae%n%aI", original).splitlines()[:3]
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date}
        return self._commit_tree(tree, ["-p", parent], message, env)

    def first_parent_commits(self, base: str, tip: str) -> list[str]:
        """The commits from BASE (excluded) to TIP along first parents, oldest first."""
        return self.git("rev-list", "--reverse", "--first-parent", f"{base}..{tip}").split()

    def changed_paths(self, commit: str) -> list[str]:
        """The paths COMMIT changed against its first parent."""
        out = self.git("diff-tree", "-r", "-z", "--no-commit-id", "--name-only", "--root", "-m", "--first-parent",
                       commit)
        return [path for path in out.split("\0") if path]

    def restore_index(self, head: str | None, paths: Sequence[str]) -> None:
        """Put the index entries of PATHS back to HEAD's (they matched HEAD before the change)."""
        if head:
            self.git("reset", "-q", head, "--", *paths, check=False)
        else:
            self.git("rm", "-q", "--cached", "--ignore-unmatch", "--", *paths, check=False)


def git_date(text: str, end_of_day: bool = True) -> str | None:
    """TEXT (2026-10-01, 2026-10-01T12:00:00Z, ...) as an exact instant for git, or None when it is
    not a date. A date alone means the end of that day (its start when END_OF_DAY is false) and a
    time without an offset is UTC: git alone would take the time of day from the clock and the
    zone from the machine, so the same question would get different answers. Given to git as
    seconds since 1970 (`@4102444800`): git reads an ISO date after 2099 as no date at all."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if _is_date_only(text.strip()):
        moment = moment.replace(hour=23, minute=59, second=59) if end_of_day else moment
    return f"@{max(0, int(moment.timestamp()))}"


def _is_date_only(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def identity_at(path: Path) -> Identity:
    """Who git would record as the author of a commit made in PATH, and when (honours GIT_AUTHOR_*)."""
    ident = run_git(path, ["var", "GIT_AUTHOR_IDENT"]).strip()  # fails with the identity message
    person, _, stamp = ident.rpartition(">")
    email = person.partition("<")[2]
    seconds = int(stamp.split()[0])
    return Identity(email=email, when=datetime.fromtimestamp(seconds, tz=UTC))
