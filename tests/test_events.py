"""The events engine on plain data: no disk, no git."""

from __future__ import annotations

import copy

import pytest

from modelreg_cli.core.events import (
    Commit,
    Event,
    HistoryEntry,
    RegistryState,
    comparisons,
    event_matches,
    find_rollback_target,
    registry_events,
)
from modelreg_cli.core.manifests import ModelManifest, RegistryConfig, VersionManifest
from modelreg_cli.core.state import ModelState

CONFIG = RegistryConfig()
WHEN = "2026-10-01T12:00:00Z"


def version(name: str, number: int, stage: str = "None", **fields: object) -> VersionManifest:
    return VersionManifest.model_validate({
        "name": name, "version": number, "stage": stage, "source": f"s3://{name}/{number}",
        "created_at": WHEN, "created_by": "ada@example.com", "updated_at": WHEN, **fields,
    })


def model(name: str, *versions: VersionManifest, **fields: object) -> ModelState:
    manifest = ModelManifest.model_validate({
        "name": name, "created_at": WHEN, "created_by": "ada@example.com", "updated_at": WHEN,
        "last_version": max((v.version for v in versions), default=0), **fields,
    })
    return ModelState(manifest, {v.version: v for v in versions})


def state(*models: ModelState, config: RegistryConfig | None = None) -> RegistryState:
    return RegistryState(config, {m.name: m for m in models})


def test_a_new_model_with_versions_and_an_alias() -> None:
    after = state(model("fraud", version("fraud", 1), version("fraud", 2, "Staging"), aliases={"champion": 2}))
    assert registry_events(state(), after) == [
        Event("model_created", "fraud"),
        Event("version_registered", "fraud", 1, after="None"),
        Event("version_registered", "fraud", 2, after="Staging"),
        Event("alias_set", "fraud", 2, key="champion", after=2),
    ]


def test_a_deleted_model_is_one_event() -> None:
    before = state(model("fraud", version("fraud", 1), version("fraud", 2)))
    assert registry_events(before, state()) == [Event("model_deleted", "fraud")]


def test_stages_aliases_tags_descriptions_owners() -> None:
    before = model("fraud", version("fraud", 1, "Production", tags={"a": "1"}), version("fraud", 2),
                   aliases={"champion": 1, "old": 1, "shadow": 2}, tags={"team": "risk"}, owners=["ada@example.com"])
    after = copy.deepcopy(before)
    after.versions[1].stage = "Archived"
    after.versions[1].tags = {"a": "2", "b": "x"}
    after.versions[2].stage = "Production"
    after.versions[2].description = "better"
    after.model.aliases = {"champion": 2, "shadow": 2, "new": 1}
    after.model.tags = {}
    after.model.owners = ["ada@example.com", "bob@example.com"]
    after.model.description = "card fraud"
    assert registry_events(state(before), state(after)) == [
        Event("stage_changed", "fraud", 1, before="Production", after="Archived"),
        Event("tag_set", "fraud", 1, key="a", before="1", after="2"),
        Event("tag_set", "fraud", 1, key="b", after="x"),
        Event("stage_changed", "fraud", 2, before="None", after="Production"),
        Event("description_changed", "fraud", 2, before="", after="better"),
        Event("description_changed", "fraud", before="", after="card fraud"),
        Event("owners_changed", "fraud", before=["ada@example.com"], after=["ada@example.com", "bob@example.com"]),
        Event("tag_removed", "fraud", key="team", before="risk"),
        Event("alias_moved", "fraud", 2, key="champion", before=1, after=2),
        Event("alias_set", "fraud", 1, key="new", after=1),
        Event("alias_removed", "fraud", 1, key="old", before=1),
    ]


def test_updated_at_alone_is_no_change() -> None:
    before = model("fraud", version("fraud", 1))
    after = copy.deepcopy(before)
    after.versions[1].updated_at = "2026-10-09T00:00:00Z"
    after.model.updated_at = "2026-10-09T00:00:00Z"
    assert registry_events(state(before), state(after)) == []


