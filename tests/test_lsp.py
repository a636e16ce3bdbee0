"""The language server end to end: a real client (pytest-lsp) drives ``python -m asynclint.lsp`` over stdio."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Tuple

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from tests.conftest import REPO

TIMEOUT = 20.0

A = "async def fetch():\n    return 1\n"
B = "import time\n\nfrom .a import fetch\n\n\nasync def main():\n    fetch()\n    time.sleep(1)\n"
PYPROJECT = '[tool.asynclint]\nextend-safe-fixes = ["AL101"]\n'


def _client() -> LanguageClient:
    """pytest-lsp's client, also keeping every publishDiagnostics with its version (the default keeps the last)."""
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append((params.uri, params.version, params.diagnostics))  # type: ignore[attr-defined]

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        client.registered.extend(r.method for r in params.registrations)  # type: ignore[attr-defined]

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    register_lsp_features(client, features)
    client.published = []  # type: ignore[attr-defined]
    client.registered = []  # type: ignore[attr-defined]
    return client


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # the project root, as for the CLI
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(A)
    (pkg / "b.py").write_text(B)
    return tmp_path


@contextlib.asynccontextmanager
async def session(root: Path, options: Optional[Dict[str, Any]] = None,
                  env: Optional[Dict[str, str]] = None) -> AsyncIterator[LanguageClient]:
    server_env = dict(os.environ)
    server_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), server_env.get("PYTHONPATH", "")) if p)
    server_env.update(env or {})
    command = [sys.executable, "-m", "asynclint.lsp", "--debounce-ms", "20"]
    if os.environ.get("ASYNCLINT_LSP_TEST_LOG"):  # to see what the server did in a failing test
        command += ["--log-file", os.environ["ASYNCLINT_LSP_TEST_LOG"]]
    config = ClientServerConfig(server_command=command,
                                client_factory=_client, server_env=server_env)
    client = await config.start()
    try:
        await client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=from_fs_path(str(root)),
            workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(root)), name="project")],
            initialization_options=options))
        yield client
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    finally:
        server = client._server  # type: ignore[attr-defined]
        if server is not None and server.returncode is None:
            server.kill()  # a failed test must not leave stop() waiting for an exit never asked for
        await client.stop()


def uri(path: Path) -> str:
    return from_fs_path(str(path))  # type: ignore[return-value]


async def until(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def codes(client: LanguageClient, path: Path) -> Optional[List[str]]:
    found = client.diagnostics.get(uri(path))
    return None if found is None else sorted(str(d.code) for d in found)


def open_file(client: LanguageClient, path: Path, text: Optional[str] = None, version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri(path), language_id="python", version=version, text=path.read_text() if text is None else text)))


def change(client: LanguageClient, path: Path, version: int,
           *edits: Tuple[Optional[Tuple[int, int, int, int]], str]) -> None:
    """Edits: ((line, char, end_line, end_char), text) for an incremental change, (None, text) for a full one."""
    changes: List[Any] = []
    for where, text in edits:
        if where is None:
            changes.append(types.TextDocumentContentChangeWholeDocument(text=text))
        else:
            l1, c1, l2, c2 = where
            changes.append(types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(l1, c1), types.Position(l2, c2)), text=text))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=version), content_changes=changes))


