"""Classes whose public coroutine methods a module replaces with synchronous wrappers at import.

Pyrogram and its forks end ``pyrogram/sync.py`` with ``wrap(Methods)``: for every public coroutine
method of the client's mixin class, ``setattr(Methods, name, async_to_sync(...))``, a wrapper that
runs the coroutine to completion when no loop is running. Telethon's ``sync`` module does the same
with ``syncify(TelegramClient, ...)``. In such a class, ``self.stop()`` in a plain ``def`` (the sync
``__exit__``) calls the wrapper: AL201's "its coroutine never runs" is wrong there (read FALSE in
pyrogram, kurigram and pyrofork). Inside a coroutine the wrapper hands the coroutine back (the loop
is running), so there the call still needs its ``await``.

Only the plain shape is recognised: a module-level call ``rewrite(Class)`` (or ``rewrite(A, B)``),
where ``rewrite`` is a function of the same module that sets attributes on its parameter with
``setattr`` (itself, or through another function of the module it hands the parameter to) and asks
``iscoroutinefunction``/``isasyncgenfunction`` on the way. A function that sets attributes without
asking whether they are coroutine functions (a registry, a patcher) rewrites nothing we know of.
"""

from __future__ import annotations

import ast
from typing import Callable, Dict, List, Set, Tuple

_ASKS = ("iscoroutinefunction", "isasyncgenfunction")


def sync_rewritten_classes(tree: ast.Module, qualify: Callable[[ast.expr], str]) -> Tuple[str, ...]:
    """Qualified names of what the module's top-level rewrite calls hand over (classes, usually)."""
    functions: Dict[str, ast.FunctionDef] = {
        stmt.name: stmt for stmt in tree.body if isinstance(stmt, ast.FunctionDef)}
    if not functions:
        return ()
    rewriters = _rewriters(functions, qualify)
    if not rewriters:
        return ()
    found: Set[str] = set()
    for stmt in tree.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in rewriters):
            continue
        positions = rewriters[call.func.id]
        fixed = len(functions[call.func.id].args.posonlyargs + functions[call.func.id].args.args)
        for index, arg in enumerate(call.args):
            if (index in positions or (-1 in positions and index >= fixed)) \
                    and isinstance(arg, (ast.Name, ast.Attribute)):
                name = qualify(arg)
                if name != "?":
                    found.add(name)
    return tuple(sorted(found))


def _rewriters(functions: Dict[str, ast.FunctionDef], qualify: Callable[[ast.expr], str]) -> Dict[str, Set[int]]:
    """Function name -> the argument positions whose object gets coroutine methods replaced (-1: the
    ``*args`` ones), for the module's functions that ask ``iscoroutinefunction`` on the way."""
    setters: Dict[str, Set[int]] = {}
    asks: Dict[str, bool] = {name: _asks(func, qualify) for name, func in functions.items()}
    changed = True
    while changed:  # a fixpoint: ``wrap`` hands its parameter to ``async_to_sync``, which sets
        changed = False
        for name, func in functions.items():
            positions = _set_positions(func, setters)
            if positions and positions != setters.get(name):
                setters[name] = positions
                changed = True
            if not asks[name] and any(asks.get(callee, False) for callee in _callees(func, setters)):
                asks[name] = True
                changed = True
    return {name: positions for name, positions in setters.items() if asks[name]}


def _set_positions(func: ast.FunctionDef, setters: Dict[str, Set[int]]) -> Set[int]:
    """Positions of ``func``'s parameters it sets attributes on: ``setattr(param, ...)``, or the
    parameter handed to a known setter at a position that setter sets on."""
    params = [arg.arg for arg in func.args.posonlyargs + func.args.args]
    aliases: Dict[str, int] = {name: i for i, name in enumerate(params)}
    if func.args.vararg is not None:
        star = func.args.vararg.arg
        for node in ast.walk(func):  # ``for t in types:`` stands for each of ``*types``
            if isinstance(node, ast.For) and isinstance(node.iter, ast.Name) and node.iter.id == star \
                    and isinstance(node.target, ast.Name):
                aliases[node.target.id] = -1
    out: Set[int] = set()
    for node in ast.walk(func):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        wanted = {0} if node.func.id == "setattr" else setters.get(node.func.id, set())
        for index, arg in enumerate(node.args):
            if isinstance(arg, ast.Name) and arg.id in aliases and (index in wanted or -1 in wanted):
                out.add(aliases[arg.id])
    return out


def _callees(func: ast.FunctionDef, setters: Dict[str, Set[int]]) -> List[str]:
    return [node.func.id for node in ast.walk(func)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in setters]


def _asks(func: ast.FunctionDef, qualify: Callable[[ast.expr], str]) -> bool:
    """Does ``func`` call ``inspect.iscoroutinefunction`` (or ``isasyncgenfunction``), by any name?"""
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in _ASKS or qualify(node.func).rsplit(".", 1)[-1] in _ASKS:
                return True
    return False
