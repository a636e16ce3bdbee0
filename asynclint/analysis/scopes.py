"""Name bindings per scope, computed lazily: the resolver's raw material.

Only scopes whose names are actually looked up pay for a scan, and the scan stops
at nested functions, lambdas and classes (their names bind here, their bodies
do not). This replaces libcst's ScopeProvider, which costs ~9x a parse.
"""

from __future__ import annotations

import ast
import bisect
from dataclasses import dataclass
from enum import Enum
from typing import Dict, Iterator, List, Optional, Sequence, Union

from ..base.nodes import child_nodes, walk

TRY_STAR = getattr(ast, "TryStar", None)
MATCH = getattr(ast, "Match", None)


class ScopeKind(Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    COROUTINE = "coroutine"
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"


class BindingKind(Enum):
    IMPORT = "import"
    FUNCTION = "function"
    COROUTINE = "coroutine"  # async def
    CLASS = "class"
    ASSIGN = "assign"
    PARAM = "param"
    LOOP = "loop"  # for target; value is the iterable
    WITH = "with"  # with ... as name; value is the context expression
    OTHER = "other"  # except-as, match capture, del, augmented assignment...
    GLOBAL = "global"
    NONLOCAL = "nonlocal"


@dataclass(frozen=True)
class Binding:
    kind: BindingKind
    node: ast.AST
    qualname: Optional[str] = None  # imports: what the name refers to
    value: Optional[ast.expr] = None  # assignments, loops, with-items
    annotation: Optional[ast.expr] = None
    # a binding from unpacking (``a, b = f()``) has no single value
    unpacked: bool = False
    position: int = -1  # ``a, b = f()``: the name's place in the one tuple target (b: 1), else -1


class Scope:
    """One scope of the module: knows its node, its parent and (lazily) its names."""

    __slots__ = ("kind", "node", "parent", "_bindings", "_module_name", "_is_package", "_walrus", "star_imports",
                 "lookups", "types", "resolved")

    def __init__(
        self,
        kind: ScopeKind,
        node: ast.AST,
        parent: Optional["Scope"],
        module_name: str = "",
        is_package: bool = False,
        walrus: Union[bool, Sequence[int]] = True,
    ) -> None:
        self.kind = kind
        self.node = node
        self.parent = parent
        self._bindings: Optional[Dict[str, List[Binding]]] = None
        self._module_name = module_name if parent is None else parent._module_name
        self._is_package = is_package if parent is None else parent._is_package
        # Without ``:=`` in the file, expressions bind nothing and need no scan.
        self._walrus = walrus if parent is None else parent._walrus
        self.star_imports: List[str] = []
        # memos kept by FileContext: name -> lookup result, name -> inferred type
        self.lookups: Dict[str, object] = {}
        self.resolved: Dict[ast.AST, Optional[str]] = {}  # expression -> its qualified name, seen from here
        self.types: Dict[str, Optional[str]] = {}

    @property
    def is_function(self) -> bool:
        return self.kind in (ScopeKind.FUNCTION, ScopeKind.COROUTINE, ScopeKind.LAMBDA)

    @property
    def bindings(self) -> Dict[str, List[Binding]]:
        if self._bindings is None:
            collector = _BindingCollector(self._module_name, self._is_package, self._walrus)
            collector.collect_scope(self.node)
            self._bindings = collector.bindings
            self.star_imports = collector.star_imports
        return self._bindings


def absolute_module(module: Optional[str], level: int, current: str, is_package: bool) -> Optional[str]:
    """Turn ``from ..x import y`` into an absolute module name, if the current module's name allows."""
    if level == 0:
        return module
    parts = current.split(".") if current else []
    if not is_package:
        parts = parts[:-1]
    drop = level - 1
    if drop > len(parts):
        return None
    base = parts[: len(parts) - drop] if drop else parts
    if module:
        base = base + [module]
    return ".".join(base) if base else None


def target_names(target: ast.AST) -> Iterator[ast.Name]:
    """The plain names an assignment target binds (not attributes or subscripts)."""
    if isinstance(target, ast.Name):
        yield target
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from target_names(target.value)


class _BindingCollector:
    """Collects the names bound directly in one scope."""

    def __init__(self, module_name: str, is_package: bool, walrus: Union[bool, Sequence[int]] = True) -> None:
        self.module_name = module_name
        self.is_package = is_package
        # True: scan every expression; else the sorted lines holding ``:=`` (only those are scanned)
        self.walrus = walrus
        self.bindings: Dict[str, List[Binding]] = {}
        self.star_imports: List[str] = []

    def add(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def collect_scope(self, node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                self.add(arg.arg, Binding(BindingKind.PARAM, arg, annotation=arg.annotation))
            for arg in (args.vararg, args.kwarg):
                if arg is not None:
                    self.add(arg.arg, Binding(BindingKind.OTHER, arg))
            if isinstance(node, ast.Lambda):
                self.expression(node.body)
            else:
                self.statements(node.body)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for gen in node.generators:
                for name in target_names(gen.target):
                    self.add(name.id, Binding(BindingKind.LOOP, name, value=gen.iter,
                                              unpacked=not isinstance(gen.target, ast.Name)))
        elif isinstance(node, (ast.Module, ast.ClassDef)):
            self.statements(node.body)

    def statements(self, body: List[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            kind = BindingKind.COROUTINE if isinstance(stmt, ast.AsyncFunctionDef) else BindingKind.FUNCTION
            self.add(stmt.name, Binding(kind, stmt))
            return
        if isinstance(stmt, ast.ClassDef):
            self.add(stmt.name, Binding(BindingKind.CLASS, stmt))
            return
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.add(alias.asname, Binding(BindingKind.IMPORT, stmt, qualname=alias.name))
                else:
                    top = alias.name.split(".")[0]
                    self.add(top, Binding(BindingKind.IMPORT, stmt, qualname=top))
            return
        if isinstance(stmt, ast.ImportFrom):
            module = absolute_module(stmt.module, stmt.level, self.module_name, self.is_package)
            for alias in stmt.names:
                if alias.name == "*":
                    if module:
                        self.star_imports.append(module)
                    continue
                qualname = f"{module}.{alias.name}" if module else None
                self.add(alias.asname or alias.name, Binding(BindingKind.IMPORT, stmt, qualname=qualname))
            return
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                single = isinstance(target, ast.Name)
                places = {id(elt): i for i, elt in enumerate(target.elts)} \
                    if len(stmt.targets) == 1 and isinstance(target, (ast.Tuple, ast.List)) else {}
                for name in target_names(target):
                    self.add(name.id, Binding(BindingKind.ASSIGN, name, value=stmt.value, unpacked=not single,
                                              position=places.get(id(name), -1)))
            self.expression(stmt.value)
            return
        if isinstance(stmt, ast.AnnAssign):
            if isinstance(stmt.target, ast.Name):
                self.add(stmt.target.id, Binding(BindingKind.ASSIGN, stmt.target, value=stmt.value,
                                                 annotation=stmt.annotation))
            if stmt.value is not None:
                self.expression(stmt.value)
            return
        if isinstance(stmt, ast.AugAssign):
            if isinstance(stmt.target, ast.Name):
                self.add(stmt.target.id, Binding(BindingKind.OTHER, stmt.target))
            return
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            for name in target_names(stmt.target):
                self.add(name.id, Binding(BindingKind.LOOP, name, value=stmt.iter,
                                          unpacked=not isinstance(stmt.target, ast.Name)))
            self.statements(stmt.body)
            self.statements(stmt.orelse)
            return
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    for name in target_names(item.optional_vars):
                        self.add(name.id, Binding(BindingKind.WITH, name, value=item.context_expr,
                                                  unpacked=not isinstance(item.optional_vars, ast.Name)))
            self.statements(stmt.body)
            return
        if isinstance(stmt, (ast.If, ast.While)):
            self.expression(stmt.test)
            self.statements(stmt.body)
            self.statements(stmt.orelse)
            return
        if isinstance(stmt, ast.Try) or (TRY_STAR is not None and isinstance(stmt, TRY_STAR)):
            self.statements(stmt.body)
            for handler in stmt.handlers:
                if handler.name:
                    self.add(handler.name, Binding(BindingKind.OTHER, handler))
                self.statements(handler.body)
            self.statements(stmt.orelse)
            self.statements(stmt.finalbody)
            return
        if isinstance(stmt, (ast.Global, ast.Nonlocal)):
            kind = BindingKind.GLOBAL if isinstance(stmt, ast.Global) else BindingKind.NONLOCAL
            for name in stmt.names:
                self.add(name, Binding(kind, stmt))
            return
        if isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                for name in target_names(target):
                    self.add(name.id, Binding(BindingKind.OTHER, name))
            return
        if MATCH is not None and isinstance(stmt, MATCH):
            for case in stmt.cases:
                for node in walk(case.pattern):
                    name = getattr(node, "name", None) or getattr(node, "rest", None)
                    if isinstance(name, str):
                        self.add(name, Binding(BindingKind.OTHER, node))
                self.statements(case.body)
            return
        if isinstance(stmt, (ast.Expr, ast.Return)) and stmt.value is not None:
            self.expression(stmt.value)

    def expression(self, expr: ast.expr) -> None:
        """Walrus targets bind in the enclosing function (even from comprehensions)."""
        walrus = self.walrus
        if not walrus:
            return
        if walrus is not True:
            start = expr.lineno
            i = bisect.bisect_left(walrus, start)  # type: ignore[arg-type]
            if i == len(walrus) or walrus[i] > (expr.end_lineno or start):  # type: ignore[index]
                return
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.NamedExpr):
                if isinstance(node.target, ast.Name):
                    self.add(node.target.id, Binding(BindingKind.ASSIGN, node.target, value=node.value))
            if isinstance(node, ast.Lambda):
                continue
            stack.extend(child_nodes(node))
