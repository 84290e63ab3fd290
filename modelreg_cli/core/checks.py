"""`modelreg check`: the rules a registry's files and its changes must obey. Pure: no I/O.

Two kinds of rules. The files (`check_files`): every manifest parses and matches the schema, and
the registry's invariants hold. The changes (`change_problems`): the events of one commit (or of
the staged change) obey the promotion policy and never rewrite what a version was registered with.
Every problem is collected, with the file and line it is about, so a pre-commit hook or a CI job
lists them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from modelreg_cli.core import layout
from modelreg_cli.core.events import Event
from modelreg_cli.core.manifests import ModelManifest, RegistryConfig, VersionManifest
from modelreg_cli.core.names import model_name_of_folder, validate_model_name
from modelreg_cli.core.policy import (
    Violation,
    Who,
    alias_move_violations,
    alias_removal_violations,
    model_removal_violations,
    people,
    stage_move_violations,
    version_removal_violations,
)
from modelreg_cli.core.serialize import ManifestLoader, load_yaml, yaml_problem
from modelreg_cli.core.state import ModelState
from modelreg_cli.errors import InvalidInputError

Document = TypeVar("Document", bound=BaseModel)
Loc = tuple[str | int, ...]



@dataclass(frozen=True)
class Problem:
    """One broken rule: FILE (relative to the registry root; None for a whole commit) and LINE (1-based,
    when known), the RULE's name, what is wrong and what to do, and the COMMIT and AUTHOR of a change."""

    file: str | None
    line: int | None
    rule: str
    message: str
    commit: str | None = None
    author: str | None = None
    since: str | None = None
    """For a problem of the whole change since a base (not of one commit): that base."""

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "rule": self.rule, "message": self.message,
                "commit": self.commit, "author": self.author, "since": self.since}


FileContent = bytes | dict[str, Any]
"""A file's bytes, or the document already parsed and validated from exactly those bytes (the
manifest cache's), which spares parsing it again."""


def _no_bytes(path: str) -> bytes | None:
    return None


@dataclass
class ModelFiles:
    """One folder of models/ as found: its model.yaml and the YAML files in its versions/ folder
    (by file name), and how to read a file's bytes, for the line of a problem in a parsed one."""

    folder: str
    model: FileContent | None
    versions: dict[str, FileContent] = field(default_factory=dict)
    read: Callable[[str], bytes | None] = _no_bytes

    def data(self, path: str, content: FileContent) -> bytes | None:
        return content if isinstance(content, bytes) else self.read(path)


@dataclass
class FilesReport:
    """What check_files found: the problems, the config it read (the default when it cannot be
    read), and how much it looked at."""

    problems: list[Problem]
    config: RegistryConfig
    config_valid: bool
    models: int = 0
    versions: int = 0


# --------------------------------------------------------------------------- reading one file


def load(data: bytes, kind: type[Document], path: str) -> tuple[Document | None, list[Problem]]:
    """Parse and validate DATA; every problem with its line, instead of the first one only."""
    try:
        parsed = load_yaml(data)
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        return None, [Problem(path, line, "yaml", f"invalid YAML: {problem}: fix the syntax")]
    if not isinstance(parsed, dict):
        return None, [Problem(path, 1, "schema", f"expected a mapping of fields, found {type(parsed).__name__}")]
    try:
        return kind.model_validate(parsed), []
    except ValidationError as exc:
        root = _compose(data)
        return None, [_schema_problem(error, root, path) for error in exc.errors()]


def _schema_problem(error: Any, root: yaml.Node | None, path: str) -> Problem:
    loc: Loc = tuple(error["loc"])
    reason = str(error["msg"]).removeprefix("Value error, ")
    dotted = ".".join(str(part) for part in loc)
    if error["type"] == "extra_forbidden":
        return Problem(path, line_of(root, loc, key=True), "unknown-key",
                       f"unknown key '{dotted}': remove it or fix its spelling (docs/format.md lists the keys)")
    if error["type"] == "finite_number":
        return Problem(path, line_of(root, loc), "schema", f"{dotted}: {error['input']} is not a finite number: no gate "
                       "can compare it: record a number, or leave the metric out")
    if error["type"] == "missing":
        return Problem(path, line_of(root, loc[:-1], key=True) if loc[:-1] else 1, "schema", f"missing key '{dotted}'")
    if not loc:
        # a rule of the whole document; the policy's own messages start with the key they are about
        named = re.match(r"([A-Za-z_][\w.]*): ", reason)
        found = line_of(root, tuple(named.group(1).split(".")), key=True) if named else None
        return Problem(path, found or 1, "schema", reason)
    return Problem(path, line_of(root, loc), "schema", f"{dotted}: {reason}")


