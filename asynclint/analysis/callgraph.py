"""The call graph of the project's sync functions: which helpers block the event loop, and via what (AL107).

A coroutine rarely calls ``open()`` itself; it calls ``load_settings()``, which does.
Two halves make that visible without walking the graph at lint time:

* **Per module, with the index** (``module_graph``): for every sync function and
  method the summary knows, the blocking calls it makes directly (exactly what
  AL1xx/AL108 would report were its body inside a coroutine, asked of
  ``analysis.blocking.BlockingCalls``) and the calls that may reach another project function.
  A callee is resolved by the same ``Resolver`` as AL201, but against a stand-in
  index that answers with the *question* (``function("app.db.load")``,
  ``method(<type>, "fetch")``) instead of the answer: a module's data then depends
  only on its own text, so it is cached with its summary and rebuilt only when the
  file changes.
* **Once per run** (``BlockingGraph``): the questions are put to the real index and
  a breadth-first pass from the blocking calls outwards marks every function within
  ``blocking-call-depth`` calls of one, remembering the next step of its shortest
  chain. Cycles need no special care (a node is marked once), and only calls whose
  callee name matches a function already marked are resolved, so the pass costs a
  fraction of the project's calls. Its result is cached next to the index, keyed by
  each module's shape (its data less line numbers): after an edit that only moved lines,
  the edited modules' functions are re-lined instead of running the pass again.

A rule then asks ``blocking_chain(index, target)``: "does this callee block, and
via what?". The index holds the pass's result (``ProjectIndex.blocking``) but never
imports this module: the pass is run by whoever loads the index.
"""

from __future__ import annotations

import ast
import bisect
import functools
import hashlib
import marshal
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Set, Tuple

from ..base.cachefile import dump_atomic, ensure_cache_dir, load_marshal_dict
from ..base.nodes import child_nodes, walk
from ..base.settings import Settings
from ..catalogue import RULES
from ..catalogue.selection import default_settings
from ..knowledge.blocking import ANY_METHOD, FUNCTIONS, METHODS
from ..base.source import noqa_codes
from ..knowledge.intent import PEER_CODES, explained
from ..knowledge.types import TYPE_ALIASES, canonical_type
from .blocking import BlockingCalls, used_asynchronously
from .context import FileContext
from .index import LocalModule, ProjectIndex, Target, _module_statements
from .resolver import Resolver
from .scopes import Scope, ScopeKind

GRAPH_VERSION = 7  # 6: thread waits are AL111; 7: tree walks are AL109
DEFAULT_DEPTH = 3

# Per-module graph data (plain, marshal-friendly):
#   (refs, funcs, aliases)
#   refs: (ref, ...)  each ("f", qualname) or ("m", type, method) (``"M"``: read from the class, past any
#                     ``__getattribute__``): the index question that finds a callee;
#                     a type is a qualified name or, when only the index knows it, a question too:
#                     ("i", name) a module-level instance's class, ("a", type, attribute) an attribute's
#                     type, ("r", ref) what the callee of ``ref`` returns
#   funcs: {key: (line, flags, seeds, edges)}
#     key: "load", "Repo.fetch", "Outer.Inner.run" (the summary's names)
#     flags: "g" when the body yields (calling it runs nothing until it is iterated or entered);
#            "a" an ``async def``: its edges only count coroutines per root (the message's "N coroutines")
#     seeds: ((line, code, shown name, "s" for a stat call or "", guard), ...)  one per (code, kind, guard)
#     edges: ((line, ref number, consumed, guard, arguments), ...)  consumed: 1 when the call is iterated or
#            entered; arguments: ``call_arguments`` of the call (which flags it switches off)
#     guard: ((parameter, position, default is falsy), ...): the call runs only when those parameters are
#            truthy (``if use_lock: lock.acquire()``); () when no parameter guards it
#   aliases: ((name, original), ...)  module-level names bound to another name (``load = _load_settings``,
#            ``from .x import a as b``): a call through one reaches a function of another name
GraphData = Tuple[Tuple[tuple, ...], Dict[str, tuple], Tuple[Tuple[str, str], ...]]

_DEFERRED = "\x00"
# Decorators that make a helper block once, on its first call.
CACHE_DECORATORS = frozenset({"functools.cache", "functools.lru_cache", "functools.lru_cache()"})
# Decorators whose function runs only when entered with ``with`` (like a generator runs when iterated).
_ENTERED_DECORATORS = frozenset({"contextlib.contextmanager"})
# Decorators that turn a def into something that is never called as a function.
_NOT_CALLED_DECORATORS = frozenset({"builtins.property", "functools.cached_property", "abc.abstractproperty"})
# Builtins that exhaust an iterator handed to them.
_CONSUMERS = frozenset({"builtins." + n for n in (
    "list", "tuple", "set", "frozenset", "sorted", "dict", "next", "sum", "min", "max", "any", "all")})
_SELF_TYPES = frozenset({"typing.Self", "typing_extensions.Self"})
# Top-level names that are never the project's: questions about them are answered at once.
_EXTERNAL_ROOTS = frozenset(getattr(sys, "stdlib_module_names", ())) - {"test"} | {"builtins"}


def _external(name: str) -> bool:
    return not name.startswith(_DEFERRED) and name.split(".", 1)[0] in _EXTERNAL_ROOTS


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """Changes when the blocking tables or this module's format do: cached graph data is then stale."""
    rows = sorted((name, call.code, call.guard) for name, call in FUNCTIONS.items())
    rows += sorted((f"{kind}.{name}", call.code, call.guard) for kind, methods in METHODS.items()
                   for name, call in methods.items())
    rows += sorted((kind, entry.call.code, ",".join(sorted(entry.except_))) for kind, entry in ANY_METHOD.items())
    return hashlib.sha256(f"{GRAPH_VERSION}\0{rows}".encode()).hexdigest()[:12]


