"""Shared fixtures: an isolated git environment, fresh registries, and ways to run modelreg.

Every test runs with its own HOME and no global or system git config, with a pinned identity and
pinned dates, so results never depend on the machine (CI may have no git identity at all).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from modelreg_cli.cli.app import app
from modelreg_cli.service import Registry

AUTHOR = "Ada Lovelace"
EMAIL = "ada@example.com"
DATE = "2026-10-01T12:00:00Z"
SAMPLE_REGISTRY = Path(__file__).resolve().parent.parent / "sample-registry"


@pytest.fixture(autouse=True)
def git_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    for key in list(os.environ):
        if key.startswith(("GIT_", "MODELREG_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    set_identity(monkeypatch)
    set_date(monkeypatch, DATE)
    yield


def set_identity(monkeypatch: pytest.MonkeyPatch, name: str = AUTHOR, email: str = EMAIL) -> None:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", name)
        monkeypatch.setenv(f"GIT_{role}_EMAIL", email)


def remove_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine where git knows no one: no variables, and git told not to guess from the hostname."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{role}_NAME")
        monkeypatch.delenv(f"GIT_{role}_EMAIL")
    monkeypatch.delenv("EMAIL", raising=False)
    Path(os.environ["GIT_CONFIG_GLOBAL"]).write_text("[user]\n\tuseConfigOnly = true\n")


def set_date(monkeypatch: pytest.MonkeyPatch, date: str) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", date)
    monkeypatch.setenv("GIT_COMMITTER_DATE", date)


def git(repo: Path, *args: str) -> str:
    """Run git in REPO and return stdout; fail the test on error."""
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout


def subjects(repo: Path) -> list[str]:
    """Commit subjects, newest first."""
    return git(repo, "log", "--format=%s").splitlines()


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


Runner = Callable[..., Outcome]


@pytest.fixture
def cli(registry_path: Path) -> Runner:
    """Run modelreg in-process against the test's registry; returns exit code, stdout, stderr."""

    def run(*args: str, registry: Path | str | None = registry_path, input: str | None = None) -> Outcome:
        argv = ["--registry", str(registry), *args] if registry is not None else list(args)
        result = CliRunner().invoke(app, argv, input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return run


def needs(module: str) -> ModuleType:
    """Import an optional library a test needs (an extra, a test server). Where it is missing the
    test is skipped, except in CI ($CI set, as .ci/run does), where it fails: there the whole
    suite must run."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed in CI: add it to the `ci` extra in pyproject.toml ({exc})")
        pytest.skip(f"{module} is not installed (`make test` installs it)")


def modelreg_executable() -> str:
    """The installed `modelreg` entry point of this Python environment."""
    candidate = Path(sys.executable).parent / "modelreg"
    found = str(candidate) if candidate.exists() else shutil.which("modelreg")
    assert found, "the modelreg entry point is not installed: pip install -e ."
    return found


@pytest.fixture
def sh(tmp_path: Path) -> Callable[..., Outcome]:
    """Run the real `modelreg` entry point as a subprocess (cwd defaults to the test's folder)."""

    def run(*args: str, cwd: Path = tmp_path, input: str | None = None) -> Outcome:
        proc = subprocess.run([modelreg_executable(), *args], cwd=cwd, capture_output=True, text=True, input=input)
        return Outcome(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def registry_path(tmp_path: Path) -> Path:
    """A new, empty registry at the top of its own git repository."""
    root = tmp_path / "registry"
    Registry.init(root)
    return root


@pytest.fixture
def registry(registry_path: Path) -> Registry:
    return Registry(registry_path)


def snapshot(repo: Path) -> dict[str, object]:
    """Everything a failed command must leave untouched: HEAD, index, and the working tree's status and files."""
    files = {}
    for path in sorted(repo.rglob("*")):
        if ".git" in path.relative_to(repo).parts or not path.is_file():
            continue
        files[path.relative_to(repo).as_posix()] = path.read_bytes()
    return {
        "head": git(repo, "rev-parse", "HEAD"),
        "index": git(repo, "ls-files", "--stage"),
        "status": git(repo, "status", "--porcelain"),
        "files": files,
    }


def imported_after(args: list[str], cwd: Path) -> set[str]:
    """The modules a fresh interpreter has loaded after running modelreg ARGS in CWD."""
    code = (
        "import sys\n"
        "from modelreg_cli.cli.app import app\n"
        "try:\n"
        f"    app({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    return set(proc.stderr.split())


@contextlib.contextmanager
def http_server(folder: Path) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 (a free port) serving the files of FOLDER; its base URL. Stopped after."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def git_daemon(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`git daemon` serving (fetch and push) a folder of bare repositories on 127.0.0.1; stopped after the test."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = tmp_path / "served"
    base.mkdir()
    port = _free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", f"--base-path={base}",
         "--listen=127.0.0.1",
         f"--port={port}", str(base)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:  # wait until it accepts connections (bounded)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or daemon.poll() is not None:
                    pytest.fail("git daemon did not start")
                time.sleep(0.02)
        yield f"git://127.0.0.1:{port}", base
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


@dataclass(frozen=True)
class S3:
    """A real S3 API on loopback (moto's standalone server) with a fresh bucket, and a client to look inside it."""

    endpoint: str
    bucket: str
    client: object

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket)  # type: ignore[attr-defined]
        return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's standalone S3 server on 127.0.0.1 (a free port), for the session of one test worker; stopped after."""
    needs("moto.server")
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                  stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:  # wait until it accepts connections (bounded)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"moto's server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> S3:
    """A new bucket on the test server; AWS_* point at it (credentials moto accepts, no instance metadata
    lookups, no retries), and nothing is read from the machine's ~/.aws."""
    needs("s3fs")
    boto3 = needs("boto3")
    home = Path(os.environ["HOME"])
    settings = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard",
                "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
                "AWS_CONFIG_FILE": str(home / "no-aws-config")}
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    bucket = "b-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:20]
    client = boto3.client("s3", endpoint_url=moto_endpoint)
    client.create_bucket(Bucket=bucket)
    return S3(moto_endpoint, bucket, client)


# --------------------------------------------------------------------------- a git host over HTTP

HTTP_USER = "ci"
HTTP_TOKEN = "tok-3f9a1c7e5b"  # noqa: S105 - the test server's own, made up
_GIT_HTTP_BACKEND = Path("/usr/lib/git-core/git-http-backend")
_LIGHTTPD = """\
server.document-root = "{base}"
server.bind = "127.0.0.1"
server.port = {port}
server.modules = ("mod_alias", "mod_setenv", "mod_auth", "mod_authn_file", "mod_cgi")
server.errorlog = "{log}"
alias.url = ("/private/" => "{backend}/", "/shared/" => "{backend}/")
auth.backend = "plain"
auth.backend.plain.userfile = "{users}"
$HTTP["url"] =~ "^/(private|shared)/" {{
  cgi.assign = ("" => "")
  setenv.add-environment = ("GIT_PROJECT_ROOT" => "{base}", "GIT_HTTP_EXPORT_ALL" => "1")
}}
# /private/: nothing without credentials; /shared/: anyone reads, only an authenticated user pushes.
auth.require = ("/private/" => ("method" => "basic", "realm" => "registry", "require" => "valid-user"))
$HTTP["url"] =~ "^/shared/" {{
  $HTTP["querystring"] =~ "service=git-receive-pack" {{
    auth.require = ("" => ("method" => "basic", "realm" => "registry", "require" => "valid-user"))
  }}
  $HTTP["url"] =~ "/git-receive-pack$" {{
    auth.require = ("" => ("method" => "basic", "realm" => "registry", "require" => "valid-user"))
  }}
}}
"""


@dataclass(frozen=True)
class GitHost:
    """A smart-HTTP git server: `url` + '/private/NAME.git' needs HTTP_USER:HTTP_TOKEN for
    everything, '/shared/NAME.git' for pushes only; repositories are bare folders in `base`."""

    url: str
    base: Path

    def with_token(self, path: str) -> str:
        return self.url.replace("http://", f"http://{HTTP_USER}:{HTTP_TOKEN}@") + path


@pytest.fixture
def git_http(tmp_path: Path) -> Iterator[GitHost]:
    """`git http-backend` behind lighttpd (Debian's package; .ci/run installs it) with basic auth,
    on 127.0.0.1; stopped after the test."""
    server = shutil.which("lighttpd") or next((p for p in ("/usr/sbin/lighttpd",) if Path(p).exists()), None)
    if server is None or not _GIT_HTTP_BACKEND.exists():
        if os.environ.get("CI"):
            pytest.fail("lighttpd or git-http-backend is missing in CI: .ci/run installs lighttpd with apt-get")
        pytest.skip("needs lighttpd and git-http-backend (apt-get install lighttpd)")
    base = tmp_path / "hosted"
    base.mkdir()
    users = tmp_path / "users"
    users.write_text(f"{HTTP_USER}:{HTTP_TOKEN}\n")
    port = _free_port()
    config = tmp_path / "lighttpd.conf"
    config.write_text(_LIGHTTPD.format(base=base, port=port, log=tmp_path / "lighttpd.log", users=users,
                                       backend=_GIT_HTTP_BACKEND))
    process = subprocess.Popen([server, "-D", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:  # wait until it accepts connections (bounded)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"lighttpd did not start: {(tmp_path / 'lighttpd.log').read_text(errors='replace')}")
                time.sleep(0.02)
        yield GitHost(f"http://127.0.0.1:{port}", base)
    finally:
        process.terminate()
        process.wait(timeout=10)
