"""``python -m asynclint.catalogue`` prints docs/rules.md."""

import sys

from . import catalogue_markdown

sys.stdout.write(catalogue_markdown())
