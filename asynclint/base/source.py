"""Reading source as Python does: PEP 263 cookies, BOMs, and ``# noqa`` comments."""

from __future__ import annotations

import re
import tokenize
from typing import FrozenSet, Optional

# flake8's syntax: ``# noqa``, ``# noqa: AL101``, ``# noqa:AL101,AL102`` (case-insensitive).
_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


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
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(c.upper() for c in _CODE.findall(codes))


def is_silenced(line: str, code: str) -> bool:
    codes = noqa_codes(line)
    if codes is None:
        return False
    return not codes or code in codes
