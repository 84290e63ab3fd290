"""The artifact store behind the registry, with a local-folder store: register uploads then
commits, pull delivers exactly the registered bytes (through the verified cache), verify and
`check --artifacts` find missing and damaged objects, gc keeps what history uses. The same
against a real S3 API: tests/test_artifacts_s3.py."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from modelreg_cli.errors import IntegrityError, NotFoundError
from modelreg_cli.service import Registry
from modelreg_cli.store.artifact_cache import cache_root

from conftest import Runner, git, http_server, imported_after, snapshot, subjects


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def registry_path(tmp_path: Path, store: Path) -> Path:
    """A registry whose artifacts go to a local folder store."""
    root = tmp_path / "registry"
    Registry.init(root, store=str(store))
    return root


def objects(store: Path) -> set[str]:
    folder = store / "sha256"
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def age(store: Path, hours: float = 2) -> None:
    """Make every object of STORE look written HOURS ago (gc keeps recent ones)."""
    import time

    then = time.time() - hours * 3600
    for path in (store / "sha256").iterdir():
        os.utime(path, (then, then))


def cached() -> set[str]:
    folder = cache_root() / "sha256"
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def version_file(registry_path: Path, number: int, name: str = "fraud") -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((registry_path / f"models/{name}/versions/{number}.yaml").read_text())
    return loaded


def model_file(tmp_path: Path, data: bytes = b"weights" * 100, name: str = "model.pkl") -> Path:
    path = tmp_path / "train" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def model_folder(tmp_path: Path, files: dict[str, bytes] | None = None, name: str = "bert") -> Path:
    folder = tmp_path / "train" / name
    for relative, data in (files or {"config.json": b"{}", "weights/part1.bin": b"1" * 500,
                                     "weights/part2.bin": b"2" * 500}).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    return folder


# --------------------------------------------------------------------------- init and configuration


def test_init_store_writes_the_artifacts_section(tmp_path: Path, cli: Runner) -> None:
    result = cli("init", str(tmp_path / "new"), "--store", "s3://ml-artifacts/registry", "--store-option",
                 "endpoint_url=http://127.0.0.1:9000", registry=None)
    if result.code != 0:  # without the s3 extra, init says what to install and makes nothing
        assert result.stderr.endswith("pip install 'modelreg[s3]'\n"), result.stderr
        assert not (tmp_path / "new").exists()
        return
    config = yaml.safe_load((tmp_path / "new" / "modelreg.yaml").read_text())
    assert config["artifacts"] == {"store": "s3://ml-artifacts/registry", "options": {"endpoint_url": "http://127.0.0.1:9000"}}
    assert result.stdout.endswith("Artifacts go to s3://ml-artifacts/registry\n")


def test_init_store_with_a_local_folder(tmp_path: Path, cli: Runner) -> None:
    result = cli("init", str(tmp_path / "new"), "--store", "../objects", registry=None)
    assert result.code == 0, result.stderr
    assert yaml.safe_load((tmp_path / "new" / "modelreg.yaml").read_text())["artifacts"] == {"store": "../objects"}
    assert git(tmp_path / "new", "log", "--format=%s") == "init model registry\n"


def test_a_credential_in_the_options_is_refused(tmp_path: Path, cli: Runner) -> None:
    result = cli("init", str(tmp_path / "new"), "--store", "s3://b/p", "--store-option", "aws_secret_access_key=x",
                 registry=None)
    assert result.code == 1
    assert result.stderr.startswith("error: option aws_secret_access_key looks like a credential, and credentials "
                                    "never go in modelreg.yaml: remove it and give it through the environment")
    assert not (tmp_path / "new").exists()


def test_a_credential_written_in_modelreg_yaml_by_hand_is_refused_on_load(registry_path: Path, cli: Runner) -> None:
    config = registry_path / "modelreg.yaml"
    config.write_text(config.read_text() + "  options:\n    client_kwargs:\n      aws_access_key_id: AKIA\n")
    result = cli("list")
    assert result.code == 1
    assert result.stderr.startswith("error: modelreg.yaml: artifacts.options: option client_kwargs.aws_access_key_id "
                                    "looks like a credential")
    assert len(result.stderr.splitlines()) == 1


# --------------------------------------------------------------------------- register


def test_register_uploads_then_commits_and_the_source_is_the_object(registry_path: Path, store: Path, tmp_path: Path,
                                                                   cli: Runner) -> None:
    artifact = model_file(tmp_path)
    result = cli("register", "fraud", str(artifact), "--json")
    assert result.code == 0, result.stderr
    digest = sha(artifact.read_bytes())
    data = json.loads(result.stdout)
    assert data["source"] == (store / "sha256" / digest).as_uri()
    assert data["artifact"] == {"sha256": digest, "size_bytes": 700, "kind": "file", "name": "model.pkl", "stored": True}
    assert (store / "sha256" / digest).read_bytes() == artifact.read_bytes()
    assert version_file(registry_path, 1)["artifact"] == data["artifact"]
    assert subjects(registry_path) == ["register fraud v1", "init model registry"]


def test_the_same_bytes_are_stored_once(registry_path: Path, store: Path, tmp_path: Path, cli: Runner) -> None:
    artifact = model_file(tmp_path)
    assert cli("register", "fraud", str(artifact)).code == 0
    before = {name: (store / "sha256" / name).stat().st_mtime_ns for name in objects(store)}
    assert cli("register", "fraud", str(artifact)).code == 0
    assert cli("register", "churn", str(artifact)).code == 0
    assert {name: (store / "sha256" / name).stat().st_mtime_ns for name in objects(store)} == before  # nothing rewritten
    assert version_file(registry_path, 2)["source"] == version_file(registry_path, 1)["source"]


def test_a_folder_is_its_files_plus_its_listing_and_one_changed_file_uploads_one_object(
        registry_path: Path, store: Path, tmp_path: Path, cli: Runner) -> None:
    folder = model_folder(tmp_path)
    assert cli("register", "bert", str(folder)).code == 0
    first = version_file(registry_path, 1, "bert")
    listing = (store / "sha256" / str(first["artifact"]["sha256"])).read_bytes()  # type: ignore[index]
    assert listing == (f"{sha(b'{}')}  config.json\n{sha(b'1' * 500)}  weights/part1.bin\n"
                       f"{sha(b'2' * 500)}  weights/part2.bin\n").encode()
    assert objects(store) == {sha(listing), sha(b"{}"), sha(b"1" * 500), sha(b"2" * 500)}
    before = objects(store)
    (folder / "weights" / "part2.bin").write_bytes(b"3" * 500)
    assert cli("register", "bert", str(folder)).code == 0
    second = version_file(registry_path, 2, "bert")
    added = objects(store) - before
    assert added == {sha(b"3" * 500), str(second["artifact"]["sha256"])}  # type: ignore[index]


def test_no_upload_records_a_reference(registry_path: Path, store: Path, tmp_path: Path, cli: Runner) -> None:
    artifact = model_file(tmp_path)
    result = cli("register", "fraud", str(artifact), "--no-upload", "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"] == artifact.resolve().as_uri()
    assert data["artifact"] == {"sha256": sha(artifact.read_bytes()), "size_bytes": 700, "kind": "file",
                                "name": "model.pkl"}
    assert objects(store) == set()


def test_a_remote_source_stays_a_reference(registry_path: Path, store: Path, cli: Runner) -> None:
    result = cli("register", "fraud", "s3://elsewhere/model.pkl", "--sha256", "ab" * 32, "--json")
    assert json.loads(result.stdout)["source"] == "s3://elsewhere/model.pkl"
    assert objects(store) == set()


def test_an_upload_that_fails_commits_nothing(registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    config = registry_path / "modelreg.yaml"
    config.write_text(config.read_text().replace(str(tmp_path / "store"), str(blocker / "store")))
    git(registry_path, "commit", "-qam", "store moved")
    before = snapshot(registry_path)
    result = cli("register", "fraud", str(model_file(tmp_path)))
    assert result.code == 1
    assert result.stderr.startswith(f"error: cannot write to the artifact store {blocker / 'store'} (Not a directory): ")
    assert snapshot(registry_path) == before


def test_a_wrong_sha256_is_refused_before_anything_is_uploaded(registry_path: Path, store: Path, tmp_path: Path,
                                                               cli: Runner) -> None:
    result = cli("register", "fraud", str(model_file(tmp_path)), "--sha256", "ab" * 32)
    assert result.code == 1
    assert "not the " + "ab" * 32 + " given with --sha256" in result.stderr
    assert objects(store) == set()


# --------------------------------------------------------------------------- pull


def test_pull_places_a_file_under_its_name_and_prints_the_path(registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    artifact = model_file(tmp_path)
    cli("register", "fraud", str(artifact), "--alias", "champion")
    result = cli("pull", "models:/fraud@champion", "-o", str(tmp_path / "deploy"))
    assert (result.code, result.stdout, result.stderr) == (0, f"{tmp_path / 'deploy' / 'model.pkl'}\n", "")
    assert (tmp_path / "deploy" / "model.pkl").read_bytes() == artifact.read_bytes()
    assert os.listdir(tmp_path / "deploy") == ["model.pkl"]
    assert cached() == {sha(artifact.read_bytes())}


def test_pull_places_a_folder_as_the_folder_itself(registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    folder = model_folder(tmp_path)
    cli("register", "bert", str(folder))
    result = cli("pull", "models:/bert/latest", "-o", str(tmp_path / "deploy"), "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["path"], data["kind"], data["from"], data["verified"]) == (str(tmp_path / "deploy"), "folder", "store",
                                                                            True)
    pulled = sorted(str(path.relative_to(tmp_path / "deploy")) for path in (tmp_path / "deploy").rglob("*")
                    if path.is_file())
    assert pulled == ["config.json", "weights/part1.bin", "weights/part2.bin"]
    assert (tmp_path / "deploy" / "weights" / "part2.bin").read_bytes() == b"2" * 500


def test_pull_defaults_to_a_folder_named_after_the_model_and_version(registry_path: Path, tmp_path: Path, cli: Runner,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cli("register", "fraud", str(model_file(tmp_path)))
    monkeypatch.chdir(tmp_path)
    result = cli("pull", "models:/fraud/1")
    assert result.stdout == f"{tmp_path / 'fraud-v1' / 'model.pkl'}\n"


def test_a_second_pull_uses_the_cache_and_offline_needs_no_store(registry_path: Path, store: Path, tmp_path: Path,
                                                                 cli: Runner) -> None:
    folder = model_folder(tmp_path)
    cli("register", "bert", str(folder))
    assert cli("pull", "models:/bert/1", "-o", str(tmp_path / "first")).code == 0
    (store / "sha256").rename(tmp_path / "store-away")  # the store is gone: only the cache can serve
    result = cli("pull", "models:/bert/1", "-o", str(tmp_path / "second"), "--offline", "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["from"] == "cache"
    assert (tmp_path / "second" / "weights" / "part1.bin").read_bytes() == b"1" * 500


def test_pull_offline_without_the_cache_fails_and_places_nothing(registry_path: Path, tmp_path: Path,
                                                                cli: Runner) -> None:
    cli("register", "fraud", "s3://bucket/model.pkl", "--sha256", "ab" * 32)
    result = cli("pull", "models:/fraud/1", "-o", str(tmp_path / "deploy"), "--offline")
    assert result.code == 1
    assert result.stderr == ("error: models:/fraud/1 is not in the local cache and --offline keeps modelreg off the "
                             "network (it is at s3://bucket/model.pkl): pull it once without --offline\n")
    assert not (tmp_path / "deploy").exists()


def test_a_damaged_object_fails_pull_and_verify_and_nothing_is_kept(registry_path: Path, store: Path, tmp_path: Path,
                                                                     cli: Runner) -> None:
    folder = model_folder(tmp_path)
    cli("register", "bert", str(folder))
    damaged = sha(b"1" * 500)
    (store / "sha256" / damaged).write_bytes(b"x" * 500)
    result = cli("pull", "models:/bert/1", "-o", str(tmp_path / "deploy"))
    assert result.code == 1
    assert result.stderr == (f"error: object {damaged} of the artifact store {store} hashes to {sha(b'x' * 500)}, not "
                             f"the {damaged} the registry recorded: the bytes were changed or damaged; nothing was kept "
                             "(run `modelreg verify` on the store)\n")
    assert not (tmp_path / "deploy").exists()
    assert sorted(os.listdir(tmp_path)) == ["registry", "store", "train"]  # no partial folder beside it
    assert damaged not in cached()
    assert not [name for name in os.listdir(cache_root() / "sha256") if name.startswith(".")]
    result = cli("verify", "models:/bert/1")
    assert result.code == 1
    assert result.stdout == (f"models:/bert/1: MISMATCH: 1 of 3 files are missing or damaged in {store} "
                             "(weights/part1.bin)\n")
    assert result.stderr.startswith("error: 1 artifact failed verification")


def test_a_damaged_cache_file_is_caught_and_removed(registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    artifact = model_file(tmp_path)
    cli("register", "fraud", str(artifact))
    cli("pull", "models:/fraud/1", "-o", str(tmp_path / "first"))
    digest = sha(artifact.read_bytes())
    (cache_root() / "sha256" / digest).write_bytes(b"rot")
    result = cli("pull", "models:/fraud/1", "-o", str(tmp_path / "second"))
    assert result.code == 1
    assert result.stderr.startswith(f"error: the cached copy of {digest} was damaged on disk")
    assert not (tmp_path / "second").exists()
    assert digest not in cached()
    assert cli("pull", "models:/fraud/1", "-o", str(tmp_path / "second")).code == 0  # fetched anew from the store


def test_pull_again_into_the_same_folder_is_a_no_op_and_other_files_are_refused(
        registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    cli("register", "fraud", str(model_file(tmp_path)))
    target = tmp_path / "deploy"
    assert cli("pull", "models:/fraud/1", "-o", str(target)).code == 0
    result = cli("pull", "models:/fraud/1", "-o", str(target), "--json")
    assert json.loads(result.stdout)["from"] == "in place"
    (target / "model.pkl").write_bytes(b"edited")
    result = cli("pull", "models:/fraud/1", "-o", str(target))
    assert (result.code, result.stderr) == (1, f"error: {target} already holds other files: remove it, or pull to "
                                               "another folder with -o\n")
    assert (target / "model.pkl").read_bytes() == b"edited"


def test_pull_at_a_past_revision(registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    cli("register", "fraud", str(model_file(tmp_path, b"first")), "--alias", "champion")
    cli("register", "fraud", str(model_file(tmp_path, b"second")))
    cli("alias", "set", "fraud", "champion", "2")
    now = cli("pull", "models:/fraud@champion", "-o", str(tmp_path / "now"))
    then = cli("pull", "models:/fraud@champion", "--at", "HEAD~1", "-o", str(tmp_path / "then"))
    assert Path(now.stdout.strip()).read_bytes() == b"second"
    assert Path(then.stdout.strip()).read_bytes() == b"first"


def test_pull_of_a_local_reference_and_of_a_version_with_no_sha256(registry_path: Path, tmp_path: Path,
                                                                   cli: Runner) -> None:
    folder = model_folder(tmp_path)
    cli("register", "bert", str(folder), "--no-upload")
    result = cli("pull", "models:/bert/1", "-o", str(tmp_path / "ref"), "--json")
    assert json.loads(result.stdout)["from"] == "source"
    assert (tmp_path / "ref" / "config.json").read_bytes() == b"{}"
    (folder / "config.json").write_bytes(b"changed since")
    result = cli("pull", "models:/bert/1", "-o", str(tmp_path / "changed"), "--offline", "--json")
    assert json.loads(result.stdout)["from"] == "cache"  # the changed folder is not read again
    assert (tmp_path / "changed" / "config.json").read_bytes() == b"{}"
    cache_before = cached()
    (cache_root() / "sha256").rename(tmp_path / "cache-away")
    with pytest.raises(IntegrityError) as raised:
        Registry(registry_path).pull("models:/bert/1", tmp_path / "changed-again")
    assert "does not hash to the" in str(raised.value)
    assert not (tmp_path / "changed-again").exists()
    assert cached() == set() and cache_before  # what was taken from the changed folder was dropped again

    cli("register", "fraud", "s3://bucket/model.pkl")
    result = cli("pull", "models:/fraud/1", "-o", str(tmp_path / "x"))
    assert (result.code, result.stderr) == (1, "error: models:/fraud/1 has no sha256 recorded, so modelreg cannot "
                                               "verify what it would download: pass --no-verify to take it as it is\n")


def test_pull_no_verify_takes_a_reference_as_it_is(registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    artifact = model_file(tmp_path)
    version = Registry(registry_path).register("fraud", artifact.as_uri(), upload=False)
    # a hand-registered reference without a digest
    manifest = registry_path / "models/fraud/versions/1.yaml"
    manifest.write_text(manifest.read_text().replace(f"  sha256: {version.artifact.sha256}\n", ""))  # type: ignore[union-attr]
    git(registry_path, "commit", "-qam", "forget the digest")
    result = cli("pull", "models:/fraud/1", "-o", str(tmp_path / "x"), "--no-verify")
    assert (result.code, result.stdout) == (0, f"{tmp_path / 'x' / 'model.pkl'}\n")
    assert result.stderr == "warning: models:/fraud/1 has no recorded sha256: placed without checking it\n"


def test_pull_over_http(registry_path: Path, tmp_path: Path, cli: Runner) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "model.onnx").write_bytes(b"onnx bytes")
    with http_server(served) as url:
        cli("register", "fraud", f"{url}/model.onnx", "--sha256", sha(b"onnx bytes"))
        cli("register", "fraud", f"{url}/model.onnx", "--sha256", sha(b"other bytes"))
        good = cli("pull", "models:/fraud/1", "-o", str(tmp_path / "good"))
        bad = cli("pull", "models:/fraud/2", "-o", str(tmp_path / "bad"))
    assert (good.code, good.stdout) == (0, f"{tmp_path / 'good' / 'model.onnx'}\n")
    assert (tmp_path / "good" / "model.onnx").read_bytes() == b"onnx bytes"
    assert bad.code == 1 and "hashes to" in bad.stderr
    assert not (tmp_path / "bad").exists()


# --------------------------------------------------------------------------- verify and check


def test_verify_every_version_and_a_local_copy(registry_path: Path, store: Path, tmp_path: Path, cli: Runner) -> None:
    artifact = model_file(tmp_path)
    cli("register", "fraud", str(artifact))
    cli("register", "fraud", "s3://elsewhere/model.pkl", "--sha256", "ab" * 32)
    cli("register", "fraud", "s3://elsewhere/unknown.pkl")
    result = cli("verify")
    assert result.code == 0, result.stderr
    digest = sha(artifact.read_bytes())
    assert result.stdout.splitlines() == [
        f"models:/fraud/1: ok: object {digest[:12]}… in {store} matches sha256 {digest[:12]}…, 700 bytes",
        "models:/fraud/2: skipped: a reference to s3://elsewhere/model.pkl: `modelreg verify models:/fraud/2` downloads "
        "and checks it",
        "models:/fraud/3: skipped: no sha256 recorded: nothing to check it against",
    ]
    result = cli("verify", "models:/fraud/3")
    assert result.code == 1
    assert result.stdout == "models:/fraud/3: CANNOT VERIFY: no sha256 recorded: nothing to check it against\n"
    assert cli("verify", "models:/fraud/1", "--local", str(artifact)).code == 0
    artifact.write_bytes(b"retrained")
    result = cli("verify", "models:/fraud/1", "--local", str(artifact))
    assert result.code == 1
    assert result.stdout == f"models:/fraud/1: MISMATCH: {artifact} hashes to {sha(b'retrained')}, not the recorded {digest}\n"
    assert cli("verify", "--local", str(artifact)).code == 2


def test_verify_reports_a_missing_object(registry_path: Path, store: Path, tmp_path: Path, cli: Runner) -> None:
    artifact = model_file(tmp_path)
    cli("register", "fraud", str(artifact))
    digest = sha(artifact.read_bytes())
    (store / "sha256" / digest).unlink()
    result = cli("verify", "models:/fraud/1", "--json")
    assert result.code == 1
    assert json.loads(result.stdout) == [{"uri": "models:/fraud/1", "name": "fraud", "version": 1, "status": "missing",
                                          "detail": f"object {digest} is missing from the artifact store {store}"}]


def test_check_artifacts_verifies_the_whole_registry(registry_path: Path, store: Path, tmp_path: Path,
                                                     cli: Runner) -> None:
    cli("register", "fraud", str(model_file(tmp_path)))
    cli("register", "bert", str(model_folder(tmp_path)))
    assert cli("check", "--artifacts").stdout == "OK: 2 models, 2 versions in the working tree\n"
    (store / "sha256" / sha(b"{}")).write_bytes(b"{oops}")
    result = cli("check", "--artifacts")
    assert result.code == 1
    assert result.stdout == ("models/bert/versions/1.yaml: artifact: mismatch: 1 of 3 files are missing or damaged in "
                             f"{store} (config.json)\n")
    assert cli("check").code == 0  # without --artifacts, only the files are checked


def test_the_python_api_pulls_and_verifies(registry_path: Path, tmp_path: Path) -> None:
    registry = Registry(registry_path)
    registry.register("fraud", str(model_file(tmp_path, b"api bytes")))
    path = registry.pull("models:/fraud/1", tmp_path / "api")
    assert path == tmp_path / "api" / "model.pkl"
    assert path.read_bytes() == b"api bytes"
    check = registry.verify("models:/fraud/1")
    assert (check.status, check.failed) == ("ok", False)
    with pytest.raises(NotFoundError):
        registry.pull("models:/fraud/9")


# --------------------------------------------------------------------------- gc


def test_gc_keeps_what_any_revision_uses(registry_path: Path, store: Path, tmp_path: Path, cli: Runner) -> None:
    cli("register", "fraud", str(model_file(tmp_path, b"v1")))
    cli("register", "fraud", str(model_file(tmp_path, b"v2")))
    folder = model_folder(tmp_path)
    cli("register", "bert", str(folder))
    cli("delete", "fraud", "--version", "2", "--yes")
    orphan = tmp_path / "orphan.bin"
    orphan.write_bytes(b"uploaded, never committed")
    (store / "sha256" / sha(orphan.read_bytes())).write_bytes(orphan.read_bytes())
    age(store)
    everything = objects(store)

    result = cli("artifacts", "gc", "--dry-run")
    assert result.stdout.splitlines() == [f"Would remove {sha(orphan.read_bytes())}",
                                          f"Would remove 1 object from {store}; kept 6 that versions use"]
    assert objects(store) == everything

    result = cli("artifacts", "gc", "--head-only", "--dry-run", "--json")
    assert json.loads(result.stdout) == {"store": str(store), "removed": sorted([sha(b"v2"), sha(orphan.read_bytes())]),
                                         "kept": 5, "recent": 0, "dry_run": True}

    assert cli("artifacts", "gc").code == 0
    assert objects(store) == everything - {sha(orphan.read_bytes())}
    assert cli("artifacts", "gc", "--head-only").code == 0
    assert objects(store) == everything - {sha(orphan.read_bytes()), sha(b"v2")}
    assert cli("verify").code == 0  # every version at HEAD is whole
    assert cli("pull", "models:/bert/1", "-o", str(tmp_path / "bert")).code == 0


def test_gc_keeps_an_upload_too_recent_to_be_committed_yet(registry_path: Path, store: Path, tmp_path: Path,
                                                            cli: Runner) -> None:
    cli("register", "fraud", str(model_file(tmp_path, b"committed")))
    age(store)
    (store / "sha256" / sha(b"in flight")).write_bytes(b"in flight")  # another register, uploading right now
    result = cli("artifacts", "gc")
    assert result.stdout == (f"Removed 0 objects from {store}; kept 1 that versions use and 1 written too recently to "
                             "tell (see --min-age)\n")
    assert objects(store) == {sha(b"committed"), sha(b"in flight")}
    assert cli("artifacts", "gc", "--min-age", "0").stdout.startswith(f"Removed {sha(b'in flight')}\n")
    assert objects(store) == {sha(b"committed")}


def test_gc_keeps_what_a_branch_uses(registry_path: Path, store: Path, tmp_path: Path, cli: Runner) -> None:
    git(registry_path, "checkout", "-qb", "review")
    cli("register", "fraud", str(model_file(tmp_path, b"on a branch")))
    git(registry_path, "checkout", "-q", "main")
    assert cli("artifacts", "gc", "--head-only", "--min-age", "0").code == 0
    assert objects(store) == {sha(b"on a branch")}


def test_gc_refuses_when_a_folder_listing_is_missing(registry_path: Path, store: Path, tmp_path: Path,
                                                     cli: Runner) -> None:
    cli("register", "bert", str(model_folder(tmp_path)))
    listing = str(version_file(registry_path, 1, "bert")["artifact"]["sha256"])  # type: ignore[index]
    (store / "sha256" / listing).unlink()
    before = objects(store)
    result = cli("artifacts", "gc")
    assert result.code == 1
    assert result.stderr.startswith(f"error: the listing of models:/bert/1 ({listing[:12]}…) is missing from the "
                                    "artifact store, so gc cannot tell which objects its folder needs: nothing was removed")
    assert objects(store) == before


def test_gc_without_a_store_says_how_to_name_one(tmp_path: Path, cli: Runner) -> None:
    Registry.init(tmp_path / "plain")
    result = cli("artifacts", "gc", registry=tmp_path / "plain")
    assert (result.code, result.stderr) == (1, "error: this registry has no artifact store: add `artifacts: {store: "
                                               "URL}` to modelreg.yaml (or `modelreg init --store URL` for a new one)\n")


# --------------------------------------------------------------------------- the real entry point


def test_register_and_pull_in_another_clone_with_the_real_entry_point(registry_path: Path, tmp_path: Path, sh) -> None:  # type: ignore[no-untyped-def]
    import pickle

    trained = tmp_path / "train" / "model.pkl"
    trained.parent.mkdir()
    trained.write_bytes(pickle.dumps({"weights": [0.25, 0.5], "threshold": 0.7}))
    assert sh("register", "fraud", str(trained), "--alias", "champion", cwd=registry_path).code == 0
    clone = tmp_path / "deploy-clone"
    git(tmp_path, "clone", "-q", str(registry_path), str(clone))
    result = sh("pull", "models:/fraud@champion", "-o", str(tmp_path / "serving"), cwd=clone)
    assert result.code == 0, result.stderr
    loaded = pickle.loads(Path(result.stdout.strip()).read_bytes())  # noqa: S301 - the test's own bytes
    assert loaded == {"weights": [0.25, 0.5], "threshold": 0.7}
    assert sh("verify", cwd=clone).code == 0


def test_the_plain_cli_never_imports_an_object_store_library(registry_path: Path) -> None:
    config = registry_path / "modelreg.yaml"
    config.write_text(config.read_text().replace(str(registry_path.parent / "store"), "s3://bucket/models"))
    for args in (["--help"], ["--registry", str(registry_path), "list"], ["pull", "--help"]):
        loaded = imported_after(args, registry_path)
        assert not {"fsspec", "s3fs", "boto3", "botocore", "aiobotocore"} & loaded, args
    assert "modelreg_cli.store.artifact_stores" not in imported_after(["--registry", str(registry_path), "list"],
                                                                       registry_path)


def test_a_missing_extra_is_one_line_naming_the_pip_install(registry_path: Path, tmp_path: Path, cli: Runner,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "fsspec", None)  # as where `modelreg[s3]` is not installed
    monkeypatch.delitem(sys.modules, "modelreg_cli.store.artifact_stores.fsspec_store", raising=False)
    missing = "error: the s3 artifact store cannot be loaded (fsspec is missing): pip install 'modelreg[s3]'\n"
    result = cli("init", str(tmp_path / "new"), "--store", "s3://bucket/models", registry=None)
    assert (result.code, result.stderr) == (1, missing)
    assert not (tmp_path / "new").exists()
    config = registry_path / "modelreg.yaml"
    config.write_text(config.read_text().replace(str(tmp_path / "store"), "s3://bucket/models"))
    git(registry_path, "commit", "-qam", "store on s3")
    before = snapshot(registry_path)
    result = cli("register", "fraud", str(model_file(tmp_path)))
    assert (result.code, result.stderr) == (1, missing)
    assert snapshot(registry_path) == before
    assert cli("register", "fraud", str(model_file(tmp_path)), "--no-upload").code == 0  # a reference needs no store


def test_register_reports_progress_up_to_the_total(registry_path: Path, tmp_path: Path) -> None:
    folder = model_folder(tmp_path, {"a.bin": b"same" * 100, "b.bin": b"same" * 100, "c.bin": b"other"})
    seen: list[int] = []
    totals: list[int] = []

    def factory(total: int) -> Callable[[int], None]:
        totals.append(total)
        return seen.append

    Registry(registry_path).register("bert", str(folder), progress=factory)
    assert totals == [2 * 805]  # every byte hashed, then sent (or found in the store)
    assert sum(seen) == totals[0]


def test_a_clone_whose_relative_store_is_elsewhere_reads_the_objects_at_their_source(tmp_path: Path, cli: Runner) -> None:
    Registry.init(tmp_path / "reg", store="../objects")  # relative to each clone's folder
    registry = Registry(tmp_path / "reg")
    registry.register("fraud", str(model_file(tmp_path, b"bytes")))
    git(tmp_path, "clone", "-q", str(tmp_path / "reg"), str(tmp_path / "far" / "clone"))
    clone = tmp_path / "far" / "clone"  # its ../objects does not exist: the source URL names the real one
    result = cli("pull", "models:/fraud/1", "-o", str(tmp_path / "out"), "--json", registry=clone)
    assert json.loads(result.stdout)["from"] == "source"
    assert (tmp_path / "out" / "model.pkl").read_bytes() == b"bytes"
    assert cli("verify", registry=clone).stdout.startswith("models:/fraud/1: ok: ")


def test_gc_reads_the_history_of_a_registry_in_a_subfolder(tmp_path: Path, cli: Runner) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README").write_text("code and registry together\n")
    git(repo, "add", "README")
    git(repo, "commit", "-qm", "code")
    store = tmp_path / "objects"
    Registry.init(repo / "ml" / "registry", store=str(store))
    registry = Registry(repo / "ml" / "registry")
    registry.register("fraud", str(model_file(tmp_path, b"old")))
    registry.delete("fraud", 1)
    registry.register("fraud", str(model_file(tmp_path, b"new")))
    age(store)
    result = cli("artifacts", "gc", "--dry-run", registry=repo / "ml" / "registry")
    assert result.stdout == f"Would remove 0 objects from {store}; kept 2 that versions use\n"
    result = cli("artifacts", "gc", "--head-only", registry=repo / "ml" / "registry")
    assert result.stdout == f"Removed {sha(b'old')}\nRemoved 1 object from {store}; kept 1 that versions use\n"
