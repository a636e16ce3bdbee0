"""Output formats: a small registry of renderers from findings to text.

Every renderer sorts its input (path, line, column, code, then the rest), so the
output never depends on worker scheduling. Renderers return the whole stdout text;
the human summary (counts, fixable hints) is separate (``summary``) because it
goes to stderr and must never end up inside json/sarif/github output.

Positions are asynclint's: 1-based lines and 1-based columns counted in Unicode
code points, end exclusive. SARIF says so with ``columnKind: unicodeCodePoints``;
the caret under ``--show-source`` is widened for East Asian wide characters so it
lines up in a terminal.

Text format (the ``[*]`` marker goes before the message, as in ruff)::

    src/app.py:12:5: AL101 [*] `time.sleep()` blocks the event loop; use `await asyncio.sleep()`
"""

from __future__ import annotations

import json
import re
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

from .. import __version__
from ..base.model import Edit, Finding, Fix
from ..catalogue import RULES

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/asynclint/asynclint"
SRCROOT = "%SRCROOT%"


@dataclass(frozen=True)
class RenderOptions:
    """What a renderer may use besides the findings."""

    show_source: bool = False
    source_lines: Optional[Callable[[str], Sequence[str]]] = None
    fixable_codes: Optional[frozenset[str]] = None

    def marks_fix(self, finding: Finding) -> bool:
        """``[*]``: the finding has a fix and its code may be fixed under the current settings."""
        return finding.fix is not None and (self.fixable_codes is None or finding.code in self.fixable_codes)


Renderer = Callable[[Sequence[Finding], RenderOptions], str]


def sorted_findings(findings: Sequence[Finding]) -> List[Finding]:
    """The one output order: path, line, column, code, then end and message for full determinism."""
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, f.code, f.end_line, f.end_column, f.message))


def _clean(text: str) -> str:
    """Make text encodable: a file name with undecodable bytes must not crash the output."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "replace").decode("utf-8")


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_text(text: str) -> str:
    """Text for a terminal line: control and other unprintable characters escaped (``\\n``,
    ``\\x1b``, ``\\u202e``), bytes that were not UTF-8 as ``\\xff``.

    A file name with a newline would split a finding over two lines and an ESC byte would
    run terminal escapes; Python's ``repr`` spelling keeps each finding on one honest line.
    """
    if text.isprintable():
        return text
    out: List[str] = []
    for char in text:
        code = ord(char)
        if char.isprintable():
            out.append(char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def _rule_name(code: str) -> str:
    rule = RULES.get(code)
    return rule.name if rule is not None else code


def _rule_url(code: str) -> Optional[str]:
    rule = RULES.get(code)
    return rule.url if rule is not None else None


# ----------------------------------------------------------------------------- text


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _snippet(finding: Finding, lines: Sequence[str]) -> List[str]:
    """The finding's first line with a caret run under its range (to the line's end if it spans lines)."""
    if not 1 <= finding.line <= len(lines):
        return []
    text = _clean(lines[finding.line - 1].rstrip("\r\n"))
    start = min(max(finding.column - 1, 0), len(text))
    end = finding.end_column - 1 if finding.end_line == finding.line else len(text)
    end = max(start, min(end, len(text)))
    pad = "".join(c if c == "\t" else " " * _char_width(c) for c in text[:start])
    carets = "^" * max(1, sum(1 if c == "\t" else _char_width(c) for c in text[start:end]))
    number = str(finding.line)
    gutter = " " * len(number)
    return [f"  {number} | {text}", f"  {gutter} | {pad}{carets}"]


def render_text(findings: Sequence[Finding], options: RenderOptions) -> str:
    out: List[str] = []
    cache: Dict[str, Sequence[str]] = {}
    for finding in sorted_findings(findings):
        marker = "[*] " if options.marks_fix(finding) else ""
        where = f"{escape_text(finding.path)}:{finding.line}:{finding.column}"
        out.append(f"{where}: {finding.code} {marker}{escape_text(finding.message)}")
        if options.show_source and options.source_lines is not None:
            if finding.path not in cache:
                try:
                    cache[finding.path] = options.source_lines(finding.path)
                except Exception:  # noqa: BLE001 - a missing source only loses the snippet
                    cache[finding.path] = ()
            snippet = _snippet(finding, cache[finding.path])
            if snippet:
                out.extend(snippet)
                out.append("")  # a blank line between findings that show source
    if out and out[-1] == "":
        out.pop()
    return "".join(line + "\n" for line in out)


# ----------------------------------------------------------------------------- json


def _json_edit(edit: Edit) -> Dict[str, Any]:
    return {
        "content": edit.content,
        "location": {"row": edit.line, "column": edit.column},
        "end_location": {"row": edit.end_line, "column": edit.end_column},
    }


def _json_fix(fix: Optional[Fix]) -> Optional[Dict[str, Any]]:
    if fix is None:
        return None
    return {
        "message": fix.message,
        "applicability": fix.applicability.value,
        "edits": [_json_edit(e) for e in fix.edits],
    }


def json_record(finding: Finding) -> Dict[str, Any]:
    """One finding as a JSON object (the ``json`` format's list items)."""
    return {
        "path": _clean(finding.path),
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "code": finding.code,
        "message": _clean(finding.message),
        "url": _rule_url(finding.code),
        "fix": _json_fix(finding.fix),
    }


def render_json(findings: Sequence[Finding], options: RenderOptions) -> str:
    records = [json_record(f) for f in sorted_findings(findings)]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- sarif


def _artifact_location(path: str) -> Dict[str, str]:
    """Relative to ``%SRCROOT%`` (the current directory) when inside it, else an absolute file URI."""
    path = _clean(path)
    norm = os.path.normpath(path)
    if os.path.isabs(norm) or norm == os.pardir or norm.startswith(os.pardir + os.sep):
        return {"uri": Path(os.path.abspath(norm)).as_uri()}
    return {"uri": quote(norm.replace(os.sep, "/"), safe="/"), "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: int, end_column: int) -> Dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _sarif_rule(code: str) -> Dict[str, Any]:
    rule = RULES.get(code)
    if rule is None:
        return {"id": code, "name": code, "shortDescription": {"text": code}}
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what_it_does},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": "error"},
        "properties": {"fixable": rule.fixable, "defaultEnabled": rule.default_enabled},
    }


