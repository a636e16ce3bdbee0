"""Shared test helpers: run the real console entry point in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def run_cli(args: Sequence[str], cwd: os.PathLike[str] | str | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m asynclint`` (the same code as the console script) in a subprocess."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), full_env.get("PYTHONPATH", "")) if p)  # "" would be the cwd
    full_env.pop("ASYNCLINT_CRASH_MARKER", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "asynclint", *args], cwd=cwd, input=stdin, capture_output=True,
        text=True, env=full_env, timeout=timeout,
    )


@pytest.fixture
def cli():
    return run_cli
