"""The local folder store: a folder on this machine or a mounted share (`/mnt/models`,
`file:///mnt/models`). Objects are files `<folder>/sha256/<digest>`, written to a temporary name
in the same folder and renamed, so an object is either whole or absent."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from modelreg_cli.errors import InvalidInputError, NotFoundError

OBJECTS = "sha256"


class LocalStore:
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

    def upload(self, digest: str, source: Path) -> None:
        target = self._path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{digest[:12]}.", suffix=".partial", dir=target.parent)
        try:
            with open(fd, "wb") as out, source.open("rb") as data:
                shutil.copyfileobj(data, out, 1 << 20)
            Path(temp).replace(target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def download(self, digest: str, target: Path) -> None:
        try:
            shutil.copyfile(self._path(digest), target)
        except FileNotFoundError:
            raise NotFoundError(f"object {digest} is missing from the artifact store {self.url}") from None

    def object_url(self, digest: str) -> str:
        return self._path(digest).resolve().as_uri()

    def digests(self) -> Iterator[str]:
        folder = self.root / OBJECTS
        if folder.is_dir():
            yield from sorted(path.name for path in folder.iterdir() if path.is_file() and not path.name.startswith("."))

    def delete(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)


def _folder_of(url: str) -> Path:
    if url.startswith("file://"):
        parsed = urlparse(url)
        if parsed.netloc not in ("", "localhost"):
            raise InvalidInputError(f"artifact store {url!r} names another host: use file:///path or a plain path")
        return Path(unquote(parsed.path))
    return Path(url).expanduser()
