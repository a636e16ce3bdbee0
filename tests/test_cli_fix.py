"""--fix, --diff and --unsafe-fixes through the real console entry point (a subprocess)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_cli

BAD = b"import time\n\n\nasync def handler():\n    time.sleep(1)  # nap\n"
FIXED = b"import asyncio\nimport time\n\n\nasync def handler():\n    await asyncio.sleep(1)  # nap\n"
# One fixable finding and one without a fix (a call that is not a statement of its own).
PARTLY = b"import time\n\n\nasync def handler():\n    time.sleep(1)\n    x = [time.sleep(d) for d in (1, 2)]\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "bad.py").write_bytes(BAD)
    return tmp_path


def test_fix_applies_only_safe_fixes_by_default(project: Path) -> None:
    done = run_cli(["--isolated", "--no-cache", "--fix", "bad.py"], cwd=project)
    assert (project / "bad.py").read_bytes() == BAD, "AL101's fix is unsafe"
    assert done.returncode == 1 and "bad.py:5:5: AL101" in done.stdout


def test_unsafe_fixes_fix_everything_and_exit_zero(project: Path) -> None:
    done = run_cli(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "bad.py"], cwd=project)
    assert done.returncode == 0, done.stderr
    assert (project / "bad.py").read_bytes() == FIXED
    assert "AL101" not in done.stdout and "Traceback" not in done.stderr
    again = run_cli(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "bad.py"], cwd=project)
    assert again.returncode == 0 and (project / "bad.py").read_bytes() == FIXED


def test_fix_reports_what_remains_and_exits_one(tmp_path: Path) -> None:
    (tmp_path / "partly.py").write_bytes(PARTLY)
    done = run_cli(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "partly.py"], cwd=tmp_path)
    fixed = (tmp_path / "partly.py").read_bytes()
    assert b"await asyncio.sleep(1)" in fixed and b"[time.sleep(d)" in fixed
    assert done.returncode == 1
    assert [line.split(":")[:2] for line in done.stdout.splitlines() if "AL101" in line] == [["partly.py", "7"]]


def test_diff_changes_nothing_and_exits_one_when_there_is_a_diff(project: Path) -> None:
    done = run_cli(["--isolated", "--no-cache", "--diff", "--unsafe-fixes", "bad.py"], cwd=project)
    assert (project / "bad.py").read_bytes() == BAD
    assert done.returncode == 1
    assert done.stdout.startswith("--- a/bad.py\n+++ b/bad.py\n@@")
    assert "-    time.sleep(1)  # nap\n+    await asyncio.sleep(1)  # nap\n" in done.stdout
    assert "+import asyncio\n" in done.stdout


def test_diff_without_a_change_exits_zero(project: Path) -> None:
    safe_only = run_cli(["--isolated", "--no-cache", "--diff", "bad.py"], cwd=project)
    assert safe_only.returncode == 0 and safe_only.stdout == ""
    (project / "bad.py").write_bytes(FIXED)
    clean = run_cli(["--isolated", "--no-cache", "--diff", "--unsafe-fixes", "bad.py"], cwd=project)
    assert clean.returncode == 0 and clean.stdout == ""


@pytest.mark.parametrize("flags", [["--extend-safe-fixes", "AL101"], ["--extend-safe-fixes", "AL1"]])
def test_extend_safe_fixes_flag_promotes(project: Path, flags: list) -> None:
    done = run_cli(["--isolated", "--no-cache", "--fix", *flags, "bad.py"], cwd=project)
    assert done.returncode == 0 and (project / "bad.py").read_bytes() == FIXED


def test_extend_safe_fixes_from_config(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.asynclint]\nextend-safe-fixes = ["AL101"]\n')
    done = run_cli(["--no-cache", "--fix", "bad.py"], cwd=project)
    assert done.returncode == 0 and (project / "bad.py").read_bytes() == FIXED


@pytest.mark.parametrize("flags", [["--unfixable", "AL101"], ["--fixable", "AL001"],
                                   ["--extend-safe-fixes", "AL101", "--extend-unsafe-fixes", "AL101"]])
def test_fixable_unfixable_and_extend_unsafe_restrict(project: Path, flags: list) -> None:
    unsafe = [] if "--extend-unsafe-fixes" in flags else ["--unsafe-fixes"]
    done = run_cli(["--isolated", "--no-cache", "--fix", *unsafe, *flags, "bad.py"], cwd=project)
    assert (project / "bad.py").read_bytes() == BAD
    assert done.returncode == 1


def test_noqa_is_never_fixed(tmp_path: Path) -> None:
    src = b"import time\n\n\nasync def f():\n    time.sleep(1)  # noqa: AL101\n    time.sleep(2)  # noqa\n"
    (tmp_path / "a.py").write_bytes(src)
    done = run_cli(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "a.py"], cwd=tmp_path)
    assert done.returncode == 0 and (tmp_path / "a.py").read_bytes() == src


PAIR_CODES = sorted(p.name for p in (FIXTURES / "fixes").iterdir() if p.is_dir())


@pytest.mark.parametrize("code", PAIR_CODES)
def test_fixture_pairs_through_the_cli(tmp_path: Path, code: str) -> None:
    """The CLI writes exactly what the fixture pairs say (BOM, CRLF, cookie and all)."""
    pairs = sorted((FIXTURES / "fixes" / code).glob("*.py"))
    for before in pairs:
        shutil.copyfile(before, tmp_path / before.name)
    done = run_cli(["--isolated", "--no-cache", "--select", code, "--fix", "--unsafe-fixes", "."], cwd=tmp_path)
    assert "Traceback" not in done.stderr and "not fixed" not in done.stderr
    for before in pairs:
        expected = before.with_name(before.name + ".fixed").read_bytes()
        assert (tmp_path / before.name).read_bytes() == expected, before.name


def test_read_only_file_is_an_error_for_that_file_and_the_run_goes_on(tmp_path: Path) -> None:
    locked = tmp_path / "locked.py"
    locked.write_bytes(BAD)
    (tmp_path / "open.py").write_bytes(BAD)
    locked.chmod(0o444)
    try:
        done = run_cli(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "."], cwd=tmp_path)
    finally:
        locked.chmod(0o644)
    assert "Traceback" not in done.stderr
    assert "locked.py: not fixed: the file is read-only" in done.stderr
    assert locked.read_bytes() == BAD and (tmp_path / "open.py").read_bytes() == FIXED
    assert done.returncode == 1 and "locked.py:5:5: AL101" in done.stdout
    # issue 22 #3: the refused fix is not offered as fixable again; the summary says it was not written
    assert "fixable" not in done.stderr, done.stderr
    assert "1 fix could not be written: 1 file refused the write" in done.stderr, done.stderr


def test_summary_says_exactly_which_fixes_apply(tmp_path: Path) -> None:
    """issue 22 #3: no "more" when nothing is fixable without --unsafe-fixes; both counts when both apply."""
    (tmp_path / "api.py").write_bytes(b"async def fetch():\n    pass\n")
    (tmp_path / "main.py").write_bytes(BAD + b"    time.sleep(2)\n\n\nasync def run():\n"
                                       b"    from api import fetch\n    fetch()\n")
    unsafe_only = run_cli(["--isolated", "--no-cache", "main.py"], cwd=tmp_path)
    assert unsafe_only.stderr.splitlines()[-1] == \
        "[*] 3 fixable with --fix --unsafe-fixes (they may change behaviour).", unsafe_only.stderr
    both = run_cli(["--isolated", "--no-cache", "--extend-safe-fixes", "AL101", "main.py"], cwd=tmp_path)
    assert both.stderr.splitlines()[-1] == \
        "[*] 2 fixable with --fix (1 more with --unsafe-fixes, which may change behaviour).", both.stderr
    safe_only = run_cli(["--isolated", "--no-cache", "--extend-safe-fixes", "AL101", "--ignore", "AL201", "main.py"],
                        cwd=tmp_path)
    assert safe_only.stderr.splitlines()[-1] == "[*] 2 fixable with --fix.", safe_only.stderr


