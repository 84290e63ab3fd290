"""Table-driven tests of the search filter language, order_by parsing and sorting."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from modelreg_cli.core.filter import (
    And,
    Comparison,
    FilterError,
    Not,
    Or,
    OrderKey,
    Target,
    parse_filter,
    parse_order_by,
    sort_entities,
)


def _version(name: str, version: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name,
        "version": version,
        "source": "",
        "stage": "None",
        "aliases": [],
        "metrics": {},
        "params": {},
        "tags": {},
        "description": "",
        "run_id": None,
        "created_at": "2026-01-01T00:00:00Z",
        "created_by": "",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    base.update(fields)
    return base


C1 = _version(
    "churn",
    1,
    source="s3://bucket/churn/1",
    stage="Archived",
    metrics={"acc": 0.81, "loss": 0.5},
    params={"lr": "0.01", "optimizer": "adam"},
    tags={"team": "growth", "my key": "spaced"},
    description="Bob's first cut",
    run_id="run-aaa",
    created_at="2026-09-01T10:00:00Z",
    created_by="alice",
    updated_at="2026-09-05T00:00:00Z",
)
C2 = _version(
    "churn",
    2,
    source="s3://bucket/churn/2",
    stage="Production",
    aliases=["champion"],
    metrics={"acc": 0.9, "loss": 0.3},
    params={"lr": "0.001", "optimizer": "Adam", "epochs": "10"},
    tags={"team": "growth", "validated": "true"},
    description="Retrained on Q3 data",
    run_id="run-bbb",
    created_at="2026-10-01T12:00:00Z",
    created_by="bob",
    updated_at="2026-10-02T00:00:00Z",
)
F1 = _version(
    "fraud",
    1,
    source="file:///models/fraud 1",
    stage="Staging",
    aliases=["challenger", "latest-good"],
    metrics={"acc": 0.95},
    params={"lr": "auto", "epochs": "9"},
    tags={"team": "risk", "équipe": "fraude"},
    description="",
    run_id=None,
    created_at="2026-10-01T00:00:00Z",
    created_by="carol",
    updated_at="2026-10-01T00:00:00Z",
)
X1 = _version(
    "Fraud_X",
    1,
    source="C:\\models\\fx",
    stage="None",
    description="100% new",
    run_id="run-ccc",
    created_at="2026-10-01T00:00:00Z",
    created_by="alice",
    updated_at="2026-10-03T00:00:00Z",
)
VERSIONS = [C1, C2, F1, X1]

MODELS: list[dict[str, Any]] = [
    {
        "name": "churn",
        "description": "Churn model",
        "tags": {"team": "growth", "domain": "crm"},
        "owners": ["alice"],
        "created_at": "2026-09-01T09:00:00Z",
        "created_by": "alice",
        "updated_at": "2026-10-02T00:00:00Z",
        "versions": [C1, C2],
    },
    {
        "name": "fraud",
        "description": "Fraud scoring",
        "tags": {"team": "risk"},
        "owners": [],
        "created_at": "2026-09-15T00:00:00Z",
        "created_by": "carol",
        "updated_at": "2026-10-01T00:00:00Z",
        "versions": [F1],
    },
    {
        "name": "Fraud_X",
        "description": "",
        "tags": {},
        "owners": [],
        "created_at": "2026-10-01T00:00:00Z",
        "created_by": "alice",
        "updated_at": "2026-10-03T00:00:00Z",
        "versions": [X1],
    },
    {
        "name": "empty",
        "description": "no versions yet",
        "tags": {"team": "growth"},
        "owners": [],
        "created_at": "2026-10-05T00:00:00Z",
        "created_by": "dave",
        "updated_at": "2026-10-05T00:00:00Z",
        "versions": [],
    },
]

ALL_VERSIONS = ["churn/1", "churn/2", "fraud/1", "Fraud_X/1"]
ALL_MODELS = ["churn", "fraud", "Fraud_X", "empty"]


def _label(entity: Mapping[str, Any]) -> str:
    return f"{entity['name']}/{entity['version']}" if "version" in entity else str(entity["name"])


def _labels(entities: Sequence[Mapping[str, Any]]) -> list[str]:
    return [_label(entity) for entity in entities]


def _matching(text: str | None, target: Target) -> list[str]:
    compiled = parse_filter(text, target)
    entities = VERSIONS if target == "versions" else MODELS
    return _labels([entity for entity in entities if compiled.matches(entity)])


# --------------------------------------------------------------------------- versions

VERSION_CASES: list[tuple[str, list[str]]] = [
    # empty filter
    ("", ALL_VERSIONS),
    ("   \t ", ALL_VERSIONS),
    # name: = != LIKE ILIKE IN NOT IN, both quote styles
    ("name = 'churn'", ["churn/1", "churn/2"]),
    ('name = "churn"', ["churn/1", "churn/2"]),
    ("name != 'churn'", ["fraud/1", "Fraud_X/1"]),
    ("name LIKE 'fraud%'", ["fraud/1"]),
    ("name ILIKE 'fraud%'", ["fraud/1", "Fraud_X/1"]),
    ("name LIKE 'frau_'", ["fraud/1"]),
    ("name LIKE 'Fraud_X'", ["Fraud_X/1"]),
    ("name LIKE 'Fraud\\_%'", ["Fraud_X/1"]),
    ("name LIKE 'churn'", ["churn/1", "churn/2"]),
    ("name LIKE 'chur'", []),
    ("name LIKE '%'", ALL_VERSIONS),
    ("name NOT LIKE 'fraud%'", ["churn/1", "churn/2", "Fraud_X/1"]),
    ("name NOT ILIKE 'fraud%'", ["churn/1", "churn/2"]),
    ("name IN ('churn', 'fraud')", ["churn/1", "churn/2", "fraud/1"]),
    ("name NOT IN ('churn', 'fraud')", ["Fraud_X/1"]),
    # version_number: numeric operators, lenient quoted numbers
    ("version_number = 2", ["churn/2"]),
    ("version_number = '2'", ["churn/2"]),
    ("version_number = 2.0", ["churn/2"]),
    ("version_number != 1", ["churn/2"]),
    ("version_number > 1", ["churn/2"]),
    ("version_number >= 1", ALL_VERSIONS),
    ("version_number < 2", ["churn/1", "fraud/1", "Fraud_X/1"]),
    ("version_number <= 2", ALL_VERSIONS),
    ("version_number IN (2, 3)", ["churn/2"]),
    ("version_number NOT IN (1)", ["churn/2"]),
    # run_id: None is a missing key for every operator
    ("run_id = 'run-aaa'", ["churn/1"]),
    ("run_id != 'run-aaa'", ["churn/2", "Fraud_X/1"]),
    ("run_id LIKE 'run-%'", ["churn/1", "churn/2", "Fraud_X/1"]),
    ("run_id NOT IN ('run-bbb')", ["churn/1", "Fraud_X/1"]),
    ("NOT run_id = 'run-aaa'", ["churn/2", "fraud/1", "Fraud_X/1"]),
    # source_path, including backslashes (kept literally unless they escape a quote or backslash)
    ("source_path = 's3://bucket/churn/1'", ["churn/1"]),
    ("source_path LIKE 's3://%'", ["churn/1", "churn/2"]),
    ("source_path = 'file:///models/fraud 1'", ["fraud/1"]),
    ("source_path = 'C:\\models\\fx'", ["Fraud_X/1"]),
    ("source_path = 'C:\\\\models\\\\fx'", ["Fraud_X/1"]),
    ("source_path LIKE 'C:\\models%'", ["Fraud_X/1"]),
    # stage: case-insensitive for every operator
    ("stage = 'production'", ["churn/2"]),
    ("stage = 'Production'", ["churn/2"]),
    ("stage = 'PRODUCTION'", ["churn/2"]),
    ("stage != 'production'", ["churn/1", "fraud/1", "Fraud_X/1"]),
    ("stage IN ('staging', 'ARCHIVED')", ["churn/1", "fraud/1"]),
    ("stage NOT IN ('none')", ["churn/1", "churn/2", "fraud/1"]),
    ("stage LIKE 'prod%'", ["churn/2"]),
    ("stage = 'None'", ["Fraud_X/1"]),
    # alias: set-valued; negative operators need at least one alias
    ("alias = 'champion'", ["churn/2"]),
    ("alias != 'champion'", ["fraud/1"]),
    ("alias IN ('champion', 'challenger')", ["churn/2", "fraud/1"]),
    ("alias NOT IN ('challenger')", ["churn/2"]),
    ("alias LIKE 'latest%'", ["fraud/1"]),
    ("alias ILIKE 'CHAMP%'", ["churn/2"]),
    ("alias LIKE 'CHAMP%'", []),
    ("alias NOT LIKE 'champ%'", ["fraud/1"]),
    ("NOT alias = 'champion'", ["churn/1", "fraud/1", "Fraud_X/1"]),
    # tags: only entities having the key match, even for != and NOT IN
    ("tags.team = 'growth'", ["churn/1", "churn/2"]),
    ("tag.team = 'growth'", ["churn/1", "churn/2"]),
    ("tags.team != 'growth'", ["fraud/1"]),
    ("tags.team IN ('risk')", ["fraud/1"]),
    ("tags.team NOT IN ('risk')", ["churn/1", "churn/2"]),
    ("tags.team LIKE 'gr%'", ["churn/1", "churn/2"]),
    ("tags.team NOT LIKE 'gr%'", ["fraud/1"]),
    ("tags.validated = 'true'", ["churn/2"]),
    ("tags.`my key` = 'spaced'", ["churn/1"]),
    ("tags.`team` = 'risk'", ["fraud/1"]),
    ("tags.missing != 'x'", []),
    ("tags.missing NOT IN ('x')", []),
    ("NOT tags.team = 'growth'", ["fraud/1", "Fraud_X/1"]),
    # metrics: numeric, missing key never matches
    ("metrics.acc > 0.85", ["churn/2", "fraud/1"]),
    ("metric.acc >= 0.9", ["churn/2", "fraud/1"]),
    ("metrics.acc < 0.9", ["churn/1"]),
    ("metrics.acc <= 0.9", ["churn/1", "churn/2"]),
    ("metrics.acc = 0.9", ["churn/2"]),
    ("metrics.acc != 0.9", ["churn/1", "fraud/1"]),
    ("metrics.acc IN (0.81, 0.95)", ["churn/1", "fraud/1"]),
    ("metrics.acc NOT IN (0.81)", ["churn/2", "fraud/1"]),
    ("metrics.loss > 0", ["churn/1", "churn/2"]),
    ("metrics.acc > -1", ["churn/1", "churn/2", "fraud/1"]),
    ("metrics.acc > 9e-1", ["fraud/1"]),
    ("metrics.acc > .85", ["churn/2", "fraud/1"]),
    ("metrics.acc > '0.85'", ["churn/2", "fraud/1"]),
    ("metrics.missing < 100", []),
    # params: strings; ordering is numeric when both sides are numbers, else lexical
    ("params.lr = '0.01'", ["churn/1"]),
    ("param.optimizer = 'adam'", ["churn/1"]),
    ("params.optimizer ILIKE 'adam'", ["churn/1", "churn/2"]),
    ("params.optimizer != 'adam'", ["churn/2"]),
    ("params.lr < 0.005", ["churn/2"]),
    ("params.lr > 0.005", ["churn/1", "fraud/1"]),  # 'auto' > '0.005' lexically
    ("params.lr > 'a'", ["fraud/1"]),
    ("params.epochs > 9", ["churn/2"]),  # numeric: lexically '10' < '9'
    ("params.epochs >= '9'", ["churn/2", "fraud/1"]),
    ("params.epochs = 10", ["churn/2"]),
    ("params.epochs IN (9, 10)", ["churn/2", "fraud/1"]),
    ("params.lr LIKE '0.0%'", ["churn/1", "churn/2"]),
    ("params.lr NOT IN ('auto')", ["churn/1", "churn/2"]),
    # created_at: points in time; a date alone is midnight UTC
    ("created_at = '2026-10-01T12:00:00Z'", ["churn/2"]),
    ("created_at >= '2026-10-01'", ["churn/2", "fraud/1", "Fraud_X/1"]),
    ("created_at > '2026-10-01'", ["churn/2"]),
    ("created_at < '2026-10-01'", ["churn/1"]),
    ("created_at <= '2026-10-01'", ["churn/1", "fraud/1", "Fraud_X/1"]),
    ("created_at = '2026-10-01'", ["fraud/1", "Fraud_X/1"]),
    ("created_at != '2026-10-01'", ["churn/1", "churn/2"]),
    ("created_at <= '2026-09-01T10:00:00+00:00'", ["churn/1"]),
    ("created_at > '2026-10-01T13:00:00+02:00'", ["churn/2"]),
    ("created_at < '2026-10-01T12:00:00'", ["churn/1", "fraud/1", "Fraud_X/1"]),
    # created_by, description, quote escapes
    ("created_by = 'alice'", ["churn/1", "Fraud_X/1"]),
    ("created_by IN ('bob', 'carol')", ["churn/2", "fraud/1"]),
    ("description = ''", ["fraud/1"]),
    ("description != ''", ["churn/1", "churn/2", "Fraud_X/1"]),
    ("description LIKE '%Q3%'", ["churn/2"]),
    ("description ILIKE '%q3%'", ["churn/2"]),
    ("description LIKE '100\\% %'", ["Fraud_X/1"]),
    ("description LIKE '100\\%'", []),
    ("description = 'Bob''s first cut'", ["churn/1"]),
    ("description = 'Bob\\'s first cut'", ["churn/1"]),
    ('description = "Bob\'s first cut"', ["churn/1"]),
    # precedence NOT > AND > OR, parentheses
    ("name = 'churn' OR name = 'fraud' AND version_number = 2", ["churn/1", "churn/2"]),
    ("(name = 'churn' OR name = 'fraud') AND version_number = 1", ["churn/1", "fraud/1"]),
    ("NOT name = 'churn' AND version_number = 1", ["fraud/1", "Fraud_X/1"]),
    ("NOT (name = 'churn' OR stage = 'Staging')", ["Fraud_X/1"]),
    ("NOT NOT name = 'fraud'", ["fraud/1"]),
    ("name = 'churn' AND version_number = 1 OR alias = 'challenger'", ["churn/1", "fraud/1"]),
    ("((name = 'fraud'))", ["fraud/1"]),
    ("name = 'churn' AND (stage = 'production' OR stage = 'archived') AND metrics.acc > 0.85", ["churn/2"]),
    # keywords and attribute names are case-insensitive; spaces are optional around symbols
    ("name = 'churn' and version_number = 1", ["churn/1"]),
    ("name in ('fraud') or name like 'Fraud%'", ["fraud/1", "Fraud_X/1"]),
    ("name not in ('churn') And stage ilike 'STAG%'", ["fraud/1"]),
    ("not Name = 'churn'", ["fraud/1", "Fraud_X/1"]),
    ("NAME='churn'AND version_number=2", ["churn/2"]),
    # MLflow's spellings (issue 13): the attribute. prefix, double-quoted and non-ASCII keys, ('a',)
    ("attribute.name = 'churn' AND attr.version_number = 2", ["churn/2"]),
    ("tags.\"my key\" = 'spaced'", ["churn/1"]),
    ("tags.`my key` = 'spaced'", ["churn/1"]),
    ("tags.équipe = 'fraude'", ["fraud/1"]),
    ("name IN ('churn',) AND version_number IN (1,)", ["churn/1"]),
]


@pytest.mark.parametrize(("text", "expected"), VERSION_CASES)
def test_version_filter(text: str, expected: list[str]) -> None:
    assert _matching(text, "versions") == expected


MODEL_CASES: list[tuple[str, list[str]]] = [
    ("", ALL_MODELS),
    ("name = 'churn'", ["churn"]),
    ("name ILIKE 'fraud%'", ["fraud", "Fraud_X"]),
    # tags are the model's own, not its versions'
    ("tags.team = 'growth'", ["churn", "empty"]),
    ("tags.domain = 'crm'", ["churn"]),
    ("tags.validated = 'true'", []),
    ("tags.team != 'growth'", ["fraud"]),
    ("description LIKE '%scoring'", ["fraud"]),
    ("description = ''", ["Fraud_X"]),
    ("created_at >= '2026-10-01'", ["Fraud_X", "empty"]),
    ("created_at < '2026-09-01T10:00:00Z'", ["churn"]),
    ("created_by = 'alice'", ["churn", "Fraud_X"]),
    # version attributes: the model matches when any version matches the comparison
    ("stage = 'production'", ["churn"]),
    ("stage = 'archived'", ["churn"]),
    ("stage != 'production'", ["churn", "fraud", "Fraud_X"]),
    ("NOT stage = 'production'", ["fraud", "Fraud_X", "empty"]),
    ("alias = 'champion'", ["churn"]),
    ("alias != 'champion'", ["fraud"]),
    ("metrics.acc > 0.9", ["fraud"]),
    ("metrics.acc < 0.85", ["churn"]),
    ("metrics.acc > 0.85 AND metrics.acc < 0.85", ["churn"]),  # each comparison picks its own version
    ("version_number = 2", ["churn"]),
    ("version_number >= 1", ["churn", "fraud", "Fraud_X"]),
    ("run_id = 'run-bbb'", ["churn"]),
    ("run_id != 'run-ccc'", ["churn"]),
    ("source_path LIKE 'file:%'", ["fraud"]),
    ("params.epochs > 9", ["churn"]),
    ("tags.team = 'growth' AND NOT version_number >= 1", ["empty"]),
]


@pytest.mark.parametrize(("text", "expected"), MODEL_CASES)
def test_model_filter(text: str, expected: list[str]) -> None:
    assert _matching(text, "models") == expected


@pytest.mark.parametrize("target", ["models", "versions"])
def test_none_filter_matches_everything(target: Target) -> None:
    assert _matching(None, target) == (ALL_MODELS if target == "models" else ALL_VERSIONS)


@pytest.mark.parametrize(
    "text",
    [
        "name = 'x'",
        "name != 'x'",
        "tags.team != 'x'",
        "metrics.acc != 1",
        "params.lr < 1",
        "alias != 'x'",
        "stage != 'x'",
        "created_at != '2026-01-01'",
        "version_number != 1",
        "description NOT LIKE 'x'",
    ],
)
@pytest.mark.parametrize("target", ["models", "versions"])
def test_entity_without_fields_never_matches(text: str, target: Target) -> None:
    assert parse_filter(text, target).matches({}) is False


def test_ast_shape_follows_precedence() -> None:
    root = parse_filter("NOT tags.b = 'x' OR name = 'n' AND version_number IN (1, 2)", "versions").root
    assert isinstance(root, Or)
    first, second = root.operands
    assert isinstance(first, Not) and isinstance(first.operand, Comparison)
    assert isinstance(second, And)
    listed = second.operands[1]
    assert isinstance(listed, Comparison)
    assert (listed.attribute, listed.op, listed.values, listed.column) == ("version_number", "IN", ("1", "2"), 36)


def test_unknown_target_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown search target 'things'"):
        parse_filter("name = 'a'", "things")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- errors

ATTRIBUTES = (
    "name, run_id, source_path, version_number, stage, alias, tags.KEY, metrics.KEY, params.KEY, "
    "created_at, created_by, description"
)
STRING_OPS = "= != LIKE ILIKE IN NOT IN"
ORDER_OPS = "= != < <= > >="

ERROR_CASES: list[tuple[str, str]] = [
    ("name='a' AND OR", "unexpected 'OR' at column 14: expected a comparison"),
    ("AND name = 'a'", "unexpected 'AND' at column 1: expected a comparison"),
    ("name = 'a' AND", "unexpected end of input at column 15: expected a comparison"),
    ("NOT", "unexpected end of input at column 4: expected a comparison"),
    ("()", "unexpected ')' at column 2: expected a comparison"),
    ("'churn' = name", "unexpected string 'churn' at column 1: expected a comparison"),
    ("name = foo", "value for 'name' at column 8 must be quoted: name = 'foo'"),
    ("name = 3", "value for 'name' at column 8 must be quoted: name = '3'"),
    ("tags.team = 3", "value for 'tags.team' at column 13 must be quoted: tags.team = '3'"),
    ("name IN (a, b)", "value for 'name' at column 10 must be quoted: name IN ('a', ...)"),
    ("params.lr LIKE 0.1", "value for 'params.lr' at column 16 must be quoted: params.lr LIKE '0.1'"),
    ("created_at > 2026", "value for 'created_at' at column 14 must be quoted: created_at > '2026'"),
    ("colour = 'red'", f"unknown attribute 'colour' at column 1: use {ATTRIBUTES}"),
    ("name = 'a' AND foo.bar = 'x'", f"unknown attribute 'foo.bar' at column 16: use {ATTRIBUTES}"),
    ("name.x = 'y'", f"unknown attribute 'name.x' at column 1: use {ATTRIBUTES}"),
    ("tags = 'x'", "attribute 'tags' at column 1 needs a key: tags.KEY"),
    ("metric = 1", "attribute 'metric' at column 1 needs a key: metrics.KEY"),
    ("tags. = 'x'", "expected a key after 'tags.' at column 6"),
    ("tags.`my key = 'x'", "unterminated back-quoted name starting at column 6: add the closing `"),
    ("tags.`` = 'x'", "empty back-quoted name at column 6"),
    ("metrics.acc LIKE '9%'", f"operator LIKE is not supported for metrics.acc (numeric): use {ORDER_OPS}"),
    (
        "version_number NOT ILIKE '1'",
        f"operator NOT ILIKE is not supported for version_number (numeric): use {ORDER_OPS}",
    ),
    ("name < 'b'", f"operator < is not supported for name (string): use {STRING_OPS}"),
    ("stage >= 'a'", f"operator >= is not supported for stage (string): use {STRING_OPS}"),
    ("alias > 'a'", f"operator > is not supported for alias (string): use {STRING_OPS}"),
    ("created_at LIKE '2026%'", f"operator LIKE is not supported for created_at (timestamp): use {ORDER_OPS}"),
    ("created_at IN ('2026-10-01')", f"operator IN is not supported for created_at (timestamp): use {ORDER_OPS}"),
    ("name IN ()", "empty list for 'name' at column 9: IN needs at least one value"),
    ("name NOT IN ( )", "empty list for 'name' at column 13: NOT IN needs at least one value"),
    ("name IN ('a', 3)", "list for 'name' at column 15 mixes strings and numbers: use one type"),
    ("version_number IN (1, '2')", "list for 'version_number' at column 23 mixes strings and numbers: use one type"),
    ("version_number = 'two'", "value for 'version_number' at column 18 must be a number: got 'two'"),
    ("metrics.acc > high", "value for 'metrics.acc' at column 15 must be a number: got high"),
    (
        "created_at > 'yesterday'",
        "invalid timestamp 'yesterday' for 'created_at' at column 14: "
        "use ISO 8601 like '2026-10-01' or '2026-10-01T12:00:00Z'",
    ),
    ("name = 'abc", "unterminated string starting at column 8: add the closing '"),
    ('name = "abc', 'unterminated string starting at column 8: add the closing "'),
    ("name = 'a' x", "unexpected 'x' at column 12: expected AND, OR or end of filter"),
    ("name = 'a' 'b'", "unexpected string 'b' at column 12: expected AND, OR or end of filter"),
    ("version_number = 1 2", "unexpected number 2 at column 20: expected AND, OR or end of filter"),
    ("name = 'a')", "unexpected ')' at column 11: expected AND, OR or end of filter"),
    ("(name = 'a'", "missing ')' at column 12 to close '(' at column 1"),
    ("((name = 'a')", "missing ')' at column 14 to close '(' at column 1"),
    ("(name = 'a' name = 'b')", "unexpected 'name' at column 13: expected AND, OR or ')' to close '(' at column 1"),
    ("name 'churn'", f"unexpected string 'churn' at column 6: expected an operator after 'name': use {STRING_OPS}"),
    ("name", f"unexpected end of input at column 5: expected an operator after 'name': use {STRING_OPS}"),
    ("name =", "unexpected end of input at column 7: expected a value for 'name'"),
    ("name = AND", "unexpected 'AND' at column 8: expected a value for 'name'"),
    ("name == 'a'", "unexpected '=' at column 7: expected a value for 'name'"),
    ("name NOT = 'a'", "unexpected '=' at column 10: expected IN, LIKE or ILIKE after NOT"),
    ("name IN 'a'", "unexpected string 'a' at column 9: expected '(' after IN"),
    ("name IN ('a' 'b')", "unexpected string 'b' at column 14: expected ',' or ')' in the list"),
    ("name IN ('a',", "unexpected end of input at column 14: expected a value for 'name'"),
    ("name IN ('a',,)", "unexpected ',' at column 14: expected a value for 'name'"),
    ("name IN ('a'", "missing ')' at column 13 to close the list opened at column 9"),
    ("name = 'a' ; drop", "unexpected character ';' at column 12"),
    ("name ! 'a'", "unexpected character '!' at column 6"),
]


@pytest.mark.parametrize(("text", "message"), ERROR_CASES)
@pytest.mark.parametrize("target", ["models", "versions"])
def test_filter_errors(text: str, message: str, target: Target) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(text, target)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_error_quoting_a_line_break_stays_on_one_line() -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter("name = 'a' 'b\nc'", "versions")
    assert str(caught.value) == "unexpected string 'b\\nc' at column 12: expected AND, OR or end of filter"


# --------------------------------------------------------------------------- order_by

ORDER_CASES: list[tuple[Target, list[str], list[OrderKey]]] = [
    ("versions", [], []),
    ("versions", ["name"], [OrderKey("name")]),
    ("versions", ["name DESC"], [OrderKey("name", True)]),
    ("versions", ["name desc"], [OrderKey("name", True)]),
    ("versions", ["  name   Asc "], [OrderKey("name", False)]),
    (
        "versions",
        ["metrics.acc DESC", "version_number"],
        [OrderKey("metrics", True, "acc"), OrderKey("version_number")],
    ),
    ("versions", ["metric.`val loss` asc"], [OrderKey("metrics", False, "val loss")]),
    ("versions", ["created_at DESC, name"], [OrderKey("created_at", True), OrderKey("name")]),
    ("versions", ["last_updated"], [OrderKey("last_updated")]),
    ("versions", ["creation_timestamp DESC"], [OrderKey("created_at", True)]),
    ("versions", ["last_updated_timestamp"], [OrderKey("last_updated")]),
    ("models", ["NAME desc", "metrics.acc"], [OrderKey("name", True), OrderKey("metrics", False, "acc")]),
    ("models", ["created_at"], [OrderKey("created_at")]),
]


@pytest.mark.parametrize(("target", "clauses", "expected"), ORDER_CASES)
def test_parse_order_by(target: Target, clauses: list[str], expected: list[OrderKey]) -> None:
    assert parse_order_by(clauses, target) == expected


def test_order_key_label() -> None:
    assert [key.label for key in parse_order_by(["metrics.acc DESC", "name"], "versions")] == [
        "metrics.acc DESC",
        "name ASC",
    ]


ORDER_ERROR_CASES: list[tuple[Target, list[str], str]] = [
    ("versions", ["name", "name DESC"], "order_by 'name DESC': duplicate key 'name'"),
    ("versions", ["name, name"], "order_by 'name, name': duplicate key 'name'"),
    ("versions", ["metrics.acc", "metric.acc DESC"], "order_by 'metric.acc DESC': duplicate key 'metrics.acc'"),
    ("versions", ["created_at", "creation_timestamp"], "order_by 'creation_timestamp': duplicate key 'created_at'"),
    (
        "versions",
        ["colour"],
        "order_by 'colour': unknown key 'colour' at column 1: "
        "use name, version_number, created_at, last_updated, metrics.KEY",
    ),
    (
        "models",
        ["tags.team"],
        "order_by 'tags.team': unknown key 'tags.team' at column 1: use name, created_at, last_updated, metrics.KEY",
    ),
    (
        "models",
        ["version_number DESC"],
        "order_by 'version_number DESC': key 'version_number' at column 1 applies to versions only: "
        "use name, created_at, last_updated, metrics.KEY",
    ),
    ("versions", ["metrics"], "order_by 'metrics': key 'metrics' at column 1 needs a metric name: metrics.KEY"),
    (
        "versions",
        ["name UP"],
        "order_by 'name UP': unexpected 'UP' at column 6: expected ASC, DESC, ',' or end of clause",
    ),
    (
        "versions",
        ["name DESC DESC"],
        "order_by 'name DESC DESC': unexpected 'DESC' at column 11: expected ',' or end of clause",
    ),
    (
        "versions",
        [""],
        "order_by '': unexpected end of input at column 1: "
        "expected a key: use name, version_number, created_at, last_updated, metrics.KEY",
    ),
    (
        "models",
        ["name,"],
        "order_by 'name,': unexpected end of input at column 6: "
        "expected a key: use name, created_at, last_updated, metrics.KEY",
    ),
    (
        "versions",
        ["metrics.`acc DESC"],
        "order_by 'metrics.`acc DESC': unterminated back-quoted name starting at column 9: add the closing `",
    ),
]


@pytest.mark.parametrize(("target", "clauses", "message"), ORDER_ERROR_CASES)
def test_parse_order_by_errors(target: Target, clauses: list[str], message: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_order_by(clauses, target)
    assert str(caught.value) == message


SORT_CASES: list[tuple[Target, list[str], list[str]]] = [
    # defaults: versions newest first (then name ASC, version DESC), models by name
    ("versions", [], ["churn/2", "Fraud_X/1", "fraud/1", "churn/1"]),
    ("models", [], ["Fraud_X", "churn", "empty", "fraud"]),
    # a missing metric sorts last in both directions; ties break on name then version
    ("versions", ["metrics.acc DESC"], ["fraud/1", "churn/2", "churn/1", "Fraud_X/1"]),
    ("versions", ["metrics.acc ASC"], ["churn/1", "churn/2", "fraud/1", "Fraud_X/1"]),
    ("versions", ["metrics.loss"], ["churn/2", "churn/1", "Fraud_X/1", "fraud/1"]),
    # models sort by the best (max) value of the metric across their versions
    ("models", ["metrics.acc DESC"], ["fraud", "churn", "Fraud_X", "empty"]),
    ("models", ["metrics.acc"], ["churn", "fraud", "Fraud_X", "empty"]),
    ("versions", ["version_number DESC"], ["churn/2", "Fraud_X/1", "churn/1", "fraud/1"]),
    ("versions", ["name DESC"], ["fraud/1", "churn/1", "churn/2", "Fraud_X/1"]),
    ("versions", ["created_at"], ["churn/1", "Fraud_X/1", "fraud/1", "churn/2"]),
    ("versions", ["last_updated DESC"], ["Fraud_X/1", "churn/2", "fraud/1", "churn/1"]),
    ("models", ["last_updated DESC"], ["empty", "Fraud_X", "churn", "fraud"]),
    ("models", ["created_at DESC"], ["empty", "Fraud_X", "fraud", "churn"]),
    ("versions", ["name", "version_number DESC"], ["Fraud_X/1", "churn/2", "churn/1", "fraud/1"]),
    # MLflow's order key for a model's last update, and the attribute. prefix
    ("models", ["timestamp DESC"], ["empty", "Fraud_X", "churn", "fraud"]),
    ("versions", ["attribute.name DESC"], ["fraud/1", "churn/1", "churn/2", "Fraud_X/1"]),
]


MLFLOW_SORT_CASES: list[tuple[Target, list[str], list[str]]] = [
    # MLflow's default: last updated first, then name, then higher versions first
    ("versions", [], ["Fraud_X/1", "churn/2", "fraud/1", "churn/1"]),
    ("versions", ["name"], ["Fraud_X/1", "churn/2", "churn/1", "fraud/1"]),  # within a name, higher first
    ("models", [], ["Fraud_X", "churn", "empty", "fraud"]),
]


@pytest.mark.parametrize(("target", "clauses", "expected"), MLFLOW_SORT_CASES)
def test_sort_entities_in_mlflow_order(target: Target, clauses: list[str], expected: list[str]) -> None:
    from modelreg_cli.core.filter import MLFLOW_ORDERING

    entities = VERSIONS if target == "versions" else MODELS
    assert _labels(sort_entities(entities, parse_order_by(clauses, target), target, MLFLOW_ORDERING)) == expected


@pytest.mark.parametrize(("target", "clauses", "expected"), SORT_CASES)
def test_sort_entities(target: Target, clauses: list[str], expected: list[str]) -> None:
    entities = VERSIONS if target == "versions" else MODELS
    before = list(entities)
    ordered = sort_entities(entities, parse_order_by(clauses, target), target)
    assert _labels(ordered) == expected
    assert entities == before  # the input is left alone
    assert all(any(item is entity for entity in entities) for item in ordered)


@pytest.mark.parametrize("descending", [False, True])
def test_nan_and_unreadable_values_sort_last(descending: bool) -> None:
    versions = [
        _version("a", 1, metrics={"acc": math.nan}, created_at="not a time"),
        _version("b", 1, metrics={"acc": 0.5}),
        _version("c", 1, metrics={"acc": 0.7}),
    ]
    by_metric = sort_entities(versions, [OrderKey("metrics", descending, "acc")], "versions")
    by_time = sort_entities(versions, [OrderKey("created_at", descending)], "versions")
    assert _labels(by_metric) == (["c/1", "b/1", "a/1"] if descending else ["b/1", "c/1", "a/1"])
    assert _labels(by_time) == ["b/1", "c/1", "a/1"]
