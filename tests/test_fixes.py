"""The fix machinery: which fixes run, how edits are spliced, and every guarantee of --fix.

Before/after pairs live in ``fixtures/fixes/<CODE>/NAME.py`` + ``NAME.py.fixed`` (not
under ``fixtures/<CODE>/``, which the rule harness collects).
"""

from __future__ import annotations

import ast
import os
import re
import stat
from pathlib import Path
from typing import Callable, List, Sequence

import pytest

import asynclint.orchestration.fixes as fixes
from asynclint.base.model import Applicability, Edit, Finding, Fix
from asynclint.base.settings import Settings
from asynclint.base.source import decode
from asynclint.catalogue import RULES
from asynclint.catalogue.selection import select_rules
from asynclint.engine import lint_source
from asynclint.orchestration.fixes import (
    EditError,
    FixWriteError,
    OverlapError,
    apply_edits,
    fix_file,
    fix_source,
    select_fixes,
    unified_diff,
    write_atomic,
)
from tests.conftest import FIXTURES
from tests.fixture_markers import HEADER

FIX_FIXTURES = FIXTURES / "fixes"
PAIRS = sorted(p for p in FIX_FIXTURES.glob("*/**/*.py") if p.is_file())
AL101 = Settings(enabled=select_rules(["AL101"]))


def engine_lint(settings: Settings, path: str = "mod.py") -> Callable[[bytes], List[Finding]]:
    return lambda data: lint_source(data, path, settings).findings


def fix_al101(data: bytes, unsafe: bool = True, settings: Settings = AL101) -> fixes.FixOutcome:
    return fix_source(data, "mod.py", settings, unsafe, engine_lint(settings))


def pair_settings(path: Path) -> Settings:
    code = path.relative_to(FIX_FIXTURES).parts[0]
    header = HEADER.search(path.read_bytes()[:500].decode("latin-1"))
    selectors = header.group("select").split(",") if header else [code]
    return Settings(enabled=select_rules(selectors))


# -- before/after pairs -----------------------------------------------------------
@pytest.mark.parametrize("path", PAIRS, ids=[str(p.relative_to(FIX_FIXTURES)) for p in PAIRS])
def test_fixture_pair(path: Path) -> None:
    expected_path = path.with_name(path.name + ".fixed")
    assert expected_path.is_file(), f"{expected_path} is missing"
    settings = pair_settings(path)
    before, expected = path.read_bytes(), expected_path.read_bytes()
    outcome = fix_source(before, str(path), settings, True, engine_lint(settings, str(path)))
    assert outcome.error is None
    assert outcome.fixed == expected
    ast.parse(decode(expected))
    assert not select_fixes(outcome.remaining, settings, True), "fixable findings left after --fix"
    again = fix_source(expected, str(path), settings, True, engine_lint(settings, str(path)))
    assert again.fixed is None, "fixing the fixed file changed it again"


@pytest.mark.parametrize("code", sorted(c for c, r in RULES.items() if r.fixable))
def test_every_fixable_rule_has_a_fixture_pair(code: str) -> None:
    pairs = [p for p in PAIRS if p.relative_to(FIX_FIXTURES).parts[0] == code]
    assert pairs, f"add before/after pairs as fixtures/fixes/{code}/NAME.py + NAME.py.fixed"


# -- select_fixes -----------------------------------------------------------------
def finding(code: str, applicability: Applicability | None, line: int = 1) -> Finding:
    fix = None if applicability is None else Fix("fix it", applicability, (Edit(line, 1, line, 1, "x"),))
    return Finding("m.py", line, 1, code, "msg", line, 2, fix)


def codes(findings: Sequence[Finding]) -> List[str]:
    return [f.code for f in findings]


def test_select_fixes_safe_always_unsafe_on_request() -> None:
    found = [finding("AL901", Applicability.SAFE), finding("AL902", Applicability.UNSAFE), finding("AL903", None)]
    settings = Settings(enabled=frozenset())
    assert codes(select_fixes(found, settings, unsafe=False)) == ["AL901"]
    assert codes(select_fixes(found, settings, unsafe=True)) == ["AL901", "AL902"]


def test_select_fixes_extend_safe_and_unsafe_move_codes() -> None:
    found = [finding("AL901", Applicability.SAFE), finding("AL902", Applicability.UNSAFE)]
    moved = Settings(enabled=frozenset(), extend_safe_fixes=frozenset({"AL902"}),
                     extend_unsafe_fixes=frozenset({"AL901"}))
    assert codes(select_fixes(found, moved, unsafe=False)) == ["AL902"]
    both = Settings(enabled=frozenset(), extend_safe_fixes=frozenset({"AL902"}),
                    extend_unsafe_fixes=frozenset({"AL902"}))
    assert codes(select_fixes(found, both, unsafe=False)) == ["AL901"], "named in both lists stays unsafe"


