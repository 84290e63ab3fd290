"""Reading what `modelreg check` judges: the files of a state of the registry (the working tree,
the index, a revision) and the changes of each commit since a base, from git.

The rules themselves are pure (core/checks.py, core/policy.py); this module only finds the files,
the commits, their authors and signatures, and the registry's states on each side of a change.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from modelreg_cli.core import layout
from modelreg_cli.core.checks import (
    ChangeContext,
    FileContent,
    FilesReport,
    Loc,
    ModelFiles,
    Problem,
    Step,
    change_problems,
    check_files,
    irregular_problem,
    key_line,
    renames_made,
    who_made,
    who_of_all,
)
from modelreg_cli.core.events import Event, promoted_models
from modelreg_cli.core.manifests import RegistryConfig
from modelreg_cli.core.policy import Who, people
from modelreg_cli.core.serialize import parse_document
from modelreg_cli.core.state import ModelState
from modelreg_cli.errors import GitError, ManifestError
from modelreg_cli.store import fileio
from modelreg_cli.store import git as gitdoor
from modelreg_cli.store.files import RegistryStore
from modelreg_cli.store.history import RegistryHistory, read_history
from modelreg_cli.store.repository import GitRepository
from modelreg_cli.store.snapshot import GitTree, Snapshot

if TYPE_CHECKING:
    from modelreg_cli.store.cache import DocumentReader, Kind

STAGED = "the staged files"
_SIGNATURE_STATES = {"B": "a bad signature", "N": "no signature", "E": "a signature git cannot check (unknown key)",
                     "X": "an expired signature", "Y": "a signature by an expired key", "R": "a signature by a revoked key"}


@dataclass
class CheckReport:
    """What `modelreg check` found. Problem files are relative to the top of the repository."""

    problems: list[Problem]
    checked: str
    models: int
    versions: int
    commits: int = 0
    base: str | None = None
    notes: list[str] = field(default_factory=list)


def check(store: RegistryStore, staged: bool = False, base: str | None = None, require_signed: bool = False
          ) -> CheckReport:
    """Check the files (the index with STAGED, else the store's snapshot) and, with BASE, every
    commit since BASE; with STAGED, the staged change too. See docs/policy.md."""
    repo = store.repo if (staged or base is not None) else _repo_or_none(store)
    prefix = _prefix(store, repo)
    with contextlib.ExitStack() as stack:
        snapshot: Snapshot = store.snapshot
        tree = None
        if staged:
            assert repo is not None
            tree = index_tree(repo)
            snapshot = stack.enter_context(_tree(repo, tree, prefix, STAGED))
        files = _check_snapshot(store, snapshot, repo)
        report = CheckReport(list(files.problems), snapshot.label, files.models, files.versions)
        if repo is not None and (base is not None or staged):
            policy = _policy_config(store, repo, prefix, base, files)
            if base is not None:
                report.base = base
                report.commits = _check_commits(store, repo, prefix, base, policy, require_signed, report)
            if staged and tree is not None:
                head = repo.head()
                report.problems += _check_change(store, repo, prefix, policy, head, tree, store.stamp().who, None).problems
            if files.config_valid and policy.policy != files.config.policy:
                since = f"since {base}" if base is not None else "in the staged files"
                report.notes.append(f"the policy in {layout.CONFIG_FILE} changed {since}: changes were checked against "
                                    "the policy before it")
    report.problems = [_from_top(problem, prefix) for problem in report.problems]
    return report


def _repo_or_none(store: RegistryStore) -> GitRepository | None:
    try:
        return store.repo
    except GitError:
        return None  # a registry folder outside git: its files can still be checked


def _prefix(store: RegistryStore, repo: GitRepository | None) -> str:
    if isinstance(store.snapshot, GitTree):
        return store.snapshot.prefix
    return repo.relative(store.root) if repo is not None else ""


def _from_top(problem: Problem, prefix: str) -> Problem:
    if not prefix or problem.file is None:
        return problem
    return Problem(f"{prefix}/{problem.file}", problem.line, problem.rule, problem.message, problem.commit,
                   problem.author)


# --------------------------------------------------------------------------- files of a state


def _check_snapshot(store: RegistryStore, snapshot: Snapshot, repo: GitRepository | None) -> FilesReport:
    from modelreg_cli.store.cache import DocumentReader, collection_paused

    irregular = snapshot.irregular()
    unread = {path for path, _ in irregular}
    with collection_paused(), DocumentReader.open(store.root, snapshot, repo) as reader:
        config = None if layout.CONFIG_FILE in unread else snapshot.read(layout.CONFIG_FILE)
        return check_files(config, model_files(snapshot, reader), irregular)


def model_files(snapshot: Snapshot, reader: DocumentReader | None = None) -> Iterator[ModelFiles]:
    """Each folder of models/ with its model.yaml and the YAML files of its versions/ folder: as
    validated documents when READER (the manifest cache) has them or can parse them, else as bytes."""
    for name, is_dir in sorted(_listing(snapshot, layout.MODELS_DIR)):
        if not is_dir or name.startswith("."):
            continue
        folder = f"{layout.MODELS_DIR}/{name}/{layout.VERSIONS_DIR}"
        versions: dict[str, FileContent] = {}
        for filename, inner in _listing(snapshot, folder):
            if inner or not filename.endswith((".yaml", ".yml")):
                continue
            numbered = layout.version_number_of(filename) is not None
            found = _content(snapshot, reader if numbered else None, f"{folder}/{filename}", "version")
            if found is not None:
                versions[filename] = found
        model = _content(snapshot, reader, f"{layout.MODELS_DIR}/{name}/{layout.MODEL_FILE}", "model")
        yield ModelFiles(name, model, versions, snapshot.read)


def _listing(snapshot: Snapshot, folder: str) -> list[tuple[str, bool]]:
    try:
        return snapshot.list_dir(folder)
    except ManifestError:
        return []  # a link: reported as such (Snapshot.irregular)


def _content(snapshot: Snapshot, reader: DocumentReader | None, path: str, kind: Kind) -> FileContent | None:
    """The validated document at PATH when it is one, else its bytes (to say what is wrong), or None."""
    if reader is not None:
        try:
            document = reader.read(path, kind)
        except ManifestError:
            document = None
        if document is not None:
            return document
    try:
        return snapshot.read(path)
    except ManifestError:
        return None  # not a plain file: reported as such (Snapshot.irregular)


def index_tree(repo: GitRepository) -> str:
    """The tree of what is staged (git write-tree). Inside a hook, git may stage into another index
    file (`git commit -a`, `git commit PATH`): GIT_INDEX_FILE, when set, names it."""
    env = {}
    given = os.environ.get("GIT_INDEX_FILE")
    if given:
        env["GIT_INDEX_FILE"] = str(Path(given).resolve())
    try:
        return repo.git("write-tree", env=env).strip()
    except GitError as exc:
        raise GitError(f"cannot read the staged files ({exc}): resolve merge conflicts and stage the result") from None


@contextlib.contextmanager
def _tree(repo: GitRepository, treeish: str, prefix: str, label: str | None = None) -> Iterator[GitTree]:
    tree = GitTree(repo.toplevel, treeish, prefix)
    if label is not None:
        tree.label = label
    try:
        yield tree
    finally:
        tree.close()


def _view(store: RegistryStore, repo: GitRepository, treeish: str, prefix: str) -> RegistryStore:
    """The registry as it is in TREEISH (a commit or a tree), read-only."""
    return RegistryStore(store.root, GitTree(repo.toplevel, treeish, prefix), repo)


def _close(view: RegistryStore) -> None:
    if isinstance(view.snapshot, GitTree):
        view.snapshot.close()


def _policy_config(store: RegistryStore, repo: GitRepository, prefix: str, base: str | None, files: FilesReport
                   ) -> RegistryConfig:
    """The config whose policy judges the changes: the one at BASE (else at HEAD), so a change
    cannot loosen the rules it is judged by; the checked files' own when there is none before."""
    point = repo.resolve_commit(base) if base is not None else repo.head()
    if point is None:
        return files.config
    with _tree(repo, point, prefix) as tree:
        data = tree.read(layout.CONFIG_FILE)
    if data is None:
        return files.config
    try:
        return parse_document(data, RegistryConfig, layout.CONFIG_FILE)
    except ManifestError:
        return files.config


# --------------------------------------------------------------------------- changes


@dataclass(frozen=True)
class _Commit:
    """A commit of the range being checked: who made it (its author, or with --require-signed the
    principal that signed it) and what git says of its signature."""

    id: str
    parents: tuple[str, ...]
    author: str
    signature: str = ""
    signer: str = ""

    @property
    def signed(self) -> bool:
        # G: good; U: good, by a key of unknown trust, acceptable only when git could name its owner
        # (an SSH key found in no allowed-signers file gives U with no signer).
        return self.signature == "G" or (self.signature == "U" and bool(self.signer))

    def who(self, require_signed: bool) -> str:
        if require_signed and self.signed:
            return _email_of(self.signer)
        return self.author


def _email_of(signer: str) -> str:
    """The email in 'Ada <ada@example.com>' (a GPG user id); an SSH principal as it is."""
    inside = signer.rpartition("<")[2].partition(">")[0]
    return inside.strip() if "<" in signer and inside.strip() else signer.strip()


def _check_commits(store: RegistryStore, repo: GitRepository, prefix: str, base: str, policy: RegistryConfig,
                   require_signed: bool, report: CheckReport) -> int:
    """Check each commit since BASE that touched the registry, what each merge brings of its own,
    and the whole change from BASE to HEAD (so no split into steps passes where the whole would not).
    Returns the number of commits (merges aside) checked."""
    start = repo.resolve_commit(base)
    head = repo.head()
    if head is None:
        return 0
    if not repo.is_ancestor(start, head):
        report.notes.append(f"{base} is not an ancestor of HEAD (the branch was rebased, rewritten or made from "
                            f"elsewhere): its commits were checked one by one, and HEAD as a whole against {base}")
    steps: list[Step] = []
    found: list[Problem] = []
    count = 0
    for commit in _commits(repo, prefix, start, head, require_signed):
        who = commit.who(require_signed)
        if len(commit.parents) > 1:
            judged = _check_merge(store, repo, prefix, policy, commit, who)
            if judged.events and require_signed and not commit.signed:
                found.append(_signature_problem(commit))
        else:
            count += 1
            if require_signed and not commit.signed:
                found.append(_signature_problem(commit))
            parent = commit.parents[0] if commit.parents else None
            judged = _check_change(store, repo, prefix, policy, parent, commit.id, who, commit.id)
        found += judged.problems
        steps.append(Step(who, judged.events))
    if steps:
        whole = _check_change(store, repo, prefix, policy, start, head, who_made(steps, policy), None, since=base,
                              renames=renames_made(steps))
        seen = {(problem.file, problem.rule) for problem in found}
        reused = {problem.file for problem in found if problem.rule == "reused-number"}  # judged as a new version
        found += [problem for problem in whole.problems
                  if (problem.file, problem.rule) not in seen and problem.file not in reused]
    report.problems += found
    return count


def _commits(repo: GitRepository, prefix: str, start: str, head: str, require_signed: bool) -> Iterator[_Commit]:
    fields = "%H%x1f%P%x1f%ae" + ("%x1f%G?%x1f%GS" if require_signed else "")
    out = repo.git("--literal-pathspecs", "log", "--reverse", "--topo-order", "--full-history", "--no-show-signature",
                   f"--format={fields}", f"{start}..{head}", "--", prefix or ".")
    for line in out.splitlines():
        if line.strip():
            commit, parents, author, *signature = line.split("\x1f")
            yield _Commit(commit, tuple(parents.split()), author, *signature)


def _signature_problem(commit: _Commit) -> Problem:
    if commit.signature == "U":
        state = "a signature by a key no allowed signer holds (add its owner to gpg.ssh.allowedSignersFile)"
    else:
        state = _SIGNATURE_STATES.get(commit.signature, f"signature state {commit.signature!r}")
    return Problem(None, None, "signature", f"commit {commit.id[:8]} by {commit.author} has {state}: sign registry "
                   "commits (git commit -S) with a key git can verify", commit.id, commit.author)


def _check_merge(store: RegistryStore, repo: GitRepository, prefix: str, policy: RegistryConfig, merge: _Commit,
                 who: str) -> Judged:
    """What MERGE brings of its own beyond its parents: its tree against the merge git makes of its
    two parents, when that is clean; else (conflicts resolved by hand, or more parents) the
    problems it has against every one of its parents."""
    first = merge.parents[0]
    if len(merge.parents) == 2:
        made = gitdoor.run(repo.toplevel, ["merge-tree", "--write-tree", "--allow-unrelated-histories", "--", *merge.parents])
        if made.code == 0:
            return _check_change(store, repo, prefix, policy, made.out.split()[0], merge.id, who, merge.id, history=first)
    sides = [_check_change(store, repo, prefix, policy, parent, merge.id, who, merge.id) for parent in merge.parents]
    common = set.intersection(*({(p.file, p.rule) for p in side.problems} for side in sides))
    return Judged([p for p in sides[0].problems if (p.file, p.rule) in common],
                  [e for e in sides[0].events if all(e in side.events for side in sides)])


@dataclass(frozen=True)
class Judged:
    problems: list[Problem]
    events: list[Event]


def _check_change(store: RegistryStore, repo: GitRepository, prefix: str, policy: RegistryConfig,
                  before: str | None, after: str, author: Who | Callable[[Event], Who], commit: str | None,
                  since: str | None = None, history: str | None = None, renames: Mapping[str, str] | None = None
                  ) -> Judged:
    """The problems of the change from BEFORE (a commit or tree; None: nothing) to AFTER, made by
    AUTHOR (or by whom AUTHOR says each event is owed to); SINCE: the change of a whole branch
    from that base. HISTORY (default BEFORE) answers whether a version held a stage before."""
    start = before or _empty_tree(repo)
    with RegistryHistory(repo, prefix) as reader:
        compared = reader.compare(start, after, renames)
    old_view = _view(store, repo, start, prefix)
    new_view = _view(store, repo, after, prefix)
    past = _view(store, repo, history, prefix) if history is not None else old_view
    try:
        wanted = promoted_models(compared.events)
        renamed = {e.model: str(e.before) for e in compared.events if e.type == "model_renamed" and e.model}
        before_models = dict(compared.before.models)
        after_models = dict(compared.after.models)
        for name in wanted:
            _load_full(old_view, renamed.get(name, name), before_models)
            _load_full(new_view, name, after_models)

        def held_before(name: str, version: int, stage: str | None, alias: str | None) -> bool:
            return before is not None and _held(past, name, version, stage, alias)

        def line_of(path: str, loc: Loc) -> int | None:
            return key_line(new_view.snapshot.read(path), *loc)

        who_of = author if callable(author) else None
        everyone: Who = author if not callable(author) else who_of_all(compared.events, author)
        context = ChangeContext(compared.events, before_models, after_models, everyone, held_before, line_of, commit,
                                since, who_of)
        shown = ", ".join(people(everyone))
        irregular = [irregular_problem(path, kind) for path, kind in compared.irregular]
        problems = [Problem(p.file, p.line, p.rule, p.message, commit, shown, since) for p in irregular]
        return Judged(problems + change_problems(policy, context), compared.events)
    finally:
        for view in {id(v): v for v in (old_view, new_view, past)}.values():
            _close(view)


def _load_full(view: RegistryStore, name: str, models: dict[str, ModelState]) -> None:
    """Replace the part of model NAME the diff read with all of it, when all of it can be read."""
    try:
        state = view.read_model(name)
    except ManifestError:
        return
    if state is not None:
        models[name] = state


def _empty_tree(repo: GitRepository) -> str:
    return repo.git("hash-object", "-t", "tree", "--stdin", input=b"").strip()


# --------------------------------------------------------------------------- history


def held_before(store: RegistryStore, name: str, version: int, stage: str | None = None, alias: str | None = None
                ) -> bool:
    """Whether VERSION of NAME ever held STAGE (or ALIAS ever pointed at it) in STORE's history: a
    version going back there is a rollback, excused from the transition and not-worse rules."""
    return _held(store, name, version, stage, alias)


def _held(store: RegistryStore, name: str, version: int, stage: str | None, alias: str | None) -> bool:
    try:
        entries = read_history(store, name, version, alias=alias, stage=stage)
    except GitError:
        return False  # no history to ask (a registry with no commits yet)
    for entry in entries:
        for event in entry.events:
            if event.version != version:
                continue
            if stage is not None and event.type in ("stage_changed", "version_registered") and event.after == stage:
                return True
            if alias is not None and event.type in ("alias_set", "alias_moved") and event.after == version:
                return True
    return False


# --------------------------------------------------------------------------- CODEOWNERS

CODEOWNERS_PLACES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
"""Where GitHub looks for CODEOWNERS, in its order; GitLab looks in the same places."""


def registry_prefix(store: RegistryStore) -> str:
    """The registry's folder relative to the top of its repository ('' at the top)."""
    return _prefix(store, _repo_or_none(store))


def write_codeowners(store: RegistryStore, lines: list[str]) -> Path:
    """Put LINES (modelreg's block) in the repository's CODEOWNERS, keeping every other line; the
    file is written, not committed."""
    from modelreg_cli.core.policy import merge_codeowners
    from modelreg_cli.errors import InvalidInputError

    if store.read_only:
        raise InvalidInputError(f"the registry in {store.snapshot.label} is read-only: run this in a checkout of its "
                                "repository")
    top = store.repo.toplevel
    for place in CODEOWNERS_PLACES:
        found = fileio.irregular_on_the_way(top, place)
        if found is not None:
            raise InvalidInputError(f"{found[0]} is {found[1]}: modelreg writes no file through a link (it could "
                                    "point anywhere): replace it with a plain file, then run this again")
    path = next((top / place for place in CODEOWNERS_PLACES if (top / place).is_file()), top / "CODEOWNERS")
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    fileio.write_atomic(path, merge_codeowners(existing, lines).encode())
    return path
