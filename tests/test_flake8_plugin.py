"""The flake8 plugin, run for real: ``python -m flake8`` in subprocesses, plus unit tests.

The subprocess tests use the plugin the running environment registers through the
``flake8.extension`` entry point (``pip install -e '.[dev]'``, as ``.ci/run`` does) and
skip, saying why, when that entry point is missing or loads another copy of asynclint:
testing an old install would prove nothing about this checkout.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from asynclint import flake8_plugin
from asynclint.base.settings import Settings
from asynclint.catalogue import FILE_CODES, RULES
from asynclint.catalogue.selection import default_settings, select_rules
from asynclint.engine import lint_source
from asynclint.flake8_plugin import AsyncLintPlugin, PluginState, build_state, engine_codes, index_for
from asynclint.orchestration.runner import lint_paths
from tests.conftest import FIXTURES, REPO
from tests.fixture_markers import expected_findings, fixture_files, folder_code, project_root, selection

# flake8 owns unparsable and unreadable files (E999/E902) and never calls a tree plugin for them.
EXEMPT_FOLDERS = {"AL001", "AL002"}
FORMAT = "--format=%(path)s\t%(row)d\t%(col)d\t%(code)s\t%(text)s"
OPT_IN = sorted(code for code, rule in RULES.items() if not rule.default_enabled)
Row = Tuple[int, int, str, str]  # line, column, code, message

BAD = textwrap.dedent("""\
    import time


    async def poll() -> None:
        time.sleep(1)
""")


# -- running flake8 ------------------------------------------------------------------

def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env.pop("ASYNCLINT_CRASH_MARKER", None)
    return env


def _probe(cwd: Path) -> Optional[str]:
    """Why the real flake8 cannot test this checkout, or None when it can."""
    code = textwrap.dedent("""\
        import json, sys
        from importlib.metadata import entry_points
        try:
            import flake8
        except ImportError:
            print(json.dumps({"flake8": False})); sys.exit()
        eps = [e for e in entry_points(group="flake8.extension") if e.name == "AL"]
        out = {"flake8": True, "eps": [e.value for e in eps]}
        if eps:
            module = eps[0].load()
            out["file"] = sys.modules[module.__module__].__file__
        print(json.dumps(out))
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env=_env(), timeout=120)
    if done.returncode != 0:
        return f"cannot load the flake8 plugin: {done.stderr.strip().splitlines()[-1:]}"
    info = json.loads(done.stdout)
    if not info["flake8"]:
        return "flake8 is not installed (python -m pip install -e '.[dev]')"
    if not info["eps"]:
        return ("asynclint's flake8 entry point (AL) is not registered in this environment: "
                "run `python -m pip install -e '.[dev]'` in this checkout")
    if len(info["eps"]) > 1:
        return f"several flake8 entry points named AL are installed: {info['eps']}"
    here = (REPO / "asynclint" / "flake8_plugin.py").resolve()
    if Path(info["file"]).resolve() != here:
        return (f"flake8's AL entry point loads {info['file']}, not this checkout ({here}): "
                "run `python -m pip install -e '.[dev]'` here")
    return None


@pytest.fixture(scope="module")
def flake8_ready(tmp_path_factory: pytest.TempPathFactory) -> None:
    reason = _probe(tmp_path_factory.mktemp("probe"))
    if reason:
        pytest.skip(reason)


def run_flake8(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True,
                          text=True, env=_env(), timeout=300)


def rows(done: subprocess.CompletedProcess[str]) -> Dict[str, List[Row]]:
    """flake8's ``FORMAT`` output, per path, AL codes only."""
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stdout + done.stderr
    out: Dict[str, List[Row]] = defaultdict(list)
    for line in done.stdout.splitlines():
        fields = line.split("\t", 4)
        assert len(fields) == 5, f"not a finding line: {line!r}\n{done.stdout}{done.stderr}"
        path, row, col, code, text = fields
        if code.startswith("AL"):
            out[os.path.normpath(path)].append((int(row), int(col), code, text))
    return out


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def al_lines(done: subprocess.CompletedProcess[str]) -> List[str]:
    assert "Traceback" not in done.stderr, done.stderr
    return [line for line in done.stdout.splitlines() if "\tAL" in line or ": AL" in line]


