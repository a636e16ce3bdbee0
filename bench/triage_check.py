"""Prove the triage sound on a corpus: every file linted with triage on and off must agree.

    python bench/triage_check.py /tmp/asynclint-corpus/src

Exits 1 and lists the files that differ.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from dataclasses import replace
from typing import List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from asynclint.base.settings import Settings  # noqa: E402
from asynclint.catalogue.selection import select_rules  # noqa: E402
from asynclint.engine import lint_path  # noqa: E402
from asynclint.orchestration.runner import load_index  # noqa: E402

_STATE: dict = {}


def _init(root: str) -> None:
    on = Settings(enabled=select_rules(["ALL"]), project_root=root)
    _STATE.update(on=on, off=replace(on, triage=False), index=load_index(on))


def _check(path: str) -> Optional[Tuple[str, int, int]]:
    a = lint_path(path, _STATE["on"], index=_STATE["index"]).findings
    b = lint_path(path, _STATE["off"], index=_STATE["index"]).findings
    return None if a == b else (path, len(a), len(b))


def main() -> int:
    root = os.path.abspath(sys.argv[1])
    files: List[str] = []
    for dirpath, _, names in os.walk(root):
        files += [os.path.join(dirpath, n) for n in names if n.endswith(".py")]
    with multiprocessing.get_context("spawn").Pool(2, _init, (root,)) as pool:
        diffs = [d for d in pool.imap_unordered(_check, sorted(files), chunksize=32) if d]
    for path, on, off in diffs:
        print(f"{path}: {on} findings with triage, {off} without")
    print(f"{len(files)} files, {len(diffs)} differ", file=sys.stderr)
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
