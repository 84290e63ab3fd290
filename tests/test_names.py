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


@pytest.mark.parametrize("name", ["fraud-detector", "a", "Model_2.v1", "9lives", "x" * 128,
                                  # what MLflow accepts too (docs/format.md: the folder encoding)
                                  "fraud detector", "naïve", "模型", "team/fraud", "a\\b", "a..b", "-rf",
                                  ".hidden", " padded ", "x" * 255, "50% off", "a:b"])
def test_valid_model_names(name: str) -> None:
    assert validate_model_name(name) == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "model name is empty"),
        ("   ", "model name is empty"),
        ("..", "reads as a path"),
        ("../evil", "reads as a path"),
        ("a//b", "reads as a path"),
        ("/abs", "reads as a path"),
        ("team/", "reads as a path"),
        ("a/./b", "reads as a path"),
        ("line\nbreak", "contains a control character"),
        ("fraud\u202eredoced", "invisible character U\\+202E \\(RIGHT-TO-LEFT OVERRIDE\\)"),
        ("fra\u200bud", "invisible character U\\+200B \\(ZERO WIDTH SPACE\\)"),
        ("fraud\u0085", "invisible character U\\+0085"),
        ("x" * 257, "has 257 characters: use at most 256"),
        ("模" * 40, "too long to be a folder name once encoded"),
        ("x" * 256, r"too long to be a folder name once encoded \(256 bytes, at most 255\)"),
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
        ("models:/fraud@latest", ModelURI("fraud", "latest")),  # as in MLflow
        ("models:/team/fraud/3", ModelURI("team/fraud", "version", "3")),
        ("models:/team/fraud@champion", ModelURI("team/fraud", "alias", "champion")),
        ("models:/fraud detector/Production", ModelURI("fraud detector", "stage", "Production")),
        ("models:/a@b/c", ModelURI("a@b", "stage", "c")),
    ],
)
def test_model_uris(text: str, uri: ModelURI) -> None:
    assert parse_model_uri(text) == uri


def test_uri_round_trip() -> None:
    for text in ["models:/fraud/3", "models:/fraud@champion", "models:/fraud/Production", "models:/fraud/latest"]:
        assert str(parse_model_uri(text)) == text


@pytest.mark.parametrize("text", ["fraud/3", "models:/", "models:/fraud", "models:/fraud/", "models:/@x",
                                  "models:/fraud@"])
def test_bad_uris(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_model_uri(text)


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("fraud-detector", "fraud-detector"),  # a plain name is its own folder, as always
        ("Model_2.v1", "Model_2.v1"),
        ("fraud detector", "fraud%20detector"),
        ("naïve", "na%C3%AFve"),
        ("team/fraud", "team%2Ffraud"),
        ("v1.2 final", "v1%2E2%20final"),
        ("-rf", "%2Drf"),
        (".hidden", "%2Ehidden"),
        ("a..b", "a%2E%2Eb"),
        ("50% off", "50%25%20off"),
        ("_private", "_private"),
    ],
)
def test_model_folders_round_trip(name: str, folder: str) -> None:
    from modelreg_cli.core.names import model_folder, model_name_of_folder

    assert model_folder(name) == folder
    assert model_name_of_folder(folder) == name


@pytest.mark.parametrize("folder", ["bad name", "%41", "%zz", "a%2", "na%c3%afve", "%FF"])
def test_folders_modelreg_would_not_write_hold_no_model(folder: str) -> None:
    from modelreg_cli.core.names import model_name_of_folder

    assert model_name_of_folder(folder) is None
