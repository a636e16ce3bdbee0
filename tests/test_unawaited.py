"""AL201-AL205 beyond the fixtures: path independence, triage soundness, fixes, config."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import pytest

from asynclint.base.model import Edit, Finding
from asynclint.base.settings import Settings
from asynclint.catalogue.selection import select_rules
from asynclint.engine import lint_source
from asynclint.orchestration.project_index import load_project_index
from asynclint.orchestration.runner import lint_paths
from asynclint.rules.unawaited import UnawaitedChecker
from tests.conftest import FIXTURES
from tests.fixture_markers import expected_findings, fixture_files, project_root

SHOP = FIXTURES / "AL201" / "shop_project"
AL2 = select_rules(["AL2"])


def shop_settings() -> Settings:
    return Settings(enabled=AL2, project_root=str(SHOP), use_cache=False)


def keyed(findings: Sequence[Finding]) -> List[Tuple[str, int, int, str, str]]:
    return sorted((Path(f.path).name, f.line, f.column, f.code, f.message) for f in findings)


def test_findings_do_not_depend_on_which_paths_are_named() -> None:
    """`asynclint shop/service.py`, pre-commit and flake8 (one file) see what a full run sees."""
    everything = sorted(str(p) for p in SHOP.rglob("*.py"))
    whole = {r.path: keyed(r.findings) for r in lint_paths(everything, shop_settings())}
    assert sum(len(v) for v in whole.values()) > 20
    for path in everything:
        (alone,) = lint_paths([path], shop_settings())
        assert keyed(alone.findings) == whole[path], path


def test_same_module_findings_without_an_index() -> None:
    """stdin or a run without the index: this file's own definitions still resolve (from its own tree)."""
    path = FIXTURES / "AL201" / "same_module.py"
    settings = Settings(enabled=select_rules(["AL201"]), project_root=str(path.parent), use_cache=False)
    with_index = lint_source(path.read_bytes(), str(path), settings, index=load_project_index(settings))
    without = lint_source(path.read_bytes(), str(path), settings, index=None)
    assert keyed(with_index.findings) == keyed(without.findings)
    assert len(without.findings) == sum(expected_findings(path).values())


POSITIVES = [p for p in fixture_files() if p.relative_to(FIXTURES).parts[0].startswith("AL20") and expected_findings(p)]


