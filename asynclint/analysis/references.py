"""Who uses a coroutine function: started as a task, awaited, or anything else (AL401/AL402/AL406).

A swallowed cancellation harms the code that waits for the coroutine: an ``await``
of it, a ``gather`` or ``wait_for`` around it. A coroutine that the project only ever
*starts* (``asyncio.create_task(self._read_loop())``, ``nursery.start_soon(worker)``)
is a task body: nobody's own cancellation runs through it, and a handler that ends
it only leaves ``task.cancelled()`` False. Telling the two apart needs every
reference in the project, so each module's summary records, per name, how often it
is spawned, awaited or used otherwise, and the index adds the modules up.

Names, not resolved targets: a reference is counted for every function of that name
(``run`` started in one class and awaited in another counts as awaited). That can
only make a coroutine *not* a task body, so it errs toward reporting. What the text
does tell is *how* a name is reached, and that rules out whole kinds of target: a
method is only reached as an attribute, a module-level function by its bare name
or through a module. So every count is kept in three channels:

- ``FUNC``: the bare name (``run()``, ``from m import run``) or an attribute reached
  from an imported name (``module.run()``, ``pkg.module.run()``): a module-level (or
  nested) function;
- ``SELF``: an attribute of ``self`` or ``cls``: a method;
- ``ATTR``: any other attribute (``worker.run()``, ``self._client.run()``): a method
  (a module held in a variable is too rare to count).

A method counts ``SELF`` and ``ATTR``; a function ``FUNC`` (``combine``), so ``await
self.client_listen()`` or ``coordinator.client_listen()`` in one class no longer hides
a module function ``client_listen`` that is only started as a task, and ``from .main
import main`` no longer hides a method ``main``. The counts are read from the source
text (occurrences of the name outside comments and docstrings) and from the
statements on lines that start tasks, so the whole tree is never walked:

- ``r``: ``{name: counts}`` for the names this module defines with ``async def``
  (at any depth) or spawns; ``counts`` is (spawned, awaited, other) per channel,
  nine numbers in the order FUNC, SELF, ATTR;
- ``m``: the other names it reads as attributes or imports, space separated, each
  prefixed by its channel (``!`` FUNC, ``@`` SELF, none ATTR); each counts as an
  "other" use of a coroutine function of that name elsewhere (an "awaited" one when
  marked ``~``: read inside an ``await`` or ``return`` expression, ``_awaited_spans``) (a module with a star
  import lists every bare word it holds as FUNC, its attributes by their channel);
  ``!name>package`` is a use reached through a module of another top-level package
  (``asyncio.run(main())``, ``from trio import run``): it can only be that package's
  function, and counts for nothing else;
- ``p``: the top-level packages it imports (anywhere in the file);
- ``sc``: per name, the classes that reach it through ``self``/``cls`` (``self_use_classes``);
- ``ak``: per name awaited only in calls through another object that spell their arguments, what the
  module adds to its awaited count and the calls' shapes (``awaited_call_shapes``): a method whose
  signature takes none of them is not what they await (``takes_call``).

A use counts for a function of another top-level package only when one of the two
packages imports the other (at module level or in a function): code can call into
a package it imports, or be called back by a framework it is imported by, but not
reach a package unrelated to it (a monorepo of several projects, or the benchmark
corpus, keeps one project's ``_run`` from hiding another's).
"""

from __future__ import annotations

import ast
import bisect
import heapq
import re
from collections import Counter
from typing import Any, Callable, Container, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from ..base.nodes import child_nodes, last_name, walk
from .flow import TRY_TYPES, block_exits, leaving_jumps, walk_local

# Calls that run their first argument, a coroutine object, as a task or an event loop's main coroutine.
CORO_SPAWNERS = frozenset({"create_task", "ensure_future", "run_coroutine_threadsafe", "run_until_complete",
                           "create_background_task", "async_create_task", "async_create_background_task",
                           "add_task",  # (sanic's ``app.add_task(coro)``)
                           "convert_yielded"}  # tornado's ``gen.convert_yielded(coro)``: ensure_future
                          # Starlette's and sse-starlette's responses: the server iterates the async generator in
                          # the request's own task, which nothing in the project awaits (``StreamingResponse(gen())``)
                          | {"StreamingResponse", "EventSourceResponse"})
# Calls that run their first argument, a coroutine function, as a task (trio/anyio).
FUNC_SPAWNERS = frozenset({"start_soon", "spawn_system_task",
                           "start_background_task",  # python-socketio / python-engineio's documented spawner
                           "spawn_callback"})  # tornado's ``IOLoop.spawn_callback(fn, *args)``
# ``asyncio.run(main())``, ``trio.run(main)``, and servers that run their connection handler in a new task
# per connection (``asyncio.start_server(on_connection, host, port)`` schedules a coroutine function's
# call as a task, ``trio.serve_tcp(handler, port)`` starts it in a nursery): only under these names.
RUNNERS = {"asyncio.run": "coro", "trio.run": "func", "anyio.run": "func",
           "asyncio.start_server": "func", "asyncio.start_unix_server": "func",
           "asyncio.streams.start_server": "func", "asyncio.streams.start_unix_server": "func",
           "trio.serve_tcp": "func", "trio.serve_listeners": "func"}
# ``asyncio.wait([f(), g()])``: each coroutine of the collection becomes a task of its own, which a cancelled
# ``wait`` leaves running and never reports on (a task body, as under ``create_task``).
COLLECTION_WAITERS = frozenset({"asyncio.wait", "asyncio.tasks.wait", "asyncio.as_completed",
                                "asyncio.tasks.as_completed"})
# ``@app.command()`` (click, typer and the CLIs built on them): the CLI runs the coroutine as its program's root.
CLI_DECORATORS = frozenset({"command"})
# ``@sio.on("message")``, ``@client.event``, ``@app.on_event("startup")``: an event handler the framework's
# dispatcher runs (python-socketio and pyee start each call as a task; discord.py in ``_run_event``'s task);
# nothing in the project awaits it, so it is a root like a CLI command.
EVENT_DECORATORS = frozenset({"on", "event", "on_event"})
ROOT_DECORATORS = CLI_DECORATORS | EVENT_DECORATORS
# ``@router.get("/items")``, ``@app.websocket("/ws")``, ``@routes.post("/x")``: a route the web framework runs in
# the request's or connection's own task (FastAPI/Starlette, aiohttp's route tables, Quart, Sanic, Litestar);
# nothing in the project awaits it. Only with a path given first, as a string starting with "/".
ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "route",
                              "api_route", "websocket", "websocket_route", "ws"})
PARTIAL = frozenset({"functools.partial", "partial"})

_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
_SPAWN_WORDS = ("create_task", "ensure_future", "run_coroutine_threadsafe", "run_until_complete",
                "create_background_task", "start_soon", "spawn_system_task", "start(", "run(", "add_task",
                "start_background_task", "spawn_callback", "convert_yielded", "StreamingResponse",
                "EventSourceResponse", "start_server", "start_unix_server", "serve_tcp", "serve_listeners")
# (Patterns start with a literal, which the regex engine searches for fast.)
_ASYNC_DEF = re.compile(r"async\s+def\s+(" + _WORD + ")")
_ANY_DEF = re.compile(r"\bdef\s+(" + _WORD + ")")
# ``await``/``return`` and the dotted name after it (two patterns that start with a literal: ten times
# faster than one alternation)
_AWAIT_NAME = re.compile(r"await\b[ \t]*([\w. \t]*)")
_RETURN_NAME = re.compile(r"return\b(?![ \t]*await\b)[ \t]*([\w. \t]*)")  # (``return await ...`` is the await's)
_COMMENT = re.compile(r"#[^\n]*")
_TRAILER = re.compile(r"(?:[ \t]*\.[ \t]*\w+)*[ \t]*")  # ``.attr`` after a closing bracket, not `` and b()``
_SCAN_LIMIT = 20000  # an opening bracket not closed this far on (one inside a kept string): the line only
_IMPORTED_PACKAGE = re.compile(r"(?m)^[ \t]*(?:from|import)[ \t]+(" + _WORD + ")")  # any depth: imports inside functions count
_ALL_WORDS = re.compile(r"\b" + _WORD)
# Comments, triple-quoted strings and strings holding a space (kept: ``getattr(x, "name")`` uses it).
_NOISE = re.compile(r"(?s)(\"\"\"|''')(?:\\.|(?!\1).)*?\1|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|#[^\n]*")

