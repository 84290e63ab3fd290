"""core/metrics.py: which way a metric is better, the one rule diff's deltas and the policy share."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelreg_cli.core.manifests import Gate, Policy
from modelreg_cli.core.metrics import direction, guessed_direction, verdict

from conftest import Runner, git


@pytest.mark.parametrize(("metric", "expected"), [
    ("auc", "higher"), ("accuracy", "higher"), ("macro_f1", "higher"), ("val_loss", "lower"), ("rmse", "lower"),
    ("p95_latency_ms", "lower"), ("logloss", "lower"), ("error-rate", "lower"), ("eval/mae", "lower"),
])
def test_the_direction_is_guessed_from_the_name(metric: str, expected: str) -> None:
    assert guessed_direction(metric) == expected


def test_a_direction_the_policy_declares_wins_over_the_guess() -> None:
    policy = Policy(gates={"Production": Gate(not_worse_than_current={"wape": "lower", "latency": "higher"})})
    assert guessed_direction("wape") == "higher"
    assert direction("wape", policy) == "lower"
    assert direction("latency", policy) == "higher"
    assert direction("latency") == "lower"


def test_verdicts() -> None:
    assert verdict(0.9, 0.93, "higher") == "better"
    assert verdict(0.9, 0.88, "higher") == "worse"
    assert verdict(0.3, 0.2, "lower") == "better"
    assert verdict(0.3, 0.3, "lower") == "same"


def test_diff_marks_deltas_the_way_the_policy_declares(registry_path: Path, cli: Runner) -> None:
    config = registry_path / "modelreg.yaml"
    config.write_text(config.read_text() + "policy:\n  gates:\n    Production:\n      not_worse_than_current:\n"
                      "        wape: lower\n")
    git(registry_path, "commit", "-qam", "declare how wape is judged")
    assert cli("register", "demand", "s3://d/1", "--metric", "wape=0.30").code == 0
    assert cli("transition", "demand", "1", "Production").code == 0
    assert cli("register", "demand", "s3://d/2", "--metric", "wape=0.25").code == 0
    assert cli("transition", "demand", "2", "Production", "--archive-existing").code == 0
    markdown = cli("diff", "HEAD~1", "HEAD", "--format", "markdown").stdout
    assert "| wape | 0.3 | 0.25 | 🟢 -0.05 |" in markdown
