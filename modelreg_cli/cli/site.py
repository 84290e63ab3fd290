"""`modelreg site build` and `modelreg site serve`: the registry as a static web site."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from modelreg_cli.cli.common import AtOption, OfflineOption, RegistryOption, open_registry_at

site_app = typer.Typer(
    help="A static web view of the registry: models, versions, metric charts, who held each stage when.",
    no_args_is_help=True,
)

TitleOption = Annotated[str, typer.Option("--title", help="The site's title, shown on every page.")]
CommitUrlOption = Annotated[
    str | None,
    typer.Option("--commit-url", help="Link commits to your git host: a URL with {commit} in it, e.g. "
                 "https://github.com/org/registry/commit/{commit} (default: the site's activity page).",
                 show_default=False),
]


@site_app.command()
def build(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder to write the site to; a site built there before is "
                           "replaced, any other non-empty folder is refused.")
    ] = Path("_site"),
    at: AtOption = None,
    title: TitleOption = "Model registry",
    commit_url: CommitUrlOption = None,
    registry: RegistryOption = None,
    offline: OfflineOption = False,
) -> None:
    """Build the static site: index.html, a page per model and per version, and the activity log.

    Open DIR/index.html from disk, or publish the folder (GitHub or GitLab Pages: see docs/site.md)."""
    from modelreg_cli.site.build import build_site

    built = build_site(open_registry_at(ctx, registry, at, offline), output, title=title, commit_url=commit_url, at=at)
    typer.echo(f"Built the site of {_count(built.models, 'model')} and {_count(built.versions, 'version')} "
               f"({_count(built.pages, 'page')}) in {built.path}: open {built.path / 'index.html'}")


@site_app.command()
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 to serve on; 0 "
                                      "picks a free one.")] = 8000,
    at: AtOption = None,
    title: TitleOption = "Model registry",
    commit_url: CommitUrlOption = None,
    registry: RegistryOption = None,
    offline: OfflineOption = False,
) -> None:
    """Build the site in a temp folder and serve it on 127.0.0.1 for a local look; Ctrl-C stops it."""
    import tempfile

    from modelreg_cli.site.build import build_site
    from modelreg_cli.site.serve import open_server, url_of

    opened = open_registry_at(ctx, registry, at, offline)
    with tempfile.TemporaryDirectory(prefix="modelreg-site-") as temp:
        built = build_site(opened, Path(temp) / "site", title=title, commit_url=commit_url, at=at)
        with open_server(built.path, port) as server:
            typer.echo(f"Serving the site of {_count(built.models, 'model')} at {url_of(server)} (Ctrl-C stops it)")
            sys.stdout.flush()
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                typer.echo("Stopped")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'s' if number != 1 else ''}"
