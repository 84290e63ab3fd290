"""What an import brings: another registry's models, versions and stage history, as plain data. Pure.
Importers (modelreg_cli/importers) produce it; the applier (modelreg_cli/service/imports.py) commits it."""

from __future__ import annotations

from dataclasses import dataclass, field


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
