"""YAML text <-> registry documents. Pure: text in, objects out, and back."""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from modelreg_cli.errors import ManifestError

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

Document = TypeVar("Document", bound=BaseModel)

_REFUSED_TAGS = ("binary", "set", "omap", "pairs", "timestamp")
"""YAML types a manifest never holds: what they would make is no text, number, list or mapping."""


class ManifestLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """YAML's safe loader, stricter: a key given twice is an error (YAML keeps the last one
    silently), timestamps stay text (the manifests check their form), `!!binary`, `!!set` and
    the like are refused, and an integer too long for Python is an error, not a crash."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:
                continue  # an unhashable key: construct_mapping refuses it below
            if duplicate:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)  # type: ignore[no-any-return]
        except ValueError:
            raise yaml.constructor.ConstructorError(None, None, "a number too long to read", node.start_mark) from None


def _refuse(loader: ManifestLoader, node: yaml.Node) -> Any:
    short = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise yaml.constructor.ConstructorError(None, None, f"{short} values are not allowed in a registry file",
                                            node.start_mark)


ManifestLoader.add_constructor("tag:yaml.org,2002:int", ManifestLoader.construct_yaml_int)
for _tag in _REFUSED_TAGS:
    ManifestLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)


def load_yaml(text: str | bytes) -> Any:
    """The data of one YAML document, read with ManifestLoader (yaml.YAMLError when it cannot be)."""
    return yaml.load(text, Loader=ManifestLoader)  # noqa: S506 - a safe loader


def yaml_problem(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """(1-based line, what is wrong) of a YAML error, as one line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return (mark.line + 1 if mark is not None else None), " ".join(str(problem).split())


def parse_document(text: str | bytes, kind: type[Document], path: str) -> Document:
    """Parse and validate one YAML document, naming PATH (and the line, when YAML knows it) on failure."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        where = f"line {line}: " if line is not None else ""
        raise ManifestError(path, f"{where}invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ManifestError(path, f"expected a mapping of fields, found {type(data).__name__}")
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(path, describe_validation(exc)) from None


def describe_validation(exc: ValidationError) -> str:
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
