"""Benchmark asynclint against ruff and flake8-async on a corpus, side by side.

    python bench/bench.py /tmp/asynclint-corpus/src [--runs 3] [--flake8] [--peers-venv /tmp/asynclint-peers]

Cases run alternately (one round of every case, then the next round), so a noisy,
shared machine affects them alike; the table shows the median wall time, CPU time
(user+sys of the process and its children), peak RSS of the largest process, and the
ratio to ruff's cold run. Quote ratios from one run of this script.

- asynclint cold: empty cache directory; warm: same tree, cache kept; one-edit: one
  module that others import gains a line at its top (every line below moves, so the
  files that looked it up are re-linted), then the run; the file is restored afterwards.
- asynclint runs with its bytecode compiled, as after ``pip install`` (an environment
  with PYTHONDONTWRITEBYTECODE would otherwise recompile it in every process).
- asynclint -j1: cold, one worker (for the scaling ratio).
- pre-commit sized: three files, asynclint vs plain flake8 on the same files.
- flake8-async (--flake8): on the sample (every 20th file), ~2.5 min a run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence


@dataclass
class Case:
    name: str
    argv: Sequence[str]
    before: Optional[Callable[[], None]] = None
    after: Optional[Callable[[], None]] = None
    walls: List[float] = field(default_factory=list)
    cpus: List[float] = field(default_factory=list)
    rss: List[float] = field(default_factory=list)
    exit_codes: List[int] = field(default_factory=list)


def measure(case: Case, cwd: str) -> None:
    if case.before:
        case.before()
    start = time.perf_counter()
    proc = subprocess.Popen(case.argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if case.after:
        case.after()
    case.walls.append(wall)
    case.cpus.append(usage.ru_utime + usage.ru_stime)
    case.rss.append(usage.ru_maxrss / 1024)
    case.exit_codes.append(proc.returncode)


def _runs(command: Sequence[str], cwd: str) -> bool:
    """Is this asynclint, not an interpreter saying the module is missing (which also exits 1)?"""
    done = subprocess.run([*command, "--version"], cwd=cwd, capture_output=True, text=True)
    return done.returncode == 0 and "asynclint" in done.stdout


def _edit_target(corpus: str, files: Sequence[str], sample: Sequence[str]) -> str:
    """aiohttp's client module when the corpus has it (imported across aiohttp), else the sample file
    with the most coroutine functions."""
    preferred = os.path.join("aiohttp", "aiohttp", "client.py")
    if preferred in files:
        return preferred

    def coroutines(path: str) -> int:
        with open(os.path.join(corpus, path), "rb") as handle:
            return handle.read().count(b"async def ")

    return max(sample, key=coroutines)


def _compile_bytecode(command: Sequence[str]) -> None:
    """Write asynclint's .pyc files (a pip install does; PYTHONDONTWRITEBYTECODE would skip it)."""
    code = "import asynclint, compileall, os; compileall.compile_dir(os.path.dirname(asynclint.__file__), quiet=1)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if command[1:2] == ["-m"]:
        subprocess.run([command[0], "-c", code], env=env, capture_output=True)


