"""Output for people: tables and summaries with rich. Scripts get --json instead."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from modelreg_cli.cli.render.text import minute, number, safe

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from modelreg_cli.core.compare import VersionComparison
    from modelreg_cli.core.manifests import ModelVersion, RegisteredModel
    from modelreg_cli.service import Published


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Off a terminal (pipes, CI logs) use a wide fixed width so rows are never folded.
    width = None if stream.isatty() else 200
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def _cell(value: str) -> Text:
    """A user's value as a table cell: shown, never read as rich markup ([link=...]) nor obeyed by
    the terminal (escapes, bidi controls)."""
    from rich.text import Text

    return Text(safe(value))


def _row(table: Table, *cells: str, style: str | None = None) -> None:
    table.add_row(*(_cell(cell) for cell in cells), style=style)


def _versions_text(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers) if numbers else "-"


def _aliases_text(aliases: dict[str, int]) -> str:
    return ", ".join(f"@{alias}={version}" for alias, version in sorted(aliases.items())) or "-"


def _metrics_text(metrics: dict[str, float]) -> str:
    return ", ".join(f"{key}={number(value)}" for key, value in sorted(metrics.items())) or "-"


# On a narrow terminal these columns fold onto more lines; the short ones stay whole.
_FOLDING = {"Aliases", "Metrics", "Source"}


def _table(*columns: str, fold: Sequence[str] = ()) -> Table:
    """A plain table; FOLD (and the usual long columns) wrap on a narrow terminal, the rest stay whole."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for column in columns:
        folds = column in _FOLDING or column in fold
        # an unnamed marker column must never be squeezed away
        table.add_column(column, no_wrap=not folds, overflow="fold", min_width=14 if folds else len(column) or 1)
    return table


def models_table(models: Sequence[RegisteredModel], stages: Sequence[str]) -> None:
    out = console()
    if not models:
        out.print("No models yet: `modelreg register NAME SOURCE` adds the first one.")
        return
    shown = list(stages[1:])  # the initial stage (None) is where every version starts: not worth a column
    table = _table("Model", "Latest", *shown, "Aliases", "Updated")
    for model in models:
        latest = str(model.latest_version) if model.latest_version is not None else "-"
        cells = [_versions_text(model.stages.get(stage, [])) for stage in shown]
        _row(table, model.name, latest, *cells, _aliases_text(model.aliases), minute(model.updated_at))
    out.print(table)


def versions_table(versions: Sequence[ModelVersion]) -> Table:
    table = _table("Version", "Stage", "Aliases", "Created", "Metrics", "Source")
    for version in versions:
        aliases = ", ".join(f"@{alias}" for alias in version.aliases) or "-"
        _row(table, str(version.version), version.stage, aliases, version.created_at[:10],
             _metrics_text(version.metrics), version.source)
    return table


def print_versions(versions: Sequence[ModelVersion], empty: str) -> None:
    out = console()
    if not versions:
        out.print(empty)
        return
    out.print(versions_table(versions))


def model_details(model: RegisteredModel) -> None:
    from rich.text import Text

    out = console()
    out.print(Text(safe(model.name), style="bold"))
    _field(out, "Description", model.description or "-")
    _field(out, "Owners", ", ".join(model.owners) or "-")
    _field(out, "Tags", ", ".join(f"{k}={v}" for k, v in sorted(model.tags.items())) or "-")
    _field(out, "Aliases", _aliases_text(model.aliases))
    _field(out, "Latest", str(model.latest_version) if model.latest_version is not None else "-")
    _field(out, "Created", f"{model.created_at} by {model.created_by}")
    _field(out, "Updated", model.updated_at)
    out.print()
    if model.versions:
        out.print(versions_table(model.versions))
    else:
        out.print(f"No versions yet: `modelreg register {model.name} SOURCE` adds one.")


