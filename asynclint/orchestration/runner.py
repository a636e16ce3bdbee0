"""Run the engine over many files: the project index, the result cache and the worker pool.

Workers are started with the ``spawn`` method (the default on macOS, Windows and,
from Python 3.14, Linux), receive the settings and index once, are fed batches of
paths and send back plain tuples. A supervisor watches their sentinels: when one
dies, the file it was on gets AL003 (or AL001 if it died inside the native parser)
and the rest of its batch is re-run, so one bad file never loses another's result.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from typing import Any, Deque, Iterable, List, Optional, Sequence, Set, Tuple

from ..base.memory import freeze_long_lived, one_file
from ..base.settings import Settings
from ..engine import FileResult, budget_message, file_finding, lint_path
from ..rules import checkers_for
from .project_index import load_project_index
from .result_cache import ResultCache
from .spawning import enter_directory, isolated_children

SMALL_RUN = 16  # fewer files than this: no pool (pre-commit passes a handful)
# Less source than this: no pool either. Starting workers costs ~0.35 s of wall time, so two of them
# win only past ~1.5 MB (cold, 4 alternating runs each: aiohttp's 1.0 MB 1.08 s in-process vs 1.20 s
# with two workers; trio's 1.8 MB 1.67 s vs 1.30 s); what an edit re-lints is usually less.
SMALL_RUN_BYTES = 1_500_000
BATCH = 16
CRASH_ENV = "ASYNCLINT_CRASH_MARKER"  # test hook: a worker SIGSEGVs on files containing this text
_READY = "ready"  # a worker's first message


def needs_index(settings: Settings) -> bool:
    return any(getattr(c, "needs_index", False) for c in checkers_for(settings.enabled))


def load_index(settings: Settings, jobs: Optional[int] = None,
               files: Optional[Sequence[str]] = None) -> Optional[object]:
    """The project-wide index of coroutine functions, when an enabled rule asks for it (built on ``jobs``)."""
    if not needs_index(settings):
        return None
    return load_project_index(settings, jobs, files)


@dataclass
class RunStats:
    files: int = 0
    cached: int = 0
    workers: int = 0


@dataclass
class _Worker:
    process: Any
    conn: Connection
    batch: Deque[Tuple[int, str, bool]] = field(default_factory=deque)
    started: float = 0.0  # when the file at the head of the batch began
    ready: bool = False  # it said so once its interpreter had started and unpickled its arguments


def lint_paths(paths: Sequence[str], settings: Settings, jobs: int = 1, forced: Sequence[str] = (),
               cache_dir: Optional[str] = None, stats: Optional[RunStats] = None,
               auto_jobs: bool = False, index_files: Optional[Sequence[str]] = None) -> List[FileResult]:
    """Lint files, in order; ``forced`` ones (named on the command line) are parsed even when triage
    finds nothing to check.

    With ``auto_jobs`` (no ``--jobs`` given) a run with little source to lint uses no workers;
    ``index_files``, when given, are the project index's files (the caller's walk found them).
    """
    stats = stats if stats is not None else RunStats()
    stats.files = len(paths)
    index = load_index(settings, jobs, index_files)
    freeze_long_lived()
    force: Set[str] = set(forced)
    cache = ResultCache.open(cache_dir, settings, index) if cache_dir else None
    results: List[Optional[FileResult]] = [None] * len(paths)
    todo: List[int] = []
    for i, path in enumerate(paths):
        hit = cache.get(path, path in force) if cache else None
        if hit is not None:
            results[i] = hit
            stats.cached += 1
        else:
            todo.append(i)
    if len(todo) < SMALL_RUN or jobs <= 1 or (auto_jobs and _total_size(paths[i] for i in todo) < SMALL_RUN_BYTES):
        for i in todo:
            results[i] = _lint_one(paths[i], settings, index, paths[i] in force)
    else:
        work = [(i, paths[i], paths[i] in force) for i in todo]
        stats.workers = min(jobs, max(1, len(work) // BATCH))
        done, left = _run_pool(work, settings, index, stats.workers)
        for i, result in done:
            results[i] = result
        for i, path, force in left:  # workers cannot start here: this process does the rest
            results[i] = _lint_one(path, settings, index, force)
    if cache:
        for i in todo:
            result = results[i]
            if result is not None and not result.internal_error:
                cache.put(paths[i], result, paths[i] in force)
        cache.save()
    return [r if r is not None else FileResult(p) for r, p in zip(results, paths)]


def _total_size(paths: Iterable[str]) -> int:
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass
        if total >= SMALL_RUN_BYTES:
            break  # enough to know
    return total


def _lint_one(path: str, settings: Settings, index: Optional[object], force: bool) -> FileResult:
    if settings.crash_marker and settings.native_in_process:
        _maybe_crash(path, settings.crash_marker)
    record = getattr(index, "record_dependencies", None)
    if record is not None:
        record()
    with one_file():
        result = lint_path(path, settings, index=index, force=force)
    if record is not None:
        result.depends_on = index.recorded_dependencies()  # type: ignore[attr-defined]
    return result


def _maybe_crash(path: str, marker: str) -> None:
    """Test hook: die like a segfaulting parser would (or hang, for ``HANG-`` markers) on a marked file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return
    if marker.encode() in data:
        if marker.startswith("HANG-"):
            time.sleep(3600)
        os.kill(os.getpid(), signal.SIGSEGV)