def ref_name(ref: tuple) -> str:
    """The name a callee must have (the last part of the question): the cheap pre-filter of the pass."""
    return ref[1].rsplit(".", 1)[-1] if ref[0] == "f" else ref[2]


# -- building, per module ------------------------------------------------------------------

class _DeferringIndex(ProjectIndex):
    """Answers the ``Resolver``'s questions about project names with the question itself.

    A question is interned and handed back as a token (``"\\0" + number``) where the
    Resolver expects a type or a function; ``freeze`` turns a token into the nested
    tuples stored in the module's data. Names of the standard library are answered
    for real (from the known tables): the data never records calls that cannot reach
    the project.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__("", {}, getattr(settings, "extend_async_decorators", ()),
                         getattr(settings, "extend_coroutine_functions", ()))
        self._real = ProjectIndex.empty(settings)
        self._table: List[tuple] = []
        self._numbers: Dict[tuple, str] = {}

    def _intern(self, value: tuple) -> str:
        token = self._numbers.get(value)
        if token is None:
            token = self._numbers[value] = _DEFERRED + str(len(self._table))
            self._table.append(value)
        return token

    def freeze(self, value: Any) -> Any:
        """A token (or a tuple holding tokens) as plain nested tuples."""
        if isinstance(value, str):
            return self.freeze(self._table[int(value[1:])]) if value.startswith(_DEFERRED) else value
        return tuple(self.freeze(v) for v in value)

    def _placeholder(self, ref: tuple) -> Target:
        token = self._intern(ref)
        return Target(token, "", 0, False, self._intern(("r", token)))

    def function(self, qualname: str, near: str = "", local: Any = None) -> Optional[Target]:
        if _external(qualname) or qualname in self.extra_coroutines:
            return self._real.function(qualname, near, local)
        return self._placeholder(("f", qualname))

    def method(self, type_name: str, name: str, near: str = "", local: Any = None,
               _depth: int = 0, instance: bool = True) -> Optional[Target]:
        if _external(type_name):
            return self._real.method(type_name, name, near, local, instance=instance)
        if name == "__aenter__":
            return None  # sync code enters with ``with``: ``__enter__`` is asked next
        return self._placeholder(("m" if instance else "M", type_name, name))

    def instance_type(self, qualname: str, near: str = "", local: Any = None) -> Optional[str]:
        return None if _external(qualname) else self._intern(("i", qualname))

    def attribute_type(self, type_name: str, attr: str, near: str = "", local: Any = None,
                       _depth: int = 0) -> Optional[str]:
        return None if _external(type_name) else self._intern(("a", type_name, attr))

    def is_class(self, qualname: str, near: str = "", local: Any = None) -> bool:
        return False

    def decorator_effect(self, decorator: str, near: str = "", local: Any = None, depth: int = 0) -> Optional[str]:
        return self._real.decorator_effect(decorator, near, local, depth)


def consumed(ctx: "FileContext", node: ast.Call) -> bool:
    """Is the call's result iterated or entered right here (what runs a generator or context manager)?"""
    parent = ctx.parent(node)
    if isinstance(parent, ast.For):
        return parent.iter is node
    if isinstance(parent, ast.comprehension):
        return parent.iter is node and not parent.is_async
    if type(parent) in _COMPREHENSIONS:  # the first iterable is walked outside the comprehension's scope
        first: ast.comprehension = parent.generators[0]  # type: ignore[union-attr]
        return first.iter is node and not first.is_async
    if isinstance(parent, ast.withitem):
        return isinstance(ctx.parent(parent), ast.With)
    if isinstance(parent, ast.YieldFrom):
        return True
    if isinstance(parent, ast.Call) and parent.func is not node and node in parent.args:
        return ctx.resolve(parent.func) in _CONSUMERS
    return False


@functools.lru_cache(maxsize=1)
def _table_words() -> Tuple[FrozenSet[str], Tuple[str, ...]]:
    """Method names the blocking tables know, and the module names a type every method of which blocks
    (a Redis or boto3 client) must be imported from: a method call matching neither is never a seed."""
    names = frozenset(name for methods in METHODS.values() for name in methods)
    types = set(ANY_METHOD) | {alias for alias, canonical in TYPE_ALIASES.items() if canonical in ANY_METHOD}
    return names, tuple(sorted({t.split(".")[0] for t in types} | {"mypy_boto3_"}))


def module_graph(tree: ast.Module, text: str, module: str, is_package: bool, path: str,
                 summary: Dict[str, Any]) -> Optional[GraphData]:
    """The graph data of one parsed module, or None when it has nothing to say (or its analysis failed)."""
    aliases = tuple(sorted((name, target.rsplit(".", 1)[-1]) for name, target in summary["i"].items()
                           if name != target.rsplit(".", 1)[-1]))
    found = None
    if any(isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for stmt in _module_statements(tree.body)):
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old_limit, 12000))
        try:
            found = _Collector(tree, text, module, is_package, path, summary).run()
        except RecursionError:
            return None
        finally:
            sys.setrecursionlimit(old_limit)
    if found is None:
        return ((), {}, aliases) if aliases else None
    return found + (aliases,)


