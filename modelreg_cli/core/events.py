"""What changed between two states of the registry, as a list of typed events. Pure: no I/O.

The same engine serves `log` (each commit against its first parent), `diff` (any two revisions, or a
revision and the working tree) and `rollback` (who held a stage before). Events are derived from the
documents at each side, never from commit messages, so a hand edit merged through a pull request
shows up exactly like a change made by modelreg.

A state may be partial: the history reader loads only the models (and the versions) a commit
touched. A version missing from both sides, or a model missing from both, yields no event, so a
partial pair of states gives the same events as the full pair.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from modelreg_cli.core.fields import IMMUTABLE_AFTER_REGISTRATION
from modelreg_cli.core.manifests import RegistryConfig, VersionManifest
from modelreg_cli.core.metrics import Direction, direction
from modelreg_cli.core.state import ModelState

EventType = Literal[
    "config_changed",
    "model_created",
    "model_deleted",
    "model_renamed",
    "version_registered",
    "version_deleted",
    "version_changed",
    "stage_changed",
    "alias_set",
    "alias_moved",
    "alias_removed",
    "tag_set",
    "tag_removed",
    "description_changed",
    "owners_changed",
    "manifest_invalid",
    "manifest_repaired",
]

# Fields of a version that modelreg never changes: an edit to one is a hand edit a reviewer must see.
IMMUTABLE_VERSION_FIELDS = IMMUTABLE_AFTER_REGISTRATION
CONFIG_FIELDS = ("format_version", "stages", "exclusive_stages", "push", "policy")


@dataclass(frozen=True)
class Event:
    """One change. `key` names the alias, tag, config or version field concerned; `before` and
    `after` are its values on each side (a stage, a version number, a tag value, a list of owners)."""

    type: EventType
    model: str | None = None
    version: int | None = None
    key: str | None = None
    before: Any = None
    after: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "model": self.model, "version": self.version, "key": self.key,
                "from": self.before, "to": self.after}


@dataclass
class RegistryState:
    """The registry (or the part of it that was loaded) at one side of a comparison.
    `config` is None when modelreg.yaml is absent or was not loaded."""

    config: RegistryConfig | None = None
    models: dict[str, ModelState] = field(default_factory=dict)


@dataclass(frozen=True)
class Commit:
    """One commit of the registry's history. `author` is the author's email (what policies name),
    `author_name` the name beside it; `time` is the committer date in UTC (when the change landed on
    the branch); `reason` is the message body without the Modelreg-* trailers."""

    id: str
    parents: tuple[str, ...]
    author: str
    time: str
    subject: str
    reason: str
    author_name: str = ""

    @property
    def signature(self) -> str:
        """'Bob Hand <bob@example.com>', as git shows an author."""
        return f"{self.author_name} <{self.author}>" if self.author_name else self.author


@dataclass(frozen=True)
class HistoryEntry:
    commit: Commit
    events: list[Event]


@dataclass(frozen=True)
class Comparison:
    """A promotion in a diff: VERSION took TARGET (a stage, or '@alias') from REPLACES."""

    model: str
    version: int
    target: str
    replaces: int | None
    metrics: dict[str, float]
    replaced_metrics: dict[str, float]
    better: dict[str, Direction] = field(default_factory=dict)
    """metric -> which way it is better (as the policy declares it, else guessed from its name)."""


@dataclass(frozen=True)
class RegistryDiff:
    """The events between two sides, and the promotions among them with the metrics of both versions."""

    base: str
    head: str
    events: list[Event]
    comparisons: list[Comparison] = field(default_factory=list)


# --------------------------------------------------------------------------- the engine


def registry_events(before: RegistryState, after: RegistryState, renames: Mapping[str, str] | None = None
                    ) -> list[Event]:
    """Every change from BEFORE to AFTER: the config first, then model by model in name order.
    RENAMES (new name -> old name) are renames known to have happened in between (the commits of a
    branch made them, with other changes): the others are found by match_renames."""
    events = config_events(before.config, after.config)
    known = {new: old for new, old in (renames or {}).items()
             if new in after.models and old in before.models and new not in before.models and old not in after.models}
    renames = {**match_renames({k: v for k, v in before.models.items() if k not in known.values()},
                               {k: v for k, v in after.models.items() if k not in known}), **known}
    old_names = set(renames.values())
    for name in sorted(set(before.models) | set(after.models)):
        if name in old_names and name not in after.models:
            continue  # reported under its new name
        was = before.models.get(name)
        now = after.models.get(name)
        if name in renames and now is not None:
            old = renames[name]
            events.append(Event("model_renamed", name, before=old, after=name))
            events += _model_changes(name, before.models[old], now)
        elif was is None and now is not None:
            events += _created(now)
        elif was is not None and now is None:
            events.append(Event("model_deleted", name))
        elif was is not None and now is not None:
            events += _model_changes(name, was, now)
    return events


def config_events(before: RegistryConfig | None, after: RegistryConfig | None) -> list[Event]:
    if before == after:
        return []
    if before is None or after is None:
        return [Event("config_changed", before=_json(before), after=_json(after))]
    return [
        Event("config_changed", key=name, before=_json(getattr(before, name)), after=_json(getattr(after, name)))
        for name in CONFIG_FIELDS
        if getattr(before, name) != getattr(after, name)
    ]


def match_renames(before: Mapping[str, ModelState], after: Mapping[str, ModelState]) -> dict[str, str]:
    """new name -> old name, for each model that vanished while one with the same birth (created_at,
    created_by) and the same versions (apart from their name) appeared."""
    gone = [name for name in sorted(before) if name not in after]
    renames: dict[str, str] = {}
    for name in sorted(after):
        if name in before:
            continue
        for old in gone:
            if old not in renames.values() and _same_model(before[old], after[name]):
                renames[name] = old
                break
    return renames


def _same_model(old: ModelState, new: ModelState) -> bool:
    if (old.model.created_at, old.model.created_by) != (new.model.created_at, new.model.created_by):
        return False
    if set(old.versions) != set(new.versions):
        return False
    return all(_identity(old.versions[n]) == _identity(new.versions[n]) for n in old.versions)


def _identity(manifest: VersionManifest) -> dict[str, Any]:
    """What a rename keeps of a version: its immutable fields (its stage, tags and description may
    change in the same span of history)."""
    return manifest.model_dump(include=set(IMMUTABLE_VERSION_FIELDS))


def _created(state: ModelState) -> list[Event]:
    name = state.name
    events = [Event("model_created", name)]
    events += [Event("version_registered", name, n, after=state.versions[n].stage) for n in sorted(state.versions)]
    events += [Event("alias_set", name, target, key=alias, after=target)
               for alias, target in sorted(state.model.aliases.items())]
    return events


def _model_changes(name: str, was: ModelState, now: ModelState) -> list[Event]:
    events: list[Event] = []
    for number in sorted(set(was.versions) | set(now.versions)):
        old, new = was.versions.get(number), now.versions.get(number)
        if old is None and new is not None:
            events.append(Event("version_registered", name, number, after=new.stage))
        elif old is not None and new is None:
            events.append(Event("version_deleted", name, number, before=old.stage))
        elif old is not None and new is not None:
            events += _version_changes(name, number, old, new)
    if was.model.description != now.model.description:
        events.append(Event("description_changed", name, before=was.model.description, after=now.model.description))
    if was.model.owners != now.model.owners:
        events.append(Event("owners_changed", name, before=list(was.model.owners), after=list(now.model.owners)))
    events += _tag_changes(name, None, was.model.tags, now.model.tags)
    events += _alias_changes(name, was.model.aliases, now.model.aliases)
    return events


def _version_changes(name: str, number: int, old: VersionManifest, new: VersionManifest) -> list[Event]:
    events: list[Event] = []
    if old.stage != new.stage:
        events.append(Event("stage_changed", name, number, before=old.stage, after=new.stage))
    for key in IMMUTABLE_VERSION_FIELDS:
        was, now = getattr(old, key), getattr(new, key)
        if was != now:
            events.append(Event("version_changed", name, number, key=key, before=_json(was), after=_json(now)))
    if old.description != new.description:
        events.append(Event("description_changed", name, number, before=old.description, after=new.description))
    events += _tag_changes(name, number, old.tags, new.tags)
    return events


def _tag_changes(name: str, number: int | None, old: Mapping[str, str], new: Mapping[str, str]) -> list[Event]:
    events = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            events.append(Event("tag_removed", name, number, key=key, before=old[key]))
        elif old.get(key) != new[key]:
            events.append(Event("tag_set", name, number, key=key, before=old.get(key), after=new[key]))
    return events


def _alias_changes(name: str, old: Mapping[str, int], new: Mapping[str, int]) -> list[Event]:
    events = []
    for alias in sorted(set(old) | set(new)):
        if alias not in new:
            events.append(Event("alias_removed", name, old[alias], key=alias, before=old[alias]))
        elif alias not in old:
            events.append(Event("alias_set", name, new[alias], key=alias, after=new[alias]))
        elif old[alias] != new[alias]:
            events.append(Event("alias_moved", name, new[alias], key=alias, before=old[alias], after=new[alias]))
    return events


def _json(value: Any) -> Any:
    """Pydantic values as plain JSON data, so events compare and print the same everywhere."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value


