"""The rules of every change, on plain data: no disk, no git."""

from __future__ import annotations

import pytest

from modelreg_cli.core import changes
from modelreg_cli.core.changes import RegisterRequest, Stamp
from modelreg_cli.core.manifests import ModelManifest, RegistryConfig, VersionManifest
from modelreg_cli.core.serialize import parse_document
from modelreg_cli.core.state import ModelState
from modelreg_cli.errors import ConflictError, InvalidInputError, NotFoundError

CONFIG = RegistryConfig()
T0 = Stamp("ada@example.com", "2026-10-01T12:00:00Z")
T1 = Stamp("bob@example.com", "2026-10-02T12:00:00Z")


def model_with(*stages: str, aliases: dict[str, int] | None = None) -> ModelState:
    """A model whose versions 1..n are in STAGES."""
    state = None
    for stage in stages:
        _, change = changes.register(CONFIG, state, [], RegisterRequest("fraud", "s3://m"), T0)
        if state is None:
            state = ModelState(parse_document(change.writes["models/fraud/model.yaml"], ModelManifest, "m"))
            manifest = parse_document(change.writes["models/fraud/versions/1.yaml"], VersionManifest, "v")
            state.versions[1] = manifest
        state.versions[max(state.versions)].stage = stage
    assert state is not None
    state.model.aliases = dict(aliases or {})
    return state


def test_register_numbers_versions_and_writes_both_files() -> None:
    manifest, change = changes.register(CONFIG, None, ["other"], RegisterRequest("fraud", "s3://m/1"), T0)
    assert manifest.version == 1
    assert manifest.stage == "None"
    assert sorted(change.writes) == ["models/fraud/model.yaml", "models/fraud/versions/1.yaml"]
    assert change.subject == "register fraud v1"
    model = parse_document(change.writes["models/fraud/model.yaml"], ModelManifest, "m")
    assert model.last_version == 1
    assert model.created_by == "ada@example.com"


def test_numbers_are_never_reused_after_a_delete() -> None:
    state = model_with("None", "None", "None")
    changes.delete_version(state, 3, T1)
    manifest, _ = changes.register(CONFIG, state, ["fraud"], RegisterRequest("fraud", "s3://m"), T1)
    assert manifest.version == 4


def test_register_refuses_a_name_equal_up_to_case() -> None:
    with pytest.raises(ConflictError, match="differs from existing model 'Fraud' only in case"):
        changes.register(CONFIG, None, ["Fraud"], RegisterRequest("fraud", "s3://m"), T0)


def test_register_into_a_held_exclusive_stage_is_refused() -> None:
    state = model_with("Production")
    with pytest.raises(ConflictError, match="version 1 of 'fraud' holds Production"):
        changes.register(CONFIG, state, ["fraud"], RegisterRequest("fraud", "s3://m", stage="production"), T1)


def test_register_with_aliases_moves_them() -> None:
    state = model_with("None", aliases={"champion": 1})
    manifest, change = changes.register(
        CONFIG, state, ["fraud"], RegisterRequest("fraud", "s3://m", aliases=("champion", "new")), T1
    )
    assert state.model.aliases == {"champion": 2, "new": 2}
    assert change.subject == "register fraud v2 as @champion, @new"


def test_transition_to_an_exclusive_stage_needs_archive_existing() -> None:
    state = model_with("Production", "Staging")
    with pytest.raises(ConflictError) as err:
        changes.transition(CONFIG, state, 2, "Production", T1)
    assert str(err.value) == (
        "version 1 of 'fraud' already holds Production, which only one version may hold: "
        "pass --archive-existing to move it to Archived"
    )


def test_transition_with_archive_existing_moves_the_holder_in_the_same_change() -> None:
    state = model_with("Production", "Staging")
    move, change = changes.transition(CONFIG, state, 2, "production", T1, archive_existing=True, message="better auc")
    assert move.archived == (1,)
    assert change is not None
    # the model moves too (its updated_at, as in MLflow)
    assert sorted(change.writes) == ["models/fraud/model.yaml", "models/fraud/versions/1.yaml", "models/fraud/versions/2.yaml"]
    assert state.versions[1].stage == "Archived"
    assert state.versions[2].stage == "Production"
    assert state.versions[2].updated_at == T1.when
    assert change.commit_message() == (
        "transition fraud v2: Staging -> Production; archive v1\n\n"
        "better auc\n\n"
        "Modelreg-Op: transition\nModelreg-Model: fraud\nModelreg-Version: 2\n"
    )


def test_transition_to_the_current_stage_changes_nothing() -> None:
    state = model_with("Staging")
    move, change = changes.transition(CONFIG, state, 1, "staging", T1)
    assert change is None
    assert (move.from_stage, move.to_stage) == ("Staging", "Staging")


def test_non_exclusive_stages_have_many_holders() -> None:
    state = model_with("Staging", "None")
    _, change = changes.transition(CONFIG, state, 2, "Staging", T1)
    assert change is not None and state.holders("Staging") == [1, 2]