def test_select_fixes_fixable_and_unfixable_restrict() -> None:
    found = [finding("AL901", Applicability.SAFE), finding("AL902", Applicability.SAFE)]
    only = Settings(enabled=frozenset(), fixable=frozenset({"AL902"}))
    assert codes(select_fixes(found, only, unsafe=True)) == ["AL902"]
    never = Settings(enabled=frozenset(), unfixable=frozenset({"AL902"}))
    assert codes(select_fixes(found, never, unsafe=True)) == ["AL901"]


def test_fixable_and_unfixable_apply_to_real_fixes() -> None:
    src = b"import time\n\nasync def f():\n    time.sleep(1)\n"
    unfixable = Settings(enabled=select_rules(["AL101"]), unfixable=frozenset({"AL101"}))
    assert fix_al101(src, settings=unfixable).fixed is None
    promoted = Settings(enabled=select_rules(["AL101"]), extend_safe_fixes=frozenset({"AL101"}))
    assert fix_al101(src, unsafe=False, settings=promoted).fixed is not None


# -- apply_edits ------------------------------------------------------------------
def test_apply_edits_replace_insert_and_keep_the_rest() -> None:
    text = "a = 1  # one\nb = 2\n"
    edits = [Edit(2, 5, 2, 6, "20"), Edit(1, 1, 1, 1, "# top\n"), Edit(1, 5, 1, 6, "10")]
    assert apply_edits(text, edits) == "# top\na = 10  # one\nb = 20\n"


def test_apply_edits_multiline_and_end_of_text() -> None:
    text = "x = (\n    1,\n)"
    assert apply_edits(text, [Edit(1, 5, 3, 2, "1")]) == "x = 1"
    assert apply_edits(text, [Edit(3, 2, 3, 2, "\n")]) == "x = (\n    1,\n)\n"


def test_apply_edits_columns_are_code_points() -> None:
    text = "s = 'é😀'; t = 1\n"
    col = text.index("t") + 1
    assert apply_edits(text, [Edit(1, col, 1, col + 1, "u")]) == "s = 'é😀'; u = 1\n"


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_apply_edits_writes_new_lines_in_the_files_line_ending(eol: str) -> None:
    text = f"'''doc'''{eol}x = 1{eol}"
    out = apply_edits(text, [Edit(2, 1, 2, 1, "import asyncio\nimport trio\n")])
    assert out == f"'''doc'''{eol}import asyncio{eol}import trio{eol}x = 1{eol}"


def test_apply_edits_identical_edits_count_once() -> None:
    edit = Edit(1, 1, 1, 1, "import asyncio\n")
    assert apply_edits("x = 1\n", [edit, edit]) == "import asyncio\nx = 1\n"


def test_apply_edits_insertion_at_either_end_of_a_replacement() -> None:
    text = "f(x)\n"
    edits = [Edit(1, 1, 1, 2, "g"), Edit(1, 1, 1, 1, "await "), Edit(1, 5, 1, 5, " + 1")]
    assert apply_edits(text, edits) == "await g(x) + 1\n"


@pytest.mark.parametrize("edits", [
    [Edit(1, 1, 1, 4, "a"), Edit(1, 3, 1, 5, "b")],          # overlapping ranges
    [Edit(1, 1, 1, 5, "a"), Edit(1, 2, 1, 2, "b")],          # insertion inside a replacement
    [Edit(1, 2, 1, 2, "a"), Edit(1, 2, 1, 2, "b")],          # two insertions at one point
])
def test_apply_edits_overlap_raises(edits: List[Edit]) -> None:
    with pytest.raises(OverlapError):
        apply_edits("abcdef\n", edits)


@pytest.mark.parametrize("edit", [Edit(3, 1, 3, 1, "x"), Edit(1, 9, 1, 9, "x"), Edit(1, 3, 1, 2, "x"),
                                  Edit(0, 1, 1, 1, "x")])
def test_apply_edits_rejects_positions_outside_the_text(edit: Edit) -> None:
    with pytest.raises(EditError):
        apply_edits("abcdef\r\n", [edit])


