"""What a checker sees of the file being linted: where it is, what names mean, how to report.

The resolver here answers "what does this expression name?" from imports, aliases
and shadowing by local bindings (``def f(time): time.sleep()`` is not the module),
and "what type is this value?" from constructor calls and annotations. Checkers
never match names as text; they ask this module.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence, Tuple

from ..base.model import Applicability, Edit, Finding, Fix
from ..base.nodes import unquoted, walk
from ..base.settings import relative_path
from ..knowledge.intent import (
    FAILURE_CONTEXTS,
    FAILURE_FAMILIES,
    FAILURE_METHODS,
    SYNC_TWIN_FLAG,
    TEST_CODES,
    TEST_HOOK_WORDS,
    TYPE_CHECKING_NAMES,
    is_test_folder_path,
    is_test_module_name,
)
from ..knowledge.types import (
    ATTRIBUTE_RETURNS,
    ENTER_RETURNS_SELF,
    METHOD_RETURNS,
    MODE_ARGUMENT,
    PATH_TYPES,
    canonical_type,
    file_type_for_mode,
    server_side_cursor,
)
from .scopes import Binding, BindingKind, Scope, ScopeKind

if TYPE_CHECKING:
    from ..base.settings import Settings
    from .index import ProjectIndex

BUILTIN_NAMES = frozenset(dir(builtins))
ASYNC_LIBRARIES = ("trio", "anyio")
_MAX_ALIAS_DEPTH = 8
# module-level statements whose bodies may not run (or run more than once)
_CONDITIONAL = (ast.If, ast.Try, ast.For, ast.AsyncFor, ast.While, ast.Match) + \
    ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


@dataclass
class ClassInfo:
    """Attribute types of a class, read from ``self.x = ...`` and class-level annotations."""

    node: ast.ClassDef
    attributes: Dict[str, List[ast.expr]] = field(default_factory=dict)  # value expressions
    annotations: Dict[str, ast.expr] = field(default_factory=dict)
    self_names: set = field(default_factory=set)  # first-parameter names of the methods that assign


class FileContext:
    """Per-file state shared by all checkers during the single walk."""

    def __init__(
        self,
        path: str,
        source: str,
        module: ast.Module,
        settings: "Settings",
        module_name: str = "",
        is_package: bool = False,
        index: Optional["ProjectIndex"] = None,
    ) -> None:
        self.path = path
        self.source = source
        self.module = module
        self.settings = settings
        self.module_name = module_name
        self.is_package = is_package
        self.index = index
        self._lines: Optional[List[str]] = None
        self.findings: List[Finding] = []
        self.enabled: frozenset[str] = settings.enabled
        # The walk keeps these current.
        self.scope = Scope(ScopeKind.MODULE, module, None, module_name, is_package, walrus=_walrus_lines(source))
        self.module_scope = self.scope
        self.ancestors: List[ast.AST] = []
        self.function_stack: List[ast.AST] = []
        self.class_stack: List[ast.ClassDef] = []
        self._class_info: Dict[int, ClassInfo] = {}
        # per-file values that several checkers derive the same way (e.g. the module's index summary)
        self.memo: Dict[str, object] = {}
        # The class whose attribute values are being typed (``self.b = self.a[...]``).
        self._typing_class: Optional[ast.ClassDef] = None
        self._library: Optional[str] = None
        self._failing_blocks: Optional[List[Tuple[int, int]]] = None
        self._dead_blocks: Optional[List[Tuple[int, int]]] = None
        self._module_aliases: Optional[Dict[str, str]] = None  # module -> the name importing it unconditionally
        self._top_level: Optional[List[Tuple[int, int, bool]]] = None  # module body: (first, last line, conditional)
        self._test_module: Optional[bool] = None
        self._test_hooks: Optional[List[Tuple[int, int]]] = None

    @property
    def lines(self) -> List[str]:
        """Physical lines, split only when a finding or fix needs them."""
        if self._lines is None:
            self._lines = _split_lines(self.source)
        return self._lines

    # -- where are we -------------------------------------------------------
    @property
    def in_coroutine(self) -> bool:
        """Lexically inside an ``async def`` body (comprehensions are transparent)."""
        scope: Optional[Scope] = self.scope
        while scope is not None and scope.kind is ScopeKind.COMPREHENSION:
            scope = scope.parent
        return scope is not None and scope.kind is ScopeKind.COROUTINE

    @property
    def current_function(self) -> Optional[ast.AST]:
        return self.function_stack[-1] if self.function_stack else None

    @property
    def in_test_code(self) -> bool:
        """In a test module (``test_*.py``, ``*_test.py``, ``conftest.py``, test tooling named for it such as
        ``*_test_utils.py``, any module under a ``tests`` or ``testing`` folder of the project) or a ``test*``
        function.

        Tests and test tooling script what production code must not do (swallow a cancellation,
        inspect a timeout that cannot fire) to check the library's behaviour: rules about such
        shapes leave them alone.
        """
        if self._test_module is None:
            name = os.path.basename(self.path)
            self._test_module = is_test_module_name(name) \
                or is_test_folder_path(relative_path(self.path, self.settings.project_root))
        return self._test_module or any(
            isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name.startswith("test")
            for f in self.function_stack)

    def parent(self, node: ast.AST) -> Optional[ast.AST]:
        """The parent of ``node`` while it is being visited (``node`` must be on the walk's stack)."""
        stack = self.ancestors
        for i in range(len(stack) - 1, 0, -1):
            if stack[i] is node:
                return stack[i - 1]
        return None

    def block_of(self, stmt: ast.stmt) -> Optional[List[ast.stmt]]:
        """The statement list (``body``, ``orelse`` or ``finalbody`` of its parent) holding ``stmt``, while
        it is being visited; None when it is not in one (a handler's body is the handler's ``body``)."""
        parent = self.parent(stmt)
        for name in ("body", "orelse", "finalbody"):
            block = getattr(parent, name, None)
            if isinstance(block, list) and any(s is stmt for s in block):
                return block
        return None

    @property
    def library(self) -> str:
        """The async library this file uses, for advice: 'trio', 'anyio' or 'asyncio'."""
        if self._library is None:
            imported = {q.split(".")[0] for q in self._module_imports()}
            self._library = "asyncio"
            if "asyncio" not in imported:
                for lib in ASYNC_LIBRARIES:
                    if lib in imported:
                        self._library = lib
                        break
        return self._library

    def imports_package(self, package: str) -> bool:
        """Does the module import ``package`` or one of its modules at module level?"""
        return any(q == package or q.startswith(package + ".") for q in self._module_imports())

    def _module_imports(self) -> Iterable[str]:
        for bindings in self.module_scope.bindings.values():
            for b in bindings:
                if b.kind is BindingKind.IMPORT and b.qualname:
                    yield b.qualname

    # -- names ----------------------------------------------------------------
    def lookup(self, name: str, scope: Optional[Scope] = None) -> Optional[Tuple[Scope, List[Binding]]]:
        """Find the scope that binds ``name`` as seen from ``scope`` (Python's LEGB, classes skipped).

        Memoised on the scope: bindings never change once read, and rules ask often. The memo
        holds how many scopes up the name was found, not the scope itself: a scope referring to
        itself would keep the file's whole tree alive until the garbage collector came by.
        """
        start = scope or self.scope
        cache = start.lookups
        if name in cache:
            memo = cache[name]
            if memo is None:
                return None
            hops, bindings = memo  # type: ignore[misc]
            found_scope = start
            for _ in range(hops):
                found_scope = found_scope.parent  # type: ignore[assignment]
            return found_scope, bindings
        found = self._lookup(name, start)
        if found is None:
            cache[name] = None
        else:
            hops, walk = 0, start
            while walk is not found[0] and walk.parent is not None:
                walk = walk.parent
                hops += 1
            if walk is found[0]:
                cache[name] = (hops, found[1])
        return found

    def _lookup(self, name: str, scope: Optional[Scope]) -> Optional[Tuple[Scope, List[Binding]]]:
        first = True
        while scope is not None:
            if first or scope.kind is not ScopeKind.CLASS:
                bindings = scope.bindings.get(name)
                if bindings:
                    declared = _declaration(bindings)
                    if declared is BindingKind.GLOBAL:
                        return self.lookup(name, self.module_scope) if scope is not self.module_scope else None
                    if declared is BindingKind.NONLOCAL:
                        scope = scope.parent
                        first = False
                        continue
                    return scope, bindings
            scope = scope.parent
            first = False
        return None

    def resolve(self, expr: Optional[ast.AST]) -> Optional[str]:
        """The qualified name an expression refers to (``t.sleep`` -> ``time.sleep``), or None.

        Memoised on the current scope: several rules ask about the same call.
        """
        if expr is None:
            return None
        memo = self.scope.resolved
        if expr in memo:
            return memo[expr]
        found = memo[expr] = self._resolve(expr, 0)
        return found

    def _resolve(self, expr: Optional[ast.AST], _depth: int) -> Optional[str]:
        if expr is None or _depth > _MAX_ALIAS_DEPTH:
            return None
        if isinstance(expr, ast.Attribute):
            base = self._resolve(expr.value, _depth + 1)
            return f"{base}.{expr.attr}" if base else None
        if not isinstance(expr, ast.Name):
            return None
        found = self.lookup(expr.id)
        if found is None:
            if expr.id in BUILTIN_NAMES:
                return f"builtins.{expr.id}"
            return None
        scope, bindings = found
        if scope.kind is ScopeKind.MODULE and len(bindings) > 1:
            bindings = self._bindings_in_effect(bindings, expr)
            if not bindings:
                return None
        imports = [b.qualname for b in bindings if b.kind is BindingKind.IMPORT]
        if imports:
            return imports[0]
        if scope.kind is ScopeKind.MODULE:
            kinds = {b.kind for b in bindings}
            if kinds & {BindingKind.FUNCTION, BindingKind.COROUTINE, BindingKind.CLASS}:
                return f"{self.module_name}.{expr.id}" if self.module_name else expr.id
            # ``nap = time.sleep`` at module level is an alias.
            if len(bindings) == 1 and bindings[0].kind is BindingKind.ASSIGN and not bindings[0].unpacked:
                value = bindings[0].value
                if isinstance(value, (ast.Name, ast.Attribute)):
                    return self._resolve(value, _depth + 1)
        return None

    def resolve_at_module(self, expr: ast.AST) -> Optional[str]:
        """An import-qualified name as module-level code sees it (``pytest.raises``), wherever the walk is."""
        if isinstance(expr, ast.Attribute):
            base = self.resolve_at_module(expr.value)
            return f"{base}.{expr.attr}" if base else None
        if not isinstance(expr, ast.Name):
            return None
        found = self._lookup(expr.id, self.module_scope)
        imports = [b.qualname for b in found[1] if b.kind is BindingKind.IMPORT] if found else []
        return imports[0] if imports else None
    def _bindings_in_effect(self, bindings: List[Binding], reference: ast.AST) -> List[Binding]:
        """The module-level bindings of a name that can be what ``reference`` sees, as Python decides
        at run time: code in functions runs after the module has loaded and sees the last binding;
        module-level code sees the last one before it. An unconditional binding (a statement
        directly in the module body) hides every earlier one: after ``import time`` and
        ``time = FakeTime()``, ``time`` in a coroutine is not the module.
        """
        if self._runs_at_load():
            line = getattr(reference, "lineno", 0)
            bindings = [b for b in bindings if _line(b.node) < line]
        for i in range(len(bindings) - 1, -1, -1):
            if self._unconditional(bindings[i].node):
                return bindings[i:]
        return bindings

    def _runs_at_load(self) -> bool:
        """Is the current code executed while the module loads (module or class bodies only)?"""
        scope: Optional[Scope] = self.scope
        while scope is not None:
            if scope.is_function:
                return False
            scope = scope.parent
        return True

    def _unconditional(self, node: ast.AST) -> bool:
        """Is this binding made by a statement directly in the module body (not under if/try/for...)?"""
        spans = self._top_level
        if spans is None:
            spans = self._top_level = [(stmt.lineno, stmt.end_lineno or stmt.lineno, isinstance(stmt, _CONDITIONAL))
                                       for stmt in self.module.body]
        line = _line(node)
        i = bisect.bisect_right(spans, (line, float("inf"), True)) - 1
        return i >= 0 and spans[i][0] <= line <= spans[i][1] and not spans[i][2]

    def single_binding(self, name: str) -> Optional[Binding]:
        """The one binding of a name in its scope, or None when it is rebound or unknown."""
        found = self.lookup(name)
        if found is None:
            return None
        _, bindings = found
        return bindings[0] if len(bindings) == 1 else None

    def infer_type(self, expr: Optional[ast.AST], _depth: int = 0) -> Optional[str]:
        """The qualified class name of a value when it is known from source alone, else None."""
        if expr is None or _depth > _MAX_ALIAS_DEPTH:
            return None
        if isinstance(expr, ast.Call):
            callee = self.resolve(expr.func)
            if callee is None:
                found = self._call_result_type(expr, _depth)
                if found == "io.TextIOWrapper" and isinstance(expr.func, ast.Attribute):
                    return _with_mode(expr, "pathlib.Path.open") or found
                return found
            if callee in MODE_ARGUMENT:
                return _with_mode(expr, callee) or canonical_type(callee)
            return canonical_type(callee)
        if isinstance(expr, ast.Name):
            found = self.lookup(expr.id)
            if found is None:
                return None
            return self._name_type(expr.id, found[0], found[1], _depth)
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name):
                cls = self.enclosing_class_of_self(expr.value)
                if cls is not None:
                    return self.attribute_type(cls, expr.attr, _depth + 1)
            receiver = self.infer_type(expr.value, _depth + 1)
            if receiver is None:
                return None
            return ATTRIBUTE_RETURNS.get((receiver, expr.attr)) or ATTRIBUTE_RETURNS.get((receiver, "*"))
        if isinstance(expr, ast.Subscript):
            receiver = self.infer_type(expr.value, _depth + 1)
            return ATTRIBUTE_RETURNS.get((receiver, "[]")) if receiver else None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            left = self.infer_type(expr.left, _depth + 1)  # ``path / "name"`` is a path
            return left if left in PATH_TYPES else None
        return None

    def _name_type(self, name: str, scope: Scope, bindings: List[Binding], depth: int) -> Optional[str]:
        """A name's type, memoised per binding scope; value expressions resolve in that scope."""
        cache = scope.types
        if name in cache:
            return cache[name]
        cache[name] = None  # a cycle (``x = f(x)``) reads as unknown
        saved, self.scope = self.scope, scope
        try:
            types = {self._binding_type(b, depth + 1) for b in bindings}
        finally:
            self.scope = saved
        result = types.pop() if len(types) == 1 else None
        cache[name] = result
        return result

    def _call_result_type(self, call: ast.Call, depth: int) -> Optional[str]:
        """``recv.method()`` or ``instance()`` whose result type is known from the receiver's type."""
        func = call.func
        if isinstance(func, ast.Attribute):
            receiver = self.infer_type(func.value, depth + 1)
            if not receiver:
                return None
            if func.attr == "cursor":
                return server_side_cursor(receiver, call) or METHOD_RETURNS.get((receiver, func.attr))
            return METHOD_RETURNS.get((receiver, func.attr))
        if isinstance(func, ast.Name):
            callable_type = self.infer_type(func, depth + 1)
            return METHOD_RETURNS.get((callable_type, "__call__")) if callable_type else None
        return None

    def _binding_type(self, binding: Binding, depth: int) -> Optional[str]:
        if binding.annotation is not None:
            return self.annotation_type(binding.annotation)
        if binding.unpacked:
            return None
        if binding.kind is BindingKind.ASSIGN:
            return self.infer_type(binding.value, depth)
        if binding.kind is BindingKind.WITH:
            entered = self.infer_type(binding.value, depth)
            return entered if entered in ENTER_RETURNS_SELF else None
        if binding.kind is BindingKind.LOOP and binding.value is not None:
            return self.element_type(binding.value, depth)
        return None

    def element_type(self, iterable: ast.AST, depth: int = 0) -> Optional[str]:
        """Element type of an iterable from its annotation (``list[Conn]`` -> ``Conn``)."""
        annotation: Optional[ast.expr] = None
        if isinstance(iterable, ast.Name):
            binding = self.single_binding(iterable.id)
            annotation = binding.annotation if binding else None
        elif isinstance(iterable, ast.Attribute) and isinstance(iterable.value, ast.Name):
            cls = self.enclosing_class_of_self(iterable.value)
            if cls is not None:
                annotation = self.class_info(cls).annotations.get(iterable.attr)
        if isinstance(annotation, ast.Subscript):
            inner = annotation.slice
            if isinstance(inner, ast.Tuple) and inner.elts:
                inner = inner.elts[0]
            return self.annotation_type(inner)
        return None

    def annotation_type(self, annotation: ast.expr) -> Optional[str]:
        """``socket.socket``, ``Optional[X]``, ``X | None`` and ``"X"`` all give X's qualified name."""
        parsed = unquoted(annotation)
        if parsed is None:
            return None
        annotation = parsed
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            sides = [s for s in (annotation.left, annotation.right)
                     if not (isinstance(s, ast.Constant) and s.value is None)]
            return self.annotation_type(sides[0]) if len(sides) == 1 else None
        if isinstance(annotation, ast.Subscript):
            outer = self.resolve(annotation.value)
            inner = annotation.slice
            if outer in ("typing.Optional", "typing_extensions.Optional"):
                return self.annotation_type(inner)
            if outer in ("typing.Annotated", "typing_extensions.Annotated"):
                return self.annotation_type(inner.elts[0]) if isinstance(inner, ast.Tuple) and inner.elts else None
            if outer in ("typing.Union", "typing_extensions.Union"):
                members = [m for m in (inner.elts if isinstance(inner, ast.Tuple) else [inner])
                           if not (isinstance(m, ast.Constant) and m.value is None)]
                return self.annotation_type(members[0]) if len(members) == 1 else None
            return outer  # a generic class: ``IO[bytes]`` is an ``IO``
        return self.resolve(annotation)

    # -- classes --------------------------------------------------------------
    def enclosing_class_of_self(self, name: ast.Name) -> Optional[ast.ClassDef]:
        """The class whose instance ``name`` is, when ``name`` is the first parameter of a method."""
        typing_class = self._typing_class
        if typing_class is not None:
            return typing_class if name.id in self.class_info(typing_class).self_names else None
        if not self.class_stack or not self.function_stack:
            return None
        cls = self.class_stack[-1]
        for func in reversed(self.function_stack):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) and func in cls.body:
                args = func.args.posonlyargs + func.args.args
                if args and args[0].arg == name.id and not _is_static(func):
                    binding = self.single_binding(name.id)
                    return cls if binding is not None and binding.kind is BindingKind.PARAM else None
                return None
        return None

    def class_info(self, cls: ast.ClassDef) -> ClassInfo:
        info = self._class_info.get(id(cls))
        if info is None:
            info = _read_class(cls)
            self._class_info[id(cls)] = info
        return info

    def attribute_type(self, cls: ast.ClassDef, attr: str, depth: int = 0) -> Optional[str]:
        info = self.class_info(cls)
        if attr in info.annotations:
            return self.annotation_type(info.annotations[attr])
        values = info.attributes.get(attr)
        if not values:
            return None
        # Attribute values are read in the method that assigns them; resolve
        # names in them from the module scope (imports live there).
        saved, saved_class = self.scope, self._typing_class
        self.scope, self._typing_class = self.module_scope, cls
        try:
            types = {self.infer_type(v, depth) for v in values}
        finally:
            self.scope, self._typing_class = saved, saved_class
        return types.pop() if len(types) == 1 else None

    # -- positions and reporting ---------------------------------------------
    def column(self, line: int, byte_col: int) -> int:
        """1-based code-point column from ast's 0-based UTF-8 byte offset."""
        if 1 <= line <= len(self.lines):
            text = self.lines[line - 1]
            if not text.isascii():
                return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1
        return byte_col + 1

    def span(self, node: ast.AST) -> Tuple[int, int, int, int]:
        line = node.lineno  # type: ignore[attr-defined]
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None)
        start = self.column(line, node.col_offset)  # type: ignore[attr-defined]
        end = self.column(end_line, end_col) if end_col is not None else start
        return line, start, end_line, end

    def segment(self, node: ast.AST) -> str:
        """The node's exact source text (for fixes)."""
        line, col, end_line, end_col = self.span(node)
        if line == end_line:
            return self.lines[line - 1][col - 1:end_col - 1]
        parts = [self.lines[line - 1][col - 1:]]
        parts += self.lines[line:end_line - 1]
        parts.append(self.lines[end_line - 1][:end_col - 1])
        return "\n".join(parts)

    def report(self, code: str, node: ast.AST, message: str, fix: Optional[Fix] = None) -> None:
        if code not in self.enabled:
            return
        if code.startswith(FAILURE_FAMILIES) and self.meant_to_fail(node):
            return  # ``with pytest.raises(...)``: the code is written to fail
        if self.never_runs(node):
            return  # ``if TYPE_CHECKING:``, the ``else`` of ``if True:``: nothing there runs
        if code.startswith(TEST_CODES) and self.in_test_hook(node):
            return  # ``if SLEEP_FOR_TESTING_S:``: only tests switch it on
        line, col, end_line, end_col = self.span(node)
        self.findings.append(Finding(self.path, line, col, code, message, end_line, end_col, fix))

    def meant_to_fail(self, node: ast.AST) -> bool:
        """Is the node inside ``with pytest.raises(...)``, ``pytest.warns(...)`` or ``self.assertRaises(...)``?

        Decided by line ranges found once per file (only files with findings pay), so it holds
        wherever the report is made, during the walk or at the module's end.
        """
        if self._failing_blocks is None:
            self._find_blocks()
        line = getattr(node, "lineno", 0)
        return any(start <= line <= end for start, end in self._failing_blocks or ())

    def never_runs(self, node: ast.AST) -> bool:
        """Is the node in code that cannot run: the body of ``if False:`` or ``if TYPE_CHECKING:``,
        the ``else`` of ``if True:`` (psycopg writes its async modules with ``if True:  # ASYNC``
        over the sync code its generator keeps in the ``else``), or the body of a function nested in
        another that nothing refers to (``unreferenced_nested``)? Line ranges, found once per file."""
        if self._dead_blocks is None:
            self._find_blocks()
        line = getattr(node, "lineno", 0)
        return any(start <= line <= end for start, end in self._dead_blocks or ())

    def in_test_hook(self, node: ast.AST) -> bool:
        """Is the node in the body of an ``if`` that only tests switch on (``TEST_HOOK_WORDS``)?"""
        if self._test_hooks is None:
            self._find_blocks()
        line = getattr(node, "lineno", 0)
        return any(start <= line <= end for start, end in self._test_hooks or ())

    def _only_in_tests(self, test: ast.expr) -> bool:
        """An ``if`` test that holds only in tests: a name or attribute with a test word
        (``SLEEP_FOR_TESTING_S``, ``settings.TESTING``), an environment look-up of one
        (``os.environ.get("APP_TEST_DELAY")``), or an ``and`` with one of them."""
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            return any(self._only_in_tests(value) for value in test.values)
        name: Optional[str] = None
        if isinstance(test, ast.Name):
            name = test.id
        elif isinstance(test, ast.Attribute):
            name = test.attr
        elif isinstance(test, ast.Call) and test.args and isinstance(test.args[0], ast.Constant) \
                and isinstance(test.args[0].value, str) \
                and self.resolve_at_module(test.func) in ("os.environ.get", "os.getenv"):
            name = test.args[0].value
        return name is not None and not TEST_HOOK_WORDS.isdisjoint(name.lower().split("_"))

    def static_truth(self, test: ast.expr) -> Optional[bool]:
        """The value of an ``if`` test known without running it: a constant, ``TYPE_CHECKING`` (False),
        a module flag bound once to ``True``/``False`` and never rebound (``_IS_SYNC = False``: pymongo
        keeps the sync twin of its async code under ``if not _IS_SYNC: ... else:``), or ``not`` of one.
        Only flags named for the sync/async choice: ``DEBUG = False`` is a switch someone flips."""
        if isinstance(test, ast.Constant):
            return bool(test.value)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name):
            inner = self._module_flag(test.operand.id)
            return None if inner is None else not inner
        if isinstance(test, ast.Name) and test.id != "TYPE_CHECKING":
            return self._module_flag(test.id)
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            if self.resolve_at_module(test) in TYPE_CHECKING_NAMES or self._lookup(test.id, self.module_scope) is None:
                return False
        if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING" and \
                self.resolve_at_module(test) in TYPE_CHECKING_NAMES:
            return False
        return None

    def _module_flag(self, name: str) -> Optional[bool]:
        """``_IS_SYNC = True``/``False`` at module level, the name's only binding in the module (no ``global``)."""
        if not SYNC_TWIN_FLAG.match(name):
            return None
        bindings = self.module_scope.bindings.get(name)
        if not bindings or len(bindings) != 1:
            return None
        binding = bindings[0]
        value = binding.value
        if binding.kind is not BindingKind.ASSIGN or binding.unpacked or not isinstance(value, ast.Constant) \
                or not isinstance(value.value, bool):
            return None
        if any(isinstance(node, ast.Global) and name in node.names for node in walk(self.module)):
            return None
        return value.value

    def _find_blocks(self) -> None:
        """One walk for the blocks a finding is dropped in: written to fail, never run, or a test hook."""
        failing: List[Tuple[int, int]] = []
        dead: List[Tuple[int, int]] = []
        hooks: List[Tuple[int, int]] = []
        for node in walk(self.module):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                dead.extend((inner.body[0].lineno, inner.end_lineno or inner.lineno)
                            for inner in unreferenced_nested(node))
                continue
            if isinstance(node, ast.If):
                if self._only_in_tests(node.test):
                    hooks.append((node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno))
                truth = self.static_truth(node.test)
                branch = node.body if truth is False else node.orelse if truth else None
                if branch:
                    dead.append((branch[0].lineno, branch[-1].end_lineno or branch[-1].lineno))
                continue
            if not isinstance(node, (ast.With, ast.AsyncWith)):
                continue
            for item in node.items:
                expr = item.context_expr
                if not isinstance(expr, ast.Call):
                    continue
                func = expr.func
                if (isinstance(func, ast.Attribute) and func.attr in FAILURE_METHODS) or \
                        self.resolve_at_module(func) in FAILURE_CONTEXTS:
                    failing.append((node.body[0].lineno, node.end_lineno or node.lineno))
                    break
        self._failing_blocks, self._dead_blocks, self._test_hooks = failing, dead, hooks

    # -- fix helpers ------------------------------------------------------------
    def replace(self, node: ast.AST, content: str) -> Edit:
        line, col, end_line, end_col = self.span(node)
        return Edit(line, col, end_line, end_col, content)

    def insert_before(self, node: ast.AST, content: str) -> Edit:
        line, col, _, _ = self.span(node)
        return Edit(line, col, line, col, content)

    def module_alias(self, module: str) -> Optional[str]:
        """The name under which ``module`` is imported unconditionally at module level
        (``import asyncio as aio`` -> aio), as code in functions sees it.

        ``if TYPE_CHECKING: import asyncio`` or an import under ``if sys.version_info ...``
        does not count: ``asyncio.sleep`` written by a fix would raise NameError. Nor does a
        name rebound after the import. Computed once per file: fixes ask once per finding.
        """
        aliases = self._module_aliases
        if aliases is None:
            aliases = self._module_aliases = {}
            for name, bindings in self.module_scope.bindings.items():
                in_effect = self._bindings_in_effect(bindings, self.module) if len(bindings) > 1 else bindings
                first = in_effect[0] if in_effect else None
                if first is None or first.kind is not BindingKind.IMPORT or not isinstance(first.node, ast.Import) \
                        or not self._unconditional(first.node) or not first.qualname:
                    continue
                if all(b.kind is BindingKind.IMPORT and b.qualname == first.qualname for b in in_effect):
                    aliases.setdefault(first.qualname, name)
        return aliases.get(module)

    def import_edit(self, module: str) -> Optional[Tuple[str, Optional[Edit]]]:
        """How to spell ``module`` here, and the edit adding ``import module`` if it is missing.

        None when the name cannot mean the module here: something else binds it in this
        scope or at module level (a fix would then call that instead). A conditional
        ``import module`` (under ``if TYPE_CHECKING:``) is no obstacle: the edit adds an
        unconditional one.
        """
        alias = self.module_alias(module)
        if alias is not None:
            found = self.lookup(alias)
            if found is not None and found[0] is self.module_scope:
                return alias, None
        found = self.lookup(module)
        if found is not None and not (found[0] is self.module_scope and all(
                b.kind is BindingKind.IMPORT and b.qualname == module and isinstance(b.node, ast.Import)
                for b in found[1])):
            return None
        line = _import_insertion_line(self.module)
        return module, Edit(line, 1, line, 1, f"import {module}\n")

    def fix(self, message: str, edits: Sequence[Edit], safe: bool = False) -> Fix:
        applicability = Applicability.SAFE if safe else Applicability.UNSAFE
        return Fix(message, applicability, tuple(e for e in edits if e is not None))


