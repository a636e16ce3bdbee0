"""``--add-noqa``: every finding silenced where Python allows a comment, idempotent, bytes kept."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

from asynclint.engine import lint_source
from asynclint.base.model import Finding
from asynclint.orchestration.noqa import add_noqa
from asynclint.catalogue.selection import default_settings, select_rules
from tests.conftest import FIXTURES, run_cli

ADDED = re.compile(r"Added noqa comments to (\d+) lines? in (\d+) files?\.")


def _added(stderr: str) -> int:
    match = ADDED.search(stderr)
    assert match, stderr
    return int(match.group(1))


def test_fixtures_silenced_idempotent_and_clean_afterwards(tmp_path: Path) -> None:
    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree)
    before = {p: p.read_bytes() for p in tree.rglob("*.py")}
    assert run_cli(["--select", "ALL", "--no-cache", "."], cwd=tree).returncode == 1  # there is something to silence

    first = run_cli(["--select", "ALL", "--no-cache", "--add-noqa", "."], cwd=tree)
    assert first.returncode == 0, first.stderr
    changed = _added(first.stderr)
    assert changed > 100
    # exactly the reported number of lines changed, each only by a noqa comment at its end
    diff_lines = 0
    for path, old in before.items():
        new = path.read_bytes()
        old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
        assert len(old_lines) == len(new_lines), path
        for a, b in zip(old_lines, new_lines):
            if a != b:
                diff_lines += 1
                assert re.search(rb"# noqa: AL\d{3}(, AL\d{3})*\s*$", b) or b"noqa" in a, (path, a, b)
        if old != new:
            assert ast.dump(ast.parse(old)) == ast.dump(ast.parse(new)), path
    assert diff_lines == changed
    assert "# noqa: AL101" in (tree / "AL101" / "polling_worker.py").read_text().splitlines()[10]

    second = run_cli(["--select", "ALL", "--no-cache", "--add-noqa", "."], cwd=tree)
    assert second.returncode == 0 and _added(second.stderr) == 0, second.stderr
    after = run_cli(["--select", "ALL", "--no-cache", "."], cwd=tree)
    assert after.returncode == 0 and after.stdout == "", after.stdout


def test_line_endings_bom_and_cookie_kept(tmp_path: Path) -> None:
    names = ["crlf_bom_no_eol.py", "cookie_latin1.py"]
    for name in names:
        shutil.copy(FIXTURES / "fixes" / "AL101" / name, tmp_path / name)
    done = run_cli(["--isolated", "--no-cache", "--select", "AL101", "--add-noqa", *names], cwd=tmp_path)
    assert done.returncode == 0 and _added(done.stderr) >= 2, done.stderr
    for name in names:
        old = (FIXTURES / "fixes" / "AL101" / name).read_bytes()
        new = (tmp_path / name).read_bytes()
        assert new != old and new.replace(b"  # noqa: AL101", b"") == old, name
    crlf = (tmp_path / "crlf_bom_no_eol.py").read_bytes()
    assert crlf.startswith(b"\xef\xbb\xbf") and b"\n" not in crlf.replace(b"\r\n", b"") and not crlf.endswith(b"\n")
    assert b"Jos\xe9" in (tmp_path / "cookie_latin1.py").read_bytes()  # still latin-1, not re-encoded
    assert run_cli(["--isolated", "--no-cache", "--select", "AL101", *names], cwd=tmp_path).returncode == 0


MULTILINE = '''import time


async def f(x):
    s = f"""{time.sleep(1)} and
    more"""
    u = time.sleep(3) + \\
        1
    v = time.sleep(4)  # noqa: E501
    w = time.sleep(5)  # noqa:AL102
    return s, u, v, w
'''


def test_multiline_string_backslash_and_existing_comments(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(MULTILINE)
    done = run_cli(["--isolated", "--no-cache", "--add-noqa", "m.py"], cwd=tmp_path)
    assert done.returncode == 0 and _added(done.stderr) == 4, done.stderr
    lines = path.read_text().splitlines()
    assert lines[4] == '    s = f"""{time.sleep(1)} and'  # inside the string: untouched
    assert lines[5] == '    more"""  # noqa: AL101'  # where the string ends
    assert lines[6] == "    u = time.sleep(3) + \\"  # a comment after a backslash would not parse
    assert lines[7] == "        1  # noqa: AL101"
    assert lines[8] == "    v = time.sleep(4)  # noqa: E501, AL101"
    assert lines[9] == "    w = time.sleep(5)  # noqa:AL102, AL101"
    assert run_cli(["--isolated", "--no-cache", "m.py"], cwd=tmp_path).returncode == 0
    again = run_cli(["--isolated", "--no-cache", "--add-noqa", "m.py"], cwd=tmp_path)
    assert _added(again.stderr) == 0


def _lint(text: str) -> list[Finding]:
    return lint_source(text.encode(), "x.py", default_settings(enabled=select_rules(["AL1"]))).findings


def test_a_noqa_lookalike_in_a_string_is_not_a_comment() -> None:
    text = 'import time\n\n\nasync def f():\n    return "# noqa: E501" + str(time.sleep(1))\n'
    findings = _lint(text)
    assert [f.code for f in findings] == ["AL101"]
    result = add_noqa(text, findings)
    assert result.text.splitlines()[4].endswith('str(time.sleep(1))  # noqa: AL101')
    assert _lint(result.text) == []


def test_codes_are_merged_not_duplicated() -> None:
    text = "import time\n\n\nasync def f():\n    time.sleep(1); time.sleep(2)  # noqa: AL102\n"
    findings = _lint(text)
    assert [f.code for f in findings] == ["AL101", "AL101"]
    result = add_noqa(text, findings)
    assert result.changed_lines == [5]
    assert result.text.splitlines()[4].endswith("# noqa: AL102, AL101")
    assert add_noqa(result.text, findings).changed_lines == []  # already there: nothing added twice


def test_what_a_comment_cannot_silence_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("async def f(:\n    pass\n")
    done = run_cli(["--isolated", "--no-cache", "--add-noqa", "broken.py"], cwd=tmp_path)
    assert done.returncode == 1
    assert "broken.py:1:13: AL001 cannot be silenced" in done.stderr
    assert (tmp_path / "broken.py").read_text() == "async def f(:\n    pass\n"
    # a comment that would land inside code is refused, never written
    text = 'import time\n\n\nasync def f():\n    return time.sleep(1)\n'
    finding = _lint(text)[0]
    moved = Finding(finding.path, 99, 1, finding.code, finding.message, 99, 2)
    assert add_noqa(text, [moved]).unsilenceable[0][1] == "no line after it can hold a comment"
