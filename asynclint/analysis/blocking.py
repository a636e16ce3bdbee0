"""Is this call blocking? The question AL101-AL106, AL108 and AL107's call graph all ask.

``BlockingCalls`` resolves a call once and looks it up in the tables of
``asynclint.knowledge.blocking`` (by qualified name for functions, by the
receiver's inferred type for methods), then applies the guards that need the
file's context (bounded queues, sockets switched to non-blocking mode, futures
started in this coroutine). Unknown receivers are never guessed from their names.
The call graph asks it of calls in sync functions: a helper blocks exactly when
this would fire, were its body inside a coroutine.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import TYPE_CHECKING, Dict, Optional, Sequence, Set, Tuple

from ..base.nodes import walk
from ..knowledge.blocking import (
    DATAGRAM_RETURNS_AT_ONCE,
    GUARD_BLOCKING_SOCKET,
    GUARD_BOUNDED_QUEUE,
    GUARD_LAZY_WALK,
    GUARD_NOT_EMPTY,
    GUARD_NOT_OWN_DIRECTORY_TEARDOWN,
    GUARD_NOT_EXITED, GUARD_NOT_OWNER_TEARDOWN,
    GUARD_NOT_RENAME_IN_PLACE,
    GUARD_SHARED_LOCK,
    GUARD_STARTED_HERE,
    GUARD_STAT,
    GUARD_WAITED_BY_WITH,
    OWNER_TEARDOWN_NAMES,
    TEARDOWN_NAMES,
    BlockingCall,
    lookup_function,
    lookup_method,
)
from ..knowledge.intent import LIFECYCLE_EVENTS, LIFECYCLE_HOOK_NAMES
from ..knowledge.types import canonical_type
from .flow import walk_local
from .references import local_uses
from .scopes import BindingKind

if TYPE_CHECKING:
    from .context import FileContext

FILE_CODE = "AL109"  # single-file I/O: a file opened here is reported once, on the ``open()``
_SOCKET_TYPES = frozenset({"socket.socket", "ssl.SSLSocket"})
_NONBLOCKING_SWITCHES = frozenset({"setblocking", "settimeout"})
# What only a non-blocking socket raises: a handler for one says the socket is non-blocking.
_WOULD_BLOCK = frozenset({"builtins.BlockingIOError", "ssl.SSLWantReadError", "ssl.SSLWantWriteError"})
_LOOP_SOCKET_APIS = frozenset({"add_reader", "add_writer", "sock_recv", "sock_recv_into", "sock_recvfrom",
                               "sock_sendall", "sock_sendto", "sock_connect", "sock_accept", "sock_sendfile",
                               "create_connection", "create_server", "create_unix_connection",
                               "start_server", "open_connection", "wrap_socket",
                               # trio and anyio wait on non-blocking sockets
                               "wait_readable", "wait_writable", "wait_socket_readable", "wait_socket_writable",
                               "from_stdlib_socket"})


def used_asynchronously(ctx: "FileContext", node: ast.Call) -> bool:
    """``await x.get()``, ``async with x.open()``, ``async for r in x.find()``: an async API after all; also
    through a method of what it returns (``await conn.ft(name).info()``: a sync-typed ``conn`` that is the
    asyncio client, redis-om's loose ``redis.Redis`` annotation)."""
    parent = ctx.parent(node)
    if isinstance(parent, ast.Await):
        return True
    if isinstance(parent, ast.Attribute) and parent.value is node:
        outer = ctx.parent(parent)
        return isinstance(outer, ast.Call) and outer.func is parent and used_asynchronously(ctx, outer)
    if isinstance(parent, ast.withitem):
        return isinstance(ctx.parent(parent), ast.AsyncWith)
    if isinstance(parent, ast.AsyncFor):
        return parent.iter is node
    if isinstance(parent, ast.comprehension):
        return bool(parent.is_async) and parent.iter is node
    return False


class BlockingCalls:
    """Which calls of one file block the event loop, with the file's context for the guards."""

    def __init__(self, ctx: "FileContext") -> None:
        self.ctx = ctx
        # (region node id, receiver dump) -> "is this socket switched to non-blocking there?"
        self._nonblocking_cache: Dict[Tuple[int, str], bool] = {}

    def blocking_call(self, node: ast.Call, codes: frozenset[str]) -> Optional[Tuple[str, BlockingCall]]:
        """What AL1xx reports for this call inside a coroutine (any of ``codes``), wherever it stands.

        Shared with the call graph (AL107), which asks it of calls in sync functions: a helper blocks
        exactly when this would fire, were its body inside a coroutine.
        """
        hit = self._lookup(node)
        if hit is None:
            return None
        qualname, call, receiver = hit
        code = call.code_for(node)
        if code not in codes or not call.applies(node) or used_asynchronously(self.ctx, node):
            return None
        if call.guard and not self._guard_allows(call.guard, receiver, node):
            return None
        if isinstance(receiver, ast.Call) and self._reported_inner(receiver, code):
            return None  # ``open(p).read()``: one finding, on ``open``
        if code == FILE_CODE and isinstance(receiver, ast.Name) and self._opened_by_with(receiver, code):
            return None  # ``with open(p) as f: f.read()``: one finding, on ``open``
        if code != call.code:
            call = dataclasses.replace(call, code=code, code_if=None)
        return qualname, call

    def _lookup(self, node: ast.Call) -> Optional[Tuple[str, BlockingCall, Optional[ast.expr]]]:
        ctx = self.ctx
        func = node.func
        qualname = ctx.resolve(func)
        if qualname is not None:
            call = lookup_function(qualname, ctx.settings)
            return (qualname, call, None) if call is not None else None
        if isinstance(func, ast.Attribute):
            receiver_type = self._receiver_type(func.value)
            if receiver_type is not None:
                call = lookup_method(receiver_type, func.attr, ctx.settings)
                if call is not None:
                    return f"{receiver_type}.{func.attr}", call, func.value
        return None

    def _reported_inner(self, inner: ast.Call, code: str) -> bool:
        hit = self._lookup(inner)
        return hit is not None and hit[1].code_for(inner) == code and hit[1].applies(inner) and not hit[1].guard

    def _opened_by_with(self, receiver: ast.Name, code: str) -> bool:
        """``f`` was bound in this function by ``with open(...) as f`` or ``f = open(...)``, and that ``open``
        is reported: one finding per file opened."""
        ctx = self.ctx
        found = ctx.lookup(receiver.id)
        if found is None or len(found[1]) != 1 or found[0].node is not ctx.current_function:
            return False
        binding = found[1][0]
        return binding.kind in (BindingKind.WITH, BindingKind.ASSIGN) and not binding.unpacked \
            and isinstance(binding.value, ast.Call) \
            and not isinstance(ctx.parent(binding.value), ast.AsyncWith) \
            and self._reported_inner(binding.value, code)

    def _receiver_type(self, expr: ast.expr) -> Optional[str]:
        found = self.ctx.infer_type(expr)
        if found is None and isinstance(expr, ast.Name):
            found = self._accepted_socket(expr)
        return canonical_type(found) if found is not None else None

    def _accepted_socket(self, name: ast.Name) -> Optional[str]:
        """``conn, addr = sock.accept()``: ``conn`` is a socket too."""
        found = self.ctx.lookup(name.id)
        if found is None or len(found[1]) != 1:
            return None
        scope, (binding,) = found
        value = binding.value
        if binding.kind is not BindingKind.ASSIGN or not binding.unpacked or not isinstance(value, ast.Call) \
                or not isinstance(value.func, ast.Attribute) or value.func.attr != "accept":
            return None
        sock_type = self.ctx.infer_type(value.func.value)
        if sock_type is None or canonical_type(sock_type) not in _SOCKET_TYPES:
            return None
        for stmt in walk(scope.node):
            if isinstance(stmt, ast.Assign) and stmt.value is value:
                target = stmt.targets[0]
                if isinstance(target, (ast.Tuple, ast.List)) and target.elts and target.elts[0] is binding.node:
                    return "socket.socket"
        return None

    def _guard_allows(self, guard: str, receiver: Optional[ast.expr], node: ast.Call) -> bool:
        if guard == GUARD_STAT:
            return self.ctx.settings.blocking_stat_calls
        if guard == GUARD_LAZY_WALK:
            return not self._walked_with_awaits(node) and not self._walks_one_directory(node)
        if guard == GUARD_NOT_EMPTY:
            return not self._known_not_empty(receiver, node)
        if guard == GUARD_NOT_RENAME_IN_PLACE:
            return not self._renames_in_place(node)
        if guard == GUARD_NOT_OWN_DIRECTORY_TEARDOWN:
            func = self.ctx.current_function
            target = node.args[0] if node.args else None
            return not (isinstance(func, ast.AsyncFunctionDef) and OWNER_TEARDOWN_NAMES.fullmatch(func.name) is not None
                        and isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id == "self")
        if guard == GUARD_WAITED_BY_WITH:
            return self._with_item(node)
        if receiver is None:
            return True
        if guard == GUARD_BOUNDED_QUEUE:
            return self._bounded_queue(receiver)
        if guard == GUARD_BLOCKING_SOCKET:
            return not self._switched_to_nonblocking(receiver) and not self._datagram_returns_at_once(receiver, node) \
                and not self._expects_would_block(node)
        if guard == GUARD_STARTED_HERE:
            return self._started_here(receiver, node) is True and not self._checked_done(receiver)
        if guard == GUARD_SHARED_LOCK:
            return self._started_here(receiver, node) is not True
        if guard == GUARD_NOT_OWNER_TEARDOWN:  # (or the application's: its lifespan, a shutdown hook)
            return not self._owner_teardown(receiver) and not in_lifecycle_hook(self.ctx)
        if guard == GUARD_NOT_EXITED:
            return not self._checked_exited(receiver) and not (
                self._owner_teardown(receiver) and any(kw.arg == "timeout" for kw in node.keywords))
        return True

    def _with_item(self, node: ast.Call) -> bool:
        """``with subprocess.Popen(...) as child:``: the block's exit waits for the child."""
        return any(isinstance(parent, ast.With) and any(item.context_expr is node for item in parent.items)
                   for parent in self.ctx.ancestors[-3:-1])  # (the call, its withitem, the with)

    def _renames_in_place(self, node: ast.Call) -> bool:
        """``shutil.move(src, dst)`` where one path is the other with a suffix added or taken off
        (``splitext(src)[0]``, ``src + ".tmp"``, ``f"{dst}.part"``, ``src.with_suffix(...)``), directly or
        through a name this function binds once: the same directory, so a rename."""
        if len(node.args) != 2 or node.keywords:
            return False
        src, dst = (self._bound_value(arg) for arg in node.args)
        return _same_directory(src, node.args[1]) or _same_directory(dst, node.args[0])

    def _bound_value(self, expr: ast.expr) -> ast.expr:
        """What a name bound exactly once by plain assignment holds; else ``expr`` itself."""
        binding = self.ctx.single_binding(expr.id) if isinstance(expr, ast.Name) else None
        if binding is not None and binding.kind is BindingKind.ASSIGN and not binding.unpacked \
                and binding.value is not None:
            return binding.value
        return expr

    def _owner_teardown(self, receiver: ast.expr) -> bool:
        """``self._executor.shutdown()`` inside ``async def close(self)`` (or ``shutdown``, ``teardown``...)."""
        func = self.ctx.current_function
        return isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) \
            and receiver.value.id == "self" and isinstance(func, ast.AsyncFunctionDef) \
            and TEARDOWN_NAMES.match(func.name) is not None

    def _known_not_empty(self, receiver: ast.expr, node: ast.Call) -> bool:
        """``if not q.empty(): q.get()``, ``if q.qsize(): q.get()``, ``while not q.empty(): q.get()``, or
        ``while q.empty(): await ...`` just before: the queue holds an item, so ``get()`` returns at once."""
        wanted = ast.dump(receiver)

        def asks(test: ast.expr, method: str) -> bool:
            return isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and \
                test.func.attr == method and ast.dump(test.func.value) == wanted

        stack = self.ctx.ancestors
        for i in range(len(stack) - 1, 0, -1):
            parent, child = stack[i - 1], stack[i]
            if isinstance(parent, (ast.If, ast.While)) and child in parent.body:
                test = parent.test  # ``while not q.empty(): item = q.get()`` drains what is there
                if (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and asks(test.operand, "empty")) \
                        or asks(test, "qsize"):
                    return True
            block = getattr(parent, "body", None)
            if isinstance(block, list) and child in block:
                index = block.index(child)
                previous = block[index - 1] if index else None
                if isinstance(previous, ast.While) and asks(previous.test, "empty") and \
                        any(isinstance(sub, ast.Await) for stmt in previous.body for sub in walk(stmt)):
                    return True
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                break
        return False

    def _walked_with_awaits(self, node: ast.Call) -> bool:
        """``for p in root.rglob("*"): await ...``: the walk yields to the loop between directories."""
        parent = self.ctx.parent(node)
        if not isinstance(parent, ast.For) or parent.iter is not node:
            return False
        return any(isinstance(sub, (ast.Await, ast.AsyncFor, ast.AsyncWith))
                   for stmt in parent.body for sub in walk(stmt))

    def _walks_one_directory(self, node: ast.Call) -> bool:
        """``next(os.walk(root))``, or a ``for`` over the walk whose body always ends in ``break``: the walk stops
        after its first step, one directory listing (AL109's cost), not the whole tree."""
        parent = self.ctx.parent(node)
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "next" \
                and parent.args and parent.args[0] is node:
            return True
        if not isinstance(parent, ast.For) or parent.iter is not node or not isinstance(parent.body[-1], ast.Break):
            return False
        return not any(isinstance(sub, ast.Continue) for stmt in parent.body for sub in walk(stmt))

    def _started_here(self, receiver: ast.expr, node: ast.Call) -> Optional[bool]:
        """Was the receiver made in this coroutine with no ``await`` since? None when it was not made here.

        ``executor.submit(f).result()`` and ``t = Thread(...); t.start(); t.join()`` wait for work that
        nothing has waited for yet; after an ``await`` the coroutine usually waits on purpose until the
        work is known to be finished (a done-callback set an event), and a lock built here is still free.
        """
        if isinstance(receiver, ast.Call):
            return True
        if not isinstance(receiver, ast.Name):
            return None
        ctx = self.ctx
        function = ctx.current_function
        found = ctx.lookup(receiver.id)
        if function is None or found is None or found[0].node is not function or len(found[1]) != 1:
            return None
        binding = found[1][0]
        if binding.kind is not BindingKind.ASSIGN or binding.unpacked or not isinstance(binding.value, ast.Call):
            return None
        start = binding.value.end_lineno or binding.value.lineno
        for sub in walk(function):
            if isinstance(sub, (ast.Await, ast.AsyncFor, ast.AsyncWith)) and start < sub.lineno and \
                    (sub.lineno, sub.col_offset) < (node.lineno, node.col_offset):
                return False
        return True

    def _origin(self, receiver: ast.expr) -> Optional[ast.expr]:
        """The one expression a receiver was assigned from (``q = queue.Queue(10)``), if known."""
        ctx = self.ctx
        if isinstance(receiver, ast.Name):
            binding = ctx.single_binding(receiver.id)
            if binding is not None and binding.kind is BindingKind.ASSIGN and not binding.unpacked:
                return binding.value
            return None
        if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name):
            cls = ctx.enclosing_class_of_self(receiver.value)
            if cls is not None:
                values = ctx.class_info(cls).attributes.get(receiver.attr, [])
                return values[0] if len(values) == 1 else None
        return None

    def _bounded_queue(self, receiver: ast.expr) -> bool:
        """``put`` blocks only when the queue has a positive ``maxsize``; unknown origins are not reported."""
        origin = self._origin(receiver)
        if not isinstance(origin, ast.Call):
            return False
        maxsize: Optional[ast.expr] = None
        for kw in origin.keywords:
            if kw.arg == "maxsize":
                maxsize = kw.value
        if maxsize is None and origin.args and not isinstance(origin.args[0], ast.Starred):
            maxsize = origin.args[0]
        if maxsize is None:
            return False
        if isinstance(maxsize, ast.Constant):
            return isinstance(maxsize.value, int) and maxsize.value > 0
        if isinstance(maxsize, ast.UnaryOp) and isinstance(maxsize.op, ast.USub):
            return False
        return True  # a computed size: meant to bound the queue

    def _region(self, receiver: ast.expr) -> Optional[ast.AST]:
        """Where evidence about a receiver lives: its class for ``self.x``, else the current function."""
        if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name):
            cls = self.ctx.enclosing_class_of_self(receiver.value)
            if cls is not None:
                return cls
        return self.ctx.current_function

    def _datagram_returns_at_once(self, receiver: ast.expr, node: ast.Call) -> bool:
        """``connect()`` or a send on a UDP socket made here (``socket.socket(..., SOCK_DGRAM)``): connecting
        only sets the default peer (a route lookup in the kernel), nothing goes over the network; a send hands
        one datagram to the kernel and returns, with no peer to wait for (one datagram does not fill the
        socket's buffer). Receiving waits for a peer and is reported."""
        if not isinstance(node.func, ast.Attribute) or node.func.attr not in DATAGRAM_RETURNS_AT_ONCE \
                or not isinstance(receiver, ast.Name):
            return False
        binding = self.ctx.single_binding(receiver.id)
        made = binding.value if binding is not None else None
        if not isinstance(made, ast.Call) or self.ctx.resolve(made.func) != "socket.socket":
            return False
        return any((isinstance(a, ast.Attribute) and a.attr == "SOCK_DGRAM") or
                   (isinstance(a, ast.Name) and a.id == "SOCK_DGRAM")
                   for a in [*made.args, *(kw.value for kw in made.keywords)])

    def _switched_to_nonblocking(self, receiver: ast.expr) -> bool:
        """``sock.setblocking(False)`` / ``settimeout(0)``, or the socket handed to the loop's ``sock_*`` APIs."""
        region = self._region(receiver)
        if region is None:
            return False
        wanted = ast.dump(receiver)
        key = (id(region), wanted)
        cached = self._nonblocking_cache.get(key)
        if cached is not None:
            return cached
        result = any(self._nonblocking_evidence(node, wanted) for node in walk(region))
        self._nonblocking_cache[key] = result
        return result

    def _expects_would_block(self, node: ast.AST) -> bool:
        """The call sits in a ``try`` that catches ``BlockingIOError`` (or ``ssl.SSLWantReadError``...): only
        a non-blocking socket raises it, so the socket was made non-blocking elsewhere (aioesphomeapi
        peeks with ``recv(n, MSG_PEEK)`` and waits with ``loop.add_reader`` on ``BlockingIOError``)."""
        stack = self.ctx.ancestors
        for i in range(len(stack) - 2, -1, -1):
            outer, child = stack[i], stack[i + 1]
            if isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return False
            if isinstance(outer, ast.Try) and any(s is child for s in outer.body) and any(
                    self.ctx.resolve(t) in _WOULD_BLOCK for h in outer.handlers if h.type is not None
                    for t in (h.type.elts if isinstance(h.type, ast.Tuple) else [h.type])):
                return True
        return False

    @staticmethod
    def _nonblocking_evidence(node: ast.AST, wanted: str) -> bool:
        """``x.setblocking(False)``, ``x.settimeout(0)``, ``loop.sock_recv(x, ...)``, ``wait_readable(x)``."""
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in _NONBLOCKING_SWITCHES:
            if not isinstance(func, ast.Attribute) or ast.dump(func.value) != wanted or not node.args:
                return False
            arg = node.args[0]
            return isinstance(arg, ast.Constant) and arg.value is not None and arg.value in (False, 0)
        if name in _LOOP_SOCKET_APIS:
            return any(ast.dump(v) == wanted for v in [*node.args, *(kw.value for kw in node.keywords)])
        return False

    def _checked_done(self, receiver: ast.expr) -> bool:
        """``if fut.done(): fut.result()`` does not wait."""
        wanted = ast.dump(receiver)
        for ancestor in self.ctx.ancestors:
            test = getattr(ancestor, "test", None)
            if not isinstance(ancestor, (ast.If, ast.IfExp, ast.While)) or test is None:
                continue
            for sub in walk(test):
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "done" \
                        and ast.dump(sub.func.value) == wanted:
                    return True
        return False


    def _checked_exited(self, receiver: ast.expr) -> bool:
        """The call runs where ``proc.poll() is not None`` (or ``proc.returncode is not None``) holds: in
        the body of such an ``if``, or the ``else`` of ``if proc.poll() is None``; or right after
        ``proc.kill()``."""
        wanted = ast.dump(receiver)
        ancestors = self.ctx.ancestors
        for i, ancestor in enumerate(ancestors[:-1]):
            if not isinstance(ancestor, ast.If):
                continue
            inside = ancestors[i + 1]
            in_body = any(stmt is inside for stmt in ancestor.body)
            in_else = any(stmt is inside for stmt in ancestor.orelse)
            exited = _exit_test(ancestor.test, wanted)
            if (exited is True and in_body) or (exited is False and in_else):
                return True
        return self._killed_just_before(wanted)

    def _killed_just_before(self, wanted: str) -> bool:
        """``proc.kill()`` is the statement right before the wait, in the same block: SIGKILL cannot be
        caught, so the child is gone (or a zombie to reap) at once."""
        statement = next((a for a in reversed(self.ctx.ancestors) if isinstance(a, ast.stmt)), None)
        block = self.ctx.block_of(statement) if statement is not None else None
        if not block:
            return False
        at = next(i for i, s in enumerate(block) if s is statement)
        before = block[at - 1] if at else None
        call = before.value if isinstance(before, ast.Expr) else None
        return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
            and call.func.attr == "kill" and not call.args and ast.dump(call.func.value) == wanted


