"""Every command and every option explains itself in --help."""

from __future__ import annotations

from typing import Any

import typer.main

from modelreg_cli.cli.app import app


def _commands(command: Any, path: str = "modelreg") -> list[tuple[str, Any]]:
    found = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found.extend(_commands(sub, f"{path} {name}"))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_the_expected_commands_exist() -> None:
    names = {path for path, _ in COMMANDS}
    for expected in ["init", "create", "register", "transition", "alias set", "alias delete", "tag set",
                     "tag delete", "describe", "delete", "rename", "list", "show", "versions", "resolve", "pull",
                     "verify", "artifacts gc"]:
        assert f"modelreg {expected}" in names


def test_every_command_has_help_text() -> None:
    missing = [path for path, command in COMMANDS if not (command.help or "").strip()]
    assert missing == []


def test_every_option_and_argument_has_help_text() -> None:
    missing = [
        f"{path} {param.name}"
        for path, command in COMMANDS
        for param in command.params
        if not (getattr(param, "help", None) or "").strip()
    ]
    assert missing == []


def test_write_commands_take_registry_and_message() -> None:
    writes = ["register", "transition", "alias set", "alias delete", "tag set", "tag delete", "describe",
              "delete", "rename"]
    by_path = dict(COMMANDS)
    for path in writes:
        options = {opt for param in by_path[f"modelreg {path}"].params for opt in getattr(param, "opts", [])}
        assert {"--registry", "--message"} <= options, path
