"""Whole-corpus run (slow; needs ../shared/corpus/make_corpus.sh to have built the corpus).

    python3 -m pytest -m slow tests/test_corpus.py

Fails on any AL003 or traceback, and on any AL001 for a file CPython can parse.
"""

from __future__ import annotations

import ast
import json
import os
import warnings
from pathlib import Path

import pytest

from tests.conftest import run_cli

CORPUS = Path(os.environ.get("ASYNCLINT_CORPUS", "/tmp/asynclint-corpus/src"))


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS} (run shared/corpus/make_corpus.sh)")
def test_whole_corpus_has_no_internal_errors(tmp_path: Path) -> None:
    done = run_cli(["--isolated", "--select", "ALL", "--cache-dir", str(tmp_path / "cache"),
                    "--output-format", "json", "."], cwd=CORPUS, timeout=3600)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode in (0, 1), done.stderr[-3000:]
    findings = json.loads(done.stdout)
    assert not [f for f in findings if f["code"] == "AL003"]
    for finding in findings:
        if finding["code"] == "AL001":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with pytest.raises((SyntaxError, ValueError, RecursionError, MemoryError)):
                    ast.parse((CORPUS / finding["path"]).read_bytes())
