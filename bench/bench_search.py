#!/usr/bin/env python3
"""Benchmark `modelreg search` (and `list`) with and without the manifest cache.

    python bench/bench_search.py [--sizes 1000,10000] [--repeat 3] [--keep]
    python bench/bench_search.py --sizes 100000 --repeat 2      # ~2 minutes to build

Registries are built by bench_core.build_registry (N versions over N/10 models, canonical YAML,
one commit). Every command runs as a fresh process (wall clock, best of --repeat):

* cold:  the cache file is deleted before each run: parse every manifest, then write the cache;
* warm:  the cache is there and every file is clean: no manifest is parsed;
* after a write: `transition` changed two files since the cache was written (each run its own);
* resolve: a single-model read, which must not load the cache (compare with bench_core).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import bench_core
from bench_core import (
    VERSIONS_PER_MODEL,
    bench_env,
    build_registry,
    find_modelreg,
    import_package_or_reexec,
    parse_sizes,
    print_aligned,
    run,
    timed,
)

CACHE = Path(".git") / "modelreg" / "cache-v1.marshal"

SEARCHES = {
    "search models": ["search", "tags.team = 'team-3' AND metrics.accuracy > 0.95", "--max-results", "20"],
    "search versions": ["search", "--versions", "stage = 'Production' AND metrics.accuracy > 0.9",
                        "--order-by", "metrics.accuracy DESC", "--max-results", "20"],
    "search --json": ["search", "--versions", "params.lr = '0.01' AND alias = 'champion'", "--json"],
    "list --json": ["list", "--json"],
}


def time_all(modelreg: str, root: Path, size: int, repeat: int, env: dict[str, str]) -> dict[str, float]:
    """Best wall-clock ms of each measurement on the registry at ROOT."""
    r = [modelreg, "-R", str(root)]
    best: dict[str, float] = {}

    def keep(label: str, elapsed: float) -> None:
        best[label] = min(best.get(label, float("inf")), elapsed)

    run([*r, "list"], env, cwd=str(root))  # bytecode and page cache
    for label, args in SEARCHES.items():
        for _ in range(repeat):
            (root / CACHE).unlink(missing_ok=True)
            keep(f"{label}, cold", timed([*r, *args], env, str(root)))
        for _ in range(repeat):
            keep(f"{label}, warm", timed([*r, *args], env, str(root)))
    name = bench_core.target_model(size)
    stages = ["Staging", "Archived", "None"]  # version 1 starts Archived: each transition is a real change
    for i in range(repeat):  # a transition rewrites one manifest: the next search parses it, rewrites the cache
        run([*r, "transition", name, "1", stages[i % len(stages)]], env, cwd=str(root))
        keep("search versions, after a write", timed([*r, *SEARCHES["search versions"]], env, str(root)))
    for _ in range(repeat):
        keep("resolve (one model)", timed([*r, "resolve", f"models:/{name}@champion"], env, str(root)))
    best["cache file (MB)"] = (root / CACHE).stat().st_size / 1e6
    return best


def print_table(sizes: list[int], table: dict[int, dict[str, float]], repeat: int) -> None:
    rows = [[row] + [f"{table[size][row]:.1f}" if "MB" in row else f"{table[size][row]:.0f}" for size in sizes]
            for row in table[sizes[0]]]
    print_aligned("columns = versions in the registry (10 per model)",
                  [f"fresh process, ms (best of {repeat})"] + [f"{size:,}" for size in sizes], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated sizes in versions (default: 1000,10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept (default: 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temp registries and print where they are")
    args = parser.parse_args()
    sizes = parse_sizes(parser, "--sizes", args.sizes, VERSIONS_PER_MODEL, args.repeat)

    modelreg = find_modelreg()
    import_package_or_reexec(modelreg)
    env = bench_env()
    for line in bench_core.machine_facts(modelreg, env):
        print(line)
    workdir = Path(tempfile.mkdtemp(prefix="modelreg-bench-search-"))
    table: dict[int, dict[str, float]] = {}
    try:
        for size in sizes:
            start = time.perf_counter()
            root = workdir / f"registry-{size}"
            build_registry(root, size, env)
            print(f"size {size:>7,}: built in {time.perf_counter() - start:.1f}s; timing...", flush=True)
            table[size] = time_all(modelreg, root, size, args.repeat, env)
    finally:
        if args.keep:
            print(f"kept the registries in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(sizes, table, args.repeat)


if __name__ == "__main__":
    main()
