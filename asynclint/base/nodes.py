"""Child iteration over stdlib ``ast`` nodes, cheaper than ``ast.iter_child_nodes``.

The analysis visits millions of nodes; the stdlib helper runs two generators per node and
tries every field, names and line numbers included. Here each node type's fields that can
hold a node are listed once, and ``ctx`` (the Load/Store/Del singletons no rule walks into)
is left out.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple, Type

# Fields that only ever hold strings, numbers, flags or the expression-context singletons.
_SCALAR_FIELDS = frozenset({"ctx", "type_comment", "kind", "id", "attr", "name", "arg", "module", "level",
                            "conversion", "is_async", "lineno", "tag"})
NODE_FIELDS: Dict[Type[ast.AST], Tuple[str, ...]] = {
    node_type: tuple(f for f in node_type._fields if f not in _SCALAR_FIELDS)
    for node_type in vars(ast).values()
    if isinstance(node_type, type) and issubclass(node_type, ast.AST)
}


def _append_children(node: ast.AST, out: List[ast.AST]) -> None:
    """Append the direct children of ``node`` to ``out``, in field order."""
    fields = NODE_FIELDS.get(type(node))
    for field in node._fields if fields is None else fields:
        value = getattr(node, field, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, ast.AST):
                    out.append(item)
        elif isinstance(value, ast.AST):
            out.append(value)


def child_nodes(node: ast.AST) -> List[ast.AST]:
    """The direct children of ``node`` in field order, as ``ast.iter_child_nodes`` gives them (less ``ctx``)."""
    children: List[ast.AST] = []
    _append_children(node, children)
    return children


def walk(node: ast.AST) -> List[ast.AST]:
    """``node`` and everything below it in ``ast.walk``'s order (less ``ctx``), as a list.

    The rules walk a statement or a function at a time, where building the list costs less
    than ``ast.walk``'s generator, deque and per-node field probing.
    """
    found: List[ast.AST] = [node]
    for current in found:  # grows while iterated: breadth first, like the stdlib
        _append_children(current, found)
    return found


def last_name(expr: ast.AST, through_calls: bool = False) -> Optional[str]:
    """The name an expression ends in: ``x`` for ``x`` and ``a.b.x``; with ``through_calls`` also for
    ``a.x(...)`` (a call's callee). None for anything else."""
    while through_calls and isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    return None


def unquoted(annotation: ast.expr) -> Optional[ast.expr]:
    """An annotation with a string form parsed (``"Path | None"``); None when the string does not parse."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            return ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    return annotation
