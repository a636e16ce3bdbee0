"""Reading source as Python does: PEP 263 cookies, BOMs, and ``# noqa`` comments."""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from typing import FrozenSet, List, Optional, Sequence

# flake8's syntax: ``# noqa``, ``# noqa: AL101``, ``# noqa:AL101,AL102`` (case-insensitive).
_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
NOQA_COMMENT = _NOQA  # for the code that writes noqa comments (asynclint.noqa)


class DecodeError(ValueError):
    """The bytes are not text in the file's declared encoding."""


# The first two lines, whatever ends them: the interpreter looks for a cookie there after
# translating CR and CRLF, while ``tokenize.detect_encoding`` splits on LF only.
_FIRST_TWO_LINES = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?[^\r\n]*(?:\r\n|\r|\n)?")


def decode(data: bytes) -> str:
    """Decode as the interpreter would: BOM, then a coding cookie on line 1 or 2, else UTF-8."""
    head = _FIRST_TWO_LINES.match(data).group(0)  # type: ignore[union-attr]
    try:
        encoding, _ = tokenize.detect_encoding(iter(head.splitlines(keepends=True)).__next__)
    except SyntaxError as error:
        raise DecodeError(str(error)) from None
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise DecodeError(f"cannot decode as {encoding}: {error}") from None


def noqa_codes(line: str) -> Optional[FrozenSet[str]]:
    """None: no noqa; empty set: a bare ``# noqa`` (silences all); else the codes named."""
    if "#" not in line:
        return None
    found: Optional[FrozenSet[str]] = None
    # every match counts: text in a string that looks like a noqa must not hide the real comment after it
    for match in _NOQA.finditer(line):
        codes = match.group("codes")
        if not codes:
            return frozenset()
        found = (found or frozenset()) | frozenset(c.upper() for c in _CODE.findall(codes))
    return found


def is_silenced(line: str, code: str) -> bool:
    codes = noqa_codes(line)
    if codes is None:
        return False
    return not codes or code in codes


# f-strings (3.12+) and t-strings (3.14+) are several tokens: a line break between their
# start and end is inside the string, even where the tokenizer says NL.
_STRING_STARTS = frozenset(getattr(tokenize, name) for name in ("FSTRING_START", "TSTRING_START")
                           if hasattr(tokenize, name))
_STRING_ENDS = frozenset(getattr(tokenize, name) for name in ("FSTRING_END", "TSTRING_END")
                         if hasattr(tokenize, name))


def comment_lines(text: str) -> Optional[List[int]]:
    """The lines a comment may end (sorted): those where a logical or bracketed line breaks.

    A line inside a multi-line string, or continued with a backslash, has no such break:
    a ``# noqa`` for it can only go on the first line after it that has one. None when
    the text does not tokenize.
    """
    found: List[int] = []
    depth = 0
    try:
        # universal newlines: \r and \r\n end lines as they do for the parser
        for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            kind = token.type
            if kind in _STRING_STARTS:
                depth += 1
            elif kind in _STRING_ENDS:
                depth -= 1
            elif (kind == tokenize.NEWLINE or kind == tokenize.NL) and depth == 0:
                line = token.start[0]
                if not found or found[-1] != line:
                    found.append(line)
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


def comment_line_for(line: int, lines_with_breaks: Sequence[int]) -> Optional[int]:
    """Where a comment about ``line`` goes: that line, or the first one after it that may hold a comment."""
    index = bisect.bisect_left(lines_with_breaks, line)
    return lines_with_breaks[index] if index < len(lines_with_breaks) else None
