"""cli/boundary.py: every command's errors become one line on stderr and the right exit code,
without the command doing anything for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelreg_cli.cli.app import app
from modelreg_cli.errors import ConflictError, UsageError
from modelreg_cli.service import Registry

from conftest import Runner


def _raise(exc: BaseException) -> object:
    def broken(*args: object, **kwargs: object) -> object:
        raise exc

    return broken


@pytest.mark.parametrize(
    ("raised", "code", "stderr"),
    [
        (ConflictError("model 'x' already exists: choose another name"), 1,
         "error: model 'x' already exists: choose another name\n"),
        (UsageError("give exactly one of --stage or --alias"), 2, "error: give exactly one of --stage or --alias\n"),
        (KeyError("boom"), 3, "error: unexpected KeyError: 'boom' (rerun with --debug for the traceback)\n"),
        (KeyboardInterrupt(), 130, ""),  # as typer does: Ctrl-C is no error to explain
    ],
    ids=["domain", "usage", "bug", "interrupt"],
)
def test_errors_of_any_command_become_one_line_and_an_exit_code(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, raised: BaseException, code: int, stderr: str
) -> None:
    # read commands and write commands alike, with nothing in them about errors
    for method, argv in [("list_models", ["list"]), ("set_tag", ["tag", "set", "fraud", "team", "risk"])]:
        monkeypatch.setattr(Registry, method, _raise(raised))
        result = cli(*argv)
        assert (result.code, result.stdout, result.stderr) == (code, "", stderr)


def test_debug_adds_the_traceback(registry_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Registry, "list_models", _raise(KeyError("boom")))
    result = CliRunner().invoke(app, ["--debug", "--registry", str(registry_path), "list"])
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.endswith("error: unexpected KeyError: 'boom' (rerun with --debug for the traceback)\n")


def test_usage_errors_of_the_parser_are_one_line_with_exit_2(cli: Runner) -> None:
    result = cli("transition", "fraud")
    assert result.code == 2
    assert result.stderr == "error: Missing argument 'version' (see `modelreg transition --help`)\n"
