"""Model URIs: models:/NAME/3, models:/NAME@ALIAS, models:/NAME/STAGE, models:/NAME/latest.

`models:/NAME@latest` is the highest version too, as in MLflow (`latest` can never be an alias). A
name may hold '/' (team/fraud): the selector is what follows the last '/' (or '@').
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from modelreg_cli.core.names import is_number_text
from modelreg_cli.errors import InvalidInputError

SCHEME = "models:/"

Kind = Literal["version", "alias", "stage", "latest"]


@dataclass(frozen=True)
class ModelURI:
    name: str
    kind: Kind
    value: str = ""

    def __str__(self) -> str:
        if self.kind == "alias":
            return f"{SCHEME}{self.name}@{self.value}"
        if self.kind == "latest":
            return f"{SCHEME}{self.name}/latest"
        return f"{SCHEME}{self.name}/{self.value}"


def is_model_uri(text: str) -> bool:
    return text.startswith(SCHEME)


def parse_model_uri(text: str) -> ModelURI:
    """Split a models:/ URI into the model name and what selects the version."""
    usage = "use models:/NAME/VERSION, models:/NAME@ALIAS, models:/NAME/STAGE or models:/NAME/latest"
    if not is_model_uri(text):
        raise InvalidInputError(f"{text!r} is not a model URI: {usage}")
    rest = text[len(SCHEME):]
    name, at, alias = rest.rpartition("@")
    if at and "/" not in alias:
        if not name or not alias:
            raise InvalidInputError(f"malformed model URI {text!r}: {usage}")
        if alias.lower() == "latest":
            return ModelURI(name, "latest")
        return ModelURI(name, "alias", alias)
    name, sep, selector = rest.rpartition("/")
    if not name or not sep or not selector:
        raise InvalidInputError(f"malformed model URI {text!r}: {usage}")
    if is_number_text(selector):
        return ModelURI(name, "version", str(int(selector)))
    if selector.lower() == "latest":
        return ModelURI(name, "latest")
    return ModelURI(name, "stage", selector)
