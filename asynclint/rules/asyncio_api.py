"""AL503-AL507: asyncio calls used in ways that fail, hang or say something else than meant.

``asyncio.wait()`` on coroutines (a ``TypeError`` since 3.11), ``queue.join()`` that no
``task_done()`` can release, ``get_event_loop()`` where the running loop is meant, and the
opt-in style checks: ``async def`` that never awaits, loops that poll with ``sleep``.
Whether a call makes a coroutine is the resolver's answer (as for AL201); who can reach a
queue is ``analysis.reach``'s.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, FrozenSet, List, Optional, Tuple, Type

from ..analysis.flow import is_stub, suspends_in
from ..analysis.index import ProjectIndex
from ..analysis.reach import QueueReach
from ..analysis.resolver import Resolver
from ..base.model import Edit
from ..catalogue.structured import BUSY_WAIT, GET_EVENT_LOOP, JOIN_WITHOUT_TASK_DONE, NO_AWAIT, WAIT_ON_COROUTINES
from ..knowledge import structured as known
from .base import Checker, Span, node_text

if TYPE_CHECKING:
    from ..analysis.context import FileContext

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)
_HOLD = {"local": "a local variable", "module": "a module-level variable", "attribute": "an attribute"}


class AsyncioApiChecker(Checker):
    """AL503-AL507, each a look at one call, ``async def`` or ``while``."""

    rules = (WAIT_ON_COROUTINES, JOIN_WITHOUT_TASK_DONE, GET_EVENT_LOOP, NO_AWAIT, BUSY_WAIT)
    needs_index = True

    def __init__(self, ctx: "FileContext") -> None:
        super().__init__(ctx)
        self._values: Optional[FrozenSet[str]] = None
        self._running: Optional[bool] = None

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        if b"async" not in source:
            return False
        return ("AL503" in enabled and b"wait" in source) or ("AL504" in enabled and b"join" in source) \
            or ("AL505" in enabled and b"get_event_loop" in source) or "AL506" in enabled \
            or ("AL507" in enabled and b"while" in source and b"sleep" in source)

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if not ctx.in_coroutine:
            return
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "join":
            if "AL504" in ctx.enabled and not node.args and not node.keywords:
                self._join(node, func.value)
            return
        qualname = ctx.resolve(func)
        if qualname in known.ASYNCIO_WAIT:
            if "AL503" in ctx.enabled:
                self._wait(node)
        elif qualname in known.GET_EVENT_LOOP:
            if "AL505" in ctx.enabled and not node.args and not node.keywords and not ctx.in_test_code \
                    and self._running_loop_used():
                self._get_event_loop(node)

    # -- AL503 ----------------------------------------------------------------------------
    def _wait(self, call: ast.Call) -> None:
        given = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "fs"), None)
        coroutine = self._coroutines_in(given, 0)
        if coroutine is None:
            return
        self.ctx.report("AL503", call, f"`asyncio.wait()` is given coroutines (`{node_text(coroutine)}`): a "
                        "`TypeError` since Python 3.11 (deprecated since 3.8); wrap each in "
                        "`asyncio.create_task()`")

    def _coroutines_in(self, expr: Optional[ast.expr], depth: int) -> Optional[ast.expr]:
        """A coroutine-making element of what ``asyncio.wait()`` is given, or None."""
        resolver = Resolver.of(self.ctx)
        if isinstance(expr, (ast.List, ast.Set, ast.Tuple)):
            return next((e for e in expr.elts if resolver.coroutine_call(e) is not None), None)
        if isinstance(expr, _COMPREHENSIONS):
            return expr.elt if resolver.coroutine_call(expr.elt) is not None else None
        if isinstance(expr, ast.Call) and len(expr.args) >= 2 and self.ctx.resolve(expr.func) == "builtins.map":
            target = resolver.callable_target(expr.args[0]) if isinstance(expr.args[0], (ast.Name, ast.Attribute)) \
                else None
            return expr if target is not None and target.is_coroutine else None
        if isinstance(expr, ast.Name) and depth == 0:
            found = self.ctx.lookup(expr.id)
            if found is not None and found[0] is self.ctx.scope and len(found[1]) == 1:
                binding = found[1][0]
                if binding.value is not None and not binding.unpacked and binding.annotation is None:
                    return self._coroutines_in(binding.value, depth + 1)
        return None

    # -- AL504 ----------------------------------------------------------------------------
    def _join(self, call: ast.Call, receiver: ast.expr) -> None:
        how = QueueReach.of(self.ctx).unfinished(receiver)
        if how is None:
            return
        name = node_text(receiver)
        self.ctx.report("AL504", call, f"`{name}.join()` waits until `task_done()` is called for every item put, "
                        f"and no code that can reach `{name}` ({_HOLD[how]}) calls it: `join()` never returns "
                        "once an item was put")

    # -- AL505 ----------------------------------------------------------------------------
    def _running_loop_used(self) -> bool:
        """The project already calls ``get_running_loop``: this file does, or two other modules of its
        top-level package do, by the index (one may be a vendored or compatibility copy, as asyncpg's
        ``_asyncio_compat``):
        it runs on Python 3.7+ and its maintainers chose it, so ``get_event_loop()`` in a coroutine is
        an inconsistency to fix. A project that never does may support older Pythons on purpose."""
        if self._running is None:
            ctx = self.ctx
            index = ctx.index
            # a module of a package asks its package; a top-level module (a flat project) asks them all
            package = ctx.module_name.split(".", 1)[0] if "." in ctx.module_name or ctx.is_package else ""
            self._running = "get_running_loop" in ctx.source or (
                isinstance(index, ProjectIndex) and index.mentions("get_running_loop", ctx.path, package, 2))
        return self._running

    def _get_event_loop(self, call: ast.Call) -> None:
        ctx = self.ctx
        func = call.func
        edits: List[Optional[Edit]] = []
        if isinstance(func, ast.Attribute):
            _, _, end_line, end_col = ctx.span(func)
            edits.append(Edit(end_line, end_col - len(func.attr), end_line, end_col, "get_running_loop"))
        elif isinstance(func, ast.Name):
            if ctx.resolve(ast.Name(id="get_running_loop", ctx=ast.Load())) == "asyncio.get_running_loop":
                edits.append(ctx.replace(func, "get_running_loop"))
            else:
                spelled = ctx.import_edit("asyncio")
                if spelled is not None:
                    alias, import_edit = spelled
                    edits += [ctx.replace(func, f"{alias}.get_running_loop"), import_edit]
        fix = ctx.fix("Use `asyncio.get_running_loop()`", [e for e in edits if e is not None], safe=True) \
            if edits else None
        ctx.report("AL505", call, f"`{node_text(call)}` in a coroutine: use `asyncio.get_running_loop()`, which "
                   "returns the running loop without the event loop policy's deprecated fallback", fix)

    # -- AL506 ----------------------------------------------------------------------------
    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        ctx = self.ctx
        if "AL506" not in ctx.enabled or node.decorator_list or node.name.startswith("test"):
            return
        if isinstance(ctx.parent(node), ast.ClassDef) or is_stub(node.body) or suspends_in(node.body):
            return
        if node.name in self._used_as_values():
            return
        ctx.report("AL506", Span(node.lineno, node.col_offset, node.col_offset + len("async def")),
                   f"`{node.name}()` is `async` but never awaits: make it a plain function (and drop the "
                   "`await` at its call sites), or add the `await` it is missing")

    def _used_as_values(self) -> FrozenSet[str]:
        """Names the module reads other than to call them (callbacks, registrations, tables)."""
        if self._values is None:
            nodes = list(ast.walk(self.ctx.module))
            called = {id(node.func) for node in nodes if isinstance(node, ast.Call)}
            self._values = frozenset(n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                                     and id(n) not in called)
        return self._values

    # -- AL507 ----------------------------------------------------------------------------
    def visit_While(self, node: ast.While) -> None:
        ctx = self.ctx
        if "AL507" not in ctx.enabled or not ctx.in_coroutine or node.orelse:
            return
        if isinstance(node.test, ast.Constant) and node.test.value:
            return  # ``while True:`` does periodic work, it waits for nothing
        sleeps = 0
        for stmt in node.body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Await) \
                    and isinstance(stmt.value.value, ast.Call) and ctx.resolve(stmt.value.value.func) in known.SLEEPS:
                sleeps += 1
            elif not isinstance(stmt, (ast.Pass, ast.AugAssign)):
                return
        if sleeps != 1:
            return
        ctx.report("AL507", Span(node.lineno, node.col_offset, node.col_offset + len("while")),
                   f"`while {node_text(node.test)}:` only sleeps until the condition changes: wait on an "
                   "`asyncio.Event` (or `Condition`) that the code changing it sets")


CHECKERS: Tuple[Type[Checker], ...] = (AsyncioApiChecker,)
