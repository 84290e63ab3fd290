"""Where the registry's files are read from: the working tree, or a git revision.

Reading goes through a Snapshot so every read-only operation works the same on the files on disk
and on the registry as it was at any commit (time travel, diffs, checks of a pull request).
Paths are relative to the registry root, with forward slashes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from modelreg_cli.core import layout
from modelreg_cli.errors import ManifestError
from modelreg_cli.store import fileio
from modelreg_cli.store.git import CatFile, run_git

IRREGULAR_MODES = {"120000": "a symbolic link", "160000": "a submodule"}
"""Git's modes of tree entries that are not plain files (a link's blob holds its target)."""


class Snapshot(Protocol):
    label: str
    """What the snapshot is, for messages: 'the working tree', 'revision 1a2b3c4'."""

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when there is no such file. ManifestError when it (or a
        folder on the way) is a symbolic link, a submodule or anything but a plain file."""

    def list_dir(self, path: str) -> list[tuple[str, bool]]:
        """(name, is_folder) of each entry of a folder; empty when there is no such folder.
        ManifestError when it (or a folder on the way) is a symbolic link."""

    def blob_id(self, path: str) -> str | None:
        """A content id of the file when cheaply known (git's blob id), for caches; else None."""

    def irregular(self) -> list[tuple[str, str]]:
        """(path, what it is) of every entry of the registry (modelreg.yaml, models/) that is not a
        plain file or folder: symbolic links, submodules, pipes. A registry holds none."""


def refusal(path: str, kind: str) -> ManifestError:
    """The error for reading (or writing) through a non-regular entry at PATH."""
    return ManifestError(path, f"is {kind}, not a file: a registry holds only plain files and folders (replace it "
                               "with the file itself)")


REGISTRY_ENTRIES = (layout.CONFIG_FILE, layout.MODELS_DIR)


class WorkingTree:
    """The files on disk. Nothing is read through a symbolic link (or from a pipe or device)."""

    label = "the working tree"

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, path: str) -> bytes | None:
        found = fileio.irregular_on_the_way(self.root, path)
        if found is not None:
            raise refusal(*found)
        try:
            return (self.root / path).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def list_dir(self, path: str) -> list[tuple[str, bool]]:
        found = fileio.irregular_on_the_way(self.root, path)
        if found is not None:
            raise refusal(*found)
        try:
            with os.scandir(self.root / path) as entries:
                return [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
        except (FileNotFoundError, NotADirectoryError):
            return []

    def irregular(self) -> list[tuple[str, str]]:
        return [found for entry in REGISTRY_ENTRIES for found in fileio.irregular_entries(self.root, entry)]

    def blob_id(self, path: str) -> str | None:
        return None


class GitTree:
    """The registry as it was at one commit, read from git's object database."""

    def __init__(self, toplevel: Path, commit: str, prefix: str) -> None:
        """PREFIX is the registry root relative to the repository top ('' at the top)."""
        self.toplevel = toplevel
        self.commit = commit
        self.prefix = prefix.strip("/")
        self.label = f"revision {commit[:12]}"
        self._files: dict[str, str] | None = None
        self._dirs: dict[str, set[tuple[str, bool]]] | None = None
        self._irregular: dict[str, str] = {}
        self._objects = CatFile(toplevel)  # one long-lived reader serves every read of the snapshot

    def _index(self) -> tuple[dict[str, str], dict[str, set[tuple[str, bool]]]]:
        if self._files is None or self._dirs is None:
            args = ["ls-tree", "-r", "-z", "--full-tree", self.commit]
            if self.prefix:
                args += ["--", self.prefix]
            out = run_git(self.toplevel, args)
            files: dict[str, str] = {}
            dirs: dict[str, set[tuple[str, bool]]] = {}
            cut = len(self.prefix) + 1 if self.prefix else 0
            for entry in out.split("\0"):
                if not entry:
                    continue
                meta, _, full = entry.partition("\t")
                mode, kind, oid = meta.split()[:3]
                path = full[cut:]
                irregular = IRREGULAR_MODES.get(mode, None if kind == "blob" else f"a git {kind}")
                if irregular is not None:
                    self._irregular[path] = irregular  # listed (as a file), never read
                else:
                    files[path] = oid
                parts = path.split("/")
                for depth in range(len(parts)):
                    parent = "/".join(parts[:depth])
                    dirs.setdefault(parent, set()).add((parts[depth], depth < len(parts) - 1))
            self._files, self._dirs = files, dirs
        return self._files, self._dirs

    def read(self, path: str) -> bytes | None:
        oid = self._index()[0].get(path)
        if oid is None:
            self._refuse_irregular(path)
            return None
        return self._objects.read_object(oid)

    def _refuse_irregular(self, path: str) -> None:
        on_the_way = next(((p, k) for p, k in self._irregular.items() if path == p or path.startswith(p + "/")), None)
        if on_the_way is not None:
            raise refusal(*on_the_way)

    def irregular(self) -> list[tuple[str, str]]:
        self._index()
        return sorted((path, kind) for path, kind in self._irregular.items()
                      if path in REGISTRY_ENTRIES or path.startswith(f"{layout.MODELS_DIR}/"))

    def list_dir(self, path: str) -> list[tuple[str, bool]]:
        found = self._index()[1].get(path.strip("/"))
        if found is None:
            self._refuse_irregular(path.strip("/"))
        return sorted(found or ())

    def blob_id(self, path: str) -> str | None:
        return self._index()[0].get(path)

    def close(self) -> None:
        self._objects.close()
