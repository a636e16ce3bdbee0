"""AL4xx: coroutines that swallow their own cancellation.

Cancelling a task throws ``CancelledError`` (trio: ``Cancelled``) into it at its
next ``await``. A handler that catches it and carries on makes the task
uncancellable: ``asyncio.timeout``/``wait_for`` stop working, shutdowns hang and
TaskGroups cannot unwind. One checker serves the family: it classifies each
``except`` clause and ``suppress(...)`` once, and asks ``asynclint.flow`` whether
the handler can finish without raising.
"""

from __future__ import annotations

import ast
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Type

from ..flow import (
    BASE_EXCEPTION, TRY_TYPES, Leak, awaits_in, first_leak, leaving_jumps, walk_local,
)
from .base import Checker, Rule, node_text

# Classes whose instances are the cancellation of the running task. Not
# ``concurrent.futures.CancelledError``: since 3.8 it is an ``Exception`` unrelated
# to asyncio's, so catching it never catches a task's cancellation.
CANCELLED_CLASSES = frozenset({
    "asyncio.CancelledError", "asyncio.exceptions.CancelledError",
    "trio.Cancelled", "trio._core.Cancelled", "trio._core._exceptions.Cancelled",
})
# Calls returning the cancellation class of the running backend.
CANCELLED_FACTORIES = frozenset({
    "anyio.get_cancelled_exc_class", "anyio._core._eventloop.get_cancelled_exc_class",
})
SUPPRESS = "contextlib.suppress"
# Method names that mark deliberate handling of a cancellation (a deny-list: it only suppresses).
DELIBERATE_METHODS = frozenset({"cancelling", "uncancel"})

CANCEL, BASE = "cancel", "base"
_MAX_DEPTH = 4
Position = Tuple[int, int]

