"""`modelreg site build` / `serve`: the generated HTML, checked without a browser.

Every relative link resolves to a file (and its #fragment to an id there), every model and version
has its page, `--at` builds the past, the same registry gives the same bytes, what users typed is
escaped, and the output folder is only ever replaced whole."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from markupsafe import escape

from modelreg_cli.service import Registry

from conftest import Outcome, Runner, git, modelreg_executable, set_date, set_identity, snapshot

HOSTILE = '<script>alert("owned")</script>'
HOSTILE_TAG = '"><img src=x onerror=alert(1)>'


# --------------------------------------------------------------------------- a registry with a story


@dataclass
class Story:
    root: Path
    before_v3: str
    """The commit before fraud v3 was registered."""


def tell_story(root: Path, monkeypatch: pytest.MonkeyPatch) -> Story:
    """fraud: v1 Production (tom) then v2 takes over, v1 archived; @champion follows; v3 registered
    later as @challenger. churn: v1 Production, v2 Staging, v3 registered then deleted. ranker:
    registered as `old-ranker`, then renamed. Dates one day apart from 2026-06-01."""
    day = iter(range(1, 60))

    def as_(who: str) -> Registry:
        set_date(monkeypatch, f"2026-06-{next(day):02d}T09:00:00Z")
        name, _, _ = who.partition("@")
        set_identity(monkeypatch, name.title(), who)
        return Registry(root)

    ada, tom = "ada@example.com", "tom@example.com"
    as_(ada).create_model("fraud", description="Scores card payments.", tags={"team": "risk"}, owners=[ada])
    as_(ada).register("fraud", "s3://m/fraud/1", metrics={"auc": 0.91, "f1": 0.70}, run_id="r1",
                      message="Baseline")
    as_(tom).transition("fraud", 1, "Production", message="Replaces the rules engine")
    as_(tom).set_alias("fraud", "champion", 1)
    as_(ada).register("fraud", "s3://m/fraud/2", metrics={"auc": 0.93, "f1": 0.74}, run_id="r2",
                      stage="Staging", sha256="a" * 64, size_bytes=4718592,
                      lineage=None, message="Merchant features")
    as_(tom).transition("fraud", 2, "Production", archive_existing=True, message="Shadow run passed")
    as_(tom).set_alias("fraud", "champion", 2)
    as_(ada).register("churn", "runs:/c1/model", metrics={"accuracy": 0.80})
    as_(ada).transition("churn", 1, "Production")
    as_(ada).register("churn", "runs:/c2/model", metrics={"accuracy": 0.85}, stage="Staging")
    as_(ada).register("churn", "runs:/c3/model", metrics={"accuracy": 0.99})
    as_(ada).delete("churn", 3, message="Target leakage")
    as_(ada).register("old-ranker", "s3://m/ranker/1", metrics={"ndcg": 0.5}, stage="Production")
    as_(ada).rename("old-ranker", "ranker")
    before_v3 = git(root, "rev-parse", "HEAD").strip()
    from modelreg_cli.core.manifests import Lineage

    as_(ada).register("fraud", "s3://m/fraud/3", metrics={"auc": 0.94, "f1": 0.75}, aliases=["challenger"],
                      lineage=Lineage(code_commit="c0ffee", datasets=["s3://data/2026-06"],
                                      parents=["models:/fraud/2", "models:/fraud@champion", "not-a-uri"]))
    set_identity(monkeypatch)
    return Story(root, before_v3)


@pytest.fixture
def story(registry_path: Path, monkeypatch: pytest.MonkeyPatch) -> Story:
    return tell_story(registry_path, monkeypatch)


def build(cli: Runner, out: Path, *args: str) -> Outcome:
    return cli("site", "build", "-o", str(out), *args)


# --------------------------------------------------------------------------- reading the pages


class Page(HTMLParser):
    """The links, ids, text and elements of one page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.chunks: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        for key in ("href", "src"):
            if found.get(key):
                self.links.append(str(found[key]))
        if found.get("id"):
            self.ids.add(str(found["id"]))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


def pages(site: Path) -> dict[str, Page]:
    return {path.relative_to(site).as_posix(): Page(path.read_text(encoding="utf-8"))
            for path in sorted(site.rglob("*.html"))}