def _compose(data: bytes) -> yaml.Node | None:
    try:
        return yaml.compose(data, Loader=ManifestLoader)
    except yaml.YAMLError:
        return None


def line_of(root: yaml.Node | None, loc: Loc, key: bool = False) -> int | None:
    """The 1-based line of the value at LOC in a composed document (of its key, with KEY), or of
    the deepest part of LOC that exists."""
    if root is None:
        return None
    node, line = root, root.start_mark.line + 1
    for place, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if pair is None:
                return line
            if key and place == len(loc) - 1:
                return int(pair[0].start_mark.line) + 1
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def key_line(data: bytes | None, *loc: str | int) -> int | None:
    """The line of the key at LOC in DATA (a YAML document), when it is there."""
    return None if data is None else line_of(_compose(data), tuple(loc), key=True)


# --------------------------------------------------------------------------- the files


def irregular_problem(path: str, kind: str) -> Problem:
    return Problem(path, None, "file-type", f"{path} is {kind}, not a file: a registry holds only plain files and "
                   "folders, and modelreg reads nothing through a link: replace it with the file itself")


def check_files(config_data: bytes | None, models: Iterable[ModelFiles], irregular: Sequence[tuple[str, str]] = ()
                ) -> FilesReport:
    """Every problem of a registry's files: schema (with lines) and invariants. IRREGULAR: (path,
    what it is) of the entries that are not plain files or folders (left unread)."""
    problems = [irregular_problem(path, kind) for path, kind in irregular]
    unread = {path for path, _ in irregular}
    config: RegistryConfig | None = None
    if config_data is None and layout.CONFIG_FILE in unread:
        pass
    elif config_data is None:
        problems.append(Problem(layout.CONFIG_FILE, None, "missing-file", f"{layout.CONFIG_FILE} is missing: every "
                                "registry needs one (`modelreg init` writes it)"))
    else:
        config, found = load(config_data, RegistryConfig, layout.CONFIG_FILE)
        problems += found
    report = FilesReport(problems, config or RegistryConfig(), config is not None)
    seen: dict[str, str] = {}
    for files in sorted(models, key=lambda f: f.folder):
        report.models += 1
        report.versions += sum(1 for name in files.versions if layout.version_number_of(name) is not None)
        problems += _folder_name_problems(files.folder, seen)
        problems += [p for p in _model_problems(files, report.config) if p.rule != "missing-file" or p.file not in unread]
    return report


def _folder_name(folder: str) -> str:
    """The model name a folder stands for: decoded when modelreg named it, else the folder as is."""
    return model_name_of_folder(folder) or folder


def _folder_name_problems(folder: str, seen: dict[str, str]) -> list[Problem]:
    path = f"{layout.MODELS_DIR}/{folder}/"
    name = _folder_name(folder)
    found = []
    try:
        validate_model_name(name)
        if model_name_of_folder(folder) is None:
            found.append(Problem(path, None, "name", f"the folder of model {name!r} is named "
                                 f"{layout.model_dir(name)}/ (docs/format.md): rename the folder"))
    except InvalidInputError as exc:
        found.append(Problem(path, None, "name", f"{exc} (rename the folder)"))
    other = seen.get(name.lower())
    if other is not None:
        found.append(Problem(path, None, "name-case", f"models {other!r} and {name!r} differ only in case, which "
                             "breaks checkouts on macOS and Windows: rename one"))
    seen.setdefault(name.lower(), name)
    return found


def _model_problems(files: ModelFiles, config: RegistryConfig) -> list[Problem]:
    name = _folder_name(files.folder)
    model_path = f"{layout.MODELS_DIR}/{files.folder}/{layout.MODEL_FILE}"
    problems: list[Problem] = []
    model: ModelManifest | None = None
    if files.model is None:
        problems.append(Problem(model_path, None, "missing-file", f"{model_path} is missing: every model folder needs "
                                "one (restore it, or remove the folder)"))
    else:
        model, found = _load_content(files.model, ModelManifest, model_path)
        problems += found
        if model is not None and model.name != name:
            problems.append(Problem(model_path, key_line(files.data(model_path, files.model), "name"), "file-name",
                                    f"name is {model.name!r} but the folder is {name!r}: make them the same"))
    versions: dict[int, VersionManifest] = {}
    for filename, data in sorted(files.versions.items()):
        number = layout.version_number_of(filename)
        path = f"{layout.MODELS_DIR}/{files.folder}/{layout.VERSIONS_DIR}/{filename}"
        if number is None:
            problems.append(Problem(path, None, "file-name", f"{filename} is not named <number>.yaml, so modelreg "
                                    "ignores it: rename it (e.g. 3.yaml) or move it out of versions/"))
            continue
        manifest, found = _load_content(data, VersionManifest, path)
        problems += found
        if manifest is not None:
            located = _version_problems(manifest, name, number, path, model, config)
            problems += _with_lines(located, files.data(path, data))
            versions[number] = manifest
    if model is not None and files.model is not None:
        problems += _holder_problems(name, versions, config)
        aliases = _alias_problems(model, versions, model_path)
        problems += _with_lines(aliases, files.data(model_path, files.model) if aliases else None)
    return problems


