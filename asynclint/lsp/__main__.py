"""``python -m asynclint.lsp``: the same as ``asynclint-lsp``."""

import sys

from . import main

sys.exit(main())
