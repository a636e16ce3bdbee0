"""What type a value has, as data: one table of type spellings, and what calls and attributes return.

``TYPE_ALIASES`` maps every spelling the resolver may produce for a class (a
re-export, a private module, a subclass that behaves the same) or for a factory
(``builtins.open``, ``asyncio.create_task``) to the one name every other table is
keyed by. ``FileContext.infer_type`` and the resolver canonicalise through it, so
the blocking and coroutine tables never repeat a spelling.
"""

from __future__ import annotations

import ast
from typing import Dict, Optional, Tuple

TYPE_ALIASES: Dict[str, str] = {
    # constructors and factories whose result type is known without running anything
    "builtins.open": "io.TextIOWrapper",
    "io.open": "io.TextIOWrapper",
    "io.open_code": "io.BufferedReader",
    "os.fdopen": "io.TextIOWrapper",
    "socket.create_connection": "socket.socket",
    "socket.create_server": "socket.socket",
    "socket.fromfd": "socket.socket",
    "socket.socketpair": "socket.socket",
    "pathlib.Path.cwd": "pathlib.Path",
    "pathlib.Path.home": "pathlib.Path",
    # event loops
    "asyncio.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_running_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.events.get_running_loop": "asyncio.AbstractEventLoop",
    "asyncio.run_coroutine_threadsafe": "concurrent.futures.Future",
    # sync clients and drivers (canonical class names)
    "requests.session": "requests.Session",
    "requests.sessions.Session": "requests.Session",
    "requests.sessions.session": "requests.Session",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
    "urllib3.connection_from_url": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.connection_from_url": "urllib3.HTTPConnectionPool",
    "http.client.HTTPSConnection": "http.client.HTTPConnection",
    "sqlite3.connect": "sqlite3.Connection",
    "sqlite3.dbapi2.connect": "sqlite3.Connection",
    "psycopg2.connect": "psycopg2.extensions.connection",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    "pymysql.connect": "pymysql.connections.Connection",
    "pymysql.Connect": "pymysql.connections.Connection",
    "pymysql.Connection": "pymysql.connections.Connection",
    "MySQLdb.connect": "MySQLdb.connections.Connection",
    "MySQLdb.Connect": "MySQLdb.connections.Connection",
    "MySQLdb.Connection": "MySQLdb.connections.Connection",
    "pymongo.mongo_client.MongoClient": "pymongo.MongoClient",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.StrictRedis.from_url": "redis.Redis",
    "sqlalchemy.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "smtplib.SMTP_SSL": "smtplib.SMTP",
    "smtplib.LMTP": "smtplib.SMTP",
    "ftplib.FTP_TLS": "ftplib.FTP",
    "imaplib.IMAP4_SSL": "imaplib.IMAP4",
    "poplib.POP3_SSL": "poplib.POP3",
    "paramiko.client.SSHClient": "paramiko.SSHClient",
    "paramiko.SFTPClient.from_transport": "paramiko.SFTPClient",
    "boto3.session.Session": "boto3.Session",
    "botocore.session.get_session": "botocore.session.Session",
    "xmlrpclib.ServerProxy": "xmlrpc.client.ServerProxy",
    "xmlrpc.client.Server": "xmlrpc.client.ServerProxy",
    "ssl.create_default_context": "ssl.SSLContext",
    # classes and factories the coroutine tables know (the resolver gives what the code spelled)
    "asyncio.locks.Lock": "asyncio.Lock",
    "asyncio.locks.Semaphore": "asyncio.Semaphore",
    "asyncio.locks.BoundedSemaphore": "asyncio.BoundedSemaphore",
    "asyncio.locks.Condition": "asyncio.Condition",
    "asyncio.locks.Event": "asyncio.Event",
    "asyncio.locks.Barrier": "asyncio.Barrier",
    "asyncio.queues.Queue": "asyncio.Queue",
    "asyncio.queues.PriorityQueue": "asyncio.PriorityQueue",
    "asyncio.queues.LifoQueue": "asyncio.LifoQueue",
    "asyncio.streams.StreamReader": "asyncio.StreamReader",
    "asyncio.streams.StreamWriter": "asyncio.StreamWriter",
    "asyncio.base_events.Server": "asyncio.Server",
    "asyncio.events.AbstractServer": "asyncio.Server",
    "asyncio.AbstractServer": "asyncio.Server",
    "asyncio.Process": "asyncio.subprocess.Process",
    # event loops and the functions that return one
    "asyncio.events.AbstractEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.BaseEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.base_events.BaseEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.SelectorEventLoop": "asyncio.AbstractEventLoop",
    "asyncio.ProactorEventLoop": "asyncio.AbstractEventLoop",
    "uvloop.new_event_loop": "asyncio.AbstractEventLoop",
    "uvloop.Loop": "asyncio.AbstractEventLoop",
    # futures and tasks, and what makes them
    "asyncio.Task": "asyncio.Future",
    "asyncio.tasks.Task": "asyncio.Future",
    "asyncio.futures.Future": "asyncio.Future",
    "asyncio.create_task": "asyncio.Future",
    "asyncio.tasks.create_task": "asyncio.Future",
    "asyncio.ensure_future": "asyncio.Future",
    "asyncio.tasks.ensure_future": "asyncio.Future",
    "concurrent.futures._base.Future": "concurrent.futures.Future",
    "trio.lowlevel.Process": "trio.Process",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
    "aiohttp.client_reqrep.ClientResponse": "aiohttp.ClientResponse",
    "httpx._client.AsyncClient": "httpx.AsyncClient",
    "httpx._models.Response": "httpx.Response",
    "asyncpg.pool.Pool": "asyncpg.Pool",
    "redis.asyncio.client.StrictRedis": "redis.asyncio.Redis",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "websockets.client.connect": "websockets.connect",
    "websockets.asyncio.client.connect": "websockets.connect",
    "websockets.client.WebSocketClientProtocol": "websockets.asyncio.client.ClientConnection",
    "websockets.WebSocketClientProtocol": "websockets.asyncio.client.ClientConnection",
    "websockets.server.WebSocketServerProtocol": "websockets.asyncio.server.ServerConnection",
    "websockets.WebSocketServerProtocol": "websockets.asyncio.server.ServerConnection",
    "fastapi.routing.APIRouter": "fastapi.APIRouter",
    "fastapi.applications.FastAPI": "fastapi.FastAPI",
    "starlette.Starlette": "starlette.applications.Starlette",
    "quart.app.Quart": "quart.Quart",
    "sanic.app.Sanic": "sanic.Sanic",
    "sanic.blueprints.Blueprint": "sanic.Blueprint",
    "aiohttp.web_routedef.RouteTableDef": "aiohttp.web.RouteTableDef",
    # other spellings of the types the blocking tables know (annotations, factories)
    "boto3.client": "botocore.client.BaseClient",
    "boto3.session.Session.client": "botocore.client.BaseClient",
    "botocore.client.BaseClient": "botocore.client.BaseClient",
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "urllib3.connectionpool.HTTPConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.HTTPSConnectionPool": "urllib3.HTTPSConnectionPool",
    "urllib3.poolmanager.ProxyManager": "urllib3.ProxyManager",
    "urllib3.proxy_from_url": "urllib3.ProxyManager",
    "socket.SocketType": "socket.socket",
    "ssl.SSLContext.wrap_socket": "ssl.SSLSocket",
    "_io.TextIOWrapper": "io.TextIOWrapper",
    "threading.Timer": "threading.Thread",
    "multiprocessing.context.Process": "multiprocessing.Process",
    "sqlite3.dbapi2.Connection": "sqlite3.Connection",
    "sqlite3.dbapi2.Cursor": "sqlite3.Cursor",
    "psycopg2.extensions.connection": "psycopg2.extensions.connection",
    "psycopg2._psycopg.connection": "psycopg2.extensions.connection",
    "psycopg2._psycopg.cursor": "psycopg2.extensions.cursor",
    "psycopg.connection.Connection": "psycopg.Connection",
    "psycopg.cursor.Cursor": "psycopg.Cursor",
    "psycopg_pool.pool.ConnectionPool": "psycopg_pool.ConnectionPool",
    "pymysql.cursors.DictCursor": "pymysql.cursors.Cursor",
    "psycopg.server_cursor.ServerCursor": "psycopg.ServerCursor",
    "pymysql.cursors.SSDictCursor": "pymysql.cursors.SSCursor",
    "MySQLdb.cursors.SSDictCursor": "MySQLdb.cursors.SSCursor",
    "pymongo.database.Database": "pymongo.database.Database",
    "pymongo.collection.Collection": "pymongo.collection.Collection",
    "redis.Redis.pipeline": "redis.client.Pipeline",
    "redis.client.Pipeline": "redis.client.Pipeline",
    "sqlalchemy.engine.base.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.engine.Connection",
    "sqlalchemy.Connection": "sqlalchemy.engine.Connection",
    "sqlalchemy.orm.scoping.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.orm.query.Query": "sqlalchemy.orm.Query",
    "paramiko.sftp_client.SFTPClient": "paramiko.SFTPClient",
    "paramiko.transport.Transport": "paramiko.Transport",
    "paramiko.channel.Channel": "paramiko.Channel",
    "httpx._client.Client": "httpx.Client",
}
# Calls whose result's class depends on a ``mode`` argument (``open(p, "rb")`` gives a buffered
# binary file, not a text wrapper): the argument's position when given positionally.
MODE_ARGUMENT: Dict[str, int] = {"builtins.open": 1, "io.open": 1, "pathlib.Path.open": 0}


