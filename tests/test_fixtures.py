"""Every fixture through the engine: the exact multiset of (line, column where pinned, code)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asynclint.base.settings import Settings
from asynclint.catalogue import RULES
from asynclint.catalogue.selection import select_rules
from asynclint.orchestration.runner import lint_paths
from tests.conftest import FIXTURES
from tests.fixture_markers import (
    compare,
    expected_findings,
    fixture_files,
    folder_code,
    min_python,
    project_root,
    selection,
)

FILES = fixture_files()
# Codes that cannot be shown by a file on disk; tests/test_robustness.py covers them.
NO_FIXTURE = {"AL002": "needs an unreadable path", "AL003": "needs a crashing rule"}


def settings_for(path: Path) -> Settings:
    # no index cache: the fixture tree stays as committed
    return Settings(enabled=select_rules(selection(path)), project_root=str(project_root(path)), use_cache=False)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture(path: Path) -> None:
    if sys.version_info[:2] < min_python(path):
        pytest.skip(f"needs Python {'.'.join(map(str, min_python(path)))}+ to parse")
    (result,) = lint_paths([str(path)], settings_for(path), forced=[str(path)])
    actual = [(f.line, f.column, f.code) for f in result.findings]
    problems = compare(expected_findings(path), actual)
    assert not problems, "\n".join(problems + [f"  got: {f.line}:{f.column} {f.code} {f.message}"
                                                for f in result.findings])


def test_harness_collected_fixtures() -> None:
    assert len(FILES) > 0, "no fixtures collected"


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_has_positive_and_negative_fixtures(code: str) -> None:
    if code in NO_FIXTURE:
        pytest.skip(NO_FIXTURE[code])
    files = [p for p in FILES if folder_code(p) == code]
    positives = [p for p in files if any(c == code for _, _, c in expected_findings(p))]
    negatives = [p for p in files if not expected_findings(p)]
    assert positives, f"fixtures/{code}/ has no file with a `# error: {code}` marker"
    assert negatives, f"fixtures/{code}/ has no look-alike file without markers"


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_is_documented(code: str) -> None:
    rule = RULES[code]
    text = rule.explain()
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert section in text
    assert rule.what_it_does.strip() and rule.why_bad.strip() and rule.example.strip()


def test_rules_doc_is_generated_from_the_rules() -> None:
    from asynclint.catalogue import catalogue_markdown

    doc = FIXTURES.parent / "docs" / "rules.md"
    assert doc.read_text() == catalogue_markdown(), "run: python -m asynclint.catalogue > docs/rules.md"