def test_a_hand_edit_of_an_immutable_field() -> None:
    before = model("fraud", version("fraud", 1, metrics={"auc": 0.9}))
    after = copy.deepcopy(before)
    after.versions[1].metrics = {"auc": 0.99}
    after.versions[1].source = "s3://elsewhere"
    assert registry_events(state(before), state(after)) == [
        Event("version_changed", "fraud", 1, key="source", before="s3://fraud/1", after="s3://elsewhere"),
        Event("version_changed", "fraud", 1, key="metrics", before={"auc": 0.9}, after={"auc": 0.99}),
    ]


def test_a_version_deleted_with_its_alias() -> None:
    before = model("fraud", version("fraud", 1), version("fraud", 2, "Staging"), aliases={"champion": 2})
    after = model("fraud", version("fraud", 1), last_version=2)
    assert registry_events(state(before), state(after)) == [
        Event("version_deleted", "fraud", 2, before="Staging"),
        Event("alias_removed", "fraud", 2, key="champion", before=2),
    ]


def test_a_rename_is_found_by_birth_and_versions() -> None:
    before = model("fraud", version("fraud", 1, source="s3://m/1"), aliases={"champion": 1})
    after = model("fraud-detector", version("fraud-detector", 1, source="s3://m/1"), aliases={"champion": 1},
                  tags={"k": "v"})
    assert registry_events(state(before), state(after)) == [
        Event("model_renamed", "fraud-detector", before="fraud", after="fraud-detector"),
        Event("tag_set", "fraud-detector", key="k", after="v"),
    ]


def test_a_rename_and_a_promotion_in_one_span_of_history() -> None:
    before = model("fraud", version("fraud", 1, "Staging", source="s3://m/1"))
    after = model("fraud-2", version("fraud-2", 1, "Production", source="s3://m/1"))
    assert registry_events(state(before), state(after)) == [
        Event("model_renamed", "fraud-2", before="fraud", after="fraud-2"),
        Event("stage_changed", "fraud-2", 1, before="Staging", after="Production"),
    ]


def test_a_new_model_born_elsewhere_is_not_a_rename() -> None:
    before = model("fraud", version("fraud", 1))
    after = model("churn", version("churn", 1), created_at="2026-10-05T00:00:00Z")
    assert [e.type for e in registry_events(state(before), state(after))] == [
        "model_created", "version_registered", "model_deleted",
    ]


def test_config_changes_field_by_field_and_its_creation() -> None:
    changed = RegistryConfig(stages=["None", "Staging", "Production", "Shadow", "Archived"])
    assert registry_events(state(config=CONFIG), state(config=changed)) == [
        Event("config_changed", key="stages", before=CONFIG.stages, after=changed.stages),
    ]
    assert registry_events(state(), state(config=CONFIG)) == [
        Event("config_changed", after={"format_version": 1, "stages": CONFIG.stages,
                                       "exclusive_stages": ["Production"], "push": False}),
    ]
    assert registry_events(state(), state()) == []


def test_a_partial_pair_of_states_gives_the_events_of_the_full_pair() -> None:
    full_before = model("fraud", version("fraud", 1, "Production"), version("fraud", 2), version("fraud", 3))
    full_after = copy.deepcopy(full_before)
    full_after.versions[2].stage = "Staging"
    part_before = model("fraud", copy.deepcopy(full_before.versions[2]), last_version=3)
    part_after = model("fraud", copy.deepcopy(full_after.versions[2]), last_version=3)
    expected = [Event("stage_changed", "fraud", 2, before="None", after="Staging")]
    assert registry_events(state(full_before), state(full_after)) == expected
    assert registry_events(state(part_before), state(part_after)) == expected


def test_events_as_json() -> None:
    assert Event("alias_moved", "fraud", 2, key="champion", before=1, after=2).to_json() == {
        "type": "alias_moved", "model": "fraud", "version": 2, "key": "champion", "from": 1, "to": 2,
    }


