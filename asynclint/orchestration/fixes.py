"""Applying the fixes rules record (``--fix``, ``--diff``, ``--unsafe-fixes``).

Rules only describe edits; this module decides which may run and makes sure a fix
never hurts: it splices edits into the decoded text so every other character stays
as it was, re-lints and repeats until nothing more applies (so overlapping fixes are
applied in later rounds instead of dropped), refuses output that ``ast``, the
compiler or libcst reject, re-encodes in the file's own encoding (BOM, cookie and
line endings kept), and writes atomically only if the file did not change meanwhile.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import io
import os
import re
import stat
import tempfile
import time
import tokenize
import warnings
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from ..base.model import Applicability, Edit, Finding
from ..base.settings import Settings
from ..base.source import DecodeError, decode
from ..engine import _max_nesting as engine_max_nesting
from ..engine import file_finding, lint_source
from .formats import escape_text

MAX_ROUNDS = 10
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE_WITH_END = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")

Lint = Callable[[bytes], List[Finding]]


class OverlapError(ValueError):
    """Two edits touch the same text, so no order of applying them is the right one."""


class EditError(ValueError):
    """An edit points outside the text or inside a line break."""


class FixWriteError(OSError):
    """A fixed file could not be written; the message is one line, fit for the user."""


@dataclass
class FixOutcome:
    path: str
    original: bytes
    fixed: Optional[bytes]  # None when nothing changed
    applied: List[Finding]  # findings whose fixes were applied (positions as in the text they were found in)
    remaining: List[Finding]  # findings of the fixed text (or of the original when nothing was written)
    # One line saying why the file, or some fix in it, was not fixed (the CLI prefixes "not fixed: ").
    # With ``fixed`` set, the other fixes were applied and the reason names the ones that were not.
    error: Optional[str] = None
    initial: List[Finding] = field(default_factory=list)  # findings of the original text
    # The fixes were made but the file refused the write (read-only, changed on disk): the summary
    # must not offer them as fixable again.
    write_refused: bool = False


# -- which fixes may run --------------------------------------------------------
def applicability(finding: Finding, settings: Settings) -> Optional[Applicability]:
    """The fix's safety after ``extend-safe-fixes`` / ``extend-unsafe-fixes``; None: no fix or not fixable.

    As in ruff, a code named in both lists stays unsafe: promoting a fix to safe must be
    unambiguous.
    """
    fix = finding.fix
    if fix is None or not fix.edits:
        return None
    code = finding.code
    if code in settings.unfixable or (settings.fixable is not None and code not in settings.fixable):
        return None
    if code in settings.extend_unsafe_fixes:
        return Applicability.UNSAFE
    if code in settings.extend_safe_fixes:
        return Applicability.SAFE
    return fix.applicability


def select_fixes(findings: Sequence[Finding], settings: Settings, unsafe: bool) -> List[Finding]:
    """The findings whose fixes this run may apply: safe ones, and unsafe ones when ``unsafe``."""
    out: List[Finding] = []
    for finding in findings:
        kind = applicability(finding, settings)
        if kind is Applicability.SAFE or (kind is Applicability.UNSAFE and unsafe):
            out.append(finding)
    return out


# -- splicing edits into text ---------------------------------------------------
class _Positions:
    """Maps (1-based line, 1-based code-point column) to offsets in the text, as the engine counts lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: List[int] = [0]
        self.ends: List[int] = []  # offset of each line's line break (or of the end of the text)
        self.breaks: List[str] = []
        for match in _LINE_BREAK.finditer(text):
            self.ends.append(match.start())
            self.breaks.append(match.group())
            self.starts.append(match.end())
        self.ends.append(len(text))
        self.breaks.append("")

    def offset(self, line: int, column: int) -> int:
        if not 1 <= line <= len(self.starts) or column < 1:
            raise EditError(f"position {line}:{column} is outside the file ({len(self.starts)} lines)")
        start = self.starts[line - 1]
        offset = start + column - 1
        if offset > self.ends[line - 1]:
            raise EditError(f"position {line}:{column} is past the end of its line")
        return offset

    def line_break_at(self, offset: int) -> str:
        """The line break of the line holding ``offset``, else the file's first one, else ``\\n``."""
        index = bisect.bisect_right(self.starts, offset) - 1
        own = self.breaks[index] if 0 <= index < len(self.breaks) else ""
        return own or next((b for b in self.breaks if b), "\n")