def _sarif_fix(fix: Fix, location: Dict[str, str]) -> Dict[str, Any]:
    return {
        "description": {"text": fix.message},
        "artifactChanges": [{
            "artifactLocation": dict(location),
            "replacements": [
                {"deletedRegion": _region(e.line, e.column, e.end_line, e.end_column),
                 "insertedContent": {"text": e.content}}
                for e in fix.edits
            ],
        }],
        "properties": {"applicability": fix.applicability.value},
    }


def sarif_log(findings: Sequence[Finding]) -> Dict[str, Any]:
    """The SARIF 2.1.0 log as a dict: one run, ``driver.rules`` lists every reported code."""
    ordered = sorted_findings(findings)
    codes = sorted({f.code for f in ordered})
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for finding in ordered:
        location = _artifact_location(finding.path)
        result: Dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": "error",
            "message": {"text": _clean(finding.message)},
            "locations": [{"physicalLocation": {
                "artifactLocation": location,
                "region": _region(finding.line, finding.column, finding.end_line, finding.end_column),
            }}],
        }
        if finding.fix is not None:
            result["fixes"] = [_sarif_fix(finding.fix, location)]
        results.append(result)
    root_uri = Path(os.path.abspath(os.getcwd())).as_uri()
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "asynclint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_sarif_rule(code) for code in codes],
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": root_uri if root_uri.endswith("/") else root_uri + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render_sarif(findings: Sequence[Finding], options: RenderOptions) -> str:
    return json.dumps(sarif_log(findings), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- github


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,``, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], options: RenderOptions) -> str:
    out = []
    for f in sorted_findings(findings):
        props = ",".join([
            f"file={escape_property(_clean(f.path))}",
            f"line={f.line}",
            f"col={f.column}",
            f"endLine={f.end_line}",
            f"endColumn={f.end_column}",
            f"title={escape_property(f'{f.code} ({_rule_name(f.code)})')}",
        ])
        out.append(f"::error {props}::{escape_data(_clean(f.message))}\n")
    return "".join(out)


# ------------------------------------------------------------------------- registry

FORMATS: Dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}


