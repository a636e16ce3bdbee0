"""AL1xx: calls that block the event loop when made inside a coroutine.

Each rule's documentation: code, name, rationale, examples, fix safety.
The checkers that emit these codes live in ``asynclint.rules.blocking``; this module is plain
data, so the catalogue can be read without importing them.
"""

from __future__ import annotations

from typing import Tuple

from .rule import Rule

_NOT_A_FINDING_BY_REFERENCE = (
    "Passing a blocking function by reference is the cure, not the disease: "
    "`await asyncio.to_thread(f, ...)` and `loop.run_in_executor(None, f, ...)` are never reported, nor is "
    "code in a nested sync `def` or `lambda` (it runs wherever it is called from, often a worker thread). "
    "Nor is a method its class only ever runs alone on an event loop made for it (every use in the class is "
    "`asyncio.run(self._async_run())`, or `loop.run_until_complete(self._async_run())` on a loop just made "
    "with `asyncio.new_event_loop()`: a thread's `run`, the sync wrappers of a deprecated sync API) when it "
    "starts nothing else on that loop and nothing reaches it through another object (an `await "
    "self._async_run()`, or the method handed on as a callback, keeps it reported; so does "
    "`self._loop.run_until_complete(...)` on a loop it was given), "
    "nor one a sync function defines and runs once on a loop it creates itself (`new_loop = "
    "asyncio.new_event_loop()` ... `new_loop.run_until_complete(pump())`, or `asyncio.run(pump())`: a "
    "sync-over-async bridge, often a thread's target) when it starts no tasks of its own: "
    "blocking there stops only that thread's own loop. Nor is a module that runs its coroutines itself, "
    "with no event loop: it steps them with `coro.send(None)` under `except StopIteration` and imports no "
    "event-loop library (a sync client sharing its protocol code with an async one, like edgedb's "
    "`blocking_client`). Nor is a call in a coroutine that itself waits on a terminal prompt (it calls "
    "`input()` or `getpass.getpass()`, AL110's calls, not offloaded): it is interactive, the loop already "
    "stops at every prompt for as long as the user takes, so a pause or a request between prompts holds up "
    "nothing more (a prompt in a nested function, or `await asyncio.to_thread(input, ...)`, is not that). "
    "Nor is a call in the body of an `if` only tests switch on (a name, attribute or environment look-up "
    "with the word test or testing: `if SLEEP_FOR_TESTING_S:`, `if settings.TESTING:`, `if "
    "os.environ.get(\"APP_TEST_DELAY\"):`, also in an `and`): a test hook, off in production (its `else`, "
    "`if not TESTING:`, an `or`, a call such as `if self.test_connection():` and `if runner.tests:` stay "
    "reported). Nor is a call the author explains: a comment on its "
    "line, or in the comment lines right above it, saying it blocks on purpose or only briefly, or the "
    "coroutine's docstring telling its callers that it blocks (\"Note: Currently this is a blocking "
    "operation\"), unless it asks for a change (`TODO`, `FIXME`, \"fix\", \"should\")."
)
_TYPED_RECEIVERS = (
    "Methods are reported only when the receiver's type is known from source: a constructor or factory "
    "call (`s = requests.Session()`, `self._sock = socket.create_connection(...)` in any method), a "
    "`with ... as` target, or an annotation (`f: io.TextIOWrapper`, `sock: socket.socket`). A call that is "
    "itself awaited (`await client.get(...)`) or entered with `async with`, or whose result's method is "
    "(`await conn.ft(name).info()`), is an async API and never reported, whatever the receiver was "
    "inferred to be."
)

