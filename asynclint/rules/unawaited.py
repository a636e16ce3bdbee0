"""AL2xx: coroutines that never run, tasks that vanish, async functions used as plain callbacks.

Everything here hinges on one question, "does calling this make a coroutine?",
which ``asynclint.analysis.resolver`` answers by resolution, never by the spelling
of a name; an "unknown" answer never reports.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Iterator, List, Optional, Tuple, Type

from ..analysis.index import ProjectIndex, Target
from ..analysis.resolver import Resolver
from ..analysis.scopes import BindingKind, ScopeKind
from ..analysis import tasks
from ..base.model import Fix
from ..base.nodes import child_nodes, last_name
from ..catalogue.unawaited import RULES
from ..knowledge import coroutines as known
from .base import Checker, node_text

if TYPE_CHECKING:
    from ..analysis.context import FileContext


_TASK_CODES = frozenset({"AL204", "AL206"})
_TASK_WORDS = (b"create_task", b"ensure_future")
_CALLBACK_WORDS = (b"call_soon", b"call_later", b"call_at", b"add_signal_handler", b"add_reader", b"add_writer",
                   b"signal", b"register", b"Thread", b"Timer", b"add_done_callback", b"run_in_executor",
                   b"submit")
_LOOP_TYPES = frozenset({known.LOOP_TYPE})
_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)




class UnawaitedChecker(Checker):
    """AL201-AL205: calls to coroutine functions whose coroutine is lost, and tasks nobody holds."""

    rules = RULES
    needs_index = True

    def __init__(self, ctx: "FileContext") -> None:
        super().__init__(ctx)
        self.resolver = Resolver.of(ctx)

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        return cls.could_fire_with(source, enabled, None)

    @classmethod
    def could_fire_with(cls, source: bytes, enabled: frozenset[str], index: object) -> bool:
        """Sound: each code needs certain bytes (a coroutine function's name, ``create_task``...)."""
        if enabled & _TASK_CODES and any(w in source for w in _TASK_WORDS):
            return True
        if "AL205" in enabled and any(w in source for w in _CALLBACK_WORDS):
            return True
        if not enabled & {"AL201", "AL202", "AL203"}:
            return False
        if b"async" in source:
            return True
        if "AL201" not in enabled:
            return False  # AL202/AL203 only fire inside `async def`
        if not isinstance(index, ProjectIndex) or index.site_dirs:
            # Without the index any call may reach a project coroutine function (the flake8
            # plugin asks this before loading the index); third-party names are known only
            # once looked up.
            return b"(" in source
        triggers = index.trigger_names()
        return any(word in triggers for word in set(_IDENTIFIER.findall(source)))

    @classmethod
    def sync_needs_expressions(cls, source: bytes, enabled: frozenset[str]) -> bool:
        """Outside coroutines AL201/AL204 look at statements only; AL205's callbacks sit in expressions."""
        return "AL205" in enabled and any(w in source for w in _CALLBACK_WORDS)

    # -- AL201 and AL204 as statements ------------------------------------------------------
    def visit_Expr(self, node: ast.Expr) -> None:
        value = node.value
        if isinstance(value, ast.Call):
            if self._is_task_call(value):
                self._dropped_task(value, "the task is dropped")
                return
            self._unawaited(value)
            return
        for call, in_comprehension in _discarded_calls(value, False):
            if self._is_task_call(call):
                self._dropped_task(call, "the comprehension's tasks are dropped" if in_comprehension
                                   else "the task is dropped")
                return  # one finding per statement

    def _unawaited(self, call: ast.Call) -> None:
        ctx = self.ctx
        if "AL201" not in ctx.enabled:
            return
        target = self.resolver.coroutine_call(call)
        if target is None or self._tested_sync(call):
            return
        name = node_text(call.func)
        defined = self._defined(target)
        if ctx.in_coroutine:
            why_not = self._overridden(call)
            fix = None if why_not else ctx.fix("Add `await`", [ctx.insert_before(call, "await ")])
            ctx.report("AL201", call, f"`{name}()` is a coroutine function{defined}; add `await`{why_not}", fix)
        elif not self.resolver.made_sync(call):  # a sync wrapper replaced it at import: it runs
            ctx.report("AL201", call, f"`{name}()` is a coroutine function{defined}; its coroutine never runs "
                       "here (call it from a coroutine with `await`, or run it with `asyncio.run()`)")

    def _tested_sync(self, call: ast.Call) -> bool:
        """``if not inspect.iscoroutinefunction(self.close): self.close()`` (or the ``else`` of ``if
        iscoroutinefunction(...)``): the call runs only where the callee is a plain function (code shared
        by a sync variant, an override that may be either)."""
        wanted = ast.dump(call.func)
        stack = self.ctx.ancestors
        for i in range(len(stack) - 1, 0, -1):
            parent, child = stack[i - 1], stack[i]
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                return False
            if not isinstance(parent, (ast.If, ast.IfExp)):
                continue
            test = parent.test
            negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
            tested = test.operand if negated else test  # type: ignore[attr-defined]
            if not (isinstance(tested, ast.Call) and len(tested.args) == 1 and ast.dump(tested.args[0]) == wanted
                    and (self.ctx.resolve(tested.func) or "") in ("inspect.iscoroutinefunction",
                                                                  "asyncio.iscoroutinefunction")):
                continue
            in_body = child is parent.body or (isinstance(parent.body, list) and child in parent.body)
            in_else = child is parent.orelse or (isinstance(parent.orelse, list) and child in parent.orelse)
            if (negated and in_body) or (not negated and in_else):
                return True
        return False

    def _overridden(self, call: ast.Call) -> str:
        """"" or why ``self.hook()`` gets no fix: a subclass overrides ``hook`` with a plain ``def``."""
        overrides = self.resolver.sync_overrides(call)
        if not overrides:
            return ""
        root = self.resolver.index.root or self.ctx.settings.project_root
        qualname, path, line = overrides[0]
        where = Target(qualname, path, line, False).where(root)
        more = f" and {len(overrides) - 1} more" if len(overrides) > 1 else ""
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        return (f" (not fixed: `{qualname.rsplit('.', 1)[-1]}.{method}` at {where}{more} overrides "
                "it with a plain `def`, so the call does not always make a coroutine; make the overrides agree)")

    def _defined(self, target: Target) -> str:
        """`` (defined at app/api.py:12)``, or `` (`asyncio.sleep`)`` for known libraries."""
        settings = self.ctx.settings
        root = self.resolver.index.root or settings.project_root
        where = target.where(settings.display_base or root, settings.index_roots or (root,))
        return f" (defined at {where})" if where else f" (`{target.qualname}`)"

    def _is_task_call(self, call: ast.Call) -> bool:
        if self._task_code() not in self.ctx.enabled:
            return False
        func = call.func
        qualname = self.ctx.resolve(func)
        if qualname in known.TASK_FUNCTIONS:
            return True
        return isinstance(func, ast.Attribute) and func.attr == "create_task" and self.resolver.is_loop(func.value)

    def _task_code(self) -> str:
        """AL204 in a coroutine, which could await or keep the task; AL206 (opt-in) in sync code, where
        callback-driven projects drop tasks by design (protocol callbacks, event dispatch)."""
        return "AL204" if self.ctx.in_coroutine else "AL206"

    def _dropped_task(self, call: ast.Call, what: str) -> None:
        if self._task_excused(call):
            return
        name = node_text(call.func)
        if self._task_code() == "AL204":
            self.ctx.report("AL204", call, f"`{name}()`: {what}: nothing can await or cancel it, an exception "
                            "it raises is only logged when it is garbage-collected, and the loop's weak reference "
                            "lets it be collected mid-run if nothing else holds what it waits on; keep a reference "
                            "until it finishes, e.g. in a set with `task.add_done_callback(tasks.discard)`")
        else:
            self.ctx.report("AL206", call, f"`{name}()` in sync code: {what}; nothing but the loop's weak "
                            "reference holds it, and its errors surface only when it is collected: keep it in a "
                            "set with `task.add_done_callback(tasks.discard)` if it matters")

    def _task_excused(self, call: ast.Call) -> bool:
        """A dropped task nobody could hold or that cannot be lost (see ``analysis.tasks``)."""
        ctx = self.ctx
        if tasks.in_finaliser(ctx) or tasks.loop_run_later(ctx, call) or tasks.in_signal_handler(ctx) \
                or tasks.in_retry_timer(ctx):
            return True
        if call.args:
            target = self.resolver.coroutine_call(call.args[0])
            body = tasks.local_body(ctx, target) if target is not None else None
            if body is not None and tasks.delayed_best_effort(ctx, body):
                return True
            if target is not None and self.resolver.index.awaits_held_task(target, self.resolver.local):
                return True  # the wrapper is reachable through the task it awaits, which its owner keeps
        return False

    # -- AL202 and AL204 bound to a name -------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self._bound(node.targets[0], node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self._bound(node.target, node.value)

    def _bound(self, target: ast.Name, value: ast.expr) -> None:
        ctx = self.ctx
        if not isinstance(value, ast.Call):
            return
        func = ctx.current_function
        if not isinstance(func, _FUNCTIONS) or ctx.scope.kind not in (ScopeKind.FUNCTION, ScopeKind.COROUTINE):
            return
        found = ctx.lookup(target.id)
        if found is None or found[0] is not ctx.scope or any(
                b.kind in (BindingKind.GLOBAL, BindingKind.NONLOCAL) for b in found[1]):
            return
        is_task = self._is_task_call(value)
        wants_coroutine = "AL202" in ctx.enabled and ctx.in_coroutine
        if not is_task and not wants_coroutine:
            return
        if is_task:
            if target.id == "_":
                return  # ``_ = create_task(...)``: a discard on purpose (mypy's documented silence of unused-awaitable)
            if not any(True for _ in _loads(func, target.id)):
                self._dropped_task(value, f"the task is bound to `{target.id}`, which is never used")
            return
        coroutine = self.resolver.coroutine_call(value)
        if coroutine is None:
            return
        if coroutine.qualname in known.AWAITABLE_CONTEXT_MANAGERS and any(
                isinstance(parent, ast.Attribute) and parent.attr in known.CONTEXT_MANAGER_API
                for _, parent, _ in _loads(func, target.id)):
            return  # ``ctx = session.request(...)``, ``await ctx.__aenter__()``: entered by hand, as in AL203
        verdict = _coroutine_uses(func, target.id, target)
        if verdict is None:
            return
        name = node_text(value.func)
        if verdict == 0:
            message = f"`{name}()` returns a coroutine, bound to `{target.id}`, which is never awaited"
        else:
            message = (f"`{name}()` returns a coroutine, bound to `{target.id}` and used on line {verdict} "
                       "as if it held the result; add `await`")
        ctx.report("AL202", value, message)

    # -- AL203 ---------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if "AL205" in ctx.enabled:
            self._callback(node)
        if "AL203" not in ctx.enabled or not ctx.in_coroutine:
            return
        parent = ctx.parent(node)
        if parent is None:
            return
        how = _value_use(node, parent, ctx)
        if how is None:
            return
        target = self.resolver.coroutine_call(node)
        if target is None:
            return
        if isinstance(parent, ast.Attribute) and parent.attr in known.CONTEXT_MANAGER_API \
                and target.qualname in known.AWAITABLE_CONTEXT_MANAGERS:
            return  # ``await session.request(...).__aenter__()``: an async context manager entered by hand
        name = node_text(node.func)
        if how == _TRUTH:
            message = f"`{name}()` is a coroutine, which is always true; add `await`"
        elif how == _DROPPED:
            message = (f"`{name}()` is a coroutine: whenever the `{_bool_word(parent)}` reaches it, it is created and "
                       "dropped without running; add `await`")
        elif how == _BOUND:
            message = self._bound_or_message(node, parent, name)
            if not message:
                return
        else:
            message = f"`{name}()` is a coroutine: {how}; parenthesise `(await {name}(...))`"
        why_not = self._overridden(node)
        fix = None if why_not else self._value_fix(node, parent, how)
        ctx.report("AL203", node, message + why_not, fix)

    def _bound_or_message(self, node: ast.Call, boolop: ast.AST, name: str) -> str:
        """``x = y or coro()``: reported only when ``x`` is never awaited or handed on afterwards."""
        ctx = self.ctx
        assign = ctx.parent(boolop)
        target = assign.targets[0] if isinstance(assign, ast.Assign) else assign.target  # type: ignore[union-attr]
        func = ctx.current_function
        if not isinstance(target, ast.Name) or not isinstance(func, _FUNCTIONS):
            return ""
        verdict = _coroutine_uses(func, target.id, target)
        if verdict is None:
            return ""
        word = _bool_word(boolop)
        if verdict == 0:
            return (f"`{name}()` is a coroutine: whenever the `{word}` reaches it, it is bound to `{target.id}`, "
                    "which is never awaited; add `await`")
        return (f"`{name}()` is a coroutine: whenever the `{word}` reaches it, `{target.id}` holds it and line "
                f"{verdict} uses it as if it held the result; add `await`")

    def _value_fix(self, node: ast.Call, parent: ast.AST, how: str) -> Optional[Fix]:
        ctx = self.ctx
        if any(isinstance(a, ast.GeneratorExp) for a in ctx.ancestors):
            return None  # `await` would turn the generator expression into an async one
        if how in (_TRUTH, _DROPPED, _BOUND):
            return ctx.fix("Add `await`", [ctx.insert_before(node, "await ")])
        grand = ctx.parent(parent)
        call_text = ctx.segment(node)
        if isinstance(grand, ast.Await) and grand.value is parent:
            whole = ctx.segment(parent)
            if whole.startswith(call_text):
                return ctx.fix("Await the call, then use the result",
                               [ctx.replace(grand, f"(await {call_text}){whole[len(call_text):]}")])
            return None
        return ctx.fix("Await the call, then use the result", [ctx.replace(node, f"(await {call_text})")])

    # -- AL205 -----------------------------------------------------------------------------
    def _callback(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        callback: Optional[ast.expr] = None
        api = ""
        if isinstance(func, ast.Attribute) and func.attr in known.LOOP_CALLBACK_METHODS:
            position = known.LOOP_CALLBACK_METHODS[func.attr]
            if len(node.args) > position and self.resolver.is_plainly(func.value, "loop", _LOOP_TYPES) \
                    and not self._tornado_schedules(func):
                callback, api = node.args[position], f"loop.{func.attr}"
        elif isinstance(func, ast.Attribute) and func.attr in known.EXECUTOR_CALLBACK_METHODS:
            position = known.EXECUTOR_CALLBACK_METHODS[func.attr]
            if len(node.args) > position and self.resolver.is_plainly(func.value, "executor", known.EXECUTOR_TYPES):
                callback, api = node.args[position], f"executor.{func.attr}"
        elif isinstance(func, ast.Attribute) and func.attr == "add_done_callback":
            kind = self.resolver.receiver_type(func.value)
            if node.args and (kind is None or kind in known.FUTURE_TYPES):
                callback, api = node.args[0], "add_done_callback"
        else:
            qualname = ctx.resolve(func)
            spec = known.CALLBACK_FUNCTIONS.get(qualname or "")
            if spec is not None:
                position, keyword = spec
                if len(node.args) > position:
                    callback = node.args[position]
                for kw in node.keywords:
                    if kw.arg == keyword:
                        callback = kw.value
                api = qualname or ""
        if callback is None:
            return
        target, via = self._async_callable(callback)
        if target is None:
            return
        defined = self._defined(target)
        ctx.report("AL205", callback, f"{via}{defined}: `{api}` calls it as a plain "
                   "function, which only makes a coroutine that nothing awaits, so its body never runs; schedule "
                   "it with `asyncio.create_task()` / `asyncio.run_coroutine_threadsafe()` instead")

    def _tornado_schedules(self, func: ast.Attribute) -> bool:
        """``io_loop.call_later(0, initialize, app)`` in a module that imports tornado: Tornado's ``IOLoop``
        schedules the coroutine its callback returns, so ``initialize`` runs."""
        if func.attr not in known.TORNADO_SCHEDULERS:
            return False
        name = last_name(func.value) or ""
        return (name in known.TORNADO_LOOP_NAMES or name.endswith("_io_loop")) and self.ctx.imports_package("tornado")

    def _async_callable(self, expr: ast.expr) -> Tuple[Optional[Target], str]:
        resolver = self.resolver
        if isinstance(expr, ast.Lambda):
            target = resolver.coroutine_call(expr.body)
            if target is not None:
                callee = node_text(expr.body.func)  # type: ignore[attr-defined]
                return target, f"the lambda calls `{callee}()`, a coroutine function"
            return None, ""
        if isinstance(expr, ast.Call) and self.ctx.resolve(expr.func) == "functools.partial" and expr.args:
            inner, _ = self._async_callable(expr.args[0])
            return inner, f"`functools.partial({node_text(expr.args[0])}, ...)` wraps a coroutine function"
        if isinstance(expr, (ast.Name, ast.Attribute)):
            target = resolver.callable_target(expr)
            if target is not None and target.is_coroutine:
                return target, f"`{node_text(expr)}` is a coroutine function"
        return None, ""


def _discarded_calls(expr: ast.expr, in_comprehension: bool, depth: int = 0) -> Iterator[Tuple[ast.Call, bool]]:
    """Calls whose value an expression statement throws away: the element of a list/set comprehension,
    both arms of a conditional expression, the operands of ``and``/``or``."""
    if depth > 8:
        return
    if isinstance(expr, ast.Call):
        yield expr, in_comprehension
    elif isinstance(expr, (ast.ListComp, ast.SetComp)):
        yield from _discarded_calls(expr.elt, True, depth + 1)
    elif isinstance(expr, ast.IfExp):
        yield from _discarded_calls(expr.body, in_comprehension, depth + 1)
        yield from _discarded_calls(expr.orelse, in_comprehension, depth + 1)
    elif isinstance(expr, ast.BoolOp):
        for operand in expr.values:
            yield from _discarded_calls(operand, in_comprehension, depth + 1)


# -- how a value is used ----------------------------------------------------------------------

_TRUTH = "truth"
_DROPPED = "dropped"
_BOUND = "bound"
_SAME_OUTCOME = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)


def _value_use(node: ast.expr, parent: ast.AST, ctx: "FileContext") -> Optional[str]:
    """How a coroutine-making call's value is used, when that is a mistake: a truth test (``_TRUTH``), the
    last operand of ``and``/``or`` as a statement (``_DROPPED``) or bound to a name (``_BOUND``), or a
    phrase saying what happens (subscripted, compared, an operand, called); else None."""
    if isinstance(parent, ast.Subscript) and parent.value is node:
        return "subscripting it raises `TypeError`"
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return None if parent.attr in known.COROUTINE_API else f"it has no attribute `{parent.attr}`"
    if isinstance(parent, ast.Compare):
        if parent.left is node:
            op = parent.ops[0]
        elif node in parent.comparators:
            op = parent.ops[parent.comparators.index(node)]
        else:
            return None
        if isinstance(op, _SAME_OUTCOME):
            return ("the comparison sees the coroutine object, not its result, so it always comes out the same "
                    "and the call never runs")
        return "comparing it raises `TypeError`"
    if isinstance(parent, ast.BinOp) and node in (parent.left, parent.right):
        return "using it as an operand raises `TypeError`"
    if isinstance(parent, ast.Call) and parent.func is node:
        return "calling the coroutine object raises `TypeError`"
    if isinstance(parent, ast.BoolOp) and parent.values[-1] is node:
        grand = ctx.parent(parent)
        if isinstance(grand, ast.Expr):
            return _DROPPED
        if isinstance(grand, (ast.Assign, ast.AnnAssign)) and grand.value is parent and (
                not isinstance(grand, ast.Assign) or len(grand.targets) == 1):
            return _BOUND
    return _TRUTH if _is_truth_context(node, parent, ctx) else None


def _bool_word(boolop: ast.AST) -> str:
    return "and" if isinstance(boolop, ast.BoolOp) and isinstance(boolop.op, ast.And) else "or"


def _is_truth_context(node: ast.AST, parent: ast.AST, ctx: "FileContext", depth: int = 0) -> bool:
    if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)):
        return parent.test is node
    if isinstance(parent, ast.UnaryOp):
        return isinstance(parent.op, ast.Not)
    if isinstance(parent, ast.comprehension):
        return node in parent.ifs
    if isinstance(parent, ast.BoolOp):
        if parent.values[-1] is not node:
            return True
        grand = ctx.parent(parent)
        return grand is not None and depth < 8 and _is_truth_context(parent, grand, ctx, depth + 1)
    if isinstance(parent, ast.Call) and len(parent.args) == 1 and parent.args[0] is node and not parent.keywords:
        return ctx.resolve(parent.func) == "builtins.bool"
    return False


