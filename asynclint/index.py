"""The project-wide index of coroutine functions: which names are ``async def``, anywhere.

A call's target often lives in another module (``from .api import fetch``), so a
file cannot be judged alone. This index records, for every module under the
project root, a small summary: its functions (async or not, decorators, return
annotation), its classes (bases and methods), its imports and aliases (the
re-exports), and module-level instances (``app = FastAPI()``). Names are
qualified when the summary is made, so lookups are dictionary walks.

It is built with a light ``ast`` pass over top-level statements and class bodies
(function bodies are never walked, except the last statements of a function that
might be a decorator), cached in ``.asynclint_cache/`` keyed by size, mtime and a
content hash, updated file by file, and written atomically with ``marshal`` in
shards (an edit rewrites one), as plain data, never code, so a corrupt or
concurrently written shard is ignored.
The summaries are picklable plain data: the index goes to each worker once.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import glob
import hashlib
import marshal
import os
import sys
import warnings
import zlib
from dataclasses import dataclass
from stat import S_ISREG
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple

from .knowledge import coroutines as known
from .memory import one_file
from .nodes import child_nodes
from .scopes import absolute_module

INDEX_VERSION = 9
CACHE_DIR_NAME = ".asynclint_cache"
CACHE_SHARDS = 16
_BUILTINS = frozenset(dir(builtins))
_MAX_DEPTH = 24

# A summary is plain data (marshal/pickle friendly):
#   "f": {name: Func}                    module-level functions
#   "c": {"Cls" or "Cls.Inner": Class}   classes
#   "i": {name: qualified}               imports and module-level aliases (re-exports)
#   "v": {name: qualified type}          module-level instances (``app = FastAPI()``)
#   "s": (module, ...)                   star imports
#   "x": (name, ...)                     names bound in conflicting ways: unknown
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
Dependency = Tuple[Any, ...]


def empty_summary() -> Summary:
    return {"f": {}, "c": {}, "i": {}, "v": {}, "s": (), "x": ()}


@dataclass(frozen=True)
class Target:
    """What a call resolves to: a function, where it is defined, and whether calling it makes a coroutine."""

    qualname: str
    path: str  # "" for the standard library, known libraries and config
    line: int
    is_coroutine: bool
    return_type: str = ""

    def where(self, root: str = "") -> str:
        if not self.path:
            return ""
        path = self.path
        if root:
            try:
                rel = os.path.relpath(path, root)
                if not rel.startswith(".."):
                    path = rel
            except ValueError:
                pass
        return f"{path.replace(os.sep, '/')}:{self.line}"


# -- summaries ---------------------------------------------------------------------------

def summarize(tree: ast.Module, module: str, is_package: bool, source: "str | bytes" = b"") -> Summary:
    """The summary of one parsed module (see the layout above).

    ``source`` lets async generators be told apart cheaply: only a function whose
    lines hold the word ``yield`` has its body walked. Without it, every
    ``async def`` body is walked.
    """
    newline = "\n" if isinstance(source, str) else b"\n"
    yield_lines = _word_lines(source, "yield") if source and newline in source else None
    return _Summarizer(module, is_package, yield_lines).run(tree)


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


def summarize_source(data: bytes, module: str, is_package: bool) -> Summary:
    """Parse and summarise; a file that does not parse contributes nothing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
        return summarize(tree, module, is_package, data)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return empty_summary()


def summarize_with_graph(data: bytes, module: str, is_package: bool, path: str) -> Tuple[Summary, Any]:
    """The summary and the call-graph data (``asynclint.callgraph``) of one file, from one parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
        summary = summarize(tree, module, is_package, data)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return empty_summary(), None
    from .callgraph import module_graph  # noqa: PLC0415 - the call graph imports the rules
    from .source import DecodeError, decode  # noqa: PLC0415

    try:
        graph = module_graph(tree, decode(data), module, is_package, path, summary)
    except (DecodeError, RecursionError, MemoryError):
        graph = None
    return summary, graph


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
    def __init__(self, module: str, is_package: bool, yield_lines: Optional[List[int]] = None) -> None:
        self.yield_lines = yield_lines
        self.module = module
        self.is_package = is_package
        self.imports: Dict[str, str] = {}
        self.defined: Set[str] = set()
        self.bindings: Dict[str, List[Tuple[str, Any]]] = {}

    def run(self, tree: ast.Module) -> Summary:
        statements = list(_module_statements(tree.body))
        for stmt in statements:  # first pass: what names mean
            self._names(stmt)
        out = empty_summary()
        stars: List[str] = []
        for stmt in statements:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._bind(stmt.name, "f", self.function(stmt, False))
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
        return out

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

def project_files(root: str, settings: Any) -> List[str]:
    """Every Python file the project's own walk would lint (same excludes, same .gitignore)."""
    from .discovery import DiscoveryOptions, discover  # noqa: PLC0415
    from .settings import DEFAULT_EXCLUDE  # noqa: PLC0415

    excludes = tuple(getattr(settings, "index_exclude", ()) or DEFAULT_EXCLUDE)
    found = discover([root], DiscoveryOptions(exclude=excludes, root=root))
    return sorted(os.path.abspath(p) for p in found.files if p.endswith(".py"))


