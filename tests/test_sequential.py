"""AL301/AL302: the heuristic's edges, the recorded fixes (applied here by a tiny applier), the tables."""

from __future__ import annotations

import ast
import textwrap
from typing import List, Optional

import pytest

from asynclint.base.model import Finding, Fix
from asynclint.base.settings import Settings
from asynclint.catalogue.selection import select_rules
from asynclint.engine import lint_source
from asynclint.knowledge import ordered


def lint(source: str, select: str = "AL301,AL302", **settings: object) -> List[Finding]:
    text = textwrap.dedent(source).lstrip("\n")
    values = {"enabled": select_rules(select.split(","))}
    values.update(settings)
    result = lint_source(text.encode(), "example.py", Settings(**values))  # type: ignore[arg-type]
    return [f for f in result.findings if f.code.startswith("AL3")]


def apply(source: str, fix: Fix) -> str:
    """Apply edits (1-based line/column, end exclusive), last first, as the fix engine will."""
    lines = textwrap.dedent(source).lstrip("\n").split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    text = "\n".join(lines)
    for edit in sorted(fix.edits, key=lambda e: (e.line, e.column), reverse=True):
        start = offsets[edit.line - 1] + edit.column - 1
        end = offsets[edit.end_line - 1] + edit.end_column - 1
        text = text[:start] + edit.content + text[end:]
    ast.parse(text)
    return text


def only_fix(source: str) -> Optional[Fix]:
    findings = lint(source)
    assert len(findings) == 1, findings
    return findings[0].fix


def fixed(source: str) -> str:
    fix = only_fix(source)
    assert fix is not None
    return apply(source, fix)


def test_assigned_run_becomes_gather() -> None:
    source = """
        import asyncio

        async def page(client, feed, uid):
            user = await client.get_user(uid)
            posts = await feed.get_posts(uid)
            return user, posts
    """
    assert "    user, posts = await asyncio.gather(client.get_user(uid), feed.get_posts(uid))\n" in fixed(source)


def test_fix_adds_import_and_keeps_annotations() -> None:
    source = '''
        """Doc."""
        async def page(client, feed, uid):
            user: dict = await client.get_user(uid)
            posts: list = await feed.get_posts(uid)
            return user, posts
    '''
    out = fixed(source)
    assert out.startswith('"""Doc."""\nimport asyncio\n')
    assert "    user: dict\n    posts: list\n    user, posts = await asyncio.gather(" in out


def test_bare_await_goes_to_underscore_unless_used() -> None:
    source = """
        import asyncio as aio

        async def settle(repo, billing):
            await repo.wait_for_task("a")
            invoice = await billing.get_invoice(1)
            return invoice
    """
    assert '    _, invoice = await aio.gather(repo.wait_for_task("a"), billing.get_invoice(1))' in fixed(source)
    used = source.replace("return invoice", "return invoice, [_ for _ in ()]")
    assert only_fix(used) is None


def test_all_bare_run_has_no_targets() -> None:
    source = """
        import asyncio

        async def settle(client, builds):
            await client.wait_for_task("a")
            await builds.wait_for_task("b")
    """
    assert '    await asyncio.gather(client.wait_for_task("a"), builds.wait_for_task("b"))' in fixed(source)


def test_no_fix_when_a_comment_would_be_lost() -> None:
    source = """
        import asyncio

        async def page(client, feed, uid):
            user = await client.get_user(uid)  # the user
            posts = await feed.get_posts(uid)
            return user, posts
    """
    assert only_fix(source) is None


def test_long_calls_are_split_over_lines() -> None:
    source = """
        import asyncio

        async def page(client, feed, uid):
            user = await client.get_user_with_a_rather_long_name(uid, include_everything=True)
            posts = await feed.get_posts_with_a_rather_long_name(uid, include_everything=True)
            return user, posts
    """
    out = fixed(source)
    assert "    user, posts = await asyncio.gather(\n        client.get_user_with" in out
    assert "include_everything=True),\n    )\n" in out


