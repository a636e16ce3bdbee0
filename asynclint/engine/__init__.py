"""Lint one file: read, decode, guard, parse, triage, walk, filter. Never raises.

The engine knows nothing about individual rules: it asks the registry which
checkers are enabled and whether their cheap byte-level triage lets the file
through, then runs them all in one walk. A failure is confined to its file
(AL001/AL002) or to its checker (AL003).
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

from ..analysis.context import FileContext
from ..base.isolation import child_sys_path, safe_directory
from ..base.model import Finding
from ..base.settings import Settings
from ..base.source import DecodeError, comment_line_for, comment_lines, decode, is_silenced
from ..knowledge.intent import (
    GENERATED_HEAD_LINES,
    GENERATED_LINE,
    GENERATED_MARKERS,
    explained,
    peer_silenced,
)
from ..rules import checkers_for
from .walker import BudgetExceeded, Walker, coroutine_only, sync_statements_only

_ASYNC_WORD = re.compile(rb"async")
_BRACKETS = re.compile(r"[()\[\]{}]")
_RECURSION_LIMIT = 12000


@dataclass
class FileResult:
    path: str
    findings: List[Finding] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    # what the lint asked the project index (``index.Dependency`` rows): the result cache's per-file key
    depends_on: Tuple[tuple, ...] = field(default=(), compare=False)
    # (size, mtime_ns, sha256) of the bytes linted, when caching: the cache stores these, not a re-read
    read_as: Optional[Tuple[int, int, str]] = field(default=None, compare=False)

    @property
    def internal_error(self) -> bool:
        return any(f.code == "AL003" for f in self.findings)

    def as_tuple(self) -> tuple:
        return (self.path, [f.as_tuple() for f in self.findings], list(self.warnings))

    @classmethod
    def from_tuple(cls, data: tuple) -> "FileResult":
        path, findings, warnings = data
        return cls(path, [Finding.from_tuple(f) for f in findings], list(warnings))


def budget_message(budget: float) -> str:
    """AL003's message for a file whose analysis outlasted ``file-time-budget`` (it parsed: not AL001)."""
    return (f"analysis stopped: it took longer than the {budget:g} s per-file budget (file-time-budget); "
            "this file was not checked")


def file_finding(path: str, code: str, message: str, line: int = 1, column: int = 1) -> Finding:
    line = max(1, line)
    column = max(1, column)
    return Finding(path, line, column, code, message, line, column)


@lru_cache(maxsize=4096)
def _package_of(directory: str) -> Tuple[str, ...]:
    """Package parts for a directory: walk up while ``__init__.py`` exists, and through a folder without one
    inside a package (``vocode/streaming/``, a namespace portion that Python imports as ``vocode.streaming``)."""
    parent = os.path.dirname(directory)
    name = os.path.basename(directory)
    if not os.path.isfile(os.path.join(directory, "__init__.py")):
        if parent != directory and name.isidentifier() and os.path.isfile(os.path.join(parent, "__init__.py")):
            return _package_of(parent) + (name,)
        return ()
    if parent == directory:
        return (name,)
    return _package_of(parent) + (name,)


def module_name_for(path: str) -> Tuple[str, bool]:
    """The dotted module name of a file and whether it is a package ``__init__``."""
    absolute = os.path.abspath(path)
    directory, filename = os.path.split(absolute)
    stem = filename.rsplit(".", 1)[0] if filename.endswith((".py", ".pyi")) else filename
    package = _package_of(directory)
    if stem == "__init__":
        return ".".join(package), True
    return ".".join(package + (stem,)), False


