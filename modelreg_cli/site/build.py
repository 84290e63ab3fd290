"""`modelreg site build`: the registry as static HTML pages, rendered with Jinja2.

    index.html                          every model: latest version, stage holders, aliases, live metrics
    models/NAME/index.html              versions table, metric charts, who held what when, policy
    models/NAME/versions/N.html         the whole manifest, lineage, artifact, the version's history
    activity.html, activity-2.html ...  the registry's log, newest first
    static/                             the stylesheet, the script and the icon shipped in the package

Every link is relative and nothing is fetched at view time, so the folder works from file://, under
a sub-path of a Pages site, and offline. The same registry gives the same bytes. The pages are built
in a temp folder beside the output and moved into place at the end: a failed build leaves the
output as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from modelreg_cli.core.names import model_folder
from modelreg_cli.errors import InvalidInputError
from modelreg_cli.site import charts, content, words

if TYPE_CHECKING:
    from jinja2 import Environment

    from modelreg_cli.core.manifests import Gate, ModelVersion
    from modelreg_cli.service import Registry
    from modelreg_cli.site.content import ModelContent, RegistryContent

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
GENERATOR = '<meta name="generator" content="modelreg'
COMMITS_PER_PAGE = 100
EVENTS_PER_COMMIT = 100
RECENT_CHANGES = 15
DEFAULT_TITLE = "Model registry"


@dataclass(frozen=True)
class Built:
    path: Path
    models: int
    versions: int
    pages: int


def build_site(
    registry: Registry,
    output: Path,
    *,
    title: str = DEFAULT_TITLE,
    commit_url: str | None = None,
    at: str | None = None,
) -> Built:
    """Write the site of REGISTRY (already opened at AT, when given) to OUTPUT, replacing a site built
    there before. COMMIT_URL ('https://host/org/repo/commit/{commit}') links commits to the git host;
    without it they link to the activity page."""
    if commit_url is not None and "{commit}" not in commit_url:
        raise InvalidInputError(f"--commit-url {commit_url!r} has no {{commit}} to put the commit in: "
                                "e.g. https://github.com/org/registry/commit/{commit}")
    output = output.expanduser().absolute()
    check_output(output)
    gathered = content.gather(registry)  # everything is read before anything is written
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
    try:
        pages = render_site(gathered, temp, title=title, commit_url=commit_url, at=at)
        _replace(temp, output)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return Built(output, len(gathered.models), gathered.version_count, pages)


def check_output(output: Path) -> None:
    """OUTPUT may be new, empty, or a site modelreg built before (which is replaced); nothing else."""
    if not output.exists():
        return
    if not output.is_dir():
        raise InvalidInputError(f"{output} is a file: give --output a folder for the site")
    if not any(output.iterdir()):
        return
    index = output / "index.html"
    try:
        built_here = index.is_file() and GENERATOR in index.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        built_here = False
    if not built_here:
        raise InvalidInputError(f"{output} is not empty and holds no site built by modelreg: give --output a new or "
                                "empty folder (a site built there before is replaced)")


def _replace(new: Path, output: Path) -> None:
    """Put NEW where OUTPUT is, with OUTPUT never half-written: renames, then remove the old site."""
    new.chmod(0o755)  # mkdtemp makes it private; a site is for reading
    if not output.exists():
        os.replace(new, output)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    os.replace(output, old / "site")
    try:
        os.replace(new, output)
    except OSError:
        os.replace(old / "site", output)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- rendering


def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(number=charts.number_text, minute=words.minute, size=words.size_text, change=words.change)
    return env


class Links:
    """Relative links from a page DEPTH folders below the site's top."""

    def __init__(self, depth: int, sitemap: Sitemap) -> None:
        self._up = "../" * depth
        self._map = sitemap

    def index(self) -> str:
        return f"{self._up}index.html"

    def static(self, name: str) -> str:
        return f"{self._up}static/{name}"

    def model(self, name: str) -> str:
        return f"{self._up}models/{quote(model_folder(name), safe='')}/index.html"

    def version(self, name: str, number: int) -> str:
        return f"{self._up}models/{quote(model_folder(name), safe='')}/versions/{number}.html"

    def activity(self, page: int) -> str:
        return f"{self._up}{activity_file(page)}"

    def commit(self, commit: str) -> str:
        if self._map.commit_url is not None:
            return self._map.commit_url.replace("{commit}", commit)
        return f"{self.activity(self._map.commit_pages.get(commit, 1))}#commit-{commit}"

    def has_model(self, name: str) -> bool:
        return name in self._map.versions

    def has_version(self, name: str, number: int) -> bool:
        return number in self._map.versions.get(name, ())