Counts = Tuple[int, ...]  # (spawned, awaited, other) per channel: nine numbers
_PARAM = "\x00"  # marks a spawned parameter (a coroutine object) while the module is read
_CALLED_PARAM = "\x01"  # marks a parameter called to make the spawned coroutine (``create_task(target(*args))``)
SPAWN, AWAIT, OTHER = 0, 1, 2
AWAITED_MARK = "~"  # after a mention (``@_shared~``): the module reads it inside an awaited expression
FUNC, SELF, ATTR = 0, 3, 6  # where each channel's three numbers start
_PREFIX = {FUNC: "!", SELF: "@", ATTR: ""}
_CHAIN = _WORD + r"(?:\s*\.\s*" + _WORD + ")*"
_RECEIVER = re.compile(r"(" + _CHAIN + r")?\s*\.\s*$")  # searched right before a name
_DOTTED = re.compile(_CHAIN)
_BOUND_AFTER = re.compile(r"[ \t]*=(?!=)")
_DOT_SPLIT = re.compile(r"\s*\.\s*")
_AFTER_CALL = re.compile(r"[)\]]\s*\.\s*(" + _WORD + ")")


def private_name(name: str) -> bool:
    """``_read_loop``, not ``__aenter__`` (a protocol method) nor ``__mangled`` (the class's own)."""
    return name.startswith("_") and not name.startswith("__") and len(name) > 1


def combine(counts: Counts, method: bool) -> Tuple[int, int, int]:
    """(spawned, awaited, other) for a method (SELF + ATTR) or a module-level function (FUNC)."""
    if not method:
        return (counts[FUNC], counts[FUNC + 1], counts[FUNC + 2])
    return (counts[SELF] + counts[ATTR], counts[SELF + 1] + counts[ATTR + 1], counts[SELF + 2] + counts[ATTR + 2])


def _channel(receiver: Optional[str], imports: Dict[str, str]) -> int:
    """The channel of a reference reached through ``receiver.`` (a dotted chain; None: a bare name)."""
    if receiver is None:
        return FUNC
    if receiver in ("self", "cls"):
        return SELF
    head = _DOT_SPLIT.split(receiver, 1)[0]
    return FUNC if head in imports else ATTR


def _expression_channel(expr: ast.expr, imports: Dict[str, str]) -> int:
    """The channel of a called or passed expression (``f``, ``self.f``, ``mod.f``, ``x.y.f``)."""
    if not isinstance(expr, ast.Attribute):
        return FUNC
    parts: List[str] = []
    value: ast.expr = expr.value
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name):
        return ATTR
    parts.append(value.id)
    return _channel(".".join(reversed(parts)), imports)


_IMPORT_PATH = re.compile(r"(?m)^[ \t]*(?:from[ \t]+[\w.]+|import[ \t]+[\w., \t]+$)")  # module paths, not attributes


def _attribute_words(code: str, imports: Dict[str, str]) -> Iterator[Tuple[Optional[str], int, str]]:
    """Every name read as an attribute, with its receiver and channel (``a.b.c`` gives b through ``a``,
    c through ``a.b``; a name after a call's or subscript's end has no known receiver)."""
    for match in _DOTTED.finditer(code):
        parts = _DOT_SPLIT.split(match.group(0))
        for i in range(1, len(parts)):
            receiver = ".".join(parts[:i])
            yield receiver, _channel(receiver, imports), parts[i]
    for name in _AFTER_CALL.findall(code):
        yield None, ATTR, name


def _foreign_imports(imports: Dict[str, str], package: str) -> Dict[str, str]:
    """``{local name: top-level package}`` for the module-level imports of another top-level package
    than ``package`` (``import asyncio``, ``from trio import run``)."""
    if not package:
        return {}
    found: Dict[str, str] = {}
    for local, qualified in imports.items():
        top = qualified.split(".", 1)[0]
        if top and top != package:
            found[local] = top
    return found


def _foreign_target(receiver: Optional[str], name: str, foreign: Dict[str, str]) -> Optional[str]:
    """The other top-level package a use of ``name`` is reached through (``asyncio.run``: ``asyncio``;
    a bare ``run`` imported from trio: ``trio``), or None."""
    if receiver is None:
        return foreign.get(name)
    if not receiver:
        return None
    return foreign.get(_DOT_SPLIT.split(receiver, 1)[0])


def _bare_words(code: str) -> Iterator[str]:
    """The words of ``code`` that are not read as an attribute (nothing but spaces between a dot and them)."""
    seen: Set[str] = set()
    for match in _ALL_WORDS.finditer(code):
        word = match.group(0)
        if word in seen:
            continue
        j = match.start() - 1
        while j >= 0 and code[j] in " \t\n\\":
            j -= 1
        if j < 0 or code[j] != ".":
            seen.add(word)
            yield word