def test_trio_and_anyio_have_no_fix_and_name_the_construct() -> None:
    for lib, word in (("trio", "nursery"), ("anyio", "task group")):
        findings = lint(f"""
            import {lib}

            async def page(client, feed, uid):
                user = await client.get_user(uid)
                posts = await feed.get_posts(uid)
                return user, posts
        """)
        assert len(findings) == 1 and findings[0].fix is None and word in findings[0].message


def test_message_names_the_calls_and_points_at_the_first_await() -> None:
    (finding,) = lint("""
        async def page(client, feed, uid):
            user = await client.get_user(uid)
            posts = await feed.get_posts(uid)
            return user, posts
    """)
    assert (finding.line, finding.column) == (2, 12)
    assert "`client.get_user()`, `feed.get_posts()`" in finding.message


@pytest.mark.parametrize("body", [
    # dependency through a name, an attribute of it, and a rebinding
    "user = await client.get_user(uid)\n    posts = await client.get_posts(user.id)",
    "self.user = await self.client.get_user(uid)\n    posts = await self.client.get_posts(uid)",
    "user = await client.get_user(uid)\n    user = await client.get_posts(uid)",
    # ordering and pacing
    "user = await client.get_user(uid)\n    await asyncio.sleep(1)\n    posts = await client.get_posts(uid)",
    # a one-at-a-time receiver by name, and a DB session
    "a = await conn.fetch_user(uid)\n    b = await conn.fetch_posts(uid)",
    "a = await session.get(User, uid)\n    b = await session.get(Post, uid)",
    # commands, discarded reads
    "await client.delete_user(uid)\n    await client.delete_posts(uid)",
    "await client.get_user(uid)\n    await client.get_posts(uid)",
    # helpers of self / module that only say "get"
    "a = await self._get_user(uid)\n    b = await self._get_posts(uid)",
    # two methods of one object: one device, account or connection, served in turn
    "a = await client.get_user(uid)\n    b = await client.get_posts(uid)",
    "a = await client.get_user(uid)\n    b = await client.get_user(uid)",
])
def test_not_reported(body: str) -> None:
    source = f"import asyncio\n\nasync def f(self, client, conn, session, uid):\n    {body}\n    return 1\n"
    assert lint(source) == []


def test_extend_ordered_calls_suppresses_by_name_and_qualname() -> None:
    source = """
        import mylib

        async def page(client, uid):
            user = await client.get_user(uid)
            posts = await mylib.fetch_posts(uid)
            return user, posts
    """
    assert len(lint(source)) == 1
    assert lint(source, extend_ordered_calls=("get_user",)) == []
    assert lint(source, extend_ordered_calls=("mylib.fetch_posts",)) == []


def test_loop_fix_replaces_empty_list_and_loop() -> None:
    source = """
        import asyncio
        import httpx

        async def users(client: httpx.AsyncClient, ids):
            found = []
            for uid in ids:
                found.append(await client.get_user(uid))
            return found
    """
    assert "    found = await asyncio.gather(*(client.get_user(uid) for uid in ids))\n    return found" in fixed(source)


def test_loop_fix_extends_an_existing_list() -> None:
    source = """
        import asyncio
        import httpx

        async def users(client: httpx.AsyncClient, ids, found):
            for uid in ids:
                user = await client.get_user(uid)
                found.append(user)
            return found
    """
    assert "    found.extend(await asyncio.gather(*(client.get_user(uid) for uid in ids)))\n" in fixed(source)


