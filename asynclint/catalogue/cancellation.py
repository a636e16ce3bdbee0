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
    "cancels its own task again (`asyncio.current_task().cancel()`, also through a name bound to it: "
    "the next `await` raises the cancellation, and a coroutine that returns first leaves its task "
    "cancelled; cancelling another task is not that); one that re-raises unless a parameter of the "
    "function says not to (`if not ignore_errors: raise`: the caller chose, through the function's own "
    "API; not a test on a local, an attribute or a call); one that cancels the tasks the `try` awaited "
    "and awaits them again (`for t in tasks: t.cancel()` then `return await asyncio.gather(*tasks)`: that "
    "await raises the cancellation; not with `return_exceptions=True`, nor awaiting other tasks); one in "
    "a coroutine that handed its own task to the project before the `try` (it stores "
    "`asyncio.current_task()` in an attribute, a container or a call's arguments, itself or through a "
    "method of its class or of a project base class: `self._add_running_task(request_id)` keeps it for "
    "an `/abort` route that cancels it by id), where the project cancels it on purpose and the handler "
    "answers that cancellation (an HTTP 409, `RuntimeError(self.failure_reason)`); a task kept in a "
    "local only to ask about it, logged, put in a local container, or a task the coroutine creates, is "
    "not that; one that answers with HTTP "
    "499, \"Client Closed Request\" (`raise HTTPException(status_code=499)`, `web.Response(status=499)`: the "
    "status says it is the request's cancellation being answered; any other status is a conversion), one "
    "that raises an RPC error carrying the protocol's own cancel status (connect-python's `raise "
    "ConnectError(Code.CANCELED, ...)`, gRPC's `StatusCode.CANCELLED`: the library reports a cancellation in "
    "its protocol's terms, as it maps a timeout to `DEADLINE_EXCEEDED`; 4 such handlers read, none worth "
    "changing; another status, or a plain error whose message says \"cancelled\", stays reported), or "
    "that returns an answer saying the client disconnected (`return self.create_error_response(\"Client "
    "disconnected\")`: vllm's routes cancel their handler when the client goes away; raising it is a "
    "conversion); one that falls through into the function's closing steps when every path of them raises "
    "the cancellation anew (`raise asyncio.CancelledError(\"subscriber shut down\")` after the workers are "
    "cancelled and collected: the re-raise is only deferred; not inside a loop, nor with another error "
    "raised at the end); one that "
    "hands the exception on (stores it, also inside a result it returns: `result = RunResult(exception=exc)`, "
    "also when it reads it through `sys.exc_info()` or `sys.exception()`; "
    "`fut.set_exception(exc)`, passes it to a helper, returns it: `return exc`) or sets a "
    "flag the function later tests to raise `CancelledError`; one that records the cancellation as "
    "the program's state and then ends (`inter.command_failed = True; return`, `cancelled = True` "
    "read by the `finally`, `abort = True` then `if abort: break`, `self._state = \"cancelled\"`, "
    "`disconnect_reason = \"Connection Cancelled\"`: a flag whose name says "
    "cancelled/aborted/failed/broken/interrupted set to `True`, or a state, status or reason set to a "
    "string that says so; not a flag set "
    "where the loop runs on, nor with a conversion); one that re-raises, or converts, under a test of "
    "the exception or of a cancelled/closing/stopping/shut-down/disconnected/aborted state (`if "
    "disconnect_event.is_set(): raise HTTPException(499)` then `raise`: the cancellation it caused told "
    "from the caller's; a condition that says nothing of that, `if retries:`, stays reported); `raise AssertionError` (\"cannot "
    "happen\"), or any raise the author marked as never run (`# pragma: no cover` / `# no cov` on "
    "its line or its `if` line); raising a project class derived from `CancelledError` (it is still a cancellation), "
    "or the library's own cancellation error, a class whose name says it (`OperationCancelled`, "
    "`UpdateTimeoutOrCancelledError`: its callers are told what happened); an `if` that re-raises "
    "the cancellation in one branch and in the other raises `... from <another error>` (the task was "
    "cancelled to deliver that error, and only that cancellation is converted); a cleanup step's own "
    "error relayed from a nested handler (`try: await hook.cancel_job() except Exception as e: raise e`, or "
    "`raise JobError(...) from e`, followed by `raise`: only a failing cleanup replaces the cancellation; "
    "not when the nested handler catches `BaseException` or the cancellation, nor when another path "
    "converts); "
    "a handler whose comment says why the cancellation is caught -- on the `except` line or inside "
    "the handler, a comment about the cancellation itself (cancelled, aborted, shutdown, already "
    "closed, disconnected, exiting, stopping, interrupted, expected, deliberately, on purpose, "
    "\"happens if/when\"), an instruction not to raise there (`# don't raise any error or warnings!`), "
    "or a link or "
    "issue/workaround it follows (`pass  # Already closed`, `# The user cancelled the request`, `# "
    "Happens if disconnect called`), or "
    "a comment at an awaited call the handler guards saying that call raises the cancellation (a "
    "library that signals a closed websocket by cancelling `receive()`), or the coroutine's own "
    "docstring saying what it does on a cancellation (\"Returns None when the job is cancelled\", "
    "\"a cancelled turn ... discards queued events\"; not a mention in passing, nor one that says it "
    "raises or propagates), or, for a handler that falls through, a comment of the same kind on the "
    "statement it lands on (`return None  # interim: 4.0 raises CancelledError here instead`). A "
    "`#` inside a string is no comment; pragmas (`# type: ignore`, `# noqa: ...`, `# pylint: ...`, "
    "`# pragma: no cover`) and a one-word `# ignore` explain nothing, and a comment that asks for a "
    "change (`TODO`, `FIXME`, `XXX`, \"bug\", \"fix\") or only describes the harm (\"swallows the "
    "cancellation\", \"cannot be cancelled\") keeps the handler reported. Not reported either, as "
    "already accepted: a line silenced for a peer linter's code for the same mistake (`# noqa: "
    "ASYNC103`), including a deliberate catch-all that lists the cancellation (`except "
    "(CancelledError, SystemExit, Exception):` under `# pylint: disable-next=broad-except`, or with "
    "`# noqa: BLE001` or `# pylint: disable=broad-exception-caught` on the line). "
    "Not reported where no cancellation can arrive: a `try` body without "
    "`await`/`async for`/`async with`, awaits inside `with CancelScope(shield=True)`, awaiting a "
    "future this coroutine has just resolved or checked is done (`if self._transport().done(): ... await "
    "self._transport()`; not in its `else:`, nor after the `if`), awaiting a coroutine of the project that never "
    "suspends (no `await`, `async for`/`async with` or `yield` in it: `await self._cache."
    "get_property_value(name)` over a dict look-up, or another module's `await route.fallback()` that "
    "only records what to do, runs to its end without yielding to the loop; not "
    "a stub, a decorated one, one a project subclass defines again, nor a public method reached "
    "through `self`), awaiting a private coroutine of the module that suspends only inside `try` bodies "
    "whose `except CancelledError` ends without re-raising (`await self._maybe_wait_for_futures()`: the "
    "cancellation ends in that handler, reported there, and never comes out of the await; not "
    "a stub, a decorated one, one a project subclass defines again, nor a public method reached "
    "through `self`). Not reported, as harmless:\n\n"
    "- best-effort cleanup: the `try` sits inside a `finally:` block (that does not jump out) or "
    "inside an `except` handler that always raises, so the function raises anyway whenever an "
    "exception is in flight (only a cancellation that arrives during the cleanup itself, after the "
    "body finished normally, is absorbed); also one call away: a private coroutine (`_drain`, or any "
    "function of a private module such as `tools/_error_handler.py`, which only its package uses) that "
    "everything in the project awaits only inside `except` handlers ending in `raise` (`except "
    "CancelledError: await _drain(task); raise`), or in the `finally` of a `try` whose handlers all "
    "raise, so its caller raises the cancellation right after; not when a `while True` loop keeps it "
    "from returning (a `for` loop or `while not task.done()` ends), nor when any module awaits or uses "
    "the name another way (another function of the same name counts too, unless the use cannot reach "
    "it: `self._drain` is not a module-level `_drain`);\n"
    "- in command-line code (a `cli` package, `cli.py`, `__main__.py`), a handler that catches "
    "`KeyboardInterrupt` with the cancellation, or catches the cancellation in a `try` that has an "
    "`except KeyboardInterrupt:` too, and does not convert it: Ctrl-C under `asyncio.run` "
    "cancels the command's main task, and this is how the command exits quietly (the same pair in "
    "library code is reported);\n"
    "- `except trio.Cancelled` or `except anyio.get_cancelled_exc_class()` that does not convert it: "
    "trio's cancellation, and anyio's cancel scopes' (task groups, `move_on_after`, `fail_after`), is "
    "level-triggered, the still-cancelled scope raises it again at the next checkpoint (with asyncio's own "
    "`CancelledError` also caught, a `task.cancel()`, edge-triggered, is lost: reported), nor one that "
    "converts it only after a checkpoint of its own (`async with self._send_lock: await send(...)`, then "
    "`raise TimeoutError(...)`): the checkpoint raises the cancellation again before the conversion, unless "
    "it is shielded (`with anyio.CancelScope(shield=True):`);\n"
    "- the handler ends a **task body**: a coroutine function that the project only ever starts as a "
    "task (`asyncio.create_task(self._read_loop())`, `loop.create_task(...)` on any loop, "
    "`ensure_future`, `TaskGroup.create_task`, trio/anyio `start_soon`/`start`, "
    "`run_coroutine_threadsafe`, `asyncio.run`, python-socketio's `start_background_task(fn)`, "
    "tornado's `spawn_callback(fn)` and `gen.convert_yielded(coro)`, a module's own helper that does "
    "`create_task(coro)` or "
    "`create_task(target(*args))` with what it is given, or forwards its `*args` (`def "
    "create_task_logged(*args, **kwargs): task = asyncio.create_task(*args, **kwargs)`) (also through a wrapper of that module that "
    "returns it, `create_task(_ensure_coroutine(aw))`, or by handing it to another such helper, or from "
    "a function nested in it, a thread's target: `def run_in_background(coro): def runner(): "
    "asyncio.run(coro)`; a "
    "top-level helper counts for the calls of every module that imports it: "
    "`background.create_or_defer(self.loop())`, `background.create(poller.poll_forever())`, and for a "
    "function nested in a coroutine that hands it to one: `spawn_logged(get_chunks(queue))`), also through a name bound just before: `coro = "
    "self._run(); loop.create_task(coro)`) and never awaits, gathers, returns or passes anywhere "
    "else, or that such coroutines only await as their last statement (`await Service.run_services()` "
    "at the end of the `asyncio.run` root, also at the end of its `async with` or `try` body, or as "
    "`return await ...`; three calls deep at most: when it ends, they end; a retry that awaits the coroutine "
    "itself as its last step, as in `finally: if error: await self._connect()`, runs in the same task and "
    "counts as no caller), when every way out of the "
    "handler ends the coroutine (`return`, falling off its end, "
    "`break` out of its loop, or falling through into a `while` test the handler makes false: "
    "`self.close()` setting `self._closing = True` under `while not self._closing`, or a local flag: "
    "`running = False` under `while running`, or an event: `self.should_exit.set()` under `while not "
    "self.should_exit.is_set()`). So is a private coroutine (`_name`, not an async generator) that the "
    "project uses but never awaits or returns, directly or inside an awaited call (`await "
    "helper(self._x)`, `wait_for(self._x(), 5)`, `gather(...)`): it is started or handed on (`coro = "
    "self._tick_once if once else self._tick_forever`, a list of callbacks), so no caller waits on it. "
    "So is a coroutine that runs until it is stopped (a `while` loop, `await self._stopped.wait()`, "
    "`await self._serving`), whose handler ends it after it shuts its own work down (`await "
    "self.stop()`, `self.cleanup()`, `cancel_and_wait(*self._tasks)` in the handler, the `finally` or "
    "right after the `try`), when nothing in the project awaits a coroutine of its name: a worker's or "
    "server's `start`, where a cancellation is the way to stop it. So is a coroutine that only ever runs "
    "as a direct argument of `asyncio.gather(...)`, or once per item of one (`gather(*(handle(c) for c in "
    "calls))`) (nested in the function that gathers it, or a private "
    "method or function every use of which is that): a cancelled gather raises `CancelledError` to its "
    "caller whatever its children returned. So is a method its own class starts "
    "as a task and then cancels and awaits with nothing there to take a `CancelledError` (`self._reader."
    "cancel(); await self._reader`): the class's shutdown expects it to return. So is a request handler "
    "streaming a response it prepared (`await response.prepare(request)`, `return response` at its end): "
    "the server cancels it when the client goes away or at shutdown, and ends the connection either way. "
    "Cancelling still stops such a task; that narrower harm is AL406's, "
    "opt-in. Uses are counted by name over every file of the project (outside comments and "
    "docstrings), so a function that shares its name with one that is awaited stays reported; "
    "for a method, `self.<name>` uses in classes unrelated to its own by inheritance do not count "
    "(`await self._run()` in another class is another `_run`), uses through any other object do, except "
    "awaited calls with arguments the method cannot take (`await app._pump(ready_callback=f)` against "
    "`async def _pump(self)`: an override with more parameters is what they await), when every awaited "
    "call of that name through another object in the module spells its arguments out (no `*args`, "
    "`**kwargs`).\n\n"
    "Still reported, because a caller loses its own cancellation: a swallow in a coroutine that other "
    "coroutines await (directly or through `gather`, `wait_for`, `timeout`, `shield`); a handler "
    "that keeps a loop running (`continue`, or falling through inside the loop); a handler that "
    "turns the cancellation into another exception; a public coroutine of a library that nothing in "
    "the project calls (not known to be a task body), unless it is a worker that runs until stopped and "
    "shuts down when cancelled, as above; the same worker without the shutdown. A handler that ends a teardown coroutine "
    "(`close`, `stop`, `shutdown`, `release`...; not inside a `while` loop) or an ASGI `lifespan` is "
    "AL407's, opt-in. A handler that stops the `while` loop around its `try` (`break`, `return`, a flag the "
    "loop's test reads), or that ends a coroutine named as a long-running activity's body (`run`, `start`, "
    "`serve`, `main`, `*_loop`...), is AL408's, opt-in: a cancel is how readers, pollers and servers are "
    "stopped (none of 30 read was worth changing); in a `for` loop or an async generator it stays "
    "reported. "
    "Awaiting a task this code cancels "
    "(`task.cancel()` then `try: await task`, also across methods for `self._task`), or only awaiting "
    "other tasks (`await self._task`, `await asyncio.wait_for(self._reader_future, 5)`), is AL405's, "
    "opt-in. Test code (`test_*.py`, `*_test.py`, `conftest.py`, `*_test_utils.py`/`*_test_helpers.py`, "
    "`test*` functions, and any module "
    "under a `tests`, `test` or `testing` folder of the project, such as shipped test tooling), where "
    "tasks swallow or convert cancellation on purpose, is not checked. `concurrent.futures.CancelledError` is not a "
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
    "(`fut.set_exception(exc)`, storing it, `return exc`), or re-raising under a test of it (`if isinstance(exc, "
    "CancelledError): raise`); nor a handler whose comment says why the cancellation is caught "
    "(`except BaseException:  # the peer has already closed the socket`; the words, and the comments that "
    "do not count, are AL401's); nor in test code or around the cancel-then-await idiom (AL405). "
    "As for AL401, not reported: nested best-effort cleanup (`try: await conn.close() except "
    "BaseException: pass` inside a `finally:` or inside a handler that always re-raises, or that keeps "
    "its exception for a raise further down (`except Exception as err: exception = err`, then `if "
    "exception: raise exception` with no `return` in between): the function raises either way; or in a private coroutine the project awaits only in such handlers); a catch-all "
    "that falls through to a `raise` with nothing awaited in between (`try: msg = (await resp.json())"
    "['message'] except BaseException: pass` then `raise ApiError(msg)`: a best-effort step of a call "
    "that fails either way; `except CancelledError` there is an AL401 conversion); a handler that ends a task body (AL406, opt-in) or a teardown coroutine (AL407, "
    "opt-in); a module that uses only "
    "trio, or only anyio (not asyncio), whose cancel scopes raise the cancellation again at the next "
    "checkpoint (a module that also imports asyncio may run as plain asyncio tasks: reported). A "
    "catch-all that swallows in a coroutine other coroutines await, or that keeps a loop running, is "
    "reported. `except Exception` is never reported: it does not catch `CancelledError` since Python 3.8.",
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
    "coroutine. Nested functions are not looked into. Not reported when nothing can be in flight "
    "as the `finally` runs: the `try` has a bare or `BaseException` handler, no handler raises or "
    "awaits, and its `else:` does not await (a swallow there is the handler's AL401/AL402); nor when "
    "nothing in the `try` body, its handlers or its `else:` awaits: no cancellation can be in flight, and "
    "the ordinary error a jump discards there is a plain-Python mistake that ruff's B012 and Python 3.14 "
    "(PEP 765) already report. A jump already silenced for the same check of another linter is not "
    "reported either: `# noqa: B012` (flake8-bugbear, ruff), `# pylint: disable=lost-exception` or "
    "`return-in-finally`, by name or by id (`W0150`, `W0134`), and a ruff or flake8 config that ignores "
    "`B012`. Such a silence, or `# noqa: AL403`, on one jump of a `finally` covers its other jumps: the "
    "author accepted how that block ends (asyncdb's `if error: return [None, error]` above a silenced "
    "`return`). A bare `# noqa` names no check and covers its own line only.",
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
    "just resolved (it cannot suspend), for awaits under `with CancelScope(shield=True)`, when a "
    "comment on the `with` line or inside its block says why the cancellation is caught (`with "
    "suppress(CancelledError):  # the connection may already be closed`; the words, and the comments "
    "that do not count, are AL401's), as best-effort cleanup where `except` would be (in the `finally` "
    "of a `try` without handlers, or inside a handler that always raises: the function raises anyway; "
    "or in a private coroutine the project awaits only in such handlers; "
    "`suppress(CancelledError)` in the `finally` after handlers that swallow is still reported), "
    "or in test code (see AL401). In a teardown coroutine (`close`, "
    "`stop`, `shutdown`...), outside a `while` loop, it is AL407's, opt-in; as the last step of a "
    "coroutine the project only starts as a task (its last statement, or the last of a `try` body without "
    "`else`, an `if` branch or a `with` block that is), AL406's, opt-in.",
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
    "asyncio.gather(*tasks)` after `for t in tasks: t.cancel()`, or of a collection the loop fills with "
    "the tasks it cancels: `if t.cancel(): to_wait.add(t)`, or anything after the coroutine "
    "scheduled its own cancellation as a timeout: `call_later(t, asyncio.current_task().cancel)`, also "
    "through a name bound to `current_task()`), or cancelled by another method of the module: an "
    "attribute it cancels (`stop()` cancels what `run()` awaits), also a local future stored in one "
    "(`self._pending = tag, waiter` or `self._waiters[key] = waiter`, `.append(waiter)`, where another "
    "method calls `self._pending[1].cancel()` or cancels everything `self._waiters` holds; a future "
    "stored where nothing cancels it, or a `try` that awaits more than it, stays AL401). Also the looser form where every "
    "await is of another task or future held in a name or attribute (`await self._task`, `await "
    "asyncio.wait_for(self._reader_future, 5)`; named `*task`/`*future`/`*fut`, bound to "
    "`create_task`/`ensure_future`; not any `Future`: that is the `wait_for` bug), which someone else may cancel; "
    "and a dispatcher whose every await calls a callback it was handed (a parameter, a loop "
    "target or a name bound from a lookup: `await coro(*args)` in a command wrapper, `handler, args "
    "= self._get_event_handler(event)`; `await handler(*args)`, `ret = callback(*data)`; `await "
    "ret`, or a callable looked up in a registry or config: `await self._handlers[event](msg)`, "
    "`await self._config[\"on_fatal_error\"](exc)`), which maps the callback's own cancellation to a "
    "result; and stopping another object: "
    "every await calls a method that stops something (`await self._autoscale_task.stop()`, "
    "`await self._bridge.finalize_shutdown()`, `stop_all`, `terminate`; not `close()`, which is "
    "awaited work), which cancels and awaits that object's own task; and serving: every await is "
    "`server.serve_forever()` (also inside `async with server:`), in no loop, and the handler ends it "
    "without raising: `Server.close()`, from a signal handler or any `stop()`, cancels what "
    "`serve_forever()` waits on and it raises `CancelledError` though nothing cancelled the task (one that "
    "serves again in a loop, or raises another error, stays AL401/AL404); and `except (asyncio.TimeoutError, "
    "asyncio.CancelledError)` that does not raise, around a wait with a timeout (`wait_for`, `async with "
    "timeout(...)`, a call given `timeout=`): the author treats both as \"nothing came in time\", the "
    "workaround for `wait_for` letting the inner cancellation out instead of `TimeoutError` before Python "
    "3.12 (raising another error there stays AL401: a conversion). AL401/AL402/AL404 leave those "
    "to this rule; a `try` that also awaits the project's own code (`await self.refresh()`, a "
    "module's `async def`) stays theirs. Not reported when the handler "
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

