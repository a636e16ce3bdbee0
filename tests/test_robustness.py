"""Never crash, never lose a result: bad files, odd paths, dying workers, broken config.

Every test runs the real CLI in a subprocess, as users and CI do.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

GOOD = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
FORMATS = ["text", "json", "sarif", "github"]


def _bad_files(root: Path) -> dict[str, bytes]:
    """Each file holds the word async so triage cannot skip it."""
    deep = "async def f():\n    x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    chain = "async def f(a):\n    return " + "+".join(["a"] * 2000) + "\n"
    nots = "async def f(a):\n    return " + "not " * 5000 + "a\n"
    big_line = "async def f():\n    pass\n" + "x = 1\n" * (10 * 1024 * 1024 // 6)
    return {
        "py2.py": b"async = 1\nprint 'hello'\n",
        "half_edit.py": b"async def f(:\n    pass\n",
        "nul.py": b"async def f():\n    pass\x00\n",
        "bad_utf8.py": b"async def f():\n    return '\xff\xfe'\n",
        "wrong_cookie.py": b"# -*- coding: klingon -*-\nasync def f():\n    pass\n",
        "bom_crlf.py": b"\xef\xbb\xbfimport time\r\n\r\nasync def f():\r\n    time.sleep(1)\r\n",
        "deep.py": deep.encode(),
        "chain.py": chain.encode(),
        "nots.py": nots.encode(),
        "big.py": big_line.encode(),
        "empty.py": b"",
        "comments.py": b"# async thoughts only\n# nothing else\n",
    }


@pytest.fixture
def bad_tree(tmp_path: Path) -> Path:
    for name, data in _bad_files(tmp_path).items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "good.py").write_text(GOOD)
    return tmp_path


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_files_never_lose_the_good_result(bad_tree: Path, fmt: str) -> None:
    done = run_cli(["--isolated", "--no-cache", "--output-format", fmt, "."], cwd=bad_tree, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    assert "good.py" in done.stdout and "AL101" in done.stdout


def test_bad_files_findings(bad_tree: Path) -> None:
    done = run_cli(["--isolated", "--no-cache", "--output-format", "json", "."], cwd=bad_tree, timeout=300)
    findings = json.loads(done.stdout)
    by_file: dict[str, list[str]] = {}
    for f in findings:
        by_file.setdefault(os.path.basename(f["path"]), []).append(f["code"])
    for name in ("py2.py", "half_edit.py", "nul.py", "bad_utf8.py", "wrong_cookie.py", "deep.py", "big.py"):
        assert by_file.get(name) == ["AL001"], (name, by_file.get(name), done.stderr)
    # 5,000 nested `not`s: Python 3.11's parser gives up (AL001), 3.10's parses it (then nothing to report)
    assert by_file.get("nots.py") in (None, ["AL001"])
    assert by_file["bom_crlf.py"] == ["AL101"]
    assert by_file["good.py"] == ["AL101"]
    for name in ("chain.py", "empty.py", "comments.py"):
        assert name not in by_file, (name, by_file.get(name))
    assert all(code != "AL003" for codes in by_file.values() for code in codes)


def test_bom_crlf_columns(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"\xef\xbb\xbfimport time\r\n\r\nasync def f():\r\n    t = '\xc3\xa9'; time.sleep(1)\r\n")
    done = run_cli(["--isolated", "--no-cache", "--output-format", "json", "a.py"], cwd=tmp_path)
    (finding,) = json.loads(done.stdout)
    assert (finding["line"], finding["column"]) == (4, 14)


def test_paths_odd_and_missing(tmp_path: Path) -> None:
    (tmp_path / "pkg.py").mkdir()
    (tmp_path / "pkg.py" / "inner.py").write_text(GOOD)
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "again").symlink_to(loop)
    (tmp_path / "broken.py").symlink_to(tmp_path / "gone.py")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.py")
    done = run_cli(["--isolated", "--no-cache", "--output-format", "json", "."], cwd=tmp_path, timeout=60)
    assert "Traceback" not in done.stderr
    codes = sorted((os.path.basename(f["path"]), f["code"]) for f in json.loads(done.stdout))
    assert ("inner.py", "AL101") in codes
    assert ("broken.py", "AL002") in codes
    missing = run_cli(["--isolated", "does-not-exist.py"], cwd=tmp_path)
    assert missing.returncode == 2
    assert "does-not-exist.py" in missing.stderr and "Traceback" not in missing.stderr


def test_overlapping_paths_lint_each_file_once(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(GOOD)
    done = run_cli(["--isolated", "--no-cache", "--output-format", "json", "src", "src/a.py", "./src"], cwd=tmp_path)
    assert len(json.loads(done.stdout)) == 1


def test_explicit_non_python_file_is_linted_as_python(tmp_path: Path) -> None:
    (tmp_path / "script").write_text("#!/usr/bin/env python\n" + GOOD)
    (tmp_path / "notes.md").write_text("# Notes\n\nSome *text*.\n")
    done = run_cli(["--isolated", "--no-cache", "--output-format", "json", "script", "notes.md"], cwd=tmp_path)
    codes = sorted((f["path"], f["code"]) for f in json.loads(done.stdout))
    assert codes == [("notes.md", "AL001"), ("script", "AL101")]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGSEGV is POSIX")
def test_worker_crash_loses_only_its_file(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"m{i:02d}.py").write_text(GOOD)
    (tmp_path / "m17.py").write_text(GOOD + "# CRASH-HERE\n")
    done = run_cli(["--isolated", "--no-cache", "--jobs", "2", "--output-format", "json", "."], cwd=tmp_path,
                   env={"ASYNCLINT_CRASH_MARKER": "CRASH-HERE"}, timeout=300)
    assert done.returncode == 2, done.stderr
    findings = json.loads(done.stdout)
    by_file = {os.path.basename(f["path"]): f for f in findings}
    assert by_file["m17.py"]["code"] == "AL003"
    assert "worker died" in by_file["m17.py"]["message"]
    assert sum(1 for f in findings if f["code"] == "AL101") == 39


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_file_over_the_time_budget_is_stopped(tmp_path: Path) -> None:
    for i in range(20):
        (tmp_path / f"m{i:02d}.py").write_text(GOOD)
    (tmp_path / "m05.py").write_text(GOOD + "# HANG-HERE\n")
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nfile-time-budget = 2\n")
    done = run_cli(["--no-cache", "--jobs", "2", "--output-format", "json", "."], cwd=tmp_path,
                   env={"ASYNCLINT_CRASH_MARKER": "HANG-HERE"}, timeout=120)
    findings = json.loads(done.stdout)
    by_file = {os.path.basename(f["path"]): f for f in findings}
    assert by_file["m05.py"]["code"] == "AL003" and "budget" in by_file["m05.py"]["message"]
    assert sum(1 for f in findings if f["code"] == "AL101") == 19
    assert done.returncode == 2  # AL003: a file was not checked


@pytest.mark.parametrize("content, needle", [
    ("[tool.asynclint\nselect = 1", "invalid TOML"),
    ("[tool.asynclint]\nselekt = ['AL1']\n", "selekt"),
    ("[tool.asynclint]\nselect = 'AL1'\n", "select"),
    ("[tool.asynclint]\nselect = ['AL999']\n", "AL999"),
    ("[tool.asynclint]\ntarget-version = 'py27'\n", "target-version"),
    ("[tool.asynclint.per-file-ignores]\n'tests/*' = ['NOPE']\n", "NOPE"),
])
def test_broken_config_is_one_line_exit_2(tmp_path: Path, content: str, needle: str) -> None:
    (tmp_path / "pyproject.toml").write_text(content)
    (tmp_path / "a.py").write_text(GOOD)
    done = run_cli(["a.py"], cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert needle in done.stderr and "pyproject.toml" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_unknown_selector_on_command_line(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(GOOD)
    done = run_cli(["--isolated", "--select", "AL9", "a.py"], cwd=tmp_path)
    assert done.returncode == 2 and "AL9" in done.stderr and "Traceback" not in done.stderr


def test_never_executes_linted_code(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    (tmp_path / "evil.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\nimport time\nasync def f():\n    time.sleep(1)\n")
    (tmp_path / "conftest.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    done = run_cli(["--isolated", "--no-cache", "."], cwd=tmp_path)
    assert done.returncode == 1
    assert not marker.exists()


def test_file_deleted_after_discovery_gives_al002(tmp_path: Path) -> None:
    from asynclint.catalogue.selection import default_settings
    from asynclint.orchestration.discovery import DiscoveryOptions, discover
    from asynclint.orchestration.runner import lint_paths

    (tmp_path / "gone.py").write_text(GOOD)
    (tmp_path / "kept.py").write_text(GOOD)
    found = discover([str(tmp_path)], DiscoveryOptions(root=str(tmp_path)))
    (tmp_path / "gone.py").unlink()
    results = {os.path.basename(r.path): [f.code for f in r.findings]
               for r in lint_paths(found.files, default_settings(project_root=str(tmp_path), use_cache=False))}
    assert results == {"gone.py": ["AL002"], "kept.py": ["AL101"]}



@pytest.mark.parametrize("head", [
    b"# -*- coding: latin-1 -*-\r",  # CR-only line ends, cookie on line 1
    b"#!/usr/bin/env python\r# vim: set fileencoding=latin-1 :\r",  # on line 2
])
def test_cookie_in_a_cr_only_file(tmp_path: Path, head: bytes) -> None:
    """Python looks for the cookie after translating CR and CRLF; tokenize.detect_encoding splits on LF only."""
    data = head + b"import time\rasync def f():\r    x = '\xe9'; time.sleep(1)\r"
    compile(data, "cr.py", "exec")  # the interpreter reads it
    (tmp_path / "cr.py").write_bytes(data)
    done = run_cli(["--isolated", "--no-cache", "cr.py"], cwd=tmp_path)
    assert done.stdout.startswith("cr.py:") and " AL101 " in done.stdout, done.stdout + done.stderr


SITECUSTOMIZE_BREAKING_WORKERS = """
import sys
if "--multiprocessing-fork" in sys.argv:
    sys.modules["asynclint"] = None  # a spawned worker cannot import asynclint: it dies starting up
