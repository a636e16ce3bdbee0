"""Coroutine functions and methods of the standard library and popular libraries, as data.

Keys are qualified names as the resolver produces them (``asyncio.sleep``), and
method tables are keyed by the receiver's class as ``infer_type`` gives it. A
name missing here is simply unknown: these tables only ever *add* findings for
calls whose target is certain, so every entry must be an ``async def`` (or a
call whose result must be awaited to do anything) in every supported version.

Decorator tables say what a decorator does to an ``async def``: keep it a
coroutine function, turn it into something else, or (absent from both) unknown,
in which case the function no longer counts.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, Mapping, Optional, Tuple

from .types import canonical_type


def _names(prefix: str, names: str) -> FrozenSet[str]:
    return frozenset(f"{prefix}.{n}" for n in names.split())


# -- functions -------------------------------------------------------------------

FUNCTIONS: FrozenSet[str] = (
    _names("asyncio", "sleep wait wait_for open_connection open_unix_connection start_server "
                      "start_unix_server create_subprocess_exec create_subprocess_shell to_thread "
                      "staggered_race")
    | _names("asyncio.tasks", "sleep wait wait_for")
    | _names("asyncio.streams", "open_connection open_unix_connection start_server start_unix_server")
    | _names("asyncio.subprocess", "create_subprocess_exec create_subprocess_shell")
    | _names("asyncio.threads", "to_thread")
    | _names("trio", "sleep sleep_forever sleep_until open_tcp_stream open_ssl_over_tcp_stream "
                     "open_unix_socket open_tcp_listeners open_ssl_over_tcp_listeners serve_tcp "
                     "serve_ssl_over_tcp serve_listeners open_file run_process")
    | _names("trio.lowlevel", "checkpoint checkpoint_if_cancelled cancel_shielded_checkpoint wait_readable "
                              "wait_writable wait_all_tasks_blocked permanently_detach_coroutine_object "
                              "temporarily_detach_coroutine_object reattach_detached_coroutine_object "
                              "wait_task_rescheduled")
    | _names("trio.to_thread", "run_sync")
    | _names("trio.testing", "wait_all_tasks_blocked")
    | _names("anyio", "sleep sleep_forever sleep_until connect_tcp connect_unix create_tcp_listener "
                      "create_unix_listener create_udp_socket create_connected_udp_socket getaddrinfo "
                      "getnameinfo open_file run_process open_process wait_all_tasks_blocked "
                      "wait_socket_readable wait_socket_writable wait_readable wait_writable")
    | _names("anyio.lowlevel", "checkpoint checkpoint_if_cancelled cancel_shielded_checkpoint")
    | _names("anyio.to_thread", "run_sync")
    | _names("anyio.to_process", "run_sync")
    | _names("anyio.to_interpreter", "run_sync")
    | _names("aiofiles.os", "stat rename renames replace remove unlink mkdir makedirs rmdir removedirs "
                            "link symlink readlink listdir scandir access getcwd sendfile statvfs")
    | _names("aiofiles.os.path", "exists isfile isdir islink ismount getsize getmtime getatime getctime "
                                 "samefile sameopenfile abspath")
    | _names("asyncpg", "connect")
    | _names("aiosmtplib", "send")
)

# -- methods, by receiver class ---------------------------------------------------

_LOOP_METHODS = frozenset(
    "sock_recv sock_recv_into sock_recvfrom sock_recvfrom_into sock_sendall sock_sendto sock_connect "
    "sock_accept sock_sendfile getaddrinfo getnameinfo create_connection create_server "
    "create_datagram_endpoint create_unix_connection create_unix_server connect_read_pipe "
    "connect_write_pipe subprocess_exec subprocess_shell shutdown_asyncgens shutdown_default_executor "
    "sendfile start_tls connect_accepted_socket".split())
_QUEUE = frozenset({"get", "put", "join"})
_LOCK = frozenset({"acquire"})
_CONDITION = frozenset({"acquire", "wait", "wait_for"})
_STREAM_READER = frozenset({"read", "readline", "readexactly", "readuntil"})
_STREAM_WRITER = frozenset({"drain", "wait_closed", "start_tls"})
_PROCESS = frozenset({"wait", "communicate"})
_SERVER = frozenset({"serve_forever", "start_serving", "wait_closed"})
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_ASYNCPG = frozenset({"execute", "executemany", "fetch", "fetchrow", "fetchval", "close",
                      "copy_from_table", "copy_from_query", "copy_to_table", "copy_records_to_table",
                      "set_type_codec", "reset_type_codec", "add_listener", "remove_listener"})
_REDIS = frozenset({"get", "set", "delete", "exists", "expire", "incr", "decr", "hget", "hset", "hgetall",
                    "hdel", "lpush", "rpush", "lpop", "rpop", "lrange", "sadd", "srem", "smembers",
                    "publish", "ping", "aclose", "flushdb", "keys", "mget", "mset", "setex", "ttl"})
_WEBSOCKET = frozenset({"send", "recv", "close", "ping", "pong", "wait_closed"})

METHODS: Dict[str, FrozenSet[str]] = {
    "asyncio.AbstractEventLoop": _LOOP_METHODS,
    "asyncio.Lock": _LOCK,
    "asyncio.Semaphore": _LOCK,
    "asyncio.BoundedSemaphore": _LOCK,
    "asyncio.Condition": _CONDITION,
    "asyncio.Event": frozenset({"wait"}),
    "asyncio.Barrier": frozenset({"wait", "reset", "abort"}),
    "asyncio.Queue": _QUEUE,
    "asyncio.PriorityQueue": _QUEUE,
    "asyncio.LifoQueue": _QUEUE,
    "asyncio.StreamReader": _STREAM_READER,
    "asyncio.StreamWriter": _STREAM_WRITER,
    "asyncio.subprocess.Process": _PROCESS,
    "asyncio.Server": _SERVER,
    "trio.Event": frozenset({"wait"}),
    "trio.Lock": _LOCK,
    "trio.StrictFIFOLock": _LOCK,
    "trio.Semaphore": _LOCK,
    "trio.CapacityLimiter": frozenset({"acquire", "acquire_on_behalf_of"}),
    "trio.Condition": frozenset({"acquire", "wait"}),
    "trio.Process": frozenset({"wait"}),
    "anyio.Event": frozenset({"wait"}),
    "anyio.Lock": _LOCK,
    "anyio.Semaphore": _LOCK,
    "anyio.Condition": frozenset({"acquire", "wait"}),
    "anyio.CapacityLimiter": frozenset({"acquire", "acquire_on_behalf_of"}),
    "aiohttp.ClientSession": _HTTP_VERBS | {"close", "ws_connect"},
    "aiohttp.ClientResponse": frozenset({"read", "text", "json", "wait_for_close"}),
    "httpx.AsyncClient": _HTTP_VERBS | {"send", "aclose"},
    "httpx.Response": frozenset({"aread", "aclose"}),
    "asyncpg.Connection": _ASYNCPG,
    "asyncpg.connection.Connection": _ASYNCPG,
    "asyncpg.Pool": _ASYNCPG - {"add_listener", "remove_listener", "set_type_codec", "reset_type_codec"}
    | {"release", "expire_connections"},
    "redis.asyncio.Redis": _REDIS,
    "redis.asyncio.client.Redis": _REDIS,
    "redis.asyncio.StrictRedis": _REDIS,
    "websockets.asyncio.client.ClientConnection": _WEBSOCKET,
    "websockets.asyncio.server.ServerConnection": _WEBSOCKET,
}


# Methods on event loops and futures that take a plain callback (AL205), and its position.
LOOP_TYPE = "asyncio.AbstractEventLoop"
FUTURE_TYPES = frozenset({"asyncio.Future", "concurrent.futures.Future"})
LOOP_CALLBACK_METHODS: Mapping[str, int] = {
    "call_soon": 0, "call_soon_threadsafe": 0, "call_later": 1, "call_at": 1,
    "add_signal_handler": 1, "add_reader": 1, "add_writer": 1, "run_in_executor": 1,
}
# Tornado's ``IOLoop`` runs the coroutine a scheduled callback returns (``IOLoop._run_callback`` hands it to
# ``convert_yielded``): ``io_loop.call_later(0, initialize, app)`` runs ``initialize``. Its ``run_in_executor``
# calls the function in a worker like asyncio's, so only these two count. An untyped receiver is taken for
# Tornado's by its conventional name, in a module that imports tornado.
TORNADO_SCHEDULERS = frozenset({"call_later", "call_at"})
TORNADO_LOOP_NAMES = frozenset({"io_loop", "ioloop"})
# ``executor.submit(fn, ...)`` calls ``fn`` in a worker as a plain function.
EXECUTOR_TYPES = frozenset({
    "concurrent.futures.Executor", "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.ProcessPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor", "concurrent.futures._base.Executor",
})
EXECUTOR_CALLBACK_METHODS: Mapping[str, int] = {"submit": 0}
# module functions and classes taking a plain callback: qualified name -> (position, keyword)
CALLBACK_FUNCTIONS: Mapping[str, Tuple[int, Optional[str]]] = {
    "signal.signal": (1, "handler"),
    "atexit.register": (0, "func"),
    "threading.Thread": (1, "target"),
    "threading.Timer": (1, "function"),
}

# What ``await f(...)`` gives, for receivers made by awaiting (``proc = await create_subprocess_exec()``).
AWAIT_RETURNS: Dict[str, str] = {
    "asyncio.create_subprocess_exec": "asyncio.subprocess.Process",
    "asyncio.create_subprocess_shell": "asyncio.subprocess.Process",
    "asyncio.subprocess.create_subprocess_exec": "asyncio.subprocess.Process",
    "asyncio.subprocess.create_subprocess_shell": "asyncio.subprocess.Process",
    "asyncio.start_server": "asyncio.Server",
    "asyncio.start_unix_server": "asyncio.Server",
    "asyncpg.connect": "asyncpg.Connection",
    "asyncpg.create_pool": "asyncpg.Pool",
    "trio.run_process": "trio.Process",
    "trio.lowlevel.open_process": "trio.Process",
    "websockets.connect": "websockets.asyncio.client.ClientConnection",
}
# ``async with X(...) as v``: the type of ``v``.
ASYNC_ENTER_RETURNS: Dict[str, str] = {
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "httpx.AsyncClient": "httpx.AsyncClient",
    "websockets.connect": "websockets.asyncio.client.ClientConnection",
    "asyncpg.create_pool": "asyncpg.Pool",
    "asyncio.Lock": "asyncio.Lock",
    "asyncio.Semaphore": "asyncio.Semaphore",
    "asyncio.BoundedSemaphore": "asyncio.BoundedSemaphore",
    "asyncio.Condition": "asyncio.Condition",
    "redis.asyncio.Redis": "redis.asyncio.Redis",
}
# ``reader, writer = await asyncio.open_connection(...)``: the types of each unpacked item.
AWAIT_RETURNS_TUPLE: Dict[str, Tuple[str, ...]] = {
    "asyncio.open_connection": ("asyncio.StreamReader", "asyncio.StreamWriter"),
    "asyncio.open_unix_connection": ("asyncio.StreamReader", "asyncio.StreamWriter"),
    "asyncio.streams.open_connection": ("asyncio.StreamReader", "asyncio.StreamWriter"),
    "asyncio.streams.open_unix_connection": ("asyncio.StreamReader", "asyncio.StreamWriter"),
}

# -- tasks (AL204) and calls that take care of a coroutine --------------------------

TASK_FUNCTIONS: FrozenSet[str] = frozenset({
    "asyncio.create_task", "asyncio.ensure_future", "asyncio.tasks.create_task", "asyncio.tasks.ensure_future",
})

# Methods whose awaitable is also an async context manager (aiohttp's ``_RequestContextManager``): entering
# it by hand (``await session.request(...).__aenter__()``) is valid, unlike on a coroutine.
AWAITABLE_CONTEXT_MANAGERS: FrozenSet[str] = frozenset(
    f"aiohttp.ClientSession.{method}" for method in (*_HTTP_VERBS, "ws_connect"))
CONTEXT_MANAGER_API: FrozenSet[str] = frozenset({"__aenter__", "__aexit__"})

# The coroutine object's own API: using it is not a mistake.
COROUTINE_API: FrozenSet[str] = frozenset({
    "close", "send", "throw", "cr_await", "cr_frame", "cr_running", "cr_code", "cr_origin", "cr_suspended",
    "__await__", "__name__", "__qualname__", "__class__", "__del__",
})

# -- decorators ------------------------------------------------------------------------
# Names ending in ``()`` are decorator factories (``@functools.wraps(f)``); a trailing
# ``.*`` matches any attribute (``@pytest.mark.parametrize(...)``).

KEEPS_ASYNC: FrozenSet[str] = frozenset({
    "builtins.staticmethod", "builtins.classmethod",
    "abc.abstractmethod", "abc.abstractclassmethod", "abc.abstractstaticmethod",
    "typing.overload", "typing.final", "typing.override", "typing.no_type_check",
    "typing_extensions.overload", "typing_extensions.final", "typing_extensions.override",
    "typing_extensions.deprecated()", "warnings.deprecated()",
    "functools.wraps()", "functools.lru_cache", "functools.lru_cache()", "functools.cache",
    "pytest.fixture", "pytest.fixture()", "pytest_asyncio.fixture", "pytest_asyncio.fixture()",
    "pytest.mark.*", "pytest.mark.*()",
    "unittest.mock.patch()", "unittest.mock.patch.object()", "unittest.mock.patch.dict()",
    "unittest.mock.patch.multiple()", "mock.patch()", "mock.patch.object()",
    "backoff.on_exception()", "backoff.on_predicate()",
    "tenacity.retry", "tenacity.retry()",
    "async_lru.alru_cache", "async_lru.alru_cache()",
    "aiocache.cached()", "aiocache.cached_stampede()", "aiocache.multi_cached()",
    "trio.lowlevel.enable_ki_protection", "trio.lowlevel.disable_ki_protection",
    "types.coroutine",
})

# An ``async def`` under one of these is not a coroutine function any more.
MAKES_SYNC: FrozenSet[str] = frozenset({
    "asgiref.sync.async_to_sync", "asgiref.sync.async_to_sync()",
    "prefect.utilities.asyncutils.sync_compatible", "prefect.utilities.asyncutils.sync_compatible()",
    "syncer.sync", "unsync.unsync", "unsync.unsync()", "asyncer.syncify", "asyncer.syncify()",
    "contextlib.asynccontextmanager", "contextlib.contextmanager",
    "builtins.property", "functools.cached_property", "abc.abstractproperty",
})

# Route and handler registration: ``@app.get("/")`` returns the function unchanged.
ROUTE_DECORATORS: Dict[str, FrozenSet[str]] = {
    "fastapi.FastAPI": frozenset("get post put delete patch head options trace api_route websocket "
                                 "middleware exception_handler on_event route".split()),
    "fastapi.APIRouter": frozenset("get post put delete patch head options trace api_route websocket "
                                   "on_event route".split()),
    "starlette.applications.Starlette": frozenset("route websocket_route middleware exception_handler "
                                                  "on_event".split()),
    "quart.Quart": frozenset("route get post put delete patch websocket before_request after_request "
                             "before_serving after_serving while_serving errorhandler teardown_request "
                             "before_websocket after_websocket".split()),
    "quart.Blueprint": frozenset("route get post put delete patch websocket before_request after_request "
                                 "errorhandler".split()),
    "sanic.Sanic": frozenset("route get post put delete patch head options websocket middleware listener "
                             "exception on_request on_response before_server_start after_server_start "
                             "before_server_stop after_server_stop main_process_start main_process_stop "
                             "signal".split()),
    "sanic.Blueprint": frozenset("route get post put delete patch head options websocket middleware "
                                 "listener exception on_request on_response".split()),
    "aiohttp.web.RouteTableDef": frozenset("get post put delete patch head route view".split()),
}


def decorator_effect_known(qualname: str, called: bool, extra_keep: Iterable[str] = ()) -> Optional[str]:
    """``"keep"``, ``"sync"`` or None (not in the tables) for a resolved decorator."""
    key = qualname + ("()" if called else "")
    if key in KEEPS_ASYNC or qualname in extra_keep or key in extra_keep:
        return "keep"
    if key in MAKES_SYNC:
        return "sync"
    head = qualname.rsplit(".", 1)[0]
    if head + (".*()" if called else ".*") in KEEPS_ASYNC or head.startswith("pytest.mark"):
        return "keep"
    return None


def method_is_coroutine(receiver_type: str, method: str) -> bool:
    methods = METHODS.get(canonical_type(receiver_type) or "")
    return bool(methods) and method in methods


def trigger_names() -> FrozenSet[bytes]:
    """Every last name component a call to a known coroutine function must spell."""
    names = {q.rsplit(".", 1)[-1] for q in FUNCTIONS}
    for methods in METHODS.values():
        names |= methods
    return frozenset(n.encode() for n in names)
