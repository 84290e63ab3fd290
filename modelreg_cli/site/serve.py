"""`modelreg site serve`: a built site served on 127.0.0.1 for a local look (never on other addresses)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from modelreg_cli.errors import InvalidInputError

HOST = "127.0.0.1"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass  # the terminal shows the URL, not one line per request


def open_server(folder: Path, port: int) -> ThreadingHTTPServer:
    """A server of FOLDER on 127.0.0.1:PORT (0: a free port), not yet serving."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    try:
        return ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise InvalidInputError(f"cannot listen on {HOST}:{port} ({exc.strerror or exc}): pass --port with another "
                                "port, or --port 0 for any free one") from None


def url_of(server: ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}/"
