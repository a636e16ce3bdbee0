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
only make a coroutine *not* a task body, so it errs toward reporting. The counts are
read from the source text (occurrences of the name outside comments and docstrings)
and from the statements on lines that start tasks, so the whole tree is never walked:

- ``r``: ``{name: (spawned, awaited, other)}`` for the names this module defines
  with ``async def`` (at any depth) or spawns;
- ``m``: the other names it reads as attributes (``obj.name``) or imports, space
  separated; each counts as an "other" use of a coroutine function of that name
  elsewhere (a module with a star import lists every word it holds).
"""

from __future__ import annotations

import ast
import bisect
import re
from collections import Counter
from typing import Dict, Iterator, List, Optional, Set, Tuple

from ..base.nodes import child_nodes

# Calls that run their first argument, a coroutine object, as a task or an event loop's main coroutine.
CORO_SPAWNERS = frozenset({"create_task", "ensure_future", "run_coroutine_threadsafe", "run_until_complete",
                           "create_background_task", "async_create_task", "async_create_background_task"})
# Calls that run their first argument, a coroutine function, as a task (trio/anyio).
FUNC_SPAWNERS = frozenset({"start_soon", "spawn_system_task"})
# ``asyncio.run(main())``, ``trio.run(main)``: only under these qualified names.
RUNNERS = {"asyncio.run": "coro", "trio.run": "func", "anyio.run": "func"}
PARTIAL = frozenset({"functools.partial", "partial"})

_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
_SPAWN_WORDS = ("create_task", "ensure_future", "run_coroutine_threadsafe", "run_until_complete",
                "create_background_task", "start_soon", "spawn_system_task", "start(", "run(")
# (Patterns start with a literal, which the regex engine searches for fast.)
_ASYNC_DEF = re.compile(r"async\s+def\s+(" + _WORD + ")")
_AWAITED = re.compile(r"await\s+([\w.]*?)(\w+)\s*\(")
_ATTRIBUTE = re.compile(r"\.\s*(" + _WORD + ")")
_ALL_WORDS = re.compile(r"\b" + _WORD)
# Comments and docstring-like triple-quoted strings (other strings are kept: ``getattr(x, "name")`` uses it).
_NOISE = re.compile(r"(?s)(\"\"\"|''')(?:\\.|(?!\1).)*?\1|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|#[^\n]*")

Counts = Tuple[int, int, int]
SPAWN, AWAIT, OTHER = 0, 1, 2


def module_references(tree: ast.Module, source: str, imports: Dict[str, str], star: bool
                      ) -> Tuple[Dict[str, Counts], str]:
    """The module's ``r`` and ``m`` (see above). ``imports`` maps local names to qualified ones."""
    spawned = _spawns(tree, source, imports)
    names: Set[str] = set(_ASYNC_DEF.findall(source)) | set(spawned)
    imported = Counter(_imported_names(tree))
    table: Dict[str, Counts] = {}
    code = source
    if names:  # comments and docstrings are stripped only where a count is needed (a third of the cost)
        code = _NOISE.sub(_keep_strings, source)
        defined = Counter(_ASYNC_DEF.findall(code))
        pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
        counts = Counter(pattern.findall(code))
        awaited = Counter(n for _, n in _AWAITED.findall(code) if n in names)
        for name in names:
            spawn = spawned.get(name, (0, 0))
            uses = counts[name] - defined[name] - imported[name]
            awaits = awaited[name] + spawn[1]
            table[name] = (spawn[0], awaits, max(0, uses - spawn[0] - awaits))
    words = set(_ALL_WORDS.findall(code)) if star else set(_ATTRIBUTE.findall(code)) | set(imported)
    return table, " ".join(sorted(words - names))


def _keep_strings(match: "re.Match[str]") -> str:
    text = match.group(0)
    if text.startswith("#") or match.group(1):
        return " "
    return text


def _imported_names(tree: ast.Module) -> Iterator[str]:
    """Names imported without renaming at module level (the import itself is not a use)."""
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if alias.name != "*" and alias.asname is None:
                    yield alias.name