@pytest.mark.parametrize("path", POSITIVES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_triage_never_hides_a_finding(path: Path) -> None:
    """Sound triage: a file with expected findings always passes ``could_fire_with``."""
    settings = Settings(enabled=AL2, project_root=str(project_root(path)), use_cache=False)
    index = load_project_index(settings)
    data = path.read_bytes()
    for code in {c for _, _, c in expected_findings(path) if c.startswith("AL2")}:
        assert UnawaitedChecker.could_fire_with(data, frozenset({code}), index), code


def test_triage_of_sync_files_uses_the_index_names(tmp_path: Path) -> None:
    """No ``async`` in the file: only names the index knows as coroutine functions let it through."""
    (tmp_path / "lib.py").write_text("async def fetch_all():\n    pass\n")
    (tmp_path / "reexport.py").write_text("from lib import fetch_all as grab\n")
    caller = b"from reexport import grab\n\ndef main():\n    grab()\n"
    settings = Settings(enabled=AL2, project_root=str(tmp_path), use_cache=False)
    index = load_project_index(settings)
    assert UnawaitedChecker.could_fire_with(caller, frozenset({"AL201"}), index)
    assert not UnawaitedChecker.could_fire_with(b"def main():\n    print(1)\n", frozenset({"AL201"}), index)
    # without the index (the flake8 plugin asks first), any call might reach a project coroutine function
    assert UnawaitedChecker.could_fire(caller, frozenset({"AL201"}))
    assert not UnawaitedChecker.could_fire(b"X = 1\n", frozenset({"AL201"}))
    result = lint_source(caller, str(tmp_path / "caller.py"), settings, index=index)
    assert [(f.line, f.code) for f in result.findings] == [(4, "AL201")]
    assert "defined at lib.py:1" in result.findings[0].message


def apply(source: str, edits: Sequence[Edit]) -> str:
    """Apply edits (1-based, end exclusive) from the last to the first."""
    lines = source.split("\n")
    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        before = lines[edit.line - 1][:edit.column - 1]
        after = lines[edit.end_line - 1][edit.end_column - 1:]
        lines[edit.line - 1:edit.end_line] = (before + edit.content + after).split("\n")
    return "\n".join(lines)


FIX_SOURCE = textwrap.dedent("""\
    import asyncio


    async def get_user(uid):
        return {"name": "x"}


    async def main():
        get_user(1)
        if get_user(2):
            pass
        name = await get_user(3)["name"]
        other = get_user(4)["name"]
        ok = any(x for x in [1] if get_user(x))


    def sync():
        get_user(5)
    """)


def lint_text(source: str, tmp_path: Path, select: Sequence[str] = ("AL2",), **extra: object) -> List[Finding]:
    path = tmp_path / "mod.py"
    path.write_text(source)
    values: Dict[str, object] = {"enabled": select_rules(list(select)), "project_root": str(tmp_path),
                                 "use_cache": False}
    values.update(extra)
    settings = Settings(**values)  # type: ignore[arg-type]
    (result,) = lint_paths([str(path)], settings)
    return result.findings


def test_fixes_insert_await_and_parenthesise(tmp_path: Path) -> None:
    findings = {f.line: f for f in lint_text(FIX_SOURCE, tmp_path)}
    assert sorted((line, f.code) for line, f in findings.items()) == [
        (9, "AL201"), (10, "AL203"), (12, "AL203"), (13, "AL203"), (14, "AL203"), (18, "AL201")]
    assert findings[18].fix is None  # sync code: no await possible
    assert findings[14].fix is None  # inside a generator expression
    expected = {
        9: "    await get_user(1)",
        10: "    if await get_user(2):",
        12: '    name = (await get_user(3))["name"]',
        13: '    other = (await get_user(4))["name"]',
    }
    for line, text in expected.items():
        fix = findings[line].fix
        assert fix is not None and fix.applicability.value == "unsafe"
        fixed = apply(FIX_SOURCE, fix.edits)
        assert fixed.split("\n")[line - 1] == text
        ast.parse(fixed)


def test_extend_coroutine_functions_and_async_decorators(tmp_path: Path) -> None:
    source = textwrap.dedent("""\
        import vendor
        from vendor import cached


        @cached
        async def load():
            pass


        async def main(client: vendor.Client):
            vendor.fetch()
            client.get()
            load()
        """)
    assert lint_text(source, tmp_path) == []
    findings = lint_text(source, tmp_path, extend_coroutine_functions=("vendor.fetch", "vendor.Client.get"),
                         extend_async_decorators=("vendor.cached",))
    assert [(f.line, f.code) for f in findings] == [(11, "AL201"), (12, "AL201"), (13, "AL201")]


def test_noqa_silences(tmp_path: Path) -> None:
    source = "async def go():\n    pass\n\n\nasync def main():\n    go()  # noqa: AL201\n    go()\n"
    assert [(f.line, f.code) for f in lint_text(source, tmp_path)] == [(7, "AL201")]


def test_only_selected_codes_report(tmp_path: Path) -> None:
    findings = lint_text(FIX_SOURCE, tmp_path, select=("AL203",))
    assert {f.code for f in findings} == {"AL203"}


def test_self_referencing_names_terminate(tmp_path: Path) -> None:
    """``node = node.next()`` and friends: resolution must stop, not recurse until AL001."""
    source = textwrap.dedent("""\
        import asyncio


        class Node:
            async def go(self):
                pass

            def next(self):
                return self


        async def walk(node, other):
            node = node.next()
            node = node.next().next()
            other = node or other.next()
            node.go()
            other.go()
            a = b = a.go() if False else None
            b.go()


        async def fork(loop):
            loop = loop or asyncio.get_running_loop()
            loop = loop.create_task(loop)
        """)
    codes = [f.code for f in lint_text(source, tmp_path)]
    assert "AL001" not in codes and "AL003" not in codes


@pytest.mark.parametrize("path", [SHOP / "shop" / "service.py", SHOP / "shop" / "plugins.py",
                                  FIXTURES / "AL201" / "venv_project" / "billing" / "invoices.py"],
                         ids=lambda p: p.name)
def test_flake8_plugin_gives_the_same_findings(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """flake8 lints one file at a time; the project index makes its AL2xx findings the CLI's."""
    import argparse

    from asynclint import flake8_plugin
    from asynclint.flake8_plugin import AsyncLintPlugin, build_state

    monkeypatch.chdir(project_root(path))  # where the fixture's [tool.asynclint] is found, as flake8 would be run
    state = build_state(argparse.Namespace(), [str(path)])
    assert state.settings.project_root == str(project_root(path))
    monkeypatch.setattr(AsyncLintPlugin, "state", state)
    monkeypatch.setattr(flake8_plugin, "_INDEX_MEMO", {})
    text = path.read_text()
    found = [(line, col, message) for line, col, message, _ in
             AsyncLintPlugin(ast.parse(text), text.splitlines(keepends=True), str(path)).run()]
    (cli,) = lint_paths([str(path)], state.settings)
    assert found == [(f.line, f.column - 1, f"{f.code} {f.message}") for f in cli.findings]
    assert len(found) == sum(expected_findings(path).values())


def test_unpacked_stream_types_do_not_depend_on_the_walk_order() -> None:
    """A name's place in ``reader, writer = await ...`` comes from its binding, not from having
    passed the assignment: a use earlier in a loop body is typed too (and every rule's resolver agrees)."""
    source = textwrap.dedent('''\
        import asyncio

        async def pump(host):
            for attempt in range(3):
                if attempt:
                    writer.drain()
                reader, writer = await asyncio.open_connection(host, 80)
    ''').encode()
    settings = Settings(enabled=select_rules(["AL201"]), project_root=".", use_cache=False)
    findings = lint_source(source, "pump.py", settings).findings
    assert [(f.code, f.line) for f in findings] == [("AL201", 6)]
