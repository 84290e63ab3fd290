#!/usr/bin/env python3
"""Benchmark modelreg's history commands (log, diff, --at, rollback) on registries with long histories.

    python bench/bench_history.py [--commits 100,1000] [--repeat 3] [--keep]

For each size N it builds a registry whose history has N commits: a realistic mix of register,
transition (archiving the holder of Production), alias moves and tags over 20 models, one in ten
commits on the model the commands look at. The commits are made by modelreg's own pure change
rules (core/changes.py: the same files and commit messages the CLI writes), with pinned authors and
dates, and streamed into `git fast-import`, so 1,000 commits take about a second to build. Then it
times the CLI as fresh processes (wall clock, best of --repeat). See bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_core import (
    bench_env,
    find_modelreg,
    import_package_or_reexec,
    machine_facts,
    parse_sizes,
    print_aligned,
    run,
    timed,
)

MODELS = 20
TARGET = "model-007"
PEOPLE = ["ada@example.com", "bob@example.com", "carol@example.com"]
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- building the history


def plan_commits(count: int) -> list[tuple[str, str, dict[str, str], list[str], str]]:
    """COUNT commits as (author, time, writes, deletes, message), made by modelreg's own change rules."""
    from modelreg_cli.core import changes, layout
    from modelreg_cli.core.changes import RegisterRequest, Stamp
    from modelreg_cli.core.manifests import RegistryConfig, format_timestamp
    from modelreg_cli.core.serialize import dump_document
    from modelreg_cli.core.state import ModelState

    rng = random.Random(count)
    config = RegistryConfig()
    states: dict[str, ModelState] = {}
    commits: list[tuple[str, str, dict[str, str], list[str], str]] = []
    init = {layout.CONFIG_FILE: dump_document(config), f"{layout.MODELS_DIR}/.gitkeep": ""}
    commits.append((PEOPLE[0], format_timestamp(BASE_TIME), init, [], "init model registry\n"))
    # The target model gets a known start (two promotions, so rollback has history), then one commit in ten.
    script = [("register", TARGET), ("release", TARGET), ("register", TARGET), ("release", TARGET)]
    for index in range(1, count):
        stamp = Stamp(PEOPLE[index % len(PEOPLE)], format_timestamp(BASE_TIME + timedelta(hours=index)))
        if script:
            op, name = script.pop(0)
        else:
            name = TARGET if rng.random() < 0.1 else f"model-{rng.randrange(MODELS):03d}"
            op = rng.choices(["register", "promote", "alias", "tag"], weights=[3, 3, 2, 2])[0]
        state = states.get(name)
        change: changes.Change | None = None
        if state is None or op == "register" or not state.versions:
            if state is None:
                state, _ = changes.create_model(states, name, stamp, owners=["ml-team@example.com"])
                states[name] = state
            metrics = {"auc": round(rng.uniform(0.7, 0.99), 4), "loss": round(rng.uniform(0.05, 0.6), 4)}
            _, change = changes.register(config, state, states, RegisterRequest(name, f"s3://bench/{name}/{index}",
                                                                               metrics=metrics), stamp)
        elif op == "release":  # the latest version to Production
            _, change = changes.transition(config, state, max(state.versions), "Production", stamp, archive_existing=True)
        elif op == "promote":
            number = rng.choice(sorted(state.versions)[-3:])
            stage = rng.choice(["Staging", "Production", "Production"])
            _, change = changes.transition(config, state, number, stage, stamp, archive_existing=True,
                                           message=f"evaluation run {index}")
        elif op == "alias":
            alias = rng.choice(["champion", "challenger"])
            change = changes.set_alias(state, alias, rng.choice(sorted(state.versions)), stamp)
        if change is None:  # tag, or an op that had nothing to change
            change = changes.set_tag(state, "note", f"commit {index}", stamp)
        assert change is not None
        commits.append((stamp.who, stamp.when, change.writes, change.deletes, change.commit_message()))
    return commits


def fast_import_stream(commits: list[tuple[str, str, dict[str, str], list[str], str]]) -> bytes:
    out = bytearray()
    for mark, (who, when, writes, deletes, message) in enumerate(commits, start=1):
        seconds = int(datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp())
        ident = f"{who.split('@')[0].title()} <{who}> {seconds} +0000"
        body = message.encode()
        out += f"commit refs/heads/main\nmark :{mark}\nauthor {ident}\ncommitter {ident}\n".encode()
        out += f"data {len(body)}\n".encode() + body + b"\n"
        if mark > 1:
            out += f"from :{mark - 1}\n".encode()
        for path, text in writes.items():
            data = text.encode()
            out += f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"
        for path in deletes:
            out += f"D {path}\n".encode()
        out += b"\n"
    return bytes(out)


