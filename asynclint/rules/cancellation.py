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
import os
import re
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple, Type

from ..analysis.flow import (
    BASE_EXCEPTION,
    TRY_TYPES,
    Leak,
    NoReturnCalls,
    awaits_in,
    block_exits,
    first_leak,
    is_stub,
    leaving_jumps,
    suspends_in,
    walk_local,
)
from ..analysis.index import CURRENT_TASK, ProjectIndex, hands_out_current_task, is_async_generator
from ..analysis.references import (ATTR, AWAIT, FUNC, SELF, Counts, combine, local_uses, private_name, reached_tails,
                                   tail_awaits, takes_call)
from ..analysis.resolver import Resolver
from ..analysis.scopes import BindingKind
from ..base.nodes import child_nodes, last_name, walk
from ..base.settings import relative_path
from ..base.source import noqa_codes
from ..catalogue.cancellation import RULES
from ..knowledge.intent import (ENTRY_POINT_NAMES, LIFESPAN_NAMES, REPORTING_CALLS, STOPPING_WORDS, TEARDOWN_WORDS,
                                await_explained, docstring_explained, handler_explained, is_cli_path, peer_silenced)
from .base import Checker, node_text

if TYPE_CHECKING:
    from ..analysis.context import FileContext

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
# Raised for a thread that waits on this task (``run_coroutine_threadsafe``): a relabelled cancellation.
THREAD_CANCELLATION = frozenset({"concurrent.futures.CancelledError", "concurrent.futures._base.CancelledError"})
# Method names that mark deliberate handling of a cancellation (deny-lists: they only suppress).
DELIBERATE_METHODS = frozenset({"cancelling", "uncancel"})
# ... hand the exception in flight to someone else, whatever the arguments,
TRANSFER_METHODS = frozenset({"set_exception", "throw", "athrow"})
# An RPC protocol's cancel status (Connect's ``Code.CANCELED``, gRPC's ``StatusCode.CANCELLED``): an error built
# with it reports the cancellation in the protocol's own terms.
CANCEL_STATUSES = frozenset({"CANCELED", "CANCELLED"})
# Context managers under which awaiting a cancelled task stays the cancel-then-await idiom.
TIMEOUTS = frozenset({"asyncio.timeout", "asyncio.timeout_at", "async_timeout.timeout", "async_timeout.timeout_at"})
# Methods and words in a condition that asks "did we cancel this ourselves?"
STATE_METHODS = frozenset({"cancelling", "cancelled"})
STATE_WORDS = ("cancel", "clos", "stop", "shut", "disconnect", "abort")

# ``asyncio.gather``: once cancelled, it raises ``CancelledError`` to its caller whatever its children returned.
GATHERS = frozenset({"asyncio.gather", "asyncio.tasks.gather"})
# ``with X(shield=True):`` scopes that keep outside cancellation away from their body.
SHIELDING_SCOPES = frozenset({
    "trio.CancelScope", "trio._core.CancelScope", "anyio.CancelScope", "trio.move_on_after",
    "trio.move_on_at", "trio.fail_after", "trio.fail_at", "anyio.move_on_after", "anyio.fail_after",
})
# Awaiting another task: the names it is usually held under, its types, and the calls that wait for one.
TASK_SUFFIXES = ("task", "future", "fut")
TASK_FACTORIES = frozenset({"create_task", "ensure_future"})
STORING_METHODS = frozenset({"append", "add", "appendleft", "setdefault"})  # put a future in a container attribute
# ``except (asyncio.TimeoutError, asyncio.CancelledError)`` around a wait with a timeout: before Python 3.12,
# ``wait_for`` could let the inner cancellation out instead of ``TimeoutError`` when the timeout fired.
TIMEOUT_ERRORS = frozenset({"builtins.TimeoutError", "asyncio.TimeoutError", "asyncio.exceptions.TimeoutError",
                            "concurrent.futures.TimeoutError", "async_timeout.TimeoutError"})
WAIT_FORS = frozenset({"asyncio.wait_for", "asyncio.tasks.wait_for"})
TASK_WRAPPERS = WAIT_FORS | {"asyncio.shield", "asyncio.tasks.shield"}

# What a coroutine that runs until it is stopped waits on (``await self._stopped.wait()``), and the calls that
# stop its own work once it is cancelled (``await self.stop()``, ``cancel_and_wait(*self._tasks)``).
UNTIL_STOPPED_WAITS = frozenset({"wait", "serve_forever", "wait_closed", "sleep_forever"})
SERVING_IDIOM = "around `serve_forever()` (it raises `CancelledError` when anything closes the server)"
SHUTDOWN_CALLS = re.compile(TEARDOWN_WORDS.pattern + r"|(?:^|_)cancel(?:_|$)", re.IGNORECASE)

CANCEL, BASE = "cancel", "base"
SELF_CANCEL = "<current task>"
_MAX_DEPTH = 4
Position = Tuple[int, int]





def _own_nodes(stmt: ast.stmt) -> List[ast.AST]:
    """The nodes of one statement itself, not of the statements nested in it (nor nested functions)."""
    out: List[ast.AST] = [stmt]
    stack = [c for c in child_nodes(stmt) if not isinstance(c, ast.stmt)]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Lambda):
            continue
        out.append(node)
        stack.extend(child_nodes(node))
    return out


