"""Building the project index: walk the project, summarise each file (on several processes for a
cold build), keep the summaries in sharded cache files, and run the call graph's pass.

The index itself (``asynclint.analysis.index.ProjectIndex``) only answers questions;
everything that reads the file system, spawns processes or writes caches for it is
here. Cache entries are keyed by size, mtime and a content hash and updated file by
file; shards are written atomically with ``marshal`` (plain data, never code), so a
corrupt or concurrently written shard is only re-summarised.
"""

from __future__ import annotations

import ast
import hashlib
import marshal
import os
import sys
import warnings
import zlib
from stat import S_ISREG
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ..analysis.callgraph import compute, fingerprint, module_graph
from ..analysis.index import (
    INDEX_VERSION,
    MAX_INDEXED_BYTES,
    ProjectIndex,
    Summary,
    empty_summary,
    references_digest,
    shape_digest,
    site_package_dirs,
    summarize,
    summarize_source,
    summary_triggers,
)
from ..base.cachefile import CACHE_DIR_NAME, dump_atomic, ensure_cache_dir, load_marshal_dict, source_fingerprint
from ..base.memory import one_file
from ..base.settings import DEFAULT_EXCLUDE
from ..base.source import DecodeError, decode
from ..engine import module_name_for
from .discovery import DiscoveryOptions, discover
from .spawning import isolated_children

CACHE_SHARDS = 16
PARALLEL_MIN = 400  # stale files before the cold build is spread over processes
_BATCH = 64


def load_project_index(settings: Any, jobs: Optional[int] = None,
                       files: Optional[Sequence[str]] = None) -> ProjectIndex:
    """Index every Python file under the project root, reusing the cache for unchanged files.

    A cold build is spread over ``jobs`` processes (default: the CPUs, at most 8). ``files``
    (absolute paths) spares the walk when the caller has just made the same one.
    """
    root = os.path.abspath(getattr(settings, "project_root", ".") or ".")
    roots = tuple(getattr(settings, "index_roots", ()) or (root,))
    cache_path: Optional[str] = None
    if getattr(settings, "use_cache", True):
        directory = getattr(settings, "cache_dir", None) or os.path.join(root, CACHE_DIR_NAME)
        cache_path = _cache_path(os.path.abspath(directory), "\0".join(roots))
    old = _load_cache(cache_path) if cache_path else {}
    if files is None:
        files = sorted({path for each in roots for path in project_files(each, settings)})
    # AL107's call-graph data costs ~40% of a cold build: only when the rule runs
    with_graph = "AL107" in getattr(settings, "enabled", ())
    new, changed = _refresh(files, old, module_name_for, jobs, with_graph)
    if changed and cache_path:
        _save_cache(cache_path, new, changed)
    modules = {path: (e[3], e[4], e[5], e[6]) for path, e in new.items()}
    site = site_package_dirs(getattr(settings, "site_packages", ()), getattr(settings, "python_executable", None),
                             dict(os.environ), root)
    index = ProjectIndex(root, modules, getattr(settings, "extend_async_decorators", ()),
                getattr(settings, "extend_coroutine_functions", ()), site)
    index.graph_blobs = {path: e[7] for path, e in new.items() if e[7]}
    index.shapes = {path: e[8] for path, e in new.items()}
    digests = {path: e[9] for path, e in new.items()}
    index.contents = {path: e[2] for path, e in new.items()}
    if {"AL401", "AL402", "AL406"} & set(getattr(settings, "enabled", ())):
        _add_up_references(index, cache_path, digests)  # here, once, rather than in every worker
    if with_graph:
        index.blocking = compute(index, index.graph_blobs, settings, os.path.dirname(cache_path) if cache_path else None)
    return index


