"""AL4xx: swallowed cancellation.

Each rule's documentation: code, name, rationale, examples, fix safety.
The checkers that emit these codes live in ``asynclint.rules.cancellation``; this module is plain
data, so the catalogue can be read without importing them.
"""

from __future__ import annotations

from typing import Tuple

from .rule import Rule

SWALLOWED = Rule(
    code="AL401",
    name="swallowed-cancellation",
    summary="`except CancelledError` that can finish without re-raising",
    what_it_does="Reports an `except` clause catching the task's cancellation -- "
    "`asyncio.CancelledError` however it is spelled (`asyncio.exceptions.CancelledError`, an imported "
    "name, an alias, a name bound to a tuple of classes, inside a tuple, `except*`), `trio.Cancelled`, "
    "or anyio's `get_cancelled_exc_class()` -- in a `try` inside a coroutine whose body awaits, when "
    "some path out of the handler does not re-raise it: it reaches its end, `return`s, leaves a loop "
    "with `break`/`continue`, or raises a different exception. Re-raising means a bare `raise`, "
    "`raise <the caught name>`, raising a new `CancelledError`, or ending the process "
    "(`sys.exit()`, a helper of the module annotated `NoReturn`).\n\n"
    "Not reported, as deliberate: a handler that calls `.cancelling()` or `.uncancel()`; one that "
    "hands the exception on (stores it, `fut.set_exception(exc)`, passes it to a helper) or sets a "
    "flag the function later tests to raise `CancelledError`; one that re-raises under a test of "
    "the exception or of a cancelled/closing/stopping state; `raise AssertionError` (\"cannot "
    "happen\"). Not reported where no cancellation can arrive: a `try` body without "
    "`await`/`async for`/`async with`, awaits inside `with CancelScope(shield=True)`, awaiting a "
    "future this coroutine has just resolved. Awaiting a task this code cancels "
    "(`task.cancel()` then `try: await task`, also across methods for `self._task`) is AL405's, "
    "opt-in. Test code (`test_*.py`, `*_test.py`, `conftest.py`, `test*` functions), where tasks "
    "swallow cancellation on purpose, is not checked. `concurrent.futures.CancelledError` is not a "
    "task's cancellation since Python 3.8 and is never reported.",
    why_bad="Cancellation is a request to stop that arrives as an exception. A coroutine that "
    "catches it and returns normally cannot be cancelled: `asyncio.timeout()` and `wait_for()` no "
    "longer time out, `TaskGroup` and `asyncio.run()` shutdowns hang or report the task as "
    "finished, and `task.cancelled()` is False. Raising another exception instead turns the "
    "cancellation into a failure that callers report as an error.",
    example="import asyncio\n\nasync def worker(queue):\n    try:\n        while True:\n"
    "            await handle(await queue.get())\n    except asyncio.CancelledError:\n"
    "        log.info(\"worker stopped\")",
    use_instead="import asyncio\n\nasync def worker(queue):\n    try:\n        while True:\n"
    "            await handle(await queue.get())\n    except asyncio.CancelledError:\n"
    "        log.info(\"worker stopped\")\n        raise",
    fix_safety="No automatic fix: whether a cancellation may be absorbed is a design decision, "
    "and adding `raise` changes what callers see.",
)
CATCH_ALL = Rule(
    code="AL402",
    name="catch-all-swallows-cancellation",
    summary="Bare `except:` or `except BaseException` that can finish without raising",
    what_it_does="Reports a bare `except:` or an `except` naming `BaseException` (alone or in a "
    "tuple) in a `try` inside a coroutine whose body awaits, when some path out of the handler "
    "does not raise (any `raise` will do). Not reported when an earlier handler of the same `try` "
    "catches the cancellation (it decides what happens to it), nor for the deliberate handlers "
    "AL401 leaves alone: `.cancelling()`/`.uncancel()`, handing the exception on "
    "(`fut.set_exception(exc)`, storing it), or re-raising under a test of it (`if isinstance(exc, "
    "CancelledError): raise`); nor in test code or around the cancel-then-await idiom (AL405). "
    "`except Exception` is never reported: it does not catch `CancelledError` since Python 3.8.",
    why_bad="A bare `except:` or `except BaseException` also catches `asyncio.CancelledError` "
    "(and trio's `Cancelled`), so a handler that carries on swallows the cancellation: the task "
    "cannot be cancelled, timeouts stop working and shutdowns hang.",
    example="async def send(conn, data):\n    try:\n        await conn.write(data)\n"
    "    except:\n        log.exception(\"send failed\")",
    use_instead="async def send(conn, data):\n    try:\n        await conn.write(data)\n"
    "    except Exception:\n        log.exception(\"send failed\")",
    fix_safety="No automatic fix: narrowing to `except Exception` or adding `raise` changes which "
    "errors propagate.",
)
RETURN_IN_FINALLY = Rule(
    code="AL403",
    name="jump-out-of-finally",
    summary="`return`, `break` or `continue` leaving a `finally` block in a coroutine",
    what_it_does="Reports `return` in a `finally` block, and `break`/`continue` in a `finally` "
    "block that leave it (not those of a loop inside the block), for `try` statements inside a "
    "coroutine. Nested functions are not looked into.",
    why_bad="Leaving a `finally` block by a jump discards the exception in flight, whatever it "
    "is: a `CancelledError` delivered to the `try` body vanishes and the task carries on as if "
    "it had never been cancelled. Python 3.14 warns about it too (PEP 765).",
    example="async def fetch(client, url):\n    try:\n        return await client.get(url)\n"
    "    finally:\n        return None",
    use_instead="async def fetch(client, url):\n    try:\n        return await client.get(url)\n"
    "    except HTTPError:\n        return None",
    fix_safety="No automatic fix.",
)
SUPPRESSED = Rule(
    code="AL404",
    name="suppressed-cancellation",
    summary="`contextlib.suppress(CancelledError)` or `suppress(BaseException)` around an await",
    what_it_does="Reports `with contextlib.suppress(...)` (any import spelling) inside a coroutine "
    "when its arguments name the cancellation (`asyncio.CancelledError`, `trio.Cancelled`, "
    "anyio's `get_cancelled_exc_class()`) or `BaseException`, and its body awaits. Not reported "
    "around awaiting a task this code cancels (AL405), around awaiting a future this coroutine has "
    "just resolved (it cannot suspend), for awaits under `with CancelScope(shield=True)`, or in "
    "test code (see AL401).",
    why_bad="`suppress` ends the `with` block normally when the cancellation arrives, so the "
    "coroutine carries on as if it had not been cancelled: it cannot be stopped, and timeouts and "
    "task groups waiting for it hang.",
    example="import asyncio\nfrom contextlib import suppress\n\nasync def heartbeat(conn):\n"
    "    with suppress(asyncio.CancelledError):\n        while True:\n"
    "            await conn.ping()\n            await asyncio.sleep(30)",
    use_instead="import asyncio\n\nasync def heartbeat(conn):\n    while True:\n"
    "        await conn.ping()\n        await asyncio.sleep(30)",
    fix_safety="No automatic fix.",
)
CANCEL_THEN_AWAIT = Rule(
    code="AL405",
    name="cancel-then-await",
    summary="Awaiting a task you cancelled under `except CancelledError: pass` or `suppress`",
    what_it_does="Opt-in. Reports the idiom `task.cancel()` followed by `await task` inside "
    "`try`/`except CancelledError` (or a bare/`BaseException` handler) that does not re-raise, or "
    "inside `with suppress(CancelledError)`. Every await in the `try` (or `with`) body must involve "
    "something cancelled earlier in the same coroutine (`await task`, `await "
    "asyncio.gather(*tasks)` after `for t in tasks: t.cancel()`). Not reported when the handler "
    "checks `.cancelling()` or calls `.uncancel()`.",
    why_bad="The handler cannot tell the cancellation it asked for from one aimed at the caller "
    "while it waits: if this coroutine is cancelled during `await task`, the `CancelledError` "
    "is swallowed too, and the caller carries on uncancelled. The strict form re-raises when "
    "`asyncio.current_task().cancelling()` is non-zero (Python 3.11+).",
    example="async def stop(self):\n    self._task.cancel()\n    try:\n        await self._task\n"
    "    except asyncio.CancelledError:\n        pass",
    use_instead="async def stop(self):\n    self._task.cancel()\n    try:\n        await self._task\n"
    "    except asyncio.CancelledError:\n        if asyncio.current_task().cancelling():\n"
    "            raise",
    fix_safety="No automatic fix.",
    default_enabled=False,
)

RULES: Tuple[Rule, ...] = (SWALLOWED, CATCH_ALL, RETURN_IN_FINALLY, SUPPRESSED, CANCEL_THEN_AWAIT)