_WRAPPER_NAMES = frozenset({"wait_for", "shield"})
_CANCEL_IN_NAME = re.compile(r"Cancel", re.IGNORECASE)
_NO_COVER = re.compile(r"#.*\b(?:pragma:\s*no\s*cover|no\s*cov(?:er)?)\b", re.IGNORECASE)

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
    needs_index = True  # "is this coroutine only ever started as a task?" and project exception classes

    def __init__(self, ctx: "FileContext") -> None:
        super().__init__(ctx)
        self._cancel_marks: Dict[int, List[Tuple[Position, FrozenSet[str]]]] = {}
        self._task_handed_out: Dict[int, Optional[int]] = {}
        self._reported_jumps: Set[int] = set()
        self._no_return: Optional[NoReturnCalls] = None
        self._module_cancels: Optional[FrozenSet[str]] = None

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        return b"async" in source and (b"except" in source or b"finally" in source or b"suppress" in source)

    # -- try / except ---------------------------------------------------------
    def visit_Try(self, node: ast.Try) -> None:
        if self.ctx.in_coroutine:
            self._check_try(node)

    visit_TryStar = visit_Try

    def _in_test(self) -> bool:
        """Tests of cancellation script tasks that swallow it on purpose (``except Cancelled:
        record.append("cancelled")``); only AL403, which no test needs, is reported there."""
        return self.ctx.in_test_code

    def _check_try(self, node: ast.Try) -> None:
        if node.finalbody:
            self._check_finally(node)
        if not node.handlers or not self._cancellable(node.body) or self._in_test() \
                or self._awaits_only_resolved(node.body):
            return
        idiom: Optional[str] = None  # computed on demand
        cancel_seen = False
        for handler in node.handlers:
            kinds = self._handler_kinds(handler)
            catches_cancel = any(kind == CANCEL for kind, _ in kinds)
            catches_all = handler.type is None or any(kind == BASE for kind, _ in kinds)
            earlier = cancel_seen  # an earlier handler decides what happens to the cancellation
            cancel_seen = cancel_seen or catches_cancel
            if earlier or not (catches_cancel or catches_all):
                continue
            strict = catches_cancel
            accepts = self._reraise_test(handler, strict)
            leak = first_leak(handler.body, accepts, self.ctx.resolve, self._no_return_calls())
            if leak is None or self._deliberate(handler, accepts) or self._records_cancellation(handler, leak):
                continue
            if leak.kind != "raise" and self._redelivered(kinds, strict):
                continue  # trio, anyio (and trio-only modules): the still-cancelled scope raises it again
            if leak.kind == "raise" and strict and self._redelivered(kinds, strict) \
                    and self._checkpoint_before(handler, leak.node):
                continue  # the still-cancelled scope raises it again at that checkpoint, before the conversion
            if self._inside_cleanup(strict) or self._caller_reraises() \
                    or (not strict and leak.kind == "fall-through" and self._raises_next(node) is not None) \
                    or (leak.kind == "fall-through"
                        and self._cancellation_raised_at_the_end(node, self._reraise_test(handler, True))):
                continue
            where = self._handler_anchor(handler, kinds, CANCEL if strict else BASE)
            caught = "bare `except:`" if handler.type is None else f"`except {node_text(where)}`"
            if strict and leak.kind != "raise" and self._as_timeout(handler, node.body):
                self.ctx.report("AL405", where, f"{caught} treats a cancellation as the wait's timeout (the "
                                "pre-3.12 `wait_for` race) and also swallows a cancellation of this coroutine; "
                                "re-raise when `asyncio.current_task().cancelling()` is non-zero")
                continue
            if idiom is None:
                idiom = self._idiom(node.body)
            if idiom:
                if leak.kind != "raise":
                    self.ctx.report("AL405", where, f"{caught} {idiom} also swallows a cancellation of this "
                                    "coroutine; re-raise when `asyncio.current_task().cancelling()` is non-zero")
                continue
            if leak.kind != "raise" and self._serving_ends(node.body):
                self.ctx.report("AL405", where, f"{caught} {SERVING_IDIOM} also swallows a cancellation of this "
                                "coroutine; re-raise when `asyncio.current_task().cancelling()` is non-zero")
                continue
            body = self._task_body(handler, accepts)
            if body is not None and is_async_generator(self.ctx.current_function):
                self.ctx.report("AL406", where, f"{caught} ends the streamed body `{body}()` without re-raising "
                                "(the project only hands it to a streaming response, which iterates it in the "
                                "request's own task): the response ends, but the task does not look cancelled")
                continue
            if body is not None:
                self.ctx.report("AL406", where, f"{caught} ends the task body `{body}()` without re-raising "
                                "(the project only starts it as a task or runs it as a program root): the task stops, "
                                "but `task.cancelled()` is False and awaiting it returns normally")
                continue
            streamed = self._streamed_response(handler, accepts)
            if streamed is not None:
                self.ctx.report("AL406", where, f"{caught} ends the request handler streaming `{streamed}` without "
                                "re-raising (the server cancels a streaming handler when the client goes away or "
                                "at shutdown): the response ends, but the handler does not look cancelled")
                continue
            gathered = self._only_gathered(handler, accepts) if leak.kind != "raise" else None
            if gathered is not None:
                self.ctx.report("AL406", where, f"{caught} ends `{gathered}()` without re-raising; it only runs "
                                "inside `asyncio.gather(...)`, which raises `CancelledError` to its caller anyway "
                                "once it was cancelled: the child stops, but does not look cancelled")
                continue
            owned = self._owner_collects(handler, accepts)
            if owned is not None:
                self.ctx.report("AL406", where, f"{caught} ends `{owned[0]}()` without re-raising; its class runs it "
                                f"as the task `{owned[1]}`, which it cancels and then awaits expecting it to return "
                                f"(line {owned[2]}; a re-raise would come out of that await): it stops, but does "
                                "not look cancelled")
                continue
            unawaited = self._never_awaited(handler, accepts)
            if unawaited is not None:
                self.ctx.report("AL406", where, f"{caught} ends `{unawaited}()` without re-raising; nothing in the "
                                "project awaits or returns this private coroutine (it is started or handed on, "
                                "e.g. as a callback): it stops, but a task running it does not look cancelled")
                continue
            root = self._stopping_root(node, handler, accepts)
            if root is not None:
                self.ctx.report("AL406", where, f"{caught} ends `{root[0]}()`, which runs until it is stopped and "
                                f"shuts down when cancelled (line {root[1]}); nothing in the project awaits it: it "
                                "stops, but a task running it does not look cancelled")
                continue
            teardown = self._teardown(handler, accepts)
            if teardown is not None:
                self._report_teardown(where, caught, teardown)
                continue
            if self._explained(handler) or (leak.kind == "fall-through" and self._landing_explained(node)):
                continue
            if leak.kind != "raise" and self._ctrl_c_exit(node, handler):
                continue
            stopped = self._stops_its_loop(handler, accepts) if strict else None
            if stopped is not None:
                self.ctx.report("AL408", where, f"{caught} stops the `while` loop (line {stopped.lineno}) without "
                                "re-raising: the loop ends as the cancellation meant, but the coroutine then "
                                "returns normally, so a task running it does not look cancelled and a caller "
                                "awaiting it carries on")
                continue
            entry = self._entry_point_ends(handler, accepts) if strict else None
            if entry is not None:
                self.ctx.report("AL408", where, f"{caught} ends `{entry}()` without re-raising (its name says it runs "
                                "until stopped, and a cancel is how it is stopped): it stops, but returns normally, "
                                "so a task running it does not look cancelled and a caller awaiting it carries on")
                continue
            harm = self._harm(leak, handler)
            raised = self._raises_next(node) if strict and leak.kind == "fall-through" else None
            if strict and raised is not None:
                self.ctx.report("AL401", where, f"{caught} falls through to `{node_text(raised)}` (line "
                                f"{raised.lineno}) instead of re-raising: the cancellation becomes an ordinary "  # type: ignore[attr-defined]
                                "failure")
            elif strict:
                self._report_swallow(where, caught, leak, harm)
            else:
                self.ctx.report("AL402", where, f"{caught} {_how(leak)} without raising: it catches "
                                f"`CancelledError` too, so {harm}")

    def _explained(self, block: ast.stmt | ast.ExceptHandler) -> bool:
        """A comment in the handler (or ``with``) says why the cancellation is caught, one at an await the
        handler guards says that call raises it, or the coroutine's docstring documents what it does when
        cancelled: the author has weighed it (``knowledge.intent``)."""
        if handler_explained(self.ctx.lines, block.lineno, block.end_lineno or block.lineno):
            return True
        func = self.ctx.current_function
        if isinstance(func, ast.AsyncFunctionDef) and docstring_explained(ast.get_docstring(func)):
            return True
        guarded = self._guarded_body(block)
        return any(await_explained(self.ctx.lines, stmt.lineno) for stmt in guarded)

    def _ctrl_c_exit(self, node: ast.Try, handler: ast.ExceptHandler) -> bool:
        """``except (asyncio.CancelledError, KeyboardInterrupt): pass`` in command-line code (a ``cli``
        package, ``cli.py``, ``__main__.py``), or the two in handlers of one ``try`` (``except
        CancelledError: pass`` then ``except KeyboardInterrupt: echo(...)``): Ctrl-C under ``asyncio.run``
        cancels the command's main task, and the handler is how the command exits quietly; no caller
        waits on it."""
        if handler.type is None or not is_cli_path(relative_path(self.ctx.path, self.ctx.settings.project_root)):
            return False
        for sibling in node.handlers:
            if sibling.type is None:
                continue
            names = sibling.type.elts if isinstance(sibling.type, ast.Tuple) else [sibling.type]
            if any(self.ctx.resolve(name) in ("KeyboardInterrupt", "builtins.KeyboardInterrupt") for name in names):
                return True
        return False

    def _landing_explained(self, node: ast.Try) -> bool:
        """A comment on the statement a falling-through handler leads to (the one after the ``try``) says
        why: ``return None  # DEPRECATED: 4.0 will raise CancelledError instead``, written where the
        swallow lands."""
        after = self._following(node)
        return bool(after) and handler_explained(self.ctx.lines, after[0].lineno, after[0].lineno)

    def _following(self, node: ast.stmt) -> Sequence[ast.stmt]:
        """The statements after ``node`` in its block (what a handler that falls through runs next)."""
        block = self.ctx.block_of(node)
        return block[next(i for i, s in enumerate(block) if s is node) + 1:] if block is not None else ()

    def _guarded_body(self, block: ast.stmt | ast.ExceptHandler) -> List[ast.stmt]:
        """The statements of the ``try`` (whose handler ``block`` is) or the ``with`` body that await."""
        body: Sequence[ast.stmt] = ()
        if isinstance(block, ast.ExceptHandler):
            for outer in reversed(self.ctx.ancestors):
                handlers = getattr(outer, "handlers", None)
                if handlers is not None and any(h is block for h in handlers):
                    body = outer.body  # type: ignore[attr-defined]
                    break
        elif isinstance(block, (ast.With, ast.AsyncWith)):
            body = block.body
        out: List[ast.stmt] = []
        stack = list(body)
        while stack:
            stmt = stack.pop()
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if any(isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith)) for n in _own_nodes(stmt)):
                out.append(stmt)
            stack.extend(s for s in child_nodes(stmt) if isinstance(s, ast.stmt))
        return out

    def _harm(self, leak: Leak, handler: ast.ExceptHandler) -> str:
        """What swallowing does in this shape: a loop that runs on, or a caller that carries on."""
        loops = self._loops_run_on(leak, handler)
        if loops and all(isinstance(loop, ast.For) for loop in loops):  # over a collection: it ends
            return ("the loop goes on to its next item, then the coroutine returns normally and whoever "
                    "awaits it loses the cancellation")
        if loops and all(isinstance(loop, ast.While) and _waits_for_done(loop.test) for loop in loops):
            return ("the loop waits on until the work is done, then the coroutine returns normally and whoever "
                    "awaits it loses the cancellation")
        if loops:
            return "the loop keeps running and the task cannot be cancelled"
        return "the coroutine returns normally and whoever awaits it loses the cancellation"

    def _loops_run_on(self, leak: Leak, handler: ast.ExceptHandler) -> List[ast.AST]:
        """The loops around the handler that go on after it (``continue``, or falling through without a
        flag that ends them), innermost first; empty when the swallow leaves the coroutine's loops."""
        func = self.ctx.current_function
        loops = self._enclosing_loops(func) if func is not None else []
        if loops and (leak.kind == "continue" or (leak.kind == "fall-through" and not self._flag_leaves_loop(handler)
                                                  and not self._stops_loop(handler, loops))):
            return loops
        return []

    def _stops_loop(self, handler: ast.ExceptHandler, loops: Sequence[ast.AST]) -> bool:
        """The handler falls through into a ``while`` loop (the only one) whose test reads a flag the handler
        sets so the test fails: an attribute of ``self`` (``self._closing = True`` under ``while not
        self._closing``, or through a plain method of the class that does: ``self.close()`` whose body is
        ``self._closing = True``), a local of the function (``running = False`` under ``while running``), or
        an event either holds (``self.should_exit.set()`` under ``while not self.should_exit.is_set()``).
        The loop then ends; it does not run on."""
        if len(loops) != 1 or not isinstance(loops[0], ast.While):
            return False
        test = loops[0].test
        read = {key for n in walk(test) for key in (_flag_key(n),) if key is not None}
        if not read:
            return False
        settings = list(_flag_settings(handler.body))
        owner = next((n for n in reversed(self.ctx.ancestors) if isinstance(n, ast.ClassDef)), None)
        if owner is not None:
            methods = {m.name: m for m in owner.body if isinstance(m, ast.FunctionDef)}
            for node in walk_local(handler.body):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "self" \
                        and node.func.attr in methods:
                    settings.extend((key, value) for key, value in _flag_settings(methods[node.func.attr].body)
                                    if key.startswith("self."))  # another method's locals are its own
        return any(key in read and _test_fails(test, key, value) for key, value in settings)

    def _flag_leaves_loop(self, handler: ast.ExceptHandler) -> bool:
        """``except CancelledError: abort = True`` and, right after the ``try``, ``if abort: ... break``:
        the loop ends (the function then returns normally), it does not run on."""
        flags = _flags_set(handler)
        stack = self.ctx.ancestors
        for i in range(len(stack) - 1, 0, -1):
            outer, inner = stack[i - 1], stack[i]
            if inner is not handler and isinstance(inner, TRY_TYPES):
                block = next((b for b in (getattr(outer, "body", None), getattr(outer, "orelse", None))
                              if isinstance(b, list) and any(s is inner for s in b)), None)
                if block is None:
                    return False
                after = block[next(j for j, s in enumerate(block) if s is inner) + 1:]
                return bool(flags) and any(
                    isinstance(s, ast.If) and any(isinstance(n, ast.Name) and n.id in flags for n in walk(s.test))
                    and any(isinstance(j, (ast.Break, ast.Return)) for j in walk_local(s.body)) for s in after[:1])
        return False

    def _report_swallow(self, where: ast.AST, caught: str, leak: Leak, harm: str) -> None:
        if leak.kind == "raise":
            raised = leak.node.exc if isinstance(leak.node, ast.Raise) else leak.node
            self.ctx.report("AL401", where, f"{caught} raises `{node_text(raised)}` instead of re-raising "
                            f"(line {leak.node.lineno}): the cancellation becomes an ordinary failure")  # type: ignore[attr-defined]
        else:
            self.ctx.report("AL401", where, f"{caught} {_how(leak)} without re-raising: {harm}")

    def _redelivered(self, kinds: List[Tuple[str, ast.expr]], strict: bool) -> bool:
        """trio's cancellation, and anyio's cancel scopes', are level-triggered: swallowing the cancellation
        only defers it to the next checkpoint in the still-cancelled scope. So for ``except trio.Cancelled``
        and ``except anyio.get_cancelled_exc_class()``, and for a catch-all in a module that uses only trio or
        only anyio (not asyncio): its code runs in their cancel scopes."""
        if strict:
            return all(self._level_triggered(expr, 0) for kind, expr in kinds if kind == CANCEL)
        return self.ctx.library in ("trio", "anyio")

    def _checkpoint_before(self, handler: ast.ExceptHandler, leak: ast.AST) -> bool:
        """A statement of the handler's own body before the one holding ``leak`` awaits outside a shielding
        scope (``async with self._send_lock:``): in a level-triggered scope that checkpoint raises the
        cancellation again, so the conversion after it never runs (lilya's SSE send)."""
        for stmt in handler.body:
            if any(node is leak for node in walk_local([stmt])):
                return False
            if isinstance(stmt, (ast.With, ast.AsyncWith)) and any(self._shields(i.context_expr) for i in stmt.items):
                continue
            if any(isinstance(node, (ast.Await, ast.AsyncWith, ast.AsyncFor)) for node in walk_local([stmt])):
                return True
        return False

    def _level_triggered(self, expr: ast.expr, depth: int) -> bool:
        """``trio.Cancelled``, anyio's ``get_cancelled_exc_class()``, or a name bound once to one of them."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(expr, ast.Call):
            return self.ctx.resolve(expr.func) in CANCELLED_FACTORIES
        qualname = self.ctx.resolve(expr)
        if qualname is None and isinstance(expr, ast.Name):
            binding = self.ctx.single_binding(expr.id)
            return binding is not None and isinstance(binding.value, ast.Call) and not binding.unpacked \
                and self._level_triggered(binding.value, depth + 1)
        return (qualname or "").startswith("trio.")

    def _inside_cleanup(self, strict: bool) -> bool:
        """The ``try`` is best-effort cleanup whose function raises anyway when an exception is in flight:
        it runs inside a handler that always raises, or inside a ``finally:`` that does not jump out (for
        ``except CancelledError``, only the ``finally`` of a ``try`` without handlers: after handlers
        that swallow errors, the ``finally`` is the normal path, and its awaits are the work)."""
        stack = self.ctx.ancestors
        for i in range(len(stack) - 2, -1, -1):
            outer, child = stack[i], stack[i + 1]
            if isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                return False
            if isinstance(outer, TRY_TYPES) and any(stmt is child for stmt in outer.finalbody):  # type: ignore[attr-defined]
                if strict and outer.handlers:  # type: ignore[attr-defined]
                    return False
                return not any(True for _ in leaving_jumps(outer.finalbody))  # type: ignore[attr-defined]
            if isinstance(outer, ast.ExceptHandler) and (
                    block_exits(outer.body, self.ctx.resolve, self._no_return_calls()).always_raises
                    or self._raised_later(outer)):
                return True
        return False

    def _raised_later(self, handler: ast.ExceptHandler) -> bool:
        """The handler keeps the exception it caught for later (``except Exception as err: exception =
        err``) and the function raises it under a test of that name further down (``if exception: raise
        exception``), with no ``return`` at the function's level in between: it raises either way."""
        func = self.ctx.current_function
        if handler.name is None or func is None:
            return False
        kept = {target.id for node in walk_local(handler.body) if isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Name) and node.value.id == handler.name
                for target in node.targets if isinstance(target, ast.Name)}
        if not kept:
            return False
        for stmt in getattr(func, "body", []):
            if stmt.lineno <= handler.lineno:
                continue
            if isinstance(stmt, ast.If) and any(isinstance(n, ast.Name) and n.id in kept for n in walk(stmt.test)) \
                    and any(isinstance(r, ast.Raise) and isinstance(r.exc, ast.Name) and r.exc.id in kept
                            for r in stmt.body):
                return True
            if any(isinstance(n, ast.Return) for n in walk_local([stmt])):
                return False
        return False

    def _cancellation_raised_at_the_end(self, node: ast.Try, accepts: Callable[[ast.AST], bool]) -> bool:
        """The ``try`` stands in the function's own body and every path through what follows it ends by
        raising the cancellation again (gcloud-aio-pubsub's subscriber cancels and collects its workers, then
        ``raise asyncio.CancelledError('subscriber shut down')``): the handler only defers the re-raise
        until the cleanup has run. ``accepts`` is the strict test: another error raised there (``raise
        ApiError(msg)``) is a conversion, and a catch-all's awaits before it carry on after the swallow."""
        func = self.ctx.current_function
        if func is None or self.ctx.block_of(node) is not getattr(func, "body", None):
            return False
        following = self._following(node)
        if not following:
            return False
        exits = block_exits(following, self.ctx.resolve, self._no_return_calls())
        return exits.always_raises and bool(exits.raises) and all(accepts(r) for r in exits.raises)

    def _raises_next(self, node: ast.Try) -> Optional[ast.AST]:
        """The statements right after the ``try`` raise, without awaiting anything first (``try: msg =
        (await response.json())['message'] except BaseException: pass`` then ``raise ApiError(msg)``): a
        catch-all guards a best-effort step of a function that fails either way, as in ``_inside_cleanup``.
        Only for a catch-all falling through; ``except CancelledError`` before a ``raise`` converts on purpose.
        The first such raise, or None."""
        following = list(self._following(node))
        if not following or awaits_in(following) is not None:
            return None
        exits = block_exits(following, self.ctx.resolve, self._no_return_calls())
        return exits.raises[0] if exits.always_raises and exits.raises else None

    def _ended_task_body(self, node: ast.With) -> Optional[str]:
        """The coroutine's name when ``with suppress(...)`` is its last statement, directly in its body
        (leaving the block ends it), and the project only starts it as a task (``_only_started``)."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or not self._last_step(func, node):
            return None
        return self._only_started(func)

    def _last_step(self, func: ast.AsyncFunctionDef, node: ast.stmt) -> bool:
        """``node`` is the function's last statement, or the last of a ``try`` body (no ``else``), ``if``
        branch or ``with`` block that is itself a last step (nanobot's ``try: with suppress(CancelledError):
        while ...`` under ``except Exception``): leaving it ends the function. Not inside a loop."""
        stack = self.ctx.ancestors
        where = next((i for i in range(len(stack) - 1, -1, -1) if stack[i] is node), None)
        if where is None:
            return False
        child: ast.AST = node
        for parent in reversed(stack[:where]):
            if parent is func:
                return bool(func.body) and func.body[-1] is child
            if isinstance(parent, TRY_TYPES) and not parent.orelse and parent.body[-1] is child:  # type: ignore[attr-defined]
                child = parent
            elif isinstance(parent, ast.If) and (parent.body[-1] is child or (parent.orelse and parent.orelse[-1] is child)):
                child = parent
            elif isinstance(parent, (ast.With, ast.AsyncWith)) and parent.body[-1] is child:
                child = parent
            else:
                return False
        return False

    def _caller_reraises(self) -> bool:
        """The coroutine is private (``_drain``, or any function of a private module such as
        ``tools/_error_handler.py``) and everything in the project that uses it awaits it inside an
        ``except`` handler that always raises (``except CancelledError: await _drain(task); raise``;
        ``ProjectIndex.awaited_only_before_raise``): the cleanup of ``_inside_cleanup``, one call away.
        Not when a loop around the swallow runs on regardless (``while True``): the helper would never
        return to its caller's ``raise``; a ``for`` loop or ``while not task.done()`` ends."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or not (
                private_name(func.name) or any(private_name(part) for part in self.ctx.module_name.split("."))):
            return False
        for loop in self._enclosing_loops(func):
            if isinstance(loop, ast.While) and not _waits_for_done(loop.test):
                return False
        stack = self.ctx.ancestors
        where = next((i for i in range(len(stack) - 1, -1, -1) if stack[i] is func), 0)
        method = where > 0 and isinstance(stack[where - 1], ast.ClassDef)
        return Resolver.of(self.ctx).index.awaited_only_before_raise(func.name, method)

    def _task_body(self, handler: ast.ExceptHandler, accepts: Callable[[ast.AST], bool]) -> Optional[str]:
        """The coroutine's name when the project only ever starts it as a task (``analysis.references``)
        and every way out of the handler ends it: ``return``, falling off its end, or ``break`` out of
        the loop that ends it. Not a handler that keeps a loop running or raises something else."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or not self._handler_ends(func, handler, accepts):
            return None
        return self._only_started(func)

    def _streamed_response(self, handler: ast.ExceptHandler, accepts: Callable[[ast.AST], bool]) -> Optional[str]:
        """The response's name when the coroutine is a request handler streaming it (``await response.prepare(
        request)`` on a parameter of its own, ``return response`` as its last statement) and every way out of
        the handler ends it. aiohttp cancels a streaming handler when the client goes away or at shutdown,
        and ends the connection the same way whether the handler re-raises or returns (HA's event stream,
        tribler's ``/events``)."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or not func.body:
            return None
        last = func.body[-1]
        if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Name)):
            return None
        name = last.value.id
        params = {a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)} - {"self", "cls"}
        prepares = any(
            isinstance(node, ast.Await) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "prepare"
            and isinstance(node.value.func.value, ast.Name) and node.value.func.value.id == name
            and len(node.value.args) == 1 and not node.value.keywords
            and isinstance(node.value.args[0], ast.Name) and node.value.args[0].id in params
            for node in walk_local(func.body))
        return name if prepares and self._handler_ends(func, handler, accepts) else None

    def _only_started(self, func: ast.AsyncFunctionDef) -> Optional[str]:
        """``func``'s name when the project only ever starts it as a task or runs it as a program root
        (directly, or awaited last by such coroutines); None otherwise. A function nested in another is
        read from its enclosing function alone (``local_uses``), free of other functions of its name."""
        enclosing = self._enclosing_function(func)
        resolver = Resolver.of(self.ctx)
        if enclosing is not None:
            local = local_uses(enclosing, func, self.ctx.resolve, self._starts_first_argument)
            if local is not None and local[0] and not local[1] and not local[2]:
                return func.name
        found = self._project_uses(func, resolver)
        if found is None:
            return None
        counts, method, _ = found
        recursive = _tail_self_awaits(func, method)
        if recursive:  # awaiting itself as its last step runs in the same task: no caller of its own
            channel = (SELF if method else FUNC) + AWAIT
            counts = tuple(max(0, n - recursive) if i == channel else n for i, n in enumerate(counts))
        uses = combine(counts, method)  # a method is reached as an attribute, a function by name or module
        tails = reached_tails(resolver.index.tail_callers(func.name, self.ctx.module_name), method)
        self_tails = [t for t in tails if t.partition(":")[2][:1] == str(SELF)]
        if method and (uses[1] or uses[2] or self_tails) and not counts[ATTR + 1] and not counts[ATTR + 2]:
            # only ``self.<name>`` uses besides the spawns: are they all in classes unrelated to this one?
            qualname = self._class_qualname(func) or ""
            if resolver.index.self_uses_unrelated(func.name, self.ctx.module_name, qualname, self.ctx.path,
                                                  resolver.local):
                uses = (uses[0], 0, 0)
                tails = [t for t in tails if t not in self_tails]
        if uses[1] or uses[2]:
            return None
        if not uses[0] and not tails:
            return None
        if tails and not all(resolver.index.runs_as_task_root(entry) for entry in tails):
            return None
        return func.name

    def _only_gathered(self, handler: ast.ExceptHandler, accepts: Callable[[ast.AST], bool]) -> Optional[str]:
        """The name of a coroutine that only ever runs as a direct argument of ``asyncio.gather(...)``, when
        every way out of the handler ends it: one nested in another function, read from that function alone
        (skypilot's websocket/PTY bridge), or a private method or module function (``_name``) whose every use
        in the project is such an argument in its own module (pipecat's peer-track pumps, gathered through
        ``self``). A cancelled gather raises ``CancelledError`` to its caller once its children are done,
        whatever they returned, so a child that ends quietly loses no one's cancellation; one that keeps a loop
        running would hold the gather open, and a conversion would replace the ``CancelledError``: both
        reported."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or is_async_generator(func) \
                or not self._handler_ends(func, handler, accepts):
            return None
        name = func.name
        enclosing = self._enclosing_function(func)
        if enclosing is not None:
            local = local_uses(enclosing, func, self.ctx.resolve, self._starts_first_argument)
            if local is None or local[0] or local[1] or not local[2]:
                return None
            gathered = self._gathered_references(enclosing, lambda n: isinstance(n, ast.Name) and n.id == name,
                                                 lambda n: True)
            return name if gathered else None
        if not private_name(name):
            return None
        resolver = Resolver.of(self.ctx)
        found = self._project_uses(func, resolver)
        if found is None:
            return None
        counts, method, _ = found
        if reached_tails(resolver.index.tail_callers(name, self.ctx.module_name), method):
            return None
        if method:
            gathered = self._gathered_references(
                self.ctx.module, lambda n: isinstance(n, ast.Attribute) and n.attr == name,
                lambda n: isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in ("self", "cls"))
        else:
            gathered = self._gathered_references(
                self.ctx.module, lambda n: isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load),
                lambda n: True)
        # every use the project has of the name (the index's counts, all modules) is one of these
        return name if gathered and gathered == sum(combine(counts, method)) else None

    def _gathered_references(self, scope: ast.AST, refers: Callable[[ast.AST], bool],
                             own: Callable[[ast.AST], bool]) -> int:
        """How many references ``scope`` holds (``refers``), when each is ``own`` and called as a direct
        argument of ``asyncio.gather(...)``; 0 when any is not."""
        parents: Dict[int, ast.AST] = {}
        for node in walk(scope):
            for child in child_nodes(node):
                parents[id(child)] = node
        gathered = 0
        for node in walk(scope):
            if not refers(node):
                continue
            call, holder = parents.get(id(node)), None
            if isinstance(call, ast.Call) and call.func is node:
                holder = parents.get(id(call))
                if isinstance(holder, (ast.GeneratorExp, ast.ListComp)) and holder.elt is call \
                        and isinstance(parents.get(id(holder)), ast.Starred):
                    call = parents[id(holder)]  # ``gather(*(handle(c) for c in calls))``: one per item
                    holder = parents.get(id(call))
            if not (own(node) and isinstance(holder, ast.Call) and any(arg is call for arg in holder.args)
                    and self.ctx.resolve(holder.func) in GATHERS):
                return 0
            gathered += 1
        return gathered

    def _starts_first_argument(self, call: ast.Call) -> bool:
        """A call of a project helper that starts the coroutine object it is given first as a task."""
        qualname = self.ctx.resolve(call.func)
        return qualname is not None and Resolver.of(self.ctx).index.starts_first_argument(qualname)

    def _enclosing_function(self, func: ast.AST) -> Optional[ast.AST]:
        """The function ``func`` is defined in (not through a class), or None for a module's function or a method."""
        stack = self.ctx.ancestors
        where = next((i for i in range(len(stack) - 1, -1, -1) if stack[i] is func), None)
        if not where:
            return None
        for outer in reversed(stack[:where]):
            if isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return outer
            if isinstance(outer, (ast.ClassDef, ast.Lambda)):
                return None
        return None

    def _project_uses(self, func: ast.AsyncFunctionDef, resolver: Resolver) -> Optional[Tuple[Counts, bool, int]]:
        """The index's use counts of ``func``'s name, whether it is a method, and where it sits in the
        ancestors; None when the index keeps no counts for it (never started, not private)."""
        counts = resolver.index.uses(func.name, self.ctx.module_name)
        if counts is None:
            return None
        stack = self.ctx.ancestors
        where = next((i for i in range(len(stack) - 1, -1, -1) if stack[i] is func), 0)
        method = where > 0 and isinstance(stack[where - 1], ast.ClassDef)
        if method and counts[ATTR + AWAIT]:
            # ``await app._process_messages(ready_callback=f)`` cannot call ``_process_messages(self)``:
            # another class's method of that name is what those calls await
            unreachable = sum(uses for uses, *shapes in resolver.index.awaited_call_shapes(
                func.name, self.ctx.module_name) if not any(takes_call(func, shape) for shape in shapes))
            if unreachable:
                adjusted = list(counts)
                adjusted[ATTR + AWAIT] = max(0, adjusted[ATTR + AWAIT] - unreachable)
                counts = tuple(adjusted)
        return counts, method, where

    def _handler_ends(self, func: ast.AsyncFunctionDef, handler: ast.ExceptHandler,
                      accepts: Callable[[ast.AST], bool]) -> bool:
        """Every way out of the handler ends the coroutine: ``return``, falling off its end, or ``break``
        out of the loop that ends it; not a handler that keeps a loop running or raises something else."""
        exits = block_exits(handler.body, self.ctx.resolve, self._no_return_calls())
        if any(not accepts(r) for r in exits.raises) or any(isinstance(j, ast.Continue) for j in exits.jumps):
            return False
        loops = self._enclosing_loops(func)
        if exits.falls_through and loops and not self._stops_loop(handler, loops):
            return False  # the loop runs on
        return not (any(isinstance(j, ast.Break) for j in exits.jumps) and len(loops) > 1)  # (the inner loop only)

    def _owner_collects(self, handler: ast.ExceptHandler, accepts: Callable[[ast.AST], bool]
                        ) -> Optional[Tuple[str, str, int]]:
        """The method's name, its task's name and the collecting await's line when the method's own class
        starts it as a task (``self._reader = asyncio.create_task(self._read())``, or a local ``task = ...``
        in one method) and cancels that task and then awaits it with nothing around the await to take a
        ``CancelledError`` (``self._reader.cancel(); await self._reader``): the class's shutdown expects the
        task to return, so the handler that ends it is its protocol, and a re-raise would come out of the
        owner's own await (rsocket's transports, xknx's gateway scan). The handler must end the method."""
        func = self.ctx.current_function
        stack = self.ctx.ancestors
        where = next((i for i in range(len(stack) - 1, -1, -1) if stack[i] is func), 0)
        if not isinstance(func, ast.AsyncFunctionDef) or where == 0 or not isinstance(stack[where - 1], ast.ClassDef) \
                or is_async_generator(func) or not self._handler_ends(func, handler, accepts):
            return None
        methods = [m for m in stack[where - 1].body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for method in methods:
            for node in walk_local(method.body):
                if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and self._runs_own(node.value, func.name)):
                    continue
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    line = self._cancels_then_awaits(method, target)
                elif isinstance(target, ast.Attribute) and _is_self(target.value):
                    line = next((found for other in methods
                                 for found in [self._cancels_then_awaits(other, target)] if found), None)
                else:
                    line = None
                if line is not None:
                    return func.name, node_text(target), line
        return None

    def _runs_own(self, value: ast.expr, name: str) -> bool:
        """``asyncio.create_task(self.<name>(...))`` (any ``create_task``/``ensure_future``)."""
        if not (isinstance(value, ast.Call) and value.args and last_name(value.func) in TASK_FACTORIES):
            return False
        coro = value.args[0]
        return isinstance(coro, ast.Call) and isinstance(coro.func, ast.Attribute) and coro.func.attr == name \
            and _is_self(coro.func.value)

    def _cancels_then_awaits(self, method: ast.AST, task: ast.expr) -> Optional[int]:
        """The line of ``await <task>`` in ``method`` after a ``<task>.cancel()`` there, when no ``except`` or
        ``suppress`` around that await takes a ``CancelledError``; None otherwise."""
        key = _shape(task)
        cancelled = [n.lineno for n in walk_local(getattr(method, "body", [])) if isinstance(n, ast.Call)
                     and isinstance(n.func, ast.Attribute) and n.func.attr == "cancel" and _shape(n.func.value) == key]
        if not cancelled:
            return None
        guarded: List[Tuple[int, int]] = []
        for node in walk_local(getattr(method, "body", [])):
            if isinstance(node, TRY_TYPES) and any(h.type is None or any(kind in (CANCEL, BASE) for kind, _ in
                                                                          self._handler_kinds(h)) for h in node.handlers):
                guarded.append((node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno))
            if isinstance(node, (ast.With, ast.AsyncWith)) and any(
                    isinstance(item.context_expr, ast.Call) and self.ctx.resolve(item.context_expr.func) == SUPPRESS
                    for item in node.items):
                guarded.append((node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno))
        for node in walk_local(getattr(method, "body", [])):
            if isinstance(node, ast.Await) and _shape(node.value) == key and min(cancelled) < node.lineno \
                    and not any(first <= node.lineno <= last for first, last in guarded):
                return node.lineno
        return None

    def _never_awaited(self, handler: ast.ExceptHandler, accepts: Callable[[ast.AST], bool]) -> Optional[str]:
        """The coroutine's name when it is private (``_name``: the project holds every use of it), not an
        async generator, and used in the project but never awaited or returned, directly or inside an
        awaited call (``await helper(self._x)``, ``wait_for(self._x(), 5)``; ``analysis.references``): it
        is started or handed on (a local name, a list of callbacks), so no caller waits on it and loses
        its own cancellation. The handler must end it, as for a task body."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or not private_name(func.name) \
                or is_async_generator(func) \
                or not self._handler_ends(func, handler, accepts):
            return None
        resolver = Resolver.of(self.ctx)
        found = self._project_uses(func, resolver)
        if found is None:
            return None
        counts, method, _ = found
        spawned, awaited, other = combine(counts, method)
        if awaited or not (spawned or other):
            return None  # awaited somewhere, or no use seen at all (reached by a name built at run time)
        if reached_tails(resolver.index.tail_callers(func.name, self.ctx.module_name), method):
            return None
        return func.name

    def _stopping_root(self, node: ast.Try, handler: ast.ExceptHandler, accepts: Callable[[ast.AST], bool]
                       ) -> Optional[Tuple[str, int]]:
        """The coroutine's name and its shutdown call's line when it runs until it is stopped (a ``while``
        loop, ``await self._stopped.wait()``, ``await self._serving``), the handler ends it, it then shuts
        its own work down (``await self.stop()`` in the handler, the ``finally`` or right after the
        ``try``) and nothing in the project awaits a coroutine of its name: a worker's or server's
        ``start``/``run`` where a cancellation is the way to stop it (saq's ``Worker.start``)."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or not self._handler_ends(func, handler, accepts) \
                or not self._runs_until_stopped(node, func):
            return None
        line = self._shuts_down(node, handler)
        if line is None:
            return None
        resolver = Resolver.of(self.ctx)
        found = self._project_uses(func, resolver)
        if found is None:
            return None
        counts, method, _ = found
        if combine(counts, method)[1] or resolver.index.tail_callers(func.name, self.ctx.module_name):
            return None
        return func.name, line

    def _runs_until_stopped(self, node: ast.Try, func: ast.AsyncFunctionDef) -> bool:
        """The ``try`` is the coroutine's open-ended wait: a ``while`` loop around or inside it, or an
        await of an event's ``wait()`` or of a bare future (``await self._serving``)."""
        if any(isinstance(loop, ast.While) for loop in self._enclosing_loops(func)):
            return True
        for sub in walk_local(node.body):
            if isinstance(sub, ast.While):
                return True
            if isinstance(sub, ast.Await):
                value = sub.value
                if isinstance(value, (ast.Name, ast.Attribute)) and not self._is_task(value):
                    return True
                if isinstance(value, ast.Call) and not value.args and isinstance(value.func, ast.Attribute) \
                        and value.func.attr in UNTIL_STOPPED_WAITS:
                    return True
        return False

    def _shuts_down(self, node: ast.Try, handler: ast.ExceptHandler) -> Optional[int]:
        """The line of a call that stops this coroutine's own work (``self.stop()``, ``self.cleanup()``,
        ``cancel_and_wait(*self._tasks)``) in the handler, the ``finally`` or the statements after the
        ``try`` in its block (after the loop it breaks out of); None when there is none."""
        func = self.ctx.current_function
        loops = self._enclosing_loops(func) if func is not None else []
        breaks = any(isinstance(j, ast.Break) for j in block_exits(handler.body, self.ctx.resolve,
                                                                   self._no_return_calls()).jumps)
        after_loop = self._following(loops[0]) if loops and breaks else ()  # type: ignore[arg-type]
        for sub in walk_local([*handler.body, *node.finalbody, *self._following(node), *after_loop]):
            if isinstance(sub, ast.Call) and SHUTDOWN_CALLS.search(last_name(sub.func) or "") is not None:
                return sub.lineno
        return None

    def _teardown(self, handler: Optional[ast.ExceptHandler], accepts: Callable[[ast.AST], bool]) -> Optional[str]:
        """The coroutine's name when it tears its owner down (``knowledge.intent.TEARDOWN_WORDS``), or is an
        application's ASGI lifespan (``lifespan``: the server cancels it at shutdown, around its ``yield``
        or its cleanup after it), and the swallow only ends it early: not inside a ``while`` or ``async for`` loop that runs on, not raising
        another exception. ``handler`` None: a ``with suppress(...)`` block, which falls through."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or (TEARDOWN_WORDS.search(func.name) is None
                                                          and LIFESPAN_NAMES.fullmatch(func.name) is None):
            return None
        carries_on = True
        if handler is not None:
            exits = block_exits(handler.body, self.ctx.resolve, self._no_return_calls())
            if any(not accepts(r) for r in exits.raises):
                return None
            carries_on = exits.falls_through or any(isinstance(j, ast.Continue) for j in exits.jumps)
        if carries_on and any(isinstance(loop, (ast.While, ast.AsyncFor)) for loop in self._enclosing_loops(func)):
            return None  # an open-ended loop runs on: that is AL401's hang
        return func.name

    def _stops_its_loop(self, handler: ast.ExceptHandler, accepts: Callable[[ast.AST], bool]) -> Optional[ast.While]:
        """The ``while`` loop around the ``try`` when an explicit ``except CancelledError`` stops it: every way
        out of the handler leaves that loop (``break``, ``return``, or a flag its test reads), in a coroutine
        that is not an async generator. "Cancel stops this loop" is how readers, pollers and connection
        loops are written to be stopped (18 such handlers read, none worth changing). Not a ``for`` loop
        (a retry or a walk over items, whose caller wants its result), not a ``break`` out of an inner
        loop that an outer one runs on, and not an async generator: it runs in its consumer's task, whose
        ``async for`` would end as if the stream were done (4 of 5 read were worth changing)."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or is_async_generator(func):
            return None
        loops = self._enclosing_loops(func)
        loop = loops[0] if loops else None
        if not isinstance(loop, ast.While) or not self._handler_ends(func, handler, accepts):
            return None
        return loop

    def _entry_point_ends(self, handler: ast.ExceptHandler, accepts: Callable[[ast.AST], bool]) -> Optional[str]:
        """The coroutine's name when it is named as the body of a long-running activity (``run``, ``start``,
        ``serve``, ``*_loop``...: ``knowledge.intent.ENTRY_POINT_NAMES``) and every way out of an explicit
        ``except CancelledError`` ends it: its owner stops it by cancelling it (12 such handlers read, none
        worth changing, awaited ones included). Not an async generator, which runs in its consumer's task,
        nor a handler inside a ``for`` loop."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or ENTRY_POINT_NAMES.fullmatch(func.name) is None \
                or is_async_generator(func) \
                or any(isinstance(loop, (ast.For, ast.AsyncFor)) for loop in self._enclosing_loops(func)):
            return None  # (a ``for`` loop: a retry or a walk over items, as for the ``while`` loops)
        return func.name if self._handler_ends(func, handler, accepts) else None

    def _report_teardown(self, where: ast.AST, what: str, name: str) -> None:
        self.ctx.report("AL407", where, f"{what} lets the teardown `{name}()` finish normally when cancelled: "
                        "the owner still goes away, but a caller that cancels it or times it out sees it "
                        "return as if it had completed")

    def _enclosing_loops(self, func: ast.AST) -> List[ast.AST]:
        """Loops of ``func`` whose body holds the statement being visited, innermost first."""
        stack = self.ctx.ancestors
        loops: List[ast.AST] = []
        for i in range(len(stack) - 2, -1, -1):
            outer, child = stack[i], stack[i + 1]
            if outer is func:
                break
            if isinstance(outer, (ast.For, ast.AsyncFor, ast.While)) and any(s is child for s in outer.body):
                loops.append(outer)
        return loops

    def _reraise_test(self, handler: ast.ExceptHandler, strict: bool) -> Callable[[ast.AST], bool]:
        """Which raises count as letting the cancellation through: any, or (strict) only re-raises."""
        def accepts(node: ast.AST) -> bool:
            if not strict:
                return True
            if not isinstance(node, ast.Raise):
                return True  # ``sys.exit()``, a ``NoReturn`` helper: the task does not carry on
            exc = node.exc
            if exc is None:
                return True
            if isinstance(exc, ast.Name) and exc.id == handler.name:
                return True
            raised = self.ctx.resolve(exc.func if isinstance(exc, ast.Call) else exc)
            if raised == "builtins.AssertionError" or self._marked_unreachable(node):
                return True  # "cannot happen", like ``assert False``: not a conversion
            if raised in THREAD_CANCELLATION:
                return True  # the same cancellation, labelled for the thread waiting on this task
            if self._relays_cleanup_failure(handler, node):
                return True  # a cleanup step's own error, not the cancellation
            # A fresh CancelledError (or a project subclass of it) keeps the cancellation a cancellation,
            # and so does the library's own cancellation error (``WorkflowUpdateRPCTimeoutOrCancelledError``,
            # ``OperationCancelled``): its name tells its callers what happened, on purpose.
            cls = exc.func if isinstance(exc, ast.Call) else exc
            return self._classify(cls) == CANCEL or self._project_cancellation(cls) \
                or _CANCEL_IN_NAME.search(last_name(cls) or "") is not None
        return accepts

    def _relays_cleanup_failure(self, handler: ast.ExceptHandler, raise_node: ast.Raise) -> bool:
        """``raise e`` (or ``raise Other(...) from e``) inside an ``except SomeError as e:`` nested in the
        cancellation's handler, around the handler's own cleanup steps: it relays the error a cleanup step
        raised, only when that step failed; the handler's other paths still re-raise (checked as usual).
        Not when the nested handler itself catches the cancellation or everything (``e`` may be one)."""
        named = raise_node.cause if raise_node.cause is not None else raise_node.exc
        if not isinstance(named, ast.Name):
            return False
        for node in walk_local(handler.body):
            if not isinstance(node, TRY_TYPES):
                continue
            for inner in node.handlers:  # type: ignore[attr-defined]
                if inner.name != named.id or inner.type is None or self._handler_kinds(inner):
                    continue
                if any(found is raise_node for found in walk_local(inner.body)):
                    return True
        return False

    def _marked_unreachable(self, node: ast.AST) -> bool:
        """A raise the author marked as never run for coverage (``# pragma: no cover`` / ``# no cov``) on
        its line or on the ``if`` line right above it: a "cannot happen" guard, not a conversion."""
        lines = self.ctx.lines
        line = getattr(node, "lineno", 0)
        return any(0 < n <= len(lines) and _NO_COVER.search(lines[n - 1]) is not None for n in (line, line - 1))

    def _project_cancellation(self, cls: ast.expr) -> bool:
        """A class of the project deriving from ``CancelledError``/``trio.Cancelled`` (through the index)."""
        qualname = self.ctx.resolve(cls)
        if qualname is None or qualname.startswith("builtins."):
            return False
        resolver = Resolver.of(self.ctx)
        return resolver.index.derives_from(qualname, CANCELLED_CLASSES, self.ctx.path, resolver.local)

    def _handler_anchor(self, handler: ast.ExceptHandler, kinds: List[Tuple[str, ast.expr]],
                        kind: str) -> ast.AST:
        for found, expr in kinds:
            if found == kind:
                return expr
        # bare ``except:``: the keyword itself
        return _Span(handler.lineno, handler.col_offset, handler.col_offset + len("except"))

    def _cancellable(self, body: Sequence[ast.stmt]) -> bool:
        """``body`` awaits somewhere a cancellation from outside can arrive.

        Awaits inside a shielded trio/anyio scope (``with CancelScope(shield=True):``)
        cannot receive one: only the scope's own cancellation, which the scope absorbs.
        Nested functions, lambdas and classes do not run here.
        """
        stack: List[ast.AST] = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Await) and (self._never_suspends(node.value) or self._absorbs_cancel(node.value)):
                stack.extend(child_nodes(node.value))  # (what it is given may still await)
                continue
            if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)) or \
                    (isinstance(node, ast.comprehension) and node.is_async):
                return True
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(node, ast.With) and any(self._shields(item.context_expr) for item in node.items):
                stack.extend(item.context_expr for item in node.items)
                continue
            stack.extend(child_nodes(node))
        return False

    def _never_suspends(self, awaited: ast.expr) -> bool:
        """``awaited`` calls a coroutine function of this module whose body never suspends
        (``_quiet_coroutines``): awaiting it runs it to its end without yielding to the loop, so no
        cancellation can arrive there. Not a method a project subclass defines again, nor a public method
        reached through ``self``/``cls`` (a subclass outside the project may override it with one that
        suspends)."""
        if not isinstance(awaited, ast.Call):
            return False
        func = awaited.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls") \
                and not private_name(func.attr):
            return False
        quiet = self._quiet_coroutines()
        here = last_name(func) in {definition.name for definition, _ in quiet.values()}
        if not here and not isinstance(self.ctx.index, ProjectIndex):
            return False  # (most awaits in a lone file: no resolution needed)
        resolver = Resolver.of(self.ctx)
        target = resolver.call_target(awaited)
        if target is None or not target.is_coroutine or not target.path:
            return False
        if os.path.abspath(target.path) == os.path.abspath(self.ctx.path):
            if not here or target.line not in quiet:
                return False
            is_method = quiet[target.line][1]
        else:  # another module's ("qc"): patchright's Route.fallback
            quiet_name = resolver.index.quiet_coroutine(target, resolver.local)
            if quiet_name is None:
                return False
            is_method = "." in quiet_name
        owner, _, name = target.qualname.rpartition(".")
        return not (is_method and resolver.index.overridden(owner, name, resolver.local))

    def _absorbs_cancel(self, awaited: ast.expr) -> bool:
        """``awaited`` calls a private coroutine function of this module (``await self._maybe_wait()``,
        ``await _drain()``) whose every suspension point sits in the body of a ``try`` with an ``except
        CancelledError`` that does not re-raise: a cancellation arriving there ends in that handler, which
        is reported itself, so none comes out of this await (mode's ``_gather_futures``, sets 30 and 48).
        Not a method a project subclass defines again, nor a decorated one."""
        if not isinstance(awaited, ast.Call):
            return False
        func = awaited.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls"):
            name, is_method = func.attr, True
        elif isinstance(func, ast.Name):
            name, is_method = func.id, False
        else:
            return False
        if not private_name(name):
            return False
        absorbing = self._absorbing_coroutines()
        if name not in {definition.name for definition, _ in absorbing.values()}:
            return False
        resolver = Resolver.of(self.ctx)
        target = resolver.call_target(awaited)
        if target is None or not target.is_coroutine or not target.path \
                or os.path.abspath(target.path) != os.path.abspath(self.ctx.path) or target.line not in absorbing \
                or absorbing[target.line][1] != is_method:
            return False
        owner, _, method = target.qualname.rpartition(".")
        return not (is_method and resolver.index.overridden(owner, method, resolver.local))

    def _absorbing_coroutines(self) -> Dict[int, Tuple[ast.AsyncFunctionDef, bool]]:
        """This module's undecorated coroutine functions that suspend, only inside ``try`` bodies whose
        ``except CancelledError`` ends without re-raising, by line, with whether each is a method. Once per file."""
        return self._module_coroutines("absorbing-coroutines", lambda node: suspends_in(node.body)
                                       and self._suspends_only_where_absorbed(node))

    def _suspends_only_where_absorbed(self, function: ast.AsyncFunctionDef) -> bool:
        """Every ``await``/``async for``/``async with``/``yield`` of ``function`` lies in the body of a ``try``
        whose ``except CancelledError`` (named, not a catch-all) can end without raising."""
        covered: Set[int] = set()
        for node in walk_local(function.body):
            if not isinstance(node, TRY_TYPES):
                continue
            for handler in node.handlers:  # type: ignore[attr-defined]
                if handler.type is None or not any(kind == CANCEL for kind, _ in self._handler_kinds(handler)):
                    continue
                if first_leak(handler.body, lambda _: True, self.ctx.resolve, self._no_return_calls()) is not None:
                    covered.update(id(inner) for inner in walk_local(node.body))  # type: ignore[attr-defined]
                break
        return all(id(node) in covered for node in walk_local(function.body)
                   if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith, ast.Yield, ast.YieldFrom))
                   or (isinstance(node, ast.comprehension) and node.is_async))

    def _quiet_coroutines(self) -> Dict[int, Tuple[ast.AsyncFunctionDef, bool]]:
        """This module's undecorated coroutine functions whose body never suspends (no ``await``, ``async
        for``/``async with`` or ``yield``: ``async def get_property_value(...)`` over a dict look-up) and is
        not a stub (``pass``, ``...``, ``raise NotImplementedError``: an interface), by line, with whether
        each is a method. Once per file."""
        return self._module_coroutines("quiet-coroutines", lambda node: not suspends_in(node.body)
                                       and not is_stub(node.body))

    def _module_coroutines(self, key: str, keep: Callable[[ast.AsyncFunctionDef], bool]
                           ) -> Dict[int, Tuple[ast.AsyncFunctionDef, bool]]:
        """This module's undecorated coroutine functions that ``keep`` accepts, by line, with whether each is
        a method; memoised under ``key`` for the file."""
        found = self.ctx.memo.get(key)
        if not isinstance(found, dict):
            methods = {id(m) for node in walk(self.ctx.module) if isinstance(node, ast.ClassDef) for m in node.body}
            found = self.ctx.memo[key] = {
                node.lineno: (node, id(node) in methods) for node in walk(self.ctx.module)
                if isinstance(node, ast.AsyncFunctionDef) and not node.decorator_list and keep(node)}
        return found

    def _shields(self, expr: ast.expr) -> bool:
        return isinstance(expr, ast.Call) and self.ctx.resolve(expr.func) in SHIELDING_SCOPES and any(
            kw.arg == "shield" and isinstance(kw.value, ast.Constant) and kw.value.value is True
            for kw in expr.keywords)

    def _no_return_calls(self) -> NoReturnCalls:
        if self._no_return is None:
            self._no_return = NoReturnCalls(self.ctx.module, self.ctx.resolve)
        return self._no_return

    def _deliberate(self, handler: ast.ExceptHandler, accepts: Callable[[ast.AST], bool]) -> bool:
        """Handlers that visibly decide what to do with the cancellation rather than forget it.

        - they call ``.cancelling()`` or ``.uncancel()`` (the documented way to tell
          apart a cancellation you asked for);
        - they hand the caught exception on: store it (``self._exc = exc``,
          ``errors.append(exc)``, ``outcome = Error(exc)``), pass it to
          ``set_exception``/``throw``, to be raised elsewhere, or return it to the caller
          (``return exc``, ``return None, exc``);
        - they re-raise under a condition that inspects the exception or the
          cancellation state (``if exc is not value: raise``, ``if task.cancelled(): raise``,
          ``if not self._closing: raise``);
        - they set a flag that the function tests later to re-raise (``cancelled =
          True`` ... ``if cancelled: raise CancelledError``), as ``Condition.wait`` does.
          (Not ``if fut.done(): return fut.result()``: that is the ``wait_for`` bug
          that swallowed cancellations before Python 3.12.)
        - they cancel the current task again (``asyncio.current_task().cancel()``, also
          through a name bound to it): the next ``await`` raises ``CancelledError``, and a
          coroutine that returns first still leaves its task cancelled.
        - they cancel the tasks the ``try`` awaited and then await them (``await
          asyncio.gather(*tasks)``): that await raises the cancellation again.
        - the coroutine handed its own task to the project before the ``try`` (``_hands_out_own_task``):
          the project cancels it on purpose, and the handler is the other half of that protocol.
        - they answer with HTTP 499, "Client Closed Request" (``raise HTTPException(status_code=499)``):
          the status itself says the request's cancellation is what is being answered; or they return
          an answer that says the client disconnected (vllm's ``return self.create_error_response("Client
          disconnected")``): the author decided what a cancellation means there. Likewise an error built
          with an RPC protocol's cancel status (``raise ConnectError(Code.CANCELED, ...)``).
        """
        body = handler.body
        if _calls_method(body, DELIBERATE_METHODS | TRANSFER_METHODS) or self._cancels_given_future(body):
            return True
        if self._cancels_itself_again(handler) or self._awaits_what_it_cancelled(handler) \
                or self._hands_out_own_task(handler) or any(_client_closed(n) or _raises_cancel_status(n)
                                                            or _answers_disconnect(n) for n in walk_local(body)):
            return True
        name = handler.name
        held = ({name} if name is not None else set()) | self._exc_info_names(body)
        raised = {id(r.exc) for r in walk_local(body) if isinstance(r, ast.Raise) and r.exc is not None}
        for node in walk_local(body):
            if id(node) in raised:
                continue  # ``raise Other(exc)`` converts, it does not hand on
            for holder in held:
                if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None \
                        and _carries(node.value, holder):
                    return True
                if isinstance(node, ast.Call) and _hands_on(node, holder):
                    return True
                if isinstance(node, ast.Return) and node.value is not None and _carries(node.value, holder):
                    return True  # ``return exc``: the caller gets the exception and decides
            if isinstance(node, ast.If) and any(isinstance(r, ast.Raise) for r in walk_local(node.body + node.orelse)) \
                    and (_tests_cancellation_state(node.test, name) or _relays_another_error(node, name)
                         or self._caller_decides(node, name)):
                return True
        return self._reraised_later(handler, accepts)

    def _awaits_what_it_cancelled(self, handler: ast.ExceptHandler) -> bool:
        """A statement of the handler itself awaits what the handler has just cancelled (``for t in tasks:
        t.cancel()`` then ``return await asyncio.gather(*tasks)``, xoscar's batch; ``task.cancel()`` then
        ``await task``): that await raises ``CancelledError`` again, unless ``return_exceptions`` collects it.
        The cancels are the function's ``.cancel()`` marks (``_collect_cancels``) inside the handler."""
        marks = self._function_cancels()
        first, last = handler.lineno, handler.end_lineno or handler.lineno
        inside = [(pos, keys) for pos, keys in marks or () if first <= pos[0] <= last]
        for stmt in handler.body if inside else ():
            value = stmt.value if isinstance(stmt, (ast.Expr, ast.Return, ast.Assign)) else None
            if not isinstance(value, ast.Await):
                continue
            awaited, parts = value.value, [value.value]
            if isinstance(awaited, ast.Call) and self.ctx.resolve(awaited.func) in GATHERS:
                if any(k.arg == "return_exceptions" and not (isinstance(k.value, ast.Constant) and not k.value.value)
                       for k in awaited.keywords):
                    continue
                parts = [a.value if isinstance(a, ast.Starred) else a for a in awaited.args]
            where = (value.lineno, value.col_offset)
            cancelled = {key for pos, keys in inside if pos < where for key in keys}
            if parts and all(ast.dump(part) in cancelled for part in parts):
                return True
        return False

    def _hands_out_own_task(self, handler: ast.ExceptHandler) -> bool:
        """Before the handler, the coroutine stores its own task where the project can cancel it: it puts
        ``asyncio.current_task()`` in an attribute, a container or a call's arguments (``self._pending.add(
        task)``), directly or through a method of its class (xinference's ``self._add_running_task(
        request_id)``, which the ``/abort`` route cancels by id). The project cancels it on purpose, and the
        handler's answer (an HTTP 409, a ``RuntimeError(self.failure_reason)``) is the protocol's other half.
        Not a task kept in a local, logged or put in a local container (``index.hands_out_current_task``)."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef):
            return False
        key = id(func)
        if key not in self._task_handed_out:
            self._task_handed_out[key] = self._first_task_handout(func)
        line = self._task_handed_out[key]
        return line is not None and line < handler.lineno

    def _first_task_handout(self, func: ast.AsyncFunctionDef) -> Optional[int]:
        """The line where ``func`` first hands its own task out (``_hands_out_own_task``), or None: in its
        own body, or at a ``self.method(...)`` call whose method (of its class or a project base class, read
        from the index's "ht" rows; the file's own summary for its own classes) does it."""
        line = hands_out_current_task(func.body, self.ctx.resolve)
        owner = self._class_qualname(func)
        if owner is None:
            return line
        resolver = Resolver.of(self.ctx)
        for node in walk_local(func.body):
            if line is not None and getattr(node, "lineno", 0) >= line:
                break
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "self":
                target = resolver.index.method(owner, node.func.attr, self.ctx.path, resolver.local)
                if target is not None and resolver.index.hands_out_task(target, resolver.local):
                    return node.lineno
        return line

    def _class_qualname(self, func: ast.AST) -> Optional[str]:
        """The qualified name of the class ``func`` is a method of (``pkg.mod.Outer.Inner``), or None."""
        stack = self.ctx.ancestors
        where = next((i for i in range(len(stack) - 1, -1, -1) if stack[i] is func), 0)
        if where == 0 or not isinstance(stack[where - 1], ast.ClassDef):
            return None
        owner = ".".join(n.name for n in stack[:where] if isinstance(n, ast.ClassDef))
        return f"{self.ctx.module_name}.{owner}" if self.ctx.module_name else owner

    def _caller_decides(self, node: ast.If, name: Optional[str]) -> bool:
        """``if not ignore_errors: raise``: the handler re-raises unless a parameter of the function says
        not to, so the swallow is the caller's choice, made through the function's own API (deepeval's
        ``safe_a_classify(..., ignore_errors)``). Only names that are parameters in the test, and a
        re-raise (bare ``raise`` or ``raise <the caught name>``) under it."""
        func = self.ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef):
            return False
        args = func.args
        params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]} - {"self", "cls"}
        read = [n for n in walk(node.test) if isinstance(n, ast.Name)]
        if not read or any(n.id not in params for n in read) \
                or any(isinstance(n, (ast.Attribute, ast.Call, ast.Subscript)) for n in walk(node.test)):
            return False
        return any(isinstance(r, ast.Raise) and (r.exc is None or (isinstance(r.exc, ast.Name) and r.exc.id == name))
                   for r in walk_local(node.body + node.orelse))

    def _exc_info_names(self, body: Sequence[ast.stmt]) -> Set[str]:
        """Names the handler binds to the exception it caught through ``sys``: ``exc = sys.exception()``,
        ``_, exc, tb = sys.exc_info()``, ``exc, tb = sys.exc_info()[1:]``, ``exc = sys.exc_info()[1]``,
        ``info = sys.exc_info()`` (a handler with no ``as`` name, apscheduler's job runner)."""
        names: Set[str] = set()
        for node in walk_local(body):
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            value, target, first = node.value, node.targets[0], 0
            if isinstance(value, ast.Subscript):
                index = value.slice
                if isinstance(index, ast.Constant) and index.value == 1:
                    first = -1  # the value itself
                elif isinstance(index, ast.Slice) and isinstance(index.lower, ast.Constant) and index.lower.value == 1 \
                        and index.upper is None and index.step is None:
                    first = 0  # (exc, tb)
                else:
                    continue
                value = value.value
            if not isinstance(value, ast.Call) or self.ctx.resolve(value.func) not in ("sys.exc_info", "sys.exception"):
                continue
            if isinstance(target, ast.Name):
                names.add(target.id)
            elif isinstance(target, ast.Tuple) and first >= 0:
                position = first if isinstance(node.value, ast.Subscript) else 1
                if position < len(target.elts) and isinstance(target.elts[position], ast.Name):
                    names.add(target.elts[position].id)  # type: ignore[attr-defined]
        return names

    def _function_cancels(self) -> Optional[List[Tuple[Position, FrozenSet[str]]]]:
        """The current function's ``.cancel()`` calls (``_collect_cancels``), once per function; None outside one."""
        func = self.ctx.current_function
        if func is None:
            return None
        marks = self._cancel_marks.get(id(func))
        if marks is None:
            marks = _collect_cancels(func, self.ctx.resolve)
            self._cancel_marks[id(func)] = marks
        return marks

    def _cancels_itself_again(self, handler: ast.ExceptHandler) -> bool:
        """``asyncio.current_task().cancel()`` (or ``task.cancel()`` for ``task = asyncio.current_task()``
        bound in the function) inside the handler."""
        marks = self._function_cancels()
        if marks is None:
            return False
        first, last = handler.lineno, handler.end_lineno or handler.lineno
        return any(SELF_CANCEL in keys and first <= line <= last for (line, _), keys in marks)

    def _records_cancellation(self, handler: ast.ExceptHandler, leak: Leak) -> bool:
        """The handler records the cancellation as the program's state and ends there: ``inter.command_failed
        = True; return`` (disnake's command wrappers), ``cancelled = True`` read by the ``finally``,
        ``abort = True`` then ``if abort: break``. The author routes the cancellation on purpose. Not a
        conversion (``raise Other``), nor a handler that leaves a loop running."""
        if leak.kind == "raise" or leak.kind == "continue":
            return False
        return any(_records_state(node) for node in walk_local(handler.body)) and not self._loops_run_on(leak, handler)

    def _cancels_given_future(self, body: Sequence[ast.stmt]) -> bool:
        """``future.cancel()`` on a future the coroutine was handed: the cancellation goes to its owner."""
        func = self.ctx.current_function
        args = getattr(func, "args", None)
        if args is None:
            return False
        params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "cancel"
                   and isinstance(n.func.value, ast.Name) and n.func.value.id in params for n in walk_local(body))

    def _reraised_later(self, handler: ast.ExceptHandler, accepts: Callable[[ast.AST], bool]) -> bool:
        """The handler sets a flag, and the function raises the cancellation under ``if flag``."""
        flags = _flags_set(handler)
        func = self.ctx.current_function
        if not flags or func is None:
            return False
        for node in walk_local(getattr(func, "body", [])):
            if isinstance(node, ast.If) and node.lineno > handler.lineno \
                    and any(isinstance(n, ast.Name) and n.id in flags for n in walk(node.test)) \
                    and any(isinstance(r, ast.Raise) and r.exc is not None and accepts(r)
                            for r in walk_local(node.body)):
                return True
        return False

    # -- finally --------------------------------------------------------------
    def _check_finally(self, node: ast.Try) -> None:
        finalbody = node.finalbody
        if self._nothing_in_flight(node):
            return
        jumps = list(leaving_jumps(finalbody))
        if any(self._jump_accepted(jump) for jump in jumps):
            self._reported_jumps.update(id(jump) for jump in jumps)  # (a nested ``finally``'s too)
            return
        for jump in jumps:
            if id(jump) in self._reported_jumps:
                continue  # a jump in a nested ``finally`` leaves the outer one too: report it once
            self._reported_jumps.add(id(jump))
            word = "return" if isinstance(jump, ast.Return) else "break" if isinstance(jump, ast.Break) \
                else "continue"
            self.ctx.report("AL403", jump, f"`{word}` in `finally` discards the exception in flight, "
                            "`CancelledError` included")

    def _jump_accepted(self, jump: ast.stmt) -> bool:
        """One jump out of the ``finally`` silenced for this check (``# noqa: AL403``, ``# noqa: B012``,
        ``# pylint: disable=W0150``): the author accepted the block's way out, and its other jumps with it
        (asyncdb's ``if error: return [None, error]`` above the silenced ``return await ...``). A bare
        ``# noqa`` says nothing about which check, so it silences its own line only."""
        lines = self.ctx.lines
        if not 0 < jump.lineno <= len(lines):
            return False
        codes = noqa_codes(lines[jump.lineno - 1])
        return (codes is not None and "AL403" in codes) or peer_silenced(lines, jump.lineno, "AL403")

    def _nothing_in_flight(self, node: ast.Try) -> bool:
        """A ``try`` whose handlers catch everything (bare or ``BaseException``) and neither raise nor
        await, with no awaiting ``else``: when its ``finally`` runs, no exception can be in flight, so a
        jump out of it discards nothing (a swallow is the handler's own AL401/AL402). Nor can a cancellation
        when nothing in the body, the handlers or the ``else`` suspends: what the jump discards then is an
        ordinary error, a plain-Python mistake (ruff's B012, PEP 765), not a lost cancellation."""
        if awaits_in(node.body) is None and awaits_in(node.orelse) is None \
                and all(awaits_in(handler.body) is None for handler in node.handlers):
            return True
        if not any(handler.type is None or any(kind == BASE for kind, _ in self._handler_kinds(handler))
                   for handler in node.handlers):
            return False
        for handler in node.handlers:
            exits = block_exits(handler.body, self.ctx.resolve, self._no_return_calls())
            if exits.raises or awaits_in(handler.body) is not None:
                return False
        return awaits_in(node.orelse) is None

    # -- with suppress(...) ---------------------------------------------------
    def visit_With(self, node: ast.With) -> None:
        if not self.ctx.in_coroutine or self._in_test():
            return
        for item in node.items:
            call = item.context_expr
            if not isinstance(call, ast.Call) or self.ctx.resolve(call.func) != SUPPRESS:
                continue
            kinds = {self._classify(arg) for arg in call.args}
            if not kinds & {CANCEL, BASE} or not self._cancellable(node.body) \
                    or self._awaits_only_resolved(node.body):
                continue
            idiom = self._idiom(node.body) or (SERVING_IDIOM if self._serving_ends(node.body) else None)
            if idiom:
                if CANCEL in kinds:
                    self.ctx.report("AL405", call, f"`{node_text(call)}` {idiom} also swallows a "
                                    "cancellation of this coroutine")
                continue
            if self._inside_cleanup(CANCEL in kinds) or self._caller_reraises():
                continue  # best-effort cleanup in a ``finally`` or a handler that raises anyway, as for ``except``
            body = self._ended_task_body(node)
            if body is not None:
                self.ctx.report("AL406", call, f"`{node_text(call)}` ends the task body `{body}()` (the project "
                                "only starts it as a task or runs it as a program root): the task stops, but "
                                "`task.cancelled()` is False and awaiting it returns normally")
                continue
            teardown = self._teardown(None, lambda _: True)
            if teardown is not None:
                self._report_teardown(call, f"`{node_text(call)}`", teardown)
                continue
            if self._explained(node):
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
    def _awaits_only_resolved(self, body: Sequence[ast.stmt]) -> bool:
        """Every await in ``body`` is of a future this coroutine completed just before, or checked was done.

        ``fut.set_exception(err)`` then ``with suppress(BaseException): await fut``, or ``if
        self._transport().done(): ... await self._transport()``, does not suspend: the future is done,
        so no cancellation can arrive there.
        """
        func = self.ctx.current_function
        awaits = [n for n in walk_local(body) if isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith))]
        if func is None or not awaits or not all(isinstance(n, ast.Await) for n in awaits):
            return False
        local = list(walk_local(getattr(func, "body", [])))
        resolved = [((n.lineno, n.col_offset), ast.dump(n.func.value)) for n in local
                    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    and n.func.attr in ("set_result", "set_exception")]
        checked = [(ast.dump(future), n.body[0].lineno, n.body[-1].end_lineno or n.body[-1].lineno)
                   for n in local if isinstance(n, ast.If) for future in _checked_done(n.test)]
        return all(any(pos < (n.lineno, n.col_offset) and key == ast.dump(n.value) for pos, key in resolved)
                   or any(key == ast.dump(n.value) and first <= n.lineno <= last for key, first, last in checked)
                   for n in awaits)

    def _idiom(self, body: Sequence[ast.stmt]) -> Optional[str]:
        """How ``body`` awaits only other tasks (AL405's shapes), said for the message; None otherwise."""
        if self._awaits_only_cancelled(body):
            return "after cancelling the awaited task"
        if self._awaits_only_tasks(body):
            return "around awaiting another task"
        if self._awaits_only_callbacks(body):
            return "around a callback it was given"
        if self._awaits_only_teardown(body):
            return "around stopping another object"
        return None

    def _as_timeout(self, handler: ast.ExceptHandler, body: Sequence[ast.stmt]) -> bool:
        """``except (asyncio.TimeoutError, asyncio.CancelledError): pass`` around a wait with a timeout
        (``wait_for``, ``async with timeout(...)``, a call given ``timeout=``): the author treats both as
        "nothing came in time", the workaround for ``wait_for`` letting the inner cancellation out."""
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else []
        if not any(self.ctx.resolve(kind) in TIMEOUT_ERRORS for kind in kinds):
            return False
        return any(isinstance(node, ast.Call) and (any(kw.arg == "timeout" for kw in node.keywords)
                                                   or self.ctx.resolve(node.func) in WAIT_FORS | TIMEOUTS)
                   for node in walk_local(body))

    def _awaits_only_teardown(self, body: Sequence[ast.stmt]) -> bool:
        """Every suspension point stops another object's task or worker (``await self._autoscale_task.stop()``,
        ``await self._bridge.finalize_shutdown()``, also under ``wait_for``/``shield``): such a call cancels
        and awaits the object's own task, and the ``CancelledError`` caught is mostly that task's."""
        return self._every_await(body, lambda value: isinstance(value, ast.Call)
                                 and isinstance(value.func, ast.Attribute)
                                 and STOPPING_WORDS.search(value.func.attr) is not None)

    def _serving_ends(self, body: Sequence[ast.stmt]) -> bool:
        """``body`` only serves (``_awaits_only_serving``) and no loop of the coroutine runs it again: the
        handler ends the serving, as a closed server's does. A conversion to another error, or a loop that
        serves again, stays AL401/AL404."""
        return self._awaits_only_serving(body) and not self._enclosing_loops(self.ctx.current_function)

    def _awaits_only_serving(self, body: Sequence[ast.stmt]) -> bool:
        """Every suspension point is ``await server.serve_forever()``, also inside ``async with server:``
        (asyncio's documented shape): ``Server.close()``, from a signal handler or any ``stop()``, cancels the
        future ``serve_forever()`` waits on, which then raises ``CancelledError`` though nothing cancelled
        this task (mototli, async-notify)."""
        served: Set[str] = set()
        entered: Set[str] = set()
        for node in walk_local(body):
            if isinstance(node, ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None or not isinstance(item.context_expr, (ast.Name, ast.Attribute)):
                        return False
                    entered.add(ast.dump(item.context_expr))
            elif isinstance(node, ast.AsyncFor) or (isinstance(node, ast.comprehension) and node.is_async):
                return False
            elif isinstance(node, ast.Await):
                value = node.value
                if not (isinstance(value, ast.Call) and not value.args and not value.keywords
                        and isinstance(value.func, ast.Attribute) and value.func.attr == "serve_forever"):
                    return False
                served.add(ast.dump(value.func.value))
        return bool(served) and entered <= served

    def _awaits_only_callbacks(self, body: Sequence[ast.stmt]) -> bool:
        """Every suspension point calls a callback the coroutine was handed (``await coro(*args)`` for a
        parameter, ``handler, args = self._get_event_handler(event)``; ``await handler(*args)``): a
        dispatcher that maps the callback's own cancellation to a result (discord.py's command
        wrappers, python-socketio's event triggers)."""
        return self._every_await(body, self._calls_callback, unwrap=False)

    def _every_await(self, body: Sequence[ast.stmt], accepts: Callable[[ast.expr], bool], unwrap: bool = True) -> bool:
        """``body`` awaits, only with plain ``await`` (no ``async for``/``async with``), and ``accepts``
        every awaited expression (``unwrap``: looked at through ``wait_for``/``shield``)."""
        found = False
        for node in walk_local(body):
            if isinstance(node, (ast.AsyncFor, ast.AsyncWith)) or (isinstance(node, ast.comprehension) and node.is_async):
                return False
            if isinstance(node, ast.Await):
                value = node.value
                while unwrap and isinstance(value, ast.Call) and value.args and self._wraps_task(value):
                    value = value.args[0]  # ``wait_for(shield(self._task), 0.1)``
                if not accepts(value):
                    return False
                found = True
        return found

    def _calls_callback(self, expr: ast.expr) -> bool:
        """``handler(*args)``, a callable looked up in a registry or config (``self._config["on_fatal_error"](exc)``,
        ``self._handlers[event](msg)``), or ``ret`` bound to one (``ret = callback(*data)``; ``await ret``)."""
        if isinstance(expr, ast.Call):
            if isinstance(expr.func, ast.Subscript):
                return True
            return isinstance(expr.func, ast.Name) and self._is_callback(expr.func.id)
        if isinstance(expr, ast.Name):
            binding = self.ctx.single_binding(expr.id)
            return binding is not None and binding.kind == BindingKind.ASSIGN and isinstance(binding.value, ast.Call) \
                and isinstance(binding.value.func, ast.Name) and self._is_callback(binding.value.func.id)
        return False

    def _is_callback(self, name: str) -> bool:
        """A name a function binds as a parameter, a loop target or from a lookup, never to a def."""
        found = self.ctx.lookup(name)
        if found is None or found[0] is self.ctx.module_scope:
            return False
        return all(b.kind in (BindingKind.PARAM, BindingKind.LOOP) or
                   (b.kind == BindingKind.ASSIGN and not isinstance(b.value, ast.Lambda)
                    and not (isinstance(b.value, ast.Constant) and b.value.value is not None))
                   for b in found[1])

    def _awaits_only_tasks(self, body: Sequence[ast.stmt]) -> bool:
        """Every suspension point awaits a task or future held in a name or attribute (``await self._task``,
        ``await asyncio.wait_for(self._reader_future, 5)``): the ``CancelledError`` caught is mostly that
        task's own, which someone else may have cancelled."""
        return self._every_await(body, self._is_task)

    def _wraps_task(self, call: ast.Call) -> bool:
        """``asyncio.wait_for``/``shield``, or a project's own ``wait_for`` wrapper (named so)."""
        return self.ctx.resolve(call.func) in TASK_WRAPPERS or last_name(call.func) in _WRAPPER_NAMES

    def _is_task(self, expr: ast.expr) -> bool:
        """A name or attribute holding another task: named so (``self._task``, ``reader_future``) or bound
        to ``create_task``/``ensure_future`` here. (Not any ``Future``: awaiting a bare future is the
        pre-3.12 ``wait_for`` bug, AL401's.)"""
        if not isinstance(expr, (ast.Name, ast.Attribute)):
            return False
        name = (expr.id if isinstance(expr, ast.Name) else expr.attr).lower().rstrip("_")
        if name.endswith(TASK_SUFFIXES):
            return True
        binding = self.ctx.single_binding(expr.id) if isinstance(expr, ast.Name) else None
        value = binding.value if binding is not None else None
        return isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)) and \
            (value.func.id if isinstance(value.func, ast.Name) else value.func.attr) in TASK_FACTORIES

    def _awaits_only_cancelled(self, body: Sequence[ast.stmt]) -> bool:
        """Every suspension point in ``body`` awaits something this code cancelled itself.

        Cancelled earlier in the same coroutine (``task.cancel()``, a loop over
        tasks, ``call_later(t, task.cancel)``, ``current_task().cancel()``), or, for
        an attribute or a global (``self._task``, ``_worker``), cancelled anywhere in
        the module (``stop()`` cancels what ``run()`` awaits).
        """
        marks = self._function_cancels()
        if marks is None:
            return False
        found = False
        for node in walk_local(body):
            if isinstance(node, ast.AsyncFor) or (isinstance(node, ast.comprehension) and node.is_async):
                return False
            if isinstance(node, ast.AsyncWith) and not all(
                    isinstance(item.context_expr, ast.Call) and self.ctx.resolve(item.context_expr.func) in TIMEOUTS
                    for item in node.items):
                return False
            if isinstance(node, ast.Await):
                sources = _source_nodes(node.value, receiver=False)
                mentions = frozenset(ast.dump(n) for n in sources)
                sources += self._stored_in(sources)
                where = (node.lineno, node.col_offset)
                if not any(pos < where and (keys & mentions or SELF_CANCEL in keys) for pos, keys in marks) \
                        and not self._cancelled_elsewhere(sources):
                    return False
                found = True
        return found

    def _stored_in(self, sources: Sequence[ast.expr]) -> List[ast.expr]:
        """The attributes this coroutine stores a local future in (``self._pending = tag, waiter``,
        ``self._waiters[key] = waiter``, ``self._waiters.append(waiter)``): another method that cancels
        what the attribute holds cancels the awaited future."""
        func = self.ctx.current_function
        names = {n.id for n in sources if isinstance(n, ast.Name)}
        if func is None or not names:
            return []
        out: List[ast.expr] = []
        for node in walk_local(getattr(func, "body", [])):
            if isinstance(node, ast.Assign) and any(isinstance(n, ast.Name) and n.id in names
                                                    for n in _source_nodes(node.value)):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute):
                        out.append(target.value)
                    elif isinstance(target, ast.Attribute):  # (compared as read, not as stored)
                        out.append(ast.Attribute(value=target.value, attr=target.attr, ctx=ast.Load()))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in STORING_METHODS and isinstance(node.func.value, ast.Attribute) \
                    and any(isinstance(a, ast.Name) and a.id in names for a in node.args):
                out.append(node.func.value)
        return out

    def _cancelled_elsewhere(self, sources: Sequence[ast.expr]) -> bool:
        shared = {ast.dump(n) for n in sources if isinstance(n, ast.Attribute) or self._is_global(n)}
        if not shared:
            return False
        if self._module_cancels is None:
            self._module_cancels = frozenset().union(
                *(keys for _, keys in _collect_cancels(self.ctx.module, self.ctx.resolve, nested=True)))
        return bool(shared & self._module_cancels)

    def _is_global(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.Name):
            return False
        found = self.ctx.lookup(node.id)
        return found is not None and found[0] is self.ctx.module_scope


