"""Where each document lives, relative to the registry root. Part of the on-disk format.

A model's folder is its name, percent-encoded when the name is not a plain one (core/names.py:
`fraud detector` lives in `models/fraud%20detector/`); everything here takes and gives names.
"""

from __future__ import annotations

from modelreg_cli.core.names import is_number_text, model_folder, model_name_of_folder

CONFIG_FILE = "modelreg.yaml"
MODELS_DIR = "models"
MODEL_FILE = "model.yaml"
VERSIONS_DIR = "versions"


def model_dir(name: str) -> str:
    return f"{MODELS_DIR}/{model_folder(name)}"


def model_file(name: str) -> str:
    return f"{model_dir(name)}/{MODEL_FILE}"


def version_file(name: str, number: int) -> str:
    return f"{model_dir(name)}/{VERSIONS_DIR}/{number}.yaml"


def model_of_path(path: str) -> str | None:
    """The model whose folder holds PATH (models/<folder>/...), or None for any other path, a hidden
    folder, or a folder modelreg would not have named so."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != MODELS_DIR or parts[1].startswith("."):
        return None
    return model_name_of_folder(parts[1])


def version_number_of(filename: str) -> int | None:
    """The number in 'versions/12.yaml', or None for a file that is not a manifest."""
    stem, dot, ext = filename.rpartition(".")
    if not dot or ext != "yaml" or not is_number_text(stem) or stem != str(int(stem)):
        return None
    return int(stem)
