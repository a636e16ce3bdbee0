"""Adding ``# noqa: CODE`` comments: ``--add-noqa`` and the editor's "Disable ALxxx for this line".

A team adopting asynclint on an old codebase silences today's findings and fixes them
over time. The comment goes on the finding's first line, or, when that line cannot end
in a comment (inside a multi-line string, or continued with a backslash), on the first
line after it that can; the engine honours it there (``engine._LaterNoqa``). An existing
``noqa`` comment is extended, never duplicated. The result must parse to the same AST as
the original (comments are not in the AST): a line whose comment would change the code
is left alone and its findings are reported as not silenceable.
"""

from __future__ import annotations

import ast
import re
import io
import tokenize
import warnings
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..base.model import Finding
from ..base.source import NOQA_COMMENT, DecodeError, comment_line_for, comment_lines, decode, noqa_codes

# Findings about the file itself: the engine never lets ``# noqa`` hide them.
NOT_SILENCEABLE = frozenset({"AL001", "AL002", "AL003"})
_LINE_WITH_END = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")


@dataclass
class NoqaResult:
    """The new text, the lines it changed, and the findings no comment can silence (with why)."""

    text: str
    changed_lines: List[int] = field(default_factory=list)
    unsilenceable: List[Tuple[Finding, str]] = field(default_factory=list)


def _comments(text: str) -> Dict[int, int]:
    """Line -> code-point column where the line's comment starts (the tokenizer's view)."""
    found: Dict[int, int] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.start[1]
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def with_codes(line: str, codes: Sequence[str], comment_at: Optional[int]) -> str:
    """``line`` (no line break) with ``codes`` added to its noqa comment, or a new comment appended.

    ``comment_at`` is where the line's real comment starts, if it has one: a ``# noqa``
    inside a string on the line is text, not a comment.
    """
    if comment_at is not None:
        comment = line[comment_at:]
        match = NOQA_COMMENT.search(comment)
        if match is not None:
            present = noqa_codes(comment) or frozenset()
            if match.group("codes") is None:
                return line  # a bare `# noqa` already silences everything
            missing = [c for c in codes if c.upper() not in present]
            if not missing:
                return line
            end = comment_at + match.end("codes")
            return line[:end] + ", " + ", ".join(missing) + line[end:]
    return line.rstrip(" \t") + "  # noqa: " + ", ".join(codes)


def _same_code(original: ast.AST, text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.dump(ast.parse(text)) == ast.dump(original)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def add_noqa(text: str, findings: Sequence[Finding]) -> NoqaResult:
    """Add a ``# noqa`` for every finding that can have one; the text otherwise unchanged."""
    result = NoqaResult(text)
    wanted = [f for f in findings if f.code not in NOT_SILENCEABLE]
    result.unsilenceable = [(f, "a file that cannot be analysed cannot be silenced with noqa")
                            for f in findings if f.code in NOT_SILENCEABLE]
    if not wanted:
        return result
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            original = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        result.unsilenceable += [(f, f"the file does not parse ({error})") for f in wanted]
        return result
    breaks = comment_lines(text) or []
    targets: Dict[int, List[Finding]] = {}
    for finding in wanted:
        target = comment_line_for(finding.line, breaks)
        if target is None:
            result.unsilenceable.append((finding, "no line after it can hold a comment"))
        else:
            targets.setdefault(target, []).append(finding)
    if not targets:
        return result
    pieces = _LINE_WITH_END.findall(text)
    comments = _comments(text)

    def edited(lines: Sequence[int]) -> Tuple[str, List[int]]:
        parts = [list(piece) for piece in pieces]
        changed: List[int] = []
        for number in lines:
            if number > len(parts):
                continue
            codes = sorted({f.code for f in targets[number]})
            new = with_codes(parts[number - 1][0], codes, comments.get(number))
            if new != parts[number - 1][0]:
                parts[number - 1][0] = new
                changed.append(number)
        return "".join(content + end for content, end in parts), changed

    new_text, changed = edited(sorted(targets))
    if changed and not _same_code(original, new_text):
        # some comment lands inside code after all: keep only the lines that are safe alone
        safe = [n for n in sorted(targets) if _same_code(original, edited([n])[0])]
        for number in sorted(set(targets) - set(safe)):
            result.unsilenceable += [(f, f"a comment on line {number} would change the code") for f in targets[number]]
        new_text, changed = edited(safe)
    result.text = new_text
    result.changed_lines = changed
    return result


@dataclass
class NoqaFileOutcome:
    path: str
    changed_lines: int = 0
    unsilenceable: List[Tuple[Finding, str]] = field(default_factory=list)
    error: Optional[str] = None


def add_noqa_to_file(path: str, lint: Callable[[bytes], List[Finding]]) -> NoqaFileOutcome:
    """Read, add noqa comments and write back atomically in the file's own encoding and line endings."""
    from .fixes import FixWriteError, encoding_of, write_atomic  # noqa: PLC0415 - the fixer's safe writing

    outcome = NoqaFileOutcome(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        outcome.error = f"cannot read: {error.strerror or error}"
        return outcome
    findings = lint(data)
    try:
        text = decode(data)
        encoding = encoding_of(data)
        if text.encode(encoding) != data:
            raise UnicodeError(f"the file's encoding ({encoding}) does not round-trip")
    except (DecodeError, SyntaxError, UnicodeError, LookupError) as error:
        outcome.unsilenceable = [(f, str(error)) for f in findings]
        return outcome
    result = add_noqa(text, findings)
    outcome.unsilenceable = result.unsilenceable
    if not result.changed_lines:
        return outcome
    try:
        new_data = result.text.encode(encoding)
    except UnicodeError as error:  # pragma: no cover - codes and "# noqa" are ASCII
        outcome.error = str(error)
        return outcome
    try:
        write_atomic(path, new_data, data)
    except FixWriteError as error:
        outcome.error = str(error)
        return outcome
    outcome.changed_lines = len(result.changed_lines)
    return outcome
