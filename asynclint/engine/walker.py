"""The single walk over a module's ``ast`` that feeds every enabled checker.

Fixit's batched-visitor idea on the stdlib ``ast``: handlers are looked up once
per node type, scopes are pushed where Python creates them (decorators, defaults
and the first comprehension iterable belong to the enclosing scope), and when no
enabled rule fires outside coroutines, sync code without the word ``async`` in
its lines is skipped entirely.
"""

from __future__ import annotations

import ast
import bisect
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Type

from ..analysis.context import FileContext
from ..analysis.scopes import Scope, ScopeKind
from ..base.nodes import NODE_FIELDS
from ..rules.base import Checker, Where

Handler = Callable[[ast.AST], None]
_LEAF_TYPES = (ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del, ast.alias)
# Nodes that hold no expression a rule could visit: when no checker visits them either, the
# walk does not even enter them (names and constants are a third of all nodes).
_INERT_TYPES = (*_LEAF_TYPES, ast.arg, ast.Pass, ast.Break, ast.Continue, ast.Import, ast.ImportFrom,
                ast.Global, ast.Nonlocal)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# Less the fields of operator singletons and import aliases: nodes no rule visits.
_CHILD_FIELDS: Dict[Type[ast.AST], Tuple[str, ...]] = {
    node_type: tuple(f for f in fields if f not in ("op", "ops", "names")) for node_type, fields in NODE_FIELDS.items()
}


class CheckerError(Exception):
    """A checker raised: the engine turns this into AL003 naming the rule."""

    def __init__(self, checker: Checker, error: BaseException) -> None:
        super().__init__(f"{type(checker).__name__}: {type(error).__name__}: {error}")
        self.checker = checker
        self.error = error


class BudgetExceeded(Exception):
    """The file's analysis ran past ``settings.file_time_budget``: the engine reports AL003."""


_CLOCK_EVERY = 512  # nodes between two looks at the clock


