"""What makes the order of two awaits matter (AL301, AL302): data, in one place.

These tables only ever *suppress* findings, so they may match method names and
receiver names as text: a false match costs a missed finding, never a wrong one.

- ``ORDERED_FUNCTIONS`` / ``ORDERED_METHODS``: pacing and protocol steps
  (sleep, lock acquire/release, stream read/write, connect, commit...). A run of
  awaits never includes them, and a loop whose call is one of them is not a
  finding. ``extend-ordered-calls`` adds names (qualified names, or bare names
  that match a function or method of that name).
- ``ORDERED_WORDS``: words that, anywhere in a call's name, say "this waits for
  something else to happen first" (``async_block_till_done``, ``wait_for_ready``).
- ``SERIAL_*``: objects that serve one operation at a time (a connection, cursor,
  transaction, stream, websocket, socket, channel, lock); two calls sharing one as
  receiver or argument are ordered on purpose.
"""

from __future__ import annotations

import re
from typing import FrozenSet, Iterable, Optional, Sequence

ORDERED_FUNCTIONS: FrozenSet[str] = frozenset({
    # pacing
    "builtins.anext", "asyncio.sleep", "trio.sleep", "trio.sleep_until", "trio.sleep_forever", "anyio.sleep",
    "anyio.sleep_until", "anyio.sleep_forever", "curio.sleep",
    "trio.lowlevel.checkpoint", "trio.lowlevel.cancel_shielded_checkpoint", "anyio.lowlevel.checkpoint",
    "anyio.lowlevel.cancel_shielded_checkpoint", "anyio.lowlevel.checkpoint_if_cancelled",
    "trio.testing.wait_all_tasks_blocked", "anyio.wait_all_tasks_blocked",
    # already concurrent, or waiting on what already runs
    "asyncio.gather", "asyncio.wait", "asyncio.wait_for", "asyncio.shield", "asyncio.as_completed",
    "asyncio.timeout", "asyncio.staggered.staggered_race",
    # connection set-up: a protocol step
    "asyncio.open_connection", "asyncio.open_unix_connection", "asyncio.start_server",
    "asyncio.start_unix_server", "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell",
    "trio.open_tcp_stream", "trio.open_ssl_over_tcp_stream", "trio.open_unix_socket", "trio.run_process",
    "trio.open_process", "anyio.connect_tcp", "anyio.connect_unix", "anyio.run_process", "anyio.open_process",
    # threads: usually blocking I/O whose order the sync code relied on
    "asyncio.to_thread", "trio.to_thread.run_sync", "anyio.to_thread.run_sync", "anyio.from_thread.run",
})

ORDERED_METHODS: FrozenSet[str] = frozenset({
    # pacing and synchronisation
    "sleep", "acquire", "release", "locked", "wait", "wait_for", "notify", "notify_all",
    "join", "task_done", "put", "put_nowait", "get_nowait", "checkpoint",
    # streams, sockets, channels
    "read", "readline", "readlines", "readexactly", "readuntil", "readany", "readchunk", "write",
    "writelines", "write_eof", "drain", "send", "send_all", "sendall", "sendto", "sendfile", "send_bytes",
    "send_str", "send_json", "send_text", "send_message", "send_frame", "recv", "recv_into", "recvfrom",
    "receive", "receive_some", "receive_bytes", "receive_str", "receive_json", "receive_text",
    "receive_message", "receive_nowait", "ping", "pong", "feed_data", "feed_eof",
    # lifecycle and protocol steps
    "open", "close", "aclose", "wait_closed", "shutdown", "start", "stop", "restart", "pause", "resume",
    "connect", "disconnect", "reconnect", "login", "logout", "authenticate", "handshake", "start_tls",
    "flush", "commit", "rollback", "begin", "begin_nested", "savepoint", "prepare", "cancel", "abort",
    "setup", "teardown", "initialize", "init", "run", "run_until_complete", "serve", "serve_forever",
    "startup", "subscribe", "unsubscribe", "listen", "accept", "bind",
    "__aenter__", "__aexit__", "__anext__", "asend", "athrow",
    # threads: blocking code whose order the sync original relied on, often not thread-safe
    "run_in_executor", "async_add_executor_job", "async_add_job", "to_thread", "run_sync",
    # test drivers: each step acts on the state the previous one left
    "press", "click", "type", "hover", "scroll", "drag", "resize_terminal",
})

