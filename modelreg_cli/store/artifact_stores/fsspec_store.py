"""Object stores through fsspec: `s3://bucket/prefix` (s3fs), `gs://` (gcsfs), `az://` (adlfs).

Installed by the extras `modelreg[s3]`, `[gcs]` and `[azure]`, and found like any plugin (the
entry points in pyproject.toml); the plain CLI never imports this module. `artifacts.options` in
modelreg.yaml go to the backend as they are (`endpoint_url` for an S3-compatible server, ...);
credentials come from each backend's own chain (environment, profile, instance role) and never
from the file.

An object is uploaded straight to its final key: these stores make an object visible only once
its upload has completed (a single PUT, or a multipart upload's completion), so a failed upload
leaves nothing under the key.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import fsspec

from modelreg_cli.errors import InvalidInputError, ModelregError, NotFoundError
from modelreg_cli.plugins import ARTIFACT_STORES, PluginError, install_hint
from modelreg_cli.store.artifact_stores import OBJECTS, scheme_of
from modelreg_cli.store.artifacts import CHUNK, Progress


class StoreUnreachableError(ModelregError):
    """The store could not be reached, or refused the request."""


class FsspecStore:
    """A bucket (and prefix) of an object store, through the fsspec backend of its scheme."""

    remote = True
    library: ClassVar[str] = ""
    """The Python package of the backend (s3fs), to name in the message when it is missing."""
    credentials: ClassVar[str] = ""
    """Where this backend finds credentials, for the message when it finds none."""

    def __init__(self, url: str, options: Mapping[str, Any]) -> None:
        self.url = url.rstrip("/")
        self.scheme = scheme_of(url)
        self.root = self.url.split("://", 1)[1].strip("/")
        if not self.root:
            raise InvalidInputError(f"artifact store {url!r} names no bucket: use {self.scheme}://BUCKET/PREFIX")
        try:
            importlib.import_module(self.library)
        except ImportError:
            raise PluginError(f"the {self.scheme} artifact store needs {self.library}: "
                              f"{install_hint(ARTIFACT_STORES, self.scheme)}") from None
        with self._translated("open"):
            self.fs = fsspec.filesystem(self.scheme, skip_instance_cache=True, **dict(options))

    def _path(self, digest: str) -> str:
        return f"{self.root}/{OBJECTS}/{digest}"

    def exists(self, digest: str) -> bool:
        with self._translated("read"):
            self.fs.invalidate_cache(self._path(digest))
            return bool(self.fs.exists(self._path(digest)))

    def upload(self, digest: str, source: Path, progress: Progress | None = None) -> None:
        with self._translated("write"):
            self.fs.put_file(str(source), self._path(digest), callback=_Callback(progress))

    def download(self, digest: str, target: Path, progress: Progress | None = None) -> None:
        with self.open(digest) as data, target.open("wb") as out:
            while chunk := data.read(CHUNK):
                out.write(chunk)
                if progress is not None:
                    progress(len(chunk))

    def open(self, digest: str) -> contextlib.AbstractContextManager[BinaryIO]:
        return self.reading(f"{OBJECTS}/{digest}", f"object {digest} is missing from the artifact store {self.url}")

    @contextlib.contextmanager
    def reading(self, key: str, missing: str | None = None) -> Iterator[BinaryIO]:
        """The object at KEY under the store's root, as a stream; NotFoundError(MISSING) when absent."""
        path = f"{self.root}/{key}"
        missing = missing or f"{self.scheme}://{path} does not exist"
        with self._translated("read", missing):
            handle = self.fs.open(path, "rb", block_size=8 * CHUNK)
        with handle, self._translated("read", missing):
            yield handle

    def object_url(self, digest: str) -> str:
        return f"{self.scheme}://{self._path(digest)}"

    def digests(self) -> Iterator[str]:
        folder = f"{self.root}/{OBJECTS}"
        with self._translated("read"):
            self.fs.invalidate_cache(folder)
            found = self.fs.find(folder) if self.fs.exists(folder) else []
        yield from sorted(name for name in (str(path).rsplit("/", 1)[-1] for path in found) if not name.startswith("."))

    def delete(self, digest: str) -> None:
        with self._translated("write"):
            if self.fs.exists(self._path(digest)):
                self.fs.rm_file(self._path(digest))

    def modified(self, digest: str) -> float | None:
        with self._translated("read", f"object {digest} is missing from the artifact store {self.url}"):
            try:
                return float(self.fs.modified(self._path(digest)).timestamp())
            except NotImplementedError:
                return None

    @contextlib.contextmanager
    def _translated(self, doing: str, missing: str | None = None) -> Iterator[None]:
        """The backend's errors as one line saying what to do (its exception types are not imported:
        each backend has its own, named here by class)."""
        try:
            yield
        except ModelregError:
            raise
        except FileNotFoundError:
            if missing is None:
                raise StoreUnreachableError(f"the artifact store {self.url} does not exist (no such bucket): create "
                                            "it, or fix artifacts.store in modelreg.yaml") from None
            raise NotFoundError(missing) from None
        except Exception as exc:  # noqa: BLE001 - every backend error becomes a message
            raise self._explained(exc, doing) from exc

    def _explained(self, exc: Exception, doing: str) -> ModelregError:
        names = {kind.__name__ for kind in type(exc).__mro__}
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if names & {"NoCredentialsError", "PartialCredentialsError", "DefaultCredentialsError",
                    "ClientAuthenticationError", "CredentialUnavailableError"}:
            return StoreUnreachableError(f"no credentials for the artifact store {self.url}: {self.credentials} "
                                         "(credentials never go in modelreg.yaml)")
        if isinstance(exc, PermissionError) or (bool(names & {"AccessDenied", "HttpResponseError"}) and "403" in reason):
            return StoreUnreachableError(f"the artifact store {self.url} refused to {doing} ({reason}): check that "
                                         "your credentials may use it")
        if isinstance(exc, TypeError):
            return InvalidInputError(f"artifacts.options in modelreg.yaml do not suit the {self.scheme} store "
                                     f"({reason}): see the options of {self.library}")
        return StoreUnreachableError(f"cannot {doing} the artifact store {self.url} ({reason}): check that it is "
                                     "reachable and artifacts.store and options in modelreg.yaml")


class _Callback(fsspec.callbacks.Callback):  # type: ignore[misc]
    """fsspec's progress callback feeding modelreg's."""

    def __init__(self, progress: Progress | None) -> None:
        super().__init__()
        self._progress = progress

    def relative_update(self, inc: int = 1) -> None:
        super().relative_update(inc)
        if self._progress is not None and inc:
            self._progress(inc)


class S3Store(FsspecStore):
    library = "s3fs"
    credentials = ("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an instance "
                   "or task role applies")


class GCSStore(FsspecStore):
    library = "gcsfs"
    credentials = "set GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`"


class AzureStore(FsspecStore):
    library = "adlfs"
    credentials = ("set AZURE_STORAGE_ACCOUNT_NAME with AZURE_STORAGE_ACCOUNT_KEY or a service principal "
                   "(AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET), or `az login`")
