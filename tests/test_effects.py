"""Effect summaries (AL301/AL302): what a coroutine's body says about running it alongside others."""

from __future__ import annotations

import ast
import textwrap
from typing import Dict

import pytest

from asynclint.analysis.index import summarize


def effects(source: str) -> Dict[str, tuple]:
    text = textwrap.dedent(source)
    return summarize(ast.parse(text), "app", False, text)["e"]


@pytest.mark.parametrize("body, kind, evidence", [
    ('resp = await client.get(f"/u/{uid}")\n    return resp.json()', "r", "`client.get()`"),
    ('async with session.get(url) as resp:\n        return await resp.json()', "r", "`session.get()`"),
    ('logger.debug("x")\n    resp = await http.get("/a")\n    return resp.text', "r", "`http.get()`"),
    ('await store.put("k/" + uid, 1)', "w", "`store.put()`"),
    ('return uid * 2', "p", ""),
    ('await asyncio.sleep(1)', "o", "sleeps"),
    ('async with lock:\n        return 1', "o", "takes `lock`"),
    ('await ws.send_json({})', "o", "awaits `ws.send_json()`, a step in order"),
    ('await conn.fetch("SELECT 1")', "o", "uses one-at-a-time `conn`"),
    ('resp = await client.post("/u", json={})\n    return resp', "u", "awaits `client.post()`"),
    ('resp = await client.get(uid)\n    return resp', "u", "awaits `client.get()`"),  # not a URL: a cache or DB get
    ('await store.put("fixed", uid)', "o", "awaits `store.put()`, a step in order"),  # not keyed by a parameter
    ('global seen\n    seen = uid', "o", "writes the global `seen`"),
    ('client.cache[uid] = 1', "o", "writes `client.cache[uid]`"),
    ('client.reset()', "o", "calls `client.reset()`"),
    ('await other(uid)', "u", "awaits `other()`"),
])
def test_function_kinds(body: str, kind: str, evidence: str) -> None:
    source = f"import asyncio\n\nasync def f(client, session, http, store, lock, ws, conn, other, url, uid):\n    {body}\n"
    found = effects(source)["f"]
    assert (found[0], found[1]) == (kind, evidence)


def test_methods_record_their_callees_and_state_writes() -> None:
    found = effects("""
        import httpx

        class Api:
            async def load(self, table): ...

        class Pager:
            def __init__(self, http: httpx.AsyncClient, api: "Api") -> None:
                self._http = http
                self.api = api

            async def page(self, table):
                resp = await self._http.get(table)
                self.cursor = resp.json()["next"]

            async def peek(self, table):
                return await self._http.get(table)

            async def both(self, table):
                await self.peek(table)
                return await self.api.load(table)

        async def gen():
            yield 1
    """)
    assert found["Pager.page"][:2] == ("o", "writes `self.cursor`")
    assert found["Pager.peek"][:2] == ("r", "`self._http.get()`")  # typed: no URL needed
    assert found["Pager.both"][0] == "p" and found["Pager.both"][2] == (("s", "peek"), ("m", "app.Api.load"))
    assert "gen" not in found  # an async generator is not a coroutine function