def _client_closed(node: ast.AST) -> bool:
    """A response or error built with HTTP status 499, "Client Closed Request": ``HTTPException(status_code=
    499, ...)``, ``web.Response(status=499)``, ``HTTPError(499)``."""
    if not isinstance(node, ast.Call):
        return False
    if any(k.arg in ("status", "status_code") and isinstance(k.value, ast.Constant) and k.value.value == 499
           for k in node.keywords):
        return True
    callee = last_name(node.func) or ""
    return bool(node.args) and isinstance(node.args[0], ast.Constant) and node.args[0].value == 499 \
        and callee.endswith(("Exception", "Error", "Response"))


def _raises_cancel_status(node: ast.AST) -> bool:
    """``raise`` of an error built with an RPC protocol's own cancel status as an argument: ``raise
    ConnectError(Code.CANCELED, ...)``, ``raise AioRpcError(code=grpc.StatusCode.CANCELLED)``. The status names
    the cancellation, and the protocol reports it to the peer that way (connect-python maps each exception to
    a status code). Not a status recorded elsewhere (``history.append(Stage.CANCELLED)``) before another error."""
    error = node.exc if isinstance(node, ast.Raise) else None
    return isinstance(error, ast.Call) and any(
        isinstance(arg, ast.Attribute) and arg.attr in CANCEL_STATUSES
        for arg in (*error.args, *(k.value for k in error.keywords)))


