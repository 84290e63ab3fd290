"""store/artifacts.py: what a local source is, and its digest. Folder listings name every folder
unambiguously (escaped as sha256sum escapes), old digests stay checkable, and a source that is
not a file or a folder of files is refused, naming the path, before anything is read."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from modelreg_cli.errors import InvalidInputError
from modelreg_cli.service import Registry
from modelreg_cli.store import artifacts
from modelreg_cli.store.artifacts import Entry

from conftest import Runner, snapshot, subjects


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make(folder: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def test_a_folder_digest_is_the_sha256_of_its_sha256sum_listing(tmp_path: Path) -> None:
    folder = make(tmp_path / "m", {"a.txt": b"a", "sub/b.txt": b"bb"})
    expected = f"{sha(b'a')}  a.txt\n{sha(b'bb')}  sub/b.txt\n".encode()
    found = artifacts.digest(folder)
    assert (found.sha256, found.size_bytes, found.kind, found.name) == (sha(expected), 3, "folder", "m")


def test_names_with_a_backslash_or_a_line_break_are_escaped_as_sha256sum_does(tmp_path: Path) -> None:
    entries = [Entry("a" * 64, "back\\slash"), Entry("b" * 64, "line\nbreak"), Entry("c" * 64, "plain")]
    assert artifacts.listing(entries) == (f"\\{'a' * 64}  back\\\\slash\n\\{'b' * 64}  line\\nbreak\n"
                                          f"{'c' * 64}  plain\n").encode()
    assert artifacts.parse_listing(artifacts.listing(entries), "it") == entries


def test_two_folders_the_old_listing_confused_now_differ(tmp_path: Path) -> None:
    # "a" and "b" in one folder; in the other, one file whose name holds the line that lists "b"
    two = make(tmp_path / "two", {"a": b"x", "b": b"y"})
    one = make(tmp_path / "one", {f"a\n{sha(b'y')}  b": b"x"})
    _, _, two_digest, two_legacy = artifacts.folder_digests(two)
    _, _, one_digest, one_legacy = artifacts.folder_digests(one)
    assert one_legacy == two_legacy  # the collision of the unescaped listing
    assert one_digest != two_digest
    assert two_digest == two_legacy  # plain names: the same digest as before the escaping


def test_a_listing_that_would_leave_the_folder_is_refused() -> None:
    for name in ("../evil", "/etc/passwd", "a//b", "./a"):
        with pytest.raises(InvalidInputError) as raised:
            artifacts.parse_listing(f"{'a' * 64}  {name}\n".encode(), "the listing of models:/m/1")
        assert "not a path inside a folder" in str(raised.value)
    with pytest.raises(InvalidInputError):
        artifacts.parse_listing(b"not a listing\n", "the listing of models:/m/1")
    assert artifacts.parse_listing(b"", "an empty folder") == []


def test_a_link_to_a_file_inside_the_folder_is_followed(tmp_path: Path) -> None:
    linked = make(tmp_path / "linked", {"weights.bin": b"w"})
    (linked / "alias.bin").symlink_to("weights.bin")
    copied = make(tmp_path / "copied", {"weights.bin": b"w", "alias.bin": b"w"})
    assert artifacts.digest(linked).sha256 == artifacts.digest(copied).sha256


@pytest.mark.parametrize(("make_link", "reason"), [
    (lambda folder: (folder / "gone").symlink_to(folder / "missing"), "is a symbolic link to nothing"),
    (lambda folder: (folder / "out").symlink_to(folder.parent / "outside.bin"), "is a symbolic link out of the folder"),
    (lambda folder: (folder / "loop").symlink_to(folder / "sub"), "is a symbolic link to a folder"),
    (lambda folder: os.mkfifo(folder / "pipe"), "is a FIFO (named pipe): a folder artifact holds only files"),
])
def test_a_folder_holding_what_is_not_a_file_is_refused_naming_it(tmp_path: Path, make_link, reason: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "outside.bin").write_bytes(b"o")
    folder = make(tmp_path / "m", {"a.txt": b"a", "sub/b.txt": b"b"})
    make_link(folder)
    with pytest.raises(InvalidInputError) as raised:
        artifacts.digest(folder)
    assert str(raised.value).startswith(f"{folder}/")
    assert reason in str(raised.value)


def test_registering_a_folder_with_a_fifo_fails_at_once_and_commits_nothing(registry_path: Path, tmp_path: Path,
                                                                           cli: Runner) -> None:
    folder = make(tmp_path / "m", {"a.txt": b"a"})
    os.mkfifo(folder / "pipe")
    before = snapshot(registry_path)
    result = cli("register", "fraud", str(folder))
    assert (result.code, result.stderr) == (1, f"error: {folder}/pipe is a FIFO (named pipe): a folder artifact holds "
                                               "only files and folders; move it out of the folder\n")
    assert snapshot(registry_path) == before


@pytest.mark.parametrize("kind", ["fifo", "device", "dangling"])
def test_a_source_that_is_no_file_or_folder_is_refused(kind: str, registry_path: Path, tmp_path: Path,
                                                       cli: Runner) -> None:
    if kind == "fifo":
        source = tmp_path / "pipe"
        os.mkfifo(source)
        what = "a FIFO (named pipe)"
    elif kind == "device":
        source, what = Path("/dev/null"), "a device"
    else:
        source = tmp_path / "link"
        source.symlink_to(tmp_path / "nothing")
    before = snapshot(registry_path)
    result = cli("register", "fraud", str(source))
    assert result.code == 1
    if kind == "dangling":
        assert result.stderr == f"error: {source} is a symbolic link to nothing: give the file or folder itself\n"
    else:
        assert result.stderr == f"error: {source} is {what}, not a file or folder: give a regular file or a folder\n"
    assert snapshot(registry_path) == before
    assert subjects(registry_path) == ["init model registry"]


def test_verify_accepts_a_folder_registered_with_the_old_listing_and_says_so(registry: Registry, tmp_path: Path,
                                                                             cli: Runner) -> None:
    folder = make(tmp_path / "m", {"back\\slash.txt": b"a", "plain.txt": b"b"})
    _, _, current, legacy = artifacts.folder_digests(folder)
    assert current != legacy
    registry.register("fraud", "s3://old/fraud", sha256=legacy)  # as modelreg 0.x recorded it
    result = cli("verify", "models:/fraud/1", "--local", str(folder))
    assert result.code == 0, result.stderr
    assert result.stdout == (f"models:/fraud/1: ok: {folder} matches sha256 {legacy[:12]}… by the listing of folders "
                             "registered before names were escaped (the same digest as then)\n")
    (folder / "plain.txt").write_bytes(b"changed")
    result = cli("verify", "models:/fraud/1", "--local", str(folder))
    assert result.code == 1
    assert result.stdout.startswith(f"models:/fraud/1: MISMATCH: {folder} hashes to ")
