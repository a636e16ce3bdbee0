"""The language server: LSP messages in, diagnostics and code actions out (pygls over stdio).

The event loop only keeps documents and schedules work; every lint, index load and fix
runs on one analysis thread, in order, so the project index (which a lint both reads
and, for the buffer's own module, updates) is never touched by two at once, and the
editor's messages are read while a large file is being linted. A change waits a short
debounce before its lint; a lint's result is published only if no newer lint of that
document was asked for since, so a stale result never replaces a newer one.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from . import actions
from .documents import Document
from .project import Finding, Project

T = TypeVar("T")
DEFAULT_DEBOUNCE = 0.05  # seconds: one lint per pause in typing, not one per keystroke
RELOAD_DEBOUNCE = 0.3  # files changed on disk (a checkout) come in bursts
logger = logging.getLogger("asynclint.lsp")


@dataclass
class Published:
    """The last lint published for a document: which version it was of, and its findings."""

    version: Optional[int]
    findings: List[Finding] = field(default_factory=list)


class AsyncLintServer(LanguageServer):
    """pygls' server plus asynclint's state: open documents, projects, the analysis thread."""

    def __init__(self, debounce: float = DEFAULT_DEBOUNCE) -> None:
        super().__init__("asynclint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.debounce = debounce
        self.analysis = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asynclint-analysis")
        self.documents: Dict[str, Document] = {}
        self.projects: Dict[str, Project] = {}
        self.published: Dict[str, Published] = {}
        self.client_values: Dict[str, Any] = {}
        self._generation: Dict[str, int] = {}
        self._pending: Dict[str, "asyncio.Task[None]"] = {}
        self._reload: Optional["asyncio.Task[None]"] = None
        self._want_reload = False  # a reload is asked for; and it must read the config again
        self._want_config = False
        self._initialized = asyncio.Event()

    # -- plumbing -------------------------------------------------------------------------
    @property
    def encoding(self) -> str:
        """The position encoding agreed with the client (UTF-16 unless it offered another)."""
        try:
            return str(self.workspace.position_encoding or "utf-16")
        except RuntimeError:
            return "utf-16"

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run on the analysis thread, after everything queued before it."""
        return await asyncio.get_running_loop().run_in_executor(self.analysis, function, *args)

    def message(self, text: str, kind: types.MessageType = types.MessageType.Error) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=text))

    def log(self, text: str) -> None:
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Log, message=text))

    def project_for(self, path: str) -> Project:
        """The workspace folder holding ``path`` (the deepest), else the first one."""
        absolute = os.path.abspath(path)
        best: Optional[Project] = None
        for root, project in self.projects.items():
            if absolute.startswith(root.rstrip(os.sep) + os.sep) and (best is None or len(root) > len(best.root)):
                best = project
        if best is None:
            best = next(iter(self.projects.values()))
        return best

    # -- lifecycle ------------------------------------------------------------------------
    def on_initialize(self, params: types.InitializeParams) -> None:
        """Note the roots and start loading config and index on the analysis thread: the reply is not held up."""
        roots: List[str] = []
        for folder in params.workspace_folders or []:
            path = to_fs_path(folder.uri)
            if path:
                roots.append(path)
        if not roots and params.root_uri:
            path = to_fs_path(params.root_uri)
            if path:
                roots.append(path)
        if not roots and params.root_path:
            roots.append(params.root_path)
        if not roots:
            roots.append(os.getcwd())
        options = params.initialization_options
        if isinstance(options, dict):
            self.client_values = dict(options.get("settings", options))
        for root in roots:
            self.projects[os.path.abspath(root)] = Project(root)
        asyncio.ensure_future(self._load_all())

    def on_initialized(self, params: types.InitializedParams) -> None:
        self._initialized.set()
        asyncio.ensure_future(self._watch_files())

    async def _load_all(self, relint: bool = False) -> None:
        """Configure each project and load its index; config problems are shown, defaults used meanwhile."""
        for project in list(self.projects.values()):
            problem = await self.run(self._configure_and_load, project)
            await self._initialized.wait()  # no message may reach the client before `initialized`
            if problem:
                self.message(problem)
            modules = len(getattr(project.index, "modules", ()) or ())
            self.log(f"asynclint: {project.root}: index of {modules} modules ready in {project.index_seconds:.2f} s")
        if relint:
            for uri in list(self.documents):
                self.schedule(uri, 0.0)

    def _configure_and_load(self, project: Project) -> Optional[str]:
        try:
            problem = project.configure(self.client_values)
        except Exception as error:  # noqa: BLE001 - a server that cannot read its config still serves
            problem = f"asynclint: cannot read the configuration: {type(error).__name__}: {error}"
        try:
            project.load_index()
        except Exception as error:  # noqa: BLE001 - lint without the index rather than not at all
            project.index = None
            problem = (problem + "; " if problem else "") + \
                f"asynclint: cannot load the project index: {type(error).__name__}: {error}"
        # the index was read from disk: buffers that differ from their files count again
        for document in self.documents.values():
            if self.project_for(document.path) is project:
                project.overlay(document.path, document.text)
        project.forget_dependencies()
        return problem

    async def _watch_files(self) -> None:
        """Ask to hear of pyproject.toml and Python files changed on disk, when the client can tell."""
        watched = self.client_capabilities.workspace and self.client_capabilities.workspace.did_change_watched_files
        if not (watched and watched.dynamic_registration):
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[
            types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
            types.FileSystemWatcher(glob_pattern="**/*.py"),
        ])
        try:
            await self.client_register_capability_async(types.RegistrationParams(registrations=[types.Registration(
                id="asynclint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options)]))
        except Exception as error:  # noqa: BLE001 - saving still reloads; watching is a bonus
            self.log(f"asynclint: could not watch files: {error}")

    # -- linting --------------------------------------------------------------------------
    def schedule(self, uri: str, delay: Optional[float] = None) -> None:
        """Lint the document after ``delay`` (the debounce); an earlier pending lint of it is dropped."""
        generation = self._generation[uri] = self._generation.get(uri, 0) + 1
        pending = self._pending.pop(uri, None)
        if pending is not None and not pending.done():
            pending.cancel()
        self._pending[uri] = asyncio.ensure_future(
            self._lint(uri, generation, self.debounce if delay is None else delay))

    async def _lint(self, uri: str, generation: int, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        document = self.documents.get(uri)
        if document is None:
            return
        text, version, path = document.text, document.version, document.path
        project = self.project_for(path)
        try:
            findings, dependents = await self.run(self._analyse, project, path, text)
        except Exception as error:  # noqa: BLE001 - the analysis thread's own failure: one message
            self.log(f"asynclint: {path}: {type(error).__name__}: {error}")
            return
        if self._generation.get(uri) != generation or uri not in self.documents:
            return  # a newer lint of this document was asked for: its result is the one to show
        # unchanged since the lint began (a change would have asked for a newer lint): ranges convert against it
        self.published[uri] = Published(version, findings)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=actions.diagnostics(document, findings, self.encoding)))
        self._relint_paths(dependents)

    @staticmethod
    def _analyse(project: Project, path: str, text: str) -> Tuple[List[Finding], List[str]]:
        """(analysis thread) Update the index from the buffer, lint it, and say which open files now differ."""
        outcome, changed = project.analyse(path, text)
        return outcome.findings, project.dependents(path) if changed else []

    def _relint_paths(self, paths: Sequence[str]) -> None:
        wanted = set(paths)
        for uri, document in self.documents.items():
            if document.path in wanted:
                self.schedule(uri, 0.0)

    # -- documents ------------------------------------------------------------------------
    def on_open(self, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        path = to_fs_path(item.uri) or item.uri
        if item.language_id != "python" and not path.endswith((".py", ".pyi")):
            return  # a pyproject.toml shown to us too: its saves reload the config, it is not linted
        self.documents[item.uri] = Document(item.uri, path, item.text, item.version)
        self.schedule(item.uri, 0.0)

    def on_change(self, params: types.DidChangeTextDocumentParams) -> None:
        document = self.documents.get(params.text_document.uri)
        if document is None:
            return
        encoding = self.encoding
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                start, end = change.range.start, change.range.end
                document.apply((start.line, start.character), (end.line, end.character), change.text, encoding)
            else:
                document.replace_all(change.text, document.version)
        document.version = params.text_document.version
        self.schedule(document.uri)

    def on_save(self, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = to_fs_path(uri) or uri
        if os.path.basename(path) == "pyproject.toml":
            self.reload(config=True)
        elif path.endswith((".py", ".pyi")):
            self.reload(config=False)

    async def on_close(self, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = self.documents.pop(uri, None)
        self._generation[uri] = self._generation.get(uri, 0) + 1  # a lint in flight is not published
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        if document is not None:
            project = self.project_for(document.path)
            dependents = await self.run(project.close, document.path)
            self._relint_paths(dependents)

    # -- settings and files on disk ------------------------------------------------------
    async def on_configuration(self, params: types.DidChangeConfigurationParams) -> None:
        """New editor settings: pushed under ``asynclint``, or pulled with ``workspace/configuration``."""
        settings = params.settings
        values: Any = settings.get("asynclint") if isinstance(settings, dict) else None
        if values is None:
            config = self.client_capabilities.workspace and self.client_capabilities.workspace.configuration
            if config:
                try:
                    result = await self.workspace_configuration_async(types.ConfigurationParams(
                        items=[types.ConfigurationItem(section="asynclint")]))
                    values = result[0] if result else None
                except Exception as error:  # noqa: BLE001
                    self.log(f"asynclint: workspace/configuration failed: {error}")
        if isinstance(values, dict):
            self.client_values = dict(values.get("settings", values))
        self.reload(config=True)

    def on_watched_files(self, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [to_fs_path(change.uri) or change.uri for change in params.changes]
        config = any(os.path.basename(p) == "pyproject.toml" for p in paths)
        self.reload(config=config, delay=RELOAD_DEBOUNCE)

    def reload(self, config: bool, delay: float = 0.0) -> None:
        """Config changed: resolve it and load the index again, re-lint everything. A file saved or
        changed on disk: refresh the index (and its cache, as a CLI run would), re-lint what depends on it.

        Requests are merged: one reload runs at a time, and one asked for meanwhile runs after it.
        """
        self._want_config = self._want_config or config
        self._want_reload = True
        if self._reload is None or self._reload.done():
            self._reload = asyncio.ensure_future(self._reloader(delay))

    async def _reloader(self, delay: float) -> None:
        while self._want_reload:
            if delay:
                await asyncio.sleep(delay)
            config, self._want_config, self._want_reload = self._want_config, False, False
            if config:
                await self._load_all(relint=True)
                continue
            for project in list(self.projects.values()):
                texts = {d.path: d.text for d in self.documents.values() if self.project_for(d.path) is project}
                try:
                    stale = await self.run(project.refresh, texts)
                except Exception as error:  # noqa: BLE001
                    self.log(f"asynclint: {project.root}: index refresh failed: {type(error).__name__}: {error}")
                    continue
                self._relint_paths(stale)

    # -- code actions ---------------------------------------------------------------------
    async def on_code_action(self, params: types.CodeActionParams) -> Optional[List[types.CodeAction]]:
        uri = params.text_document.uri
        document = self.documents.get(uri)
        published = self.published.get(uri)
        if document is None:
            return None
        only = params.context.only
        encoding = self.encoding
        project = self.project_for(document.path)
        found: List[types.CodeAction] = []
        current = published is not None and published.version == document.version
        if current and actions.wants(only, types.CodeActionKind.QuickFix):
            assert published is not None
            for diag, finding in actions.findings_for(params.context.diagnostics, document, published.findings,
                                                      encoding):
                found += actions.quick_fixes(document, project, diag, finding, encoding)
        if actions.wants(only, actions.FIX_ALL_KIND):
            snapshot = document_at(document.text, uri, document.path, document.version)
            fixed = await self.run(project.fix_all, snapshot.path, snapshot.text)
            if self.documents.get(uri) is document and document.version == snapshot.version:
                found += actions.fix_all(snapshot, fixed, encoding)
        return found


def document_at(text: str, uri: str, path: str, version: Optional[int]) -> Document:
    """A frozen copy of a document as it was when linted (ranges are converted against that text)."""
    return Document(uri, path, text, version)


def _route(method: Callable[..., Any]) -> Callable[..., Any]:
    """A pygls handler calling ``method`` on the server (pygls passes the server to a first parameter named ``ls``)."""
    if asyncio.iscoroutinefunction(method):
        async def handler(ls: AsyncLintServer, params: Any) -> Any:
            return await method(ls, params)
    else:
        def handler(ls: AsyncLintServer, params: Any) -> Any:  # type: ignore[misc]
            return method(ls, params)
    handler.__name__ = method.__name__
    return handler


def build(debounce: float = DEFAULT_DEBOUNCE) -> AsyncLintServer:
    """The server with its handlers registered."""
    server = AsyncLintServer(debounce)
    routes: List[Tuple[str, Callable[..., Any], Any]] = [
        (types.INITIALIZE, AsyncLintServer.on_initialize, None),
        (types.INITIALIZED, AsyncLintServer.on_initialized, None),
        (types.TEXT_DOCUMENT_DID_OPEN, AsyncLintServer.on_open, None),
        (types.TEXT_DOCUMENT_DID_CHANGE, AsyncLintServer.on_change, None),
        (types.TEXT_DOCUMENT_DID_SAVE, AsyncLintServer.on_save, types.SaveOptions(include_text=False)),
        (types.TEXT_DOCUMENT_DID_CLOSE, AsyncLintServer.on_close, None),
        (types.WORKSPACE_DID_CHANGE_CONFIGURATION, AsyncLintServer.on_configuration, None),
        (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, AsyncLintServer.on_watched_files, None),
        (types.TEXT_DOCUMENT_CODE_ACTION, AsyncLintServer.on_code_action, types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND])),
    ]
    for method_name, method, options in routes:
        server.feature(method_name, options)(_route(method))
    return server


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="asynclint-lsp", description="asynclint's language server (LSP over stdio).")
    parser.add_argument("--debounce-ms", type=float, default=DEFAULT_DEBOUNCE * 1000,
                        help="wait this long after a change before linting (default: %(default)g)")
    parser.add_argument("--log-file", help="write the server's log here (stdout is the protocol)")
    parser.add_argument("--version", action="version", version=f"asynclint-lsp {__version__}")
    args = parser.parse_args(argv)
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=logging.INFO)
    server = build(max(0.0, args.debounce_ms / 1000))
    server.start_io()
    return 0


__all__ = ["AsyncLintServer", "build", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
