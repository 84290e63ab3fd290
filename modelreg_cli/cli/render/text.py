"""Small pieces of text shared by every renderer: numbers and times as people read them, and user
values made safe to print on a terminal."""

from __future__ import annotations


def number(value: float | None) -> str:
    """13 for 13.0, 0.93 for 0.93 (six significant digits); an em dash for no value."""
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def minute(timestamp: str) -> str:
    """2026-10-20T15:30:00Z -> 2026-10-20 15:30 (UTC), short enough for a table or a log line."""
    return timestamp[:16].replace("T", " ")


# What a terminal would obey rather than show: the C0 and C1 controls (ESC starts colour, cursor
# and hyperlink sequences; CR rewrites a line), line and paragraph separators, and the bidi
# controls that reorder what follows them (U+202E makes "exe.txt" read "txt.exe").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def safe(text: str) -> str:
    """TEXT as a terminal should show a user's value: control characters, ESC, line breaks and
    bidi controls written as escapes (\\x1b, \\n, \\u202e) instead of obeyed; the rest as it is."""
    if text.isprintable():
        return text
    import unicodedata

    shown = []
    for char in text:
        kind = unicodedata.category(char)
        if char in _NAMED:
            shown.append(_NAMED[char])
        elif kind == "Cc":
            shown.append(f"\\x{ord(char):02x}")
        elif kind in ("Zl", "Zp") or char in _BIDI:
            shown.append(f"\\u{ord(char):04x}")
        else:
            shown.append(char)
    return "".join(shown)


def safe_lines(text: str) -> list[str]:
    """TEXT's lines (a commit message, a description), each made safe(): line breaks are kept as
    breaks, everything else a terminal would obey is escaped."""
    return [safe(line) for line in text.split("\n")]
