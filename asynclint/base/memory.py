"""Garbage-collector policy for analysing many files in one process.

A file's syntax tree is tens of thousands of objects. Building one sets off CPython's
generational collector again and again, and every older-generation pass traverses all that is
alive, the project index included: on the corpus a third of the lint's CPU time was the
collector. So long-lived data is frozen out of its sight, collection pauses while one file is
analysed, and the young generations are swept once the file is done. (Turning the collector
off outright is no answer: the trees and checkers hold reference cycles, and one worker grew
to 2 GB.)
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


def freeze_long_lived() -> None:
    """Move everything alive now (modules, settings, the index) out of the collector's sight."""
    gc.collect()
    gc.freeze()


@contextmanager
def one_file() -> Iterator[None]:
    """No collection while one file is analysed; its garbage cycles are swept right after."""
    if not gc.isenabled():  # someone else owns the policy (or we are nested)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(1)
