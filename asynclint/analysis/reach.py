"""Who else can reach a queue: does it leave the code that made it, and does anyone finish its items?

``await queue.join()`` waits until every item put was marked done with ``task_done()``.
Whether anything can call it depends on where the queue lives: a local variable is
reachable only from its function (and closures) unless it escapes; a module-level name
from the module and its importers; ``self.<attr>`` from the class, its subclasses and
whoever holds the object. The last two cross files, so they ask the project index
(``ProjectIndex.calls_task_done``, recorded as a dependency of the file's result).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable, FrozenSet, Iterator, List, Optional, Tuple

from ..knowledge.types import canonical_type
from .index import ProjectIndex, task_done_names
from .scopes import BindingKind, ScopeKind

if TYPE_CHECKING:
    from .context import FileContext

QUEUE_CLASSES = frozenset({"asyncio.Queue", "asyncio.PriorityQueue", "asyncio.LifoQueue"})
# Methods that put items in: ``join()`` can only hang once one was put.
_PUTS = frozenset({"put", "put_nowait"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class QueueReach:
    """Answers "can ``join()`` on this queue hang because nothing reachable calls ``task_done()``?"."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        self._module_names: Optional[FrozenSet[str]] = None

    @classmethod
    def of(cls, ctx: "FileContext") -> "QueueReach":
        found = ctx.memo.get("queue-reach")
        if not isinstance(found, cls):
            found = ctx.memo["queue-reach"] = cls(ctx)
        return found

    def is_queue_constructor(self, value: Optional[ast.expr]) -> bool:
        if not isinstance(value, ast.Call):
            return False
        func = value.func.value if isinstance(value.func, ast.Subscript) else value.func
        return canonical_type(self.ctx.resolve(func)) in QUEUE_CLASSES

    def unfinished(self, receiver: ast.expr) -> Optional[str]:
        """How the queue is held ("local", "module", "attribute") when it was created here, items are
        put in it, and nothing that can reach it calls ``task_done()``; else None (unknown counts as
        finished: only a queue we can see all of is reported)."""
        if isinstance(receiver, ast.Name):
            return self._name(receiver.id)
        if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name):
            return self._attribute(receiver.value, receiver.attr)
        return None

    # -- names ------------------------------------------------------------------------------
    def _name(self, name: str) -> Optional[str]:
        ctx = self.ctx
        found = ctx.lookup(name)
        if found is None:
            return None
        scope, bindings = found
        if not bindings or not all(b.kind is BindingKind.ASSIGN and not b.unpacked and self.is_queue_constructor(b.value)
                                   for b in bindings):
            return None
        if scope.kind in (ScopeKind.FUNCTION, ScopeKind.COROUTINE):
            root, how = scope.node, "local"
        elif scope is ctx.module_scope:
            root, how = ctx.module, "module"
        else:
            return None
        usage = _usage(root, lambda n: isinstance(n, ast.Name) and n.id == name)
        if usage.finished or usage.escapes or not usage.puts:
            return None
        if how == "module" and self._elsewhere(name):
            return None
        return how

    # -- self.<attr> --------------------------------------------------------------------------
    def _attribute(self, owner: ast.Name, attr: str) -> Optional[str]:
        ctx = self.ctx
        cls = ctx.enclosing_class_of_self(owner)
        if cls is None:
            return None
        values = list(_assigned_attribute(cls, attr))
        if not values or not all(self.is_queue_constructor(v) for v in values):
            return None
        usage = _usage(cls, lambda n: isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.value, ast.Name))
        if usage.finished or usage.escapes or not usage.puts:
            return None
        if attr in self._own_module_names() or self._elsewhere(attr):
            return None
        return "attribute"

    def _own_module_names(self) -> FrozenSet[str]:
        if self._module_names is None:
            self._module_names = frozenset(task_done_names(self.ctx.module))
        return self._module_names

    def _elsewhere(self, name: str) -> bool:
        index = self.ctx.index
        return isinstance(index, ProjectIndex) and index.calls_task_done(name, self.ctx.path)


class _Usage:
    """What the code around a queue does with it."""

    def __init__(self) -> None:
        self.finished = False  # ``.task_done`` is referred to
        self.escapes = False  # the queue itself is handed on: passed, stored, returned, aliased
        self.puts = False  # ``.put()``/``.put_nowait()``


def _usage(root: ast.AST, is_queue: Callable[[ast.AST], bool]) -> _Usage:
    usage = _Usage()
    for node, parent in _with_parents(root):
        if not is_queue(node) or not isinstance(getattr(node, "ctx", None), ast.Load):
            continue
        if isinstance(parent, ast.Attribute) and parent.value is node:
            if parent.attr == "task_done":
                usage.finished = True
            elif parent.attr in _PUTS:
                usage.puts = True
            continue
        if isinstance(parent, ast.Compare) or (isinstance(parent, ast.Attribute) and parent.value is not node):
            continue
        if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.BoolOp, ast.UnaryOp)):
            continue  # ``if self._queue:``, ``q or default``: tested, not handed on
        usage.escapes = True
    return usage


def _with_parents(root: ast.AST) -> Iterator[Tuple[ast.AST, ast.AST]]:
    stack: List[Tuple[ast.AST, ast.AST]] = [(child, root) for child in ast.iter_child_nodes(root)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in ast.iter_child_nodes(node))


def _assigned_attribute(cls: ast.ClassDef, attr: str) -> Iterator[Optional[ast.expr]]:
    """Every value assigned to ``<self>.attr`` in the class's methods (None for augmented or unpacked)."""
    for stmt in cls.body:
        if not isinstance(stmt, _FUNCTIONS):
            continue
        args = stmt.args.posonlyargs + stmt.args.args
        if not args:
            continue
        me = args[0].arg
        for node in ast.walk(stmt):
            targets: List[ast.expr] = []
            value: Optional[ast.expr] = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets, value = [node.target], node.value if isinstance(node, ast.AnnAssign) else None
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr == attr and isinstance(part.value, ast.Name) \
                            and part.value.id == me and isinstance(part.ctx, ast.Store):
                        yield value if part is target else None
