"""Starting worker processes without letting their start-up failures reach the user's terminal.

A ``spawn``ed worker is a fresh interpreter: if it fails before our code runs (out of
memory under ``ulimit -v``, a broken environment), multiprocessing prints the child's
traceback on the inherited stderr. Workers never write there on purpose (results go back
over pipes, failures become findings), so they start with stderr on the null device;
``ASYNCLINT_WORKER_STDERR=1`` keeps it, for debugging.

A ``spawn``ed child is ``python -c 'from multiprocessing.spawn import ...'``: it imports
``multiprocessing`` from its working directory before the parent's ``sys.path`` reaches
it. Children are therefore started from a safe directory with a ``sys.path`` free of
current-directory entries (``asynclint.base.isolation``), so nothing in the linted tree
is ever imported; they return to the real working directory themselves.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator, Optional

from ..base.isolation import child_sys_path, safe_directory

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


@contextlib.contextmanager
def isolated_children() -> Iterator[Optional[str]]:
    """Processes started inside this block neither see the current directory nor print to stderr.

    Yields the real working directory (None if it is gone), for the children to return to.
    ``spawn`` records ``sys.path`` and the working directory when a process starts, so both
    are swapped for the duration of the block and restored after.
    """
    try:
        cwd: Optional[str] = os.getcwd()
    except OSError:
        cwd = None
    saved_path = list(sys.path)
    sys.path[:] = child_sys_path(saved_path)
    try:
        os.chdir(safe_directory())
        with quiet_children():
            yield cwd
    finally:
        sys.path[:] = saved_path
        if cwd is not None:
            try:
                os.chdir(cwd)
            except OSError:
                pass


def enter_directory(cwd: Optional[str]) -> None:
    """In a child: go back to the parent's working directory (relative paths are relative to it)."""
    if cwd is not None:
        try:
            os.chdir(cwd)
        except OSError:
            pass