_Span = Tuple[int, int, str]  # start offset, end offset, content (already in the file's line endings)


def _spans(positions: _Positions, edits: Sequence[Edit]) -> List[_Span]:
    spans: List[_Span] = []
    for edit in edits:
        start = positions.offset(edit.line, edit.column)
        end = positions.offset(edit.end_line, edit.end_column)
        if end < start:
            raise EditError(f"edit ends ({edit.end_line}:{edit.end_column}) "
                            f"before it starts ({edit.line}:{edit.column})")
        content = edit.content
        if "\r" in content or "\n" in content:
            line_break = positions.line_break_at(start)
            content = _LINE_BREAK.sub(lambda _: line_break, content)
        spans.append((start, end, content))
    return spans


def _conflict(a: _Span, b: _Span) -> bool:
    """Two spans cannot both apply: they overlap, or are insertions at one point (order unknown)."""
    if a == b:
        return False
    a_start, a_end, _ = a
    b_start, b_end, _ = b
    if a_start == a_end == b_start == b_end:
        return True
    return a_start < b_end and b_start < a_end


def _conflicts_with_any(accepted: Sequence[_Span], span: _Span) -> bool:
    """Does ``span`` conflict with one of the sorted, pairwise compatible ``accepted`` spans?

    Only the span just before ``span``'s start and those starting inside it (or at its
    start) can conflict, so this looks at a few neighbours instead of every span.
    """
    start, end, _ = span
    index = bisect.bisect_left(accepted, (start,))
    if index > 0 and _conflict(accepted[index - 1], span):
        return True
    while index < len(accepted) and (accepted[index][0] < end or accepted[index][0] == start):
        if _conflict(accepted[index], span):
            return True
        index += 1
    return False


def _splice(text: str, spans: Sequence[_Span]) -> str:
    ordered = sorted(set(spans), key=lambda s: (s[0], s[1]))
    for previous, current in zip(ordered, ordered[1:]):
        if _conflict(previous, current):
            raise OverlapError(f"edits at offsets {previous[0]}-{previous[1]} and {current[0]}-{current[1]} overlap")
    parts: List[str] = []
    cursor = 0
    for start, end, content in ordered:
        parts.append(text[cursor:start])
        parts.append(content)
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply edits made against ``text``; identical duplicates count once, overlaps raise ``OverlapError``.

    Characters outside the edits are copied unchanged; a line break inside an edit's
    content becomes the line break of the line it is inserted on.
    """
    return _splice(text, _spans(_Positions(text), edits))


# -- checking a result ----------------------------------------------------------
def _max_nesting(text: str) -> int:
    return engine_max_nesting(text)


class _Verifier:
    """Does a fixed text still parse and compile? Checks the original lazily, so only regressions count."""

    def __init__(self, original: str, path: str, encoding: str, max_nesting: int) -> None:
        self.original = original
        self.path = path
        self.encoding = encoding
        self.max_nesting = max_nesting
        self._original_ok: Dict[str, bool] = {}

    def problem(self, text: str) -> Optional[str]:
        try:
            data = text.encode(self.encoding)
        except UnicodeError:
            return f"the fixed text cannot be encoded as {self.encoding}"
        if _redecode(data) != text:
            return "the fixed file would be read in another encoding (the coding cookie moved)"
        for name, check in (("ast", self._ast), ("compile", self._compile), ("libcst", self._libcst)):
            reason = check(text)
            if reason is None:
                continue
            if name == "ast":
                return f"the fixed file would not parse (ast: {reason})"
            if name not in self._original_ok:
                self._original_ok[name] = check(self.original) is None
            if self._original_ok[name]:
                return f"the fixed file would not parse ({name}: {reason})"
        return None

    def _ast(self, text: str) -> Optional[str]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(text, filename=self.path)
        except SyntaxError as error:
            return f"{error.msg} (line {error.lineno})"
        except (ValueError, TypeError, RecursionError, MemoryError) as error:
            return f"{type(error).__name__}: {error}"
        return None

    def _compile(self, text: str) -> Optional[str]:
        """The compiler finds what ``ast`` lets through (``await`` outside ``async def``, ``return`` at top level)."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(text, self.path, "exec", dont_inherit=True)
        except SyntaxError as error:
            return f"{error.msg} (line {error.lineno})"
        except (ValueError, TypeError, RecursionError, MemoryError) as error:
            return f"{type(error).__name__}: {error}"
        return None

    def _libcst(self, text: str) -> Optional[str]:
        """libcst is the parser of record; its native parser crashes on deep nesting, so guard it."""
        if _max_nesting(text) > self.max_nesting:
            return None
        try:
            import libcst  # noqa: PLC0415 - optional at import time, needed only for fixed files
        except ImportError:
            return None
        try:
            libcst.parse_module(text)
        except Exception as error:  # noqa: BLE001 - any libcst failure means "does not parse"
            first = str(error).strip().splitlines()
            return first[0] if first else type(error).__name__
        return None


