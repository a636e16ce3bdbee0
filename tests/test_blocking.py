"""AL101-AL106 and AL108: messages, library advice, options and the table's invariants.

The fixtures prove what is and is not reported; these tests pin what the fixture
harness cannot see: message text per async library, the opt-in stat calls,
``extend-blocking-calls``, the AL101 fix, and the documentation of every code.
"""

from __future__ import annotations

import textwrap
from typing import List, Tuple

import pytest

from asynclint.base.settings import Settings
from asynclint.catalogue import RULES
from asynclint.catalogue.selection import select_rules
from asynclint.engine import lint_source
from asynclint.knowledge.blocking import FUNCTIONS, METHODS, table_codes
from asynclint.knowledge.types import canonical_type
from asynclint.rules.blocking import RULES as BLOCKING_RULES

CODES = ["AL101", "AL102", "AL103", "AL104", "AL105", "AL106", "AL108", "AL109"]


def lint(source: str, **settings: object) -> List[Tuple[int, str, str]]:
    values: dict = {"enabled": select_rules(CODES)}
    values.update(settings)
    result = lint_source(textwrap.dedent(source).encode(), "module.py", Settings(**values), module_name="module")
    return [(f.line, f.code, f.message) for f in result.findings]


def codes(source: str, **settings: object) -> List[Tuple[int, str]]:
    return [(line, code) for line, code, _ in lint(source, **settings)]


# -- advice per library ---------------------------------------------------------------------
@pytest.mark.parametrize("library, expected", [
    ("asyncio", "asyncio.create_subprocess_exec"),
    ("trio", "trio.run_process"),
    ("anyio", "anyio.run_process"),
])
def test_process_advice_follows_the_files_library(library: str, expected: str) -> None:
    (finding,) = lint(f"""
        import subprocess
        import {library}

        async def main():
            subprocess.run(["ls"])
    """)
    assert finding[1] == "AL103"
    assert expected in finding[2]
    assert finding[2].startswith("`subprocess.run()` blocks the event loop;")


@pytest.mark.parametrize("library, expected", [
    ("asyncio", "aiofiles"), ("trio", "trio.open_file"), ("anyio", "anyio.open_file"),
])
def test_file_advice_follows_the_files_library(library: str, expected: str) -> None:
    (finding,) = lint(f"""
        import {library}

        async def main(path):
            open(path)
    """)
    assert finding[1] == "AL109" and expected in finding[2]
    assert finding[2].startswith("`open()` blocks")  # builtins are shown by their plain name


def test_client_library_message_names_the_async_alternative() -> None:
    messages = [m for _, _, m in lint("""
        import psycopg2, redis, trio

        async def main(dsn):
            psycopg2.connect(dsn)
            redis.Redis().get("k")
    """)]
    assert "asyncpg" in messages[0] and "trio.to_thread.run_sync" in messages[0]
    assert "`redis.Redis.get()`" in messages[1] and "redis.asyncio.Redis" in messages[1]


def test_a_named_psycopg2_cursor_is_shown_as_the_librarys_own_class() -> None:
    """psycopg2 has one cursor class, named or not: the message does not show the table's own key."""
    (connect, fetch) = lint("""
        import psycopg2

        async def rows(dsn):
            cur = psycopg2.connect(dsn).cursor("big")
            return cur.fetchall()
    """)
    assert fetch[1] == "AL108" and fetch[2].startswith("`psycopg2.extensions.cursor.fetchall()` reads rows from "
                                                         "the server")


def test_nested_loop_message_explains_the_runtime_error() -> None:
    (finding,) = lint("""
        import asyncio

        async def main(coro):
            asyncio.run(coro)
    """)
    assert finding[1] == "AL106" and "RuntimeError" in finding[2] and "`await`" in finding[2]


# -- AL101 fix ---------------------------------------------------------------------------------
def test_sleep_fix_uses_trio_in_a_trio_file() -> None:
    source = "import time\nimport trio\n\n\nasync def main():\n    time.sleep(1)\n"
    settings = Settings(enabled=select_rules(["AL101"]))
    (finding,) = lint_source(source.encode(), "m.py", settings, module_name="m").findings
    assert finding.fix is not None
    assert [e.content for e in finding.fix.edits] == ["await ", "trio.sleep"]


# -- options -------------------------------------------------------------------------------------
STAT_CALLS = """
    import os
    import shutil
    from pathlib import Path

    async def check(path):
        p = Path(path)
        os.path.exists(path)
        p.is_file()
        os.stat(path)
        shutil.which("git")
        p.resolve()
"""


def test_stat_calls_are_off_by_default() -> None:
    assert codes(STAT_CALLS) == []


def test_stat_calls_are_reported_when_opted_in() -> None:
    expected = [(line, "AL109") for line in (8, 9, 10, 11, 12)]
    assert codes(STAT_CALLS, blocking_stat_calls=True) == expected


