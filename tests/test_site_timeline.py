"""The pure parts of the site on plain data: history -> who held what when, and the charts' geometry."""

from __future__ import annotations

from datetime import UTC, datetime

from modelreg_cli.core.events import Commit, Event, HistoryEntry
from modelreg_cli.site import charts
from modelreg_cli.site.timeline import events_by_model, model_timeline, version_happenings


def commit(n: int, author: str = "ada@example.com") -> Commit:
    return Commit(f"{n:040x}", (), author, f"2026-06-{n:02d}T09:00:00Z", f"change {n}", "")


def history(*commits: list[Event]) -> list[HistoryEntry]:
    """HistoryEntries newest first from COMMITS given oldest first (commit n is June n)."""
    return [HistoryEntry(commit(n), events) for n, events in reversed(list(enumerate(commits, 1)))]


def spans(entries: list[HistoryEntry], model: str) -> dict[str, list[tuple[int, int, int | None]]]:
    """target -> (version, start day, end day or None), from the model's timeline."""
    timeline = model_timeline(events_by_model(entries)[model], "None")
    return {target: [(s.version, int(s.start.time[8:10]), int(s.end.time[8:10]) if s.end else None) for s in found]
            for target, found in timeline.spans.items()}


def test_stages_and_aliases_open_and_close_spans() -> None:
    entries = history(
        [Event("model_created", "m"), Event("version_registered", "m", 1, after="None")],
        [Event("stage_changed", "m", 1, before="None", after="Production")],
        [Event("alias_set", "m", 1, key="champion", after=1), Event("version_registered", "m", 2, after="Staging")],
        [Event("stage_changed", "m", 1, before="Production", after="Archived"),
         Event("stage_changed", "m", 2, before="Staging", after="Production"),
         Event("alias_moved", "m", 2, key="champion", before=1, after=2)],
        [Event("version_registered", "m", 3, after="Staging"), Event("alias_set", "m", 3, key="challenger", after=3)],
        [Event("version_deleted", "m", 3, before="Staging"), Event("alias_removed", "m", 3, key="challenger", before=3)],
    )
    assert spans(entries, "m") == {
        "Production": [(1, 2, 4), (2, 4, None)],
        "@champion": [(1, 3, 4), (2, 4, None)],
        "Staging": [(2, 3, 4), (3, 5, 6)],
        "Archived": [(1, 4, None)],
        "@challenger": [(3, 5, 6)],
    }


def test_a_model_is_followed_through_its_renames() -> None:
    entries = history(
        [Event("model_created", "old"), Event("version_registered", "old", 1, after="Production")],
        [Event("model_renamed", "mid", before="old", after="mid")],
        [Event("model_renamed", "new", before="mid", after="new"), Event("alias_set", "new", 1, key="a", after=1)],
        [Event("model_created", "old"), Event("version_registered", "old", 1, after="Staging")],  # a new model "old"
    )
    found = events_by_model(entries)
    assert sorted(found) == ["new", "old"]
    assert [(h.event.type, h.event.model) for h in found["new"]] == [
        ("model_created", "old"), ("version_registered", "old"), ("model_renamed", "mid"), ("model_renamed", "new"),
        ("alias_set", "new")]
    assert spans(entries, "new") == {"Production": [(1, 1, None)], "@a": [(1, 3, None)]}
    assert spans(entries, "old") == {"Staging": [(1, 4, None)]}


def test_a_deleted_model_leaves_nothing_to_a_new_one_of_the_same_name() -> None:
    entries = history(
        [Event("model_created", "m"), Event("version_registered", "m", 1, after="Production")],
        [Event("model_renamed", "n", before="m", after="n")],
        [Event("model_deleted", "n")],
        [Event("model_created", "m"), Event("version_registered", "m", 1, after="Staging")],
    )
    found = events_by_model(entries)
    assert list(found) == ["m"]
    assert [h.commit.time[8:10] for h in found["m"]] == ["04", "04"]


