"""What the author meant, as data: code written to fail, generated files, test code, peer silences.

A finding a maintainer would not act on is noise whatever the rule's condition says.
These tables only ever *remove* findings: a block that expects an exception, a file a
generator owns, the test tree (for rules whose shapes are deliberate there), and a
line already silenced for another linter's code for the same mistake.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

# ``with <call>:`` blocks whose body is expected to raise or warn: the code inside is meant to fail.
FAILURE_CONTEXTS = frozenset({"pytest.raises", "pytest.warns", "pytest.deprecated_call"})
# unittest's methods of the same kind, matched by name on any receiver (a deny-list: it only suppresses).
FAILURE_METHODS = frozenset({"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "assertWarns",
                             "assertWarnsRegex"})
# Families whose findings are dropped inside such a block (AL4xx still applies: the handler is real code).
FAILURE_FAMILIES = ("AL1", "AL2", "AL3")
# ``if TYPE_CHECKING:`` bodies never run (nor ``if False:`` bodies, nor the ``else`` of ``if True:``).
TYPE_CHECKING_NAMES = frozenset({"typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"})
# A module flag that picks the sync or the async twin of generated code (pymongo's ``_IS_SYNC = False``
# in its async modules, ``_IS_ASYNC``): bound once to a constant, the other twin's branch never runs.
SYNC_TWIN_FLAG = re.compile(r"_*(IS_)?A?SYNC(HRONOUS)?_*$", re.IGNORECASE)

# A generated file says so in a comment (or the docstring's opening line) among its first lines;
# nobody edits it by hand, so nobody acts on its findings.
GENERATED_HEAD_LINES = 12
GENERATED_MARKERS = re.compile(
    rb"@generated\b|\bdo not edit\b|\bauto-?generated\b|\bautomatically generated\b"
    rb"|\bthis (?:file|module|code) (?:is|was|has been) generated\b|^(?:#|\"\"\"|\'\'\')\s*generated (?:by|from|with)\b"
    rb"|\bchanges .{0,40}will be (?:lost|erased|overwritten)\b",
    re.IGNORECASE,
)

# Calls that only report what they are given (a log line, a printout): handing the caught exception, or the
# running task, to one of these keeps nothing (AL4xx's "hands it on", the index's task hand-outs).
REPORTING_CALLS = frozenset({
    "debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "print",
    "print_exc", "print_exception", "format_exc", "format_exception", "write", "echo", "secho",
})

# Test code blocks and spawns tasks on purpose (a sleep that provokes a timeout, a task a fixture
# cancels), and awaits one step after another to stay deterministic; its maintainers do not change it for
# AL1xx, AL204 or AL3xx (cognee's end-to-end check, set 32): default per-file-ignores (visible and
# replaceable in config; `per-file-ignores` replaces them, `extend-per-file-ignores` adds).
TEST_CODES: Tuple[str, ...] = ("AL1", "AL204", "AL206", "AL3")
TEST_PATTERNS: Tuple[str, ...] = (
    "tests/*", "*/tests/*", "test/*", "*/test/*", "_tests/*", "*/_tests/*", "testing/*", "*/testing/*",
    "test_*.py", "*_test.py", "conftest.py",
)

# One-shot command-line code: a command run by ``asyncio.run`` has nothing else on its loop, so a config
# file read or an output file written there blocks nobody (file I/O and helpers; a sleep or a request
# in a command is still reported). Default per-file-ignores, like the test ones.
CLI_CODES: Tuple[str, ...] = ("AL104", "AL107", "AL109")
CLI_PATTERNS: Tuple[str, ...] = ("cli/*", "*/cli/*", "cli.py", "__main__.py")

# Benchmark scripts drive a server from a client loop of their own: a request for the server's info before
# or after the measured run, a pause between phases, blocks nothing the benchmark measures, and it awaits
# one step after another on purpose (sglang's serving benchmarks, set 35). Default per-file-ignores, like
# the test ones; AL4xx still applies.
BENCH_CODES: Tuple[str, ...] = ("AL1", "AL3")
BENCH_PATTERNS: Tuple[str, ...] = ("benchmark/*", "*/benchmark/*", "benchmarks/*", "*/benchmarks/*")


# Folders of test code and shipped test tooling (``trio/testing/``, a project's ``tests/helpers.py``):
# the same folders ``TEST_PATTERNS`` name, read from the path relative to the project root, so a
# checkout that itself sits in a folder called ``test`` is not all test code.
TEST_FOLDERS = frozenset({"tests", "test", "_tests", "testing"})


def is_test_folder_path(path: str) -> bool:
    """A module under a test folder (``TEST_FOLDERS``) of the project; ``path`` relative to its root."""
    parts = path.replace("\\", "/").split("/")[:-1]
    return any(part in TEST_FOLDERS for part in parts if part not in ("", ".", ".."))


def is_cli_path(path: str) -> bool:
    """A module of command-line code, as ``CLI_PATTERNS`` say: under a ``cli`` folder, ``cli.py`` or
    ``__main__.py``."""
    parts = path.replace("\\", "/").split("/")
    return parts[-1] in ("cli.py", "__main__.py") or "cli" in parts[:-1]


# A coroutine that tears its owner down (``close``, ``stop``, ``on_stop``, ``_async_shutdown_kernel``,
# ``release``, ``__aexit__``): a handler there that ends the teardown when cancelled lets the owner finish
# going away (faust's "so the remaining agents still get stopped"); its narrower harm is AL407's, opt-in.
TEARDOWN_WORDS = re.compile(r"(?:^|_)(?:a?close|shutdown|shut_down|teardown|tear_down|stop|cleanup|clean_up|release"
                            r"|dispose|terminate|finali[sz]e|aexit)(?:_|$)", re.IGNORECASE)


# An application's startup and shutdown hooks: an ASGI ``lifespan`` (``async def lifespan(app)``, before its
# ``yield`` the server does not serve yet, after it the server has stopped), a framework's ``on_startup``
# / ``on_shutdown`` handlers and ``@app.on_event("startup")``. One-shot file and tree work there (AL104,
# AL107, AL109) runs with no request waiting on the loop, like a CLI command's (``per-file-ignores``).
LIFECYCLE_HOOK_NAMES = re.compile(r"(?:\w*_)?lifespan|_*on_(?:startup|shutdown)", re.IGNORECASE)
# An ASGI lifespan (``async def lifespan(app)``, ``app_lifespan``): the server cancels it at shutdown; a handler
# that ends it then lets the application finish going away, a teardown's narrower harm (AL407).
LIFESPAN_NAMES = re.compile(r"(?:\w*_)?lifespan", re.IGNORECASE)
LIFECYCLE_EVENTS = frozenset({"startup", "shutdown"})
LIFECYCLE_CODES = frozenset({"AL104", "AL107", "AL109"})


# Calls that stop another object's task or worker (``await self._autoscale_task.stop()``, ``await
# bridge.finalize_shutdown()``): the call cancels and awaits that task, so a ``CancelledError`` around it
# is mostly the task's own (AL405). Not ``close()``/``aclose()``: closing a connection is awaited work.
STOPPING_WORDS = re.compile(r"(?:^|_)(?:stop|shutdown|shut_down|terminate)(?:_|$)", re.IGNORECASE)


def default_per_file_ignores() -> Dict[str, Tuple[str, ...]]:
    """The per-file-ignores a run has when the user sets none: test, command-line and benchmark code."""
    table: Dict[str, Tuple[str, ...]] = {pattern: TEST_CODES for pattern in TEST_PATTERNS}
    for patterns, codes in ((CLI_PATTERNS, CLI_CODES), (BENCH_PATTERNS, BENCH_CODES)):
        for pattern in patterns:
            table[pattern] = table.get(pattern, ()) + codes
    return table


# A comment next to a blocking call that says it blocks on purpose, or only briefly: the author has
# weighed it (trio: "this .wait() may actually block for a tiny fraction of a second"). A comment that
# only describes the harm ("blocks every task") is not an explanation. The comment is on
# the line or in the run of comment lines right above it; a comment that asks for a change does not count.
EXPLAINED_FAMILIES = ("AL1",)
EXPLAINED_WORDS = re.compile(
    r"\bon purpose\b|\bdeliberate(?:ly)?\b|\bintentional(?:ly)?\b|\b(?:is|are) (?:ok|okay|fine|acceptable)\b"
    r"|\bmay (?:\w+ )?block\b|\bblock(?:s|ing)? (?:only )?(?:for )?(?:a )?(?:tiny|brief|short|moment)"
    r"|\bwe (?:\w+ )?(?:block|stop|freeze|pause)\b[^.]*\b(?:event )?loop\b",  # "Here we block the event loop until ..."
    re.IGNORECASE)
EXPLAINED_UNLESS = re.compile(r"\b(?:TODO|FIXME|XXX|HACK|BUG)\b|\bfix\b|\bshould\b|\bnoqa\b", re.IGNORECASE)
EXPLAINED_LOOKBACK = 8


def explained(lines: Sequence[str], line: int, code: str) -> bool:
    """Does a comment on the line, or in the comment lines right above it, say it blocks on purpose?"""
    if not code.startswith(EXPLAINED_FAMILIES) or not 0 < line <= len(lines):
        return False
    comments: List[str] = []
    text = lines[line - 1]
    if "#" in text:
        comments.append(text[text.index("#"):])
    number = line - 1
    while number >= 1 and line - number <= EXPLAINED_LOOKBACK and lines[number - 1].lstrip().startswith("#"):
        comments.append(lines[number - 1])
        number -= 1
    said = " ".join(comments)
    return bool(said) and EXPLAINED_WORDS.search(said) is not None and EXPLAINED_UNLESS.search(said) is None


# The coroutine's docstring tells its callers it blocks ("Note: Currently this is a blocking operation",
# "This call blocks until the file is written"): documented behaviour, weighed by its author, as a comment
# at the call is (``EXPLAINED_WORDS``). Not one that asks for a change (``EXPLAINED_UNLESS``: "TODO: should
# not block the loop").
DOCSTRING_BLOCKS = re.compile(
    r"\b(?:is|are|be) (?:a |an )?(?:synchronous,? )?blocking\b"
    r"|\b(?:this|it) (?:call |method |function |coroutine |operation )?blocks\b|\b(?:will|may|can|does) block\b"
    r"|\bblocks the (?:event )?loop\b",
    re.IGNORECASE)


def docstring_says_blocking(docstring: Optional[str]) -> bool:
    """Does the coroutine's docstring say that it blocks?"""
    return docstring is not None and DOCSTRING_BLOCKS.search(docstring) is not None \
        and EXPLAINED_UNLESS.search(docstring) is None