class Walker:
    def __init__(self, ctx: FileContext, checkers: Sequence[Checker], coroutine_only: bool,
                 async_lines: Optional[List[int]] = None, sync_statements_only: bool = False,
                 deadline: Optional[float] = None) -> None:
        self.ctx = ctx
        # a monotonic time after which the walk stops (every run, not only in workers)
        self.deadline = deadline
        self._until_clock = _CLOCK_EVERY
        self.checkers = list(checkers)
        self.coroutine_only = coroutine_only
        self.sync_statements_only = sync_statements_only or coroutine_only
        self.async_lines = async_lines or []
        self._visit: Dict[Type[ast.AST], List[Tuple[Checker, Handler]]] = {}
        self._leave: Dict[Type[ast.AST], List[Tuple[Checker, Handler]]] = {}
        self.failed: List[CheckerError] = []
        for checker in self.checkers:
            for attr, node_type, is_visit in _handler_names(type(checker)):
                table = self._visit if is_visit else self._leave
                table.setdefault(node_type, []).append((checker, getattr(checker, attr)))
        self._inert = frozenset(t for t in _INERT_TYPES if t not in self._visit and t not in self._leave)

    def run(self) -> None:
        module = self.ctx.module
        self._dispatch(self._visit, module)
        self._walk_body(module.body, sync_region=True)
        self._dispatch(self._leave, module)
        for checker in self.checkers:
            self._look_at_clock()
            if not any(f.checker is checker for f in self.failed):
                try:
                    checker.end_module(module)
                except RecursionError:
                    raise
                except Exception as error:  # noqa: BLE001 - confined to this checker
                    self.failed.append(CheckerError(checker, error))

    # -- dispatch -------------------------------------------------------------
    def _dispatch(self, table: Dict[Type[ast.AST], List[Tuple[Checker, Handler]]], node: ast.AST) -> None:
        handlers = table.get(type(node))
        if not handlers:
            return
        for checker, handler in list(handlers):
            try:
                handler(node)
            except RecursionError:
                raise
            except Exception as error:  # noqa: BLE001 - one rule's bug must not lose the others
                self.failed.append(CheckerError(checker, error))
                self._drop(checker)

    def _drop(self, checker: Checker) -> None:
        for table in (self._visit, self._leave):
            for node_type in list(table):
                table[node_type] = [(c, h) for c, h in table[node_type] if c is not checker]

    # -- traversal ------------------------------------------------------------
    def _has_async(self, node: ast.AST) -> bool:
        """Does the word ``async`` occur on any line of this node? (cheap, via bisect)"""
        lines = self.async_lines
        start = node.lineno  # type: ignore[attr-defined]
        end = getattr(node, "end_lineno", None) or start
        i = bisect.bisect_left(lines, start)
        return i < len(lines) and lines[i] <= end

    def _walk_body(self, body: Sequence[ast.AST], sync_region: bool) -> None:
        if not sync_region:
            for stmt in body:
                self.walk(stmt)
            return
        skip = self.coroutine_only
        statements_only = self.sync_statements_only
        for stmt in body:
            if skip and not self._has_async(stmt):
                continue
            if statements_only:
                self._statement(stmt)
            else:
                self.walk(stmt)

    def _statement(self, stmt: ast.AST) -> None:
        """Sync code when no checker needs its expressions: statements and nested defs only."""
        node_type = type(stmt)
        if node_type is ast.FunctionDef or node_type is ast.AsyncFunctionDef or node_type is ast.ClassDef:
            self.walk(stmt)
            return
        ancestors = self.ctx.ancestors
        ancestors.append(stmt)
        try:
            if node_type in self._visit:
                self._dispatch(self._visit, stmt)
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if inner:
                    self._walk_body(inner, sync_region=True)
            for group in ("handlers", "cases"):
                for part in getattr(stmt, group, None) or ():
                    ancestors.append(part)
                    try:
                        self._walk_body(part.body, sync_region=True)
                    finally:
                        ancestors.pop()
            if node_type in self._leave:
                self._dispatch(self._leave, stmt)
        finally:
            ancestors.pop()

    def _look_at_clock(self) -> None:
        self._until_clock = _CLOCK_EVERY
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BudgetExceeded

    def walk(self, node: ast.AST) -> None:
        self._until_clock -= 1
        if not self._until_clock:
            self._look_at_clock()
        ctx = self.ctx
        ctx.ancestors.append(node)
        node_type = type(node)
        try:
            if node_type in self._visit:
                self._dispatch(self._visit, node)
            if node_type is ast.AsyncFunctionDef or node_type is ast.FunctionDef:
                self._function(node)  # type: ignore[arg-type]
            elif node_type is ast.ClassDef:
                self._class(node)  # type: ignore[arg-type]
            elif node_type is ast.Lambda:
                self._lambda(node)  # type: ignore[arg-type]
            elif node_type in _COMPREHENSIONS:
                self._comprehension(node)
            elif node_type not in _LEAF_TYPES:
                self._children(node)
            if node_type in self._leave:
                self._dispatch(self._leave, node)
        finally:
            ctx.ancestors.pop()

    def _children(self, node: ast.AST) -> None:
        walk = self.walk
        inert = self._inert
        fields = _CHILD_FIELDS.get(type(node)) or node._fields
        for field in fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                for item in value:
                    if type(item) not in inert and isinstance(item, ast.AST):
                        walk(item)
            elif type(value) not in inert and isinstance(value, ast.AST):
                walk(value)

    def _push(self, kind: ScopeKind, node: ast.AST) -> Scope:
        ctx = self.ctx
        scope = Scope(kind, node, ctx.scope)
        ctx.scope = scope
        return scope

    def _pop(self, scope: Scope) -> None:
        assert scope.parent is not None
        self.ctx.scope = scope.parent

    def _arguments_outside(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *args.kw_defaults]:
            if default is not None:
                self.walk(default)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for dec in node.decorator_list:
            self.walk(dec)
        self._arguments_outside(node.args)
        is_async = isinstance(node, ast.AsyncFunctionDef)
        scope = self._push(ScopeKind.COROUTINE if is_async else ScopeKind.FUNCTION, node)
        self.ctx.function_stack.append(node)
        try:
            self._walk_body(node.body, sync_region=not is_async)
        finally:
            self.ctx.function_stack.pop()
            self._pop(scope)

    def _lambda(self, node: ast.Lambda) -> None:
        self._arguments_outside(node.args)
        scope = self._push(ScopeKind.LAMBDA, node)
        self.ctx.function_stack.append(node)
        try:
            self.walk(node.body)
        finally:
            self.ctx.function_stack.pop()
            self._pop(scope)

    def _class(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *node.keywords]:
            self.walk(expr)
        scope = self._push(ScopeKind.CLASS, node)
        self.ctx.class_stack.append(node)
        try:
            self._walk_body(node.body, sync_region=True)
        finally:
            self.ctx.class_stack.pop()
            self._pop(scope)

    def _comprehension(self, node: ast.AST) -> None:
        generators: List[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        self.walk(generators[0].iter)
        scope = self._push(ScopeKind.COMPREHENSION, node)
        try:
            for i, gen in enumerate(generators):
                self.ctx.ancestors.append(gen)
                try:
                    self._dispatch(self._visit, gen)
                    self.walk(gen.target)
                    if i:
                        self.walk(gen.iter)
                    for cond in gen.ifs:
                        self.walk(cond)
                    self._dispatch(self._leave, gen)
                finally:
                    self.ctx.ancestors.pop()
            if isinstance(node, ast.DictComp):
                self.walk(node.key)
                self.walk(node.value)
            else:
                self.walk(node.elt)  # type: ignore[attr-defined]
        finally:
            self._pop(scope)


_HANDLER_NAMES: Dict[type, Tuple[Tuple[str, Type[ast.AST], bool], ...]] = {}


def _handler_names(checker_type: type) -> Tuple[Tuple[str, Type[ast.AST], bool], ...]:
    """A checker class's ``visit_X``/``leave_X`` methods and their node types, found once per class."""
    found = _HANDLER_NAMES.get(checker_type)
    if found is None:
        handlers = []
        for attr in dir(checker_type):
            if attr.startswith("visit_") or attr.startswith("leave_"):
                node_type = getattr(ast, attr[6:], None)
                if isinstance(node_type, type) and issubclass(node_type, ast.AST):
                    handlers.append((attr, node_type, attr.startswith("visit_")))
        found = _HANDLER_NAMES[checker_type] = tuple(handlers)
    return found


def coroutine_only(checker_types: Sequence[Type[Checker]], enabled: frozenset[str]) -> bool:
    return all(c.where(enabled) is Where.COROUTINE for c in checker_types)


def sync_statements_only(checker_types: Sequence[Type[Checker]], source: bytes, enabled: frozenset[str]) -> bool:
    return not any(c.sync_needs_expressions(source, enabled) for c in checker_types)
