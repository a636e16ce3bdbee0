"""AL501, AL502, AL508: timeouts, cancel scopes, task groups and async generators.

A timeout or cancel scope acts only where its body suspends, and a generator's ``yield``
hands control to code outside the scope it sits in. Both questions are lexical: what
suspends inside a ``with`` body, and which ``with`` statements a ``yield`` sits in.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple, Type

from ..analysis.flow import suspends_in, walk_local
from ..analysis.index import is_async_generator
from ..catalogue.structured import TIMEOUT_WITHOUT_AWAIT, YIELD_IN_SCOPE, YIELD_IN_WITH
from ..knowledge import structured as known
from .base import Checker, node_text

if TYPE_CHECKING:
    from ..analysis.context import FileContext



class ScopeChecker(Checker):
    """AL501 on ``with`` statements, AL502/AL508 on ``yield`` in async generators."""

    rules = (TIMEOUT_WITHOUT_AWAIT, YIELD_IN_SCOPE, YIELD_IN_WITH)

    def __init__(self, ctx: "FileContext") -> None:
        super().__init__(ctx)
        self._generator_verdicts: Dict[int, bool] = {}

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        if b"async" not in source:
            return False
        if "AL501" in enabled and (b"timeout" in source or b"fail_" in source or b"move_on_" in source
                                   or b"CancelScope" in source):
            return True
        return bool(enabled & {"AL502", "AL508"}) and b"yield" in source and b"with" in source

    # -- AL501 ----------------------------------------------------------------------------
    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        if self.ctx.in_coroutine and "AL501" in self.ctx.enabled and not self.ctx.in_test_code:
            # later items are entered inside the earlier ones: ``async with timeout(5), session.get(u)``
            # awaits the second item's ``__aenter__`` under the timeout
            last = node.items[-1].context_expr
            for item in node.items:
                if item.context_expr is last:
                    self._timeout(node, item, known.ASYNC_TIMEOUTS)

    def visit_With(self, node: ast.With) -> None:
        if self.ctx.in_coroutine and "AL501" in self.ctx.enabled and not self.ctx.in_test_code:
            for item in node.items:
                self._timeout(node, item, known.SYNC_TIMEOUTS | known.CANCEL_SCOPES)

    def _timeout(self, node: ast.With | ast.AsyncWith, item: ast.withitem, kinds: frozenset) -> None:
        """Test code is left alone: tests of the timeout machinery enter scopes without awaiting on
        purpose. So is a scope the body inspects (``as scope`` read inside it): it is there to be
        looked at (``scope.deadline``, ``cm.when()``), not to bound the body."""
        expr = item.context_expr
        if not isinstance(expr, ast.Call):
            return
        qualname = self.ctx.resolve(expr.func)
        if qualname not in kinds or suspends_in(node.body):
            return
        target = item.optional_vars
        if isinstance(target, ast.Name) and any(isinstance(n, ast.Name) and n.id == target.id
                                                and isinstance(n.ctx, ast.Load) for n in walk_local(node.body)):
            return
        if qualname in known.CANCEL_SCOPES and not any(kw.arg == "deadline" for kw in expr.keywords):
            harm = "nothing in it can be cancelled"
        else:
            harm = "the timeout can never fire and the body always runs to its end"
        self.ctx.report("AL501", expr, f"`{node_text(expr)}` has no `await`, `async for` or `async with` in its "
                        f"body: {harm}")

    # -- AL502 and AL508 --------------------------------------------------------------------
    def visit_Yield(self, node: ast.Yield) -> None:
        ctx = self.ctx
        if not ctx.in_coroutine or not ctx.enabled & {"AL502", "AL508"}:
            return
        func = ctx.current_function
        if not isinstance(func, ast.AsyncFunctionDef) or not self._plain_generator(func):
            return
        scopes, others = self._enclosing_withs(func, node)
        if scopes and "AL502" in ctx.enabled:
            ctx.report("AL502", node, f"`yield` inside `{node_text(scopes[-1])}` in an async generator: "
                       f"{self._yield_harm(scopes[-1], node)}")
        elif others and "AL508" in ctx.enabled:
            what = node_text(others[-1])
            ctx.report("AL508", node, f"`yield` inside `with {what}` in an async generator: if the consumer "
                       "stops early, its cleanup waits for garbage collection; use `contextlib.aclosing()` "
                       "at the call site or make it a context manager")

    def _yield_harm(self, scope: ast.Call, node: ast.Yield) -> str:
        """What suspending inside this kind of scope does to the consumer, and the way out."""
        qualname = self.ctx.resolve(scope.func)
        if qualname in known.TASK_GROUPS:
            return ("while it is suspended, a failing child task's error is raised in the consumer's code, and a "
                    "consumer that stops early leaves the group open; make it an `@asynccontextmanager` or "
                    "move the `yield` out")
        if qualname in known.CANCEL_SCOPES:
            return ("while it is suspended, cancelling the scope cancels whatever the consumer is awaiting; make "
                    "it an `@asynccontextmanager` or move the `yield` out")
        if isinstance(node.value, ast.Await):
            return ("the timeout keeps running while the consumer handles the item, so a consumer slower than it "
                    "is cancelled in its own code; bind the awaited value inside the block and `yield` it after")
        return ("the timeout keeps running while the consumer handles each item, so the consumer's time counts "
                "against it and a slow consumer is cancelled in its own code; make it an `@asynccontextmanager` "
                "or move the `yield` out")

    def _plain_generator(self, func: ast.AsyncFunctionDef) -> bool:
        """An async generator that is not a context manager or a fixture (by its decorators)."""
        found = self._generator_verdicts.get(id(func))
        if found is None:
            found = is_async_generator(func) and not any(_manages_context(d) for d in func.decorator_list)
            self._generator_verdicts[id(func)] = found
        return found

    def _enclosing_withs(self, func: ast.AST, node: ast.AST) -> Tuple[List[ast.expr], List[ast.expr]]:
        """The scope calls (AL502) and other context expressions whose ``with`` body holds ``node``."""
        ancestors = self.ctx.ancestors
        start = next((i for i in range(len(ancestors) - 1, -1, -1) if ancestors[i] is func), None)
        scopes: List[ast.expr] = []
        others: List[ast.expr] = []
        if start is None:
            return scopes, others
        for i in range(start + 1, len(ancestors) - 1):
            stmt = ancestors[i]
            if not isinstance(stmt, (ast.With, ast.AsyncWith)) or not _in_body(stmt.body, ancestors[i + 1]):
                continue
            for item in stmt.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and self.ctx.resolve(expr.func) in known.YIELD_UNSAFE_SCOPES:
                    scopes.append(expr)
                else:
                    others.append(expr)
        return scopes, others


def _in_body(body: Sequence[ast.stmt], child: ast.AST) -> bool:
    return any(stmt is child for stmt in body)


def _manages_context(decorator: ast.expr) -> bool:
    """``@asynccontextmanager``, ``@pytest.fixture(...)``, ``@pytest_asyncio.fixture``: by the last name."""
    expr: Optional[ast.expr] = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else ""
    return any(word in name.lower() for word in known.CONTEXT_MANAGER_WORDS)


CHECKERS: Tuple[Type[Checker], ...] = (ScopeChecker,)
