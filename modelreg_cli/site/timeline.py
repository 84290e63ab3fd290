"""Who held each stage and alias when, from the registry's history. Pure: history entries in, spans out.

History comes newest first, one entry per commit, with its events (core/events.py). A span opens
when a version enters a stage (registered in it, or moved into it) or an alias starts pointing at
it, and closes when it leaves (moved on, deleted, alias moved or removed). A span still open at
the end is held now.

Events name a model as it was called at that commit; `events_by_model` files them under the name
the model has at the end, following renames, and drops the events of a model deleted later (a model
made again under the same name starts afresh).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from modelreg_cli.core.events import Commit, Event, HistoryEntry


@dataclass(frozen=True)
class Happening:
    """One event of one model, with the commit that made it."""

    commit: Commit
    event: Event


@dataclass
class Span:
    """VERSION held TARGET (a stage, or '@alias') from START (a commit) until END (None: it still does)."""

    target: str
    version: int
    start: Commit
    end: Commit | None = None

    @property
    def current(self) -> bool:
        return self.end is None


@dataclass
class ModelTimeline:
    """The spans of one model, by target, each target's spans in the order they started."""

    spans: dict[str, list[Span]] = field(default_factory=dict)

    def of(self, target: str) -> list[Span]:
        return self.spans.get(target, [])


def events_by_model(entries: Iterable[HistoryEntry]) -> dict[str, list[Happening]]:
    """Each model's events, oldest first, under the name it has at the end of ENTRIES (newest first)."""
    final: dict[str, str | None] = {}  # name at some commit -> name at the end; None: deleted since
    found: dict[str, list[Happening]] = {}
    for entry in entries:
        for event in reversed(entry.events):
            if event.model is None:
                continue
            name = final.get(event.model, event.model)
            if event.type == "model_deleted":
                final[event.model] = None  # what this name did before belongs to a model gone now
                continue
            if event.type == "model_renamed" and isinstance(event.before, str):
                final[event.before] = name  # before the rename, the old name meant this model
            if name is not None:
                found.setdefault(name, []).append(Happening(entry.commit, event))
    for happenings in found.values():
        happenings.reverse()
    return found


def model_timeline(happenings: Sequence[Happening], config_initial_stage: str | None = None) -> ModelTimeline:
    """The spans of one model from its HAPPENINGS (oldest first). Spans of CONFIG_INITIAL_STAGE (the
    stage a version has before any promotion, None by default) are left out: it means "no stage"."""
    timeline = ModelTimeline()
    open_spans: dict[tuple[str, int], Span] = {}

    def begin(target: str, version: int, commit: Commit) -> None:
        if target == config_initial_stage or (target, version) in open_spans:
            return
        span = Span(target, version, commit)
        open_spans[(target, version)] = span
        timeline.spans.setdefault(target, []).append(span)

    def finish(target: str, version: int, commit: Commit) -> None:
        span = open_spans.pop((target, version), None)
        if span is not None:
            span.end = commit

    for happening in happenings:
        event, commit = happening.event, happening.commit
        if event.version is None:
            continue
        if event.type == "version_registered" and isinstance(event.after, str):
            begin(event.after, event.version, commit)
        elif event.type == "stage_changed":
            if isinstance(event.before, str):
                finish(event.before, event.version, commit)
            if isinstance(event.after, str):
                begin(event.after, event.version, commit)
        elif event.type == "version_deleted" and isinstance(event.before, str):
            finish(event.before, event.version, commit)
        elif event.type == "alias_set" and event.key is not None:
            begin(f"@{event.key}", event.version, commit)
        elif event.type == "alias_moved" and event.key is not None:
            if isinstance(event.before, int):
                finish(f"@{event.key}", event.before, commit)
            begin(f"@{event.key}", event.version, commit)
        elif event.type == "alias_removed" and event.key is not None and isinstance(event.before, int):
            finish(f"@{event.key}", event.before, commit)
    return timeline


def version_happenings(happenings: Iterable[Happening]) -> dict[int, list[Happening]]:
    """Each version's own events (an alias event belongs to the versions it left and reached), oldest first."""
    found: dict[int, list[Happening]] = {}
    for happening in happenings:
        event = happening.event
        numbers: list[int] = []
        if event.type.startswith("alias_"):
            numbers = [n for n in (event.before, event.after) if isinstance(n, int)]
        elif event.version is not None:
            numbers = [event.version]
        for number in dict.fromkeys(numbers):
            found.setdefault(number, []).append(happening)
    return found