@pytest.mark.asyncio
async def test_diagnostics_edits_and_cross_file_updates(project: Path) -> None:
    b, a = project / "pkg" / "b.py", project / "pkg" / "a.py"
    async with session(project) as client:
        open_file(client, b)
        await until(lambda: codes(client, b) == ["AL101", "AL201"], "b.py's first diagnostics")
        by_code = {d.code: d for d in client.diagnostics[uri(b)]}
        sleep = by_code["AL101"]
        assert sleep.source == "asynclint" and sleep.severity == types.DiagnosticSeverity.Warning
        assert sleep.range == types.Range(types.Position(7, 4), types.Position(7, 17))
        assert sleep.code_description is not None and sleep.code_description.href.endswith("#al101")
        assert "defined at pkg/a.py:1" in by_code["AL201"].message

        # incremental: a non-BMP character before the call moves it by two UTF-16 code units
        change(client, b, 2, ((7, 4, 7, 4), "'😋'; "))
        await until(lambda: any(d.code == "AL101" and d.range.start.character == 4 + 6  # 5 code points, 6 UTF-16 units
                                for d in client.diagnostics[uri(b)]), "the AL101 moved right in UTF-16 units")
        # full sync: the blocking call goes
        change(client, b, 3, (None, B.replace("    time.sleep(1)\n", "")))
        await until(lambda: codes(client, b) == ["AL201"], "AL101 gone after a full change")
        versions = [v for u, v, _ in client.published if u == uri(b)]
        assert versions == sorted(versions) and versions[-1] == 3

        # a.py's buffer (never saved) makes fetch a plain function: b.py's AL201 goes, then comes back
        open_file(client, a)
        await until(lambda: codes(client, a) == [], "a.py linted")
        change(client, a, 2, ((0, 0, 0, 6), ""))  # "async def" -> "def"
        await until(lambda: codes(client, b) == [], "b.py re-linted after a.py's change")
        change(client, a, 3, ((0, 0, 0, 0), "async "))
        await until(lambda: codes(client, b) == ["AL201"], "b.py's AL201 back")
        assert a.read_text() == A  # buffers only: nothing written

        # closing a.py: the index reads the file again, which meanwhile says `def`
        a.write_text(A.replace("async def", "def"))
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri(a))))
        await until(lambda: codes(client, b) == [], "b.py re-linted against a.py on disk")
        # a save (of a file this editor does not even show) refreshes the index from disk
        a.write_text(A)
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri(a))))
        await until(lambda: codes(client, b) == ["AL201"], "b.py re-linted after a.py was saved")


@pytest.mark.asyncio
async def test_rapid_changes_publish_only_the_newest(project: Path) -> None:
    b = project / "pkg" / "b.py"
    async with session(project) as client:
        open_file(client, b)
        await until(lambda: codes(client, b) == ["AL101", "AL201"], "first diagnostics")
        start = len(client.published)
        for version in range(2, 12):  # ten edits faster than the debounce: one lint
            change(client, b, version, (None, B + f"# {version}\n" + ("    time.sleep(2)\n" * (version % 2))))
        await until(lambda: any(v == 11 for _, v, _ in client.published[start:]), "the last version's diagnostics")
        await asyncio.sleep(0.3)
        later = [v for _, v, _ in client.published[start:]]
        assert later[-1] == 11 and later == sorted(later), later
        assert len(later) < 10, later  # debounced
        assert codes(client, b) == ["AL101", "AL101", "AL201"]


@pytest.mark.asyncio
async def test_code_actions_fix_noqa_and_fix_all(project: Path) -> None:
    b = project / "pkg" / "b.py"
    async with session(project) as client:
        open_file(client, b)
        await until(lambda: codes(client, b) == ["AL101", "AL201"], "diagnostics")
        diags = client.diagnostics[uri(b)]
        unawaited = next(d for d in diags if d.code == "AL201")
        found = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri(b)), range=unawaited.range,
            context=types.CodeActionContext(diagnostics=[unawaited])))
        titles = [action.title for action in found or []]
        assert len(titles) == 2, titles
        assert "unsafe" in titles[0] and titles[1] == "Disable AL201 for this line"
        fix = found[0].edit.document_changes[0].edits  # type: ignore[index, union-attr]
        assert [e.new_text for e in fix] == ["await "] and fix[0].range.start == types.Position(6, 4)
        noqa = found[1].edit.document_changes[0].edits[0]  # type: ignore[index, union-attr]
        assert noqa.new_text == "  # noqa: AL201" and noqa.range.start == types.Position(6, 11)

        sleep = next(d for d in diags if d.code == "AL101")
        found = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri(b)), range=sleep.range,
            context=types.CodeActionContext(diagnostics=[sleep])))
        assert found and "unsafe" not in found[0].title and found[0].is_preferred  # made safe by the config

        # source.fixAll: the safe AL101 fix only, never the unsafe AL201 one
        found = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri(b)),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll])))
        assert found and [a.kind for a in found] == ["source.fixAll.asynclint"]
        (edit,) = found[0].edit.document_changes[0].edits  # type: ignore[index, union-attr]
        text = B.splitlines(keepends=True)
        start = sum(len(line) for line in text[:edit.range.start.line]) + edit.range.start.character
        end = sum(len(line) for line in text[:edit.range.end.line]) + edit.range.end.character
        fixed = B[:start] + edit.new_text + B[end:]
        assert "await asyncio.sleep(1)" in fixed and "    fetch()\n" in fixed and "time.sleep" not in fixed

        # after the noqa action's edit, the diagnostic is gone
        change(client, b, 2, ((6, 11, 6, 11), "  # noqa: AL201"))
        await until(lambda: codes(client, b) == ["AL101"], "AL201 silenced by the noqa action's comment")


