"""``child_nodes`` and ``walk`` must give what the stdlib gives (less the ``ctx`` singletons)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from asynclint.base.nodes import child_nodes, walk

REPO = Path(__file__).resolve().parent.parent
SYNTAX = '''
import a.b as c
from . import d
global g
x: int = (y := f(*args, **kw)) if not a < b <= c else -d
del x[1:2, ::3]
match command:
    case [Point(x=0, y=0) as p, *rest] | {"k": v, **others} if p:
        pass
    case str() | None:
        pass
async def main():
    async with a as (b, c):
        async for i in aiter():
            await x
    return [j async for j in g() if j] + {k: v for k, v in d.items()}
lambda a, /, b=1, *c, d=2, **e: f"{a!r:>{b}}"
try:
    pass
except* ValueError as e:
    raise
'''


FILES = sorted((REPO / "asynclint").rglob("*.py")) + sorted((REPO / "fixtures").rglob("*.py"))


@pytest.mark.parametrize("source", [SYNTAX.encode(), *(path.read_bytes() for path in FILES[::5])],
                         ids=["syntax", *(path.relative_to(REPO).as_posix() for path in FILES[::5])])
def test_children_and_walks_match_the_stdlib(source: bytes) -> None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return  # the fixtures of unparseable files
    for node in ast.walk(tree):
        expected = [c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.expr_context)]
        assert child_nodes(node) == expected, ast.dump(node)[:200]
    for node in [tree, *tree.body]:
        assert walk(node) == [n for n in ast.walk(node) if not isinstance(n, ast.expr_context)]
