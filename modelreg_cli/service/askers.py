"""What the policy asks history, only when it needs to know: did a version hold a stage (or an
alias point at it) before? A version going back is a rollback, excused some rules (docs/policy.md)."""

from __future__ import annotations

from collections.abc import Callable

from modelreg_cli.core.names import canonical_stage
from modelreg_cli.store.files import RegistryStore


def stage_history(store: RegistryStore, stages: list[str], name: str) -> Callable[[int, str], bool]:
    """Asks STORE's history whether a version of model NAME held a stage (any case) before."""

    def ask(version: int, stage: str) -> bool:
        from modelreg_cli.store.audit import held_before

        return held_before(store, name, version, canonical_stage(stage, stages))

    return ask


def alias_history(store: RegistryStore, name: str, version: int, alias: str) -> Callable[[], bool]:
    """Asks STORE's history whether ALIAS of model NAME pointed at VERSION before."""

    def ask() -> bool:
        from modelreg_cli.store.audit import held_before

        return held_before(store, name, version, alias=alias)

    return ask