def render(findings: Sequence[Finding], fmt: str, *, show_source: bool = False,
           source_lines: Optional[Callable[[str], Sequence[str]]] = None,
           fixable_codes: Optional[frozenset[str]] = None) -> str:
    """The stdout text of one run in format ``fmt`` (a key of ``FORMATS``)."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown output format `{fmt}` (choose from {', '.join(FORMATS)})") from None
    return renderer(findings, RenderOptions(show_source, source_lines, fixable_codes))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _statistics_rows(findings: Sequence[Finding], fixable_codes: Optional[frozenset[str]]) -> List[Dict[str, Any]]:
    """One row per code, most frequent first: a code is fixable when one of its findings has a fix it may apply."""
    counts: Dict[str, int] = {}
    fixable: Dict[str, bool] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
        can_fix = f.fix is not None and (fixable_codes is None or f.code in fixable_codes)
        fixable[f.code] = fixable.get(f.code, False) or can_fix
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"code": code, "name": _rule_name(code), "count": n, "fixable": fixable[code],
             **({"roots": _roots(findings)} if code == "AL107" else {})} for code, n in rows]


def statistics_table(findings: Sequence[Finding], fixable_codes: Optional[frozenset[str]] = None) -> str:
    """``--statistics``, as ruff prints it: count, code, ``[*]`` (fixable) or ``[ ]``, rule name; tab-separated.
    AL107's row is followed by one indented line per blocking call its chains end at."""
    rows = _statistics_rows(findings, fixable_codes)
    if not rows:
        return ""
    count_width = max(len(str(row["count"])) for row in rows)
    code_width = max(len(row["code"]) for row in rows)
    lines = []
    for row in rows:
        lines.append(f"{row['count']:>{count_width}}\t{row['code']:<{code_width}}\t"
                     f"{'[*]' if row['fixable'] else '[ ]'} {row['name']}")
        roots = row.get("roots", ())
        width = max((len(str(root["count"])) for root in roots), default=1)
        lines += [f"{' ' * count_width}\t{root['count']:>{width}}  root {root['where']} {root['call']}" for root in roots]
    return "".join(line + "\n" for line in lines)


def statistics(findings: Sequence[Finding], fmt: str, fixable_codes: Optional[frozenset[str]] = None) -> str:
    """The whole stdout of ``--statistics``: the table, or with ``--output-format json`` its rows as JSON."""
    if fmt == "json":
        return json.dumps(_statistics_rows(findings, fixable_codes), indent=2) + "\n"
    return statistics_table(findings, fixable_codes)


_ROOT = re.compile(r"-> (`[^`]+`) \(([^()]+:\d+)\), which blocks")


def _roots(findings: Sequence[Finding]) -> List[Dict[str, Any]]:
    """AL107 by root: the blocking calls the chains end at, most shared first (a maintainer fixes each root once)."""
    counts: Dict[Tuple[str, str], int] = {}
    for f in findings:
        match = _ROOT.search(f.message) if f.code == "AL107" else None
        if match is not None:
            key = (match.group(2), match.group(1))
            counts[key] = counts.get(key, 0) + 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"where": where, "call": call, "count": n} for (where, call), n in rows]


def summary(findings: Sequence[Finding], *, files_with_findings: int, fixable: int,
            unsafe_fixable: int = 0, unwritten: int = 0, unwritten_files: int = 0) -> str:
    """The stderr text after a run: the count line, the fixable hints.

    ``fixable`` counts fixes ``--fix`` applies; ``unsafe_fixable`` those that also need ``--unsafe-fixes``;
    ``unwritten`` those ``--fix`` made but could not write (``unwritten_files`` files refused). Each line
    says only what applies: "more" only when some are fixable without ``--unsafe-fixes``, and a fix
    that could not be written is not offered again as fixable.
    """
    out = ""
    if not findings:
        out += "No problems found.\n"
    else:
        out += f"Found {_plural(len(findings), 'problem')} in {_plural(files_with_findings, 'file')}.\n"
    if fixable and unsafe_fixable:
        out += f"[*] {fixable} fixable with --fix ({unsafe_fixable} more with --unsafe-fixes, which may change behaviour).\n"
    elif fixable:
        out += f"[*] {fixable} fixable with --fix.\n"
    elif unsafe_fixable:
        out += f"[*] {unsafe_fixable} fixable with --fix --unsafe-fixes (they may change behaviour).\n"
    if unwritten:
        out += (f"{unwritten} {'fix' if unwritten == 1 else 'fixes'} could not be written: "
                f"{_plural(unwritten_files, 'file')} refused the write (see the errors above).\n")
    return out
