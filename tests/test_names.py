"""Pure rules for what users type: names, aliases, K=V, versions, stages, URIs."""

from __future__ import annotations

import pytest

from modelreg_cli.core.names import (
    canonical_stage,
    parse_key_value,
    parse_metric,
    parse_version,
    validate_alias,
    validate_model_name,
)
from modelreg_cli.core.uri import ModelURI, parse_model_uri
from modelreg_cli.errors import InvalidInputError

STAGES = ["None", "Staging", "Production", "Archived"]


@pytest.mark.parametrize("name", ["fraud-detector", "a", "Model_2.v1", "9lives", "x" * 128])
def test_valid_model_names(name: str) -> None:
    assert validate_model_name(name) == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "model name is empty"),
        ("   ", "model name is empty"),
        ("a/b", "contains a slash"),
        ("a\\b", "contains a slash"),
        ("a..b", "contains '..'"),
        ("..", "contains '..'"),
        ("-rf", "starts with '-'"),
        (".hidden", "is not allowed"),
        ("has space", "is not allowed"),
        ("x" * 129, "is not allowed"),
        ("naïve", "is not allowed"),
    ],
)
def test_invalid_model_names(name: str, fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        validate_model_name(name)


@pytest.mark.parametrize("alias", ["champion", "challenger-2", "_shadow", "v", "vx1", "latest2"])
def test_valid_aliases(alias: str) -> None:
    assert validate_alias(alias) == alias


@pytest.mark.parametrize(
    ("alias", "fragment"),
    [
        ("latest", "is reserved"),
        ("LATEST", "is reserved"),
        ("v3", "is reserved"),
        ("V10", "is reserved"),
        ("", "alias is empty"),
        ("-x", "is not allowed"),
        ("a b", "is not allowed"),
        ("a@b", "is not allowed"),
        ("a/b", "is not allowed"),
    ],
)
def test_invalid_aliases(alias: str, fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        validate_alias(alias)


def test_key_value_keeps_equals_in_the_value() -> None:
    assert parse_key_value("query=a=b") == ("query", "a=b")
    assert parse_key_value("empty=") == ("empty", "")


@pytest.mark.parametrize("text", ["novalue", "=x", " k=v", "k =v"])
def test_malformed_key_value(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_key_value(text)


def test_metrics_are_finite_numbers() -> None:
    assert parse_metric("auc=0.93") == ("auc", 0.93)
    assert parse_metric("loss=1e-3") == ("loss", 0.001)
    with pytest.raises(InvalidInputError, match="is not a number"):
        parse_metric("auc=high")
    with pytest.raises(InvalidInputError, match="finite"):
        parse_metric("auc=nan")


@pytest.mark.parametrize(("text", "number"), [("3", 3), ("v3", 3), ("V12", 12), ("007", 7), (4, 4)])
def test_versions(text: str | int, number: int) -> None:
    assert parse_version(text) == number


@pytest.mark.parametrize("text", ["three", "0", "-1", "1.5", "", "v"])
def test_bad_versions(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_version(text)


def test_stages_match_in_any_case() -> None:
    assert canonical_stage("production", STAGES) == "Production"
    assert canonical_stage("STAGING", STAGES) == "Staging"
    assert canonical_stage("none", STAGES) == "None"
    with pytest.raises(InvalidInputError, match="unknown stage 'Prod': use one of None, Staging, Production, Archived"):
        canonical_stage("Prod", STAGES)


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("models:/fraud/3", ModelURI("fraud", "version", "3")),
        ("models:/fraud/03", ModelURI("fraud", "version", "3")),
        ("models:/fraud@champion", ModelURI("fraud", "alias", "champion")),
        ("models:/fraud/Production", ModelURI("fraud", "stage", "Production")),
        ("models:/fraud/latest", ModelURI("fraud", "latest")),
        ("models:/fraud/LATEST", ModelURI("fraud", "latest")),
    ],
)
def test_model_uris(text: str, uri: ModelURI) -> None:
    assert parse_model_uri(text) == uri


def test_uri_round_trip() -> None:
    for text in ["models:/fraud/3", "models:/fraud@champion", "models:/fraud/Production", "models:/fraud/latest"]:
        assert str(parse_model_uri(text)) == text


@pytest.mark.parametrize("text", ["fraud/3", "models:/", "models:/fraud", "models:/fraud/", "models:/@x",
                                  "models:/fraud@", "models:/a/b/c", "models:/a@b/c"])
def test_bad_uris(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_model_uri(text)
