"""One workspace folder as the CLI would see it: its config, its project index, and linting buffers.

This is the server's only door into asynclint: every import of the engine, config,
runner, fixes and noqa code is here, so moving those modules means editing this
file's imports and nothing else. Nothing here knows about LSP; every method is called
on the server's one analysis thread, so the index is never read and changed at once.
"""

from __future__ import annotations

import ast
import os
import time
import warnings
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..orchestration.config import ConfigError, RunConfig, resolve
from ..orchestration.discovery import DiscoveryOptions, is_excluded
from ..engine import FileResult, file_finding, lint_source, module_name_for
from ..orchestration.fixes import applicability, fix_source
from ..base.model import Applicability, Finding
from ..orchestration.noqa import add_noqa
from ..catalogue import RULES
from ..orchestration.runner import load_index
from ..base.source import DecodeError, decode

__all__ = ["Applicability", "Finding", "LintOutcome", "Project", "rule_url"]

# Python reads a coding cookie only on the first two lines.
_COOKIE_LINES = 2
# test hook: a lint of a buffer containing this text raises (tests/test_lsp.py checks the server survives)
FAIL_ENV = "ASYNCLINT_LSP_FAIL_MARKER"


def rule_url(code: str) -> Optional[str]:
    rule = RULES.get(code)
    return rule.url if rule is not None else None


@dataclass
class LintOutcome:
    """The findings of one buffer and what the lint asked the index (to know when to lint it again)."""

    findings: List[Finding]
    depends_on: Tuple[tuple, ...] = ()
    seconds: float = 0.0


def buffer_bytes(text: str) -> bytes:
    """The bytes the buffer would be saved as: its coding cookie's encoding, else UTF-8.

    The engine's byte-level triage and size budget look at bytes; the text itself is
    handed over too, so a file in another encoding is never decoded twice.
    """
    head = "\n".join(text.splitlines()[:_COOKIE_LINES])
    encoding = "utf-8"
    if "coding" in head:
        from ..orchestration.fixes import encoding_of  # noqa: PLC0415

        try:
            encoding = encoding_of(head.encode("utf-8", "surrogatepass") + b"\n")
        except SyntaxError:
            encoding = "utf-8"
    try:
        return text.encode(encoding)
    except (UnicodeError, LookupError):
        return text.encode("utf-8", "surrogatepass")