# -- equivalence with the engine over the fixtures -----------------------------------

def _flake8_select(selectors: Sequence[str]) -> List[str]:
    """asynclint selectors as flake8 ``--select`` values (flake8 has no ``ALL``)."""
    out: List[str] = []
    for sel in selectors:
        out += ["AL", *OPT_IN] if sel.upper() == "ALL" else [sel]
    return out


def _equivalence_group(root: Path, selectors: Tuple[str, ...], files: List[Path], work: Path) -> List[str]:
    """Copy one fixture project, lint it with flake8 and with the engine; return the differences."""
    copy = work / f"{root.relative_to(FIXTURES).as_posix().replace('/', '__')}__{'_'.join(selectors)}"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    # An empty asynclint config at the copy's top makes it the project root, as the engine side's.
    (copy / "asynclint-test.toml").write_text("", encoding="utf-8")
    rel = [str(p.relative_to(root)) for p in files]
    done = run_flake8(["--isolated", "--asynclint-config", "asynclint-test.toml",
                       "--select", ",".join(_flake8_select(selectors)), FORMAT, *rel], copy)
    got = rows(done)
    settings = Settings(enabled=select_rules(list(selectors)), project_root=str(copy))
    results = lint_paths([str(copy / r) for r in rel], settings)
    problems: List[str] = []
    for name, result in zip(rel, results):
        want = [(f.line, f.column, f.code, f.message) for f in result.findings]
        have = got.get(os.path.normpath(name), [])
        if sorted(want) != sorted(have):
            problems.append(f"{root.relative_to(FIXTURES) / name} (select {','.join(selectors)}):\n"
                            f"  asynclint: {want}\n  flake8:    {have}")
    return problems


def test_flake8_matches_engine_on_every_fixture(flake8_ready: None, tmp_path: Path) -> None:
    """Same lines, columns (flake8 prints col + 1 of the plugin's 0-based offset), codes, messages."""
    groups: Dict[Tuple[Path, Tuple[str, ...]], List[Path]] = defaultdict(list)
    for path in fixture_files():
        if folder_code(path) in EXEMPT_FOLDERS:
            continue
        groups[(project_root(path), tuple(selection(path)))].append(path)
    assert groups, "no fixtures to compare"
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_equivalence_group, root, sel, files, tmp_path) for (root, sel), files in groups.items()]
        problems = [p for f in futures for p in f.result()]
    assert not problems, "\n".join(problems)


def test_equivalence_covers_positives(flake8_ready: None) -> None:
    """The fixtures compared above do contain findings (an empty comparison proves nothing)."""
    assert any(expected_findings(p) for p in fixture_files() if folder_code(p) not in EXEMPT_FOLDERS)


# -- selection: opt-in rules and flake8's own select / ignore ------------------------

@pytest.mark.parametrize("code", OPT_IN or [pytest.param(None, marks=pytest.mark.skip(
    reason="no opt-in rule in the catalogue yet; test_engine_codes_* cover the logic"))])
def test_opt_in_rule_needs_its_full_code(flake8_ready: None, tmp_path: Path, code: str) -> None:
    """flake8 selects every AL code through the prefix; opt-in rules still need their full code."""
    positives = [p for p in fixture_files() if folder_code(p) == code and any(c == code for _, _, c in expected_findings(p))]
    if not positives:
        pytest.skip(f"fixtures/{code}/ has no positive file yet")
    folder = FIXTURES / code  # whole, so a fixture project keeps its modules (AL107 follows imports)
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    names = [str(p.relative_to(folder)) for p in positives]
    assert code not in default_settings().enabled  # the CLI's default
    for args in (["--select", "AL"], ["--select", code[:3]], []):
        assert not [r for r in al_lines(run_flake8(["--isolated", FORMAT, *args, *names], tmp_path)) if f"\t{code}\t" in r], args
    for args in (["--select", f"AL,{code}"], ["--extend-select", code]):
        assert [r for r in al_lines(run_flake8(["--isolated", FORMAT, *args, *names], tmp_path)) if f"\t{code}\t" in r], args