def file_type_for_mode(mode: str) -> str:
    """The class ``open()`` returns for a literal mode: text wrapper, or the buffered binary class."""
    if "b" not in mode:
        return "io.TextIOWrapper"
    if "+" in mode:
        return "io.BufferedRandom"
    return "io.BufferedReader" if "r" in mode else "io.BufferedWriter"


# ``receiver.method()`` results, keyed by the receiver's type; ``__call__`` is calling
# an instance (``Session = sessionmaker(...)``; ``Session()``).
METHOD_RETURNS: Dict[Tuple[str, str], str] = {
    ("pathlib.Path", "open"): "io.TextIOWrapper",
    **{("pathlib.Path", m): "pathlib.Path" for m in (
        "resolve", "absolute", "expanduser", "joinpath", "with_name", "with_suffix", "with_stem",
        "relative_to")},
    ("socket.socket", "dup"): "socket.socket",
    ("ssl.SSLContext", "wrap_socket"): "ssl.SSLSocket",
    ("concurrent.futures.ThreadPoolExecutor", "submit"): "concurrent.futures.Future",
    ("concurrent.futures.ProcessPoolExecutor", "submit"): "concurrent.futures.Future",
    ("http.client.HTTPConnection", "getresponse"): "http.client.HTTPResponse",
    ("sqlite3.Connection", "cursor"): "sqlite3.Cursor",
    ("sqlite3.Connection", "execute"): "sqlite3.Cursor",
    ("sqlite3.Connection", "executemany"): "sqlite3.Cursor",
    ("psycopg2.extensions.connection", "cursor"): "psycopg2.extensions.cursor",
    ("psycopg.Connection", "cursor"): "psycopg.Cursor",
    ("psycopg.Connection", "execute"): "psycopg.Cursor",
    ("psycopg_pool.ConnectionPool", "connection"): "psycopg.Connection",
    ("psycopg_pool.ConnectionPool", "getconn"): "psycopg.Connection",
    ("pymysql.connections.Connection", "cursor"): "pymysql.cursors.Cursor",
    ("MySQLdb.connections.Connection", "cursor"): "MySQLdb.cursors.Cursor",
    ("pymongo.MongoClient", "get_database"): "pymongo.database.Database",
    ("pymongo.MongoClient", "get_default_database"): "pymongo.database.Database",
    ("pymongo.database.Database", "get_collection"): "pymongo.collection.Collection",
    ("redis.Redis", "pipeline"): "redis.client.Pipeline",
    ("redis.Redis", "lock"): "redis.lock.Lock",
    ("redis.Redis", "pubsub"): "redis.client.PubSub",
    ("sqlalchemy.engine.Engine", "connect"): "sqlalchemy.engine.Connection",
    ("sqlalchemy.engine.Engine", "begin"): "sqlalchemy.engine.Connection",
    ("sqlalchemy.orm.sessionmaker", "__call__"): "sqlalchemy.orm.Session",
    ("sqlalchemy.orm.sessionmaker", "begin"): "sqlalchemy.orm.Session",
    ("sqlalchemy.orm.Session", "query"): "sqlalchemy.orm.Query",
    ("sqlalchemy.orm.Session", "connection"): "sqlalchemy.engine.Connection",
    ("paramiko.SSHClient", "open_sftp"): "paramiko.SFTPClient",
    ("paramiko.SSHClient", "get_transport"): "paramiko.Transport",
    ("paramiko.Transport", "open_session"): "paramiko.Channel",
    ("boto3.Session", "client"): "botocore.client.BaseClient",
    ("botocore.session.Session", "create_client"): "botocore.client.BaseClient",
    ("botocore.client.BaseClient", "get_waiter"): "botocore.waiter.Waiter",
    ("asyncio.Runner", "get_loop"): "asyncio.AbstractEventLoop",
}
# ``conn.cursor(name)`` (psycopg) or ``conn.cursor(SSCursor)`` (pymysql, MySQLdb) opens a server-side
# cursor whose fetches read from the server; a default cursor's ``execute`` buffers every row, so its
# fetches do no I/O. psycopg2 has one class for both; its key here names the server-side one.
SERVER_SIDE_CURSORS: Dict[str, str] = {
    "psycopg2.extensions.connection": "psycopg2.extensions.named_cursor",
    "psycopg.Connection": "psycopg.ServerCursor",
    "pymysql.connections.Connection": "pymysql.cursors.SSCursor",
    "MySQLdb.connections.Connection": "MySQLdb.cursors.SSCursor",
}