# --------------------------------------------------------------------------- selecting events


def event_matches(
    event: Event,
    model: str | None = None,
    version: int | None = None,
    alias: str | None = None,
    stage: str | None = None,
) -> bool:
    """Whether EVENT concerns all of the given: a model, a version, an alias, a stage (canonical case)."""
    if model is not None and event.model != model:
        return False
    if version is not None and not _concerns_version(event, version):
        return False
    if alias is not None and not (event.type.startswith("alias_") and event.key == alias):
        return False
    return stage is None or _concerns_stage(event, stage)


def _concerns_version(event: Event, version: int) -> bool:
    if event.type in ("model_created", "model_deleted", "model_renamed"):
        return True
    if event.type.startswith("alias_"):
        return version in (event.before, event.after)
    return event.version == version


def _concerns_stage(event: Event, stage: str) -> bool:
    if event.type == "stage_changed":
        return stage in (event.before, event.after)
    if event.type == "version_registered":
        return bool(event.after == stage)
    if event.type == "version_deleted":
        return bool(event.before == stage)
    return False


# --------------------------------------------------------------------------- promotions


def comparisons(
    events: Iterable[Event],
    before: Mapping[str, ModelState],
    after: Mapping[str, ModelState],
    config: RegistryConfig,
) -> list[Comparison]:
    """The promotions among EVENTS: a version entering a stage a model is promoted to (not the
    initial stage nor Archived), or an alias set or moved; each beside the version it replaces (the
    previous holder of that stage, or the alias's previous target) with both versions' metrics.
    BEFORE and AFTER hold the full states of the models concerned."""
    renamed = {e.model: e.before for e in events if e.type == "model_renamed"}
    skipped = config.resting_stages
    found = []
    for event in events:
        if event.model is None or event.version is None or event.model not in after:
            continue
        old_state = before.get(renamed.get(event.model) or event.model)
        promoted = after[event.model].versions.get(event.version)
        if promoted is None:
            continue
        if event.type in ("stage_changed", "version_registered") and event.after not in skipped:
            stage = str(event.after)
            holders = [n for n in old_state.holders(stage) if n != event.version] if old_state else []
            replaces = holders[-1] if holders else None
            target = stage
        elif event.type in ("alias_set", "alias_moved"):
            replaces = event.before
            target = f"@{event.key}"
        else:
            continue
        replaced = old_state.versions.get(replaces) if old_state and replaces is not None else None
        replaced_metrics = dict(replaced.metrics) if replaced else {}
        keys = sorted({*promoted.metrics, *replaced_metrics})
        found.append(Comparison(event.model, event.version, target, replaces, dict(promoted.metrics), replaced_metrics,
                                {key: direction(key, config.policy) for key in keys}))
    return found


