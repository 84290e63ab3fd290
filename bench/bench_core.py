#!/usr/bin/env python3
"""Benchmark modelreg's core commands against registries of growing size.

    python bench/bench_core.py [--sizes 100,1000,10000] [--repeat 3] [--keep]

For each size N it writes a registry of N versions spread over N/10 models (10 versions each)
straight to disk (canonical YAML from the package's own pydantic models, then one git commit),
and times the CLI as fresh processes (wall clock, best of --repeat). Standard library only, apart
from importing modelreg_cli itself to write the YAML. See bench/README.md.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

_REEXEC_GUARD = "MODELREG_BENCH_REEXEC"
VERSIONS_PER_MODEL = 10
IDENTITY = ("modelreg bench", "bench@example.com")
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- setup


def _stamp(created: datetime, minutes: int) -> str:
    from modelreg_cli.core.manifests import format_timestamp

    return format_timestamp(created + timedelta(minutes=minutes))


def find_modelreg() -> str:
    """The `modelreg` next to this interpreter (a venv's bin/ or Scripts/), else the one on PATH."""
    here = Path(sys.executable).parent
    for name in ("modelreg", "modelreg.exe"):
        candidate = here / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("modelreg")
    if not found:
        sys.exit("bench: no `modelreg` executable next to the interpreter or on PATH; install the package first")
    return found


def import_package_or_reexec(modelreg: str) -> None:
    """Writing the YAML needs modelreg_cli; when this interpreter lacks it, rerun under modelreg's own."""
    try:
        import modelreg_cli  # noqa: F401
        return
    except ImportError:
        pass
    interpreter = None
    try:
        with open(modelreg, "rb") as script:
            first = script.readline().decode(errors="replace").strip()
        if first.startswith("#!"):
            interpreter = first[2:].strip().split()[0]
    except OSError:
        pass
    if interpreter and os.path.isfile(interpreter) and not os.environ.get(_REEXEC_GUARD):
        os.environ[_REEXEC_GUARD] = "1"
        os.execv(interpreter, [interpreter, os.path.abspath(__file__), *sys.argv[1:]])
    sys.exit(f"bench: cannot import modelreg_cli; run this script with the interpreter modelreg is installed in "
             f"(e.g. /path/to/venv/bin/python {sys.argv[0]})")


def bench_env() -> dict[str, str]:
    """A pinned git identity and no user/system git config, so results never depend on ~/.gitconfig."""
    env = dict(os.environ)
    env.pop("MODELREG_REGISTRY", None)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(key, None)
    env.update({
        "GIT_AUTHOR_NAME": IDENTITY[0], "GIT_AUTHOR_EMAIL": IDENTITY[1],
        "GIT_COMMITTER_NAME": IDENTITY[0], "GIT_COMMITTER_EMAIL": IDENTITY[1],
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0", "COLUMNS": "120", "NO_COLOR": "1",
    })
    return env


def run(cmd: list[str], env: dict[str, str], cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run CMD and fail loudly (with its stderr) unless it exits 0."""
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench: `{' '.join(cmd)}` exited {done.returncode}\n{done.stderr.strip()}")
    return done


# --------------------------------------------------------------------------- registry


def model_name(index: int) -> str:
    return f"model-{index:05d}"


def target_model(size: int) -> str:
    """The model the commands act on: the one in the middle of the registry."""
    return model_name(max(1, size // VERSIONS_PER_MODEL) // 2)


def plan_stages(index: int, target: bool) -> dict[int, str]:
    """Stages of versions 1..10: old ones Archived, some Staging, at most one Production."""
    stages = {v: "None" for v in range(1, VERSIONS_PER_MODEL + 1)}
    for v in (1, 2, 3):
        stages[v] = "Archived"
    kind = 0 if target else index % 4
    if kind == 0:          # the usual shape: one Production, a newer one in Staging
        stages[8], stages[9] = "Production", "Staging"
    elif kind == 1:        # a new Production, nothing staged
        stages[10] = "Production"
    elif kind == 2:        # never promoted: two candidates in Staging
        stages[7], stages[10] = "Staging", "Staging"
    # kind 3: everything after v3 still in None
    return stages


def build_registry(root: Path, size: int, env: dict[str, str]) -> None:
    """Write SIZE versions over SIZE/10 models as canonical YAML, then `git init` + one commit."""
    from modelreg_cli.core import layout
    from modelreg_cli.core.manifests import Lineage, ModelManifest, RegistryConfig, VersionManifest
    from modelreg_cli.core.serialize import dump_document

    rng = random.Random(size)
    models = max(1, size // VERSIONS_PER_MODEL)
    target = target_model(size)
    (root / layout.MODELS_DIR).mkdir(parents=True)
    (root / layout.CONFIG_FILE).write_text(dump_document(RegistryConfig()), encoding="utf-8")
    (root / layout.MODELS_DIR / ".gitkeep").write_text("", encoding="utf-8")

    for index in range(models):
        name = model_name(index)
        stages = plan_stages(index, name == target)
        created = BASE_TIME + timedelta(hours=index)
        stamp = functools.partial(_stamp, created)
        production = [v for v, s in stages.items() if s == "Production"]
        aliases: dict[str, int] = {}
        if production or index % 2 == 0:
            aliases["champion"] = production[0] if production else VERSIONS_PER_MODEL
        if index % 3 == 0:
            aliases["challenger"] = VERSIONS_PER_MODEL
        model = ModelManifest(
            name=name, description=f"Benchmark model {index}", owners=["ml-team@example.com"],
            tags={"team": f"team-{index % 7}", "task": ("classification", "ranking", "regression")[index % 3]},
            aliases=aliases, last_version=VERSIONS_PER_MODEL,
            created_at=stamp(0), created_by=IDENTITY[1], updated_at=stamp(VERSIONS_PER_MODEL),
        )
        versions_dir = root / layout.MODELS_DIR / name / layout.VERSIONS_DIR
        versions_dir.mkdir(parents=True)
        (root / layout.MODELS_DIR / name / layout.MODEL_FILE).write_text(dump_document(model), encoding="utf-8")
        for v in range(1, VERSIONS_PER_MODEL + 1):
            version = VersionManifest(
                name=name, version=v, stage=stages[v],
                source=f"s3://bench-artifacts/{name}/v{v}/model.pkl",
                description=f"retrained on week {v}", run_id=f"run-{index:05d}-{v:02d}",
                metrics={"accuracy": round(rng.uniform(0.7, 0.99), 4), "f1": round(rng.uniform(0.6, 0.95), 4),
                         "loss": round(rng.uniform(0.05, 0.6), 4)},
                params={"lr": str(rng.choice([0.1, 0.01, 0.001])), "epochs": str(rng.randint(5, 50)),
                        "batch_size": str(rng.choice([32, 64, 128]))},
                tags={"framework": "sklearn"} if v % 2 else {},
                lineage=Lineage(code_commit=f"{rng.getrandbits(160):040x}", datasets=[f"s3://bench-data/week-{v}"]),
                created_at=stamp(v), created_by=IDENTITY[1], updated_at=stamp(v),
            )
            (versions_dir / f"{v}.yaml").write_text(dump_document(version), encoding="utf-8")

    run(["git", "-c", "init.defaultBranch=main", "init", "-q"], env, cwd=str(root))
    run(["git", "add", "-A"], env, cwd=str(root))
    run(["git", "commit", "-q", "-m", f"bench registry: {size} versions over {models} models"], env, cwd=str(root))


# --------------------------------------------------------------------------- timing


def timed(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    """Run CMD once as a fresh process; its wall-clock time in milliseconds. Fails unless it exits 0."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        sys.exit(f"bench: `{' '.join(cmd)}` exited {done.returncode}\n{done.stderr.strip()}")
    return elapsed


def operations(modelreg: str, root: Path, size: int, repeat: int) -> dict[str, list[list[str]]]:
    """Each operation's REPEAT commands on the registry at ROOT, in run order; every write does real work."""
    name = target_model(size)
    r = ["-R", str(root)]
    # Transition versions that are not in Staging yet: the None/Archived ones, then the newly registered ones.
    stages = plan_stages(0, target=True)
    candidates = [v for v in range(1, VERSIONS_PER_MODEL + 1) if stages[v] in ("None", "Archived")]
    candidates += [VERSIONS_PER_MODEL + 1 + i for i in range(repeat)]  # made by `register` below, in None
    # champion starts at the Production version; move it to a different version on every run.
    champion = [v for v, s in stages.items() if s == "Production"][0]
    moves = [v for v in range(1, VERSIONS_PER_MODEL + 1 + repeat) if v != champion][:repeat]
    return {
        "--help": [[modelreg, "--help"]] * repeat,
        "register": [[modelreg, *r, "register", name, f"s3://bench/x-{i}", "--metric", "accuracy=0.9"]
                     for i in range(repeat)],
        "transition": [[modelreg, *r, "transition", name, str(v), "Staging"] for v in candidates[:repeat]],
        "alias set": [[modelreg, *r, "alias", "set", name, "champion", str(v)] for v in moves],
        "resolve @champion": [[modelreg, *r, "resolve", f"models:/{name}@champion"]] * repeat,
        "resolve /Production": [[modelreg, *r, "resolve", f"models:/{name}/Production"]] * repeat,
        "list": [[modelreg, *r, "list"]] * repeat,
        "show NAME": [[modelreg, *r, "show", name]] * repeat,
    }


WRITES_PER_REPEAT = 3  # register, transition, alias set: one commit each


def bench(modelreg: str, roots: dict[int, Path], repeat: int, env: dict[str, str]) -> dict[int, dict[str, float]]:
    """Best time per (size, operation). Runs interleave the sizes, so a busy moment on the machine
    hits every column alike instead of inflating one size."""
    plans = {size: operations(modelreg, root, size, repeat) for size, root in roots.items()}
    best: dict[int, dict[str, float]] = {size: {} for size in roots}
    for root in roots.values():  # warm-up: bytecode caches, page cache of the registry
        run([modelreg, "-R", str(root), "list"], env, cwd=str(root))
    for op in plans[next(iter(roots))]:
        for i in range(repeat):
            for size, root in roots.items():
                elapsed = timed(plans[size][op][i], env, str(root))
                best[size][op] = min(best[size].get(op, float("inf")), elapsed)
    for size, root in roots.items():  # every write was one commit, and nothing was left uncommitted
        commits = int(run(["git", "rev-list", "--count", "HEAD"], env, cwd=str(root)).stdout.strip())
        dirty = run(["git", "status", "--porcelain"], env, cwd=str(root)).stdout.strip()
        expected = 1 + WRITES_PER_REPEAT * repeat
        if commits != expected or dirty:
            sys.exit(f"bench: after the writes on size {size}: {commits} commits (expected {expected}), "
                     f"working tree {'dirty' if dirty else 'clean'}")
    return best


# --------------------------------------------------------------------------- report


def machine_facts(modelreg: str, env: dict[str, str]) -> list[str]:
    git = run(["git", "--version"], env).stdout.strip()
    version = run([modelreg, "--version"], env).stdout.strip()
    return [
        f"python   {platform.python_version()} ({platform.python_implementation()}) {sys.executable}",
        f"git      {git}",
        f"cpus     {os.cpu_count()}",
        f"platform {platform.platform()}",
        f"modelreg {version} ({modelreg})",
    ]


def print_aligned(title: str, heads: list[str], rows: list[list[str]]) -> None:
    """A plain-text table: the first column left-aligned, the figures right-aligned."""
    widths = [max(len(row[i]) for row in [heads, *rows]) for i in range(len(heads))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(cells))

    print(f"\n{title}")
    print(line(heads))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def parse_sizes(parser: argparse.ArgumentParser, option: str, text: str, minimum: int, repeat: int) -> list[int]:
    """The sorted sizes of a comma-separated OPTION, or a usage error (also for --repeat below 1)."""
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        parser.error(f"{option} must be comma-separated integers, not {text!r}")
    if not sizes or min(sizes) < minimum:
        parser.error(f"{option} must be at least {minimum}")
    if repeat < 1:
        parser.error("--repeat must be at least 1")
    return sizes


def print_table(sizes: list[int], table: dict[int, dict[str, float]], repeat: int) -> None:
    ratio_head = f"x {sizes[-1]}/{sizes[0]}" if len(sizes) > 1 else "ratio"
    rows = []
    for op in table[sizes[0]]:
        cells = [op] + [f"{table[s][op]:.0f}" for s in sizes]
        cells.append(f"{table[sizes[-1]][op] / table[sizes[0]][op]:.2f}" if len(sizes) > 1 else "-")
        rows.append(cells)
    print_aligned(f"wall clock per command, fresh process, best of {repeat}; columns = versions in the registry",
                  ["operation (ms)"] + [f"{s:,}" for s in sizes] + [ratio_head], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="comma-separated registry sizes in versions (default: 100,1000,10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per operation; the best is kept (default: 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temp registries and print where they are")
    args = parser.parse_args()
    sizes = parse_sizes(parser, "--sizes", args.sizes, VERSIONS_PER_MODEL, args.repeat)

    modelreg = find_modelreg()
    import_package_or_reexec(modelreg)
    env = bench_env()
    for line in machine_facts(modelreg, env):
        print(line)

    workdir = Path(tempfile.mkdtemp(prefix="modelreg-bench-"))
    try:
        roots: dict[int, Path] = {}
        for size in sizes:
            start = time.perf_counter()
            roots[size] = workdir / f"registry-{size}"
            build_registry(roots[size], size, env)
            print(f"size {size:>7,}: wrote {size // VERSIONS_PER_MODEL:,} models and committed them "
                  f"in {time.perf_counter() - start:.1f}s", flush=True)
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
