"""Which files' lint depends on the project index, and how much: the data behind one-pass designs.

    python bench/index_questions.py /tmp/asynclint-corpus/src

Lints every file with the real index while putting each question the rules ask it
(``function``, ``method``, ``attribute_type``...) to an empty index as well. Prints how
many files ask anything, how many get an answer that differs from the empty index's
(what a lint-while-indexing pass against a provisional index would have to redo), and the
lint CPU time of the files that ask nothing.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
import threading
import time
from typing import Any, Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from asynclint.analysis.index import ProjectIndex  # noqa: E402
from asynclint.catalogue.selection import default_settings  # noqa: E402
from asynclint.engine import lint_path  # noqa: E402
from asynclint.orchestration.runner import load_index  # noqa: E402

QUESTIONS = ("function", "method", "instance_type", "attribute_type", "is_class", "decorator_effect",
             "blocking_chain")
_STATE: Dict[str, Any] = {}
_NESTED = threading.local()  # only the rules' own questions count, not the index's inner lookups


def _asking_both(name: str) -> None:
    real = getattr(ProjectIndex, name)

    @functools.wraps(real)
    def ask(self: ProjectIndex, *args: Any, **kwargs: Any) -> Any:
        if getattr(_NESTED, "on", False) or self is not _STATE.get("index"):
            return real(self, *args, **kwargs)
        _NESTED.on = True
        try:
            answer = real(self, *args, **kwargs)
            provisional = real(_STATE["empty"], *args, **kwargs)
        finally:
            _NESTED.on = False
        _STATE["asked"] += 1
        _STATE["differ"] += answer != provisional
        return answer

    setattr(ProjectIndex, name, ask)


def _init(root: str) -> None:
    for name in QUESTIONS:
        _asking_both(name)
    settings = default_settings(project_root=root, use_cache=False)
    index = load_index(settings, 1)  # a pool's worker must not start processes of its own
    empty = ProjectIndex(index.root, {}, index.keep_decorators, index.extra_coroutines, index.site_dirs)
    empty.blocking = {}
    _STATE.update(settings=settings, index=index, empty=empty)


def _lint(path: str) -> Tuple[int, int, float]:
    _STATE["asked"] = _STATE["differ"] = 0
    start = time.process_time()
    lint_path(path, _STATE["settings"], index=_STATE["index"])
    return _STATE["asked"], _STATE["differ"], time.process_time() - start


def main() -> int:
    root = os.path.abspath(sys.argv[1])
    files: List[str] = []
    for dirpath, _, names in os.walk(root):
        files += [os.path.join(dirpath, n) for n in names if n.endswith(".py")]
    asking = differing = 0
    cpu_all = cpu_silent = 0.0
    with multiprocessing.get_context("spawn").Pool(2, _init, (root,)) as pool:
        for asked, differ, cpu in pool.imap_unordered(_lint, sorted(files), chunksize=32):
            asking += asked > 0
            differing += differ > 0
            cpu_all += cpu
            cpu_silent += cpu if asked == 0 else 0.0
    print(f"{len(files)} files: {asking} ask the index something, {differing} get an answer an empty index "
          f"would not give; files asking nothing take {cpu_silent:.2f} of {cpu_all:.2f} lint CPU-s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