_DISCONNECTED = re.compile(r"\bdisconnect(?:ed|ion)?\b", re.IGNORECASE)


def _answers_disconnect(node: ast.AST) -> bool:
    """``return <answer>`` whose value holds a string saying the client disconnected (``return
    self.create_error_response("Client disconnected")``). Not a raise: that is a conversion."""
    return isinstance(node, ast.Return) and node.value is not None and any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and _DISCONNECTED.search(n.value)
        for n in walk(node.value))


def _shape(expr: ast.expr) -> str:
    """``expr``'s structure whether it is stored or read (``self._task = ...`` and ``await self._task``)."""
    return re.sub(r", ctx=\w+\(\)", "", ast.dump(expr))


def _is_self(node: ast.expr) -> bool:
    """``self`` (the instance a method runs on)."""
    return isinstance(node, ast.Name) and node.id == "self"


def _checked_done(test: ast.expr) -> List[ast.expr]:
    """The futures an ``if`` test requires to be done: ``fut.done()``, alone or joined by ``and``."""
    parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    return [part.func.value for part in parts if isinstance(part, ast.Call) and not part.args
            and isinstance(part.func, ast.Attribute) and part.func.attr == "done"]


def _waits_for_done(test: ast.expr) -> bool:
    """``while not task.done():``: the loop ends when the awaited work does."""
    return isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Call) \
        and isinstance(test.operand.func, ast.Attribute) and test.operand.func.attr == "done"