def _line(node: ast.AST) -> int:
    return getattr(node, "lineno", 0)


def _declaration(bindings: List[Binding]) -> Optional[BindingKind]:
    """GLOBAL if a ``global`` statement covers the name, NONLOCAL if only ``nonlocal`` binds it."""
    only_nonlocal = True
    for binding in bindings:
        if binding.kind is BindingKind.GLOBAL:
            return BindingKind.GLOBAL
        if binding.kind is not BindingKind.NONLOCAL:
            only_nonlocal = False
    return BindingKind.NONLOCAL if only_nonlocal else None


def _is_static(func: ast.AST) -> bool:
    for dec in getattr(func, "decorator_list", ()):
        if isinstance(dec, ast.Name) and dec.id in ("staticmethod", "classmethod"):
            return True
    return False


def _read_class(cls: ast.ClassDef) -> ClassInfo:
    info = ClassInfo(cls)
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            info.annotations[stmt.target.id] = stmt.annotation
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _is_static(stmt):
            args = stmt.args.posonlyargs + stmt.args.args
            if not args:
                continue
            self_name = args[0].arg
            info.self_names.add(self_name)
            # ``self.root = root`` with ``root: Path`` a parameter: the attribute has the parameter's type.
            annotated_params = {a.arg: a.annotation for a in [*args, *stmt.args.kwonlyargs] if a.annotation}
            for node in _statements(stmt.body):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if _is_self_attr(target, self_name):
                            value = node.value
                            if isinstance(value, ast.Name) and value.id in annotated_params:
                                info.annotations.setdefault(target.attr, annotated_params[value.id])  # type: ignore[attr-defined]
                            else:
                                info.attributes.setdefault(target.attr, []).append(value)  # type: ignore[attr-defined]
                elif isinstance(node, ast.AnnAssign) and _is_self_attr(node.target, self_name):
                    info.annotations[node.target.attr] = node.annotation  # type: ignore[attr-defined]
    return info


