"""The project index: summaries, lookups through imports and bases, the cache, pickling, site-packages."""

from __future__ import annotations

import ast
import os
import pickle
import sys
import textwrap
import time
from pathlib import Path
from typing import Dict, Tuple

import pytest

from asynclint.analysis import index as index_module
from asynclint.analysis.index import ProjectIndex, site_package_dirs, summarize, wrapper_kind
from asynclint.base.settings import DEFAULT_EXCLUDE, Settings
from asynclint.catalogue.selection import select_rules
from asynclint.orchestration import project_index
from asynclint.orchestration.project_index import load_project_index


def write_tree(root: Path, files: Dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def settings(root: Path, **extra: object) -> Settings:
    values: Dict[str, object] = {"enabled": select_rules(["AL2"]), "project_root": str(root)}
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


PROJECT = {
    "pyproject.toml": "[tool.asynclint]\n",
    "app/__init__.py": """
        from .api import fetch, fetch as get
        from .api import *
        from .models import Repo
    """,
    "app/api.py": """
        import functools

        def wrap(fn):
            @functools.wraps(fn)
            async def inner(*a):
                return await fn(*a)
            return inner

        async def fetch(url): ...
        def render(x): ...
        async def stream():
            yield 1
        @wrap
        async def wrapped(): ...
        @mystery
        async def unknown(): ...
        async def publish(): ...
        alias = publish
    """,
    "app/models.py": """
        from .base import Base

        class Repo(Base):
            async def get(self, key): ...
            def save(self): ...
    """,
    "app/base.py": """
        class Base:
            async def save(self): ...
            async def delete(self): ...
    """,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_tree(tmp_path, PROJECT)
    return tmp_path


def is_coroutine(index: ProjectIndex, qualname: str) -> bool:
    target = index.function(qualname)
    return target is not None and target.is_coroutine


def test_lookups_through_reexports_aliases_and_bases(project: Path) -> None:
    index = load_project_index(settings(project, use_cache=False))
    assert is_coroutine(index, "app.api.fetch")
    assert is_coroutine(index, "app.fetch") and is_coroutine(index, "app.get")
    assert is_coroutine(index, "app.publish")  # star import
    assert is_coroutine(index, "app.api.alias")
    assert is_coroutine(index, "app.api.wrapped")  # project wrapper returning an async def
    assert not is_coroutine(index, "app.api.unknown")  # unknown decorator
    assert not is_coroutine(index, "app.api.render")
    assert not is_coroutine(index, "app.api.stream")  # async generator function
    assert is_coroutine(index, "app.Repo.get")
    assert is_coroutine(index, "app.Repo.delete")  # inherited
    assert not is_coroutine(index, "app.Repo.save")  # sync override
    target = index.function("app.get")
    assert target is not None and target.where(str(project)) == "app/api.py:10"
    method = index.method("app.models.Repo", "delete")
    assert method is not None and method.where(str(project)) == "app/base.py:4"
    assert is_coroutine(index, "asyncio.sleep")  # knowledge
    assert index.function("app.nothing") is None


def test_same_module_name_prefers_the_nearest_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "one/helpers.py": "async def go(): ...\n",
        "two/helpers.py": "def go(): ...\n",
    })
    index = load_project_index(settings(tmp_path, use_cache=False))
    one = index.function("helpers.go", near=str(tmp_path / "one" / "main.py"))
    two = index.function("helpers.go", near=str(tmp_path / "two" / "main.py"))
    assert one is not None and one.is_coroutine
    assert two is not None and not two.is_coroutine


def test_summary_conflicts_and_attributes() -> None:
    tree = ast.parse(textwrap.dedent("""
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from .cfg import Config
        try:
            from fast import fetch
        except ImportError:
            async def fetch(): ...
        class App:
            config: Config
            def __init__(self, store: "Store") -> None:
                self.store = store
                self.lock = Lock()
                self.name = "x"
    """))
    summary = summarize(tree, "pkg.app", False)
    assert "fetch" in summary["x"]  # bound two ways: unknown
    attrs = summary["c"]["App"][3]
    assert attrs["config"] == "pkg.cfg.Config"
    assert "name" not in attrs and "store" not in attrs  # no known type (Store is unresolved)


