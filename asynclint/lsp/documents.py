"""Open buffers as the editor holds them, and the two ways of counting columns.

asynclint counts lines as Python does (``\\r\\n``, ``\\r`` or ``\\n``) and columns in code
points; LSP counts lines the same way but columns in UTF-16 code units unless the
client agreed on UTF-8 or UTF-32. pygls keeps its own copy of each document, but splits
lines with ``str.splitlines`` (form feeds, ``\\x1c``, ``\\u2028``... end a line there), so an
incremental edit after such a character would land on the wrong line: these documents
apply edits with LSP's rules instead.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _units(text: str, encoding: str) -> int:
    """Length of ``text`` in the client's code units."""
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _chars(line: str, units: int, encoding: str) -> int:
    """How many code points of ``line`` the first ``units`` client code units cover (clamped to the line)."""
    if encoding == "utf-32" or line.isascii():
        return min(units, len(line))
    count = 0
    for index, ch in enumerate(line):
        if count >= units:
            return index
        count += _units(ch, encoding)
    return len(line)


@dataclass
class Document:
    """One open file: its text, the editor's version number and where each line starts."""

    uri: str
    path: str
    text: str
    version: Optional[int] = None
    _starts: List[int] = field(default_factory=list, repr=False)
    _ends: List[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._index()

    def _index(self) -> None:
        starts, ends = [0], []
        for match in _LINE_BREAK.finditer(self.text):
            ends.append(match.start())
            starts.append(match.end())
        ends.append(len(self.text))
        self._starts, self._ends = starts, ends

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line(self, number: int) -> str:
        """Line ``number`` (0-based) without its line break; '' past the end."""
        if not 0 <= number < len(self._starts):
            return ""
        return self.text[self._starts[number]:self._ends[number]]

    # -- positions ------------------------------------------------------------------
    def offset(self, line: int, units: int, encoding: str) -> int:
        """The text offset of an LSP position (clamped into the text, as the spec asks)."""
        if line >= len(self._starts):
            return len(self.text)
        if line < 0:
            return 0
        return self._starts[line] + _chars(self.line(line), max(0, units), encoding)

    def to_client(self, line: int, column: int, encoding: str) -> Tuple[int, int]:
        """A 0-based line and 0-based code-point column as an LSP (line, character)."""
        if line >= len(self._starts):
            return len(self._starts) - 1, _units(self.line(len(self._starts) - 1), encoding)
        text = self.line(line)
        column = max(0, min(column, len(text)))
        return line, _units(text[:column], encoding)

    def end(self, encoding: str) -> Tuple[int, int]:
        last = len(self._starts) - 1
        return last, _units(self.line(last), encoding)

    def position_of(self, offset: int) -> Tuple[int, int]:
        """0-based (line, code-point column) of a text offset."""
        line = bisect.bisect_right(self._starts, offset) - 1
        return line, offset - self._starts[line]

    # -- edits ----------------------------------------------------------------------
    def replace_all(self, text: str, version: Optional[int]) -> None:
        self.text = text
        self.version = version
        self._index()

    def apply(self, start: Tuple[int, int], end: Tuple[int, int], new_text: str, encoding: str) -> None:
        """An incremental change: replace the text between two LSP positions."""
        a = self.offset(start[0], start[1], encoding)
        b = self.offset(end[0], end[1], encoding)
        if b < a:
            a, b = b, a
        self.text = self.text[:a] + new_text + self.text[b:]
        self._index()


def minimal_edit(old: str, new: str) -> Tuple[int, int, str]:
    """The one replacement (start offset, end offset in ``old``, new text) that turns ``old`` into ``new``:
    a fix-all sent as a whole-file replacement would move the editor's cursor and folds."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    # never start or end between \r and \n: LSP has no position there
    while prefix and old[prefix - 1] == "\r" and old[prefix:prefix + 1] == "\n":
        prefix -= 1
    while suffix and old[len(old) - suffix - 1:len(old) - suffix + 1] == "\r\n":
        suffix -= 1
    return prefix, len(old) - suffix, new[prefix:len(new) - suffix]
