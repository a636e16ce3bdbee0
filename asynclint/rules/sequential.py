"""AL3xx: awaits that run one after another although nothing orders them.

The rules are deliberately narrow: order matters in most async code (protocols,
transactions, locks, rate limits, tests that assert what happened first), and a
finding a reviewer rejects is worse than none. A run or loop is reported only
when every sign that its order matters is absent; the rules of thumb are
``asynclint.catalogue.sequential._HEURISTIC``, which ``--explain`` prints.
"""

from __future__ import annotations

import ast
import io
import itertools
import tokenize
from dataclasses import dataclass
from typing import FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple, Type

from ..analysis.effects import Resolved, describe, key_arguments, resolve_effect
from ..analysis.resolver import Resolver
from ..analysis.scopes import BindingKind, target_names
from ..base.model import Edit, Fix
from ..base.nodes import last_name, walk
from ..catalogue.sequential import RULES
from ..knowledge import ordered
from .base import Checker, node_text

_APPENDERS = ("append", "extend", "add")
_LINE_LENGTH = 88  # longer `gather(...)` calls get one argument per line
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp)
# `async with` of these (by callee word) serialise their body.
_SERIALISING_WORDS = frozenset({
    "lock", "locked", "acquire", "semaphore", "sem", "mutex", "limiter", "limit", "throttle", "transaction",
    "begin", "atomic", "savepoint", "serialize", "serialise", "cond", "condition", "exclusive", "tx", "txn",
})
_FIXTURE_DECORATORS = ("fixture", "yield_fixture", "async_fixture")


@dataclass(frozen=True)
class _Step:
    """One statement of a run: what it awaits, binds and reads."""

    stmt: ast.stmt
    call: ast.Call
    name: str  # the callee's last name: `fetch_user`
    text: str  # the callee as written: `self.fetch_user`
    bound: FrozenSet[str]  # names bound
    mutated: FrozenSet[str]  # roots of attribute/subscript targets (`self` for `self.user = ...`)
    reads: FrozenSet[str]  # names the call and the targets read
    serial: FrozenSet[str]  # one-at-a-time objects it uses, as written
    ordered: bool
    receiver: str  # `self.api` for `self.api.get_x()`, "" for a plain function
    bare: bool  # `await f()` as a statement: its result is discarded
    service: bool  # a method of an object other than `self` or a module: `client.get_x()`
    effect: Optional[Resolved] = None  # the callee's effect summary, when it is a project coroutine

    @property
    def query(self) -> bool:
        """A read: by the callee's summary when it has one, else by its name."""
        if self.effect is not None:
            return self.effect[0] in ("r", "w")
        return ordered.is_query(self.name, self.bare) and (self.service or ordered.is_network_query(self.name))