def _scope_nodes(func: ast.AST) -> Iterator[Tuple[ast.AST, ast.AST, bool]]:
    """(node, parent, nested) for every node of a function body; ``nested``: inside an inner def/lambda/class."""
    body: List[ast.stmt] = func.body  # type: ignore[attr-defined]
    stack: List[Tuple[ast.AST, ast.AST, bool]] = [(child, func, False) for child in reversed(body)]
    while stack:
        node, parent, nested = stack.pop()
        yield node, parent, nested
        inner = nested or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
        children = child_nodes(node)
        for child in reversed(children):
            stack.append((child, node, inner))


def _loads(func: ast.AST, name: str) -> Iterator[Tuple[ast.Name, ast.AST, bool]]:
    for node, parent, nested in _scope_nodes(func):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            yield node, parent, nested


_MISUSE = "misuse"


def _coroutine_uses(func: ast.AST, name: str, target: ast.Name) -> Optional[int]:
    """None when the coroutine bound to ``name`` may be awaited or handed on; 0 when never read;
    else the line of the first read that treats it as a result."""
    misuses: List[int] = []
    for node, parent, nested in _scope_nodes(func):
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("locals", "vars"):
            return None
        if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)):
            continue
        if nested:
            return None  # a closure may await it later
        use = _use_of(node, parent)
        if use != _MISUSE:
            return None
        misuses.append(node.lineno)
    return min(misuses) if misuses else 0


def _use_of(node: ast.Name, parent: ast.AST) -> str:
    """How one read of the name treats the coroutine: handed on ("escape") or used as a result ("misuse")."""
    if isinstance(parent, ast.Attribute):
        return "escape" if parent.attr in known.COROUTINE_API else _MISUSE
    if isinstance(parent, (ast.Subscript, ast.Compare, ast.BinOp, ast.FormattedValue)):
        return _MISUSE if not (isinstance(parent, ast.Subscript) and parent.slice is node) else "escape"
    if isinstance(parent, (ast.If, ast.While, ast.Assert)) and parent.test is node:
        return _MISUSE
    if isinstance(parent, ast.IfExp) and parent.test is node:
        return _MISUSE
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return _MISUSE
    if isinstance(parent, ast.BoolOp) and parent.values[-1] is not node:
        return _MISUSE
    if isinstance(parent, ast.For) and parent.iter is node:
        return _MISUSE
    if isinstance(parent, ast.comprehension) and parent.iter is node and not parent.is_async:
        return _MISUSE
    return "escape"


CHECKERS: Tuple[Type[Checker], ...] = (UnawaitedChecker,)
