"""modelreg: a model registry in a git repository.

    from modelreg_cli import Registry
    registry = Registry("path/to/registry")
    registry.register("fraud-detector", "s3://models/fraud/7", metrics={"auc": 0.93})
    registry.transition("fraud-detector", 7, "Production", archive_existing=True)
    registry.resolve("models:/fraud-detector/Production").source

The names are loaded on first use, so `import modelreg_cli` (and `modelreg --help`) stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelreg_cli.version import __version__

if TYPE_CHECKING:
    from modelreg_cli.core.manifests import ModelVersion, RegisteredModel
    from modelreg_cli.errors import ModelregError
    from modelreg_cli.service import ChangeResult, Registry, TransitionResult

__all__ = ["__version__", "ChangeResult", "ModelVersion", "ModelregError", "RegisteredModel", "Registry", "TransitionResult"]

_HOMES = {
    "Registry": "modelreg_cli.service",
    "ChangeResult": "modelreg_cli.service",
    "TransitionResult": "modelreg_cli.service",
    "ModelVersion": "modelreg_cli.core.manifests",
    "RegisteredModel": "modelreg_cli.core.manifests",
    "ModelregError": "modelreg_cli.errors",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'modelreg_cli' has no attribute {name!r}")