# A handler that catches the cancellation (AL401, AL402; for AL404 the ``with suppress(...)``) with a
# comment saying why it is caught: the cancellation is expected there ("The user cancelled the request",
# "Already closed", "Not a shutdown request", "Happens if disconnect called", a link to the upstream issue). The author has weighed it.
# Only real comments count (not a ``#`` in a string), on the ``except``/``with`` line or inside the
# block; a pragma (``# type: ignore``, ``# pragma: no cover``) says nothing, nor does a one-word
# "ignore".
HANDLER_EXPLAINED_WORDS = re.compile(
    r"\bcancel\w*|\babort\w*|\bshut(?:s|ting)?[ -]?down\b|\b(?:already )?(?:closed|closing)\b"
    r"|\bexit(?:s|ed|ing)?\b|\bstop(?:s|ped|ping)?\b|\binterrupt(?:s|ed|ion)?\b|\bspurious(?:ly)?\b"
    r"|\bdeliberate(?:ly)?\b|\bintentional(?:ly)?\b|\bon purpose\b|\bexpected\b|https?://"
    r"|\bissues?\b|\bwork[- ]?arounds?\b|\bdisconnect\w*|\bhappens\s+(?:if|when)\b"
    # an instruction not to raise here: ``except asyncio.CancelledError:  # don't raise any error or warnings!``
    r"|\b(?:don'?t|do not|never|must not|mustn'?t|should ?n[o']t|shall not) (?:re-?)?raise\b",
    re.IGNORECASE)