def _how(leak: Leak) -> str:
    line = getattr(leak.node, "lineno", 0)
    if leak.kind == "fall-through":
        return "can reach its end"
    return f"can leave by `{leak.kind}` (line {line})"


def _hands_on(call: ast.Call, name: str) -> bool:
    """``errors.append(exc)``, ``self._add_exc(exc)``, ``await self.handle_error(exc, stream)``: not logging."""
    func = call.func
    callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if callee in REPORTING_CALLS or callee in _FORMATTERS:
        return False
    return any(_carries(arg, name) for arg in call.args)


def _carries(expr: ast.expr, name: str) -> bool:
    """``expr`` is the caught exception, or holds it: ``exc``, ``(exc, tb)``, ``Error(exc)``,
    ``RunResult(output=None, exception=exc)``."""
    if isinstance(expr, ast.Name):
        return expr.id == name
    if isinstance(expr, (ast.Tuple, ast.List)):
        return any(_carries(e, name) for e in expr.elts)
    if isinstance(expr, ast.Call) and not (isinstance(expr.func, ast.Name) and expr.func.id in _FORMATTERS):
        return any(_carries(a, name) for a in expr.args) or any(_carries(k.value, name) for k in expr.keywords)
    return False


_FORMATTERS = frozenset({"str", "repr", "type", "format", "print", "id", "len", "bool", "hash"})


