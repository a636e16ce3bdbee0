"""The tables of blocking calls (AL101-AL106, AL108): data in one place, each entry with its advice.

Keys are qualified names as the resolver produces them (``time.sleep``,
``builtins.open``); method tables are keyed by the receiver's inferred type
(``requests.Session``), which ``FileContext.infer_type`` reads from constructor
calls, factories, annotations and ``with`` targets. An entry may carry an
argument pattern that makes the call non-blocking (``lock.acquire(blocking=False)``)
and a guard the checker answers with context (opt-in stat calls, bounded queues,
sockets switched to non-blocking mode).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, Iterable, Mapping, Optional, Tuple

if TYPE_CHECKING:
    from ..base.settings import Settings

ArgumentTest = Callable[[ast.Call], bool]

# Guards the checker evaluates with the file's context (see rules/blocking.py).
GUARD_STAT = "stat"  # reported only with `blocking-stat-calls = true`
GUARD_BOUNDED_QUEUE = "bounded-queue"  # `put` blocks only on a queue built with a maxsize
GUARD_BLOCKING_SOCKET = "blocking-socket"  # not on a socket switched to non-blocking mode
# On a UDP socket made in the same function these return at once: connecting sets the default peer, a send
# hands one datagram to the kernel (qworker's and aiopulse's discovery datagrams, read FALSE).
DATAGRAM_RETURNS_AT_ONCE = frozenset({"connect", "connect_ex", "send", "sendto"})
# Waits on a future or thread only when it was started in this coroutine with no await since
# (after an await, code usually waits on purpose until the work is known to be done), and
# not under `if fut.done():`.
GUARD_STARTED_HERE = "started-here"
# Not on a lock created in this coroutine with no await since (a fresh lock is free).
GUARD_SHARED_LOCK = "shared-lock"
# ``q.get()`` after ``while q.empty(): await asyncio.sleep(0)`` or under ``if not q.empty():`` returns at once.
GUARD_NOT_EMPTY = "not-empty"
# A lazy tree walk (``Path.rglob``, ``os.walk``) iterated by a ``for`` whose body awaits yields to the
# loop between directories: only one directory listing blocks at a time.
GUARD_LAZY_WALK = "lazy-walk"
# ``self._executor.shutdown()`` in the coroutine that tears its owner down (``close``, ``shutdown``,
# ``teardown``...), or any executor's in an application's lifespan or startup/shutdown hook: it waits once,
# for work already submitted, as the owner (the application) goes away.
GUARD_NOT_OWNER_TEARDOWN = "not-owner-teardown"
# ``shutil.move(tmp, os.path.splitext(tmp)[0])``, ``shutil.move(path + ".tmp", path)``: a rename within one
# directory (one filesystem), which ``shutil.move`` does with ``os.rename``: one metadata update, not a copy.
GUARD_NOT_RENAME_IN_PLACE = "not-rename-in-place"
# ``shutil.rmtree(self.files_dir)`` in the coroutine that tears its owner down: the owner's own directory,
# removed once as the owner goes away (a session's upload folder, a shuffle run's spill directory).
GUARD_NOT_OWN_DIRECTORY_TEARDOWN = "not-own-directory-teardown"
# ``subprocess.Popen(...)`` starts the child and returns (a fork and exec, milliseconds): reported only as a
# ``with`` item, whose exit waits for the child; ``wait()`` and ``communicate()`` on the handle are reported.
GUARD_WAITED_BY_WITH = "waited-by-with"
# ``if proc.poll() is not None: proc.communicate()``: the child has exited, so waiting for it returns at once
# (``communicate`` only drains what is left in its pipes); likewise right after ``proc.kill()``. Nor a wait
# with a ``timeout=`` for the owner's own child (``self.process.wait(timeout=2)``) in the coroutine that tears
# the owner down (``stop``, ``close``...): bounded, once, as the owner goes away (as for an executor).
GUARD_NOT_EXITED = "not-exited"
# The whole name of an owner's own teardown (``delete``, not ``cleanup_expired``: a periodic sweep).
OWNER_TEARDOWN_NAMES = re.compile(r"_*(?:a?close|shutdown|shut_down|teardown|tear_down|stop|cleanup|clean_up|dispose"
                                  r"|delete|terminate|__aexit__)")
TEARDOWN_NAMES = re.compile(r"^_*(?:a?close|shutdown|shut_down|teardown|tear_down|stop|cleanup|clean_up|dispose"
                            r"|terminate|finali[sz]e|on_shutdown|on_close|__aexit__)(?:_|$)", re.IGNORECASE)

DEFAULT_WHAT = "blocks the event loop"
# Types the tables key apart that the library does not: psycopg2 has one cursor class, named or not.
SHOWN_AS = {"psycopg2.extensions.named_cursor": "psycopg2.extensions.cursor"}


@dataclass(frozen=True)
class BlockingCall:
    code: str
    # Advice per async library; "asyncio" is the default.
    advice: Mapping[str, str]
    # Argument patterns that make this call return at once (``acquire(blocking=False)``).
    unless: Optional[ArgumentTest] = None
    guard: str = ""
    what: str = DEFAULT_WHAT
    # (test, code): the code when the arguments match (``glob.glob(p, recursive=True)`` walks a tree)
    code_if: Optional[Tuple[ArgumentTest, str]] = None

    def code_for(self, node: ast.Call) -> str:
        """The code this call reports under: ``code``, or ``code_if``'s when its arguments match."""
        if self.code_if is not None and self.code_if[0](node):
            return self.code_if[1]
        return self.code

    def message(self, qualname: str, library: str) -> str:
        advice = self.advice.get(library) or self.advice["asyncio"]
        shown = qualname.removeprefix("builtins.")
        owner, dot, method = shown.rpartition(".")
        if owner in SHOWN_AS:
            shown = f"{SHOWN_AS[owner]}{dot}{method}"
        return f"`{shown}()` {self.what}; {advice}"

    def applies(self, node: ast.Call) -> bool:
        return self.unless is None or not self.unless(node)


