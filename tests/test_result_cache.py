"""The result cache keeps each file's index dependencies: an edit elsewhere re-lints only the files
that consulted what changed, and every cached run reports exactly what an uncached run does."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from asynclint.analysis import index as index_module
from asynclint.base.settings import Settings
from asynclint.catalogue.selection import select_rules
from asynclint.orchestration.runner import RunStats, lint_paths

PROJECT = {
    "pyproject.toml": "[tool.asynclint]\n",
    "app/__init__.py": "",
    "app/api.py": """
        async def fetch(url):
            return url
    """,
    "app/user.py": """
        from .api import fetch


        async def handler():
            fetch("/users")
    """,
    "app/sync_caller.py": """
        from .lib import helper


        def main():
            helper()
    """,
    "app/lib.py": """
        def helper():
            return 1
    """,
    "app/handlers.py": """
        from .helpers import load


        async def handle():
            return load()
    """,
    "app/helpers.py": """
        from .deep import read


        def load():
            return read()
    """,
    "app/deep.py": """
        def read():
            with open("settings.cfg") as handle:
                return handle.read()
    """,
    "app/other.py": """
        import time


        async def tick():
            time.sleep(1)
    """,
}

Findings = List[Tuple[str, int, str]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return tmp_path


def run(root: Path, cached: bool = True, extra: Tuple[str, ...] = ()) -> Tuple[Findings, RunStats]:
    settings = Settings(enabled=select_rules(extend_select=["AL107", *extra]), project_root=str(root),
                        use_cache=cached)
    paths = sorted(str(p) for p in (root / "app").glob("*.py"))
    stats = RunStats()
    results = lint_paths(paths, settings, jobs=1, cache_dir=str(root / ".asynclint_cache") if cached else None,
                         stats=stats)
    found = sorted((os.path.basename(f.path), f.line, f.code) for r in results for f in r.findings)
    return found, stats


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / "app" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(1, 1))  # same second as the cached stat would not be noticed otherwise


def rerun_after_edit(root: Path, name: str, old: str, new: str) -> Findings:
    """Edit one file, run again with the cache, and check the cached run says what an uncached one says."""
    edit(root, name, old, new)
    found, _ = run(root)
    assert found == run(root, cached=False)[0]
    return found


def relinted(stats: RunStats) -> int:
    return stats.files - stats.cached


def test_an_edit_relints_only_the_files_that_looked_at_it(project: Path) -> None:
    first, stats = run(project)
    assert ("user.py", 5, "AL201") in first and ("other.py", 5, "AL101") in first
    assert ("handlers.py", 5, "AL107") in first
    assert run(project)[1].cached == stats.files
    # moving every line of api.py changes what user.py was told (fetch's line), nothing else's
    edit(project, "api.py", "async def fetch", "# a comment\n\n\nasync def fetch")
    found, stats = run(project)
    assert found == run(project, cached=False)[0] == first
    assert relinted(stats) == 2  # api.py itself and user.py
    # fetch becomes sync: user.py has nothing to report any more
    edit(project, "api.py", "async def fetch", "def fetch")
    found, stats = run(project)
    assert found == run(project, cached=False)[0]
    assert ("user.py", 5, "AL201") not in found
    # the project's coroutine-function names changed: files the triage cleared by those names are
    # re-triaged (cheap); files with coroutines of their own that never looked at api.py are not
    assert stats.cached == 2  # handlers.py, other.py


def test_a_new_coroutine_function_reaches_files_the_triage_had_cleared(project: Path) -> None:
    first, _ = run(project)
    assert not [f for f in first if f[0] == "sync_caller.py"]
    found = rerun_after_edit(project, "lib.py", "def helper", "async def helper")
    assert ("sync_caller.py", 5, "AL201") in found


def test_a_chain_two_modules_away_is_followed(project: Path) -> None:
    """handlers.py looks up helpers.py only; whether helpers' callee blocks lives in deep.py."""
    first, _ = run(project)
    assert ("handlers.py", 5, "AL107") in first
    edit(project, "deep.py", 'with open("settings.cfg") as handle:\n        return handle.read()', "return 1")
    found, stats = run(project)
    assert found == run(project, cached=False)[0]
    assert ("handlers.py", 5, "AL107") not in found
    assert relinted(stats) <= 3  # deep.py, helpers.py (its callee's chain) and handlers.py


