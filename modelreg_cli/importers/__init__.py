"""Importers: bring an existing registry (MLflow's, GTO's, ...) into modelreg, history and all.

An importer is a plugin (modelreg_cli/plugins.py, group `modelreg.importers`) named by the word
`modelreg import NAME` takes. It only reads the other registry and describes it as an `ImportPlan`:
each model and version with who made it and when, the stage history, the aliases. One applier in
the service layer (modelreg_cli/service/imports.py) turns a plan into commits through the same
rules as the CLI, with the original author and time, so an imported registry passes `modelreg
check`, and re-running an import adds only what is new.
"""

from __future__ import annotations

from typing import Any, Protocol

from modelreg_cli.core.imports import ImportedModel, ImportedVersion, ImportPlan, StageChange

__all__ = ["ImportPlan", "ImportedModel", "ImportedVersion", "Importer", "StageChange", "get_importer"]


class Importer(Protocol):
    name: str
    """The word after `modelreg import`."""
    summary: str
    """One line for `modelreg import --help`."""

    def read(self, source: str, options: dict[str, Any]) -> ImportPlan:
        """Describe the registry at SOURCE (a tracking URI, a repository path, ...)."""


def get_importer(name: str) -> Importer:
    """The importer plugin NAME (PluginError naming what to install when there is none)."""
    from modelreg_cli.plugins import IMPORTERS, load

    found = load(IMPORTERS, name)
    importer: Importer = found() if isinstance(found, type) else found
    return importer
