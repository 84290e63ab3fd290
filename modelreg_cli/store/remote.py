"""Reading a registry straight from its git URL, for deploy jobs with no checkout.

`--registry git+https://host/org/registry.git` (also `git+ssh://`, `git+file://`, `file://`)
keeps a bare mirror of the repository in the user's cache folder, fetches it on each use (unless
offline), and reads the registry from the remote's default branch through git's object database:
no working tree, read-only. A registry in a subfolder of the repository is named with a fragment:
`git+https://host/org/repo.git#ml/registry`.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from modelreg_cli.errors import GitError, InvalidInputError, NotFoundError
from modelreg_cli.store import fileio
from modelreg_cli.store.credentials import redact
from modelreg_cli.store.git import run_git

_URL = re.compile(r"(git\+[a-z]+://|file://)", re.IGNORECASE)


@dataclass(frozen=True)
class RegistryURL:
    url: str
    """What git clones: the text without git+ and without the #fragment."""
    subfolder: str
    """The registry's folder inside the repository ('' at its top)."""

    @property
    def shown(self) -> str:
        """The URL as messages name it: any token or password in it hidden."""
        return redact(self.url)


def is_registry_url(text: str | os.PathLike[str]) -> bool:
    return isinstance(text, str) and bool(_URL.match(text))


def parse_registry_url(text: str) -> RegistryURL:
    location, _, fragment = text.partition("#")
    url = location[len("git+"):] if location.lower().startswith("git+") else location
    subfolder = fragment.removeprefix("subdirectory=").strip("/")
    if not url or url.endswith("://"):
        raise InvalidInputError(f"registry URL {redact(text)!r} names no repository: use git+https://host/org/registry.git")
    if ".." in subfolder.split("/"):
        raise InvalidInputError(f"registry URL {redact(text)!r}: the #folder may not contain '..'")
    return RegistryURL(url, subfolder)


def cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "modelreg" / "registries"


def mirror_of(url: RegistryURL) -> Path:
    """The bare mirror of URL in the cache: one folder per repository, named so people can tell them apart."""
    digest = hashlib.sha256(url.url.encode()).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", url.url.rstrip("/").rsplit("/", 1)[-1])[:40] or "registry"
    return cache_home() / f"{slug}-{digest}"


def update_mirror(url: RegistryURL, offline: bool) -> Path:
    """Clone or fetch the mirror (unless OFFLINE) and return its path."""
    mirror = mirror_of(url)
    if not (mirror / "HEAD").exists():
        if offline:
            raise NotFoundError(
                f"no cached copy of {url.shown} yet: run once without --offline to fetch it"
            )
        mirror.parent.mkdir(parents=True, exist_ok=True)
        partial = mirror.with_name(mirror.name + f".partial-{os.getpid()}")
        try:
            run_git(mirror.parent, ["clone", "--quiet", "--mirror", "--", url.url, str(partial)])
        except GitError as exc:
            raise GitError(f"cannot fetch the registry from {url.shown}: {exc}") from None
        try:
            partial.rename(mirror)
        except OSError:
            fileio.remove_tree(partial)  # another process made the mirror meanwhile: use theirs
        return mirror
    if not offline:
        try:
            run_git(mirror, ["fetch", "--quiet", "--prune", "origin"])
        except GitError as exc:
            raise GitError(
                f"cannot fetch the registry from {url.shown} ({exc}): pass --offline to use the cached copy"
            ) from None
    return mirror