TASK_BODY = Rule(
    code="AL406",
    name="task-body-ends-on-cancel",
    summary="A task body that ends normally when cancelled",
    what_it_does="Opt-in. Reports what AL401/AL402 leave out as a task body: an `except "
    "CancelledError` (or bare/`BaseException`) handler, in a coroutine function that the project "
    "only ever starts as a task (`asyncio.create_task(...)`, `loop.create_task(...)`, "
    "`ensure_future`, `TaskGroup.create_task`, trio/anyio `start_soon`/`start`, "
    "`run_coroutine_threadsafe`, `asyncio.run`, sanic's `app.add_task`; a function nested in another that "
    "puts its calls in the collection it hands to `asyncio.wait([...])` or `asyncio.as_completed(...)` "
    "there, which makes each a task of its own and leaves it running when the wait is cancelled "
    "(ezmsg's websocket units); or a CLI command "
    "(`@app.command()`, click/typer), which the CLI runs as its program's root, or an event handler "
    "a framework dispatches (`@sio.on(\"message\")`, `@client.event`, `@app.on_event(...)`; "
    "python-socketio starts each call as a task), or a web route given its path (`@router.get(\"/items\")`, "
    "`@app.websocket(\"/ws\")`, `@routes.post(...)`: the framework runs it in the request's or connection's own "
    "task; a route the project also awaits, or a decorator given no path, stays AL401), or a connection handler a server runs in a new task per "
    "connection (`asyncio.start_server(on_client, ...)`, `asyncio.start_unix_server`, `trio.serve_tcp`; "
    "the same function given to another object's `start_server` stays AL401)) and never awaits, gathers, returns or passes "
    "anywhere else, or that such coroutines only await as their last statement (directly, at the end "
    "of an `async with`/`try` body, or `return await`; three calls deep at most; a coroutine awaiting itself "
    "as its last step, a retry by recursion, runs in the same task), when every way out "
    "of the handler ends the coroutine: `return`, falling off its "
    "end, `break` out of its loop. Also a private coroutine function (`_name`, not an async "
    "generator) the project uses but never awaits or returns, directly or inside an awaited call: "
    "started through a local name or handed on as a callback. Also a coroutine that runs until it is "
    "stopped (a `while` loop, `await self._stopped.wait()`, `await self._serving`) and, cancelled, shuts "
    "its own work down (`self.stop()`, `self.cleanup()`, cancelling its tasks: in the handler, the "
    "`finally` or right after the `try`), when nothing in the project awaits a coroutine of its name "
    "(saq's `Worker.start`). Also an async generator the project only hands to a streaming response "
    "(Starlette/FastAPI `StreamingResponse(gen())`, sse-starlette `EventSourceResponse`): the server "
    "iterates it in the request's own task, which nothing awaits, and under anyio's cancel scope the "
    "cancellation comes back at the next await, so a body that returns only ends the response; one the "
    "project also iterates itself (`async for`) stays AL401. Also `with suppress(CancelledError)` as "
    "the last step of such a task body (its last statement, or the last of a `try` body, `if` branch or "
    "`with` block that is: leaving the block ends it), which AL404 would report. Also a function nested "
    "in another that only ever runs it as a direct argument of `asyncio.gather(...)` there (skypilot's "
    "websocket/PTY bridge: `await asyncio.gather(websocket_to_pty(), pty_to_websocket())`; also once per item, "
    "`gather(*(handle_call(c) for c in calls))` or a starred list comprehension; calls collected into a list first "
    "stay AL401), or a private "
    "method (called through `self`) or private module function whose every use in the project is such an "
    "argument in its own module (pipecat's peer-track pumps: `await asyncio.gather(self._forward_audio(peer), "
    "self._forward_text(peer))`; one also awaited, or gathered through another object, stays AL401), when the "
    "handler ends it: a cancelled gather raises `CancelledError` to its caller once its children are done, "
    "whatever they returned (under `wait_for` the timeout would complete silently: AL401). Also a method "
    "its own class runs as a task and then cancels and awaits expecting it to return "
    "(`self._reader = asyncio.create_task(self.read_messages())`, or a local `task = ...` in one method, "
    "then `self._reader.cancel(); await self._reader` with no `except`/`suppress` around that await taking "
    "the `CancelledError`: rsocket's transports, xknx's gateway scan): the class's shutdown relies on the "
    "handler that ends the method, and a re-raise would come out of the owner's own await; an owner that "
    "suppresses the error there, one that cancels without awaiting, or awaits before it cancels, and a "
    "task another class starts stay AL401. Also a request handler streaming a response it prepared "
    "(`await response.prepare(request)` on a parameter of its own, `return response` as its last "
    "statement: HA's event stream, tribler's `/events`): aiohttp cancels a streaming handler when the "
    "client goes away or at shutdown, and ends the connection the same way whether the handler re-raises "
    "or returns; a response that is not the one returned, or one prepared for something other than the "
    "handler's own parameter, stays AL401. "
    "A handler that keeps a loop running or "
    "raises another exception stays AL401/AL402, and so does a coroutine that is also awaited "
    "somewhere, a public one that is not such a worker, and a private one with no use in the project at "
    "all (reached by a name built at run time). A function defined inside another (`async def uploader()` "
    "started by `[ensure_future(uploader()) for _ in range(4)]`) is a local name: its uses are read from "
    "the enclosing function alone, so a function of the same name elsewhere does not count; one the "
    "enclosing function also awaits, returns or hands out (besides gathering it) stays AL401.",
    why_bad="Cancelling the task still stops it: nothing hangs. What is lost is the record of the "
    "cancellation: `task.cancelled()` is False, `task.result()` returns normally, and `gather` or "
    "`wait` collecting the task see a normal result, so code that tells a cancelled task from a "
    "finished one (done callbacks, supervisors that restart finished workers) takes the wrong "
    "branch. Re-raising after the cleanup keeps both.",
    example="async def _read_loop(self):\n    try:\n        while True:\n"
    "            self._dispatch(await self._reader.readline())\n    except asyncio.CancelledError:\n"
    "        log.debug(\"reader stopped\")\n\n# elsewhere: self._reader_task = "
    "asyncio.create_task(self._read_loop())",
    use_instead="async def _read_loop(self):\n    try:\n        while True:\n"
    "            self._dispatch(await self._reader.readline())\n    except asyncio.CancelledError:\n"
    "        log.debug(\"reader stopped\")\n        raise",
    fix_safety="No automatic fix.",
    default_enabled=False,
)

