"""Importers: bring an existing registry (MLflow's, GTO's, ...) into modelreg, history and all.

An importer is a plugin (modelreg_cli/plugins.py, group `modelreg.importers`) named by the word
`modelreg import NAME` takes. It only reads the other registry and describes it as an `ImportPlan`:
each model and version with who made it and when, the stage history, the aliases. One applier in
the service layer (modelreg_cli/service/imports.py) turns a plan into commits through the same
rules as the CLI, with the original author and time, so an imported registry passes `modelreg
check`, and re-running an import adds only what is new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class StageChange:
    """A version entering a stage at a time, by someone."""

    stage: str
    at: str
    """ISO 8601 UTC."""
    by: str


@dataclass
class ImportedVersion:
    number: int
    """Its number there (kept when free); versions are applied in this order."""
    source: str
    created_at: str
    created_by: str
    origin: str
    """What it was there (`mlflow models:/fraud/3`, `gto fraud@v1.2.0`): kept as the tag `imported.from`,
    so a second import knows it."""
    description: str = ""
    run_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    code_commit: str | None = None
    stages: list[StageChange] = field(default_factory=list)
    """The stages it entered, in order (the last one is where it is now)."""


@dataclass
class ImportedModel:
    name: str
    created_at: str
    created_by: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    """Alias -> the version's number there."""
    versions: list[ImportedVersion] = field(default_factory=list)


@dataclass
class ImportPlan:
    models: list[ImportedModel] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    """Stages the other registry uses that modelreg.yaml must gain (GTO's custom stages)."""


class Importer(Protocol):
    name: str
    """The word after `modelreg import`."""
    summary: str
    """One line for `modelreg import --help`."""

    def read(self, source: str, options: dict[str, Any]) -> ImportPlan:
        """Describe the registry at SOURCE (a tracking URI, a repository path, ...)."""


def get_importer(name: str) -> Importer:
    """The importer plugin NAME (PluginError naming what to install when there is none)."""
    from modelreg_cli.plugins import IMPORTERS, load

    found = load(IMPORTERS, name)
    importer: Importer = found() if isinstance(found, type) else found
    return importer
