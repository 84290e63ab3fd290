"""`modelreg sync`: bring a clone and its remote together."""

from __future__ import annotations

import typer

from modelreg_cli.cli.common import RegistryOption, open_registry


def sync(ctx: typer.Context, registry: RegistryOption = None) -> None:
    """Bring the clone and its remote together: fast-forward, push, or replay your registry commits.

    When both moved, each local registry commit is replayed as the operations it made on top of the
    remote's commits (a register takes the next free number there), then pushed."""
    done = open_registry(ctx, registry).sync()
    where = f"{done.remote}/{done.branch}"
    plural = "" if done.count == 1 else "s"
    messages = {
        "up-to-date": f"Already up to date with {where}",
        "fast-forward": f"Fast-forwarded to {where} ({done.count} new commit{plural})",
        "pushed": f"Pushed {done.count} commit{plural} to {where}",
        "replayed": f"Replayed {done.count} local commit{plural} on top of {where} and pushed them "
                    f"(the old ones are kept as refs/modelreg/sync-backup)",
    }
    typer.echo(messages[done.action])
