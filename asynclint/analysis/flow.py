"""Path analysis over blocks of statements: how can a block end?

Several rules ask the same question of an ``except`` handler, a ``finally`` block or
a ``with`` body: "can control leave this block other than by raising?" (AL401,
AL402, AL404, and later rules about cleanup and locks). Answering it means following
every path through ``if``/``else``, loops with ``break`` and ``continue``, nested
``try``/``finally`` and ``match``, so it lives here once instead of in each rule.

The analysis is syntactic and over-approximates the set of paths (both branches of
every ``if`` are taken), with two deliberate exceptions that keep it honest:
``while True`` without a ``break`` never falls through, and a nested ``finally``
that cannot complete overrides whatever its ``try`` was doing. Calls are assumed to
return, except a few known never-returning functions (``sys.exit``...), which count
as raising.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

from ..base.nodes import child_nodes, unquoted, walk

TRY_STAR = getattr(ast, "TryStar", None)
MATCH = getattr(ast, "Match", None)
TRY_TYPES: Tuple[type, ...] = (ast.Try,) + ((TRY_STAR,) if TRY_STAR is not None else ())

# Calls that never return normally: they raise (SystemExit, a test failure...) or end the process.
NEVER_RETURNS = frozenset({
    "sys.exit", "os._exit", "os.abort", "builtins.exit", "builtins.quit",
    "typing.assert_never", "typing_extensions.assert_never",
    "pytest.fail", "pytest.skip", "pytest.exit", "pytest.xfail",
})
BASE_EXCEPTION = "builtins.BaseException"
# Nodes whose bodies run elsewhere (when called, or at class creation): never part of a path.
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)

Resolver = Callable[[ast.expr], Optional[str]]
CallTest = Callable[[ast.Call], bool]
NO_RETURN_TYPES = frozenset({
    "typing.NoReturn", "typing.Never", "typing_extensions.NoReturn", "typing_extensions.Never",
})


@dataclass(frozen=True)
class Exits:
    """The ways a block can end, collected over all its paths.

    ``jumps`` are the ``return``/``break``/``continue`` statements that leave the
    block (a ``break`` that ends a loop inside the block is not one); ``raises`` are
    the ``raise`` statements (and never-returning calls) that leave it uncaught.
    """

    falls_through: bool = False
    jumps: Tuple[ast.stmt, ...] = ()
    raises: Tuple[ast.AST, ...] = ()

    @property
    def always_raises(self) -> bool:
        """Every path out of the block raises."""
        return not self.falls_through and not self.jumps

    def __or__(self, other: "Exits") -> "Exits":
        """Either block may run: the union of their exits."""
        return Exits(self.falls_through or other.falls_through, self.jumps + other.jumps,
                     self.raises + other.raises)


FALLS_THROUGH = Exits(falls_through=True)


@dataclass(frozen=True)
class Leak:
    """A path that leaves a block the way a rule did not want.

    ``kind`` is ``"fall-through"`` (``node`` is the block's last statement),
    ``"return"``, ``"break"``, ``"continue"`` or ``"raise"`` (a raise the rule did
    not accept; ``node`` is the ``raise`` statement or the never-returning call).
    """

    kind: str
    node: ast.AST


def block_exits(body: Sequence[ast.stmt], resolve: Optional[Resolver] = None,
                never_returns: Optional[CallTest] = None) -> Exits:
    """How a block of statements can end (see ``Exits``).

    ``resolve`` (usually ``FileContext.resolve``) lets the analysis recognise
    ``sys.exit``-style calls and ``except BaseException`` in nested ``try``
    statements; ``never_returns`` recognises more calls that cannot return (see
    ``NoReturnCalls``). Without them only syntax is used.
    """
    return _Analysis(resolve, never_returns).block(body)


def first_leak(body: Sequence[ast.stmt], accepts: Callable[[ast.AST], bool],
               resolve: Optional[Resolver] = None, never_returns: Optional[CallTest] = None) -> Optional[Leak]:
    """The first way ``body`` can end other than by a raise that ``accepts`` approves, or None.

    Swallowing paths (fall-through, ``return``, ``break``, ``continue``) come before
    rejected raises, since they lose the exception altogether; within a kind the
    earliest in the source wins, so messages are stable.
    """
    exits = block_exits(body, resolve, never_returns)
    jumps = sorted(exits.jumps, key=_position)
    if jumps:
        jump = jumps[0]
        kind = "return" if isinstance(jump, ast.Return) else "break" if isinstance(jump, ast.Break) else "continue"
        return Leak(kind, jump)
    if exits.falls_through:
        return Leak("fall-through", body[-1] if body else ast.Pass())
    rejected = sorted((r for r in exits.raises if not accepts(r)), key=_position)
    if rejected:
        return Leak("raise", rejected[0])
    return None


def leaving_jumps(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Every ``return``, and every ``break``/``continue`` not inside a loop of ``body``, lexically.

    Unlike ``block_exits`` this includes statements on paths that a nested
    ``finally`` overrides or that are unreachable: it answers "which statements
    would leave this block if they ran", for rules about ``finally`` (AL403).
    """
    stack: List[Tuple[ast.AST, int]] = [(stmt, 0) for stmt in reversed(body)]
    while stack:
        node, loops = stack.pop()
        if isinstance(node, ast.Return) or (isinstance(node, (ast.Break, ast.Continue)) and loops == 0):
            yield node  # type: ignore[misc]
            continue
        if isinstance(node, _SCOPES) or not isinstance(node, ast.stmt):
            continue
        if isinstance(node, _LOOPS):
            children: List[Tuple[ast.AST, int]] = [(s, loops + 1) for s in node.body]
            children += [(s, loops) for s in node.orelse]  # ``else`` of a loop is outside it
        else:
            children = [(child, loops) for child in _child_statements(node)]
        stack.extend(reversed(children))


def awaits_in(nodes: Sequence[ast.AST]) -> Optional[ast.AST]:
    """The first ``await``, ``async for`` or ``async with`` in ``nodes`` (not in nested scopes), or None.

    Cancellation is delivered only at such a suspension point, so a block without
    one cannot receive a ``CancelledError`` from the event loop.
    """
    for node in walk_local(nodes):
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return node
        if isinstance(node, ast.comprehension) and node.is_async:
            return node
    return None


def suspends_in(nodes: Sequence[ast.AST]) -> bool:
    """Can ``nodes`` suspend: an ``await``, ``async for``/``async with``, an async comprehension, or a
    ``yield`` (in an async generator the consumer runs meanwhile)? Nested scopes do not count."""
    return awaits_in(nodes) is not None or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in walk_local(nodes))


