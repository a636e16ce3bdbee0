"""AL2xx: coroutines that never run, tasks that vanish, async functions used as plain callbacks.

Everything here hinges on one question, "does calling this make a coroutine?",
answered by resolution, never by the spelling of a name: ``async def`` in this
file (functions, nested functions, methods through ``self``/``cls``/the class,
inherited ones, methods of instances whose class is known), in other modules of
the project (the ``ProjectIndex``: imports, aliases, re-exports, bases), in the
standard library and popular libraries (``knowledge.coroutines``), in config
(``extend-coroutine-functions``), and in installed third-party source when
site-packages are configured. A decorator the tables do not know makes the
answer "unknown", which never reports.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Set, Tuple, Type

from ..index import (
    LocalModule, ProjectIndex, Target, apply_decorators, is_async_generator, summarize, wrapper_effect, wrapper_kind,
)
from ..knowledge import coroutines as known
from ..model import Fix
from ..nodes import child_nodes
from ..scopes import Binding, BindingKind, ScopeKind
from .base import Checker, Rule, Where, node_text

if TYPE_CHECKING:
    from ..context import FileContext

UNAWAITED_CALL = Rule(
    code="AL201",
    name="unawaited-coroutine",
    summary="A coroutine function is called and its coroutine is discarded",
    what_it_does="Reports an expression statement that calls a coroutine function (an `async def`, "
    "resolved through imports, re-exports, classes and their bases, the standard library and known "
    "libraries) without `await`, in a coroutine or in sync code. The message says where the function "
    "is defined.",
    why_bad="Calling an `async def` only creates a coroutine object; nothing in its body runs until it is "
    "awaited. The statement silently does nothing (Python prints \"coroutine ... was never awaited\" "
    "at garbage collection, if anyone is looking).",
    example="async def save(user):\n    ...\n\nasync def handler(user):\n    save(user)",
    use_instead="async def handler(user):\n    await save(user)",
    fix_safety="Unsafe, in a coroutine only: inserting `await` makes code run that never ran before. "
    "No fix in sync code (where `await` is not allowed).",
    fixable=True,
    where=Where.ANYWHERE,
    options="`extend-coroutine-functions`: qualified names of more coroutine functions or methods "
    "(`mylib.fetch`, `mylib.Client.get`). `extend-async-decorators`: decorators that keep an "
    "`async def` a coroutine function (any other unknown decorator makes it unknown). "
    "`site-packages` / `python`: where installed third-party source is read from (default: the "
    "active `VIRTUAL_ENV`).",
)
UNAWAITED_NAME = Rule(
    code="AL202",
    name="coroutine-bound-never-awaited",
    summary="A coroutine is bound to a name and never awaited",
    what_it_does="Reports `x = coroutine_function(...)` inside a coroutine when `x` is never awaited, "
    "passed to a call, returned, yielded or stored afterwards, whether it is never used again or is "
    "used as if it held the result (`x[\"key\"]`, `x.attr`, iteration, comparison, truth test).",
    why_bad="The coroutine never runs, and code that reads the name gets a coroutine object instead of "
    "the result: usually a missing `await` on the assignment.",
    example="async def load(url):\n    data = self._get_json(url)\n    return data[\"items\"]",
    use_instead="async def load(url):\n    data = await self._get_json(url)\n    return data[\"items\"]",
)
TRUTHY_COROUTINE = Rule(
    code="AL203",
    name="coroutine-used-as-value",
    summary="A coroutine is tested for truth, subscripted or has an attribute read",
    what_it_does="Reports a call to a coroutine function used as a truth value (`if`, `while`, `elif`, "
    "`not`, `and`/`or` operands, `assert`, conditional expressions, `bool()`), or subscripted or "
    "attribute-accessed before it is awaited: `await x.call()[\"k\"]` means `await (x.call()[\"k\"])`. "
    "The coroutine's own API (`close()`, `send()`, `throw()`, `cr_*`) is fine.",
    why_bad="A coroutine object is always true, so the test always passes and the function never runs; "
    "subscripting or reading an attribute of one raises `TypeError`/`AttributeError` at run time.",
    example="async def check():\n    if is_ready():\n        ...\n    name = await client.get_user()[\"name\"]",
    use_instead="async def check():\n    if await is_ready():\n        ...\n"
    "    name = (await client.get_user())[\"name\"]",
    fix_safety="Unsafe, in a coroutine only: inserts `await` (parenthesised where needed), which makes the "
    "call run.",
    fixable=True,
)
DROPPED_TASK = Rule(
    code="AL204",
    name="dropped-task",
    summary="The only reference to a new task is dropped",
    what_it_does="Reports `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and `loop.create_task(...)` "
    "(where `loop` is known to be an event loop) used as a statement, in a comprehension used as a "
    "statement, or bound to a local name that is never used. `TaskGroup.create_task` and nursery "
    "`start_soon` are fine: the group holds the task.",
    why_bad="The event loop keeps only a weak reference to tasks: a task nobody references can be "
    "garbage-collected before it finishes, and its exception is never seen.",
    example="async def on_message(msg):\n    asyncio.create_task(process(msg))",
    use_instead="background_tasks = set()\n\nasync def on_message(msg):\n    task = asyncio.create_task(process(msg))\n"
    "    background_tasks.add(task)\n    task.add_done_callback(background_tasks.discard)",
    where=Where.ANYWHERE,
)
ASYNC_CALLBACK = Rule(
    code="AL205",
    name="async-function-as-callback",
    summary="An async function is passed where a plain callback is expected",
    what_it_does="Reports an `async def` function (or a `lambda` whose body calls one) passed to an API "
    "that calls it as a plain function and ignores the result: `loop.call_soon/call_later/call_at/"
    "call_soon_threadsafe`, `loop.add_signal_handler`, `loop.add_reader/add_writer`, `signal.signal`, "
    "`atexit.register`, `threading.Thread(target=...)`, `threading.Timer`, `Future.add_done_callback`.",
    why_bad="The API calls the function, gets a coroutine object back and drops it: the body never runs.",
    example="loop.call_later(5, self._expire)\n\nasync def _expire(self):\n    ...",
    use_instead="loop.call_later(5, lambda: asyncio.create_task(self._expire()))  # and keep the task",
    where=Where.ANYWHERE,
)

RULES: Tuple[Rule, ...] = (UNAWAITED_CALL, UNAWAITED_NAME, TRUTHY_COROUTINE, DROPPED_TASK, ASYNC_CALLBACK)

_TASK_WORDS = (b"create_task", b"ensure_future")
_CALLBACK_WORDS = (b"call_soon", b"call_later", b"call_at", b"add_signal_handler", b"add_reader", b"add_writer",
                   b"signal", b"register", b"Thread", b"Timer", b"add_done_callback")
# unittest's context managers that expect the block to raise (a deny-list: it only suppresses)
_RAISES_METHODS = frozenset({"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "assertWarns",
                             "assertWarnsRegex"})
_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_MAX_DEPTH = 12  # resolution steps through names, calls, attributes and decorators


class Resolver:
    """Answers "is this a coroutine function?" for expressions of one file."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        index = ctx.index
        self.index: ProjectIndex = index if isinstance(index, ProjectIndex) else ProjectIndex.empty(ctx.settings)
        self._local: Optional[LocalModule] = None
        self._class_keys: Optional[Dict[int, str]] = None
        self._resolving: Set[int] = set()
        self._targets: Dict[Tuple[ast.Call, object], Optional[Target]] = {}

    @classmethod
    def of(cls, ctx: "FileContext") -> "Resolver":
        """The file's one resolver: AL107 and AL2xx ask about the same calls, and get one answer."""
        found = ctx.memo.get("resolver")
        if not isinstance(found, cls):
            found = ctx.memo["resolver"] = cls(ctx)
        return found

    @property
    def local(self) -> LocalModule:
        """This file's own summary, which wins over the index's (the file may have changed, or be stdin)."""
        if self._local is None:
            ctx = self.ctx
            summary = self.index.stored_summary(ctx.path, ctx.module_name, ctx.is_package, ctx.source) \
                or summarize(ctx.module, ctx.module_name, ctx.is_package, ctx.source)
            self._local = LocalModule(ctx.module_name, ctx.path, summary)
        return self._local

    # -- targets -----------------------------------------------------------------------
    def call_target(self, call: ast.Call) -> Optional[Target]:
        """What a call calls, memoised per scope (the same node can be asked about from a lambda's inside)."""
        key = (call, self.ctx.scope)
        if key in self._targets:
            return self._targets[key]
        found = self._targets[key] = self.callable_target(call.func)
        return found

    def coroutine_call(self, node: ast.AST) -> Optional[Target]:
        """The target of ``node`` when it is a call to a coroutine function."""
        if not isinstance(node, ast.Call):
            return None
        target = self.call_target(node)
        return target if target is not None and target.is_coroutine else None

    def callable_target(self, func: ast.expr, depth: int = 0) -> Optional[Target]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(func, ast.Name):
            return self._name_target(func, depth + 1)
        if isinstance(func, ast.Attribute):
            return self._attribute_target(func, depth + 1)
        return None

    def _qualified(self, qualname: str) -> Optional[Target]:
        return self.index.function(qualname, self.ctx.path, self.local)

    def _name_target(self, name: ast.Name, depth: int) -> Optional[Target]:
        ctx = self.ctx
        found = ctx.lookup(name.id)
        if found is None:
            for star in ctx.module_scope.star_imports:
                target = self._qualified(f"{star}.{name.id}")
                if target is not None:
                    return target
            return None
        scope, bindings = found
        if scope is ctx.module_scope:
            qualname = ctx.resolve(name)
            return self._qualified(qualname) if qualname else None
        kinds = {b.kind for b in bindings}
        if kinds <= {BindingKind.FUNCTION, BindingKind.COROUTINE} and scope.kind is not ScopeKind.CLASS:
            node = bindings[-1].node
            if len({isinstance(b.node, ast.AsyncFunctionDef) for b in bindings}) != 1:
                return None
            return self._local_def(node, name.id, depth + 1)  # type: ignore[arg-type]
        if kinds == {BindingKind.IMPORT} and bindings[0].qualname:
            return self._qualified(bindings[0].qualname)
        return None

    def _local_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, depth: int) -> Target:
        """A def read from this file's tree (nested functions, classes inside functions)."""
        effects = [self.decorator_effect(d, depth + 1) for d in node.decorator_list]
        is_coroutine = isinstance(node, ast.AsyncFunctionDef) and not is_async_generator(node)
        is_coroutine = apply_decorators(is_coroutine, effects)
        return Target(qualname, self.ctx.path, node.lineno, is_coroutine)

    def decorator_effect(self, decorator: ast.expr, depth: int = 0) -> Optional[str]:
        """"keep", "sync", "async" or None for a decorator expression in this file."""
        if depth > _MAX_DEPTH:
            return None
        called = isinstance(decorator, ast.Call)
        expr = decorator.func if isinstance(decorator, ast.Call) else decorator
        qualname = self.ctx.resolve(expr)
        if qualname is not None:
            effect = self.index.decorator_effect(qualname + ("()" if called else ""), self.ctx.path, self.local)
            if effect is not None:
                return effect
        if isinstance(expr, ast.Name):
            found = self.ctx.lookup(expr.id)
            if found is not None and found[0] is not self.ctx.module_scope:
                bindings = found[1]
                if len(bindings) == 1 and bindings[0].kind is BindingKind.FUNCTION:
                    keeps = lambda d: self.decorator_effect(d, depth + 1) == "keep"  # noqa: E731
                    return wrapper_effect(wrapper_kind(bindings[0].node, False, keeps), called)
        if isinstance(expr, ast.Attribute):
            receiver = self.receiver_type(expr.value, depth + 1)
            if receiver is not None:
                routes = known.ROUTE_DECORATORS.get(known.canonical_type(receiver) or "")
                if routes and expr.attr in routes:
                    return "keep"
        return None

    def _attribute_target(self, attr: ast.Attribute, depth: int) -> Optional[Target]:
        ctx = self.ctx
        value = attr.value
        cls = self.class_of_receiver(value)
        if cls is not None:
            return self.class_method(cls, attr.attr, depth + 1)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super" \
                and ctx.resolve(value.func) == "builtins.super":
            enclosing = self._enclosing_method_class()
            if enclosing is not None:
                return self._base_method(enclosing, attr.attr, depth + 1)
            return None
        qualname = ctx.resolve(attr)
        if qualname is not None:
            target = self._qualified(qualname)
            if target is not None:
                return target
            base = ctx.resolve(value)
            if base is not None and self.index.is_class(base, ctx.path, self.local):
                return None
        receiver = self.receiver_type(value, depth + 1)
        if receiver is not None:
            return self.index.method(receiver, attr.attr, ctx.path, self.local)
        return None

    # -- classes ----------------------------------------------------------------------------
    def class_of_receiver(self, value: ast.expr) -> Optional[ast.ClassDef]:
        """The class for ``self.x`` / ``cls.x`` inside its methods, and for ``ClassName.x`` of a local class."""
        if not isinstance(value, ast.Name):
            return None
        ctx = self.ctx
        cls = ctx.enclosing_class_of_self(value)
        if cls is not None:
            return cls
        method = self._enclosing_method()
        if method is not None:
            func, cls = method
            args = func.args.posonlyargs + func.args.args
            if args and args[0].arg == value.id and any(
                    ctx.resolve(d) == "builtins.classmethod" for d in func.decorator_list):
                binding = ctx.single_binding(value.id)
                if binding is not None and binding.kind is BindingKind.PARAM:
                    return cls
        found = ctx.lookup(value.id)
        if found is not None and found[0] is not ctx.module_scope:
            bindings = found[1]
            if len(bindings) == 1 and bindings[0].kind is BindingKind.CLASS:
                return bindings[0].node  # type: ignore[return-value]
        return None

    def _enclosing_method(self) -> Optional[Tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef]]:
        ctx = self.ctx
        if not ctx.class_stack:
            return None
        cls = ctx.class_stack[-1]
        for func in reversed(ctx.function_stack):
            if isinstance(func, _FUNCTIONS) and func in cls.body:
                return func, cls
        return None

    def _enclosing_method_class(self) -> Optional[ast.ClassDef]:
        method = self._enclosing_method()
        return method[1] if method else None

    def _class_key(self, cls: ast.ClassDef) -> Optional[str]:
        """``Outer.Inner`` for classes the module summary knows (module level, nested in classes)."""
        if self._class_keys is None:
            keys: Dict[int, str] = {}
            stack: List[Tuple[List[ast.stmt], str]] = [(self.ctx.module.body, "")]
            from ..index import _module_statements  # noqa: PLC0415 - shared walk

            while stack:
                body, prefix = stack.pop()
                for stmt in _module_statements(body):
                    if isinstance(stmt, ast.ClassDef):
                        key = f"{prefix}{stmt.name}"
                        keys[id(stmt)] = key
                        stack.append((stmt.body, key + "."))
            self._class_keys = keys
        return self._class_keys.get(id(cls))

    def class_method(self, cls: ast.ClassDef, name: str, depth: int = 0) -> Optional[Target]:
        key = self._class_key(cls)
        if key is not None:
            qualname = f"{self.ctx.module_name}.{key}" if self.ctx.module_name else key
            return self.index.method(qualname, name, self.ctx.path, self.local)
        if depth > _MAX_DEPTH:
            return None
        for stmt in cls.body:
            if isinstance(stmt, _FUNCTIONS) and stmt.name == name:
                return self._local_def(stmt, f"{cls.name}.{name}", depth + 1)
        return self._base_method(cls, name, depth)

    def _base_method(self, cls: ast.ClassDef, name: str, depth: int = 0) -> Optional[Target]:
        for base in cls.bases:
            if isinstance(base, ast.Subscript):
                base = base.value
            found = None
            if isinstance(base, ast.Name):
                lookup = self.ctx.lookup(base.id)
                if lookup is not None and lookup[0] is not self.ctx.module_scope and len(lookup[1]) == 1 \
                        and lookup[1][0].kind is BindingKind.CLASS:
                    found = self.class_method(lookup[1][0].node, name, depth + 1)  # type: ignore[arg-type]
                    if found is not None:
                        return found
                    continue
            qualname = self.ctx.resolve(base)
            if qualname is not None:
                found = self.index.method(qualname, name, self.ctx.path, self.local)
                if found is not None:
                    return found
        return None

    # -- receiver types ---------------------------------------------------------------------
    def receiver_type(self, expr: ast.expr, depth: int = 0) -> Optional[str]:
        """The class of a value, from constructors, factories, annotations, ``await`` and ``async with``."""
        if depth > _MAX_DEPTH:
            return None
        ctx = self.ctx
        if isinstance(expr, ast.Await):
            return self.awaited_type(expr.value, depth + 1)
        if isinstance(expr, ast.Call):
            func = expr.func.value if isinstance(expr.func, ast.Subscript) else expr.func
            qualname = ctx.resolve(func)
            if qualname is not None:
                return known.canonical_type(qualname)
            target = self.callable_target(expr.func, depth + 1)
            if target is not None and not target.is_coroutine and target.return_type:
                return target.return_type
            return None
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            return self.receiver_type(expr.values[-1], depth + 1)
        if isinstance(expr, ast.Name):
            return self._name_type(expr, depth)
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name):
                cls = ctx.enclosing_class_of_self(expr.value)
                if cls is not None:
                    kind = self._attribute_type(cls, expr.attr, depth)
                    if kind is None:
                        kind = self._inherited_attribute_type(cls, expr.attr)
                    return kind
            qualname = ctx.resolve(expr)
            if qualname is not None:
                return self.index.instance_type(qualname, ctx.path, self.local)
            owner = self.receiver_type(expr.value, depth + 1)
            if owner is not None:
                return known.canonical_type(self.index.attribute_type(owner, expr.attr, ctx.path, self.local))
            return None
        return None

    def awaited_type(self, call: ast.expr, depth: int) -> Optional[str]:
        if not isinstance(call, ast.Call):
            return None
        qualname = self.ctx.resolve(call.func)
        if qualname is not None and qualname in known.AWAIT_RETURNS:
            return known.AWAIT_RETURNS[qualname]
        target = self.callable_target(call.func, depth + 1)
        if target is not None and target.is_coroutine and target.return_type:
            return target.return_type
        return None

    def _name_type(self, name: ast.Name, depth: int) -> Optional[str]:
        ctx = self.ctx
        found = ctx.lookup(name.id)
        if found is None:
            return None
        scope, bindings = found
        key = id(bindings)
        if key in self._resolving:
            return None  # ``x = x.next()``: the name's type depends on itself
        self._resolving.add(key)
        try:
            types: Set[Optional[str]] = set()
            for binding in bindings:
                types.add(self._binding_type(binding, scope is ctx.module_scope, depth + 1))
                if len(types) > 1:
                    return None
        finally:
            self._resolving.discard(key)
        kind = types.pop() if types else None
        return known.canonical_type(kind)

    def _binding_type(self, binding: Binding, at_module: bool, depth: int) -> Optional[str]:
        ctx = self.ctx
        if binding.annotation is not None:
            return self.annotation_type(binding.annotation)
        kind = binding.kind
        value = binding.value
        if kind is BindingKind.IMPORT and binding.qualname:
            return self.index.instance_type(binding.qualname, ctx.path, self.local)
        if kind is BindingKind.ASSIGN and value is not None:
            if binding.unpacked:
                return self._unpacked_type(binding, depth)
            return self.receiver_type(value, depth)
        if kind is BindingKind.WITH and value is not None and not binding.unpacked:
            entered = self.receiver_type(value, depth)
            if entered is None:
                return None
            if entered in known.ASYNC_ENTER_RETURNS:
                return known.ASYNC_ENTER_RETURNS[entered]
            return self._entered_type(entered) or ctx.infer_type(binding.node)
        if kind is BindingKind.LOOP and value is not None and not binding.unpacked:
            return ctx.element_type(value)
        return None

    def _entered_type(self, entered: str) -> Optional[str]:
        """``async with Client() as c``: what the class's ``__aenter__``/``__enter__`` is annotated to return."""
        for method in ("__aenter__", "__enter__"):
            target = self.index.method(entered, method, self.ctx.path, self.local)
            if target is not None and target.return_type:
                if target.return_type in ("typing.Self", "typing_extensions.Self"):
                    return entered
                return known.canonical_type(target.return_type)
        return None

    def annotation_type(self, annotation: ast.expr) -> Optional[str]:
        """Like ``ctx.annotation_type``, and ``asyncio.Queue[str]`` gives ``asyncio.Queue``."""
        kind = self.ctx.annotation_type(annotation)
        if kind is None and isinstance(annotation, ast.Subscript):
            outer = self.ctx.resolve(annotation.value)
            if outer is not None and not outer.startswith(("typing.", "typing_extensions.", "builtins.",
                                                           "collections.")):
                kind = outer
        return known.canonical_type(kind)

    def _unpacked_type(self, binding: Binding, depth: int) -> Optional[str]:
        """``reader, writer = await asyncio.open_connection(...)``."""
        value = binding.value
        if not (isinstance(value, ast.Await) and isinstance(value.value, ast.Call)):
            return None
        qualname = self.ctx.resolve(value.value.func)
        types = known.AWAIT_RETURNS_TUPLE.get(qualname or "")
        if not types:
            return None
        position = binding.position
        return types[position] if 0 <= position < len(types) else None

    def _attribute_type(self, cls: ast.ClassDef, attr: str, depth: int) -> Optional[str]:
        ctx = self.ctx
        info = ctx.class_info(cls)
        if attr in info.annotations:
            kind = self.annotation_type(info.annotations[attr])
            if kind is not None:
                return kind
        values = info.attributes.get(attr)
        if not values:
            return None
        saved = ctx.scope
        ctx.scope = ctx.module_scope
        try:
            types = {self._parameter_type(cls, v) if isinstance(v, ast.Name) else self.receiver_type(v, depth + 1)
                     for v in values}
        finally:
            ctx.scope = saved
        return types.pop() if len(types) == 1 else None

    def _inherited_attribute_type(self, cls: ast.ClassDef, attr: str) -> Optional[str]:
        """``self.hass`` declared on a base class in another module."""
        if attr in self.ctx.class_info(cls).attributes:
            return None
        key = self._class_key(cls)
        if key is not None:
            qualname = f"{self.ctx.module_name}.{key}" if self.ctx.module_name else key
            return known.canonical_type(self.index.attribute_type(qualname, attr, self.ctx.path, self.local))
        return None

    def _parameter_type(self, cls: ast.ClassDef, name: ast.Name) -> Optional[str]:
        """``self.store = store`` where a method of the class has the parameter ``store: Store``."""
        annotations = set()
        for stmt in cls.body:
            if isinstance(stmt, _FUNCTIONS):
                args = stmt.args
                for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                    if arg.arg == name.id and arg.annotation is not None:
                        annotations.add(self.annotation_type(arg.annotation))
        return annotations.pop() if len(annotations) == 1 else None

    def is_loop(self, expr: ast.expr) -> bool:
        return self.receiver_type(expr) == known.LOOP_TYPE

    def is_future(self, expr: ast.expr) -> bool:
        return self.receiver_type(expr) in known.FUTURE_TYPES


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
        if "AL204" in enabled and any(w in source for w in _TASK_WORDS):
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
        if self._expects_raise():
            return
        if isinstance(value, ast.Call):
            if self._is_task_call(value):
                self._dropped_task(value, "the task is dropped")
                return
            self._unawaited(value)
        elif isinstance(value, (ast.ListComp, ast.SetComp)) and isinstance(value.elt, ast.Call) \
                and self._is_task_call(value.elt):
            self._dropped_task(value.elt, "the comprehension's tasks are dropped")

    def _expects_raise(self) -> bool:
        """Inside ``with self.assertRaises(...)`` / ``pytest.raises(...)`` the call is expected to fail."""
        for node in reversed(self.ctx.ancestors):
            if isinstance(node, _FUNCTIONS + (ast.Lambda, ast.ClassDef)):
                return False
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    expr = item.context_expr
                    if isinstance(expr, ast.Call):
                        func = expr.func
                        if isinstance(func, ast.Attribute) and func.attr in _RAISES_METHODS:
                            return True
                        if self.ctx.resolve(func) in ("pytest.raises", "pytest.warns"):
                            return True
        return False

    def _unawaited(self, call: ast.Call) -> None:
        ctx = self.ctx
        if "AL201" not in ctx.enabled:
            return
        target = self.resolver.coroutine_call(call)
        if target is None:
            return
        name = node_text(call.func)
        defined = self._defined(target)
        if ctx.in_coroutine:
            fix = ctx.fix("Add `await`", [ctx.insert_before(call, "await ")])
            ctx.report("AL201", call, f"`{name}()` is a coroutine function{defined}; add `await`", fix)
        else:
            ctx.report("AL201", call, f"`{name}()` is a coroutine function{defined}; its coroutine never runs "
                       "here (call it from a coroutine with `await`, or run it with `asyncio.run()`)")

    def _defined(self, target: Target) -> str:
        """`` (defined at app/api.py:12)``, or `` (`asyncio.sleep`)`` for known libraries."""
        settings = self.ctx.settings
        root = self.resolver.index.root or settings.project_root
        where = target.where(settings.display_base or root, settings.index_roots or (root,))
        return f" (defined at {where})" if where else f" (`{target.qualname}`)"

    def _is_task_call(self, call: ast.Call) -> bool:
        if "AL204" not in self.ctx.enabled:
            return False
        func = call.func
        qualname = self.ctx.resolve(func)
        if qualname in known.TASK_FUNCTIONS:
            return True
        return isinstance(func, ast.Attribute) and func.attr == "create_task" and self.resolver.is_loop(func.value)

    def _dropped_task(self, call: ast.Call, what: str) -> None:
        name = node_text(call.func)
        self.ctx.report("AL204", call, f"`{name}()`: {what}; keep a reference until it finishes (the loop holds "
                        "tasks only weakly), e.g. in a set with `task.add_done_callback(tasks.discard)`")

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
            if not any(True for _ in _loads(func, target.id)):
                self._dropped_task(value, f"the task is bound to `{target.id}`, which is never used")
            return
        coroutine = self.resolver.coroutine_call(value)
        if coroutine is None:
            return
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
        name = node_text(node.func)
        if how == "truth":
            message = f"`{name}()` is a coroutine, which is always true; add `await`"
        else:
            message = f"`{name}()` is a coroutine: it is {how} before being awaited; parenthesise `(await {name}(...))`"
        ctx.report("AL203", node, message, self._value_fix(node, parent, how))

    def _value_fix(self, node: ast.Call, parent: ast.AST, how: str) -> Optional[Fix]:
        ctx = self.ctx
        if any(isinstance(a, ast.GeneratorExp) for a in ctx.ancestors):
            return None  # `await` would turn the generator expression into an async one
        if how == "truth":
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
            if len(node.args) > position and self.resolver.is_loop(func.value):
                callback, api = node.args[position], f"loop.{func.attr}"
        elif isinstance(func, ast.Attribute) and func.attr == "add_done_callback":
            if node.args and self.resolver.is_future(func.value):
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
                   "function and drops the coroutine, so its body never runs; schedule it with "
                   "`asyncio.create_task()` / `asyncio.run_coroutine_threadsafe()` instead")

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


# -- how a value is used ----------------------------------------------------------------------

def _value_use(node: ast.expr, parent: ast.AST, ctx: "FileContext") -> Optional[str]:
    """"truth" when ``node``'s value is only tested for truth; "subscripted" / "attribute-accessed"; else None."""
    if isinstance(parent, ast.Subscript) and parent.value is node:
        return "subscripted"
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return None if parent.attr in known.COROUTINE_API else "attribute-accessed"
    return "truth" if _is_truth_context(node, parent, ctx) else None


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