# ... nor one that asks for a change, or only describes the harm ("the task cannot be cancelled").
HANDLER_EXPLAINED_UNLESS = re.compile(
    r"\b(?:TODO|FIXME|XXX|HACK|BUG)\b|\bfix\b|\bnoqa\b|\bswallow\w*|\b(?:cannot|can't|can not|can never|never) be cancel"
    r"|\buncancel?lable\b|\bcancel\w* (?:is|are|gets?|get) lost\b|\blos(?:e|es|t|ing) (?:the |its |a )?cancel",
    re.IGNORECASE)
# The docstring of the coroutine that catches the cancellation says what it does when cancelled ("A
# cancelled turn has no consumer left, so only then are queued events dropped"): documented behaviour,
# weighed by its author. Only what happens on a cancellation counts here ("when cancelled", "on
# cancellation", "a cancelled turn"; a docstring says "stop" or "closed" about everything, and "the
# caller's cancellation" in passing), and not one that asks for a change, describes the harm, or
# promises to raise (a docstring's "Raises: CancelledError" that the handler does not keep is the bug).
DOCSTRING_CANCEL_WORDS = re.compile(r"\b(?:when|if|on|once|upon|after)\s+(?:\w+\s+){0,3}?cancel\w*"
                                    r"|\bcancel(?:l)?ed\s+(?!by\b|and\b|or\b)[a-z]+", re.IGNORECASE)