def _add_up_references(index: ProjectIndex, cache_path: Optional[str], digests: Dict[str, str]) -> None:
    """The project-wide use counts, from the cache when no module's uses changed since they were added
    up (``references_digest``: an edit that only moves code or changes other things reuses them):
    decoding every summary and adding them up is most of a warm run (~1 s on the corpus)."""
    if cache_path is None:
        index.add_up_references()
        return
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(index.modules):
        module, is_package = index.modules[path][:2]
        h.update(f"{path}\0{module}\0{is_package}\0{digests.get(path, '')}\0".encode("utf-8", "surrogatepass"))
    key = h.hexdigest()
    directory, name = os.path.split(cache_path)
    refs_path = os.path.join(directory, f"references-{name[len('index-'):]}.marshal")  # not an index shard
    data = load_marshal_dict(refs_path)
    if data is not None and data.get("v") == INDEX_VERSION and data.get("key") == key and \
            isinstance(data.get("references"), dict) and isinstance(data.get("self_users"), dict) and \
            isinstance(data.get("tail_users"), dict) and isinstance(data.get("call_shapes"), dict) and \
            isinstance(data.get("raise_only"), tuple) and isinstance(data.get("starters"), tuple):
        index.references, index.self_users, index.tail_users, index.call_shapes, index.raise_only = \
            data["references"], data["self_users"], data["tail_users"], data["call_shapes"], data["raise_only"]
        index.starters = frozenset(data["starters"])
        return
    index.add_up_references()
    if ensure_cache_dir(directory):
        dump_atomic(refs_path, {"v": INDEX_VERSION, "key": key, "references": index.references,
                                "self_users": index.self_users, "tail_users": index.tail_users,
                                "call_shapes": index.call_shapes, "raise_only": index.raise_only,
                                "starters": tuple(sorted(index.starters))})


def project_files(root: str, settings: Any) -> List[str]:
    """Every Python file the project's own walk would lint (same excludes, same .gitignore)."""
    excludes = tuple(getattr(settings, "index_exclude", ()) or DEFAULT_EXCLUDE)
    found = discover([root], DiscoveryOptions(exclude=excludes, root=root))
    return sorted(os.path.abspath(p) for p in found.files if p.endswith(".py"))


def _cache_path(directory: str, root: str) -> str:
    """The index cache's path prefix: its entries are spread over ``CACHE_SHARDS`` files."""
    key = hashlib.sha256(f"{INDEX_VERSION}\0{fingerprint()}\0{source_fingerprint()}\0{sys.version_info[:2]}\0{root}".encode(
        "utf-8", "surrogatepass")).hexdigest()[:16]
    return os.path.join(directory, f"index-{key}")


def _shard(path: str) -> int:
    """Which cache file holds a path's entry: an edit rewrites one of them, not the whole index (~30 MB
    for two million lines)."""
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % CACHE_SHARDS


def _shard_path(prefix: str, shard: int) -> str:
    return f"{prefix}-{shard:02d}.marshal"


def _load_cache(prefix: str) -> Dict[str, tuple]:
    """Every shard's valid entries; a missing or damaged shard only means its files are summarised again."""
    out = {}
    for shard in range(CACHE_SHARDS):
        data = load_marshal_dict(_shard_path(prefix, shard))
        if data is None or data.get("v") != INDEX_VERSION or not isinstance(data.get("files"), dict):
            continue
        for path_key, entry in data["files"].items():
            if isinstance(path_key, str) and isinstance(entry, tuple) and len(entry) == 10 \
                    and isinstance(entry[5], bytes) and isinstance(entry[6], tuple) \
                    and (entry[7] is None or isinstance(entry[7], bytes)) and isinstance(entry[8], str) \
                    and isinstance(entry[9], str) \
                    and _shard(path_key) == shard:
                out[path_key] = entry
    return out


def _save_cache(prefix: str, files: Dict[str, tuple], changed: Set[str]) -> None:
    """Rewrite the shards that hold a changed (or removed) path, each atomically."""
    if not ensure_cache_dir(os.path.dirname(prefix)):
        return
    shards = {_shard(path) for path in changed}
    grouped: Dict[int, Dict[str, tuple]] = {shard: {} for shard in shards}
    for path, entry in files.items():
        group = grouped.get(_shard(path))
        if group is not None:
            group[path] = entry
    for shard, entries in grouped.items():
        dump_atomic(_shard_path(prefix, shard), {"v": INDEX_VERSION, "files": entries})


def _refresh(files: Sequence[str], old: Dict[str, tuple], module_name_for: Any,
             jobs: Optional[int] = None, with_graph: bool = True) -> Tuple[Dict[str, tuple], Set[str]]:
    """Cache entries for ``files``, unchanged ones as they were, stale ones summarised again; and the
    paths whose entries changed or went.

    An entry's call-graph data is None when it was not computed (a run without AL107);
    such entries are stale for a run that needs it.
    """
    new: Dict[str, tuple] = {}
    stale: List[str] = []
    for path in files:
        entry = old.get(path)
        if entry is not None:
            try:
                stat = os.stat(path)
            except OSError:
                continue
            if entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns and \
                    (entry[3], entry[4]) == module_name_for(path) and (entry[7] is not None or not with_graph):
                new[path] = entry
                continue
        stale.append(path)
    changed = set(stale) | (old.keys() - new.keys())
    fresh = _summarise_parallel(stale, old, jobs, with_graph) if len(stale) >= PARALLEL_MIN else None
    if fresh is None:
        fresh = []
        for path in stale:
            with one_file():
                fresh.append(update_entry(path, old.get(path), module_name_for, with_graph=with_graph))
    for path, entry in zip(stale, fresh):
        if entry is not None:
            if entry[5] is None:  # same content as before: the old summary stands
                entry = entry[:5] + old[path][5:]
            new[path] = entry
    return {path: new[path] for path in files if path in new}, changed


