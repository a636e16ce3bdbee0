"""The checkers: every family module contributes its ``CHECKERS``.

The engine knows nothing about individual rules; it asks this registry. The rules'
documentation is ``asynclint.catalogue``; a checker asks ``asynclint.analysis``
what names and calls mean and never imports another family's module.
"""

from __future__ import annotations

from typing import Tuple, Type

from . import asyncio_api, blocking, cancellation, sequential, structured, unawaited
from .base import Checker

CHECKERS: Tuple[Type[Checker], ...] = tuple(
    c for family in (blocking, unawaited, sequential, cancellation, structured, asyncio_api) for c in family.CHECKERS)


def checkers_for(enabled: frozenset[str]) -> Tuple[Type[Checker], ...]:
    """The checkers with at least one enabled code."""
    return tuple(c for c in CHECKERS if any(r.code in enabled for r in c.rules))
