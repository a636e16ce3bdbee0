"""Effect summaries of the project's coroutine functions (AL301, AL302).

Whether two awaits may run together depends on what the awaited coroutines *do*, and a
helper's name (``_chunk``, ``probe``, ``store``) rarely says. So the index keeps, for every
``async def`` at module or class level, a small summary of its body:

- ``r`` **read**: awaits only reads on a client that serves several requests at once (an
  HTTP ``get``/``head`` on a client or session, ``resp.json()`` of the response), plus pure
  work, logging and printing;
- ``w`` **keyed write**: writes to a store keyed by one of its parameters
  (``await self._kv.put(self._prefix + key, value)``), possibly after such reads;
- ``p`` **pure**: awaits nothing of its own (only the project coroutines it calls);
- ``o`` **ordered**: anything whose order can matter: sleeps, locks, queues, streams,
  transactions, sends on one connection, writes to ``self.x``/globals/arguments;
- ``u`` **unknown**: an await or a side effect this summary cannot judge.

A summary is made from the body alone (``summarise_function``) and stored with the
module's summary, so it is cached and invalidated with the index, file by file. The
project coroutines a body awaits are recorded as questions (``("f", qualified name)``,
``("s", method of the same class)``); ``resolve_effect`` puts them to the index at lint
time, transitively to ``MAX_DEPTH`` calls, so the result cache records every module it
consulted as a dependency of the file being linted.
"""

from __future__ import annotations

import ast
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from ..base.nodes import child_nodes, last_name
from ..knowledge import ordered

# (kind, evidence, callees, parameters, key parameters); see the module docstring.
Effect = Tuple[str, str, Tuple[Tuple[str, str], ...], Tuple[str, ...], Tuple[str, ...]]
# What a lint asks: (kind, evidence, parameters, key parameters).
Resolved = Tuple[str, str, Tuple[str, ...], Tuple[str, ...]]

MAX_DEPTH = 3
# HTTP reads: safe to overlap on one client (a connection pool serves them).
_HTTP_READS: FrozenSet[str] = frozenset({"get", "head", "options"})
_HTTP_RECEIVER_TOKENS: FrozenSet[str] = frozenset({
    "client", "http", "https", "session", "sess", "httpx", "aiohttp", "rest",
})
_URL_TOKENS: FrozenSet[str] = frozenset({"url", "uri", "path", "endpoint", "link", "href", "route"})
_HTTP_TYPES: FrozenSet[str] = ordered.CONCURRENT_TYPE_NAMES
# Methods of a response object already received: reading its body is part of the read.
_RESPONSE_METHODS: FrozenSet[str] = frozenset({"json", "text", "read", "release", "content", "body"})
# Keyed writes to a store: independent per key.
_STORE_VERBS: FrozenSet[str] = ordered.STORE_VERBS | frozenset({"hset", "hdel", "setex", "upload", "unlink"})
_STORE_TOKENS: FrozenSet[str] = ordered.STORE_NAME_TOKENS | frozenset({"s3", "bucket", "blob", "blobs", "objects"})
_KEY_KEYWORDS: FrozenSet[str] = frozenset({"key", "Key", "name", "path"})
# Context managers that only bound the time of a body: entering them orders nothing.
_TIMEOUTS: FrozenSet[str] = frozenset({
    "asyncio.timeout", "asyncio.timeout_at", "async_timeout.timeout", "anyio.fail_after", "anyio.move_on_after",
    "trio.fail_after", "trio.move_on_after",
})
_LOG_ROOTS: FrozenSet[str] = frozenset({"logger", "log", "logging", "_logger", "_log", "LOGGER", "_LOGGER",
                                        "LOG", "warnings"})
_LOG_METHODS: FrozenSet[str] = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                                          "log"})
_LOCK_WORDS: FrozenSet[str] = frozenset({
    "lock", "locked", "acquire", "semaphore", "sem", "mutex", "limiter", "limit", "throttle", "cond", "condition",
})
_TRANSACTION_WORDS: FrozenSet[str] = frozenset({"transaction", "begin", "atomic", "savepoint", "tx", "txn"})
_RANK = {"o": 4, "u": 3, "w": 2, "r": 1, "p": 0}

