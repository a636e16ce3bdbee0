"""Settings: per-file-ignores are compiled once per run and match as fnmatch would."""

from __future__ import annotations

import fnmatch
import os
import pickle
from typing import FrozenSet

import pytest

from asynclint.base import settings as settings_module
from asynclint.base.settings import Settings
from asynclint.catalogue.selection import default_settings


def _reference(settings: Settings, path: str) -> FrozenSet[str]:
    """The rule as written before compilation: each pattern through fnmatch, three ways."""
    rel = settings_module.relative_path(path, settings.project_root)
    name = os.path.basename(path)
    out: set[str] = set()
    for pattern, codes in settings.per_file_ignores:
        if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(name, pattern) or \
                fnmatch.fnmatch(rel, pattern.rstrip("/") + "/*"):
            out |= codes
    return frozenset(out)


def test_per_file_ignores_compile_once_per_run_not_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 22 #8: 50k patterns recompiled for every file took 6.6 s a file. Counted, not timed:
    many files, one compilation, and no fnmatch call per file."""
    calls = []
    real = settings_module.compile_ignores
    monkeypatch.setattr(settings_module, "compile_ignores", lambda entries: calls.append(1) or real(entries))

    def per_file_fnmatch(*args: object) -> bool:
        raise AssertionError("a pattern was matched with fnmatch for one file, i.e. compiled per file")

    monkeypatch.setattr(settings_module.fnmatch, "fnmatch", per_file_fnmatch)
    entries = tuple((f"gen/mod{i}/*.py", frozenset({"AL101"})) for i in range(2000)) + \
        (("tests/*", frozenset({"AL102"})),)
    settings = default_settings(per_file_ignores=entries)
    for i in range(500):
        assert settings.ignored_for(f"gen/mod{i * 4}/x.py") == {"AL101"}
        assert settings.ignored_for(f"src/mod{i}.py") == frozenset()
    assert settings.ignored_for("tests/test_a.py") == {"AL102"}
    assert len(calls) == 1
    assert settings._ignore_matchers is settings._ignore_matchers  # cached on the value
    # workers receive the settings pickled: still usable (and compiled at most once there)
    again = pickle.loads(pickle.dumps(settings))
    assert again == settings and again.ignored_for("gen/mod4/x.py") == {"AL101"}


@pytest.mark.parametrize("path", [
    "tests/test_a.py", "tests/sub/deep.py", "src/tests/x.py", "gen/a.py", "gen", "a/gen/b.py",
    "conftest.py", "pkg/conftest.py", "docs/x.pyi", "weird [x].py", "src/api_v2.py", "src/api_v10.py",
])
def test_compiled_per_file_ignores_match_as_fnmatch_does(path: str) -> None:
    entries = (("tests/*", frozenset({"AL101"})), ("gen/", frozenset({"AL102"})), ("conftest.py", frozenset({"AL103"})),
               ("*.pyi", frozenset({"AL104"})), ("weird [[]x].py", frozenset({"AL105"})),
               ("src/api_v?.py", frozenset({"AL106"})), ("src", frozenset({"AL201"})), ("gen", frozenset({"AL101"})))
    settings = default_settings(per_file_ignores=entries)
    assert settings.ignored_for(path) == _reference(settings, path)
