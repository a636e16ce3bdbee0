"""What the author meant: code written to fail, generated files, test code, and lines already
silenced for another linter are not reported; each exemption has a look-alike that still is."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent
from typing import Dict, List, Set, Tuple

from asynclint.catalogue.selection import default_settings, select_rules
from asynclint.engine import is_generated, lint_source
from asynclint.knowledge.intent import handler_explained
from tests.conftest import run_cli


def found(source: str, noqa: bool = True, path: str = "m.py") -> List[Tuple[int, str]]:
    settings = default_settings(enabled=select_rules(["AL1", "AL2", "AL4", "AL109"]))
    result = lint_source(dedent(source).encode(), path, settings, force=True, noqa=noqa)
    return [(f.line, f.code) for f in result.findings]


def test_code_inside_pytest_raises_or_assert_raises_is_meant_to_fail() -> None:
    assert found("""
        import time, pytest, unittest

        async def test_timeout():
            with pytest.raises(TimeoutError):
                time.sleep(1)
            time.sleep(1)

        class T(unittest.IsolatedAsyncioTestCase):
            async def test_it(self):
                with self.assertRaises(ValueError):
                    time.sleep(2)
                with open("x") as handle:
                    time.sleep(3)
    """) == [(7, "AL101"), (13, "AL109"), (14, "AL101")]


def test_a_raises_block_does_not_hide_cancellation_findings() -> None:
    assert ("AL401" in {code for _, code in found("""
        import asyncio, pytest

        async def check():
            with pytest.raises(ValueError):
                try:
                    await asyncio.sleep(1)
                except asyncio.CancelledError:
                    pass
                raise ValueError
    """)})


def test_peer_linter_silences_name_the_same_mistake() -> None:
    source = """
        import asyncio, time

        async def fetch():
            return 1

        async def go():
            time.sleep(1)  # noqa: ASYNC251
            time.sleep(2)  # noqa: ASYNC230
            fetch()  # type: ignore[unused-coroutine]
            fetch()  # type: ignore[attr-defined]
            task = asyncio.create_task(fetch())  # noqa: F841
            try:
                await asyncio.sleep(1)
            except BaseException:  # pylint: disable=broad-except
                pass
            try:
                await asyncio.sleep(1)
            # pylint: disable-next=broad-exception-caught
            except BaseException:
                pass
            try:
                await asyncio.sleep(1)
            except BaseException:  # pylint: disable=unused-import
                pass
            try:
                await asyncio.sleep(1)
            # pylint: disable-next=broad-except
            except (asyncio.CancelledError, SystemExit, Exception):
                pass
            try:
                await asyncio.sleep(1)
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
            try:
                await asyncio.sleep(1)
            except (asyncio.CancelledError, Exception):  # noqa: E501
                pass
    """
    expected = [(9, "AL101"), (11, "AL201"), (24, "AL402"), (37, "AL401")]
    assert found(source) == expected
    assert found(source, noqa=False) == expected  # under flake8, which applies only its own noqa


def test_a_handler_comment_explains_the_cancellation_only_when_it_says_why() -> None:
    def explained(handler: str) -> bool:
        """The handler's lines only: not the ``try`` body above nor the comment after it."""
        lines = ["try:", "    await x  # cancelled"] + dedent(handler).strip("\n").splitlines() + ["y = 1  # closed"]
        return handler_explained(lines, 3, len(lines) - 1)

    def body(*lines: str) -> str:
        return "\n".join(["except asyncio.CancelledError:"] + ["    " + line for line in lines])

    assert explained(body("# The user cancelled the request", "return web.Response(status=499)"))
    assert explained(body("pass  # Already closed"))
    assert explained("except (OSError, CancelledError):  # shutting down\n    pass")
    assert explained(body("# After https://github.com/agronholm/anyio/issues/374 is resolved", "raise Other"))
    assert explained(body("pass  # type: ignore  # expected on shutdown"))
    assert not explained(body("pass"))
    assert not explained(body("pass  # ignore"))
    assert not explained(body("# TODO: re-raise the cancellation", "pass"))
    assert not explained(body("# cancelled on shutdown", "pass  # FIXME"))
    assert not explained(body("pass  # the task cannot be cancelled"))
    assert not explained(body("pass  # pylint: disable=stop-iteration-return"))
    assert not explained("except CancelledError:  # noqa: E501 - closed on shutdown\n    pass")
    assert not explained("except CancelledError:  # pragma: no cover\n    pass  # no cov")
    assert not explained(body("# The logging call yields to another thread, so we must remove the instance"))
    assert not explained(body('log.info("# cancelled on shutdown")'))  # a string, not a comment
    assert not explained(body('note = """', "# already closed", '"""'))
    assert not handler_explained(["except CancelledError:", "    pass  # closed"], 2, 5)  # out of range