def _cache_path(directory: str, root: str) -> str:
    """The index cache's path prefix: its entries are spread over ``CACHE_SHARDS`` files."""
    from .callgraph import fingerprint  # noqa: PLC0415 - the call graph imports the rules

    key = hashlib.sha256(f"{INDEX_VERSION}\0{fingerprint()}\0{sys.version_info[:2]}\0{root}".encode()).hexdigest()[:16]
    return os.path.join(directory, f"index-{key}")


def _shard(path: str) -> int:
    """Which cache file holds a path's entry: an edit rewrites one of them, not the whole index (~30 MB
    for two million lines)."""
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % CACHE_SHARDS


def _shard_path(prefix: str, shard: int) -> str:
    return f"{prefix}-{shard:02d}.marshal"


def _load_cache(prefix: str) -> Dict[str, tuple]:
    """Every shard's valid entries; a missing or damaged shard only means its files are summarised again."""
    from .cache import load_marshal_dict  # noqa: PLC0415 - shared with the result cache

    out = {}
    for shard in range(CACHE_SHARDS):
        data = load_marshal_dict(_shard_path(prefix, shard))
        if data is None or data.get("v") != INDEX_VERSION or not isinstance(data.get("files"), dict):
            continue
        for path_key, entry in data["files"].items():
            if isinstance(path_key, str) and isinstance(entry, tuple) and len(entry) == 9 \
                    and isinstance(entry[5], bytes) and isinstance(entry[6], tuple) \
                    and (entry[7] is None or isinstance(entry[7], bytes)) and isinstance(entry[8], str) \
                    and _shard(path_key) == shard:
                out[path_key] = entry
    return out


