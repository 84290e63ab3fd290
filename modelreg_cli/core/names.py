"""Validation of the names and small values users type: model names, aliases, K=V pairs."""

from __future__ import annotations

import math
import re
import unicodedata

from modelreg_cli.errors import InvalidInputError

# A plain name is its own folder name (models/NAME/), as it has always been. Any other name MLflow
# accepts (spaces, non-ASCII letters, '/', ...) is stored in a percent-encoded folder: see
# model_folder() and docs/format.md.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_FOLDER_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
"""Unicode categories of characters that do not show, or reorder what follows (bidi overrides)."""
MAX_MODEL_NAME = 256
"""MLflow's limit (its database column), in characters."""
MAX_FOLDER_BYTES = 255
"""What file systems allow for one folder name."""
_ALIAS = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
_RESERVED_ALIAS = re.compile(r"latest|v\d+", re.IGNORECASE)
_KEY = re.compile(r"[^\s=][^=]*")


def is_number_text(text: str) -> bool:
    """Whether TEXT is a whole number written in ASCII digits (0-9): '²' and '١' are digits to
    Python, but no one types a version number so, and int() refuses some of them."""
    return text.isascii() and text.isdigit()


def is_plain_model_name(name: str) -> bool:
    """Letters, digits, '.', '_', '-' (1-128, starting with a letter or digit, no '..'): the names
    whose folder is the name itself."""
    return bool(_PLAIN_NAME.fullmatch(name)) and ".." not in name


def model_folder(name: str) -> str:
    """The folder (under models/) that holds model NAME: NAME itself for a plain name; otherwise
    NAME with every UTF-8 byte other than an ASCII letter, digit, '_' or '-' written %XX
    (uppercase hex), and a leading '-' too. Plain folders never hold '%', so the two never meet."""
    if is_plain_model_name(name):
        return name
    encoded = []
    for index, char in enumerate(name):
        if char in _FOLDER_SAFE and not (index == 0 and char == "-"):
            encoded.append(char)
        else:
            encoded.extend(f"%{byte:02X}" for byte in char.encode())
    return "".join(encoded)


def model_name_of_folder(folder: str) -> str | None:
    """The model name a folder under models/ holds, or None when modelreg would not have named a
    folder so (a hand-made folder like 'bad name', or '%' not followed by two hex digits)."""
    from urllib.parse import unquote

    try:
        name = unquote(folder, errors="strict")
    except UnicodeDecodeError:
        return None
    return name if name and model_folder(name) == folder else None


def validate_model_name(name: str) -> str:
    """Return NAME when it can name a registered model, else raise with the rule it breaks.

    Any name MLflow accepts is allowed (and '/' too, as older MLflow allowed): not blank, no control
    characters, no path trickery ('..', '.', empty parts between slashes, a leading or trailing
    '/'), at most 256 characters and a folder name of at most 255 bytes once encoded."""
    if not name or not name.strip():
        raise InvalidInputError("model name is empty: give a name like fraud-detector")
    if _CONTROL.search(name):
        raise InvalidInputError(f"model name {name!r} contains a control character (a line break, a tab...): remove it")
    hidden = next((char for char in name if unicodedata.category(char) in _INVISIBLE), None)
    if hidden is not None:
        raise InvalidInputError(
            f"model name {name!r} contains the invisible character U+{ord(hidden):04X} "
            f"({unicodedata.name(hidden, 'unnamed')}), which makes one name look like another: remove it"
        )
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise InvalidInputError(
            f"model name {name!r} reads as a path that resolves elsewhere ('..', '.', '//' or a slash at an end): "
            "write it without those"
        )
    if len(name) > MAX_MODEL_NAME:
        raise InvalidInputError(f"model name {name[:40]!r}... has {len(name)} characters: use at most {MAX_MODEL_NAME}")
    if len(model_folder(name).encode()) > MAX_FOLDER_BYTES:
        raise InvalidInputError(
            f"model name {name[:40]!r}... is too long to be a folder name once encoded "
            f"({len(model_folder(name).encode())} bytes, at most {MAX_FOLDER_BYTES}): use a shorter name"
        )
    return name


