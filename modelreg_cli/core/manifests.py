"""The registry's documents as pydantic models: modelreg.yaml, model.yaml, versions/<n>.yaml.

Field order here is the key order on disk, so every change is a small, stable diff.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    FiniteFloat,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from modelreg_cli.core.fields import GATE_FIELD_PREFIXES, GATE_FIELDS

FORMAT_VERSION = 1
DEFAULT_STAGES = ["None", "Staging", "Production", "Archived"]
DEFAULT_EXCLUSIVE_STAGES = ["Production"]


def _timestamp(value: Any) -> Any:
    """One canonical text form (2026-10-01T12:00:00Z) for a timestamp written any ISO 8601 way; a
    text that is no timestamp is refused. Without an offset it is UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a timestamp: write it like 2026-10-01T12:00:00Z") from None
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


OWNERS = "owners"
"""In `approvers`: the model's `owners` (from model.yaml)."""


class Gate(_Document):
    """What a version must meet to enter a stage, or to be what a protected alias points at
    (docs/policy.md). Every part is optional; a gate with none of them lets anything through."""

    require: list[str] = Field(default_factory=list)
    """Conditions in the filter language of `modelreg search --versions`; all must hold."""
    fields: list[str] = Field(default_factory=list)
    """Fields the version must have, not empty: run_id, artifact.sha256, description, metrics.auc, ..."""
    not_worse_than_current: dict[str, Literal["higher", "lower"]] = Field(default_factory=dict)
    """metric -> which way is better: the version must be at least as good as the one it replaces."""
    approvers: list[str] | None = None
    """Who may make the move: git author emails, fnmatch patterns (*@risk.example.com), or `owners`.
    Absent: anyone."""
    leave_approvers: list[str] | None = None
    """Who may take a version out of the stage (move it elsewhere, delete it, delete or rename its
    model), or remove the protected alias. Absent: the same people as `approvers`."""

    @field_validator("require", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else ([] if value is None else value)

    @field_validator("require")
    @classmethod
    def _parse_conditions(cls, conditions: list[str]) -> list[str]:
        from modelreg_cli.core.filter import FilterError, parse_filter

        for condition in conditions:
            try:
                parse_filter(condition, "versions")
            except FilterError as exc:
                raise ValueError(f"condition {condition!r} cannot be read: {exc}") from None
        return conditions

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: list[str]) -> list[str]:
        for name in fields:
            keyed = name.startswith(GATE_FIELD_PREFIXES) and len(name.split(".", 1)[1]) > 0
            if name not in GATE_FIELDS and not keyed:
                raise ValueError(f"unknown field {name!r}: use {', '.join(GATE_FIELDS)}, metrics.KEY, params.KEY or tags.KEY")
        return fields

    @field_validator("approvers", "leave_approvers")
    @classmethod
    def _approver_patterns(cls, approvers: list[str] | None) -> list[str] | None:
        return check_approvers(approvers)

    def who_may_leave(self) -> list[str] | None:
        """Who may take a version out of the gated stage (or remove the alias): None for anyone."""
        return self.leave_approvers if self.leave_approvers is not None else self.approvers


def check_approvers(approvers: list[str] | None) -> list[str] | None:
    """A list of approvers (emails, fnmatch patterns, `owners`), refused when empty or when an
    entry is neither, or holds a character that would break the CODEOWNERS line it goes on."""
    if approvers is None:
        return None
    if not approvers:
        raise ValueError("approvers is empty, so nobody could make the change: list emails, patterns or "
                         "'owners', or remove the key to let anyone")
    for entry in approvers:
        if entry != OWNERS and "@" not in entry and entry != "*":
            raise ValueError(f"approver {entry!r} is neither an email (pattern), like *@risk.example.com, nor 'owners'")
        if entry != entry.strip() or any(char.isspace() or not char.isprintable() or char in "#\"" for char in entry):
            raise ValueError(f"approver {entry!r} holds a space, a control character or '#': write one email or "
                             "pattern per entry")
    return approvers


