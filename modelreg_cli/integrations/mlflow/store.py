"""MLflow's model-registry `AbstractStore` on a modelreg registry: MLflow client code
(`MlflowClient`, `mlflow.register_model`, `mlflow.pyfunc.load_model("models:/NAME@ALIAS")`) reads and
writes a git registry; each write is one modelreg commit, exactly as from the CLI.

Every method goes through the `Registry` Python API and returns MLflow's own entities with MLflow's
field meanings (timestamps in ms, `status` READY, `user_id`, a missing description as None).
modelreg's errors become `MlflowException`s with MLflow's error codes; where modelreg is stricter
(one version in Production, the promotion policy) the exception says why and what to do.
Loaded by MLflow only (entry point group `mlflow.model_registry_store`), so it imports MLflow freely.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from mlflow.entities.model_registry import (
    ModelVersion,
    ModelVersionTag,
    RegisteredModel,
    RegisteredModelAlias,
    RegisteredModelTag,
)
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import (
    INTERNAL_ERROR,
    INVALID_PARAMETER_VALUE,
    INVALID_STATE,
    PERMISSION_DENIED,
    RESOURCE_ALREADY_EXISTS,
    RESOURCE_DOES_NOT_EXIST,
)
from mlflow.store.entities.paged_list import PagedList
from mlflow.store.model_registry import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD,
)
from mlflow.store.model_registry.abstract_store import AbstractStore

from modelreg_cli import errors
from modelreg_cli.core import manifests
from modelreg_cli.core.names import canonical_stage
from modelreg_cli.core.uri import ModelURI, is_model_uri, parse_model_uri
from modelreg_cli.integrations.mlflow.uri import registry_location
from modelreg_cli.service import Registry

MLFLOW_STAGES = ("None", "Staging", "Production", "Archived")
ACTIVE_STAGES = ("Staging", "Production")
"""The stages MLflow's archive_existing_versions may be used with."""
PROMPT_TAG = "mlflow.prompt.is_prompt"


# --------------------------------------------------------------------------- errors


@contextlib.contextmanager
def mlflow_errors(conflict: int = INVALID_STATE) -> Iterator[None]:
    """modelreg's errors as MlflowExceptions with MLflow's codes. CONFLICT: the code of a
    ConflictError here (RESOURCE_ALREADY_EXISTS where a name is taken)."""
    try:
        yield
    except MlflowException:
        raise
    except errors.NotFoundError as exc:
        raise MlflowException(str(exc), RESOURCE_DOES_NOT_EXIST) from None
    except errors.ConflictError as exc:
        raise MlflowException(str(exc), conflict) from None
    except (errors.InvalidInputError, errors.UsageError) as exc:
        raise MlflowException(str(exc), INVALID_PARAMETER_VALUE) from None
    except errors.PolicyError as exc:
        raise MlflowException(f"the registry's promotion policy (modelreg.yaml) refuses this: {exc}",
                              PERMISSION_DENIED) from None
    except errors.DirtyError as exc:
        raise MlflowException(str(exc), INVALID_STATE) from None
    except errors.ModelregError as exc:
        raise MlflowException(str(exc), INTERNAL_ERROR) from None


def _name(name: Any) -> str:
    if name is None or not str(name).strip():
        raise MlflowException("Missing value for required parameter 'name'.", INVALID_PARAMETER_VALUE)
    return str(name)


def _version(version: Any) -> int:
    try:
        number = int(version)
    except (TypeError, ValueError):
        raise MlflowException(f"Parameter 'version' must be an integer, got {version!r}.",
                              INVALID_PARAMETER_VALUE) from None
    if number < 1:
        raise MlflowException(f"Model version {version!r} does not exist: versions start at 1",
                              RESOURCE_DOES_NOT_EXIST)
    return number


def _key(key: Any) -> str:
    if key is None:
        raise MlflowException("Missing value for required parameter 'key'.", INVALID_PARAMETER_VALUE)
    return str(key)


def _max_results(max_results: Any, threshold: int) -> int:
    if not isinstance(max_results, int) or isinstance(max_results, bool) or max_results < 1:
        raise MlflowException(f"Invalid value for max_results. It must be a positive integer, but got {max_results}",
                              INVALID_PARAMETER_VALUE)
    if max_results > threshold:
        raise MlflowException("Invalid value for request parameter max_results. It must be at most "
                              f"{threshold}, but got value {max_results}", INVALID_PARAMETER_VALUE)
    return max_results


