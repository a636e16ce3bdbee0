"""Scopes that bound or own the code inside them: timeouts, cancel scopes and task groups (AL5xx).

Qualified names as ``FileContext.resolve`` gives them. Timeouts and cancel scopes are split by how
they are entered: asyncio's with ``async with``, trio's and anyio's with ``with``.
"""

from __future__ import annotations

# ``async with X(...)``: deadlines that can only fire at a suspension point of the body.
ASYNC_TIMEOUTS = frozenset({
    "asyncio.timeout", "asyncio.timeout_at", "asyncio.timeouts.timeout", "asyncio.timeouts.timeout_at",
    "async_timeout.timeout", "async_timeout.timeout_at",
})
# ``with X(...)``: trio's and anyio's deadlines (anyio has no ``*_at`` forms).
SYNC_TIMEOUTS = frozenset({
    "trio.fail_after", "trio.fail_at", "trio.move_on_after", "trio.move_on_at",
    "anyio.fail_after", "anyio.move_on_after",
})
# ``with X(...)``: cancel scopes without a deadline of their own (``deadline=`` may give one).
CANCEL_SCOPES = frozenset({"trio.CancelScope", "trio._core.CancelScope", "anyio.CancelScope"})
# ``async with X(...)``: scopes whose child tasks run while the body is suspended.
TASK_GROUPS = frozenset({
    "asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup", "anyio.create_task_group", "trio.open_nursery",
})
# Everything a ``yield`` must not suspend inside (PEP 789): AL502.
YIELD_UNSAFE_SCOPES = ASYNC_TIMEOUTS | SYNC_TIMEOUTS | CANCEL_SCOPES | TASK_GROUPS

# Decorator names (the last part) under which a generator is a context manager or a fixture, where
# yielding inside a scope is the point, or runs in a task of its own (trio's ``@as_safe_channel``,
# PEP 789's fix). A deny-list: it only suppresses.
CONTEXT_MANAGER_WORDS = ("contextmanager", "fixture", "safe_channel")

SLEEPS = frozenset({"asyncio.sleep", "asyncio.tasks.sleep", "trio.sleep", "anyio.sleep"})
GET_EVENT_LOOP = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})
ASYNCIO_WAIT = frozenset({"asyncio.wait", "asyncio.tasks.wait"})
