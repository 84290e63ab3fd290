"""The fields of a version manifest and what each one is: the one list the rest is derived from.

`VersionManifest` (core/manifests.py) declares the fields' types and their order on disk; this
table says what modelreg does with each, and `tests/test_fields.py` fails when the two disagree
(a field added to the manifest and not classified here). From this table come:

* which fields are fixed once registered (`immutable`): an edit to one is a hand edit that `log`,
  `diff` and `check` report (core/events.py);
* which fields a registration sets (`given`): the register request, and `sync` replaying a
  registration on another state (core/changes.py, core/replay.py), so a new field travels;
* which fields the filter language reads, under which attribute name (core/filter.py);
* which fields a policy gate may require (`fields:` in modelreg.yaml);
* which fields `show` and `compare` display (cli/render.py, core/compare.py).

Pure and free of pydantic: the filter language imports it without importing the manifests.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

SearchKind = Literal["string", "stage", "alias", "numeric", "timestamp", "param"]


class Role(Enum):
    IDENTITY = "identity"
    """Where the manifest lives (model name, version number): never changes."""
    REGISTERED = "registered"
    """Recorded at registration and fixed from then on (source, metrics, lineage, ...)."""
    MUTABLE = "mutable"
    """May be given at registration and changed by commands afterwards (stage, description, tags)."""
    CREATED = "created"
    """Who made the version and when: stamped at registration, fixed from then on."""
    UPDATED = "updated"
    """When the version last changed: stamped by every write."""


@dataclass(frozen=True)
class Search:
    """How the filter language of `search` reads a field."""

    attribute: str
    """Its name in a filter: source_path, version_number, metrics (for metrics.KEY), ..."""
    kind: SearchKind
    """How its values compare."""
    on_model: bool = False
    """Searching models, the model's own field of that name is read, not any version's."""


@dataclass(frozen=True)
class VersionField:
    name: str
    role: Role
    search: Search | None = None
    keyed: bool = False
    """A mapping of keys to values: searched, gated and compared by key (metrics.auc)."""
    parts: tuple[str, ...] = ()
    """The fields of a nested document (artifact.sha256): gated and compared one by one."""
    gated: bool = False
    """A gate may require it to be present (`fields:` in a policy gate)."""
    shown: bool = True
    """Displayed by `show` for one version."""
    compared: bool = True
    """A row (or a row per key or part) of `compare`."""

    @property
    def immutable(self) -> bool:
        return self.role in (Role.IDENTITY, Role.REGISTERED, Role.CREATED)

    @property
    def given(self) -> bool:
        """Set by whoever registers the version (and so carried by a replayed registration)."""
        return self.role in (Role.REGISTERED, Role.MUTABLE)

    @property
    def paths(self) -> tuple[str, ...]:
        """The dotted paths of its leaves: ('artifact.sha256', 'artifact.size_bytes'), or (name,)."""
        return tuple(f"{self.name}.{part}" for part in self.parts) or (self.name,)


VERSION_FIELDS: tuple[VersionField, ...] = (
    VersionField("name", Role.IDENTITY, Search("name", "string", on_model=True), shown=False,
                 compared=False),
    VersionField("version", Role.IDENTITY, Search("version_number", "numeric"), shown=False, compared=False),
    VersionField("stage", Role.MUTABLE, Search("stage", "stage")),
    VersionField("source", Role.REGISTERED, Search("source_path", "string"), gated=True),
    VersionField("description", Role.MUTABLE, Search("description", "string", on_model=True), gated=True,
                 compared=False),  # prose, read in `show`
    VersionField("run_id", Role.REGISTERED, Search("run_id", "string"), gated=True),
    VersionField("artifact", Role.REGISTERED, parts=("sha256", "size_bytes", "kind", "name", "stored"), gated=True),
    VersionField("metrics", Role.REGISTERED, Search("metrics", "numeric"), keyed=True, gated=True),
    VersionField("params", Role.REGISTERED, Search("params", "param"), keyed=True, gated=True),
    VersionField("tags", Role.MUTABLE, Search("tags", "string", on_model=True), keyed=True, gated=True),
    VersionField("lineage", Role.REGISTERED, parts=("code_commit", "datasets", "parents"), gated=True),
    VersionField("created_at", Role.CREATED, Search("created_at", "timestamp", on_model=True)),
    VersionField("created_by", Role.CREATED, Search("created_by", "string", on_model=True)),
    VersionField("updated_at", Role.UPDATED, compared=False),  # says when it was last touched, not what it is
)

IMMUTABLE_AFTER_REGISTRATION: tuple[str, ...] = tuple(
    field.name for field in VERSION_FIELDS if field.immutable and field.role is not Role.IDENTITY
)
"""What modelreg never changes once a version exists (its name and number aside, which are its place)."""

GIVEN: tuple[str, ...] = tuple(field.name for field in VERSION_FIELDS if field.given)
"""What a registration sets; the rest is the version's place and its stamps."""

GATE_FIELDS: tuple[str, ...] = tuple(
    path for field in VERSION_FIELDS if field.gated and not field.keyed for path in field.paths
)
"""What a gate's `fields:` may name, besides the keys of the keyed fields (GATE_FIELD_PREFIXES)."""

GATE_FIELD_PREFIXES: tuple[str, ...] = tuple(f"{field.name}." for field in VERSION_FIELDS if field.gated and field.keyed)