KIND_NAMES = {"r": "read", "w": "keyed write", "p": "pure", "o": "ordered", "u": "unknown"}


def _text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 - a node ast cannot print: shown by its type
        return type(node).__name__


def _root(expr: ast.AST) -> Optional[str]:
    while isinstance(expr, (ast.Attribute, ast.Subscript, ast.Starred)):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _url_like(arg: ast.AST) -> bool:
    """A URL or path argument: a string, an f-string, ``base + path``, or a name that says URL."""
    if isinstance(arg, ast.JoinedStr) or (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return True
    if isinstance(arg, ast.BinOp):
        return _url_like(arg.left) or _url_like(arg.right)
    last = last_name(arg, through_calls=True)
    return last is not None and any(t in _URL_TOKENS for t in ordered.name_tokens(last))


class _Body:
    """One ``async def`` body, judged statement by statement (nested defs, lambdas and classes skipped)."""

    def __init__(self, func: ast.AsyncFunctionDef, qualify: Callable[[ast.expr], str], is_method: bool,
                 attr_types: Dict[str, str], annotation: Callable[[Optional[ast.expr]], str]) -> None:
        self.func = func
        self.qualify = qualify
        args = func.args
        positional = [*args.posonlyargs, *args.args]
        self.me = positional[0].arg if is_method and positional else None
        self.params: Tuple[str, ...] = tuple(a.arg for a in positional[1 if self.me else 0:])
        everything = [*positional, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a is not None)]
        self.all_params: Set[str] = {a.arg for a in everything}
        self.param_types = {a.arg: annotation(a.annotation) for a in everything if a.annotation is not None}
        self.attr_types = attr_types
        self.locals: Set[str] = set()
        self.responses: Set[str] = set()
        self.kind = "p"
        self.evidence = ""
        self.callees: List[Tuple[str, str]] = []
        self.keys: Set[str] = set()

    # -- the verdict ----------------------------------------------------------------
    def note(self, kind: str, evidence: str) -> None:
        if _RANK[kind] > _RANK[self.kind]:
            self.kind, self.evidence = kind, evidence

    def run(self) -> Effect:
        nodes = self._nodes()
        for node in nodes:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.locals.add(node.id)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Await) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                self.responses.add(node.targets[0].id)  # `resp = await client.get(url)`
            elif isinstance(node, ast.AsyncWith):
                self.responses.update(i.optional_vars.id for i in node.items if isinstance(i.optional_vars, ast.Name))
        self.locals -= self.all_params
        self.responses -= self.all_params
        for node in nodes:
            if self.kind == "o":
                break
            self._judge(node)
        kind = self.kind
        return (kind, self.evidence, tuple(dict.fromkeys(self.callees)), self.params,
                tuple(sorted(self.keys)) if kind == "w" else ())

    def _nodes(self) -> List[ast.AST]:
        found: List[ast.AST] = []
        stack: List[ast.AST] = list(reversed(self.func.body))
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            found.append(node)
            stack.extend(reversed(child_nodes(node)))
        return found

    # -- one node ---------------------------------------------------------------------
    def _judge(self, node: ast.AST) -> None:
        if isinstance(node, ast.Await):
            value = node.value
            if isinstance(value, ast.Call):
                self._awaited(value)
            else:
                self.note("o", f"awaits `{_text(value)}`")
        elif isinstance(node, ast.AsyncWith):
            for item in node.items:
                self._entered(item.context_expr, item.optional_vars)
        elif isinstance(node, ast.With):
            for item in node.items:
                words = self._words(item.context_expr)
                if words & _LOCK_WORDS:
                    self.note("o", f"holds `{_text(item.context_expr)}`")
        elif isinstance(node, (ast.AsyncFor, ast.Yield, ast.YieldFrom)):
            if isinstance(node, ast.AsyncFor) and _root(node.iter) in self.responses:
                return
            self.note("u", "iterates asynchronously" if isinstance(node, ast.AsyncFor) else "yields")
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            self.note("o", f"writes the {'global' if isinstance(node, ast.Global) else 'outer'} "
                           f"`{node.names[0]}`")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                self._stored(target)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self._statement_call(node.value)

    def _words(self, expr: ast.expr) -> Set[str]:
        words: Set[str] = set()
        node: ast.AST = expr.func if isinstance(expr, ast.Call) else expr
        while isinstance(node, (ast.Attribute, ast.Name, ast.Call, ast.Subscript)):
            if isinstance(node, ast.Attribute):
                words.update(ordered.name_tokens(node.attr))
                node = node.value
            elif isinstance(node, ast.Name):
                words.update(ordered.name_tokens(node.id))
                break
            elif isinstance(node, ast.Call):
                node = node.func
            else:
                node = node.value
        return words

    def _stored(self, target: ast.expr) -> None:
        for element in _elements(target):
            if isinstance(element, (ast.Attribute, ast.Subscript)):
                root = _root(element)
                if root is None or root not in self.locals or root in self.all_params:
                    self.note("o", f"writes `{_text(element)}`")
                    return

    def _statement_call(self, call: ast.Call) -> None:
        """A sync call whose result is dropped: a side effect, unless it logs or fills a local."""
        func = call.func
        root = _root(func)
        if isinstance(func, ast.Name):
            if func.id in ("print",) or self.qualify(func).startswith(("logging.", "warnings.")):
                return
            self.note("u", f"calls `{func.id}()`")
            return
        if isinstance(func, ast.Attribute):
            if root in _LOG_ROOTS or (func.attr in _LOG_METHODS and _mentions_log(func.value)):
                return
            if root is not None and root in self.locals:
                return  # filling a local list or dict
            self.note("o" if root == self.me or root in self.all_params else "u", f"calls `{_text(func)}()`")

    def _entered(self, expr: ast.expr, target: Optional[ast.expr]) -> None:
        """``async with X`` : a timeout orders nothing; a lock or transaction does; a request reads."""
        if isinstance(expr, ast.Call) and self.qualify(expr.func) in _TIMEOUTS:
            return
        words = self._words(expr)
        if words & _LOCK_WORDS:
            self.note("o", f"takes `{_text(expr)}`")
            return
        if words & _TRANSACTION_WORDS:
            self.note("o", f"runs in `{_text(expr)}`")
            return
        if not isinstance(expr, ast.Call):
            self.note("o", f"enters `{_text(expr)}`")
            return
        self._awaited(expr)

    def _awaited(self, call: ast.Call) -> None:
        func = call.func
        has_args = bool(call.args or call.keywords)
        if isinstance(func, ast.Name):
            name = func.id
            if name in self.locals or name in self.all_params:
                self.note("u", f"awaits `{name}()`")
                return
            qualname = self.qualify(func)
            if qualname == "?":
                self.note("u", f"awaits `{name}()`")
                return
            if ordered.is_ordered(qualname, name, has_args, ()):
                self.note("o", "sleeps" if "sleep" in name else f"awaits `{name}()`")
                return
            top = qualname.split(".", 1)[0]
            if top in ("asyncio", "trio", "anyio", "builtins"):
                self.note("u", f"awaits `{name}()`")
                return
            self.callees.append(("f", qualname))
            return
        if not isinstance(func, ast.Attribute):
            self.note("u", f"awaits `{_text(func)}()`")
            return
        receiver, method = func.value, func.attr
        if isinstance(receiver, ast.Name) and receiver.id == self.me and self.me is not None:
            self.callees.append(("s", method))
            return
        root = _root(receiver)
        text = f"`{_text(func)}()`"
        kind = self._type_of(receiver)
        if kind and kind not in _HTTP_TYPES and not ordered.is_serial_type(kind):
            self.callees.append(("m", f"{kind}.{method}"))  # a project object's method: its own summary
            return
        if root in self.responses and method in _RESPONSE_METHODS:
            return
        if isinstance(receiver, ast.Name) and receiver.id not in self.locals and receiver.id not in self.all_params \
                and receiver.id != self.me:
            qualname = self.qualify(func)
            if qualname != "?" and (qualname in ordered.ORDERED_FUNCTIONS or "sleep" in method):
                self.note("o", "sleeps" if "sleep" in method else f"awaits {text}")
                return
        if ordered.verb(method) in _STORE_VERBS and self._store(receiver) and not self._serial(receiver):
            keys = self._key_params(call)
            if keys:
                self.keys.update(keys)
                self.note("w", text)
                return
        if ordered.is_ordered(None, method, has_args, ()) or (
                method in ordered.QUEUE_METHODS and ordered.is_queue_name(last_name(receiver, through_calls=True) or "")):
            self.note("o", f"awaits {text}, a step in order")
            return
        if self._serial(receiver):
            self.note("o", f"uses one-at-a-time `{_text(receiver)}`")
            return
        if method in _HTTP_READS and self._http(receiver, call):
            self.note("r", text)
            return
        self.note("u", f"awaits {text}")

    def _type_of(self, receiver: ast.expr) -> str:
        if isinstance(receiver, ast.Name):
            return self.param_types.get(receiver.id, "")
        if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) \
                and receiver.value.id == self.me:
            return self.attr_types.get(receiver.attr, "")
        return ""

    def _serial(self, receiver: ast.expr) -> bool:
        kind = self._type_of(receiver)
        if kind in _HTTP_TYPES:
            return False
        if kind and ordered.is_serial_type(kind):
            return True
        node: ast.AST = receiver
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            if isinstance(node, ast.Attribute) and ordered.is_serial_name(node.attr):
                return True
            node = node.value
        if isinstance(node, ast.Name) and node.id != self.me and ordered.is_serial_name(node.id):
            return True
        return False

    def _http(self, receiver: ast.expr, call: ast.Call) -> bool:
        """An HTTP client's read: by the receiver's type, or by its name and a URL argument."""
        if self._type_of(receiver) in _HTTP_TYPES:
            return True
        last = last_name(receiver, through_calls=True)
        if last is None or not any(t in _HTTP_RECEIVER_TOKENS for t in ordered.name_tokens(last)):
            return False
        first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "url"), None)
        return first is not None and _url_like(first)

    def _store(self, receiver: ast.expr) -> bool:
        last = last_name(receiver, through_calls=True)
        return last is not None and any(t in _STORE_TOKENS for t in ordered.name_tokens(last))

    def _key_params(self, call: ast.Call) -> Set[str]:
        key = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in _KEY_KEYWORDS), None)
        if key is None:
            return set()
        return {n.id for n in ast.walk(key) if isinstance(n, ast.Name) and n.id in self.params}