# -- fixing one file ------------------------------------------------------------
def encoding_of(data: bytes) -> str:
    """The encoding Python reads the bytes in (BOM or coding cookie, else UTF-8)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return encoding


_encoding_of = encoding_of


def _fix_key(finding: Finding, positions: _Positions) -> Tuple[object, ...]:
    """A fix's identity that survives edits elsewhere: code, message, replaced text and content."""
    assert finding.fix is not None
    text = positions.text
    parts: List[object] = [finding.code, finding.fix.message]
    for edit in finding.fix.edits:
        try:
            start = positions.offset(edit.line, edit.column)
            end = positions.offset(edit.end_line, edit.end_column)
            parts.append((text[start:end], edit.content))
        except EditError:
            parts.append((None, edit.content))
    return tuple(parts)


def _where(finding: Finding) -> str:
    return f"{finding.code} at {finding.line}:{finding.column}"


def fix_source(data: bytes, path: str, settings: Settings, unsafe: bool, lint: Lint) -> FixOutcome:
    """Apply every applicable fix to one file's bytes, in rounds until stable; never raises for bad input."""
    findings = lint(data)
    outcome = FixOutcome(path, data, None, [], list(findings), None, list(findings))
    if not select_fixes(findings, settings, unsafe):
        return outcome
    try:
        text = decode(data)
        encoding = _encoding_of(data)
        if text.encode(encoding) != data:
            outcome.error = f"the file's encoding ({encoding}) does not round-trip"
            return outcome
    except (DecodeError, SyntaxError, UnicodeError, LookupError) as error:
        outcome.error = str(error)
        return outcome

    verifier = _Verifier(text, path, encoding, settings.max_nesting)
    rejected: Set[Tuple[object, ...]] = set()
    problems: List[str] = []
    applied: List[Finding] = []
    seen_texts = {text}
    current_text, current_bytes, current_findings = text, data, findings
    rounds = 0
    for rounds in range(1, MAX_ROUNDS + 1):
        positions = _Positions(current_text)
        candidates = [f for f in select_fixes(current_findings, settings, unsafe)
                      if _fix_key(f, positions) not in rejected]
        if not candidates:
            break
        new_text, used, round_problems = _fix_round(current_text, candidates, verifier, rejected)
        problems += round_problems
        if not used or new_text in seen_texts:
            break
        new_bytes = new_text.encode(encoding)  # the verifier made sure it can be
        seen_texts.add(new_text)
        applied += used
        current_text, current_bytes = new_text, new_bytes
        current_findings = lint(new_bytes)

    positions = _Positions(current_text)
    pending = [f for f in select_fixes(current_findings, settings, unsafe)
               if _fix_key(f, positions) not in rejected]
    if pending and applied:
        problems.append(f"{_where(pending[0])} and {len(pending) - 1} other(s): still fixable after "
                        f"{rounds} round(s); the fixes do not settle")
    if applied:
        outcome.fixed = current_bytes
        outcome.applied = applied
        outcome.remaining = list(current_findings)
    if problems:
        outcome.error = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    return outcome


def _redecode(data: bytes) -> Optional[str]:
    try:
        return decode(data)
    except DecodeError:
        return None


