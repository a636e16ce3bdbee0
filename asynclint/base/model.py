"""Values that cross module and process boundaries: findings, fixes, edits.

They are frozen dataclasses so they can be hashed, sorted and compared in tests,
and they convert to plain tuples (``as_tuple`` / ``from_tuple``) because workers
send tuples back, never CST or AST nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional, Tuple


class Applicability(str, Enum):
    """ruff's meaning: a safe fix keeps behaviour, an unsafe one may change it."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (1-based line, 1-based code-point column, end exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str

    def as_tuple(self) -> Tuple[int, int, int, int, str]:
        return (self.line, self.column, self.end_line, self.end_column, self.content)


@dataclass(frozen=True)
class Fix:
    message: str
    applicability: Applicability
    edits: Tuple[Edit, ...]

    def as_tuple(self) -> tuple[Any, ...]:
        return (self.message, self.applicability.value, tuple(e.as_tuple() for e in self.edits))

    @classmethod
    def from_tuple(cls, data: tuple[Any, ...]) -> "Fix":
        message, applicability, edits = data
        return cls(message, Applicability(applicability), tuple(Edit(*e) for e in edits))


@dataclass(frozen=True)
class Finding:
    """One reported problem; outputs sort by ``sort_key``."""

    path: str
    line: int
    column: int
    code: str
    message: str
    end_line: int
    end_column: int
    fix: Optional[Fix] = None

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.path, self.line, self.column, self.code, self.message,
            self.end_line, self.end_column, self.fix.as_tuple() if self.fix else None,
        )

    @classmethod
    def from_tuple(cls, data: tuple[Any, ...]) -> "Finding":
        *head, fix = data
        return cls(*head, fix=Fix.from_tuple(fix) if fix is not None else None)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)