def read_file(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def lint_path(path: str, settings: Settings, index: object = None, force: bool = False) -> FileResult:
    """Read and lint a file; unreadable paths give AL002."""
    try:
        before = os.stat(path) if settings.use_cache else None
        data = read_file(path)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return FileResult(path, [file_finding(path, "AL002", f"cannot read: {reason}")])
    result = lint_source(data, path, settings, index=index, force=force)
    if before is not None:
        # stat before reading: a file changed meanwhile has a newer mtime, and its next run re-hashes it
        result.read_as = (before.st_size, before.st_mtime_ns, hashlib.sha256(data).hexdigest())
    return result


def lint_source(data: bytes, path: str, settings: Settings, index: object = None, force: bool = False,
                module_name: Optional[str] = None, *, text: Optional[str] = None,
                tree: Optional[ast.Module] = None, noqa: bool = True) -> FileResult:
    """Lint the bytes of one file. ``force`` parses even when triage finds nothing to check.

    A front end that already holds the file decoded and parsed (flake8 hands its plugins
    both) passes ``text`` and ``tree`` so the file is not decoded or parsed twice; ``data``
    is still what the size budget and the byte-level triage look at. ``noqa=False`` leaves
    ``# noqa`` comments to the caller (flake8 applies its own, and its ``--disable-noqa``).
    """
    result = FileResult(path)
    lines: Sequence[str] = ()
    try:
        lines = _lint(data, path, settings, index, force, module_name, result, text, tree)
    except Exception as error:  # noqa: BLE001 - last line of defence: never a traceback
        result.findings.append(file_finding(path, "AL003", f"internal error: {type(error).__name__}: {error}"))
    _filter(result, settings, lines, own_noqa=noqa)
    return result


def _lint(data: bytes, path: str, settings: Settings, index: object, force: bool,
          module_name: Optional[str], result: FileResult, text: Optional[str] = None,
          tree: Optional[ast.Module] = None) -> Sequence[str]:
    """Fill ``result``; return the file's lines when findings need ``noqa`` checks."""
    started = time.monotonic()
    enabled = settings.enabled
    checker_types = [c for c in checkers_for(enabled)
                     if not settings.triage or c.could_fire_with(data, enabled, index)]
    if not checker_types and not force:
        return ()
    if not settings.include_generated and is_generated(data):
        return ()
    if len(data) > settings.max_file_bytes:
        result.findings.append(file_finding(
            path, "AL001", f"cannot parse: file too large ({len(data)} bytes; the limit is {settings.max_file_bytes})"))
        return ()
    if text is None:
        try:
            text = decode(data)
        except DecodeError as error:
            result.findings.append(file_finding(path, "AL001", f"cannot parse: {error}"))
            return ()
    if tree is None:
        tree = _parse(text, path, settings, result)
    if tree is None or not checker_types:
        return ()
    if module_name is None:
        module_name, is_package = module_name_for(path)
    else:
        is_package = os.path.basename(path).startswith("__init__.")
    ctx = FileContext(path, text, tree, settings, module_name, is_package, index)  # type: ignore[arg-type]
    checkers = [c(ctx) for c in checker_types]
    only_coroutines = settings.triage and coroutine_only(checker_types, enabled)
    async_lines = _async_lines(data) if only_coroutines else None
    statements_only = settings.triage and sync_statements_only(checker_types, data, enabled)
    budget = settings.file_time_budget
    walker = Walker(ctx, checkers, only_coroutines, async_lines, statements_only,
                    deadline=started + budget if budget and budget > 0 else None)
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, _RECURSION_LIMIT))
    try:
        walker.run()
    except RecursionError:
        result.findings.append(file_finding(path, "AL001", "cannot parse: nesting too deep to analyse"))
        return ()
    except BudgetExceeded:
        result.findings.append(file_finding(path, "AL003", budget_message(budget)))
        return ()
    finally:
        sys.setrecursionlimit(old_limit)
    result.findings.extend(ctx.findings)
    for failure in walker.failed:
        codes = ", ".join(r.code for r in type(failure.checker).rules)
        result.findings.append(file_finding(
            path, "AL003", f"internal error in {codes} ({type(failure.checker).__name__}): "
            f"{type(failure.error).__name__}: {failure.error}"))
    return ctx.lines if ctx.findings else ()


def _async_lines(data: bytes) -> List[int]:
    """Line numbers holding the word ``async`` (for skipping sync code without it)."""
    lines: List[int] = []
    line = 1
    last = 0
    for match in _ASYNC_WORD.finditer(data):
        start = match.start()
        line += data.count(b"\n", last, start)
        last = start
        if not lines or lines[-1] != line:
            lines.append(line)
    # Old Mac line endings: count \r too when there is no \n at all.
    if lines and b"\n" not in data and b"\r" in data:
        return [1] + [i for i in range(2, data.count(b"\r") + 2)]
    return lines


def _parse(text: str, path: str, settings: Settings, result: FileResult) -> Optional[ast.Module]:
    try:
        with warnings.catch_warnings():
            # The linted file's SyntaxWarnings (invalid escapes...) are not ours to print.
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=path)
    except SyntaxError as error:
        message = error.msg or "invalid syntax"
        if "null bytes" in message:
            result.findings.append(file_finding(path, "AL001", "cannot parse: source contains NUL bytes"))
            return None
        if _accepted_by_libcst(text, error, settings):
            result.warnings.append(
                f"{path}: not analysed: Python {sys.version_info[0]}.{sys.version_info[1]} cannot parse it "
                f"({message}, line {error.lineno}), though libcst can; run asynclint with a newer Python")
            return None
        result.findings.append(file_finding(
            path, "AL001", f"cannot parse: {message}", error.lineno or 1, error.offset or 1))
    except (ValueError, TypeError) as error:  # NUL bytes on Python < 3.12
        result.findings.append(file_finding(path, "AL001", f"cannot parse: {error}"))
    except RecursionError:
        result.findings.append(file_finding(path, "AL001", "cannot parse: too deeply nested"))
    except MemoryError:
        result.findings.append(file_finding(path, "AL001", "cannot parse: too complex (parser ran out of memory)"))
    return None