def _tests_cancellation_state(test: ast.expr, name: Optional[str]) -> bool:
    """A condition on the caught exception, or on whether something was cancelled, closed or stopped."""
    for node in walk(test):
        if isinstance(node, ast.Name):
            if node.id == name or any(word in node.id.lower() for word in STATE_WORDS):
                return True
        elif isinstance(node, ast.Attribute):
            if node.attr in STATE_METHODS or any(word in node.attr.lower() for word in STATE_WORDS):
                return True
    return False


_STATE_WORDS = re.compile(r"cancel|abort|fail|broke|interrupt", re.IGNORECASE)
_STATE_NAMES = re.compile(r"state|status|reason", re.IGNORECASE)  # ``disconnect_reason = "Connection Cancelled"``


def _records_state(node: ast.AST) -> bool:
    """``x.command_failed = True``, ``cancelled = True``, ``self._state = "cancelled"``, ``disconnect_reason =
    "Connection Cancelled"``: a flag, state or reason whose name (or value) says the work was cancelled,
    aborted or failed."""
    if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
        return False
    value = node.value.value
    for target in node.targets:
        name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else ""
        if (value is True and _STATE_WORDS.search(name)) or \
                (isinstance(value, str) and _STATE_WORDS.search(value) and _STATE_NAMES.search(name)):
            return True
    return False


