#!/usr/bin/env python3
"""Throughput of concurrent `register --push` writers sharing one remote.

    python bench/bench_concurrent.py [--writers 1,4,8] [--versions 10]

Each writer is a separate clone (like separate CI jobs) registering VERSIONS versions of the same
model with --push, one after another; the writers run at the same time against one bare remote.
Every push that loses a race is re-applied on the new remote state, so the remote must end with
exactly writers x versions new versions. Prints versions per second for each number of writers.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import bench_env, find_modelreg, machine_facts, run  # noqa: E402


def make_remote(modelreg: str, folder: Path, env: dict[str, str]) -> Path:
    seed = folder / "seed"
    run([modelreg, "init", str(seed)], env)
    run([modelreg, "--registry", str(seed), "register", "fraud", "s3://seed/1"], env)
    bare = folder / "origin.git"
    run(["git", "clone", "-q", "--bare", str(seed), str(bare)], env)
    return bare


def one_round(modelreg: str, writers: int, versions: int, env: dict[str, str]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="modelreg-bench-concurrent-") as tmp:
        folder = Path(tmp)
        remote = make_remote(modelreg, folder, env)
        clones = []
        for w in range(writers):
            target = folder / f"writer{w}"
            run(["git", "clone", "-q", str(remote), str(target)], env)
            clones.append(target)
        started = time.perf_counter()
        procs = []
        for w, where in enumerate(clones):
            script = "\n".join(
                f'"{modelreg}" --registry "{where}" register fraud s3://w{w}/{i} --push >/dev/null || exit 1'
                for i in range(versions)
            )
            procs.append(subprocess.Popen(["bash", "-c", script], env=env))
        codes = [proc.wait() for proc in procs]
        elapsed = time.perf_counter() - started
        if any(codes):
            sys.exit(f"bench: a writer failed (exit codes {codes})")
        listed = run(["git", "ls-tree", "--name-only", "main:models/fraud/versions"], env, cwd=str(remote)).stdout
        made = len(listed.split()) - 1
        if made != writers * versions:
            sys.exit(f"bench: expected {writers * versions} new versions on the remote, found {made}")
        return elapsed, made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", default="1,4,8", help="comma-separated numbers of concurrent writers")
    parser.add_argument("--versions", type=int, default=10, help="versions each writer registers")
    args = parser.parse_args()
    modelreg = find_modelreg()
    env = bench_env()
    env["MODELREG_PUSH_ATTEMPTS"] = "500"
    for line in machine_facts(modelreg, env):
        print(line)
    print()
    print(f"{'writers':>7}  {'versions':>8}  {'seconds':>7}  {'versions/s':>10}")
    for writers in [int(part) for part in args.writers.split(",")]:
        elapsed, made = one_round(modelreg, writers, args.versions, env)
        print(f"{writers:>7}  {made:>8}  {elapsed:>7.1f}  {made / elapsed:>10.2f}")


if __name__ == "__main__":
    main()