def promoted_models(events: Iterable[Event]) -> list[str]:
    """The models with a stage or alias change: those whose full states `comparisons` needs."""
    kinds = ("stage_changed", "version_registered", "alias_set", "alias_moved")
    return sorted({e.model for e in events if e.type in kinds and e.model is not None})


# --------------------------------------------------------------------------- rollback


@dataclass(frozen=True)
class RollbackSearch:
    """What history says about a rollback: the VERSION to put the stage or alias back on (None when
    there is none), the commit UNDONE (the last change of that stage or alias, None when it never
    changed), and the earlier holders passed over, newest first: those DELETED, and those that
    MOVED_ON to another stage they hold now (version, stage), which a rollback must not take away."""

    version: int | None
    undone: Commit | None
    deleted: list[int]
    moved_on: list[tuple[int, str]] = field(default_factory=list)


def find_rollback_target(
    entries: Iterable[HistoryEntry],
    current: ModelState,
    stage: str | None = None,
    alias: str | None = None,
    to: int | None = None,
    *,
    resting: Collection[str],
) -> RollbackSearch:
    """Where to put STAGE (or ALIAS) back, walking ENTRIES (the model's history) newest first: TO when
    given, else the most recent earlier holder of the stage (earlier target of the alias) that still
    exists, does not hold it now and, for a stage, is not holding another one now (apart from the
    RESTING stages, where versions start or end): a version that left Staging for Production has
    moved on, and giving it Staging back would take Production away."""
    if alias is not None:
        holding = {current.model.aliases[alias]} if alias in current.model.aliases else set()
    else:
        holding = set(current.holders(stage or ""))
    undone: Commit | None = None
    deleted: list[int] = []
    moved_on: list[tuple[int, str]] = []
    for entry in entries:
        for event in entry.events:
            if not event_matches(event, alias=alias, stage=stage):
                continue
            undone = undone or entry.commit
            if to is not None:
                return RollbackSearch(to, undone, deleted)
            earlier = _earlier_holder(event, stage, alias)
            if earlier is None or earlier in holding or earlier in deleted or earlier in (n for n, _ in moved_on):
                continue
            if earlier not in current.versions:
                deleted.append(earlier)
                continue
            now = current.versions[earlier].stage
            if stage is not None and now != stage and now not in resting:
                moved_on.append((earlier, now))
                continue
            return RollbackSearch(earlier, undone, deleted, moved_on)
    return RollbackSearch(to, undone, deleted, moved_on)


def _earlier_holder(event: Event, stage: str | None, alias: str | None) -> int | None:
    """The version that held the stage (or that the alias pointed at) before EVENT, if EVENT took it away."""
    if alias is not None:
        return event.before if event.type in ("alias_moved", "alias_removed") else None
    if event.type == "stage_changed" and event.before == stage:
        return event.version
    if event.type == "version_deleted" and event.before == stage:
        return event.version
    return None