def _save_cache(prefix: str, files: Dict[str, tuple], changed: Set[str]) -> None:
    """Rewrite the shards that hold a changed (or removed) path, each atomically."""
    from .cache import dump_atomic, ensure_cache_dir  # noqa: PLC0415 - shared with the result cache

    if not ensure_cache_dir(os.path.dirname(prefix)):
        return
    shards = {_shard(path) for path in changed}
    grouped: Dict[int, Dict[str, tuple]] = {shard: {} for shard in shards}
    for path, entry in files.items():
        group = grouped.get(_shard(path))
        if group is not None:
            group[path] = entry
    for shard, entries in grouped.items():
        dump_atomic(_shard_path(prefix, shard), {"v": INDEX_VERSION, "files": entries})


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

    kind: str  # "func", "class", "module", "inst", "instattr"
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

    def __getstate__(self) -> Dict[str, Any]:
        return {"root": self.root, "modules": self.modules, "keep": tuple(self.keep_decorators),
                "extra": tuple(self.extra_coroutines), "site": self.site_dirs, "blocking": self.blocking,
                "contents": self.contents}

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
        self._init_caches()

    # -- building -------------------------------------------------------------------
    @classmethod
    def empty(cls, settings: Any = None) -> "ProjectIndex":
        keep = getattr(settings, "extend_async_decorators", ()) if settings is not None else ()
        extra = getattr(settings, "extend_coroutine_functions", ()) if settings is not None else ()
        return cls("", {}, keep, extra)

    @classmethod
    def load(cls, settings: Any, jobs: Optional[int] = None, files: Optional[Sequence[str]] = None) -> "ProjectIndex":
        """Index every Python file under the project root, reusing the cache for unchanged files.

        A cold build is spread over ``jobs`` processes (default: the CPUs, at most 8). ``files``
        (absolute paths) spares the walk when the caller has just made the same one.
        """
        from .engine import module_name_for  # noqa: PLC0415 - engine imports the rules, which import us
        root = os.path.abspath(getattr(settings, "project_root", ".") or ".")
        roots = tuple(getattr(settings, "index_roots", ()) or (root,))
        cache_path: Optional[str] = None
        if getattr(settings, "use_cache", True):
            directory = getattr(settings, "cache_dir", None) or os.path.join(root, CACHE_DIR_NAME)
            cache_path = _cache_path(os.path.abspath(directory), "\0".join(roots))
        old = _load_cache(cache_path) if cache_path else {}
        if files is None:
            files = sorted({path for each in roots for path in project_files(each, settings)})
        # AL107's call-graph data costs ~40% of a cold build: only when the rule runs
        with_graph = "AL107" in getattr(settings, "enabled", ())
        new, changed = _refresh(files, old, module_name_for, jobs, with_graph)
        if changed and cache_path:
            _save_cache(cache_path, new, changed)
        modules = {path: (e[3], e[4], e[5], e[6]) for path, e in new.items()}
        site = site_package_dirs(getattr(settings, "site_packages", ()), getattr(settings, "python_executable", None),
                                 dict(os.environ), root)
        index = cls(root, modules, getattr(settings, "extend_async_decorators", ()),
                    getattr(settings, "extend_coroutine_functions", ()), site)
        index.graph_blobs = {path: e[7] for path, e in new.items() if e[7]}
        index.shapes = {path: e[8] for path, e in new.items()}
        index.contents = {path: e[2] for path, e in new.items()}
        if with_graph:
            index.compute_blocking(settings, os.path.dirname(cache_path) if cache_path else None)
        return index

    def compute_blocking(self, settings: Any, cache_dir: Optional[str] = None) -> None:
        """Run the call graph's pass (once per run, cached next to the index): which functions block."""
        from .callgraph import compute  # noqa: PLC0415

        self.blocking = compute(self, self.graph_blobs, settings, cache_dir)
        self._digest = None

    def blocking_chain(self, target: Target) -> Any:
        """Does calling this project function block the event loop, and via what? A ``BlockingChain`` or None."""
        if self.blocking is None or not target.path:
            return None
        from .callgraph import chain_for  # noqa: PLC0415

        return chain_for(self, self.blocking, target, self._consulted_node if self._consulted is not None else None)

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
                h.update(f"{path}\0{module}\0{is_package}\0".encode())
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

    def overlay(self, path: str, data: Optional[bytes], tree: Optional[ast.Module] = None) -> bool:
        """Answer for ``path`` from ``data`` (an editor's unsaved buffer; None: the file is gone) instead
        of what was read from disk. True when what the module defines changed, so other files' lints
        may answer differently (``broken`` tells which). ``tree``: ``data`` already parsed (the lint
        that follows parses it once for both). AL107's blocking chains are not redone here."""
        from .engine import module_name_for  # noqa: PLC0415 - engine imports the rules, which import us

        path = os.path.abspath(path)
        old = self.modules.get(path)
        if data is None:
            if old is None:
                return False
            del self.modules[path]
            self.contents.pop(path, None)
            self._init_caches()
            return True
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if old is not None and self.contents.get(path) == digest:
            return False  # the same bytes as last time: nothing to summarise again
        module, is_package = module_name_for(path)
        if len(data) > MAX_INDEXED_BYTES:
            summary = empty_summary()
        elif tree is not None:
            summary = summarize(tree, module, is_package, data)
        else:
            summary = summarize_source(data, module, is_package)
        entry = (module, is_package, marshal.dumps(summary, 2), summary_triggers(summary))
        self.contents[path] = digest
        self._module_digests.pop(path, None)
        if old == entry:
            return False
        self.modules[path] = entry
        self._init_caches()
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
                seen: Set[str]) -> Optional[_Ref]:
        """A method through the class's bases (depth-first, left to right; an approximation of the MRO)."""
        if depth > _MAX_DEPTH or cls.qualname in seen or cls.summary is None:
            return None
        seen.add(cls.qualname)
        bases, methods = cls.summary["c"][cls.key][1:3]
        func = methods.get(name)
        if func is not None:
            return _Ref("func", f"{cls.qualname}.{name}", cls.path, func[1], func, is_method=True,
                        summary=cls.summary, module=cls.module)
        for base in bases:
            canonical = known.canonical_type(base) or base
            if known.method_is_coroutine(canonical, name):
                return _Ref("func", f"{canonical}.{name}", "", 0, (1, 0, (), "", ""), is_method=True)
            ref = self._resolve(base, cls.path, local, depth + 1)
            if ref is not None and ref.kind == "class":
                found = self._method(ref, name, local, depth + 1, seen)
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
               _depth: int = 0) -> Optional[Target]:
        """Method ``name`` of an instance of ``type_name`` (a class, or a function whose return type is known)."""
        canonical = known.canonical_type(type_name) or type_name
        if f"{canonical}.{name}" in self.extra_coroutines or f"{type_name}.{name}" in self.extra_coroutines:
            return Target(f"{canonical}.{name}", "", 0, True)
        ref = self._resolve(type_name, near, local)
        if ref is not None:
            if ref.kind == "class":
                found = self._method(ref, name, local, 0, set())
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
            canonical = known.canonical_type(ref.qualname) or ref.qualname
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


PARALLEL_MIN = 400  # stale files before the cold build is spread over processes
_BATCH = 64