@dataclass(frozen=True)
class AnyMethod:
    """Every method of the type does I/O (a Redis client, a boto3 client) except ``except_``."""

    call: BlockingCall
    except_: FrozenSet[str]


def _advice(asyncio: str, trio: Optional[str] = None, anyio: Optional[str] = None) -> Dict[str, str]:
    table = {"asyncio": asyncio}
    if trio:
        table["trio"] = trio
    if anyio:
        table["anyio"] = anyio
    return table


def _offload(first: str) -> Dict[str, str]:
    """Advice naming an async alternative, else running the call in a worker thread."""
    return _advice(f"use {first}, or `await asyncio.to_thread(...)`",
                   f"use {first}, or `await trio.to_thread.run_sync(...)`",
                   f"use {first}, or `await anyio.to_thread.run_sync(...)`")


def _entries(code: str, advice: Mapping[str, str], names: Iterable[str], prefix: str = "",
             unless: Optional[ArgumentTest] = None, guard: str = "", what: str = DEFAULT_WHAT,
             code_if: Optional[Tuple[ArgumentTest, str]] = None) -> Dict[str, BlockingCall]:
    call = BlockingCall(code, advice, unless, guard, what, code_if)
    return {f"{prefix}{name}": call for name in names}


# -- argument patterns that make a call non-blocking -------------------------------
def _argument(node: ast.Call, position: int, keyword: str) -> Optional[ast.expr]:
    for kw in node.keywords:
        if kw.arg == keyword:
            return kw.value
    if position < len(node.args) and not any(isinstance(a, ast.Starred) for a in node.args[:position + 1]):
        return node.args[position]
    return None


def _is_false(expr: Optional[ast.expr]) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is not None and expr.value in (False, 0)


def _is_zero(expr: Optional[ast.expr]) -> bool:
    return isinstance(expr, ast.Constant) and not isinstance(expr.value, bool) \
        and isinstance(expr.value, (int, float)) and expr.value == 0


def _flag_off(position: int, keyword: str) -> ArgumentTest:
    return lambda node: _is_false(_argument(node, position, keyword))


def _zero_timeout(position: int, keyword: str = "timeout") -> ArgumentTest:
    return lambda node: _is_zero(_argument(node, position, keyword))


def _either(*tests: ArgumentTest) -> ArgumentTest:
    return lambda node: any(test(node) for test in tests)


def _wnohang(node: ast.Call) -> bool:
    """``os.waitpid(pid, os.WNOHANG)`` returns at once (a deny-list pattern: it only suppresses)."""
    for arg in [*node.args, *(kw.value for kw in node.keywords)]:
        for sub in ast.walk(arg):
            if (isinstance(sub, ast.Attribute) and sub.attr == "WNOHANG") or \
                    (isinstance(sub, ast.Name) and sub.id == "WNOHANG"):
                return True
    return False


# Commands that only send a signal (or ask the OS to end a process) and exit: they return at once.
SIGNAL_COMMANDS = frozenset({"kill", "pkill", "killall", "taskkill", "tskill"})


