"""The result cache: skip files whose content, settings and project index are unchanged.

Like black's: a cheap stat check (size, mtime) first, a content hash only when the
stat differs. Keyed by asynclint's version, the effective settings and the
index's digest, so a change to any of them starts afresh. Stored with ``marshal``
(plain data, never code) and written atomically; a corrupt, truncated or
concurrently replaced file is simply ignored.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from dataclasses import asdict
from typing import Any, Dict, Optional, Tuple

from . import __version__
from .engine import FileResult
from .settings import Settings

CACHE_DIR_NAME = ".asynclint_cache"
# path -> (size, mtime_ns, sha256 of content, result tuple)
Entry = Tuple[int, int, str, Any]


def _canonical(value: Any) -> str:
    """A repr that does not depend on hash randomisation (sets and dicts are sorted)."""
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(sorted(f"{_canonical(k)}:{_canonical(v)}" for k, v in value.items())) + "}"
    if isinstance(value, (list, tuple)):
        return "(" + ",".join(_canonical(v) for v in value) + ")"
    return repr(value)


def settings_key(settings: Settings, index_digest: str) -> str:
    values = asdict(settings)
    for transient in ("native_in_process", "crash_marker", "use_cache", "cache_dir"):
        values.pop(transient, None)
    text = _canonical(values)
    return hashlib.sha256(f"{__version__}\0{text}\0{index_digest}".encode()).hexdigest()[:20]


def ensure_cache_dir(path: str) -> bool:
    """Create the cache directory with a ``.gitignore`` inside; False if it cannot be written."""
    try:
        os.makedirs(path, exist_ok=True)
        ignore = os.path.join(path, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as handle:
                handle.write("# created by asynclint\n*\n")
        return True
    except OSError:
        return False


class ResultCache:
    def __init__(self, path: Optional[str], entries: Dict[str, Entry]) -> None:
        self.path = path
        self.entries = entries
        self.dirty = False

    @classmethod
    def open(cls, directory: str, settings: Settings, index_digest: str) -> "ResultCache":
        if not ensure_cache_dir(directory):
            return cls(None, {})
        path = os.path.join(directory, f"results-{settings_key(settings, index_digest)}.marshal")
        return cls(path, _load(path))

    def get(self, file_path: str) -> Optional[FileResult]:
        entry = self.entries.get(os.path.abspath(file_path))
        if entry is None:
            return None
        try:
            stat = os.stat(file_path)
        except OSError:
            return None
        size, mtime, digest, data = entry
        if stat.st_size != size:
            return None
        if stat.st_mtime_ns != mtime:
            current = _hash(file_path)
            if current != digest:
                return None
            self.entries[os.path.abspath(file_path)] = (size, stat.st_mtime_ns, digest, data)
            self.dirty = True
        try:
            result = FileResult.from_tuple(data)
        except Exception:  # noqa: BLE001 - a malformed entry is a miss
            return None
        result.path = file_path
        for i, finding in enumerate(result.findings):
            if finding.path != file_path:
                result.findings[i] = type(finding)(file_path, *finding.as_tuple()[1:7],
                                                   fix=finding.fix)
        return result

    def put(self, file_path: str, result: FileResult) -> None:
        if self.path is None:
            return
        try:
            stat = os.stat(file_path)
        except OSError:
            return
        digest = _hash(file_path)
        if digest is None:
            return
        self.entries[os.path.abspath(file_path)] = (stat.st_size, stat.st_mtime_ns, digest, result.as_tuple())
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        dump_atomic(self.path, self.entries)


def dump_atomic(path: str, data: Any) -> None:
    """Write ``marshal`` data so readers see the old file or the new one, never half of one.

    Two runs writing at once: the last rename wins, both files are whole. A read-only
    tree just runs uncached.
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
        try:
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(data, handle)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except (OSError, ValueError):
        pass


def _hash(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def load_marshal_dict(path: str) -> Optional[Dict[Any, Any]]:
    """A cache file's dict, or None when it is missing, truncated, garbled or not a dict."""
    try:
        with open(path, "rb") as handle:
            data = marshal.load(handle)
    except Exception:  # noqa: BLE001 - any damage means: start afresh
        return None
    return data if isinstance(data, dict) else None


def _load(path: str) -> Dict[str, Entry]:
    data = load_marshal_dict(path)
    if data is None:
        return {}
    return {k: v for k, v in data.items()
            if isinstance(k, str) and isinstance(v, tuple) and len(v) == 4}
