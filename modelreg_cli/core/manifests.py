"""The registry's documents as pydantic models: modelreg.yaml, model.yaml, versions/<n>.yaml.

Field order here is the key order on disk, so every change is a small, stable diff.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

FORMAT_VERSION = 1
DEFAULT_STAGES = ["None", "Staging", "Production", "Archived"]
DEFAULT_EXCLUSIVE_STAGES = ["Production"]


def _timestamp(value: Any) -> Any:
    # YAML reads an unquoted ISO timestamp as a datetime; keep one canonical text form.
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return format_timestamp(value)
    return value


def _text(value: Any) -> Any:
    # Hand-written YAML turns `lr: 0.01` into a float; params and tags are text.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if value is None:
        return ""
    return value


Timestamp = Annotated[str, BeforeValidator(_timestamp)]
Text = Annotated[str, BeforeValidator(_text)]


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with second precision: 2026-10-01T12:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RegistryConfig(_Document):
    """modelreg.yaml: the registry's format version and lifecycle stages."""

    format_version: int = FORMAT_VERSION
    stages: list[str] = Field(default_factory=lambda: list(DEFAULT_STAGES))
    exclusive_stages: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUSIVE_STAGES))
    push: bool = False
    """Push every write to the tracked remote branch (as --push does)."""

    @model_validator(mode="after")
    def _check_stages(self) -> RegistryConfig:
        if self.format_version != FORMAT_VERSION:
            raise ValueError(f"format_version {self.format_version} is not supported (this modelreg reads {FORMAT_VERSION})")
        if not self.stages:
            raise ValueError("stages must list at least one stage")
        lowered = [stage.lower() for stage in self.stages]
        if len(set(lowered)) != len(lowered):
            raise ValueError("stages must be unique (names are compared in any case)")
        unknown = [stage for stage in self.exclusive_stages if stage not in self.stages]
        if unknown:
            raise ValueError(f"exclusive_stages {unknown} are not in stages {self.stages}")
        return self

    @property
    def initial_stage(self) -> str:
        return self.stages[0]


class Artifact(_Document):
    """What is known of the artifact's bytes."""

    sha256: str | None = None
    size_bytes: int | None = None


class Lineage(_Document):
    """Where a version came from."""

    code_commit: str | None = None
    datasets: list[str] = Field(default_factory=list)
    parents: list[str] = Field(default_factory=list)


class VersionManifest(_Document):
    """versions/<n>.yaml."""

    name: str
    version: int = Field(ge=1)
    stage: str
    source: str
    description: Text = ""
    run_id: str | None = None
    artifact: Artifact | None = None
    metrics: dict[str, float] = Field(default_factory=dict)
    params: dict[str, Text] = Field(default_factory=dict)
    tags: dict[str, Text] = Field(default_factory=dict)
    lineage: Lineage = Field(default_factory=Lineage)
    created_at: Timestamp
    created_by: str
    updated_at: Timestamp

    @field_validator("metrics", "params", "tags", mode="before")
    @classmethod
    def _empty_mapping(cls, value: Any) -> Any:
        return {} if value is None else value


class ModelManifest(_Document):
    """models/<name>/model.yaml: the registered model and its counter of versions."""

    name: str
    description: Text = ""
    owners: list[str] = Field(default_factory=list)
    tags: dict[str, Text] = Field(default_factory=dict)
    aliases: dict[str, int] = Field(default_factory=dict)
    last_version: int = Field(default=0, ge=0)
    created_at: Timestamp
    created_by: str
    updated_at: Timestamp

    @field_validator("tags", "aliases", mode="before")
    @classmethod
    def _empty_mapping(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("owners", mode="before")
    @classmethod
    def _empty_list(cls, value: Any) -> Any:
        return [] if value is None else value


class ModelVersion(VersionManifest):
    """A version as the API returns it: the manifest plus the aliases that point at it."""

    aliases: list[str] = Field(default_factory=list)


class RegisteredModel(BaseModel):
    """A registered model as the API returns it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    tags: dict[str, str]
    owners: list[str]
    aliases: dict[str, int]
    latest_version: int | None
    last_version: int
    stages: dict[str, list[int]] = Field(default_factory=dict, description="stage -> versions holding it")
    created_at: str
    created_by: str
    updated_at: str
    versions: list[ModelVersion] | None = None
