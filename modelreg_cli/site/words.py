"""Events and values in words, for the pages. Pure. The page puts the model and version beside each
phrase as links, so a phrase names only what changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from modelreg_cli.core.events import Event


def change(event: Event) -> str:
    """'Staging → Production', '@champion: v2 → v4', 'tag team=risk', 'registered in None'."""
    kind, before, after, key = event.type, event.before, event.after, event.key
    phrases: dict[str, Callable[[], str]] = {
        "config_changed": lambda: (f"registry config {key}: {_value(before)} → {_value(after)}" if key else
                                   "registry config created" if after is not None else "registry config removed"),
        "model_created": lambda: "model created",
        "model_deleted": lambda: "model deleted",
        "model_renamed": lambda: f"renamed from {before}",
        "version_registered": lambda: f"registered in {after}",
        "version_deleted": lambda: f"deleted (was {before})",
        "version_changed": lambda: f"{key} edited by hand: {_value(before)} → {_value(after)}",
        "stage_changed": lambda: f"{before} → {after}",
        "alias_set": lambda: f"@{key} → v{after}",
        "alias_moved": lambda: f"@{key}: v{before} → v{after}",
        "alias_removed": lambda: f"@{key} removed (was v{before})",
        "tag_set": lambda: f"tag {key}={after}" + (f" (was {before})" if before is not None else ""),
        "tag_removed": lambda: f"tag {key} removed (was {before})",
        "description_changed": lambda: f"description: {_short(after)}",
        "owners_changed": lambda: f"owners: {', '.join(before or []) or 'none'} → {', '.join(after or []) or 'none'}",
        "manifest_invalid": lambda: f"{key} cannot be read: {after}",
        "manifest_repaired": lambda: f"{key} can be read again",
    }
    phrase = phrases.get(kind)
    return phrase() if phrase is not None else kind.replace("_", " ")


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _short(text: Any) -> str:
    line = " ".join(str(text or "").split())
    return (line[:117] + "…" if len(line) > 120 else line) or "(empty)"


def size_text(size: int) -> str:
    """4718592 -> '4.5 MiB'."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop always returns


def minute(timestamp: str) -> str:
    """2026-10-20T15:30:00Z -> '2026-10-20 15:30 UTC'."""
    return f"{timestamp[:16].replace('T', ' ')} UTC" if len(timestamp) >= 16 else timestamp