TEARDOWN = Rule(
    code="AL407",
    name="teardown-ends-on-cancel",
    summary="A teardown coroutine (`close`, `stop`, `shutdown`...) that finishes normally when cancelled",
    what_it_does="Opt-in. Reports what AL401/AL402/AL404 leave out as teardown: an `except "
    "CancelledError` (or bare/`BaseException`) handler, or `suppress(CancelledError)` around an await, "
    "in a coroutine whose name says it tears its owner down (a word of it is `close`/`aclose`, "
    "`shutdown`, `teardown`, `stop`, `cleanup`, `release`, `dispose`, `terminate`, `finalize` or "
    "`aexit`: `close()`, `on_stop()`, `_async_shutdown_kernel()`, `__aexit__`), or that is an application's "
    "ASGI lifespan (`lifespan`, `app_lifespan`: the server cancels it at shutdown), when the swallow only "
    "ends the teardown early or moves on to the next item of a `for` loop over a collection. A "
    "handler that keeps a `while` or `async for` loop running, or that raises another exception, "
    "stays AL401/AL402/AL404; so does the same handler in a coroutine whose name says it does "
    "work (`disconnect()`, `drain()`, `fetch()`).",
    why_bad="Teardown code often absorbs a cancellation on purpose, so that the rest of the "
    "cleanup still runs (stopping every agent, closing every connection) and the owner goes away "
    "whatever happens: nothing hangs. What is lost is narrower: a caller that cancels the teardown, "
    "or times it out (`asyncio.wait_for(client.close(), 5)`), sees it return as if it had completed, "
    "and its own cancellation is gone. Re-raising after the cleanup keeps both.",
    example="async def close(self):\n    for conn in self._conns:\n        try:\n"
    "            await conn.close()\n        except asyncio.CancelledError:\n"
    "            log.warning(\"close of %s cancelled\", conn)",
    use_instead="async def close(self):\n    cancelled = None\n    for conn in self._conns:\n        try:\n"
    "            await conn.close()\n        except asyncio.CancelledError as exc:\n"
    "            cancelled = exc\n    if cancelled is not None:\n        raise cancelled",
    fix_safety="No automatic fix.",
    default_enabled=False,
)