def module_references(tree: ast.Module, source: str, imports: Dict[str, str], star: bool, package: str = ""
                      ) -> Tuple[Dict[str, Counts], str, Tuple[str, ...], Dict[str, Tuple[str, ...]],
                                 Dict[str, Tuple[str, ...]], Dict[str, int], Tuple[str, ...],
                                 Dict[str, Tuple[Any, ...]], Tuple[str, ...]]:
    """The module's ``r``, ``m``, ``p``, ``sc``, ``tl``, ``sh``, ``hc``, ``ak`` and ``ro`` (see above,
    ``self_use_classes``, ``tail_only_uses``, ``helper_calls``, ``awaited_call_shapes`` and
    ``raise_only_uses``). ``imports`` maps local names to qualified ones; ``package`` is
    the module's own top-level package (a use through an import of another one is that package's,
    ``!name>other``)."""
    foreign = _foreign_imports(imports, package)
    targeted: Set[str] = set()
    spawn_lines: Set[int] = set()
    helpers: Dict[str, int] = {}
    spawned = _spawns(tree, source, imports, spawn_lines, helpers)
    roots: Counter[str] = Counter()  # started by the CLI, with no call in the text
    spelled: Counter[str] = Counter()  # the command's name in its own decorator: not a use
    for name, n in _cli_commands(tree):
        roots[name] += 1
        spelled[name] += n
        spawn = spawned.get((name, FUNC), (0, 0))
        spawned[name, FUNC] = (spawn[0] + 1, spawn[1])
    names: Set[str] = set(_ASYNC_DEF.findall(source)) | {name for name, _ in spawned}
    imported = Counter(_imported_names(tree, source))
    table: Dict[str, Counts] = {}
    code = source
    defined: Counter[str] = Counter()
    if names:  # comments and docstrings are stripped only where a count is needed (a third of the cost)
        code = _IMPORT_PATH.sub(" ", _NOISE.sub(_keep_strings, source))
        defined = Counter(_ANY_DEF.findall(code))  # a ``def`` of the same name is not a use either
        pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
        counts: Counter[Tuple[str, int]] = Counter()
        awaited: Counter[Tuple[str, int]] = Counter()
        spans = _awaited_spans(code, _starter_aliases(imports))
        starts = [start for start, _ in spans]
        for match in pattern.finditer(code):
            if _BOUND_AFTER.match(code, match.end()):
                continue  # ``start = ...``, ``f(start=1)``, ``self.start = ...``: a name bound, not a use
            before = _RECEIVER.search(code, max(0, match.start() - 200), match.start())
            receiver = before.group(1) or "" if before else None
            elsewhere = None if receiver is None and defined[match.group(1)] else \
                _foreign_target(receiver, match.group(1), foreign)  # (a local ``def`` shadows an import)
            if elsewhere:
                targeted.add(f"{_PREFIX[FUNC]}{match.group(1)}>{elsewhere}")
                continue
            channel = _channel(receiver, imports)
            counts[match.group(1), channel] += 1
            at = bisect.bisect_right(starts, match.start()) - 1
            if at >= 0 and match.start() < spans[at][1]:
                awaited[match.group(1), channel] += 1
        for name in names:
            row: List[int] = []
            for channel in (FUNC, SELF, ATTR):
                spawn = spawned.get((name, channel), (0, 0))
                uses = counts[name, channel] - (defined[name] + imported[name] if channel == FUNC else 0)
                awaits = max(awaited[name, channel], spawn[1])  # (``await create_task(...)`` is in both)
                written = spawn[0] - (roots[name] - spelled[name] if channel == FUNC else 0)  # spawns (and names) in the text
                row += [spawn[0], awaits, max(0, uses - written - awaits)]
            table[name] = tuple(row)
    else:
        code = _IMPORT_PATH.sub(" ", code)
        spans = _awaited_spans(_COMMENT.sub(lambda m: " " * len(m.group()), code),  # (same offsets, no comments)
                               _starter_aliases(imports))
    # names read inside an awaited (or returned) expression: such a mention is marked ``~`` (awaited)
    in_awaits = set(_ALL_WORDS.findall(" ".join(code[a:b] for a, b in spans)))

    def word(channel: int, name: str) -> str:
        return _PREFIX[channel] + name + (AWAITED_MARK if name in in_awaits else "")

    if star:  # any bare word may be a star-imported function
        words = {word(FUNC, bare) for bare in _bare_words(code) if bare not in names}
    else:
        words = {word(FUNC, name) for name in imported if name not in names and name not in foreign}
        words.update(f"{_PREFIX[FUNC]}{name}>{foreign[name]}" for name in imported if name in foreign and name not in names)
    for receiver, channel, name in _attribute_words(code, imports):
        if name not in names:
            elsewhere = _foreign_target(receiver, name, foreign)
            words.add(f"{_PREFIX[FUNC]}{name}>{elsewhere}" if elsewhere else word(channel, name))
    words |= targeted
    classes = self_use_classes(tree, source, names, spawn_lines) if names else {}
    tails = tail_only_uses(tree, code, imports, defined, imported) if names and not star else {}
    calls = helper_calls(code, imports, names)
    shapes = awaited_call_shapes(tree, code, spans, imports, tails, names)
    before_raise = raise_only_uses(tree, code, imports, imported)
    return (table, " ".join(sorted(words)), tuple(sorted(set(_IMPORTED_PACKAGE.findall(source)))), classes, tails,
            helpers, calls, shapes, before_raise)


_AWAITED_CALL = re.compile(r"await[ \t]+(?:" + _WORD + r"[ \t]*\.[ \t]*)*(" + _WORD + r")[ \t]*\(")


def raise_only_uses(tree: ast.Module, code: str, imports: Dict[str, str], imported: "Counter[str]") -> Tuple[str, ...]:
    """The private names (or names reached through a private module) this module uses only as
    ``await name(...)`` where an exception is on its way
    out: inside an ``except`` handler that always raises (``except CancelledError: await _drain(task);
    raise``), or in the ``finally`` of a ``try`` whose handlers all do (and that does not jump out).
    Whatever such a helper does with a cancellation, the coroutine that awaited it raises right after.
    Each is given as a word with its channel (``!name``, ``@name``, ``name``, as in ``m``). Every mention
    but its ``def`` and imports must be one of those awaits (``code`` is the module without comments and
    docstrings where the counts needed them: an extra mention only keeps a name out)."""
    candidates = set(_AWAITED_CALL.findall(code))
    if not candidates:
        return ()
    found: Counter[str] = Counter()
    channels: Set[str] = set()
    seen: Set[int] = set()  # (a handler inside such a ``finally`` is walked twice)
    stack: List[ast.AST] = list(tree.body)
    while stack:  # statements only: handlers sit in statement blocks, expressions are most of a tree
        node = stack.pop()
        blocks: List[List[ast.stmt]] = []
        if isinstance(node, ast.ExceptHandler) and block_exits(node.body).always_raises:
            blocks.append(node.body)
        if isinstance(node, TRY_TYPES) and node.finalbody \
                and all(block_exits(h.body).always_raises for h in node.handlers) \
                and not any(True for _ in leaving_jumps(node.finalbody)):
            blocks.append(node.finalbody)
        for block in blocks:
            for sub in walk_local(block):
                if isinstance(sub, ast.Await) and isinstance(sub.value, ast.Call) and id(sub) not in seen:
                    seen.add(id(sub))
                    name = last_name(sub.value.func)
                    if name in candidates and (private_name(name) or _through_private_module(sub.value.func, imports)):
                        found[name] += 1
                        channels.add(_PREFIX[_expression_channel(sub.value.func, imports)] + name)
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                stack.extend(block)
    if not found:
        return ()
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(found, key=len, reverse=True)) + r")\b")
    mentions = Counter(pattern.findall(code))
    defined = Counter(name for name in _ANY_DEF.findall(code) if name in found)
    kept = {name for name, n in found.items() if mentions[name] - defined[name] - imported[name] == n}
    return tuple(sorted(word for word in channels if word.lstrip("!@") in kept))


def _through_private_module(func: ast.expr, imports: Dict[str, str]) -> bool:
    """``_errors.notify(...)``, ``notify(...)`` imported from ``pkg._errors``: a function of a private
    module (or reached through a private name), which only its package uses."""
    parts: List[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or func.id not in imports:
        return False  # (``self._impl.run()``: an object's attribute, not a module)
    path = imports[func.id].split(".") + parts[:0:-1]  # (the called name itself is public)
    if not parts:
        path = path[:-1]
    return any(private_name(part) for part in path)


_CALL_WITH_ARGUMENTS = re.compile(r"\.\s*(" + _WORD + r")\s*\(\s*[^\s)]")


def awaited_call_shapes(tree: ast.Module, code: str, spans: Sequence[Tuple[int, int]], imports: Dict[str, str],
                        tails: Dict[str, Tuple[str, ...]], defined: Container[str]) -> Dict[str, Tuple[Any, ...]]:
    """``{name: (uses, "positional|keyword,keyword", ...)}`` for the names this module awaits only in calls
    through another object with arguments it can spell (``await app._process_messages(ready_callback=f)``).

    ``uses`` is what the module adds to the project's awaited count of ``name`` through another object
    (its text count for a name it ``defined``, else 1: a mention); a coroutine function whose
    signature takes none of these calls (``async def _process_messages(self)``) is not what they await,
    so the rule may take those uses off (``ProjectIndex.awaited_call_shapes``). Kept only when every
    awaited mention of the name through another object is such a call, so the counts stay exact.
    """
    if not spans:
        return {}
    candidates = {m.group(1) for start, end in spans for m in _CALL_WITH_ARGUMENTS.finditer(code, start, end)}
    candidates -= tails.keys()
    if not candidates:
        return {}
    found: Dict[str, List[Optional[str]]] = {}
    seen: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Await):
            if isinstance(node.value, ast.Call) and last_name(node.value.func) in _STARTERS:
                continue  # ``await create_task(...)``: counted as started
            calls = [n for n in ast.walk(node.value) if isinstance(n, ast.Call)]
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            calls = [node.value]  # (a ``return``: its callee only)
        else:
            continue
        for call in calls:
            func = call.func
            if id(call) in seen or not isinstance(func, ast.Attribute) or func.attr not in candidates:
                continue
            seen.add(id(call))
            if _expression_channel(func, imports) != ATTR:
                continue
            spelled = not any(isinstance(a, ast.Starred) for a in call.args) and \
                all(kw.arg is not None for kw in call.keywords)
            found.setdefault(func.attr, []).append(
                f"{len(call.args)}|{','.join(sorted(kw.arg for kw in call.keywords if kw.arg))}" if spelled else None)
    shapes: Dict[str, Tuple[Any, ...]] = {}
    for name, calls in found.items():
        if None in calls or len(calls) != _awaited_attribute_count(code, spans, name, imports):
            continue
        shapes[name] = (len(calls) if name in defined else 1, *sorted(set(c for c in calls if c is not None)))
    return shapes


