"""Reading an artifact where a reference's `source` says it is: a local path or file://, http(s)
(the standard library), or s3://, gs://, az:// (fsspec and the extra of that scheme)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from modelreg_cli.errors import InvalidInputError, ModelregError, NotFoundError
from modelreg_cli.store.artifact_stores import scheme_of
from modelreg_cli.store.artifacts import CHUNK, local_path

FSSPEC_SCHEMES = ("s3", "gs", "gcs", "az", "abfs")
READABLE = "a local path, file://, http(s)://, s3://, gs:// or az://"


def is_remote(url: str) -> bool:
    return local_path(url) is None


@contextlib.contextmanager
def open_url(url: str, options: Mapping[str, Any] | None = None, repo_root: Path | None = None) -> Iterator[BinaryIO]:
    """The bytes at URL as a stream. A relative path is relative to REPO_ROOT (as `register` stores
    paths inside the registry's repository). OPTIONS go to an fsspec backend."""
    path = local_path(url)
    if path is not None:
        if not path.is_absolute() and repo_root is not None:
            path = repo_root / path
        try:
            handle = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFoundError(f"{url} is not a file on this machine: pull it where it was registered, or "
                                "register it to the artifact store") from None
        with handle:
            yield handle
        return
    scheme = scheme_of(url)
    if scheme in ("http", "https"):
        with _http(url) as response:
            yield response
        return
    if scheme not in FSSPEC_SCHEMES:
        raise InvalidInputError(f"modelreg cannot read {url}: it reads {READABLE}")
    with _fsspec(url, scheme, options or {}) as remote:
        yield remote


@contextlib.contextmanager
def _http(url: str) -> Iterator[BinaryIO]:
    import urllib.error
    import urllib.request

    try:
        response = urllib.request.urlopen(url, timeout=60)  # noqa: S310 - the scheme is checked above
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise NotFoundError(f"{url} is not there (HTTP 404)") from None
        raise ModelregError(f"cannot download {url} (HTTP {exc.code} {exc.reason})") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ModelregError(f"cannot download {url} ({reason}): check that it is reachable") from None
    with response:
        yield response


@contextlib.contextmanager
def _fsspec(url: str, scheme: str, options: Mapping[str, Any]) -> Iterator[BinaryIO]:
    from modelreg_cli.plugins import ARTIFACT_STORES, load

    store_class = load(ARTIFACT_STORES, scheme)  # the same backend, its missing extra said the same way
    bucket, _, key = url.split("://", 1)[1].partition("/")
    store = store_class(f"{scheme}://{bucket}", options)
    with store.reading(key) as handle:
        yield handle


def copy_url(url: str, target: Path, options: Mapping[str, Any] | None = None, repo_root: Path | None = None) -> None:
    with open_url(url, options, repo_root) as data, target.open("wb") as out:
        shutil.copyfileobj(data, out, CHUNK)
