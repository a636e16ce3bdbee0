"""The triage (byte checks, skipping sync code) is sound: with it off, findings are identical.

Run over every fixture, over grammar-generated programs, and over byte-mutated
fixtures; ``bench/triage_check.py`` does the same over the real corpus.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asynclint.base.settings import Settings
from asynclint.catalogue.selection import select_rules
from asynclint.engine import lint_source
from tests.conftest import FIXTURES
from tests.fixture_markers import fixture_files

EXAMPLES = int(os.environ.get("ASYNCLINT_FUZZ_EXAMPLES", "25"))
ON = Settings(enabled=select_rules(["ALL"]))
OFF = replace(ON, triage=False)
FILES = fixture_files()


def _same(data: bytes, path: str = "module.py") -> None:
    with_triage = lint_source(data, path, ON, force=True).findings
    without = lint_source(data, path, OFF, force=True).findings
    assert with_triage == without


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture_findings_do_not_depend_on_triage(path: Path) -> None:
    _same(path.read_bytes(), str(path))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_programs(source: str) -> None:
    _same(source.encode("utf-8", "surrogatepass"))


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_mutated_fixtures(data: st.DataObject) -> None:
    original = bytearray(data.draw(st.sampled_from([p.read_bytes() for p in FILES])))
    for _ in range(data.draw(st.integers(1, 6))):
        if not original:
            break
        pos = data.draw(st.integers(0, len(original) - 1))
        choice = data.draw(st.sampled_from(["delete-word", "flip", "insert"]))
        if choice == "flip":
            original[pos] = data.draw(st.integers(32, 126))
        elif choice == "insert":
            original[pos:pos] = data.draw(st.sampled_from([b"async ", b"await ", b"def ", b"\n    ", b"(", b")"]))
        else:
            del original[pos:pos + data.draw(st.integers(1, 6))]
    _same(bytes(original))