def test_generated_files_are_skipped_unless_asked(tmp_path: Path) -> None:
    body = "import time\n\n\nasync def go():\n    time.sleep(1)\n"
    (tmp_path / "gen_pb2.py").write_text("# -*- coding: utf-8 -*-\n# Generated by the protocol buffer compiler.  "
                                         "DO NOT EDIT!\n" + body)
    (tmp_path / "hand.py").write_text("# values generated by the server are cached\n" + body)
    done = run_cli(["--isolated", "--no-cache", "."], cwd=tmp_path)
    assert done.returncode == 1 and done.stdout.splitlines() == [
        line for line in done.stdout.splitlines() if line.startswith("hand.py")] != []
    done = run_cli(["--isolated", "--no-cache", "--include-generated", "."], cwd=tmp_path)
    assert {line.split(":")[0] for line in done.stdout.splitlines()} == {"gen_pb2.py", "hand.py"}


def test_test_code_is_spared_blocking_and_dropped_task_findings_by_default(tmp_path: Path) -> None:
    code = ("import asyncio, time\n\n\nasync def job():\n    return 1\n\n\n"
            "async def test_it():\n    time.sleep(1)\n    asyncio.create_task(job())\n    job()\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_it.py").write_text(code)
    (tmp_path / "app.py").write_text(code)
    (tmp_path / "pyproject.toml").write_text('[tool.asynclint]\nextend-select = ["AL204"]\n')
    done = run_cli(["--no-cache", "."], cwd=tmp_path)
    rows = {(line.split(":")[0], line.split()[1]) for line in done.stdout.splitlines()}
    assert rows == {("app.py", "AL101"), ("app.py", "AL204"), ("app.py", "AL201"), ("tests/test_it.py", "AL201")}
    # a per-file-ignores of the user's replaces the defaults
    (tmp_path / "pyproject.toml").write_text('[tool.asynclint]\nextend-select = ["AL204"]\n'
                                             '[tool.asynclint.per-file-ignores]\n"app.py" = ["AL2"]\n')
    done = run_cli(["--no-cache", "."], cwd=tmp_path)
    rows = {(line.split(":")[0], line.split()[1]) for line in done.stdout.splitlines()}
    assert rows == {("app.py", "AL101"), ("tests/test_it.py", "AL101"), ("tests/test_it.py", "AL204"),
                    ("tests/test_it.py", "AL201")}