def _fix_round(text: str, candidates: Sequence[Finding], verifier: _Verifier,
               rejected: Set[Tuple[object, ...]]) -> Tuple[str, List[Finding], List[str]]:
    """One round: take every fix that does not conflict with one taken before it, in source order.

    If the combined result does not parse, fall back to taking them one at a time, so
    one bad fix is reported instead of blocking the rest.
    """
    positions = _Positions(text)
    problems: List[str] = []
    chosen: List[Tuple[Finding, List[_Span]]] = []
    for finding in sorted(candidates, key=Finding.sort_key):
        assert finding.fix is not None
        try:
            spans = _spans(positions, finding.fix.edits)
            _splice(text, spans)  # the fix's own edits must not overlap
        except (EditError, OverlapError) as error:
            rejected.add(_fix_key(finding, positions))
            problems.append(f"{_where(finding)}: invalid fix ({error})")
            continue
        chosen.append((finding, spans))

    taken: List[Tuple[Finding, List[_Span]]] = []
    accepted: List[_Span] = []  # sorted, pairwise compatible
    for finding, spans in sorted(chosen, key=lambda item: min(s[0] for s in item[1])):
        if any(_conflicts_with_any(accepted, span) for span in spans):
            continue  # overlaps a fix taken this round: it is re-found and applied in a later round
        taken.append((finding, spans))
        for span in spans:
            bisect.insort(accepted, span)
    if not taken:
        return text, [], problems

    combined = _splice(text, accepted)
    if verifier.problem(combined) is None:
        return combined, [f for f, _ in taken], problems

    # Some fix breaks the file: apply them one at a time, keeping those that parse.
    current_spans: List[_Span] = []
    used: List[Finding] = []
    result = text
    for finding, spans in taken:
        attempt = _splice(text, current_spans + spans)
        reason = verifier.problem(attempt)
        if reason is None:
            current_spans += spans
            used.append(finding)
            result = attempt
        else:
            rejected.add(_fix_key(finding, positions))
            problems.append(f"{_where(finding)}: {reason}")
    return result, used, problems


# -- files on disk --------------------------------------------------------------
def _is_read_only(st: os.stat_result) -> bool:
    """No write bit at all: read-only even for root, who ``os.access`` would let through."""
    return not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


TEMP_SUFFIX = ".asynclint-tmp"
# ``mkstemp(prefix=f".{name}.", suffix=TEMP_SUFFIX)``: a dot, the name, a dot, eight random characters
_OUR_TEMP = re.compile(r"\..+\.[A-Za-z0-9_]{8}" + re.escape(TEMP_SUFFIX))
STALE_AFTER = 120.0  # seconds: older temporary files of ours belong to no run still writing