def _statements(body: List[ast.stmt]) -> Iterable[ast.stmt]:
    """Every statement in a body, through compound statements, not into nested defs or classes."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for part in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(stmt, part, None)
            if inner:
                stack.extend(reversed(inner))


def _is_self_attr(target: ast.AST, self_name: str) -> bool:
    return isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == self_name


def _import_insertion_line(module: ast.Module) -> int:
    """The line before which a new top-level import goes: after the docstring and ``__future__`` imports,
    at the head of the import block that follows them if there is one.

    Without those, before the first statement rather than at line 1, so a shebang, a
    coding cookie (which must stay on line 1 or 2) and a header comment stay on top.
    """
    line = _first_line(module.body[0]) if module.body else 1
    for i, stmt in enumerate(module.body):
        is_docstring = i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
            and isinstance(stmt.value.value, str)
        is_future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        if is_docstring or is_future:
            line = (stmt.end_lineno or stmt.lineno) + 1
        else:
            if i and isinstance(stmt, (ast.Import, ast.ImportFrom)):
                line = stmt.lineno  # `from __future__ ...`, a blank line, then the imports: join them
            break
    return line


def _first_line(stmt: ast.stmt) -> int:
    """A statement's first line, counting its decorators."""
    decorators = getattr(stmt, "decorator_list", None) or ()
    return min([stmt.lineno] + [d.lineno for d in decorators])


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _walrus_lines(source: str) -> List[int]:
    """Lines holding ``:=``: only expressions spanning one can bind a name by walrus."""
    if ":=" not in source:
        return []
    lines: List[int] = []
    line, last = 1, 0
    for match in re.finditer(":=", source):
        start = match.start()
        line += len(_LINE_BREAK.findall(source, last, start))
        last = start
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _split_lines(source: str) -> List[str]:
    """Physical lines as Python's tokenizer sees them (\\r\\n, \\r or \\n; not form feeds)."""
    return _LINE_BREAK.split(source)