def test_a_new_module_that_answers_a_lookup_is_noticed(project: Path) -> None:
    """user.py asked for ``app.api``; a package ``app/api/`` now answers instead of the module."""
    run(project)
    (project / "app" / "api.py").unlink()
    (project / "app" / "api").mkdir()
    (project / "app" / "api" / "__init__.py").write_text("def fetch(url):\n    return url\n")
    found, _ = run(project)
    assert found == run(project, cached=False)[0]
    assert ("user.py", 5, "AL201") not in found


def test_damaged_dependency_rows_are_not_trusted(project: Path) -> None:
    first, _ = run(project)
    cache_dir = project / ".asynclint_cache"
    (results,) = cache_dir.glob("results-*")
    import marshal

    data = marshal.loads(results.read_bytes())
    data["rows"] = data["rows"][:1]  # entries now refer to rows that are gone
    data["files"] = {k: (*v[:4], v[4] + ("x",)) if i % 2 else v for i, (k, v) in enumerate(data["files"].items())}
    results.write_bytes(marshal.dumps(data))
    found, stats = run(project)
    assert found == first
    assert relinted(stats) > 0


@pytest.mark.parametrize("row", [("m", ["unhashable"], (), "", ""), ("m", "app.api"), ("b", 1, 2), ("t",), ("?",), (),
                                 ("s", "extlib", 3, None), ("m", "app.api", ("/nowhere.py",), "/nowhere.py", "x")])
def test_a_malformed_row_only_means_the_file_is_linted_again(project: Path, row: tuple) -> None:
    import marshal

    first, _ = run(project)
    (results,) = (project / ".asynclint_cache").glob("results-*")
    data = marshal.loads(results.read_bytes())
    data["rows"][0] = row
    results.write_bytes(marshal.dumps(data))
    found, stats = run(project)
    assert found == first and relinted(stats) > 0
    assert run(project)[1].cached == stats.files  # and the next run trusts the fresh entries


def test_superseded_rows_are_dropped_once_they_are_many(project: Path) -> None:
    import marshal

    def saved() -> Tuple[list, set]:
        (results,) = (project / ".asynclint_cache").glob("results-*")
        data: Dict[str, object] = marshal.loads(results.read_bytes())
        rows = data["rows"]
        assert isinstance(rows, list) and len(rows) == len(set(rows))
        return rows, {n for entry in data["files"].values() for n in entry[4]}  # type: ignore[attr-defined]

    run(project)
    rows, used = saved()
    assert used == set(range(len(rows)))
    sizes = []
    for i in range(12):  # each edit leaves user.py's old row behind, until they are a quarter of all
        edit(project, "api.py", "async def fetch", "\nasync def fetch")
        found, _ = run(project)
        assert found == run(project, cached=False)[0]
        rows, used = saved()
        assert len(used) >= len(rows) * 3 // 4
        sizes.append(len(rows))
    assert any(b < a for a, b in zip(sizes, sizes[1:])), sizes  # a save dropped the stale rows


