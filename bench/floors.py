"""The floors under a cold run: what reading, parsing and walking the corpus cost in Python, beside ruff.

    python bench/floors.py /tmp/asynclint-corpus/src [--runs 3] [--jobs 2]

Each floor is a fresh interpreter with ``--jobs`` spawned workers, like asynclint's
cold run, doing only: read every file; read and ``ast.parse`` it; read, parse and walk
every node with asynclint's own walker (no rule, no resolver, no index). Cases
alternate with ruff's cold run, and the table gives median wall time and the ratio to
ruff. Whatever asynclint does on top of "parse + walk" is analysis; a design that
reads every file cannot beat the parse floor.
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import sys
from multiprocessing import get_context
from typing import List, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench import Case, measure, python_files  # noqa: E402

CASES = ("read", "parse", "parse+walk")


def _work(args: tuple) -> int:
    case, paths = args
    total = 0
    if case == "parse+walk":
        from asynclint.base.nodes import walk  # noqa: PLC0415 - imported in the worker, as asynclint does
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        if case == "read":
            total += len(data)
            continue
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if case == "parse+walk":
            total += sum(1 for _ in walk(tree))
    return total


def run_case(case: str, root: str, jobs: int) -> None:
    """One floor, in this process and its workers (batches of 16 files, like asynclint's)."""
    files = [os.path.join(root, f) for f in python_files(root)]
    batches = [(case, files[i:i + 16]) for i in range(0, len(files), 16)]
    with get_context("spawn").Pool(jobs) as pool:
        print(sum(pool.imap_unordered(_work, batches)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--peers-venv", default="/tmp/asynclint-peers")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)  # a child's single floor
    args = parser.parse_args(argv)
    corpus = os.path.abspath(args.corpus)
    if args.case:
        run_case(args.case, corpus, args.jobs)
        return 0
    ruff = os.path.join(args.peers_venv, "bin", "ruff")
    if not os.path.exists(ruff):
        print("ruff not found: run shared/corpus/peers.sh", file=sys.stderr)
        return 2
    me = os.path.abspath(__file__)
    cases: List[Case] = [Case("ruff ASYNC,RUF006 (cold)", [ruff, "check", "--isolated", "--no-cache", "--preview",
                                                            "--select", "ASYNC,RUF006", "--output-format", "json", "."])]
    cases += [Case(f"floor: {name}, {args.jobs} workers", [sys.executable, me, corpus, "--jobs", str(args.jobs),
                                                         "--case", name]) for name in CASES]
    for _ in range(args.runs):
        for case in cases:
            measure(case, corpus)
    reference = statistics.median(cases[0].walls)
    print(f"corpus: {corpus}; {args.runs} alternating runs; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}")
    print()
    print("| case | wall s (median) | CPU s | x ruff wall | exit |")
    print("|---|--:|--:|--:|--:|")
    for case in cases:
        wall = statistics.median(case.walls)
        print(f"| {case.name} | {wall:.2f} | {statistics.median(case.cpus):.2f} | {wall / reference:.1f} | "
              f"{case.exit_codes[-1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