def version_details(version: ModelVersion) -> None:
    from rich.text import Text

    out = console()
    out.print(Text.assemble((safe(version.name), "bold"), f" version {version.version}"))
    _field(out, "Stage", version.stage)
    _field(out, "Aliases", ", ".join(f"@{alias}" for alias in version.aliases) or "-")
    _field(out, "Source", version.source)
    if version.artifact is not None:
        size = version.artifact.size_bytes
        _field(out, "SHA-256", version.artifact.sha256 or "-")
        _field(out, "Size", f"{size:,} bytes" if size is not None else "-")
        if version.artifact.kind is not None:
            named = f" {version.artifact.name}" if version.artifact.name else ""
            _field(out, "Artifact", f"{version.artifact.kind}{named}")
        if version.artifact.stored:
            _field(out, "Stored", "in the registry's artifact store (`modelreg pull` fetches it)")
    _field(out, "Run", version.run_id or "-")
    _field(out, "Description", version.description or "-")
    _mapping(out, "Metrics", {k: number(v) for k, v in version.metrics.items()})
    _mapping(out, "Params", version.params)
    _mapping(out, "Tags", version.tags)
    lineage = version.lineage
    if lineage.code_commit or lineage.datasets or lineage.parents:
        _field(out, "Code commit", lineage.code_commit or "-")
        _field(out, "Datasets", ", ".join(lineage.datasets) or "-")
        _field(out, "Parents", ", ".join(lineage.parents) or "-")
    _field(out, "Created", f"{version.created_at} by {version.created_by}")
    _field(out, "Updated", version.updated_at)


def _field(out: Console, label: str, value: str) -> None:
    from rich.text import Text

    out.print(Text.assemble((f"{label + ':':<13}", "bold"), safe(value)))


def _mapping(out: Console, label: str, values: dict[str, str]) -> None:
    if not values:
        _field(out, label, "-")
        return
    _field(out, label, "")
    for key, value in sorted(values.items()):
        out.print(f"  {safe(key)}: {safe(value)}", markup=False)


# search and compare ---------------------------------------------------------------------------


def search_models_table(models: Sequence[RegisteredModel], stages: Sequence[str]) -> None:
    if not models:
        console().print("No models match.")
        return
    models_table(models, stages)


def search_versions_table(versions: Sequence[ModelVersion]) -> None:
    out = console()
    if not versions:
        out.print("No versions match.")
        return
    table = _table("Model", "Version", "Stage", "Aliases", "Created", "Metrics", "Source")
    for version in versions:
        aliases = ", ".join(f"@{alias}" for alias in version.aliases) or "-"
        _row(table, version.name, str(version.version), version.stage, aliases, version.created_at[:10],
             _metrics_text(version.metrics), version.source)
    out.print(table)


def next_page_hint(token: str | None) -> None:
    if token is not None:
        console().print(f"More results: add --page-token {token}", markup=False)


def comparison_table(comparison: VersionComparison) -> None:
    """One row per attribute, one column per version; rows that differ are marked with * (and
    highlighted on a terminal), metrics show the change from the first version."""
    from rich.text import Text

    out = console()
    numbers = comparison.numbers
    out.print(Text.assemble((safe(comparison.name), "bold"), f": versions {', '.join(map(str, numbers))} "
                            f"(* marks rows that differ; metric changes are from version {numbers[0]})"))
    labels = [str(number) for number in numbers]
    table = _table("", "Key", *labels, fold=labels)
    for row in comparison.rows:
        cells = [_compared_value(value) for value in row.values]
        if row.key == "aliases":
            cells = [cell if cell == "-" else ", ".join(f"@{alias}" for alias in cell.split(", ")) for cell in cells]
        if row.deltas is not None:
            cells = [cell if delta is None else f"{cell} ({_signed(delta)})" for cell, delta in zip(cells, row.deltas, strict=True)]
        _row(table, "*" if row.differs else "", row.key, *cells, style="bold yellow" if row.differs else None)
    out.print(table)


def _compared_value(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, float):
        return number(value)
    return str(value)


def _signed(delta: float) -> str:
    return "±0" if delta == 0 else f"{'+' if delta > 0 else ''}{number(delta)}"


# where a write went -------------------------------------------------------------------------


def published(where: Published | None) -> None:
    """After a write that was pushed, say where it went (and what to open for a branch)."""
    if where is None or where.commit is None:
        return
    import typer

    short = where.commit[:7]
    if where.for_review:
        typer.echo(safe(f"Pushed {short} to branch {where.remote}/{where.branch}: open a pull request from "
                        f"{where.branch} into the branch it was made from"))
    else:
        typer.echo(safe(f"Pushed {short} to {where.remote}/{where.branch}"))
    if where.note:
        sys.stderr.write(f"warning: {safe(where.note)}\n")
