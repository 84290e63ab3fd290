"""Names MLflow accepts (spaces, non-ASCII, '/') register, list, resolve, log and check, from
percent-encoded folders; plain names keep the folder they always had."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Runner, git


def test_names_with_spaces_slashes_and_accents_round_trip(registry_path: Path, cli: Runner) -> None:
    names = ["fraud detector", "team/naïve 模型", "fraud-detector"]
    for name in names:
        assert cli("register", name, "s3://bucket/model.pkl").code == 0
    assert sorted(p.name for p in (registry_path / "models").iterdir() if not p.name.startswith(".")) == [
        "fraud%20detector", "fraud-detector", "team%2Fna%C3%AFve%20%E6%A8%A1%E5%9E%8B",
    ]
    listed = json.loads(cli("list", "--json").stdout)
    assert [model["name"] for model in listed] == sorted(names)
    assert cli("resolve", "models:/team/naïve 模型/1").stdout == "s3://bucket/model.pkl\n"
    assert cli("resolve", "models:/fraud detector@latest").stdout == "s3://bucket/model.pkl\n"
    assert cli("transition", "team/naïve 模型", "1", "Production").code == 0
    assert cli("rename", "fraud detector", "fraud détecteur").code == 0
    assert (registry_path / "models/fraud%20d%C3%A9tecteur/versions/1.yaml").is_file()
    log = json.loads(cli("log", "team/naïve 模型", "--json").stdout)
    assert [row["type"] for row in log] == ["stage_changed", "model_created", "version_registered"]
    assert cli("check").code == 0
    assert git(registry_path, "log", "-1", "--format=%s").strip() == "rename model fraud detector -> fraud détecteur"