# --------------------------------------------------------------------------- entities


def millis(timestamp: str) -> int:
    """modelreg's ISO 8601 UTC timestamp as MLflow's milliseconds since the epoch."""
    return int(datetime.fromisoformat(timestamp).timestamp() * 1000)


def _text(value: str) -> str | None:
    return value or None


def to_model_version(version: manifests.ModelVersion) -> ModelVersion:
    return ModelVersion(
        name=version.name, version=version.version,  # type: ignore[arg-type]  # MLflow's own stores give an int
        creation_timestamp=millis(version.created_at), last_updated_timestamp=millis(version.updated_at),
        description=_text(version.description), user_id=version.created_by, current_stage=version.stage,
        source=version.source, run_id=version.run_id, status="READY",
        tags=[ModelVersionTag(key, value) for key, value in version.tags.items()],
        aliases=list(version.aliases),
    )


def latest_by_stage(versions: Sequence[manifests.ModelVersion]) -> list[manifests.ModelVersion]:
    """The highest version in each stage, stages in the order their first version reached them (as
    MLflow's stores list a model's latest_versions)."""
    latest: dict[str, manifests.ModelVersion] = {}
    for version in sorted(versions, key=lambda v: v.version):
        latest[version.stage] = version
    return list(latest.values())


def to_registered_model(model: manifests.RegisteredModel) -> RegisteredModel:
    """MODEL (with its versions) as MLflow's entity."""
    return RegisteredModel(
        name=model.name, creation_timestamp=millis(model.created_at), last_updated_timestamp=millis(model.updated_at),
        description=_text(model.description),
        latest_versions=[to_model_version(v) for v in latest_by_stage(model.versions or [])],
        tags=[RegisteredModelTag(key, value) for key, value in model.tags.items()],
        aliases=[RegisteredModelAlias(alias, number) for alias, number in model.aliases.items()],
    )


# --------------------------------------------------------------------------- the store