def _load_content(content: FileContent, kind: type[Document], path: str) -> tuple[Document | None, list[Problem]]:
    if isinstance(content, bytes):
        return load(content, kind, path)
    from modelreg_cli.core.search import construct_version

    if kind is VersionManifest:
        return construct_version(content), []  # type: ignore[return-value]  # kind is VersionManifest
    return kind.model_construct(**content), []


def _with_lines(problems: list[tuple[Problem, Loc]], data: bytes | None) -> list[Problem]:
    """The problems, each given the line of the key it is about in DATA (read only when needed)."""
    if not problems:
        return []
    root = _compose(data) if data is not None else None
    return [Problem(p.file, line_of(root, loc, key=True) if loc else None, p.rule, p.message) for p, loc in problems]


def _version_problems(manifest: VersionManifest, name: str, number: int, path: str,
                      model: ModelManifest | None, config: RegistryConfig) -> list[tuple[Problem, Loc]]:
    found: list[tuple[Problem, Loc]] = []
    if manifest.name != name:
        found.append((Problem(path, None, "file-name",
                              f"holds model {manifest.name!r} but is in the folder of {name!r}: make them the same"),
                      ("name",)))
    if manifest.version != number:
        found.append((Problem(path, None, "file-name",
                              f"holds version {manifest.version} but is named {number}.yaml: make them the same"),
                      ("version",)))
    if manifest.stage not in config.stages:
        close = [stage for stage in config.stages if stage.lower() == manifest.stage.lower()]
        fix = f"write {close[0]}" if close else f"use one of {', '.join(config.stages)}"
        found.append((Problem(path, None, "stage", f"stage {manifest.stage!r} is not a stage of this registry: {fix}"),
                      ("stage",)))
    if model is not None and number > model.last_version:
        found.append((Problem(path, None, "last-version",
                              f"version {number} is above last_version {model.last_version} of {name}: numbers come "
                              "from last_version in model.yaml (register versions with `modelreg register`)"),
                      ("version",)))
    return found


def _holder_problems(name: str, versions: Mapping[int, VersionManifest], config: RegistryConfig) -> list[Problem]:
    found = []
    for stage in config.exclusive_stages:
        holders = sorted(n for n, v in versions.items() if v.stage == stage)
        if len(holders) > 1:
            listed = ", ".join(f"v{n}" for n in holders)
            found.append(Problem(layout.version_file(name, holders[-1]), None, "exclusive-stage",
                                 f"{name} {listed} all hold {stage}, which only one version may hold: move all but one "
                                 f"to another stage"))
    return found


def _alias_problems(model: ModelManifest, versions: Mapping[int, VersionManifest], path: str
                    ) -> list[tuple[Problem, Loc]]:
    found: list[tuple[Problem, Loc]] = []
    for alias, number in sorted(model.aliases.items()):
        if number not in versions:
            found.append((Problem(path, None, "alias", f"alias {alias} points at version {number} of {model.name}, "
                                  "which does not exist: point it at a version that does, or remove it"),
                          ("aliases", alias)))
    return found


# --------------------------------------------------------------------------- the changes


HeldBefore = Callable[[str, int, "str | None", "str | None"], bool]
"""(model, version, stage, alias) -> whether the version held the stage (the alias pointed at it)
before the change: a returning version is excused from the transition and not-worse rules."""
LineOf = Callable[[str, Loc], "int | None"]
"""(file, key path) -> its line in the file after the change."""


@dataclass(frozen=True)
class ChangeContext:
    """One change to judge: its events, the full states before and after of the models they
    concern, who made it, and how to ask history and find lines. A change of a whole branch
    (SINCE: its base) is STEPWISE (a version may have reached its stage through others) and
    WHO_OF tells whose steps made each of its events."""

    events: Sequence[Event]
    before: Mapping[str, ModelState]
    after: Mapping[str, ModelState]
    author: Who
    held_before: HeldBefore
    line_of: LineOf
    commit: str | None = None
    since: str | None = None
    who_of: Callable[[Event], Who] | None = None

    def who(self, event: Event) -> Who:
        return self.who_of(event) if self.who_of is not None else self.author


