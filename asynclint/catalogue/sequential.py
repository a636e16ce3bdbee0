"""AL3xx: independent awaits run one after another.

Each rule's documentation: code, name, rationale, examples, fix safety.
The checkers that emit these codes live in ``asynclint.rules.sequential``; this module is plain
data, so the catalogue can be read without importing them.
"""

from __future__ import annotations

from typing import Tuple

from .rule import Rule

_HEURISTIC = """
**Project coroutines are judged by their bodies.** Each `async def` of the project
gets an effect summary in the project index, from its body and, transitively, the
project coroutines it awaits (up to 3 calls deep); it is cached and invalidated
with the index, file by file. The kinds:

- *read*: awaits only HTTP reads on a client that serves concurrent requests
  (`get`/`head` on a receiver typed `aiohttp.ClientSession`/`httpx.AsyncClient`, or
  named client/http/session with a URL argument) and the response's
  `json()`/`text()`/`read()`, plus pure work, logging and printing;
- *keyed write*: writes to a store (a receiver named store/cache/kv/repo/s3/bucket)
  through `set`/`put`/`delete`/`save`/`hset`/`upload`..., keyed by one of its
  parameters (`await self._kv.put(self._prefix + key, value)`);
- *pure*: awaits nothing of its own: nothing to gain, never reported;
- *ordered*: anything whose order can matter: a sleep, a lock or semaphore, a
  transaction, a queue, a stream or websocket send/receive, a one-at-a-time
  connection or cursor, a write to `self.x`, a global or an argument, a sync call on
  `self` or an argument whose result is dropped;
- *unknown*: any other await (a library call, a coroutine the index cannot see,
  a write whose key is not a parameter), or a side effect it cannot judge.

A call to a project coroutine counts as a step that may run with others only when
its summary is *read*, or *keyed write* with a key argument that differs between
the calls (AL301) or follows the loop variable (AL302); its name no longer matters
(`extend-ordered-calls` still wins). The message says why: "`load_profile()` only
reads through `client.get()`". Calls the index cannot resolve are judged by name, as
below, with one more condition: **two methods of one receiver are not independent**
(`api.get_status()` then `api.get_config()`, or `api.get_status(i)` for each item),
since one object is usually one device, account or connection served in turn,
unless the receiver is known to serve concurrent requests (an `aiohttp` or `httpx`
client, by type or by what made it). The same call twice is never reported (a
retry or a poll). A loop that awaits each item's own method (`for node in
self.nodes: await node.push_update(...)`) is a dispatch, not a fan-out, and is
not reported: on the corpus every such loop was hooks, traces, listeners or
shutdowns whose order is part of the contract.

A step is one statement of a block: `await f(...)`, `x = await f(...)` or
`x: T = await f(...)`, where the awaited call contains no other `await`, no
lambda and no `:=`. A run is two or more consecutive steps in one block; any
other statement (an `assert`, an `if`, a `try`...) ends it, so a run never
straddles a compound statement. Order matters in most async code, so a run is
reported only when every sign that it matters is absent:

- independence: no step's call, callee or target reads a name an earlier step
  binds, and a step that assigns to `x.attr` or `x[i]` makes every later use of
  `x` dependent (`self.user = await ...` then `await self.load_posts()`);
- reads, not actions: every call is a query by its name (get, fetch, load, read,
  list, find, query, search, lookup, count, resolve, describe..., after an
  `async_` prefix) whose result is used: a discarded `await api.get_data()`
  fills the object's state, and two commands (`await self.set_state(x)` then
  `await self.notify()`, `await create_tables()` then `await seed()`) act on
  shared state in order. `wait_for_x(arg)` counts as a read even when bare;
- a service, not a helper: `get`-like calls count only as methods of an object
  other than `self` or a module (`client.get_user()`, `self._api.get_user()`);
  `self._get_x()` and module helpers are often cheap cached look-ups. Names that
  say "network" (fetch, download, retrieve, query, request, search) count on
  any receiver (`await self.fetch_user()`, `await fetch(session, url)`);
- no ordering or pacing call: sleep, lock/semaphore/condition acquire, release and
  wait, queue put/get/join, stream read/write/drain, send/recv, open/close,
  connect/login, get_token/auth/refresh, commit/rollback/begin, start/stop, flush,
  setup/teardown, UI test drivers (press/click), names that say they wait for
  something else (`async_block_till_done`, a `wait_*()` with no argument,
  `*_sync`, `retry_*`), anext, executors and threads: these end a run (table:
  `asynclint/knowledge/ordered.py`, option `extend-ordered-calls`). A run right
  after or before such a call on the same receiver (`await api.login()`, then
  reads, then `await api.logout()`) is part of that receiver's protocol;
- no shared one-operation-at-a-time object: no receiver or argument used by two
  steps is a connection, cursor, transaction, stream, websocket, socket, channel,
  lock, queue or database session, by inferred type (constructor, awaited or
  entered factory such as `asyncpg.connect`, annotation) or by name (`conn`,
  `cursor`, `tx`, `ws`, `reader`, `writer`, `stream`, `sock`, `channel`, `lock`,
  `db`, `page`, `pilot`...; a `session` unless it is an HTTP client session);
- the author has not said otherwise: no comment at or just above the run
  mentions order, "first/then/before/after", gather, serial, parallel, races,
  "at a time" or rate limits, and the function's docstring does not say
  "serially", "sequentially", "one by one" or "at a time";
- not in a test (`test*` functions, `Test*` classes, setUp/tearDown, fixtures):
  tests take steps in order on purpose; nor, by a default per-file-ignore of `AL3`
  (replaced by your own `per-file-ignores`), anywhere under `tests/`, `test/`,
  `_tests/`, `testing/` or in `test_*.py`/`conftest.py`: a suite's helpers too;
- not inside `async with` / `with` of a lock, semaphore, limiter or transaction
  (or any bare `async with obj:`).
"""