def _returns_at_once(node: ast.Call) -> bool:
    """``subprocess.run(["taskkill", "/F", "/PID", pid])``, ``os.system(f"kill -9 {pid}")``: the command
    only signals a process and exits, in a fraction of a second; ``subprocess.run([npm, "--version"])``
    only prints a version (a deny-list pattern: literal words only)."""
    args = _argument(node, 0, "args")
    if args is None:
        args = _argument(node, 0, "command")  # (os.system's parameter)
    if isinstance(args, (ast.List, ast.Tuple)) and len(args.elts) == 2 and isinstance(args.elts[1], ast.Constant) \
            and args.elts[1].value == "--version":
        return True
    first: Optional[ast.expr] = None
    if isinstance(args, (ast.List, ast.Tuple)) and args.elts:
        first = args.elts[0]
    elif isinstance(args, ast.JoinedStr) and args.values:
        first = args.values[0]
    else:
        first = args
    if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return False
    words = first.value.split()
    if not words or (len(words) > 1 and isinstance(args, (ast.List, ast.Tuple))):
        return False
    program = words[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
    return program.removesuffix(".exe") in SIGNAL_COMMANDS


def _numeric_only(node: ast.Call) -> bool:
    """``getaddrinfo(..., flags=AI_NUMERICHOST)`` does no DNS lookup (a deny-list pattern)."""
    for arg in [*node.args[4:], *(kw.value for kw in node.keywords if kw.arg == "flags")]:
        for sub in ast.walk(arg):
            name = sub.attr if isinstance(sub, ast.Attribute) else sub.id if isinstance(sub, ast.Name) else ""
            if "NUMERIC" in name:
                return True
    return False


def _numeric_host_name(node: ast.Call) -> bool:
    """``getnameinfo(addr, NI_NUMERICHOST ...)`` formats the address itself: no reverse DNS lookup."""
    flags = _argument(node, 1, "flags")
    return flags is not None and any(
        (sub.attr if isinstance(sub, ast.Attribute) else sub.id if isinstance(sub, ast.Name) else "")
        .endswith("NI_NUMERICHOST") for sub in ast.walk(flags))


def _own_host_name(node: ast.Call) -> bool:
    """``gethostbyname(socket.gethostname())``: the machine's own name, answered from the hosts file (the usual
    "my address" idiom; read FALSE where it sat in a coroutine). Another name, ``getfqdn()`` included, is a lookup."""
    host = _argument(node, 0, "hostname")
    return isinstance(host, ast.Call) and not host.args and \
        (host.func.attr if isinstance(host.func, ast.Attribute) else getattr(host.func, "id", "")) == "gethostname"


def _in_memory(node: ast.Call) -> bool:
    """``sqlite3.connect(":memory:")`` (or a ``file::memory:`` / ``mode=memory`` URI) touches no disk."""
    database = _argument(node, 0, "database")
    if isinstance(database, ast.JoinedStr):  # f"file:{name}?mode=memory"
        return any(isinstance(part, ast.Constant) and "mode=memory" in str(part.value) for part in database.values)
    return isinstance(database, ast.Constant) and isinstance(database.value, str) and \
        (database.value == ":memory:" or database.value.startswith("file::memory:") or "mode=memory" in database.value)


def _no_host(node: ast.Call) -> bool:
    """``smtplib.SMTP()`` without a host does not connect."""
    return not node.args and not any(kw.arg in ("host", None) for kw in node.keywords)


def _is_true(expr: Optional[ast.expr]) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


def _flag_on(position: int, keyword: str) -> ArgumentTest:
    return lambda node: _is_true(_argument(node, position, keyword))


# A source path named as a directory (``self.cache_dir``, ``build``, ``tmp_folder``, ``repo_path``'s
# ``repo``): ``shutil.move`` of it may copy a whole tree across file systems. Any other source is taken
# for a file, whose move is a rename or one file's copy (read on projects outside the corpus: keys,
# certificates, finished downloads, uploaded files).
_DIRECTORY_WORDS = re.compile(r"(?:^|_)(?:dirs?|directory|directories|folders?|trees?|repos?|repository|checkout"
                              r"|workspace|workdir|build|dist|venv|profile)(?:_|$)", re.IGNORECASE)


def _moves_a_directory(node: ast.Call) -> bool:
    """``shutil.move(self.cache_dir, ...)``: the source's name (or its last attribute, or the name of
    a call's first argument: ``Path(build_dir)``) says it is a directory."""
    source = _argument(node, 0, "src")
    while isinstance(source, ast.Call) and source.args:
        source = source.args[0]
    name = source.id if isinstance(source, ast.Name) else source.attr if isinstance(source, ast.Attribute) else ""
    return bool(name) and _DIRECTORY_WORDS.search(name) is not None


_NONBLOCKING_ACQUIRE = _either(_flag_off(0, "blocking"), _zero_timeout(1))
_NONBLOCKING_GET = _either(_flag_off(0, "block"), _zero_timeout(1))
_NONBLOCKING_PUT = _either(_flag_off(1, "block"), _zero_timeout(2))

# -- advice --------------------------------------------------------------------------
SLEEP_ADVICE = _advice("use `await asyncio.sleep(...)`", "use `await trio.sleep(...)`",
                       "use `await anyio.sleep(...)`")
HTTP_ADVICE = _offload("an async client (`httpx.AsyncClient`, aiohttp)")
HTTP_ADVICE_TRIO = _advice(
    "use an async client (`httpx.AsyncClient`, aiohttp), or `await asyncio.to_thread(...)`",
    "use `httpx.AsyncClient` (it runs on trio), or `await trio.to_thread.run_sync(...)`",
    "use `httpx.AsyncClient` (it runs on anyio), or `await anyio.to_thread.run_sync(...)`")
PROCESS_ADVICE = _advice("use `await asyncio.create_subprocess_exec(...)`",
                         "use `await trio.run_process(...)`",
                         "use `await anyio.run_process(...)` or `await anyio.open_process(...)`")
PROCESS_WAIT_ADVICE = _advice(
    "start the process with `asyncio.create_subprocess_exec(...)` and `await proc.wait()` / "
    "`await proc.communicate()`",
    "use `await trio.run_process(...)`, or `trio.lowlevel.open_process(...)` and `await proc.wait()`",
    "use `await anyio.run_process(...)`, or `anyio.open_process(...)` and `await proc.wait()`")
FILE_ADVICE = _advice("use `await asyncio.to_thread(...)`, aiofiles or `anyio.Path`",
                      "use `await trio.open_file(...)`, `trio.Path` or `await trio.to_thread.run_sync(...)`",
                      "use `await anyio.open_file(...)`, `anyio.Path` or `await anyio.to_thread.run_sync(...)`")
TREE_ADVICE = _advice("run it in a worker thread with `await asyncio.to_thread(...)`",
                      "run it in a worker thread with `await trio.to_thread.run_sync(...)`",
                      "run it in a worker thread with `await anyio.to_thread.run_sync(...)`")
DNS_ADVICE = _advice("use `await loop.getaddrinfo(...)` (`asyncio.get_running_loop()`)",
                     "use `await trio.socket.getaddrinfo(...)`", "use `await anyio.getaddrinfo(...)`")
REVERSE_DNS_ADVICE = _advice("use `await loop.getnameinfo(...)` (`asyncio.get_running_loop()`)",
                             "use `await trio.socket.getnameinfo(...)`", "use `await anyio.getnameinfo(...)`")
CONNECT_ADVICE = _advice("use `await asyncio.open_connection(...)`", "use `await trio.open_tcp_stream(...)`",
                         "use `await anyio.connect_tcp(...)`")
SOCKET_ADVICE = _advice(
    "use asyncio streams (`asyncio.open_connection`) or `await loop.sock_recv/sock_sendall(...)` on a "
    "non-blocking socket",
    "use `trio.socket` sockets or trio streams (`trio.open_tcp_stream`)",
    "use anyio streams (`anyio.connect_tcp`)")
SELECT_ADVICE = _advice("use `loop.add_reader(...)` / streams, or `await asyncio.to_thread(...)`",
                        "use `await trio.lowlevel.wait_readable(...)`",
                        "use `await anyio.wait_socket_readable(...)`")
THREAD_WAIT_ADVICE = _advice(
    "use asyncio's primitives (`asyncio.Lock`, `asyncio.Event`...) in async code, or "
    "`await asyncio.to_thread(...)`",
    "use trio's primitives in async code, or `await trio.to_thread.run_sync(...)`",
    "use anyio's primitives in async code, or `await anyio.to_thread.run_sync(...)`")
THREAD_END_ADVICE = _advice("wait for it in a worker thread with `await asyncio.to_thread(...)`",
                            "wait for it in a worker thread with `await trio.to_thread.run_sync(...)`",
                            "wait for it in a worker thread with `await anyio.to_thread.run_sync(...)`")
QUEUE_ADVICE = _advice("use `asyncio.Queue` (or a thread-safe bridge such as janus), or "
                       "`await asyncio.to_thread(q.get)`",
                       "use a memory channel (`trio.open_memory_channel`), or `await trio.to_thread.run_sync(...)`",
                       "use a memory object stream (`anyio.create_memory_object_stream`), or "
                       "`await anyio.to_thread.run_sync(...)`")
FUTURE_ADVICE = _advice("use `await asyncio.wrap_future(fut)`",
                        "use `await trio.to_thread.run_sync(fut.result)`",
                        "use `await anyio.to_thread.run_sync(fut.result)`")
INPUT_ADVICE = _advice("use `await asyncio.to_thread(input, ...)`", "use `await trio.to_thread.run_sync(input)`",
                       "use `await anyio.to_thread.run_sync(input)`")
TREE_WHAT = "blocks the event loop for as long as the whole tree takes"
# AL111: what the loop waits for, on another thread
RELEASE_WHAT = "blocks the event loop until no other thread holds it"
SET_WHAT = "blocks the event loop until another thread sets it"
NOTIFY_WHAT = "blocks the event loop until another thread notifies it"
# a rename on one file system; a copy of the file or the whole tree across file systems
MOVE_WHAT = "blocks the event loop while it moves the path (across file systems, a copy of all of it)"
NESTED_LOOP_WHAT = "starts an event loop inside a running one (it raises RuntimeError)"
NESTED_LOOP_ADVICE = _advice("`await` the coroutine directly, or schedule it with `asyncio.create_task(...)`",
                             "`await` the function directly, or start it in a nursery",
                             "`await` the function directly, or start it in a task group")

def _zero_seconds(node: ast.Call) -> bool:
    """``time.sleep(0)``: gives up the GIL and returns; it does not hold the loop (a busy loop around it
    does, and that is the loop's cost, not the call's). A literal below a millisecond (``time.sleep(1e-6)``,
    a nudge past a clock's resolution) is the same: the OS wakes the thread about as soon."""
    secs = _argument(node, 0, "secs")
    if _is_false(secs):
        return True
    return isinstance(secs, ast.Constant) and isinstance(secs.value, (int, float)) \
        and not isinstance(secs.value, bool) and 0 <= secs.value < 0.001


SLEEP = BlockingCall("AL101", SLEEP_ADVICE, unless=_zero_seconds)

# -- AL101-AL106 functions ---------------------------------------------------------------
_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
FUNCTIONS: Dict[str, BlockingCall] = {
    "time.sleep": SLEEP,
    # AL102
    **_entries("AL102", HTTP_ADVICE_TRIO, _HTTP_VERBS, "requests."),
    **_entries("AL102", HTTP_ADVICE_TRIO, _HTTP_VERBS, "requests.api."),
    **_entries("AL102", HTTP_ADVICE_TRIO, (*_HTTP_VERBS, "stream"), "httpx."),
    **_entries("AL102", HTTP_ADVICE, ("urlopen", "urlretrieve"), "urllib.request."),
    **_entries("AL102", HTTP_ADVICE, ("request",), "urllib3."),
    # AL103
    **_entries("AL103", PROCESS_ADVICE, ("run", "call", "check_call", "check_output", "getoutput",
                                         "getstatusoutput"), "subprocess.", unless=_returns_at_once),
    "subprocess.Popen": BlockingCall("AL103", PROCESS_ADVICE, guard=GUARD_WAITED_BY_WITH,
                                     what="blocks the event loop when its `with` block ends (the exit waits for the child)"),
    **_entries("AL103", PROCESS_ADVICE, ("system", "popen"), "os.", unless=_returns_at_once),
    **_entries("AL103", PROCESS_ADVICE, ("posix_spawn", "posix_spawnp", "spawnl", "spawnle", "spawnlp", "spawnlpe",
                                         "spawnv", "spawnve", "spawnvp", "spawnvpe"), "os."),
    **_entries("AL103", PROCESS_WAIT_ADVICE, ("wait", "wait3", "wait4", "waitpid", "waitid"), "os.",
               unless=_wnohang),
    # AL104: calls that copy or delete a whole tree: how long they block grows with what is on the
    # disk, not with what the code asked for. ``rmtree(..., ignore_errors=True)`` is best-effort cleanup
    # of a scratch directory and is not reported.
    **_entries("AL104", TREE_ADVICE, ("copytree", "make_archive", "unpack_archive"), "shutil.", what=TREE_WHAT),
    "shutil.move": BlockingCall("AL109", TREE_ADVICE, guard=GUARD_NOT_RENAME_IN_PLACE, what=MOVE_WHAT,
                                code_if=(_moves_a_directory, "AL104")),
    "shutil.rmtree": BlockingCall("AL104", TREE_ADVICE, _flag_on(1, "ignore_errors"), what=TREE_WHAT,
                                  guard=GUARD_NOT_OWN_DIRECTORY_TEARDOWN),
    # AL109 (opt-in), not AL104: a walk lists one directory per step, and how many steps it takes depends on a
    # tree the source rarely shows (read on held-out projects: 1 of 11 walks was worth changing).
    **_entries("AL109", TREE_ADVICE, ("walk", "fwalk"), "os.", guard=GUARD_LAZY_WALK, what=TREE_WHAT),
    # AL109 (opt-in): one file or one directory entry at a time: open, read, write, list, make, remove.
    # ``os.fdopen`` only wraps a descriptor that is already open (often a pipe handed to the loop);
    # reads and writes on its result are reported instead.
    **_entries("AL109", FILE_ADVICE, ("builtins.open", "io.open", "io.open_code", "os.open",
                                      "codecs.open", "gzip.open", "bz2.open", "lzma.open", "tarfile.open")),
    **_entries("AL109", FILE_ADVICE, ("glob.glob", "glob.iglob"), guard=GUARD_LAZY_WALK),
    **_entries("AL109", FILE_ADVICE, ("listdir", "scandir", "makedirs", "mkdir", "remove",
                                      "unlink", "rename", "renames", "replace", "rmdir", "removedirs", "link",
                                      "symlink", "truncate", "fsync"), "os."),
    **_entries("AL109", FILE_ADVICE, ("copy", "copy2", "copyfile", "copyfileobj", "copymode", "copystat", "chown"),
               "shutil."),
    **_entries("AL109", FILE_ADVICE, ("exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize",
                                      "getmtime", "getatime", "getctime", "samefile", "realpath"), "os.path.",
               guard=GUARD_STAT),
    **_entries("AL109", FILE_ADVICE, ("os.stat", "os.lstat", "os.access", "os.statvfs", "shutil.which",
                                      "shutil.disk_usage"), guard=GUARD_STAT),
    # AL105
    **_entries("AL105", CONNECT_ADVICE, ("socket.create_connection",)),
    **_entries("AL105", DNS_ADVICE, ("getaddrinfo",), "socket.", unless=_numeric_only),
    **_entries("AL105", DNS_ADVICE, ("gethostbyname", "gethostbyname_ex"), "socket.", unless=_own_host_name),
    **_entries("AL105", DNS_ADVICE, ("gethostbyaddr", "getfqdn"), "socket."),
    **_entries("AL105", REVERSE_DNS_ADVICE, ("getnameinfo",), "socket.", unless=_numeric_host_name),
    "select.select": BlockingCall("AL105", SELECT_ADVICE, _zero_timeout(3)),
    "concurrent.futures.wait": BlockingCall("AL105", FUTURE_ADVICE, _zero_timeout(1)),
    # AL110 (opt-in): terminal prompts
    **_entries("AL110", INPUT_ADVICE, ("builtins.input", "getpass.getpass")),
    # AL106
    **_entries("AL106", NESTED_LOOP_ADVICE, ("asyncio.run", "asyncio.runners.run", "trio.run", "anyio.run",
                                             "uvloop.run"), what=NESTED_LOOP_WHAT),
}

# -- AL101-AL106 methods, by receiver type ------------------------------------------------
_FILE_METHODS = ("read", "read1", "readinto", "readline", "readlines", "write", "writelines", "flush", "seek",
                 "truncate")
# Concrete file classes only: a ``typing.IO`` / ``BinaryIO`` annotation is as often an in-memory
# ``BytesIO`` or ``sys.stdout`` (aiogram downloads into one), where writes do not block.
_FILE_TYPES = ("io.TextIOWrapper", "io.BufferedReader", "io.BufferedWriter", "io.BufferedRandom", "io.FileIO")
_PATH_IO = ("read_text", "write_text", "read_bytes", "write_bytes", "open", "iterdir", "mkdir", "unlink", "rmdir", "touch", "rename", "replace", "symlink_to", "hardlink_to", "chmod",
            "lchmod", "readlink")
_PATH_STAT = ("exists", "is_file", "is_dir", "is_symlink", "is_mount", "is_socket", "is_fifo", "is_block_device",
              "is_char_device", "stat", "lstat", "owner", "group", "samefile", "resolve")
_SOCKET_METHODS = ("accept", "connect", "connect_ex", "recv", "recv_into", "recvfrom", "recvfrom_into", "recvmsg",
                   "recvmsg_into", "send", "sendall", "sendto", "sendmsg", "sendfile", "makefile")
_LOOP_TYPES = ("asyncio.AbstractEventLoop", "asyncio.events.AbstractEventLoop", "asyncio.BaseEventLoop",
               "asyncio.base_events.BaseEventLoop", "asyncio.SelectorEventLoop", "asyncio.ProactorEventLoop",
               "asyncio.unix_events.SelectorEventLoop", "uvloop.Loop", "uvloop.new_event_loop")

METHODS: Dict[str, Dict[str, BlockingCall]] = {
    # AL102
    "requests.Session": _entries("AL102", HTTP_ADVICE_TRIO, (*_HTTP_VERBS, "send")),
    "httpx.Client": _entries("AL102", HTTP_ADVICE_TRIO, (*_HTTP_VERBS, "send", "stream")),
    **{t: _entries("AL102", HTTP_ADVICE, ("request", "urlopen", "request_encode_url", "request_encode_body"))
       for t in ("urllib3.PoolManager", "urllib3.ProxyManager", "urllib3.HTTPConnectionPool",
                 "urllib3.HTTPSConnectionPool", "urllib3.connectionpool.HTTPConnectionPool",
                 "urllib3.connectionpool.HTTPSConnectionPool")},
    "http.client.HTTPConnection": _entries("AL102", HTTP_ADVICE, ("request", "getresponse", "connect",
                                                                  "endheaders", "send")),
    "http.client.HTTPResponse": _entries("AL102", HTTP_ADVICE, ("read", "read1", "readinto", "readline",
                                                                "readlines")),
    "urllib.request.OpenerDirector": _entries("AL102", HTTP_ADVICE, ("open",)),
    # AL103
    "subprocess.Popen": _entries("AL103", PROCESS_WAIT_ADVICE, ("wait", "communicate"), guard=GUARD_NOT_EXITED),
    # AL104
    **{t: _entries("AL109", FILE_ADVICE, _FILE_METHODS) for t in _FILE_TYPES},
    **{t: {**_entries("AL109", FILE_ADVICE, _PATH_IO), **_entries("AL109", FILE_ADVICE, _PATH_STAT, guard=GUARD_STAT),
           **_entries("AL109", TREE_ADVICE, ("rglob", "walk"), guard=GUARD_LAZY_WALK, what=TREE_WHAT),
           **_entries("AL109", FILE_ADVICE, ("glob",), guard=GUARD_LAZY_WALK)}
       for t in ("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath")},
    # AL105
    "socket.socket": _entries("AL105", SOCKET_ADVICE, _SOCKET_METHODS, guard=GUARD_BLOCKING_SOCKET),
    "ssl.SSLSocket": _entries("AL105", SOCKET_ADVICE, (*_SOCKET_METHODS, "do_handshake"),
                              guard=GUARD_BLOCKING_SOCKET),
    **{t: _entries("AL105", SELECT_ADVICE, ("poll",), unless=_zero_timeout(0))
       for t in ("select.poll", "select.epoll", "select.devpoll")},
    **{t: _entries("AL105", SELECT_ADVICE, ("select",), unless=_zero_timeout(0))
       for t in ("selectors.DefaultSelector", "selectors.SelectSelector", "selectors.PollSelector",
                 "selectors.EpollSelector", "selectors.KqueueSelector", "selectors.DevpollSelector")},
    # AL111 (opt-in): waits on another thread or process of the program
    **{t: _entries("AL111", THREAD_WAIT_ADVICE, ("acquire",), unless=_NONBLOCKING_ACQUIRE, guard=GUARD_SHARED_LOCK,
                   what=RELEASE_WHAT)
       for t in ("threading.Lock", "threading.RLock", "threading.Semaphore", "threading.BoundedSemaphore")},
    "threading.Event": _entries("AL111", THREAD_WAIT_ADVICE, ("wait",), unless=_zero_timeout(0), what=SET_WHAT),
    "threading.Condition": {**_entries("AL111", THREAD_WAIT_ADVICE, ("wait",), unless=_zero_timeout(0),
                                       what=NOTIFY_WHAT),
                            **_entries("AL111", THREAD_WAIT_ADVICE, ("wait_for",), unless=_zero_timeout(1),
                                       what=NOTIFY_WHAT),
                            **_entries("AL111", THREAD_WAIT_ADVICE, ("acquire",), unless=_NONBLOCKING_ACQUIRE,
                                       what=RELEASE_WHAT)},
    "threading.Barrier": _entries("AL111", THREAD_WAIT_ADVICE, ("wait",), unless=_zero_timeout(0),
                                  what="blocks the event loop until the other threads reach the barrier"),
    **{t: _entries("AL111", THREAD_END_ADVICE, ("join",), unless=_zero_timeout(0), guard=GUARD_STARTED_HERE,
                   what="blocks the event loop until the work it was started with ends")
       for t in ("threading.Thread", "multiprocessing.Process")},
    **{t: _entries("AL111", THREAD_END_ADVICE, ("shutdown",), unless=_flag_off(0, "wait"),
                   guard=GUARD_NOT_OWNER_TEARDOWN,
                   what="blocks the event loop until the work already submitted to it is done")
       for t in ("concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
                 "concurrent.futures.Executor")},
    # AL105: a queue or a future another thread fills
    **{t: {**_entries("AL105", QUEUE_ADVICE, ("get",), unless=_NONBLOCKING_GET, guard=GUARD_NOT_EMPTY),
           **_entries("AL105", QUEUE_ADVICE, ("put",), unless=_NONBLOCKING_PUT, guard=GUARD_BOUNDED_QUEUE),
           **_entries("AL105", QUEUE_ADVICE, ("join",))}
       for t in ("queue.Queue", "queue.LifoQueue", "queue.PriorityQueue")},
    **{t: _entries("AL105", QUEUE_ADVICE, ("get",), unless=_NONBLOCKING_GET, guard=GUARD_NOT_EMPTY)
       for t in ("queue.SimpleQueue", "multiprocessing.Queue", "multiprocessing.JoinableQueue",
                 "multiprocessing.SimpleQueue")},
    **{t: _entries("AL105", FUTURE_ADVICE, ("result", "exception"), unless=_zero_timeout(0),
                   guard=GUARD_STARTED_HERE)
       for t in ("concurrent.futures.Future", "concurrent.futures._base.Future")},
    # AL106
    **{t: _entries("AL106", NESTED_LOOP_ADVICE, ("run_until_complete", "run_forever"), what=NESTED_LOOP_WHAT)
       for t in _LOOP_TYPES},
    "asyncio.Runner": _entries("AL106", NESTED_LOOP_ADVICE, ("run",), what=NESTED_LOOP_WHAT),
}

# -- AL108: synchronous client libraries -----------------------------------------------
SQLITE = _offload("aiosqlite")
PSYCOPG2 = _offload("`psycopg.AsyncConnection` (psycopg 3) or asyncpg")
PSYCOPG = _offload("`psycopg.AsyncConnection`")
MYSQL = _offload("aiomysql or asyncmy")
MONGO = _offload("`pymongo.AsyncMongoClient` or motor")
REDIS = _offload("`redis.asyncio.Redis`")
SQLALCHEMY = _offload("`sqlalchemy.ext.asyncio` (`AsyncSession`, `AsyncEngine`)")
SMTP = _offload("aiosmtplib")
FTP = _offload("aioftp")
IMAP = _offload("aioimaplib")
POP = _offload("an async mail client")
SSH = _offload("asyncssh")
BOTO = _offload("aioboto3 / aiobotocore")
XMLRPC = _offload("an async HTTP client")

# A default psycopg/pymysql/MySQLdb cursor's execute() reads every row into memory, so its fetches
# do no I/O (reporting them repeats the execute); a server-side cursor's fetches read from the server.
_DBAPI_EXECUTE = ("execute", "executemany", "callproc")
_DBAPI_FETCH = ("fetchone", "fetchmany", "fetchall", "scroll")
SERVER_FETCH_WHAT = "reads rows from the server (a server-side cursor) and blocks the event loop"
_MONGO_COLLECTION = ("find_one", "insert_one", "insert_many", "update_one", "update_many", "replace_one",
                     "delete_one", "delete_many", "find_one_and_update", "find_one_and_replace",
                     "find_one_and_delete", "count_documents", "estimated_document_count", "aggregate", "distinct",
                     "bulk_write", "create_index", "create_indexes", "drop_index", "drop_indexes", "drop",
                     "index_information", "list_indexes", "rename", "watch")
_SESSION = ("execute", "scalar", "scalars", "get", "commit", "flush", "rollback", "refresh", "merge", "connection")

FUNCTIONS.update({
    **_entries("AL109", SQLITE, ("sqlite3.connect", "sqlite3.dbapi2.connect"), unless=_in_memory),
    **_entries("AL108", PSYCOPG2, ("psycopg2.connect",)),
    **_entries("AL108", PSYCOPG, ("psycopg.connect", "psycopg.Connection.connect")),
    **_entries("AL108", MYSQL, ("pymysql.connect", "pymysql.Connect", "pymysql.connections.Connection",
                                "MySQLdb.connect", "MySQLdb.Connect", "MySQLdb.connections.Connection")),
    **_entries("AL108", SMTP, ("smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP"), unless=_no_host),
    **_entries("AL108", FTP, ("ftplib.FTP", "ftplib.FTP_TLS"), unless=_no_host),
    **_entries("AL108", POP, ("poplib.POP3", "poplib.POP3_SSL")),
    **_entries("AL108", IMAP, ("imaplib.IMAP4", "imaplib.IMAP4_SSL")),
})

METHODS.update({
    "sqlite3.Connection": _entries("AL109", SQLITE, ("execute", "executemany", "executescript", "commit",
                                                     "rollback", "backup")),
    "sqlite3.Cursor": _entries("AL109", SQLITE, ("execute", "executemany", "executescript", "fetchone",
                                                 "fetchmany", "fetchall")),
    "psycopg2.extensions.connection": _entries("AL108", PSYCOPG2, ("commit", "rollback")),
    "psycopg2.extensions.cursor": _entries("AL108", PSYCOPG2, (*_DBAPI_EXECUTE, "copy_from", "copy_to",
                                                               "copy_expert")),
    "psycopg2.extensions.named_cursor": {**_entries("AL108", PSYCOPG2, _DBAPI_EXECUTE),
                                         **_entries("AL108", PSYCOPG2, _DBAPI_FETCH, what=SERVER_FETCH_WHAT)},
    **{t: _entries("AL108", PSYCOPG2, ("getconn",))
       for t in ("psycopg2.pool.SimpleConnectionPool", "psycopg2.pool.ThreadedConnectionPool")},
    "psycopg.Connection": _entries("AL108", PSYCOPG, ("execute", "commit", "rollback")),
    "psycopg.Cursor": _entries("AL108", PSYCOPG, (*_DBAPI_EXECUTE, "copy", "stream")),
    "psycopg.ServerCursor": {**_entries("AL108", PSYCOPG, (*_DBAPI_EXECUTE, "stream")),
                             **_entries("AL108", PSYCOPG, _DBAPI_FETCH, what=SERVER_FETCH_WHAT)},
    "psycopg_pool.ConnectionPool": _entries("AL108", PSYCOPG, ("getconn", "connection", "wait")),
    **{t: _entries("AL108", MYSQL, ("query", "commit", "rollback", "ping", "select_db"))
       for t in ("pymysql.connections.Connection", "MySQLdb.connections.Connection")},
    **{t: _entries("AL108", MYSQL, _DBAPI_EXECUTE) for t in ("pymysql.cursors.Cursor", "MySQLdb.cursors.Cursor")},
    **{t: {**_entries("AL108", MYSQL, _DBAPI_EXECUTE), **_entries("AL108", MYSQL, _DBAPI_FETCH[:3], what=SERVER_FETCH_WHAT)}
       for t in ("pymysql.cursors.SSCursor", "MySQLdb.cursors.SSCursor")},
    "pymongo.MongoClient": _entries("AL108", MONGO, ("list_database_names", "list_databases", "server_info",
                                                     "drop_database")),
    "pymongo.database.Database": _entries("AL108", MONGO, ("command", "list_collection_names", "list_collections",
                                                           "create_collection", "drop_collection",
                                                           "validate_collection")),
    "pymongo.collection.Collection": _entries("AL108", MONGO, _MONGO_COLLECTION),
    "redis.client.Pipeline": _entries("AL108", REDIS, ("execute",)),
    "redis.lock.Lock": _entries("AL108", REDIS, ("acquire",), unless=_NONBLOCKING_ACQUIRE),
    "redis.client.PubSub": _entries("AL108", REDIS, ("subscribe", "psubscribe", "unsubscribe", "punsubscribe")),
    "sqlalchemy.engine.Engine": _entries("AL108", SQLALCHEMY, ("connect", "begin", "execute", "raw_connection")),
    "sqlalchemy.engine.Connection": _entries("AL108", SQLALCHEMY, ("execute", "exec_driver_sql", "commit",
                                                                   "rollback", "scalar", "scalars")),
    **{t: _entries("AL108", SQLALCHEMY, _SESSION) for t in ("sqlalchemy.orm.Session", "sqlalchemy.orm.scoped_session")},
    "sqlalchemy.orm.Query": _entries("AL108", SQLALCHEMY, ("all", "first", "one", "one_or_none", "scalar", "count",
                                                           "get", "delete", "update")),
    "smtplib.SMTP": _entries("AL108", SMTP, ("connect", "login", "sendmail", "send_message", "starttls", "ehlo",
                                             "helo", "quit", "noop", "verify", "rset", "docmd",
                                             "ehlo_or_helo_if_needed", "auth")),
    "ftplib.FTP": _entries("AL108", FTP, ("connect", "login", "retrbinary", "retrlines", "storbinary", "storlines",
                                          "nlst", "dir", "cwd", "mkd", "rmd", "delete", "rename", "size", "quit",
                                          "sendcmd", "voidcmd", "mlsd", "pwd", "prot_p", "auth")),
    "poplib.POP3": _entries("AL108", POP, ("user", "pass_", "stat", "list", "retr", "dele", "quit", "top", "uidl",
                                           "stls", "noop", "rset", "apop", "rpop", "capa")),
    "imaplib.IMAP4": _entries("AL108", IMAP, ("login", "select", "search", "fetch", "store", "logout", "list", "uid",
                                              "expunge", "close", "noop", "append", "copy", "create", "delete",
                                              "rename", "starttls", "authenticate", "check", "status", "examine",
                                              "subscribe", "lsub", "sort", "thread")),
    "paramiko.SSHClient": _entries("AL108", SSH, ("connect", "exec_command", "open_sftp", "invoke_shell")),
    "paramiko.SFTPClient": _entries("AL108", SSH, ("get", "put", "open", "file", "listdir", "listdir_attr",
                                                   "listdir_iter", "stat", "lstat", "remove", "unlink", "rename",
                                                   "posix_rename", "mkdir", "rmdir", "chdir", "chmod", "chown",
                                                   "getfo", "putfo", "normalize", "readlink", "symlink", "truncate",
                                                   "utime")),
    "paramiko.Transport": _entries("AL108", SSH, ("connect", "open_session", "auth_password", "auth_publickey",
                                                  "start_client")),
    "paramiko.Channel": _entries("AL108", SSH, ("recv", "recv_stderr", "send", "sendall", "exec_command",
                                                "recv_exit_status", "invoke_shell", "get_pty")),
    "botocore.waiter.Waiter": _entries("AL108", BOTO, ("wait",)),
})

# Types every method of which does I/O, with the few that do not.
ANY_METHOD: Dict[str, AnyMethod] = {
    "redis.Redis": AnyMethod(BlockingCall("AL108", REDIS), frozenset({
        "pipeline", "pubsub", "lock", "register_script", "get_encoder", "get_connection_kwargs",
        "set_response_callback", "close", "from_url", "from_pool", "get_retry", "set_retry", "monitor",
        "load_external_module", "transaction", "client", "parse_response", "sentinel"})),
    "botocore.client.BaseClient": AnyMethod(BlockingCall("AL108", BOTO), frozenset({
        "get_paginator", "get_waiter", "can_paginate", "close", "generate_presigned_url",
        "generate_presigned_post"})),
    "xmlrpc.client.ServerProxy": AnyMethod(BlockingCall("AL108", XMLRPC), frozenset()),
}



def lookup_function(qualname: str, settings: "Settings") -> Optional[BlockingCall]:
    """The table entry for a call of a function or class, then the user's `extend-blocking-calls`."""
    call = FUNCTIONS.get(qualname)
    if call is not None:
        return call
    return _extended(qualname, settings)


def lookup_method(receiver_type: str, method: str, settings: "Settings") -> Optional[BlockingCall]:
    """The entry for ``receiver.method()`` given the receiver's (canonical) type."""
    methods = METHODS.get(receiver_type)
    if methods is not None:
        call = methods.get(method)
        if call is not None:
            return call
    any_method = ANY_METHOD.get(receiver_type)
    if any_method is not None and method not in any_method.except_ and not method.startswith("_"):
        return any_method.call
    return _extended(f"{receiver_type}.{method}", settings)


def _extended(qualname: str, settings: "Settings") -> Optional[BlockingCall]:
    extra = settings.extend_blocking_calls.get(qualname) if settings.extend_blocking_calls else None
    if extra is None:
        return None
    code, message = extra
    return BlockingCall(code, {"asyncio": message})


def table_codes() -> FrozenSet[str]:
    """Codes the tables use (a test checks each is a documented rule)."""
    codes = {c.code for c in FUNCTIONS.values()} | {c.code_if[1] for c in FUNCTIONS.values() if c.code_if}
    codes |= {c.code for methods in METHODS.values() for c in methods.values()}
    codes |= {a.call.code for a in ANY_METHOD.values()}
    return frozenset(codes)
