"""The call graph behind AL107: per-module data, the once-per-run pass, its cache and settings."""

from __future__ import annotations

import ast
import os
import pickle
import textwrap
from pathlib import Path
from typing import Dict, List

import pytest

from asynclint.analysis.callgraph import module_graph
from asynclint.analysis.index import summarize
from asynclint.base.settings import Settings
from asynclint.catalogue.selection import select_rules
from asynclint.orchestration.config import ConfigError, resolve
from asynclint.orchestration.project_index import load_project_index
from asynclint.orchestration.runner import lint_paths

PROJECT = {
    "pyproject.toml": "[tool.asynclint]\n",
    "app/__init__.py": "from .io import read_config as config\n",
    "app/io.py": """
        import functools
        import os
        import time

        import mylib


        def read_config(path):
            with open(path) as handle:
                return handle.read()


        def parse(path):
            return read_config(path).split()


        def tokens(path):
            return parse(path)[0]


        def first_token(path):
            return tokens(path)[:1]


        @functools.lru_cache(maxsize=None)
        def cached_config():
            return read_config("app.cfg")


        def exists(path):
            return os.path.exists(path)


        def slow(x):
            return mylib.slow_call(x)


        def spin(n):
            if n:
                return spin(n - 1)
            time.sleep(1)


        def left(n):
            return right(n)


        def right(n):
            return left(n)
    """,
    "app/handlers.py": """
        from app import config
        from app.io import cached_config, exists, first_token, left, parse, slow, spin, tokens


        async def handler():
            config("a")
            parse("a")
            tokens("a")
            first_token("a")
            cached_config()
            exists("a")
            slow(1)
            spin(3)
            left(1)
    """,
}