def _mentions_log(expr: ast.expr) -> bool:
    """``loggers.scene``, ``self._log``, ``self.logger``: a logger, by a name in the chain."""
    node: ast.AST = expr
    while isinstance(node, ast.Attribute):
        if "log" in node.attr.lower():
            return True
        node = node.value
    return isinstance(node, ast.Name) and "log" in node.id.lower()


def _elements(target: ast.expr) -> List[ast.expr]:
    if isinstance(target, (ast.Tuple, ast.List)):
        return [e for element in target.elts for e in _elements(element)]
    if isinstance(target, ast.Starred):
        return _elements(target.value)
    return [target]


def summarise_function(func: ast.AsyncFunctionDef, qualify: Callable[[ast.expr], str], is_method: bool,
                       attr_types: Dict[str, str], annotation: Callable[[Optional[ast.expr]], str]) -> Effect:
    """The effect summary of one ``async def`` from its body (callees still unresolved)."""
    try:
        return _Body(func, qualify, is_method, attr_types, annotation).run()
    except RecursionError:
        return ("u", "too deep to read", (), (), ())


# -- at lint time ---------------------------------------------------------------------------

def resolve_effect(index: Any, target: Any, local: Any, memo: Dict[Tuple[str, str], Optional[Resolved]],
                   depth: int = 0) -> Optional[Resolved]:
    """The effect of calling ``target`` (an ``index.Target``), through the project coroutines it awaits.

    None when the index has no summary for it (not a project coroutine). ``index`` answers
    ``effect_entry(target, local)`` -> (Effect, module, class qualified name or "") and the
    ``function``/``method`` questions, recording what they consulted.
    """
    key = (target.path, target.qualname)
    if key in memo:
        return memo[key]
    memo[key] = ("u", "calls itself", (), ())  # a cycle reads as unknown
    found = _resolve(index, target, local, memo, depth)
    memo[key] = found
    return found