SWALLOWED = Rule(
    code="AL401",
    name="swallowed-cancellation",
    summary="`except CancelledError` that can finish without re-raising",
    what_it_does="Reports an `except` clause catching the task's cancellation -- "
    "`asyncio.CancelledError` however it is spelled (`asyncio.exceptions.CancelledError`, an imported "
    "name, an alias, inside a tuple, `except*`), `trio.Cancelled`, or anyio's "
    "`get_cancelled_exc_class()` -- in a `try` inside a coroutine whose body awaits, when some path "
    "out of the handler does not re-raise it: it reaches its end, `return`s, leaves a loop with "
    "`break`/`continue`, or raises a different exception. Re-raising means a bare `raise`, "
    "`raise <the caught name>`, or raising a new `CancelledError`.\n\n"
    "Not reported: a handler that calls `.cancelling()` or `.uncancel()` (deliberate handling), a "
    "`try` whose body has no `await`/`async for`/`async with` (no cancellation can arrive there), "
    "and awaiting a task this coroutine has just cancelled (`task.cancel()` then `try: await task` "
    "-- that idiom is AL405's, opt-in). `concurrent.futures.CancelledError` is not a task's "
    "cancellation since Python 3.8 and is never reported.",
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
    "catches the cancellation (it decides what happens to it), when the handler calls "
    "`.cancelling()`/`.uncancel()` or tests the caught exception with `isinstance(e, "
    "CancelledError)` / `isinstance(e, Exception)`, or when the `try` awaits a task this "
    "coroutine has just cancelled (AL405). `except Exception` is never reported: it does not "
    "catch `CancelledError` since Python 3.8.",
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
    "around awaiting a task this coroutine has just cancelled (AL405).",
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


class _Span(ast.AST):
    """A bare position for ``report`` when no node covers exactly what the finding is about."""

    _attributes = ("lineno", "col_offset", "end_lineno", "end_col_offset")

    def __init__(self, line: int, col: int, end_col: int) -> None:
        super().__init__()
        self.lineno = self.end_lineno = line
        self.col_offset = col
        self.end_col_offset = end_col


class CancellationChecker(Checker):
    """Classifies ``except`` clauses and ``suppress(...)`` in coroutines; asks ``flow`` about paths."""

    rules = RULES

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self._cancel_marks: Dict[int, List[Tuple[Position, FrozenSet[str]]]] = {}
        self._reported_jumps: Set[int] = set()

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        return b"async" in source and (b"except" in source or b"finally" in source or b"suppress" in source)

    # -- try / except ---------------------------------------------------------
    def visit_Try(self, node: ast.Try) -> None:
        if self.ctx.in_coroutine:
            self._check_try(node)

    visit_TryStar = visit_Try

    def _check_try(self, node: ast.Try) -> None:
        if node.finalbody:
            self._check_finally(node.finalbody)
        if not node.handlers or awaits_in(node.body) is None:
            return
        idiom: Optional[bool] = None  # computed on demand
        cancel_seen = False
        for handler in node.handlers:
            kinds = self._handler_kinds(handler)
            catches_cancel = any(kind == CANCEL for kind, _ in kinds)
            catches_all = handler.type is None or any(kind == BASE for kind, _ in kinds)
            earlier = cancel_seen  # an earlier handler decides what happens to the cancellation
            cancel_seen = cancel_seen or catches_cancel
            if earlier or not (catches_cancel or catches_all):
                continue
            if _calls_method(handler.body, DELIBERATE_METHODS):
                continue
            strict = catches_cancel
            leak = first_leak(handler.body, self._reraise_test(handler, strict), self.ctx.resolve)
            if leak is None:
                continue
            if idiom is None:
                idiom = self._awaits_only_cancelled(node.body)
            where = self._handler_anchor(handler, kinds, CANCEL if strict else BASE)
            caught = "bare `except:`" if handler.type is None else f"`except {node_text(where)}`"
            if idiom:
                if leak.kind != "raise":
                    self.ctx.report("AL405", where, f"{caught} after cancelling the awaited task also "
                                    "swallows a cancellation of this coroutine; re-raise when "
                                    "`asyncio.current_task().cancelling()` is non-zero")
                continue
            if strict:
                self._report_swallow(where, caught, leak)
            elif not self._tests_exception_type(handler):
                self.ctx.report("AL402", where, f"{caught} {_how(leak)} without raising: it catches "
                                "`CancelledError` too, so the cancellation is swallowed")

    def _report_swallow(self, where: ast.AST, caught: str, leak: Leak) -> None:
        if leak.kind == "raise":
            raised = leak.node.exc if isinstance(leak.node, ast.Raise) else leak.node
            self.ctx.report("AL401", where, f"{caught} raises `{node_text(raised)}` instead of re-raising "
                            f"(line {leak.node.lineno}): the cancellation becomes an ordinary failure")  # type: ignore[attr-defined]
        else:
            self.ctx.report("AL401", where, f"{caught} {_how(leak)} without re-raising: the cancellation "
                            "is swallowed and the task cannot be cancelled")

    def _reraise_test(self, handler: ast.ExceptHandler, strict: bool):  # type: ignore[no-untyped-def]
        """Which raises count as letting the cancellation through: any, or (strict) only re-raises."""
        def accepts(node: ast.AST) -> bool:
            if not strict:
                return True
            if not isinstance(node, ast.Raise):
                return False
            exc = node.exc
            if exc is None:
                return True
            if isinstance(exc, ast.Name) and exc.id == handler.name:
                return True
            # A fresh CancelledError keeps the cancellation a cancellation.
            return self._classify(exc.func if isinstance(exc, ast.Call) else exc) == CANCEL
        return accepts

    def _handler_anchor(self, handler: ast.ExceptHandler, kinds: List[Tuple[str, ast.expr]],
                        kind: str) -> ast.AST:
        for found, expr in kinds:
            if found == kind:
                return expr
        # bare ``except:``: the keyword itself
        return _Span(handler.lineno, handler.col_offset, handler.col_offset + len("except"))

    def _tests_exception_type(self, handler: ast.ExceptHandler) -> bool:
        """``isinstance(e, CancelledError)`` or ``isinstance(e, Exception)`` on the caught name: deliberate."""
        if handler.name is None:
            return False
        for node in walk_local(handler.body):
            if isinstance(node, ast.Call) and self.ctx.resolve(node.func) == "builtins.isinstance" \
                    and len(node.args) == 2 and isinstance(node.args[0], ast.Name) \
                    and node.args[0].id == handler.name:
                classes = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
                for cls in classes:
                    if self._classify(cls) == CANCEL or self.ctx.resolve(cls) == "builtins.Exception":
                        return True
        return False

    # -- finally --------------------------------------------------------------
    def _check_finally(self, finalbody: Sequence[ast.stmt]) -> None:
        for jump in leaving_jumps(finalbody):
            if id(jump) in self._reported_jumps:
                continue  # a jump in a nested ``finally`` leaves the outer one too: report it once
            self._reported_jumps.add(id(jump))
            word = "return" if isinstance(jump, ast.Return) else "break" if isinstance(jump, ast.Break) \
                else "continue"
            self.ctx.report("AL403", jump, f"`{word}` in `finally` discards the exception in flight, "
                            "`CancelledError` included")

    # -- with suppress(...) ---------------------------------------------------
    def visit_With(self, node: ast.With) -> None:
        if not self.ctx.in_coroutine:
            return
        for item in node.items:
            call = item.context_expr
            if not isinstance(call, ast.Call) or self.ctx.resolve(call.func) != SUPPRESS:
                continue
            kinds = {self._classify(arg) for arg in call.args}
            if not kinds & {CANCEL, BASE} or awaits_in(node.body) is None:
                continue
            if self._awaits_only_cancelled(node.body):
                if CANCEL in kinds:
                    self.ctx.report("AL405", call, f"`{node_text(call)}` after cancelling the awaited task "
                                    "also swallows a cancellation of this coroutine")
                continue
            self.ctx.report("AL404", call, f"`{node_text(call)}` around an await swallows the "
                            "cancellation: the coroutine carries on as if it had not been cancelled")

    # -- what an except clause catches ------------------------------------------
    def _handler_kinds(self, handler: ast.ExceptHandler) -> List[Tuple[str, ast.expr]]:
        """The cancellation or ``BaseException`` classes a handler names, with their expressions."""
        if handler.type is None:
            return []
        out: List[Tuple[str, ast.expr]] = []
        elts = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for elt in elts:
            for kind in self._kinds(elt, 0):
                out.append((kind, elt))
        return out

    def _classify(self, expr: ast.expr) -> Optional[str]:
        kinds = self._kinds(expr, 0)
        return CANCEL if CANCEL in kinds else BASE if BASE in kinds else None

    def _kinds(self, expr: ast.expr, depth: int) -> Set[str]:
        """CANCEL and/or BASE for a class expression, a tuple of them, or a name bound to either."""
        if depth > _MAX_DEPTH:
            return set()
        if isinstance(expr, ast.Tuple):
            return set().union(*(self._kinds(e, depth + 1) for e in expr.elts)) if expr.elts else set()
        if isinstance(expr, ast.Call):
            return {CANCEL} if self.ctx.resolve(expr.func) in CANCELLED_FACTORIES else set()
        qualname = self.ctx.resolve(expr)
        if qualname in CANCELLED_CLASSES:
            return {CANCEL}
        if qualname == BASE_EXCEPTION:
            return {BASE}
        if qualname is None and isinstance(expr, ast.Name):
            # ``Cancelled = get_cancelled_exc_class()`` or ``ERRORS = (CancelledError, OSError)``
            binding = self.ctx.single_binding(expr.id)
            if binding is not None and binding.value is not None and not binding.unpacked \
                    and isinstance(binding.value, (ast.Call, ast.Tuple)):
                return self._kinds(binding.value, depth + 1)
        return set()

    # -- the cancel-then-await idiom --------------------------------------------
    def _awaits_only_cancelled(self, body: Sequence[ast.stmt]) -> bool:
        """Every suspension point in ``body`` awaits something cancelled earlier in this coroutine."""
        func = self.ctx.current_function
        if func is None:
            return False
        marks = self._cancel_marks.get(id(func))
        if marks is None:
            marks = _collect_cancels(func)
            self._cancel_marks[id(func)] = marks
        if not marks:
            return False
        found = False
        for node in walk_local(body):
            if isinstance(node, (ast.AsyncFor, ast.AsyncWith)) or \
                    (isinstance(node, ast.comprehension) and node.is_async):
                return False
            if isinstance(node, ast.Await):
                mentions = _sources(node.value, receiver=False)
                where = (node.lineno, node.col_offset)
                if not any(pos < where and keys & mentions for pos, keys in marks):
                    return False
                found = True
        return found


def _how(leak: Leak) -> str:
    line = getattr(leak.node, "lineno", 0)
    if leak.kind == "fall-through":
        return "can reach its end"
    return f"can leave by `{leak.kind}` (line {line})"


def _calls_method(body: Sequence[ast.stmt], names: FrozenSet[str]) -> bool:
    for node in walk_local(body):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names:
            return True
    return False


def _collect_cancels(func: ast.AST) -> List[Tuple[Position, FrozenSet[str]]]:
    """Each ``x.cancel()`` call in a function: its position and what it cancels.

    What it cancels is ``x`` itself and, when ``x`` is the target of an enclosing
    ``for``/comprehension, the iterable and its sources (``for t in self._tasks.values():
    t.cancel()`` cancels ``self._tasks``), so a later ``gather(*self._tasks.values())``
    counts as awaiting cancelled tasks.
    """
    marks: List[Tuple[Position, FrozenSet[str]]] = []
    stack: List[Tuple[ast.AST, Dict[str, ast.expr]]] = [(s, {}) for s in reversed(getattr(func, "body", []))]
    while stack:
        node, loops = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "cancel":
            receiver = node.func.value
            keys = _sources(receiver)
            if isinstance(receiver, ast.Name) and receiver.id in loops:
                keys |= _sources(loops[receiver.id])
            marks.append(((node.lineno, node.col_offset), keys))
        inner = loops
        if isinstance(node, (ast.For, ast.AsyncFor)):
            inner = dict(loops)
            for name in _target_names(node.target):
                inner[name] = node.iter
            stack.append((node.iter, loops))
            stack.extend((child, inner) for child in reversed(node.body))
            stack.extend((child, loops) for child in reversed(node.orelse))
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = dict(loops)
            for gen in node.generators:
                for name in _target_names(gen.target):
                    inner[name] = gen.iter
        stack.extend((child, inner) for child in reversed(list(ast.iter_child_nodes(node))))
    return marks


def _sources(expr: ast.expr, receiver: bool = True) -> FrozenSet[str]:
    """Dumps of the expressions a value comes from: itself, call arguments, elements, method receivers.

    With ``receiver=False`` the outermost call's receiver is left out: ``await
    self._wait()`` does not await ``self``, while ``gather(*self._tasks.values())``
    does await ``self._tasks``.
    """
    out: Set[str] = set()
    stack = [(expr, receiver)]
    while stack:
        node, with_receiver = stack.pop()
        if isinstance(node, ast.Starred):
            stack.append((node.value, True))
        elif isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            out.add(ast.dump(node))
        elif isinstance(node, ast.Call):
            if with_receiver and isinstance(node.func, ast.Attribute):
                stack.append((node.func.value, True))
            stack.extend((arg, True) for arg in node.args)
            stack.extend((kw.value, True) for kw in node.keywords)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            stack.extend((elt, True) for elt in node.elts)
    return frozenset(out)


def _target_names(target: ast.AST) -> List[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _target_names(elt)]
    return []


CHECKERS: Tuple[Type[Checker], ...] = (CancellationChecker,)