def _exit_test(test: ast.expr, wanted: str) -> Optional[bool]:
    """True for ``proc.poll() is not None`` / ``proc.returncode is not None``, False for ``... is None``
    (``wanted`` is the dump of ``proc``), else None."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot))
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
        return None
    left = test.left
    if isinstance(left, ast.Call) and not left.args and isinstance(left.func, ast.Attribute) \
            and left.func.attr == "poll":
        subject = left.func.value
    elif isinstance(left, ast.Attribute) and left.attr == "returncode":
        subject = left.value
    else:
        return None
    if ast.dump(subject) != wanted:
        return None
    return isinstance(test.ops[0], ast.IsNot)


_SAME_DIRECTORY_METHODS = frozenset({"with_suffix", "with_name", "with_stem"})


def _same_directory(derived: ast.expr, origin: ast.expr) -> bool:
    """Is ``derived`` the path ``origin`` with a suffix added or taken off (no separator added)?"""
    key = ast.dump(origin)
    if isinstance(derived, ast.BinOp) and isinstance(derived.op, ast.Add):  # origin + ".tmp"
        return ast.dump(derived.left) == key and _suffix_only(derived.right)
    if isinstance(derived, ast.JoinedStr) and derived.values:  # f"{origin}.part"
        first = derived.values[0]
        return isinstance(first, ast.FormattedValue) and ast.dump(first.value) == key \
            and all(_suffix_only(v) for v in derived.values[1:])
    if isinstance(derived, ast.Subscript) and isinstance(derived.value, ast.Call):  # os.path.splitext(origin)[0]
        call = derived.value
        return isinstance(derived.slice, ast.Constant) and derived.slice.value == 0 \
            and isinstance(call.func, (ast.Attribute, ast.Name)) \
            and (call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id) == "splitext" \
            and len(call.args) == 1 and ast.dump(call.args[0]) == key
    if isinstance(derived, ast.Call) and isinstance(derived.func, ast.Attribute):  # origin.with_suffix(...)
        return derived.func.attr in _SAME_DIRECTORY_METHODS and ast.dump(derived.func.value) == key  # (they refuse a separator)
    return False


def _suffix_only(expr: ast.expr) -> bool:
    """A string constant with no path separator in it."""
    return isinstance(expr, ast.Constant) and isinstance(expr.value, str) and "/" not in expr.value \
        and "\\" not in expr.value


# -- a coroutine alone on its thread's own event loop -----------------------------------------------------

_NEW_LOOPS = frozenset({"asyncio.new_event_loop", "asyncio.events.new_event_loop"})
_LOOP_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run"})
_SPAWNING = frozenset({"create_task", "ensure_future", "gather", "start_soon", "create_task_group", "TaskGroup",
                       "run_coroutine_threadsafe", "call_soon", "call_later", "call_soon_threadsafe"})


# Modules whose import means the file's coroutines may run on an event loop.
_EVENT_LOOP_MODULES = frozenset({"asyncio", "anyio", "trio", "curio", "uvloop", "tornado", "twisted", "gevent"})


def steps_its_own_coroutines(ctx: "FileContext") -> bool:
    """Does the module run its coroutines itself, with no event loop? It steps them with ``coro.send(None)``
    under ``except StopIteration`` (a synchronous trampoline) and imports no event-loop library anywhere: a
    sync client sharing its protocol code with an async one (edgedb's and gel's ``blocking_client``), whose
    ``async def`` methods run on the calling thread, where blocking is the point."""
    known = ctx.memo.get("steps-own-coroutines")
    if known is None:
        known = ctx.memo["steps-own-coroutines"] = "send(None)" in ctx.source and _steps_own_coroutines(ctx.module)
    return bool(known)


def _steps_own_coroutines(module: ast.Module) -> bool:
    trampoline = False
    for node in walk(module):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in _EVENT_LOOP_MODULES for a in node.names):
            return False
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] in _EVENT_LOOP_MODULES:
            return False
        if isinstance(node, ast.Try) and not trampoline:
            trampoline = any(isinstance(h.type, ast.Name) and h.type.id == "StopIteration" for h in node.handlers) \
                and any(_sends_none(sub) for stmt in node.body for sub in walk(stmt))
    return trampoline


def _sends_none(node: ast.AST) -> bool:
    """``coro.send(None)``"""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "send" \
        and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Constant) \
        and node.args[0].value is None


TERMINAL_PROMPTS = frozenset({"builtins.input", "getpass.getpass"})


def waits_on_terminal(ctx: "FileContext", cache: Dict[int, bool]) -> bool:
    """Does the current coroutine itself wait on a terminal prompt (``input()``, ``getpass.getpass()``, AL110's
    calls)? Then it is interactive: the loop already stops at every prompt for as long as the user takes, so a
    pause or a request between prompts holds up nothing the prompt does not (open-interpreter's CLI loop,
    MetaGPT's manual recorder); a maintainer would not move one off the loop and leave the prompts on it."""
    stack = ctx.function_stack
    func = stack[-1] if stack else None
    if not isinstance(func, ast.AsyncFunctionDef):
        return False
    if id(func) not in cache:
        cache[id(func)] = any(isinstance(node, ast.Call) and ctx.resolve(node.func) in TERMINAL_PROMPTS
                              for node in walk_local(func.body))
    return cache[id(func)]


def alone_on_private_loop(ctx: "FileContext", cache: Dict[int, bool]) -> bool:
    """Is the current coroutine only ever run as the one coroutine of an event loop made for it? A method
    whose every use in its class is ``asyncio.run(self.<name>(...))`` or ``loop.run_until_complete(self.
    <name>(...))`` on a loop just made with ``asyncio.new_event_loop()`` (a thread's ``run``, a deprecated sync
    wrapper), or a coroutine a sync function defines and runs that way, starting nothing else on the loop
    and used nowhere else. Neither call runs while the thread has a loop running, so blocking there stops a
    loop with nothing else on it (jupyter-client's heartbeat thread, ring-doorbell's sync API)."""
    stack = ctx.function_stack
    func = stack[-1] if stack else None
    if not isinstance(func, ast.AsyncFunctionDef):
        return False
    if len(stack) == 1:
        if id(func) not in cache:
            cache[id(func)] = _alone_on_private_loop(ctx, func)
        return cache[id(func)]
    if id(func) not in cache:
        outer = stack[-2]
        cache[id(func)] = isinstance(outer, ast.FunctionDef) and _nested_alone_on_new_loop(ctx, outer, func)
    return cache[id(func)]


def _starts_other_work(func: ast.AsyncFunctionDef) -> bool:
    """Does the coroutine start tasks or callbacks of its own (then it is not alone on its loop)?"""
    return any(isinstance(n, ast.Call) and (getattr(n.func, "attr", None) or getattr(n.func, "id", None)) in _SPAWNING
               for n in walk(func))


def _nested_alone_on_new_loop(ctx: "FileContext", outer: ast.FunctionDef, func: ast.AsyncFunctionDef) -> bool:
    """A coroutine defined in a sync function that runs it, once, on an event loop of its own (``new_loop =
    asyncio.new_event_loop()`` ... ``new_loop.run_until_complete(pump())``, or ``asyncio.run(pump())``), and
    used nowhere else: a sync-over-async bridge (often a thread's target)."""
    if _starts_other_work(func):
        return False
    if local_uses(outer, func, ctx.resolve) != (1, 0, 0):
        return False  # (``run_until_complete`` and ``asyncio.run`` count as starts)
    return bool(_run_on_new_loop(ctx, [outer], func.name, bare=True))


def _alone_on_private_loop(ctx: "FileContext", func: ast.AsyncFunctionDef) -> bool:
    owner = next((n for n in reversed(ctx.ancestors) if isinstance(n, ast.ClassDef)), None)
    if owner is None or func not in owner.body or _starts_other_work(func):
        return False
    uses = [n for n in walk(owner) if isinstance(n, ast.Attribute) and n.attr == func.name]
    if not uses:
        return False
    started = _run_on_new_loop(ctx, [m for m in owner.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))],
                               func.name)
    if any(id(use) not in started for use in uses):
        return False  # awaited, passed on or started another way somewhere in the class
    if any(isinstance(n, ast.Attribute) and n.attr == func.name
           and not (isinstance(n.value, ast.Name) and n.value.id == "self") for n in walk(ctx.module)):
        return False  # reached through another object (``self.<name>`` in another class is its own)
    index = ctx.index
    uses_of = getattr(index, "uses", None)
    if callable(uses_of):
        counts = uses_of(func.name, ctx.module_name)
        if counts is not None and any(counts[6:9]):
            return False  # reached through another object somewhere in the package
    return True