# -- the pool ---------------------------------------------------------------------

def _worker_main(conn: Connection, start_up: str, cwd: Optional[str] = None) -> None:
    """Worker loop: read the settings and index, say it is ready, then receive a batch and send
    one result tuple per file, in order."""
    enter_directory(cwd)
    with open(start_up, "rb") as handle:
        settings, index = pickle.load(handle)
    freeze_long_lived()
    try:
        conn.send(_READY)
        while True:
            batch = conn.recv()
            if batch is None:
                return
            for i, path, force in batch:
                result = _lint_one(path, settings, index, force)
                conn.send((i, result.as_tuple(), result.depends_on, result.read_as))
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        return


def _start_up_file(settings: Settings, index: Optional[object]) -> str:
    """The workers' settings and index, pickled once into a private file each worker reads.

    Not process arguments: ``spawn`` writes those into a pipe whose read end the parent holds
    until ``start()`` returns, so a worker dying while unpickling megabytes of index left the
    parent blocked in ``start()`` forever. A file is read at the worker's pace; a worker that
    dies meanwhile is seen by the supervisor like any other.
    """
    worker_settings = replace(settings, native_in_process=True, crash_marker=os.environ.get(CRASH_ENV))
    fd, path = tempfile.mkstemp(prefix="asynclint-worker-", suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump((worker_settings, index), handle, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        _remove(path)
        raise
    return path


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _start_worker(ctx: Any, start_up: str) -> _Worker:
    """A worker may run libcst in-process: if it crashes, only that worker dies."""
    parent, child = ctx.Pipe()
    with isolated_children() as cwd:
        process = ctx.Process(target=_worker_main, args=(child, start_up, cwd), daemon=True)
        process.start()
    child.close()
    return _Worker(process, parent)


def _run_pool(work: List[Tuple[int, str, bool]], settings: Settings, index: Optional[object],
              jobs: int) -> Tuple[List[Tuple[int, FileResult]], List[Tuple[int, str, bool]]]:
    """Results from the workers, and the work left undone when a worker could not even start."""
    ctx = multiprocessing.get_context("spawn")
    kill_after = settings.file_time_budget + max(2.0, settings.file_time_budget / 10)
    queue: Deque[Tuple[int, str, bool]] = deque(work)
    out: List[Tuple[int, FileResult]] = []
    try:
        start_up = _start_up_file(settings, index)
    except (OSError, pickle.PicklingError):
        return out, list(work)  # no private file here: this process lints everything
    try:
        return _supervise(ctx, start_up, queue, out, settings, jobs, kill_after)
    finally:
        _remove(start_up)


def _supervise(ctx: Any, start_up: str, queue: Deque[Tuple[int, str, bool]], out: List[Tuple[int, FileResult]],
               settings: Settings, jobs: int, kill_after: float
               ) -> Tuple[List[Tuple[int, FileResult]], List[Tuple[int, str, bool]]]:
    workers = [_start_worker(ctx, start_up) for _ in range(jobs)]
    # After a crash the batch's remaining files run one at a time, so only the culprit is blamed.
    solo: Deque[Tuple[int, str, bool]] = deque()

    def feed(worker: _Worker) -> None:
        if worker.batch:
            return
        if solo:
            batch = [solo.popleft()]
        else:
            size = max(1, min(BATCH, len(queue) // (len(workers) * 2) or 1))
            batch = [queue.popleft() for _ in range(min(size, len(queue)))]
        if batch:
            worker.batch.extend(batch)
            worker.started = time.monotonic()
            try:
                worker.conn.send(batch)
            except OSError:
                pass  # it died: its sentinel says so, and the batch is handled there

    def replace_worker(worker: _Worker, result: FileResult) -> None:
        culprit = worker.batch.popleft()
        out.append((culprit[0], result))
        solo.extend(worker.batch)
        worker.batch.clear()
        workers[workers.index(worker)] = replacement = _start_worker(ctx, start_up)
        feed(replacement)

    try:
        for worker in workers:
            feed(worker)
        while any(w.batch for w in workers):
            busy = {w.conn: w for w in workers if w.batch}
            sentinels = {w.process.sentinel: w for w in workers if w.batch}
            ready = wait(list(busy) + list(sentinels), timeout=1.0)
            for item in ready:
                worker = busy.get(item) or sentinels.get(item)  # type: ignore[arg-type]
                if worker is None or not worker.batch:
                    continue
                if item is worker.conn or worker.conn.poll():
                    try:
                        while worker.batch and worker.conn.poll():
                            message = worker.conn.recv()
                            if message == _READY:
                                worker.ready = True
                                worker.started = time.monotonic()
                                continue
                            i, data, depends_on, read_as = message
                            if worker.batch and worker.batch[0][0] == i:
                                worker.batch.popleft()
                                worker.started = time.monotonic()
                            result = FileResult.from_tuple(data)
                            result.depends_on = depends_on
                            result.read_as = read_as
                            out.append((i, result))
                    except (EOFError, OSError):
                        pass
                if worker.batch and not worker.process.is_alive():
                    if not worker.ready:
                        # it died starting up, before any file: no file is to blame, and a
                        # replacement would most likely die the same way
                        return out, [item for w in workers for item in w.batch] + list(solo) + list(queue)
                    replace_worker(worker, _died(worker.batch[0][1], worker.process.exitcode))
                    continue
                feed(worker)
            now = time.monotonic()
            for worker in list(workers):
                # the engine stops its own walk at the budget (AL003); this is for what it cannot
                # interrupt (the parser, a native hang), with a grace period so the engine speaks first
                if worker.batch and now - worker.started > kill_after:
                    worker.process.kill()
                    worker.process.join(timeout=5)
                    path = worker.batch[0][1]
                    replace_worker(worker, FileResult(path, [file_finding(
                        path, "AL003", budget_message(settings.file_time_budget) + " (its worker was stopped)")]))
            for worker in workers:
                feed(worker)
    finally:
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        for worker in workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
    return out, []


def _died(path: str, exitcode: Optional[int]) -> FileResult:
    if exitcode is not None and exitcode < 0:
        try:
            how = signal.Signals(-exitcode).name
        except ValueError:
            how = f"signal {-exitcode}"
    else:
        how = f"exit code {exitcode}"
    return FileResult(path, [file_finding(path, "AL003", f"internal error: worker died ({how}) while analysing this file")])


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


if sys.platform == "win32":  # pragma: no cover
    SMALL_RUN = 32