def _max_nesting(text: str) -> int:
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif depth:
            depth -= 1
    return deepest


def _accepted_by_libcst(text: str, error: SyntaxError, settings: Settings) -> bool:
    """libcst is the parser of record: does it accept what this interpreter's ``ast`` rejects?

    Guarded: libcst's native parser crashes on deep nesting, so it only sees files
    within the nesting budget.
    """
    if "too many nested" in (error.msg or "") or _max_nesting(text) > settings.max_nesting:
        return False
    if settings.native_in_process:
        return libcst_accepts(text)
    return _libcst_accepts_in_child(text)


def libcst_accepts(text: str) -> bool:
    try:
        import libcst
    except ImportError:
        return False
    try:
        libcst.parse_module(text)
    except Exception:  # noqa: BLE001 - any libcst failure means "no"
        return False
    return True


def _libcst_accepts_in_child(text: str) -> bool:
    """Outside a worker, ask libcst in a child process: a native crash must not end the run."""
    # Isolated (-I: no current directory, no PYTHON* variables, no user site) in a directory of
    # our choosing, with this process's absolute sys.path set before the first import: code in
    # the linted tree (a libcst.py, an asynclint.py) is never imported.
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    search = [package_parent] + [p for p in child_sys_path() if p != package_parent]
    code = f"import sys; sys.path[:] = {search!r}; from asynclint.engine import libcst_accepts; " \
           "sys.exit(0 if libcst_accepts(sys.stdin.buffer.read().decode(\"utf-8\", \"surrogatepass\")) else 1)"
    try:
        done = subprocess.run([sys.executable, "-I", "-c", code], input=text.encode("utf-8", "surrogatepass"),
                              capture_output=True, timeout=60, cwd=safe_directory())
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def is_generated(data: bytes) -> bool:
    """Does the file say it is generated (a marker in a comment, or in the module docstring, at its top)?

    OpenAPI Generator and swagger-codegen write theirs inside the docstring (``Generated by:
    https://openapi-generator.tech``), not on its first line."""
    quote: Optional[bytes] = None  # the module docstring's delimiter while inside it
    for number, line in enumerate(data.splitlines()[:GENERATED_HEAD_LINES]):
        stripped = line.lstrip()
        opens = quote is None and number < 3 and stripped[:3] in (b'"""', b"'''")
        if (stripped.startswith(b"#") or opens or quote is not None) and (
                GENERATED_MARKERS.search(stripped) or (quote is not None and GENERATED_LINE.match(stripped))):
            return True
        if opens:
            quote = None if stripped.count(stripped[:3]) > 1 else stripped[:3]
        elif quote is not None and quote in stripped:
            quote = None
    return False


def _filter(result: FileResult, settings: Settings, lines: Sequence[str], own_noqa: bool = True) -> None:
    """Apply ``# noqa`` (on the finding's first line; flake8 applies its own when ``own_noqa`` is False),
    peer-linter silences and per-file-ignores; sort."""
    findings = result.findings
    if not findings:
        return
    ignored = settings.ignored_for(result.path)
    kept: List[Finding] = []
    later = _LaterNoqa(lines)
    for finding in findings:
        if finding.code in ignored:
            continue
        if finding.code not in ("AL001", "AL002", "AL003") and 0 < finding.line <= len(lines) and (
                (own_noqa and (is_silenced(lines[finding.line - 1], finding.code) or later.silences(finding)))
                or peer_silenced(lines, finding.line, finding.code) or explained(lines, finding.line, finding.code)):
            continue
        kept.append(finding)
    kept.sort(key=Finding.sort_key)
    result.findings = kept


class _LaterNoqa:
    """A ``# noqa`` for a line that cannot end in a comment (inside a multi-line string, or
    continued with a backslash) sits on the first line after it that can: where
    ``--add-noqa`` puts it. The file is tokenized only when such a comment may exist."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self._noqa_lines: Optional[List[int]] = None
        self._breaks: Optional[List[int]] = None

    def silences(self, finding: Finding) -> bool:
        if self._noqa_lines is None:
            self._noqa_lines = [n for n, line in enumerate(self.lines, 1) if "noqa" in line.lower()]
        if not self._noqa_lines or self._noqa_lines[-1] <= finding.line:
            return False
        if self._breaks is None:
            self._breaks = comment_lines("\n".join(self.lines)) or []
        target = comment_line_for(finding.line, self._breaks)
        return target is not None and target != finding.line and is_silenced(self.lines[target - 1], finding.code)
