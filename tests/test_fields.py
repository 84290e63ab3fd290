"""core/fields.py is the one list of a version's fields: these tests fail when a field of the
manifest is left unclassified, or when a place that should follow the list does not."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
import typer.main
from pydantic import BaseModel

from modelreg_cli.cli.app import app
from modelreg_cli.core import changes, fields
from modelreg_cli.core.changes import RegisterRequest, Stamp
from modelreg_cli.core.events import RegistryState, registry_events
from modelreg_cli.core.filter import parse_filter
from modelreg_cli.core.manifests import Artifact, Gate, Lineage, ModelManifest, RegistryConfig, VersionManifest
from modelreg_cli.core.state import ModelState
from modelreg_cli.service import Registry

from conftest import Runner

WHEN = "2026-10-01T12:00:00Z"
CONFIG = RegistryConfig()


def full_version() -> VersionManifest:
    """A version with a distinctive value in every field."""
    return VersionManifest(
        name="fraud", version=1, stage="Staging", source="s3://bucket/fraud/1", description="first cut",
        run_id="run-42", artifact=Artifact(sha256="ab" * 32, size_bytes=1234, kind="file", name="model.pkl", stored=True),
        metrics={"auc": 0.93},
        params={"lr": "0.01"}, tags={"team": "risk"},
        lineage=Lineage(code_commit="c0ffee1", datasets=["s3://data/2026-09"], parents=["models:/base/7"]),
        created_at=WHEN, created_by="ada@example.com", updated_at="2026-10-02T08:30:00Z",
    )


def test_every_field_of_the_manifest_is_classified_in_order() -> None:
    assert list(VersionManifest.model_fields) == [field.name for field in fields.VERSION_FIELDS]


def test_nested_parts_are_the_fields_of_the_nested_documents() -> None:
    nested: dict[str, type[BaseModel]] = {"artifact": Artifact, "lineage": Lineage}
    for field in fields.VERSION_FIELDS:
        if field.parts:
            assert list(nested[field.name].model_fields) == list(field.parts), field.name


def test_a_replayed_registration_carries_every_given_field() -> None:
    original = full_version()
    request = RegisterRequest.of_version(original, CONFIG.initial_stage)
    again, _ = changes.register(CONFIG, None, [], request, Stamp("ada@example.com", WHEN))
    for name in fields.GIVEN:
        assert getattr(again, name) == getattr(original, name), name


def test_the_register_request_has_every_given_field() -> None:
    assert set(fields.GIVEN) <= set(inspect.signature(RegisterRequest).parameters)


@pytest.mark.parametrize("name", fields.IMMUTABLE_AFTER_REGISTRATION)
def test_an_edit_of_an_immutable_field_is_an_event(name: str) -> None:
    model = ModelManifest(name="fraud", last_version=1, created_at=WHEN, created_by="ada@example.com", updated_at=WHEN)
    before = full_version()
    edited = {"source": "s3://elsewhere", "run_id": "run-43", "artifact": Artifact(sha256="cd" * 32),
              "metrics": {"auc": 0.99}, "params": {"lr": "0.1"}, "lineage": Lineage(code_commit="bad"),
              "created_at": "2026-01-01T00:00:00Z", "created_by": "eve@example.com"}
    after = before.model_copy(update={name: edited[name]})
    events = registry_events(RegistryState(CONFIG, {"fraud": ModelState(model, {1: before})}),
                             RegistryState(CONFIG, {"fraud": ModelState(model, {1: after})}))
    assert [(event.type, event.key) for event in events] == [("version_changed", name)]


def test_every_gated_field_can_be_required_by_a_gate() -> None:
    required = [*fields.GATE_FIELDS, *(f"{prefix}somekey" for prefix in fields.GATE_FIELD_PREFIXES)]
    assert Gate(fields=required).fields == required
    expected = {path for field in fields.VERSION_FIELDS if field.gated and not field.keyed for path in field.paths}
    assert set(fields.GATE_FIELDS) == expected


def test_every_searchable_field_can_be_filtered_on() -> None:
    version = {**full_version().model_dump(mode="json"), "aliases": []}
    for field in fields.VERSION_FIELDS:
        if field.search is None:
            continue
        attribute = f"{field.search.attribute}.{next(iter(version[field.name]))}" if field.keyed else field.search.attribute
        value = version[field.name][attribute.split(".", 1)[1]] if field.keyed else version[field.name]
        text = f"{attribute} = {value}" if isinstance(value, int | float) else f"{attribute} = '{value}'"
        assert parse_filter(text, "versions").matches(version), text


def _stored_registry(tmp_path: Path) -> tuple[Registry, Path]:
    """A registry with an artifact store, and a local artifact: registering it sets every part of `artifact`."""
    Registry.init(tmp_path / "stored", store=str(tmp_path / "objects"))
    artifact = tmp_path / "model.pkl"
    artifact.write_bytes(b"weights")
    return Registry(tmp_path / "stored"), artifact


def test_show_displays_every_shown_field(tmp_path: Path, cli: Runner) -> None:
    original = full_version()
    registry, artifact = _stored_registry(tmp_path)
    registry.register("fraud", str(artifact), metrics=dict(original.metrics), params=dict(original.params),
                      tags=dict(original.tags), run_id=original.run_id, description=original.description,
                      lineage=original.lineage)
    shown = cli("show", "models:/fraud/1", registry=registry.root).stdout
    data = json.loads(cli("show", "models:/fraud/1", "--json", registry=registry.root).stdout)
    for field in fields.VERSION_FIELDS:
        if not field.shown:
            continue
        value = data[field.name]
        leaves = ([value[part] for part in field.parts] if field.parts else
                  list(value.values()) if field.keyed else [value])
        for leaf in leaves:
            for item in leaf if isinstance(leaf, list) else [leaf]:
                text = "artifact store" if item is True else f"{item:,}" if isinstance(item, int) else str(item)
                assert text in shown, (field.name, text)


def test_compare_has_a_row_for_every_compared_field(tmp_path: Path) -> None:
    original = full_version()
    registry, artifact = _stored_registry(tmp_path)
    for _ in range(2):
        registry.register("fraud", str(artifact), metrics=dict(original.metrics), params=dict(original.params),
                          tags=dict(original.tags), run_id=original.run_id, lineage=original.lineage)
    keys = {row.key for row in registry.compare("fraud", [1, 2]).rows}
    for field in fields.VERSION_FIELDS:
        if not field.compared:
            continue
        if field.keyed:
            assert any(key.startswith(f"{field.name}.") for key in keys), field.name
        else:
            assert set(field.paths) <= keys, field.name


# The option of `modelreg register` (and the parameter of Registry.register) that sets each given field.
REGISTER_OPTIONS = {"stage": "stage", "source": "source", "description": "description", "run_id": "run_id",
                    "artifact": "sha256", "metrics": "metric", "params": "param", "tags": "tag",
                    "lineage": "code_commit"}
API_PARAMETERS = {**REGISTER_OPTIONS, "metrics": "metrics", "params": "params", "tags": "tags", "lineage": "lineage"}


def test_register_can_set_every_given_field() -> None:
    assert set(REGISTER_OPTIONS) == set(fields.GIVEN)
    command = typer.main.get_command(app).commands["register"]  # type: ignore[attr-defined]
    names = {param.name for param in command.params}
    assert set(REGISTER_OPTIONS.values()) <= names
    assert set(API_PARAMETERS.values()) <= set(inspect.signature(Registry.register).parameters)
