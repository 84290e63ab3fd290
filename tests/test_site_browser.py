"""The built site in a real browser: Debian's Chromium, headless, driven by Playwright, the site opened
from disk (file://). Every request is intercepted: only file:// may load, anything else is aborted and
fails the test, as does any console error.

Chromium comes from the distribution (`apt-get install chromium`; .ci/run installs it), never from
`playwright install`. Without it these tests skip, except in CI ($CI set), where they fail.

Screenshots of the index and a model page are written under the test's tmp_path, and also to
$MODELREG_SCREENSHOTS when set (`make screenshots` sets it to docs/images)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from test_site import tell_story

from conftest import Runner, modelreg_executable

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request, Route

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# Read now: the autouse git_env fixture clears every MODELREG_* variable before each test.
SCREENSHOTS = os.environ.get("MODELREG_SCREENSHOTS")
CHROMIUM = os.environ.get("MODELREG_CHROMIUM")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str:
    for candidate in (CHROMIUM, "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return _missing("Chromium is not installed: apt-get install chromium (.ci/run does it in CI)")


def _missing(reason: str) -> str:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed: pip install -e '.[ci]' (make test does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@dataclass
class Tab:
    """A page whose every request and console error is recorded; requests off the machine are aborted."""

    page: Page
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: Path) -> None:
        self.page.goto(path.as_uri())

    def assert_clean(self) -> None:
        assert self.blocked == [], "requests left the machine"
        assert self.errors == [], "the console had errors"
        assert self.requests and all(url.startswith("file://") for url in self.requests)


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme="light")
    tab = Tab(context.new_page())

    def route(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            tab.blocked.append(route.request.url)
            route.abort()

    def request(request: Request) -> None:
        tab.requests.append(request.url)

    context.route("**/*", route)
    tab.page.on("request", request)
    tab.page.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()


@pytest.fixture
def site(registry_path: Path, cli: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tell_story(registry_path, monkeypatch)
    out = tmp_path / "site"
    assert cli("site", "build", "-o", str(out)).code == 0
    return out


def visible_models(tab: Tab) -> list[str]:
    rows = tab.page.locator("#models tbody tr:visible th a")
    return [str(text) for text in rows.all_inner_texts()]


# --------------------------------------------------------------------------- the tests


def test_the_harness_sees_a_request_that_would_leave_and_a_console_error(tab: Tab, tmp_path: Path) -> None:
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><img src="https://cdn.example.com/x.png"><script>console.error("boom")</script>')
    tab.open(page)
    assert tab.blocked == ["https://cdn.example.com/x.png"]
    assert "boom" in tab.errors
    with pytest.raises(AssertionError):
        tab.assert_clean()


def test_the_index_lists_the_models_and_the_filter_box_narrows_them(tab: Tab, site: Path) -> None:
    tab.open(site / "index.html")
    assert visible_models(tab) == ["churn", "fraud", "ranker"]
    box = tab.page.get_by_label("Filter models")
    status = tab.page.locator(".filter [role=status]")
    assert status.inner_text() == "3 of 3 models"
    box.press_sequentially("fra")
    assert visible_models(tab) == ["fraud"]
    assert status.inner_text() == "1 of 3 models"
    box.fill("")
    box.press_sequentially("production")  # a stage someone holds: every model here
    assert visible_models(tab) == ["churn", "fraud", "ranker"]
    box.fill("")
    box.press_sequentially("team=risk")  # a tag
    assert visible_models(tab) == ["fraud"]
    box.fill("nothing like it")
    assert visible_models(tab) == []
    assert status.inner_text() == "0 of 3 models"
    box.fill("")
    assert visible_models(tab) == ["churn", "fraud", "ranker"]
    tab.assert_clean()


def test_a_model_chart_has_a_mark_per_version_and_a_click_reaches_the_version_page(tab: Tab, site: Path) -> None:
    tab.open(site / "index.html")
    tab.page.get_by_role("link", name="fraud", exact=True).click()
    assert tab.page.url == (site / "models/fraud/index.html").as_uri()
    charts = tab.page.locator("figure.chart")
    assert charts.count() == 2
    for index in range(2):
        marks = charts.nth(index).locator("circle.mark")
        assert [marks.nth(i).get_attribute("data-version") for i in range(marks.count())] == ["1", "2", "3"]
    auc = tab.page.get_by_role("group", name="auc of fraud across 3 versions")
    assert auc.count() == 1
    auc.get_by_role("link", name="v2: auc 0.93, Production, @champion").locator("circle.mark").click()
    assert tab.page.url == (site / "models/fraud/versions/2.html").as_uri()
    assert " ".join(tab.page.locator("h1").inner_text().split()) == "fraud v2 Production @champion"
    tab.assert_clean()


def test_a_table_sorts_by_any_column(tab: Tab, site: Path) -> None:
    tab.open(site / "models/fraud/index.html")
    table = tab.page.locator("#versions-table")

    def versions() -> list[str]:
        return [str(t) for t in table.locator("tbody th").all_inner_texts()]

    assert versions() == ["v3", "v2", "v1"]
    header = table.locator("thead th", has_text="auc")
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert versions() == ["v1", "v2", "v3"]
    table.locator("thead th", has_text="Stage").get_by_role("button").click()  # by the stages' order
    assert versions() == ["v3", "v2", "v1"] or versions() == ["v3", "v1", "v2"]
    assert [str(t) for t in table.locator("tbody td:nth-child(2)").all_inner_texts()] == ["None", "Production", "Archived"]
    header.get_by_role("button").click()
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert versions() == ["v3", "v2", "v1"]
    tab.assert_clean()


# --------------------------------------------------------------------------- the sample registry, page by page


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample registry with its whole history (scripts/make_sample_registry.sh --history), built."""
    work = tmp_path_factory.mktemp("sample")
    home = work / "home"
    home.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "MODELREG_"))},
           "HOME": str(home), "MODELREG": modelreg_executable(), "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    registry = work / "registry"
    made = subprocess.run(["bash", str(ROOT / "scripts/make_sample_registry.sh"), "--history", str(registry)],
                          env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    out = work / "site"
    built = subprocess.run([modelreg_executable(), "-R", str(registry), "site", "build", "-o", str(out),
                            "--title", "Acme model registry"], env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return out


def test_every_page_of_the_sample_site_loads_cleanly_and_screenshots_are_saved(tab: Tab, sample_site: Path,
                                                                               tmp_path: Path) -> None:
    pages = sorted(sample_site.rglob("*.html"))
    assert len(pages) == 22
    for page in pages:
        tab.open(page)
        assert tab.page.locator("h1").count() == 1, page
    tab.assert_clean()
    shots = [tmp_path / "shots"]
    if SCREENSHOTS:
        shots.append(Path(SCREENSHOTS))
    for folder in shots:
        folder.mkdir(parents=True, exist_ok=True)
    for name, shown, clip in (("site-index.png", "index.html", None),
                              ("site-model.png", "models/fraud-detector/index.html", 2000)):
        tab.open(sample_site / shown)
        image = _screenshot(tab.page, clip)
        for folder in shots:
            (folder / name).write_bytes(image)
    for name in ("site-index.png", "site-model.png"):
        data = (tmp_path / "shots" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, name
    tab.assert_clean()


def _screenshot(page: Page, height: int | None) -> bytes:
    options: dict[str, Any] = {"full_page": True, "animations": "disabled"}
    if height is not None:
        options["clip"] = {"x": 0, "y": 0, "width": 1200, "height": height}
    return page.screenshot(**options)