def test_keyed_store_loop_and_set_accumulator() -> None:
    source = """
        import asyncio

        class Cache:
            async def set(self, key, value):
                await self._kv.put(key, value)

        async def warm(cache: Cache, pairs):
            for key, value in pairs:
                await cache.set(key, value)
    """
    assert "    await asyncio.gather(*(cache.set(key, value) for key, value in pairs))" in fixed(source)
    source = """
        import asyncio
        import httpx

        async def users(client: httpx.AsyncClient, ids):
            found = set()
            for uid in ids:
                found.add(await client.get_user(uid))
            return found
    """
    assert "    found = set(await asyncio.gather(*(client.get_user(uid) for uid in ids)))\n" in fixed(source)


def test_list_comprehension_fix() -> None:
    source = """
        import asyncio
        import httpx

        async def users(client: httpx.AsyncClient, ids):
            return [await client.get_user(uid) for uid in ids if uid]
    """
    assert "    return await asyncio.gather(*(client.get_user(uid) for uid in ids if uid))" in fixed(source)


def test_loop_with_comment_has_no_fix() -> None:
    source = """
        import asyncio
        import httpx

        async def users(client: httpx.AsyncClient, ids):
            found = []
            for uid in ids:
                # one per user
                found.append(await client.get_user(uid))
            return found
    """
    assert only_fix(source) is None


def test_name_tokens_and_verbs() -> None:
    assert ordered.name_tokens("_fetchUserPosts") == ("fetch", "user", "posts")
    assert ordered.verb("async_get_devices") == "get"
    assert ordered.is_query("get_user", bare=False)
    assert not ordered.is_query("get_user", bare=True)
    assert ordered.is_query("wait_for_task", bare=True)
    assert ordered.is_ordered(None, "async_block_till_done", False, ())
    assert ordered.is_ordered(None, "wait_until_ready", False, ())
    assert not ordered.is_ordered(None, "wait_for_task", True, ())
    assert ordered.is_ordered("asyncio.sleep", "sleep", True, ())
    assert ordered.is_serial_name("self_db_cursor") and not ordered.is_serial_name("client")
    assert ordered.is_serial_type("asyncpg.Connection") and not ordered.is_serial_type("aiohttp.ClientSession")


def test_multiline_calls_are_reindented_but_multiline_strings_are_left_alone() -> None:
    source = """
        import asyncio

        async def page(client, feed, uid):
            user = await client.get_user(
                uid,
            )
            posts = await feed.get_posts(uid)
            return user, posts
    """
    assert "        client.get_user(\n            uid,\n        ),\n        feed.get_posts(uid),\n    )" in fixed(source)
    source = '''
        import asyncio

        async def page(client, feed, uid):
            user = await client.get_user("""
                text
            """)
            posts = await feed.get_posts(uid)
            return user, posts
    '''
    assert only_fix(source) is None


def test_no_loop_fix_when_the_loop_variable_is_used_afterwards() -> None:
    source = """
        import asyncio
        import httpx

        async def users(client: httpx.AsyncClient, ids):
            found = []
            for uid in ids:
                found.append(await client.get_user(uid))
            return found, uid
    """
    assert only_fix(source) is None


def test_attribute_stores_into_one_object_do_not_conflict_but_reads_do() -> None:
    source = """
        import asyncio

        class Player:
            async def update(self, titles, albums):
                self.title = await titles.get_title()
                self.album = await albums.get_album()
                mode = await self.api.get_mode()
                return mode
    """
    (finding,) = lint(source)
    assert "`titles.get_title()`, `albums.get_album()`)" in finding.message


def test_one_receiver_counts_only_when_it_is_an_http_client_itself() -> None:
    source = """
        import asyncio
        from homeassistant.helpers.aiohttp_client import async_get_clientsession

        async def setup(hass, uid):
            session = async_get_clientsession(hass)
            a = await session.get_user(uid)
            b = await session.get_posts(uid)
            api = DeviceApi(async_get_clientsession(hass))
            c = await api.get_status(uid)
            d = await api.get_config(uid)
            return a, b, c, d
    """
    (finding,) = lint(source)
    assert "`session.get_user()`, `session.get_posts()`" in finding.message