def takes_call(func: ast.AsyncFunctionDef, shape: str) -> bool:
    """Can a call spelled ``shape`` ("npos|kw,kw", ``awaited_call_shapes``) through an instance reach the
    method ``func``? Not when it passes more positional arguments than the method takes after ``self``,
    or a keyword it has no parameter for (no ``*args``/``**kwargs``). A decorated method may take anything."""
    if func.decorator_list:
        return True
    count, _, keywords = shape.partition("|")
    arguments = func.args
    positional = [*arguments.posonlyargs, *arguments.args][1:]
    if int(count) > len(positional) and arguments.vararg is None:
        return False
    instance = (arguments.posonlyargs or arguments.args or [None])[0]
    named = {a.arg for a in arguments.args if a is not instance} | {a.arg for a in arguments.kwonlyargs}
    return arguments.kwarg is not None or all(k in named for k in keywords.split(",") if k)


def _awaited_attribute_count(code: str, spans: Sequence[Tuple[int, int]], name: str, imports: Dict[str, str]) -> int:
    """How often ``name`` is read through another object inside the awaited spans (as the counts read it)."""
    pattern = re.compile(r"\b" + re.escape(name) + r"\b")
    count = 0
    for start, end in spans:
        for match in pattern.finditer(code, start, end):
            if _BOUND_AFTER.match(code, match.end()):
                continue
            before = _RECEIVER.search(code, max(0, match.start() - 200), match.start())
            if before is not None and _channel(before.group(1) or "", imports) == ATTR:
                count += 1
    return count


def _awaited_spans(code: str, aliases: Container[str] = ()) -> List[Tuple[int, int]]:
    """Where the expressions after each ``await`` and ``return`` run, as (start, end) offsets in order:
    the dotted name and its brackets, across lines (``await asyncio.wait_for(self._x(), 5)``, ``await
    helper(\n self._x)``; not ``await nursery.start(...)``, ``await create_task(...)``: the spawn counts
    those, nor a starter imported under another name, ``aliases``), and the callee of ``return
    self._x()``. A coroutine named in one is awaited, directly or by whoever gets it (a ``return``
    hands it to the caller), so its swallowed cancellation reaches them."""
    spans: List[Tuple[int, int]] = []
    size = len(code)
    last = 0
    for match in heapq.merge(_AWAIT_NAME.finditer(code), _RETURN_NAME.finditer(code), key=lambda m: m.start()):
        start, end = match.start(1), match.end()
        awaited = code[match.start()] == "a"
        if start < last or (end == start and not (awaited and end < size and code[end] in "([{")):
            continue  # inside the previous span, or nothing named (``return``, ``return (a, b)``)
        before = match.start() - 1
        if before >= 0 and (code[before].isalnum() or code[before] == "_"):
            continue  # ``self.await_x``: part of another name
        called = match.group(1).rstrip().rpartition(".")[2].strip()
        if awaited and (called in _STARTERS or called in aliases):
            continue  # ``await nursery.start(self._serve)``, ``await create_task(...)``: counted as started
        while awaited and end < size and code[end] in "([{":  # (``return``: the callee only)
            depth, opened = 0, end
            for bracket in _BRACKETS.finditer(code, end):
                depth += 1 if bracket.group() in "([{" else -1
                if depth == 0:
                    end = bracket.end()
                    break
                if bracket.start() - opened > _SCAN_LIMIT:
                    depth = -1
                    break
            if depth != 0:  # never closed: a bracket inside a kept string (``send(":(")``); the line only
                line_end = code.find("\n", opened)
                end = size if line_end < 0 else line_end
                break
            end = _TRAILER.match(code, end).end()  # type: ignore[union-attr]
        spans.append((start, end))
        last = end
    return spans


def _starter_aliases(imports: Dict[str, str]) -> Set[str]:
    """Local names of starters imported under another name (``from asyncio import start_unix_server as serve``)."""
    return {local for local, qualified in imports.items() if local != qualified.rsplit(".", 1)[-1]
            and (qualified in RUNNERS or qualified.rsplit(".", 1)[-1] in _STARTERS)}


_CHAIN_CHARS = re.compile(r"[\w. \t]*")
_BRACKETS = re.compile(r"[()\[\]{}]")
_SERVERS = frozenset({"start_server", "start_unix_server", "serve_tcp", "serve_listeners"})  # (``RUNNERS``)
_STARTERS = CORO_SPAWNERS | FUNC_SPAWNERS | {"start"} | _SERVERS


_CALLEE = re.compile(r"(" + _CHAIN + r")\s*$")
_FIRST_ARGUMENT_CALL = re.compile(r"\(\s*((?:" + _WORD + r"\s*\.\s*)*)(" + _WORD + r")\s*\(")


def helper_calls(code: str, imports: Dict[str, str], names: Set[str]) -> Tuple[str, ...]:
    """``"qualified.callee|name|channel"`` for each call of an imported function whose first argument calls one
    of ``names`` (``background_tasks.create_or_defer(self.loop())``): if another module's ``sh`` says that
    function starts the coroutine it is given, the add-up counts the use as a start (``add_up``). A function of
    another module called there (``create(binding.refresh_loop())``), when that is its only mention in this
    module, is recorded too, marked ``|w`` (its mention word counts as the start)."""
    if not imports:
        return ()
    found: List[str] = []
    for match in _FIRST_ARGUMENT_CALL.finditer(code):  # (one pattern, starting with a literal "(": fast)
        chain, name = match.group(1), match.group(2)
        if name in names:
            word = ""
        elif chain and _DOT_SPLIT.split(chain, 1)[0] in imports and chain.count(".") == 1:
            word = "w"  # ``module.function(`` through an import
        else:
            continue
        qualified = _imported_callee(code, match.start(), imports)
        if not qualified:
            continue
        if word:
            if code.count(name) != 1 and len(re.findall(r"\b" + re.escape(name) + r"\b", code)) != 1:
                continue
            found.append(f"{qualified}|{name}|{FUNC}|w")
        else:
            receiver = _DOT_SPLIT.sub(".", chain).rstrip(".") or None
            found.append(f"{qualified}|{name}|{_channel(receiver, imports)}")
    return tuple(found)


def _imported_callee(code: str, position: int, imports: Dict[str, str]) -> Optional[str]:
    """The qualified name of the imported function called right before ``position`` (``background.create``)."""
    before = _CALLEE.search(code, max(0, position - 200), position)
    if before is None:
        return None
    callee = _DOT_SPLIT.split(before.group(1))
    if callee[0] not in imports:
        return None
    return ".".join([imports[callee[0]], *callee[1:]])


