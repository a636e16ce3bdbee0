"""AL2xx: coroutines that never run and tasks that vanish.

Each rule's documentation: code, name, rationale, examples, fix safety.
The checkers that emit these codes live in ``asynclint.rules.unawaited``; this module is plain
data, so the catalogue can be read without importing them.
"""

from __future__ import annotations

from typing import Tuple

from .rule import Rule, Where

UNAWAITED_CALL = Rule(
    code="AL201",
    name="unawaited-coroutine",
    summary="A coroutine function is called and its coroutine is discarded",
    what_it_does="Reports an expression statement that calls a coroutine function (an `async def`, "
    "resolved through imports, re-exports, classes and their bases, the standard library and known "
    "libraries) without `await`, in a coroutine or in sync code. The message says where the function "
    "is defined. A line marked `# type: ignore[unused-coroutine]` is left alone (silenced for mypy), as is "
    "a line under (or carrying) Pyre's `# pyre-ignore[1001]` or `# pyre-fixme[1001]` (\"Unawaited awaitable\"), "
    "and so is a call made only where `inspect.iscoroutinefunction` / `asyncio.iscoroutinefunction` "
    "said that callee is a plain function (`if not iscoroutinefunction(self.close): self.close()`, or "
    "the `else` of the positive test: code shared with a generated sync variant). A method called on an "
    "attribute annotated with a choice of types (`self.path: AsyncPath | Path`) is not known to be the "
    "async one, whatever `__init__` assigns: either may be there. In sync code, a public method of a class "
    "the project rewrites at import is left alone: a module-level `wrap(Methods)` whose function replaces each "
    "public coroutine method with a sync wrapper (`setattr`, after asking `inspect.iscoroutinefunction`), as "
    "Pyrogram's and Telethon's `sync` modules do, makes `self.stop()` in `__exit__` run the coroutine. Still "
    "reported there: private methods (the wrappers skip them), the same call inside a coroutine (the wrapper "
    "hands the coroutine back while the loop runs), and classes passed to a function that sets attributes "
    "without asking for coroutine functions. A method read from an instance of a class that defines "
    "`__getattribute__` (itself or a project base it inherits the method through) is not known to be a "
    "coroutine function: that method decides what every attribute read gives, as selenium-driverless's sync "
    "`Chrome` does, running each coroutine method to completion (3 such findings read, none worth changing). "
    "Still reported: a class with only `__getattr__` (called for missing attributes, never for a method the "
    "class has) and the method read from the class itself (`Chrome.quit(driver)`), which no instance's "
    "`__getattribute__` sees.",
    why_bad="Calling an `async def` only creates a coroutine object; nothing in its body runs until it is "
    "awaited. The statement silently does nothing (Python prints \"coroutine ... was never awaited\" "
    "at garbage collection, if anyone is looking).",
    example="async def save(user):\n    ...\n\nasync def handler(user):\n    save(user)",
    use_instead="async def handler(user):\n    await save(user)",
    fix_safety="Unsafe, in a coroutine only: inserting `await` makes code run that never ran before. "
    "No fix in sync code (where `await` is not allowed), and none for `self.hook()` when a subclass in the "
    "project overrides `hook` with a plain `def` (the message names it): there the call does not always "
    "make a coroutine, and `await` would fail for that subclass; make the overrides agree first.",
    fixable=True,
    where=Where.ANYWHERE,
    options="`extend-coroutine-functions`: qualified names of more coroutine functions or methods "
    "(`mylib.fetch`, `mylib.Client.get`). `extend-async-decorators`: decorators that keep an "
    "`async def` a coroutine function (any other unknown decorator makes it unknown). "
    "`site-packages` / `python`: where installed third-party source is read from (default: the "
    "active `VIRTUAL_ENV`).",
)
UNAWAITED_NAME = Rule(
    code="AL202",
    name="coroutine-bound-never-awaited",
    summary="A coroutine is bound to a name and never awaited",
    what_it_does="Reports `x = coroutine_function(...)` inside a coroutine when `x` is never awaited, "
    "passed to a call, returned, yielded or stored afterwards, whether it is never used again or is "
    "used as if it held the result (`x[\"key\"]`, `x.attr`, iteration, comparison, truth test).",
    why_bad="The coroutine never runs, and code that reads the name gets a coroutine object instead of "
    "the result: usually a missing `await` on the assignment.",
    example="async def load(url):\n    data = self._get_json(url)\n    return data[\"items\"]",
    use_instead="async def load(url):\n    data = await self._get_json(url)\n    return data[\"items\"]",
)
TRUTHY_COROUTINE = Rule(
    code="AL203",
    name="coroutine-used-as-value",
    summary="A coroutine is tested for truth, compared, subscripted, called or used as an operand",
    what_it_does="Reports a call to a coroutine function, inside a coroutine, whose coroutine is used as if "
    "it were the result: as a truth value (`if`, `while`, `elif`, `not`, `and`/`or` operands, `assert`, "
    "conditional expressions, `bool()`); compared (`coro() == 1`, `if coro() is None:`); as an operand "
    "(`coro() ** 2`); called (`coro()()`); subscripted or attribute-accessed before it is awaited "
    "(`await x.call()[\"k\"]` means `await (x.call()[\"k\"])`); or as the last operand of `and`/`or` "
    "when the expression is a statement (`flag or coro()`) or is bound to a name that is then never "
    "awaited or handed on (`x = y or coro()` followed by `x[\"k\"]`). Not reported: the coroutine's own "
    "API (`close()`, `send()`, `throw()`, `cr_*`); `__aenter__`/`__aexit__` on aiohttp's request methods "
    "(`await session.request(...).__aenter__()`), whose awaitable is also an async context manager; "
    "`x = cached or coro()` when `x` is later awaited, "
    "passed on, returned or stored (a common way to pick an awaitable).",
    why_bad="A coroutine object is always true and never equal to a result, so the test always comes out "
    "the same and the function never runs; using it as an operand, calling it, subscripting it or "
    "reading an attribute raises `TypeError`/`AttributeError` at run time; as the last `and`/`or` "
    "operand of a statement it is created and dropped without running.",
    example="async def check():\n    if is_ready():\n        ...\n    name = await client.get_user()[\"name\"]",
    use_instead="async def check():\n    if await is_ready():\n        ...\n"
    "    name = (await client.get_user())[\"name\"]",
    fix_safety="Unsafe, in a coroutine only: inserts `await` (parenthesised where needed), which makes the "
    "call run. No fix inside a generator expression, nor for `self.hook()` when a project subclass "
    "overrides `hook` with a plain `def` (the message names it).",
    fixable=True,
)
DROPPED_TASK = Rule(
    code="AL204",
    name="dropped-task",
    summary="The only reference to a new task is dropped",
    what_it_does="Reports `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and `loop.create_task(...)` "
    "(where `loop` is known to be an event loop) used as a statement, as the element of a list/set "
    "comprehension, an arm of a conditional expression or an `and`/`or` operand used as a statement, "
    "or bound to a local name that is never used. `TaskGroup.create_task` and nursery `start_soon` are "
    "fine: the group holds the task. Only inside a coroutine: the same drop in sync code (a protocol "
    "callback, an event dispatcher, a timer callback) is AL206, opt-in.\n\n"
    "Not reported, because nobody could hold the task or it cannot be lost: inside `__del__` (the owner "
    "is being destroyed); in sync code that runs the task's own loop afterwards "
    "(`loop.create_task(x)` ... `loop.run_until_complete(...)` / `run_forever()`: the task runs inside "
    "that call); inside a function this file registers as a signal handler (`add_signal_handler`, "
    "`signal.signal`, or a call given a `signal.SIG*`: a one-off shutdown step); inside a sync timer "
    "callback that re-arms itself (`self._h = loop.call_later(rto, self._t1_expired)` in "
    "`_t1_expired`: each task is one attempt of a retransmission loop, and a lost one is retried); "
    "a task whose coroutine "
    "(defined in the same file) begins with `await asyncio.sleep(...)` and does the rest inside "
    "`try`/`except` or `contextlib.suppress` (a best-effort delayed action such as `delete_after=`: "
    "the loop's timer holds it while it waits and its failure is handled), or sleeps inside a `try` "
    "until it is cancelled (a shutdown sentinel); a task wrapping a project coroutine that keeps its "
    "work in a task on `self` and awaits it (`self.main_task = create_task(...)`; `await "
    "self.main_task`: the wrapper is reachable through that task). Test code (by default), lines "
    "marked `# noqa: RUF006`, tasks bound with `# noqa: F841` and tasks bound to `_` (`_ = "
    "asyncio.create_task(...)`: mypy's documented way to discard an awaitable on purpose; a coroutine "
    "bound to `_` is still AL202) are left alone too, and so is the whole "
    "rule where the project's ruff or flake8 config ignores `RUF006` or `ASYNC300` (the same check; "
    "`--no-respect-peer-ignores` reports it anyway). Otherwise a task doing real "
    "work started from a handler or callback is reported, even where a project has chosen not to keep "
    "references: the loop still holds it only weakly.\n\n"
    "Opt-in, and on by itself where the project's ruff config selects `RUF006` (by code, `RUF` or "
    "`ALL`, as ruff resolves select and ignore): such a project keeps its task references, and AL204 also sees what ruff "
    "does not (`self._loop.create_task(...)`); `--no-respect-peer-selects` leaves it off there. Why "
    "not on by default: read on projects outside the benchmark corpus, most dropped tasks were short, "
    "best-effort work the maintainers start without a reference on purpose (a metric hook, a "
    "status write, an alert re-sent on the next request, an event dispatch); about one in six was "
    "one they would keep, and nothing in the code tells the two apart. Select it "
    "(`extend-select = [\"AL204\"]`) where every task should be held.",
    why_bad="Nothing can await or cancel a dropped task: on shutdown it is destroyed while pending, and "
    "an exception it raises surfaces only as a \"Task exception was never retrieved\" log when it is "
    "garbage-collected, long after the failure. The event loop itself keeps only a weak reference to "
    "tasks: while the task waits on something only it refers to (a fresh future, a local queue), it can "
    "be collected before it finishes.",
    example="async def on_message(msg):\n    asyncio.create_task(process(msg))",
    use_instead="background_tasks = set()\n\nasync def on_message(msg):\n    task = asyncio.create_task(process(msg))\n"
    "    background_tasks.add(task)\n    task.add_done_callback(background_tasks.discard)",
    where=Where.ANYWHERE,
    default_enabled=False,
)
ASYNC_CALLBACK = Rule(
    code="AL205",
    name="async-function-as-callback",
    summary="An async function is passed where a plain callback is expected",
    what_it_does="Reports an `async def` function (or a `lambda` whose body calls one, or a "
    "`functools.partial` of one) passed to an API that calls it as a plain function: "
    "`loop.call_soon/call_later/call_at/call_soon_threadsafe`, `loop.add_signal_handler`, "
    "`loop.add_reader/add_writer`, `loop.run_in_executor`, `executor.submit`, `signal.signal`, "
    "`atexit.register`, `threading.Thread(target=...)`, `threading.Timer`, `add_done_callback`. The "
    "loop is one known by type or, untyped, plainly named so (`loop`, `self.server.loop`, "
    "`self._event_loop`); likewise an executor (`executor`, `self._executor`); a receiver typed as "
    "something else is not reported. `add_done_callback` is reported on futures and on receivers of "
    "unknown type. Not reported: `io_loop.call_later(...)` / `call_at(...)` on a receiver named `io_loop` "
    "or `ioloop` in a module that imports tornado: Tornado's `IOLoop` runs the coroutine a scheduled "
    "callback returns (jupyter-lsp schedules its setup so). Its `run_in_executor` is still reported: the "
    "worker calls the function and the coroutine never runs.",
    why_bad="The API calls the function, gets a coroutine object back and drops it (or, for "
    "`run_in_executor`/`submit`, returns it unawaited): the body never runs.",
    example="loop.call_later(5, self._expire)\n\nasync def _expire(self):\n    ...",
    use_instead="loop.call_later(5, lambda: asyncio.create_task(self._expire()))  # and keep the task",
    where=Where.ANYWHERE,
)

