"""Which way a metric is better: the one rule `diff`'s deltas and the policy's not-worse gates share. Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from modelreg_cli.core.manifests import Policy

Direction = Literal["higher", "lower"]

# Metrics where a smaller number is the better model; every other metric is better when higher.
_LOWER_IS_BETTER = ("loss", "error", "err", "mae", "mse", "rmse", "mape", "smape", "wer", "cer", "latency",
                    "perplexity", "fpr", "fnr", "brier", "time", "duration", "size", "cost", "memory")


def guessed_direction(metric: str) -> Direction:
    """From the metric's name alone: lower for val_loss, rmse, p95_latency_ms and the like, else higher."""
    words = [word for word in metric.lower().replace("-", "_").replace(".", "_").replace("/", "_").split("_") if word]
    lower = any(word in _LOWER_IS_BETTER or word.endswith(("loss", "error")) for word in words)
    return "lower" if lower else "higher"


def declared_direction(metric: str, policy: Policy | None) -> Direction | None:
    """The direction a gate of POLICY declares for METRIC (`not_worse_than_current`), if any: the
    stages' gates first, in their order, then the protected aliases'."""
    if policy is None:
        return None
    for gate in (*policy.gates.values(), *policy.protected_aliases.values()):
        if metric in gate.not_worse_than_current:
            return gate.not_worse_than_current[metric]
    return None


def direction(metric: str, policy: Policy | None = None) -> Direction:
    """Which way METRIC is better: as the registry's policy declares it, else guessed from its name."""
    return declared_direction(metric, policy) or guessed_direction(metric)


Verdict = Literal["better", "worse", "same"]


def verdict(before: float, after: float, better: Direction) -> Verdict:
    """Whether AFTER is better than, worse than or the same as BEFORE, for a metric better when BETTER."""
    if after == before:
        return "same"
    return "better" if (after > before) == (better == "higher") else "worse"