def tree(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*")) if path.is_file()}


# --------------------------------------------------------------------------- the pages


def test_build_prints_what_it_built_and_every_model_and_version_has_its_page(story: Story, cli: Runner,
                                                                             tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = build(cli, out)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (f"Built the site of 3 models and 6 versions (11 pages) in {out}: "
                             f"open {out / 'index.html'}\n")
    registry = Registry(story.root)
    expected = {"index.html", "activity.html"}
    for model in registry.list_models():
        expected.add(f"models/{model.name}/index.html")
        expected |= {f"models/{model.name}/versions/{v.version}.html" for v in registry.versions(model.name)}
    assert set(pages(out)) == expected
    assert sorted(p.name for p in (out / "static").iterdir()) == ["favicon.svg", "site.css", "site.js"]


def test_every_relative_link_resolves_and_nothing_is_fetched_from_elsewhere(story: Story, cli: Runner,
                                                                            tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, out).code == 0
    found = pages(out)
    checked = 0
    for name, page in found.items():
        for link in page.links:
            assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//|^/", link), f"{name}: {link} is not relative"
            path, _, fragment = link.partition("#")
            target = (out / name).parent / unquote(path) if path else out / name  # as a browser reads it
            assert target.resolve().is_file(), f"{name}: {link} leads nowhere"
            assert target.resolve().is_relative_to(out.resolve()), f"{name}: {link} leaves the site"
            if fragment:
                assert fragment in found[target.resolve().relative_to(out.resolve()).as_posix()].ids, (name, link)
            checked += 1
    assert checked > 100
    assert not re.search(r"https?://", "".join((out / "static" / f).read_text() for f in ("site.css", "site.js")))


def test_index_lists_each_model_with_its_holders_aliases_and_live_metrics(story: Story, cli: Runner,
                                                                          tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, out, "--title", "Acme models").code == 0
    index = pages(out)["index.html"]
    assert "3 models, 6 versions; last change 2026-06-15 09:00 UTC by ada@example.com." in index.text
    rows = re.findall(r"<tr data-filter.*?</tr>", (out / "index.html").read_text(), re.DOTALL)
    texts = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    assert texts == [
        "churn v2 v2 v1 – accuracy 0.8 2026-06-12 09:00 UTC ada@example.com",
        "fraud Scores card payments. v3 – v2 @challenger v3 @champion v2 auc 0.93 · f1 0.74 "
        "2026-06-15 09:00 UTC ada@example.com",
        "ranker v1 – v1 – ndcg 0.5 2026-06-14 09:00 UTC ada@example.com",
    ]
    assert "<title>Models · Acme models</title>" in (out / "index.html").read_text()


def test_model_page_shows_versions_charts_timeline_and_policy(story: Story, cli: Runner, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, out).code == 0
    html = (out / "models/fraud/index.html").read_text()
    charts = re.findall(r'<figure class="chart">.*?</figure>', html, re.DOTALL)
    assert [re.search(r"<figcaption[^>]*>(.*?)</figcaption>", c).group(1) for c in charts] == ["auc", "f1"]  # type: ignore[union-attr]
    for chart in charts:
        assert re.findall(r'data-version="(\d+)"', chart) == ["1", "2", "3"]
    assert ('<desc id="chart-1-desc">One point per version, in version order. Highest: 0.94 (v3); lowest: 0.91 (v1). '
            "v2 is Production, @champion: 0.93. v3 is None, @challenger: 0.94.</desc>") in html
    production = _section_rows(html, "Versions that held Production, newest first")
    assert production == [
        "v2 2026-06-06 09:00 UTC {c} tom@example.com now Shadow run passed",
        "v1 2026-06-03 09:00 UTC {c} tom@example.com 2026-06-06 09:00 UTC {c} tom@example.com Replaces the rules engine",
    ]
    assert _section_rows(html, "Versions that held @champion, newest first") == [
        "v2 2026-06-07 09:00 UTC {c} tom@example.com now",
        "v1 2026-06-04 09:00 UTC {c} tom@example.com 2026-06-07 09:00 UTC {c} tom@example.com",
    ]
    assert _section_rows(html, "Versions that held Staging, newest first") == [
        "v2 2026-06-05 09:00 UTC {c} ada@example.com 2026-06-06 09:00 UTC {c} tom@example.com Merchant features",
    ]
    assert "No promotion policy: any stage may follow any other" in html


def _section_rows(html: str, caption: str) -> list[str]:
    """The rows of the table with CAPTION as text, commit ids shown as {c}."""
    table = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.DOTALL)
    texts = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    return [re.sub(r"\b[0-9a-f]{8}\b", "{c}", text) for text in texts]


def test_a_renamed_model_keeps_its_history_and_a_deleted_version_has_no_page(story: Story, cli: Runner,
                                                                             tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, out).code == 0
    ranker = (out / "models/ranker/index.html").read_text()
    assert _section_rows(ranker, "Versions that held Production, newest first") == [
        "v1 2026-06-13 09:00 UTC {c} ada@example.com now"]
    assert "renamed from old-ranker" in ranker
    assert not (out / "models/old-ranker").exists()
    assert not (out / "models/churn/versions/3.html").exists()
    activity = pages(out)["activity.html"].text
    assert "churn v3: deleted (was None)" in activity  # named, not linked: its page is gone
    assert "Target leakage" in activity


def test_version_page_has_manifest_lineage_artifact_and_history(story: Story, cli: Runner, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, out).code == 0
    v2 = pages(out)["models/fraud/versions/2.html"]
    assert "sha256 " + "a" * 64 + " Size 4.5 MiB (4,718,592 bytes)" in v2.text
    history = re.sub(r"\b[0-9a-f]{8}\b", "{c}", v2.text.split("oldest first", 1)[1].split("Manifest", 1)[0])
    assert history.split() == (
        "When Who What Why Commit "
        "2026-06-05 09:00 UTC ada@example.com registered in Staging Merchant features {c} "
        "2026-06-06 09:00 UTC tom@example.com Staging → Production Shadow run passed {c} "
        "2026-06-07 09:00 UTC tom@example.com @champion: v1 → v2 {c}").split()
    manifest = cli("resolve", "models:/fraud/2", "--json").stdout.rstrip("\n")  # the whole manifest, and its aliases
    assert f'<pre class="manifest"><code>{escape(manifest)}</code></pre>' in (out / "models/fraud/versions/2.html").read_text()
    v3 = out / "models/fraud/versions/3.html"
    parents = re.findall(r'<li><a href="([^"]+)"><code>(models:/[^<]+)</code></a></li>', v3.read_text())
    assert parents == [("../../../models/fraud/versions/2.html", "models:/fraud/2"),  # a version: its page
                       ("../../../models/fraud/index.html", "models:/fraud@champion")]  # an alias: the model's
    assert "<li><code>not-a-uri</code></li>" in v3.read_text()


def test_at_builds_the_registry_as_it_was(story: Story, cli: Runner, tmp_path: Path) -> None:
    out = tmp_path / "past"
    result = build(cli, out, "--at", story.before_v3)
    assert result.stdout.startswith("Built the site of 3 models and 5 versions (10 pages)")
    assert not (out / "models/fraud/versions/3.html").exists()
    assert (out / "models/fraud/versions/2.html").exists()
    index = pages(out)["index.html"].text
    assert "@challenger" not in index
    assert f"The registry as of {story.before_v3}: last registry commit {story.before_v3[:8]}" in index
    assert "2026-06-15" not in " ".join(p.text for p in pages(out).values())  # nothing from after


def test_the_same_registry_gives_the_same_bytes(story: Story, cli: Runner, tmp_path: Path) -> None:
    assert build(cli, tmp_path / "one").code == 0
    assert build(cli, tmp_path / "two").code == 0
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_rendering_in_forked_workers_gives_the_same_bytes(story: Story, cli: Runner, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from modelreg_cli.site import build as site_build

    assert build(cli, tmp_path / "one").code == 0
    monkeypatch.setattr(site_build, "PARALLEL_FROM", 1)  # what a registry of thousands of versions does
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    result = build(cli, tmp_path / "two")
    assert result.stdout.startswith("Built the site of 3 models and 6 versions (11 pages)")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_what_users_typed_is_escaped(registry_path: Path, cli: Runner, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    reg = Registry(registry_path)
    reg.create_model("m.x_y-z", description=HOSTILE, tags={"team": HOSTILE_TAG}, owners=["ada@example.com"])
    reg.register("m.x_y-z", f"s3://bucket/{HOSTILE_TAG}", metrics={"auc": 0.5}, params={"p": HOSTILE},
                 tags={"note": HOSTILE}, description=HOSTILE, run_id=HOSTILE_TAG, message=HOSTILE)
    reg.set_alias("m.x_y-z", "champ", 1, message=HOSTILE_TAG)
    out = tmp_path / "site"
    assert build(cli, out, "--title", HOSTILE).code == 0
    for name, text in ((p.relative_to(out).as_posix(), p.read_text()) for p in out.rglob("*.html")):
        assert "<script>alert" not in text and "<img src=x" not in text, name
        assert text.count("<script") == 1, name  # only the site's own script
    version = (out / "models/m.x_y-z/versions/1.html").read_text()
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in version
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in version
    assert Page(version).text.count(HOSTILE) >= 4  # shown as text: description, param, tag, why


def test_commit_url_links_commits_to_the_git_host(story: Story, cli: Runner, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, out, "--commit-url", "https://git.example.com/ml/registry/commit/{commit}").code == 0
    head = git(story.root, "rev-parse", "HEAD").strip()
    assert f'href="https://git.example.com/ml/registry/commit/{head}"' in (out / "activity.html").read_text()
    result = build(cli, tmp_path / "bad", "--commit-url", "https://git.example.com/commit/")
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == ("error: --commit-url 'https://git.example.com/commit/' has no {commit} to put the commit "
                             "in: e.g. https://github.com/org/registry/commit/{commit}\n")
    assert not (tmp_path / "bad").exists()


def test_activity_is_paged_and_links_each_event_to_its_commit(registry_path: Path, cli: Runner, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from modelreg_cli.site import build as site_build

    monkeypatch.setattr(site_build, "COMMITS_PER_PAGE", 2)
    reg = Registry(registry_path)
    for number in range(1, 4):
        reg.register("m", f"s3://m/{number}")
    out = tmp_path / "site"
    assert build(cli, out).code == 0
    commits = git(registry_path, "log", "--format=%H").split()
    assert [sorted(re.findall(r'id="commit-([0-9a-f]{40})"', (out / f).read_text()))
            for f in ("activity.html", "activity-2.html")] == [sorted(commits[:2]), sorted(commits[2:])]
    model = (out / "models/m/versions/1.html").read_text()
    assert f'href="../../../activity-2.html#commit-{commits[2]}"' in model


# --------------------------------------------------------------------------- the output folder


def test_a_site_built_before_is_replaced_whole(story: Story, cli: Runner, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(cli, out).code == 0
    (out / "models/stale").mkdir()
    (out / "models/stale/index.html").write_text("old")
    assert build(cli, out).code == 0
    assert not (out / "models/stale").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []  # no temp folder left behind


def test_a_folder_that_is_not_a_site_is_refused_and_left_alone(story: Story, cli: Runner, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = build(cli, out)
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (f"error: {out} is not empty and holds no site built by modelreg: give --output a new or "
                             "empty folder (a site built there before is replaced)\n")
    assert tree(out) == {"notes.txt": b"mine"}
    (tmp_path / "file").write_text("x")
    result = build(cli, tmp_path / "file")
    assert (result.code, result.stderr) == (1, f"error: {tmp_path / 'file'} is a file: give --output a folder for the site\n")


def test_a_bad_revision_writes_nothing(story: Story, cli: Runner, tmp_path: Path) -> None:
    before = snapshot(story.root)
    result = build(cli, tmp_path / "site", "--at", "no-such-rev")
    assert result.code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert not (tmp_path / "site").exists()
    assert snapshot(story.root) == before


def test_an_empty_registry_builds(registry_path: Path, cli: Runner, tmp_path: Path) -> None:
    result = build(cli, tmp_path / "site")
    assert result.stdout.startswith("Built the site of 0 models and 0 versions (2 pages)")
    assert "No models yet" in pages(tmp_path / "site")["index.html"].text


# --------------------------------------------------------------------------- the real entry point


def test_build_and_serve_through_the_installed_command(story: Story, sh: object, tmp_path: Path) -> None:
    out = tmp_path / "site"
    ran = subprocess.run([modelreg_executable(), "-R", str(story.root), "site", "build", "-o", str(out)],
                         capture_output=True, text=True)
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout.startswith("Built the site of 3 models and 6 versions (11 pages)")
    server = subprocess.Popen([modelreg_executable(), "-R", str(story.root), "site", "serve", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        match = re.fullmatch(r"Serving the site of 3 models at (http://127\.0\.0\.1:\d+/) \(Ctrl-C stops it\)\n", line)
        assert match, line + (server.stderr.read() if server.stderr else "")
        url = match.group(1)
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server on 127.0.0.1
            assert response.read() == (out / "index.html").read_bytes()
        with urllib.request.urlopen(url + "models/fraud/versions/2.html", timeout=10) as response:  # noqa: S310
            assert response.read() == (out / "models/fraud/versions/2.html").read_bytes()
        served_from = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob("modelreg-site-*")]
        server.send_signal(signal.SIGINT)
        out_text, err_text = server.communicate(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert (server.returncode, out_text, err_text) == (0, "Stopped\n", "")
    assert not [p for p in served_from if p.exists()]  # the temp folder is gone


def test_serve_on_a_busy_port_says_what_to_do(story: Story, cli: Runner) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("site", "serve", "--port", str(port))
    assert result.code == 1
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port} (")
    assert result.stderr.endswith("): pass --port with another port, or --port 0 for any free one\n")


def test_names_mlflow_allows_get_one_folder_each_and_links_that_reach_them(registry_path: Path, cli: Runner,
                                                                           tmp_path: Path) -> None:
    names = ["team/fraud", "fraud detector", "détecteur"]
    for name in names:
        assert cli("register", name, "s3://m/1").code == 0
    out = tmp_path / "site"
    assert build(cli, out).code == 0
    assert sorted(path.name for path in (out / "models").iterdir()) == ["d%C3%A9tecteur", "fraud%20detector",
                                                                        "team%2Ffraud"]
    found = pages(out)
    for name, page in found.items():
        for link in page.links:
            path = link.partition("#")[0]
            if path:
                assert ((out / name).parent / unquote(path)).resolve().is_file(), f"{name}: {link} leads nowhere"
    assert "team/fraud" in found["models/team%2Ffraud/index.html"].text