_WHY_OPT_IN = (
    "\n\nWhy opt-in: whether two awaits may run together depends on what the calls do to the world, "
    "which the source rarely says. Read by a strict standard (would a maintainer change it?) on the "
    "corpus and on sets of projects outside it, no sequential-await finding was one to act on (0 of 37: "
    "a dropdown awaited before its options are read, two small queries, a repair tool that reads in "
    "turn, code nothing calls). Select it (`--extend-select AL301,AL302`) where independent round trips "
    "are the cost to cut."
)

SEQUENTIAL = Rule(
    code="AL301",
    name="sequential-awaits",
    summary="Independent awaits run one after another",
    what_it_does="Reports two or more consecutive statements in a coroutine that each await one call, "
    "when no call needs an earlier result and nothing suggests that their order matters. It reports "
    "once per run, on the first `await`, naming the calls.\n" + _HEURISTIC + _WHY_OPT_IN,
    why_bad="Sequential awaits take the sum of the latencies; run concurrently they take the longest one. "
    "Independent fetches are the most common place async code leaves that time on the table.",
    example="async def load_profile(client, uid):\n"
    "    resp = await client.get(f\"/users/{uid}\")\n"
    "    return resp.json()\n\n"
    "async def dashboard(client, a, b):\n"
    "    left = await load_profile(client, a)\n"
    "    right = await load_profile(client, b)\n"
    "    return left, right",
    use_instead="import asyncio\n\n"
    "async def dashboard(client, a, b):\n"
    "    left, right = await asyncio.gather(load_profile(client, a), load_profile(client, b))\n"
    "    return left, right",
    fix_safety="Unsafe: with `asyncio.gather` both calls start before either finishes, an exception "
    "from one no longer prevents the other from running (and does not cancel it), and side effects "
    "may interleave. The fix rewrites the run as `a, b = await asyncio.gather(f(), g())`: bare awaits "
    "go to `_` when `_` is not otherwise used in the function (else no fix), annotated targets keep "
    "their annotations on lines of their own, and `import asyncio` is added when missing. It is "
    "offered only when nothing but whitespace separates the statements (no comment would be lost). "
    "In trio and anyio files there is no fix: start the calls in a nursery or task group.",
    fixable=True,
    default_enabled=False,
    options="`extend-ordered-calls`: more names of ordering or pacing calls (qualified names such as "
    "`mylib.throttle`, or bare names that match any function or method of that name).",
)