def test_a_version_has_its_own_events_and_the_alias_events_it_took_part_in() -> None:
    entries = history(
        [Event("version_registered", "m", 1, after="None"), Event("version_registered", "m", 2, after="None")],
        [Event("alias_set", "m", 1, key="a", after=1), Event("tag_set", "m", 2, key="k", after="v")],
        [Event("alias_moved", "m", 2, key="a", before=1, after=2), Event("tag_set", "m", key="team", after="x")],
    )
    found = version_happenings(events_by_model(entries)["m"])
    assert {n: [h.event.type for h in hs] for n, hs in found.items()} == {
        1: ["version_registered", "alias_set", "alias_moved"],
        2: ["version_registered", "tag_set", "alias_moved"],
    }


def test_nice_ticks_are_round_and_cover_the_values() -> None:
    assert charts.nice_ticks(0.912, 0.946) == [0.91, 0.92, 0.93, 0.94, 0.95]
    assert charts.nice_ticks(13.02, 14.82) == [13.0, 13.5, 14.0, 14.5, 15.0]
    assert charts.nice_ticks(5.0, 5.0) == [4.5, 4.75, 5.0, 5.25, 5.5]
    assert charts.nice_ticks(0.0, 0.0) == [-1.0, -0.5, 0.0, 0.5, 1.0]


def test_a_metric_chart_has_one_mark_per_version_higher_values_higher_up() -> None:
    points = [charts.Point(1, 0.91, "Archived"), charts.Point(2, 0.95, "Production", ("champion",), True),
              charts.Point(4, 0.93, "None")]
    chart = charts.metric_chart("auc", points)
    assert chart is not None
    assert [(m.version, m.x) for m in chart.marks] == [(1, 156.7), (2, 342.0), (4, 527.3)]  # evenly spaced
    ys = [m.y for m in chart.marks]
    assert ys[1] < ys[2] < ys[0]
    assert [t.label for t in chart.x_ticks] == ["v1", "v2", "v4"]
    assert (chart.best.version, chart.worst.version) == (2, 1)
    assert charts.metric_chart("auc", []) is None


def test_overlapping_holders_get_their_own_rows_and_open_spans_reach_now() -> None:
    intervals = [charts.Interval("Staging", 1, "2026-06-01T00:00:00Z", "2026-06-20T00:00:00Z"),
                 charts.Interval("Staging", 2, "2026-06-10T00:00:00Z", None),
                 charts.Interval("Staging", 3, "2026-06-25T00:00:00Z", None),
                 charts.Interval("@champion", 1, "2026-06-01T00:00:00Z", None)]
    chart = charts.timeline_chart(["Staging", "@champion"], intervals, "2026-07-01T00:00:00Z")
    assert chart is not None
    staging, champion = chart.lanes
    assert [(b.version, b.row) for b in staging.bars] == [(1, 0), (2, 1), (3, 0)]
    assert staging.height == 2 * charts.ROW and champion.height == charts.ROW
    right = chart.plot[2]
    assert [b.x + b.width for b in staging.bars if b.end is None] == [right, right]
    assert [label for _, label in charts.time_ticks(datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))] \
        == ["Jun 01", "Jun 08", "Jun 15", "Jun 22", "Jun 29"]
    assert charts.timeline_chart(["Staging"], [], "2026-07-01T00:00:00Z") is None


def test_time_ticks_pick_months_then_years_for_long_histories() -> None:
    def labels(first: datetime, last: datetime) -> list[str]:
        return [label for _, label in charts.time_ticks(first, last)]

    assert labels(datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)) == \
        ["Jul 2026", "Aug", "Sep", "Oct", "Nov"]
    assert labels(datetime(2020, 3, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)) == \
        ["Jan 2021", "Jan 2022", "Jan 2023", "Jan 2024", "Jan 2025", "Jan 2026"]
