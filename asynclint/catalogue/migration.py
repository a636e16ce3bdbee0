"""Coming from flake8-async or ruff: which asynclint rule covers each of their ASYNC codes that means
something for asyncio code, or why none does. Plain data, rendered at the end of docs/rules.md, so a
user can translate a ``select``/``ignore`` list.
"""

from __future__ import annotations

from typing import List, Tuple

# (their code, their name, our codes or "", note)
ROWS: Tuple[Tuple[str, str, str, str], ...] = (
    ("ASYNC100", "cancel-scope-no-checkpoint", "AL501", "also `asyncio.timeout()`/`timeout_at()`"),
    ("ASYNC101", "yield-in-cancel-scope", "AL502", "also `asyncio.TaskGroup` and `asyncio.timeout()`"),
    ("ASYNC102", "await-in-finally-or-cancelled", "",
     "trio/anyio only: there a cancelled scope cancels every later await unless shielded; in asyncio "
     "the cancellation is delivered once, and an await in `finally` runs"),
    ("ASYNC103", "no-reraise-cancelled", "AL401, AL402",
     "AL402 for bare `except:`/`except BaseException`; only in coroutines"),
    ("ASYNC104", "cancelled-not-raised", "AL401, AL403",
     "raising another exception is AL401; `return` in `finally` is AL403"),
    ("ASYNC105", "trio-sync-call", "AL201", "any coroutine function, trio's included"),
    ("ASYNC106", "trio-must-be-imported", "", "trio style, nothing to check in asyncio"),
    ("ASYNC109", "async-function-with-timeout", "",
     "not implemented on purpose: a `timeout` parameter is the ordinary asyncio API style "
     "(`asyncio.wait_for`, aiohttp, redis); on one popular library it made 78 of ruff's 89 findings, "
     "none a bug"),
    ("ASYNC110", "async-busy-wait", "AL507", "opt-in"),
    ("ASYNC111-114", "nursery rules", "", "trio nurseries (`start_soon`, `task_status`): no asyncio equivalent"),
    ("ASYNC115", "async-zero-sleep", "",
     "`asyncio.sleep(0)` is asyncio's way to yield to the loop (trio's `checkpoint()` has no asyncio "
     "twin)"),
    ("ASYNC116", "long-sleep-not-forever", "", "asyncio has no `sleep_forever()` to suggest"),
    ("ASYNC119", "yield-in-cm-in-async-gen", "AL508",
     "opt-in; a `# noqa: ASYNC119` silences AL502 on that line too (its `with` covers timeouts and task groups)"),
    ("ASYNC120", "await-in-except", "", "trio/anyio cancellation semantics, as ASYNC102"),
    ("ASYNC124", "async-function-could-be-sync", "AL506", "opt-in; RUF029 too"),
    ("ASYNC210", "blocking-http-call", "AL102", ""),
    ("ASYNC211", "blocking-http-call-pool", "AL102", "urllib3 pools"),
    ("ASYNC212", "blocking-http-call-httpx", "AL102", "`httpx.Client` methods"),
    ("ASYNC220", "create-subprocess-in-async-function", "AL103", ""),
    ("ASYNC221", "run-process-in-async-function", "AL103", ""),
    ("ASYNC222", "wait-for-process-in-async-function", "AL103", "`os.wait*` and `Popen.wait()`"),
    ("ASYNC230", "blocking-open-call", "AL104", ""),
    ("ASYNC231", "blocking-fdopen-call", "AL104",
     "reads and writes on the file object are reported, not `os.fdopen()` itself (it does not block)"),
    ("ASYNC232", "blocking-io-method", "AL104", "on concrete file classes (a `typing.IO` may be a `BytesIO`)"),
    ("ASYNC240", "blocking-path-call", "AL104", "with `blocking-stat-calls = true`"),
    ("ASYNC250", "blocking-input", "AL110", "opt-in"),
    ("ASYNC251", "blocking-sleep", "AL101", "with a fix"),
    ("ASYNC300", "create-task-no-reference", "AL204", "RUF006 too; AL206 (opt-in) in sync code"),
    ("ASYNC900-913", "checkpoint rules", "",
     "trio's guarantee that every async function checkpoints; asyncio makes no such promise"),
    ("RUF006", "asyncio-dangling-task", "AL204", "AL206 (opt-in) in sync code"),
    ("RUF029", "unused-async", "AL506", "opt-in"),
)


def migration_markdown() -> str:
    """The "coming from flake8-async / ruff" section of docs/rules.md."""
    parts: List[str] = [
        '<a id="coming-from-flake8-async-or-ruff"></a>', "",
        "## Coming from flake8-async / ruff", "",
        "Their codes that mean something for asyncio code, and the asynclint rule that covers each "
        "(`-`: none, and why). asynclint also reports what none of them does: unawaited coroutines "
        "(AL201-AL203), async functions used as callbacks (AL205), sequential awaits (AL3xx), "
        "`asyncio.wait()` on coroutines (AL503), `queue.join()` without `task_done()` (AL504) and "
        "`get_event_loop()` in coroutines (AL505).", "",
        "| flake8-async / ruff | name | asynclint | note |",
        "|---|---|---|---|",
    ]
    for code, name, ours, note in ROWS:
        parts.append(f"| {code} | {name} | {ours or '-'} | {note} |")
    return "\n".join(parts) + "\n"