def _options(**given: object) -> argparse.Namespace:
    """The option fields flake8's DecisionEngine reads, as flake8 7 fills them."""
    values = {"select": None, "extend_select": None, "ignore": None, "extend_ignore": None,
              "extended_default_select": ["AL", "C90", "E", "F", "W"], "extended_default_ignore": []}
    values.update(given)
    return argparse.Namespace(**values)


@pytest.fixture
def fake_opt_in(monkeypatch: pytest.MonkeyPatch) -> str:
    rule = replace(next(iter(r for c, r in RULES.items() if c not in FILE_CODES)), code="AL999", default_enabled=False)
    monkeypatch.setitem(RULES, "AL999", rule)
    return "AL999"


@pytest.mark.parametrize("given, on", [
    ({}, False),
    ({"select": ["AL"]}, False),
    ({"select": ["AL9"]}, False),
    ({"select": ["AL999"]}, True),
    ({"select": ["E", "AL999"]}, True),
    ({"extend_select": ["AL999"]}, True),
    ({"select": ["AL999"], "extend_ignore": ["AL999"]}, False),
])
def test_engine_codes_opt_in(fake_opt_in: str, given: Dict[str, object], on: bool) -> None:
    enabled = engine_codes(select_rules(), _options(**given))
    assert (fake_opt_in in enabled) is on


def test_engine_codes_opt_in_from_pyproject(fake_opt_in: str) -> None:
    """``extend-select = ["AL999"]`` in [tool.asynclint] enables it under flake8 too."""
    assert fake_opt_in in engine_codes(select_rules(extend_select=[fake_opt_in]), _options())


def test_engine_codes_skip_what_flake8_discards() -> None:
    """Rules flake8 would drop are not run at all; the AL0xx file codes always are."""
    assert engine_codes(select_rules(), _options(select=["E", "F"])) == FILE_CODES
    assert "AL101" not in engine_codes(select_rules(), _options(extend_ignore=["AL101"]))
    assert "AL101" in engine_codes(select_rules(), _options())
    assert "AL101" not in engine_codes(select_rules(ignore=["AL101"]), _options(select=["AL"]))


# -- configuration -------------------------------------------------------------------

@pytest.mark.parametrize("config_name", ["setup.cfg", "tox.ini", ".flake8"])
def test_extend_ignore_in_config_file(flake8_ready: None, tmp_path: Path, config_name: str) -> None:
    """flake8-async #230: a config-file ignore of the plugin's codes crashed flake8. Not here."""
    write(tmp_path, {"bad.py": BAD, config_name: "[flake8]\nselect = AL\n"})
    done = run_flake8([FORMAT, "bad.py"], tmp_path)
    assert [r.split("\t")[3] for r in al_lines(done)] == ["AL101"] and done.returncode == 1  # the file is read
    write(tmp_path, {config_name: "[flake8]\nselect = AL\nextend-ignore = AL101\n"})
    done = run_flake8([FORMAT, "bad.py"], tmp_path)
    assert done.returncode == 0 and not al_lines(done), done.stdout + done.stderr
    write(tmp_path, {config_name: "[flake8]\nselect = AL\nignore = AL1\n"})
    done = run_flake8([FORMAT, "bad.py"], tmp_path)
    assert done.returncode == 0 and not al_lines(done), done.stdout + done.stderr


def test_extend_ignore_on_command_line(flake8_ready: None, tmp_path: Path) -> None:
    write(tmp_path, {"bad.py": BAD})
    done = run_flake8(["--isolated", "--select", "AL", "--extend-ignore", "AL101", "bad.py"], tmp_path)
    assert done.returncode == 0 and not al_lines(done), done.stdout + done.stderr