@pytest.mark.asyncio
async def test_syntax_error_and_file_outside_the_project(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    broken = project / "pkg" / "broken.py"
    broken.write_text("async def f(:\n    pass\n")
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "loose.py"
    elsewhere.write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    async with session(project) as client:
        open_file(client, broken)
        await until(lambda: codes(client, broken) == ["AL001"], "AL001 for the syntax error")
        (diag,) = client.diagnostics[uri(broken)]
        assert diag.range.start == types.Position(0, 12) and "cannot parse" in diag.message
        change(client, broken, 2, ((0, 12, 0, 12), ")"))
        await until(lambda: codes(client, broken) == [], "fixed syntax clears AL001")
        open_file(client, elsewhere)
        await until(lambda: codes(client, elsewhere) == ["AL101"], "a file outside the workspace")
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri(broken))))
        await until(lambda: client.published[-1][0] == uri(broken) and codes(client, broken) == [], "closing clears its diagnostics")


@pytest.mark.asyncio
async def test_config_errors_show_a_message_and_reload(project: Path) -> None:
    b = project / "pkg" / "b.py"
    (project / "pyproject.toml").write_text('[tool.asynclint]\nselect = "AL1"\n')
    async with session(project) as client:
        open_file(client, b)
        await until(lambda: codes(client, b) == ["AL101", "AL201"], "diagnostics with the defaults")
        message = await until(lambda: client.messages, "a window message")
        assert message[0].type == types.MessageType.Error and "select" in message[0].message
        assert "default settings" in message[0].message
        assert types.WORKSPACE_DID_CHANGE_WATCHED_FILES in client.registered  # type: ignore[attr-defined]

        # fixed on disk, the editor tells: the new config applies
        (project / "pyproject.toml").write_text('[tool.asynclint]\nselect = ["AL2"]\n')
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[types.FileEvent(
            uri=uri(project / "pyproject.toml"), type=types.FileChangeType.Changed)]))
        await until(lambda: codes(client, b) == ["AL201"], "the fixed config applied")

        # editor settings act as flags over the file
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"asynclint": {"ignore": ["AL201"]}}))
        await until(lambda: codes(client, b) == [], "the editor's settings applied")
        # and an invalid one is reported, not fatal
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"asynclint": {"ignore": "AL201"}}))
        await until(lambda: len(client.messages) == 2, "a second message")
        await until(lambda: codes(client, b) == ["AL101", "AL201"], "the defaults again")


@pytest.mark.asyncio
async def test_internal_error_is_one_diagnostic(project: Path) -> None:
    """A lint that raises (the test hook makes it) is one AL003 diagnostic; the server keeps serving."""
    b, a = project / "pkg" / "b.py", project / "pkg" / "a.py"
    async with session(project, env={"ASYNCLINT_LSP_FAIL_MARKER": "BOOM-HOOK"}) as client:
        open_file(client, b, text=B + "# BOOM-HOOK\n")
        await until(lambda: codes(client, b) is not None, "diagnostics for the failing file")
        (diag,) = client.diagnostics[uri(b)]
        assert diag.code == "AL003" and "internal error" in diag.message and diag.range.start.line == 0
        open_file(client, a)
        await until(lambda: codes(client, a) == [], "the server still lints")
        change(client, b, 2, (None, B))
        await until(lambda: codes(client, b) == ["AL101", "AL201"], "the same file, once it lints")


@pytest.mark.asyncio
async def test_shutdown_and_exit(project: Path) -> None:
    async with session(project) as client:
        open_file(client, project / "pkg" / "a.py")
        await until(lambda: codes(client, project / "pkg" / "a.py") == [], "a.py linted")
        server = client._server  # type: ignore[attr-defined]
    assert server is not None
    await asyncio.wait_for(server.wait(), TIMEOUT)
    assert server.returncode == 0


def test_without_the_extra_it_says_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for name in [m for m in sys.modules if m.startswith(("asynclint.lsp.", "pygls", "lsprotocol"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pygls", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "lsprotocol", None)
    from asynclint.lsp import main

    assert main([]) == 2
    assert "pip install 'asynclint[lsp]'" in capsys.readouterr().err


def test_the_core_does_not_import_the_server() -> None:
    import subprocess

    code = ("import sys, asynclint.cli, asynclint.flake8_plugin; "
            "print(sorted(m for m in sys.modules if m.startswith(('pygls', 'lsprotocol', 'asynclint.lsp'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "[]"
