#!/usr/bin/env python3
"""Benchmark `modelreg site build` on registries of 1,000 and 10,000 versions.

    python bench/bench_site.py [--sizes 1000,10000] [--repeat 2] [--keep]

Registries are built by bench_core.build_registry (N versions over N/10 models, canonical YAML, one
commit). Each build runs as a fresh process (wall clock, best of --repeat) into a folder that holds
the previous build, so it is replaced as in CI. Below the build time, the same build in this process
split into reading the history (`Registry.history()`), reading the models and rendering the pages;
then the pages written, the time per page and the size of the site. See bench/README.md.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench_core import (
    VERSIONS_PER_MODEL,
    bench_env,
    build_registry,
    find_modelreg,
    import_package_or_reexec,
    machine_facts,
    parse_sizes,
    print_aligned,
    timed,
)


def measure(modelreg: str, root: Path, out: Path, repeat: int, env: dict[str, str]) -> dict[str, float]:
    best = min(timed([modelreg, "-R", str(root), "site", "build", "-o", str(out)], env, str(root))
               for _ in range(repeat))
    files = [path for path in out.rglob("*") if path.is_file()]
    pages = sum(1 for path in files if path.suffix == ".html")
    return {"build (s)": best / 1000, **split(root, out.parent / f"{out.name}-split"), "pages": pages,
            "ms per page": best / pages, "site (MB)": sum(path.stat().st_size for path in files) / 1e6}


def split(root: Path, out: Path) -> dict[str, float]:
    """Where a build's time goes, in this process: reading history, reading the models, rendering."""
    from modelreg_cli.service import Registry
    from modelreg_cli.site import build, content

    registry = Registry(root)
    start = time.perf_counter()
    registry.history()
    history = time.perf_counter()
    gathered = content.gather(registry)  # reads history again, then the models (through the manifest cache)
    gather = time.perf_counter()
    out.mkdir()
    build.render_site(gathered, out, title="bench", commit_url=None, at=None)
    done = time.perf_counter()
    return {"  history() (s)": history - start, "  models (s)": max(0.0, (gather - history) - (history - start)),
            "  render (s)": done - gather}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated sizes in versions (default: 1000,10000)")
    parser.add_argument("--repeat", type=int, default=2, help="builds per size; the best is kept (default: 2)")
    parser.add_argument("--keep", action="store_true", help="keep the temp registries and sites and print where they are")
    args = parser.parse_args()
    sizes = parse_sizes(parser, "--sizes", args.sizes, VERSIONS_PER_MODEL, args.repeat)

    modelreg = find_modelreg()
    import_package_or_reexec(modelreg)
    env = bench_env()
    for line in machine_facts(modelreg, env):
        print(line)
    workdir = Path(tempfile.mkdtemp(prefix="modelreg-bench-site-"))
    table: dict[int, dict[str, float]] = {}
    try:
        for size in sizes:
            start = time.perf_counter()
            root = workdir / f"registry-{size}"
            build_registry(root, size, env)
            print(f"size {size:>7,}: built in {time.perf_counter() - start:.1f}s; timing...", flush=True)
            table[size] = measure(modelreg, root, workdir / f"site-{size}", args.repeat, env)
    finally:
        if args.keep:
            print(f"kept the registries and sites in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    formats = {"build (s)": "{:.1f}", "  history() (s)": "{:.1f}", "  models (s)": "{:.1f}", "  render (s)": "{:.1f}",
               "pages": "{:,.0f}", "ms per page": "{:.2f}", "site (MB)": "{:.1f}"}
    rows = [[row] + [formats[row].format(table[size][row]) for size in sizes] for row in formats]
    print_aligned(f"columns = versions in the registry ({VERSIONS_PER_MODEL} per model); fresh process, best of "
                  f"{args.repeat}", ["modelreg site build"] + [f"{size:,}" for size in sizes], rows)


if __name__ == "__main__":
    main()