LOOP_STOPPED = Rule(
    code="AL408",
    name="stopped-by-cancel",
    summary="A `while` loop, or a `run()`/`serve()`-style coroutine, that an `except CancelledError` stops "
    "without re-raising",
    what_it_does="Opt-in. Reports what AL401 leaves out as code whose cancellation is how it is stopped. "
    "First, an `except CancelledError` inside a `while` loop of a coroutine, when every way out of the handler "
    "leaves that loop (`break`, `return`, or setting a flag the loop's test reads: `running = False` "
    "under `while running`): `while True: try: msg = await ws.recv() except CancelledError: break`. "
    "Second, an `except CancelledError` whose every way out ends a coroutine named as the body of a "
    "long-running activity: the whole name (leading underscores aside) is `run`, `start`, `serve`, "
    "`main`, `listen`, `poll` or `watch` (also with `_async`), `loop` or `worker`, or ends in `_loop`, "
    "`_forever` or `_worker` (`collector_loop`, `serve_forever`); `run_command()` or `start_session()` "
    "do a step of work their caller waits for, and stay AL401. Readers, pollers, servers and workers are "
    "written this way to be stopped by a cancel; of the handlers read before this code was split from "
    "AL401 (the corpus and the held-out sets), none of 18 in `while` loops and none of 12 in such entry "
    "points was worth changing. Neither applies to an async generator, which runs in its consumer's task: the "
    "consumer's `async for` ends as if the stream were done and the consumer carries on uncancelled (4 of "
    "5 read were worth changing). Still AL401: the same handler in a `for` loop (a retry or a walk over "
    "items, whose caller wants the result), a `break` out of an inner loop that an outer loop runs on, a "
    "handler that keeps the loop running or raises another exception, and a `try` around a whole loop in "
    "a coroutine of another name. A catch-all (`except BaseException`, bare `except:`) stays AL402. A "
    "handler whose comment says why the cancellation is caught (`# Happens if disconnect called`) is not "
    "reported, as for AL401.",
    why_bad="The loop or the service stops, as the cancel meant; nothing hangs. What is lost is the record "
    "of the cancellation: the coroutine returns normally, so `task.cancelled()` is False, and a caller "
    "that awaits it, or times it out with `wait_for`, carries on as if it had finished. Re-raising after "
    "the cleanup keeps both.",
    example="async def _read_loop(self):\n    while True:\n        try:\n"
    "            msg = await self._ws.recv()\n        except asyncio.CancelledError:\n"
    "            break\n        self._dispatch(msg)",
    use_instead="async def _read_loop(self):\n    while True:\n        try:\n"
    "            msg = await self._ws.recv()\n        except asyncio.CancelledError:\n"
    "            log.debug(\"reader stopped\")\n            raise\n        self._dispatch(msg)",
    fix_safety="No automatic fix.",
    default_enabled=False,
)

RULES: Tuple[Rule, ...] = (SWALLOWED, CATCH_ALL, RETURN_IN_FINALLY, SUPPRESSED, CANCEL_THEN_AWAIT, TASK_BODY,
                           TEARDOWN, LOOP_STOPPED)