class Policy(_Document):
    """The `policy:` section of modelreg.yaml: the rules every promotion obeys (docs/policy.md)."""

    transitions: dict[str, list[str]] | None = None
    """from-stage -> the stages a version may move to from it. Absent: any move; a stage not listed: any."""
    gates: dict[str, Gate] = Field(default_factory=dict)
    """stage -> what a version must meet to enter it."""
    protected_aliases: dict[str, Gate] = Field(default_factory=dict)
    """alias -> who may move it and what its target must meet."""
    rename_approvers: list[str] | None = None
    """Who may rename a model. Absent: whoever may take every gated stage and protected alias it
    holds away from it (as deleting it would)."""

    @field_validator("rename_approvers")
    @classmethod
    def _rename_approvers(cls, approvers: list[str] | None) -> list[str] | None:
        return check_approvers(approvers)

    @field_validator("transitions", mode="before")
    @classmethod
    def _none_means_nowhere(cls, value: Any) -> Any:
        # `Archived:` with nothing after it reads as null: no move out of Archived.
        if isinstance(value, dict):
            return {key: [] if targets is None else targets for key, targets in value.items()}
        return value

    @field_validator("gates", "protected_aliases", mode="before")
    @classmethod
    def _empty_gates(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: {} if gate is None else gate for key, gate in value.items()}
        return {} if value is None else value

    def allowed_targets(self, stage: str) -> list[str] | None:
        """The stages a version in STAGE may move to; None when any."""
        if self.transitions is None:
            return None
        for source, targets in self.transitions.items():
            if source.lower() == stage.lower():
                return targets
        return None

    def gate(self, stage: str) -> Gate | None:
        for name, gate in self.gates.items():
            if name.lower() == stage.lower():
                return gate
        return None

    def check_stages(self, stages: list[str]) -> None:
        """Every stage the policy names must be one of STAGES (in any case); each is then spelled as
        STAGES spell it, as everywhere else."""
        known = {stage.lower(): stage for stage in stages}
        named = [(f"gates.{stage}", stage) for stage in self.gates]
        for source, targets in (self.transitions or {}).items():
            named += [(f"transitions.{source}", stage) for stage in (source, *targets)]
        for where, stage in named:
            if stage.lower() not in known:
                raise ValueError(f"policy.{where}: unknown stage {stage!r} (stages are {', '.join(stages)})")
        if self.transitions is not None:
            self.transitions = {known[source.lower()]: [known[target.lower()] for target in targets]
                                for source, targets in self.transitions.items()}
        self.gates = {known[stage.lower()]: gate for stage, gate in self.gates.items()}
        from modelreg_cli.core.names import validate_alias
        from modelreg_cli.errors import InvalidInputError

        for alias in self.protected_aliases:
            try:
                validate_alias(alias)
            except InvalidInputError as exc:
                raise ValueError(f"policy.protected_aliases: {exc}") from None


class Artifact(_Document):
    """What is known of the artifact's bytes (docs/artifacts.md)."""

    sha256: str | None = None
    """A file: the sha256 of its bytes. A folder: the sha256 of its listing (store/artifacts.py)."""
    size_bytes: int | None = None
    kind: Literal["file", "folder"] | None = None
    """One file or a folder of files; None when not known (a remote reference)."""
    name: str | None = None
    """The file's (or folder's) name when registered: `pull` places a file as DIR/<name>."""
    stored: bool | None = None
    """True: the bytes are in the registry's artifact store, by digest (`source` is the object's URL).
    Absent for a reference (the bytes are wherever `source` says)."""

    @model_serializer(mode="wrap")
    def _only_what_is_known(self, handler: SerializerFunctionWrapHandler) -> Any:
        # Versions registered before these fields existed keep the files they always had.
        data = handler(self)
        if isinstance(data, dict):
            for key in ("kind", "name", "stored"):
                if data.get(key) is None:
                    data.pop(key, None)
        return data


_CREDENTIAL_WORDS = ("secret", "password", "passwd", "token", "credential", "connection_string", "sas", "private")
_CREDENTIAL_KEYS = re.compile(r"(^|_)(key|access_key|account_key|api_key|key_id|access_key_id)$")


def _credential_like(key: str) -> bool:
    lowered = key.lower().replace("-", "_")
    return any(word in lowered for word in _CREDENTIAL_WORDS) or bool(_CREDENTIAL_KEYS.search(lowered))


