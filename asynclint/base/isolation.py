"""What a child process may import from: never the current directory or the linted tree.

A child started with ``python -c`` (the libcst check, every ``spawn``ed worker) puts its
working directory first on ``sys.path`` before any code of ours runs, so a ``libcst.py``,
``asynclint.py`` or ``multiprocessing.py`` in the linted repository would be imported
and run. Children therefore start in a directory that holds only the standard library
and get the parent's absolute ``sys.path`` entries, never ``''`` or a relative one.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Sequence


def child_sys_path(path: Optional[Sequence[str]] = None) -> List[str]:
    """``sys.path`` without the entries that mean "the current directory" (``''``, relative ones)."""
    return [entry for entry in (sys.path if path is None else path)
            if isinstance(entry, str) and entry and os.path.isabs(entry)]


def safe_directory() -> str:
    """A working directory for children: the standard library's own, else the file-system root.

    Whatever ``''`` finds there is the module the standard library would have given anyway.
    """
    stdlib = os.path.dirname(os.path.abspath(os.__file__))
    return stdlib if os.path.isdir(stdlib) else os.path.abspath(os.sep)