def test_test_code_is_spared_sequential_await_findings_by_default(tmp_path: Path) -> None:
    """A suite's helper awaits one step after another on purpose: AL3 is a default per-file-ignore of tests/."""
    code = ("import aiohttp\n\n\nasync def fetch(session: aiohttp.ClientSession, url):\n"
            "    async with session.get(url) as response:\n        return await response.read()\n\n\n"
            "async def load_pages(session: aiohttp.ClientSession):\n"
            "    home = await fetch(session, 'https://example.org/')\n"
            "    about = await fetch(session, 'https://example.org/about')\n    return home, about\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "helpers.py").write_text(code)
    (tmp_path / "app.py").write_text(code)
    done = run_cli(["--no-cache", "--extend-select", "AL301", "."], cwd=tmp_path)
    rows = {(line.split(":")[0], line.split()[1]) for line in done.stdout.splitlines() if ": AL" in line}
    assert rows == {("app.py", "AL301")}


def test_command_line_modules_are_spared_file_io_by_default(tmp_path) -> None:
    """`cli/`, `cli.py` and `__main__.py` get per-file-ignores of AL104, AL107 and AL109 (a sleep still reports)."""
    source = "import shutil, time\n\n\nasync def main(p):\n    shutil.rmtree(p)\n    time.sleep(1)\n"
    (tmp_path / "pkg" / "cli").mkdir(parents=True)
    (tmp_path / "pkg" / "cli" / "commands.py").write_text(source)
    (tmp_path / "pkg" / "service.py").write_text(source)
    done = run_cli(["--no-cache", "."], cwd=tmp_path)
    assert "service.py:5:5: AL104" in done.stdout and "service.py:6:5: AL101" in done.stdout
    assert "commands.py:6:5: AL101" in done.stdout and "commands.py:5" not in done.stdout


def _finding_rows(root: Path, files: Dict[str, str]) -> Set[Tuple[str, str]]:
    """Write ``files`` (relative path -> source) under ``root``, lint it with the defaults: (path, code) rows."""
    for name, source in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    done = run_cli(["--no-cache", "."], cwd=root)
    return {(line.split(":")[0], line.split()[1]) for line in done.stdout.splitlines() if ": AL" in line}


def test_benchmark_folders_are_spared_blocking_and_sequential_findings_by_default(tmp_path) -> None:
    """`benchmark/` and `benchmarks/` get AL1 and AL3; a swallowed cancellation there still reports, and a
    module merely named like a benchmark outside such a folder is checked as usual."""
    source = ("import asyncio, requests\n\n\nasync def fetch(url):\n    requests.get(url)\n    try:\n"
              "        await asyncio.sleep(1)\n    except asyncio.CancelledError:\n        pass\n")
    names = ("pkg/benchmarks/serving.py", "benchmark/client.py", "pkg/bench_serving.py",
             "pkg/ray_microbenchmark_helpers.py", "pkg/benchmark_client.py", "pkg/benchmarked.py")
    rows = _finding_rows(tmp_path, {name: source for name in names})  # ray_microbenchmark_helpers: named for it
    assert rows == {("pkg/benchmarks/serving.py", "AL401"), ("benchmark/client.py", "AL401"),
                    ("pkg/bench_serving.py", "AL102"), ("pkg/bench_serving.py", "AL401"),
                    ("pkg/ray_microbenchmark_helpers.py", "AL401"), ("pkg/benchmark_client.py", "AL401"),
                    ("pkg/benchmarked.py", "AL102"), ("pkg/benchmarked.py", "AL401")}


def test_vendored_code_is_not_reported_by_default(tmp_path) -> None:
    """`vendor/`, `vendored/`, `_vendor/` and `_vendored/` get every family as a default per-file-ignore (another
    project's copy, updated rather than edited); the index still reads it, so an unawaited call of a vendored
    coroutine in the project's own code reports. A module merely named like it, and a `vendors/` package, do not
    count; a user's `per-file-ignores` replaces the defaults."""
    lib = "import asyncio, time\n\n\nasync def fetch():\n    time.sleep(1)\n    try:\n" \
          "        await asyncio.sleep(1)\n    finally:\n        return 1\n"
    files = {f"{folder}/core.py": lib for folder in ("pkg/vendored/menus", "pkg/_vendor/lib", "vendor/lib",
                                                     "pkg/_vendored/lib", "pkg/vendors")}
    files.update({f"{package}/__init__.py": "" for package in ("pkg", "pkg/vendored", "pkg/vendored/menus")})
    files["pkg/vendor.py"] = lib
    files["pkg/app.py"] = "from pkg.vendored.menus.core import fetch\n\n\nasync def main():\n    fetch()\n"
    assert _finding_rows(tmp_path, files) == {("pkg/app.py", "AL201"), ("pkg/vendors/core.py", "AL101"), ("pkg/vendors/core.py", "AL403"),
                    ("pkg/vendor.py", "AL101"), ("pkg/vendor.py", "AL403")}
    (tmp_path / "pyproject.toml").write_text('[tool.asynclint.per-file-ignores]\n"pkg/app.py" = ["AL2"]\n')
    done = run_cli(["--no-cache", "."], cwd=tmp_path)
    assert "pkg/vendored/menus/core.py:5:5: AL101" in done.stdout and "pkg/app.py" not in done.stdout


def test_a_packages_pytest_plugin_is_test_tooling(tmp_path) -> None:
    """A `pytest/` folder of a package (red-discordbot's `redbot/pytest/` fixtures, its pytest11 entry point) and a
    `pytest_plugin.py` module are test tooling: AL1xx is a default per-file-ignore there, and swallowed
    cancellations are not checked. A module that only mentions pytest in its name is checked as usual."""
    source = ("import asyncio, subprocess\n\n\nasync def repo(path):\n    subprocess.run(['git', 'init', path])\n"
              "    try:\n        await asyncio.sleep(1)\n    except asyncio.CancelledError:\n        pass\n")
    names = ("redbot/pytest/downloader.py", "lib/pytest_plugin.py", "lib/pytest_helpers.py")
    assert _finding_rows(tmp_path, {name: source for name in names}) == {("lib/pytest_helpers.py", "AL103"), ("lib/pytest_helpers.py", "AL401")}


def test_test_tooling_named_for_it_is_test_code() -> None:
    """``*_test_utils.py`` and ``*_test_helpers.py`` are test tooling like ``test_*.py``; a name that only
    contains the letters (``latest_utils.py``) or says testing (``testing_utils.py``) is not."""
    from asynclint.knowledge.intent import is_test_module_name

    for name in ("test_app.py", "app_test.py", "conftest.py", "state_api_test_utils.py", "_test_utils.py",
                 "db_test_helpers.py", "testutils.py"):
        assert is_test_module_name(name), name
    for name in ("latest_utils.py", "testing_utils.py", "contest.py", "attest_helpers.py", "utils.py"):
        assert not is_test_module_name(name), name


def test_an_await_comment_explains_a_cancellation_it_raises() -> None:
    """A comment at the awaited call (its line or the comment lines right above) saying it raises the
    cancellation explains the handler that maps it; a comment elsewhere or one describing harm does not."""
    from asynclint.knowledge.intent import await_explained

    lines = ["try:", "    # Raises CancelledError when the connection is closed.", "    x = await ws.recv()",
             "    y = await ws.recv()  # next frame", "    # this loses the cancellation", "    z = await ws.recv()"]
    assert await_explained(lines, 3)
    assert not await_explained(lines, 4)
    assert not await_explained(lines, 6)
    assert not await_explained(lines, 0) and not await_explained(lines, 99)
    assert not await_explained(["x = await f()  # if we get cancelled here the lock leaks"], 1)
    assert await_explained(["x = await f()  # Cancelled by the server on disconnect"], 1)


def test_docstring_says_blocking() -> None:
    from asynclint.knowledge.intent import docstring_says_blocking

    for said in ("Note: Currently this is a blocking operation", "This call blocks until the file is written.",
                 "Reading the index may block for a few milliseconds.", "It blocks the event loop while it runs."):
        assert docstring_says_blocking(said), said
    for said in (None, "Remove every cached response.", "Avoids blocking I/O by using aiofiles.",
                 "This blocks the event loop. TODO: move it to a thread.", "Does not block: the work runs in a thread.",
                 "Non-blocking: returns at once."):
        assert not docstring_says_blocking(said), said


def test_a_generated_header_is_read_in_comments_and_the_module_docstring() -> None:
    openapi = b'# coding: utf-8\n"""\n    Kubernetes\n\n    Generated by: https://openapi-generator.tech\n"""\n'
    assert is_generated(openapi)
    assert is_generated(b'"""\n    NOTE: This class is auto generated by OpenAPI Generator.\n"""\n')
    assert is_generated(b"# Code generated by protoc-gen-go. DO NOT EDIT.\n")
    # look-alikes: the word in a function's docstring, in a sentence of the module docstring, in a later string
    assert not is_generated(b'"""Client."""\n\n\ndef f():\n    """Generated by the server."""\n')
    assert not is_generated(b'"""A module.\n\nValues generated by the server are cached.\n"""\n')
    assert not is_generated(b'"""A module."""\nx = """\nGenerated by: me\n"""\n')
    assert not is_generated(b'"""A module."""\n' + b"x = 1\n" * 12 + b"# Generated by: a tool\n")