def test_per_file_ignores(flake8_ready: None, tmp_path: Path) -> None:
    write(tmp_path, {"app/bad.py": BAD, "tests/bad.py": BAD,
                     "setup.cfg": "[flake8]\nselect = AL\nper-file-ignores =\n    tests/*: AL101\n"})
    done = run_flake8([FORMAT, "app", "tests"], tmp_path)
    assert sorted(rows(done)) == [os.path.normpath("app/bad.py")]


def test_noqa_is_flake8s(flake8_ready: None, tmp_path: Path) -> None:
    write(tmp_path, {"bad.py": """\
        import time


        async def poll() -> None:
            time.sleep(1)  # noqa: AL101
            time.sleep(2)  # noqa: E501
            time.sleep(3)  # noqa:AL101,E501
            time.sleep(4)  # noqa
            time.sleep(5)
    """})
    done = run_flake8(["--isolated", "--select", "AL", FORMAT, "bad.py"], tmp_path)
    assert [r[0] for r in rows(done)["bad.py"]] == [6, 9]
    done = run_flake8(["--isolated", "--select", "AL", "--disable-noqa", FORMAT, "bad.py"], tmp_path)
    assert [r[0] for r in rows(done)["bad.py"]] == [5, 6, 7, 8, 9]


def test_columns_are_code_points(flake8_ready: None, tmp_path: Path) -> None:
    write(tmp_path, {"bad.py": """\
        import time


        async def poll() -> None:
            s = "ééé"; time.sleep(1)
    """})
    done = run_flake8(["--isolated", "--select", "AL", FORMAT, "bad.py"], tmp_path)
    assert [r[:3] for r in rows(done)["bad.py"]] == [(5, 16, "AL101")]


NAP = """\
    import mylib


    async def poll() -> None:
        mylib.nap(1)
"""


@pytest.mark.parametrize("where", ["flag", "setup.cfg", "tox.ini", ".flake8", "pyproject"])
def test_asynclint_options(flake8_ready: None, tmp_path: Path, where: str) -> None:
    """``extend-blocking-calls`` from a flake8 flag, any flake8 config file, or [tool.asynclint]."""
    write(tmp_path, {"nap.py": NAP})
    args = ["--select", "AL", FORMAT, "nap.py"]
    if where == "flag":
        assert not al_lines(run_flake8(args, tmp_path))  # not blocking until configured
        args.insert(0, "--asynclint-extend-blocking-calls=mylib.nap:AL101")
    elif where == "pyproject":
        write(tmp_path, {"pyproject.toml": '[tool.asynclint.extend-blocking-calls]\n"mylib.nap" = { code = "AL101" }\n'})
    else:
        write(tmp_path, {where: "[flake8]\nasynclint-extend-blocking-calls =\n    mylib.other,\n    mylib.nap:AL101\n"})
    (row,) = rows(run_flake8(args, tmp_path))["nap.py"]
    assert row[:3] == (5, 5, "AL101") and "mylib.nap" in row[3]


@pytest.mark.parametrize("how", ["flag", "setup.cfg"])
def test_boolean_asynclint_option(flake8_ready: None, tmp_path: Path, how: str) -> None:
    write(tmp_path, {"stat.py": """\
        import os


        async def present(path: str) -> bool:
            return os.path.exists(path)
    """})
    args = ["--select", "AL", "--extend-select", "AL109", FORMAT, "stat.py"]
    assert not rows(run_flake8(args, tmp_path))  # AL109's stat calls are off by default
    if how == "flag":
        args.insert(0, "--asynclint-blocking-stat-calls")
    else:
        write(tmp_path, {"setup.cfg": "[flake8]\nasynclint-blocking-stat-calls = true\n"})
    assert [r[:3] for r in rows(run_flake8(args, tmp_path))["stat.py"]] == [(5, 12, "AL109")]


def test_flake8_option_wins_over_pyproject(flake8_ready: None, tmp_path: Path) -> None:
    write(tmp_path, {"nap.py": NAP, "pyproject.toml": '''\
        [tool.asynclint.extend-blocking-calls]
        "mylib.other" = { code = "AL101" }
    '''})
    args = ["--select", "AL", FORMAT, "nap.py"]
    assert not rows(run_flake8(args, tmp_path))
    found = rows(run_flake8(["--asynclint-extend-blocking-calls", "mylib.nap:AL101", *args], tmp_path))
    assert [r[:3] for r in found["nap.py"]] == [(5, 5, "AL101")]


