"""Rule family placeholder: filled in by its own issue."""

from __future__ import annotations

from typing import Tuple, Type

from .base import Checker, Rule

RULES: Tuple[Rule, ...] = ()
CHECKERS: Tuple[Type[Checker], ...] = ()