def _resolve(index: Any, target: Any, local: Any, memo: Dict[Tuple[str, str], Optional[Resolved]],
             depth: int) -> Optional[Resolved]:
    entry = index.effect_entry(target, local)
    if entry is None:
        return None
    effect, cls = entry
    kind, evidence, callees, params, keys = effect
    if kind in ("o", "u"):
        return kind, evidence, params, keys
    for question, name in callees:
        shown = name.rsplit(".", 1)[-1]
        if depth >= MAX_DEPTH:
            return "u", f"awaits `{shown}()` too deep to follow", params, keys
        if question == "s":
            callee = index.method(cls, name, target.path, local) if cls else None
        elif question == "m":
            owner, _, method = name.rpartition(".")
            callee = index.method(owner, method, target.path, local)
        else:
            callee = index.function(name, target.path, local)
        if callee is None or not callee.is_coroutine:
            return "u", f"awaits `{shown}()`", params, keys
        inner = resolve_effect(index, callee, local, memo, depth + 1)
        if inner is None:
            return "u", f"awaits `{shown}()`", params, keys
        inner_kind, inner_evidence = inner[0], inner[1]
        if inner_kind in ("o", "u", "w"):
            return ("o" if inner_kind == "o" else "u"), f"awaits `{shown}()`, which {_phrase(inner_kind, inner_evidence)}", \
                params, keys
        if inner_kind == "r" and kind == "p":
            kind, evidence = "r", inner_evidence
    return kind, evidence, params, keys