def python_files(root: str) -> List[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        out.extend(os.path.relpath(os.path.join(dirpath, f), root) for f in sorted(filenames) if f.endswith(".py"))
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--flake8", action="store_true", help="also time flake8-async on the sample (slow)")
    parser.add_argument("--peers-venv", default="/tmp/asynclint-peers",
                        help="venv with ruff, flake8, flake8-async (shared/corpus/peers.sh makes it)")
    parser.add_argument("--asynclint", default=None, help="asynclint command (default: this interpreter's -m asynclint)")
    args = parser.parse_args(argv)
    corpus = os.path.abspath(args.corpus)
    venv_bin = os.path.join(args.peers_venv, "bin")
    ruff = os.path.join(venv_bin, "ruff") if os.path.exists(os.path.join(venv_bin, "ruff")) else shutil.which("ruff")
    flake8 = os.path.join(venv_bin, "flake8") if os.path.exists(os.path.join(venv_bin, "flake8")) else None
    if ruff is None:
        print("ruff not found: run shared/corpus/peers.sh or pip install ruff", file=sys.stderr)
        return 2
    # (not ``-m``: run in the corpus folder, it would put that folder first on sys.path)
    asynclint = args.asynclint.split() if args.asynclint else [
        sys.executable, "-c", "import runpy, sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
        "runpy.run_module('asynclint', run_name='__main__', alter_sys=True)"]
    cache = tempfile.mkdtemp(prefix="asynclint-bench-cache-")
    files = python_files(corpus)
    sample = files[::20]
    three = [f for f in files if f.startswith("aiohttp/")][:3] or files[:3]
    edit_target = os.path.join(corpus, _edit_target(corpus, files, sample))
    with open(edit_target, "rb") as handle:
        original = handle.read()

    def clear_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    def edit() -> None:
        with open(edit_target, "wb") as handle:
            handle.write(f"# bench edit {time.time()}\n".encode() + original)

    def restore() -> None:
        with open(edit_target, "wb") as handle:
            handle.write(original)

    base = [*asynclint, "--isolated", "--output-format", "json", "--cache-dir", cache]
    cases = [
        Case("ruff ASYNC,RUF006 (cold)", [ruff, "check", "--isolated", "--no-cache", "--preview", "--select",
                                         "ASYNC,RUF006", "--output-format", "json", "."]),
        Case("asynclint cold", [*base, "."], before=clear_cache),
        Case("asynclint warm", [*base, "."]),
        Case("asynclint one-edit", [*base, "."], before=edit, after=restore),
        Case("asynclint cold -j1", [*base, "--jobs", "1", "."], before=clear_cache),
        Case("asynclint pre-commit (3 files)", [*asynclint, "--isolated", "--no-cache", *three]),
    ]
    if flake8:
        cases.append(Case("flake8 (3 files)", [flake8, "--isolated", *three]))
    if args.flake8 and flake8:
        cases.append(Case("asynclint sample (cold)", [*base, *sample], before=clear_cache))
        cases.append(Case("flake8-async sample -j2", [flake8, "--isolated", "-j", "2", "--select", "ASYNC", *sample]))
    # one warm-up of asynclint so the first cold run is not also paying for .pyc compilation; it also
    # proves the command runs (exit 0 or 1): a missing install would otherwise be timed as a fast "lint"
    _compile_bytecode(asynclint)
    warm_up = Case("warm-up", [*base, "--no-cache", *three])
    measure(warm_up, corpus)
    if warm_up.exit_codes[-1] not in (0, 1) or not _runs(asynclint, corpus):
        print(f"asynclint does not run as {' '.join(asynclint)} (install it: pip install -e .)", file=sys.stderr)
        return 2
    try:
        for _ in range(args.runs):
            for case in cases:
                measure(case, corpus)
    finally:
        restore()
        shutil.rmtree(cache, ignore_errors=True)
    reference = statistics.median(cases[0].walls)
    lines = sum(1 for f in files for _ in open(os.path.join(corpus, f), "rb"))
    print(f"corpus: {corpus} ({len(files)} files, {lines:,} lines); sample {len(sample)} files; "
          f"{args.runs} alternating runs; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}; "
          f"one-edit: {os.path.relpath(edit_target, corpus)}")
    print()
    print("| case | wall s (median) | CPU s | peak MiB | x ruff wall | exit |")
    print("|---|--:|--:|--:|--:|--:|")
    by_name: Dict[str, float] = {}
    for case in cases:
        wall = statistics.median(case.walls)
        by_name[case.name] = wall
        print(f"| {case.name} | {wall:.2f} | {statistics.median(case.cpus):.2f} | {max(case.rss):.0f} | "
              f"{wall / reference:.1f} | {case.exit_codes[-1]} |")
    print()
    cold, j1 = by_name["asynclint cold"], by_name["asynclint cold -j1"]
    print(f"scaling: -j1 / -j{os.cpu_count()} cold = {j1 / cold:.2f}x")
    print(f"warm / ruff cold = {by_name['asynclint warm'] / reference:.2f}; "
          f"one-edit / warm = {by_name['asynclint one-edit'] / by_name['asynclint warm']:.2f}")
    if "flake8 (3 files)" in by_name:
        print(f"pre-commit: asynclint / flake8 on 3 files = "
              f"{by_name['asynclint pre-commit (3 files)'] / by_name['flake8 (3 files)']:.2f}")
    if "flake8-async sample -j2" in by_name:
        print(f"flake8-async / asynclint on the sample = "
              f"{by_name['flake8-async sample -j2'] / by_name['asynclint sample (cold)']:.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
