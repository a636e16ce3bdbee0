"""AL1xx: calls that block the event loop when made inside a coroutine.

One checker serves the whole family: it resolves each call inside a coroutine once
and looks the result up in the tables of ``asynclint.knowledge.blocking``.
"""

from __future__ import annotations

import ast
from typing import Optional, Tuple, Type

from ..knowledge.blocking import BlockingCall, lookup_function, lookup_method
from .base import Checker, Rule

SLEEP = Rule(
    code="AL101",
    name="blocking-sleep",
    summary="`time.sleep()` inside a coroutine",
    what_it_does="Reports calls to `time.sleep` (however it is imported) lexically inside an `async def`.",
    why_bad="`time.sleep` stops the whole event loop: every other task waits until it returns. "
    "An async sleep suspends only this coroutine.",
    example="import time\n\nasync def poll():\n    time.sleep(1)",
    use_instead="import asyncio\n\nasync def poll():\n    await asyncio.sleep(1)",
    fix_safety="Unsafe: `await asyncio.sleep(...)` (`trio.sleep` / `anyio.sleep` in trio and anyio "
    "files) adds a suspension and cancellation point, which changes what can run meanwhile. The "
    "fix adds `import asyncio` when it is missing and reuses an existing alias. Offered only when "
    "the call is a statement of its own.",
    fixable=True,
)

RULES: Tuple[Rule, ...] = (SLEEP,)


class BlockingCallChecker(Checker):
    """Flags blocking calls made directly in a coroutine (not passed by reference)."""

    rules = RULES

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        return b"async" in source

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if not ctx.in_coroutine:
            return
        hit = self._lookup(node)
        if hit is None:
            return
        qualname, call = hit
        ctx.report(call.code, node, call.message(qualname, ctx.library), self._fix(node, qualname))

    def _lookup(self, node: ast.Call) -> Optional[Tuple[str, BlockingCall]]:
        ctx = self.ctx
        qualname = ctx.resolve(node.func)
        if qualname is not None:
            call = lookup_function(qualname, node, ctx.settings)
            if call is not None:
                return qualname, call
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver_type = ctx.infer_type(func.value)
            if receiver_type is not None:
                call = lookup_method(receiver_type, func.attr, node)
                if call is not None:
                    return f"{receiver_type}.{func.attr}", call
        return None

    def _fix(self, node: ast.Call, qualname: str):  # type: ignore[no-untyped-def]
        if qualname != "time.sleep" or "AL101" not in self.ctx.enabled:
            return None
        parent = self.ctx.parent(node)
        if not isinstance(parent, ast.Expr):
            return None
        library = self.ctx.library
        name, import_edit = self.ctx.import_edit(library)
        edits = [self.ctx.insert_before(node, "await "), self.ctx.replace(node.func, f"{name}.sleep")]
        if import_edit is not None:
            edits.insert(0, import_edit)
        return self.ctx.fix(f"Replace with `await {name}.sleep(...)`", edits)


CHECKERS: Tuple[Type[Checker], ...] = (BlockingCallChecker,)
