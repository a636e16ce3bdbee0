"""Rule selection: which codes ``select``, ``ignore`` and ``per-file-ignores`` name (ruff's semantics).

It needs the catalogue (prefixes, opt-in rules), so it lives here rather than beside
the ``Settings`` value it fills in.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, Optional, Sequence, Tuple

from ..base.settings import Settings
from . import FILE_CODES, RULES


class SelectionError(ValueError):
    """A selector that matches no rule: a usage error (exit 2)."""


def expand_selector(selector: str, *, for_select: bool) -> FrozenSet[str]:
    """Codes a selector names: ``ALL``, a prefix (``AL``, ``AL4``) or a full code.

    Opt-in rules are named only by their full code or ``ALL`` when selecting; any
    prefix may ignore them.
    """
    sel = selector.strip().upper()
    if not sel:
        raise SelectionError("empty rule selector")
    if sel == "ALL":
        return frozenset(RULES)
    matches = [code for code in RULES if code.startswith(sel)]
    if not matches:
        raise SelectionError(f"unknown rule selector `{selector}`")
    if for_select:
        return frozenset(c for c in matches if RULES[c].default_enabled or c == sel)
    return frozenset(matches)


def select_rules(
    select: Optional[Sequence[str]] = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> FrozenSet[str]:
    """ruff's semantics: ``select`` replaces the default set, ``extend-select`` adds, ``ignore`` removes.

    AL0xx codes are always on: only ``exclude`` and ``per-file-ignores`` hide them.
    """
    if select is None:
        enabled = {code for code, rule in RULES.items() if rule.default_enabled}
    else:
        enabled = set()
        for sel in select:
            enabled |= expand_selector(sel, for_select=True)
    for sel in extend_select:
        enabled |= expand_selector(sel, for_select=True)
    for sel in ignore:
        enabled -= expand_selector(sel, for_select=False)
    return frozenset(enabled | FILE_CODES)


def parse_per_file_ignores(entries: Iterable[Tuple[str, Sequence[str]]]) -> Tuple[Tuple[str, FrozenSet[str]], ...]:
    out = []
    for pattern, selectors in entries:
        codes: set[str] = set()
        for sel in selectors:
            codes |= expand_selector(sel, for_select=False)
        out.append((pattern, frozenset(codes)))
    return tuple(out)


def default_settings(**overrides: object) -> Settings:
    values: Dict[str, object] = {"enabled": select_rules()}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
