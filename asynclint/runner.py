"""Run the engine over many files: the project index, the cache and the worker pool live here."""

from __future__ import annotations

from typing import List, Optional, Sequence

from .engine import FileResult, lint_path
from .rules import checkers_for
from .settings import Settings


def needs_index(settings: Settings) -> bool:
    return any(getattr(c, "needs_index", False) for c in checkers_for(settings.enabled))


def load_index(settings: Settings) -> Optional[object]:
    """The project-wide index of coroutine functions, when an enabled rule asks for it."""
    if not needs_index(settings):
        return None
    from .index import ProjectIndex  # noqa: PLC0415 - only runs that need it pay for it

    return ProjectIndex.load(settings)


def lint_paths(paths: Sequence[str], settings: Settings, jobs: int = 1, forced: Sequence[str] = ()) -> List[FileResult]:
    """Lint files; ``forced`` ones are parsed even when triage finds nothing (explicit non-.py files)."""
    index = load_index(settings)
    force = set(forced)
    return [lint_path(p, settings, index=index, force=p in force) for p in paths]