def _phrase(kind: str, evidence: str) -> str:
    if kind == "w":
        return f"writes through {evidence}"
    return evidence


def describe(calls: Sequence[Tuple[str, Resolved]]) -> str:
    """Why these calls are independent, for a message: "`load()` only reads through `client.get()`"."""
    grouped: Dict[Tuple[str, str], List[str]] = {}
    for name, resolved in calls:
        names = grouped.setdefault((resolved[0], resolved[1]), [])
        if name not in names:
            names.append(name)
    parts = []
    for (kind, evidence), names in grouped.items():
        shown = ", ".join(f"`{n}()`" for n in names)
        one = len(names) == 1
        if kind == "w":
            parts.append(f"{shown} only {'writes its own key' if one else 'write their own keys'} through {evidence}")
        else:
            parts.append(f"{shown} only {'reads' if one else 'read'} through {evidence}")
    return " and ".join(parts)


def key_arguments(call: ast.Call, resolved: Resolved, is_method: bool) -> Optional[List[ast.expr]]:
    """The call's arguments that feed the callee's store key (None when they cannot be matched)."""
    params, keys = resolved[2], resolved[3]
    found: List[ast.expr] = []
    for key in keys:
        if key not in params:
            return None
        position = params.index(key)
        value = next((k.value for k in call.keywords if k.arg == key), None)
        if value is None:
            if any(isinstance(a, ast.Starred) for a in call.args[:position + 1]) or position >= len(call.args):
                return None
            value = call.args[position]
        found.append(value)
    return found or None


def effect_keys(summary: Dict[str, Any]) -> Sequence[str]:
    """The functions of a module summary that have an effect summary (for tests and tools)."""
    return sorted(summary.get("e", {}))
