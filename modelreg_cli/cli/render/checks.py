"""What `modelreg check` found, in lines for people (one per problem) and its summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelreg_cli.cli.render.text import safe

if TYPE_CHECKING:
    from modelreg_cli.core.checks import Problem
    from modelreg_cli.store.audit import CheckReport


def problem_line(problem: Problem) -> str:
    """'models/fraud/versions/4.yaml:7: immutable: ... (commit 1a2b3c4d by eve@example.com)', with
    the values it quotes made safe for a terminal (a CI log)."""
    return safe(_line(problem))


def _line(problem: Problem) -> str:
    where = problem.file or ""
    if problem.file and problem.line is not None:
        where += f":{problem.line}"
    if not where:
        return f"{problem.rule}: {problem.message}"  # a whole commit's: its message names it
    text = f"{where}: {problem.rule}: {problem.message}"
    if problem.commit is not None:
        text += f" (commit {problem.commit[:8]} by {problem.author})"
    elif problem.since is not None:
        text += f" (the change since {problem.since} as a whole, by {problem.author})"
    elif problem.author is not None:
        text += f" (staged, by {problem.author})"
    return text


def summary(report: CheckReport) -> str:
    models = f"{report.models} model{'s' if report.models != 1 else ''}"
    versions = f"{report.versions} version{'s' if report.versions != 1 else ''}"
    text = f"OK: {models}, {versions} in {safe(report.checked)}"
    if report.base is not None:
        text += f"; {report.commits} commit{'s' if report.commits != 1 else ''} since {report.base}"
    return text