SLEEP = Rule(
    code="AL101",
    name="blocking-sleep",
    summary="`time.sleep()` inside a coroutine",
    what_it_does="Reports calls to `time.sleep` (however it is imported) lexically inside an `async def`. "
    "Not `time.sleep(0)` (a literal zero): it gives up the GIL and returns at once, holding nothing; "
    "nor a literal below a millisecond (`time.sleep(1e-6)`, a nudge past a clock's resolution), which "
    "returns about as soon. `time.sleep(0.001)` and a computed duration are reported.\n\n"
    + _NOT_A_FINDING_BY_REFERENCE,
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
    "the `wait()` / `communicate()` of a `Popen` object and `with subprocess.Popen(...)` (its exit waits), "
    "`os.system`, "
    "`os.popen`, `os.spawn*`, `os.posix_spawn*` and `os.wait*` (not with `os.WNOHANG`) "
    "inside an `async def`. trio and anyio files are pointed at `trio.run_process` / `anyio.run_process`.\n\n"
    "Not reported: `subprocess.Popen(...)` itself. It starts the child and returns (a fork and an exec, "
    "milliseconds); the waits on its handle are what hold the loop, and they are reported where they happen.\n\n"
    "Not reported: `os.exec*`. It replaces the process, so nothing is left on the loop to be blocked; "
    "code that calls it from a coroutine does so on purpose (handing the process to another program) and "
    "nobody changes it for this rule.\n\n"
    "Not reported: a command that only signals a process and exits (`taskkill`, `kill`, `pkill`, "
    "`killall`, `tskill`, named by a literal: `subprocess.run([\"taskkill\", \"/F\", \"/PID\", pid])`, "
    "`os.system(f\"kill {pid}\")`), which returns in a fraction of a second, or that only prints its version "
    "(`[npm, \"--version\"]`); and `wait()` / `communicate()` "
    "on a child that `poll()` has shown to have exited (`if proc.poll() is not None:`, `proc.returncode is "
    "not None`, or the `else` of `if proc.poll() is None:`) or that `proc.kill()` has just killed (the "
    "statement before), which return at once; nor a wait with a `timeout=` for the owner's own child "
    "(`self.process.wait(timeout=2)`) in the coroutine that tears the owner down (`stop`, `close`...), "
    "bounded and once, as for an executor's shutdown there. Another command, or a "
    "wait under a guard on another process, is reported.\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="These calls wait for the child process (or for `fork`) with the event loop stopped: every other "
    "task waits until the child exits.",
    example="import subprocess\n\nasync def git_head():\n"
    "    return subprocess.check_output([\"git\", \"rev-parse\", \"HEAD\"])",
    use_instead="import asyncio\n\nasync def git_head():\n"
    "    proc = await asyncio.create_subprocess_exec(\n"
    "        \"git\", \"rev-parse\", \"HEAD\", stdout=asyncio.subprocess.PIPE)\n"
    "    out, _ = await proc.communicate()\n    return out",
)
_FILE_SCOPE = (
    "Both rules are left alone by default in one-shot command-line code: modules under a `cli/` package, "
    "`cli.py` and `__main__.py` get `per-file-ignores` of AL104, AL107 and AL109 (like test code gets AL1), "
    "because a command run by `asyncio.run` has nothing else on its loop. Setting `per-file-ignores` "
    "replaces these defaults; `extend-per-file-ignores` adds to them. For the same reason they are not "
    "reported in an application's startup and shutdown hooks: an ASGI lifespan (`async def lifespan(app)`, "
    "`app_lifespan`: before its `yield` nothing is served yet, after it the server has stopped), "
    "`on_startup`/`on_shutdown` handlers and `@app.on_event(\"startup\")`/`(\"shutdown\")`; a request "
    "handler or a coroutine only named like one (`lifespan_report`) is reported."
)
FILES = Rule(
    code="AL104",
    name="blocking-file-io",
    summary="Copying, moving or deleting a whole file tree inside a coroutine",
    what_it_does="Reports inside an `async def` the file-system calls whose cost grows with what is on "
    "the disk rather than with what the code asked for: `shutil.copytree`, `shutil.rmtree`, `shutil.move` of "
    "a source named as a directory (`self.cache_dir`, `build`, `tmp_folder`, `repo_path`, `workspace`...; "
    "any other source is taken for a file, whose move is a rename or one file's copy: AL109), "
    "`shutil.make_archive` / `unpack_archive`. Walks of a tree (`os.walk`, `Path.rglob`, recursive globs) "
    "are AL109, opt-in.\n\n"
    "Not reported: `shutil.rmtree(..., ignore_errors=True)` (best-effort cleanup of a scratch directory); "
    "`shutil.rmtree(self.files_dir)` in the coroutine that tears its owner down (`close`, `shutdown`, "
    "`delete`, `cleanup`, `stop`...): the owner's own directory, removed once as it goes away; "
    "`shutil.move` between a path and the same path with a suffix added or taken off (`shutil.move(tmp, "
    "os.path.splitext(tmp)[0])`, `shutil.move(path + \".part\", path)`, `p.with_suffix(...)`, directly or "
    "through a name bound once), which stays in one directory and is a rename, not a copy. Single-file "
    "calls (`open()`, `read`/`write`, `Path.read_text`, `shutil.copy*`, `os.remove`, `mkdir`...) and walks "
    "are AL109, opt-in: on the projects read for issue 18, maintainers kept most of them on the loop on "
    "purpose (a config file read once, a small file the user named, a lock file; a walk of a bundled "
    "dashboard folder, a scratch sandbox or one session's recordings: 1 of 11 walks was worth changing), "
    "while the copies, archives and deletions of whole trees above were changed.\n\n"
    + _FILE_SCOPE + "\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="Copying, archiving or deleting a tree takes as long as the tree is big: seconds on a large "
    "checkout or a network mount, with every other task stopped. There is no portable async file I/O, so "
    "async code runs these calls in a worker thread.",
    example="import shutil\n\nasync def publish(build_dir, target):\n    shutil.copytree(build_dir, target)",
    use_instead="import asyncio\nimport shutil\n\nasync def publish(build_dir, target):\n"
    "    await asyncio.to_thread(shutil.copytree, build_dir, target)",
)
FILE_ENTRIES = Rule(
    code="AL109",
    name="blocking-single-file-io",
    summary="Blocking single-file I/O, or a walk of a directory tree, inside a coroutine",
    what_it_does="Reports inside an `async def`: builtin `open()`, `io.open`, `io.open_code`, `os.open`, "
    "`codecs/gzip/bz2/lzma/tarfile.open` (also in `with` statements and comprehensions; `os.fdopen` only "
    "wraps a descriptor that is already open, so only reads and writes on its result are reported); "
    "methods of a sync file object (`read`, `readline(s)`, `write`, `writelines`, `flush`, `seek`, "
    "`truncate`) when it is known to be one (from `open()`, `os.fdopen()`, `Path.open()`, or an annotation "
    "of a concrete file class such as `io.TextIOWrapper`; a `typing.IO` / `BinaryIO` annotation is not "
    "enough, since in-memory `BytesIO` and `sys.stdout` satisfy it); `pathlib.Path` methods that do I/O "
    "(`read_text`, `write_bytes`, `open`, `iterdir`, `glob`, `mkdir`, `unlink`, `touch`...) on a value known "
    "to be a path; `glob.glob`; `shutil.copy/copy2/copyfile/copyfileobj/copystat/chown`, and `shutil.move` of "
    "a source not named as a directory (AL104 otherwise); the `os` calls for one entry (`listdir`, `scandir`, `makedirs`, `mkdir`, "
    "`remove`, `unlink`, `rename`, `replace`, `rmdir`, `fsync`...); walks of a tree, one directory "
    "listing per step (`os.walk` / `os.fwalk`, `Path.rglob` / `Path.walk`, `glob.glob(..., recursive=True)` / "
    "`Path.glob(\"**/...\")`), except a lazy walk (`Path.rglob`, `os.walk`, `glob.iglob`) iterated by a "
    "`for` loop whose body awaits (the loop gets control back between directories and only one listing "
    "blocks at a time) and a walk that stops after its first step (`next(os.walk(root))`, a `for` whose "
    "body always ends in `break`), which lists one directory like `os.listdir`; and `sqlite3`, a database in a local "
    "file (`sqlite3.connect(path)` and the connection's and cursor's `execute*`, `commit`, `rollback`, "
    "`backup` and fetches, which step the query; advice: aiosqlite), not an in-memory one "
    "(`sqlite3.connect(\":memory:\")`, a `file::memory:` or `mode=memory` URI), which touches no disk. A file opened in the coroutine is "
    "reported once, on the `open()`: `with open(p, \"wb\") as f: f.write(data)` and "
    "`open(p).read()` are one finding. `async with aiofiles.open(...)`, `anyio.Path` and `trio.Path` are "
    "async and never reported.\n\n"
    "Cheap stat calls (`os.path.exists/isfile/isdir/getsize...`, `os.stat`, `Path.exists/is_file/stat/"
    "resolve...`, `shutil.which`) are reported only with the `blocking-stat-calls` option as well.\n\n"
    "Why opt-in: on the projects read for issue 18 (27 in the corpus, 10 unseen), most of these calls "
    "were kept on the loop by design (a config or key file read once at start-up, a file path the caller "
    "chose, a lock or PID file, asyncssh's and python-telegram-bot's documented sync local I/O), so by "
    "default they were noise; a project that polices every file access on the loop (as Home Assistant "
    "does) turns this on with `extend-select = [\"AL109\"]`.\n\n"
    + _FILE_SCOPE + "\n\n" + _TYPED_RECEIVERS + "\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="File-system calls can take milliseconds to seconds (network mounts, a busy disk, large files) "
    "and the event loop is stopped for all of it. The operating system offers no portable async file I/O, "
    "so async libraries run these calls in a worker thread.",
    example="import json\n\nasync def load_settings(path):\n    with open(path) as f:\n"
    "        return json.load(f)",
    use_instead="import asyncio\nimport json\nfrom pathlib import Path\n\nasync def load_settings(path):\n"
    "    text = await asyncio.to_thread(Path(path).read_text)\n    return json.loads(text)",
    default_enabled=False,
    options="`blocking-stat-calls` (bool, default false): also report `os.path.exists`-style stat calls "
    "and the `Path` predicates (`exists`, `is_file`, `is_dir`, `stat`, `resolve`...).",
)
SOCKETS = Rule(
    code="AL105",
    name="blocking-socket-or-wait",
    summary="Blocking socket, DNS or synchronous wait inside a coroutine",
    what_it_does="Reports inside an `async def`: `socket.create_connection`, DNS lookups "
    "(`socket.getaddrinfo`, `gethostbyname`, `gethostbyaddr`, `getnameinfo`, `getfqdn`...; not `getaddrinfo` with `AI_NUMERICHOST` nor `getnameinfo` with `NI_NUMERICHOST`, which only parse or format an address, nor `gethostbyname(socket.gethostname())`, the machine's own name, which the hosts file answers: the usual 'my own address' idiom, which maintainers keep (`getfqdn()` and any other name are reported)), methods of a socket known "
    "from `socket.socket(...)`, `create_connection`, `fromfd`, `accept()` or an annotation (`accept`, "
    "`connect`, `recv*`, `send*`, `sendall`, `makefile`) unless the same code switches it to non-blocking "
    "mode (`setblocking(False)`, `settimeout(0)`), hands it to `loop.sock_*` or calls it in a `try` "
    "that catches `BlockingIOError` (or ssl's `SSLWantReadError`/`SSLWantWriteError`: only a non-blocking "
    "socket raises them) (nor `connect()`, `send()` or `sendto()` on a UDP "
    "socket made here with `SOCK_DGRAM`: connecting only sets the default peer, and a send hands one "
    "datagram to the kernel with no peer to wait for; its `recv` is reported); `select.select`, poll and "
    "selector objects (not with a zero timeout); `queue.Queue.get/join` and "
    "`put` on a queue built with a `maxsize` (not with `block=False` or a zero timeout, nor `get()` "
    "under `if not q.empty()`/`if q.qsize()`, in `while not q.empty():` or after `while q.empty(): "
    "await ...`); "
    "`concurrent.futures.Future.result()` when the future was started in this coroutine with no `await` "
    "since (`executor.submit(f).result()`, `asyncio.run_coroutine_threadsafe(...).result()`; after an "
    "`await` the code usually waits on purpose until the work is known to be done, and `if fut.done():` "
    "guards it) — never asyncio's own futures and tasks —, and `concurrent.futures.wait`. Waits on "
    "another thread or process (`threading` locks, events, conditions, barriers, `join()`, an executor's "
    "`shutdown()`) are AL111, opt-in; terminal prompts (`input()`, `getpass`) are AL110, opt-in.\n\n"
    + _TYPED_RECEIVERS + "\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="Each of these waits for the network or for another thread's result with the event loop stopped. "
    "`fut.result()` on a future that the loop itself must complete (`run_coroutine_threadsafe` to the "
    "running loop) never returns: a deadlock.",
    example="import socket\n\nasync def resolve(host):\n    return socket.gethostbyname(host)",
    use_instead="import asyncio\n\nasync def resolve(host):\n    loop = asyncio.get_running_loop()\n"
    "    infos = await loop.getaddrinfo(host, None)\n    return infos[0][4][0]",
)
THREAD_WAITS = Rule(
    code="AL111",
    name="blocking-thread-wait",
    summary="A wait on another thread or process (a `threading` lock or event, `join()`, `shutdown()`) inside "
    "a coroutine",
    what_it_does="Opt-in. Reports inside an `async def` the waits on another thread or process of the "
    "program: `acquire()` of a `threading` `Lock`, `RLock`, `Semaphore` or `BoundedSemaphore` known from "
    "its constructor (not one built in this coroutine with no `await` since, which is free, nor with "
    "`blocking=False` or a zero timeout), `Event.wait()`, `Condition.wait()`/`wait_for()`/`acquire()` and "
    "`Barrier.wait()` (not with a zero timeout); `Thread.join()` / `Process.join()` when the thread was "
    "started in this coroutine with no `await` since; an executor's `shutdown()` (not with `wait=False`, "
    "not `self._executor.shutdown()` in the coroutine that tears its owner down, `close`/`aclose`/"
    "`shutdown`/`stop`/`teardown`/`cleanup`/`__aexit__`..., nor any executor's in an application's "
    "lifespan or startup/shutdown hook, `async def lifespan(app)`, `on_shutdown`, "
    "`@app.on_event(\"shutdown\")`: it waits once, for work already submitted, as the owner goes away). "
    "AL107 follows these waits into the project's sync helpers too.\n\n"
    "Why opt-in: how long such a wait holds the loop depends on what the other thread is doing, which the "
    "source rarely shows. On the projects read for issue 18 it was almost always known to be short or "
    "over: a join after the thread's output was read to its end, or on an error path after the thread was "
    "told to stop; a lock other holders keep for a few statements; an executor shut down only once its "
    "one job is done (1 of 10 such findings was worth changing: a `join(timeout=0.5)` polled until a child "
    "process connects). Turn it on for code where threads hold locks or run long jobs while coroutines "
    "wait on them. A queue's `get()`/`put()` and `Future.result()`, which wait for another thread's "
    "work, stay in AL105.\n\n"
    + _TYPED_RECEIVERS + "\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="The event loop stops until the other thread lets go: every other task waits as long as the "
    "lock is held or the thread runs. A lock held by a coroutine across an `await` deadlocks the loop when "
    "another coroutine then waits on it.",
    example="import threading\n\nlock = threading.Lock()\n\nasync def update(cache, key, fetch):\n"
    "    lock.acquire()\n    try:\n        cache[key] = await fetch(key)\n    finally:\n"
    "        lock.release()",
    use_instead="import asyncio\n\nlock = asyncio.Lock()\n\nasync def update(cache, key, fetch):\n"
    "    async with lock:\n        cache[key] = await fetch(key)",
    default_enabled=False,
)
TERMINAL_INPUT = Rule(
    code="AL110",
    name="blocking-terminal-input",
    summary="A terminal prompt (`input()`, `getpass`) inside a coroutine",
    what_it_does="Opt-in. Reports `input()` and `getpass.getpass()` inside an `async def`; AL107 follows "
    "them into the project's sync helpers too.\n\n"
    "Why opt-in: a prompt waits for the person at the terminal, and the programs that prompt are "
    "interactive command-line tools (a migration's y/N confirmation, a project wizard run by "
    "`asyncio.run`) where nothing else is meant to run until the answer comes. On the projects read "
    "for issue 18 every such call was one of these (piccolo's migration commands, twitchio's "
    "`python -m twitchio` wizard), and no maintainer would move them to a thread. Turn it on for code "
    "that runs other tasks while it prompts (a bot's console, a server with an interactive shell).",
    why_bad="`input()` stops the event loop until the user presses Enter: every other task (timers, "
    "connections, keep-alives) waits for the person at the keyboard.",
    example="async def console(client):\n    while True:\n        line = input(\"> \")\n"
    "        await client.send(line)",
    use_instead="import asyncio\n\nasync def console(client):\n    while True:\n"
    "        line = await asyncio.to_thread(input, \"> \")\n        await client.send(line)",
    default_enabled=False,
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
    "async alternative: `psycopg2` and sync `psycopg` connections and cursors "
    "(`psycopg.AsyncConnection`, asyncpg), `pymysql` / `MySQLdb` (aiomysql, asyncmy), `pymongo` clients, "
    "databases and collections (`pymongo.AsyncMongoClient`, motor), sync `redis.Redis` and its pipelines "
    "and locks (`redis.asyncio`), SQLAlchemy's sync `Engine`, `Connection`, `Session`, `sessionmaker` "
    "sessions and `Query` results (`sqlalchemy.ext.asyncio`), `smtplib` (aiosmtplib), `ftplib` (aioftp), "
    "`poplib`, `imaplib` (aioimaplib), `paramiko` (asyncssh), `boto3` / `botocore` clients "
    "(aioboto3, aiobotocore) and `xmlrpc.client.ServerProxy`. The connect calls themselves "
    "(`psycopg2.connect`, `smtplib.SMTP(host)`...) are reported; building a client "
    "that connects lazily (`redis.Redis()`, `MongoClient()`, `create_engine()`) is not. `sqlite3` is not a "
    "client of a server but a database in a local file: its calls are AL109's (single-file I/O, opt-in); on "
    "the projects read for issue 18 no maintainer moved them off the loop (Pyrogram's and kurigram's session "
    "storage, lightrag's upload spool: 0 of 35 read true). A default psycopg, psycopg2, pymysql or MySQLdb cursor reads every row in "
    "`execute()`, so its `fetchone()`/`fetchmany()`/`fetchall()` do no I/O and are not reported (the "
    "`execute()` is); a server-side cursor's are (`conn.cursor(\"name\")`, `conn.cursor(name=...)`, "
    "`conn.cursor(pymysql.cursors.SSCursor)`).\n\n"
    "`redis.asyncio.Redis`, `AsyncSession`, `AsyncMongoClient`, motor and aiobotocore clients are async "
    "and never reported. The table is extendable with `extend-blocking-calls` (a qualified function name, "
    "or `module.Class.method` for a method on a receiver of that type).\n\n"
    + _TYPED_RECEIVERS + "\n\n" + _NOT_A_FINDING_BY_REFERENCE,
    why_bad="A synchronous driver waits for the database or server with the event loop stopped: every other "
    "request served by this process waits for this query. Under load this turns one slow query into a "
    "stall of the whole service.",
    example="import psycopg2\n\nasync def count_users(dsn):\n    conn = psycopg2.connect(dsn)\n"
    "    with conn.cursor() as cur:\n        cur.execute(\"select count(*) from users\")\n"
    "        return cur.fetchone()[0]",
    use_instead="import asyncpg\n\nasync def count_users(dsn):\n    conn = await asyncpg.connect(dsn)\n"
    "    return await conn.fetchval(\"select count(*) from users\")",
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
    "`def` or `lambda`; a call that is awaited or entered with `async with`; a call in an application's "
    "startup or shutdown hook (an ASGI `lifespan`, `on_startup`/`on_shutdown`, `@app.on_event(\"startup\")`: "
    "no request waits on the loop there, see AL104); a call in a coroutine that itself calls `input()` or "
    "`getpass.getpass()` (interactive: its prompts stop the loop anyway, see AL101); and helpers whose blocking "
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
    default_enabled=False,
    options="`allowed-blocking-helpers` (list of qualified names, e.g. `[\"app.settings.load_settings\", "
    "\"app.db.Store.dump\"]`; flake8: `--asynclint-allowed-blocking-helpers`): helpers accepted as blocking. "
    "`blocking-call-depth` (integer, default 3): how many sync calls deep the blocking call may "
    "sit; 1 reports only helpers that block in their own body. `blocking-stat-calls` and "
    "`extend-blocking-calls` apply to helpers' bodies as they do to coroutines.",
)

RULES: Tuple[Rule, ...] = (SLEEP, HTTP, PROCESS, FILES, SOCKETS, NESTED_LOOP, BLOCKING_HELPER, CLIENT_LIBRARIES,
                           FILE_ENTRIES, TERMINAL_INPUT, THREAD_WAITS)