def test_read_only_directory_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    (directory / "mod.py").write_bytes(BAD)
    directory.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    try:
        done = run_cli(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "ro/mod.py"], cwd=tmp_path)
        assert not [p.name for p in directory.iterdir() if p.name.endswith(".asynclint-tmp")], "temporary file left"
    finally:
        directory.chmod(0o755)
    assert "Traceback" not in done.stderr and "directory is read-only" in done.stderr
    assert (directory / "mod.py").read_bytes() == BAD and done.returncode == 1


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_target_written_and_link_kept(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "mod.py"
    target.write_bytes(BAD)
    (tmp_path / "link.py").symlink_to(target)
    done = run_cli(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "link.py"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link.py").is_symlink() and target.read_bytes() == FIXED


def test_stdin_fix_writes_the_fixed_source(tmp_path: Path) -> None:
    done = run_cli(["--isolated", "--fix", "--unsafe-fixes", "-"], cwd=tmp_path, stdin=BAD.decode())
    assert done.stdout == FIXED.decode() and done.returncode == 0


LOOP = (b"import asyncio\nimport time\n\n\nasync def handler():\n    loop = asyncio.get_event_loop()\n    time.sleep(1)\n"
        b"    return loop\n\n\nasync def now():\n    return asyncio.get_running_loop().time()\n")


def test_safe_fix_applies_with_fix_alone_and_unsafe_ones_wait(tmp_path: Path) -> None:
    """AL505's fix is safe: ``--fix`` applies it without ``--unsafe-fixes``; AL101's (unsafe) stays."""
    (tmp_path / "loop.py").write_bytes(LOOP)
    assert "AL505" not in run_cli(["--isolated", "--no-cache", "loop.py"], cwd=tmp_path).stdout  # opt-in
    listed = run_cli(["--isolated", "--no-cache", "--extend-select", "AL505", "loop.py"], cwd=tmp_path)
    assert "loop.py:6:12: AL505 [*]" in listed.stdout and "loop.py:7:5: AL101 [*]" in listed.stdout
    assert "[*] 1 fixable with --fix" in listed.stderr + listed.stdout
    done = run_cli(["--isolated", "--no-cache", "--extend-select", "AL505", "--fix", "loop.py"], cwd=tmp_path)
    assert (tmp_path / "loop.py").read_bytes() == LOOP.replace(b"get_event_loop()", b"get_running_loop()")
    assert done.returncode == 1 and "AL505" not in done.stdout and "loop.py:7:5: AL101" in done.stdout
    assert "Traceback" not in done.stderr


def test_extend_unsafe_fixes_demotes_a_safe_fix(tmp_path: Path) -> None:
    (tmp_path / "loop.py").write_bytes(LOOP)
    done = run_cli(["--isolated", "--no-cache", "--extend-select", "AL505", "--fix", "--extend-unsafe-fixes", "AL505",
                    "loop.py"], cwd=tmp_path)
    assert (tmp_path / "loop.py").read_bytes() == LOOP and "AL505" in done.stdout
