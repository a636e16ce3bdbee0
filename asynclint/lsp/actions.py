"""Findings as LSP diagnostics, and the code actions offered for them.

Ranges are converted from asynclint's 1-based lines and code-point columns to the
client's position encoding (UTF-16 unless it agreed on another). A diagnostic carries
the rule code, its docs URL and ``source: asynclint``; code actions find their finding
again by code and range in the last lint of the same document version.
"""

from __future__ import annotations

import re
from typing import Iterable, List, Optional, Sequence

from lsprotocol import types

from .documents import Document, minimal_edit
from .project import Applicability, Finding, Project, rule_url

SOURCE = "asynclint"
FIX_ALL_KIND = "source.fixAll.asynclint"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _in_document_breaks(document: Document, content: str) -> str:
    """A fix's line breaks are ``\n``; the file may use ``\r\n`` (``--fix`` converts them the same way)."""
    if "\n" not in content and "\r" not in content:
        return content
    found = _LINE_BREAK.search(document.text)
    line_break = found.group() if found else "\n"
    return _LINE_BREAK.sub(lambda _: line_break, content)


def _range(document: Document, line: int, column: int, end_line: int, end_column: int,
           encoding: str) -> types.Range:
    """1-based line, 1-based code-point column (end exclusive) -> an LSP range."""
    start = document.to_client(max(0, line - 1), max(0, column - 1), encoding)
    end = document.to_client(max(0, end_line - 1), max(0, end_column - 1), encoding)
    if end < start:
        end = start
    return types.Range(types.Position(*start), types.Position(*end))


def diagnostic(document: Document, finding: Finding, encoding: str) -> types.Diagnostic:
    url = rule_url(finding.code)
    return types.Diagnostic(
        range=_range(document, finding.line, finding.column, finding.end_line, finding.end_column, encoding),
        message=finding.message,
        severity=types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=types.CodeDescription(href=url) if url else None,
        source=SOURCE,
    )


def diagnostics(document: Document, findings: Iterable[Finding], encoding: str) -> List[types.Diagnostic]:
    return [diagnostic(document, finding, encoding) for finding in findings]


def _same(diag: types.Diagnostic, other: types.Diagnostic) -> bool:
    return diag.code == other.code and diag.range == other.range and diag.message == other.message


def findings_for(requested: Sequence[types.Diagnostic], document: Document, findings: Sequence[Finding],
                 encoding: str) -> List[tuple[types.Diagnostic, Finding]]:
    """The findings behind the diagnostics a code action request names (asynclint's only)."""
    ours = [(diagnostic(document, f, encoding), f) for f in findings]
    pairs = []
    for diag in requested:
        if diag.source != SOURCE:
            continue
        for made, finding in ours:
            if _same(diag, made):
                pairs.append((diag, finding))
                break
    return pairs


def _text_edit(document: Document, new_text: str, encoding: str) -> Optional[types.TextEdit]:
    """One edit turning the document's text into ``new_text`` (None when they are equal)."""
    if new_text == document.text:
        return None
    start, end, content = minimal_edit(document.text, new_text)
    a = document.to_client(*document.position_of(start), encoding)
    b = document.to_client(*document.position_of(end), encoding)
    return types.TextEdit(types.Range(types.Position(*a), types.Position(*b)), content)


def _workspace_edit(document: Document, edits: List[types.TextEdit]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=document.uri, version=document.version),
        edits=edits)])


def quick_fixes(document: Document, project: Project, diag: types.Diagnostic, finding: Finding,
                encoding: str) -> List[types.CodeAction]:
    """The rule's fix (the title says when it is unsafe) and "Disable ALxxx for this line"."""
    actions: List[types.CodeAction] = []
    kind = project.fix_kind(finding)
    if kind is not None and finding.fix is not None:
        edits = [types.TextEdit(_range(document, e.line, e.column, e.end_line, e.end_column, encoding),
                                _in_document_breaks(document, e.content)) for e in finding.fix.edits]
        unsafe = kind is Applicability.UNSAFE
        title = f"{finding.fix.message} ({finding.code}{', unsafe fix: may change behaviour' if unsafe else ''})"
        actions.append(types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                                        edit=_workspace_edit(document, edits), is_preferred=not unsafe))
    silenced = project.with_noqa(document.text, finding)
    edit = _text_edit(document, silenced, encoding) if silenced is not None else None
    if edit is not None:
        actions.append(types.CodeAction(title=f"Disable {finding.code} for this line",
                                        kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                                        edit=_workspace_edit(document, [edit])))
    return actions


def fix_all(document: Document, fixed: Optional[str], encoding: str) -> List[types.CodeAction]:
    """``source.fixAll.asynclint``: the safe fixes of the whole file, as one edit (none: no action)."""
    edit = _text_edit(document, fixed, encoding) if fixed is not None else None
    if edit is None:
        return []
    return [types.CodeAction(title="asynclint: fix all safe fixes", kind=FIX_ALL_KIND,
                             edit=_workspace_edit(document, [edit]))]


def wants(only: Optional[Sequence[str]], kind: str) -> bool:
    """Does the request's ``only`` filter admit this kind (a kind admits its sub-kinds)?"""
    if not only:
        return kind != FIX_ALL_KIND  # a plain lightbulb request does not pay for fixing the whole file
    return any(kind == k or kind.startswith(k + ".") for k in only)