class _Collector:
    """Walks the bodies of the module's sync defs, recording each one's blocking calls and callees.

    The walk keeps what the engine's walker keeps (scopes, the ancestor stack, the class
    and function stacks), so ``BlockingCalls`` and the ``Resolver`` answer exactly
    as they do in a lint run; it only skips what cannot hold a helper's own calls: other
    module-level code, coroutines, nested defs and lambdas, ``if TYPE_CHECKING:`` bodies.
    """

    def __init__(self, tree: ast.Module, text: str, module: str, is_package: bool, path: str,
                 summary: Dict[str, Any]) -> None:
        self.codes = frozenset(code for code in RULES if code.startswith("AL1"))
        settings = default_settings(enabled=self.codes, blocking_stat_calls=True)
        self.index = _DeferringIndex(settings)
        self.tree = tree
        self.ctx = ctx = FileContext(path, text, tree, settings, module, is_package, self.index)
        self.resolver = Resolver.of(ctx)
        self.resolver._local = LocalModule(module, path, summary)  # the summary just made: no second pass
        self.blocking = BlockingCalls(ctx)
        self.method_names, roots = _table_words()
        self.any_method = any(root in text for root in roots)
        self.probe_lines = _probe_lines(text)
        self.refs: Dict[tuple, int] = {}
        self.funcs: Dict[str, tuple] = {}
        # the def being walked: its seeds {(code, kind): seed}, edges {(ref number, consumed): line}, flags
        self._seeds: Dict[Tuple[str, str], tuple] = {}
        self._edges: Dict[Tuple[int, int], int] = {}
        self._flags: Set[str] = set()
        self._is_async = False
        self._params: Dict[str, Tuple[int, int]] = {}

    # -- the walk -----------------------------------------------------------------------
    def run(self) -> Optional[Tuple[Tuple[tuple, ...], Dict[str, tuple]]]:
        ctx = self.ctx
        stack: List[Tuple[List[ast.stmt], str, Scope, Tuple[ast.ClassDef, ...]]] = \
            [(self.tree.body, "", ctx.module_scope, ())]
        while stack:
            body, prefix, scope, classes = stack.pop()
            for stmt in _module_statements(body):
                if isinstance(stmt, ast.ClassDef):
                    inner = Scope(ScopeKind.CLASS, stmt, scope)
                    stack.append((stmt.body, f"{prefix}{stmt.name}.", inner, classes + (stmt,)))
                elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._function(stmt, prefix + stmt.name, scope, classes)
        if not self.funcs:
            return None
        refs = tuple(self.index.freeze(ref) for ref in self.refs)
        return refs, self.funcs

    def _function(self, func: Any, key: str, scope: Any, classes: Tuple[ast.ClassDef, ...]) -> None:
        ctx = self.ctx
        ctx.scope = Scope(ScopeKind.FUNCTION, func, scope)
        ctx.class_stack[:] = classes
        ctx.function_stack[:] = [func]
        ctx.ancestors[:] = [self.tree, *classes, func]
        self._seeds, self._edges, self._flags = {}, {}, set()
        self._is_async = isinstance(func, ast.AsyncFunctionDef)
        if self._is_async:
            self._flags.add("a")
        elif self._probes_loop(func) or self._accepted(func.lineno, ()):
            return  # ``def load():  # noqa: AL107``: the helper is accepted for every chain through it
        self._params = _parameters(func, bool(classes))
        try:
            for stmt in func.body:
                self._walk(stmt)
        finally:
            ctx.scope = ctx.module_scope
        if self._seeds or self._edges:
            old = self.funcs.get(key)  # a def repeated under `if`/`else`: either may run
            seeds = tuple(self._seeds.values()) + (old[2] if old else ())
            edges = tuple((ln, *key) for key, ln in self._edges.items()) + (old[3] if old else ())
            flags = "".join(sorted(self._flags | set(old[1] if old else "")))
            self.funcs[key] = (func.lineno, flags, seeds, edges)

    def _walk(self, node: ast.AST) -> None:
        kind = type(node)
        if kind in _SKIPPED:
            return  # a nested def or lambda runs only if called; a leaf holds no call
        ctx = self.ctx
        truth = ctx.static_truth(node.test) if kind is ast.If else None  # type: ignore[attr-defined]
        if truth is not None:  # only the branch that runs: not TYPE_CHECKING's, not ``if True``'s else
            body: List[ast.stmt] = node.body if truth else node.orelse  # type: ignore[attr-defined]
            ctx.ancestors.append(node)
            for stmt in body:
                self._walk(stmt)
            ctx.ancestors.pop()
            return
        ctx.ancestors.append(node)
        if kind is ast.Call:
            self._call(node)  # type: ignore[arg-type]
        elif kind is ast.Yield or kind is ast.YieldFrom:
            self._flags.add("g")
        if kind in _COMPREHENSIONS:
            self._comprehension(node)
        else:
            for child in child_nodes(node):
                self._walk(child)
        ctx.ancestors.pop()

    def _comprehension(self, node: ast.AST) -> None:
        """As the engine's walker does: the first iterable in the enclosing scope, the rest inside."""
        ctx = self.ctx
        generators: List[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        self._walk(generators[0].iter)
        outer = ctx.scope
        ctx.scope = Scope(ScopeKind.COMPREHENSION, node, outer)
        try:
            for i, gen in enumerate(generators):
                ctx.ancestors.append(gen)
                if i:
                    self._walk(gen.iter)
                for cond in gen.ifs:
                    self._walk(cond)
                ctx.ancestors.pop()
            if isinstance(node, ast.DictComp):
                self._walk(node.key)
                self._walk(node.value)
            else:
                self._walk(node.elt)  # type: ignore[attr-defined]
        finally:
            ctx.scope = outer

    # -- one call -----------------------------------------------------------------------
    def _call(self, node: ast.Call) -> None:
        func = node.func
        if self._is_async:
            if used_asynchronously(self.ctx, node):
                return  # awaited: an async API, whatever it resolves to
        elif not isinstance(func, ast.Attribute) or func.attr in self.method_names or self.any_method \
                or self.ctx.resolve(func) is not None:
            hit = self.blocking.blocking_call(node, self.codes)
            if hit is not None and not (hit[1].code == "AL105" and self._expects_blocking_io_error()):
                qualname, call = hit
                if self._accepted(node.lineno, (call.code,)) or self._once_guarded():
                    return
                kind = "s" if call.guard == "stat" else ""
                shown = qualname.removeprefix("builtins.")
                guard = self._guard()
                self._seeds.setdefault((call.code, kind, guard), (node.lineno, call.code, shown, kind, guard))
                return
            if hit is not None:
                return
        target = self.resolver.callable_target(func)
        if target is None or not target.qualname.startswith(_DEFERRED):
            return
        if not self._is_async and (self._accepted(node.lineno, ()) or self._once_guarded()):
            return
        number = self.refs.setdefault(target.qualname, len(self.refs))  # type: ignore[arg-type]
        guard = () if self._is_async else self._guard()
        key = (number, int(consumed(self.ctx, node)), guard, call_arguments(node))
        self._edges.setdefault(key, node.lineno)

    # -- what the author said and what the code switches off ---------------------------
    def _accepted(self, line: int, codes: Tuple[str, ...]) -> bool:
        """``# noqa: AL107`` (or the blocking call's own code, or a peer linter's code for it) on the line,
        or a comment above it saying it blocks on purpose: the author has accepted this helper."""
        lines = self.ctx.lines
        if not 0 < line <= len(lines):
            return False
        text = lines[line - 1]
        if "#" in text:
            named = noqa_codes(text)
            if named:
                if "AL107" in named or any(c in named for c in codes) or \
                        (not codes and any(c.startswith("AL1") for c in named)):
                    return True
                if any(code in PEER_CODES.get(peer, ()) for peer in named for code in codes):
                    return True
        return any(explained(lines, line, code) for code in codes)

    def _guard(self) -> tuple:
        """The parameters the ``if <param>:`` (or ``if <param> and ...:``) blocks around the call test:
        ((name, position, default is falsy), ...), all of which must be truthy for the call to run."""
        stack = self.ctx.ancestors
        found = []
        for i in range(len(stack) - 1, 1, -1):
            node, child = stack[i - 1], stack[i]
            if isinstance(node, ast.If) and child in node.body:
                for name in _tested_names(node.test):
                    if name in self._params:
                        position, falsy_default = self._params[name]
                        found.append((name, position, falsy_default))
        return tuple(sorted(set(found)))

    def _once_guarded(self) -> bool:
        """Inside ``if not self.started: ... self.started = True`` or after ``if _started: return`` in a
        function that sets ``_started``: it runs on the first call only (idempotent start-up)."""
        stack = self.ctx.ancestors
        function = self.ctx.function_stack[-1] if self.ctx.function_stack else None
        if function is None:
            return False
        for i in range(len(stack) - 1, 1, -1):
            node, child = stack[i - 1], stack[i]
            if isinstance(node, ast.If) and child in node.body:
                flag = _negated_flag(node.test)
                if flag is not None and _assigns(node.body, flag):
                    return True
            for field in ("body", "orelse", "finalbody"):
                block = getattr(node, field, None)
                if isinstance(block, list) and child in block:
                    for stmt in block[:block.index(child)]:
                        flag = _early_return_flag(stmt)
                        if flag is not None and _assigns(function.body, flag):
                            return True
        return False

    def _probes_loop(self, func: ast.FunctionDef) -> bool:
        """Does the def test ``if get_running_loop() is not None:``? Then it serves both worlds and, called
        from a coroutine, takes the async branch (``return asyncio.wait(...)``): none of its calls count."""
        lines = self.probe_lines
        if not lines:
            return False
        i = bisect.bisect_left(lines, func.lineno)
        if i == len(lines) or lines[i] > (func.end_lineno or func.lineno):
            return False
        for node in walk(func):
            if isinstance(node, (ast.If, ast.IfExp)):
                for sub in walk(node.test):
                    if isinstance(sub, ast.Call):
                        callee = sub.func
                        name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
                        if name in _LOOP_PROBES:
                            return True
        return False

    def _expects_blocking_io_error(self) -> bool:
        """Inside ``try: ... except BlockingIOError:``: the socket is non-blocking, whatever made it."""
        ctx = self.ctx
        stack = ctx.ancestors
        for i in range(len(stack) - 2, 0, -1):
            node = stack[i]
            if isinstance(node, ast.Try) and stack[i + 1] in node.body:
                for handler in node.handlers:
                    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                    if any(kind is not None and ctx.resolve(kind) == "builtins.BlockingIOError" for kind in kinds):
                        return True
        return False


# Calls that ask "is an event loop running here?" (a deny-list: it only suppresses).
_LOOP_PROBES = frozenset({"get_running_loop", "_get_running_loop", "current_async_library", "in_async_main_thread",
                          "in_async_worker_thread", "in_async_context", "is_async_context", "is_running_in_loop"})
_PROBE_WORDS = re.compile("|".join(sorted(_LOOP_PROBES)))


def _probe_lines(text: str) -> List[int]:
    """Sorted lines that mention a loop probe (so most defs are never searched)."""
    lines: List[int] = []
    last, line = 0, 1
    for match in _PROBE_WORDS.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def call_arguments(node: ast.Call) -> tuple:
    """What a call passes, for deciding ``if <param>:`` guards: (positional count, positions given a falsy
    literal, keywords given, keywords given a falsy literal), or () with ``*args`` / ``**kwargs``."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(kw.arg is None for kw in node.keywords):
        return ()
    falsy_positions = tuple(i for i, a in enumerate(node.args) if _falsy_literal(a))
    given = tuple(sorted(kw.arg for kw in node.keywords if kw.arg))
    falsy_keywords = tuple(sorted(kw.arg for kw in node.keywords if kw.arg and _falsy_literal(kw.value)))
    return (len(node.args), falsy_positions, given, falsy_keywords)


def switched_off(guard: tuple, arguments: tuple) -> bool:
    """Does a call with these ``arguments`` turn off a parameter the ``guard`` needs truthy (a falsy
    literal, or the parameter left out when its default is falsy)?"""
    if not guard or not arguments:
        return False
    count, falsy_positions, given, falsy_keywords = arguments
    for name, position, falsy_default in guard:
        if name in falsy_keywords or (position >= 0 and position in falsy_positions):
            return True
        if falsy_default and name not in given and (position < 0 or position >= count):
            return True
    return False


def _falsy_literal(expr: ast.expr) -> bool:
    """``None``, ``False`` or a numeric zero written out."""
    if not isinstance(expr, ast.Constant):
        return False
    value = expr.value
    return value is None or value is False or (type(value) in (int, float) and value == 0)


def _parameters(func: Any, in_class: bool) -> Dict[str, Tuple[int, int]]:
    """name -> (position in a call, 1 when the default is None/False/0): the parameters a guard may test."""
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list)
    if in_class and not is_static and positional:
        positional = positional[1:]  # self / cls
    defaults: Dict[str, ast.expr] = {}
    for arg, default in zip(reversed(positional), reversed(args.defaults)):
        defaults[arg.arg] = default
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if default is not None:
            defaults[arg.arg] = default
    out: Dict[str, Tuple[int, int]] = {}
    for i, arg in enumerate(positional):
        default = defaults.get(arg.arg)
        out[arg.arg] = (i, int(default is not None and _falsy_literal(default)))
    for arg in args.kwonlyargs:
        default = defaults.get(arg.arg)
        out[arg.arg] = (-1, int(default is not None and _falsy_literal(default)))
    return out


def _tested_names(test: ast.expr) -> List[str]:
    """``if flag:`` and ``if flag and other:``: the names whose truth the body needs."""
    if isinstance(test, ast.Name):
        return [test.id]
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return [v.id for v in test.values if isinstance(v, ast.Name)]
    return []


def _flag_text(expr: ast.expr) -> Optional[str]:
    """``self.running`` or ``_started``: a flag a once-guard tests, as text."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return f"{expr.value.id}.{expr.attr}"
    return None


def _negated_flag(test: ast.expr) -> Optional[str]:
    """``not self.running`` / ``self._instance is None``: the flag, else None."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _flag_text(test.operand)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is) and \
            isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None:
        return _flag_text(test.left)
    return None


def _early_return_flag(stmt: ast.stmt) -> Optional[str]:
    """``if self._started: return``: the flag, else None."""
    if isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1 and isinstance(stmt.body[0], ast.Return):
        return _flag_text(stmt.test)
    return None


def _assigns(body: List[ast.stmt], flag: str) -> bool:
    """Does the block set the flag (``self.running = True``, ``_started = True``)?"""
    for stmt in body:
        for node in walk(stmt):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(_flag_text(t) == flag for t in targets):
                    return True
    return False


_SKIPPED = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Name, ast.Constant,
                      ast.Load, ast.Store, ast.Del, ast.alias})
_COMPREHENSIONS = frozenset({ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp})


# -- the pass, once per run ------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One step of a chain: a project function (``line`` is its def) or, last, the blocking call itself."""

    name: str
    path: str
    line: int


@dataclass(frozen=True)
class BlockingChain:
    """Why a project function blocks: the functions called, then the blocking call, with locations."""

    steps: Tuple[Step, ...]  # the callee first; the last step is the blocking call
    code: str  # the AL1xx code of the blocking call
    cached: Tuple[str, ...]  # functions on the chain cached with functools.cache/lru_cache
    lazy: bool  # the callee is a generator or context manager: it blocks only when iterated or entered
    guard: tuple = ()  # the callee's parameter guard: a call that switches it off does not block
    callers: int = 0  # how many coroutines of the project call into a chain ending at the same root
    entered: bool = False  # the callee is a ``@contextmanager`` function (entered with ``with``)


# node -> (def line, flags, hop); hop: ("s", line, code, shown) or ("c", 0, target node). The line of a
# call to the next step is not kept: nothing shows it, and the result must depend on lines only where
# a chain shows them (``compute`` re-lines a cached result when an edit moved lines and nothing else)
# flags: "g" runs lazily (generator, context manager), "e" a context manager, "c" cached
Node = Tuple[str, str]  # (path, qualname)
Result = Dict[Node, Tuple[int, str, tuple]]


ROOTS = "\x00roots"  # the path of the pseudo-nodes that count coroutines per root


def hop_guard(hop: tuple) -> tuple:
    """The parameter guard a node's chain needs (``()``: none): a seed's or the step's own."""
    return hop[4] if hop[0] == "s" and len(hop) > 4 else hop[3] if hop[0] == "c" and len(hop) > 3 else ()


def chain_root(result: Result, node: Node) -> Optional[Node]:
    """The function whose own body makes the blocking call at the end of ``node``'s chain."""
    seen: Set[Node] = set()
    entry = result.get(node)
    while entry is not None and node not in seen:
        seen.add(node)
        hop = entry[2]
        if hop[0] == "s":
            return node
        node = hop[2]
        entry = result.get(node)
    return None


class BlockingGraph:
    """The fixed-point pass: which project functions block, within ``depth`` calls, and how."""

    def __init__(self, index: ProjectIndex, blobs: Dict[str, bytes], depth: int, stat_calls: bool,
                 extra: Dict[str, str], allowed: FrozenSet[str] = frozenset()) -> None:
        self.index = index
        self.allowed = allowed  # allowed-blocking-helpers: qualified names accepted by the user
        self.blobs = blobs
        self.depth = depth
        self.stat_calls = stat_calls
        self.extra = extra  # extend-blocking-calls: qualified name -> code
        self._resolved: Dict[Tuple[tuple, str], Optional[Target]] = {}
        self._types: Dict[Tuple[str, str], Optional[str]] = {}

    # -- the questions, put to the real index --------------------------------------------
    def resolve(self, ref: tuple, near: str, depth: int = 0) -> Optional[Target]:
        key = (ref, near)
        if key in self._resolved:
            return self._resolved[key]
        self._resolved[key] = None
        found: Optional[Target] = None
        if depth < 8:
            if ref[0] == "f":
                found = self.index.function(ref[1], near)
            else:
                kind = self.type_of(ref[1], near, depth + 1)
                if kind is not None:
                    found = self.index.method(kind, ref[2], near, instance=ref[0] == "m")
        self._resolved[key] = found
        return found

    def type_of(self, kind: Any, near: str, depth: int = 0) -> Optional[str]:
        if isinstance(kind, str):
            return kind
        key = (kind, near)
        if key in self._types:
            return self._types[key]
        self._types[key] = None
        found: Optional[str] = None
        if depth < 8:
            value = kind
            if value[0] == "i":
                found = self.index.instance_type(value[1], near)
            elif value[0] == "a":
                owner = self.type_of(value[1], near, depth + 1)
                if owner is not None:
                    found = self.index.attribute_type(owner, value[2], near)
            elif value[0] == "r":
                inner = value[1]
                target = self.resolve(inner, near, depth + 1)
                if target is not None and not target.is_coroutine and target.return_type:
                    found = target.return_type
                    if found in _SELF_TYPES:
                        found = self.type_of(inner[1], near, depth + 1) if inner[0] in ("m", "M") else None
        found = canonical_type(found)
        self._types[key] = found
        return found

    # -- the pass -------------------------------------------------------------------------
    def run(self) -> Result:
        index = self.index
        funcs: Dict[Node, tuple] = {}  # node -> (line, flags)
        # callee name -> (caller, line, ref, consumed, guard, arguments)
        by_name: Dict[str, List[Tuple[Node, int, tuple, int, tuple, tuple]]] = {}
        coroutine_edges: List[Tuple[Node, tuple, int, tuple]] = []  # (coroutine, ref, consumed, arguments)
        result: Result = {}
        frontier: Dict[Node, None] = {}
        codes: Dict[Node, str] = {}  # node -> the code of its chain's blocking call
        aliases: Set[Tuple[str, str]] = set()
        for path in sorted(self.blobs):
            blob = self.blobs[path]
            try:
                refs, module_funcs, module_aliases = marshal.loads(blob)
            except Exception:  # noqa: BLE001 - a damaged entry contributes nothing
                continue
            aliases.update(module_aliases)
            module = index.modules[path][0] if path in index.modules else ""
            for key, (line, flags, seeds, edges) in module_funcs.items():
                node = (path, f"{module}.{key}" if module else key)
                if "a" in flags:
                    coroutine_edges.extend((node, refs[number], used, args) for _, number, used, _, args in edges)
                    continue
                if node[1] in self.allowed:
                    continue  # `allowed-blocking-helpers`: accepted for every chain through it
                funcs[node] = (line, flags)
                hop = self._seed(seeds, edges, refs)
                if hop is not None:
                    eligible = self._eligible(node, flags)
                    if eligible is not None:
                        result[node] = (line, eligible, hop)
                        codes[node] = hop[2]
                        frontier[node] = None
                        continue
                for ln, number, used, guard, args in edges:
                    ref = refs[number]
                    by_name.setdefault(ref_name(ref), []).append((node, ln, ref, used, guard, args))
        for _ in range(self.depth - 1):
            if not frontier:
                break
            names = self._names(frontier, aliases)
            # caller -> (conditional, rank of the blocking call's code, call line, callee, guard): the most
            # telling unconditional chain wins
            best: Dict[Node, Tuple[bool, int, int, Node, tuple]] = {}
            for name in sorted(names):
                for caller, ln, ref, used, guard, args in by_name.get(name, ()):
                    if caller in result:
                        continue
                    callee = self._reached(ref, caller[0], used, args, frontier, result)
                    if callee is None:
                        continue
                    candidate = (bool(guard), _rank(codes[callee]), ln, callee, guard)
                    if caller not in best or candidate < best[caller]:
                        best[caller] = candidate
            frontier = {}
            for caller, (_, _, _, callee, guard) in sorted(best.items()):
                flags = self._eligible(caller, funcs[caller][1])
                if flags is not None:
                    result[caller] = (funcs[caller][0], flags, ("c", 0, callee, guard))
                    codes[caller] = codes[callee]
                    frontier[caller] = None
        self._count_roots(result, coroutine_edges, aliases)
        return result

    @staticmethod
    def _names(nodes: Any, aliases: Set[Tuple[str, str]]) -> Set[str]:
        names = {q.rsplit(".", 1)[-1] for _, q in nodes}
        for _ in range(2):
            names |= {alias for alias, original in aliases if original in names}
        return names

    def _reached(self, ref: tuple, near: str, used: int, args: tuple, marked: Any, result: Result) -> Optional[Node]:
        """The marked function a call reaches, unless the call does not run it (a generator made, not
        iterated) or switches off the parameter its blocking call needs."""
        target = self.resolve(ref, near)
        if target is None or not target.path:
            return None
        callee = (target.path, target.qualname)
        if callee not in marked:
            return None
        _, flags, hop = result[callee]
        if "g" in flags and not used:
            return None  # a generator or context manager made, not run
        if switched_off(hop_guard(hop), args):
            return None  # ``helper(use_lock=False)``: the blocking branch does not run
        return callee

    def _count_roots(self, result: Result, coroutine_edges: List[Tuple[Node, tuple, int, tuple]],
                     aliases: Set[Tuple[str, str]]) -> None:
        """How many coroutines call into a chain that ends in each root function (the message's count):
        stored as pseudo-nodes ``(ROOTS, root path + NUL + root name)`` -> (count, "", ())."""
        if not result:
            return
        names = self._names(result, aliases)
        callers: Dict[Node, Set[Node]] = {}
        for coroutine, ref, used, args in coroutine_edges:
            if ref_name(ref) not in names:
                continue
            callee = self._reached(ref, coroutine[0], used, args, result, result)
            if callee is None:
                continue
            root = chain_root(result, callee)
            if root is not None:
                callers.setdefault(root, set()).add(coroutine)
        for root, found in callers.items():
            result[(ROOTS, root[0] + "\0" + root[1])] = (len(found), "", ())

    def relined(self, previous: Result, moved: List[str]) -> Optional[Result]:
        """``previous`` with the lines of the moved modules' functions read again, or None if a
        moved module's data does not fit (then the full pass runs).

        Only the same shapes get here: each marked function keeps its chain's next step, and
        only its def line and its blocking call's line moved.
        """
        result = dict(previous)
        moved_set = set(moved)
        by_path: Dict[str, List[Node]] = {}
        for node in previous:
            if node[0] in moved_set and node[0] != ROOTS:
                by_path.setdefault(node[0], []).append(node)
        for path, nodes in by_path.items():
            try:
                refs, module_funcs, _ = marshal.loads(self.blobs[path])
            except Exception:  # noqa: BLE001 - damaged or missing: recompute everything
                return None
            for node in nodes:
                found = module_funcs.get(self._local_key(node))
                if found is None:
                    return None
                line, _, seeds, edges = found
                _, flags, hop = previous[node]
                if hop[0] == "s":
                    hop = self._seed(seeds, edges, refs)
                    if hop is None:
                        return None
                result[node] = (line, flags, hop)
        return result

    def _local_key(self, node: Node) -> str:
        """The node's name inside its module ("load", "Repo.fetch"): the key of the module's data."""
        path, qualname = node
        module = self.index.modules[path][0] if path in self.index.modules else ""
        return qualname[len(module) + 1:] if module else qualname

    def _seed(self, seeds: tuple, edges: tuple, refs: tuple) -> Optional[tuple]:
        """The function's own first blocking call, if any (stat calls only with `blocking-stat-calls`)."""
        best: Optional[tuple] = None
        for line, code, shown, kind, guard in seeds:
            if kind == "s" and not self.stat_calls:
                continue
            if best is None or (bool(guard), _rank(code), line) < (bool(best[4]), _rank(best[2]), best[1]):
                best = ("s", line, code, shown, guard)
        if self.extra:
            for line, number, _, guard, _ in edges:
                ref = refs[number]
                if not isinstance(ref[1], str):
                    continue
                name = ref[1] if ref[0] == "f" else f"{ref[1]}.{ref[2]}"
                code = self.extra.get(name)
                if code is not None and (best is None or (bool(guard), _rank(code), line) <
                                         (bool(best[4]), _rank(best[2]), best[1])):
                    best = ("s", line, code, name, guard)
        return best

    def _eligible(self, node: Node, flags: str) -> Optional[str]:
        """The node's flags ("g" lazy, "c" cached) when calling it runs its body; None when unknown.

        An ``async def`` makes a coroutine, a property is never called, and a decorator the index
        cannot vouch for may run the function anywhere (a thread pool, a task queue).
        """
        path = node[0]
        key = self._local_key(node)
        summary = self.index.summary(path)
        func: Optional[tuple] = None
        if "." in key:
            cls, _, name = key.rpartition(".")
            entry = summary["c"].get(cls)
            if entry is not None:
                func = entry[2].get(name)
        else:
            func = summary["f"].get(key)
        if func is None or func[0] != 0:
            return None
        out = set(flags)
        for decorator in func[2]:
            if decorator in CACHE_DECORATORS:
                out.add("c")
            elif decorator in _ENTERED_DECORATORS:
                out.update("ge")
            elif decorator in _NOT_CALLED_DECORATORS:
                return None
            elif self.index.decorator_effect(decorator, path) != "keep":
                return None
        return "".join(sorted(out))


# Which blocking call a chain shows when a function has several: sleeps, requests and queries block
# whenever they run; waits (AL105, AL111) often sit behind a condition.
_CODE_RANK = {"AL101": 0, "AL102": 1, "AL108": 2, "AL103": 3, "AL104": 4, "AL106": 5, "AL105": 6, "AL111": 7}


def _rank(code: str) -> int:
    return _CODE_RANK.get(code, len(_CODE_RANK))


def chain_for(index: ProjectIndex, result: Result, target: Target,
              consulted: Optional[Callable[[Node], None]] = None) -> Optional[BlockingChain]:
    """Read the chain of a callee from the pass's result (at most ``depth`` dictionary lookups);
    ``consulted`` hears of every node read, present or not (the result cache's dependencies)."""
    node = (os.path.abspath(target.path), target.qualname)
    if consulted is not None:
        consulted(node)
    entry = result.get(node)
    if entry is None:
        return None
    steps: List[Step] = []
    cached: List[str] = []
    lazy = "g" in entry[1]
    entered = "e" in entry[1]
    guard = hop_guard(entry[2])
    seen: Set[Node] = set()
    while entry is not None and node not in seen:
        seen.add(node)
        line, flags, hop = entry
        module = index.modules[node[0]][0] if node[0] in index.modules else ""
        name = node[1][len(module) + 1:] if module and node[1].startswith(module + ".") else node[1]
        steps.append(Step(name, node[0], line))
        if "c" in flags:
            cached.append(name)
        if hop[0] == "s":
            steps.append(Step(hop[3], node[0], hop[1]))
            counted: Node = (ROOTS, node[0] + "\0" + node[1])
            if consulted is not None:
                consulted(counted)
            callers = result.get(counted, (0, "", ()))[0]
            return BlockingChain(tuple(steps), hop[2], tuple(cached), lazy, guard, callers, entered)
        node = hop[2]
        if consulted is not None:
            consulted(node)
        entry = result.get(node)
    return None


def blocking_chain(index: ProjectIndex, target: Target) -> Optional[BlockingChain]:
    """Does calling this project function block the event loop, and via what? None when it does not
    (or when the run has no call graph)."""
    if index.blocking is None or not target.path:
        return None
    return chain_for(index, index.blocking, target, index.chain_recorder())


def compute(index: ProjectIndex, blobs: Dict[str, bytes], settings: "Settings",
            cache_dir: Optional[str]) -> Result:
    """The pass's result for this index and settings, from the cache when nothing changed.

    The cache is keyed by the modules' *shapes* (``index.shape_digest``: what the pass reads,
    less line numbers) and remembers the content digests it was computed from. When an edit
    only moved lines, the functions of the edited modules are re-lined from their new data
    (a fraction of a full pass, which re-reads every module's graph).
    """
    depth = max(1, int(getattr(settings, "blocking_call_depth", DEFAULT_DEPTH)))
    stat_calls = bool(getattr(settings, "blocking_stat_calls", False))
    extra = {name: entry[0] for name, entry in (getattr(settings, "extend_blocking_calls", None) or {}).items()}
    allowed = frozenset(getattr(settings, "allowed_blocking_helpers", ()) or ())
    h = hashlib.sha256(f"{GRAPH_VERSION}\0{depth}\0{stat_calls}\0{sorted(extra.items())}\0{sorted(allowed)}\0".encode())
    h.update(repr((sorted(index.keep_decorators), sorted(index.extra_coroutines), index.site_dirs)).encode())
    contents: Dict[str, str] = {}
    for path in sorted(index.modules):
        module, is_package = index.modules[path][0], index.modules[path][1]
        shape = index.shapes.get(path)
        if shape is None:  # an index built without shapes (tests): key on the exact data instead
            shape = hashlib.blake2b(index.modules[path][2] + b"\0" + blobs.get(path, b""), digest_size=16).hexdigest()
        h.update(f"{path}\0{module}\0{is_package}\0{shape}\0".encode("utf-8", "surrogatepass"))
        contents[path] = index.contents.get(path) or shape
    key = h.hexdigest()[:20]
    cache_path = os.path.join(cache_dir, f"callgraph-{key}.marshal") if cache_dir else None
    graph = BlockingGraph(index, blobs, depth, stat_calls, extra, allowed)
    if cache_path:
        cached = _load(cache_path)
        if cached is not None:
            moved = [path for path, digest in contents.items() if cached["contents"].get(path) != digest]
            if not moved:
                return cached["result"]
            result = graph.relined(cached["result"], moved)
            if result is not None:
                _save(cache_path, {"result": result, "contents": contents})
                return result
    result = graph.run()
    if cache_path:
        _save(cache_path, {"result": result, "contents": contents})
    return result


def _load(path: str) -> Optional[Dict[str, Any]]:
    """The cached pass: {"result": Result, "contents": {path: content digest}}, or None."""
    data = load_marshal_dict(path)
    if data is None or not isinstance(data.get("result"), dict) or not isinstance(data.get("contents"), dict):
        return None
    return data


def _save(path: str, result: Dict[str, Any]) -> None:
    directory = os.path.dirname(path)
    if not ensure_cache_dir(directory):
        return
    try:
        for name in os.listdir(directory):  # one pass result per project is enough
            if name.startswith("callgraph-") and name.endswith(".marshal"):
                try:
                    os.unlink(os.path.join(directory, name))
                except OSError:
                    pass
    except OSError:
        return
    dump_atomic(path, result)