def _run_on_new_loop(ctx: "FileContext", functions: Sequence[ast.AST], name: str, bare: bool = False) -> Set[int]:
    """The ``self.<name>`` attributes (with ``bare``, ``<name>`` names) in ``functions`` (nested ones included)
    called as the one argument of ``asyncio.run(...)`` or of ``loop.run_until_complete(...)`` on a loop made in
    the same function with ``asyncio.new_event_loop()`` (or ``new_event_loop().run_until_complete(...)``), by id."""
    started: Set[int] = set()
    for function in functions:
        loops = {t.id for n in walk(function) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call)
                 and ctx.resolve(n.value.func) in _NEW_LOOPS for t in n.targets if isinstance(t, ast.Name)}
        for node in walk(function):
            if not isinstance(node, ast.Call) or len(node.args) != 1 or not isinstance(node.args[0], ast.Call):
                continue
            inner = node.args[0].func
            if bare and not (isinstance(inner, ast.Name) and inner.id == name):
                continue
            if not bare and not (isinstance(inner, ast.Attribute) and inner.attr == name
                                 and isinstance(inner.value, ast.Name) and inner.value.id == "self"):
                continue
            runner = node.func
            if ctx.resolve(runner) in _LOOP_RUNNERS or (
                    isinstance(runner, ast.Attribute) and runner.attr == "run_until_complete" and (
                        (isinstance(runner.value, ast.Name) and runner.value.id in loops)
                        or (isinstance(runner.value, ast.Call) and ctx.resolve(runner.value.func) in _NEW_LOOPS))):
                started.add(id(inner))
    return started


def in_lifecycle_hook(ctx: "FileContext") -> bool:
    """Is the current coroutine (the outermost one of its nest) an application's startup or shutdown hook
    (``knowledge.intent.LIFECYCLE_HOOK_NAMES``, ``@app.on_event("startup")``)?"""
    func = next((f for f in ctx.function_stack if isinstance(f, ast.AsyncFunctionDef)), None)
    if func is None:
        return False
    if LIFECYCLE_HOOK_NAMES.fullmatch(func.name):
        return True
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "on_event"
               and d.args and isinstance(d.args[0], ast.Constant) and d.args[0].value in LIFECYCLE_EVENTS
               for d in func.decorator_list)