def server_side_cursor(receiver: Optional[str], call: ast.Call) -> Optional[str]:
    """The server-side cursor type ``receiver.cursor(...)`` opens, or None for a default cursor."""
    server = SERVER_SIDE_CURSORS.get(receiver or "")
    if server is None:
        return None
    if receiver in ("pymysql.connections.Connection", "MySQLdb.connections.Connection"):
        chosen = call.args[0] if call.args else next(
            (kw.value for kw in call.keywords if kw.arg in ("cursor", "cursorclass")), None)
        name = chosen.attr if isinstance(chosen, ast.Attribute) else chosen.id if isinstance(chosen, ast.Name) else ""
        return server if name.startswith("SS") else None
    named = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "name"), None)
    if named is None or (isinstance(named, ast.Constant) and not named.value):
        return None
    return server


# ``receiver.attr`` values, keyed by the receiver's type; ``*`` is any attribute
# (``client.mydb`` is a pymongo Database), ``[]`` a subscript (``client["mydb"]``).
ATTRIBUTE_RETURNS: Dict[Tuple[str, str], str] = {
    ("pathlib.Path", "parent"): "pathlib.Path",
    ("pymongo.MongoClient", "*"): "pymongo.database.Database",
    ("pymongo.MongoClient", "[]"): "pymongo.database.Database",
    ("pymongo.database.Database", "*"): "pymongo.collection.Collection",
    ("pymongo.database.Database", "[]"): "pymongo.collection.Collection",
    ("pymongo.database.Database", "client"): "pymongo.MongoClient",
    ("pymongo.collection.Collection", "*"): "pymongo.collection.Collection",
    ("pymongo.collection.Collection", "[]"): "pymongo.collection.Collection",
    ("pymongo.collection.Collection", "database"): "pymongo.database.Database",
    ("xmlrpc.client.ServerProxy", "*"): "xmlrpc.client.ServerProxy",
}
PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})
# ``with X() as v``: classes whose __enter__ returns the object itself.
ENTER_RETURNS_SELF = frozenset({
    "io.TextIOWrapper", "io.BufferedReader", "socket.socket", "subprocess.Popen", "sqlite3.Connection",
    "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
    "requests.Session", "httpx.Client", "urllib3.PoolManager", "urllib3.HTTPConnectionPool",
    "urllib3.HTTPSConnectionPool", "psycopg2.extensions.connection", "psycopg2.extensions.cursor",
    "psycopg.Connection", "psycopg.Cursor", "pymysql.connections.Connection", "pymysql.cursors.Cursor",
    "psycopg2.extensions.named_cursor", "psycopg.ServerCursor", "pymysql.cursors.SSCursor", "MySQLdb.cursors.SSCursor",
    "MySQLdb.connections.Connection", "pymongo.MongoClient", "redis.Redis", "redis.client.Pipeline",
    "sqlalchemy.engine.Connection", "sqlalchemy.orm.Session", "smtplib.SMTP", "ftplib.FTP",
    "imaplib.IMAP4", "paramiko.SSHClient", "paramiko.SFTPClient", "xmlrpc.client.ServerProxy",
    "asyncio.Runner", "ssl.SSLSocket",
})


def canonical_type(type_name: Optional[str]) -> Optional[str]:
    """The key every table uses for a type (``redis.StrictRedis`` -> ``redis.Redis``)."""
    if not type_name:
        return type_name
    alias = TYPE_ALIASES.get(type_name)
    if alias is not None:
        return alias
    # mypy-boto3 stubs: ``mypy_boto3_s3.client.S3Client`` and friends are boto3 clients.
    if type_name.startswith("mypy_boto3_") and type_name.endswith("Client"):
        return "botocore.client.BaseClient"
    return type_name