def test_extend_blocking_calls_adds_functions_and_methods() -> None:
    extra = {"mylib.slow_lookup": ("AL108", "use `mylib.fast_lookup`"),
             "mylib.Client.fetch": ("AL102", "use `mylib.AsyncClient`")}
    findings = lint("""
        import mylib
        from mylib import slow_lookup as lookup

        async def main():
            lookup("x")
            client = mylib.Client()
            client.fetch()
            client.other()
    """, extend_blocking_calls=extra)
    assert [(line, code) for line, code, _ in findings] == [(6, "AL108"), (8, "AL102")]
    assert findings[0][2] == "`mylib.slow_lookup()` blocks the event loop; use `mylib.fast_lookup`"
    assert "mylib.AsyncClient" in findings[1][2]


def test_only_enabled_codes_are_reported() -> None:
    source = """
        import os, requests

        async def main(url):
            requests.get(url)
            os.listdir(".")
    """
    assert codes(source, enabled=select_rules(["AL109"])) == [(6, "AL109")]


# -- precision rules that span several codes ----------------------------------------------------------
def test_awaited_or_async_entered_calls_are_async_apis() -> None:
    # Even when the receiver's type was inferred as a sync class, an awaited call is async.
    assert codes("""
        import requests

        async def main(url):
            session = requests.Session()
            await session.get(url)
            async with session.get(url) as response:
                pass
            async for item in session.get(url):
                pass
    """) == []


def test_one_finding_for_a_chained_blocking_call() -> None:
    assert codes("""
        import sqlite3

        async def main(path, paths):
            data = open(path).read()
            rows = sqlite3.connect(path).execute("select 1")
            return [open(p).readlines() for p in paths]
    """) == [(5, "AL109"), (6, "AL109"), (7, "AL109")]


def test_nested_def_lambda_and_class_bodies_are_not_in_the_coroutine() -> None:
    assert codes("""
        import time, requests

        async def main(url):
            def worker():
                requests.get(url)
            callback = lambda: time.sleep(1)
            class Local:
                data = open("x")
            return worker, callback, Local
    """) == []


def test_method_of_project_class_named_like_a_blocking_call() -> None:
    assert codes("""
        class Store:
            def open(self):
                return self

            def read(self):
                return ""

            async def load(self):
                return self.open().read()
    """) == []


# -- tables and docs -----------------------------------------------------------------------------------
def test_every_table_code_is_a_documented_rule() -> None:
    documented = {rule.code for rule in BLOCKING_RULES}
    assert table_codes() <= documented
    for code in documented:
        text = RULES[code].explain()
        assert f"# {code} " in text and "## Use instead" in text


def test_stat_option_is_documented() -> None:
    assert "blocking-stat-calls" in RULES["AL109"].explain()
    assert "extend-blocking-calls" in RULES["AL108"].explain()


def test_async_alternatives_are_never_in_the_tables() -> None:
    for name in FUNCTIONS:
        assert not name.startswith(("aiofiles.", "anyio.Path", "trio.Path", "redis.asyncio.", "aiosqlite."))
    for type_name in METHODS:
        assert "Async" not in type_name and not type_name.startswith(("redis.asyncio", "motor"))


def test_canonical_type_names() -> None:
    assert canonical_type("redis.StrictRedis") == "redis.Redis"
    assert canonical_type("mypy_boto3_s3.client.S3Client") == "botocore.client.BaseClient"
    assert canonical_type("mylib.Thing") == "mylib.Thing"


def test_blocking_stat_calls_config_key(tmp_path) -> None:
    from tests.conftest import run_cli

    (tmp_path / "check.py").write_text("import os\n\n\nasync def main(p):\n    return os.path.exists(p)\n")
    assert run_cli(["--select", "AL109", "check.py"], cwd=tmp_path).returncode == 0
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nblocking-stat-calls = true\n")
    result = run_cli(["--select", "AL109", "check.py"], cwd=tmp_path)
    assert result.returncode == 1 and "os.path.exists" in result.stdout
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nblocking-stat-calls = \"yes\"\n")
    assert run_cli(["--select", "AL109", "check.py"], cwd=tmp_path).returncode == 2


def test_a_comment_that_says_it_blocks_on_purpose_is_an_explanation() -> None:
    assert codes("""
        import time

        async def main():
            # This .wait() may block for a tiny fraction of a second; deliberate.
            time.sleep(0.001)
            # TODO: this blocks the loop
            time.sleep(1)
            time.sleep(2)  # blocking on purpose: nothing else runs yet
            time.sleep(3)
    """) == [(8, "AL101"), (10, "AL101")]


def test_os_exec_replaces_the_process_and_is_not_reported() -> None:
    assert codes("""
        import os

        async def main(argv):
            os.execv("/bin/sh", argv)
            os.system("ls")
    """) == [(6, "AL103")]


def test_binary_files_are_named_by_their_class() -> None:
    (finding,) = lint("""
        handle = open("data.bin", mode="rb")

        async def main():
            handle.read()
    """)
    assert finding[2].startswith("`io.BufferedReader.read()`")