def _with_mode(call: ast.Call, callee: str) -> Optional[str]:
    """``open(p, "wb")``: the file class its literal mode gives; None when the mode is not a literal."""
    mode: Optional[ast.expr] = None
    for kw in call.keywords:
        if kw.arg == "mode":
            mode = kw.value
    position = MODE_ARGUMENT[callee]
    if mode is None and len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args):
        mode = call.args[position]
    if mode is None:
        return "io.TextIOWrapper"
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return file_type_for_mode(mode.value)
    return None


# Calls that can reach a local function without naming it in code.
_NAMESPACE_CALLS = frozenset({"locals", "vars", "eval", "exec"})


def unreferenced_nested(func: ast.FunctionDef | ast.AsyncFunctionDef) -> List[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The undecorated functions defined in ``func``'s own body (not in a class or another function there)
    whose name nothing in ``func`` reads: a local name, reachable only from ``func``, so the body never
    runs (aiosmb's ``temp()``, whose one ``create_task(temp(pipe))`` is commented out). Not when ``func``
    reads its namespace (``locals()``, ``eval``) or declares the name ``nonlocal``/``global``."""
    nested: List[ast.FunctionDef | ast.AsyncFunctionDef] = []
    stack: List[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not node.decorator_list:
                nested.append(node)
            continue
        if isinstance(node, (ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    if not nested:
        return []
    read: set[str] = set()
    for node in walk(func):
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Store):
                read.add(node.id)
        elif isinstance(node, (ast.Nonlocal, ast.Global)):
            read.update(node.names)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _NAMESPACE_CALLS:
            return []
    return [inner for inner in nested if inner.name not in read]
