"""When a dropped task is not worth a finding: nobody could hold it, or it cannot be lost.

AL204's harm is twofold: the event loop keeps tasks only weakly, so a task nobody
references can vanish mid-flight, and its exception is never seen. A maintainer does
not act on that where no owner is left to keep the task (a finaliser), where the
function itself runs the loop the task was put on (``loop.run_until_complete`` right
after, in sync code), for a one-off shutdown step started by a signal handler, or for
a best-effort delayed action (``await asyncio.sleep(delay)`` first, when the loop's
timer holds the task, then work whose errors it handles itself). Each answer here is
decided from the shape of this file's code, never from a project's name.
"""

from __future__ import annotations

import ast
import os
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Set

from .index import Target

if TYPE_CHECKING:
    from .context import FileContext

_SLEEPS = frozenset({"asyncio.sleep", "asyncio.tasks.sleep", "anyio.sleep", "trio.sleep"})
_SUPPRESS = frozenset({"contextlib.suppress"})
_RUNS_LOOP = frozenset({"run_until_complete", "run_forever"})
_SIGNAL_REGISTRATION = frozenset({"add_signal_handler"})


def in_finaliser(ctx: "FileContext") -> bool:
    """Inside a ``__del__`` method: the owner is being destroyed, so nothing is left to keep the task."""
    func = ctx.current_function
    return isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) and func.name == "__del__" \
        and bool(ctx.class_stack) and func in ctx.class_stack[-1].body


def task_loop(ctx: "FileContext", call: ast.Call) -> Optional[ast.expr]:
    """The loop a task is created on, when written: ``loop.create_task(...)``, ``ensure_future(..., loop=loop)``."""
    for keyword in call.keywords:
        if keyword.arg == "loop":
            return keyword.value
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "create_task" and ctx.resolve(func) is None:
        return func.value
    return None


def loop_run_later(ctx: "FileContext", call: ast.Call) -> bool:
    """Sync code that runs the task's own loop after creating it (``loop.run_until_complete(...)`` /
    ``loop.run_forever()`` later in the same function): the task runs inside that call, which the
    function waits for; the loop was not running when the task was made."""
    func = ctx.current_function
    if ctx.in_coroutine or not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    loop = task_loop(ctx, call)
    if loop is None:
        return False
    wanted = ast.dump(loop)
    end = (call.end_lineno or call.lineno, call.end_col_offset or 0)
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RUNS_LOOP \
                and (node.lineno, node.col_offset) > end and ast.dump(node.func.value) == wanted:
            return True
    return False


def _signal_handlers(ctx: "FileContext") -> FrozenSet[object]:
    """Names of functions (and ids of lambdas) this file registers as signal handlers: an argument of
    ``loop.add_signal_handler(...)``, ``signal.signal(...)``, or any call also given a ``signal.SIG*``."""
    found = ctx.memo.get("signal_handlers")
    if isinstance(found, frozenset):
        return found
    names: Set[object] = set()
    for node in ast.walk(ctx.module):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        registers = (isinstance(func, ast.Attribute) and func.attr in _SIGNAL_REGISTRATION) \
            or ctx.resolve_at_module(func) == "signal.signal" \
            or any(_is_signal(ctx, a) for a in node.args)
        if not registers:
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if isinstance(arg, ast.Call) and arg.args and ctx.resolve_at_module(arg.func) == "functools.partial":
                arg = arg.args[0]
            if isinstance(arg, ast.Name):
                names.add(arg.id)
            elif isinstance(arg, ast.Attribute) and not _is_signal(ctx, arg):
                names.add(arg.attr)
            elif isinstance(arg, ast.Lambda):
                names.add(id(arg))
    result = frozenset(names)
    ctx.memo["signal_handlers"] = result
    return result


def _is_signal(ctx: "FileContext", expr: ast.expr) -> bool:
    qualname = ctx.resolve_at_module(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None
    return bool(qualname) and (qualname.startswith("signal.SIG") or qualname.startswith("signal.Signals."))  # type: ignore[union-attr]


def in_signal_handler(ctx: "FileContext") -> bool:
    """Inside a function (or lambda) this file registers as a signal handler: a one-off shutdown step
    that has no caller to hand the task to, and after which the process ends."""
    handlers = _signal_handlers(ctx)
    if not handlers:
        return False
    func = ctx.current_function
    if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) and func.name in handlers:
        return True
    return any(isinstance(a, ast.Lambda) and id(a) in handlers for a in ctx.ancestors)


_TIMERS = frozenset({"call_later", "call_at"})


def in_retry_timer(ctx: "FileContext") -> bool:
    """Inside a sync timer callback that re-arms itself (``self._h = loop.call_later(rto, self._t1_expired)``
    in ``_t1_expired``): the task it starts is one attempt of a retransmission loop, and a lost attempt
    is retried when the timer fires again."""
    func = ctx.current_function
    if not isinstance(func, ast.FunctionDef):
        return False
    stack: List[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue  # a re-arm inside the task's own coroutine is lost with the task
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _TIMERS:
            for arg in node.args[1:2]:
                if isinstance(arg, ast.Attribute) and arg.attr == func.name and \
                        isinstance(arg.value, ast.Name) and arg.value.id == "self":
                    return True
                if isinstance(arg, ast.Name) and arg.id == func.name:
                    return True
    return False


def _defs_by_line(ctx: "FileContext") -> Dict[int, ast.AsyncFunctionDef]:
    found = ctx.memo.get("async_defs_by_line")
    if not isinstance(found, dict):
        found = {n.lineno: n for n in ast.walk(ctx.module) if isinstance(n, ast.AsyncFunctionDef)}
        ctx.memo["async_defs_by_line"] = found
    return found


def local_body(ctx: "FileContext", target: Target) -> Optional[ast.AsyncFunctionDef]:
    """The ``async def`` a target names, when it is defined in this file."""
    if not target.path or os.path.abspath(target.path) != os.path.abspath(ctx.path):
        return None
    return _defs_by_line(ctx).get(target.line)


def _sleeps(ctx: "FileContext", stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Await) \
        and isinstance(stmt.value.value, ast.Call) and ctx.resolve_at_module(stmt.value.value.func) in _SLEEPS


def delayed_best_effort(ctx: "FileContext", func: ast.AsyncFunctionDef) -> bool:
    """``await asyncio.sleep(delay)`` first (the loop's timer holds the task while it waits), then only
    work inside ``try``/``except`` or ``contextlib.suppress``: a delayed action whose failure is
    handled where it happens (``delete_after=``); or a sentinel that sleeps inside a ``try`` until it
    is cancelled and cleans up in its handler."""
    body: List[ast.stmt] = list(func.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    body = [s for s in body if not (isinstance(s, ast.AnnAssign) and s.value is None)]  # `x: T` declares only
    if len(body) == 1 and isinstance(body[0], ast.Try) and body[0].handlers and _sleeps(ctx, body[0].body[0]):
        return True  # ``try: await sleep(math.inf) except CancelledError: cleanup``: a shutdown sentinel
    if len(body) < 2 or not _sleeps(ctx, body[0]):
        return False
    for stmt in body[1:]:
        if isinstance(stmt, ast.Try) and stmt.handlers:
            continue
        if isinstance(stmt, (ast.With, ast.AsyncWith)) and all(
                isinstance(item.context_expr, ast.Call)
                and ctx.resolve_at_module(item.context_expr.func) in _SUPPRESS for item in stmt.items):
            continue
        return False
    return True