def local_uses(enclosing: ast.AST, func: ast.AST, resolve: Callable[[ast.expr], Optional[str]],
               starts: Optional[Callable[[ast.Call], bool]] = None) -> Optional[Tuple[int, int, int]]:
    """(spawned, awaited, other) uses of a function defined inside ``enclosing``, read from ``enclosing``
    alone: a nested ``def`` is a local name, reached only there (handing it out counts as "other"), so
    another function of the same name elsewhere in the project does not count, as it does for the
    index's name-wide counts. ``await create_task(f())`` and ``return f()`` count as awaited, ``f()``
    in the collection ``asyncio.wait``/``as_completed`` is given as spawned (each becomes a task), ``f()``
    inside ``gather``/``wait_for`` or bound to a name as other. None when the name is bound anywhere
    else in ``enclosing`` (another ``def``, an assignment, a parameter, ``nonlocal``/``global``). ``starts``
    tells of a call that also starts the coroutine object given first (a project helper wrapping
    ``create_task``)."""
    name = getattr(func, "name", None)
    if not name:
        return None
    nodes = walk(enclosing)
    parents: Dict[int, ast.AST] = {}
    for node in nodes:
        if node is not func and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and node.name == name:
            return None
        if (isinstance(node, ast.arg) and node.arg == name) or (
                isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names) or (
                isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load)):
            return None
        for child in child_nodes(node):
            parents[id(child)] = node
    spawned = awaited = other = 0
    for node in nodes:
        if not isinstance(node, ast.Name) or node.id != name:
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Call) and parent.func is node:
            holder = parents.get(id(parent))
            if isinstance(holder, (ast.Await, ast.Return)):
                awaited += 1
            elif isinstance(holder, ast.Call) and holder.args[:1] == [parent] \
                    and (_starter_kind(holder, _resolved(holder, resolve)) == "coro"
                         or (starts is not None and starts(holder))):
                awaited, spawned = (awaited + 1, spawned) if isinstance(parents.get(id(holder)), ast.Await) \
                    else (awaited, spawned + 1)
            elif isinstance(holder, (ast.List, ast.Tuple, ast.Set)) and _waited_collection(holder, parents, resolve):
                spawned += 1
            else:
                other += 1
        elif isinstance(parent, ast.Call) and parent.args[:1] == [node] \
                and _starter_kind(parent, _resolved(parent, resolve)) == "func":
            spawned += 1
        else:
            other += 1
    return spawned, awaited, other


def _waited_collection(collection: ast.expr, parents: Dict[int, ast.AST],
                       resolve: Callable[[ast.expr], Optional[str]]) -> bool:
    """Is ``collection`` (a list, tuple or set display) the first argument of ``asyncio.wait(...)`` or
    ``asyncio.as_completed(...)``?"""
    call = parents.get(id(collection))
    return isinstance(call, ast.Call) and call.args[:1] == [collection] \
        and (resolve(call.func) or "") in COLLECTION_WAITERS


def _starter_kind(call: ast.Call, qualified: str) -> Optional[str]:
    """"coro" for a call that starts the coroutine object it is given first (``create_task(f())``), "func"
    for one that starts the function it is given (``nursery.start_soon(f)``, ``asyncio.start_server(f)``);
    ``qualified`` is the callee's qualified name (``asyncio.run``), as far as it is known."""
    if qualified in RUNNERS:
        return RUNNERS[qualified]
    called = last_name(call.func) or ""
    if called in CORO_SPAWNERS or qualified.rsplit(".", 1)[-1] in CORO_SPAWNERS or (
            isinstance(call.func, ast.Attribute) and called.endswith("create_task")):
        return "coro"
    if called in FUNC_SPAWNERS:
        return "func"
    if called == "start" and isinstance(call.func, ast.Attribute) and call.args \
            and isinstance(call.args[0], (ast.Name, ast.Attribute)):
        return "func"  # ``nursery.start(serve, ...)``, ``tg.start(fn)``: a function, not a call
    return None


def _resolved(call: ast.Call, resolve: Callable[[ast.expr], Optional[str]]) -> str:
    """The callee's qualified name as a file's resolver knows it, else its spelled name."""
    return resolve(call.func) or last_name(call.func) or ""


def tail_only_uses(tree: ast.Module, code: str, imports: Dict[str, str], defined: "Counter[str]",
                   imported: "Counter[str]") -> Dict[str, Tuple[str, ...]]:
    """``{name: callers}`` for the names this module uses *only* as the last await of a coroutine.

    ``await Service.run_services()`` as the last statement of ``_run_all_services()`` (also at the end
    of its ``if`` branches, ``async with`` or ``try`` body, right before a bare ``return``, or as
    ``return await ...``; ``tail_awaits``): when the callee ends normally,
    so does the caller, at once. If the callers are task bodies or program roots, the callee's swallowed
    cancellation ends the task, like a task body's own (AL406). Each caller is the channel the callee
    is reached through (``0`` FUNC, ``3`` SELF, ``6`` ATTR), then ``!name`` for a function or ``@name``
    for a method. A name used any other way in the module (called elsewhere, passed, in a short
    string) is left out: the module's uses of it then count as they always do. ``code`` is the module
    without comments, docstrings and import paths; ``defined``/``imported`` its ``def`` and import names.
    """
    tails: Dict[str, List[str]] = {}
    scopes: List[Tuple[ast.stmt, bool]] = [(stmt, False) for stmt in tree.body]
    while scopes:
        node, in_class = scopes.pop()
        if isinstance(node, ast.ClassDef):
            scopes.extend((child, True) for child in node.body)
            continue
        if not isinstance(node, ast.AsyncFunctionDef):
            continue
        for call in tail_awaits(node.body):
            name = last_name(call.func)
            if name is not None:
                channel = _expression_channel(call.func, imports)
                tails.setdefault(name, []).append(f"{channel}{'@' if in_class else '!'}{node.name}")
    if not tails:
        return {}
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(tails, key=len, reverse=True)) + r")\b")
    mentions = Counter(pattern.findall(code))
    # every mention but its ``def`` and imports is a tail await
    return {name: tuple(sorted(set(callers))) for name, callers in tails.items()
            if mentions[name] - defined[name] - imported[name] == len(callers)}


def reached_tails(entries: Sequence[str], method: bool) -> List[str]:
    """The tail callers (``"module:<channel>!name"``, see ``tail_only_uses``) that reach a method (through
    ``self`` or another object) or a function (by name or through a module), as ``combine`` counts them."""
    wanted = (str(SELF), str(ATTR)) if method else (str(FUNC),)
    return [e for e in entries if e.partition(":")[2][:1] in wanted]


def tail_awaits(body: List[ast.stmt], at_end: bool = True) -> List[ast.Call]:
    """The calls awaited right before the coroutine returns: by its last statement (through ``if``
    branches, ``with``/``async with``, the body of a ``try`` without ``else`` and the end of its
    ``finally``), by a statement followed by a bare ``return``, or by ``return await f(...)`` anywhere
    (not in nested defs)."""
    out: List[ast.Call] = []
    for i, stmt in enumerate(body):
        following = body[i + 1] if i + 1 < len(body) else None
        ends = (at_end and following is None) or (
            isinstance(following, ast.Return) and (following.value is None or
                                                   (isinstance(following.value, ast.Constant)
                                                    and following.value.value is None)))
        if isinstance(stmt, (ast.Expr, ast.Return)) and isinstance(stmt.value, ast.Await) \
                and isinstance(stmt.value.value, ast.Call) and (ends or isinstance(stmt, ast.Return)):
            out.append(stmt.value.value)
        elif isinstance(stmt, ast.If):
            out += tail_awaits(stmt.body, ends) + tail_awaits(stmt.orelse, ends)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            out += tail_awaits(stmt.body, ends)
        elif isinstance(stmt, ast.Try):
            out += tail_awaits(stmt.body, ends and not stmt.orelse)
            for block in (stmt.orelse, *(h.body for h in stmt.handlers)):
                out += tail_awaits(block, False)
            out += tail_awaits(stmt.finalbody, ends)  # whatever ran before, the function ends after it
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            out += tail_awaits(stmt.body, False) + tail_awaits(stmt.orelse, False)
    return out