def is_stub(body: List[ast.stmt]) -> bool:
    """``...``, ``pass``, a docstring, ``raise NotImplementedError``: a placeholder, not an implementation."""
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True


def walk_local(nodes: Sequence[ast.AST]) -> Iterator[ast.AST]:
    """Every node under ``nodes`` in source order, not descending into nested functions, lambdas or classes."""
    stack: List[ast.AST] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            continue
        stack.extend(reversed(child_nodes(node)))


def catches_everything(handler: ast.ExceptHandler, resolve: Optional[Resolver]) -> bool:
    """A bare ``except:`` or one naming ``BaseException`` (alone or in a tuple)."""
    if handler.type is None:
        return True
    if resolve is None:
        return False
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(resolve(name) == BASE_EXCEPTION for name in names)


class NoReturnCalls:
    """Recognises calls to the module's own functions and methods annotated ``NoReturn``/``Never``.

    Typed code declares its raise-only helpers (``def _convert_error(self, exc) ->
    NoReturn``); a handler that ends in such a call raises. Calls match by name
    (``helper(...)``, ``self.helper(...)``, ``cls.helper(...)``): only functions of
    this module count, so an unrelated method of the same name is the only risk,
    and it can only hide a finding.
    """

    def __init__(self, module: ast.Module, resolve: Resolver) -> None:
        self.names = frozenset(
            node.name for node in walk(module)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None
            and _annotation_name(node.returns, resolve) in NO_RETURN_TYPES
        )

    def __call__(self, call: ast.Call) -> bool:
        if not self.names:
            return False
        func = call.func
        if isinstance(func, ast.Name):
            return func.id in self.names
        return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in self.names


def _annotation_name(annotation: ast.expr, resolve: Resolver) -> Optional[str]:
    parsed = unquoted(annotation)
    return resolve(parsed) if parsed is not None else None


