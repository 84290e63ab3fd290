"""Artifact stores: where the bytes behind versions live, content-addressed by sha256.

A store is named by a URL in modelreg.yaml (`artifacts: {store: URL, options: {...}}`); the URL's
scheme picks the plugin (modelreg_cli/plugins.py, group `modelreg.artifact_stores`): a plain path
or `file://` the local folder store, `s3://`, `gs://`, `az://` the fsspec store their extras
install (fsspec_store.py). Every store keeps an object under a key made of its sha256 only
(`<prefix>/sha256/<digest>`), so identical bytes are stored once, and never shows a partial
object under its final key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from modelreg_cli.store.artifacts import Progress

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")

OBJECTS = "sha256"
"""The folder of the store's prefix that holds its objects, one per digest."""


class ArtifactStore(Protocol):
    """What a backend must do. DIGEST is always 64 lowercase hex digits (a sha256). Every method
    raises a ModelregError (modelreg_cli.errors) saying what to do when the store cannot be used."""

    url: str
    """The store's URL as configured: `s3://bucket/prefix`, `/mnt/models`, ..."""

    remote: bool
    """Whether reaching it takes the network (`pull --offline` never uses a remote store)."""

    def __init__(self, url: str, options: Mapping[str, Any]) -> None: ...

    def exists(self, digest: str) -> bool:
        """Whether the object DIGEST is in the store."""

    def upload(self, digest: str, source: Path, progress: Progress | None = None) -> None:
        """Store the file SOURCE (whose sha256 is DIGEST) as object DIGEST, all or nothing."""

    def download(self, digest: str, target: Path, progress: Progress | None = None) -> None:
        """Write object DIGEST to the file TARGET (NotFoundError when it is not in the store)."""

    def open(self, digest: str) -> AbstractContextManager[BinaryIO]:
        """Object DIGEST to read as a stream (NotFoundError when it is not in the store)."""

    def object_url(self, digest: str) -> str:
        """The URL of object DIGEST, for any tool that reads the store's scheme."""

    def digests(self) -> Iterator[str]:
        """Every object in the store."""

    def delete(self, digest: str) -> None:
        """Remove object DIGEST (nothing when it is not there)."""

    def modified(self, digest: str) -> float | None:
        """When object DIGEST was written (POSIX time), None when the store cannot say. Optional:
        `artifacts gc` keeps recent objects (an upload whose commit is yet to come) when it can tell."""


def scheme_of(url: str) -> str:
    """The plugin name for URL: its scheme (`s3`), or `file` for a plain path."""
    found = _SCHEME.match(url)
    return found.group(1).lower() if found else "file"


def open_artifact_store(url: str, options: Mapping[str, Any] | None = None) -> ArtifactStore:
    """The store at URL, through the plugin its scheme names."""
    from modelreg_cli.plugins import ARTIFACT_STORES, load

    store_class = load(ARTIFACT_STORES, scheme_of(url))
    store: ArtifactStore = store_class(url, dict(options or {}))
    return store
