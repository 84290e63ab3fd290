"""The local content-addressed cache of artifacts: `$XDG_CACHE_HOME/modelreg/artifacts/sha256/<digest>`.

An object enters the cache only once its bytes hash to its name: it is written to a temporary
file beside its final place, hashed, and renamed (or deleted when the digest differs), so the
cache never holds bad bytes under a digest, and a second pull of the same bytes needs no network.
Every copy out of the cache is hashed again as it is written: a cache file damaged on disk is
caught (and removed), so what a pull places is what the registry recorded, every time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

from modelreg_cli.errors import IntegrityError
from modelreg_cli.store.artifacts import hash_stream


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "modelreg" / "artifacts"


class ArtifactCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or cache_root()
        self.objects = self.root / "sha256"

    def path(self, digest: str) -> Path:
        return self.objects / digest

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def fill(self, digest: str, source: Callable[[], AbstractContextManager[BinaryIO]], what: str) -> Path:
        """Put object DIGEST in the cache from the stream SOURCE opens, hashed as it is written;
        IntegrityError (and nothing kept) when it does not hash to DIGEST. WHAT names where it came from."""
        self.objects.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{digest[:12]}.", suffix=".partial", dir=self.objects)
        temp = Path(name)
        try:
            with open(fd, "wb") as out, source() as data:
                found, _ = hash_stream(data, copy_to=out)
            if found != digest:
                raise IntegrityError(f"{what} hashes to {found}, not the {digest} the registry recorded: the bytes "
                                     "were changed or damaged; nothing was kept (run `modelreg verify` on the store)")
            temp.replace(self.path(digest))
        finally:
            temp.unlink(missing_ok=True)
        return self.path(digest)

    def copy_out(self, digest: str, target: Path) -> None:
        """Write cached object DIGEST to TARGET, hashing it on the way; a damaged cache file is
        removed and IntegrityError raised (TARGET is then removed too)."""
        with self.path(digest).open("rb") as data, target.open("wb") as out:
            found, _ = hash_stream(data, copy_to=out)
        if found != digest:
            self.path(digest).unlink(missing_ok=True)
            target.unlink(missing_ok=True)
            raise IntegrityError(f"the cached copy of {digest} was damaged on disk (it hashes to {found}): it was "
                                 "removed; pull again to fetch it anew")

    def read(self, digest: str) -> bytes:
        """A small cached object (a folder's listing), checked."""
        data = self.path(digest).read_bytes()
        import hashlib

        if hashlib.sha256(data).hexdigest() != digest:
            self.path(digest).unlink(missing_ok=True)
            raise IntegrityError(f"the cached copy of {digest} was damaged on disk: it was removed; pull again")
        return data

    def discard(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)