def remove_stale_temps(directory: str, now: Optional[float] = None) -> List[str]:
    """Delete the temporary files a killed ``--fix`` left in ``directory`` (our naming only, regular
    files of ours, not touched for ``STALE_AFTER`` seconds, so a concurrent run keeps its own)."""
    removed: List[str] = []
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.endswith(TEMP_SUFFIX) or not _OUR_TEMP.fullmatch(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or now - st.st_mtime < STALE_AFTER or \
                    (hasattr(os, "getuid") and st.st_uid != os.getuid()):
                continue
            os.unlink(entry.path)
            removed.append(entry.path)
        except OSError:
            continue
    return removed


def write_atomic(path: str, data: bytes, expected: bytes) -> None:
    """Replace the file's content with ``data`` unless it no longer holds ``expected``.

    A temporary file in the same directory is written, flushed to disk and renamed over
    the target, so a crash or Ctrl-C leaves the old or the new file, never half of one.
    A symlink is followed: its target gets the new content and the link stays.
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    try:
        st = os.stat(target)
        with open(target, "rb") as handle:
            current = handle.read()
    except OSError as error:
        raise FixWriteError(f"cannot read back before writing: {_reason(error)}") from None
    if current != expected:
        raise FixWriteError("the file changed on disk since it was read; not overwritten")
    if _is_read_only(st) or not os.access(target, os.W_OK):
        raise FixWriteError("the file is read-only")
    if st.st_nlink > 1:
        # a rename gives this name a new file and leaves the other names with the old content
        raise FixWriteError(f"the file has {st.st_nlink} hard links and replacing it would break them; "
                            "not rewritten (fix a copy, or use --diff)")
    try:
        dir_st = os.stat(directory)
    except OSError as error:
        raise FixWriteError(f"cannot write to its directory: {_reason(error)}") from None
    if _is_read_only(dir_st) or not os.access(directory, os.W_OK | os.X_OK):
        raise FixWriteError("its directory is read-only")

    name = os.path.basename(target)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMP_SUFFIX, dir=directory)
    except OSError as error:
        raise FixWriteError(f"cannot write to its directory: {_reason(error)}") from None
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                _copy_metadata(handle.fileno(), temp, target, st)
                os.fsync(handle.fileno())
            with open(target, "rb") as handle:
                if handle.read() != expected:
                    raise FixWriteError("the file changed on disk while it was being fixed; not overwritten")
            os.replace(temp, target)
        except FixWriteError:
            raise
        except OSError as error:
            raise FixWriteError(f"cannot write: {_reason(error)}") from None
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


_SPECIAL_BITS = stat.S_ISUID | stat.S_ISGID


def _copy_metadata(fd: int, temp: str, target: str, st: os.stat_result) -> None:
    """Give the new file the old one's owner, mode bits (all of them) and extended attributes,
    or raise ``FixWriteError``: a fix must not quietly drop any of them.

    The owner goes first: changing it clears setuid/setgid. A setuid/setgid file whose
    owner cannot be kept (only root may give a file away) is refused, as the same bits on
    a file of ours would grant our rights instead.
    """
    if hasattr(os, "fchown"):
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except OSError:
            pass  # only root may give a file away
    mode = stat.S_IMODE(st.st_mode)
    new = os.fstat(fd)
    if mode & _SPECIAL_BITS and (new.st_uid, new.st_gid) != (st.st_uid, st.st_gid):
        raise FixWriteError("the file is setuid/setgid and its owner cannot be kept; not rewritten")
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # pragma: no cover - Windows
        os.chmod(temp, mode)
    if hasattr(os, "fchmod") and stat.S_IMODE(os.fstat(fd).st_mode) != mode:
        raise FixWriteError(f"cannot keep the file's mode {mode:o}; not rewritten")
    _copy_xattrs(fd, target)


def _copy_xattrs(fd: int, target: str) -> None:
    """Extended attributes, where the platform has them; one that cannot be copied stops the write."""
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(target)
    except OSError:
        return  # the file system keeps none
    for name in names:
        try:
            value = os.getxattr(target, name)
        except OSError:
            continue  # vanished, or not ours to read (then not ours to lose either)
        try:
            if os.getxattr(fd, name) == value:
                continue  # already there (a label the file system gives every new file)
        except OSError:
            pass
        try:
            os.setxattr(fd, name, value)
        except OSError as error:
            raise FixWriteError(f"cannot keep its extended attribute {name!r} ({_reason(error)}); "
                                "not rewritten") from None


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); best effort elsewhere."""
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:
        return
    try:
        fd = os.open(directory, os.O_RDONLY | flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fix_file(path: str, settings: Settings, unsafe: bool, index: object, write: bool,
             force: bool = False) -> FixOutcome:
    """Read, fix and (when ``write``) rewrite one file; problems end up in ``error``, never raised.

    ``force``: the file was named on the command line, so it is parsed even where the triage would skip it.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        reason = _reason(error)
        return FixOutcome(path, b"", None, [], [file_finding(path, "AL002", f"cannot read: {reason}")],
                          f"cannot read: {reason}")

    def lint(source: bytes) -> List[Finding]:
        return lint_source(source, path, settings, index=index, force=force).findings

    outcome = fix_source(data, path, settings, unsafe, lint)
    if write and outcome.fixed is not None:
        try:
            write_atomic(path, outcome.fixed, data)
        except FixWriteError as error:
            outcome.error = str(error)
            outcome.write_refused = True
            outcome.fixed = None
            outcome.applied = []
            outcome.remaining = list(outcome.initial)
    return outcome


# -- showing a fix --------------------------------------------------------------
def _lines(text: str) -> List[str]:
    """Lines with their own line breaks, split only where Python splits lines."""
    return _LINE_WITH_END.findall(text)


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    """A unified diff (``--- a/path`` / ``+++ b/path``) of two versions of a file, decoded as Python would."""
    try:
        old, new = decode(before), decode(after)
    except DecodeError:
        old, new = before.decode("utf-8", "replace"), after.decode("utf-8", "replace")
    shown = path.replace(os.sep, "/")
    while shown.startswith("./"):
        shown = shown[2:]
    shown = escape_text(shown.lstrip("/"))
    out: List[str] = []
    for line in difflib.unified_diff(_lines(old), _lines(new), f"a/{shown}", f"b/{shown}"):
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