def test_a_third_party_module_read_as_source_is_a_dependency(
        project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path_factory.mktemp("site")
    (site / "extlib.py").write_text("def get():\n    return 1\n")
    (project / "app" / "uses_ext.py").write_text("import extlib\n\n\nasync def go():\n    extlib.get()\n")

    def run_with_site(cached: bool = True) -> Findings:
        settings = Settings(enabled=select_rules(), project_root=str(project), site_packages=(str(site),),
                            use_cache=cached)
        results = lint_paths([str(project / "app" / "uses_ext.py")], settings, jobs=1,
                             cache_dir=str(project / ".asynclint_cache") if cached else None)
        return [(os.path.basename(f.path), f.line, f.code) for r in results for f in r.findings]

    assert run_with_site() == []
    (site / "extlib.py").write_text("async def get():\n    return 1\n")  # an upgrade of the library
    assert run_with_site() == run_with_site(cached=False) == [("uses_ext.py", 5, "AL201")]
    (site / "extlib").mkdir()  # a package now shadows the module
    (site / "extlib" / "__init__.py").write_text("def get():\n    return 1\n")
    assert run_with_site() == run_with_site(cached=False) == []
    # checking the rows of a warm run reads no third-party source
    monkeypatch.setattr(index_module, "summarize_source", lambda *args: pytest.fail("read site-packages"))
    assert run_with_site() == []


def test_rows_recorded_in_workers_hold_in_the_main_process(project: Path) -> None:
    """Digests must not depend on the process that made them (marshal's bytes do: object sharing)."""
    for i in range(20):  # enough files for a pool; sync ones make the triage consult the coroutine names
        (project / "app" / f"extra{i:02d}.py").write_text(f"from .lib import helper\n\n\ndef use{i}():\n    helper()\n")
    settings = Settings(enabled=select_rules(extend_select=["AL107"]), project_root=str(project))
    paths = sorted(str(p) for p in (project / "app").glob("*.py"))
    cache_dir = str(project / ".asynclint_cache")
    cold, warm = RunStats(), RunStats()
    first = lint_paths(paths, settings, jobs=2, cache_dir=cache_dir, stats=cold)
    assert cold.workers >= 1  # recorded in a worker, checked here
    second = lint_paths(paths, settings, jobs=2, cache_dir=cache_dir, stats=warm)
    assert warm.cached == len(paths)
    assert [r.findings for r in first] == [r.findings for r in second]


def test_a_file_changed_while_it_was_linted_is_linted_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache keeps the stat and digest of the bytes that were linted, not of what is on disk
    after the lint (which would pair the new text with the old findings)."""
    from asynclint import engine

    other = project / "app" / "other.py"
    real = engine.lint_source

    def edited_meanwhile(data: bytes, path: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        result = real(data, path, *args, **kwargs)  # type: ignore[arg-type]
        if path == str(other):
            other.write_text(other.read_text().replace("time.sleep(1)", "pass"))
            os.utime(other, ns=(7, 7))
        return result

    monkeypatch.setattr(engine, "lint_source", edited_meanwhile)
    assert ("other.py", 5, "AL101") in run(project)[0]
    monkeypatch.setattr(engine, "lint_source", real)
    found, _ = run(project)
    assert found == run(project, cached=False)[0] and ("other.py", 5, "AL101") not in found


def test_a_subclass_overriding_a_hook_with_a_def_is_a_dependency(tmp_path: Path) -> None:
    """base.py's ``self.setup()`` gets no fix while plugin.py overrides ``setup`` with a plain def;
    base.py never imports plugin.py, so only the recorded override row can make it re-lint."""
    files = {
        "pyproject.toml": "[tool.asynclint]\n",
        "app/__init__.py": "",
        "app/base.py": "class Plugin:\n    async def setup(self):\n        pass\n\n"
                       "    async def start(self):\n        self.setup()\n",
        "app/plugin.py": "from .base import Plugin\n\n\nclass Sync(Plugin):\n    def setup(self):\n        pass\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    def fixes(cached: bool = True) -> List[Tuple[int, str, bool]]:
        settings = Settings(enabled=select_rules(), project_root=str(tmp_path), use_cache=cached)
        paths = sorted(str(p) for p in (tmp_path / "app").glob("*.py"))
        results = lint_paths(paths, settings, jobs=1, cache_dir=str(tmp_path / ".c") if cached else None)
        return sorted((f.line, f.code, f.fix is not None) for r in results for f in r.findings)

    assert fixes() == [(6, "AL201", False)]
    assert fixes() == [(6, "AL201", False)]  # from the cache
    edit(tmp_path, "plugin.py", "def setup", "async def setup")
    assert fixes() == fixes(cached=False) == [(6, "AL201", True)]
    edit(tmp_path, "plugin.py", "async def setup", "def setup")
    assert fixes() == fixes(cached=False) == [(6, "AL201", False)]


def test_a_module_that_rewrites_a_class_into_sync_wrappers_is_a_dependency(tmp_path: Path) -> None:
    """client.py's ``self.stop()`` in ``__exit__`` is left alone while sync.py rewrites the class's
    coroutine methods at import (pyrogram's ``wrap(Methods)``); client.py never imports sync.py, so only
    the recorded row can make it re-lint when the rewrite goes away or comes back."""
    files = {
        "pyproject.toml": "[tool.asynclint]\n",
        "app/__init__.py": "",
        "app/client.py": "class Client:\n    async def stop(self):\n        pass\n\n"
                         "    def __exit__(self, *args):\n        self.stop()\n",
        "app/sync.py": "import inspect\n\nfrom .client import Client\n\n\ndef wrap(cls):\n"
                       "    for name in dir(cls):\n        if inspect.iscoroutinefunction(getattr(cls, name)):\n"
                       "            setattr(cls, name, lambda *a: None)\n\n\nwrap(Client)\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    def found(cached: bool = True) -> List[Tuple[int, str]]:
        settings = Settings(enabled=select_rules(), project_root=str(tmp_path), use_cache=cached)
        paths = sorted(str(p) for p in (tmp_path / "app").glob("*.py"))
        results = lint_paths(paths, settings, jobs=1, cache_dir=str(tmp_path / ".c") if cached else None)
        return sorted((f.line, f.code) for r in results for f in r.findings)

    assert found() == found() == []
    edit(tmp_path, "sync.py", "\nwrap(Client)", "\n# wrap(Client)")
    assert found() == found(cached=False) == [(6, "AL201")]
    edit(tmp_path, "sync.py", "# wrap(Client)", "wrap(Client)")
    assert found() == found(cached=False) == []


def test_a_task_body_awaited_elsewhere_is_noticed(project: Path) -> None:
    """Whether a coroutine is only started as a task (AL406 instead of AL401) depends on every file:
    awaiting it in another file re-lints the file with the handler."""
    (project / "app" / "worker.py").write_text(textwrap.dedent("""
        import asyncio


        class Worker:
            def start(self):
                self._task = asyncio.create_task(self._read_frames())

            async def _read_frames(self):
                try:
                    await asyncio.sleep(1)
                except asyncio.CancelledError:
                    pass
    """).lstrip())
    first, _ = run(project)
    assert not [f for f in first if f[0] == "worker.py"]
    edit(project, "other.py", "async def tick():", "async def tick(worker):\n    await worker._read_frames()")
    found, stats = run(project)
    assert found == run(project, cached=False)[0]
    assert ("worker.py", 11, "AL401") in found


def test_a_spawn_helper_that_stops_starting_is_noticed(project: Path) -> None:
    """A nested worker handed to a project helper that starts it is a task body (AL406, not selected): when
    the helper, in another file, stops starting what it is given, the worker's file is linted again."""
    (project / "app" / "spawn.py").write_text(textwrap.dedent("""
        import asyncio


        def spawn_logged(*args, **kwargs):
            return asyncio.create_task(*args, **kwargs)
    """).lstrip())
    (project / "app" / "speaker.py").write_text(textwrap.dedent("""
        import asyncio

        from .spawn import spawn_logged


        async def speak(queue):
            async def get_chunks():
                try:
                    await queue.put(1)
                except asyncio.CancelledError:
                    pass

            spawn_logged(get_chunks())
    """).lstrip())
    first, _ = run(project)
    assert not [f for f in first if f[0] == "speaker.py"]
    found = rerun_after_edit(project, "spawn.py", "return asyncio.create_task(*args, **kwargs)",
                             "return print(*args, **kwargs)")
    assert ("speaker.py", 10, "AL401") in found


def test_a_quiet_coroutine_of_another_module_that_starts_to_suspend_is_noticed(project: Path) -> None:
    """A catch-all around an await of another module's coroutine that never suspends is no finding; when
    that coroutine gains an ``await``, the caller's file is linted again and reported."""
    (project / "app" / "routes.py").write_text(textwrap.dedent("""
        class Route:
            async def fallback(self):
                self.done = True
    """).lstrip())
    (project / "app" / "page.py").write_text(textwrap.dedent("""
        from .routes import Route


        async def handle(route: Route):
            try:
                await route.fallback()
            except BaseException:
                pass
    """).lstrip())
    first, _ = run(project)
    assert not [f for f in first if f[0] == "page.py"]
    found = rerun_after_edit(project, "routes.py", "        self.done = True",
                             "        await self.flush()\n        self.done = True")
    assert ("page.py", 7, "AL402") in found


def test_a_use_of_a_draining_helper_outside_a_raising_handler_is_noticed(project: Path) -> None:
    """A private helper awaited only in handlers that raise is cleanup (no AL401): awaiting it anywhere
    else, in another file, re-lints the helper's file and brings the finding back."""
    (project / "app" / "drain.py").write_text(textwrap.dedent("""
        import asyncio


        async def _finish(task):
            while not task.done():
                try:
                    await asyncio.wait([task])
                except asyncio.CancelledError:
                    continue


        async def commit(task):
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                await _finish(task)
                raise
    """).lstrip())
    first, _ = run(project)
    assert not [f for f in first if f[0] == "drain.py"]
    edit(project, "other.py", "async def tick():", "from .drain import _finish\n\n\nasync def tick(task):\n"
         "    await _finish(task)")
    found, stats = run(project)
    assert found == run(project, cached=False)[0]
    assert ("drain.py", 8, "AL401") in found


def test_an_effect_summary_two_modules_away_is_a_dependency(project: Path) -> None:
    """AL301 judges `card()` by what `load()` in another module does: editing that body re-lints the caller."""
    files = {
        "remote.py": """
            async def load(client, uid):
                resp = await client.get(f"/users/{uid}")
                return resp.json()
        """,
        "cards.py": """
            from .remote import load


            async def card(client, uid):
                return await load(client, uid)
        """,
        "page.py": """
            from .cards import card


            async def dashboard(client, a, b):
                left = await card(client, a)
                right = await card(client, b)
                return left, right
        """,
    }
    for name, text in files.items():
        (project / "app" / name).write_text(textwrap.dedent(text).lstrip())
    first, _ = run(project, extra=("AL301",))
    assert ("page.py", 5, "AL301") in first
    assert run(project, extra=("AL301",))[0] == first
    edit(project, "remote.py", "    resp = await", "    await asyncio.sleep(1)\n    resp = await")
    edit(project, "remote.py", "async def load", "import asyncio\n\n\nasync def load")
    found, stats = run(project, extra=("AL301",))
    assert found == run(project, cached=False, extra=("AL301",))[0]
    assert ("page.py", 5, "AL301") not in found
    assert stats.cached > 0


def test_a_class_that_uses_a_shared_method_name_is_a_dependency(project: Path) -> None:
    """``Service._process`` is a task body while only an unrelated class awaits ``self._process()``; making that
    class a subclass of ``Service`` (in another module) turns the finding back into AL401."""
    files = {
        "service.py": """
            import asyncio


            class Service:
                def start(self):
                    self._task = asyncio.create_task(self._process())

                async def _process(self):
                    try:
                        await asyncio.sleep(1)
                    except asyncio.CancelledError:
                        return
        """,
        "hooks.py": """
            class Hooks:
                async def _process(self):
                    pass

                async def fire(self):
                    await self._process()
        """,
    }
    for name, text in files.items():
        (project / "app" / name).write_text(textwrap.dedent(text).lstrip())
    first, _ = run(project)
    assert ("service.py", 11, "AL401") not in first
    edit(project, "hooks.py", "class Hooks:", "from .service import Service\n\n\nclass Hooks(Service):")
    found, stats = run(project)
    assert found == run(project, cached=False)[0]
    assert ("service.py", 11, "AL401") in found
    assert stats.cached > 0


def test_task_done_and_running_loop_elsewhere_are_dependencies(project: Path) -> None:
    """AL504 asks the index who calls ``.name.task_done`` and AL505 who calls ``get_running_loop``:
    an edit of another module that changes the answer re-lints the file that asked."""
    (project / "app" / "pump.py").write_text(textwrap.dedent("""
        import asyncio


        class Pump:
            def __init__(self):
                self._inbox = asyncio.Queue()

            async def push(self, item):
                await self._inbox.put(item)

            async def drain(self):
                loop = asyncio.get_event_loop()
                await self._inbox.join()
                return loop
    """).lstrip())
    for name in ("worker.py", "clock.py"):
        (project / "app" / name).write_text("async def run(pump):\n    return pump\n")
    first, _ = run(project, extra=("AL505",))
    assert ("pump.py", 13, "AL504") in first and ("pump.py", 12, "AL505") not in first
    edit(project, "worker.py", "return pump", "pump._inbox.task_done()")
    found, stats = run(project, extra=("AL505",))
    assert found == run(project, cached=False, extra=("AL505",))[0] and ("pump.py", 13, "AL504") not in found
    for name in ("worker.py", "clock.py"):
        edit(project, name, "async def run(pump):", "import asyncio\n\n\nasync def run(pump):\n"
             "    asyncio.get_running_loop()")
    found, _ = run(project, extra=("AL505",))
    assert found == run(project, cached=False, extra=("AL505",))[0] and ("pump.py", 12, "AL505") in found


def test_an_edit_of_asynclint_itself_changes_the_cache_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same version, other rules (an editable install, a checkout): the results of the old rules are not read."""
    from asynclint.base import cachefile
    from asynclint.orchestration.result_cache import settings_key

    (tmp_path / "rules").mkdir()
    module = tmp_path / "rules" / "blocking.py"
    module.write_text("RULES = 1\n")
    monkeypatch.setattr(cachefile, "_PACKAGE", str(tmp_path))
    cachefile.source_fingerprint.cache_clear()
    try:
        before = settings_key(Settings(enabled=frozenset({"AL101"})), "")
        (tmp_path / "rules" / "__pycache__").mkdir()
        (tmp_path / "rules" / "__pycache__" / "blocking.cpython-311.pyc").write_bytes(b"x")
        cachefile.source_fingerprint.cache_clear()
        assert settings_key(Settings(enabled=frozenset({"AL101"})), "") == before  # compiled files are not the source
        module.write_text("RULES = 22\n")
        cachefile.source_fingerprint.cache_clear()
        assert settings_key(Settings(enabled=frozenset({"AL101"})), "") != before
    finally:
        cachefile.source_fingerprint.cache_clear()
