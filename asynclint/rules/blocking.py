"""AL1xx: calls that block the event loop when made inside a coroutine.

One checker serves the whole family: it resolves each call inside a coroutine once
and looks the result up in the tables of ``asynclint.knowledge.blocking`` — by
qualified name for functions, by the receiver's inferred type for methods. Unknown
receivers are never guessed from their names: a finding needs a resolved import,
a constructor, a factory or an annotation.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, Optional, Sequence, Tuple, Type

from ..knowledge.blocking import (
    GUARD_BLOCKING_SOCKET, GUARD_BOUNDED_QUEUE, GUARD_SHARED_LOCK, GUARD_STARTED_HERE, GUARD_STAT, BlockingCall,
    canonical_type, lookup_function, lookup_method,
)
from ..callgraph import consumed
from ..index import ProjectIndex, Target
from ..model import Fix
from ..nodes import walk
from ..scopes import BindingKind
from .base import Checker, Rule, node_text
from .unawaited import Resolver

if TYPE_CHECKING:
    from ..callgraph import BlockingChain
    from ..context import FileContext

_NOT_A_FINDING_BY_REFERENCE = (
    "Passing a blocking function by reference is the cure, not the disease: "
    "`await asyncio.to_thread(f, ...)` and `loop.run_in_executor(None, f, ...)` are never reported, nor is "
    "code in a nested sync `def` or `lambda` (it runs wherever it is called from, often a worker thread)."
)
_TYPED_RECEIVERS = (
    "Methods are reported only when the receiver's type is known from source: a constructor or factory "
    "call (`s = requests.Session()`, `self._sock = socket.create_connection(...)` in any method), a "
    "`with ... as` target, or an annotation (`f: io.TextIOWrapper`, `sock: socket.socket`). A call that is "
    "itself awaited (`await client.get(...)`) or entered with `async with` is an async API and never "
    "reported, whatever the receiver was inferred to be."
)

SLEEP = Rule(
    code="AL101",
    name="blocking-sleep",
    summary="`time.sleep()` inside a coroutine",
    what_it_does="Reports calls to `time.sleep` (however it is imported) lexically inside an `async def`.",
    why_bad="`time.sleep` stops the whole event loop: every other task waits until it returns. "
    "An async sleep suspends only this coroutine.",
    example="import time\n\nasync def poll():\n    time.sleep(1)",
    use_instead="import asyncio\n\nasync def poll():\n    await asyncio.sleep(1)",
    fix_safety="Unsafe: `await asyncio.sleep(...)` (`trio.sleep` / `anyio.sleep` in trio and anyio "
    "files) adds a suspension and cancellation point, which changes what can run meanwhile. The "
    "fix adds `import asyncio` when it is missing and reuses an existing alias. Offered only when "
    "the call is a statement of its own.",
    fixable=True,
)
HTTP = Rule(
    code="AL102",
    name="blocking-http-call",
    summary="Blocking HTTP client call inside a coroutine",
    what_it_does="Reports synchronous HTTP requests made directly in an `async def`: `requests.get/post/...`, "
    "`requests.request`, methods of a `requests.Session`, `httpx.get/post/stream/...` (the module functions) "
    "and methods of a sync `httpx.Client` (never `httpx.AsyncClient`), `urllib.request.urlopen` / "
    "`urlretrieve`, `urllib3` pool and pool-manager requests, and `http.client` connections "
    "(`request`, `getresponse`, reading the response).\n\n" + _TYPED_RECEIVERS + "\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="A synchronous request waits for DNS, the connection, the server and the whole body while the "
    "event loop is stopped: one slow server stalls every other task, timeouts included.",
    example="import requests\n\nasync def fetch_user(user_id):\n"
    "    response = requests.get(f\"https://api.example/users/{user_id}\")\n    return response.json()",
    use_instead="import httpx\n\nasync def fetch_user(client: httpx.AsyncClient, user_id):\n"
    "    response = await client.get(f\"https://api.example/users/{user_id}\")\n    return response.json()",
)
PROCESS = Rule(
    code="AL103",
    name="blocking-subprocess",
    summary="Blocking process call inside a coroutine",
    what_it_does="Reports `subprocess.run/call/check_call/check_output/getoutput/getstatusoutput`, "
    "`subprocess.Popen(...)` and the `wait()` / `communicate()` of a `Popen` object, `os.system`, "
    "`os.popen`, `os.spawn*`, `os.posix_spawn*`, `os.exec*` and `os.wait*` (not with `os.WNOHANG`) "
    "inside an `async def`. trio and anyio files are pointed at `trio.run_process` / `anyio.run_process`."
    "\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="These calls wait for the child process (or for `fork`/`exec`) with the event loop stopped; "
    "`os.exec*` replaces the process without letting the loop shut down.",
    example="import subprocess\n\nasync def git_head():\n"
    "    return subprocess.check_output([\"git\", \"rev-parse\", \"HEAD\"])",
    use_instead="import asyncio\n\nasync def git_head():\n"
    "    proc = await asyncio.create_subprocess_exec(\n"
    "        \"git\", \"rev-parse\", \"HEAD\", stdout=asyncio.subprocess.PIPE)\n"
    "    out, _ = await proc.communicate()\n    return out",
)
FILES = Rule(
    code="AL104",
    name="blocking-file-io",
    summary="Blocking file-system I/O inside a coroutine",
    what_it_does="Reports inside an `async def`: builtin `open()`, `io.open`, `io.open_code`, `os.fdopen`, "
    "`os.open`, `codecs/gzip/bz2/lzma/tarfile.open` (also in `with` statements and comprehensions; "
    "`os.fdopen` only wraps a descriptor that is already open, so only reads and writes on its result are "
    "reported); "
    "methods of a sync file object (`read`, `readline(s)`, `write`, `writelines`, `flush`, `seek`, "
    "`truncate`) when it is known to be one (from `open()`, `os.fdopen()`, `with open(...) as f`, "
    "`Path.open()`, or an annotation of a concrete file class such as `io.TextIOWrapper`; a `typing.IO` / "
    "`BinaryIO` annotation is not enough, since in-memory `BytesIO` and `sys.stdout` satisfy it); "
    "`pathlib.Path` methods "
    "that do I/O (`read_text`, `write_bytes`, `open`, `iterdir`, `glob`, `mkdir`, `unlink`, `touch`...) "
    "on a value known to be a path (`Path(...)`, `path / \"name\"`, `.parent`, an annotation); `shutil` "
    "copy/move/rmtree...; `glob.glob`; and the `os` calls that do real I/O (`listdir`, `scandir`, `walk`, "
    "`makedirs`, `mkdir`, `remove`, `unlink`, `rename`, `replace`, `rmdir`...). `async with "
    "aiofiles.open(...)`, `anyio.Path` and `trio.Path` are async and never reported.\n\n"
    "Cheap stat calls (`os.path.exists/isfile/isdir/getsize...`, `os.stat`, `Path.exists/is_file/stat/"
    "resolve...`, `shutil.which`) are reported only with the `blocking-stat-calls` option: on a local disk "
    "they take microseconds and most users find them noise.\n\n" + _TYPED_RECEIVERS + "\n\n"
    + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="File-system calls can take milliseconds to seconds (network mounts, a busy disk, large files) "
    "and the event loop is stopped for all of it. The operating system offers no portable async file I/O, "
    "so async libraries run these calls in a worker thread.",
    example="import json\n\nasync def load_settings(path):\n    with open(path) as f:\n"
    "        return json.load(f)",
    use_instead="import asyncio\nimport json\nfrom pathlib import Path\n\nasync def load_settings(path):\n"
    "    text = await asyncio.to_thread(Path(path).read_text)\n    return json.loads(text)",
    options="`blocking-stat-calls` (bool, default false): also report `os.path.exists`-style stat calls "
    "and the `Path` predicates (`exists`, `is_file`, `is_dir`, `stat`, `resolve`...).",
)
SOCKETS = Rule(
    code="AL105",
    name="blocking-socket-or-wait",
    summary="Blocking socket, DNS or synchronous wait inside a coroutine",
    what_it_does="Reports inside an `async def`: `socket.create_connection`, DNS lookups "
    "(`socket.getaddrinfo`, `gethostbyname`, `gethostbyaddr`, `getfqdn`...), methods of a socket known "
    "from `socket.socket(...)`, `create_connection`, `fromfd`, `accept()` or an annotation (`accept`, "
    "`connect`, `recv*`, `send*`, `sendall`, `makefile`) unless the same code switches it to non-blocking "
    "mode (`setblocking(False)`, `settimeout(0)`) or hands it to `loop.sock_*`; `select.select`, poll and "
    "selector objects (not with a zero timeout); waits on `threading` primitives known from their "
    "constructor (`Lock/RLock/Semaphore.acquire` — not on a lock built in this coroutine with no `await` "
    "since, which is free —, `Event.wait`, `Condition.wait`, `Barrier.wait`), `queue.Queue.get/join` and "
    "`put` on a queue built with a `maxsize` (not with `block=False` or a zero timeout); "
    "`concurrent.futures.Future.result()` and `Thread.join()` / `Process.join()` when the future or thread "
    "was started in this coroutine with no `await` since (`executor.submit(f).result()`, "
    "`asyncio.run_coroutine_threadsafe(...).result()`; after an `await` the code usually waits on purpose "
    "until the work is known to be done, and `if fut.done():` guards it) — never asyncio's own futures "
    "and tasks; `concurrent.futures.wait`, `executor.shutdown()`; and `input()` / `getpass`.\n\n"
    + _TYPED_RECEIVERS + "\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="Each of these waits for the network, another thread or the user with the event loop stopped. "
    "`fut.result()` on a future that the loop itself must complete (`run_coroutine_threadsafe` to the "
    "running loop) never returns: a deadlock.",
    example="import socket\n\nasync def resolve(host):\n    return socket.gethostbyname(host)",
    use_instead="import asyncio\n\nasync def resolve(host):\n    loop = asyncio.get_running_loop()\n"
    "    infos = await loop.getaddrinfo(host, None)\n    return infos[0][4][0]",
)
NESTED_LOOP = Rule(
    code="AL106",
    name="nested-event-loop",
    summary="Starting an event loop inside a coroutine",
    what_it_does="Reports `asyncio.run(...)` (and `trio.run`, `anyio.run`, `uvloop.run`, "
    "`asyncio.Runner.run`) and `loop.run_until_complete(...)` / `loop.run_forever()` on a loop known from "
    "`asyncio.get_event_loop()`, `new_event_loop()`, `get_running_loop()` or an `AbstractEventLoop` "
    "annotation, inside an `async def`. A receiver of unknown type is not reported."
    "\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="A coroutine runs inside a running event loop, and asyncio refuses to start a second one in the "
    "same thread: these calls raise `RuntimeError` (\"cannot be called from a running event loop\"). "
    "Patching that away (nest_asyncio) blocks the outer loop for as long as the inner one runs.",
    example="import asyncio\n\nasync def handler():\n    data = asyncio.run(fetch())\n    return data",
    use_instead="async def handler():\n    data = await fetch()\n    return data",
)
CLIENT_LIBRARIES = Rule(
    code="AL108",
    name="blocking-client-library",
    summary="Synchronous database or network client library used inside a coroutine",
    what_it_does="Reports calls into synchronous client libraries inside an `async def`, each with the "
    "async alternative: `sqlite3` (aiosqlite), `psycopg2` and sync `psycopg` connections and cursors "
    "(`psycopg.AsyncConnection`, asyncpg), `pymysql` / `MySQLdb` (aiomysql, asyncmy), `pymongo` clients, "
    "databases and collections (`pymongo.AsyncMongoClient`, motor), sync `redis.Redis` and its pipelines "
    "and locks (`redis.asyncio`), SQLAlchemy's sync `Engine`, `Connection`, `Session`, `sessionmaker` "
    "sessions and `Query` results (`sqlalchemy.ext.asyncio`), `smtplib` (aiosmtplib), `ftplib` (aioftp), "
    "`poplib`, `imaplib` (aioimaplib), `paramiko` (asyncssh), `boto3` / `botocore` clients "
    "(aioboto3, aiobotocore) and `xmlrpc.client.ServerProxy`. The connect calls themselves "
    "(`sqlite3.connect`, `psycopg2.connect`, `smtplib.SMTP(host)`...) are reported; building a client "
    "that connects lazily (`redis.Redis()`, `MongoClient()`, `create_engine()`) is not.\n\n"
    "`redis.asyncio.Redis`, `AsyncSession`, `AsyncMongoClient`, motor and aiobotocore clients are async "
    "and never reported. The table is extendable with `extend-blocking-calls` (a qualified function name, "
    "or `module.Class.method` for a method on a receiver of that type).\n\n"
    + _TYPED_RECEIVERS + "\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="A synchronous driver waits for the database or server with the event loop stopped: every other "
    "request served by this process waits for this query. Under load this turns one slow query into a "
    "stall of the whole service.",
    example="import sqlite3\n\nasync def count_users(path):\n    conn = sqlite3.connect(path)\n"
    "    return conn.execute(\"select count(*) from users\").fetchone()[0]",
    use_instead="import aiosqlite\n\nasync def count_users(path):\n    async with aiosqlite.connect(path) as conn:\n"
    "        cursor = await conn.execute(\"select count(*) from users\")\n"
    "        return (await cursor.fetchone())[0]",
    options="`extend-blocking-calls` (table): `{\"mylib.Client.fetch\" = {code = \"AL108\", message = "
    "\"use mylib.AsyncClient\"}}` adds entries to any AL1xx code.",
)

BLOCKING_HELPER = Rule(
    code="AL107",
    name="blocking-project-helper",
    summary="A coroutine calls a sync function of the project that blocks",
    what_it_does="Reports a call, directly in an `async def`, to a sync function or method of the project "
    "that blocks the event loop: its own body makes a call that AL101-AL106 or AL108 would report inside "
    "a coroutine, or it calls such a function, up to `blocking-call-depth` sync calls deep (default 3). "
    "The message shows the chain with locations: `handler()` calls `load_settings()` (app/settings.py:8) "
    "-> `open()` (app/settings.py:12).\n\n"
    "The callee is resolved like AL201 resolves coroutine functions: in this module, through imports, "
    "aliases and package re-exports, `self`/`cls` methods and their bases, and methods of receivers "
    "whose class is known from a constructor or an annotation. A helper counts only where calling it "
    "runs its body: not an `async def`, not a property, not under a decorator the index cannot vouch for "
    "(which might run it in a thread pool); a generator or `@contextmanager` function only where it is "
    "iterated or entered. A helper decorated with `functools.cache`/`lru_cache` is reported, with the "
    "note that it blocks on its first call only.\n\n"
    "Not reported: a helper passed by reference to `asyncio.to_thread`, `loop.run_in_executor`, "
    "`anyio.to_thread.run_sync` or `trio.to_thread.run_sync` (the cure); a call inside a nested sync "
    "`def` or `lambda`; a call that is awaited or entered with `async with`; and helpers whose blocking "
    "call sits only under `if TYPE_CHECKING:` or in a nested `def` of the helper. A blocking call AL1xx "
    "would not report inside a coroutine (a non-blocking variant, a stat call without "
    "`blocking-stat-calls`) does not make a helper blocking either.",
    why_bad="The helper runs on the event loop's thread: while it waits for the disk, the network or a "
    "database, every other task waits too. ruff and flake8-async see only a blocking call written in the "
    "coroutine itself; one call away it is just as blocking, and a helper that blocks only on an error "
    "path or on a cache miss still stalls the loop when that path is taken.",
    example="# app/settings.py\nimport json\n\ndef load_settings(path):\n    with open(path) as f:\n"
    "        return json.load(f)\n\n# app/api.py\nfrom app.settings import load_settings\n\n"
    "async def handler(request):\n    settings = load_settings(\"settings.json\")",
    use_instead="# app/api.py\nimport asyncio\n\nfrom app.settings import load_settings\n\n"
    "async def handler(request):\n    settings = await asyncio.to_thread(load_settings, \"settings.json\")",
    options="`blocking-call-depth` (integer, default 3): how many sync calls deep the blocking call may "
    "sit; 1 reports only helpers that block in their own body. `blocking-stat-calls` and "
    "`extend-blocking-calls` apply to helpers' bodies as they do to coroutines.",
)

RULES: Tuple[Rule, ...] = (SLEEP, HTTP, PROCESS, FILES, SOCKETS, NESTED_LOOP, BLOCKING_HELPER, CLIENT_LIBRARIES)

_SOCKET_TYPES = frozenset({"socket.socket", "ssl.SSLSocket"})
_NONBLOCKING_SWITCHES = frozenset({"setblocking", "settimeout"})
_LOOP_SOCKET_APIS = frozenset({"add_reader", "add_writer", "sock_recv", "sock_recv_into", "sock_recvfrom",
                               "sock_sendall", "sock_sendto", "sock_connect", "sock_accept", "sock_sendfile",
                               "create_connection", "create_server", "create_unix_connection",
                               "start_server", "open_connection", "wrap_socket",
                               # trio and anyio wait on non-blocking sockets
                               "wait_readable", "wait_writable", "wait_socket_readable", "wait_socket_writable",
                               "from_stdlib_socket"})


class BlockingCallChecker(Checker):
    """Flags blocking calls made directly in a coroutine (not passed by reference)."""

    rules = tuple(r for r in RULES if r is not BLOCKING_HELPER)

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        # (region node id, receiver dump) -> "is this socket switched to non-blocking there?"
        self._nonblocking_cache: Dict[Tuple[int, str], bool] = {}

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        return b"async" in source

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if not ctx.in_coroutine:
            return
        hit = self.blocking_call(node, ctx.enabled)
        if hit is None:
            return
        qualname, call = hit
        ctx.report(call.code, node, call.message(qualname, ctx.library), self._fix(node, qualname))

    def blocking_call(self, node: ast.Call, codes: frozenset[str]) -> Optional[Tuple[str, BlockingCall]]:
        """What AL1xx reports for this call inside a coroutine (any of ``codes``), wherever it stands.

        Shared with the call graph (AL107), which asks it of calls in sync functions: a helper blocks
        exactly when this would fire, were its body inside a coroutine.
        """
        hit = self._lookup(node)
        if hit is None:
            return None
        qualname, call, receiver = hit
        if call.code not in codes or not call.applies(node) or self._used_asynchronously(node):
            return None
        if call.guard and not self._guard_allows(call.guard, receiver, node):
            return None
        if isinstance(receiver, ast.Call) and self._reported_inner(receiver, call.code):
            return None  # ``open(p).read()``: one finding, on ``open``
        return qualname, call

    # -- what is being called --------------------------------------------------------
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
        return hit is not None and hit[1].code == code and hit[1].applies(inner) and not hit[1].guard

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

    # -- when the table entry does not apply -----------------------------------------
    def _used_asynchronously(self, node: ast.Call) -> bool:
        """``await x.get()``, ``async with x.open()``, ``async for r in x.find()``: an async API after all."""
        parent = self.ctx.parent(node)
        if isinstance(parent, ast.Await):
            return True
        if isinstance(parent, ast.withitem):
            return isinstance(self.ctx.parent(parent), ast.AsyncWith)
        if isinstance(parent, ast.AsyncFor):
            return parent.iter is node
        if isinstance(parent, ast.comprehension):
            return bool(parent.is_async) and parent.iter is node
        return False

    def _guard_allows(self, guard: str, receiver: Optional[ast.expr], node: ast.Call) -> bool:
        if guard == GUARD_STAT:
            return self.ctx.settings.blocking_stat_calls
        if receiver is None:
            return True
        if guard == GUARD_BOUNDED_QUEUE:
            return self._bounded_queue(receiver)
        if guard == GUARD_BLOCKING_SOCKET:
            return not self._switched_to_nonblocking(receiver)
        if guard == GUARD_STARTED_HERE:
            return self._started_here(receiver, node) is True and not self._checked_done(receiver)
        if guard == GUARD_SHARED_LOCK:
            return self._started_here(receiver, node) is not True
        return True

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

    # -- fix --------------------------------------------------------------------------
    def _fix(self, node: ast.Call, qualname: str) -> Optional[Fix]:
        if qualname != "time.sleep" or "AL101" not in self.ctx.enabled:
            return None
        parent = self.ctx.parent(node)
        if not isinstance(parent, ast.Expr):
            return None
        library = self.ctx.library
        spelled = self.ctx.import_edit(library)
        if spelled is None:
            return None  # the library's name means something else here
        name, import_edit = spelled
        edits = [self.ctx.insert_before(node, "await "), self.ctx.replace(node.func, f"{name}.sleep")]
        if import_edit is not None:
            edits.insert(0, import_edit)
        return self.ctx.fix(f"Replace with `await {name}.sleep(...)`", edits)


# -- AL107: blocking through the project's own sync helpers -------------------------------------

_THREAD_ADVICE = {
    "asyncio": "`await asyncio.to_thread({name}, ...)`",
    "trio": "`await trio.to_thread.run_sync({name}, ...)`",
    "anyio": "`await anyio.to_thread.run_sync({name}, ...)`",
}


class HelperBlockingChecker(Checker):
    """AL107: asks the project index whether a sync callee blocks; the call graph is built with the index."""

    rules = (BLOCKING_HELPER,)
    needs_index = True

    def __init__(self, ctx: "FileContext") -> None:
        super().__init__(ctx)
        self._resolver: Optional["Resolver"] = None

    @classmethod
    def could_fire(cls, source: bytes, enabled: frozenset[str]) -> bool:
        return b"async" in source

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        index = ctx.index
        if not ctx.in_coroutine or not isinstance(index, ProjectIndex) or index.blocking is None:
            return
        if _used_asynchronously(ctx, node):
            return  # ``await helper()``: whatever it is, it hands back an awaitable
        if self._resolver is None:
            self._resolver = Resolver.of(ctx)
        target = self._resolver.call_target(node)
        if target is None or target.is_coroutine or not target.path:
            return
        qualname = ctx.resolve(node.func)
        if qualname is not None and lookup_function(qualname, ctx.settings) is not None:
            return  # named in `extend-blocking-calls`: AL1xx reports it
        chain = index.blocking_chain(target)
        if chain is None or (chain.lazy and not consumed(ctx, node)):
            return
        ctx.report("AL107", node, self._message(node, chain, index.root or ctx.settings.project_root))

    def _message(self, node: ast.Call, chain: "BlockingChain", root: str) -> str:
        ctx = self.ctx
        func = ctx.current_function
        caller = getattr(func, "name", "<coroutine>")
        first, *rest = chain.steps
        base, projects = ctx.settings.display_base or root, ctx.settings.index_roots or (root,)
        parts = [f"`{node_text(node.func)}()` ({_where(first.path, first.line, base, projects)})"]
        parts += [f"`{step.name}()` ({_where(step.path, step.line, base, projects)})" for step in rest]
        text = f"`{caller}()` calls " + " -> ".join(parts) + f", which blocks the event loop ({chain.code})"
        if chain.cached:
            names = ", ".join(f"`{name}`" for name in chain.cached)
            text += f"; {names} {'is' if len(chain.cached) == 1 else 'are'} cached (`functools.cache`/" \
                    "`lru_cache`), so it blocks on the first call only"
        advice = _THREAD_ADVICE.get(ctx.library, _THREAD_ADVICE["asyncio"]).format(name=node_text(node.func))
        return text + f"; run it with {advice} or make it async"


def _where(path: str, line: int, base: str, projects: Sequence[str]) -> str:
    return Target("", path, line, False).where(base, projects)


def _used_asynchronously(ctx: "FileContext", node: ast.Call) -> bool:
    """``await f()``, ``async with f()``, ``async for x in f()``: an async API after all."""
    parent = ctx.parent(node)
    if isinstance(parent, ast.Await):
        return True
    if isinstance(parent, ast.withitem):
        return isinstance(ctx.parent(parent), ast.AsyncWith)
    if isinstance(parent, ast.AsyncFor):
        return parent.iter is node
    if isinstance(parent, ast.comprehension):
        return bool(parent.is_async) and parent.iter is node
    return False


CHECKERS: Tuple[Type[Checker], ...] = (BlockingCallChecker, HelperBlockingChecker)