def build_registry(root: Path, count: int, env: dict[str, str]) -> None:
    """A registry at ROOT whose main branch has COUNT commits, checked out."""
    root.mkdir(parents=True)
    run(["git", "-c", "init.defaultBranch=main", "init", "-q"], env, cwd=str(root))
    stream = fast_import_stream(plan_commits(count))
    done = subprocess.run(["git", "fast-import", "--quiet"], cwd=root, env=env, input=stream, capture_output=True)
    if done.returncode != 0:
        sys.exit(f"bench: git fast-import failed\n{done.stderr.decode(errors='replace')}")
    run(["git", "reset", "-q", "--hard", "main"], env, cwd=str(root))


# --------------------------------------------------------------------------- timing


def operations(modelreg: str, root: Path, count: int) -> dict[str, list[str]]:
    r = [modelreg, "-R", str(root)]
    middle = (BASE_TIME + timedelta(hours=count // 2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    back = min(100, count - 1)  # HEAD~100 is HEAD~99 (the first commit) in a history of 100
    return {
        "--help": [modelreg, "--help"],
        f"log {TARGET}": [*r, "log", TARGET],
        f"log {TARGET} --json": [*r, "log", TARGET, "--json"],
        f"log {TARGET} --stage Production": [*r, "log", TARGET, "--stage", "Production"],
        "log (whole registry)": [*r, "log"],
        "log -n 20": [*r, "log", "-n", "20"],
        "diff HEAD~100 HEAD": [*r, "diff", f"HEAD~{back}", "HEAD"],
        "diff HEAD~100 HEAD -f markdown": [*r, "diff", f"HEAD~{back}", "HEAD", "-f", "markdown"],
        "diff HEAD~100 HEAD -f json": [*r, "diff", f"HEAD~{back}", "HEAD", "-f", "json"],
        "diff (working tree)": [*r, "diff"],
        "resolve --at DATE": [*r, "resolve", f"models:/{TARGET}/latest", "--at", middle],
        "list --at DATE": [*r, "list", "--at", middle],
        "rollback --stage Production": [*r, "rollback", TARGET, "--stage", "Production"],
    }


def bench(modelreg: str, roots: dict[int, Path], repeat: int, env: dict[str, str]) -> dict[int, dict[str, float]]:
    """Best time per (size, operation), runs interleaved over the sizes. Rollback runs last: each run
    undoes the one before, so it always has something to do."""
    plans = {count: operations(modelreg, root, count) for count, root in roots.items()}
    best: dict[int, dict[str, float]] = {count: {} for count in roots}
    for root in roots.values():  # warm-up: bytecode caches, page cache of the repository
        run([modelreg, "-R", str(root), "log", "-n", "1"], env, cwd=str(root))
    for op in plans[next(iter(roots))]:
        for _ in range(repeat):
            for count, root in roots.items():
                elapsed = timed(plans[count][op], env, str(root))
                best[count][op] = min(best[count].get(op, float("inf")), elapsed)
    return best


def print_table(sizes: list[int], table: dict[int, dict[str, float]], repeat: int) -> None:
    rows = [[op] + [f"{table[s][op]:.0f}" for s in sizes] for op in table[sizes[0]]]
    print_aligned(f"wall clock per command, fresh process, best of {repeat}; {MODELS} models, "
                  f"one commit in ten on {TARGET}", ["operation (ms)"] + [f"{s:,} commits" for s in sizes], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--commits", default="100,1000", help="comma-separated history lengths (default: 100,1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per operation; the best is kept (default: 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temp registries and print where they are")
    args = parser.parse_args()
    sizes = parse_sizes(parser, "--commits", args.commits, 10, args.repeat)

    modelreg = find_modelreg()
    import_package_or_reexec(modelreg)
    env = bench_env()
    for fact in machine_facts(modelreg, env):
        print(fact)
    workdir = Path(tempfile.mkdtemp(prefix="modelreg-bench-history-"))
    try:
        roots: dict[int, Path] = {}
        for count in sizes:
            start = time.perf_counter()
            roots[count] = workdir / f"registry-{count}"
            build_registry(roots[count], count, env)
            print(f"{count:>7,} commits: built in {time.perf_counter() - start:.1f}s", flush=True)
        print(f"timing every operation {args.repeat}x on each of {len(sizes)} sizes...", flush=True)
        table = bench(modelreg, roots, args.repeat, env)
    finally:
        if args.keep:
            print(f"kept the registries in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(sizes, table, args.repeat)


if __name__ == "__main__":
    main()