def _tail_self_awaits(func: ast.AsyncFunctionDef, method: bool) -> int:
    """How many times ``func`` awaits itself (``await self._connect(...)`` in a method, ``await
    _connect(...)`` in a function) as a step after which it ends (``tail_awaits``): a retry by recursion
    (emcache's ``_create_new_connection`` awaiting itself last in its ``finally``). Each runs in the task
    of the call that made it."""
    def itself(target: ast.expr) -> bool:
        if method:
            return isinstance(target, ast.Attribute) and target.attr == func.name \
                and isinstance(target.value, ast.Name) and target.value.id == "self"
        return isinstance(target, ast.Name) and target.id == func.name

    return sum(1 for call in tail_awaits(func.body) if itself(call.func))


def _flag_key(expr: ast.AST) -> Optional[str]:
    """``self.<attribute>`` or a plain name, as a flag a loop test can read (``"self._closing"``, ``"running"``);
    an event's ``is_set()`` on one of those (``"self.should_exit.is_set()"``), which ``.set()`` makes true."""
    if isinstance(expr, ast.Call) and not expr.args and isinstance(expr.func, ast.Attribute) \
            and expr.func.attr == "is_set":
        event = _flag_key(expr.func.value)
        return f"{event}.is_set()" if event is not None else None
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
        return f"self.{expr.attr}"
    if isinstance(expr, ast.Name) and expr.id != "self":
        return expr.id
    return None