def write_tree(root: Path, files: Dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_tree(tmp_path, PROJECT)
    return tmp_path


def settings(root: Path, **extra: object) -> Settings:
    values: Dict[str, object] = {"enabled": select_rules(["AL107"]), "project_root": str(root)}
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


def lines(root: Path, **extra: object) -> List[int]:
    (result,) = lint_paths([str(root / "app" / "handlers.py")], settings(root, **extra))
    assert all(f.code == "AL107" for f in result.findings)
    return [f.line for f in result.findings]


def graph_of(source: str, module: str = "m") -> tuple:
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    found = module_graph(tree, source, module, False, f"/x/{module}.py", summarize(tree, module, False))
    assert found is not None
    return found


def test_module_data_records_seeds_edges_and_generators() -> None:
    refs, funcs, aliases = graph_of("""
        import socket
        import time
        from typing import TYPE_CHECKING

        from app import helpers as h

        def sleeper():
            time.sleep(1)
            h.other()

        def gen(path):
            with open(path) as f:
                yield from f

        def typing_only():
            if TYPE_CHECKING:
                time.sleep(1)

        def nested():
            def inner():
                time.sleep(1)
            return lambda: time.sleep(2)

        def nonblocking(sock: socket.socket):
            try:
                sock.recv(10)
            except BlockingIOError:
                pass

        class Repo:
            def run(self):
                return self.fetch()

        shortcut = sleeper
    """)
    assert funcs["sleeper"][2] == ((9, "AL101", "time.sleep", "", ()),)
    assert refs[funcs["sleeper"][3][0][1]] == ("f", "app.helpers.other")
    assert funcs["gen"][1] == "g"
    assert "typing_only" not in funcs and "nested" not in funcs and "nonblocking" not in funcs
    assert refs[funcs["Repo.run"][3][0][1]] == ("m", "m.Repo", "fetch")
    assert ("shortcut", "sleeper") in aliases


def test_chains_depth_recursion_and_cache_note(project: Path) -> None:
    (result,) = lint_paths([str(project / "app" / "handlers.py")], settings(project))
    by_line = {f.line: f.message for f in result.findings}
    # config (re-export), parse, tokens, cached_config, spin; not first_token (4 deep), exists (stat), slow, left
    assert sorted(by_line) == [7, 8, 9, 11, 14]
    assert "`tokens()` (app/io.py:18) -> `parse()` (app/io.py:14) -> `read_config()` (app/io.py:9) -> " \
           "`open()` (app/io.py:10)" in by_line[9]
    assert "blocks on the first call only" in by_line[11]


@pytest.mark.parametrize("depth,expected", [(1, [7, 14]), (2, [7, 8, 11, 14]), (4, [7, 8, 9, 10, 11, 14])])
def test_blocking_call_depth(project: Path, depth: int, expected: List[int]) -> None:
    assert lines(project, blocking_call_depth=depth, use_cache=False) == expected


def test_stat_calls_and_extended_blocking_calls_follow_the_settings(project: Path) -> None:
    found = lines(project, blocking_stat_calls=True, extend_blocking_calls={"mylib.slow_call": ("AL104", "slow")},
                  use_cache=False)
    assert 12 in found and 13 in found


def test_allowed_blocking_helpers_are_not_followed(project: Path) -> None:
    """``allowed-blocking-helpers``: no chain goes through an accepted helper (the look-alike still reports)."""
    everything = lines(project, use_cache=False)
    allowed = lines(project, allowed_blocking_helpers=("app.io.read_config",), use_cache=False)
    assert allowed and len(allowed) < len(everything)
    assert lines(project, allowed_blocking_helpers=("app.io.read_configuration",), use_cache=False) == everything


def test_pass_is_cached_and_follows_edits(project: Path) -> None:
    first = load_project_index(settings(project))
    cache = project / ".asynclint_cache"
    assert [p for p in os.listdir(cache) if p.startswith("callgraph-")]
    warm = load_project_index(settings(project))
    assert warm.blocking == first.blocking and warm.digest() == first.digest()
    io = project / "app" / "io.py"
    io.write_text(io.read_text().replace("with open(path) as handle:", "with path as handle:"))
    os.utime(io, ns=(1, 1))
    changed = load_project_index(settings(project))
    assert changed.digest() != first.digest()
    assert lines(project) == [14]  # only `spin` still blocks


def messages(root: Path, **extra: object) -> List[str]:
    (result,) = lint_paths([str(root / "app" / "handlers.py")], settings(root, **extra))
    return [f"{f.line}: {f.message}" for f in result.findings]


def test_an_edit_that_only_moves_lines_relines_the_cached_pass(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from asynclint.analysis import callgraph

    load_project_index(settings(project))
    io = project / "app" / "io.py"
    io.write_text("# two lines at the top\n# move every definition\n" + io.read_text())
    os.utime(io, ns=(1, 1))
    fresh = load_project_index(settings(project, use_cache=False)).blocking
    expected = messages(project, use_cache=False)
    # chains show io.py's lines, two further down now: read_config at 11 (was 9), open() at 12
    assert "`read_config()` (app/io.py:11) -> `open()` (app/io.py:12)" in expected[1]
    monkeypatch.setattr(callgraph.BlockingGraph, "run", lambda self: pytest.fail("the full pass ran"))
    relined = load_project_index(settings(project)).blocking
    assert relined == fresh
    assert messages(project) == expected


def test_an_edit_that_changes_what_the_pass_reads_runs_it_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from asynclint.analysis import callgraph

    load_project_index(settings(project))
    runs = []
    real = callgraph.BlockingGraph.run
    monkeypatch.setattr(callgraph.BlockingGraph, "run", lambda self: runs.append(1) or real(self))
    io = project / "app" / "io.py"
    # a new line *and* a new call: the shape changed, a re-lined result would be wrong
    io.write_text("# one line at the top\n" + io.read_text().replace("return left(n)", "return left(n) or spin(n)"))
    os.utime(io, ns=(1, 1))
    assert load_project_index(settings(project)).blocking == load_project_index(settings(project, use_cache=False)).blocking
    assert len(runs) == 2  # the cached run and the uncached one


def test_index_with_the_graph_pickles_for_workers(project: Path) -> None:
    index = load_project_index(settings(project, use_cache=False))
    assert index.blocking
    clone = pickle.loads(pickle.dumps(index))
    assert clone.blocking == index.blocking and not clone.graph_blobs


def test_no_graph_and_no_pass_when_the_rule_is_off(project: Path) -> None:
    index = load_project_index(settings(project, enabled=select_rules(["AL2"]), use_cache=False))
    assert index.blocking is None and not index.graph_blobs


def test_config_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nblocking-call-depth = 2\n")
    assert resolve({}, [str(tmp_path)], cwd=str(tmp_path)).settings.blocking_call_depth == 2
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nblocking-call-depth = 0\n")
    with pytest.raises(ConfigError):
        resolve({}, [str(tmp_path)], cwd=str(tmp_path))
