"""AL1xx: calls that block the event loop when made inside a coroutine.

One checker serves AL101-AL106 and AL108: it asks ``asynclint.analysis.blocking``
about each call inside a coroutine (the tables of ``asynclint.knowledge.blocking``,
by qualified name or by the receiver's inferred type; unknown receivers are never
guessed from their names). AL107 asks the project index's call graph whether a
sync helper of the project blocks.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, Optional, Sequence, Tuple, Type

from ..analysis.blocking import (BlockingCalls, alone_on_private_loop, in_lifecycle_hook, steps_its_own_coroutines,
                                 used_asynchronously, waits_on_terminal)
from ..analysis.callgraph import blocking_chain, call_arguments, consumed, switched_off
from ..analysis.index import ProjectIndex, Target
from ..analysis.resolver import Resolver
from ..base.model import Fix
from ..catalogue.blocking import BLOCKING_HELPER, RULES
from ..knowledge.blocking import lookup_function
from ..knowledge.intent import LIFECYCLE_CODES, docstring_says_blocking
from .base import Checker, node_text

if TYPE_CHECKING:
    from ..analysis.callgraph import BlockingChain
    from ..analysis.context import FileContext


class BlockingCallChecker(Checker):
    """Flags blocking calls made directly in a coroutine (not passed by reference)."""

    rules = tuple(r for r in RULES if r is not BLOCKING_HELPER)

    def __init__(self, ctx: "FileContext") -> None:
        super().__init__(ctx)
        self.calls = BlockingCalls(ctx)
        self._alone: Dict[int, bool] = {}
        self._interactive: Dict[int, bool] = {}

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        return b"async" in source

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if not ctx.in_coroutine:
            return
        hit = self.calls.blocking_call(node, ctx.enabled)
        if hit is None or alone_on_private_loop(ctx, self._alone) or steps_its_own_coroutines(ctx):
            return
        qualname, call = hit
        if call.code != "AL110" and waits_on_terminal(ctx, self._interactive):
            return  # an interactive coroutine: the loop already stops at each of its prompts
        if call.code in LIFECYCLE_CODES and in_lifecycle_hook(ctx):
            return  # one-shot file work at startup or shutdown: no request waits on the loop
        function = ctx.current_function
        if isinstance(function, ast.AsyncFunctionDef) and docstring_says_blocking(ast.get_docstring(function)):
            return  # the coroutine tells its callers it blocks
        ctx.report(call.code, node, call.message(qualname, ctx.library), self._fix(node, qualname))

    # -- fix --------------------------------------------------------------------------
    def _fix(self, node: ast.Call, qualname: str) -> Optional[Fix]:
        if qualname != "time.sleep" or "AL101" not in self.ctx.enabled:
            return None
        parent = self.ctx.parent(node)
        if not isinstance(parent, ast.Expr):
            return None
        library = self.ctx.library
        spelled = self.ctx.import_edit(library)
        if spelled is None:
            return None  # the library's name means something else here
        name, import_edit = spelled
        edits = [self.ctx.insert_before(node, "await "), self.ctx.replace(node.func, f"{name}.sleep")]
        if import_edit is not None:
            edits.insert(0, import_edit)
        return self.ctx.fix(f"Replace with `await {name}.sleep(...)`", edits)


# -- AL107: blocking through the project's own sync helpers -------------------------------------

_THREAD_ADVICE = {
    "asyncio": "`await asyncio.to_thread({name}, ...)`",
    "trio": "`await trio.to_thread.run_sync({name}, ...)`",
    "anyio": "`await anyio.to_thread.run_sync({name}, ...)`",
}


class HelperBlockingChecker(Checker):
    """AL107: asks the project index whether a sync callee blocks; the call graph is built with the index."""

    rules = (BLOCKING_HELPER,)
    needs_index = True

    def __init__(self, ctx: "FileContext") -> None:
        super().__init__(ctx)
        self._resolver: Optional["Resolver"] = None
        self._alone: Dict[int, bool] = {}
        self._interactive: Dict[int, bool] = {}

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        return b"async" in source

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        index = ctx.index
        if not ctx.in_coroutine or not isinstance(index, ProjectIndex) or index.blocking is None:
            return
        if used_asynchronously(ctx, node):
            return  # ``await helper()``: whatever it is, it hands back an awaitable
        if self._resolver is None:
            self._resolver = Resolver.of(ctx)
        target = self._resolver.call_target(node)
        if target is None or target.is_coroutine or not target.path:
            return
        qualname = ctx.resolve(node.func)
        if qualname is not None and lookup_function(qualname, ctx.settings) is not None:
            return  # named in `extend-blocking-calls`: AL1xx reports it
        chain = blocking_chain(index, target)
        if chain is None or (chain.lazy and not consumed(ctx, node)):
            return
        if switched_off(chain.guard, call_arguments(node)):
            return  # ``helper(use_lock=False)``: the branch that blocks does not run
        if alone_on_private_loop(ctx, self._alone) or in_lifecycle_hook(ctx) or steps_its_own_coroutines(ctx) \
                or waits_on_terminal(ctx, self._interactive):
            return  # the thread's own loop, with nothing else on it; an app's startup or shutdown; no loop;
            # an interactive coroutine, whose prompts stop the loop anyway
        ctx.report("AL107", node, self._message(node, chain, index.root or ctx.settings.project_root))

    def _message(self, node: ast.Call, chain: "BlockingChain", root: str) -> str:
        ctx = self.ctx
        func = ctx.current_function
        caller = getattr(func, "name", "<coroutine>")
        first, *rest = chain.steps
        base, projects = ctx.settings.display_base or root, ctx.settings.index_roots or (root,)
        parts = [f"`{node_text(node.func)}()` ({_where(first.path, first.line, base, projects)})"]
        parts += [f"`{step.name}()` ({_where(step.path, step.line, base, projects)})" for step in rest]
        text = f"`{caller}()` calls " + " -> ".join(parts) + f", which blocks the event loop ({chain.code})"
        if chain.cached:
            names = ", ".join(f"`{name}`" for name in chain.cached)
            text += f"; {names} {'is' if len(chain.cached) == 1 else 'are'} cached (`functools.cache`/" \
                    "`lru_cache`), so it blocks on the first call only"
        if chain.callers > 1:
            text += f" ({chain.callers} coroutines reach this blocking call: fixing it once in " \
                    f"`{chain.steps[-2].name}()` fixes them all)"
        if chain.lazy:
            kind = "an async context manager (`contextlib.asynccontextmanager`)" if chain.entered \
                else "an async generator"
            return text + f"; make it {kind} that does the blocking part in a worker thread"
        advice = _THREAD_ADVICE.get(ctx.library, _THREAD_ADVICE["asyncio"]).format(name=node_text(node.func))
        return text + f"; run it with {advice} or make it async"


def _where(path: str, line: int, base: str, projects: Sequence[str]) -> str:
    return Target("", path, line, False).where(base, projects)




CHECKERS: Tuple[Type[Checker], ...] = (BlockingCallChecker, HelperBlockingChecker)