# Words (``_``-separated tokens of a call's name) that mean "after something else".
ORDERED_WORDS: FrozenSet[str] = frozenset({
    "sleep", "until", "till", "block", "settle", "settled", "drain", "flush", "sync",
    "barrier", "checkpoint", "yield", "tick", "advance", "step", "next", "retry", "poll", "then",
    "after", "before", "connect", "disconnect", "reconnect", "handshake", "login", "logout", "commit",
    "rollback", "lock", "unlock", "acquire", "release", "start", "stop", "restart", "shutdown",
    "close", "setup", "teardown", "migrate", "init", "initialize", "startup", "token", "auth",
    "authenticate", "authorize", "authorise", "reauth", "refresh", "renew",
})

# Words by which an author says that order, or the lack of concurrency, is on
# purpose: in a comment above or inside a run (all of them), or in the function's
# docstring (the strong ones).
INTENT_DOC = re.compile(r"(?i)\b(serially|sequentially|at a time|one by one|individually|single request)\b")
INTENT_STRONG = re.compile(
    r"(?i)\b(gather\w*|serial(ly|ised|ized)?|sequential\w*|individually|at a time|one (by one|after another)|"
    r"concurren\w*|parallel\w*|rac(e|es|ing)|single request|throttl\w*|rate[- ]limit\w*)\b"
)
INTENT_WEAK = re.compile(r"(?i)\b(in order|order(ed|ing)?|first|then|before|after|once|wait\w*)\b")

# Methods that are ordered only on a queue-like receiver (``client.get`` is a fetch).
QUEUE_METHODS: FrozenSet[str] = frozenset({"get", "put", "join", "task_done", "send", "receive"})
QUEUE_NAME_TOKENS: FrozenSet[str] = frozenset({
    "queue", "q", "inbox", "outbox", "mailbox", "jobs", "events",
})

# Receiver / argument name tokens of one-operation-at-a-time objects.
SERIAL_NAME_TOKENS: FrozenSet[str] = frozenset({
    "conn", "connection", "connections", "cnx", "con", "db", "database", "cursor", "cur", "tx", "txn",
    "transaction", "ws", "websocket", "wsock", "reader", "writer", "stream", "streams", "sock", "socket",
    "channel", "chan", "lock", "mutex", "sem", "semaphore", "cond", "condition", "pipe", "serial",
    "port", "proc", "process", "stdin", "stdout", "stderr", "pty", "tty", "terminal", "transport",
    "protocol", "pilot", "page", "browser", "driver", "frame", "dbsession", "uow", "pipeline",
    "limiter", "throttle", "bucket", "ratelimit", "ratelimiter", "device", "modem", "bus", "shell",
    "ssh", "sftp", "ftp", "smtp", "imap", "scp", "peer", "link",
})

# Classes (qualified names, or final names) of one-operation-at-a-time objects.
SERIAL_TYPE_NAMES: FrozenSet[str] = frozenset({
    "asyncio.StreamReader", "asyncio.StreamWriter", "asyncio.Lock", "asyncio.Semaphore",
    "asyncio.BoundedSemaphore", "asyncio.Condition", "asyncio.Queue", "asyncio.Transport",
    "socket.socket", "sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.AsyncConnection",
    "sqlalchemy.orm.Session", "aiohttp.ClientWebSocketResponse", "aiohttp.web.WebSocketResponse",
    "starlette.websockets.WebSocket", "fastapi.WebSocket", "trio.SocketStream", "trio.Lock",
    "trio.Semaphore", "trio.CapacityLimiter", "anyio.Lock", "anyio.Semaphore", "anyio.CapacityLimiter",
})
SERIAL_TYPE_WORDS = re.compile(
    r"(Connection|Conn|Cursor|Transaction|Session|Stream|Reader|Writer|WebSocket|Websocket|Socket|"
    r"Channel|Lock|Semaphore|Condition|Limiter|Transport|Protocol|Pipe|Pilot|Page|Queue)"
    r"(Proxy|Wrapper|Impl)?$"
)
# ``ClientSession`` (aiohttp, httpx-like) serves concurrent requests.
CONCURRENT_TYPE_NAMES: FrozenSet[str] = frozenset({
    "aiohttp.ClientSession", "aiohttp.client.ClientSession", "httpx.AsyncClient",
})