def validate_alias(alias: str) -> str:
    """Return ALIAS when it can be used as an alias, else raise with the rule it breaks."""
    if not alias or not alias.strip():
        raise InvalidInputError("alias is empty: give an alias like champion")
    if _RESERVED_ALIAS.fullmatch(alias):
        raise InvalidInputError(
            f"alias {alias!r} is reserved ('latest' and 'v<number>' have a meaning in model URIs): choose another"
        )
    if not _ALIAS.fullmatch(alias):
        raise InvalidInputError(
            f"alias {alias!r} is not allowed: use 1-64 letters, digits, '_' or '-', not starting with '-'"
        )
    return alias


def validate_key(key: str, what: str = "key") -> str:
    """Tag, metric and param keys: non-empty, no surrounding whitespace, no '=', on one line."""
    if not key or key != key.strip() or not _KEY.fullmatch(key):
        raise InvalidInputError(f"{what} {key!r} is not allowed: use a non-empty key without '=' or surrounding spaces")
    return validate_line(key, what)


_EMAIL = re.compile(r"[^\s@<>()\[\]\\,;:\"'`#]+@[^\s@<>()\[\]\\,;:\"'`#]+")


def validate_email(text: str, what: str = "owner") -> str:
    """An email as modelreg records people (owners): one address, nothing that could end a
    CODEOWNERS line or start another (spaces, line breaks, '#')."""
    if not _EMAIL.fullmatch(text) or not text.isprintable():
        raise InvalidInputError(f"{what} {text!r} is not an email address: give one address like ada@example.com")
    return text


def validate_line(text: str, what: str) -> str:
    """TEXT when it holds no line break or other control character: it goes into a commit's
    subject, where a line break would forge lines of the message (Modelreg-* trailers)."""
    if not text.isprintable() and any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in text):
        raise InvalidInputError(f"{what} {text!r} holds a line break or control character, which would forge lines of "
                                "the commit message: write it on one line")
    return text


def validate_message(text: str) -> str:
    """A commit message body given with -m: any text, but no line that reads as one of modelreg's
    own trailers (Modelreg-Op: ...), which record what the commit did, and no control characters
    other than line breaks and tabs."""
    for line in text.splitlines():
        if _TRAILER.match(line):
            raise InvalidInputError(f"the message line {line.strip()!r} reads as one of modelreg's own trailers "
                                    "(Modelreg-...: records what a commit did): reword it")
        validate_line(line.replace("\t", " "), "the message line")
    return text


_TRAILER = re.compile(r"\s*modelreg-[\w-]*\s*:", re.IGNORECASE)


def parse_key_value(text: str, what: str = "tag") -> tuple[str, str]:
    """Split 'K=V' (the value may contain '='), refusing anything else."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise InvalidInputError(f"malformed {what} {text!r}: write it as KEY=VALUE")
    return validate_key(key, f"{what} key"), value


def parse_metric(text: str) -> tuple[str, float]:
    """'K=V' where V is a number."""
    key, value = parse_key_value(text, "metric")
    try:
        number = float(value)
    except ValueError:
        raise InvalidInputError(f"metric {key!r} has value {value!r}, which is not a number: write it as KEY=0.93") from None
    return key, check_metric(key, number, value)


def check_metric(key: str, number: float, shown: object = None) -> float:
    """NUMBER, the value of metric KEY, when it is finite: no gate can compare nan, and JSON has
    no inf, so neither may enter a registry (SHOWN: the value as the user wrote it)."""
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise InvalidInputError(f"metric {key!r} has value {number!r}, which is not a number: give a number like 0.93")
    if not math.isfinite(number):
        raise InvalidInputError(f"metric {key!r} must be a finite number, not {shown if shown is not None else number!r}")
    return float(number)


def parse_version(text: str | int) -> int:
    """A version number as the user typed it: a positive integer, optionally written v3."""
    if isinstance(text, int):
        number = text
    else:
        digits = text[1:] if text[:1] in ("v", "V") else text
        if not is_number_text(digits):
            raise InvalidInputError(f"version {text!r} is not a number: give a version like 3")
        number = int(digits)
    if number < 1:
        raise InvalidInputError(f"version {text!r} is not valid: versions start at 1")
    return number


def canonical_stage(stage: str, stages: list[str]) -> str:
    """The configured spelling of STAGE, matched in any case."""
    for known in stages:
        if known.lower() == stage.strip().lower():
            return known
    raise InvalidInputError(f"unknown stage {stage!r}: use one of {', '.join(stages)}")


def validate_sha256(digest: str) -> str:
    """A sha256 as 64 lowercase hex digits."""
    lowered = digest.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", lowered):
        raise InvalidInputError(f"sha256 {digest!r} is not 64 hex digits")
    return lowered