"""


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX environment trick")
def test_workers_that_cannot_start_leave_the_run_to_the_main_process(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE_BREAKING_WORKERS)
    project = tmp_path / "project"
    project.mkdir()
    for i in range(40):
        (project / f"m{i:02d}.py").write_text(GOOD)
    done = run_cli(["--isolated", "--no-cache", "--jobs", "2", "--output-format", "json", "."], cwd=project,
                   env={"PYTHONPATH": f"{site}{os.pathsep}{REPO}"}, timeout=300)
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)
    assert sorted(f["code"] for f in findings) == ["AL101"] * 40


def test_little_to_lint_starts_no_workers_unless_jobs_were_asked_for(tmp_path: Path) -> None:
    from asynclint.catalogue.selection import default_settings
    from asynclint.orchestration.runner import SMALL_RUN, RunStats, lint_paths

    paths = []
    for i in range(SMALL_RUN + 4):
        (tmp_path / f"m{i:02d}.py").write_text(GOOD)
        paths.append(str(tmp_path / f"m{i:02d}.py"))
    settings = default_settings(project_root=str(tmp_path))
    auto, asked = RunStats(), RunStats()
    first = lint_paths(paths, settings, jobs=2, stats=auto, auto_jobs=True)
    second = lint_paths(paths, settings, jobs=2, stats=asked)
    assert auto.workers == 0 and asked.workers > 0
    assert [r.findings for r in first] == [r.findings for r in second] and all(r.findings for r in first)


def test_python_syntax_warnings_in_linted_code_stay_quiet(tmp_path: Path) -> None:
    """Code that makes Python warn while parsing ("'str' object is not callable", an invalid escape)
    is the user's to fix with their own tools: asynclint's output is its findings only."""
    (tmp_path / "a.py").write_text('import time\n\n\nasync def f():\n    x = "s"(1)\n    y = "\\d"\n    time.sleep(1)\n')
    done = run_cli(["--isolated", "--no-cache", "a.py"], cwd=tmp_path, env={"PYTHONWARNINGS": "default"})
    assert done.returncode == 1 and "AL101" in done.stdout
    assert "Warning" not in done.stderr, done.stderr