DROPPED_TASK_IN_SYNC_CODE = Rule(
    code="AL206",
    name="dropped-task-in-sync-code",
    summary="A task dropped by sync code (a callback, a dispatcher)",
    what_it_does="Opt-in. AL204's shapes (`create_task`/`ensure_future`/`loop.create_task` as a statement, in "
    "a comprehension used as a statement, bound to a name never used) in sync code: a protocol's "
    "`data_received`, an event dispatcher, a timer callback, a plain method that starts work. Its "
    "exemptions are AL204's (`__del__`, a loop run right after, signal handlers, self-re-arming "
    "timers, delayed best-effort actions, wrappers that await a task they keep). `# noqa: RUF006` "
    "silences it as it does AL204.\n\n"
    "Why opt-in: sync code cannot await the task, and callback-driven projects drop such tasks by "
    "design (a short flush or retransmission, a dispatched event handler that logs its own errors); "
    "read on projects outside the benchmark corpus, most of these drops were deliberate. Unlike AL204, "
    "it stays off where the project's ruff config selects `RUF006` (AL204 does not): drops in sync code "
    "that ruff does not see were deliberate there too. Select it where a lost task would matter.",
    why_bad="Nothing but the event loop's weak reference holds the task: it can be garbage-collected "
    "while it waits on a future nothing else holds, and an exception it raises is only logged when "
    "it is collected. Nothing can cancel or await it at shutdown.",
    example="class Protocol(asyncio.Protocol):\n    def data_received(self, data):\n"
    "        asyncio.create_task(self.handle(data))",
    use_instead="class Protocol(asyncio.Protocol):\n    def __init__(self):\n        self._tasks = set()\n\n"
    "    def data_received(self, data):\n        task = asyncio.create_task(self.handle(data))\n"
    "        self._tasks.add(task)\n        task.add_done_callback(self._tasks.discard)",
    where=Where.ANYWHERE,
    default_enabled=False,
)

RULES: Tuple[Rule, ...] = (UNAWAITED_CALL, UNAWAITED_NAME, TRUTHY_COROUTINE, DROPPED_TASK, ASYNC_CALLBACK,
                           DROPPED_TASK_IN_SYNC_CODE)