def change_problems(config: RegistryConfig, change: ChangeContext) -> list[Problem]:
    """What one change breaks: rewritten immutable fields, reused version numbers, and every rule
    of CONFIG's policy (the policy in force before the change)."""
    renamed = {e.model: str(e.before) for e in change.events if e.type == "model_renamed" and e.model}
    found: list[Problem] = []
    for event in change.events:
        if event.model is None:
            continue
        old = change.before.get(renamed.get(event.model, event.model))
        new = change.after.get(event.model)
        found += _event_problems(config, change, event, old, new)
    for name, new in change.after.items():
        old = change.before.get(renamed.get(name, name))
        if old is not None and new.model.last_version < old.model.last_version:
            path = layout.model_file(name)
            found.append(_problem(change, path, ("last_version",), "last-version",
                                  f"{name}: last_version went down from {old.model.last_version} to "
                                  f"{new.model.last_version}, which would let version numbers be reused: restore it",
                                  people(change.author)))
    return found


def _event_problems(config: RegistryConfig, change: ChangeContext, event: Event, old: ModelState | None,
                    new: ModelState | None) -> list[Problem]:
    name, number = str(event.model), event.version
    who = change.who(event)
    if event.type == "version_changed" and number is not None:
        changed = _differences(str(event.key), event.before, event.after)
        listed = "; ".join(f"{'.'.join(loc)} changed ({before} -> {after})" for loc, before, after in changed)
        return [_problem(change, layout.version_file(name, number), changed[0][0], "immutable",
                         f"{name} v{number}: {listed}, but what a version was registered with never changes: restore "
                         "it and register a new version", who)]
    if event.type == "model_deleted" and old is not None:
        return _violations(change, layout.model_file(name), (), f"deleting {name}",
                           model_removal_violations(config, old, who), who)
    if event.type == "model_renamed" and old is not None:
        return _violations(change, layout.model_file(name), ("name",), f"renaming {old.name} -> {name}",
                           model_removal_violations(config, old, who, renaming=True), who)
    if event.type == "version_deleted" and old is not None and number in old.versions:
        return _violations(change, layout.version_file(name, number), (), f"deleting {name} v{number}",
                           version_removal_violations(config, old, number, who), who)
    if new is None or number is None:
        return []
    version = new.versions.get(number)
    path = layout.version_file(name, number)
    if event.type == "version_registered":
        found = []
        if old is not None and number <= old.model.last_version:
            found.append(_problem(change, path, ("version",), "reused-number",
                                  f"{name} v{number}: version number {number} was given before (last_version was "
                                  f"{old.model.last_version}); numbers are never reused: register it as "
                                  f"v{old.model.last_version + 1} with `modelreg register`", who))
        if version is not None:
            found += _moved(config, change, old, version, new, config.initial_stage, who)
        return found
    if event.type == "stage_changed" and version is not None:
        return _moved(config, change, old, version, new, str(event.before), who)
    if event.type in ("alias_set", "alias_moved") and version is not None and event.key is not None:
        alias = event.key
        violations = alias_move_violations(config, old, alias, version, new.aliases_of(number), who,
                                           lambda: change.held_before(name, number, None, alias))
        return _violations(change, layout.model_file(name), ("aliases", alias), f"{name}@{alias} -> v{number}",
                           violations, who)
    if event.type == "alias_removed" and event.key is not None:
        violations = alias_removal_violations(config, old, event.key, who)
        return _violations(change, layout.model_file(name), ("aliases",), f"removing {name}@{event.key}", violations,
                           who)
    return []


# --------------------------------------------------------------------------- a whole branch


@dataclass(frozen=True)
class Step:
    """One commit of a branch as judging the branch as a whole needs it: who made it, its events."""

    who: str
    events: Sequence[Event]


Aspect = tuple[str, str]
"""(model, part): 'v3>Production' (v3 entering Production), 'v3<Staging' (leaving it), 'v3='
(its fixed fields), '@champion' (an alias), 'name' (the model's name); 'v3*' (anything of v3:
its file could not be read) and '*' (anything of the model: it was deleted, or its model.yaml
could not be read) cover the others."""


