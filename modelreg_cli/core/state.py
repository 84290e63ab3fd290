"""One registered model with all its versions, as read from disk: what write operations work on."""

from __future__ import annotations

from dataclasses import dataclass, field

from modelreg_cli.core.manifests import ModelManifest, ModelVersion, RegisteredModel, VersionManifest
from modelreg_cli.core.names import canonical_stage
from modelreg_cli.core.uri import ModelURI
from modelreg_cli.errors import NotFoundError


@dataclass
class ModelState:
    model: ModelManifest
    versions: dict[int, VersionManifest] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.model.name

    def version(self, number: int) -> VersionManifest:
        try:
            return self.versions[number]
        except KeyError:
            raise NotFoundError(
                f"model {self.name!r} has no version {number}: {self._known_versions()}"
            ) from None

    def _known_versions(self) -> str:
        if not self.versions:
            return "it has no versions yet (run modelreg register)"
        return "its versions are " + ", ".join(str(n) for n in sorted(self.versions))

    def holders(self, stage: str) -> list[int]:
        """The versions in STAGE, lowest first."""
        return sorted(n for n, v in self.versions.items() if v.stage == stage)

    def latest_version(self) -> int | None:
        return max(self.versions) if self.versions else None

    def aliases_of(self, number: int) -> list[str]:
        return sorted(alias for alias, target in self.model.aliases.items() if target == number)

    def view_version(self, number: int) -> ModelVersion:
        manifest = self.version(number)
        return ModelVersion(**manifest.model_dump(), aliases=self.aliases_of(number))

    def view(self, stages: list[str], with_versions: bool = False, own_updated: bool = False) -> RegisteredModel:
        """The model as the API shows it; its updated_at is the last change to it or any of its
        versions, or with OWN_UPDATED model.yaml's own."""
        updated = max([self.model.updated_at, *([] if own_updated else (v.updated_at for v in self.versions.values()))])
        holders = {stage: self.holders(stage) for stage in stages}
        return RegisteredModel(
            name=self.name,
            description=self.model.description,
            tags=dict(self.model.tags),
            owners=list(self.model.owners),
            aliases=dict(sorted(self.model.aliases.items())),
            latest_version=self.latest_version(),
            last_version=self.model.last_version,
            stages={stage: numbers for stage, numbers in holders.items() if numbers},
            created_at=self.model.created_at,
            created_by=self.model.created_by,
            updated_at=updated,
            versions=[self.view_version(n) for n in sorted(self.versions)] if with_versions else None,
        )

    def select(self, uri: ModelURI, stages: list[str]) -> int:
        """The version number a URI points at in this model."""
        if uri.kind == "version":
            return self.version(int(uri.value)).version
        if uri.kind == "latest":
            latest = self.latest_version()
            if latest is None:
                raise NotFoundError(f"model {self.name!r} has no versions: nothing for {uri}")
            return latest
        if uri.kind == "alias":
            if uri.value not in self.model.aliases:
                known = ", ".join(sorted(self.model.aliases)) or "none"
                raise NotFoundError(f"model {self.name!r} has no alias {uri.value!r} (aliases: {known})")
            return self.model.aliases[uri.value]
        stage = canonical_stage(uri.value, stages)
        holders = self.holders(stage)
        if not holders:
            raise NotFoundError(f"model {self.name!r} has no version in stage {stage}")
        return holders[-1]
