"""The service layer: the public Python API that the CLI and users' scripts share.

`Registry` (registry.py) offers every operation; sync.py replays local commits on a remote's
state for `sync`; askers.py answers the policy's questions about history.
"""

from modelreg_cli.service.registry import ChangeResult, Registry, RollbackResult, TransitionResult
from modelreg_cli.store.publish import Published, Synced

__all__ = ["ChangeResult", "Published", "Registry", "RollbackResult", "Synced", "TransitionResult"]