DOCSTRING_RAISES = re.compile(r"\braise[sd]?\b|\bpropagat\w*", re.IGNORECASE)


def docstring_explained(docstring: Optional[str]) -> bool:
    """Does the function's docstring document what it does when cancelled?"""
    return docstring is not None and DOCSTRING_CANCEL_WORDS.search(docstring) is not None \
        and HANDLER_EXPLAINED_UNLESS.search(docstring) is None and DOCSTRING_RAISES.search(docstring) is None


# A comment (or the part after another ``#``) that is a tool's directive, not prose: dropped with any
# words after it (``# noqa: E501 - closed`` explains nothing), so it neither explains nor vetoes.
PRAGMA = re.compile(r"^\s*(?:(?:type|pyright|mypy|pylint|pragma|fmt|isort|ruff|flake8|asynclint|yapf)\s*:"
                    r"|no\s*cov(?:er)?\b|noqa\b)", re.IGNORECASE)


def handler_explained(lines: Sequence[str], first: int, last: int) -> bool:
    """Does a comment on lines ``first``..``last`` (the handler or ``with``) say why cancellation is caught?"""
    said = " ".join(part for comment in block_comments(lines, first, last) for part in comment.split("#")
                    if not PRAGMA.match(part))
    return HANDLER_EXPLAINED_WORDS.search(said) is not None and HANDLER_EXPLAINED_UNLESS.search(said) is None


# A comment at an awaited call saying it raises the cancellation on purpose ("Raises CancelledError when
# the connection is closed"): the library signals an event by cancelling, and the handler maps it.
# Strict on purpose: a comment at an await that merely mentions cancellation more often describes the
# harm ("our own cancellation can arrive here") than a library's contract.
AWAIT_RAISES_CANCEL = re.compile(r"(?-i:\bCancelled(?:Error)?\b)|\braise[sd]?\b[^.]*\bcancel", re.IGNORECASE)


def await_explained(lines: Sequence[str], line: int) -> bool:
    """Does the comment on an awaited statement's line, or the comment lines right above it, say that
    the call raises the cancellation (a library's way of signalling, e.g. a closed websocket)?"""
    if not 0 < line <= len(lines):
        return False
    first = line
    while first > 1 and lines[first - 2].lstrip().startswith("#"):
        first -= 1
    said = " ".join(part for comment in block_comments(lines, first, line) for part in comment.split("#")
                    if not PRAGMA.match(part))
    return AWAIT_RAISES_CANCEL.search(said) is not None and HANDLER_EXPLAINED_UNLESS.search(said) is None


