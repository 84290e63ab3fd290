"""Versions of one model side by side: what `modelreg compare` shows. Pure.

Each row is one attribute, named the way the filter language names it (`stage`,
`metrics.auc`, `params.lr`, `tags.team`, `lineage.code_commit`), with one value per version
(None where a version lacks it) and whether the values differ. Metric rows also carry each
version's difference from the first version, the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from modelreg_cli.core.fields import VERSION_FIELDS
from modelreg_cli.core.manifests import ModelVersion
from modelreg_cli.errors import InvalidInputError

Value = str | float | int | list[str] | None


@dataclass(frozen=True)
class ComparedRow:
    key: str
    values: tuple[Value, ...]
    differs: bool
    deltas: tuple[float | None, ...] | None = None
    """Metrics only: value minus the first version's value (None for the first, or when missing)."""

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "values": list(self.values), "differs": self.differs,
                "deltas": None if self.deltas is None else list(self.deltas)}


@dataclass(frozen=True)
class VersionComparison:
    name: str
    versions: tuple[ModelVersion, ...]
    rows: tuple[ComparedRow, ...]

    @property
    def numbers(self) -> list[int]:
        return [version.version for version in self.versions]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "versions": self.numbers, "rows": [row.to_json() for row in self.rows]}


def check_versions(numbers: Sequence[int]) -> None:
    """At least two versions, each once."""
    if len(numbers) < 2:
        raise InvalidInputError("compare needs at least two versions: give them like `modelreg compare NAME 1 2`")
    seen: set[int] = set()
    for number in numbers:
        if number in seen:
            raise InvalidInputError(f"version {number} is given twice: list each version once")
        seen.add(number)


def compare_versions(name: str, versions: Sequence[ModelVersion]) -> VersionComparison:
    """The rows comparing VERSIONS (in the order given; the first is the baseline): the stage and
    aliases, the other plain fields, then each key of the keyed fields (metrics, params, tags),
    then the parts of the nested ones (artifact, lineage), as core/fields.py lists them. Rows that
    no version has a value for are left out."""
    compared = [field for field in VERSION_FIELDS if field.compared]
    plain = [field for field in compared if not field.keyed and not field.parts]
    rows = [_row(field.name, [_value(version, field.name) for version in versions]) for field in plain[:1]]
    rows.append(_row("aliases", [list(version.aliases) or None for version in versions]))
    rows += [_row(field.name, [_value(version, field.name) for version in versions]) for field in plain[1:]]
    for field in compared:
        if field.keyed:
            rows += _mapping_rows(field.name, [dict(getattr(version, field.name)) for version in versions])
    for field in compared:
        rows += [_row(path, [_value(version, *path.split(".")) for version in versions])
                 for path in (field.paths if field.parts else ())]
    kept = tuple(row for row in rows if any(value is not None for value in row.values))
    return VersionComparison(name, tuple(versions), kept)


def _value(version: ModelVersion, name: str, part: str | None = None) -> Value:
    """The field NAME of VERSION (its PART, for a nested document), None when absent; lists as
    lists, None when empty."""
    value: Any = getattr(version, name)
    if part is not None:
        value = getattr(value, part) if value is not None else None
    if isinstance(value, list | tuple):
        return list(value) or None
    return value  # type: ignore[no-any-return]


def _row(key: str, values: list[Value]) -> ComparedRow:
    return ComparedRow(key, tuple(values), any(value != values[0] for value in values))


def _mapping_rows(section: str, mappings: list[dict[str, Any]]) -> list[ComparedRow]:
    keys = sorted({key for mapping in mappings for key in mapping})
    rows = []
    for key in keys:
        row = _row(f"{section}.{key}", [mapping.get(key) for mapping in mappings])
        if section == "metrics":
            row = ComparedRow(row.key, row.values, row.differs, _deltas(row.values))
        rows.append(row)
    return rows


def _deltas(values: tuple[Value, ...]) -> tuple[float | None, ...]:
    base = values[0]
    deltas: list[float | None] = [None]
    for value in values[1:]:
        if isinstance(base, (int, float)) and isinstance(value, (int, float)):
            # 12 significant digits: 0.93 - 0.91 is 0.02, not 0.020000000000000018.
            deltas.append(float(f"{value - base:.12g}"))
        else:
            deltas.append(None)
    return tuple(deltas)
