"""AL0xx: files asynclint cannot read, parse or analyse.

Each rule's documentation: code, name, rationale, examples, fix safety.
The engine emits these codes itself (no checker walks for them); this module is plain
data, so the catalogue can be read without importing the engine.
"""

from __future__ import annotations

from typing import Tuple

from .rule import Rule, Where

CANNOT_PARSE = Rule(
    code="AL001",
    name="cannot-parse",
    summary="The file cannot be parsed",
    what_it_does="Reports a file that is not valid Python for the running interpreter: a syntax "
    "error, bytes that do not decode in the declared encoding (PEP 263 cookie or BOM), NUL bytes, "
    "or nesting and size beyond the parser's limits.",
    why_bad="asynclint cannot check a file it cannot read as Python, so none of its rules ran there.",
    example="async def f(:\n    pass",
    use_instead="async def f():\n    pass",
    where=Where.ANYWHERE,
)
CANNOT_READ = Rule(
    code="AL002",
    name="cannot-read",
    summary="The path cannot be read",
    what_it_does="Reports a path that could not be read: permissions, a broken symlink, a special "
    "file, or a file that vanished during the run.",
    why_bad="Nothing in the file was checked.",
    example="# a symlink whose target was deleted",
    use_instead="# fix the path, or exclude it",
    where=Where.ANYWHERE,
)
INTERNAL_ERROR = Rule(
    code="AL003",
    name="internal-error",
    summary="asynclint failed while analysing the file",
    what_it_does="Reports a bug in asynclint met while analysing this file, naming the rule "
    "(or 'worker died' when the process analysing it crashed), or an analysis that took longer "
    "than `file-time-budget` seconds and was stopped ('analysis stopped'). The other rules and "
    "files are still reported and the run exits with code 2.",
    why_bad="Some findings for this file may be missing. Please report the file and message.",
    example="# any file that triggers a bug",
    use_instead="# upgrade asynclint, or exclude the file meanwhile",
    where=Where.ANYWHERE,
)

RULES: Tuple[Rule, ...] = (CANNOT_PARSE, CANNOT_READ, INTERNAL_ERROR)