def _summarise_parallel(paths: List[str], old: Dict[str, tuple], jobs: Optional[int] = None,
                        with_graph: bool = True) -> Optional[List[Optional[tuple]]]:
    """The cold build on several processes (parsing dominates); None when that is not possible here."""
    import multiprocessing  # noqa: PLC0415 - only cold builds of big projects pay for it
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    jobs = jobs or min(os.cpu_count() or 1, 8)
    if jobs < 2 or multiprocessing.current_process().daemon or multiprocessing.parent_process() is not None:
        return None  # inside a worker (ours or a pool's): build serially, never spawn in turn
    batches = []
    for i in range(0, len(paths), _BATCH):
        chunk = paths[i:i + _BATCH]
        batches.append([(p, _without_blobs(old[p]) if p in old else None, with_graph) for p in chunk])
    try:
        # the pool's queues start multiprocessing's resource tracker (a ``python -c`` child too)
        # and map() submits every batch, which starts the processes: all of it isolated
        with isolated_children():
            pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))
            try:
                results = list(pool.map(_summarise_batch, batches))
            except BaseException:
                # Ctrl-C, SIGTERM: do not wait for the batches still queued
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown()
    except Exception:  # noqa: BLE001 - no processes here (sandbox, limits): build serially
        return None
    return [entry for batch in results for entry in batch]


def _without_blobs(entry: tuple) -> tuple:
    """An old entry sent to a worker: its stat, digest and names, and whether it had call-graph data."""
    return entry[:5] + (None, None, None if entry[7] is None else b"", entry[8], entry[9])


def _summarise_batch(batch: List[Tuple[str, Optional[tuple], bool]]) -> List[Optional[tuple]]:
    entries = []
    for path, old, with_graph in batch:
        with one_file():
            entries.append(update_entry(path, old, module_name_for, keep_summary=False, with_graph=with_graph))
    return entries


def update_entry(path: str, old: Optional[tuple], module_name_for: Any, keep_summary: bool = True,
                 with_graph: bool = True) -> Optional[tuple]:
    """The cache entry for one file: the old one when size and mtime (or the content hash) match
    (and it has the call-graph data when ``with_graph`` asks for it)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None  # a FIFO or device named *.py: reading it could block forever
    module, is_package = module_name_for(path)
    if old is not None and old[7] is None and with_graph:
        old = None
    if old is not None and old[0] == stat.st_size and old[1] == stat.st_mtime_ns and old[3] == module \
            and old[4] == is_package:
        return old
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if old is not None and old[2] == digest and old[3] == module and old[4] == is_package:
        rest = old[5:] if keep_summary else (None, None, None, old[8], old[9])
        return (stat.st_size, stat.st_mtime_ns, digest, module, is_package) + rest
    if len(data) > MAX_INDEXED_BYTES:
        summary, graph = empty_summary(), None  # the engine reports AL001; parsing would cost seconds
    elif with_graph:
        summary, graph = summarize_with_graph(data, module, is_package, path)
    else:
        summary, graph = summarize_source(data, module, is_package, True), None  # with use counts
    # marshal version 2 has no back-references, so equal summaries give equal bytes (the digest relies on it)
    graph_data = (marshal.dumps(graph, 2) if graph else b"") if with_graph else None
    return (stat.st_size, stat.st_mtime_ns, digest, module, is_package, marshal.dumps(summary, 2),
            summary_triggers(summary), graph_data, shape_digest(summary, graph), references_digest(summary))


def summarize_with_graph(data: bytes, module: str, is_package: bool, path: str) -> Tuple[Summary, Any]:
    """The summary and the call-graph data (``asynclint.callgraph``) of one file, from one parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
        summary = summarize(tree, module, is_package, data, references=True)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return empty_summary(), None
    try:
        graph = module_graph(tree, decode(data), module, is_package, path, summary)
    except (DecodeError, RecursionError, MemoryError):
        graph = None
    return summary, graph
