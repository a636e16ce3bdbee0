"""AL5xx: structured concurrency and asyncio API misuse. The rules' documentation: code, name,
rationale, examples, fix safety.

The checkers that emit these codes live in ``asynclint.rules.structured`` (timeouts, task
groups, async generators) and ``asynclint.rules.asyncio_api`` (the asyncio calls); this module is
plain data, so the catalogue can be read without importing them.
"""

from __future__ import annotations

from typing import Tuple

from .rule import Rule

TIMEOUT_WITHOUT_AWAIT = Rule(
    code="AL501",
    name="timeout-without-await",
    summary="A timeout or cancel scope whose body never awaits",
    what_it_does="Reports `async with asyncio.timeout(...)` / `asyncio.timeout_at(...)` (and "
    "`async_timeout`'s), and `with` trio's or anyio's `fail_after`, `fail_at`, `move_on_after`, "
    "`move_on_at` and `CancelScope(...)`, inside a coroutine, when the body has no `await`, "
    "`async for`, `async with` or `yield` (code in nested functions, lambdas and classes does not "
    "count: it does not run there). Reported on the `with` line, whatever the import spelling.\n\n"
    "Not reported: a body that awaits anywhere, including in a comprehension or a nested block; a "
    "`yield` (in an async generator the consumer's awaits run inside the scope; AL502 covers that); "
    "a scope the body reads through its `as` name (`cm.when()`, `scope.deadline`: it is there to be "
    "inspected; a scope read only after the block is still reported); and test code (test modules, modules under a `tests` or `testing` folder "
    "and `test*` functions, which enter scopes without awaiting to test the timeout machinery itself).",
    why_bad="A timeout can only interrupt a coroutine at a suspension point. A body without one runs "
    "to its end however long it takes, so the timeout never fires: either a blocking call inside was "
    "meant to be bounded (and is not), or the scope is dead code that misleads readers.",
    example="async def read_config(path):\n    async with asyncio.timeout(5):\n"
    "        return parse(path.read_text())",
    use_instead="async def read_config(path):\n    async with asyncio.timeout(5):\n"
    "        text = await asyncio.to_thread(path.read_text)\n    return parse(text)",
    fix_safety="No automatic fix: either the body should await, or the scope should go.",
)
YIELD_IN_SCOPE = Rule(
    code="AL502",
    name="yield-inside-task-group-or-timeout",
    summary="`yield` inside a task group, nursery, timeout or cancel scope in an async generator",
    what_it_does="Reports a `yield` in an async generator that sits inside `async with "
    "asyncio.TaskGroup()`, `asyncio.timeout()`/`timeout_at()` (or `async_timeout`'s), an anyio task "
    "group (`create_task_group()`), a trio nursery (`open_nursery()`), or trio's/anyio's cancel "
    "scopes (`CancelScope`, `fail_after`, `move_on_after`, ...). Not reported in generators that "
    "are context managers or fixtures (a decorator named `...contextmanager` or `...fixture`: "
    "`@asynccontextmanager`, `@pytest.fixture`, `@pytest_asyncio.fixture`), where yielding inside "
    "the scope is the point, nor under trio's `@as_safe_channel`, which runs the generator in a task "
    "of its own (PEP 789's fix). Reported on the `yield`.",
    why_bad="While the generator is suspended at the `yield`, the consumer's code runs inside the "
    "generator's scope (PEP 789): a timeout set for the producer cancels whatever the consumer is "
    "awaiting at the time, an error in a task group's child is delivered into the consumer's code, "
    "and a consumer that stops iterating leaves the scope open until the generator is closed, at "
    "garbage collection. In asyncio, exiting the timeout or task group from another task raises "
    "`RuntimeError`.",
    example="async def ticks(interval):\n    async with asyncio.timeout(60):\n        while True:\n"
    "            await asyncio.sleep(interval)\n            yield time.monotonic()",
    use_instead="async def ticks(interval):\n    deadline = time.monotonic() + 60\n"
    "    while time.monotonic() < deadline:\n        await asyncio.sleep(interval)\n"
    "        yield time.monotonic()",
    fix_safety="No automatic fix.",
)
WAIT_ON_COROUTINES = Rule(
    code="AL503",
    name="wait-on-coroutines",
    summary="`asyncio.wait()` given coroutines instead of tasks",
    what_it_does="Reports `asyncio.wait(aws)` when `aws` is a list, set or tuple display, a "
    "comprehension or generator expression, `map(f, ...)`, or a name bound once in the function to "
    "one of those, whose elements are calls to coroutine functions (resolved as AL201 resolves "
    "them: `async def` in the project, the standard library, known libraries).",
    why_bad="`asyncio.wait()` takes tasks and futures. Since Python 3.11 a coroutine is a "
    "`TypeError`; before that it was wrapped in a task silently (with a `DeprecationWarning` from "
    "3.8), and the tasks it made could not be matched against the `done` set, since they are not "
    "the objects passed in.",
    example="async def fetch_all(urls):\n    done, pending = await asyncio.wait([fetch(u) for u in urls])",
    use_instead="async def fetch_all(urls):\n"
    "    done, pending = await asyncio.wait([asyncio.create_task(fetch(u)) for u in urls])",
    fix_safety="No automatic fix: wrapping in `create_task` changes when the work starts, and the code "
    "that reads `done` may expect the coroutines.",
)
JOIN_WITHOUT_TASK_DONE = Rule(
    code="AL504",
    name="queue-join-without-task-done",
    summary="`queue.join()` on an asyncio queue nothing calls `task_done()` on",
    what_it_does="Reports `queue.join()` inside a coroutine on an `asyncio.Queue`, `PriorityQueue` or "
    "`LifoQueue` created in this code, when no code that can reach that queue calls `task_done()`:\n\n"
    "- a local variable assigned the queue in the function: no `q.task_done` in the function "
    "(nested functions included), and the queue never leaves it (not passed to a call, stored, "
    "returned, yielded or aliased, which would let other code consume it);\n"
    "- a module-level variable: no `q.task_done` in the module, the name never passed or stored, "
    "and no module of the project calls `.q.task_done`/`q.task_done` (it may be imported);\n"
    "- `self.<attr>` assigned a queue in the class: `self.<attr>` never passed, stored or "
    "aliased in the class, and no module of the project (the class itself, its subclasses, other "
    "classes holding the object) refers to `<anything>.<attr>.task_done`.\n\n"
    "Queues that come from parameters or annotations only are not reported (the code that made them "
    "may consume them). trio and anyio have no `join()` on their channels.",
    why_bad="`Queue.join()` returns when the count of unfinished items drops to zero, and only "
    "`task_done()` lowers it. If nothing calls it, `join()` waits forever as soon as one item was "
    "ever put, and the coroutine hangs at shutdown or at the first flush.",
    example="async def crawl(urls):\n    queue = asyncio.Queue()\n    for url in urls:\n"
    "        queue.put_nowait(url)\n    workers = [asyncio.create_task(fetch_from(queue)) for _ in range(4)]\n"
    "    await queue.join()  # fetch_from() takes items but never calls task_done()",
    use_instead="async def fetch_from(queue):\n    while True:\n        url = await queue.get()\n"
    "        try:\n            await fetch(url)\n        finally:\n            queue.task_done()",
    fix_safety="No automatic fix.",
)
GET_EVENT_LOOP = Rule(
    code="AL505",
    name="get-event-loop-in-coroutine",
    summary="`asyncio.get_event_loop()` inside a coroutine",
    what_it_does="Reports `asyncio.get_event_loop()` (any import spelling, no arguments) called "
    "directly in a coroutine's body (not in a nested sync function or lambda, which may run in "
    "another thread or outside the loop), in a project that already calls `get_running_loop`: this "
    "file mentions it, or two other modules of its top-level package do (one alone may be a vendored "
    "or compatibility copy of asyncio code).\n\n"
    "Not reported in a project that never does: it may support Python 3.6, which has no "
    "`get_running_loop()`, or have chosen `get_event_loop()` throughout; nor in test code (tests "
    "check what `get_event_loop()` returns on purpose).\n\n"
    "Why opt-in: the change is a consistency fix with nothing broken today, and read on projects "
    "outside the benchmark corpus, readers split on whether a maintainer would make it (some "
    "projects took it as a cleanup, others as harmless); a default finding should be a change its "
    "maintainers act on. Select it (`extend-select = [\"AL505\"]`) to move a project to "
    "`get_running_loop()` with `--fix`.",
    why_bad="Inside a coroutine both return the running loop, so nothing breaks today; but the running "
    "loop is what is meant, `asyncio.get_running_loop()` says so, and the project already uses it "
    "elsewhere. `get_event_loop()` also consults the event loop policy when no loop is running, a "
    "path deprecated since Python 3.10 (and raising since 3.14), and the asyncio documentation "
    "prefers `get_running_loop()` in coroutines and callbacks. Code that reads it must know that "
    "detail to know which loop it gets.",
    example="async def resolve(host):\n    loop = asyncio.get_event_loop()\n"
    "    return await loop.getaddrinfo(host, 443)",
    use_instead="async def resolve(host):\n    loop = asyncio.get_running_loop()\n"
    "    return await loop.getaddrinfo(host, 443)",
    fix_safety="Safe: replaces the call with `asyncio.get_running_loop()` in the same spelling (adding "
    "`import asyncio` when only `get_event_loop` was imported). In a coroutine run by an asyncio "
    "event loop both return the running loop. Only a coroutine stepped by hand outside any loop "
    "(`coro.send(None)`) would now raise `RuntimeError`; `get_running_loop()` needs Python 3.7.",
    fixable=True,
    default_enabled=False,
)
NO_AWAIT = Rule(
    code="AL506",
    name="async-function-without-await",
    summary="An `async def` that never awaits",
    what_it_does="Opt-in. Reports a module-level or nested `async def` whose body has no `await`, "
    "`async for`, `async with` or `yield` (nested functions do not count). Not reported: methods "
    "(an interface or a framework may demand `async`), decorated functions (a framework decides "
    "how they are called), stubs (a body of `...`, `pass`, a docstring or `raise "
    "NotImplementedError`), functions named `test*` (pytest-asyncio runs them in the loop for "
    "their fixtures), and functions the module uses as a value rather than calling them (passed "
    "as a callback or stored: the receiver expects a coroutine function).",
    why_bad="A coroutine function that never suspends costs an object, a scheduling round trip and "
    "an `await` at every call site for nothing, and it tells readers it may wait when it cannot; "
    "callers must be async to call it. Often an `await` was forgotten inside it. Off by default: "
    "many such functions are async on purpose, to keep an API uniform. On a corpus of 27 async "
    "projects it reported 2528 functions, 2446 of them Home Assistant's entry points "
    "(`async_setup_entry`, `async_get_triggers`...) that the framework looks up by name and requires "
    "to be `async`: select it for code whose callers you own.",
    example="async def build_headers(token):\n    return {\"Authorization\": f\"Bearer {token}\"}",
    use_instead="def build_headers(token):\n    return {\"Authorization\": f\"Bearer {token}\"}",
    fix_safety="No automatic fix: every caller's `await` would have to go too.",
    default_enabled=False,
)
BUSY_WAIT = Rule(
    code="AL507",
    name="busy-wait",
    summary="A loop that sleeps until a condition becomes true",
    what_it_does="Opt-in. Reports `while <condition>:` whose body is only `await asyncio.sleep(...)` "
    "(or trio's/anyio's `sleep`), optionally with a counter (`waited += step`) and `pass`, inside a "
    "coroutine. `while True:` loops (periodic work) are not reported.",
    why_bad="Polling wakes the loop every interval for nothing, reacts late by up to one interval, "
    "and never ends if nobody changes the condition. When the condition is set by other code, "
    "an `asyncio.Event` (or `Condition`) wakes the waiter at once. Off by default: the condition is "
    "often state nobody can signal (a server's connection count, another process, an external "
    "service), where polling is the only way; 14 findings on a 27-project corpus.",
    example="async def wait_ready(self):\n    while not self.ready:\n        await asyncio.sleep(0.1)",
    use_instead="async def wait_ready(self):\n    await self.ready_event.wait()",
    fix_safety="No automatic fix.",
    default_enabled=False,
)
YIELD_IN_WITH = Rule(
    code="AL508",
    name="yield-inside-with-in-async-generator",
    summary="`yield` inside `with`/`async with` in an async generator",
    what_it_does="Opt-in. Reports a `yield` inside the body of a `with` or `async with` statement in "
    "an async generator that is not a context manager or fixture (see AL502 for the decorators "
    "exempted). Yields inside only task groups, timeouts and cancel scopes are AL502's.",
    why_bad="If the consumer stops iterating early (a `break`, an exception), the generator stays "
    "suspended inside the `with` block: the file, lock or connection is released only when the "
    "generator is finalised, at garbage collection or loop shutdown, and an async `__aexit__` then "
    "runs in a finaliser task or not at all. Off by default: streaming a response body or rows from "
    "inside the client's `with` is the usual shape and is released when the consumer finishes; 41 "
    "findings on a 27-project corpus (httpx, aiosqlite, aiogram, prefect, quart...).",
    example="async def lines(path):\n    async with aiofiles.open(path) as f:\n        async for line in f:\n"
    "            yield line",
    use_instead="@contextlib.asynccontextmanager\nasync def lines(path):\n"
    "    async with aiofiles.open(path) as f:\n        yield f\n\n"
    "# or: async with contextlib.aclosing(lines(path)) as it: ...",
    fix_safety="No automatic fix.",
    default_enabled=False,
)

RULES: Tuple[Rule, ...] = (TIMEOUT_WITHOUT_AWAIT, YIELD_IN_SCOPE, WAIT_ON_COROUTINES, JOIN_WITHOUT_TASK_DONE,
                           GET_EVENT_LOOP, NO_AWAIT, BUSY_WAIT, YIELD_IN_WITH)
