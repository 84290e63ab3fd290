"""The one place where errors become exit codes: `main` runs the whole dispatch inside it.

0 success; 1 a domain error (ModelregError: not found, conflict, policy refused, ...); 2 a usage
error (the command line itself, from modelreg or from typer's parser); 3 anything unexpected (a
bug); 130 interrupted (Ctrl-C). Every error is one line on stderr; `--debug` (or MODELREG_DEBUG=1)
adds the traceback. No command needs to remember anything for this to hold.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator

DEBUG_ENV = "MODELREG_DEBUG"


def _say(message: str) -> None:
    from modelreg_cli.cli.render.text import safe
    from modelreg_cli.store.credentials import redact

    # It may quote a user's value (never obeyed by the terminal) or a URL (no token in a CI log).
    sys.stderr.write(f"error: {safe(redact(message))}\n")
    sys.stderr.flush()


def _debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _is_parser_error(exc: BaseException) -> bool:
    # typer's own Click raises its ClickException family for usage errors; it is not importable publicly
    return hasattr(exc, "format_message") and hasattr(exc, "exit_code")


@contextlib.contextmanager
def error_boundary() -> Iterator[None]:
    """Run the dispatch; turn whatever escapes it into one line on stderr and an exit code."""
    from modelreg_cli.errors import ModelregError

    try:
        yield
    except ModelregError as exc:
        if _debugging():
            traceback.print_exc()
        _say(str(exc))
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        _say("interrupted")
        raise SystemExit(130) from None
    except SystemExit:
        raise
    except Exception as exc:
        if type(exc).__name__ == "Abort":  # typer's: a prompt got no answer (typer itself exits 130 on Ctrl-C)
            _say("aborted")
            raise SystemExit(1) from None
        if _is_parser_error(exc):
            if type(exc).__name__ != "NoArgsIsHelpError":  # help was already printed
                ctx = getattr(exc, "ctx", None)
                hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
                _say(f"{exc.format_message().rstrip('.')}{hint}")  # type: ignore[attr-defined]
            raise SystemExit(int(exc.exit_code)) from None  # type: ignore[attr-defined]
        if _debugging():
            traceback.print_exc()
        _say(f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for the traceback)")
        raise SystemExit(3) from None
