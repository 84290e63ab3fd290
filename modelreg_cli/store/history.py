"""The registry's history from git: which commits touched it, and what changed in each.

Only what changed is read. One `git log --raw -z` process lists the commits of a model (or of the
whole registry) with the paths each one touched and their blob ids before and after; one long-lived
`git cat-file --batch` process then reads just those blobs (and the model.yaml of a touched model),
and parsed documents are cached by blob id, since one commit's "after" is the next one's "before".
Both sides of a commit go through the pure events engine (core/events.py).

History follows HEAD's first parents: a merge commit is compared with its first parent, so it shows
everything its branch brought, once, as the change that landed on the branch.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Generator, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, TypeVar

from modelreg_cli.core import layout
from modelreg_cli.core.events import (
    Commit,
    Event,
    HistoryEntry,
    RegistryDiff,
    RegistryState,
    RollbackSearch,
    comparisons,
    event_matches,
    find_rollback_target,
    promoted_models,
    registry_events,
)
from modelreg_cli.core.manifests import ModelManifest, RegistryConfig, VersionManifest, format_timestamp
from modelreg_cli.core.serialize import parse_document
from modelreg_cli.core.state import ModelState
from modelreg_cli.errors import InvalidInputError, ManifestError, NotFoundError
from modelreg_cli.store import fileio
from modelreg_cli.store.git import ZERO_OID, CatFile, run_git, stream
from modelreg_cli.store.repository import GitRepository, git_date
from modelreg_cli.store.snapshot import IRREGULAR_MODES, refusal

if TYPE_CHECKING:
    from modelreg_cli.store.files import RegistryStore

Document = TypeVar("Document", RegistryConfig, ModelManifest, VersionManifest)

_HEADER = "%x1e%H%x1f%P%x1f%ae%x1f%an%x1f%cI%x1f%B"
_TRAILER = re.compile(r"^Modelreg-[A-Za-z-]+:")
_BLOB_MODES = {"100644", "100755", "000000"}
_IRREGULAR = "irregular:"
"""A blob id meaning 'not a file on that side' (a symbolic link, a submodule), then what it is."""
_STAGE_LINE = re.compile(rb"^stage:[ \t]*(\S.*?)[ \t]*\r?$", re.MULTILINE)
WORKING_TREE = "the working tree"
_LOOKUP = ""
"""A blob id meaning 'look the file up by its path on that side' (the working tree's, or an
untouched file's, whose id the diff does not give)."""


@dataclass(frozen=True)
class Touch:
    """A path of the registry a change touched, with its blob id before and after (None: absent)."""

    path: str
    before: str | None
    after: str | None


class _Side:
    """One side of a comparison: a commit, nothing (before a root commit), or the working tree."""

    def __init__(self, commit: str | None = None, disk: Path | None = None) -> None:
        self.commit = commit
        self.disk = disk


@dataclass
class Compared:
    """The events between two sides, and what was read of each side (the touched files only).
    IRREGULAR: (path, what it is) of each entry the change made that is not a plain file."""

    events: list[Event]
    before: RegistryState
    after: RegistryState
    before_side: _Side
    after_side: _Side
    irregular: list[tuple[str, str]]


class RegistryHistory:
    """Reads the history of the registry in REPO at PREFIX (its folder relative to the top, '' at the
    top), from revision START back; ROOT is its working tree, if it has one. Close it when done."""

    def __init__(self, repo: GitRepository, prefix: str, root: Path | None = None, start: str = "HEAD") -> None:
        self.repo = repo
        self.prefix = prefix
        self.root = root
        self.start = start
        self._reader = CatFile(repo.toplevel)
        self._parsed: dict[tuple[type[Any], str], Any] = {}

    def __enter__(self) -> RegistryHistory:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._reader.close()

    # log ----------------------------------------------------------------------

    def entries(self, model: str | None = None, since: str | None = None, until: str | None = None
                ) -> Iterator[HistoryEntry]:
        """The commits that changed the registry (or MODEL), newest first, each with its events.
        A model's history follows it through renames; SINCE and UNTIL bound the commit dates."""
        name, begin = model, self.start
        while True:
            follow: tuple[str, str] | None = None
            records = self._log(begin, name, since, until)
            try:
                for commit, touches in records:
                    events = self._events(touches, _Side(commit.parents[0] if commit.parents else None),
                                          _Side(commit.id), name)
                    if events:
                        yield HistoryEntry(commit, events)
                    renamed = next((e for e in events if e.type == "model_renamed" and e.model == name), None)
                    if name is not None and renamed is not None and commit.parents:
                        follow = (str(renamed.before), commit.parents[0])
                        break
            finally:
                records.close()
            if follow is None:
                return
            name, begin = follow

    def _log(self, start: str, model: str | None, since: str | None, until: str | None
             ) -> Generator[tuple[Commit, list[Touch]]]:
        pathspec = self._full(layout.model_dir(model)) if model else (self.prefix or ".")
        args = ["--literal-pathspecs", "log", "--first-parent", "--diff-merges=first-parent", "--raw", "-z", "--no-renames",
                "--no-abbrev", "--root", "--full-diff", "--no-show-signature", f"--format={_HEADER}"]
        args += [f"--since={since}"] if since else []
        args += [f"--until={until}"] if until else []
        args += [start, "--", pathspec]
        with stream(self.repo.toplevel, args) as output:
            commit: Commit | None = None
            touches: list[Touch] = []
            for value in _raw_records(_nul_tokens(output), self.prefix):
                if isinstance(value, Commit):
                    if commit is not None:
                        yield commit, touches
                    commit, touches = value, []
                elif isinstance(value, Touch):
                    touches.append(value)
            if commit is not None:
                yield commit, touches

    # diff ---------------------------------------------------------------------

    def compare(self, base: str, head: str | None, renames: Mapping[str, str] | None = None) -> Compared:
        """The events from BASE to HEAD (None: the working tree), with the part of each side that was
        read; RENAMES (new name -> old) are renames known to have happened in between."""
        pathspec = self.prefix or "."
        if head is None:
            if self.root is None:
                raise InvalidInputError("this registry is read from git and has no working tree: give the revisions "
                                        "to compare, as in `modelreg diff BASE HEAD`")
            out = self.repo.git("--literal-pathspecs", "diff", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff", base, "--",
                                pathspec)
            touches = _touches(out, self.prefix)
            untracked = self.repo.git("--literal-pathspecs", "ls-files", "--others", "--exclude-standard", "-z", "--", pathspec)
            for path in untracked.split("\0"):
                relative = _inside(path, self.prefix)
                if relative is not None:
                    touches.append(Touch(relative, None, _LOOKUP))
            return self._compare(touches, _Side(base), _Side(disk=self.root), None, renames)
        out = self.repo.git("--literal-pathspecs", "diff-tree", "-r", "-z", "--no-renames", "--no-abbrev", base, head, "--", pathspec)
        touches = _touches(out, self.prefix)
        return self._compare(touches, _Side(base), _Side(head), None, renames)

    def highest_holder(self, commit: str, name: str, stage: str, other_than: int) -> VersionManifest | None:
        """The highest version of model NAME in STAGE at COMMIT, apart from OTHER_THAN. Versions are
        tried from the highest down, each by its `stage:` line; only a likely holder is parsed."""
        folder = f"{layout.model_dir(name)}/{layout.VERSIONS_DIR}"
        tree = self._reader.read(f"{commit}:{self._full(folder)}")
        entries = _tree_entries(tree[1], len(tree[0]) // 2) if tree else []
        numbered = sorted(((n, f, oid) for f, oid in entries if (n := layout.version_number_of(f)) is not None),
                          reverse=True)
        for number, filename, oid in numbered:
            found = self._reader.read(oid) if number != other_than else None
            if found is None:
                continue
            line = _STAGE_LINE.search(found[1])
            if line is not None and line.group(1).decode(errors="replace").split(" #")[0].strip("'\" ") != stage:
                continue
            path = f"{folder}/{filename}"
            manifest = _numbered(self._document(_Side(commit), path, oid, VersionManifest), name, number, path)
            if isinstance(manifest, VersionManifest) and manifest.stage == stage:
                return manifest
        return None

    def version_at(self, side: _Side, name: str, number: int) -> VersionManifest | None:
        """One version's manifest on SIDE, or None when it is absent or cannot be read."""
        path = layout.version_file(name, number)
        found = _numbered(self._document(side, path, _LOOKUP, VersionManifest), name, number, path)
        return found if isinstance(found, VersionManifest) else None

    # loading both sides ---------------------------------------------------------

    def _events(self, touches: list[Touch], before: _Side, after: _Side, model: str | None) -> list[Event]:
        """The events of TOUCHES between the sides; only MODEL's (and a model it was renamed from)."""
        return self._compare(touches, before, after, model).events

    def _compare(self, touches: list[Touch], before: _Side, after: _Side, model: str | None,
                 renames: Mapping[str, str] | None = None) -> Compared:
        by_path = {touch.path: touch for touch in touches}
        names = _touched_models(touches)
        if model is not None:
            wanted = {model} if model in names else set()
            created = by_path.get(layout.model_file(model))
            if wanted and created is not None and (created.before is None or created.after is None):
                # maybe a rename: load the models that appeared or vanished with it
                wanted |= {name for name in names if (t := by_path.get(layout.model_file(name)))
                           and (t.before is None or t.after is None)}
            names = sorted(wanted)
        problems: list[Event] = []
        was, now = RegistryState(), RegistryState()
        config = by_path.get(layout.CONFIG_FILE)
        if config is not None and model is None:
            old = self._document(before, layout.CONFIG_FILE, config.before, RegistryConfig)
            new = self._document(after, layout.CONFIG_FILE, config.after, RegistryConfig)
            pair = _readable(old, new, None, None, layout.CONFIG_FILE, problems)
            if pair is not None:
                was.config, now.config = pair
        for name in names:
            self._load_model(name, by_path, before, after, was, now, problems)
        irregular = [(touch.path, touch.after[len(_IRREGULAR):]) for touch in touches
                     if touch.after is not None and touch.after.startswith(_IRREGULAR)]
        problems += [_unreadable(path, kind) for path, kind in irregular if not _is_document(path)]
        events = registry_events(was, now, renames) + problems
        if model is not None:
            events = [event for event in events if model in (event.model, _renamed_from(event))]
        return Compared(events, was, now, before, after, irregular)

    def _load_model(self, name: str, by_path: dict[str, Touch], before: _Side, after: _Side,
                    was: RegistryState, now: RegistryState, problems: list[Event]) -> None:
        model_path = layout.model_file(name)
        touch = by_path.get(model_path)
        old = self._document(before, model_path, touch.before if touch else _LOOKUP, ModelManifest)
        new = self._document(after, model_path, touch.after if touch else _LOOKUP, ModelManifest)
        models = _readable(_named(old, name, model_path), _named(new, name, model_path), name, None, model_path,
                           problems)
        if models is None:
            return
        old_state = ModelState(models[0]) if models[0] is not None else None
        new_state = ModelState(models[1]) if models[1] is not None else None
        folder = f"{layout.model_dir(name)}/{layout.VERSIONS_DIR}/"
        for path, version_touch in by_path.items():
            number = layout.version_number_of(path[len(folder):]) if path.startswith(folder) else None
            if number is None:
                continue
            old_version = _numbered(self._document(before, path, version_touch.before, VersionManifest), name, number, path)
            new_version = _numbered(self._document(after, path, version_touch.after, VersionManifest), name, number, path)
            manifests = _readable(old_version, new_version, name, number, path, problems)
            if manifests is None:
                continue
            if old_state is not None and manifests[0] is not None:
                old_state.versions[number] = manifests[0]
            if new_state is not None and manifests[1] is not None:
                new_state.versions[number] = manifests[1]
        if old_state is not None:
            was.models[name] = old_state
        if new_state is not None:
            now.models[name] = new_state

    def _document(self, side: _Side, path: str, blob: str | None, kind: type[Document]) -> Document | ManifestError | None:
        """The document at PATH on SIDE (by BLOB id when known), parsed once per blob; None when absent."""
        if blob is None:
            return None
        if blob.startswith(_IRREGULAR):
            return refusal(path, blob[len(_IRREGULAR):])
        if blob != _LOOKUP:
            found = self._reader.read(blob)
        elif side.disk is not None:
            irregular = fileio.irregular_on_the_way(side.disk, path)
            if irregular is not None:
                return refusal(*irregular)
            data = fileio.read_or_none(side.disk / path)
            return None if data is None else _parse(data, kind, path)
        elif side.commit is None:
            return None
        else:
            found = self._reader.read(f"{side.commit}:{self._full(path)}")
        if found is None:
            return None
        oid, data = found
        key = (kind, oid)
        if key not in self._parsed:
            self._parsed[key] = _parse(data, kind, path)
        cached: Document | ManifestError = self._parsed[key]
        return cached

    def _full(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path


# --------------------------------------------------------------------------- parsing git's output


def _nul_tokens(stream: IO[bytes]) -> Iterator[bytes]:
    """The NUL-separated fields of a stream, as they arrive."""
    pending = b""
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        pending += chunk
        *tokens, pending = pending.split(b"\0")
        yield from tokens
    if pending:
        yield pending


def _raw_records(tokens: Iterator[bytes], prefix: str) -> Iterator[Commit | Touch]:
    """Commits (from the header format) and touched registry paths (from --raw -z entries)."""
    for token in tokens:
        text = token.lstrip(b"\n")
        if text.startswith(b"\x1e"):
            yield _commit(text[1:].decode(errors="replace"))
        elif text.startswith(b":"):
            path = next(tokens, b"").decode(errors="surrogateescape")
            touch = _touch(text.decode(), path, prefix)
            if touch is not None:
                yield touch


def _touches(out: str, prefix: str) -> list[Touch]:
    return [t for t in _raw_records(iter(out.encode(errors="surrogateescape").split(b"\0")), prefix) if isinstance(t, Touch)]


def _touch(meta: str, path: str, prefix: str) -> Touch | None:
    """':100644 100644 OLD NEW M' and its path -> a Touch, when the path is a file of the registry."""
    old_mode, new_mode, old, new, status = meta[1:].split()[:5]
    relative = _inside(path, prefix)
    if relative is None:
        return None
    before = None if status == "A" else _side_blob(old_mode, old)
    after = None if status == "D" else _side_blob(new_mode, new)
    if before is None and after is None:
        return None
    return Touch(relative, before, after)


def _side_blob(mode: str, oid: str) -> str | None:
    """How a side of a raw diff entry is read: its blob id, by path, not at all (absent), or
    never (a symbolic link or submodule: a registry holds only plain files)."""
    if mode in _BLOB_MODES:
        return None if mode == "000000" else (oid if oid != ZERO_OID else _LOOKUP)
    return _IRREGULAR + IRREGULAR_MODES.get(mode, "not a file")


def _is_document(path: str) -> bool:
    """Whether PATH is read as one of the registry's documents (an unreadable one is reported then)."""
    parts = path.split("/")
    if path == layout.CONFIG_FILE:
        return True
    if len(parts) == 3 and parts[0] == layout.MODELS_DIR and parts[2] == layout.MODEL_FILE:
        return True
    return (len(parts) == 4 and parts[0] == layout.MODELS_DIR and parts[2] == layout.VERSIONS_DIR
            and layout.version_number_of(parts[3]) is not None)


def _unreadable(path: str, kind: str) -> Event:
    return Event("manifest_invalid", layout.model_of_path(path), key=path, after=refusal(path, kind).reason)


def _inside(path: str, prefix: str) -> str | None:
    if not path:
        return None
    if not prefix:
        return path
    return path[len(prefix) + 1:] if path.startswith(prefix + "/") else None


def read_commit(repo: GitRepository, commit: str) -> Commit:
    """One commit as the history reads it: id, parents, author, time, subject and reason."""
    return _commit(repo.git("log", "-1", f"--format={_HEADER}", commit).lstrip("\x1e"))


def _commit(header: str) -> Commit:
    commit, parents, author, name, time, message = header.split("\x1f", 5)
    subject, _, body = message.strip("\n").partition("\n")
    kept = [line for line in body.strip("\n").splitlines() if not _TRAILER.match(line)]
    reason = "\n".join(kept).strip()
    if not reason and not any(_TRAILER.match(line) for line in body.splitlines()):
        reason = subject.strip()  # a hand-made commit: its subject says why
    landed = format_timestamp(datetime.fromisoformat(time))
    return Commit(commit, tuple(parents.split()), author, landed, subject.strip(), reason, name)


def _readable(old: Document | ManifestError | None, new: Document | ManifestError | None, model: str | None,
              version: int | None, path: str, problems: list[Event]) -> tuple[Document | None, Document | None] | None:
    """Both sides of PATH, or None when either cannot be read (it is then left out of the
    comparison), saying so in PROBLEMS when the change broke the file, or mended it."""
    if isinstance(new, ManifestError):
        problems.append(Event("manifest_invalid", model, version, key=path, after=new.reason))
        return None
    if isinstance(old, ManifestError):
        problems.append(Event("manifest_repaired", model, version, key=path, before=old.reason))
        return None
    return old, new


def _renamed_from(event: Event) -> str | None:
    return str(event.before) if event.type == "model_renamed" else None


def _tree_entries(data: bytes, id_size: int) -> list[tuple[str, str]]:
    """(name, object id) of each entry of a raw git tree object: '<mode> <name>\\0<binary id>'..."""
    entries, at = [], 0
    while at < len(data):
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        entries.append((data[space + 1:nul].decode(errors="surrogateescape"), data[nul + 1:nul + 1 + id_size].hex()))
        at = nul + 1 + id_size
    return entries


def _touched_models(touches: list[Touch]) -> list[str]:
    names = {layout.model_of_path(touch.path) for touch in touches}
    return sorted(name for name in names if name is not None)


def _parse(data: bytes, kind: type[Document], path: str) -> Document | ManifestError:
    try:
        return parse_document(data, kind, path)
    except ManifestError as exc:
        return exc


def _named(document: ModelManifest | ManifestError | None, name: str, path: str) -> ModelManifest | ManifestError | None:
    if isinstance(document, ModelManifest) and document.name != name:
        return ManifestError(path, f"name is {document.name!r} but the folder is {name!r}")
    return document


def _numbered(document: VersionManifest | ManifestError | None, name: str, number: int, path: str
              ) -> VersionManifest | ManifestError | None:
    if isinstance(document, VersionManifest) and (document.name, document.version) != (name, number):
        return ManifestError(path, f"holds {document.name} version {document.version}, "
                                   f"but its place says {name} version {number}")
    return document


# --------------------------------------------------------------------------- what the service asks


def open_history(store: RegistryStore) -> RegistryHistory:
    """The history of STORE's registry: from its working tree's HEAD, or from the commit it is a view of."""
    from modelreg_cli.store.snapshot import GitTree

    snapshot = store.snapshot
    if isinstance(snapshot, GitTree):
        return RegistryHistory(store.repo, snapshot.prefix, start=snapshot.commit)
    return RegistryHistory(store.repo, store.repo.relative(store.root), root=store.root)


def read_history(
    store: RegistryStore,
    model: str | None = None,
    version: int | None = None,
    alias: str | None = None,
    stage: str | None = None,
    since: str | None = None,
    until: str | None = None,
    max_count: int | None = None,
) -> list[HistoryEntry]:
    """The commits of STORE's registry (or of MODEL) newest first, keeping only the events that
    concern VERSION, ALIAS and STAGE (all of those given), and at most MAX_COUNT commits."""
    begin = _bound("--since", since, end_of_day=False)
    end = _bound("--until", until, end_of_day=True)
    found: list[HistoryEntry] = []
    if max_count is not None and max_count <= 0:
        return found
    with open_history(store) as history:
        for entry in history.entries(model, begin, end):
            events = [e for e in entry.events if event_matches(e, version=version, alias=alias, stage=stage)]
            if events:
                found.append(HistoryEntry(entry.commit, events))
            if max_count is not None and len(found) >= max_count:
                break
    return found


def _bound(option: str, text: str | None, end_of_day: bool) -> str | None:
    if text is None:
        return None
    moment = git_date(text, end_of_day=end_of_day)
    if moment is None:
        raise InvalidInputError(f"{option} {text!r} is not a date: give a date like 2026-10-01 or 2026-10-01T12:00:00Z")
    return moment


def registry_diff(store: RegistryStore, base: str | None = None, head: str | None = None) -> RegistryDiff:
    """The events from BASE to HEAD (default: HEAD to the working tree), with the promotions among
    them beside the versions they replace. BASE may be a range: A..B, or A...B (from their merge base)."""
    repo = store.repo
    base_commit, head_commit, base_label, head_label = _sides(repo, base, head)
    with open_history(store) as history:
        compared = history.compare(base_commit, head_commit)
        if not promoted_models(compared.events):
            return RegistryDiff(base_label, head_label or WORKING_TREE, compared.events)
        config = (store.at(head_commit) if head_commit else store).read_config()
        _read_for_comparisons(history, compared, config, base_commit)
    found = comparisons(compared.events, compared.before.models, compared.after.models, config)
    return RegistryDiff(base_label, head_label or WORKING_TREE, compared.events, found)


def _read_for_comparisons(history: RegistryHistory, compared: Compared, config: RegistryConfig, base: str) -> None:
    """Add to the sides what `comparisons` needs beyond the touched files: the versions an alias
    moved from and to, and for a stage several versions may share, its holders before. (The holder
    of an exclusive stage had to leave it for another version to enter, so it was touched.)"""
    renamed = {e.model: str(e.before) for e in compared.events if e.type == "model_renamed" and e.model}
    for event in compared.events:
        if event.model is None or event.version is None:
            continue
        old_name = renamed.get(event.model, event.model)
        before = compared.before.models.get(old_name)
        if event.type in ("stage_changed", "version_registered") and event.after not in config.exclusive_stages:
            holder = history.highest_holder(base, old_name, str(event.after), event.version) if before else None
            if before is not None and holder is not None:
                before.versions.setdefault(holder.version, holder)
        elif event.type in ("alias_set", "alias_moved"):
            _add_version(history, compared.after, compared.after_side, event.model, event.version)
            if isinstance(event.before, int):
                _add_version(history, compared.before, compared.before_side, old_name, event.before)


def _add_version(history: RegistryHistory, state: RegistryState, side: _Side, name: str, number: int) -> None:
    model = state.models.get(name)
    if model is not None and number not in model.versions:
        manifest = history.version_at(side, name, number)
        if manifest is not None:
            model.versions[number] = manifest


def _sides(repo: GitRepository, base: str | None, head: str | None) -> tuple[str, str | None, str, str | None]:
    """(base commit, head commit or None for the working tree, and how to name each)."""
    if base is not None and head is None and ".." in base:
        three = "..." in base
        left, _, right = base.partition("..." if three else "..")
        left, right = left or "HEAD", right or "HEAD"
        right_commit = repo.commit_at(right)
        left_commit = repo.commit_at(left)
        if three:
            start = merge_base(repo, left_commit, right_commit)
            return start, right_commit, f"the merge base of {left} and {right} ({start[:8]})", _label(right, right_commit)
        return left_commit, right_commit, _label(left, left_commit), _label(right, right_commit)
    base = base or "HEAD"
    base_commit = repo.commit_at(base)
    if head is None:
        return base_commit, None, _label(base, base_commit), None
    head_commit = repo.commit_at(head)
    return base_commit, head_commit, _label(base, base_commit), _label(head, head_commit)


def _label(spelling: str, commit: str) -> str:
    short = commit[:8]
    return short if commit.startswith(spelling.lower()) else f"{spelling} ({short})"



def find_rollback(
    store: RegistryStore, state: ModelState, stage: str | None, alias: str | None, to: int | None,
    resting: Collection[str],
) -> RollbackSearch:
    """Search the model's history for where to put STAGE or ALIAS back (see core.events.find_rollback_target)."""
    with open_history(store) as history:
        return find_rollback_target(history.entries(state.name), state, stage, alias, to, resting=resting)


def merge_base(repo: GitRepository, left: str, right: str) -> str:
    """The best common ancestor of two commits (for `diff A...B`)."""
    out = run_git(repo.toplevel, ["merge-base", left, right], check=False).strip()
    if not out:
        raise NotFoundError(f"{left[:12]} and {right[:12]} have no common ancestor: compare them with A..B instead")
    return out


# --------------------------------------------------------------------------- what the artifacts gc keeps


@dataclass(frozen=True)
class ArtifactUse:
    """A version's artifact as one revision (or the working tree) records it."""

    model: str
    version: int
    sha256: str
    kind: str | None
    stored: bool


_VERSION_PATH = re.compile(r"models/([^/]+)/versions/([1-9][0-9]*)\.yaml")


def artifact_uses(store: RegistryStore, head_only: bool = False) -> Iterator[ArtifactUse]:
    """The artifact of every version in any revision reachable from a ref of the repository (every
    branch, remote branch and tag, and HEAD), and in the working tree; with HEAD_ONLY, only in the
    latest revision of each ref (and the working tree). Each manifest is read once, by blob id."""
    import yaml

    repo = store.repo
    prefix = repo.relative(store.root)
    pattern = re.compile(re.escape(f"{prefix}/") + _VERSION_PATH.pattern if prefix else _VERSION_PATH.pattern)
    args = ["rev-list", "--objects", "--all"] + (["--no-walk"] if head_only else [])
    blobs: dict[str, tuple[str, int]] = {}
    if repo.head() is not None:
        with stream(repo.toplevel, args) as output:
            for line in output:
                oid, _, path = line.decode(errors="surrogateescape").rstrip("\n").partition(" ")
                found = pattern.fullmatch(path)
                if found is not None:
                    blobs.setdefault(oid, (found.group(1), int(found.group(2))))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with CatFile(repo.toplevel) as reader:
        for oid, (model, number) in blobs.items():
            try:
                document = yaml.load(reader.read_object(oid), Loader=loader)  # noqa: S506 - a safe loader
            except yaml.YAMLError:
                continue  # a broken hand edit records no artifact
            use = _artifact_use(document, model, number)
            if use is not None:
                yield use
    for documents in store.read_documents():
        for number, version in documents.versions.items():
            use = _artifact_use(version, documents.name, number)
            if use is not None:
                yield use


def _artifact_use(document: Any, model: str, number: int) -> ArtifactUse | None:
    artifact = document.get("artifact") if isinstance(document, dict) else None
    digest = artifact.get("sha256") if isinstance(artifact, dict) else None
    if not isinstance(artifact, dict) or not isinstance(digest, str):
        return None
    kind = artifact.get("kind")
    return ArtifactUse(model, number, digest, kind if isinstance(kind, str) else None, artifact.get("stored") is True)
