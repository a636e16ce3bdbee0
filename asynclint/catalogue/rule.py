"""What a rule is, as documentation: ``Rule`` holds a code's name, rationale, examples and fix safety.

``--explain``, ``--list-rules``, ``docs/rules.md`` and every output format read these
values, so docs cannot drift from the code; ``Where`` tells the walker whether a rule
can fire outside coroutines.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

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