def _credential_keys(options: Any, where: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(options, dict):
        for key, item in options.items():
            path = f"{where}.{key}" if where else str(key)
            found += [path] if _credential_like(str(key)) else _credential_keys(item, path)
    return found


class ArtifactsConfig(_Document):
    """The `artifacts:` section of modelreg.yaml: where the bytes behind versions are kept."""

    store: str
    """A folder (a path, relative to the registry's folder, or file://), s3://bucket/prefix, gs://..., az://..."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Passed to the store's backend (endpoint_url, region_name, ...). Never credentials."""

    @model_serializer(mode="wrap")
    def _without_empty_options(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and not data.get("options"):
            data.pop("options", None)
        return data

    @field_validator("store")
    @classmethod
    def _a_location(cls, store: str) -> str:
        if not store.strip():
            raise ValueError("store is empty: give a folder, or a URL such as s3://bucket/prefix")
        return store.strip()

    @field_validator("options", mode="before")
    @classmethod
    def _no_credentials(cls, options: Any) -> Any:
        options = {} if options is None else options
        found = _credential_keys(options)
        if found:
            raise ValueError(f"option {', '.join(found)} looks like a credential, and credentials never go in modelreg.yaml: "
                             "remove it and give it through the environment (AWS_ACCESS_KEY_ID, AWS_PROFILE, "
                             "GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_ACCOUNT_KEY, ...) or the backend's own "
                             "profile or role")
        return options


class RegistryConfig(_Document):
    """modelreg.yaml: the registry's format version, lifecycle stages and promotion policy."""

    format_version: int = FORMAT_VERSION
    stages: list[str] = Field(default_factory=lambda: list(DEFAULT_STAGES))
    exclusive_stages: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUSIVE_STAGES))
    push: bool = False
    """Push every write to the tracked remote branch (as --push does)."""
    policy: Policy | None = None
    """The rules of promotions (docs/policy.md); None: any stage may follow any other, as in MLflow."""
    artifacts: ArtifactsConfig | None = None
    """The artifact store (docs/artifacts.md); None: versions record references only."""

    @model_serializer(mode="wrap")
    def _without_empty_sections(self, handler: SerializerFunctionWrapHandler) -> Any:
        # A registry with no policy (or store) keeps the modelreg.yaml it always had.
        data = handler(self)
        if isinstance(data, dict):
            for key in ("policy", "artifacts"):
                if data.get(key) is None:
                    data.pop(key, None)
        return data

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
        if self.policy is not None:
            self.policy.check_stages(self.stages)
        return self

    @property
    def initial_stage(self) -> str:
        return self.stages[0]

    @property
    def resting_stages(self) -> set[str]:
        """Where versions start (the first stage) or end (Archived): no one is promoted to these."""
        return {self.initial_stage, *(stage for stage in self.stages if stage.lower() == "archived")}

    @property
    def archive(self) -> str | None:
        """The stage versions are retired to (`Archived`, in any case), if the registry has one."""
        return next((stage for stage in self.stages if stage.lower() == "archived"), None)


class Lineage(_Document):
    """Where a version came from."""

    code_commit: str | None = None
    datasets: list[str] = Field(default_factory=list)
    parents: list[str] = Field(default_factory=list)


class VersionManifest(_Document):
    """versions/<n>.yaml. What each field is (fixed once registered or not, searchable, shown) is
    declared in core/fields.py; tests/test_fields.py fails when a field here is missing there."""

    name: str
    version: int = Field(ge=1)
    stage: str
    source: str
    description: Text = ""
    run_id: str | None = None
    artifact: Artifact | None = None
    metrics: dict[str, FiniteFloat] = Field(default_factory=dict)
    """Finite numbers only: a gate cannot compare nan, and JSON has no inf."""
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

    @field_validator("owners")
    @classmethod
    def _emails(cls, owners: list[str]) -> list[str]:
        from modelreg_cli.core.names import validate_email
        from modelreg_cli.errors import InvalidInputError

        for owner in owners:
            try:
                validate_email(owner)
            except InvalidInputError as exc:
                raise ValueError(str(exc)) from None
        return owners


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