# -- fix_source: byte for byte ----------------------------------------------------
TEMPLATE_BEFORE = [
    '"""Module doc."""',
    "import time  # clock",
    "",
    "",
    "async def job(delay):",
    "\t# a tab-indented comment   ",
    "\ttime.sleep(delay)  #   spacing   kept",
    "\ttime.sleep(0)  # noqa: AL101",
]
TEMPLATE_AFTER = [
    '"""Module doc."""',
    "import asyncio",
    "import time  # clock",
    "",
    "",
    "async def job(delay):",
    "\t# a tab-indented comment   ",
    "\tawait asyncio.sleep(delay)  #   spacing   kept",
    "\ttime.sleep(0)  # noqa: AL101",
]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-BOM", "BOM"])
@pytest.mark.parametrize("final_eol", [True, False], ids=["final-newline", "no-final-newline"])
def test_only_the_fix_changes(eol: str, bom: bytes, final_eol: bool) -> None:
    def build(lines: List[str]) -> bytes:
        return bom + (eol.join(lines) + (eol if final_eol else "")).encode("utf-8")

    outcome = fix_al101(build(TEMPLATE_BEFORE))
    assert outcome.error is None
    assert outcome.fixed == build(TEMPLATE_AFTER)
    assert [f.line for f in outcome.remaining] == [], "the noqa'd call is neither reported nor fixed"


def test_coding_cookie_and_shebang_stay_on_top() -> None:
    src = ("#!/usr/bin/env python\n# -*- coding: cp1252 -*-\n# © 2024\nimport time\n\n"
           "async def f():\n    time.sleep(1)\n")
    outcome = fix_al101(src.encode("cp1252"))
    assert outcome.fixed is not None
    fixed = outcome.fixed.decode("cp1252")
    assert fixed.startswith("#!/usr/bin/env python\n# -*- coding: cp1252 -*-\n# © 2024\nimport asyncio\nimport time\n")
    assert decode(outcome.fixed) == fixed


@pytest.mark.parametrize("source", [
    b"import time\nfrom compat import asyncio\n\nasync def f():\n    time.sleep(1)\n",  # another module's asyncio
    b"import time\n\nasync def f(asyncio):\n    time.sleep(1)\n",  # a parameter named asyncio
    b"import asyncio, time\n\nasync def f():\n    asyncio = None\n    time.sleep(1)\n",  # shadowed locally
])
def test_no_fix_where_asyncio_means_something_else(source: bytes) -> None:
    outcome = fix_al101(source)
    assert outcome.fixed is None
    assert [f.code for f in outcome.remaining] == ["AL101"]


def test_noqa_findings_are_never_fixed() -> None:
    src = b"import time\n\nasync def f():\n    time.sleep(1)  # noqa\n    time.sleep(2)  # noqa: AL101\n"
    outcome = fix_al101(src)
    assert outcome.fixed is None and outcome.applied == [] and outcome.remaining == []


def test_unsafe_fixes_need_unsafe() -> None:
    src = b"import time\n\nasync def f():\n    time.sleep(1)\n"
    outcome = fix_al101(src, unsafe=False)
    assert outcome.fixed is None
    assert codes(outcome.remaining) == ["AL101"]


def test_fixing_twice_changes_nothing_the_second_time() -> None:
    src = (b"import time\nimport asyncio as aio\n\nasync def f():\n    time.sleep(1)\n"
           b"    async def g():\n        time.sleep(2)\n    time.sleep(3)\n    await g()\n")
    first = fix_al101(src)
    assert first.fixed is not None and len(first.applied) == 3 and first.remaining == []
    assert b"import asyncio\n" not in first.fixed, "the existing alias is reused"
    assert fix_al101(first.fixed).fixed is None


# -- fix_source: overlapping fixes, rounds, refusals ---------------------------------
def pair_rule(text_of: Callable[[bytes], str] = decode) -> Callable[[bytes], List[Finding]]:
    """A fake rule with overlapping fixes: every `aa` (overlapping matches too) becomes `a`."""
    def lint(data: bytes) -> List[Finding]:
        out = []
        for lineno, line in enumerate(re.split(r"\r\n|\r|\n", text_of(data)), start=1):
            for match in re.finditer(r"(?=aa)", line):
                col = match.start() + 1
                fix = Fix("shorten", Applicability.SAFE, (Edit(lineno, col, lineno, col + 2, "a"),))
                out.append(Finding("m.py", lineno, col, "AL901", "aa", lineno, col + 2, fix))
        return out
    return lint


def test_overlapping_fixes_are_applied_in_later_rounds() -> None:
    src = b"x = 'aaaaa'  # aa\n"
    outcome = fix_source(src, "m.py", Settings(enabled=frozenset()), False, pair_rule())
    assert outcome.fixed == b"x = 'a'  # a\n"
    assert outcome.remaining == [] and outcome.error is None
    assert len(outcome.applied) == 5  # 4 in the string, 1 in the comment: none dropped