class _Analysis:
    def __init__(self, resolve: Optional[Resolver], never_returns: Optional[CallTest] = None) -> None:
        self.resolve = resolve
        self.never_returns = never_returns

    def block(self, body: Sequence[ast.stmt]) -> Exits:
        jumps: List[ast.stmt] = []
        raises: List[ast.AST] = []
        for stmt in body:
            exits = self.statement(stmt)
            jumps.extend(exits.jumps)
            raises.extend(exits.raises)
            if not exits.falls_through:
                return Exits(False, tuple(jumps), tuple(raises))
        return Exits(True, tuple(jumps), tuple(raises))

    def statement(self, stmt: ast.stmt) -> Exits:
        if isinstance(stmt, ast.Raise):
            return Exits(raises=(stmt,))
        if isinstance(stmt, (ast.Return, ast.Break, ast.Continue)):
            return Exits(jumps=(stmt,))
        if isinstance(stmt, ast.If):
            return self.block(stmt.body) | (self.block(stmt.orelse) if stmt.orelse else FALLS_THROUGH)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            return self.block(stmt.body)
        if isinstance(stmt, _LOOPS):
            return self.loop(stmt)
        if isinstance(stmt, TRY_TYPES):
            return self.try_(stmt)  # type: ignore[arg-type]
        if MATCH is not None and isinstance(stmt, MATCH):
            return self.match(stmt)
        if isinstance(stmt, ast.Expr) and self._never_returns(stmt.value):
            return Exits(raises=(stmt.value,))
        if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and not stmt.test.value:
            return Exits(raises=(stmt,))
        return FALLS_THROUGH

    def loop(self, stmt: ast.For | ast.AsyncFor | ast.While) -> Exits:
        body = self.block(stmt.body)
        # break/continue found here target this loop: nested loops consumed their own.
        breaks = any(isinstance(j, ast.Break) for j in body.jumps)
        jumps = tuple(j for j in body.jumps if isinstance(j, ast.Return))
        infinite = isinstance(stmt, ast.While) and isinstance(stmt.test, ast.Constant) and bool(stmt.test.value)
        if infinite:
            return Exits(breaks, jumps, body.raises)
        orelse = self.block(stmt.orelse) if stmt.orelse else FALLS_THROUGH
        return Exits(breaks or orelse.falls_through, jumps + orelse.jumps, body.raises + orelse.raises)

    def try_(self, stmt: ast.Try) -> Exits:
        body = self.block(stmt.body)
        caught = any(catches_everything(h, self.resolve) for h in stmt.handlers)
        result = Exits(False, body.jumps, () if caught else body.raises)
        if body.falls_through:
            result = result | (self.block(stmt.orelse) if stmt.orelse else FALLS_THROUGH)
        for handler in stmt.handlers:  # any statement of the body may raise
            result = result | self.block(handler.body)
        if stmt.finalbody:
            final = self.block(stmt.finalbody)
            if not final.falls_through:
                return final
            result = Exits(result.falls_through, result.jumps + final.jumps, result.raises + final.raises)
        return result

    def match(self, stmt: ast.AST) -> Exits:
        result = Exits()
        exhaustive = False
        for case in stmt.cases:  # type: ignore[attr-defined]
            result = result | self.block(case.body)
            if case.guard is None and _irrefutable(case.pattern):
                exhaustive = True
        return result if exhaustive else result | FALLS_THROUGH

    def _never_returns(self, expr: ast.expr) -> bool:
        if isinstance(expr, ast.Await):  # ``await self._fail(exc)`` of an ``async def ... -> NoReturn``
            expr = expr.value
        if not isinstance(expr, ast.Call):
            return False
        if self.resolve is not None and self.resolve(expr.func) in NEVER_RETURNS:
            return True
        return self.never_returns is not None and self.never_returns(expr)


def _irrefutable(pattern: ast.AST) -> bool:
    """``case _:`` and ``case name:`` always match."""
    if isinstance(pattern, getattr(ast, "MatchAs", ())):
        return pattern.pattern is None  # type: ignore[attr-defined]
    if isinstance(pattern, getattr(ast, "MatchOr", ())):
        return any(_irrefutable(p) for p in pattern.patterns)  # type: ignore[attr-defined]
    return False


def _child_statements(node: ast.stmt) -> Iterator[ast.stmt]:
    """Statements directly nested in a compound statement (bodies, handlers, cases)."""
    for field in ("body", "orelse", "finalbody"):
        for child in getattr(node, field, ()) or ():
            if isinstance(child, ast.stmt):
                yield child
    for handler in getattr(node, "handlers", ()) or ():
        yield from handler.body
    for case in getattr(node, "cases", ()) or ():
        yield from case.body


def _position(node: ast.AST) -> Tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
