"""Registry URIs of the MLflow plugin, and what `Registry()` is opened with for each. Pure.

    modelreg:///abs/path/to/registry       a registry folder (its working tree: reads and writes)
    modelreg:                              the registry $MODELREG_REGISTRY names, else the one upward from the cwd
    modelreg+git+https://host/org/r.git    read-only, from git: the URL form of `--registry`
    modelreg+git+ssh://, modelreg+git+http://, modelreg+git+file://, modelreg+file://   likewise

A registry in a subfolder of a repository read by URL is named with a fragment, as with
`--registry`: `modelreg+git+https://host/org/repo.git#ml/registry`.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from modelreg_cli.errors import InvalidInputError

SCHEME = "modelreg"
URL_SCHEMES = ("modelreg+git+https", "modelreg+git+http", "modelreg+git+ssh", "modelreg+git+file", "modelreg+file")
"""The schemes of the read-only URL form (each an entry point of its own: MLflow picks a store by scheme)."""

_USAGE = "use modelreg:///absolute/path/to/registry, or modelreg+git+https://host/org/registry.git to read one from git"


def registry_location(uri: str) -> str | None:
    """What Registry() opens for URI: a folder, a registry URL (git+https://..., file://...), or None
    for the registry found from the environment."""
    scheme, sep, rest = uri.partition(":")
    if not sep:
        raise InvalidInputError(f"{uri!r} is not a modelreg registry URI: {_USAGE}")
    scheme = scheme.lower()
    if scheme in URL_SCHEMES:
        if not rest.startswith("//") or len(rest) <= 2:
            raise InvalidInputError(f"registry URI {uri!r} names no repository: {_USAGE}")
        return scheme[len(SCHEME) + 1:] + ":" + rest
    if scheme != SCHEME:
        raise InvalidInputError(f"{uri!r} is not a modelreg registry URI: {_USAGE}")
    parts = urlsplit(uri)
    if parts.netloc:
        raise InvalidInputError(f"registry URI {uri!r} names a host ({parts.netloc}): {_USAGE}")
    path = unquote(parts.path)
    if not path:
        return None
    if not path.startswith("/"):
        raise InvalidInputError(f"registry URI {uri!r} has a relative path: {_USAGE}")
    return path
