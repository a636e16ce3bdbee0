"""Starting worker processes without letting their start-up failures reach the user's terminal.

A ``spawn``ed worker is a fresh interpreter: if it fails before our code runs (out of
memory under ``ulimit -v``, a broken environment), multiprocessing prints the child's
traceback on the inherited stderr. Workers never write there on purpose (results go back
over pipes, failures become findings), so they start with stderr on the null device;
``ASYNCLINT_WORKER_STDERR=1`` keeps it, for debugging.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator

DEBUG_ENV = "ASYNCLINT_WORKER_STDERR"


@contextlib.contextmanager
def quiet_children() -> Iterator[None]:
    """Processes started inside this block inherit a stderr that goes nowhere."""
    if os.environ.get(DEBUG_ENV) or sys.platform == "win32":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield  # no usable stderr to protect
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
        finally:
            os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
