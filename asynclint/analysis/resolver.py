"""What a call or name means in the file being linted: "is this a coroutine function?", "what type is this?".

The ``Resolver`` answers by resolution, never by the spelling of a name: ``async
def`` in this file (functions, nested functions, methods through
``self``/``cls``/the class, inherited ones, methods of instances whose class is
known), in other modules of the project (the ``ProjectIndex``: imports, aliases,
re-exports, bases), in the standard library and popular libraries
(``knowledge.coroutines``), in config (``extend-coroutine-functions``), and in
installed third-party source when site-packages are configured. A decorator the
tables do not know makes the answer "unknown". AL2xx, AL107 and the call graph
all ask the same resolver, one per file.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from ..base.nodes import unquoted
from ..knowledge import coroutines as known
from ..knowledge.types import canonical_type
from .index import (
    CUSTOM_GETATTRIBUTE,
    LocalModule,
    ProjectIndex,
    Target,
    _module_statements,
    apply_decorators,
    is_async_generator,
    summarize,
    wrapper_effect,
    wrapper_kind,
)
from .scopes import Binding, BindingKind, ScopeKind

if TYPE_CHECKING:
    from .context import FileContext

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
                routes = known.ROUTE_DECORATORS.get(canonical_type(receiver) or "")
                if routes and expr.attr in routes:
                    return "keep"
        return None

    def _attribute_target(self, attr: ast.Attribute, depth: int) -> Optional[Target]:
        ctx = self.ctx
        value = attr.value
        cls = self.class_of_receiver(value)
        if cls is not None:  # ``self.x`` reads an instance; ``cls.x`` and ``LocalClass.x`` the class
            instance = isinstance(value, ast.Name) and ctx.enclosing_class_of_self(value) is not None
            return self.class_method(cls, attr.attr, depth + 1, instance)
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

            while stack:
                body, prefix = stack.pop()
                for stmt in _module_statements(body):
                    if isinstance(stmt, ast.ClassDef):
                        key = f"{prefix}{stmt.name}"
                        keys[id(stmt)] = key
                        stack.append((stmt.body, key + "."))
            self._class_keys = keys
        return self._class_keys.get(id(cls))

    def class_method(self, cls: ast.ClassDef, name: str, depth: int = 0, instance: bool = True) -> Optional[Target]:
        """Method ``name`` read from an ``instance`` of ``cls`` or from the class itself; unknown when an
        instance's class defines ``__getattribute__`` (``ProjectIndex.method``)."""
        key = self._class_key(cls)
        if key is not None:
            qualname = f"{self.ctx.module_name}.{key}" if self.ctx.module_name else key
            return self.index.method(qualname, name, self.ctx.path, self.local, instance=instance)
        if depth > _MAX_DEPTH:
            return None
        if instance and name != CUSTOM_GETATTRIBUTE and any(
                isinstance(stmt, _FUNCTIONS) and stmt.name == CUSTOM_GETATTRIBUTE for stmt in cls.body):
            return None
        for stmt in cls.body:
            if isinstance(stmt, _FUNCTIONS) and stmt.name == name:
                return self._local_def(stmt, f"{cls.name}.{name}", depth + 1)
        return self._base_method(cls, name, depth, instance)

    def _base_method(self, cls: ast.ClassDef, name: str, depth: int = 0, instance: bool = False) -> Optional[Target]:
        for base in cls.bases:
            if isinstance(base, ast.Subscript):
                base = base.value
            found = None
            if isinstance(base, ast.Name):
                lookup = self.ctx.lookup(base.id)
                if lookup is not None and lookup[0] is not self.ctx.module_scope and len(lookup[1]) == 1 \
                        and lookup[1][0].kind is BindingKind.CLASS:
                    found = self.class_method(lookup[1][0].node, name, depth + 1, instance)  # type: ignore[arg-type]
                    if found is not None:
                        return found
                    continue
            qualname = self.ctx.resolve(base)
            if qualname is not None:
                found = self.index.method(qualname, name, self.ctx.path, self.local, instance=instance)
                if found is not None:
                    return found
        return None

    def sync_overrides(self, call: ast.Call) -> Tuple[Tuple[str, str, int], ...]:
        """For ``self.hook()`` / ``cls.hook()`` in a class's method: the project subclasses that override
        ``hook`` with a plain ``def`` (so the call does not always make a coroutine), from the index."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return ()
        binding = self.ctx.single_binding(func.value.id)
        if binding is None or binding.kind is not BindingKind.PARAM:
            return ()  # ``Base.hook(self)`` names its class: overrides do not matter
        cls = self.class_of_receiver(func.value)
        qualname = self._class_qualname(cls) if cls is not None else None
        return self.index.sync_overrides(qualname, func.attr, self.local) if qualname else ()

    def made_sync(self, call: ast.Call) -> Optional[str]:
        """For ``obj.method()`` of a public method: the class, obj's or a base of it, whose public coroutine
        methods a project module replaces with sync wrappers at import (``analysis.rewrites``), or None."""
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr.startswith("_"):
            return None
        cls = self.class_of_receiver(func.value)
        qualname = self._class_qualname(cls) if cls is not None else self.receiver_type(func.value)
        return self.index.made_sync(qualname, self.local) if qualname else None

    def _class_qualname(self, cls: ast.ClassDef) -> Optional[str]:
        """``module.Cls`` (or ``module.Outer.Cls``) for a class of this file."""
        key = self._class_key(cls)
        if key is None:
            return None
        return f"{self.ctx.module_name}.{key}" if self.ctx.module_name else key

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
                return canonical_type(qualname)
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
                return canonical_type(self.index.attribute_type(owner, expr.attr, ctx.path, self.local))
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
        return canonical_type(kind)

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
        for method in ("__aenter__", "__enter__"):  # looked up on the type, past any ``__getattribute__``
            target = self.index.method(entered, method, self.ctx.path, self.local, instance=False)
            if target is not None and target.return_type:
                if target.return_type in ("typing.Self", "typing_extensions.Self"):
                    return entered
                return canonical_type(target.return_type)
        return None

    def annotation_type(self, annotation: ast.expr) -> Optional[str]:
        """Like ``ctx.annotation_type``, and ``asyncio.Queue[str]`` gives ``asyncio.Queue``."""
        kind = self.ctx.annotation_type(annotation)
        if kind is None and isinstance(annotation, ast.Subscript):
            outer = self.ctx.resolve(annotation.value)
            if outer is not None and not outer.startswith(("typing.", "typing_extensions.", "builtins.",
                                                           "collections.")):
                kind = outer
        return canonical_type(kind)

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
            if _several_types(info.annotations[attr]):
                return None  # ``self.path: AsyncPath | Path``: whichever ``__init__`` assigns, either may be there
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
            return canonical_type(self.index.attribute_type(qualname, attr, self.ctx.path, self.local))
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

    def is_plainly(self, expr: ast.expr, word: str, types: "frozenset[str]") -> bool:
        """Typed as one of ``types``, or untyped and plainly named so: a parameter, variable or attribute
        called ``word`` or ``*_word`` (``loop``, ``self.server.loop``, ``self._event_loop``). For AL205's
        callback sinks only, where the method name already says what the receiver is."""
        kind = self.receiver_type(expr)
        if kind is not None:
            return kind in types
        name = expr.id if isinstance(expr, ast.Name) else expr.attr if isinstance(expr, ast.Attribute) else ""
        return name == word or name.endswith("_" + word)

    def is_future(self, expr: ast.expr) -> bool:
        return self.receiver_type(expr) in known.FUTURE_TYPES


def _several_types(annotation: ast.expr) -> bool:
    """Does the annotation declare a choice of two or more types (``A | B``, ``Union[A, B]``, ``Optional``
    of a union), ``None`` aside?"""
    parsed = unquoted(annotation)
    members: List[ast.expr] = []
    stack = [parsed] if parsed is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            stack += [node.left, node.right]
        elif isinstance(node, ast.Subscript) and getattr(node.value, "attr", getattr(node.value, "id", "")) \
                in ("Union", "Optional"):
            inner = node.slice
            stack += inner.elts if isinstance(inner, ast.Tuple) else [inner]
        elif not (isinstance(node, ast.Constant) and node.value is None):
            members.append(node)
    return len(members) > 1
