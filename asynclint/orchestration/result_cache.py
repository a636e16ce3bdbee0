"""The result cache: skip files whose content, settings and project index are unchanged.

Like black's: a cheap stat check (size, mtime) first, a content hash only when the
stat differs. The file is keyed by asynclint's version and its own source files
(``source_fingerprint``: an edited checkout or editable install), the effective settings and
the index's options, so a change to any of them starts afresh; each entry also keeps
what its lint asked the project index (the modules it looked up and their content
digests, the triage's names, AL107's chains), so an edit elsewhere re-lints only the
files that consulted what changed. Stored with ``marshal`` (plain data, never code)
and written atomically; a corrupt, truncated or concurrently replaced file is
simply ignored.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict
from typing import Any, Dict, List, Optional, Set, Tuple

from .. import __version__
from ..base.cachefile import dump_atomic, ensure_cache_dir, load_marshal_dict, source_fingerprint
from ..base.settings import Settings
from ..engine import FileResult

FORMAT = 2
# path -> (size, mtime_ns, sha256 of content, result tuple, numbers of its dependency rows)
Entry = Tuple[int, int, str, Any, Tuple[int, ...]]


def _canonical(value: Any) -> str:
    """A repr that does not depend on hash randomisation (sets and dicts are sorted)."""
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(sorted(f"{_canonical(k)}:{_canonical(v)}" for k, v in value.items())) + "}"
    if isinstance(value, (list, tuple)):
        return "(" + ",".join(_canonical(v) for v in value) + ")"
    return repr(value)


def settings_key(settings: Settings, index_options: str) -> str:
    values = asdict(settings)
    for transient in ("native_in_process", "crash_marker", "use_cache", "cache_dir"):
        values.pop(transient, None)
    text = _canonical(values)
    return hashlib.sha256(f"{__version__}\0{source_fingerprint()}\0{FORMAT}\0{text}\0{index_options}".encode(
        "utf-8", "surrogatepass")).hexdigest()[:20]


class ResultCache:
    def __init__(self, path: Optional[str], entries: Dict[str, Entry], rows: Optional[List[tuple]] = None,
                 index: Any = None) -> None:
        self.path = path
        self.entries = entries
        self.rows: List[tuple] = rows if rows is not None else []
        self.row_numbers: Dict[tuple, int] = {row: i for i, row in enumerate(self.rows)}
        self.index = index
        self.cwd = os.getcwd()
        self._broken: Optional[Set[int]] = None
        self.dirty = False

    @classmethod
    def open(cls, directory: str, settings: Settings, index: Any = None) -> "ResultCache":
        if not ensure_cache_dir(directory):
            return cls(None, {})
        options = index.options_key() if hasattr(index, "options_key") else ""
        path = os.path.join(directory, f"results-{settings_key(settings, options)}.marshal")
        rows, entries = _load(path)
        return cls(path, entries, rows, index)

    def broken_rows(self) -> Set[int]:
        """Numbers of the dependency rows the index now answers differently (checked once per run)."""
        if self._broken is None:
            broken = getattr(self.index, "broken", None)
            self._broken = broken(self.rows) if broken is not None else set(range(len(self.rows)))
        return self._broken

    def get(self, file_path: str, parsed: bool = False) -> Optional[FileResult]:
        """The cached result, if still valid. ``parsed``: the file is named on the command line, so it
        must have been parsed even where the triage would skip it (see ``_key``)."""
        key = _key(os.path.normpath(os.path.join(self.cwd, file_path)), parsed)  # abspath() without a getcwd()
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            stat = os.stat(file_path)
        except OSError:
            return None
        size, mtime, digest, data, depends_on = entry
        if stat.st_size != size:
            return None
        if depends_on:
            try:
                if not 0 <= min(depends_on) <= max(depends_on) < len(self.rows):
                    return None
            except TypeError:  # not numbers: a damaged entry
                return None
            if not self.broken_rows().isdisjoint(depends_on):
                return None
        if stat.st_mtime_ns != mtime:
            current = _hash(file_path)
            if current != digest:
                return None
            self.entries[key] = (size, stat.st_mtime_ns, digest, data, depends_on)
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

    def put(self, file_path: str, result: FileResult, parsed: bool = False) -> None:
        if self.path is None:
            return
        if result.read_as is not None:
            size, mtime, digest = result.read_as  # what was linted, not what is there now
        else:
            try:
                stat = os.stat(file_path)
            except OSError:
                return
            found = _hash(file_path)
            if found is None:
                return
            size, mtime, digest = stat.st_size, stat.st_mtime_ns, found
        numbers = []
        for row in result.depends_on:
            number = self.row_numbers.get(row)
            if number is None:
                number = self.row_numbers[row] = len(self.rows)
                self.rows.append(row)
            numbers.append(number)
        self.entries[_key(os.path.abspath(file_path), parsed)] = (size, mtime, digest, result.as_tuple(), tuple(numbers))
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        rows, entries = self.rows, self.entries
        used = sorted({n for entry in entries.values() for n in entry[4]})
        if len(used) < len(rows) * 3 // 4:
            # many rows no entry refers to any more (replaced results): drop them, renumber the rest
            renumber = {old: new for new, old in enumerate(used)}
            entries = {path: (*entry[:4], tuple(renumber[n] for n in entry[4])) for path, entry in entries.items()}
            rows = [rows[n] for n in used]
        dump_atomic(self.path, {"format": FORMAT, "rows": rows, "files": entries})


def _key(path: str, parsed: bool) -> str:
    """An entry's key. A file named on the command line is always parsed (a syntax error is AL001),
    while the same file found by a walk is skipped unparsed when the triage clears it: the two
    results differ, so a named file's result has a key of its own."""
    return path + "\0parsed" if parsed else path


def _hash(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _hashable_tuple(value: Any) -> bool:
    if not isinstance(value, tuple):
        return False
    try:
        hash(value)
    except TypeError:  # a list inside: a damaged file
        return False
    return True


def _load(path: str) -> Tuple[List[tuple], Dict[str, Entry]]:
    """Dependency rows and entries; a damaged entry (or row numbers out of range) is dropped, not trusted."""
    data = load_marshal_dict(path)
    if data is None or data.get("format") != FORMAT:
        return [], {}
    rows, files = data.get("rows"), data.get("files")
    if not isinstance(rows, list) or not isinstance(files, dict):
        return [], {}
    rows = [row if _hashable_tuple(row) else ("?",) for row in rows]  # "?" holds for no index
    # row numbers are checked when an entry is used (``get``): most runs use few entries
    entries = {key: value for key, value in files.items()
               if isinstance(key, str) and isinstance(value, tuple) and len(value) == 5 and isinstance(value[4], tuple)}
    return rows, entries
