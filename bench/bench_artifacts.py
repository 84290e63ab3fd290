#!/usr/bin/env python3
"""Benchmark the artifact store: upload (register) and pull of one large file and of a folder of many
small files against a local-folder store, as ratios to `cp` and `sha256sum` of the same bytes in the
same run, and the peak memory of register and pull as the file grows (it must stay flat).

    python bench/bench_artifacts.py [--file-size 1G] [--files 10000] [--file-bytes 4096]
                                    [--memory-sizes 64M,256M,1G] [--keep]

Every command runs as a fresh `modelreg` process (what a CI job pays), timed by wall clock; the
peak memory is the process's maximum resident set (os.wait4). The bytes are in the page cache for
every run alike (the baselines read the same files just before), so the ratios compare the work
of the programs, not of the disk. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_core import bench_env, find_modelreg, machine_facts, print_aligned

CHUNK = 16 << 20
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_bytes(parser: argparse.ArgumentParser, option: str, text: str) -> list[int]:
    """Comma-separated sizes with an optional K, M or G (powers of 1024), sorted; a usage error otherwise."""
    sizes = []
    for part in (item.strip().upper() for item in text.split(",") if item.strip()):
        unit = part[-1] if part[-1] in UNITS and not part[-1].isdigit() else ""
        number = part[:-1] if unit else part
        if not number.isdigit() or int(number) < 1:
            parser.error(f"{option} takes sizes like 64M or 1G, not {text!r}")
        sizes.append(int(number) * UNITS[unit])
    if not sizes:
        parser.error(f"{option} takes sizes like 64M or 1G")
    return sorted(sizes)


def measured(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run CMD once as a fresh process: (wall-clock seconds, peak resident memory in MiB). Fails unless it exits 0."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        sys.exit(f"bench: `{' '.join(cmd)}` exited {proc.returncode}\n{error.strip()}")
    return elapsed, usage.ru_maxrss / 1024  # KiB on Linux


def shell(script: str, env: dict[str, str], cwd: Path) -> float:
    return measured(["bash", "-c", script], env, cwd)[0]


def make_file(path: Path, size: int) -> None:
    with path.open("wb") as out:
        left = size
        while left > 0:
            out.write(os.urandom(min(CHUNK, left)))
            left -= CHUNK


def make_folder(folder: Path, count: int, size: int) -> None:
    for index in range(count):
        part = folder / f"shard-{index // 1000:02d}" / f"file-{index:05d}.bin"
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(os.urandom(size))


def new_registry(modelreg: str, work: Path, name: str, env: dict[str, str]) -> Path:
    root = work / name
    subprocess.run([modelreg, "init", str(root), "--store", str(work / f"{name}-store")], env=env, check=True,
                   capture_output=True)
    return root


def case(modelreg: str, work: Path, label: str, source: Path, folder: bool, env: dict[str, str]) -> list[list[str]]:
    """Baselines and modelreg's register, cold pull and warm pull of SOURCE: rows of the table (LABEL)."""
    tag = "folder" if folder else "file"
    cache = work / f"cache-{tag}"
    env = {**env, "XDG_CACHE_HOME": str(cache)}
    copy = "cp -r" if folder else "cp"
    hashing = (f"find {source} -type f -print0 | xargs -0 sha256sum > /dev/null" if folder
               else f"sha256sum {source} > /dev/null")
    shell(hashing, env, work)  # warm the page cache for everyone
    cp = shell(f"{copy} {source} {work}/cp-{tag}", env, work)
    sha = shell(hashing, env, work)
    registry = new_registry(modelreg, work, f"registry-{tag}", env)
    register, register_mb = measured([modelreg, "register", "model", str(source)], env, registry)
    cold, cold_mb = measured([modelreg, "pull", "models:/model/1", "-o", str(work / f"cold-{tag}")], env, registry)
    warm, warm_mb = measured([modelreg, "pull", "models:/model/1", "-o", str(work / f"warm-{tag}")], env, registry)
    both = cp + sha
    rows = [
        [f"{label}: cp", f"{cp:.2f}", "", "", ""],
        [f"{label}: sha256sum", f"{sha:.2f}", "", "", ""],
        [f"{label}: register (hash + upload)", f"{register:.2f}", f"{register / both:.2f}", f"{register / cp:.2f}",
         f"{register_mb:.0f}"],
        [f"{label}: pull, cold cache", f"{cold:.2f}", f"{cold / both:.2f}", f"{cold / cp:.2f}", f"{cold_mb:.0f}"],
        [f"{label}: pull, warm cache", f"{warm:.2f}", f"{warm / both:.2f}", f"{warm / cp:.2f}", f"{warm_mb:.0f}"],
    ]
    for leftover in (work / f"cp-{tag}", work / f"cold-{tag}", work / f"warm-{tag}", cache,
                     work / f"registry-{tag}-store"):
        shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    return rows


def memory(modelreg: str, work: Path, sizes: list[int], env: dict[str, str]) -> list[list[str]]:
    rows = []
    for size in sizes:
        source = work / f"memory-{size}.bin"
        make_file(source, size)
        label = f"mem-{size}"
        registry = new_registry(modelreg, work, f"registry-{label}", env)
        menv = {**env, "XDG_CACHE_HOME": str(work / f"cache-{label}")}
        _, register_mb = measured([modelreg, "register", "model", str(source)], menv, registry)
        _, pull_mb = measured([modelreg, "pull", "models:/model/1", "-o", str(work / f"pulled-{label}")], menv, registry)
        rows.append([f"{size >> 20:,} MiB file", f"{register_mb:.0f}", f"{pull_mb:.0f}"])
        for leftover in (source, work / f"pulled-{label}", work / f"cache-{label}", work / f"registry-{label}-store"):
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file-size", default="1G", help="size of the large file (e.g. 1G, 256M)")
    parser.add_argument("--files", type=int, default=10_000, help="number of small files in the folder")
    parser.add_argument("--file-bytes", type=int, default=4096, help="size of each small file")
    parser.add_argument("--memory-sizes", default="64M,256M,1G", help="file sizes for the peak-memory table")
    parser.add_argument("--keep", action="store_true", help="leave the temp folder behind")
    args = parser.parse_args()
    file_size = parse_bytes(parser, "--file-size", args.file_size)[-1]
    memory_sizes = parse_bytes(parser, "--memory-sizes", args.memory_sizes)
    if args.files < 1 or args.file_bytes < 1:
        parser.error("--files and --file-bytes must be at least 1")

    modelreg = find_modelreg()
    env = bench_env()
    work = Path(tempfile.mkdtemp(prefix="modelreg-bench-artifacts-"))
    try:
        print("\n".join(machine_facts(modelreg, env)))
        big = work / "model.bin"
        make_file(big, file_size)
        folder = work / "folder"
        make_folder(folder, args.files, args.file_bytes)
        heads = ["seconds (one run)", "s", "x (cp+sha256sum)", "x cp", "peak MiB"]
        rows = case(modelreg, work, f"{file_size >> 20:,} MiB file", big, False, env)
        rows += case(modelreg, work, f"{args.files:,} files of {args.file_bytes:,} B", folder, True, env)
        print_aligned("Upload and pull against a local-folder store", heads, rows)
        big.unlink()
        print_aligned("Peak memory (MiB) as the file grows", ["file", "register", "pull"],
                      memory(modelreg, work, memory_sizes, env))
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
