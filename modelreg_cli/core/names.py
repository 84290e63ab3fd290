"""Validation of the names and small values users type: model names, aliases, K=V pairs."""

from __future__ import annotations

import re

from modelreg_cli.errors import InvalidInputError

# Model names become directory names and appear in URIs (models:/NAME/3), so they
# are limited to characters that are safe in both on every platform.
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_ALIAS = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
_RESERVED_ALIAS = re.compile(r"latest|v\d+", re.IGNORECASE)
_KEY = re.compile(r"[^\s=][^=]*")


def validate_model_name(name: str) -> str:
    """Return NAME when it can name a registered model, else raise with the rule it breaks."""
    if not name or not name.strip():
        raise InvalidInputError("model name is empty: give a name like fraud-detector")
    if "/" in name or "\\" in name:
        raise InvalidInputError(f"model name {name!r} contains a slash: use letters, digits, '.', '_' or '-'")
    if ".." in name:
        raise InvalidInputError(f"model name {name!r} contains '..': use letters, digits, '.', '_' or '-'")
    if name.startswith("-"):
        raise InvalidInputError(f"model name {name!r} starts with '-': start it with a letter or digit")
    if not _MODEL_NAME.fullmatch(name):
        raise InvalidInputError(
            f"model name {name!r} is not allowed: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
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
    """Tag, metric and param keys: non-empty, no surrounding whitespace, no '='."""
    if not key or key != key.strip() or not _KEY.fullmatch(key):
        raise InvalidInputError(f"{what} {key!r} is not allowed: use a non-empty key without '=' or surrounding spaces")
    return key


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
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidInputError(f"metric {key!r} must be a finite number, not {value!r}")
    return key, number


def parse_version(text: str | int) -> int:
    """A version number as the user typed it: a positive integer, optionally written v3."""
    if isinstance(text, int):
        number = text
    else:
        digits = text[1:] if text[:1] in ("v", "V") else text
        if not digits.isdigit():
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
