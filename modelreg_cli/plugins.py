"""Extension points: artifact stores and importers, found through Python entry points.

A plugin is an entry point in one of the groups below, in any installed distribution. modelreg's
own are declared in its pyproject.toml exactly as a third party's would be:

    [project.entry-points."modelreg.artifact_stores"]
    file = "modelreg_cli.store.artifact_stores.local:LocalStore"

so replacing or adding one needs no change here. Looking one up reads the installed
distributions' metadata (tens of milliseconds), so it happens only when a command needs a
plugin, never at start-up. A leaf: it imports nothing from the package but its errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelreg_cli.errors import ModelregError


@dataclass(frozen=True)
class Group:
    """One extension point: its entry point group and what to tell a user whose plugin is missing."""

    name: str
    what: str
    """What a plugin of this group is, for messages: 'artifact store'."""
    extras: dict[str, str]
    """Plugin name -> the extra of modelreg that provides it (`pip install 'modelreg[EXTRA]'`)."""


ARTIFACT_STORES = Group("modelreg.artifact_stores", "artifact store",
                        {"s3": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure"})
"""Keyed by URL scheme (`file`, `s3`, ...); each names a class implementing
modelreg_cli.store.artifact_stores.ArtifactStore, called with (url, options)."""

IMPORTERS = Group("modelreg.importers", "importer", {"mlflow": "mlflow", "gto": "gto"})
"""Keyed by the name `modelreg import NAME` takes; each names an object implementing
modelreg_cli.importers.Importer."""


class PluginError(ModelregError):
    """A plugin that is not installed, or cannot be loaded."""


def names(group: Group) -> list[str]:
    """The names of the plugins installed in GROUP, sorted."""
    from importlib.metadata import entry_points

    return sorted({point.name for point in entry_points(group=group.name)})


def install_hint(group: Group, name: str) -> str:
    """What to run to get the plugin NAME of GROUP: `pip install 'modelreg[s3]'`, or what to look for."""
    extra = group.extras.get(name)
    return f"pip install 'modelreg[{extra}]'" if extra else f"install a package that provides the {name} {group.what}"


def load(group: Group, name: str) -> Any:
    """The object the plugin NAME of GROUP names (a class, usually); PluginError with what to
    install when there is none or it cannot be imported."""
    from importlib.metadata import entry_points

    found = [point for point in entry_points(group=group.name) if point.name == name]
    install = install_hint(group, name)
    if not found:
        known = ", ".join(names(group)) or "none"
        raise PluginError(f"no {group.what} named {name!r} is installed (installed: {known}): {install}")
    point = found[0]
    try:
        return point.load()
    except ImportError as exc:
        missing = f" ({exc.name} is missing)" if exc.name else ""
        raise PluginError(f"the {name} {group.what} cannot be loaded{missing}: {install}") from None