class ModelregStore(AbstractStore):  # type: ignore[misc]  # MLflow's classes are untyped
    """The registry STORE_URI names (modelreg:///path, modelreg+git+https://..., see uri.py)."""

    def __init__(self, store_uri: str | None = None, tracking_uri: str | None = None) -> None:
        super().__init__(store_uri, tracking_uri)
        self.store_uri = store_uri or "modelreg:"
        self.tracking_uri = tracking_uri
        with mlflow_errors():
            self._location = registry_location(self.store_uri)
        self._open()  # fail now, not on the first call, when the URI names no registry

    def _open(self) -> Registry:
        """The registry as it is now: opened for every call, since MLflow keeps one store per URI
        for the life of the process while others commit to the registry meanwhile."""
        with mlflow_errors():
            return Registry(self._location)

    # registered models -------------------------------------------------------------

    def _model(self, registry: Registry, name: str) -> RegisteredModel:
        with mlflow_errors():
            model = registry.get_model(name, with_versions=True, mlflow_semantics=True)
        return to_registered_model(model)

    def create_registered_model(self, name: str, tags: Sequence[RegisteredModelTag] | None = None,
                                description: str | None = None, deployment_job_id: str | None = None) -> RegisteredModel:
        registry = self._open()
        with mlflow_errors(conflict=RESOURCE_ALREADY_EXISTS):
            registry.create_model(_name(name), description or "", {_key(t.key): t.value for t in tags or []})
        return self._model(registry, name)

    def update_registered_model(self, name: str, description: str | None,
                                deployment_job_id: str | None = None) -> RegisteredModel:
        registry = self._open()
        with mlflow_errors():
            registry.describe(_name(name), description or "")
        return self._model(registry, name)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        if new_name is None or not str(new_name).strip():
            raise MlflowException("Missing value for required parameter 'new_name'.", INVALID_PARAMETER_VALUE)
        registry = self._open()
        with mlflow_errors(conflict=RESOURCE_ALREADY_EXISTS):
            registry.get_model(_name(name), with_versions=False)
            registry.rename(name, new_name)
        return self._model(registry, new_name)

    def delete_registered_model(self, name: str) -> None:
        with mlflow_errors():
            self._open().delete(_name(name))

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self._model(self._open(), _name(name))

    def search_registered_models(self, filter_string: str | None = None,
                                 max_results: int = SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
                                 order_by: Sequence[str] | None = None,
                                 page_token: str | None = None) -> PagedList[RegisteredModel]:
        registry = self._open()
        wanted = _max_results(max_results, SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD)
        with mlflow_errors():
            page = registry.search_models(_without_prompts(filter_string), list(order_by or []), wanted, page_token,
                                          mlflow_semantics=True)
        return PagedList([self._model(registry, model.name) for model in page.items], page.next_page_token)

    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]:
        registry = self._open()
        with mlflow_errors():
            versions = registry.versions(_name(name))
            wanted = {canonical_stage(stage, registry.config.stages) for stage in stages} if stages else None
        return [to_model_version(v) for v in latest_by_stage(versions) if wanted is None or v.stage in wanted]

    def set_registered_model_tag(self, name: str, tag: RegisteredModelTag) -> None:
        with mlflow_errors():
            self._open().set_tag(_name(name), _key(tag.key), _tag_value(tag.value))

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        registry = self._open()
        with mlflow_errors():
            model = registry.get_model(_name(name), with_versions=False)
            if _key(key) in model.tags:  # deleting a tag that is not there does nothing, as in MLflow
                registry.delete_tag(name, key)

    # model versions -----------------------------------------------------------------

    def create_model_version(self, name: str, source: str, run_id: str | None = None,
                             tags: Sequence[ModelVersionTag] | None = None, run_link: str | None = None,
                             description: str | None = None, local_model_path: str | None = None,
                             model_id: str | None = None) -> ModelVersion:
        registry = self._open()
        source, run_id = self._logged_model_source(source, run_id, model_id)
        with mlflow_errors():
            registry.get_model(_name(name), with_versions=False)  # MLflow: the model must exist
            created = registry.register(name, source, run_id=run_id or None, description=description or "",
                                        tags={_key(t.key): _tag_value(t.value) for t in tags or []})
        return self.get_model_version(name, created.version)

    def _logged_model_source(self, source: str, run_id: str | None, model_id: str | None) -> tuple[str, str | None]:
        """A logged model (MLflow 3: models:/m-..., or MODEL_ID) is registered with its artifact
        location and run, read from the tracking server, as MLflow's own stores do."""
        logged = model_id
        if logged is None and isinstance(source, str) and is_model_uri(source):
            rest = source[len("models:/"):]
            logged = rest if "/" not in rest and "@" not in rest and rest.startswith("m-") else None
        if logged is None:
            return source, run_id
        from mlflow.tracking import MlflowClient

        found = MlflowClient(tracking_uri=self.tracking_uri).get_logged_model(logged)
        location = found.artifact_location if is_model_uri(source) else source
        return location, run_id or found.source_run_id

    def update_model_version(self, name: str, version: str | int, description: str | None) -> ModelVersion:
        with mlflow_errors():
            self._open().describe(_name(name), description or "", version=_version(version))
        return self.get_model_version(name, version)

    def transition_model_version_stage(self, name: str, version: str | int, stage: str,
                                       archive_existing_versions: bool) -> ModelVersion:
        canonical = _mlflow_stage(stage)
        if archive_existing_versions and canonical not in ACTIVE_STAGES:
            raise MlflowException("Model version transition cannot archive existing model versions because "
                                  f"'{stage}' is not an Active stage. Valid stages are {list(ACTIVE_STAGES)}")
        registry = self._open()
        try:
            with mlflow_errors():
                registry.transition(_name(name), _version(version), canonical, archive_existing_versions,
                                    every_holder=True)
        except MlflowException as exc:
            if exc.error_code == "INVALID_STATE" and not archive_existing_versions:
                raise MlflowException(
                    f"{exc.message.split(': pass --archive-existing')[0]}: modelreg lets only one version hold it; "
                    "call transition_model_version_stage(..., archive_existing_versions=True) to move the "
                    "current holder to Archived", INVALID_STATE) from None
            raise
        return self.get_model_version(name, version)

    def delete_model_version(self, name: str, version: str | int) -> None:
        with mlflow_errors():
            self._open().delete(_name(name), version=_version(version))

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        with mlflow_errors():
            return to_model_version(self._open().get_version(_name(name), _version(version)))

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        registry = self._open()
        with mlflow_errors():
            found = registry.get_version(_name(name), _version(version))
            if is_model_uri(found.source):  # a copy registered from models:/NAME/N: where that one's bytes are
                origin = registry.resolve(found.source)
                return self.get_model_version_download_uri(origin.name, origin.version)
            return registry.download_uri(found)

    def search_model_versions(self, filter_string: str | None = None,
                              max_results: int = SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
                              order_by: Sequence[str] | None = None,
                              page_token: str | None = None) -> PagedList[ModelVersion]:
        wanted = _max_results(max_results, SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD)
        with mlflow_errors():
            page = self._open().search_versions(_without_prompts(filter_string), list(order_by or []), wanted,
                                                page_token, mlflow_semantics=True)
        return PagedList([to_model_version(version) for version in page.items], page.next_page_token)

    def set_model_version_tag(self, name: str, version: str | int, tag: ModelVersionTag) -> None:
        with mlflow_errors():
            self._open().set_tag(_name(name), _key(tag.key), _tag_value(tag.value), version=_version(version))

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        registry = self._open()
        with mlflow_errors():
            found = registry.get_version(_name(name), _version(version))
            if _key(key) in found.tags:
                registry.delete_tag(name, key, version=found.version)

    # aliases ---------------------------------------------------------------------------

    def set_registered_model_alias(self, name: str, alias: str, version: str | int) -> None:
        with mlflow_errors():
            self._open().set_alias(_name(name), _alias(alias), _version(version))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        registry = self._open()
        with mlflow_errors():
            model = registry.get_model(_name(name), with_versions=False)
            if _alias(alias, reserved_ok=True) in model.aliases:  # an alias that is not there: nothing to do
                registry.delete_alias(name, alias)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version ALIAS points at; `latest` (any case) is the highest version, as in MLflow."""
        registry = self._open()
        _alias(alias, reserved_ok=True)
        with mlflow_errors():
            if alias.lower() == "latest":
                return to_model_version(registry.resolve(ModelURI(_name(name), "latest")))
            model = registry.get_model(_name(name), with_versions=False)
            if alias not in model.aliases:  # MLflow's code for it: the alias is a bad parameter, not a resource
                known = ", ".join(sorted(model.aliases)) or "none"
                raise MlflowException(f"Registered model alias {alias} not found (aliases of {name!r}: {known}).",
                                      INVALID_PARAMETER_VALUE)
            return to_model_version(registry.resolve(ModelURI(name, "alias", alias)))

    def _await_model_version_creation(self, mv: ModelVersion, await_creation_for: int) -> None:
        """A version is READY once its commit is made: nothing to wait for."""

    def copy_model_version(self, src_mv: ModelVersion, dst_name: str) -> ModelVersion:
        """SRC_MV registered again as the next version of DST_NAME (created when missing): the same
        artifact, run, tags and description, its lineage pointing at the original."""
        registry = self._open()
        with mlflow_errors():
            copied = registry.copy_version(parse_model_uri(f"models:/{src_mv.name}/{src_mv.version}"), _name(dst_name))
        return self.get_model_version(copied.name, copied.version)


def _mlflow_stage(stage: str) -> str:
    for known in MLFLOW_STAGES:
        if str(stage).lower() == known.lower():
            return known
    raise MlflowException(f"Invalid Model Version stage: {stage}. Value must be one of {', '.join(MLFLOW_STAGES)}.",
                          INVALID_PARAMETER_VALUE)


def _alias(alias: Any, reserved_ok: bool = False) -> str:
    if alias is None or alias == "":
        raise MlflowException("Registered model alias name cannot be empty.", INVALID_PARAMETER_VALUE)
    if not reserved_ok and str(alias).lower() == "latest":
        raise MlflowException("'latest' alias name (case insensitive) is reserved.", INVALID_PARAMETER_VALUE)
    return str(alias)


def _tag_value(value: Any) -> str:
    if value is None:
        raise MlflowException("Tag value cannot be None", INVALID_PARAMETER_VALUE)
    return str(value)


_NOT_A_PROMPT = re.compile(
    r"""tags?\.[`"]?mlflow\.prompt\.is_prompt[`"]?\s*(?:!=\s*(['"])true\1|=\s*(['"])false\2)""", re.IGNORECASE)


def _without_prompts(filter_string: str | None) -> str | None:
    """As MLflow's stores: a search leaves out prompts (models tagged mlflow.prompt.is_prompt = 'true')
    unless its filter asks about that tag; and `... is_prompt != 'true'` (or `= 'false'`), which the
    MLflow client adds to every search, matches the models that lack the tag."""
    text = filter_string or ""
    if PROMPT_TAG not in text:
        exclusion = f"NOT tags.`{PROMPT_TAG}` = 'true'"
        return f"({text}) AND {exclusion}" if text.strip() else exclusion
    return _NOT_A_PROMPT.sub(f"NOT tags.`{PROMPT_TAG}` = 'true'", text)