@pytest.mark.parametrize("source,kind", [
    ("def d(f):\n    async def w(*a):\n        return await f(*a)\n    return w\n", "a"),
    ("def d(f):\n    REG.append(f)\n    return f\n", "i"),
    ("def d(n):\n    def deco(f):\n        async def w():\n            pass\n        return w\n"
     "    return deco\n", "fa"),
    ("def d(f):\n    if ok(f):\n        return f\n    async def w():\n        pass\n    return w\n", "k"),
    ("def d(f):\n    def w():\n        pass\n    return w\n", ""),
    ("def d(f):\n    return other(f)\n", ""),
])
def test_wrapper_kind(source: str, kind: str) -> None:
    func = ast.parse(source).body[0]
    assert wrapper_kind(func, False, lambda d: False) == kind  # type: ignore[arg-type]


def graph_settings(root: Path) -> Settings:
    return settings(root, enabled=select_rules(["AL2", "AL107"]))


def test_cache_warm_incremental_and_corrupt(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = project_index.summarize_with_graph

    def counting(data: bytes, module: str, is_package: bool, path: str):  # type: ignore[no-untyped-def]
        calls.append(module)
        return real(data, module, is_package, path)

    monkeypatch.setattr(project_index, "summarize_with_graph", counting)
    first = load_project_index(graph_settings(project))
    assert len(calls) == 4
    cache_dir = project / ".asynclint_cache"
    assert (cache_dir / ".gitignore").read_text().strip().endswith("*")
    calls.clear()
    warm = load_project_index(graph_settings(project))
    assert calls == [] and warm.digest() == first.digest()
    # one file changes: only it is summarised again, and lookups see the change
    api = project / "app" / "api.py"
    api.write_text(api.read_text().replace("async def fetch(url)", "def fetch(url)"))
    os.utime(api, ns=(1, 1))
    updated = load_project_index(graph_settings(project))
    assert calls == ["app.api"]
    assert not is_coroutine(updated, "app.fetch") and updated.digest() != first.digest()
    # a touched file with the same content is not summarised again
    calls.clear()
    os.utime(api, ns=(2, 2))
    load_project_index(graph_settings(project))
    assert calls == []
    # garbage in the cache is ignored and replaced
    for cached in cache_dir.glob("index-*.marshal"):
        cached.write_bytes(b"\x00garbage" * 10)
    again = load_project_index(graph_settings(project))
    assert not is_coroutine(again, "app.fetch") and len(calls) == 4


def test_an_edit_rewrites_one_shard_and_a_damaged_shard_costs_only_its_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(40):
        (tmp_path / f"m{i:02d}.py").write_text(f"async def f{i}():\n    pass\n")
    load_project_index(settings(tmp_path))
    shards = sorted((tmp_path / ".asynclint_cache").glob("index-*.marshal"))
    assert len(shards) > 1
    before = {p: p.stat().st_mtime_ns for p in shards}
    edited = tmp_path / "m07.py"
    edited.write_text("async def renamed():\n    pass\n")
    os.utime(edited, ns=(1, 1))
    time.sleep(0.01)
    index = load_project_index(settings(tmp_path))
    assert is_coroutine(index, "m07.renamed")
    rewritten = [p for p in shards if p.stat().st_mtime_ns != before[p]]
    assert len(rewritten) == 1
    calls = []
    real = project_index.update_entry

    def counting(path: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        calls.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(project_index, "update_entry", counting)
    monkeypatch.setattr(project_index, "PARALLEL_MIN", 10**6)
    rewritten[0].write_bytes(b"\x00garbage")
    again = load_project_index(settings(tmp_path))
    assert is_coroutine(again, "m07.renamed") and is_coroutine(again, "m00.f0")
    assert 0 < len(calls) < 40 and str(edited) in calls


def test_use_counts_are_cached_until_a_modules_uses_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {
        "worker.py": """
            import asyncio

            async def _loop():
                await asyncio.sleep(1)

            def start():
                return asyncio.get_running_loop().create_task(_loop())
        """,
        "main.py": "import worker\n",
    })
    cancellation = settings(tmp_path, enabled=select_rules(["AL4"]))
    added = []
    real = ProjectIndex.add_up_references

    def counting(self: ProjectIndex):  # type: ignore[no-untyped-def]
        if self.references is None:
            added.append(1)
        return real(self)

    monkeypatch.setattr(ProjectIndex, "add_up_references", counting)
    first = load_project_index(cancellation).uses("_loop", "worker")
    assert added == [1] and first is not None
    warm = load_project_index(cancellation)
    assert added == [1] and warm.uses("_loop", "worker") == first
    assert list((tmp_path / ".asynclint_cache").glob("references-*.marshal"))
    worker = tmp_path / "worker.py"
    worker.write_text("# a comment that moves every line\n" + worker.read_text())
    os.utime(worker, ns=(2, 2))
    moved = load_project_index(cancellation)
    assert added == [1] and moved.uses("_loop", "worker") == first  # no use changed: the sums still hold
    worker.write_text(worker.read_text() + "\n\nasync def main():\n    await _loop()\n")
    os.utime(worker, ns=(1, 1))
    edited = load_project_index(cancellation)
    assert added == [1, 1] and edited.uses("_loop", "worker") != first
    assert edited.uses("_loop", "worker") == load_project_index(settings(tmp_path, enabled=select_rules(["AL4"]),
                                                                         use_cache=False)).uses("_loop", "worker")


def test_no_cache_and_cache_dir(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    load_project_index(settings(project, use_cache=False))
    assert not (project / ".asynclint_cache").exists()
    elsewhere = tmp_path_factory.mktemp("cache")
    load_project_index(settings(project, cache_dir=str(elsewhere)))
    assert list(elsewhere.glob("index-*.marshal")) and not (project / ".asynclint_cache").exists()


def test_unwritable_cache_still_indexes(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    blocker = tmp_path_factory.mktemp("ro") / "file"
    blocker.write_text("not a directory")
    index = load_project_index(settings(project, cache_dir=str(blocker / "cache")))
    assert is_coroutine(index, "app.fetch")


def test_excludes(project: Path) -> None:
    write_tree(project, {".venv/lib/x.py": "async def hidden(): ...\n", "build/gen.py": "async def built(): ...\n",
                         "vendor/dep.py": "async def vendored(): ...\n"})
    index = load_project_index(settings(project, use_cache=False, index_exclude=DEFAULT_EXCLUDE + ("vendor",)))
    paths = {os.path.relpath(p, project) for p in index.modules}
    assert not any(p.startswith((".venv", "build", "vendor")) for p in paths)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_odd_files_are_skipped(project: Path) -> None:
    os.mkfifo(project / "app" / "fifo.py")
    (project / "broken.py").symlink_to(project / "gone.py")
    (project / "loop").mkdir()
    (project / "loop" / "again").symlink_to(project / "loop")
    index = load_project_index(settings(project, use_cache=False))
    assert is_coroutine(index, "app.fetch")
    assert not any(p.endswith(("fifo.py", "broken.py")) for p in index.modules)


def test_pickle_roundtrip(project: Path) -> None:
    index = load_project_index(settings(project, use_cache=False))
    index.trigger_names()
    clone = pickle.loads(pickle.dumps(index))
    assert clone.digest() == index.digest()
    assert is_coroutine(clone, "app.Repo.delete")
    assert clone.trigger_names() == index.trigger_names()


def test_trigger_names_cover_aliases(project: Path) -> None:
    triggers = load_project_index(settings(project, use_cache=False)).trigger_names()
    assert {b"fetch", b"get", b"delete", b"wrapped", b"sleep"} <= triggers


def test_site_packages_read_as_source(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    site = tmp_path_factory.mktemp("venv") / "lib" / "python3.11" / "site-packages"
    write_tree(site, {"extlib/__init__.py": "from ._client import Client, connect\n",
                      "extlib/_client.py": "class Client:\n    async def get(self): ...\n\nasync def connect(): ...\n"})
    index = load_project_index(settings(project, use_cache=False, site_packages=(str(site),)))
    assert is_coroutine(index, "extlib.connect")
    assert is_coroutine(index, "extlib.Client.get")
    venv = site.parent.parent.parent
    assert site_package_dirs((), None, {"VIRTUAL_ENV": str(venv)}) == (str(site),)
    assert site_package_dirs((), str(venv / "bin" / "python"), {}) == (str(site),)
    assert site_package_dirs((), None, {}) == ()
    # never asynclint's own environment (pre-commit sets VIRTUAL_ENV to the hook's)
    assert site_package_dirs((), None, {"VIRTUAL_ENV": sys.prefix}) == ()


def test_files_beyond_the_parser_budget_are_not_parsed(project: Path) -> None:
    from asynclint.analysis import index as index_module

    big = project / "big.py"
    big.write_bytes(b"async def huge(): ...\n" + b"x = 1\n" * (index_module.MAX_INDEXED_BYTES // 6 + 1))
    index = load_project_index(settings(project, use_cache=False))
    assert str(big) in index.modules
    assert not is_coroutine(index, "big.huge")


def test_star_imports_of_unindexed_modules_stay_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx's ``__init__`` star-imports eleven submodules: linted alone, with none of them indexed, a
    lookup used to build ever longer names (11**24 of them) and ran out of memory."""
    stars = "".join(f"from ._m{i} import *\n" for i in range(11))
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text(stars + "\n\nasync def main():\n    print(1)\n    helper()\n")
    index = load_project_index(settings(tmp_path / "elsewhere", use_cache=False))
    calls = []
    original = ProjectIndex._resolve_in

    def counted(self: ProjectIndex, *args: object) -> object:
        calls.append(1)
        assert len(calls) < 100, "star-import lookups are not bounded"
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ProjectIndex, "_resolve_in", counted)
    local = index_module.LocalModule("pkg", str(package / "__init__.py"),
                                     summarize(ast.parse(stars), "pkg", True))
    assert index.function("pkg.helper", str(package / "__init__.py"), local) is None
    assert index.function("pkg._m3.print", str(package / "__init__.py"), local) is None


def test_one_job_builds_the_index_in_this_process(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--jobs 1`` means one process, for the index's cold build too."""
    import concurrent.futures

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process pool was started")

    monkeypatch.setattr(project_index, "PARALLEL_MIN", 1)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    index = load_project_index(settings(project, use_cache=False), jobs=1)
    assert is_coroutine(index, "app.Repo.delete")


def test_the_lint_reuses_the_summary_of_unchanged_text_only(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = load_project_index(settings(project, use_cache=False))
    path = project / "app" / "api.py"
    text = path.read_text()
    monkeypatch.chdir(project)
    assert index.stored_summary(os.path.join("app", "api.py"), "app.api", False, text) == index.summary(str(path))
    assert index.stored_summary(str(path), "app.api", False, text + "\n") is None  # edited since indexing
    assert index.stored_summary(str(path), "app.other", False, text) is None  # another module's name
    assert index.stored_summary(str(project / "nowhere.py"), "nowhere", False, "") is None


def test_call_graph_data_only_when_al107_runs(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AL107's call-graph data is most of a cold build: a run without the rule does not compute it,
    and a later run with it computes what is missing."""
    calls = []
    for name in ("summarize_with_graph", "summarize_source"):
        real = getattr(project_index, name)
        monkeypatch.setattr(project_index, name, lambda *args, _real=real, _name=name: calls.append(_name) or _real(*args))
    load_project_index(settings(project))
    assert calls == ["summarize_source"] * 4
    calls.clear()
    load_project_index(settings(project))
    assert calls == []
    with_graph = load_project_index(graph_settings(project))
    assert calls == ["summarize_with_graph"] * 4 and with_graph.blocking is not None
    calls.clear()
    load_project_index(settings(project))
    load_project_index(graph_settings(project))
    assert calls == []


def test_decorated_sync_defs_are_triggers_only_with_a_possible_async_wrapper(tmp_path: Path) -> None:
    """`@property def name` cannot be a coroutine function; `@to_async def name` can (AL201's triage)."""
    write_tree(tmp_path, {
        "wrappers.py": """
            import functools

            def to_async(fn):
                @functools.wraps(fn)
                async def inner(*args):
                    return fn(*args)
                return inner

            same = to_async
        """,
        "models.py": """
            from wrappers import to_async, same as renamed

            class Model:
                @property
                def plain_property(self):
                    return 1

                @to_async
                def wrapped_method(self):
                    return 2

            @renamed
            def wrapped_via_alias():
                return 3

            @functools.lru_cache
            def cached():
                return 4
        """,
    })
    index = load_project_index(settings(tmp_path, use_cache=False))
    triggers = index.trigger_names()
    assert {b"wrapped_method", b"wrapped_via_alias", b"renamed"} <= triggers
    assert not {b"plain_property", b"cached", b"to_async"} & triggers
    assert is_coroutine(index, "models.Model.wrapped_method") and is_coroutine(index, "models.wrapped_via_alias")


def test_shape_digest_ignores_moved_lines_but_not_their_order() -> None:
    from asynclint.analysis.index import shape_digest
    from asynclint.orchestration.project_index import summarize_with_graph

    source = ("import time\n\n\ndef helper():\n    return 1\n\n\ndef other():\n    return 2\n\n\n"
              "def load(flag):\n    x = (helper()\n         if other() else\n         time.sleep(1))\n    return x\n")

    def shape(text: str) -> str:
        summary, graph = summarize_with_graph(text.encode(), "m", False, "/x/m.py")
        return shape_digest(summary, graph)

    base = shape(source)
    assert shape("# moved\n\n" + source) == base  # every line moved down
    # the test `other()` is walked before `helper()` but sits below it; joined, they tie: a new order
    assert shape(source.replace("x = (helper()\n         if other() else\n", "x = (helper() if other() else\n")) != base
    assert shape(source.replace("return x", "return x or helper()")) == base  # a second call to a known callee
    assert shape(source.replace("return 1", "return time.sleep(2)")) != base  # a new blocking call
    assert shape(source.replace("def helper", "async def helper")) != base


def test_use_counts_of_coroutines() -> None:
    """Spawn / await / other per name, read from the text without walking every function."""
    import ast as _ast
    import textwrap as _tw

    from asynclint.analysis.references import FUNC, SELF, add_up, combine, module_references

    source = _tw.dedent('''
        import asyncio
        import trio

        class C:
            def start(self):
                self._t = asyncio.get_running_loop().create_task(self._loop())  # _other() in a comment
                wrapped = self._event()
                self.loop.create_task(wrapped)
                helper(self._helped())
                contextvars.Context().run(self.loop.create_task, self._ctx())
                "_other is mentioned in prose"

            async def use(self, nursery):
                await self._other()
                await asyncio.create_task(self._awaited_task())
                nursery.start_soon(self._soon)
                await nursery.start(self._started)
                return self._returned()

            async def _loop(self): ...
            async def _event(self): ...
            async def _helped(self): ...
            async def _ctx(self): ...
            async def _other(self): ...
            async def _awaited_task(self): ...
            async def _soon(self): ...
            async def _started(self): ...
            async def _returned(self): ...

        def helper(coro):
            return asyncio.create_task(coro)
    ''')
    table, mentions, packages, *_ = module_references(_ast.parse(source), source, {"asyncio": "asyncio"}, False)

    def as_method(name: str) -> Tuple[int, int, int]:
        return combine(table[name], method=True)

    assert as_method("_loop") == (1, 0, 0)
    assert as_method("_event") == (1, 0, 0)  # bound to a name first
    assert as_method("_helped") == (1, 0, 0)  # through a helper that starts its parameter
    assert as_method("_ctx") == (1, 0, 0)  # a spawner passed as a function
    assert as_method("_other") == (0, 1, 0)  # comments and prose do not count
    assert as_method("_awaited_task") == (0, 1, 0)
    assert as_method("_soon") == (1, 0, 0) and as_method("_started") == (1, 0, 0)
    assert as_method("_returned") == (0, 1, 0)  # returned: the caller awaits it
    # every use above goes through ``self.``: none of them reaches a module-level function of that name
    assert all(combine(table[name], method=False) == (0, 0, 0) for name in ("_loop", "_other", "_returned"))
    assert packages == ("asyncio", "trio")

    def counts(spawned: int = 0, awaited: int = 0, other: int = 0, channel: int = FUNC) -> Tuple[int, ...]:
        row = [0] * 9
        row[channel:channel + 3] = [spawned, awaited, other]
        return tuple(row)

    # another package's use counts only when one imports the other
    other = ({"x": counts(awaited=1)}, "", ())
    totals = add_up(iter([("app.m", {"x": counts(spawned=1)}, "", ()), ("unrelated.m",) + other]))
    assert combine(totals["x"]["app"], method=False) == (1, 0, 0)  # unrelated.m's await counts only for its own package
    totals = add_up(iter([("app.m", {"x": counts(spawned=1)}, "", ()), ("lib.m", {}, "!x", ("app",))]))
    assert combine(totals["x"]["app"], method=False) == (1, 0, 1)
    # a mention marked ``~`` was read inside an awaited expression; a private name is counted unspawned
    totals = add_up(iter([("app.m", {"_x": counts(other=1, channel=SELF)}, "", ()), ("app.n", {}, "@_x~ _x", ())]))
    assert combine(totals["_x"]["app"], method=True) == (0, 1, 2)
    # a public coroutine function is counted too, started or not (a root that runs until it is stopped)
    assert combine(add_up(iter([("app.m", {"x": counts(other=1)}, "", ())]))["x"]["app"], method=False) == (0, 0, 1)
    assert add_up(iter([("app.m", {}, "!x", ())])) == {}  # a mention alone: no coroutine of that name


def test_uses_inside_awaited_expressions_count_as_awaited() -> None:
    """``await helper(self._x)``, across lines, and ``wait_for(self._x(), 5)``: whoever awaits waits on
    ``_x``; the callee of ``return self._x()`` too. Not its arguments, nor a spawn that is awaited."""
    import ast as _ast
    import textwrap as _tw

    from asynclint.analysis.references import combine, module_references

    source = _tw.dedent('''
        import asyncio

        class C:
            async def use(self, helper, nursery, hooks):
                await helper(
                    self._helped,
                    "x",
                )
                await asyncio.wait_for(self._waited(), 5)
                await nursery.start(self._served)
                hooks.append(self._hooked)
                return report(self._reported)

            async def _helped(self): ...
            async def _waited(self): ...
            async def _served(self): ...
            async def _hooked(self): ...
            async def _reported(self): ...
    ''')
    table, mentions, *_ = module_references(_ast.parse(source), source, {"asyncio": "asyncio"}, False)
    assert combine(table["_helped"], method=True) == (0, 1, 0)
    assert combine(table["_waited"], method=True) == (0, 1, 0)
    assert combine(table["_served"], method=True) == (1, 0, 0)
    assert combine(table["_hooked"], method=True) == (0, 0, 1)
    assert combine(table["_reported"], method=True) == (0, 0, 1)
    other = "import asyncio\n\nasync def f(c):\n    await asyncio.shield(c._shared())\n    c._kept.append(1)\n"
    _, words, *_ = module_references(_ast.parse(other), other, {"asyncio": "asyncio"}, False)
    assert "_shared~" in words.split() and "_kept" in words.split()


def test_use_counts_tell_methods_from_functions() -> None:
    """A method is reached as an attribute, a module function by its bare name or through its module:
    ``await self.listen()`` in one class does not make a module function ``listen`` awaited (issue 18)."""
    import ast as _ast
    import textwrap as _tw

    from asynclint.analysis.references import combine, module_references

    source = _tw.dedent('''
        import asyncio
        from . import helpers
        from .cli import main
        from app.main import Server  # a module path, not an attribute ``main``

        async def listen(): ...
        async def serve(): ...
        async def poll(): ...

        def start(loop):
            loop.create_task(listen())
            asyncio.create_task(serve())

        class Coordinator:
            async def listen(self): ...
            async def main(self): ...

            async def run(self):
                await self.listen()
                await helpers.serve()
                await poller.poll()

            def begin(self, loop):
                loop.create_task(self.main())
    ''')
    table, mentions, *_ = module_references(_ast.parse(source), source,
                                           {"asyncio": "asyncio", "helpers": "pkg.helpers", "main": "pkg.cli.main"}, False)
    assert combine(table["listen"], method=False) == (1, 0, 0)  # the function: started, never awaited by name
    assert combine(table["listen"], method=True) == (0, 1, 0)  # the method: awaited (self.listen()), never started
    assert combine(table["serve"], method=False) == (1, 1, 0)  # ``helpers.serve()``: through a module
    assert combine(table["poll"], method=True) == (0, 1, 0)  # ``poller.poll()``: a method's call
    assert combine(table["poll"], method=False) == (0, 0, 0)
    assert combine(table["main"], method=True) == (1, 0, 0)  # the imported ``main`` is not the method
    assert combine(table["main"], method=False) == (0, 0, 0)


def test_use_counts_skip_bindings_and_defs_of_the_name() -> None:
    """``start = ...``, ``f(start=1)``, ``self.start = ...`` and a sync ``def start`` bind the name; none uses
    the coroutine function ``start`` (which a CLI command decorator makes a program root)."""
    import ast as _ast
    import textwrap as _tw

    from asynclint.analysis.references import combine, module_references

    source = _tw.dedent('''
        import time

        @app.command(name="start")
        async def start():
            ...

        def stopwatch(start=None):
            start = time.monotonic()
            return report(start=start)

        class Engine:
            def start(self):
                self.start = None
    ''')
    table, *_ = module_references(_ast.parse(source), source, {"time": "time"}, False)
    assert combine(table["start"], method=False) == (1, 0, 1)  # the root, and one read: ``start=start``'s value


def test_self_use_classes_name_the_classes_off_spawn_lines() -> None:
    source = textwrap.dedent('''
        import asyncio

        class Service:
            def start(self):
                self._task = asyncio.create_task(self._run())

            async def _run(self):
                self._run = None

        class Hooks:
            class Inner:
                async def fire(self):
                    await self._run()

        def helper(self):
            return self._run
    ''')
    import ast as _ast

    from asynclint.analysis.references import module_references
    _, _, _, classes, *_ = module_references(_ast.parse(source), source, {"asyncio": "asyncio"}, False)
    assert classes == {"_run": ("", "Hooks.Inner")}  # the spawn line and the binding are not uses


def test_tail_only_uses_name_the_callers_and_leave_other_uses_out() -> None:
    """A name awaited only as the last statement (through ``with``/``try``, or ``return await``) is a tail
    use; any other mention of it in the module (mid-way, passed, in a string) makes it an ordinary use."""
    import ast as _ast

    from asynclint.analysis.references import FUNC, SELF, add_up, module_references

    source = (
        "import asyncio\n"
        "from svc import Service, serve, drain, named\n"
        "async def root():\n    async with ctx():\n        try:\n            await Service.run_services()\n"
        "        finally:\n            pass\n"
        "class Worker:\n    async def main(self):\n        return await self.serve_forever()\n"
        "async def first():\n    await drain()\n    print()\n"
        "async def second():\n    await drain()\n"
        "async def third():\n    await named()\n"
        "X = 'named'\n"
    )
    tails = module_references(_ast.parse(source), source, {"Service": "svc.Service", "drain": "svc.drain"}, False)[4]
    assert tails == {"run_services": (f"{FUNC}!root",), "serve_forever": (f"{SELF}@main",)}
    callers: dict = {}
    counts = (0, 0, 0, 0, 0, 0, 0, 0, 0)
    totals = add_up(iter([("app.svc", {"run_services": counts}, "", ()),
                          ("app.cli", {}, "!run_services", (), {"run_services": (f"{FUNC}!root",)})]), callers)
    assert totals["run_services"] == {"app": counts}  # the tail-only module gives no "other" use
    assert callers == {"run_services": {"app": [f"app.cli:{FUNC}!root"]}}


def test_raise_only_uses_are_awaits_in_handlers_that_always_raise() -> None:
    """A private name counts only when every mention but its def and imports is ``await name(...)`` in
    an ``except`` handler ending in ``raise`` with no ``return``/``break``/``continue``."""
    import ast as _ast
    from collections import Counter

    from asynclint.analysis.references import raise_only_uses

    source = (
        "from .h import _imported, _mixed\n"
        "async def _drain(t):\n    pass\n"
        "async def a(t):\n    try:\n        await t\n    except BaseException:\n"
        "        await _drain(t)\n        if await _imported(t) is None:\n            pass\n        raise\n"
        "async def b(t):\n    try:\n        await t\n    except BaseException:\n"
        "        await _mixed(t)\n        await self._returning(t)\n        if t:\n            return\n        raise\n"
        "async def c(t):\n    await _mixed(t)\n"
    )
    found = raise_only_uses(_ast.parse(source), source, {}, Counter(["_imported", "_mixed"]))
    assert found == ("!_drain", "!_imported")
    in_finally = (
        "class C:\n    async def _unpause(self):\n        pass\n"
        "    async def a(self, t):\n        try:\n            await t\n        except BaseException:\n"
        "            raise\n        finally:\n            await self._unpause()\n"
        "    async def b(self, t):\n        try:\n            await t\n        finally:\n"
        "            await self._swallowed()\n            return\n"
    )
    assert raise_only_uses(_ast.parse(in_finally), in_finally, {}, Counter()) == ("@_unpause",)
    nested = (  # a handler inside such a finally is counted once
        "async def _drain(t):\n    pass\n"
        "async def a(t):\n    try:\n        await t\n    finally:\n        try:\n            await t\n"
        "        except BaseException:\n            await _drain(t)\n            raise\n"
    )
    assert raise_only_uses(_ast.parse(nested), nested, {}, Counter()) == ("!_drain",)


def test_raise_only_names_ignore_uses_through_a_channel_that_cannot_reach_them() -> None:
    """``self._drain`` elsewhere is another class's method, not the function ``_drain``; ``obj._drain``
    may be either, and keeps both out."""
    from asynclint.analysis.index import _raise_only_names

    helper = {"ro": ("!_drain",), "r": {"_drain": (0, 1, 0, 0, 0, 0, 0, 0, 0)}}
    assert _raise_only_names([helper, {"m": "@_drain"}]) == ("!_drain",)
    assert _raise_only_names([helper, {"m": "!_drain~"}]) == ()
    assert _raise_only_names([helper, {"m": "_drain"}]) == ()
    assert _raise_only_names([{"ro": ("@_drain",)}, {"m": "!_drain"}]) == ("@_drain",)


def test_module_names_run_through_a_folder_without_init_inside_a_package(tmp_path: Path) -> None:
    """``pkg/streaming/`` has no ``__init__.py`` but sits in a package: Python imports it as the namespace
    portion ``pkg.streaming``, so its modules are named from ``pkg``; a top-level folder without one is not."""
    from asynclint.engine import module_name_for

    (tmp_path / "pkg" / "streaming" / "utils").mkdir(parents=True)
    (tmp_path / "scripts").mkdir()
    for path in ("pkg/__init__.py", "pkg/streaming/utils/__init__.py", "pkg/streaming/talk.py",
                 "pkg/streaming/utils/spawn.py", "scripts/run.py"):
        (tmp_path / path).write_text("")
    assert module_name_for(str(tmp_path / "pkg/streaming/talk.py")) == ("pkg.streaming.talk", False)
    assert module_name_for(str(tmp_path / "pkg/streaming/utils/spawn.py")) == ("pkg.streaming.utils.spawn", False)
    assert module_name_for(str(tmp_path / "pkg/streaming/utils/__init__.py")) == ("pkg.streaming.utils", True)
    assert module_name_for(str(tmp_path / "scripts/run.py")) == ("run", False)