def aspects(event: Event, initial_stage: str) -> set[Aspect]:
    """The parts of a model whose policy EVENT is about. Registering a version where every version
    starts is no move, so it makes no one answer for the version's later promotion."""
    model, kind = event.model, event.type
    if model is None:
        return set()
    version = f"v{event.version}"
    if kind == "stage_changed":
        return {(model, f"{version}>{event.after}"), (model, f"{version}<{event.before}")}
    if kind == "version_registered":
        return {(model, f"{version}>{event.after}")} if event.after != initial_stage else set()
    if kind == "version_deleted":
        return {(model, f"{version}<{event.before}")}
    if kind == "version_changed":
        return {(model, f"{version}=")}
    if kind.startswith("alias_"):
        return {(model, f"@{event.key}")}
    if kind in ("manifest_invalid", "manifest_repaired"):
        return {(model, f"{version}*")} if event.version is not None else {(model, "*")}
    if kind == "model_deleted":
        return {(model, "*")}
    if kind == "model_renamed":
        return {(model, "name")}
    return set()


def _covering(aspect: Aspect) -> list[Aspect]:
    """ASPECT and the wider aspects that cover it ('v3*' covers 'v3>Production'; '*' covers all)."""
    model, part = aspect
    wider = [(model, part[:part.index(mark)] + "*") for mark in "><=" if mark in part[1:] and part.startswith("v")]
    return [aspect, *wider, *([(model, "*")] if part != "*" else [])]


def who_made(steps: Sequence[Step], config: RegistryConfig) -> Callable[[Event], Who]:
    """For an event of a branch's whole change (models under their final names): everyone whose
    commits made that part of it (all of them must be allowed to), or, when no commit of the
    branch did (it came from outside them: the base is not an ancestor), every author of the
    branch. Models are followed through the renames made on the way."""
    owed: dict[Aspect, list[str]] = {}
    final: dict[str, str] = {}  # a model's name at a step -> its name at the end
    for step in reversed(steps):
        for event in step.events:
            for model, part in aspects(event, config.initial_stage):
                owed.setdefault((final.get(model, model), part), []).append(step.who)
        for event in step.events:
            if event.type == "model_renamed" and event.model is not None:
                final[str(event.before)] = final.get(event.model, event.model)
    everyone = tuple(dict.fromkeys(step.who for step in steps))

    def who(event: Event) -> Who:
        found = [person for aspect in aspects(event, config.initial_stage) for covering in _covering(aspect)
                 for person in owed.get(covering, ())]
        return tuple(dict.fromkeys(reversed(found))) or everyone

    return who


def renames_made(steps: Sequence[Step]) -> dict[str, str]:
    """Final name -> first name of each model the STEPS renamed (through any number of renames)."""
    first: dict[str, str] = {}
    for step in steps:
        for event in step.events:
            if event.type == "model_renamed" and event.model is not None:
                first[event.model] = first.pop(str(event.before), str(event.before))
    return {new: old for new, old in first.items() if new != old}


def who_of_all(events: Iterable[Event], who: Callable[[Event], Who]) -> Who:
    """Everyone any of EVENTS is owed to: who answers for a change that is no single event's."""
    return tuple(dict.fromkeys(person for event in events for person in people(who(event))))


def _moved(config: RegistryConfig, change: ChangeContext, old: ModelState | None, version: VersionManifest,
           new: ModelState, from_stage: str, who: Who) -> list[Problem]:
    name, number, stage = version.name, version.version, version.stage
    violations = stage_move_violations(config, old, version, new.aliases_of(number), from_stage, who,
                                       lambda: change.held_before(name, number, stage, None),
                                       stepwise=change.since is not None)
    return _violations(change, layout.version_file(name, number), ("stage",), f"{name} v{number} {from_stage} -> {stage}",
                       violations, who)


def _violations(change: ChangeContext, path: str, loc: Loc, what: str, violations: Sequence[Violation], who: Who
                ) -> list[Problem]:
    return [_problem(change, path, loc, v.rule, f"{what}: {v.message}", who) for v in violations]


def _problem(change: ChangeContext, path: str, loc: Loc, rule: str, message: str, who: Who) -> Problem:
    line = change.line_of(path, loc) if loc else None
    return Problem(path, line, rule, message, change.commit, ", ".join(people(who)), change.since)


def _differences(key: str, before: Any, after: Any) -> list[tuple[tuple[str, ...], str, str]]:
    """(key path, before, after) of each part of field KEY that differs: one per changed metric,
    param or sub-field, or the whole field."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[tuple[tuple[str, ...], str, str]] = [
            ((key, str(part)), _short(before.get(part, "none")), _short(after.get(part, "none")))
            for part in sorted(set(before) | set(after), key=str) if before.get(part) != after.get(part)
        ]
        if found:
            return found
    return [((key,), _short(before if before is not None else "none"), _short(after if after is not None else "none"))]


def _short(value: Any) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= 80 else text[:77] + "..."