def test_pyproject_selection_applies(flake8_ready: None, tmp_path: Path) -> None:
    """``ignore`` in [tool.asynclint] holds under flake8 too: both front ends agree."""
    write(tmp_path, {"bad.py": BAD, "pyproject.toml": '[tool.asynclint]\nignore = ["AL101"]\n'})
    assert not al_lines(run_flake8(["--select", "AL", "bad.py"], tmp_path))


@pytest.mark.parametrize("args, config, needle", [
    (["--asynclint-target-version", "py39"], None, "asynclint-target-version"),
    ([], "[flake8]\nasynclint-target-version = 3.11\n", "asynclint-target-version"),
    (["--asynclint-extend-blocking-calls", "mylib.nap:E501"], None, "AL1xx"),
    ([], None, "tool.asynclint.bogus"),
])
def test_bad_configuration_is_a_clean_error(flake8_ready: None, tmp_path: Path, args: List[str],
                                            config: Optional[str], needle: str) -> None:
    write(tmp_path, {"nap.py": NAP})
    if config:
        write(tmp_path, {"setup.cfg": config})
    if not args and not config:
        write(tmp_path, {"pyproject.toml": "[tool.asynclint]\nbogus = 1\n"})
    done = run_flake8([*args, "nap.py"], tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr
    assert "asynclint:" in done.stdout and needle in done.stdout, done.stdout + done.stderr


def test_every_config_key_is_placed() -> None:
    """A new [tool.asynclint] key must be offered to flake8 users or say why not."""
    from asynclint.orchestration.config import KEYS

    assert set(KEYS) == set(flake8_plugin.RULE_OPTIONS) | set(flake8_plugin.NOT_FLAKE8_OPTIONS)


def test_target_version_option_reaches_settings() -> None:
    state = build_state(argparse.Namespace(asynclint_target_version="py312", isolated=True))
    assert state.settings.target_version == (3, 12)
    assert build_state(argparse.Namespace(isolated=True)).settings.target_version == (3, 10)
    assert build_state(argparse.Namespace(isolated=True, asynclint_blocking_stat_calls=True)).settings.blocking_stat_calls
    assert not build_state(argparse.Namespace(isolated=True)).settings.blocking_stat_calls


def test_plugin_is_listed_and_quiet_without_async(flake8_ready: None, tmp_path: Path) -> None:
    done = run_flake8(["--version"], tmp_path)
    assert "asynclint" in done.stdout
    write(tmp_path, {"plain.py": "import time\n\ntime.sleep(1)\n"})
    done = run_flake8(["--isolated", "plain.py"], tmp_path)
    assert done.returncode == 0 and not done.stdout, done.stdout + done.stderr


def test_parallel_flake8(flake8_ready: None, tmp_path: Path) -> None:
    """flake8's worker processes (-j) get the same results as a serial run."""
    write(tmp_path, {f"m{i}.py": BAD for i in range(6)})
    names = [f"m{i}.py" for i in range(6)]
    serial = rows(run_flake8(["--isolated", "--select", "AL", "-j", "1", FORMAT, *names], tmp_path))
    parallel = rows(run_flake8(["--isolated", "--select", "AL", "-j", "2", FORMAT, *names], tmp_path))
    assert serial == parallel and len(serial) == 6


# -- the plugin in-process: tuples, budgets, the index memo ---------------------------

def _run_plugin(text: str, filename: str, state: PluginState, monkeypatch: pytest.MonkeyPatch) -> List[tuple]:
    monkeypatch.setattr(AsyncLintPlugin, "state", state)
    lines = text.splitlines(keepends=True)
    return list(AsyncLintPlugin(ast.parse(text), lines, filename).run())


def test_plugin_yields_flake8_tuples(monkeypatch: pytest.MonkeyPatch) -> None:
    state = PluginState(default_settings(), any_rule=True)
    (found,) = _run_plugin(BAD, "bad.py", state, monkeypatch)
    line, col, text, kind = found
    assert (line, col) == (5, 4) and text.startswith("AL101 ") and kind is AsyncLintPlugin


def test_file_too_large_matches_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decided from the size before any walk: the same AL001 as ``asynclint`` gives."""
    settings = replace(default_settings(), max_file_bytes=32)
    expected = lint_source(BAD.encode(), "bad.py", settings).findings
    assert [f.code for f in expected] == ["AL001"]
    monkeypatch.setattr("asynclint.engine.Walker", None)  # a walk would now crash with AL003
    found = _run_plugin(BAD, "bad.py", PluginState(settings, any_rule=True), monkeypatch)
    assert found == [(f.line, f.column - 1, f"{f.code} {f.message}", AsyncLintPlugin) for f in expected]


def test_deep_tree_matches_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tree as deep as flake8's parser accepts is walked (or refused) exactly as the CLI does."""
    text = "import time\n\nasync def f():\n    time.sleep(1)\n    x = " + "+".join(["a"] * 2000) + "\n"
    try:
        ast.parse(text)
    except (RecursionError, SyntaxError, MemoryError):
        pytest.skip("this Python's parser rejects the deep file itself (so flake8 never calls plugins)")
    settings = default_settings()
    expected = [(f.line, f.column - 1, f"{f.code} {f.message}", AsyncLintPlugin)
                for f in lint_source(text.encode(), "deep.py", settings).findings]
    found = _run_plugin(text, "deep.py", PluginState(settings, any_rule=True), monkeypatch)
    assert found == expected and expected


def test_plugin_never_needs_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    """flake8 has parsed the file: libcst (whose native crashes would kill flake8) is never reached."""
    monkeypatch.setitem(sys.modules, "libcst", None)  # importing it now fails

    def boom(*args: object) -> bool:
        raise AssertionError("libcst consulted inside flake8")

    monkeypatch.setattr("asynclint.engine._accepted_by_libcst", boom)
    found = _run_plugin(BAD, "bad.py", PluginState(default_settings(), any_rule=True), monkeypatch)
    assert [t[2].split()[0] for t in found] == ["AL101"]


def test_no_rule_selected_means_no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flake8_plugin, "lint_source", None)  # would raise if called
    state = PluginState(replace(default_settings(), enabled=FILE_CODES), any_rule=False)
    assert _run_plugin(BAD, "bad.py", state, monkeypatch) == []