class PageLinks:
    """The Links of the page being rendered, for the templates' macros (pages render one at a time)."""

    def __init__(self, page: Links) -> None:
        self.page = page

    def __getattr__(self, name: str) -> Any:
        return getattr(self.page, name)


@dataclass(frozen=True)
class Sitemap:
    versions: dict[str, set[int]]
    """Each model with a page, and its versions."""
    commit_pages: dict[str, int]
    """Which activity page shows each commit."""
    commit_url: str | None


def activity_file(page: int) -> str:
    return "activity.html" if page == 1 else f"activity-{page}.html"


def stage_class(config_stages: list[str], exclusive: list[str]) -> Any:
    """The CSS class of a stage (or '@alias'): its role, so custom stage lists get colours too."""
    others = [s for s in config_stages[1:] if s not in exclusive and s.lower() != "archived"]

    def css(stage: str) -> str:
        if stage.startswith("@"):
            return "alias"
        if stage == config_stages[0]:
            return "st-initial"
        if stage in exclusive:
            return "st-live"
        if stage.lower() == "archived":
            return "st-archived"
        index = others.index(stage) if stage in others else 0
        return "st-other" if index % 3 == 0 else f"st-other-{index % 3 + 1}"

    return css


PARALLEL_FROM = 2000
"""Sites with at least this many versions render their model pages in several processes (fork)."""


def render_site(gathered: RegistryContent, out: Path, *, title: str, commit_url: str | None, at: str | None) -> int:
    """Every page and the static files into OUT (an empty folder); returns how many pages."""
    from modelreg_cli.version import __version__

    chunks = [gathered.entries[i:i + COMMITS_PER_PAGE] for i in range(0, len(gathered.entries), COMMITS_PER_PAGE)] or [[]]
    sitemap = Sitemap(
        versions={m.name: {v.version for v in m.versions} for m in gathered.models},
        commit_pages={entry.commit.id: page for page, chunk in enumerate(chunks, 1) for entry in chunk},
        commit_url=commit_url,
    )
    common = {"title": title, "version": __version__, "content": gathered, "state": _state(gathered, at)}
    pages = PageWriter(out, gathered, sitemap, common)
    pages.write("index.html", "index.html", 0, section="models", rows=list(_index_rows(gathered)))
    for page, chunk in enumerate(chunks, 1):
        pages.write(activity_file(page), "activity.html", 0, section="activity", entries=chunk, page=page,
                    pages=len(chunks), total=len(gathered.entries), event_limit=EVENTS_PER_COMMIT)
    count = pages.count + _model_pages(pages, gathered)
    (out / "static").mkdir()
    for asset in sorted(STATIC.iterdir()):
        if asset.is_file():
            shutil.copyfile(asset, out / "static" / asset.name)
    return count


class PageWriter:
    """Renders templates into files under OUT; `count` says how many it wrote."""

    def __init__(self, out: Path, gathered: RegistryContent, sitemap: Sitemap, common: dict[str, Any]) -> None:
        self.out, self.gathered, self.common = out, gathered, common
        self.env = environment()
        self.env.filters["stage_class"] = stage_class(gathered.config.stages, gathered.config.exclusive_stages)
        self.links = {depth: Links(depth, sitemap) for depth in (0, 2, 3)}
        self._here = PageLinks(self.links[0])
        self.env.globals["links"] = self._here  # the macros' view of the page being rendered (imported once)
        self.count = 0

    def write(self, relative: str, template: str, depth: int, **context: Any) -> None:
        path = self.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self._here.page = self.links[depth]
        html = self.env.get_template(template).render(**self.common, **context)
        path.write_text(html, encoding="utf-8", newline="\n")
        self.count += 1

    def model(self, model: ModelContent) -> None:
        """The model's page and its versions' pages."""
        gathered = self.gathered
        folder = f"models/{model_folder(model.name)}"  # the registry's own folder name: one level, always
        stage_order = {stage: index for index, stage in enumerate(gathered.config.stages)}
        self.write(f"{folder}/index.html", "model.html", 2, section="models", m=model,
                   stage_order=stage_order, **_model_context(gathered, model))
        numbers = [v.version for v in model.versions]
        for index, version in enumerate(model.versions):
            self.write(f"{folder}/versions/{version.version}.html", "version.html", 3, section="models", m=model,
                       v=version, previous=numbers[index - 1] if index > 0 else None,
                       next=numbers[index + 1] if index + 1 < len(numbers) else None,
                       parents=list(_parents(version, self.links[3])),
                       history=model.by_version.get(version.version, []), manifest=_manifest(version))