def block_comments(lines: Sequence[str], first: int, last: int) -> List[str]:
    """The comments on lines ``first``..``last`` (1-based), by the tokenizer: a ``#`` inside a string
    is not one. None found when the block does not tokenize on its own (a finding is then kept)."""
    if not 0 < first <= last <= len(lines):
        return []
    text = "\n".join(lines[first - 1:last]) + "\n"
    if "#" not in text:
        return []
    try:
        return [token.string for token in tokenize.generate_tokens(io.StringIO(text).readline)
                if token.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return []


# Other tools' codes for the same mistake: a line silenced for them is silenced for asynclint.
# flake8-async / ruff ASYNC, ruff RUF, flake8-blind-except, pycodestyle, pyflakes. A blind-except silence
# also covers AL401: ``except (CancelledError, SystemExit, Exception):  # noqa: BLE001`` catches
# everything on purpose, the cancellation included.
PEER_CODES: Dict[str, FrozenSet[str]] = {
    "ASYNC100": frozenset({"AL501"}),
    "ASYNC101": frozenset({"AL502"}),
    "ASYNC103": frozenset({"AL401", "AL402"}),
    "ASYNC104": frozenset({"AL401", "AL402", "AL403"}),
    "ASYNC105": frozenset({"AL201"}),
    "ASYNC110": frozenset({"AL507"}),
    "ASYNC119": frozenset({"AL502", "AL508"}),  # a yield in any context manager: timeouts and task groups too
    "ASYNC124": frozenset({"AL506"}),
    "ASYNC210": frozenset({"AL102"}),
    "ASYNC211": frozenset({"AL102"}),
    "ASYNC212": frozenset({"AL102"}),
    "ASYNC220": frozenset({"AL103"}),
    "ASYNC221": frozenset({"AL103"}),
    "ASYNC222": frozenset({"AL103"}),
    "ASYNC230": frozenset({"AL104", "AL109"}),
    "ASYNC231": frozenset({"AL104", "AL109"}),
    "ASYNC232": frozenset({"AL104", "AL109"}),
    "ASYNC240": frozenset({"AL104", "AL109"}),
    "ASYNC250": frozenset({"AL110"}),
    "ASYNC251": frozenset({"AL101"}),
    "ASYNC300": frozenset({"AL204", "AL206"}),
    "RUF006": frozenset({"AL204", "AL206"}),
    "RUF029": frozenset({"AL506"}),
    "BLE001": frozenset({"AL401", "AL402"}),
    "E722": frozenset({"AL402"}),
    "B001": frozenset({"AL402"}),
    "F841": frozenset({"AL204", "AL206"}),
}
# Peer rules that are the same check as ours: a peer config that ignores one of these codes
# *project-wide* (ruff's ``ignore``, flake8's ``extend-ignore``, or per file) has turned ours off
# too. Not the broader rules above (BLE001, E722, B001, F841): ignoring a blind-except or an
# unused-variable check everywhere says nothing about cancellation or tasks.
PEER_RULES: Dict[str, FrozenSet[str]] = {
    peer: ours for peer, ours in PEER_CODES.items() if peer.startswith("ASYNC") or peer.startswith("RUF")}
# A ruff rule a project selects (by code, prefix or ``ALL``) that is the same check as an opt-in rule
# of ours: the project asked for it, so ours is on there too (``orchestration.peer_config``). Only
# stable ruff rules: a prefix selects a preview rule only with ``preview = true``. Not AL206: read on
# projects that select RUF006, the drops in sync code ruff does not see were still deliberate
# (slixmpp's stanza dispatch, 0 of 4).
PEER_SELECTS: Dict[str, FrozenSet[str]] = {"RUF006": frozenset({"AL204"})}
# pylint's message names (``# pylint: disable=broad-except`` on the line, ``disable-next`` above it).
PYLINT_NAMES: Dict[str, FrozenSet[str]] = {
    "broad-except": frozenset({"AL401", "AL402"}),
    "broad-exception-caught": frozenset({"AL401", "AL402"}),
    "bare-except": frozenset({"AL402"}),
    "lost-exception": frozenset({"AL403"}),
    "return-in-finally": frozenset({"AL403"}),
    "unused-variable": frozenset({"AL204", "AL206"}),
}
# mypy error codes and pyright rules (``# type: ignore[unused-coroutine]``, ``# pyright: ignore[...]``).
TYPE_CHECKER_CODES: Dict[str, FrozenSet[str]] = {
    "unused-coroutine": frozenset({"AL201"}),
    "unused-awaitable": frozenset({"AL201", "AL204", "AL206"}),
    "reportUnusedCoroutine": frozenset({"AL201"}),
}