def test_rounds_are_bounded_and_leftovers_reported() -> None:
    src = b"x = '" + b"a" * 5000 + b"'\n"
    outcome = fix_source(src, "m.py", Settings(enabled=frozenset()), False, pair_rule())
    assert outcome.fixed is not None and outcome.remaining, "stopped after MAX_ROUNDS with findings left"
    assert outcome.error is not None and "do not settle" in outcome.error


def replace_rule(old: str, new: str, line_of_fix: int = 0, code: str = "AL902") -> Callable[[bytes], List[Finding]]:
    """A fake rule: every line containing ``old`` gets a safe fix replacing it with ``new``."""
    def lint(data: bytes) -> List[Finding]:
        out = []
        for lineno, line in enumerate(re.split(r"\r\n|\r|\n", decode(data)), start=1):
            col = line.find(old) + 1
            if col:
                at = line_of_fix or lineno
                fix = Fix("rewrite", Applicability.SAFE, (Edit(at, col, at, col + len(old), new),))
                out.append(Finding("m.py", lineno, col, code, "msg", lineno, col + len(old), fix))
        return out
    return lint


def test_a_fix_that_breaks_the_file_is_refused() -> None:
    src = b"x = 1  # BAD\ny = 2\n"
    outcome = fix_source(src, "m.py", Settings(enabled=frozenset()), False, replace_rule("1", "(1"))
    assert outcome.fixed is None
    assert codes(outcome.remaining) == ["AL902"]
    assert outcome.error is not None and "would not parse" in outcome.error and "AL902 at 1:5" in outcome.error


def test_a_bad_fix_does_not_block_good_ones() -> None:
    def lint(data: bytes) -> List[Finding]:
        return replace_rule("bad", "(")(data) + replace_rule("good", "fine", code="AL903")(data)

    src = b"bad = 1\ngood = 2\n"
    outcome = fix_source(src, "m.py", Settings(enabled=frozenset()), False, lint)
    assert outcome.fixed == b"bad = 1\nfine = 2\n"
    assert codes(outcome.remaining) == ["AL902"]
    assert outcome.error is not None and "AL902" in outcome.error


def test_compile_errors_count_as_not_parsing() -> None:
    src = b"def f():\n    g()\n"  # `await` in a sync def: ast accepts it, the compiler does not
    outcome = fix_source(src, "m.py", Settings(enabled=frozenset()), False, replace_rule("g()", "await g()"))
    assert outcome.fixed is None and outcome.error is not None and "compile" in outcome.error


def test_a_fix_moving_the_coding_cookie_is_refused() -> None:
    src = "# -*- coding: latin-1 -*-\nx = 'é'\n".encode("latin-1")
    lint = replace_rule("# -*-", "import os\n# -*-", code="AL902")
    outcome = fix_source(src, "m.py", Settings(enabled=frozenset()), False, lint)
    assert outcome.fixed is None and outcome.error is not None and "encoding" in outcome.error


def test_a_fix_the_encoding_cannot_hold_is_refused() -> None:
    src = "# -*- coding: latin-1 -*-\nx = 'é'\n".encode("latin-1")
    outcome = fix_source(src, "m.py", Settings(enabled=frozenset()), False, replace_rule("'é'", "'€'"))
    assert outcome.fixed is None and outcome.error is not None and "cannot be encoded" in outcome.error


def test_an_invalid_edit_is_reported_not_raised() -> None:
    outcome = fix_source(b"x = 1\n", "m.py", Settings(enabled=frozenset()), False, replace_rule("x", "y", 99))
    assert outcome.fixed is None and outcome.error is not None and "invalid fix" in outcome.error


def test_an_undecodable_file_is_left_alone() -> None:
    def lint(data: bytes) -> List[Finding]:
        return [finding("AL901", Applicability.SAFE)]

    outcome = fix_source(b"x = '\xff'\n", "m.py", Settings(enabled=frozenset()), False, lint)
    assert outcome.fixed is None and outcome.error is not None


# -- files on disk ----------------------------------------------------------------
SLEEPY = b"import time\n\n\nasync def f():\n    time.sleep(1)  # keep me\n"
FIXED = b"import asyncio\nimport time\n\n\nasync def f():\n    await asyncio.sleep(1)  # keep me\n"


def leftovers(directory: Path) -> List[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".asynclint-tmp")]


