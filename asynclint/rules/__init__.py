"""The rule catalogue: every family module contributes its ``RULES`` and ``CHECKERS``.

The engine knows nothing about individual rules; it asks this registry.
"""

from __future__ import annotations

from typing import Dict, Tuple, Type

from . import blocking, cancellation, files, sequential, unawaited
from .base import Checker, Rule

_FAMILIES = (files, blocking, unawaited, sequential, cancellation)

RULES: Dict[str, Rule] = {rule.code: rule for family in _FAMILIES for rule in family.RULES}
CHECKERS: Tuple[Type[Checker], ...] = tuple(c for family in _FAMILIES for c in family.CHECKERS)
FILE_CODES = frozenset(rule.code for rule in files.RULES)


def checkers_for(enabled: frozenset[str]) -> Tuple[Type[Checker], ...]:
    """The checkers with at least one enabled code."""
    return tuple(c for c in CHECKERS if any(r.code in enabled for r in c.rules))


def catalogue_markdown() -> str:
    """``docs/rules.md``: every rule's ``--explain`` text, generated so docs never drift."""
    parts = ["# asynclint rules", "",
             "Generated from the rules' own documentation (`python -m asynclint.rules > docs/rules.md`);",
             "`asynclint --explain CODE` prints the same text.", ""]
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
    return "\n".join(parts).rstrip("\n") + "\n"
