"""The effective settings of a run: a plain value (rule selection is ``asynclint.catalogue.selection``).

``Settings`` is a frozen, picklable value: it is built once in the main process
and sent once to each worker.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

TARGET_VERSIONS = ("py310", "py311", "py312", "py313", "py314")
DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "build", "dist",
    "node_modules", "site-packages", ".asynclint_cache", ".mypy_cache", ".pytest_cache", ".ruff_cache",
)


@dataclass(frozen=True)
class Settings:
    enabled: FrozenSet[str]
    per_file_ignores: Tuple[Tuple[str, FrozenSet[str]], ...] = ()
    # qualified name -> (code, message)
    extend_blocking_calls: Mapping[str, Tuple[str, str]] = field(default_factory=dict)
    extend_coroutine_functions: Tuple[str, ...] = ()
    extend_ordered_calls: Tuple[str, ...] = ()
    # AL104: also report cheap stat-like calls (os.path.exists, Path.is_file, os.stat...)
    blocking_stat_calls: bool = False
    # AL107: how many sync calls deep a helper's blocking call may sit (1: only the called helper's own body)
    blocking_call_depth: int = 3
    # AL107: sync helpers (qualified names) the project accepts as blocking: no chain goes through them
    allowed_blocking_helpers: Tuple[str, ...] = ()
    target_version: Tuple[int, int] = (3, 10)
    project_root: str = "."
    # where the index reads the project from when that is not project_root: the paths' own
    # directories when they share no config file or repository (their common parent may be `/`)
    index_roots: Tuple[str, ...] = ()
    # the directory paths inside messages ("defined at a.py:1") are relative to: the front ends set the
    # current directory, the base of the findings' own paths ("" for the project root)
    display_base: str = ""
    # the project index (AL2xx): the exclude patterns of the run (empty: the defaults), its cache, decorators that keep a
    # function async, and where third-party source is read from (never asynclint's own env)
    index_exclude: Tuple[str, ...] = ()
    cache_dir: Optional[str] = None
    use_cache: bool = True
    extend_async_decorators: Tuple[str, ...] = ()
    site_packages: Tuple[str, ...] = ()
    python_executable: Optional[str] = None
    # fixes
    fixable: Optional[FrozenSet[str]] = None
    unfixable: FrozenSet[str] = frozenset()
    extend_safe_fixes: FrozenSet[str] = frozenset()
    extend_unsafe_fixes: FrozenSet[str] = frozenset()
    # parser budget
    max_file_bytes: int = 8 * 1024 * 1024
    max_nesting: int = 150
    # seconds one file may take in a pool worker before it is stopped and reported as AL001
    file_time_budget: float = 60.0
    # generated files (a "generated ... do not edit" header) are skipped unless this is set
    include_generated: bool = False
    # False only in tests proving the triage sound: every checker sees every file and all code.
    triage: bool = True
    # True in pool workers: the native parser may run in-process (a crash loses only the worker);
    # elsewhere it runs in a child process.
    native_in_process: bool = False
    # test hook, workers only: die with SIGSEGV on files containing this text (tests/test_robustness.py)
    crash_marker: Optional[str] = None

    def ignored_for(self, path: str) -> FrozenSet[str]:
        """Codes that per-file-ignores hide for this path (patterns match the relative path or the name)."""
        if not self.per_file_ignores:
            return frozenset()
        rel = os.path.normcase(relative_path(path, self.project_root))
        name = os.path.normcase(os.path.basename(path))
        out: set[str] = set()
        for matcher, codes in self._ignore_matchers:
            if not codes <= out and (matcher.match(rel) or matcher.match(name)):
                out |= codes
        return frozenset(out)

    @cached_property
    def _ignore_matchers(self) -> Tuple[Tuple["re.Pattern[str]", FrozenSet[str]], ...]:
        """per-file-ignores compiled once per Settings value (a run, or a worker), not once per file:
        fnmatch's own cache holds 32k patterns, and 50k patterns recompiled for every file cost 6.6 s each."""
        return compile_ignores(self.per_file_ignores)


def compile_ignores(entries: Sequence[Tuple[str, FrozenSet[str]]]) -> Tuple[Tuple["re.Pattern[str]", FrozenSet[str]], ...]:
    """One regex per distinct set of codes, matched against the relative path and the file name.

    A pattern matches either as ``fnmatch`` would, or as a directory holding the path
    (``pattern/*``: a file name has no ``/``, so that half only ever matches the relative path);
    patterns sharing their codes are joined, so a file costs a match or two, however many patterns.
    """
    grouped: Dict[FrozenSet[str], List[str]] = {}
    for pattern, codes in entries:
        for variant in (pattern, pattern.rstrip("/") + "/*"):
            grouped.setdefault(codes, []).append(fnmatch.translate(os.path.normcase(variant)))
    return tuple((re.compile("|".join(parts)), codes) for codes, parts in grouped.items())


def relative_path(path: str, root: str) -> str:
    """``path`` relative to ``root`` with ``/`` separators (``path`` itself when on another drive)."""
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:
        rel = path
    return rel.replace(os.sep, "/")
