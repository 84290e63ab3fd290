"""History in words: log entries, diffs (text and markdown for pull requests) and their JSON."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from modelreg_cli.cli.render.text import minute, number, safe, safe_lines

if TYPE_CHECKING:
    from modelreg_cli.core.events import Comparison, Event, HistoryEntry, RegistryDiff
    from modelreg_cli.core.metrics import Direction


def describe_event(event: Event, with_model: bool = True, arrow: str = "->") -> str:
    """One line for an event: 'fraud v3: None -> Production', '@champion: v2 -> v3' (in a model's section)."""
    model = event.model or ""
    if event.type == "config_changed":
        if event.key is None:
            return "registry config created" if event.after is not None else "registry config removed"
        return f"registry config {event.key}: {_value(event.before)} {arrow} {_value(event.after)}"
    if event.type == "model_created":
        return f"created model {model}" if with_model else "model created"
    if event.type == "model_deleted":
        return f"deleted model {model}" if with_model else "model deleted"
    if event.type == "model_renamed":
        return f"renamed model {event.before} {arrow} {event.after}" if with_model else f"renamed from {event.before}"
    if event.type == "manifest_invalid":
        return f"{event.key} cannot be read: {event.after}"
    if event.type == "manifest_repaired":
        return f"{event.key} can be read again"
    if event.type.startswith("alias_"):
        target = f"{model}@{event.key}" if with_model else f"@{event.key}"
    elif event.version is not None:
        target = f"{model} v{event.version}" if with_model else f"v{event.version}"
    else:
        target = model if with_model else ""  # in a model's section, the model itself needs no name
    return _phrase(event, target, arrow)


def _phrase(event: Event, target: str, arrow: str) -> str:
    kind, before, after = event.type, event.before, event.after
    on = f" {target}" if target else ""
    of = f" of {target}" if target else ""
    if kind == "version_registered":
        return f"registered {target} in {after}"
    if kind == "version_deleted":
        return f"deleted {target} (was {before})"
    if kind == "stage_changed":
        return f"{target}: {before} {arrow} {after}"
    if kind == "alias_set":
        return f"{target} {arrow} v{after}"
    if kind == "alias_moved":
        return f"{target}: v{before} {arrow} v{after}"
    if kind == "alias_removed":
        return f"removed {target} (was v{before})"
    if kind == "tag_set":
        if before is None:
            return f"tag{on}: {event.key}={after}"
        return f"tag{on}: {event.key}={before} {arrow} {event.key}={after}"
    if kind == "tag_removed":
        return f"untag{on}: {event.key} (was {before})"
    if kind == "description_changed":
        return f"description{of}: {_quote(after)}"
    if kind == "owners_changed":
        return f"owners{of}: {_owners(before)} {arrow} {_owners(after)}"
    if kind == "version_changed":
        return f"{target} {event.key} edited: {_value(before)} {arrow} {_value(after)}"
    return f"{kind} {target}"


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return jsonlib.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _quote(text: Any) -> str:
    line = " ".join(str(text or "").split())
    if len(line) > 72:
        line = line[:69] + "..."
    return jsonlib.dumps(line, ensure_ascii=False) if line else "(empty)"


def _owners(owners: Any) -> str:
    return ", ".join(owners) if owners else "none"


# --------------------------------------------------------------------------- log


def log_text(entries: Sequence[HistoryEntry]) -> str:
    """Each commit: a header (time, short commit, author), its events, then why."""
    if not entries:
        return "No history matches.\n"
    blocks = []
    for entry in entries:
        commit = entry.commit
        lines = [f"{minute(commit.time)}  {commit.id[:8]}  {safe(commit.signature)}"]
        lines += [f"  {safe(describe_event(event))}" for event in entry.events]
        if commit.reason:
            first, *rest = safe_lines(commit.reason.strip("\n"))
            lines.append(f"  why: {first}")
            lines += [f"       {line}".rstrip() for line in rest]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def log_json(entries: Sequence[HistoryEntry]) -> list[dict[str, Any]]:
    """One object per event, newest commit first."""
    rows = []
    for entry in entries:
        commit = entry.commit
        for event in entry.events:
            data = event.to_json()
            rows.append({"commit": commit.id, "author": commit.signature, "author_name": commit.author_name,
                         "author_email": commit.author, "time": commit.time, **data,
                         "subject": commit.subject, "message": commit.reason})
    return rows


# --------------------------------------------------------------------------- diff


def _by_model(events: Sequence[Event]) -> list[tuple[str | None, list[Event]]]:
    """Events grouped by model in first-seen order (the registry config, if changed, first)."""
    groups: dict[str | None, list[Event]] = {}
    for event in events:
        groups.setdefault(event.model, []).append(event)
    return list(groups.items())


def diff_text(result: RegistryDiff) -> str:
    if not result.events:
        return f"No changes to the registry from {result.base} to {result.head}.\n"
    lines = []
    for model, events in _by_model(result.events):
        lines.append(safe(model) if model is not None else "registry")
        lines += [f"  {safe(describe_event(event, with_model=False))}" for event in events]
    return "\n".join(lines) + "\n"


def diff_markdown(result: RegistryDiff) -> str:
    """For a pull request comment: one section per model, promotions with their metrics side by side."""
    lines = ["## Model registry changes", ""]
    groups = _by_model(result.events)
    if not groups:
        lines.append(f"No changes to the registry from {result.base} to {result.head}.")
        return "\n".join(lines) + "\n"
    count = sum(1 for model, _ in groups if model is not None)
    lines.append(f"From {result.base} to {result.head}: {count} model{'s' if count != 1 else ''} changed.")
    for model, events in groups:
        lines += ["", f"### {_markdown_escape(model) if model is not None else 'Registry config'}", ""]
        lines += [f"- {_markdown_escape(describe_event(event, with_model=False, arrow='→'))}" for event in events]
        for comparison, targets in _grouped(c for c in result.comparisons if c.model == model):
            lines += ["", *_comparison_table(comparison, targets)]
    return "\n".join(lines) + "\n"


def _grouped(found: Iterable[Comparison]) -> list[tuple[Comparison, str]]:
    """One table per (version, the version it replaces): 'v3 → Production, @champion' share theirs."""
    groups: dict[tuple[int, int | None], list[Comparison]] = {}
    for comparison in found:
        groups.setdefault((comparison.version, comparison.replaces), []).append(comparison)
    return [(same[0], ", ".join(_markdown_escape(c.target) for c in same)) for same in groups.values()]


def _comparison_table(comparison: Comparison, targets: str) -> list[str]:
    new = f"v{comparison.version}"
    if comparison.replaces is None:
        title = f"**{new} → {targets}** (nothing held it before)"
        if not comparison.metrics:
            return [title + ": no metrics recorded."]
        rows = [f"| {_markdown_escape(key)} | {number(value)} |" for key, value in sorted(comparison.metrics.items())]
        return [title, "", f"| Metric | {new} |", "| :-- | --: |", *rows]
    old = f"v{comparison.replaces}"
    title = f"**{new} → {targets}**, replacing {old}"
    keys = sorted(set(comparison.metrics) | set(comparison.replaced_metrics))
    if not keys:
        return [title + ": no metrics recorded for either version."]
    rows = []
    for key in keys:
        before, after = comparison.replaced_metrics.get(key), comparison.metrics.get(key)
        better = comparison.better.get(key, "higher")
        rows.append(f"| {_markdown_escape(key)} | {number(before)} | {number(after)} | {_delta(better, before, after)} |")
    return [title, "", f"| Metric | {old} | {new} | Change |", "| :-- | --: | --: | --: |", *rows]


def _delta(better: Direction, before: float | None, after: float | None) -> str:
    """'🟢 +0.012' when the change is an improvement, '🔴 -0.004' when it is worse, '⚪ 0' when none."""
    from modelreg_cli.core.metrics import verdict

    if before is None or after is None:
        return "new" if before is None else "removed"
    change = after - before
    if abs(change) < 1e-12:
        return "⚪ 0"
    shown = f"{change:+.4g}" if abs(change) < 1e4 else f"{change:+.0f}"
    return f"{'🟢' if verdict(before, after, better) == 'better' else '🔴'} {shown}"


def _markdown_escape(text: str) -> str:
    """Keep names and values literal in markdown: no emphasis, tables or HTML from what users typed,
    and no line breaks (a heading or list item of their own) nor controls (safe())."""
    text = safe(text)
    for char in ("\\", "`", "*", "_", "|", "<", ">", "[", "]"):
        text = text.replace(char, "\\" + char)
    return text
