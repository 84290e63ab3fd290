"""Importers: bring an existing registry (MLflow's, GTO's, ...) into modelreg, history and all.

An importer is a plugin (modelreg_cli/plugins.py, group `modelreg.importers`) named by the word
`modelreg import NAME` takes. It reads the other registry and says what happened there, in order,
as steps; modelreg makes each step a commit through the Python API, with the original author and
time, so an imported registry passes `modelreg check` like one made by the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from modelreg_cli.service import Registry


class Importer(Protocol):
    name: str
    """The word after `modelreg import`."""
    summary: str
    """One line for `modelreg import --help`."""

    def run(self, registry: Registry, source: str, options: dict[str, Any], dry_run: bool) -> list[str]:
        """Import from SOURCE (a tracking URI, a repository path, ...) into REGISTRY, only what is
        not imported yet; return one line per thing done (or, with DRY_RUN, that would be done)."""


def get_importer(name: str) -> Importer:
    """The importer plugin NAME (PluginError naming what to install when there is none)."""
    from modelreg_cli.plugins import IMPORTERS, load

    found = load(IMPORTERS, name)
    importer: Importer = found() if isinstance(found, type) else found
    return importer