def _parse(text: str) -> Optional[ast.Module]:
    """The buffer's tree, or None: the engine parses it again and reports why it does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return None


class Project:
    """Settings and index of one root; ``problem`` says why the config file was not used, if it was not."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.client_values: Dict[str, Any] = {}
        self.config: RunConfig = resolve({}, [self.root], isolated=True, cwd=self.root)
        self.problem: Optional[str] = None
        self.index: Optional[object] = None
        self.index_seconds = 0.0
        # path -> what its last lint asked the index: an open file is linted again when one breaks
        self.depends: Dict[str, Tuple[tuple, ...]] = {}
        self._fail_marker = os.environ.get(FAIL_ENV) or None

    # -- settings and index -----------------------------------------------------------
    def configure(self, client_values: Optional[Mapping[str, Any]] = None) -> Optional[str]:
        """Resolve the config as ``asynclint ROOT`` would, the editor's settings acting as flags.

        A bad config is reported (the return value) and the defaults are used until it is fixed.
        """
        if client_values is not None:
            self.client_values = {k: v for k, v in client_values.items() if v is not None}
        self.problem = None
        try:
            config = resolve(self.client_values, [self.root], cwd=self.root)
        except ConfigError as error:
            self.problem = f"asynclint: {error}; using the default settings until it is fixed"
            try:
                config = resolve({}, [self.root], isolated=True, cwd=self.root)
            except ConfigError:  # pragma: no cover - the defaults always resolve
                raise
        config.settings = replace(config.settings, use_cache=True, cache_dir=config.cache_dir)
        self.config = config
        return self.problem

    def load_index(self) -> None:
        """Load or build the project index, reusing and updating ``.asynclint_cache/`` as a CLI run does."""
        started = time.perf_counter()
        self.index = load_index(self.config.settings)
        self.index_seconds = time.perf_counter() - started

    @property
    def settings(self) -> Any:
        return self.config.settings

    def owns(self, path: str) -> bool:
        """Is ``path`` inside this project (so its buffer belongs in the index)?"""
        roots = self.settings.index_roots or (self.settings.project_root,)
        absolute = os.path.abspath(path)
        return any(absolute == r or absolute.startswith(r.rstrip(os.sep) + os.sep) for r in map(os.path.abspath, roots))

    def excluded(self, path: str) -> bool:
        """The config's excludes (as ``--force-exclude`` applies them): an opened vendored file is not linted."""
        config = self.config
        options = DiscoveryOptions(exclude=config.exclude, extend_exclude=config.extend_exclude,
                                   force_exclude=True, respect_gitignore=config.respect_gitignore, root=config.root)
        return is_excluded(path, options)

    def overlay(self, path: str, text: Optional[str], tree: Optional[ast.Module] = None) -> bool:
        """Let the index answer from the buffer (None: from disk again). True: the module's definitions changed."""
        index = self.index
        if index is None or not path.endswith((".py", ".pyi")) or not self.owns(path):
            return False
        if text is None:
            try:
                with open(path, "rb") as handle:
                    data: Optional[bytes] = handle.read()
            except OSError:
                data = None
        else:
            data = buffer_bytes(text)
        return bool(index.overlay(path, data, module_name_for(path), tree))  # type: ignore[attr-defined]

    def stale(self, depends_on: Tuple[tuple, ...]) -> bool:
        """Would the index now answer one of these lookups differently?"""
        index = self.index
        if index is None or not depends_on:
            return False
        return bool(index.broken(depends_on))  # type: ignore[attr-defined]

    def dependents(self, path: str) -> List[str]:
        """The other linted files whose lint the index would now answer differently."""
        return [other for other, rows in self.depends.items() if other != path and self.stale(rows)]

    def forget_dependencies(self) -> None:
        self.depends.clear()

    def close(self, path: str) -> List[str]:
        """The buffer is closed: the index reads the file from disk again; returns the files that depend on it."""
        self.depends.pop(path, None)
        return self.dependents(path) if self.overlay(path, None) else []

    def refresh(self, texts: Mapping[str, str]) -> List[str]:
        """Files changed on disk: update the index (and its cache), keep the open buffers' versions, and
        return the open files whose lint the index would now answer differently."""
        self.load_index()
        for path, text in texts.items():
            self.overlay(path, text)
        return [path for path in texts if self.stale(self.depends.get(path, ()))]

    # -- linting and fixing -----------------------------------------------------------
    def analyse(self, path: str, text: str) -> Tuple[LintOutcome, bool]:
        """Update the index from the buffer and lint it, parsing it once for both; True: its definitions changed."""
        tree = _parse(text)
        changed = self.overlay(path, text, tree)
        if self.excluded(path):
            return LintOutcome([]), changed
        return self.lint(path, text, tree), changed

    def lint(self, path: str, text: str, tree: Optional[ast.Module] = None) -> LintOutcome:
        """Lint a buffer; an internal failure is one AL003 finding, never an exception."""
        started = time.perf_counter()
        index = self.index
        record = getattr(index, "record_dependencies", None)
        try:
            if record is not None:
                record()
            if self._fail_marker and self._fail_marker in text:
                raise RuntimeError("test hook: this buffer's lint fails")
            result: FileResult = lint_source(buffer_bytes(text), path, self.settings, index=index, force=True,
                                             text=text, tree=tree)
            depends_on = index.recorded_dependencies() if record is not None else ()  # type: ignore[union-attr]
        except Exception as error:  # noqa: BLE001 - one file's failure must not end the server
            if record is not None:
                index.recorded_dependencies()  # type: ignore[union-attr]
            result = FileResult(path, [file_finding(path, "AL003", f"internal error: {type(error).__name__}: {error}")])
            depends_on = ()
        self.depends[path] = depends_on
        return LintOutcome(result.findings, depends_on, time.perf_counter() - started)

    def fix_kind(self, finding: Finding) -> Optional[Applicability]:
        """SAFE or UNSAFE after the config's fixable/unfixable/extend-*-fixes; None: not fixable."""
        return applicability(finding, self.settings)

    def fix_all(self, path: str, text: str) -> Optional[str]:
        """The buffer with every safe fix applied (checked to parse, as ``--fix`` does); None when nothing applies."""
        data = buffer_bytes(text)
        try:
            if decode(data) != text:
                return None  # the buffer cannot be saved in its declared encoding
        except DecodeError:
            return None
        index = self.index

        def lint(source: bytes) -> List[Finding]:
            return lint_source(source, path, self.settings, index=index, force=True).findings

        outcome = fix_source(data, path, self.settings, False, lint)
        if outcome.fixed is None:
            return None
        return decode(outcome.fixed)

    @staticmethod
    def with_noqa(text: str, finding: Finding) -> Optional[str]:
        """The buffer with a ``# noqa`` for this finding; None when no comment can silence it."""
        result = add_noqa(text, [finding])
        return result.text if result.changed_lines else None