def test_index_loaded_once_per_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: List[str] = []

    def fake_load(settings: Settings) -> object:
        calls.append(settings.project_root)
        return object()

    monkeypatch.setattr(flake8_plugin, "load_index", fake_load)
    monkeypatch.setattr(flake8_plugin, "_INDEX_MEMO", {})
    a = default_settings(project_root=str(tmp_path / "a"))
    b = default_settings(project_root=str(tmp_path / "b"))
    first = index_for(a)
    assert index_for(a) is first and index_for(replace(a)) is first
    index_for(b)
    index_for(replace(a, extend_coroutine_functions=("x.y",)))  # other settings: rebuilt
    assert calls == [str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "a")]


def test_index_only_for_files_that_could_need_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The index is asked for only when a checker that uses it passes its byte triage."""

    class NeedsIndex:
        needs_index = True
        rules = ()

        @classmethod
        def could_fire(cls, source: bytes, enabled: frozenset) -> bool:
            return b"async" in source

    asked: List[Settings] = []
    monkeypatch.setattr(flake8_plugin, "checkers_for", lambda enabled: (NeedsIndex,))
    monkeypatch.setattr(flake8_plugin, "index_for", lambda settings: asked.append(settings))
    state = PluginState(default_settings(), any_rule=True)
    _run_plugin("import time\ntime.sleep(1)\n", "plain.py", state, monkeypatch)
    assert not asked
    _run_plugin(BAD, "bad.py", state, monkeypatch)
    assert asked == [state.settings]