LOOP = Rule(
    code="AL302",
    name="await-in-loop",
    summary="A loop awaits one independent call per item",
    what_it_does="Reports a `for` loop (not `async for`, no `else`) whose body only awaits one call "
    "per item: `await f(x)`, `results.append(await f(x))` (or `.extend` / `.add`), or "
    "`r = await f(x)` then `results.append(r)`; and list, set and dict comprehensions whose "
    "element awaits one call (`[await f(x) for x in xs]`), with no other await. Like AL301 it "
    "reports only fan-outs that look safe:\n\n"
    "- the call uses the loop variable and otherwise only names the loop does not rebind (not the "
    "accumulator); a loop that repeats the same call (`for _ in range(3)`) polls or retries;\n"
    "- the body has no `break`, `continue`, `return` or `try`, and no pacing call (a sleep in the "
    "body makes it a different shape);\n"
    "- a fan-out, not a dispatch: the callee and its receiver are loop-invariant (`client.get(x)` "
    "for each x), not the item itself (`await hook()` or `await handler.get_x()` for each "
    "handler, whose order is usually part of the contract);\n"
    "- a project coroutine whose effect summary (see AL301) is *read*, or *keyed write* with "
    "the key following the loop variable (`await self._chunk(table, n)` whose body only does "
    "`await self._http.get(...)`); or, for a call the index cannot resolve, a read by its name "
    "whose result is kept (see AL301) on a receiver known to serve concurrent requests (an "
    "`aiohttp`/`httpx` client), or a plain function (`await fetch(session, url)`): one object's "
    "method per item (`await api.get_status(i)`) is one device or account served in turn;\n"
    "- not an ordering or pacing call, no one-operation-at-a-time receiver or argument "
    "(connection, cursor, session, stream, websocket, socket, channel, lock, queue; see "
    "AL301); no comment at or above the loop (or docstring) saying the order is on purpose; "
    "not in a test; not inside `async with` of a lock or transaction." + _WHY_OPT_IN,
    why_bad="Each iteration waits for the previous one: n items take n round trips. Started together, "
    "they take about one.",
    example="class Exporter:\n"
    "    async def _chunk(self, table, n):\n"
    "        resp = await self._http.get(f\"/{table}\", params={\"chunk\": n})\n"
    "        return resp.json()[\"rows\"]\n\n"
    "    async def export(self, table, chunks):\n"
    "        rows = []\n"
    "        for n in range(chunks):\n"
    "            rows.append(await self._chunk(table, n))\n"
    "        return rows",
    use_instead="import asyncio\n\n"
    "class Exporter:\n"
    "    async def export(self, table, chunks):\n"
    "        rows = await asyncio.gather(*(self._chunk(table, n) for n in range(chunks)))\n"
    "        return rows",
    fix_safety="Unsafe: all calls start at once (bound the concurrency with a semaphore when the list "
    "is long or the server rate-limits), exceptions no longer stop the remaining items, and side "
    "effects may interleave. The fix writes `results = await asyncio.gather(*(f(x) for x in xs))` "
    "when `results = []` stands right before the loop, else `results.extend(await asyncio.gather(...))` "
    "(`set()` and `.update` for `.add`); a bare `await f(x)` loop becomes `await asyncio.gather(...)`, "
    "and a list comprehension becomes the `gather` call. No fix for `.extend` bodies, set and dict "
    "comprehensions, loops with comments, or in trio and anyio files (use a nursery or task group).",
    fixable=True,
    default_enabled=False,
    options="`extend-ordered-calls` (see AL301).",
)

RULES: Tuple[Rule, ...] = (SEQUENTIAL, LOOP)