def self_use_classes(tree: ast.Module, source: str, names: Set[str], spawn_lines: Set[int]
                     ) -> Dict[str, Tuple[str, ...]]:
    """``sc``: ``{name: (class, ...)}``, the classes (``Cls`` or ``Cls.Inner``) whose text reaches ``name``
    through ``self``/``cls`` other than on a line that starts a task ("" outside any class).

    The SELF channel counts every ``self.run`` alike, but ``await self._run()`` in one class says
    nothing of another class's ``_run``: a method whose other SELF uses all come from classes unrelated
    to its own is still only started as a task (the index decides "unrelated" by inheritance). Read
    from the text without comments and strings; an extra class can only keep a finding, never drop one."""
    if "self" not in source and "cls" not in source:
        return {}
    pattern = re.compile(r"\b(?:self|cls)\s*\.\s*(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")\b")
    if pattern.search(source) is None:
        return {}
    text = _NOISE.sub(_blank, source)  # comments and strings out, every line kept in place
    spans: Optional[List[Tuple[int, int, str]]] = None
    found: Dict[str, Set[str]] = {}
    line, last = 1, 0
    for match in pattern.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        if line in spawn_lines or _BOUND_AFTER.match(text, match.end()):
            continue  # a task started here, or ``self._run = ...`` (bound, not used)
        if spans is None:
            spans = list(_class_spans(tree.body, ""))
        inside = [key for first, end, key in spans if first <= line <= end]
        found.setdefault(match.group(1), set()).add(max(inside, key=len) if inside else "")
    return {name: tuple(sorted(keys)) for name, keys in found.items()}


def _blank(match: "re.Match[str]") -> str:
    return "\n" * match.group(0).count("\n")  # only line numbers are read afterwards


def _class_spans(body: List[ast.stmt], prefix: str) -> Iterator[Tuple[int, int, str]]:
    """(first line, last line, ``Cls.Inner``) of every class, at any depth (functions looked into)."""
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            key = f"{prefix}{stmt.name}"
            yield stmt.lineno, stmt.end_lineno or stmt.lineno, key
            yield from _class_spans(stmt.body, key + ".")
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _class_spans(stmt.body, prefix)
        else:
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.stmt):
                    yield from _class_spans([child], prefix)


def _cli_commands(tree: ast.Module) -> Iterator[Tuple[str, int]]:
    """Module-level coroutine functions decorated as CLI commands (``@app.command()``), event handlers
    (``@sio.on("message")``) or web routes (``@router.get("/items")``): program roots, with how often their decorators spell the name
    (``@app.command(name="start")`` names the command)."""
    for stmt in tree.body:
        if isinstance(stmt, ast.AsyncFunctionDef):
            for decorator in stmt.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Attribute) and target.attr in ROOT_DECORATORS or \
                        isinstance(target, ast.Name) and target.id in CLI_DECORATORS or _route(decorator):
                    spelled = sum(1 for d in stmt.decorator_list for node in ast.walk(d)
                                  if isinstance(node, ast.Constant) and node.value == stmt.name)
                    yield stmt.name, spelled
                    break


def _route(decorator: ast.expr) -> bool:
    """``@router.get("/items")``: a web framework's route decorator, given its path first."""
    return isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) \
        and decorator.func.attr in ROUTE_DECORATORS and bool(decorator.args) \
        and isinstance(decorator.args[0], ast.Constant) and isinstance(decorator.args[0].value, str) \
        and decorator.args[0].value.startswith("/")


# ``"Reader._main_task"``: a label (a task's or a logger's name) spelling a class's method, not a use
_CLASS_LABEL = re.compile(r"[\"']_?[A-Z]\w*\.\w+[\"']")
_NAME_LIKE = re.compile(r"[\w.:]*")  # a name, a dotted path or ``module:function``
_FSTRING_FIELD = re.compile(r"\{([^{}]+)\}")


def _keep_strings(match: "re.Match[str]") -> str:
    """Drop comments, docstrings and prose; keep strings that could name a function (``"_read_loop"``,
    ``"pkg.jobs:refresh"``), not a ``Class.method`` label (``create_task(self._main_task(), name="Pool._main_task")``)
    nor another label built around the name (``name=f"response_queue_to_buffer-{queue_id}"``: of an
    f-string only the fields are kept, they are code)."""
    text = match.group(0)
    if text.startswith("#") or match.group(1):
        return " "
    start = match.start()
    if start and match.string[start - 1] in "fF" and "{" in text:  # an f-string: its fields are code
        return " " + " ".join(_FSTRING_FIELD.findall(text)) + " "
    if " " in text or _CLASS_LABEL.fullmatch(text) or not _NAME_LIKE.fullmatch(text, 1, len(text) - 1):
        return " "
    return text


def _imported_names(tree: ast.Module, source: str = "") -> Iterator[str]:
    """Names imported without renaming (the import itself is not a use): at module level, and inside
    functions (a CLI command's lazy ``from .utils import run``), read from the text there."""
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if alias.name != "*" and alias.asname is None:
                    yield alias.name
    for match in _NESTED_IMPORT.finditer(source):
        for item in _COMMENT.sub("", match.group(1)).strip("()").split(","):
            words = item.split()
            if len(words) == 1 and words[0] != "*":
                yield words[0]


_NESTED_IMPORT = re.compile(r"(?m)^[ \t]+from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)")
_COMMENT = re.compile(r"#[^\n]*")


def _spawns(tree: ast.Module, source: str, imports: Dict[str, str], spawn_lines: Set[int],
            exported: Optional[Dict[str, int]] = None) -> Dict[Tuple[str, int], Tuple[int, int]]:
    """``{(name, channel): (spawned, spawned-and-awaited-at-once)}`` from the statements on lines that start
    tasks; ``spawn_lines`` gains the lines of the calls that do. ``exported`` gains this module's top-level
    sync helpers that start a coroutine they are given (``{name: position}``), for other modules' calls."""
    lines = _spawn_lines(source, imports)
    found: Dict[Tuple[str, int], List[int]] = {}
    if not lines:
        return {}
    wrappers = _IdentityWrappers(tree)
    helpers: Dict[str, Tuple[int, bool]] = {}  # {helper: (position of its parameter, given a function?)}
    outer: Dict[int, ast.AST] = {}
    for call, parent, function in _calls_on(tree, lines, outer):
        closure = _closure_parameter(call, function, outer, imports)
        if closure is not None:
            spawn_lines.update(range(call.lineno, (call.end_lineno or call.lineno) + 1))
            helpers.update(_helper(*closure, False))
            continue
        for name, channel in _spawned_names(call, function, imports, wrappers):
            spawn_lines.update(range(call.lineno, (call.end_lineno or call.lineno) + 1))
            if name[:1] in (_PARAM, _CALLED_PARAM):
                helpers.update(_helper(function, name[1:], name[0] == _CALLED_PARAM))
                continue
            entry = found.setdefault((name, channel), [0, 0])
            if isinstance(parent, ast.Await) and (last_name(call.func) or "") != "start" \
                    and _qualify(call.func, imports).rsplit(".", 1)[-1] not in _SERVERS:
                # (``await nursery.start(fn)`` waits only until ``fn`` reports it has started, ``await
                # asyncio.start_server(cb)`` until the server listens)
                entry[1] += 1  # ``await asyncio.create_task(f())`` waits for it like ``await f()``
            else:
                entry[0] += 1
    # ``def start_pending_task(coro, node_id): ... create_task(coro)`` in this module: its callers
    # ``start_pending_task(self._fetch(...), node)`` start the coroutine too; and for
    # ``def start_background(target, *args): ... create_task(target(*args))``, ``start_background(self._run)``.
    # A helper that hands its parameter to another helper (``create_or_defer(aw)``: ``create(aw)``) is one too.
    done: Set[str] = set()
    for _ in range(3):
        todo = {word: helper for word, helper in helpers.items() if word not in done}
        if not todo:
            break
        done.update(todo)
        positions = sorted(p for word in todo for p in _find_all(source, word))
        for call, parent, function in _calls_on(tree, _lines_of(source, positions)):
            helper = todo.get(last_name(call.func) or "")
            if helper is None:
                continue
            index, given_function = helper
            if isinstance(call.func, ast.Attribute) and index > 0:
                index -= 1  # ``self.helper(coro)``: the method's first parameter is ``self``
            if index >= len(call.args):
                continue
            given = call.args[index]
            if isinstance(given, ast.Name) and function is not None and _is_parameter(function, given.id):
                helpers.update({k: v for k, v in _helper(function, given.id, given_function).items()
                                if k not in helpers})
                continue
            if not given_function:
                given = given.func if isinstance(given, ast.Call) else None  # type: ignore[assignment]
            elif not isinstance(given, (ast.Name, ast.Attribute)):
                continue
            name = last_name(given) if given is not None else None
            if name:
                found.setdefault((name, _expression_channel(given, imports)), [0, 0])[0] += 1
    if exported is not None and helpers:
        top = {stmt.name for stmt in tree.body if isinstance(stmt, ast.FunctionDef)}
        exported.update({name: index for name, (index, given_function) in helpers.items()
                         if name in top and not given_function})
    return {key: (a, b) for key, (a, b) in found.items()}


