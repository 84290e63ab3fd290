"""The artifact store on a real S3 API: moto's standalone server on 127.0.0.1, started by the tests
(conftest: moto_endpoint, s3) and reached through the s3 extra (s3fs), as a team's bucket would be."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from modelreg_cli.service import Registry
from modelreg_cli.store.artifact_cache import cache_root

from conftest import S3, Outcome, Runner, _free_port, git, snapshot, subjects

pytestmark = pytest.mark.slow


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def registry_path(tmp_path: Path, s3: S3) -> Path:
    root = tmp_path / "registry"
    Registry.init(root, store=f"s3://{s3.bucket}/models", store_options={"endpoint_url": s3.endpoint})
    return root


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def folder_of(tmp_path: Path, part2: bytes = b"2" * 300) -> Path:
    folder = tmp_path / "train" / "bert"
    write(folder / "config.json", b"{}")
    write(folder / "weights" / "part1.bin", b"1" * 300)
    write(folder / "weights" / "part2.bin", part2)
    return folder


def test_register_in_one_clone_and_pull_in_another_with_the_real_entry_point(
        tmp_path: Path, s3: S3, sh: Callable[..., Outcome]) -> None:
    result = sh("init", "registry", "--store", f"s3://{s3.bucket}/models", "--store-option", f"endpoint_url={s3.endpoint}")
    assert result.code == 0, result.stderr
    registry = tmp_path / "registry"
    model = write(tmp_path / "train" / "model.pkl", pickle.dumps({"weights": [0.5, 0.25], "bias": 1.0}))
    folder = folder_of(tmp_path)
    assert sh("register", "fraud", str(model), "--alias", "champion", cwd=registry).code == 0
    assert sh("register", "bert", str(folder), cwd=registry).code == 0
    digest = sha(model.read_bytes())
    manifest = yaml.safe_load((registry / "models/fraud/versions/1.yaml").read_text())
    assert manifest["source"] == f"s3://{s3.bucket}/models/sha256/{digest}"
    listing = yaml.safe_load((registry / "models/bert/versions/1.yaml").read_text())["artifact"]["sha256"]
    assert s3.keys() == sorted(f"models/sha256/{key}" for key in
                               (digest, listing, sha(b"{}"), sha(b"1" * 300), sha(b"2" * 300)))

    clone = tmp_path / "deploy"
    git(tmp_path, "clone", "-q", str(registry), str(clone))
    pulled = sh("pull", "models:/fraud@champion", "-o", str(tmp_path / "serving"), cwd=clone)
    assert pulled.code == 0, pulled.stderr
    assert pulled.stdout == f"{tmp_path / 'serving' / 'model.pkl'}\n"
    assert pickle.loads(Path(pulled.stdout.strip()).read_bytes()) == {"weights": [0.5, 0.25], "bias": 1.0}  # noqa: S301
    pulled = sh("pull", "models:/bert/1", "-o", str(tmp_path / "bert"), "--json", cwd=clone)
    assert json.loads(pulled.stdout)["from"] == "store"
    assert (tmp_path / "bert" / "weights" / "part2.bin").read_bytes() == b"2" * 300
    checked = sh("verify", cwd=clone)
    assert checked.code == 0, checked.stdout + checked.stderr
    assert [line.split(": ")[1] for line in checked.stdout.splitlines()] == ["ok", "ok"]


def test_dedup_and_one_changed_file_on_s3(registry_path: Path, tmp_path: Path, s3: S3, cli: Runner) -> None:
    model = write(tmp_path / "model.pkl", b"weights")
    assert cli("register", "fraud", str(model)).code == 0
    before = s3.keys()
    assert cli("register", "fraud", str(model)).code == 0
    assert s3.keys() == before  # the second identical upload adds no object
    folder = folder_of(tmp_path)
    assert cli("register", "bert", str(folder)).code == 0
    with_folder = set(s3.keys())
    write(folder / "weights" / "part2.bin", b"changed" * 10)
    result = cli("register", "bert", str(folder), "--json")
    listing = json.loads(result.stdout)["artifact"]["sha256"]
    assert set(s3.keys()) - with_folder == {f"models/sha256/{sha(b'changed' * 10)}", f"models/sha256/{listing}"}


def test_a_damaged_object_on_s3_fails_pull_and_verify(registry_path: Path, tmp_path: Path, s3: S3,
                                                      cli: Runner) -> None:
    model = write(tmp_path / "model.pkl", b"good weights")
    cli("register", "fraud", str(model))
    digest = sha(b"good weights")
    s3.client.put_object(Bucket=s3.bucket, Key=f"models/sha256/{digest}", Body=b"evil weights")  # type: ignore[attr-defined]
    result = cli("pull", "models:/fraud/1", "-o", str(tmp_path / "deploy"))
    assert result.code == 1
    assert result.stderr.startswith(f"error: object {digest} of the artifact store s3://{s3.bucket}/models hashes to "
                                    f"{sha(b'evil weights')}, not the {digest} the registry recorded")
    assert not (tmp_path / "deploy").exists()
    assert not (cache_root() / "sha256" / digest).exists()
    result = cli("verify", "models:/fraud/1")
    assert result.code == 1
    assert result.stdout == (f"models:/fraud/1: MISMATCH: object {digest[:12]}… in s3://{s3.bucket}/models hashes to "
                             f"{sha(b'evil weights')}, not the recorded {digest}\n")


def test_an_unreachable_store_commits_nothing(registry_path: Path, tmp_path: Path, cli: Runner, s3: S3) -> None:
    config = registry_path / "modelreg.yaml"
    dead = f"http://127.0.0.1:{_free_port()}"
    config.write_text(config.read_text().replace(s3.endpoint, dead))
    git(registry_path, "commit", "-qam", "a store nobody serves")
    before = snapshot(registry_path)
    result = cli("register", "fraud", str(write(tmp_path / "model.pkl", b"w")))
    assert result.code == 1
    assert result.stderr.startswith(f"error: cannot read the artifact store s3://{s3.bucket}/models (Could not connect "
                                    f"to the endpoint URL: \"{dead}/")
    assert result.stderr.endswith("check that it is reachable and artifacts.store and options in modelreg.yaml\n")
    assert snapshot(registry_path) == before
    assert subjects(registry_path) == ["a store nobody serves", "init model registry"]


def test_missing_credentials_say_where_they_come_from(registry_path: Path, tmp_path: Path, cli: Runner,
                                                      monkeypatch: pytest.MonkeyPatch, s3: S3) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    before = snapshot(registry_path)
    result = cli("register", "fraud", str(write(tmp_path / "model.pkl", b"w")))
    assert (result.code, result.stderr) == (1, f"error: no credentials for the artifact store s3://{s3.bucket}/models: "
                                               "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or "
                                               "run where an instance or task role applies (credentials never go in "
                                               "modelreg.yaml)\n")
    assert snapshot(registry_path) == before


def test_a_missing_bucket_is_named(tmp_path: Path, s3: S3, cli: Runner) -> None:
    Registry.init(tmp_path / "other", store="s3://no-such-bucket/models", store_options={"endpoint_url": s3.endpoint})
    result = cli("register", "fraud", str(write(tmp_path / "model.pkl", b"w")), registry=tmp_path / "other")
    assert (result.code, result.stderr) == (1, "error: the artifact store s3://no-such-bucket/models does not exist (no "
                                               "such bucket): create it, or fix artifacts.store in modelreg.yaml\n")


def test_offline_pull_from_the_cache_never_reaches_the_store(registry_path: Path, tmp_path: Path, s3: S3,
                                                             cli: Runner) -> None:
    cli("register", "bert", str(folder_of(tmp_path)))
    assert cli("pull", "models:/bert/1", "-o", str(tmp_path / "first")).code == 0
    config = registry_path / "modelreg.yaml"
    config.write_text(config.read_text().replace(s3.endpoint, f"http://127.0.0.1:{_free_port()}"))  # unreachable now
    result = cli("pull", "models:/bert/1", "-o", str(tmp_path / "second"), "--offline", "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["from"] == "cache"
    assert (tmp_path / "second" / "weights" / "part1.bin").read_bytes() == b"1" * 300
    again = cli("pull", "models:/bert/1", "-o", str(tmp_path / "third"), "--json")  # no --offline: the cache still serves
    assert json.loads(again.stdout)["from"] == "cache"


def test_gc_on_s3_removes_only_what_no_revision_uses(registry_path: Path, tmp_path: Path, s3: S3, cli: Runner) -> None:
    cli("register", "fraud", str(write(tmp_path / "v1.pkl", b"one")))
    cli("register", "fraud", str(write(tmp_path / "v2.pkl", b"two")))
    cli("delete", "fraud", "--version", "2", "--yes")
    orphan = sha(b"never committed")
    s3.client.put_object(Bucket=s3.bucket, Key=f"models/sha256/{orphan}", Body=b"never committed")  # type: ignore[attr-defined]
    result = cli("artifacts", "gc", "--dry-run")  # everything was written just now: an upload may be in flight
    assert result.stdout.endswith("kept 2 that versions use and 1 written too recently to tell (see --min-age)\n")
    result = cli("artifacts", "gc", "--dry-run", "--min-age", "0")
    assert result.stdout.splitlines()[0] == f"Would remove {orphan}"
    assert len(s3.keys()) == 3
    assert cli("artifacts", "gc", "--min-age", "0").code == 0
    assert s3.keys() == sorted([f"models/sha256/{sha(b'one')}", f"models/sha256/{sha(b'two')}"])
    assert cli("artifacts", "gc", "--head-only", "--min-age", "0").code == 0
    assert s3.keys() == [f"models/sha256/{sha(b'one')}"]


def test_an_s3_reference_is_pulled_with_the_store_options(registry_path: Path, tmp_path: Path, s3: S3,
                                                          cli: Runner) -> None:
    s3.client.put_object(Bucket=s3.bucket, Key="runs/42/model.onnx", Body=b"onnx")  # type: ignore[attr-defined]
    cli("register", "fraud", f"s3://{s3.bucket}/runs/42/model.onnx", "--sha256", sha(b"onnx"))
    result = cli("pull", "models:/fraud/1", "-o", str(tmp_path / "deploy"))
    assert (result.code, result.stdout) == (0, f"{tmp_path / 'deploy' / 'model.onnx'}\n")
    assert (tmp_path / "deploy" / "model.onnx").read_bytes() == b"onnx"
    assert cli("verify", "models:/fraud/1").stdout.startswith(f"models:/fraud/1: ok: s3://{s3.bucket}/runs/42/model.onnx")