class SequentialAwaitChecker(Checker):
    """AL301 on runs of statements, AL302 on loops and comprehensions."""

    rules = RULES

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        return b"await" in source

    # -- AL301 --------------------------------------------------------------------
    def visit_Expr(self, node: ast.Expr) -> None:
        self._statement(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._statement(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._statement(node)

    def _statement(self, stmt: ast.stmt) -> None:
        ctx = self.ctx
        if "AL301" not in ctx.enabled or not ctx.in_coroutine or _awaited_call(stmt) is None:
            return
        block = self.ctx.block_of(stmt)
        if block is None:
            return
        index = next(i for i, s in enumerate(block) if s is stmt)
        if index > 0 and _awaited_call(block[index - 1]) is not None:
            return  # not the start of a sequence: reported from its first statement
        sequence: List[ast.stmt] = []
        for s in block[index:]:
            if _awaited_call(s) is None:
                break
            sequence.append(s)
        if len(sequence) < 2 or self._in_test() or self._serialised():
            return
        steps = [self._step(s) for s in sequence]
        for run in _runs(steps):
            if not all(s.query for s in run) or _in_protocol(run, steps) or \
                    self._author_says_ordered(run[0].stmt, run[-1].stmt) or not self._distinct(run):
                continue
            self._report_run(run)

    def _distinct(self, run: Sequence[_Step]) -> bool:
        """Calls that are not the same call twice, keyed writes to different keys, and no two
        calls judged by name on one receiver unless it serves concurrent requests.

        One object's methods (`api.get_status()`, `api.get_config()`) usually reach one device,
        account or connection that serves a request at a time: its maintainers call them in turn.
        """
        seen: Set[str] = set()
        keys: Set[Tuple[str, str]] = set()
        receivers: Set[str] = set()
        for step in run:
            text = ast.dump(step.call)
            if text in seen:
                return False  # the same call twice polls or retries
            seen.add(text)
            if step.effect is not None:
                if step.effect[0] == "w":
                    arguments = key_arguments(step.call, step.effect, isinstance(step.call.func, ast.Attribute))
                    if arguments is None:
                        return False
                    key = (step.text, "|".join(ast.dump(a) for a in arguments))
                    if key in keys:
                        return False
                    keys.add(key)
                continue
            if step.receiver:
                if step.receiver in receivers and not self._concurrent(step.call.func.value):  # type: ignore[attr-defined]
                    return False
                receivers.add(step.receiver)
        return True

    def _concurrent(self, receiver: ast.expr) -> bool:
        """An object known to serve concurrent requests: an HTTP client (by type, or by what made it)."""
        kind = self._type_of(receiver)
        if kind is not None:
            return kind in ordered.CONCURRENT_TYPE_NAMES or ordered.is_http_client(kind)
        if not isinstance(receiver, ast.Name):
            return False
        found = self.ctx.lookup(receiver.id)
        if found is None:
            return False
        # made by an HTTP client factory itself (`session = async_get_clientsession(hass)`), not by a
        # wrapper handed one (`api = DeviceApi(async_get_clientsession(hass))`: one device)
        makers = []
        for binding in found[1]:
            value = binding.value.value if isinstance(binding.value, ast.Await) else binding.value
            if not isinstance(value, ast.Call):
                return False
            makers.append(self.ctx.resolve(value.func) or node_text(value.func))
        return bool(makers) and all(ordered.is_http_client(m) for m in makers)

    def _effect(self, call: ast.Call) -> Optional[Resolved]:
        """The effect summary of a call to a project coroutine function, else None (judged by name)."""
        resolver = Resolver.of(self.ctx)
        target = resolver.call_target(call)
        if target is None or not target.is_coroutine or not target.path:
            return None
        memo = self.ctx.memo.setdefault("effects", {})
        return resolve_effect(resolver.index, target, resolver.local, memo)  # type: ignore[arg-type]

    def _extra_ordered(self, call: ast.Call, name: str) -> bool:
        """``extend-ordered-calls`` names a callee: the user's word beats its summary."""
        qualname = self.ctx.resolve(call.func)
        for entry in self.ctx.settings.extend_ordered_calls:
            if "." not in entry and entry == name:
                return True
            if "." in entry and qualname is not None and (qualname == entry or qualname.endswith("." + entry)):
                return True
        return False

    def _step(self, stmt: ast.stmt) -> _Step:
        call = _awaited_call(stmt)
        assert call is not None
        targets: List[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = list(stmt.targets)
        elif isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        bound: Set[str] = set()
        mutated: Set[str] = set()
        reads = set(_names_read(call))
        for target in targets:
            roots = []
            for element in _target_elements(target):
                if isinstance(element, (ast.Attribute, ast.Subscript)):
                    root = element
                    while isinstance(root, (ast.Attribute, ast.Subscript)):
                        root = root.value
                    roots.append(root)
                    if isinstance(root, ast.Name):
                        mutated.add(root.id)
            for node in walk(target):
                if isinstance(node, ast.Name) and not any(node is r for r in roots):
                    (bound if isinstance(node.ctx, ast.Store) else reads).add(node.id)
        name = _callee_name(call)
        effect = self._effect(call)
        if effect is not None:
            is_ordered = effect[0] == "o" or self._extra_ordered(call, name)
        else:
            is_ordered = self._is_ordered(call, name)
        return _Step(
            stmt=stmt, call=call, name=name, text=node_text(call.func), bound=frozenset(bound),
            mutated=frozenset(mutated),
            reads=frozenset(reads),
            serial=frozenset(self._serial_objects(call)), ordered=is_ordered,
            receiver=node_text(call.func.value) if isinstance(call.func, ast.Attribute) else "",
            bare=isinstance(stmt, ast.Expr), service=self._on_service(call), effect=effect,
        )

    def _report_run(self, run: Sequence[_Step]) -> None:
        ctx = self.ctx
        calls = ", ".join(f"`{s.text}()`" for s in run)
        first = run[0].stmt.value  # type: ignore[attr-defined]
        if ctx.library == "asyncio":
            advice = "run them concurrently with `asyncio.gather(...)`"
            fix = self._gather_fix(run)
        else:
            kind = "nursery" if ctx.library == "trio" else "task group"
            advice = f"start them in a {kind} to run them concurrently"
            fix = None
        judged = [(s.name, s.effect) for s in run if s.effect is not None]
        why = f": {describe(judged)}" if judged else ""
        message = f"{len(run)} independent awaits run one after another ({calls}){why}; {advice}"
        ctx.report("AL301", first, message, fix)

    # -- AL302 --------------------------------------------------------------------
    def visit_For(self, node: ast.For) -> None:
        ctx = self.ctx
        if "AL302" not in ctx.enabled or not ctx.in_coroutine or node.orelse:
            return
        shape = _loop_shape(node)
        if shape is None:
            return
        call, accumulator, method, temp = shape
        loop_names = {n.id for n in target_names(node.target)}
        if not self._loop_call_ok(call, loop_names, {n for n in (accumulator, temp) if n}, accumulator is None):
            return
        if self._in_test() or self._serialised() or self._author_says_ordered(node, node):
            return
        fix = self._loop_fix(node, call, accumulator, method) if ctx.library == "asyncio" else None
        message = self._per_item_message(call)
        ctx.report("AL302", _await_of(node, call), message, fix)

    def _per_item_message(self, call: ast.Call) -> str:
        """AL302's message: gather in asyncio files, a nursery or task group in trio/anyio ones."""
        library = self.ctx.library
        if library == "asyncio":
            advice = "start them together with `asyncio.gather(...)`"
        else:
            advice = f"start them in a {'nursery' if library == 'trio' else 'task group'}"
        effect = self._effect(call)
        why = f" ({describe([(_callee_name(call), effect)])})" if effect is not None else ""
        return f"`{node_text(call.func)}()` is awaited once per item, one after another{why}; {advice}"

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, node.elt)

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension(node, node.elt)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, node.value)

    def _comprehension(self, node: ast.expr, element: ast.expr) -> None:
        ctx = self.ctx
        if "AL302" not in ctx.enabled or not ctx.in_coroutine:
            return
        if not isinstance(element, ast.Await) or not isinstance(element.value, ast.Call):
            return
        generators: List[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        if any(g.is_async for g in generators):
            return
        awaits = [n for n in walk(node) if isinstance(n, (ast.Await, ast.NamedExpr, ast.Yield, ast.YieldFrom))]
        if len(awaits) != 1:
            return
        call = element.value
        loop_names = {n.id for g in generators for n in target_names(g.target)}
        if not self._loop_call_ok(call, loop_names, set(), bare=False):
            return
        if self._in_test() or self._serialised() or self._author_says_ordered(node, node):
            return
        fix = None
        if ctx.library == "asyncio" and isinstance(node, ast.ListComp):
            fix = self._comprehension_fix(node, call)
        message = self._per_item_message(call)
        ctx.report("AL302", element, message, fix)

    def _loop_call_ok(self, call: ast.Call, loop_names: Set[str], body_names: Set[str], bare: bool) -> bool:
        """One independent call per item, on an object that can serve several at once."""
        if _has_nested(call):
            return False
        reads = set(_names_read(call))
        if not reads & loop_names or reads & body_names:
            return False
        if _root_name(call.func) in loop_names:
            return False  # a dispatch loop (each item's own hook or method), not a fan-out of requests
        name = _callee_name(call)
        effect = self._effect(call)
        if effect is not None:
            if effect[0] == "w":
                arguments = key_arguments(call, effect, isinstance(call.func, ast.Attribute))
                if arguments is None or not any(set(_names_read(a)) & loop_names for a in arguments):
                    return False  # every item writes the same key, or we cannot tell
            elif effect[0] != "r" or self._extra_ordered(call, name):
                return False
        else:
            if self._is_ordered(call, name):
                return False
            query = ordered.is_query(name, bare) and (self._on_service(call) or ordered.is_network_query(name))
            if not (query or self._keyed_store(call)):
                return False
            if isinstance(call.func, ast.Attribute) and not self._concurrent(call.func.value):
                return False  # one object's method per item: one device, account or connection in turn
        # A one-at-a-time object shared by the iterations (the loop variable is a new object each time).
        for expr in _objects(call):
            root = _root_name(expr)
            if root in loop_names:
                continue
            if self._is_serial(expr):
                return False
        return True

    def _on_service(self, call: ast.Call) -> bool:
        """A method of an object (`client.get_x()`, `self._api.get_x()`), not of `self` or a module."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return False
        receiver = func.value
        root = _root_name(receiver)
        if root is None or (isinstance(receiver, ast.Name) and root in ("self", "cls")):
            return False
        return root in ("self", "cls") or self._is_local_object(root)

    def _keyed_store(self, call: ast.Call) -> bool:
        """``await self.cache.set(key, value)``: keyed writes to a store are independent per key."""
        func = call.func
        if not isinstance(func, ast.Attribute) or ordered.verb(func.attr) not in ordered.STORE_VERBS:
            return False
        last = last_name(func.value, through_calls=True)
        return last is not None and any(t in ordered.STORE_NAME_TOKENS for t in ordered.name_tokens(last))

    # -- shared judgements ----------------------------------------------------------
    def _is_ordered(self, call: ast.Call, name: str) -> bool:
        ctx = self.ctx
        qualname = ctx.resolve(call.func)
        has_args = bool(call.args or call.keywords)
        if ordered.is_ordered(qualname, name, has_args, ctx.settings.extend_ordered_calls):
            return True
        func = call.func
        if name in ordered.QUEUE_METHODS and isinstance(func, ast.Attribute):
            receiver = func.value
            last = last_name(receiver, through_calls=True)
            if last is not None and ordered.is_queue_name(last):
                return True
            kind = self._type_of(receiver)
            if kind is not None and kind.rsplit(".", 1)[-1].endswith("Queue"):
                return True
        return False

    def _is_local_object(self, name: str) -> bool:
        found = self.ctx.lookup(name)
        if found is None:
            return False
        _, bindings = found
        return not any(b.kind in (BindingKind.IMPORT, BindingKind.CLASS, BindingKind.FUNCTION,
                                  BindingKind.COROUTINE) for b in bindings)

    def _serial_objects(self, call: ast.Call) -> Iterator[str]:
        for expr in _objects(call):
            if self._is_serial(expr):
                yield ast.dump(expr)

    def _is_serial(self, expr: ast.expr) -> bool:
        """A connection, cursor, stream, lock...: by a name in the chain or by inferred type."""
        node: ast.expr = expr
        while True:
            if isinstance(node, ast.Attribute):
                if ordered.is_serial_name(node.attr):
                    return True
                node = node.value
            elif isinstance(node, ast.Name):
                if node.id not in ("self", "cls") and ordered.is_serial_name(node.id):
                    return True
                break
            elif isinstance(node, ast.Subscript):
                node = node.value
            else:
                break
        kind = self._type_of(expr)
        if kind is not None and ordered.is_serial_type(kind):
            return True
        last = last_name(expr, through_calls=True)
        if last is not None and ordered.is_session_name(last):
            # A database session serves one statement at a time; an HTTP client session does not.
            return not ordered.is_http_client(kind or self._origin_text(expr))
        return False

    def _origin_text(self, expr: ast.expr) -> str:
        """What a name was made from, as text (`async_get_clientsession(hass)`), for hints only."""
        if not isinstance(expr, ast.Name):
            return ""
        found = self.ctx.lookup(expr.id)
        if found is None:
            return ""
        parts = []
        for binding in found[1]:
            for source in (binding.annotation, binding.value):
                if source is not None:
                    parts.append(self.ctx.resolve(source.func) if isinstance(source, ast.Call) else None)
                    parts.append(node_text(source))
        return " ".join(p for p in parts if p)

    def _type_of(self, expr: ast.expr) -> Optional[str]:
        """``infer_type``, plus what an awaited or entered factory returns (``await asyncpg.connect()``)."""
        ctx = self.ctx
        kind = ctx.infer_type(expr)
        if kind is not None or not isinstance(expr, ast.Name):
            return kind
        found = ctx.lookup(expr.id)
        if found is None:
            return None
        for binding in found[1]:
            value = binding.value
            if isinstance(value, ast.Await):
                value = value.value
            if isinstance(value, ast.Call) and binding.kind in (BindingKind.ASSIGN, BindingKind.WITH):
                callee = ctx.resolve(value.func)
                if callee is not None and ordered.is_serial_type(callee):
                    return callee
        return None

    def _author_says_ordered(self, start: ast.AST, end: ast.AST) -> bool:
        """A comment at or above the code, or the function's docstring, says the order is on purpose."""
        lines = self.ctx.lines
        first: int = start.lineno  # type: ignore[attr-defined]
        last: int = getattr(end, "end_lineno", None) or end.lineno  # type: ignore[attr-defined]
        comments = []
        above = first - 1
        while above >= 1 and above > first - 4 and lines[above - 1].lstrip().startswith("#"):
            comments.append(lines[above - 1])
            above -= 1
        comments += [line[line.index("#"):] for line in lines[first - 1:last] if "#" in line]
        text = "\n".join(comments)
        if ordered.INTENT_STRONG.search(text) or ordered.INTENT_WEAK.search(text):
            return True
        func = self.ctx.current_function
        doc = ast.get_docstring(func) if isinstance(func, ast.AsyncFunctionDef) else None
        return bool(doc and ordered.INTENT_DOC.search(doc))

    def _in_test(self) -> bool:
        """Test functions and fixtures await steps in order on purpose."""
        for func in reversed(self.ctx.function_stack):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if func.name.startswith("test") or func.name.startswith("_test") or func.name in (
                    "setUp", "tearDown", "asyncSetUp", "asyncTearDown", "setup_method", "teardown_method"):
                return True
            for dec in func.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                last = last_name(target, through_calls=True)
                if last in _FIXTURE_DECORATORS:
                    return True
        for cls in self.ctx.class_stack:
            if cls.name.startswith("Test"):
                return True
        return False

    def _serialised(self) -> bool:
        """Inside ``async with lock:`` / ``async with conn.transaction():`` (up to the function)."""
        for node in reversed(self.ctx.ancestors):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return False
            if not isinstance(node, (ast.With, ast.AsyncWith)):
                continue
            for item in node.items:
                expr = item.context_expr
                if not isinstance(expr, ast.Call):
                    if self._is_serial(expr) or item.optional_vars is None:
                        return True
                    continue
                words = set(ordered.name_tokens(_callee_name(expr)))
                last = last_name(expr.func.value, through_calls=True) if isinstance(expr.func, ast.Attribute) else None
                if last is not None:
                    words |= set(ordered.name_tokens(last))
                if words & _SERIALISING_WORDS:
                    return True
                kind = self.ctx.resolve(expr.func)
                if kind is not None and kind.rsplit(".", 1)[-1] in ("Lock", "Semaphore", "BoundedSemaphore",
                                                                   "Condition", "CapacityLimiter"):
                    return True
        return False

    # -- fixes ------------------------------------------------------------------------
    def _gather_fix(self, run: Sequence[_Step]) -> Optional[Fix]:
        ctx = self.ctx
        stmts = [s.stmt for s in run]
        line, col, _, _ = ctx.span(stmts[0])
        indent = ctx.lines[line - 1][:col - 1]
        if indent.strip():
            return None  # the run does not start its line (`if x: a = await f(); ...`)
        for before, after in itertools.pairwise(stmts):
            if self._text_between(ctx.span(before)[2:], ctx.span(after)[:2]).strip():
                return None  # a comment or `;` would be lost
        targets: List[str] = []
        annotations: List[str] = []
        bare = [s for s in stmts if isinstance(s, ast.Expr)]
        if bare and len(bare) < len(stmts) and self._underscore_used():
            return None
        for stmt in stmts:
            if isinstance(stmt, ast.Expr):
                targets.append("_")
            elif isinstance(stmt, ast.Assign):
                if len(stmt.targets) != 1:
                    return None
                targets.append(_target_text(ctx.segment(stmt.targets[0]), stmt.targets[0]))
            elif isinstance(stmt, ast.AnnAssign):
                if not stmt.simple and not isinstance(stmt.target, (ast.Attribute, ast.Subscript)):
                    return None
                target = ctx.segment(stmt.target)
                targets.append(target)
                annotations.append(f"{target}: {ctx.segment(stmt.annotation)}")
        spelled = ctx.import_edit("asyncio")
        if spelled is None:
            return None  # `asyncio` is shadowed here
        name, import_edit = spelled
        if any(_multiline_string(s.call) for s in run):
            return None  # re-indenting the call would change the string
        calls = [ctx.segment(s.call) for s in run]
        head = "" if len(bare) == len(stmts) else f"{', '.join(targets)} = "
        gather = f"await {name}.gather({', '.join(calls)})"
        if len(indent) + len(head) + len(gather) > _LINE_LENGTH or any("\n" in c for c in calls):
            inner = "".join(f"{indent}    {c.replace(chr(10), chr(10) + '    ')},\n" for c in calls)
            gather = f"await {name}.gather(\n{inner}{indent})"
        text = head + gather
        text = "".join(f"{a}\n{indent}" for a in annotations) + text
        last = ctx.span(stmts[-1])
        edit = Edit(line, col, last[2], last[3], text)
        edits = [e for e in (import_edit, edit) if e is not None]
        return ctx.fix(f"Run the {len(run)} calls with `{name}.gather(...)`", edits)

    def _underscore_used(self) -> bool:
        func = self.ctx.current_function
        if func is None:
            return True
        return any(isinstance(n, ast.Name) and n.id == "_" for n in walk(func))

    def _text_between(self, start: Sequence[int], end: Sequence[int]) -> str:
        """Source text from ``start`` (line, col) to ``end`` (line, col), 1-based, end exclusive."""
        lines = self.ctx.lines
        (l1, c1), (l2, c2) = start, end
        if l1 == l2:
            return lines[l1 - 1][c1 - 1:c2 - 1]
        parts = [lines[l1 - 1][c1 - 1:], *lines[l1:l2 - 1], lines[l2 - 1][:c2 - 1]]
        return "\n".join(parts)

    def _gather_call(self, call: ast.Call, generators_text: str) -> Optional[Tuple[str, Optional[Edit]]]:
        ctx = self.ctx
        spelled = ctx.import_edit("asyncio")
        if spelled is None:
            return None  # `asyncio` is shadowed here
        name, import_edit = spelled
        return f"await {name}.gather(*({ctx.segment(call)} {generators_text}))", import_edit

    def _loop_fix(self, loop: ast.For, call: ast.Call, accumulator: Optional[str],
                  method: Optional[str]) -> Optional[Fix]:
        ctx = self.ctx
        if method == "extend" or _has_comment(ctx.segment(loop)) or "\n" in ctx.segment(call):
            return None
        line, col, end_line, end_col = ctx.span(loop)
        if ctx.lines[line - 1][:col - 1].strip() or self._leaks(loop):
            return None
        generators = f"for {ctx.segment(loop.target)} in {ctx.segment(loop.iter)}"
        made = self._gather_call(call, generators)
        if made is None:
            return None
        gather, import_edit = made
        start = (line, col)
        if accumulator is None:
            text = gather
        else:
            previous = self._previous_statement(loop)
            empty = "[]" if method == "append" else "set()"
            if previous is not None and _is_empty_init(previous, accumulator, method) and \
                    not self._text_between(ctx.span(previous)[2:], (line, col)).strip() and \
                    not ctx.lines[previous.lineno - 1][:previous.col_offset].strip():
                start = ctx.span(previous)[:2]
                text = f"{accumulator} = {gather}" if empty == "[]" else f"{accumulator} = set({gather})"
            else:
                grow = "extend" if method == "append" else "update"
                text = f"{accumulator}.{grow}({gather})"
        edit = Edit(start[0], start[1], end_line, end_col, text)
        edits = [e for e in (import_edit, edit) if e is not None]
        return ctx.fix("Start the calls together with `gather(...)`", edits)

    def _leaks(self, loop: ast.For) -> bool:
        """Is a name the loop binds (its target, a temporary) read after it? The fix would unbind it."""
        bound = {n.id for n in walk(loop) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        inside = {id(n) for n in walk(loop)}
        func = self.ctx.current_function
        return func is None or any(isinstance(n, ast.Name) and n.id in bound and id(n) not in inside
                                   for n in walk(func))

    def _previous_statement(self, stmt: ast.stmt) -> Optional[ast.stmt]:
        block = self.ctx.block_of(stmt)
        if block is None:
            return None
        index = next(i for i, s in enumerate(block) if s is stmt)
        return block[index - 1] if index > 0 else None

    def _comprehension_fix(self, node: ast.ListComp, call: ast.Call) -> Optional[Fix]:
        ctx = self.ctx
        whole = ctx.segment(node)
        if "\n" in whole or _has_comment(whole):
            return None
        element = node.elt
        text = self._text_between(ctx.span(element)[2:], ctx.span(node)[2:])
        generators = text.rstrip()
        if not generators.endswith("]"):
            return None
        generators = generators[:-1].strip()
        made = self._gather_call(call, generators)
        if made is None:
            return None
        gather, import_edit = made
        edits = [e for e in (import_edit, ctx.replace(node, gather)) if e is not None]
        return ctx.fix("Start the calls together with `gather(...)`", edits)


# -- helpers --------------------------------------------------------------------------
def _awaited_call(stmt: ast.stmt) -> Optional[ast.Call]:
    """The call of a step statement (`await f()`, `x = await f()`, `x: T = await f()`), else None."""
    if isinstance(stmt, (ast.Expr, ast.Assign)) or (isinstance(stmt, ast.AnnAssign) and stmt.value is not None):
        value = stmt.value
        if isinstance(value, ast.Await) and isinstance(value.value, ast.Call) and not _has_nested(value.value):
            return value.value
    return None


def _has_nested(call: ast.Call) -> bool:
    """Another await, a lambda, a walrus or a yield inside: not one plain call."""
    return any(isinstance(n, (ast.Await, ast.Lambda, ast.NamedExpr, ast.Yield, ast.YieldFrom))
               for n in walk(call))


def _callee_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _target_elements(target: ast.expr) -> Iterator[ast.expr]:
    """The single targets of a (possibly nested, starred) tuple or list target."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_elements(element)
    elif isinstance(target, ast.Starred):
        yield from _target_elements(target.value)
    else:
        yield target


def _root_name(expr: ast.expr) -> Optional[str]:
    """`self.a.b[0]` -> self."""
    while isinstance(expr, (ast.Attribute, ast.Subscript, ast.Starred)):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _names_read(node: ast.AST) -> Iterator[str]:
    for n in walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            yield n.id


def _objects(call: ast.Call) -> Iterator[ast.expr]:
    """The receiver and the arguments of a call that name objects (not literals)."""
    if isinstance(call.func, ast.Attribute):
        yield call.func.value
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        if isinstance(arg, ast.Starred):
            arg = arg.value
        if isinstance(arg, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            yield arg


def _runs(steps: Sequence[_Step]) -> Iterator[List[_Step]]:
    """Split a sequence into runs of independent steps: ordered calls are barriers."""
    run: List[_Step] = []
    for step in steps:
        if step.ordered:
            if len(run) > 1:
                yield run
            run = []
            continue
        if run and any(_depends(earlier, step) for earlier in run):
            if len(run) > 1:
                yield run
            run = [step]
        else:
            run.append(step)
    if len(run) > 1:
        yield run


def _depends(earlier: _Step, later: _Step) -> bool:
    """Data flow between two steps (two attribute stores into one object do not conflict)."""
    if earlier.bound & (later.reads | later.bound | later.mutated):
        return True
    if earlier.mutated & later.reads:
        return True
    if later.bound & (earlier.reads | earlier.mutated):
        return True
    return bool(earlier.serial & later.serial)


def _in_protocol(run: Sequence[_Step], steps: Sequence[_Step]) -> bool:
    """Right after `await api.login()` or before `await api.logout()`: steps of the receiver's protocol."""
    first = next(i for i, s in enumerate(steps) if s is run[0])
    last = first + len(run) - 1
    neighbours = [steps[i] for i in (first - 1, last + 1) if 0 <= i < len(steps)]
    for neighbour in neighbours:
        if not neighbour.ordered or not neighbour.receiver:
            continue
        for step in run:
            if step.receiver == neighbour.receiver or step.receiver.startswith(neighbour.receiver + "."):
                return True
    return False


def _loop_shape(loop: ast.For) -> Optional[Tuple[ast.Call, Optional[str], Optional[str], Optional[str]]]:
    """(call, accumulator, method, temporary) of the three loop forms, else None."""
    body = loop.body
    if len(body) == 1 and isinstance(body[0], ast.Expr):
        value = body[0].value
        if isinstance(value, ast.Await) and isinstance(value.value, ast.Call):
            return value.value, None, None, None
        appended = _appended(value)
        if appended is not None:
            accumulator, method, arg = appended
            if isinstance(arg, ast.Await) and isinstance(arg.value, ast.Call):
                return arg.value, accumulator, method, None
        return None
    if len(body) == 2 and isinstance(body[0], ast.Assign) and isinstance(body[1], ast.Expr):
        first, second = body
        if len(first.targets) != 1 or not isinstance(first.targets[0], ast.Name):
            return None
        temp = first.targets[0].id
        if not isinstance(first.value, ast.Await) or not isinstance(first.value.value, ast.Call):
            return None
        appended = _appended(second.value)
        if appended is None:
            return None
        accumulator, method, arg = appended
        if isinstance(arg, ast.Name) and arg.id == temp and accumulator != temp:
            return first.value.value, accumulator, method, temp
    return None


def _appended(expr: ast.expr) -> Optional[Tuple[str, str, ast.expr]]:
    """`results.append(x)` -> (results, append, x)."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in _APPENDERS \
            and isinstance(expr.func.value, ast.Name) and len(expr.args) == 1 and not expr.keywords:
        return expr.func.value.id, expr.func.attr, expr.args[0]
    return None


def _await_of(loop: ast.For, call: ast.Call) -> ast.AST:
    for node in walk(loop):
        if isinstance(node, ast.Await) and node.value is call:
            return node
    return call


def _is_empty_init(stmt: ast.stmt, name: str, method: Optional[str]) -> bool:
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
        return False
    target = stmt.targets[0]
    if not isinstance(target, ast.Name) or target.id != name:
        return False
    value = stmt.value
    if method == "append":
        return isinstance(value, ast.List) and not value.elts
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "set" \
        and not value.args and not value.keywords


def _target_text(text: str, target: ast.expr) -> str:
    """A tuple target joins a tuple of targets in parentheses: `(a, b), c = ...`."""
    if isinstance(target, (ast.Tuple, ast.List)) and not text.startswith(("(", "[")):
        return f"({text})"
    return text


def _multiline_string(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Constant, ast.JoinedStr)) and (n.end_lineno or n.lineno) != n.lineno
               for n in walk(node))


def _has_comment(text: str) -> bool:
    if "#" not in text:
        return False
    try:
        return any(t.type == tokenize.COMMENT for t in tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return True


CHECKERS: Tuple[Type[Checker], ...] = (SequentialAwaitChecker,)
