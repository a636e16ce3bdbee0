"""Reading fixture files: ``# error: AL101`` markers and per-fixture settings.

A marker lists what the line must report: ``# error: AL101``, ``# error: 12:AL101``
(column pinned, 1-based), or several (``# error: AL201, AL203``). A header line
``# asynclint-fixture: select=AL2,AL301`` changes which rules run (default: the
folder's code). The project root for the index is the nearest folder with a
``pyproject.toml`` inside the fixture folder, else the fixture folder.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import List, Optional, Tuple

from tests.conftest import FIXTURES

MARKER = re.compile(r"#\s*error:\s*(?P<items>(?:\d+:)?AL\d{3}(?:\s*,\s*(?:\d+:)?AL\d{3})*)")
HEADER = re.compile(r"#\s*asynclint-fixture:\s*select=(?P<select>[A-Z0-9,]+)")
MIN_PYTHON = re.compile(r"#\s*asynclint-fixture:\s*python>=(?P<major>\d+)\.(?P<minor>\d+)")
Expected = Tuple[int, Optional[int], str]


def fixture_files() -> List[Path]:
    return sorted(p for p in FIXTURES.glob("AL[0-9][0-9][0-9]/**/*.py") if p.is_file())


def folder_code(path: Path) -> str:
    return path.relative_to(FIXTURES).parts[0]


def expected_findings(path: Path) -> Counter[Expected]:
    out: Counter[Expected] = Counter()
    text = path.read_bytes().decode("utf-8", "replace")
    for lineno, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        match = MARKER.search(line)
        if not match:
            continue
        for item in match.group("items").split(","):
            item = item.strip()
            col: Optional[int] = None
            if ":" in item:
                col_text, item = item.split(":")
                col = int(col_text)
            out[(lineno, col, item)] += 1
    return out


def selection(path: Path) -> List[str]:
    text = path.read_bytes()[:2000].decode("utf-8", "replace")
    match = HEADER.search(text)
    if match:
        return [s for s in match.group("select").split(",") if s]
    return [folder_code(path)]


def min_python(path: Path) -> Tuple[int, int]:
    """``# asynclint-fixture: python>=3.11``: syntax older interpreters cannot parse (``except*``)."""
    match = MIN_PYTHON.search(path.read_bytes()[:2000].decode("utf-8", "replace"))
    return (int(match.group("major")), int(match.group("minor"))) if match else (3, 0)


def project_root(path: Path) -> Path:
    folder = FIXTURES / folder_code(path)
    current = path.parent
    while current != folder and folder in current.parents:
        if (current / "pyproject.toml").is_file():
            return current
        current = current.parent
    return folder


def compare(expected: Counter[Expected], actual: List[Tuple[int, int, str]]) -> List[str]:
    """Differences between markers and findings (columns compared only where pinned)."""
    problems: List[str] = []
    remaining = Counter((line, code) for line, _, code in actual)
    pinned = Counter((line, col, code) for line, col, code in actual)
    for (line, col, code), count in expected.items():
        if col is not None:
            if pinned[(line, col, code)] < count:
                problems.append(f"missing {code} at {line}:{col}")
            pinned[(line, col, code)] -= count
        if remaining[(line, code)] < count:
            problems.append(f"missing {code} at line {line} (expected {count})")
        remaining[(line, code)] -= count
    for (line, code), count in remaining.items():
        if count > 0:
            problems.append(f"unexpected {code} at line {line} (x{count})")
    return problems
