"""Fuzzing the engine: grammar-generated programs and byte-mutated fixtures.

No exception may escape and no AL003 may appear (AL001 is fine). A bounded number
of examples runs by default; set ASYNCLINT_FUZZ_EXAMPLES for a longer run.
"""

from __future__ import annotations

import os

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asynclint.base.settings import Settings
from asynclint.catalogue.selection import select_rules
from asynclint.engine import lint_source
from tests.fixture_markers import fixture_files

# hypothesmith compiles its candidates and Python warns about some ("'str' object is not callable");
# asynclint keeps such warnings from its users (tests/test_robustness.py)
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

EXAMPLES = int(os.environ.get("ASYNCLINT_FUZZ_EXAMPLES", "25"))
ALL = Settings(enabled=select_rules(["ALL"]))
FIXTURE_BYTES = [p.read_bytes() for p in fixture_files()]


def _check(data: bytes) -> None:
    result = lint_source(data, "fuzzed.py", ALL, force=True)
    internal = [f for f in result.findings if f.code == "AL003"]
    assert not internal, internal


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_programs(source: str) -> None:
    _check(source.encode("utf-8", "surrogatepass"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_generated_syntax_trees(source: str) -> None:
    _check(source.encode("utf-8", "surrogatepass"))


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_mutated_fixtures(data: st.DataObject) -> None:
    if not FIXTURE_BYTES:
        return
    original = data.draw(st.sampled_from(FIXTURE_BYTES))
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        if not mutated:
            break
        action = data.draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        pos = data.draw(st.integers(0, len(mutated) - 1))
        if action == "flip":
            mutated[pos] = data.draw(st.integers(0, 255))
        elif action == "delete":
            del mutated[pos]
        elif action == "insert":
            mutated[pos:pos] = data.draw(st.sampled_from([b"(", b")", b":", b"await ", b"async ", b"\n", b"\t", b"\x00", b"\xff", b"'''"]))
        else:
            del mutated[pos:]
    _check(bytes(mutated))
