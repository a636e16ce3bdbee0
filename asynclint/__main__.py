"""``python -m asynclint``: the console script, minus the current directory on ``sys.path``.

``-m`` puts the working directory first on ``sys.path``; a lint run there must not import
the linted repository's modules (a ``libcst.py``) later, nor hand that entry to its
worker processes. It stays only when asynclint itself was found there.
"""

import os
import sys


def _drop_working_directory() -> None:
    if not sys.path:
        return
    first = sys.path[0]
    try:
        here = os.getcwd()
    except OSError:
        here = None
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if (first == "" or (here is not None and os.path.abspath(first) == here)) \
            and os.path.abspath(first or ".") != package_parent:
        del sys.path[0]


_drop_working_directory()

from .cli import main  # noqa: E402 - after the path is cleaned

raise SystemExit(main())
