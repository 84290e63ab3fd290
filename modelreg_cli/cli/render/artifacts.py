"""What pull, verify and `artifacts gc` say, in lines for people."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelreg_cli.service.artifacts import ArtifactCheck, Collected

_WORDS = {"ok": "ok", "missing": "MISSING", "mismatch": "MISMATCH", "unverifiable": "CANNOT VERIFY",
          "skipped": "skipped"}


def check_line(check: ArtifactCheck) -> str:
    """'models:/fraud/3: ok: object 1a2b… in s3://bucket/models matches sha256 1a2b…, 1,024 bytes'."""
    return f"{check.uri}: {_WORDS[check.status]}: {check.detail}"


def failure_summary(failed: list[ArtifactCheck]) -> str:
    count = len(failed)
    return (f"{count} artifact{'s' if count != 1 else ''} failed verification: restore "
            f"{'them' if count != 1 else 'it'} from a good copy (`modelreg register` uploads it again), or fix the store")


def collected_lines(done: Collected) -> list[str]:
    verb = "Would remove" if done.dry_run else "Removed"
    lines = [f"{verb} {digest}" for digest in done.removed]
    count = len(done.removed)
    line = f"{verb} {count} object{'s' if count != 1 else ''} from {done.store}; kept {done.kept:,} that versions use"
    if done.recent:
        line += f" and {done.recent:,} written too recently to tell (see --min-age)"
    lines.append(line)
    return lines
