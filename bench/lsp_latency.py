"""Latency of the language server: an edit (didChange) to its diagnostics (publishDiagnostics).

    python bench/lsp_latency.py [--root /tmp/asynclint-corpus/src] \\
        [--file aiohttp/aiohttp/client.py] [--edits 40] [--debounce-ms 0]

Starts ``python -m asynclint.lsp`` over stdio with the corpus as its workspace (the
project index covers every module under it; its cache goes to a directory outside the
corpus, kept between runs), opens the file, waits for the index and the first
diagnostics, then makes ``--edits`` incremental edits one at a time (a comment added at
the end of a line in the middle of the file, then removed) and times each until the
diagnostics of that document version arrive. The debounce is 0 by default, so the
numbers are the server's own work plus the protocol; an editor adds the debounce
(``asynclint-lsp``'s default is 50 ms) on top. Quote the medians of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

REPO = Path(__file__).resolve().parent.parent


class Client(LanguageClient):
    """Notes when each document version's diagnostics arrive."""

    def __init__(self) -> None:
        super().__init__("asynclint-lsp-bench", "1")
        self.arrived: Dict[Optional[int], float] = {}
        self.counts: Dict[Optional[int], int] = {}
        self.ready: Optional[float] = None
        self.event = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            self.arrived[params.version] = time.perf_counter()
            self.counts[params.version] = len(params.diagnostics)
            self.event.set()

        @self.feature(types.WINDOW_LOG_MESSAGE)
        def log(params: types.LogMessageParams) -> None:
            if "index of" in params.message:
                self.ready = time.perf_counter()
                print(f"  server: {params.message}")

        @self.feature(types.WINDOW_SHOW_MESSAGE)
        def show(params: types.ShowMessageParams) -> None:
            print(f"  server message: {params.message}")

    async def diagnostics_of(self, version: int, timeout: float = 600.0) -> float:
        deadline = time.perf_counter() + timeout
        while version not in self.arrived:
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), max(0.01, deadline - time.perf_counter()))
        return self.arrived[version]


async def run(root: Path, target: Path, edits: int, debounce_ms: float, cache_dir: str) -> List[float]:
    client = Client()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    started = time.perf_counter()
    await client.start_io(sys.executable, "-m", "asynclint.lsp", "--debounce-ms", str(debounce_ms), env=env)
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(root)),
        workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(root)), name="corpus")],
        initialization_options={"cache-dir": cache_dir}))
    client.initialized(types.InitializedParams())
    uri = from_fs_path(str(target))
    text = target.read_text(encoding="utf-8")
    lines = text.splitlines()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=text)))
    first = await client.diagnostics_of(1)
    ready = client.ready or first
    print(f"  index ready {ready - started:.2f} s after start; first diagnostics ({client.counts[1]}) "
          f"{first - started:.2f} s after start")

    middle = len(lines) // 2
    line, column = middle, len(lines[middle])
    times: List[float] = []
    for i in range(edits):
        version = i + 2
        if i % 2 == 0:
            change = types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(line, column), types.Position(line, column)), text="  # edited")
        else:
            change = types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(line, column), types.Position(line, column + 10)), text="")
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]))
        arrived = await client.diagnostics_of(version)
        times.append((arrived - sent) * 1000)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="/tmp/asynclint-corpus/src")
    parser.add_argument("--file", default="aiohttp/aiohttp/client.py", help="relative to --root")
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--debounce-ms", type=float, default=0.0)
    parser.add_argument("--cache-dir", default="/tmp/asynclint-lsp-bench-cache")
    args = parser.parse_args()
    root = Path(args.root).resolve()
    target = root / args.file
    size = target.stat().st_size
    print(f"{target} ({len(target.read_text(encoding='utf-8').splitlines())} lines, {size // 1024} KiB), "
          f"workspace {root}, debounce {args.debounce_ms:g} ms")
    times = asyncio.run(run(root, target, args.edits, args.debounce_ms, args.cache_dir))
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    print(f"didChange -> publishDiagnostics over {len(times)} edits: median {statistics.median(times):.1f} ms, "
          f"p90 {p90:.1f} ms, min {ordered[0]:.1f} ms, max {ordered[-1]:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