def _flag_settings(body: Sequence[ast.stmt]) -> Iterator[Tuple[str, object]]:
    """``(flag, constant)`` for each ``self.<attribute> = <constant>`` or ``<name> = <constant>`` in ``body``,
    and each ``<event>.set()`` / ``.clear()`` of one (nested scopes aside)."""
    for node in walk_local(body):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                key = _flag_key(target)
                if key is not None:
                    yield key, node.value.value
        elif isinstance(node, ast.Call) and not node.args and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("set", "clear"):
            event = _flag_key(node.func.value)
            if event is not None:  # ``self.should_exit.set()``: its ``is_set()`` is now true
                yield f"{event}.is_set()", node.func.attr == "set"


def _test_fails(test: ast.expr, key: str, value: object) -> bool:
    """Is a loop test false once the flag ``key`` holds ``value``: the flag itself, ``not`` it, or a
    conjunction (``and``) with such a part?"""
    read = _flag_key(test)
    if read is not None:
        return read == key and not value
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _flag_key(test.operand) == key and bool(value)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_test_fails(part, key, value) for part in test.values)
    return False


def _flags_set(handler: ast.ExceptHandler) -> Set[str]:
    """Plain names the handler assigns (``cancelled = True``): flags the function may test later."""
    return {target.id for node in walk_local(handler.body) if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def _relays_another_error(node: ast.If, name: Optional[str]) -> bool:
    """One branch re-raises the cancellation, the other raises ``... from <another error>``: the task
    was cancelled to deliver that error (a failed worker wakes its watcher so), and only that
    self-inflicted cancellation is converted."""
    def reraises(stmts: Sequence[ast.stmt]) -> bool:
        return any(isinstance(r, ast.Raise) and (r.exc is None or (isinstance(r.exc, ast.Name) and r.exc.id == name))
                   for r in walk_local(stmts))

    def relays(stmts: Sequence[ast.stmt]) -> bool:
        return any(isinstance(r, ast.Raise) and r.exc is not None and r.cause is not None
                   and isinstance(r.cause, (ast.Name, ast.Attribute))
                   and not (isinstance(r.cause, ast.Name) and r.cause.id == name) for r in walk_local(stmts))
    return (reraises(node.body) and relays(node.orelse)) or (reraises(node.orelse) and relays(node.body))


def _calls_method(body: Sequence[ast.stmt], names: FrozenSet[str]) -> bool:
    for node in walk_local(body):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names:
            return True
    return False


def _collected_cancelled(loop: ast.For | ast.AsyncFor) -> Iterator[FrozenSet[str]]:
    """``for task in tasks: if task.cancel(): to_wait.add(task)``: ``to_wait`` holds cancelled tasks."""
    names = set(_target_names(loop.target))
    body = list(walk_local(loop.body))
    cancelled = {n.func.value.id for n in body if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and n.func.attr == "cancel" and isinstance(n.func.value, ast.Name) and n.func.value.id in names}
    for n in body:
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("add", "append") \
                and len(n.args) == 1 and isinstance(n.args[0], ast.Name) and n.args[0].id in cancelled:
            yield _sources(n.func.value)


def _collect_cancels(root: ast.AST, resolve: Callable[[ast.expr], Optional[str]],
                     nested: bool = False) -> List[Tuple[Position, FrozenSet[str]]]:
    """Each ``x.cancel()`` (or ``x.cancel`` handed to a callback API) under ``root``: where, and what it cancels.

    What it cancels is ``x`` itself and, when ``x`` is the target of an enclosing
    ``for``/comprehension, the iterable and its sources (``for t in self._tasks.values():
    t.cancel()`` cancels ``self._tasks``), so a later ``gather(*self._tasks.values())``
    counts as awaiting cancelled tasks. ``asyncio.current_task().cancel()`` cancels
    everything awaited after it (``SELF_CANCEL``). Nested functions are looked into
    only when ``nested`` (module-wide collection).
    """
    marks: List[Tuple[Position, FrozenSet[str]]] = []
    me = {t.id for n in walk_local(getattr(root, "body", [])) if isinstance(n, ast.Assign)
          and isinstance(n.value, ast.Call) and resolve(n.value.func) in CURRENT_TASK
          for t in n.targets if isinstance(t, ast.Name)}  # ``task = asyncio.current_task()``
    stack: List[Tuple[ast.AST, Dict[str, ast.expr]]] = [(s, {}) for s in reversed(getattr(root, "body", []))]
    while stack:
        node, loops = stack.pop()
        if not nested and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Attribute) and node.attr == "cancel" and isinstance(node.ctx, ast.Load):
            receiver = node.value
            if (isinstance(receiver, ast.Call) and resolve(receiver.func) in CURRENT_TASK) or \
                    (isinstance(receiver, ast.Name) and receiver.id in me):
                keys = frozenset({SELF_CANCEL})
            else:
                keys = _sources(receiver)
                if isinstance(receiver, ast.Name) and receiver.id in loops:
                    keys |= _sources(loops[receiver.id])
            marks.append(((node.lineno, node.col_offset), keys))
        inner = loops
        if isinstance(node, (ast.For, ast.AsyncFor)):
            inner = dict(loops)
            for name in _target_names(node.target):
                inner[name] = node.iter
            marks.extend(((node.lineno, node.col_offset), keys) for keys in _collected_cancelled(node))
            stack.append((node.iter, loops))
            stack.extend((child, inner) for child in reversed(node.body))
            stack.extend((child, loops) for child in reversed(node.orelse))
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = dict(loops)
            for gen in node.generators:
                for name in _target_names(gen.target):
                    inner[name] = gen.iter
        stack.extend((child, inner) for child in reversed(child_nodes(node)))
    return marks


def _sources(expr: ast.expr, receiver: bool = True) -> FrozenSet[str]:
    return frozenset(ast.dump(node) for node in _source_nodes(expr, receiver))


def _source_nodes(expr: ast.expr, receiver: bool = True) -> List[ast.expr]:
    """The expressions a value comes from: itself, call arguments, elements, method receivers.

    With ``receiver=False`` the outermost call's receiver is left out: ``await
    self._wait()`` does not await ``self``, while ``gather(*self._tasks.values())``
    does await ``self._tasks``. Compared by ``ast.dump`` (positions left out).
    """
    out: List[ast.expr] = []
    stack = [(expr, receiver)]
    while stack:
        node, with_receiver = stack.pop()
        if isinstance(node, ast.Starred):
            stack.append((node.value, True))
        elif isinstance(node, (ast.Name, ast.Attribute)):
            out.append(node)
        elif isinstance(node, ast.Subscript):
            out.append(node)
            stack.append((node.value, True))  # an element of ``self._waiters``: what ``self._waiters`` holds
        elif isinstance(node, ast.Call):
            if with_receiver and isinstance(node.func, ast.Attribute):
                stack.append((node.func.value, True))
            stack.extend((arg, True) for arg in node.args)
            stack.extend((kw.value, True) for kw in node.keywords)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            stack.extend((elt, True) for elt in node.elts)
    return out


def _target_names(target: ast.AST) -> List[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _target_names(elt)]
    return []


CHECKERS: Tuple[Type[Checker], ...] = (CancellationChecker,)
