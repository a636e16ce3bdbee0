"""The rule catalogue: every code's documentation, by family, as plain data.

Formats, settings, ``--explain`` and the docs read it without importing a single
checker; the checkers (``asynclint.rules``) import their ``Rule`` values from here.
"""

from __future__ import annotations

from typing import Dict

from . import blocking, cancellation, files, sequential, structured, unawaited
from .migration import migration_markdown
from .rule import DOCS_URL, Rule, Where

__all__ = ["DOCS_URL", "FILE_CODES", "RULES", "Rule", "Where", "catalogue_markdown"]

_FAMILIES = (files, blocking, unawaited, sequential, cancellation, structured)

RULES: Dict[str, Rule] = {rule.code: rule for family in _FAMILIES for rule in family.RULES}
FILE_CODES = frozenset(rule.code for rule in files.RULES)


def catalogue_markdown() -> str:
    """``docs/rules.md``: every rule's ``--explain`` text, generated so docs never drift."""
    parts = ["# asynclint rules", "",
             "Generated from the rules' own documentation (`python -m asynclint.catalogue > docs/rules.md`);",
             "`asynclint --explain CODE` prints the same text. Coming from flake8-async or ruff? See",
             "[the table of their codes](#coming-from-flake8-async-or-ruff) at the end.", ""]
    parts.append("| code | name | default | fixable | summary |")
    parts.append("|---|---|---|---|---|")
    for code, rule in RULES.items():
        parts.append(f"| [{code}](#{code.lower()}) | {rule.name} | {'on' if rule.default_enabled else 'opt-in'} | "
                     f"{'yes' if rule.fixable else '-'} | {rule.summary} |")
    parts.append("")
    for rule in RULES.values():
        text = rule.explain()
        parts.append(f'<a id="{rule.code.lower()}"></a>')
        parts.append("")
        parts.append(text.replace("\n## ", "\n### ").replace("# ", "## ", 1))
    parts.append(migration_markdown())
    return "\n".join(parts).rstrip("\n") + "\n"