def test_fix_file_writes_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(SLEEPY)
    path.chmod(0o640)
    outcome = fix_file(str(path), AL101, True, None, write=True)
    assert outcome.error is None and outcome.fixed == FIXED
    assert path.read_bytes() == FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []
    again = fix_file(str(path), AL101, True, None, write=True)
    assert again.fixed is None and again.remaining == []


def test_fix_file_without_write_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(SLEEPY)
    outcome = fix_file(str(path), AL101, True, None, write=False)
    assert outcome.fixed == FIXED and path.read_bytes() == SLEEPY
    assert unified_diff(str(path), outcome.original, outcome.fixed)


def test_a_file_changed_on_disk_is_not_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(SLEEPY)
    real_fix_source = fixes.fix_source

    def racing_fix_source(*args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = real_fix_source(*args, **kwargs)
        path.write_bytes(SLEEPY + b"# edited meanwhile\n")
        return outcome

    monkeypatch.setattr(fixes, "fix_source", racing_fix_source)
    outcome = fix_file(str(path), AL101, True, None, write=True)
    assert outcome.error is not None and "changed on disk" in outcome.error
    assert path.read_bytes() == SLEEPY + b"# edited meanwhile\n"
    assert outcome.fixed is None and codes(outcome.remaining) == ["AL101"]


def test_write_atomic_refuses_when_content_differs(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(b"new\n")
    with pytest.raises(FixWriteError, match="changed on disk"):
        write_atomic(str(path), b"fixed\n", expected=b"old\n")
    assert path.read_bytes() == b"new\n"


def test_read_only_file_gives_an_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(SLEEPY)
    path.chmod(0o444)
    try:
        outcome = fix_file(str(path), AL101, True, None, write=True)
    finally:
        path.chmod(0o644)
    assert outcome.error is not None and "read-only" in outcome.error
    assert path.read_bytes() == SLEEPY
    assert outcome.fixed is None and codes(outcome.remaining) == ["AL101"]


def test_read_only_directory_gives_an_error_not_a_traceback(tmp_path: Path) -> None:
    directory = tmp_path / "pkg"
    directory.mkdir()
    path = directory / "mod.py"
    path.write_bytes(SLEEPY)
    directory.chmod(0o555)
    try:
        outcome = fix_file(str(path), AL101, True, None, write=True)
        assert leftovers(directory) == []
    finally:
        directory.chmod(0o755)
    assert outcome.error is not None and "read-only" in outcome.error
    assert path.read_bytes() == SLEEPY


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_target_is_written_and_the_link_kept(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "mod.py"
    target.write_bytes(SLEEPY)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    outcome = fix_file(str(link), AL101, True, None, write=True)
    assert outcome.error is None
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == FIXED
    assert leftovers(tmp_path) == [] and leftovers(real_dir) == []


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError])
def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        failure: type) -> None:
    path = tmp_path / "mod.py"
    path.write_bytes(SLEEPY)

    def broken_replace(src: str, dst: str) -> None:
        raise failure("interrupted")

    monkeypatch.setattr(fixes.os, "replace", broken_replace)
    expected_error = KeyboardInterrupt if failure is KeyboardInterrupt else FixWriteError
    with pytest.raises(expected_error):
        write_atomic(str(path), FIXED, SLEEPY)
    assert path.read_bytes() == SLEEPY
    assert leftovers(tmp_path) == []


def test_unreadable_path_is_an_error(tmp_path: Path) -> None:
    outcome = fix_file(str(tmp_path / "missing.py"), AL101, True, None, write=True)
    assert outcome.error is not None and codes(outcome.remaining) == ["AL002"]


# -- unified_diff ------------------------------------------------------------------
def test_unified_diff_headers_and_hunks() -> None:
    diff = unified_diff("./pkg/mod.py", SLEEPY, FIXED)
    assert diff.startswith("--- a/pkg/mod.py\n+++ b/pkg/mod.py\n@@ ")
    assert "+import asyncio\n" in diff and "-    time.sleep(1)  # keep me\n" in diff
    assert unified_diff("mod.py", SLEEPY, SLEEPY) == ""


def test_unified_diff_decodes_with_the_files_encoding_and_marks_missing_newline() -> None:
    before = "# -*- coding: latin-1 -*-\nx = 'é'".encode("latin-1")
    after = "# -*- coding: latin-1 -*-\nx = 'è'".encode("latin-1")
    diff = unified_diff("m.py", before, after)
    assert "-x = 'é'\n\\ No newline at end of file\n+x = 'è'\n\\ No newline at end of file\n" in diff
