"""Small pieces of text shared by every renderer: numbers and times as people read them."""

from __future__ import annotations


def number(value: float | None) -> str:
    """13 for 13.0, 0.93 for 0.93 (six significant digits); an em dash for no value."""
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def minute(timestamp: str) -> str:
    """2026-10-20T15:30:00Z -> 2026-10-20 15:30 (UTC), short enough for a table or a log line."""
    return timestamp[:16].replace("T", " ")