def _spawns(tree: ast.Module, source: str, imports: Dict[str, str]) -> Dict[str, Tuple[int, int]]:
    """``{name: (spawned, spawned-and-awaited-at-once)}`` from the statements on lines that start tasks."""
    lines = _spawn_lines(source)
    found: Dict[str, List[int]] = {}
    if not lines:
        return {}
    for call, parent, function in _calls_on(tree, lines):
        for name in _spawned_names(call, function, imports):
            entry = found.setdefault(name, [0, 0])
            if isinstance(parent, ast.Await):
                entry[1] += 1  # ``await asyncio.create_task(f())`` waits for it like ``await f()``
            else:
                entry[0] += 1
    return {name: (a, b) for name, (a, b) in found.items()}


def _spawn_lines(source: str) -> Set[int]:
    """Lines holding a spawner's name (a plain substring search for each: far faster than one pattern)."""
    positions = sorted(found for word in _SPAWN_WORDS for found in _find_all(source, word))
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


def _calls_on(tree: ast.Module, lines: Set[int]) -> Iterator[Tuple[ast.Call, Optional[ast.AST], Optional[ast.AST]]]:
    """Calls on ``lines``, with their parent and enclosing function; only subtrees spanning one are entered."""
    ordered = sorted(lines)
    stack: List[Tuple[ast.AST, Optional[ast.AST], Optional[ast.AST]]] = [(tree, None, None)]
    while stack:
        node, parent, function = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
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


def _spawned_names(call: ast.Call, function: Optional[ast.AST], imports: Dict[str, str]) -> Iterator[str]:
    func = call.func
    kind: Optional[str] = None
    if isinstance(func, ast.Attribute):
        qualified = _qualify(func, imports)
        if qualified in RUNNERS:
            kind = RUNNERS[qualified]
        elif func.attr in CORO_SPAWNERS or func.attr.endswith("create_task"):
            kind = "coro"
        elif func.attr in FUNC_SPAWNERS:
            kind = "func"
        elif func.attr == "start" and call.args and isinstance(call.args[0], (ast.Name, ast.Attribute)):
            kind = "func"  # ``nursery.start(serve, ...)``, ``tg.start(fn)``: a function, not a call
    elif isinstance(func, ast.Name):
        qualified = imports.get(func.id, func.id)
        if qualified in RUNNERS:
            kind = RUNNERS[qualified]
        elif func.id in CORO_SPAWNERS or qualified.rsplit(".", 1)[-1] in CORO_SPAWNERS:
            kind = "coro"
        elif func.id in FUNC_SPAWNERS:
            kind = "func"
    if kind is None:
        return
    arg: Optional[ast.expr] = call.args[0] if call.args else None
    if arg is None:
        for keyword in call.keywords:
            if keyword.arg in ("coro", "coroutine", "main", "func", "async_fn"):
                arg = keyword.value
    if arg is None:
        return
    if kind == "coro":
        if isinstance(arg, ast.Name) and function is not None:
            bound = _bound_call(function, arg.id)
            if bound is not None:
                arg = bound
        if isinstance(arg, ast.Call):
            name = _last_name(arg.func)
            if name:
                yield name
        return
    if isinstance(arg, ast.Call) and _qualify(arg.func, imports) in PARTIAL and arg.args:
        arg = arg.args[0]
    name = _last_name(arg)
    if name:
        yield name


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


def _last_name(expr: ast.expr) -> str:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return ""


def _qualify(expr: ast.expr, imports: Dict[str, str]) -> str:
    if isinstance(expr, ast.Name):
        return imports.get(expr.id, expr.id)
    if isinstance(expr, ast.Attribute):
        base = _qualify(expr.value, imports)
        return f"{base}.{expr.attr}" if base else ""
    return ""


def add_up(summaries: Iterator[Tuple[Dict[str, Counts], str]]) -> Dict[str, Counts]:
    """The project's counts for every spawned name: ``{name: (spawned, awaited, other)}``.

    ``summaries`` gives each module's ``r`` and ``m``; names never spawned are left out
    (they are not task bodies, whatever else holds).
    """
    rows = list(summaries)
    spawned = {name for table, _ in rows for name, counts in table.items() if counts[SPAWN]}
    totals: Dict[str, List[int]] = {name: [0, 0, 0] for name in spawned}
    for table, mentions in rows:
        for name in spawned & table.keys():
            counts = table[name]
            total = totals[name]
            total[0] += counts[0]
            total[1] += counts[1]
            total[2] += counts[2]
        if mentions:
            for name in spawned & set(mentions.split()):
                totals[name][OTHER] += 1
    return {name: (a, b, c) for name, (a, b, c) in totals.items()}
