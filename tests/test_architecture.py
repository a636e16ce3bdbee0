"""The layers hold: import-linter's contracts in pyproject.toml, checked on every test run.

A new upward import or a cycle fails here (and so in CI), naming the import chain.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports")
    if lint_imports is None:
        pytest.fail("lint-imports is missing: install the dev extras (pip install -e '.[dev]')")
    done = subprocess.run([lint_imports, "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_function_level_import_dodges_a_cycle() -> None:
    """An import inside a function is allowed for optional dependencies or start-up cost, never to hide
    a cycle: every asynclint module imported lazily must also be importable at module level without
    creating one (checked by grimp over every import statement, lazy ones included)."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("asynclint")
    cycles = [(module, imported) for module in sorted(graph.modules)
              for imported in graph.find_modules_directly_imported_by(module)
              if graph.chain_exists(importer=imported, imported=module)]
    assert cycles == []


def test_the_catalogue_is_read_without_importing_a_checker() -> None:
    code = ("import sys, asynclint.catalogue, asynclint.orchestration.formats; "
            "print(sorted(m for m in sys.modules if m.startswith('asynclint.rules') or m.startswith('asynclint.analysis')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