_FORKED: PageWriter | None = None
"""The writer a forked worker inherits from its parent."""


def _model_pages(pages: PageWriter, gathered: RegistryContent) -> int:
    """Every model's pages: in this process, or split over forked workers for a big registry (each page
    is its own file, so the result is the same bytes either way)."""
    import multiprocessing

    workers = min(os.cpu_count() or 1, 8)
    if gathered.version_count < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        before = pages.count
        for model in gathered.models:
            pages.model(model)
        return pages.count - before
    global _FORKED
    from concurrent.futures import ProcessPoolExecutor

    for model in gathered.models:  # folders first: workers then never race to make the same one
        (pages.out / "models" / model.name / "versions").mkdir(parents=True, exist_ok=True)
    _FORKED = pages
    try:
        shares = [list(range(start, len(gathered.models), workers)) for start in range(workers)]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return sum(pool.map(_render_share, shares))
    finally:
        _FORKED = None


def _render_share(indexes: list[int]) -> int:
    pages = _FORKED
    assert pages is not None, "only a forked worker renders a share"
    pages.count = 0
    for index in indexes:
        pages.model(pages.gathered.models[index])
    return pages.count


def _state(gathered: RegistryContent, at: str | None) -> str:
    head = gathered.head
    last = f"last registry commit {head.id[:8]} ({words.minute(head.time)})" if head else "no commits yet"
    return f"The registry as of {at}: {last}" if at is not None else f"The registry's files; {last}"


@dataclass(frozen=True)
class IndexRow:
    model: ModelContent
    summary: str
    headline: list[tuple[str, float]]
    filter_text: str
    last_time: str


HEADLINE_METRICS = 4


def _index_rows(gathered: RegistryContent) -> Iterator[IndexRow]:
    live = gathered.live_stage
    for model in gathered.models:
        holder = model.holder(live) if live else None
        headline = sorted(holder.metrics.items())[:HEADLINE_METRICS] if holder else []
        summary = model.model.description.strip().splitlines()[0] if model.model.description.strip() else ""
        if len(summary) > 140:
            summary = summary[:139] + "…"
        words_of = [model.name, model.model.description, *model.model.owners,
                    *(f"{k}={v}" for k, v in model.model.tags.items()),
                    *(f"@{alias}" for alias in model.model.aliases),
                    *(stage for stage in model.model.stages if stage in gathered.promotion_stages)]
        last = model.last_change.commit.time if model.last_change else model.model.updated_at
        yield IndexRow(model, summary, headline, " ".join(words_of).lower(), last)


def _model_context(gathered: RegistryContent, model: ModelContent) -> dict[str, Any]:
    policy = gathered.config.policy
    gates: list[tuple[str, Gate]] = []
    if policy is not None:
        gates += [(f"Entering {stage}", gate) for stage, gate in policy.gates.items()]
        gates += [(f"@{alias} (protected alias)", gate) for alias, gate in policy.protected_aliases.items()]
    return {
        "metrics": model.metric_names(),
        "charts": content.metric_charts(gathered, model),
        "timeline": content.timeline_chart(gathered, model),
        "targets": content.timeline_targets(gathered, model),
        "policy": policy,
        "gates": gates,
        "recent": list(reversed(model.happenings[-RECENT_CHANGES:])),
    }


def _parents(version: ModelVersion, links: Links) -> Iterator[tuple[str, str | None]]:
    """Each parent of VERSION with a link to its page, when it names one on this site."""
    from modelreg_cli.core.uri import parse_model_uri
    from modelreg_cli.errors import ModelregError

    for parent in version.lineage.parents:
        try:
            uri = parse_model_uri(parent)
        except ModelregError:
            yield parent, None
            continue
        if uri.kind == "version" and links.has_version(uri.name, int(uri.value)):
            yield parent, links.version(uri.name, int(uri.value))
        elif links.has_model(uri.name):
            yield parent, links.model(uri.name)
        else:
            yield parent, None


def _manifest(version: ModelVersion) -> str:
    """The manifest as `modelreg resolve URI --json` prints it (JSON is fast to write: 10,000 pages)."""
    import json

    return json.dumps(version.model_dump(mode="json"), indent=2, ensure_ascii=False)
