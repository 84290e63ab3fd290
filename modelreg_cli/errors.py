"""The errors a user can see.

Every layer raises these; only the CLI turns them into a message and an exit
code. Each message is one line that says what is wrong and what to do next.
"""

from __future__ import annotations


class ModelregError(Exception):
    """A domain error: exit code 1, one line on stderr."""

    exit_code = 1


class UsageError(ModelregError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = 2


class InvalidInputError(ModelregError):
    """A name, value or option is not acceptable."""


class NotFoundError(ModelregError):
    """A registry, model, version, alias or URI target does not exist."""


class ConflictError(ModelregError):
    """The change would break an invariant of the registry (exists already, stage held, ...)."""


class PolicyError(ModelregError):
    """The promotion policy in modelreg.yaml refuses the change, or a version does not qualify for it."""


class DirtyError(ModelregError):
    """The files a change would touch have uncommitted edits."""


class ManifestError(ModelregError):
    """A file of the registry cannot be read: it names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class GitError(ModelregError):
    """A git command failed; the message carries git's own words."""


class IntegrityError(ModelregError):
    """Bytes do not hash to the sha256 (or have not the size) the registry recorded for them."""
