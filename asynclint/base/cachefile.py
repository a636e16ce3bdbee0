"""Cache files: the directory (with its ``.gitignore``), atomic ``marshal`` writes and tolerant reads.

Shared by the result cache, the project index and the call graph's pass; every
cache holds plain data, never code, so a damaged file is only a cache miss.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import tempfile
from typing import Any, Dict, Optional

CACHE_DIR_NAME = ".asynclint_cache"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@functools.lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """Changes when any of asynclint's own modules does (path, size, mtime): part of every cache key,
    so an editable install or a checkout never reads results its old rules wrote under the same
    version. A reinstall of the same version changes the mtimes too, which only costs one cold run."""
    rows = []
    for directory, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                rows.append(f"{os.path.relpath(path, _PACKAGE)}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(rows).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def ensure_cache_dir(path: str) -> bool:
    """Create the cache directory with a ``.gitignore`` inside; False if it cannot be written.

    A symlink is never followed for writing: a committed ``.asynclint_cache`` link, or a
    (dangling) ``.gitignore`` link inside it, would make a run write into another tree.
    Such a cache is not used (the run goes uncached).
    """
    try:
        os.makedirs(path, exist_ok=True)
        if os.path.islink(path) or not os.path.isdir(path):
            return False
        ignore = os.path.join(path, ".gitignore")
        if os.path.islink(ignore):
            return False
        if not os.path.lexists(ignore):
            try:
                fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
            except FileExistsError:
                return not os.path.islink(ignore)  # another run made it meanwhile
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write("# created by asynclint\n*\n")
        return True
    except OSError:
        return False


def dump_atomic(path: str, data: Any) -> None:
    """Write ``marshal`` data so readers see the old file or the new one, never half of one.

    Two runs writing at once: the last rename wins, both files are whole. A read-only
    tree just runs uncached.
    """
    directory = os.path.dirname(path)
    if os.path.islink(directory):
        return  # never write through a symlinked cache directory
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(marshal.dumps(data))
            os.replace(tmp, path)  # replaces a symlink at ``path`` itself, never its target
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except (OSError, ValueError):
        pass


def load_marshal_dict(path: str) -> Optional[Dict[Any, Any]]:
    """A cache file's dict, or None when it is missing, truncated, garbled or not a dict."""
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | _NOFOLLOW), "rb") as handle:
            data = marshal.loads(handle.read())  # marshal.load(handle) reads piecemeal: ~8x slower
    except Exception:  # noqa: BLE001 - any damage means: start afresh
        return None
    return data if isinstance(data, dict) else None