def test_transition_errors() -> None:
    state = model_with("None")
    with pytest.raises(NotFoundError, match="model 'fraud' has no version 7: its versions are 1"):
        changes.transition(CONFIG, state, 7, "Staging", T1)
    with pytest.raises(InvalidInputError, match="unknown stage 'Live'"):
        changes.transition(CONFIG, state, 1, "Live", T1)


def test_custom_exclusive_stages_from_config() -> None:
    config = RegistryConfig(stages=["Dev", "Canary", "Live", "Archived"], exclusive_stages=["Canary", "Live"])
    state = model_with("None", "None")
    state.versions[1].stage = "Canary"
    state.versions[2].stage = "Dev"
    with pytest.raises(ConflictError, match="already holds Canary"):
        changes.transition(config, state, 2, "canary", T1)


def test_alias_set_moves_and_is_idempotent() -> None:
    state = model_with("None", "None", aliases={"champion": 1})
    change = changes.set_alias(state, "champion", 2, T1)
    assert change is not None and change.subject == "alias fraud@champion: v1 -> v2"
    assert changes.set_alias(state, "champion", 2, T1) is None
    with pytest.raises(InvalidInputError, match="reserved"):
        changes.set_alias(state, "latest", 1, T1)
    with pytest.raises(NotFoundError, match="no version 9"):
        changes.set_alias(state, "x", 9, T1)


def test_alias_delete() -> None:
    state = model_with("None", aliases={"champion": 1})
    change = changes.delete_alias(state, "champion", T1)
    assert change.subject == "delete alias fraud@champion (was v1)"
    assert state.model.aliases == {}
    with pytest.raises(NotFoundError, match="has no alias 'champion' \\(aliases: none\\)"):
        changes.delete_alias(state, "champion", T1)


def test_deleting_a_version_drops_its_aliases() -> None:
    state = model_with("None", "None", aliases={"champion": 2, "old": 1})
    change = changes.delete_version(state, 2, T1)
    assert change.deletes == ["models/fraud/versions/2.yaml"]
    assert state.model.aliases == {"old": 1}
    assert state.model.last_version == 2
    assert change.subject == "delete fraud v2 and alias @champion"


def test_tags_and_descriptions() -> None:
    state = model_with("None")
    change = changes.set_tag(state, "team", "risk", T1)
    assert change is not None and "models/fraud/model.yaml" in change.writes
    change = changes.set_tag(state, "reviewed", "yes", T1, number=1)
    assert change is not None and list(change.writes) == ["models/fraud/versions/1.yaml"]
    assert changes.set_tag(state, "team", "risk", T1) is None
    with pytest.raises(NotFoundError, match="fraud v1 has no tag 'nope'"):
        changes.delete_tag(state, "nope", T1, number=1)
    assert changes.describe(state, "Scores card transactions", T1) is not None
    assert state.model.description == "Scores card transactions"


def test_rename_moves_every_file_and_keeps_aliases() -> None:
    state = model_with("Production", "None", aliases={"champion": 1})
    change = changes.rename(state, "fraud-v2", ["fraud", "churn"], T1)
    assert sorted(change.deletes) == [
        "models/fraud/model.yaml", "models/fraud/versions/1.yaml", "models/fraud/versions/2.yaml"
    ]
    assert sorted(change.writes) == [
        "models/fraud-v2/model.yaml", "models/fraud-v2/versions/1.yaml", "models/fraud-v2/versions/2.yaml"
    ]
    moved = parse_document(change.writes["models/fraud-v2/model.yaml"], ModelManifest, "m")
    assert (moved.name, moved.aliases) == ("fraud-v2", {"champion": 1})
    with pytest.raises(ConflictError, match="only in case"):
        changes.rename(model_with("None"), "CHURN", ["fraud", "churn"], T1)


def test_commit_message_without_a_model_or_body() -> None:
    change = changes.Change("init", "", "init model registry")
    assert change.commit_message() == "init model registry\n\nModelreg-Op: init\n"


def test_updated_at_moves_on_what_mlflow_moves_last_updated_on() -> None:
    """Aliases and tags leave every updated_at alone; a version's description moves only its own;
    a transition moves the version's and its model's; a rename moves the model's and every version's."""
    state = model_with("None", "None")
    changes.set_alias(state, "champion", 1, T1)
    changes.set_tag(state, "team", "risk", T1)
    changes.set_tag(state, "k", "v", T1, number=1)
    changes.delete_tag(state, "k", T1, number=1)
    changes.delete_alias(state, "champion", T1)
    assert (state.model.updated_at, state.versions[1].updated_at) == (T0.when, T0.when)
    changes.describe(state, "better", T1, number=2)
    assert (state.model.updated_at, state.versions[2].updated_at) == (T0.when, T1.when)
    t2 = Stamp("ada@example.com", "2026-10-03T12:00:00Z")
    changes.transition(CONFIG, state, 1, "Staging", t2)
    assert (state.model.updated_at, state.versions[1].updated_at) == (t2.when, t2.when)
    t3 = Stamp("ada@example.com", "2026-10-04T12:00:00Z")
    changes.rename(state, "fraud2", ["fraud"], t3)
    assert {state.model.updated_at, *(v.updated_at for v in state.versions.values())} == {t3.when}
