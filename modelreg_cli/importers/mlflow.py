"""`modelreg import mlflow --tracking-uri URI`: read an MLflow registry through MLflow's own client
(a SQLite file, a tracking server, a Databricks workspace: whatever MlflowClient reaches), with each
version's run metrics and params. Only reads; the applier (service/imports.py) commits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelreg_cli.errors import InvalidInputError
from modelreg_cli.importers import ImportedModel, ImportedVersion, ImportPlan, StageChange

UNKNOWN_USER = "mlflow-import@localhost"
"""The author of what MLflow recorded no user for (its own stores leave user_id empty)."""


def iso(millis: int | None) -> str:
    moment = datetime.fromtimestamp((millis or 0) / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _source(source: str) -> str:
    """A local path is recorded as a file:// URI (modelreg reads no bytes of another registry)."""
    return Path(source).as_uri() if source.startswith("/") else source


class MlflowImporter:
    name = "mlflow"
    summary = "Import registered models, versions, stages, aliases and runs from an MLflow tracking/registry URI"

    def read(self, source: str, options: dict[str, Any]) -> ImportPlan:
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        client = MlflowClient(tracking_uri=source, registry_uri=source)
        wanted = set(options.get("models") or ())
        try:
            found = [model for model in _all(client.search_registered_models) if not wanted or model.name in wanted]
        except MlflowException as exc:
            raise InvalidInputError(f"cannot read the MLflow registry at {source}: {exc.message}") from None
        missing = wanted - {model.name for model in found}
        if missing:
            raise InvalidInputError(f"no registered model named {', '.join(sorted(missing))} in {source}")
        return ImportPlan([self._model(client, model) for model in found])

    def _model(self, client: Any, model: Any) -> ImportedModel:
        escaped = model.name.replace("'", "\\'")
        versions = [self._version(client, mv) for mv in _all(client.search_model_versions, f"name = '{escaped}'")]
        first = min(versions, key=lambda v: v.created_at) if versions else None
        return ImportedModel(
            name=model.name, created_at=iso(model.creation_timestamp),
            created_by=first.created_by if first else UNKNOWN_USER, description=model.description or "",
            tags=dict(model.tags), aliases={alias: int(number) for alias, number in model.aliases.items()},
            versions=versions,
        )

    def _version(self, client: Any, mv: Any) -> ImportedVersion:
        metrics: dict[str, float] = {}
        params: dict[str, str] = {}
        user = mv.user_id
        if mv.run_id:
            try:
                run = client.get_run(mv.run_id)
                metrics, params = dict(run.data.metrics), dict(run.data.params)
                user = user or run.info.user_id
            except Exception:  # noqa: BLE001 - a deleted run or another tracking server: the version still counts
                pass
        who = user if user and "@" in user else (f"{user}@mlflow" if user else UNKNOWN_USER)
        stages = [] if mv.current_stage in (None, "None") else [
            StageChange(mv.current_stage, iso(mv.last_updated_timestamp), who)]
        return ImportedVersion(
            number=int(mv.version), source=_source(mv.source), created_at=iso(mv.creation_timestamp), created_by=who,
            origin=f"mlflow models:/{mv.name}/{mv.version}", description=mv.description or "", run_id=mv.run_id or None,
            tags=dict(mv.tags), metrics=metrics, params=params, stages=stages,
        )


def _all(search: Any, filter_string: str | None = None) -> list[Any]:
    """Every page of an MLflow search."""
    items: list[Any] = []
    token = None
    while True:
        page = search(filter_string, max_results=100, page_token=token)
        items.extend(page)
        token = page.token
        if not token:
            return items
