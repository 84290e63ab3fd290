"""YAML text <-> registry documents. Pure: text in, objects out, and back."""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from modelreg_cli.errors import ManifestError

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

Document = TypeVar("Document", bound=BaseModel)


def parse_document(text: str | bytes, kind: type[Document], path: str) -> Document:
    """Parse and validate one YAML document, naming PATH (and the line, when YAML knows it) on failure."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestError(path, f"{where}invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ManifestError(path, f"expected a mapping of fields, found {type(data).__name__}")
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(path, _describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        reason = error["msg"].removeprefix("Value error, ")
        if not field:
            problems.append(reason)
        elif error["type"] == "extra_forbidden":
            problems.append(f"unknown key '{field}'")
        elif error["type"] == "missing":
            problems.append(f"missing key '{field}'")
        else:
            problems.append(f"{field}: {reason}")
    return "; ".join(problems)


def dump_document(document: BaseModel, exclude: set[str] | None = None) -> str:
    """YAML in the documents' field order, with mappings inside sorted by key for stable diffs."""
    data = document.model_dump(mode="json", exclude=exclude)
    return yaml.dump(_sorted_mappings(data, top=True), Dumper=_Dumper, sort_keys=False,
                     default_flow_style=False, allow_unicode=True, width=100)


def _sorted_mappings(value: Any, top: bool = False) -> Any:
    if isinstance(value, dict):
        items = value.items() if top else sorted(value.items())
        return {key: _sorted_mappings(item) for key, item in items}
    if isinstance(value, list):
        return [_sorted_mappings(item) for item in value]
    return value
