"""What a rule is: its documentation (``Rule``) and the visitor that finds it (``Checker``).

A rule's code, name, message, rationale, examples and fix safety live together in
one ``Rule`` value next to the checker that emits it; ``--explain`` and
``--list-rules`` print these values, so docs cannot drift from the code.
One checker may emit several related codes (the blocking-call table serves all of
AL101-AL106 in one lookup).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, ClassVar, Optional, Tuple

if TYPE_CHECKING:
    from ..context import FileContext

DOCS_URL = "https://github.com/asynclint/asynclint/blob/main/docs/rules.md"  # anchors: #al101


class Where(str, Enum):
    """Where a rule can fire: the walker skips sync code when no enabled rule needs it."""

    COROUTINE = "coroutine"
    ANYWHERE = "anywhere"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    what_it_does: str
    why_bad: str
    example: str
    use_instead: str
    fix_safety: str = "This rule has no automatic fix."
    fixable: bool = False
    default_enabled: bool = True
    where: Where = Where.COROUTINE
    options: str = ""

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.code.lower()}"

    def explain(self) -> str:
        """The text of ``asynclint --explain CODE`` (ruff's fixed sections)."""
        status = "on by default" if self.default_enabled else "opt-in (select it by its full code)"
        parts = [
            f"# {self.code} {self.name}",
            "",
            f"{self.summary} ({status}; {'fixable' if self.fixable else 'not fixable'})",
            "",
            "## What it does",
            self.what_it_does.strip(),
            "",
            "## Why is this bad?",
            self.why_bad.strip(),
            "",
            "## Example",
            "```python",
            self.example.strip("\n"),
            "```",
            "",
            "## Use instead",
            "```python",
            self.use_instead.strip("\n"),
            "```",
            "",
            "## Fix safety",
            self.fix_safety.strip(),
        ]
        if self.options:
            parts += ["", "## Options", self.options.strip()]
        return "\n".join(parts) + "\n"


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


def node_text(node: Optional[ast.AST]) -> str:
    """Short source-like text for messages (``ast.unparse`` is fine: only on findings)."""
    if node is None:
        return ""
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - a message must never crash the run
        return "<expression>"
    return text if len(text) <= 60 else text[:57] + "..."
