"""`modelreg import gto PATH`: read a GTO repository with GTO itself: its tags (`NAME@vX.Y.Z`
registrations, `NAME#stage#N` assignments) and artifacts.yaml. Versions come in semver order, the
semver kept as the tag `gto.version`; each assignment is a stage change at its tag's time; GTO's
stages join modelreg.yaml. Only reads; the applier (service/imports.py) commits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelreg_cli.errors import InvalidInputError
from modelreg_cli.importers import ImportedModel, ImportedVersion, ImportPlan, StageChange

SEMVER_TAG = "gto.version"


def _iso(moment: Any) -> str:
    from datetime import UTC

    return str(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def _semver_key(version: str) -> Any:
    import semver

    return semver.Version.parse(version.lstrip("v"))


class GtoImporter:
    name = "gto"
    summary = "Import artifacts, versions and stage assignments from a GTO repository's tags and artifacts.yaml"

    def read(self, source: str, options: dict[str, Any]) -> ImportPlan:
        from gto.api import _get_state, describe

        repo = Path(source).expanduser().resolve()
        if not (repo / ".git").exists():
            raise InvalidInputError(f"{repo} is not a git repository: give the path of a GTO repository")
        state = _get_state(str(repo))
        wanted = set(options.get("models") or ())
        plan = ImportPlan()
        for name, artifact in sorted(state.artifacts.items()):
            if wanted and name not in wanted:
                continue
            registered = sorted((v for v in artifact.versions if v.is_registered), key=lambda v: _semver_key(v.version))
            versions = []
            for number, version in enumerate(registered, start=1):
                try:
                    described = describe(str(repo), name, rev=version.commit_hexsha)
                except Exception:  # noqa: BLE001 - no artifacts.yaml at that commit
                    described = None
                path = getattr(described, "path", None) or ""
                stages = [StageChange(stage, _iso(event.created_at), event.author_email)
                          for stage, vstage in version.stages.items() for event in vstage.get_events()
                          if type(event).__name__ == "Assignment"]
                for stage in version.stages:
                    if stage not in plan.stages:
                        plan.stages.append(stage)
                versions.append(ImportedVersion(
                    number=number, source=(repo / path).as_uri() if path else repo.as_uri(),
                    created_at=_iso(version.created_at), created_by=version.author_email,
                    origin=f"gto {name}@{version.version}", description=getattr(described, "description", "") or "",
                    tags={SEMVER_TAG: version.version}, code_commit=version.commit_hexsha,
                    stages=sorted(stages, key=lambda change: change.at),
                ))
            if versions:
                plan.models.append(ImportedModel(name, versions[0].created_at, versions[0].created_by,
                                                 versions=versions))
        return plan
