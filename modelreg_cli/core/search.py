"""Searching the registry: the entities the filter language sees, and paging through the result.

Pure: the store hands over every model's documents as validated dicts (ModelDocuments), and this
module filters, orders and cuts them into pages with core/filter.py. Only the items of the page
become pydantic objects, so a search over 100,000 versions builds a hundred of them, not 100,000.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from modelreg_cli.core.filter import (
    MODELREG_ORDERING,
    FilterError,
    Ordering,
    Target,
    parse_filter,
    parse_order_by,
    sort_entities,
)
from modelreg_cli.core.manifests import Artifact, Lineage, ModelManifest, RegisteredModel, VersionManifest
from modelreg_cli.core.state import ModelState
from modelreg_cli.errors import InvalidInputError

T = TypeVar("T")
Document = dict[str, Any]

DEFAULT_MAX_RESULTS = 100


@dataclass
class ModelDocuments:
    """One model as validated documents: model.yaml and each versions/<n>.yaml as
    `model_dump(mode="json")` dicts. Treat them as read-only: they may be shared with a cache."""

    name: str
    model: Document
    versions: dict[int, Document] = field(default_factory=dict)

    def aliases(self) -> dict[int, list[str]]:
        """Version number -> the aliases pointing at it, sorted."""
        by_version: dict[int, list[str]] = {}
        for alias, number in sorted(self.model.get("aliases", {}).items()):
            by_version.setdefault(number, []).append(alias)
        return by_version

    def state(self) -> ModelState:
        """The ModelState of these documents, without validating them again (they were validated
        when they were parsed)."""
        state = ModelState(ModelManifest.model_construct(**self.model))
        for number, document in self.versions.items():
            state.versions[number] = construct_version(document)
        return state


def construct_version(document: Mapping[str, Any]) -> VersionManifest:
    """A VersionManifest from its validated dict; the nested documents are built too."""
    fields = dict(document)
    fields["lineage"] = Lineage.model_construct(**fields["lineage"])
    if fields.get("artifact") is not None:
        fields["artifact"] = Artifact.model_construct(**fields["artifact"])
    return VersionManifest.model_construct(**fields)


def registered_model(documents: ModelDocuments, stages: Sequence[str]) -> RegisteredModel:
    """The model as `list` and `search` show it (no versions list): ModelState.view, from dicts."""
    model, versions = documents.model, documents.versions
    holders = {stage: sorted(n for n, version in versions.items() if version["stage"] == stage) for stage in stages}
    return RegisteredModel(
        name=model["name"], description=model["description"], tags=dict(model["tags"]), owners=list(model["owners"]),
        aliases=dict(sorted(model["aliases"].items())), latest_version=max(versions) if versions else None,
        last_version=model["last_version"], stages={stage: numbers for stage, numbers in holders.items() if numbers},
        created_at=model["created_at"], created_by=model["created_by"],
        updated_at=max([model["updated_at"], *(version["updated_at"] for version in versions.values())]),
    )


# --------------------------------------------------------------------------- entities


def version_entities(documents: ModelDocuments) -> list[Document]:
    """The versions as the filter sees them: ModelVersion.model_dump(mode="json") in shape."""
    aliases = documents.aliases()
    entities = []
    for number in sorted(documents.versions):
        document = documents.versions[number]
        # A version without aliases is its document as is: the filter reads `aliases` with .get().
        entities.append({**document, "aliases": aliases[number]} if number in aliases else document)
    return entities


def model_entity(documents: ModelDocuments, own_updated: bool = False) -> Document:
    """The model as the filter sees it: its own fields, and every version under `versions`.
    Its `updated_at` is the last change to the model or any of its versions, as RegisteredModel
    shows it; with OWN_UPDATED, model.yaml's own (MLflow's last_updated_timestamp of a model)."""
    model = documents.model
    versions = version_entities(documents)
    updated = model["updated_at"] if own_updated else max([model["updated_at"], *(v["updated_at"] for v in versions)])
    return {
        "name": model["name"], "description": model["description"], "tags": model["tags"],
        "owners": model["owners"], "created_at": model["created_at"], "created_by": model["created_by"],
        "updated_at": updated, "versions": versions,
    }


# --------------------------------------------------------------------------- paging


@dataclass(frozen=True)
class SearchPage(Generic[T]):
    """One page of a search: `next_page_token` fetches the next one, None on the last page."""

    items: list[T]
    next_page_token: str | None


@dataclass(frozen=True)
class Query:
    """What a page token belongs to: the result it walks through."""

    target: Target
    filter_text: str
    order_by: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        """The target, filter and order, hashed (the page size may change from page to page)."""
        text = json.dumps([self.target, self.filter_text, list(self.order_by)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def search(
    entities: Sequence[Document],
    target: Target,
    filter_text: str | None,
    order_by: Sequence[str],
    max_results: int,
    page_token: str | None,
    ordering: Ordering = MODELREG_ORDERING,
) -> SearchPage[Document]:
    """The page of ENTITIES matching FILTER_TEXT, in ORDER_BY order (ORDERING: the default order
    and tie-breakers); errors are InvalidInputError."""
    order = tuple(order_by)
    if max_results < 1:
        raise InvalidInputError(f"max_results must be at least 1, not {max_results}")
    try:
        parsed = parse_filter(filter_text, target)
        keys = parse_order_by(order, target)
    except FilterError as error:
        prefix = "" if str(error).startswith("order_by") else "filter: "
        raise InvalidInputError(f"{prefix}{error}") from None
    query = Query(target, filter_text or "", order)
    offset = decode_page_token(page_token, query) if page_token else 0
    matched = [entity for entity in entities if parsed.matches(entity)]
    ordered = sort_entities(matched, keys, target, ordering)
    end = offset + max_results
    token = encode_page_token(end, query) if end < len(ordered) else None
    return SearchPage(ordered[offset:end], token)


def encode_page_token(offset: int, query: Query) -> str:
    """An opaque token: urlsafe base64 of the offset and the query's fingerprint."""
    text = json.dumps({"offset": offset, "query": query.fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_page_token(token: str, query: Query) -> int:
    """The offset a token from encode_page_token holds, if it was made for this query."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        offset, fingerprint = data["offset"], data["query"]
    except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error):
        raise InvalidInputError(
            f"page token {token!r} is not valid: pass the next_page_token of the previous page as it was printed"
        ) from None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0 or fingerprint != query.fingerprint:
        raise InvalidInputError(
            "page token was made for another search: repeat the same filter, order and target "
            "(models or --versions) as the page it came from, or start again without a page token"
        )
    return offset
