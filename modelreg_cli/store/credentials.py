"""Credentials in URLs, kept out of every message: `https://user:TOKEN@host/...` is shown as
`https://user:***@host/...`, and a token given as the user of an https URL as `***`.

A leaf (it imports nothing from the package): store/git.py applies it to git's own words in every
error, store/remote.py and the registry's label to the URLs they name, and the CLI's error
boundary to everything it prints, so a token in a registry URL never reaches a CI log.
"""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/@\s:'\"]*)(?::(?P<secret>[^/@\s'\"]*))?@")
HIDDEN = "***"


def redact(text: str) -> str:
    """TEXT with the secret part of every URL's user information hidden. An ssh user (git@host)
    names an account, not a secret, and is kept; an http(s) user alone is often a token, and is not."""

    def hide(found: re.Match[str]) -> str:
        scheme, user, secret = found["scheme"], found["user"], found["secret"]
        if secret is not None:
            return f"{scheme}{user}:{HIDDEN}@"
        if "ssh" in scheme.lower():
            return found.group(0)
        return f"{scheme}{HIDDEN}@"

    return _USERINFO.sub(hide, text) if "@" in text else text
