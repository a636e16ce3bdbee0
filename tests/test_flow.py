"""The shared path analysis: how blocks of statements can end."""

from __future__ import annotations

import ast
import textwrap
from typing import List, Optional

import pytest

from asynclint.analysis.flow import (
    NoReturnCalls,
    awaits_in,
    block_exits,
    catches_everything,
    first_leak,
    leaving_jumps,
)


def body(source: str) -> List[ast.stmt]:
    return ast.parse(textwrap.dedent(source)).body


def resolve(expr: ast.expr) -> Optional[str]:
    """A stand-in resolver: dotted names as written, builtins prefixed."""
    if isinstance(expr, ast.Name):
        return f"builtins.{expr.id}" if expr.id in ("BaseException", "exit") else expr.id
    if isinstance(expr, ast.Attribute):
        base = resolve(expr.value)
        return f"{base}.{expr.attr}" if base else None
    return None


@pytest.mark.parametrize("source, falls_through", [
    ("pass", True),
    ("raise", False),
    ("if x:\n    raise\n", True),
    ("if x:\n    raise\nelse:\n    raise\n", False),
    ("while True:\n    pass\n", False),
    ("while True:\n    break\n", True),
    ("while x:\n    raise\n", True),
    ("for i in x:\n    raise\n", True),
    ("for i in x:\n    pass\nelse:\n    raise\n", False),
    ("for i in x:\n    break\nelse:\n    raise\n", True),
    ("try:\n    pass\nfinally:\n    raise\n", False),
    ("try:\n    raise\nexcept ValueError:\n    pass\n", True),
    ("try:\n    raise\nexcept ValueError:\n    raise\n", False),
    ("try:\n    pass\nexcept ValueError:\n    raise\nelse:\n    raise\n", False),
    ("with x:\n    raise\n", False),
    ("sys.exit(1)", False),
    ("assert False", False),
    ("assert x", True),
])
def test_falls_through(source: str, falls_through: bool) -> None:
    assert block_exits(body(source), resolve).falls_through is falls_through


def test_match_without_wildcard_falls_through() -> None:
    source = "match x:\n    case 1:\n        raise\n"
    assert block_exits(body(source)).falls_through
    exhaustive = source + "    case _:\n        raise\n"
    assert not block_exits(body(exhaustive)).falls_through


def test_loop_jumps_stay_inside_the_loop() -> None:
    exits = block_exits(body("for i in x:\n    if i:\n        break\n    continue\nraise\n"))
    assert not exits.jumps and exits.always_raises


def test_jumps_leaving_the_block_are_reported() -> None:
    exits = block_exits(body("if x:\n    return 1\nif y:\n    break\nraise\n"))
    assert [type(j).__name__ for j in exits.jumps] == ["Return", "Break"]
    assert not exits.falls_through


def test_finally_that_cannot_complete_overrides_the_try() -> None:
    exits = block_exits(body("try:\n    return 1\nfinally:\n    raise\n"))
    assert not exits.jumps and len(exits.raises) == 1


def test_raise_caught_by_catch_all_handler() -> None:
    caught = block_exits(body("try:\n    raise\nexcept BaseException:\n    pass\n"), resolve)
    assert caught.falls_through and not caught.raises
    escaping = block_exits(body("try:\n    raise\nexcept OSError:\n    pass\n"), resolve)
    assert escaping.falls_through and len(escaping.raises) == 1


def test_first_leak_prefers_swallowing_paths() -> None:
    source = "if x:\n    raise ValueError\nif y:\n    return\nraise\n"
    leak = first_leak(body(source), lambda r: isinstance(r, ast.Raise) and r.exc is None)
    assert leak is not None and leak.kind == "return"
    leak = first_leak(body("if x:\n    raise ValueError\nraise\n"),
                      lambda r: isinstance(r, ast.Raise) and r.exc is None)
    assert leak is not None and leak.kind == "raise" and leak.node.lineno == 2
    assert first_leak(body("pass"), lambda r: True).kind == "fall-through"  # type: ignore[union-attr]
    assert first_leak(body("raise"), lambda r: True) is None


def test_leaving_jumps_is_lexical() -> None:
    source = """
    for i in x:
        continue
    while y:
        break
    def f():
        return 1
    try:
        return 2
    finally:
        break
    """
    jumps = list(leaving_jumps(body(source)))
    assert [(type(j).__name__, j.lineno) for j in jumps] == [("Return", 9), ("Break", 11)]


def test_awaits_in_skips_nested_scopes() -> None:
    assert awaits_in(body("async def f():\n    await g()\nlambda: 1\n")) is None
    assert awaits_in(body("x = [y async for y in z]")) is not None
    assert isinstance(awaits_in(body("async with a:\n    pass\n")), ast.AsyncWith)


def test_catches_everything() -> None:
    handlers = body("try:\n    pass\nexcept:\n    pass\nexcept (OSError, BaseException):\n    pass\n"
                    "except OSError:\n    pass\n")[0].handlers  # type: ignore[attr-defined]
    assert [catches_everything(h, resolve) for h in handlers] == [True, True, False]


def test_no_return_helpers() -> None:
    module = ast.parse(textwrap.dedent("""
    import typing
    class Stream:
        def _fail(self, exc) -> typing.NoReturn:
            raise exc
        def _keep(self, exc) -> None:
            pass
    """))
    calls = NoReturnCalls(module, resolve)
    handler = body("self._fail(exc)\n")
    assert not block_exits(handler, resolve, calls).falls_through
    assert block_exits(body("self._keep(exc)\n"), resolve, calls).falls_through
