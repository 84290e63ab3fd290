"""The main flows through the real installed `modelreg` entry point, as separate processes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from modelreg_cli.service import Registry

from conftest import SAMPLE_REGISTRY, Outcome, git, imported_after, subjects

Shell = Callable[..., Outcome]


def test_the_lifecycle_as_a_user_runs_it(tmp_path: Path, sh: Shell) -> None:
    assert sh("init", "reg").stdout == f"Initialized model registry in {tmp_path / 'reg'}\n"
    reg = tmp_path / "reg"
    artifact = tmp_path / "model.bin"
    artifact.write_bytes(b"\x00" * 4096)
    steps = [
        (["register", "fraud", "s3://m/1", "--metric", "auc=0.91"], "Registered fraud version 1\n"),
        (["register", "fraud", str(artifact), "--metric", "auc=0.94", "-m", "retrain"], "Registered fraud version 2\n"),
        (["transition", "fraud", "1", "Production"], "fraud version 1: None -> Production\n"),
        (["transition", "fraud", "2", "production", "--archive-existing"],
         "fraud version 2: None -> Production\nfraud version 1: Production -> Archived\n"),
        (["alias", "set", "fraud", "champion", "2"], "alias fraud@champion -> v2\n"),
        (["resolve", "models:/fraud@champion"], artifact.as_uri() + "\n"),
        (["resolve", "models:/fraud/Production"], artifact.as_uri() + "\n"),
        (["resolve", "models:/fraud/1"], "s3://m/1\n"),
    ]
    for args, expected in steps:
        result = sh(*args, cwd=reg)
        assert (result.code, result.stdout, result.stderr) == (0, expected, ""), args
    assert subjects(reg) == [
        "alias fraud@champion -> v2",
        "transition fraud v2: None -> Production; archive v1",
        "transition fraud v1: None -> Production",
        "register fraud v2",
        "register fraud v1",
        "init model registry",
    ]
    models = json.loads(sh("list", "--json", cwd=reg).stdout)
    assert [(m["name"], m["latest_version"], m["stages"], m["aliases"]) for m in models] == [
        ("fraud", 2, {"Production": [2], "Archived": [1]}, {"champion": 2})
    ]
    assert git(reg, "status", "--porcelain") == ""


def test_usage_and_domain_errors_from_a_real_process(registry_path: Path, sh: Shell) -> None:
    usage = sh("transition", "--registry", str(registry_path), "fraud")
    assert (usage.code, usage.stdout) == (2, "")
    assert usage.stderr == "error: Missing argument 'version' (see `modelreg transition --help`)\n"
    missing = sh("resolve", "models:/ghost/1", "--registry", str(registry_path))
    assert (missing.code, missing.stderr) == (1, "error: no model named 'ghost': `modelreg list` shows the models\n")


def test_python_dash_m_is_the_same_command(registry_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "modelreg_cli", "--registry", str(registry_path), "register", "fraud", "s3://x"],
        capture_output=True, text=True,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "Registered fraud version 1\n", "")


def test_version_flag(sh: Shell) -> None:
    from modelreg_cli import __version__

    assert sh("--version").stdout == f"modelreg {__version__}\n"


def test_the_sample_registry_reads_without_git(tmp_path: Path, sh: Shell) -> None:
    """sample-registry/ is valid as shipped: every model and version loads."""
    listing = sh("--registry", str(SAMPLE_REGISTRY), "list", "--json")
    assert listing.code == 0, listing.stderr
    models = json.loads(listing.stdout)
    assert len(models) >= 3
    for model in models:
        shown = json.loads(sh("--registry", str(SAMPLE_REGISTRY), "show", model["name"], "--json").stdout)
        assert len(shown["versions"]) >= 3
        assert sum(1 for v in shown["versions"] if v["stage"] == "Production") <= 1
        for alias, number in shown["aliases"].items():
            resolved = sh("-R", str(SAMPLE_REGISTRY), "resolve", f"models:/{model['name']}@{alias}", "--json")
            assert json.loads(resolved.stdout)["version"] == number


@pytest.mark.slow
def test_the_demo_script_runs_to_the_end(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parent.parent / "scripts" / "demo.sh"
    bin_dir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path),
           "GIT_CONFIG_NOSYSTEM": "1"}
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "$ modelreg list" in proc.stdout
    assert "(exit code 1)" in proc.stdout  # the refused promotion is shown, and the demo goes on
    sites = list(tmp_path.glob("modelreg-demo.*/site/index.html"))
    assert len(sites) == 1 and f"{sites[0]}   (or: modelreg site serve)" in proc.stdout
    assert "Built the site of 4 models and 17 versions (23 pages)" in proc.stdout


MODULES_NOT_FOR_HELP = ("pydantic", "yaml", "git", "gitdb", "modelreg_cli.service", "modelreg_cli.store", "jinja2",
                        "modelreg_cli.site", "mlflow", "gto", "sqlalchemy", "modelreg_cli.integrations",
                        "modelreg_cli.importers", "fsspec", "s3fs", "boto3", "botocore")


_imported_after = imported_after


def test_help_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    loaded = _imported_after(["--help"], tmp_path)
    assert "typer" in loaded
    assert not [m for m in MODULES_NOT_FOR_HELP if m in loaded]


def test_read_only_commands_do_not_load_git(registry_path: Path) -> None:
    git(registry_path, "status")  # the registry is a repository, yet reading it needs no git library
    loaded = _imported_after(["--registry", str(registry_path), "list"], registry_path)
    assert "modelreg_cli.service" in loaded
    assert not {"git", "gitdb", "jinja2", "mlflow", "gto", "sqlalchemy", "modelreg_cli.integrations"} & loaded


def test_plain_commands_do_not_load_the_site_renderer(registry_path: Path) -> None:
    Registry(registry_path).register("m", "s3://m/1")
    for args in (["list"], ["resolve", "models:/m/1"], ["site", "--help"], ["site", "build", "--help"]):
        loaded = _imported_after(["--registry", str(registry_path), *args], registry_path)
        assert not {"jinja2", "markupsafe", "modelreg_cli.site.build"} & loaded, args
