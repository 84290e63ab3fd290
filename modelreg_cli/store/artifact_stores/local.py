"""The local folder store: a folder on this machine or a mounted share (`/mnt/models`,
`file:///mnt/models`). Objects are files `<folder>/sha256/<digest>`, written to a temporary name
in the same folder and renamed, so an object is either whole or absent."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlparse

from modelreg_cli.errors import InvalidInputError, NotFoundError
from modelreg_cli.store.artifact_stores import OBJECTS
from modelreg_cli.store.artifacts import CHUNK, Progress


class LocalStore:
    remote = False

    def __init__(self, url: str, options: Mapping[str, Any]) -> None:
        if options:
            raise InvalidInputError(f"the local artifact store takes no options (got {', '.join(sorted(options))}): "
                                    "remove artifacts.options from modelreg.yaml")
        self.url = url
        self.root = _folder_of(url)

    def _path(self, digest: str) -> Path:
        return self.root / OBJECTS / digest

    def exists(self, digest: str) -> bool:
        return self._path(digest).is_file()

    def upload(self, digest: str, source: Path, progress: Progress | None = None) -> None:
        target = self._path(digest)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{digest[:12]}.", suffix=".partial", dir=target.parent)
        except OSError as exc:
            raise InvalidInputError(f"cannot write to the artifact store {self.url} ({exc.strerror}): check "
                                    "artifacts.store in modelreg.yaml and that the folder is writable") from None
        try:
            with open(fd, "wb") as out, source.open("rb") as data:
                _copy(data, out, progress)
            Path(temp).replace(target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def download(self, digest: str, target: Path, progress: Progress | None = None) -> None:
        with self.open(digest) as data, target.open("wb") as out:
            _copy(data, out, progress)

    @contextlib.contextmanager
    def open(self, digest: str) -> Iterator[BinaryIO]:
        try:
            handle = self._path(digest).open("rb")
        except FileNotFoundError:
            raise NotFoundError(f"object {digest} is missing from the artifact store {self.url}") from None
        with handle:
            yield handle

    def object_url(self, digest: str) -> str:
        return self._path(digest).resolve().as_uri()

    def digests(self) -> Iterator[str]:
        folder = self.root / OBJECTS
        if folder.is_dir():
            yield from sorted(path.name for path in folder.iterdir() if path.is_file() and not path.name.startswith("."))

    def delete(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)

    def modified(self, digest: str) -> float | None:
        try:
            return self._path(digest).stat().st_mtime
        except FileNotFoundError:
            return None


def _copy(data: BinaryIO, out: BinaryIO, progress: Progress | None) -> None:
    if progress is None:
        shutil.copyfileobj(data, out, CHUNK)
        return
    while chunk := data.read(CHUNK):
        out.write(chunk)
        progress(len(chunk))


def _folder_of(url: str) -> Path:
    if url.startswith("file://"):
        parsed = urlparse(url)
        if parsed.netloc not in ("", "localhost"):
            raise InvalidInputError(f"artifact store {url!r} names another host: use file:///path or a plain path")
        return Path(unquote(parsed.path))
    return Path(os.path.expanduser(url))
