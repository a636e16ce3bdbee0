"""The visitor that finds a rule (``Checker``); the rule's documentation is its ``Rule`` value
in ``asynclint.catalogue``.

One checker may emit several related codes (the blocking-call table serves all of
AL101-AL106 in one lookup).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, ClassVar, Optional, Tuple

from ..catalogue.rule import Rule, Where

if TYPE_CHECKING:
    from ..analysis.context import FileContext


class Checker:
    """A visitor over one module's ``ast``: define ``visit_<Node>`` / ``leave_<Node>``.

    The engine makes one instance per file and one walk for all checkers. Inside a
    hook, ``self.ctx`` answers "am I in a coroutine?", resolves names, and reports.
    """

    rules: ClassVar[Tuple[Rule, ...]] = ()

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        """Sound byte-level triage: False only if no enabled code of this checker can fire."""
        return True

    @classmethod
    def could_fire_with(cls, source: bytes, enabled: frozenset[str], index: object) -> bool:
        """Triage that may consult the project index (rules whose targets live in other files)."""
        return cls.could_fire(source, enabled)

    @classmethod
    def where(cls, enabled: frozenset[str]) -> Where:
        wanted = [r for r in cls.rules if r.code in enabled]
        if any(r.where is Where.ANYWHERE for r in wanted):
            return Where.ANYWHERE
        return Where.COROUTINE

    @classmethod
    def sync_needs_expressions(cls, source: bytes, enabled: frozenset[str]) -> bool:
        """Must the walk show this checker expressions in sync code, or are statements enough?

        When every checker answers False the walker visits only statements outside
        coroutines (a fraction of the nodes). Rules limited to coroutines need nothing there.
        """
        return cls.where(enabled) is Where.ANYWHERE

    def end_module(self, module: ast.Module) -> None:
        """Called once after the walk; for rules that decide at the end (unused names...)."""


class Span(ast.AST):
    """A bare position for ``report`` when no node covers exactly what a finding is about (a keyword)."""

    _attributes = ("lineno", "col_offset", "end_lineno", "end_col_offset")

    def __init__(self, line: int, col: int, end_col: int) -> None:
        super().__init__()
        self.lineno = self.end_lineno = line
        self.col_offset = col
        self.end_col_offset = end_col


def node_text(node: Optional[ast.AST]) -> str:
    """Short source-like text for messages (``ast.unparse`` is fine: only on findings)."""
    if node is None:
        return ""
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - a message must never crash the run
        return "<expression>"
    return text if len(text) <= 60 else text[:57] + "..."
