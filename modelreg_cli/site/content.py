"""What the site shows, gathered through the public Python API (`Registry`) and arranged for the pages.

No file or git access here: everything comes from `list_models`, `get_model`, `history` and `config`,
so the site shows exactly what the CLI would, at the working tree or (with `Registry.at`) in the past.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from modelreg_cli.site import charts
from modelreg_cli.site.timeline import Happening, ModelTimeline, events_by_model, model_timeline, version_happenings

if TYPE_CHECKING:
    from modelreg_cli.core.events import Commit, HistoryEntry
    from modelreg_cli.core.manifests import ModelVersion, RegisteredModel, RegistryConfig
    from modelreg_cli.service import Registry


@dataclass
class ModelContent:
    model: RegisteredModel
    versions: list[ModelVersion]
    """Lowest first."""
    happenings: list[Happening]
    """The model's events (through its renames), oldest first."""
    timeline: ModelTimeline
    by_version: dict[int, list[Happening]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def last_change(self) -> Happening | None:
        return self.happenings[-1] if self.happenings else None

    def metric_names(self) -> list[str]:
        return sorted({key for version in self.versions for key in version.metrics})

    def holder(self, stage: str) -> ModelVersion | None:
        """The highest version in STAGE (what models:/NAME/STAGE resolves to)."""
        numbers = self.model.stages.get(stage, [])
        return next((v for v in reversed(self.versions) if v.version == numbers[-1]), None) if numbers else None


@dataclass
class RegistryContent:
    config: RegistryConfig
    models: list[ModelContent]
    """By name."""
    entries: list[HistoryEntry]
    """The registry's history, newest first."""

    @property
    def head(self) -> Commit | None:
        """The newest commit that changed the registry."""
        return self.entries[0].commit if self.entries else None

    @property
    def version_count(self) -> int:
        return sum(len(model.versions) for model in self.models)

    @property
    def live_stage(self) -> str | None:
        """The stage a deploy serves: the first exclusive stage (Production by default)."""
        return self.config.exclusive_stages[0] if self.config.exclusive_stages else None

    @property
    def promotion_stages(self) -> list[str]:
        """The stages worth showing who holds: not the initial one (no stage yet), not Archived."""
        return [s for s in self.config.stages[1:] if s.lower() != "archived"]

    def model(self, name: str) -> ModelContent | None:
        return next((m for m in self.models if m.name == name), None)


def gather(registry: Registry) -> RegistryContent:
    """Every model with its versions (lowest first), and the whole history, split by model."""
    config = registry.config
    entries = registry.history()
    by_model = events_by_model(entries)
    summaries = registry.list_models()
    # One search for every version reads the registry once (through the manifest cache), where a
    # get_model per model would parse each model's files again.
    everything = max(1, sum(model.last_version for model in summaries))
    versions: dict[str, list[ModelVersion]] = {}
    for version in registry.search_versions(max_results=everything, order_by=["name", "version_number"]).items:
        versions.setdefault(version.name, []).append(version)
    models = []
    for model in sorted(summaries, key=lambda m: m.name):
        aliases: dict[int, list[str]] = {}
        for alias, number in model.aliases.items():
            aliases.setdefault(number, []).append(alias)
        mine = [v.model_copy(update={"aliases": sorted(aliases.get(v.version, []))}) for v in versions.get(model.name, [])]
        happenings = by_model.get(model.name, [])
        models.append(ModelContent(
            model=model.model_copy(update={"versions": mine}),
            versions=mine,
            happenings=happenings,
            timeline=model_timeline(happenings, config.initial_stage),
            by_version=version_happenings(happenings),
        ))
    return RegistryContent(config, models, entries)


# --------------------------------------------------------------------------- charts of a model


def metric_charts(content: RegistryContent, model: ModelContent) -> list[charts.MetricChart]:
    """One chart per metric, across the versions that have it."""
    marked = set(content.promotion_stages)
    found = []
    for metric in model.metric_names():
        points = [
            charts.Point(v.version, v.metrics[metric], v.stage, tuple(v.aliases), v.stage in marked or bool(v.aliases))
            for v in model.versions
            if metric in v.metrics
        ]
        chart = charts.metric_chart(metric, points)
        if chart is not None:
            found.append(chart)
    return found


def timeline_targets(content: RegistryContent, model: ModelContent) -> list[str]:
    """The lanes of the timeline: the promotion stages, then the aliases ever set, by name."""
    aliases = sorted(target for target in model.timeline.spans if target.startswith("@"))
    return [stage for stage in content.promotion_stages if model.timeline.of(stage)] + aliases


def timeline_chart(content: RegistryContent, model: ModelContent) -> charts.TimelineChart | None:
    head = content.head
    targets = timeline_targets(content, model)
    intervals = [
        charts.Interval(target, span.version, span.start.time, span.end.time if span.end else None)
        for target in targets
        for span in model.timeline.of(target)
    ]
    return charts.timeline_chart(targets, intervals, head.time if head else "") if head else None