def _refresh(files: Sequence[str], old: Dict[str, tuple], module_name_for: Any,
             jobs: Optional[int] = None, with_graph: bool = True) -> Tuple[Dict[str, tuple], Set[str]]:
    """Cache entries for ``files``, unchanged ones as they were, stale ones summarised again; and the
    paths whose entries changed or went.

    An entry's call-graph data is None when it was not computed (a run without AL107);
    such entries are stale for a run that needs it.
    """
    new: Dict[str, tuple] = {}
    stale: List[str] = []
    for path in files:
        entry = old.get(path)
        if entry is not None:
            try:
                stat = os.stat(path)
            except OSError:
                continue
            if entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns and \
                    (entry[3], entry[4]) == module_name_for(path) and (entry[7] is not None or not with_graph):
                new[path] = entry
                continue
        stale.append(path)
    changed = set(stale) | (old.keys() - new.keys())
    fresh = _summarise_parallel(stale, old, jobs, with_graph) if len(stale) >= PARALLEL_MIN else None
    if fresh is None:
        fresh = []
        for path in stale:
            with one_file():
                fresh.append(update_entry(path, old.get(path), module_name_for, with_graph=with_graph))
    for path, entry in zip(stale, fresh):
        if entry is not None:
            if entry[5] is None:  # same content as before: the old summary stands
                entry = entry[:5] + old[path][5:]
            new[path] = entry
    return {path: new[path] for path in files if path in new}, changed


def _summarise_parallel(paths: List[str], old: Dict[str, tuple], jobs: Optional[int] = None,
                        with_graph: bool = True) -> Optional[List[Optional[tuple]]]:
    """The cold build on several processes (parsing dominates); None when that is not possible here."""
    import multiprocessing  # noqa: PLC0415 - only cold builds of big projects pay for it
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    from .spawning import quiet_children  # noqa: PLC0415

    jobs = jobs or min(os.cpu_count() or 1, 8)
    if jobs < 2 or multiprocessing.current_process().daemon or multiprocessing.parent_process() is not None:
        return None  # inside a worker (ours or a pool's): build serially, never spawn in turn
    batches = []
    for i in range(0, len(paths), _BATCH):
        chunk = paths[i:i + _BATCH]
        batches.append([(p, _without_blobs(old[p]) if p in old else None, with_graph) for p in chunk])
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            with quiet_children():  # map() submits every batch, which starts the processes
                pending = pool.map(_summarise_batch, batches)
            results = list(pending)
    except Exception:  # noqa: BLE001 - no processes here (sandbox, limits): build serially
        return None
    return [entry for batch in results for entry in batch]


def _without_blobs(entry: tuple) -> tuple:
    """An old entry sent to a worker: its stat, digest and names, and whether it had call-graph data."""
    return entry[:5] + (None, None, None if entry[7] is None else b"", entry[8])


def _summarise_batch(batch: List[Tuple[str, Optional[tuple], bool]]) -> List[Optional[tuple]]:
    from .engine import module_name_for  # noqa: PLC0415

    entries = []
    for path, old, with_graph in batch:
        with one_file():
            entries.append(update_entry(path, old, module_name_for, keep_summary=False, with_graph=with_graph))
    return entries


def update_entry(path: str, old: Optional[tuple], module_name_for: Any, keep_summary: bool = True,
                 with_graph: bool = True) -> Optional[tuple]:
    """The cache entry for one file: the old one when size and mtime (or the content hash) match
    (and it has the call-graph data when ``with_graph`` asks for it)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None  # a FIFO or device named *.py: reading it could block forever
    module, is_package = module_name_for(path)
    if old is not None and old[7] is None and with_graph:
        old = None
    if old is not None and old[0] == stat.st_size and old[1] == stat.st_mtime_ns and old[3] == module \
            and old[4] == is_package:
        return old
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if old is not None and old[2] == digest and old[3] == module and old[4] == is_package:
        rest = old[5:] if keep_summary else (None, None, None, old[8])
        return (stat.st_size, stat.st_mtime_ns, digest, module, is_package) + rest
    if len(data) > MAX_INDEXED_BYTES:
        summary, graph = empty_summary(), None  # the engine reports AL001; parsing would cost seconds
    elif with_graph:
        summary, graph = summarize_with_graph(data, module, is_package, path)
    else:
        summary, graph = summarize_source(data, module, is_package), None
    # marshal version 2 has no back-references, so equal summaries give equal bytes (the digest relies on it)
    graph_data = (marshal.dumps(graph, 2) if graph else b"") if with_graph else None
    return (stat.st_size, stat.st_mtime_ns, digest, module, is_package, marshal.dumps(summary, 2),
            summary_triggers(summary), graph_data, shape_digest(summary, graph))


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
        **{key: value for key, value in summary.items() if key not in ("f", "c")},
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