@pytest.mark.parametrize(
    ("event", "filters", "matches"),
    [
        (Event("stage_changed", "fraud", 2, before="None", after="Production"), {"stage": "Production"}, True),
        (Event("stage_changed", "fraud", 2, before="Production", after="Archived"), {"stage": "Production"}, True),
        (Event("stage_changed", "fraud", 2, before="None", after="Staging"), {"stage": "Production"}, False),
        (Event("version_registered", "fraud", 2, after="Production"), {"stage": "Production"}, True),
        (Event("version_deleted", "fraud", 2, before="Production"), {"stage": "Production"}, True),
        (Event("alias_set", "fraud", 2, key="champion", after=2), {"stage": "Production"}, False),
        (Event("alias_moved", "fraud", 3, key="champion", before=2, after=3), {"version": 2}, True),
        (Event("alias_moved", "fraud", 3, key="champion", before=2, after=3), {"alias": "champion"}, True),
        (Event("alias_moved", "fraud", 3, key="champion", before=2, after=3), {"alias": "shadow"}, False),
        (Event("tag_set", "fraud", None, key="team", after="x"), {"version": 2}, False),
        (Event("model_deleted", "fraud"), {"version": 2}, True),
        (Event("tag_set", "fraud", 2, key="team", after="x"), {"model": "churn"}, False),
        (Event("stage_changed", "fraud", 2, before="None", after="Production"),
         {"model": "fraud", "version": 2, "stage": "Production"}, True),
    ],
)
def test_event_matches(event: Event, filters: dict[str, object], matches: bool) -> None:
    assert event_matches(event, **filters) is matches  # type: ignore[arg-type]


def test_comparisons_pair_a_promotion_with_the_version_it_replaces() -> None:
    before = model("fraud", version("fraud", 1, "Production", metrics={"auc": 0.9}),
                   version("fraud", 2, "Staging", metrics={"auc": 0.93}), aliases={"champion": 1})
    after = copy.deepcopy(before)
    after.versions[1].stage = "Archived"
    after.versions[2].stage = "Production"
    after.model.aliases = {"champion": 2}
    found = registry_events(state(before), state(after))
    result = comparisons(found, {"fraud": before}, {"fraud": after}, CONFIG)
    assert [(c.version, c.target, c.replaces, c.metrics, c.replaced_metrics) for c in result] == [
        (2, "Production", 1, {"auc": 0.93}, {"auc": 0.9}),
        (2, "@champion", 1, {"auc": 0.93}, {"auc": 0.9}),
    ]  # and Archived is not a promotion


def test_comparisons_of_a_first_promotion_and_of_a_new_model() -> None:
    after = model("churn", version("churn", 1, "Staging", metrics={"auc": 0.7}))
    found = registry_events(state(), state(after))
    assert [(c.version, c.target, c.replaces) for c in comparisons(found, {}, {"churn": after}, CONFIG)] == [
        (1, "Staging", None),
    ]


def commit(name: str) -> Commit:
    return Commit(name, (), "ada@example.com", WHEN, f"subject of {name}", "")


def entry(name: str, *events: Event) -> HistoryEntry:
    return HistoryEntry(commit(name), list(events))


def promotion(old: int, new: int) -> list[Event]:
    return [Event("stage_changed", "fraud", old, before="Production", after="Archived"),
            Event("stage_changed", "fraud", new, before="None", after="Production")]


RESTING = {"None", "Archived"}


def test_rollback_target_is_the_last_earlier_holder_that_still_exists() -> None:
    now = model("fraud", version("fraud", 1, "Archived"), version("fraud", 3, "Production"), last_version=3)
    history = [entry("c3", *promotion(2, 3)), entry("c2", *promotion(1, 2)),
               entry("c1", Event("stage_changed", "fraud", 1, before="None", after="Production"))]
    found = find_rollback_target(history, now, stage="Production", resting=RESTING)
    assert (found.version, found.undone, found.deleted) == (1, commit("c3"), [2])
    assert find_rollback_target(history[2:], now, stage="Production", resting=RESTING).version is None
    assert find_rollback_target(history, now, stage="Production", to=3, resting=RESTING).version == 3


def test_rollback_target_of_an_alias() -> None:
    now = model("fraud", version("fraud", 1), version("fraud", 2), aliases={"champion": 2})
    history = [entry("c2", Event("alias_moved", "fraud", 2, key="champion", before=1, after=2)),
               entry("c1", Event("alias_set", "fraud", 1, key="champion", after=1))]
    found = find_rollback_target(history, now, alias="champion", resting=RESTING)
    assert (found.version, found.undone) == (1, commit("c2"))
    nothing = find_rollback_target(history[1:], now, alias="champion", resting=RESTING)
    assert (nothing.version, nothing.undone) == (None, commit("c1"))