class _IdentityWrappers:
    """The module's top-level sync defs that return their first parameter on some path
    (``def _ensure_coroutine(aw): if iscoroutine(aw): return aw ...``): ``create_task(_ensure_coroutine(aw))``
    starts what it was given. Looked up lazily, by name."""

    def __init__(self, tree: ast.Module) -> None:
        self._tree = tree
        self._known: Dict[str, bool] = {}

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if name not in self._known:
            self._known[name] = any(_returns_first_parameter(stmt) for stmt in self._tree.body
                                    if isinstance(stmt, ast.FunctionDef) and stmt.name == name)
        return self._known[name]


def _start_of(call: ast.Call, imports: Dict[str, str]) -> Optional[str]:
    """``_starter_kind`` of a call read from its module's text (names qualified through its imports)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return _starter_kind(call, _qualify(func, imports))
    if isinstance(func, ast.Name):
        return _starter_kind(call, imports.get(func.id, func.id))
    return None


def _closure_parameter(call: ast.Call, function: Optional[ast.AST], outer: Dict[int, ast.AST],
                       imports: Dict[str, str]) -> Optional[Tuple[ast.AST, str]]:
    """``(helper, parameter)`` when ``call`` starts a coroutine object that a function nested in a sync
    ``helper`` reads from ``helper``'s parameter: ``def run_in_background(coro): def runner():
    asyncio.run(coro)`` then ``threading.Thread(target=runner)``; ``run_in_background(serve())`` starts
    ``serve()`` (on a loop of its own, in that thread). None otherwise."""
    if function is None or id(function) not in outer or not call.args or not isinstance(call.args[0], ast.Name):
        return None
    if _start_of(call, imports) != "coro":
        return None
    name = call.args[0].id
    if any(isinstance(n, ast.arg) and n.arg == name or isinstance(n, ast.Name) and n.id == name
           and not isinstance(n.ctx, ast.Load) for n in walk(function)):
        return None  # bound in the nested function itself
    helper = outer[id(function)]
    while isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and not _is_parameter(helper, name):
        helper = outer.get(id(helper))  # type: ignore[assignment]
    return (helper, name) if isinstance(helper, ast.FunctionDef) else None


def _returns_first_parameter(func: ast.FunctionDef) -> bool:
    params = [*func.args.posonlyargs, *func.args.args]
    if not params:
        return False
    first = params[0].arg
    stack: List[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id == first:
            return True
        stack.extend(child_nodes(node))
    return False


def _helper(function: Optional[ast.AST], param: str, given_function: bool) -> Dict[str, Tuple[int, bool]]:
    """``{function name: (position of param, given_function)}`` for a sync def that starts its parameter
    (a coroutine object, or a function it calls to make one) as a task; ``*name`` for its ``*args``
    forwarded to the spawner (``def create_task_logged(*args, **kwargs): asyncio.create_task(*args,
    **kwargs)``)."""
    if not isinstance(function, ast.FunctionDef):
        return {}
    names = [a.arg for a in [*function.args.posonlyargs, *function.args.args]]
    if param.startswith("*"):  # the first of ``*args``, forwarded whole: it comes after the named ones
        return {function.name: (len(names), given_function)} if _is_vararg(function, param[1:]) else {}
    return {function.name: (names.index(param), given_function)} if param in names else {}


def _spawn_lines(source: str, imports: Optional[Dict[str, str]] = None) -> Set[int]:
    """Lines holding a spawner's name (a plain substring search for each: far faster than one pattern),
    also under a local alias (``from starlette.responses import StreamingResponse as Streamed``)."""
    words = list(_SPAWN_WORDS)
    if imports:
        words += [local + "(" for local in _starter_aliases(imports)]
    return _lines_of(source, sorted(found for word in words for found in _find_all(source, word)))


def _lines_of(source: str, positions: List[int]) -> Set[int]:
    """The line numbers of sorted character offsets."""
    lines: Set[int] = set()
    line, last = 1, 0
    for start in positions:
        line += source.count("\n", last, start)
        last = start
        lines.add(line)
    return lines


def _find_all(text: str, word: str) -> Iterator[int]:
    start = text.find(word)
    while start >= 0:
        yield start
        start = text.find(word, start + len(word))


def _calls_on(tree: ast.Module, lines: Set[int], outer: Optional[Dict[int, ast.AST]] = None
              ) -> Iterator[Tuple[ast.Call, Optional[ast.AST], Optional[ast.AST]]]:
    """Calls on ``lines``, with their parent and enclosing function; only subtrees spanning one are entered.
    ``outer`` gains, for each function entered inside another, the one it is defined in."""
    ordered = sorted(lines)
    stack: List[Tuple[ast.AST, Optional[ast.AST], Optional[ast.AST]]] = [(tree, None, None)]
    while stack:
        node, parent, function = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if outer is not None and function is not None:
                outer[id(node)] = function
            function = node
        if isinstance(node, ast.Call) and node.lineno in lines:
            yield node, parent, function
        for child in child_nodes(node):
            start = getattr(child, "lineno", None)
            if start is None:
                stack.append((child, node, function))  # arguments, comprehensions, handlers...
                continue
            end = getattr(child, "end_lineno", None) or start
            if _spans(ordered, start, end):
                stack.append((child, node, function))


def _spans(ordered: List[int], start: int, end: int) -> bool:
    i = bisect.bisect_left(ordered, start)
    return i < len(ordered) and ordered[i] <= end


def _spawned_names(call: ast.Call, function: Optional[ast.AST], imports: Dict[str, str],
                   wrappers: Container[str] = frozenset()) -> Iterator[Tuple[str, int]]:
    kind = _start_of(call, imports)
    if kind is None:
        # ``contextvars.Context().run(loop.create_task, coro)``, ``loop.call_soon_threadsafe(loop.create_task, coro)``
        for i, given in enumerate(call.args[:-1]):
            given_name = last_name(given) or ""
            if given_name in CORO_SPAWNERS or given_name.endswith("create_task"):
                yield from _spawned_names(ast.Call(func=given, args=call.args[i + 1:], keywords=[]),
                                          function, imports, wrappers)
                return
        return
    arg: Optional[ast.expr] = call.args[0] if call.args else None
    if arg is None:
        for keyword in call.keywords:
            if keyword.arg in ("coro", "coroutine", "main", "func", "async_fn", "content", "client_connected_cb",
                               "handler"):
                arg = keyword.value
    if arg is None:
        return
    if kind == "coro":
        if isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name) and function is not None \
                and _is_vararg(function, arg.value.id):
            yield _PARAM + "*" + arg.value.id, FUNC  # ``create_task(*args, **kwargs)``: a wrapper's first argument
            return
        if isinstance(arg, ast.Name) and function is not None:
            bound = _bound_call(function, arg.id)
            if bound is not None:
                arg = bound
            elif _is_parameter(function, arg.id):
                yield _PARAM + arg.id, FUNC  # a helper that starts what it is given (see ``_spawns``)
                return
        if isinstance(arg, ast.Call):
            if isinstance(arg.func, ast.Name) and function is not None and _is_parameter(function, arg.func.id):
                yield _CALLED_PARAM + arg.func.id, FUNC  # ``create_task(target(*args))``: a helper given a function
                return
            if isinstance(arg.func, ast.Name) and arg.args and isinstance(arg.args[0], ast.Name) \
                    and function is not None and _is_parameter(function, arg.args[0].id) and arg.func.id in wrappers:
                yield _PARAM + arg.args[0].id, FUNC  # ``create_task(_ensure_coroutine(aw))``: still what it was given
                return
            name = last_name(arg.func)
            if name:
                yield name, _expression_channel(arg.func, imports)
        return
    if isinstance(arg, ast.Call) and _qualify(arg.func, imports) in PARTIAL and arg.args:
        arg = arg.args[0]
    name = last_name(arg)
    if name:
        yield name, _expression_channel(arg, imports)


def _bound_call(function: ast.AST, name: str) -> Optional[ast.Call]:
    """``wrapped = self._run(...)`` when it is the only binding of ``name`` and ``name`` is read once."""
    value: Optional[ast.Call] = None
    binds = reads = 0
    stack: List[ast.AST] = list(getattr(function, "body", ()))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Name) and node.id == name:
            if isinstance(node.ctx, ast.Load):
                reads += 1
            else:
                binds += 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id == name and isinstance(node.value, ast.Call):
            value = node.value
        stack.extend(child_nodes(node))
    return value if binds == 1 and reads == 1 else None


def _is_vararg(function: ast.AST, name: str) -> bool:
    args = getattr(function, "args", None)
    return args is not None and args.vararg is not None and args.vararg.arg == name


def _is_parameter(function: ast.AST, name: str) -> bool:
    args = getattr(function, "args", None)
    return args is not None and any(a.arg == name for a in [*args.posonlyargs, *args.args])


def _qualify(expr: ast.expr, imports: Dict[str, str]) -> str:
    if isinstance(expr, ast.Name):
        return imports.get(expr.id, expr.id)
    if isinstance(expr, ast.Attribute):
        base = _qualify(expr.value, imports)
        return f"{base}.{expr.attr}" if base else ""
    return ""


def _started_by_helpers(table: Dict[str, Counts], calls: Sequence[str], starters: Set[str]
                        ) -> Tuple[Dict[str, Counts], Set[str]]:
    """``table`` with each use handed to a starting helper (``helper_calls``) moved from "other" to "spawned",
    and the names whose only mention (``|w``) is handed to one."""
    moved: Dict[str, List[int]] = {}
    words: Set[str] = set()
    for call in calls:
        callee, name, channel, *word = call.split("|")
        if callee not in starters:
            continue
        if word:
            words.add(name)
        elif name in table:
            counts = moved.setdefault(name, list(table[name]))
            at = int(channel)
            if counts[at + OTHER] > 0:
                counts[at + OTHER] -= 1
                counts[at + SPAWN] += 1
    if moved:
        table = {**table, **{name: tuple(counts) for name, counts in moved.items()}}
    return table, words


def add_up(modules: Iterator[Tuple[Any, ...]],
           tail_callers: Optional[Dict[str, Dict[str, List[str]]]] = None) -> Dict[str, Dict[str, Counts]]:
    """The project's counts for every spawned name and every coroutine function's, per
    top-level package that defines or spawns it: ``{name: {package: counts}}`` (nine numbers, see
    ``combine``).

    ``modules`` gives each module's name, ``r``, ``m``, ``p`` and (optionally) ``tl``; names neither
    spawned nor defined as coroutine functions are left out. A module's uses count for its
    own package, for the packages it imports and for the packages that import it. With
    ``tail_callers``, a module that uses a name only as a tail await (``tl``) gives no counts for it:
    it fills ``tail_callers[name][package]`` with ``"module:!caller"`` entries instead, and such names
    are kept even if never spawned.
    """
    rows = [(row[0], row[1], row[2], row[3], row[4] if len(row) > 4 and tail_callers is not None else {})
            + ((row[5], row[6]) if len(row) > 6 else ({}, ())) for row in modules]
    # another module's helper that starts the coroutine it is given (``sh``): its callers here start it too
    starters = {f"{module}.{name}" for module, *rest in rows for name, position in rest[4].items() if position == 0}
    started_words: Dict[str, Set[str]] = {}  # module -> names whose only mention there is handed to a starter
    adjusted = []
    for module, table, mentions, packages, tails, _, calls in rows:
        if starters and calls:
            table, started_words[module] = _started_by_helpers(table, calls, starters)
        adjusted.append((module, table, mentions, packages, tails))
    rows = adjusted  # type: ignore[assignment]
    spawned = {name for _, table, _, _, _ in rows for name, counts in table.items()
               if counts[FUNC + SPAWN] or counts[SELF + SPAWN] or counts[ATTR + SPAWN]}
    spawned |= {name for _, _, _, _, tails in rows for name in tails}
    spawned |= {name for words in started_words.values() for name in words}
    # every coroutine function is counted even if never started: AL401 asks whether anything awaits a
    # private one (``private_name``) at all, or a public one that runs until it is stopped
    spawned |= {name for _, table, _, _, _ in rows for name in table}
    if not spawned:
        return {}
    imports: Dict[str, Set[str]] = {}
    for module, _, _, packages, _ in rows:
        top = module.split(".", 1)[0]
        imports.setdefault(top, set()).update(p for p in packages if p != top)
    importers: Dict[str, Set[str]] = {}
    for top, packages in imports.items():
        for package in packages:
            importers.setdefault(package, set()).add(top)
    owners: Dict[str, Set[str]] = {}  # the packages whose modules define or start a function of that name
    for module, table, _, _, _ in rows:
        for name in spawned & table.keys():
            owners.setdefault(name, set()).add(module.split(".", 1)[0])
    totals: Dict[str, Dict[str, List[int]]] = {}
    for module, table, mentions, packages, tails in rows:
        top = module.split(".", 1)[0]
        reach = {top} | set(packages) | importers.get(top, set())
        used = [(name, table[name]) for name in spawned & table.keys() if name not in tails]
        foreign: List[Tuple[str, str]] = []
        for word in mentions.split() if mentions else ():
            channel = FUNC if word[0] == "!" else SELF if word[0] == "@" else ATTR
            name, _, target = word.lstrip("!@").partition(">")
            awaited = name.endswith(AWAITED_MARK)
            name = name.rstrip(AWAITED_MARK)
            if name in spawned and name not in tails:
                if target:
                    foreign.append((name, target))
                    continue
                one = [0] * 9
                started = channel == FUNC and name in started_words.get(module, ())
                one[channel + (SPAWN if started else AWAIT if awaited else OTHER)] = 1
                used.append((name, tuple(one)))
        for name, target in foreign:  # ``asyncio.run(...)``: only that package's ``run``
            if target in owners.get(name, ()):
                total = totals.setdefault(name, {}).setdefault(target, [0] * 9)
                total[FUNC + OTHER] += 1
        for name, callers in tails.items():
            for package in reach & owners.get(name, set()):
                totals.setdefault(name, {}).setdefault(package, [0] * 9)
                tail_callers.setdefault(name, {}).setdefault(package, []).extend(  # type: ignore[union-attr]
                    f"{module}:{caller}" for caller in callers)
        for name, counts in used:
            per = totals.setdefault(name, {})
            for package in reach & owners.get(name, set()):
                total = per.setdefault(package, [0] * 9)
                for i, n in enumerate(counts):
                    total[i] += n
    return {name: {package: tuple(total) for package, total in per.items()} for name, per in totals.items()}