# Factories (awaited or entered) whose result serves one operation at a time.
SERIAL_FACTORIES: FrozenSet[str] = frozenset({
    "asyncpg.connect", "aiosqlite.connect", "aiomysql.connect", "aiopg.connect", "psycopg.AsyncConnection.connect",
    "asyncio.open_connection", "asyncio.open_unix_connection", "websockets.connect",
    "websockets.client.connect", "websockets.asyncio.client.connect", "trio.open_tcp_stream",
    "anyio.connect_tcp", "anyio.connect_unix", "asyncssh.connect", "aio_pika.connect", "aio_pika.connect_robust",
})

# Words of a call's name that say it only reads: two reads of one shared object
# may overlap; a write followed by anything on the same object may not.
QUERY_WORDS: FrozenSet[str] = frozenset({
    "get", "fetch", "load", "query", "find", "list", "lookup", "search", "retrieve", "download", "count",
    "request",
    "describe", "head", "stat", "exists", "has", "read", "resolve", "collect", "scan", "compute",
    "calculate", "inspect", "wait",
})
# Queries whose name says they go over the network, whatever the receiver: others
# (``get_x``, ``load_x``) count only on a service object (``client.get_x``), since
# ``self._get_x()`` and module helpers are often cheap cached look-ups.
NETWORK_QUERY_WORDS: FrozenSet[str] = frozenset({"fetch", "download", "retrieve", "query", "request", "search"})
# Keyed writes that are independent per key, on a receiver named like a store.
STORE_VERBS: FrozenSet[str] = frozenset({"set", "put", "delete", "remove", "invalidate", "store", "save"})
STORE_NAME_TOKENS: FrozenSet[str] = frozenset({"cache", "store", "storage", "repo", "repository", "kv"})


def name_tokens(name: str) -> Sequence[str]:
    """``_fetch_user_posts`` -> (fetch, user, posts); ``fetchUser`` -> (fetch, user)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return tuple(t for t in spaced.lower().split("_") if t)


def verb(name: str) -> str:
    """The first word of a call's name, after ``async_`` / ``a`` prefixes (``async_get_x`` -> get)."""
    tokens = list(name_tokens(name))
    while tokens and tokens[0] in ("async", "a", "do", "try", "maybe", "safe"):
        tokens.pop(0)
    return tokens[0] if tokens else ""


def is_ordered(qualname: Optional[str], name: str, has_args: bool, extra: Iterable[str]) -> bool:
    """Is this call a pacing or protocol step whose position in the sequence matters?

    ``wait`` in a name is ordered when nothing says what to wait for
    (``wait_until_ready()``), not when it is given (``client.wait_for_task(a)``).
    """
    if qualname is not None and qualname in ORDERED_FUNCTIONS:
        return True
    if name in ORDERED_METHODS:
        return True
    tokens = name_tokens(name)
    if any(t in ORDERED_WORDS for t in tokens):
        return True
    if not has_args and any(t in ("wait", "waiter", "waits") for t in tokens):
        return True
    for entry in extra:
        if "." in entry:
            if qualname == entry or (qualname is not None and qualname.endswith("." + entry)):
                return True
        elif entry == name:
            return True
    return False


def is_serial_name(name: str) -> bool:
    """``conn``, ``self._writer``, ``db_cursor``: a name that says "one operation at a time"."""
    return any(t in SERIAL_NAME_TOKENS for t in name_tokens(name))


def is_queue_name(name: str) -> bool:
    return any(t in QUEUE_NAME_TOKENS for t in name_tokens(name))


def is_serial_type(qualname: str) -> bool:
    if qualname in CONCURRENT_TYPE_NAMES:
        return False
    if qualname in SERIAL_TYPE_NAMES or qualname in SERIAL_FACTORIES:
        return True
    return bool(SERIAL_TYPE_WORDS.search(qualname.rsplit(".", 1)[-1]))


def is_network_query(name: str) -> bool:
    return verb(name) in NETWORK_QUERY_WORDS


def is_query(name: str, bare: bool) -> bool:
    """A read by its name (``get_user``): one whose result is used (a discarded "get" fills state)."""
    word = verb(name)
    return word in QUERY_WORDS and (not bare or word == "wait")


_HTTP_CLIENT = re.compile(r"(?i)(client_?session|aiohttp|httpx|async_?client|http)")


def is_session_name(name: str) -> bool:
    return any(t in ("session", "sess") for t in name_tokens(name))


def is_http_client(hint: str) -> bool:
    """``aiohttp.ClientSession``, ``async_get_clientsession(hass)``: a session that serves concurrent requests."""
    return bool(_HTTP_CLIENT.search(hint))
