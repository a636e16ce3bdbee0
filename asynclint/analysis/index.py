"""The project-wide index of coroutine functions: which names are ``async def``, anywhere.

A call's target often lives in another module (``from .api import fetch``), so a
file cannot be judged alone. This index records, for every module under the
project root, a small summary: its functions (async or not, decorators, return
annotation), its classes (bases and methods), its imports and aliases (the
re-exports), and module-level instances (``app = FastAPI()``). Names are
qualified when the summary is made, so lookups are dictionary walks.

A summary is made by a light ``ast`` pass over top-level statements and class
bodies (function bodies are never walked, except the last statements of a function
that might be a decorator). The summaries are picklable plain data: the index goes
to each worker once. Building, caching and the call graph's pass are
``asynclint.orchestration.project_index``'s; this module only answers questions.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import glob
import hashlib
import marshal
import os
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from ..base.nodes import child_nodes
from ..knowledge import coroutines as known
from ..knowledge.intent import REPORTING_CALLS
from ..knowledge.types import canonical_type
from .effects import Effect, summarise_function
from .flow import is_stub, suspends_in, walk_local
from .rewrites import sync_rewritten_classes
from .references import ATTR, FUNC, SELF, Counts, add_up, combine, module_references, reached_tails
from .scopes import absolute_module

INDEX_VERSION = 42

_BUILTINS = frozenset(dir(builtins))
_MAX_DEPTH = 24
# a class that defines it decides what reading any attribute of its instances gives: not known from here
CUSTOM_GETATTRIBUTE = "__getattribute__"

# A summary is plain data (marshal/pickle friendly):
#   "f": {name: Func}                    module-level functions
#   "c": {"Cls" or "Cls.Inner": Class}   classes
#   "i": {name: qualified}               imports and module-level aliases (re-exports)
#   "v": {name: qualified type}          module-level instances (``app = FastAPI()``)
#   "s": (module, ...)                   star imports
#   "x": (name, ...)                     names bound in conflicting ways: unknown
#   "h": (name or "Cls.method", ...)     coroutine functions that keep the task doing their work on
#                                        ``self`` and await it (``self.main_task = create_task(...)``;
#                                        ``await self.main_task``): a task wrapping one is reachable
#   "qc": (name or "Cls.method", ...)    undecorated coroutine functions whose body never suspends (no
#                                        ``await``, ``async for``/``with`` or ``yield``) and is no stub
#   "ht": (name or "Cls.method", ...)    functions that store the running task where the project can
#                                        cancel it (``self._running[rid] = asyncio.current_task()``)
#   "r": {name: counts}                  uses of the names this module defines or spawns (nine numbers:
#                                        spawned, awaited, other per channel; ``analysis.references``)
#   "m": "name !name @name~ ..."         other names it reads as attributes or imports, by channel (~: awaited)
#   "p": (package, ...)                  top-level packages it imports
#   "sc": {name: ("Cls", ...)}           classes reaching ``name`` through ``self``/``cls`` off spawn lines
#   "tl": {name: ("!caller", "@method")} names used only as the last await of these coroutines
#   "sh": {name: position}               top-level sync helpers that start the coroutine given at position
#   "hc": ("pkg.mod.helper|name|channel", ...)  imported functions called with a call of ``name`` first
#   "ak": {name: (uses, "npos|kw,kw", ...)}  awaited calls of ``name`` through another object, when all spelled
#   "ro": ("!name", "@name", ...)        private names used only as ``await name(...)`` in handlers that raise
#   "e": {"name" or "Cls.meth": Effect}  effect summaries of coroutine functions (``analysis.effects``)
#   "q": (name, ...)                     last names before ``.task_done`` anywhere in the module
#                                        (``self._queue.task_done()`` gives "_queue"; AL504)
#   "w": (word, ...)                     words of ``MARKER_WORDS`` the module's source contains
#   "y": (qualified, ...)                what its top-level calls hand to a function that replaces their
#                                        public coroutine methods with sync wrappers (``analysis.rewrites``)
# Func = (is_async, line, decorators, wrapper_kind, return_type)
#   is_async: 0 def, 1 async def, 2 async def that yields (an async generator function)
#   decorators: qualified names, "()" appended when called, "?" when unresolvable
#   wrapper_kind: what the function does as a decorator: "a" returns an inner async def,
#   "i" returns its argument, "k" either of those, "f" + kind for a decorator factory, "" unknown
# Class = (line, bases, {method: Func}, {attribute: qualified type})
#   attributes: class-level annotations and ``self.x = ...`` in ``__init__``
Func = Tuple[int, int, Tuple[str, ...], str, str]
Summary = Dict[str, Any]
# What one file's lint consulted, so its cached result can outlive edits elsewhere:
#   ("m", module, candidate paths, chosen path, its content digest)   a project module looked up (or missed)
#   ("s", module, path in site-packages, size:mtime)                  a third-party module read as source
#   ("t", digest of the trigger names)                                the triage's coroutine-function names
#   ("b", path, qualified name, repr of its entry)                    a node of AL107's blocking chains
#   ("o", class, method, ((subclass, path, line), ...))               project subclasses overriding a method with a def
#   ("ov", class, method, answer, modules)                            does a project subclass define it again as an async
#                                                                     def? (modules defining one: (path, digest), ...)
#   ("k", name, package, repr of its use counts)                      is a coroutine only started as a task?
#   ("sc", name, package, class, near, answer)                        do only unrelated classes use self.name?
#   ("tl", name, package, callers)                                    who awaits name only as their last statement?
#   ("ak", name, package, shapes)                                     with what arguments is name awaited elsewhere?
#   ("ro", name, method, answer)                                      is name awaited only in handlers that raise?
#   ("st", qualified name, answer)                                    does a project helper start what it is given?
#   ("q", path, name, answer)                                         "does another module call .name.task_done?"
#   ("w", path, word, package, n, answer)                             "do n other modules of the package hold word?"
#   ("y", class, answer)                                              which rewritten class is it or derives from?
Dependency = Tuple[Any, ...]


def _raise_only_names(summaries: Iterable[Summary]) -> Tuple[str, ...]:
    """``!name`` for the module-level functions, ``@name`` for the methods, that the project awaits only
    where an exception is on its way out ("ro"): every module's other uses of the name (its "r" counts,
    its "m" words) are through channels that cannot reach them (``self._drain`` is not a function
    ``_drain``; ``obj._drain`` may be either). Only the listed names are looked for in the others."""
    rows = [(s.get("ro", ()), s.get("r", {}), s.get("m") or "") for s in summaries]
    listed: Dict[str, Set[int]] = {}
    prefix = {"!": FUNC, "@": SELF}
    for ro, _, _ in rows:
        for word in ro:
            listed.setdefault(word.lstrip("!@"), set()).add(prefix.get(word[:1], ATTR))
    if not listed:
        return ()
    words = re.compile(r"(?:^| )([!@]?)(" + "|".join(re.escape(n) for n in sorted(listed, key=len, reverse=True))
                       + r")(?=[ ~>]|$)")
    other: Dict[str, Set[int]] = {}
    for ro, table, mentions in rows:
        kept = {word.lstrip("!@") for word in ro}
        for name in listed.keys() & table.keys():
            if name not in kept:
                counts = table[name]
                other.setdefault(name, set()).update(c for c in (FUNC, SELF, ATTR) if any(counts[c:c + 3]))
        for match in words.finditer(mentions):
            if match.group(2) not in kept:
                other.setdefault(match.group(2), set()).add(prefix.get(match.group(1), ATTR))
    found = []
    for name, channels in listed.items():
        blocked = other.get(name, set())
        if ATTR in blocked:
            continue
        if FUNC not in blocked and channels & {FUNC, ATTR}:
            found.append("!" + name)
        if SELF not in blocked and channels & {SELF, ATTR}:
            found.append("@" + name)
    return tuple(sorted(found))


def empty_summary() -> Summary:
    return {"f": {}, "c": {}, "i": {}, "v": {}, "s": (), "x": (), "h": (), "r": {}, "m": "", "p": (), "e": {},
            "q": (), "w": ()}


# Words whose presence anywhere in the project is evidence a rule asks about (AL505: the project
# already calls ``get_running_loop``, so it supports it and prefers it).
MARKER_WORDS = ("get_running_loop",)


@dataclass(frozen=True)
class Target:
    """What a call resolves to: a function, where it is defined, and whether calling it makes a coroutine."""

    qualname: str
    path: str  # "" for the standard library, known libraries and config
    line: int
    is_coroutine: bool
    return_type: str = ""

    def where(self, base: str = "", projects: Sequence[str] = ()) -> str:
        """``path:line`` relative to ``base`` (the directory the findings' own paths are relative to).

        A path that climbs out of ``base`` stays relative when it is in one of ``projects`` (the
        finding's file usually is too: ``../src/b.py`` beside ``../src/a.py:1``), else absolute
        (site-packages, say).
        """
        if not self.path:
            return ""
        path = self.path
        if base:
            try:
                rel = os.path.relpath(path, base)
                if not rel.startswith("..") or any(_inside(path, p) for p in projects):
                    path = rel
            except ValueError:
                pass
        return f"{path.replace(os.sep, '/')}:{self.line}"


def _inside(path: str, directory: str) -> bool:
    directory = os.path.abspath(directory)
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


# -- summaries ---------------------------------------------------------------------------

def summarize(tree: ast.Module, module: str, is_package: bool, source: "str | bytes" = b"",
              references: bool = False) -> Summary:
    """The summary of one parsed module (see the layout above).

    ``source`` lets async generators be told apart cheaply: only a function whose
    lines hold the word ``yield`` has its body walked. Without it, every
    ``async def`` body is walked. ``references`` (the project index's summaries, which
    need ``source``) also records who uses each name (``analysis.references``).
    """
    newline = "\n" if isinstance(source, str) else b"\n"
    yield_lines = _word_lines(source, "yield") if source and newline in source else None
    word = "current_task" if isinstance(source, str) else b"current_task"
    summarizer = _Summarizer(module, is_package, yield_lines, not source or word in source)  # type: ignore[operator]
    out = summarizer.run(tree)
    text = source if isinstance(source, str) else source.decode("utf-8", "replace")
    if references and source:
        out["r"], out["m"], out["p"], out["sc"], out["tl"], out["sh"], out["hc"], out["ak"], out["ro"] = module_references(
            tree, text, summarizer.imports, bool(out["s"]), module.split(".", 1)[0])
    word = "task_done" if isinstance(source, str) else b"task_done"
    if not source or word in source:  # type: ignore[operator]
        out["q"] = task_done_names(tree)
    if source:
        out["w"] = tuple(w for w in MARKER_WORDS if w in text)
    if not source or ("setattr" in text and any(word in text for word in ("iscoroutinefunction", "isasyncgenfunction"))):
        rewritten = sync_rewritten_classes(tree, summarizer.qualify)
        if rewritten:
            out["y"] = rewritten
    return out


def task_done_names(tree: ast.AST) -> Tuple[str, ...]:
    """The names right before ``.task_done`` anywhere in ``tree`` (function bodies included).

    ``q.task_done()`` gives "q", ``self._queue.task_done`` (called or handed on as a callback)
    gives "_queue": who can finish a queue's items, by the name it is reached through.
    """
    names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "task_done":
            value = node.value
            if isinstance(value, ast.Name):
                names.add(value.id)
            elif isinstance(value, ast.Attribute):
                names.add(value.attr)
    return tuple(sorted(names))


def _word_lines(source: "str | bytes", word: str) -> List[int]:
    """Sorted line numbers on which ``word`` occurs."""
    if isinstance(source, str):
        pattern, newline, data = word, "\n", source
    else:
        pattern, newline, data = word.encode(), b"\n", source  # type: ignore[assignment]
    lines: List[int] = []
    start = 0
    line = 1
    while True:
        found = data.find(pattern, start)  # type: ignore[arg-type]
        if found < 0:
            return lines
        line += data.count(newline, start, found)  # type: ignore[arg-type]
        if not lines or lines[-1] != line:
            lines.append(line)
        start = found + len(word)


def is_async_generator(func: ast.AsyncFunctionDef) -> bool:
    """Does the body ``yield`` (not counting nested functions, lambdas and classes)?"""
    stack: List[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(child_nodes(node))
    return False


# The engine's default parser budget (Settings.max_file_bytes): larger files are AL001.
MAX_INDEXED_BYTES = 8 * 1024 * 1024


def summarize_source(data: bytes, module: str, is_package: bool, references: bool = False) -> Summary:
    """Parse and summarise; a file that does not parse contributes nothing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
        return summarize(tree, module, is_package, data, references)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return empty_summary()


def _module_statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at this level: through ``if``/``try``/``with``, not into defs or classes."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.With, ast.AsyncWith)):
            yield from _module_statements(stmt.body)
            yield from _module_statements(getattr(stmt, "orelse", ()))
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            yield from _module_statements(stmt.body)  # type: ignore[attr-defined]
            for handler in stmt.handlers:  # type: ignore[attr-defined]
                yield from _module_statements(handler.body)
            yield from _module_statements(stmt.orelse)  # type: ignore[attr-defined]
            yield from _module_statements(stmt.finalbody)  # type: ignore[attr-defined]


class _Summarizer:
    def __init__(self, module: str, is_package: bool, yield_lines: Optional[List[int]] = None,
                 task_words: bool = True) -> None:
        self.yield_lines = yield_lines
        self.task_words = task_words  # the source names ``current_task``: look for task hand-outs
        self.module = module
        self.is_package = is_package
        self.imports: Dict[str, str] = {}
        self.defined: Set[str] = set()
        self.bindings: Dict[str, List[Tuple[str, Any]]] = {}
        self.held: List[str] = []
        self.handing: List[str] = []

    def run(self, tree: ast.Module) -> Summary:
        statements = list(_module_statements(tree.body))
        for stmt in statements:  # first pass: what names mean
            self._names(stmt)
        out = empty_summary()
        stars: List[str] = []
        for stmt in statements:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._bind(stmt.name, "f", self.function(stmt, False))
                if isinstance(stmt, ast.AsyncFunctionDef) and awaits_held_task(stmt):
                    self.held.append(stmt.name)
                if self.task_words and hands_out_current_task(stmt.body, self.qualify) is not None:
                    self.handing.append(stmt.name)
            elif isinstance(stmt, ast.ClassDef):
                self._bind(stmt.name, "c", stmt.lineno)
                self._class(stmt, stmt.name, out["c"])
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self._bind(local, "i", alias.name if alias.asname else local)
            elif isinstance(stmt, ast.ImportFrom):
                base = absolute_module(stmt.module, stmt.level, self.module, self.is_package)
                for alias in stmt.names:
                    if alias.name == "*":
                        if base:
                            stars.append(base)
                    elif base:
                        self._bind(alias.asname or alias.name, "i", f"{base}.{alias.name}")
                    else:
                        self._bind(alias.asname or alias.name, "x", None)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                self._assignment(stmt)
            elif isinstance(stmt, (ast.AugAssign, ast.Delete, ast.For, ast.AsyncFor)):
                targets = stmt.targets if isinstance(stmt, ast.Delete) else [stmt.target]
                for target in targets:
                    for name in _target_names(target):
                        self._bind(name, "x", None)
        conflicts: List[str] = []
        for name, entries in self.bindings.items():
            kinds = {kind for kind, _ in entries}
            payloads = {repr(p) if kind != "f" else p[0] for kind, p in entries}
            if len(kinds) != 1 or "x" in kinds or len(payloads) != 1:
                conflicts.append(name)
                continue
            kind, payload = entries[-1]
            if kind == "f":
                out["f"][name] = payload
            elif kind == "i":
                out["i"][name] = payload
            elif kind == "v":
                out["v"][name] = payload
        for name in conflicts:
            out["c"].pop(name, None)
        out["s"] = tuple(stars)
        out["x"] = tuple(sorted(conflicts))
        out["h"] = tuple(sorted(set(self.held)))
        if self.handing:
            out["ht"] = tuple(sorted(set(self.handing)))
        self._effects(tree.body, "", out)
        return out

    def _effects(self, body: Sequence[ast.stmt], prefix: str, out: Summary) -> None:
        """Effect summaries of the coroutine functions at module level and in classes (AL301/AL302)."""
        attributes = out["c"].get(prefix[:-1], (0, (), {}, {}))[3] if prefix else {}
        for stmt in _module_statements(body):
            if isinstance(stmt, ast.AsyncFunctionDef):
                if not stmt.decorator_list and not suspends_in(stmt.body) and not is_stub(stmt.body):
                    out["qc"] = out.get("qc", ()) + (prefix + stmt.name,)
                if self._may_yield(stmt) and is_async_generator(stmt):
                    continue
                out["e"][prefix + stmt.name] = summarise_function(stmt, self.qualify, bool(prefix), attributes,
                                                                  self.annotation)
            elif isinstance(stmt, ast.ClassDef):
                self._effects(stmt.body, f"{prefix}{stmt.name}.", out)

    def _bind(self, name: str, kind: str, payload: Any) -> None:
        self.bindings.setdefault(name, []).append((kind, payload))

    def _names(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.defined.add(stmt.name)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                self.imports[local] = alias.name if alias.asname else local
        elif isinstance(stmt, ast.ImportFrom):
            base = absolute_module(stmt.module, stmt.level, self.module, self.is_package)
            for alias in stmt.names:
                if alias.name != "*" and base:
                    self.imports[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                self.defined.update(_target_names(target))

    def _assignment(self, stmt: ast.Assign | ast.AnnAssign) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = stmt.value
        for target in targets:
            if not isinstance(target, ast.Name):
                for name in _target_names(target):
                    self._bind(name, "x", None)
                continue
            name = target.id
            if isinstance(value, (ast.Name, ast.Attribute)) and name != getattr(value, "id", None):
                qualified = self.qualify(value)
                self._bind(name, "i" if qualified != "?" else "x", qualified)
            elif isinstance(value, ast.Call):
                callee = self.qualify(value.func.value if isinstance(value.func, ast.Subscript) else value.func)
                self._bind(name, "v" if callee != "?" else "x", callee)
            elif isinstance(stmt, ast.AnnAssign) and stmt.annotation is not None:
                kind = self.annotation(stmt.annotation)
                self._bind(name, "v" if kind else "x", kind)
            else:
                self._bind(name, "x", None)

    def _class(self, cls: ast.ClassDef, key: str, classes: Dict[str, Any]) -> None:
        bases = tuple(self.qualify(b.value if isinstance(b, ast.Subscript) else b) for b in cls.bases)
        methods: Dict[str, Func] = {}
        seen: Dict[str, List[Any]] = {}
        for stmt in _module_statements(cls.body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                seen.setdefault(stmt.name, []).append(self.function(stmt, True))
                if isinstance(stmt, ast.AsyncFunctionDef) and awaits_held_task(stmt):
                    self.held.append(f"{key}.{stmt.name}")
                if self.task_words and hands_out_current_task(stmt.body, self.qualify) is not None:
                    self.handing.append(f"{key}.{stmt.name}")
            elif isinstance(stmt, ast.ClassDef):
                self._class(stmt, f"{key}.{stmt.name}", classes)
                seen.setdefault(stmt.name, []).append(None)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    for name in _target_names(target):
                        seen.setdefault(name, []).append(None)
        for name, entries in seen.items():
            if all(e is not None for e in entries) and len({e[0] for e in entries}) == 1:
                methods[name] = entries[-1]
            else:
                methods[name] = (0, 0, ("?",), "", "")  # rebound in the class body: unknown
        classes[key] = (cls.lineno, bases, methods, self._attributes(cls))

    def _attributes(self, cls: ast.ClassDef) -> Dict[str, str]:
        """Attribute types: ``x: T`` in the class body, ``self.x = T(...)`` / ``self.x: T`` / ``self.x = param``
        (annotated) in ``__init__``. An attribute given two different types is left out."""
        found: Dict[str, Set[str]] = {}
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                kind = self.annotation(stmt.annotation)
                found.setdefault(stmt.target.id, set()).add(kind)
            elif isinstance(stmt, ast.FunctionDef) and stmt.name in ("__init__", "__post_init__"):
                args = [*stmt.args.posonlyargs, *stmt.args.args, *stmt.args.kwonlyargs]
                if not args:
                    continue
                me = args[0].arg
                params = {a.arg: a.annotation for a in args[1:] if a.annotation is not None}
                for inner in _module_statements(stmt.body):
                    if isinstance(inner, ast.AnnAssign) and _is_attribute_of(inner.target, me):
                        attr = inner.target.attr  # type: ignore[attr-defined]
                        found.setdefault(attr, set()).add(self.annotation(inner.annotation))
                    elif isinstance(inner, ast.Assign) and len(inner.targets) == 1 \
                            and _is_attribute_of(inner.targets[0], me):
                        name = inner.targets[0].attr  # type: ignore[attr-defined]
                        value = inner.value
                        if isinstance(value, ast.Call):
                            func = value.func.value if isinstance(value.func, ast.Subscript) else value.func
                            kind = self.qualify(func)
                            found.setdefault(name, set()).add("" if kind == "?" else kind)
                        elif isinstance(value, ast.Name) and value.id in params:
                            found.setdefault(name, set()).add(self.annotation(params[value.id]))
                        else:
                            found.setdefault(name, set()).add("")
        return {name: kinds.pop() for name, kinds in found.items() if len(kinds) == 1 and "" not in kinds}

    def function(self, func: ast.FunctionDef | ast.AsyncFunctionDef, is_method: bool) -> Func:
        decorators = tuple(self.decorator(d) for d in func.decorator_list)
        is_async = isinstance(func, ast.AsyncFunctionDef)
        if is_async and self._may_yield(func) and is_async_generator(func):  # type: ignore[arg-type]
            is_async = 2  # an async generator function: calling it makes no coroutine
        kind = "" if is_async else wrapper_kind(func, is_method, self._keeps)
        returns = self.annotation(func.returns) if func.returns is not None else ""
        return (int(is_async), func.lineno, decorators, kind, returns or "")

    def _may_yield(self, func: ast.AST) -> bool:
        lines = self.yield_lines
        if lines is None:
            return True
        start = func.lineno  # type: ignore[attr-defined]
        end = getattr(func, "end_lineno", None) or start
        i = bisect.bisect_left(lines, start)
        return i < len(lines) and lines[i] <= end

    def _keeps(self, decorator: ast.expr) -> bool:
        text = self.decorator(decorator)
        called = text.endswith("()")
        return known.decorator_effect_known(text[:-2] if called else text, called) == "keep"

    def decorator(self, node: ast.expr) -> str:
        if isinstance(node, ast.Call):
            base = self.qualify(node.func)
            return "?" if base == "?" else base + "()"
        return self.qualify(node)

    def qualify(self, node: ast.expr) -> str:
        """The qualified name of a module-level expression, or "?"."""
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return "?" if base == "?" else f"{base}.{node.attr}"
        if isinstance(node, ast.Name):
            name = node.id
            if name in self.imports:
                return self.imports[name]
            if name in self.defined:
                return f"{self.module}.{name}" if self.module else name
            if name in _BUILTINS:
                return f"builtins.{name}"
        return "?"

    def annotation(self, node: Optional[ast.expr]) -> str:
        """``X``, ``Optional[X]``, ``X | None``, ``"X"`` -> X's qualified name; else ""."""
        if node is None:
            return ""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return ""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [s for s in (node.left, node.right) if not (isinstance(s, ast.Constant) and s.value is None)]
            return self.annotation(sides[0]) if len(sides) == 1 else ""
        if isinstance(node, ast.Subscript):
            if self.qualify(node.value) in ("typing.Optional", "typing_extensions.Optional"):
                return self.annotation(node.slice)
            return ""
        if isinstance(node, (ast.Name, ast.Attribute)):
            text = self.qualify(node)
            return "" if text == "?" else text
        return ""


_TASK_MAKERS = frozenset({"create_task", "ensure_future"})


def awaits_held_task(func: ast.AsyncFunctionDef) -> bool:
    """``self.main_task = <...>.create_task(...)`` then ``await self.main_task`` among the body's own
    statements: the task doing the work is kept on the instance, and while this coroutine waits for it
    it is reachable through that task (the shape of a ``run()`` wrapper)."""
    args = [*func.args.posonlyargs, *func.args.args]
    if not args:
        return False
    me = args[0].arg
    held: Set[str] = set()
    for stmt in func.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and _is_attribute_of(stmt.targets[0], me) \
                and isinstance(stmt.value, ast.Call):
            callee = stmt.value.func
            name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
            if name in _TASK_MAKERS:
                held.add(stmt.targets[0].attr)  # type: ignore[attr-defined]
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Return)) else None
        if isinstance(value, ast.Await) and _is_attribute_of(value.value, me) \
                and value.value.attr in held:  # type: ignore[attr-defined]
            return True
    return False


CURRENT_TASK = frozenset({"asyncio.current_task", "asyncio.tasks.current_task"})
# Modules whose functions take a task without keeping it (``asyncio.shield(task)``, ``weakref.ref(task)``).
_TASK_TAKING_MODULES = frozenset({"asyncio", "trio", "anyio", "logging", "weakref"})


def hands_out_current_task(body: Sequence[ast.stmt], qualify: Callable[[ast.expr], Optional[str]]) -> Optional[int]:
    """The first line where the running task (``asyncio.current_task()``, or a local bound to it) is stored
    where others can reach it: in an attribute, in a subscript of one (``self._running[rid] = task``), or
    by a method of one (``self._pending.add(task)``, ``registry.register(task)``): from there the project can
    cancel it. None when it is only kept in locals (``tasks = []; tasks.append(task)``), logged
    (``log.debug("in %s", task)``) or asked about (``task.cancelling()``), or when only its ``cancel`` is
    handed to a timer (a self-scheduled timeout: AL405's idiom)."""
    def is_current(expr: Optional[ast.expr]) -> bool:
        if isinstance(expr, ast.Call) and qualify(expr.func) in CURRENT_TASK:
            return True
        return isinstance(expr, ast.Name) and expr.id in names

    def shared(expr: ast.expr) -> bool:
        """An object others can reach: an attribute chain, or a name this function does not bind."""
        while isinstance(expr, (ast.Attribute, ast.Subscript, ast.Call)):
            if isinstance(expr, ast.Attribute):
                return True
            expr = expr.func if isinstance(expr, ast.Call) else expr.value  # ``ops.setdefault(k, set()).add``
        return isinstance(expr, ast.Name) and expr.id not in local

    local = {target.id for node in walk_local(body) if isinstance(node, (ast.Assign, ast.AnnAssign, ast.For))
             for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
             if isinstance(target, ast.Name)}
    names: Set[str] = set()
    for node in walk_local(body):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and is_current(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, (ast.Attribute, ast.Subscript)) and shared(t) for t in targets):
                return node.lineno
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr not in REPORTING_CALLS and shared(node.func.value) \
                and qualify(node.func.value) not in _TASK_TAKING_MODULES \
                and any(is_current(a) for a in [*node.args, *(k.value for k in node.keywords)]):
            return node.lineno
    return None


def _is_attribute_of(target: ast.AST, name: str) -> bool:
    return isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == name


def _target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def wrapper_kind(func: ast.FunctionDef, is_method: bool, keeps: Any, _depth: int = 0) -> str:
    """What a sync function does as a decorator, from its ``return`` statements.

    ``def deco(fn): @wraps(fn) async def inner(...): ...; return inner`` gives "a";
    ``def register(fn): ...; return fn`` gives "i"; a factory returning such a
    decorator gives "f" + its kind. Only direct statements (and ``if`` branches)
    are read: a decorator ends with ``return wrapper``, so this stays cheap.
    """
    body = func.body
    if not body or _depth > 1:
        return ""
    last = body[-1]
    if not isinstance(last, ast.Return) or last.value is None:
        return ""
    params = [*func.args.posonlyargs, *func.args.args]
    if is_method and params:
        params = params[1:]
    first = params[0].arg if params else None
    inner: Dict[str, Any] = {}
    returns: List[ast.Return] = []
    for stmt in _module_statements(body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner[stmt.name] = stmt if stmt.name not in inner else None
        elif isinstance(stmt, ast.Return):
            returns.append(stmt)
    kinds: Set[str] = set()
    for ret in returns:
        value = ret.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Call) and len(value.args) == 1 \
                and not value.keywords and keeps(value.func):
            value = value.args[0]  # ``return functools.wraps(fn)(inner)``
        if not isinstance(value, ast.Name):
            return ""
        if value.id == first and first is not None:
            kinds.add("i")
            continue
        node = inner.get(value.id)
        if node is None:
            return ""
        if not all(keeps(d) for d in node.decorator_list):
            return ""
        if isinstance(node, ast.AsyncFunctionDef):
            kinds.add("a")
        else:
            sub = wrapper_kind(node, False, keeps, _depth + 1)
            if not sub or sub.startswith("f"):
                return ""
            kinds.add("f" + sub)
    if kinds == {"a"} or kinds == {"i"} or kinds == {"fa"} or kinds == {"fi"}:
        return kinds.pop()
    if kinds == {"a", "i"}:
        return "k"
    return ""


# -- files and the cache --------------------------------------------------------------------


def site_package_dirs(explicit: Sequence[str], python: Optional[str], environ: Dict[str, str],
                      root: str = "") -> Tuple[str, ...]:
    """Where third-party source is read from: explicit dirs, else the given interpreter's, else a
    ``.venv``/``venv`` (with a ``pyvenv.cfg``) in the project root, else the active virtualenv
    (``VIRTUAL_ENV``).

    Never asynclint's own environment: under pre-commit ``VIRTUAL_ENV`` is the hook's
    environment, under pipx it is asynclint's; neither is the user's.
    """
    if explicit:
        return tuple(os.path.abspath(d) for d in explicit if os.path.isdir(d))
    prefix: Optional[str] = None
    if python:
        bindir = os.path.dirname(os.path.abspath(python))
        prefix = os.path.dirname(bindir)
    if prefix is None and root:
        for name in (".venv", "venv"):
            if os.path.isfile(os.path.join(root, name, "pyvenv.cfg")):
                prefix = os.path.join(root, name)
                break
    active = environ.get("VIRTUAL_ENV")
    if prefix is None and active and os.path.realpath(active) != os.path.realpath(sys.prefix):
        prefix = active
    if not prefix:
        return ()
    found = sorted(glob.glob(os.path.join(prefix, "lib", "python3*", "site-packages")))
    found += glob.glob(os.path.join(prefix, "Lib", "site-packages"))
    return tuple(os.path.abspath(d) for d in found if os.path.isdir(d))


# -- the index ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Ref:
    """An internal lookup result: what a qualified name is in the indexed code."""

    kind: str  # "func", "class", "module", "inst", "instattr", "opaque" (``_method``)
    qualname: str
    path: str = ""
    line: int = 0
    func: Optional[Func] = None
    is_method: bool = False
    summary: Optional[Summary] = None
    key: str = ""  # class key in its module, or the attribute of an instance
    module: str = ""


class LocalModule:
    """The file being linted, summarised from its own tree: it wins over the index's copy."""

    def __init__(self, module: str, path: str, summary: Summary) -> None:
        self.module = module
        self.path = path
        self.summary = summary


class ProjectIndex:
    """Summaries of every module of the project, and lookups through imports, re-exports and bases."""

    def __init__(self, root: str, modules: Dict[str, Tuple[str, bool, Summary]],
                 keep_decorators: Sequence[str] = (), extra_coroutines: Sequence[str] = (),
                 site_dirs: Sequence[str] = ()) -> None:
        self.root = root
        # path -> (module name, is package, summary as marshal bytes, trigger names); summaries
        # are decoded on first use, so a worker pays only for the modules its files reach
        self.modules = modules
        self.keep_decorators = frozenset(keep_decorators)
        self.extra_coroutines = frozenset(extra_coroutines)
        self.site_dirs = tuple(site_dirs)
        # the call graph's per-module data (main process only) and the pass's result (see asynclint.callgraph)
        self.graph_blobs: Dict[str, bytes] = {}
        # path -> digest of its summary and graph data less line numbers (main process only: the
        # call graph's pass is reused, re-lined, when an edit only moved lines)
        self.shapes: Dict[str, str] = {}
        self.blocking: Optional[Dict[Tuple[str, str], tuple]] = None
        # spawned name -> {top-level package: (spawned, awaited, other)} (``uses``), when added up
        self.references: Optional[Dict[str, Dict[str, Counts]]] = None
        # spawned name -> ((module, "Cls"), ...) reaching it through ``self``/``cls`` ("sc"), added up with them
        self.self_users: Dict[str, Tuple[Tuple[str, str, str], ...]] = {}
        # name -> {top-level package: ("module:!caller", ...)} awaiting it only as their last statement ("tl")
        self.tail_users: Dict[str, Dict[str, List[str]]] = {}
        # name -> {top-level package: ((uses, "npos|kw,kw", ...), ...)}: its modules' awaited calls ("ak")
        self.call_shapes: Dict[str, Dict[str, List[Tuple[Any, ...]]]] = {}
        # names every module that uses them awaits only inside an ``except`` handler that raises ("ro")
        self.raise_only: Tuple[str, ...] = ()
        # "module.helper" for the project's sync helpers that start the coroutine object given first ("sh")
        self.starters: FrozenSet[str] = frozenset()
        # path -> content digest of what was summarised (the lint reuses a summary of the same bytes)
        self.contents: Dict[str, str] = {}
        self._init_caches()

    def _init_caches(self) -> None:
        self._by_name: Optional[Dict[str, Tuple[str, ...]]] = None
        self._triggers: Optional[FrozenSet[bytes]] = None
        self._digest: Optional[str] = None
        self._site: Dict[str, Optional[Tuple[str, Summary]]] = {}
        self._decoded: Dict[str, Summary] = {}
        # star-import targets already tried in the current lookup: packages that star-import each other
        # (``from .a import *`` in every module of a test suite) would otherwise be walked exponentially
        self._stars_tried: Optional[Set[str]] = None
        # what the current file's lint consulted (see ``record_dependencies``), or None when not recording
        self._consulted: Optional[Dict[Dependency, None]] = None
        self._module_digests: Dict[str, str] = {}
        self._trigger_digest: Optional[str] = None
        # method name -> [(path, class key)] of every project class defining it as a plain def
        self._sync_methods: Optional[Dict[str, List[Tuple[str, str]]]] = None
        # name -> paths of the modules defining an async def of that name (from their trigger names)
        self._async_names: Optional[Dict[str, List[str]]] = None
        self._overrides: Dict[Tuple[str, str], Tuple[Tuple[str, str, int], ...]] = {}
        self._markers: Optional[Dict[str, Tuple[Tuple[str, str], ...]]] = None
        # what the project's modules rewrite into sync wrappers at import ("%" triggers; ``made_sync``)
        self._rewritten: Optional[Tuple[str, ...]] = None

    def __getstate__(self) -> Dict[str, Any]:
        return {"root": self.root, "modules": self.modules, "keep": tuple(self.keep_decorators),
                "extra": tuple(self.extra_coroutines), "site": self.site_dirs, "blocking": self.blocking,
                "contents": self.contents, "references": self.references, "self_users": self.self_users,
                "tail_users": self.tail_users, "call_shapes": self.call_shapes, "raise_only": self.raise_only,
                "starters": tuple(sorted(self.starters))}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.root = state["root"]
        self.modules = state["modules"]
        self.keep_decorators = frozenset(state["keep"])
        self.extra_coroutines = frozenset(state["extra"])
        self.site_dirs = tuple(state["site"])
        self.graph_blobs = {}
        self.shapes = {}
        self.blocking = state.get("blocking")
        self.contents = state.get("contents", {})
        self.references = state.get("references")
        self.self_users = state.get("self_users", {})
        self.tail_users = state.get("tail_users", {})
        self.call_shapes = state.get("call_shapes", {})
        self.raise_only = tuple(state.get("raise_only", ()))
        self.starters = frozenset(state.get("starters", ()))
        self._init_caches()

    # -- building -------------------------------------------------------------------
    @classmethod
    def empty(cls, settings: Any = None) -> "ProjectIndex":
        keep = getattr(settings, "extend_async_decorators", ()) if settings is not None else ()
        extra = getattr(settings, "extend_coroutine_functions", ()) if settings is not None else ()
        return cls("", {}, keep, extra)


    def chain_recorder(self) -> Optional[Callable[[Tuple[str, str]], None]]:
        """What records the call-graph nodes a lint consulted (the result cache's rows), when recording."""
        return self._consulted_node if self._consulted is not None else None

    def _consulted_node(self, node: Tuple[str, str]) -> None:
        if self._consulted is not None:
            self._consulted[("b", node[0], node[1], self._blocking_entry(*node))] = None

    def options_key(self) -> str:
        """What changes every answer at once (the result cache's file name); the modules are per-file rows."""
        return repr((self.root, sorted(self.keep_decorators), sorted(self.extra_coroutines), self.site_dirs,
                     self.blocking is None, INDEX_VERSION))

    def digest(self) -> str:
        """Changes whenever a lookup could answer differently (tests compare indexes by it; the caches
        key on per-file rows and shapes instead)."""
        if self._digest is None:
            h = hashlib.sha256()
            for path in sorted(self.modules):
                module, is_package, blob, _ = self.modules[path]
                h.update(f"{path}\0{module}\0{is_package}\0".encode("utf-8", "surrogatepass"))
                h.update(blob)
            h.update(repr((sorted(self.keep_decorators), sorted(self.extra_coroutines), self.site_dirs)).encode())
            if self.blocking is not None:
                h.update(repr(sorted(self.blocking.items())).encode())
            self._digest = h.hexdigest()[:20]
        return self._digest

    def trigger_names(self) -> FrozenSet[bytes]:
        """Names a file must contain to call a coroutine function this index knows (for sound triage)."""
        if self._triggers is None:
            names: Set[str] = {q.rsplit(".", 1)[-1] for q in self.extra_coroutines}
            wrappers: Set[str] = set()
            decorated: List[Tuple[str, List[str]]] = []
            for entry in self.modules.values():
                for trigger in entry[3]:
                    if trigger.startswith(("~", "=", "%")):
                        continue
                    if trigger.startswith("@"):
                        wrappers.add(trigger[1:])
                    elif "|" in trigger:
                        name, decorators = trigger.split("|", 1)
                        decorated.append((name, decorators.split(",")))
                    else:
                        names.add(trigger)
            # a decorated sync def is a coroutine function only through a decorator that resolves
            # to a project wrapper into `async def`: reached by the wrapper's name or an alias
            could_wrap = wrappers | names
            names.update(name for name, decorators in decorated if any(d in could_wrap for d in decorators))
            self._triggers = known.trigger_names() | frozenset(n.encode() for n in names)
        if self._consulted is not None:
            self._consulted[("t", self.trigger_digest())] = None
        return self._triggers

    def overlay(self, path: str, data: Optional[bytes], module_name: Tuple[str, bool],
                tree: Optional[ast.Module] = None) -> bool:
        """Answer for ``path`` from ``data`` (an editor's unsaved buffer; None: the file is gone) instead
        of what was read from disk. True when what the module defines changed, so other files' lints
        may answer differently (``broken`` tells which). ``module_name``: (module, is_package) as the
        engine names the path. ``tree``: ``data`` already parsed (the lint that follows parses it once
        for both). AL107's blocking chains are not redone here."""
        path = os.path.abspath(path)
        old = self.modules.get(path)
        if data is None:
            if old is None:
                return False
            del self.modules[path]
            self.contents.pop(path, None)
            self._init_caches()
            self.references = None
            return True
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if old is not None and self.contents.get(path) == digest:
            return False  # the same bytes as last time: nothing to summarise again
        module, is_package = module_name
        if len(data) > MAX_INDEXED_BYTES:
            summary = empty_summary()
        elif tree is not None:
            summary = summarize(tree, module, is_package, data, references=True)
        else:
            summary = summarize_source(data, module, is_package, references=True)
        entry = (module, is_package, marshal.dumps(summary, 2), summary_triggers(summary))
        self.contents[path] = digest
        self._module_digests.pop(path, None)
        if old == entry:
            return False
        self.modules[path] = entry
        self._init_caches()
        self.references = None  # the project-wide use counts (AL401/AL406) are added up again
        return True

    # -- modules ----------------------------------------------------------------------
    def _names(self) -> Dict[str, Tuple[str, ...]]:
        if self._by_name is None:
            table: Dict[str, List[str]] = {}
            for path, (module, _, _, _) in self.modules.items():
                if module:
                    table.setdefault(module, []).append(path)
            self._by_name = {k: tuple(sorted(v)) for k, v in table.items()}
        return self._by_name

    def _module(self, name: str, near: str, local: Optional[LocalModule]) -> Optional[Tuple[str, Summary]]:
        if local is not None and name == local.module:
            return local.path, local.summary
        paths = self._names().get(name)
        if paths:
            path = paths[0] if len(paths) == 1 or not near else _nearest(paths, near)
            if self._consulted is not None:
                self._consulted[("m", name, paths, path, self._module_digest(path))] = None
            return path, self.summary(path)
        if self._consulted is not None:
            self._consulted[("m", name, (), "", "")] = None
        if self.site_dirs:
            found = self._site_module(name)
            if self._consulted is not None:
                self._consulted[("s", name, found[0] if found else "", _stat_signature(found[0]) if found else "")] = None
            return found
        return None

    # -- what a file's result depends on (the result cache's per-file key) ----------------
    def record_dependencies(self) -> None:
        """Start noting what the lint consults: module lookups, the triage's names, AL107's chains."""
        self._consulted = {}

    def recorded_dependencies(self) -> Tuple[Dependency, ...]:
        """Stop noting and return what was consulted since ``record_dependencies``."""
        found = tuple(self._consulted or ())
        self._consulted = None
        return found

    def _holds(self, dependency: Dependency) -> bool:
        """Would this lookup give the same answer now? (Module lookups, most rows, are checked in
        ``broken`` itself.)"""
        kind = dependency[0]
        if kind == "s":
            _, name, path, signature = dependency
            if name in self._names():
                return False
            # where the module would be read from, without reading it: a warm run must stay cheap
            return self._site_path(name) == path and (not path or _stat_signature(path) == signature)
        if kind == "t":
            return self.trigger_digest() == dependency[1]
        if kind == "b":
            _, path, qualname, seen = dependency
            return self._blocking_entry(path, qualname) == seen
        if kind == "o":
            _, cls, method, seen = dependency
            return self._find_sync_overrides(cls, method, None) == seen
        if kind == "ov":
            _, cls, method, seen, candidates = dependency
            now = self._async_definers(method)
            return now == candidates or any(self._overrides_in(path, cls, method, None) for path, _ in now) == seen
        if kind == "k":
            return repr(self.uses(dependency[1], dependency[2], record=False)) == dependency[3]
        if kind == "tl":
            return self.tail_callers(dependency[1], dependency[2], record=False) == dependency[3]
        if kind == "ak":
            return self.awaited_call_shapes(dependency[1], dependency[2], record=False) == dependency[3]
        if kind == "ro":
            return self.awaited_only_before_raise(dependency[1], dependency[2], record=False) == dependency[3]
        if kind == "st":
            return self.starts_first_argument(dependency[1], record=False) == dependency[2]
        if kind == "sc":
            _, name, package, cls, near, answer = dependency
            return self.self_uses_unrelated(name, package, cls, near, record=False) == answer
        if kind == "q":
            _, path, name, answer = dependency
            return (self._elsewhere("~" + name, path) > 0) == answer
        if kind == "w":
            _, path, word, package, least, answer = dependency
            return (self._elsewhere("=" + word, path, package) >= least) == answer
        if kind == "y":
            return self._made_sync(dependency[1], None) == dependency[2]
        return False

    def broken(self, rows: Sequence[Dependency]) -> Set[int]:
        """Numbers of the rows the index would now answer differently: a cached result is reused only
        if none of its rows is broken. A warm run checks tens of thousands, module lookups most."""
        names = self._names()
        digest = self._module_digest
        out: Set[int] = set()
        for number, row in enumerate(rows):
            try:
                if row[0] == "m":
                    _, name, paths, path, seen = row
                    if names.get(name, ()) != paths or (path and digest(path) != seen):
                        out.add(number)
                elif not self._holds(row):
                    out.add(number)
            except Exception:  # noqa: BLE001 - a malformed row (a damaged cache) does not hold
                out.add(number)
        return out

    def _module_digest(self, path: str) -> str:
        found = self._module_digests.get(path)
        if found is None:
            found = self.contents.get(path) or hashlib.blake2b(self.modules[path][2], digest_size=16).hexdigest()
            self._module_digests[path] = found
        return found

    def trigger_digest(self) -> str:
        """Changes when any module's trigger names do (cheaper than building ``trigger_names``)."""
        if self._trigger_digest is None:
            per_module = [self.modules[path][3] for path in sorted(self.modules)]
            data = repr((per_module, sorted(self.extra_coroutines))).encode()  # marshal's bytes vary with sharing
            self._trigger_digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        return self._trigger_digest

    def _blocking_entry(self, path: str, qualname: str) -> str:
        """One node of AL107's result as recorded (its module too: a chain's message names it)."""
        entry = (self.blocking or {}).get((path, qualname))
        module = self.modules[path][0] if path in self.modules else ""
        return repr((entry, module))

    # -- who uses a coroutine function (AL401/AL402/AL406) -------------------------------
    def add_up_references(self) -> Dict[str, Dict[str, Counts]]:
        """The project-wide use counts of every spawned name (decodes every summary: once per run, in
        the main process, before the index goes to the workers)."""
        if self.references is None:
            rows = [(path, self.modules[path][0], self.summary(path)) for path in sorted(self.modules)]
            self.tail_users = {}
            self.references = add_up(((module, s.get("r", {}), s.get("m", ""), s.get("p", ()), s.get("tl", {}),
                                       s.get("sh", {}), s.get("hc", ()))
                                      for _, module, s in rows), self.tail_users)
            users: Dict[str, List[Tuple[str, str, str]]] = {}
            for path, module, s in rows:
                for name, keys in s.get("sc", {}).items():
                    if name in self.references:
                        users.setdefault(name, []).extend((path, module, key) for key in keys)
            self.self_users = {name: tuple(found) for name, found in users.items()}
            shapes: Dict[str, Dict[str, List[Tuple[Any, ...]]]] = {}
            for path, module, s in rows:
                for name, shape in s.get("ak", {}).items():
                    if name in self.references:
                        shapes.setdefault(name, {}).setdefault(module.split(".", 1)[0], []).append(tuple(shape))
            self.call_shapes = shapes
            self.raise_only = _raise_only_names(s for _, _, s in rows)
            self.starters = frozenset(f"{module}.{name}" for _, module, s in rows
                                      for name, position in s.get("sh", {}).items() if position == 0)
        return self.references

    def uses(self, name: str, module: str, record: bool = True) -> Optional[Counts]:
        """How the project uses functions called ``name`` seen from ``module``'s top-level package:
        (started as a task, awaited, other) per channel (``references.combine`` picks a method's or a
        function's), or None when nothing there starts one as a task or defines a coroutine function of
        that name. Recorded for the result cache."""
        package = module.split(".", 1)[0]
        found = self.add_up_references().get(name, {}).get(package)
        if record and self._consulted is not None:
            self._consulted[("k", name, package, repr(found))] = None
        return found

    def awaited_call_shapes(self, name: str, module: str, record: bool = True) -> Tuple[Tuple[Any, ...], ...]:
        """For each module of ``module``'s top-level package that awaits functions called ``name`` only in
        calls through another object with spelled arguments: (its awaited uses, "npos|kw,kw", ...), so a
        rule can take off the uses a function's signature cannot be the target of. Recorded."""
        package = module.split(".", 1)[0]
        self.add_up_references()
        found = tuple(sorted(self.call_shapes.get(name, {}).get(package, ())))
        if record and self._consulted is not None:
            self._consulted[("ak", name, package, found)] = None
        return found

    def awaited_only_before_raise(self, name: str, method: bool, record: bool = True) -> bool:
        """Does every module of the project that can reach the function (``method``: the method) ``name``,
        a private name, await it only where an exception is on its way out (``except ...: await
        _drain(task); raise``)? Then a cancellation it swallows is raised again by its caller.
        Recorded for the result cache."""
        self.add_up_references()
        found = ("@" if method else "!") + name in self.raise_only
        if record and self._consulted is not None:
            self._consulted[("ro", name, method, found)] = None
        return found

    def starts_first_argument(self, qualname: str, record: bool = True) -> bool:
        """Is ``qualname`` a project helper that starts the coroutine object given first as a task (``def
        create_task_logged(*args): asyncio.create_task(*args)``; ``sh``)? Recorded for the result cache."""
        self.add_up_references()
        found = qualname in self.starters
        if record and self._consulted is not None:
            self._consulted[("st", qualname, found)] = None
        return found

    def tail_callers(self, name: str, module: str, record: bool = True) -> Tuple[str, ...]:
        """The coroutines (``"module:!function"``, ``"module:@method"``) that await functions called
        ``name`` only as their last statement, seen from ``module``'s top-level package; those uses are
        not in ``uses``. Recorded for the result cache."""
        package = module.split(".", 1)[0]
        self.add_up_references()
        found = tuple(sorted(self.tail_users.get(name, {}).get(package, ())))
        if record and self._consulted is not None:
            self._consulted[("tl", name, package, found)] = None
        return found

    def runs_as_task_root(self, entry: str, depth: int = 1) -> bool:
        """Is the coroutine ``"module:<channel>!name"`` (``@`` for a method; a ``tail_callers`` entry) only
        started as a task or run as a program root, or only awaited as the last statement of such
        coroutines (three calls deep at most)? Then a coroutine it awaits last ends the task when it ends."""
        module, _, caller = entry.partition(":")
        method, name = caller[1:2] == "@", caller[2:]
        counts = self.uses(name, module)
        uses = combine(counts, method) if counts else (0, 0, 0)
        if uses[1] or uses[2]:
            return False
        tails = [t for t in reached_tails(self.tail_callers(name, module), method)
                 if t.partition(":")[2][1:] != caller[1:]]  # (a coroutine awaiting itself)
        if not tails:
            return bool(uses[0])
        return depth < 3 and all(self.runs_as_task_root(t, depth + 1) for t in tails)

    def self_uses_unrelated(self, name: str, module: str, cls: str, near: str = "",
                            local: Optional[LocalModule] = None, record: bool = True) -> bool:
        """Does every class that reaches ``name`` through ``self``/``cls`` (off task-starting lines, in any
        module) stand apart from ``cls`` (a qualified class name), neither deriving from it nor it from
        them? Then their uses are of another method of that name. Recorded for the result cache."""
        package = module.split(".", 1)[0]
        self.add_up_references()  # (every package's classes: one more class can only keep a finding)
        verdict = not any(
            not key or f"{other}.{key}" == cls or self.derives_from(f"{other}.{key}", frozenset({cls}), path, local)
            or self.derives_from(cls, frozenset({f"{other}.{key}"}), near, local)
            for path, other, key in self.self_users.get(name, ()))
        if record and self._consulted is not None:
            self._consulted[("sc", name, package, cls, near, verdict)] = None
        return verdict

    def derives_from(self, qualname: str, bases: FrozenSet[str], near: str = "",
                     local: Optional[LocalModule] = None) -> bool:
        """Is the class ``qualname`` (a project class) a subclass of one of ``bases`` (qualified names)?"""
        seen: Set[str] = set()
        stack: List[Tuple[str, str]] = [(qualname, near)]
        while stack and len(seen) < 32:
            name, where = stack.pop()
            if name in bases or (canonical_type(name) or name) in bases:
                return True
            if name in seen:
                continue
            seen.add(name)
            ref = self._resolve(name, where, local)
            if ref is None or ref.kind != "class" or ref.summary is None:
                continue
            stack.extend((base, ref.path) for base in ref.summary["c"][ref.key][1])
        return False

    def stored_summary(self, path: str, module: str, is_package: bool, text: str) -> Optional[Summary]:
        """The indexed summary of ``path`` if it was made from exactly this text (UTF-8 files without a
        BOM, most of them), so the lint of that file need not summarise it again; else None."""
        path = os.path.abspath(path)
        entry = self.modules.get(path)
        digest = self.contents.get(path)
        if entry is None or digest is None or entry[0] != module or entry[1] != is_package:
            return None
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return None
        if len(data) > MAX_INDEXED_BYTES or hashlib.blake2b(data, digest_size=16).hexdigest() != digest:
            return None
        return self.summary(path)

    def summary(self, path: str) -> Summary:
        """The summary of an indexed file, decoded on first use."""
        found = self._decoded.get(path)
        if found is None:
            try:
                found = marshal.loads(self.modules[path][2])
            except Exception:  # noqa: BLE001 - a damaged entry contributes nothing
                found = empty_summary()
            self._decoded[path] = found
        return found

    def _site_module(self, name: str) -> Optional[Tuple[str, Summary]]:
        """A third-party module read as source from site-packages (never imported), memoised."""
        if name in self._site:
            return self._site[name]
        found: Optional[Tuple[str, Summary]] = None
        for candidate, is_package in self._site_candidates(name):
            if os.path.isfile(candidate):
                try:
                    with open(candidate, "rb") as handle:
                        data = handle.read()
                except OSError:
                    continue
                found = (candidate, summarize_source(data, name, is_package))
                break
        self._site[name] = found
        return found

    def _site_path(self, name: str) -> str:
        """The file ``_site_module`` reads for ``name`` (the first readable candidate), or ""."""
        for candidate, _ in self._site_candidates(name):
            if os.path.isfile(candidate) and os.access(candidate, os.R_OK):
                return candidate
        return ""

    def _site_candidates(self, name: str) -> Iterator[Tuple[str, bool]]:
        """Where ``name`` may live, in order: a package wins over a module of the same name, as in
        Python's own finder; stubs come last."""
        parts = name.split(".")
        for directory in self.site_dirs:
            base = os.path.join(directory, *parts)
            yield os.path.join(base, "__init__.py"), True
            yield base + ".py", False
            yield os.path.join(base, "__init__.pyi"), True
            yield base + ".pyi", False

    # -- resolving names ----------------------------------------------------------------
    def _resolve(self, qualname: str, near: str, local: Optional[LocalModule], depth: int = 0) -> Optional[_Ref]:
        if depth > _MAX_DEPTH or not qualname or qualname == "?":
            return None
        if self._stars_tried is None:
            self._stars_tried = set()
            try:
                return self._resolve(qualname, near, local, depth)
            finally:
                self._stars_tried = None
        parts = qualname.split(".")
        for i in range(len(parts), 0, -1):
            name = ".".join(parts[:i])
            found = self._module(name, near, local)
            if found is not None:
                path, summary = found
                return self._resolve_in(name, path, summary, parts[i:], near, local, depth)
        return None

    def _resolve_in(self, module: str, path: str, summary: Summary, rest: List[str], near: str,
                    local: Optional[LocalModule], depth: int) -> Optional[_Ref]:
        if not rest:
            return _Ref("module", module, path, summary=summary, module=module)
        name, tail = rest[0], rest[1:]
        qual = f"{module}.{name}"
        if name in summary["x"]:
            return None
        func = summary["f"].get(name)
        if func is not None:
            return None if tail else _Ref("func", qual, path, func[1], func, summary=summary, module=module)
        if name in summary["c"]:
            return self._in_class(module, path, summary, name, tail, near, local, depth)
        target = summary["i"].get(name)
        if target is not None:
            return self._resolve(".".join([target, *tail]), path, local, depth + 1)
        kind = summary["v"].get(name)
        if kind is not None:
            if not tail:
                return _Ref("inst", kind, path, module=module)
            if len(tail) == 1:
                return _Ref("instattr", kind, path, key=tail[0], module=module)
            return None
        tried = self._stars_tried
        for star in summary["s"]:
            # a star import names a module exactly: no falling back to a parent package, which
            # would make ever longer names out of packages that star-import unindexed modules
            wanted = ".".join([star, name, *tail])
            if tried is not None:
                if wanted in tried:
                    continue
                tried.add(wanted)
            found = self._module(star, path, local) if depth < _MAX_DEPTH else None
            if found is not None:
                ref = self._resolve_in(star, found[0], found[1], rest, path, local, depth + 1)
                if ref is not None:
                    return ref
        return None

    def _in_class(self, module: str, path: str, summary: Summary, key: str, tail: List[str], near: str,
                  local: Optional[LocalModule], depth: int) -> Optional[_Ref]:
        classes = summary["c"]
        while tail and f"{key}.{tail[0]}" in classes:
            key = f"{key}.{tail[0]}"
            tail = tail[1:]
        line = classes[key][0]
        cls_ref = _Ref("class", f"{module}.{key}", path, line, summary=summary, key=key, module=module)
        if not tail:
            return cls_ref
        if len(tail) == 1:
            return self._method(cls_ref, tail[0], local, depth + 1, set())
        return None

    def _method(self, cls: _Ref, name: str, local: Optional[LocalModule], depth: int,
                seen: Set[str], instance: bool = False) -> Optional[_Ref]:
        """A method through the class's bases (depth-first, left to right; an approximation of the MRO).
        Read from an ``instance``, a class on the way that defines ``__getattribute__`` decides what the
        attribute is (selenium-driverless's sync ``Chrome`` runs coroutine methods to completion there):
        an "opaque" ref, which no caller takes for a function."""
        if depth > _MAX_DEPTH or cls.qualname in seen or cls.summary is None:
            return None
        seen.add(cls.qualname)
        bases, methods = cls.summary["c"][cls.key][1:3]
        if instance and name != CUSTOM_GETATTRIBUTE and CUSTOM_GETATTRIBUTE in methods:
            return _Ref("opaque", f"{cls.qualname}.{name}", cls.path)
        func = methods.get(name)
        if func is not None:
            return _Ref("func", f"{cls.qualname}.{name}", cls.path, func[1], func, is_method=True,
                        summary=cls.summary, module=cls.module)
        for base in bases:
            canonical = canonical_type(base) or base
            if known.method_is_coroutine(canonical, name):
                return _Ref("func", f"{canonical}.{name}", "", 0, (1, 0, (), "", ""), is_method=True)
            ref = self._resolve(base, cls.path, local, depth + 1)
            if ref is not None and ref.kind == "class":
                found = self._method(ref, name, local, depth + 1, seen, instance)
                if found is not None:
                    return found
        return None

    # -- what the rules ask ---------------------------------------------------------------
    def function(self, qualname: str, near: str = "", local: Optional[LocalModule] = None) -> Optional[Target]:
        """The function a qualified name refers to (``app.api.fetch``, ``app.models.Repo.get``), or None."""
        if qualname in self.extra_coroutines:
            return Target(qualname, "", 0, True)
        ref = self._resolve(qualname, near, local)
        if ref is not None:
            return self._target(ref, near, local)
        if qualname in known.FUNCTIONS:
            return Target(qualname, "", 0, True)
        head, _, method = qualname.rpartition(".")
        if head and known.method_is_coroutine(head, method):
            return Target(qualname, "", 0, True)
        return None

    def method(self, type_name: str, name: str, near: str = "", local: Optional[LocalModule] = None,
               _depth: int = 0, instance: bool = True) -> Optional[Target]:
        """Method ``name`` of an instance of ``type_name`` (a class, or a function whose return type is known);
        with ``instance`` False, read from the class itself (``super().name``), past any ``__getattribute__``."""
        canonical = canonical_type(type_name) or type_name
        if f"{canonical}.{name}" in self.extra_coroutines or f"{type_name}.{name}" in self.extra_coroutines:
            return Target(f"{canonical}.{name}", "", 0, True)
        ref = self._resolve(type_name, near, local)
        if ref is not None:
            if ref.kind == "class":
                found = self._method(ref, name, local, 0, set(), instance)
                return self._target(found, near, local) if found is not None else None
            if ref.kind == "func" and ref.func is not None and ref.func[4] and _depth < 4:
                return self.method(ref.func[4], name, ref.path, local, _depth + 1)
            return None
        if known.method_is_coroutine(canonical, name):
            return Target(f"{canonical}.{name}", "", 0, True)
        return None

    def _target(self, ref: _Ref, near: str, local: Optional[LocalModule]) -> Optional[Target]:
        if ref.kind == "instattr":
            return self.method(ref.qualname, ref.key, ref.path, local)
        if ref.kind != "func" or ref.func is None:
            return None
        func = ref.func
        return Target(ref.qualname, ref.path, ref.line, self.is_coroutine(func, ref.path, local), func[4])

    def instance_type(self, qualname: str, near: str = "", local: Optional[LocalModule] = None) -> Optional[str]:
        """The class of a module-level instance (``app.http.client`` -> ``httpx.AsyncClient``)."""
        ref = self._resolve(qualname, near, local)
        if ref is not None and ref.kind == "inst":
            inner = self._resolve(ref.qualname, ref.path, local)
            if inner is not None and inner.kind == "func" and inner.func is not None:
                return inner.func[4] or None
            return ref.qualname
        return None

    def attribute_type(self, type_name: str, attr: str, near: str = "", local: Optional[LocalModule] = None,
                       _depth: int = 0) -> Optional[str]:
        """The type of ``obj.attr`` for an instance of a project class, through its bases."""
        ref = self._resolve(type_name, near, local)
        seen: Set[str] = set()
        stack = [ref] if ref is not None and ref.kind == "class" else []
        while stack and len(seen) < 32:
            cls = stack.pop(0)
            if cls.qualname in seen or cls.summary is None:
                continue
            seen.add(cls.qualname)
            entry = cls.summary["c"][cls.key]
            kind = entry[3].get(attr)
            if kind:
                return kind
            if attr in entry[2]:
                return None  # a method or property, not an attribute
            for base in entry[1]:
                found = self._resolve(base, cls.path, local)
                if found is not None and found.kind == "class":
                    stack.append(found)
        return None

    def awaits_held_task(self, target: Target, local: Optional[LocalModule] = None) -> bool:
        """Does the coroutine function ``target`` (found through this index, so its module's lookup is
        already recorded) keep its work in a task on ``self`` and await it? (See "h" above.)"""
        found = self._summary_of(target, local)
        return found is not None and found[1] in found[0].get("h", ())

    def hands_out_task(self, target: Target, local: Optional[LocalModule] = None) -> bool:
        """Does the function ``target`` (found through this index) store the running task where the project
        can cancel it? (See "ht" above.)"""
        found = self._summary_of(target, local)
        return found is not None and found[1] in found[0].get("ht", ())

    def quiet_coroutine(self, target: Target, local: Optional[LocalModule] = None) -> Optional[str]:
        """The name (``name`` or ``Cls.method``) of the coroutine function ``target`` (found through this index)
        when its body never suspends, so awaiting it runs it to its end without yielding to the loop; else None.
        (See "qc" above.)"""
        found = self._summary_of(target, local)
        return found[1] if found is not None and found[1] in found[0].get("qc", ()) else None

    def _summary_of(self, target: Target, local: Optional[LocalModule]) -> Optional[Tuple[Summary, str]]:
        """The summary of ``target``'s module and its name there (``name`` or ``Cls.method``), or None."""
        if not target.path:
            return None
        if local is not None and os.path.abspath(target.path) == os.path.abspath(local.path):
            module, summary = local.module, local.summary
        elif target.path in self.modules:
            module, summary = self.modules[target.path][0], self.summary(target.path)
        else:
            return None
        prefix = f"{module}." if module else ""
        if not target.qualname.startswith(prefix):
            return None
        return summary, target.qualname[len(prefix):]

    def sync_overrides(self, class_qualname: str, method: str,
                       local: Optional[LocalModule] = None) -> Tuple[Tuple[str, str, int], ...]:
        """Project subclasses of ``class_qualname`` that override ``method`` with a plain ``def``, as
        (qualified name, path, line): ``self.method()`` in the class may then return no coroutine.
        Any module may add such a subclass, so the answer is recorded as one dependency row."""
        key = (class_qualname, method)
        found = self._overrides.get(key)
        if found is None:
            saved, self._consulted = self._consulted, None
            try:
                found = self._overrides[key] = self._find_sync_overrides(class_qualname, method, local)
            finally:
                self._consulted = saved
        if self._consulted is not None:
            self._consulted[("o", class_qualname, method, found)] = None
        return found

    def overridden(self, class_qualname: str, method: str, local: Optional[LocalModule] = None) -> bool:
        """Does a project subclass of ``class_qualname`` define ``method`` again as an ``async def``? Only
        modules whose trigger names hold ``method`` (an async def or method of that name) are read, and
        the row records them with their digests, so a warm run checks it without decoding summaries."""
        candidates = self._async_definers(method)
        found = any(self._overrides_in(path, class_qualname, method, local) for path, _ in candidates)
        if self._consulted is not None:
            self._consulted[("ov", class_qualname, method, found, candidates)] = None
        return found

    def _async_definers(self, method: str) -> Tuple[Tuple[str, str], ...]:
        """(path, content digest) of the modules defining an ``async def`` called ``method``."""
        if self._async_names is None:
            table: Dict[str, List[str]] = {}
            for module_path in sorted(self.modules):
                for trigger in self.modules[module_path][3]:
                    if trigger[:1] not in ("~", "=", "@", "%") and "|" not in trigger:
                        table.setdefault(trigger, []).append(module_path)
            self._async_names = table
        return tuple((path, self._module_digest(path)) for path in self._async_names.get(method, ()))

    def _overrides_in(self, path: str, class_qualname: str, method: str, local: Optional[LocalModule]) -> bool:
        """Does a class of module ``path`` other than ``class_qualname`` derive from it and define ``method``?"""
        summary = self._summary_for(path, local)
        return any(method in entry[2] and self._subclass(path, summary, cls_key, class_qualname, local) is not None
                   for cls_key, entry in summary["c"].items())

    def _summary_for(self, path: str, local: Optional[LocalModule]) -> Summary:
        """Module ``path``'s summary; the file being linted's own when it is that file (it may have changed)."""
        if local is not None and os.path.abspath(path) == os.path.abspath(local.path):
            return local.summary
        return self.summary(path)

    def _subclass(self, path: str, summary: Summary, cls_key: str, ancestor: str,
                  local: Optional[LocalModule]) -> Optional[_Ref]:
        """Class ``cls_key`` of module ``path`` when it is another class than ``ancestor`` and derives from it."""
        module = self.modules[path][0]
        ref = _Ref("class", f"{module}.{cls_key}" if module else cls_key, path, summary["c"][cls_key][0],
                   summary=summary, key=cls_key, module=module)
        return ref if ref.qualname != ancestor and self._derives(ref, ancestor, local, 0, set()) else None

    def _find_sync_overrides(self, class_qualname: str, method: str,
                             local: Optional[LocalModule]) -> Tuple[Tuple[str, str, int], ...]:
        if self._sync_methods is None:
            table: Dict[str, List[Tuple[str, str]]] = {}
            for path in sorted(self.modules):
                for cls_key, entry in self.summary(path)["c"].items():
                    for name, func in entry[2].items():
                        if func[0] == 0 and func[1]:
                            table.setdefault(name, []).append((path, cls_key))
            self._sync_methods = table
        out: List[Tuple[str, str, int]] = []
        for path, cls_key in self._sync_methods.get(method, ()):
            summary = self._summary_for(path, local)
            entry = summary["c"].get(cls_key)
            if entry is None or method not in entry[2] or entry[2][method][0] != 0:
                continue
            ref = self._subclass(path, summary, cls_key, class_qualname, local)
            if ref is not None:
                out.append((ref.qualname, path, entry[2][method][1]))
        return tuple(sorted(out))

    def _derives(self, cls: _Ref, ancestor: str, local: Optional[LocalModule], depth: int, seen: Set[str]) -> bool:
        """Does project class ``cls`` derive from ``ancestor`` (a qualified class name), through its bases?"""
        if depth > _MAX_DEPTH or cls.qualname in seen or cls.summary is None or cls.key not in cls.summary["c"]:
            return False
        seen.add(cls.qualname)
        for base in cls.summary["c"][cls.key][1]:
            ref = self._resolve(base, cls.path, local, depth + 1)
            if ref is None or ref.kind != "class":
                continue
            if ref.qualname == ancestor or self._derives(ref, ancestor, local, depth + 1, seen):
                return True
        return False

    def effect_entry(self, target: Target, local: Optional[LocalModule]) -> Optional[Tuple[Effect, str]]:
        """The effect summary of a project coroutine function and its class's qualified name ("" for a
        function), or None. The lookup that found ``target`` recorded its module as a dependency."""
        if not target.path:
            return None
        if local is not None and target.path == local.path:
            module, summary = local.module, local.summary
        elif target.path in self.modules:
            module, summary = self.modules[target.path][0], self.summary(target.path)
        else:
            return None
        qualname = target.qualname
        if module:
            if not qualname.startswith(module + "."):
                return None  # a def nested in a function: no summary
            key = qualname[len(module) + 1:]
        else:
            key = qualname
        effect = summary.get("e", {}).get(key)
        if effect is None:
            return None
        cls = qualname.rsplit(".", 1)[0] if "." in key else ""
        return effect, cls

    def calls_task_done(self, name: str, path: str) -> bool:
        """Does a module other than ``path`` refer to ``<x>.name.task_done`` or ``name.task_done``?

        AL504 asks it for a queue held in a module-level name or an attribute: subclasses, other
        classes holding the object and importers may finish its items. Recorded as a dependency.
        """
        answer = self._elsewhere("~" + name, os.path.abspath(path)) > 0
        if self._consulted is not None:
            self._consulted[("q", os.path.abspath(path), name, answer)] = None
        return answer

    def mentions(self, word: str, path: str, package: str = "", at_least: int = 1) -> bool:
        """Do at least ``at_least`` modules other than ``path`` contain ``word`` (one of ``MARKER_WORDS``)?

        With ``package`` (a top-level package name), only that package's modules count: a directory
        of several projects, or a project that vendors another, is indexed as one. Recorded as a
        dependency."""
        answer = self._elsewhere("=" + word, os.path.abspath(path), package) >= at_least
        if self._consulted is not None:
            self._consulted[("w", os.path.abspath(path), word, package, at_least, answer)] = None
        return answer

    def _elsewhere(self, marker: str, path: str, package: str = "") -> int:
        """How many modules other than ``path`` (in ``package``, if given) carry ``marker`` ("~name",
        "=word") among their triggers?"""
        if self._markers is None:
            table: Dict[str, List[Tuple[str, str]]] = {}
            for module_path, entry in self.modules.items():
                for trigger in entry[3]:
                    if trigger.startswith(("~", "=")):
                        table.setdefault(trigger, []).append((module_path, entry[0].split(".", 1)[0]))
            self._markers = {key: tuple(rows) for key, rows in table.items()}
        return sum(1 for p, top in self._markers.get(marker, ()) if p != path and (not package or top == package))

    def made_sync(self, class_qualname: str, local: Optional[LocalModule] = None) -> Optional[str]:
        """The class, ``class_qualname`` itself or a base of it, whose public coroutine methods a project
        module replaces with synchronous wrappers at import (``analysis.rewrites``), or None. Recorded
        as one dependency row: any module may add or drop such a rewrite."""
        saved, self._consulted = self._consulted, None
        try:
            answer = self._made_sync(class_qualname, local)
        finally:
            self._consulted = saved
        if self._consulted is not None:
            self._consulted[("y", class_qualname, answer)] = None
        return answer

    def _made_sync(self, class_qualname: str, local: Optional[LocalModule]) -> Optional[str]:
        if self._rewritten is None:
            self._rewritten = tuple(sorted({trigger[1:] for entry in self.modules.values() for trigger in entry[3]
                                            if trigger.startswith("%")}))
        rewritten = self._rewritten
        if not rewritten:
            return None
        if class_qualname in rewritten:
            return class_qualname
        ref = self._resolve(class_qualname, "", local)
        if ref is None or ref.kind != "class":
            return None
        for name in rewritten:
            target = self._resolve(name, ref.path, local)
            if target is not None and target.kind == "class" and (
                    target.qualname == ref.qualname or self._derives(ref, target.qualname, local, 0, set())):
                return target.qualname
        return None

    def is_class(self, qualname: str, near: str = "", local: Optional[LocalModule] = None) -> bool:
        ref = self._resolve(qualname, near, local)
        return ref is not None and ref.kind == "class"

    def is_coroutine(self, func: Func, near: str, local: Optional[LocalModule]) -> bool:
        """An ``async def`` counts unless a decorator changes it; an unknown decorator makes it unknown."""
        effects = [self.decorator_effect(d, near, local) for d in func[2]]
        return apply_decorators(func[0] == 1, effects)

    def decorator_effect(self, decorator: str, near: str = "", local: Optional[LocalModule] = None,
                         depth: int = 0) -> Optional[str]:
        """"keep", "sync", "async" or None (unknown) for a qualified decorator ("x.y" or "x.y()")."""
        called = decorator.endswith("()")
        name = decorator[:-2] if called else decorator
        if name == "?" or depth > 4:
            return None
        effect = known.decorator_effect_known(name, called, self.keep_decorators)
        if effect is not None:
            return effect
        ref = self._resolve(name, near, local)
        if ref is None:
            return None
        if ref.kind == "instattr":
            canonical = canonical_type(ref.qualname) or ref.qualname
            routes = known.ROUTE_DECORATORS.get(canonical)
            if routes and ref.key in routes:
                return "keep"
            found = self._resolve(ref.qualname, ref.path, local, depth + 1)
            if found is not None and found.kind == "class":
                ref = self._method(found, ref.key, local, 0, set()) or ref
        if ref.kind != "func" or ref.func is None:
            return None
        return wrapper_effect(ref.func[3], called)


def wrapper_effect(kind: str, called: bool) -> Optional[str]:
    """A project function's effect as a decorator, from its ``wrapper_kind``."""
    if called:
        if not kind.startswith("f"):
            return None
        kind = kind[1:]
    elif kind.startswith("f"):
        return None
    return {"a": "async", "i": "keep", "k": "keep"}.get(kind)


def apply_decorators(is_async: bool, effects: Sequence[Optional[str]]) -> bool:
    """Decorators apply bottom-up; the result is a coroutine function only if every step is known."""
    state = is_async
    for effect in reversed(effects):
        if effect == "keep":
            continue
        if effect == "sync":
            state = False
        elif effect == "async":
            state = True
        else:
            return False
    return state


# The summary keys the project-wide use counts are added up from (``ProjectIndex.add_up_references``);
# none holds a line number, so an edit that only moves code leaves them as they were.
REFERENCE_KEYS = ("r", "m", "p", "sc", "tl", "sh", "hc", "ak", "ro")


def references_digest(summary: Summary) -> str:
    """A digest of what adding up the use counts reads from a module: equal after an edit that changed
    no use, call or definition of a coroutine function, so the cached sums still hold."""
    # dicts as sorted items: their order comes from sets, which differ from one process to the next
    parts = tuple((key, tuple(sorted(value.items())) if isinstance(value, dict) else value)
                  for key, value in ((key, summary.get(key)) for key in REFERENCE_KEYS))
    return hashlib.blake2b(marshal.dumps(parts, 2), digest_size=16).hexdigest()


def shape_digest(summary: Summary, graph: Any) -> str:
    """A digest of what the call graph's pass reads from a module, less its line numbers.

    Lines are kept only as their order within each function (which the pass's tie-breaks
    compare), so when no module's shape changed the pass marks the same functions through
    the same callees; only the lines it reports need reading again (``callgraph.compute``).
    Inserting or deleting lines keeps every order.
    """
    def func(f: Func) -> tuple:
        return (f[0], 0) + tuple(f[2:])

    stripped_summary = {
        "f": {name: func(f) for name, f in summary.get("f", {}).items()},
        "c": {name: (0, cls[1], {m: func(f) for m, f in cls[2].items()}, cls[3])
              for name, cls in summary.get("c", {}).items()},
        **{key: value for key, value in summary.items() if key not in ("f", "c", "e", *REFERENCE_KEYS)},
    }

    def ordered(rows: tuple) -> tuple:
        """Rows with each line replaced by its rank among the function's lines (ties kept): the
        pass compares lines only within one function, so their order is all it may depend on."""
        rank = {line: i for i, line in enumerate(sorted({row[0] for row in rows}))}
        return tuple((rank[row[0]],) + tuple(row[1:]) for row in rows)

    stripped_graph = None
    if graph:
        refs, funcs = graph[0], graph[1]
        stripped_graph = (refs, {key: (0, flags, ordered(seeds), ordered(edges))
                                 for key, (line, flags, seeds, edges) in funcs.items()}, graph[2:])
    return hashlib.blake2b(repr((stripped_summary, stripped_graph)).encode(), digest_size=16).hexdigest()


def summary_triggers(summary: Summary) -> Tuple[str, ...]:
    """Names through which a call may reach a coroutine function of this module (for sound triage).

    Plain names: async defs and methods, and names imported or aliased under another name.
    ``name|d1,d2``: a decorated sync def and its decorators' last names; it counts only if
    one of them can be a wrapper into ``async def`` (``ProjectIndex.trigger_names``).
    ``@name``: a function that is such a wrapper (its ``wrapper_kind`` is "a" or "fa").
    """
    names: Set[str] = set()
    functions = list(summary["f"].items()) + [item for cls in summary["c"].values() for item in cls[2].items()]
    for name, func in functions:
        if func[0]:
            names.add(name)
        elif func[2]:
            last = sorted({d[:-2].rsplit(".", 1)[-1] if d.endswith("()") else d.rsplit(".", 1)[-1] for d in func[2]})
            names.add(f"{name}|{','.join(last)}")
        if func[3] in ("a", "fa"):
            names.add(f"@{name}")
    for name, target in summary["i"].items():
        if name != target.rsplit(".", 1)[-1]:
            names.add(name)
    # not trigger names: "~name" marks a module that calls ``.name.task_done`` (``ProjectIndex.calls_task_done``)
    names.update(f"~{name}" for name in summary.get("q", ()))
    names.update(f"={word}" for word in summary.get("w", ()))  # likewise: ``ProjectIndex.mentions``
    names.update(f"%{name}" for name in summary.get("y", ()))  # ``ProjectIndex.made_sync``
    return tuple(sorted(names))


def _stat_signature(path: str) -> str:
    try:
        stat = os.stat(path)
    except OSError:
        return ""
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _nearest(paths: Sequence[str], near: str) -> str:
    """Of several files with the same module name, the one sharing the longest directory prefix with ``near``."""
    near_parts = os.path.dirname(os.path.abspath(near)).split(os.sep)

    def shared(path: str) -> int:
        parts = os.path.dirname(path).split(os.sep)
        n = 0
        for a, b in zip(parts, near_parts):
            if a != b:
                break
            n += 1
        return n

    return max(paths, key=lambda p: (shared(p), -len(p)))
