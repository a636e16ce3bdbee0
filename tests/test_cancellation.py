"""AL401-AL405 beyond the fixtures: selection, messages, triage, reporting once."""

from __future__ import annotations

import textwrap
from typing import List, Tuple

from asynclint.base.settings import Settings
from asynclint.catalogue import RULES
from asynclint.catalogue.selection import select_rules
from asynclint.engine import lint_source
from asynclint.rules.cancellation import CancellationChecker


def lint(source: str, select: str = "AL4") -> List[Tuple[int, str, str]]:
    settings = Settings(enabled=select_rules(select.split(",")))
    result = lint_source(textwrap.dedent(source).encode(), "example.py", settings, force=True)
    return [(f.line, f.code, f.message) for f in result.findings]


SWALLOW = """
import asyncio

async def stop(task):
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
"""


def test_al405_is_opt_in() -> None:
    assert not RULES["AL405"].default_enabled
    assert lint(SWALLOW) == []  # the idiom is not AL401's either
    assert [code for _, code, _ in lint(SWALLOW, "AL4,AL405")] == ["AL405"]


def test_messages_say_how_the_handler_swallows() -> None:
    source = """
    import asyncio

    async def fetch_twice(queue):  # (not a `run()`: an entry point's stop is AL408's)
        try:
            await queue.get()
        except asyncio.CancelledError:
            return None
        try:
            await queue.get()
        except asyncio.CancelledError as exc:
            raise RuntimeError("stopped") from exc
    """
    (first, second) = lint(source)
    assert first[:2] == (7, "AL401") and "`return` (line 8)" in first[2]
    assert second[:2] == (11, "AL401") and "raises `RuntimeError('stopped')`" in second[2]


def test_a_flag_that_leaves_the_loop_is_not_a_loop_running_on() -> None:
    source = """
    import asyncio

    async def reconnect(event, connect):  # an async generator: a plain coroutine's loop stop is AL408's
        while True:
            woke = False
            try:
                await asyncio.wait_for(event.wait(), 5)
                woke = True
            except asyncio.CancelledError:
                woke = True
            if woke:
                break
            yield await connect()

    async def keep_polling(event):
        while True:
            stopped = False
            try:
                await event.wait()
            except asyncio.CancelledError:
                stopped = True
            print(stopped)
    """
    (leaves, runs_on) = lint(source)
    assert leaves[:2] == (10, "AL401") and "the coroutine returns normally" in leaves[2]
    assert runs_on[:2] == (21, "AL401") and "the loop keeps running" in runs_on[2]


def test_nested_finally_jump_is_reported_once() -> None:
    source = """
    async def close(conn):
        try:
            await conn.drain()
        finally:
            try:
                conn.close()
            finally:
                return
    """
    assert [(line, code) for line, code, _ in lint(source)] == [(9, "AL403")]


def test_never_in_sync_functions() -> None:
    source = """
    import asyncio
    from contextlib import suppress

    def run(loop, queue):
        try:
            loop.run_until_complete(queue.get())
        except asyncio.CancelledError:
            pass
        except BaseException:
            pass
        finally:
            return
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(queue.get())

    async def outer(queue):
        def inner():
            try:
                queue.get_nowait()
            except BaseException:
                pass
            finally:
                return
        inner()
    """
    assert lint(source, "AL4,AL405") == []


def test_could_fire_is_sound_and_cheap() -> None:
    enabled = select_rules(["AL4"])
    assert not CancellationChecker.could_fire(b"def f():\n    try:\n        pass\n    except:\n        pass\n", enabled)
    assert not CancellationChecker.could_fire(b"async def f():\n    return 1\n", enabled)
    assert CancellationChecker.could_fire(SWALLOW.encode(), enabled)


def test_report_positions() -> None:
    source = """
    import asyncio

    async def run(queue):
        try:
            await queue.get()
        except:
            pass
    """
    settings = Settings(enabled=select_rules(["AL402"]))
    (finding,) = lint_source(textwrap.dedent(source).encode(), "x.py", settings, force=True).findings
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (7, 5, 7, 11)


def test_every_rule_explains_itself() -> None:
    for code in ("AL401", "AL402", "AL403", "AL404", "AL405"):
        text = RULES[code].explain()
        assert text.startswith(f"# {code} ")
        assert "## Use instead" in text


def test_test_folders_count_from_the_project_root(tmp_path) -> None:
    """A module under the project's ``testing`` folder is test tooling; a checkout that itself sits in a
    folder called ``tests`` is not all test code."""
    from asynclint.orchestration.runner import lint_paths

    root = tmp_path / "tests" / "checkout"
    for folder in ("pkg", "pkg/testing"):
        (root / folder).mkdir(parents=True)
        (root / folder / "worker.py").write_text(
            "import asyncio\n\nasync def read(stream):\n    try:\n        return await stream.read()\n"
            "    except asyncio.CancelledError:\n        return None\n")
    settings = Settings(enabled=select_rules(["AL4"]), project_root=str(root), use_cache=False)
    files = [str(root / "pkg" / "worker.py"), str(root / "pkg" / "testing" / "worker.py")]
    results = lint_paths(files, settings, forced=files)
    found = {r.path.replace(str(root), "").lstrip("/"): [f.code for f in r.findings] for r in results}
    assert found == {"pkg/worker.py": ["AL401"], "pkg/testing/worker.py": []}
