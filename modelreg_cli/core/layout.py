"""Where each document lives, relative to the registry root. Part of the on-disk format."""

from __future__ import annotations

CONFIG_FILE = "modelreg.yaml"
MODELS_DIR = "models"
MODEL_FILE = "model.yaml"
VERSIONS_DIR = "versions"


def model_dir(name: str) -> str:
    return f"{MODELS_DIR}/{name}"


def model_file(name: str) -> str:
    return f"{MODELS_DIR}/{name}/{MODEL_FILE}"


def version_file(name: str, number: int) -> str:
    return f"{MODELS_DIR}/{name}/{VERSIONS_DIR}/{number}.yaml"


def version_number_of(filename: str) -> int | None:
    """The number in 'versions/12.yaml', or None for a file that is not a manifest."""
    stem, dot, ext = filename.rpartition(".")
    if not dot or ext != "yaml" or not stem.isdigit() or stem != str(int(stem)):
        return None
    return int(stem)
