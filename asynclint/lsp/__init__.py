"""asynclint's language server: diagnostics as you type, quick fixes, fix-all, noqa actions.

A front end like the CLI: it uses the engine, config, index and fixes, and nothing in
asynclint imports it. pygls and lsprotocol come with the ``lsp`` extra
(``pip install 'asynclint[lsp]'``); without them ``asynclint-lsp`` says so and exits 2.
"""

from __future__ import annotations

import sys
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The ``asynclint-lsp`` console script."""
    try:
        from .server import main as serve  # noqa: PLC0415 - pygls is optional
    except ImportError as error:
        print(f"asynclint-lsp: {error.name or 'pygls'} is not installed; install the extra: "
              "pip install 'asynclint[lsp]'", file=sys.stderr)
        return 2
    return serve(argv)
