"""Run selected rules over a directory (the corpus) and print findings, one per line.

Used to read what a rule reports before calling it done (bench/precision/):

    python bench/scan.py /tmp/asynclint-corpus/src --select AL1 > /tmp/al1.txt

Output lines are ``path:line:col: CODE message`` with paths relative to the
directory, sorted; a summary per code goes to stderr.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import sys
import time
from typing import List, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from asynclint.base.settings import Settings  # noqa: E402
from asynclint.catalogue.selection import select_rules  # noqa: E402
from asynclint.engine import lint_path  # noqa: E402
from asynclint.orchestration.runner import load_index  # noqa: E402

_SETTINGS: Settings
_INDEX: object = None


def _init(settings: Settings) -> None:
    global _SETTINGS, _INDEX
    _SETTINGS = settings
    _INDEX = load_index(settings)


def _lint(path: str) -> List[Tuple[str, int, int, str, str]]:
    result = lint_path(path, _SETTINGS, index=_INDEX)
    return [(f.path, f.line, f.column, f.code, f.message) for f in result.findings]


def files_under(root: str) -> List[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        out.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith((".py", ".pyi")))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--select", default="AL")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    settings = Settings(enabled=select_rules(args.select.split(",")), project_root=args.root)
    files = files_under(args.root)
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.jobs, _init, (settings,)) as pool:
        results = pool.map(_lint, files, chunksize=32)
    rows = sorted(row for rows in results for row in rows)
    counts = collections.Counter(row[3] for row in rows)
    for path, line, col, code, message in rows:
        print(f"{os.path.relpath(path, args.root)}:{line}:{col}: {code} {message}")
    elapsed = time.perf_counter() - start
    print(f"{len(files)} files, {len(rows)} findings in {elapsed:.1f}s: "
          + ", ".join(f"{c}={n}" for c, n in sorted(counts.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
