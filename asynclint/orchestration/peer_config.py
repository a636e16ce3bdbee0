"""A peer linter's project-wide choices about the same rule: ruff's and flake8's config files.

A project whose ruff configuration ignores ``RUF006`` has decided, for the whole project, that
dropping a task's reference is fine (disnake: "very extreme cases"); AL204 reporting the same
shape is reporting what its maintainers already said no to. Only exact codes of rules that are
the same check as ours count (``knowledge.intent.PEER_RULES``): ignoring a whole prefix, or a
broader rule such as ``BLE001``, says nothing about ours. The config file is found as the
peer finds it: the nearest one at or above the linted paths.

The other way round, a project whose ruff configuration selects ``RUF006`` (by its code, a prefix
of it or ``ALL``, and ruff runs it: ``_ruff_enables``) has asked for that check everywhere: our opt-in rules that
are the same check (``knowledge.intent.PEER_SELECTS``) are turned on there, and report what ruff
cannot see (``self._loop.create_task(...)``, ``ensure_future``).
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from ..knowledge.intent import PEER_RULES, PEER_SELECTS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib

# ruff's own precedence inside one directory; the first directory (walking up) with one wins.
RUFF_FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")
FLAKE8_FILES = ("setup.cfg", "tox.ini", ".flake8")


@dataclass(frozen=True)
class PeerIgnores:
    """Our codes a peer's config turns off: everywhere, and per file pattern (relative to the project root)."""

    codes: FrozenSet[str] = frozenset()
    per_file: Tuple[Tuple[str, FrozenSet[str]], ...] = ()
    # "<file> ignores RUF006": where each code came from, for the run's note
    reasons: Tuple[str, ...] = ()
    # our opt-in codes a ruff config's select turns on, and "<file> selects RUF" for the note
    selected: FrozenSet[str] = frozenset()
    select_reasons: Tuple[str, ...] = ()


def peer_ignores(start: str, root: str) -> PeerIgnores:
    """What the nearest ruff and flake8 configs at or above ``start`` ignore of ours, and which of our
    opt-in rules the ruff config selects (never raises)."""
    codes: set[str] = set()
    per_file: List[Tuple[str, FrozenSet[str]]] = []
    reasons: List[str] = []
    selected: set[str] = set()
    select_reasons: List[str] = []
    for kind, (path, table) in (("ruff", _nearest(start, RUFF_FILES, _read_ruff)),
                                ("flake8", _nearest(start, FLAKE8_FILES, _read_flake8))):
        if path is None or table is None:
            continue
        ignored, patterns, selectors = table
        ours = _ours(ignored)
        if ours:
            codes |= ours
            reasons.append(f"{_shown(path, root)} ignores {', '.join(sorted(c for c in ignored if c in PEER_RULES))}")
        base = os.path.dirname(path)
        for pattern, peer_codes in patterns:
            mapped = _ours(peer_codes)
            if mapped:
                per_file.append((_rebase(pattern, base, root), mapped))
        if kind == "ruff":
            for peer, on in sorted(PEER_SELECTS.items()):
                how = _ruff_enables(peer, selectors, ignored)
                if how:
                    selected |= on
                    select_reasons.append(f"{_shown(path, root)} selects {how}")
    return PeerIgnores(frozenset(codes), tuple(per_file), tuple(reasons), frozenset(selected),
                       tuple(dict.fromkeys(select_reasons)))


def _ruff_enables(code: str, selectors: Iterable[str], ignored: Iterable[str]) -> str:
    """The selector by which ruff runs ``code`` ("" when it does not): as ruff decides, the most specific
    matching selector wins (``ALL`` least, the full code most), and an ignore as specific as a select wins."""
    def best(values: Iterable[str]) -> Tuple[int, str]:
        return max(((0 if v == "ALL" else len(v), v) for v in values if v == "ALL" or (v and code.startswith(v))),
                   default=(-1, ""))
    chosen, ignore = best(selectors), best(ignored)
    return chosen[1] if chosen[0] > ignore[0] else ""


def _shown(path: str, root: str) -> str:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def _ours(peer_codes: Iterable[str]) -> FrozenSet[str]:
    out: set[str] = set()
    for code in peer_codes:
        out |= PEER_RULES.get(code, frozenset())
    return frozenset(out)


def _rebase(pattern: str, base: str, root: str) -> str:
    """A peer's pattern is relative to its config file's directory; ours to the project root."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    try:
        rel = os.path.relpath(base, root)
    except ValueError:
        return pattern
    if rel in (".", "") or rel.startswith(".."):
        return pattern
    return rel.replace(os.sep, "/") + "/" + pattern


# (codes ignored project-wide, per-file-ignores, selectors of ``select``/``extend-select``)
_Table = Optional[Tuple[FrozenSet[str], List[Tuple[str, FrozenSet[str]]], FrozenSet[str]]]


def _nearest(start: str, names: Sequence[str], read: Callable[[str, str], _Table]) -> Tuple[Optional[str], _Table]:
    """The first of ``names``, in the directory of ``start`` and then its parents, that ``read`` takes as
    the tool's config (it gives None for a file that is not one, or is broken: the tool reports that)."""
    current = os.path.abspath(start)
    while True:
        for name in names:
            path = os.path.join(current, name)
            if os.path.isfile(path):
                table = read(path, name)
                if table is not None:
                    return path, table
        parent = os.path.dirname(current)
        if parent == current:
            return None, None
        current = parent


def _read_ruff(path: str, name: str) -> _Table:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError):
        return None
    if name == "pyproject.toml":
        tool = data.get("tool")
        if not isinstance(tool, dict) or not isinstance(tool.get("ruff"), dict):
            return None
        data = tool["ruff"]
    return _ruff_ignores(data)


def _ruff_ignores(data: Mapping[str, Any]) -> _Table:
    """``ignore``/``extend-ignore``, ``(extend-)per-file-ignores`` and ``select``/``extend-select``,
    top level or under ``lint``. A file ruff is told not to lint (``exclude``/``extend-exclude``) is a
    per-file ignore of every peer rule the config runs (``select = ["ALL"]`` with ``exclude =
    ["ring_doorbell/cli.py"]``): the project chose not to hold that file to the same checks."""
    tables = [data]
    if isinstance(data.get("lint"), dict):
        tables.append(data["lint"])
    ignored: set[str] = set()
    selectors: set[str] = set()
    patterns: List[Tuple[str, FrozenSet[str]]] = []
    for table in tables:
        for key in ("ignore", "extend-ignore"):
            value = table.get(key)
            if isinstance(value, list):
                ignored.update(v for v in value if isinstance(v, str))
        for key in ("select", "extend-select"):
            value = table.get(key)
            if isinstance(value, list):
                selectors.update(v for v in value if isinstance(v, str))
        for key in ("per-file-ignores", "extend-per-file-ignores"):
            value = table.get(key)
            if isinstance(value, dict):
                for pattern, codes in value.items():
                    if isinstance(pattern, str) and isinstance(codes, list):
                        patterns.append((pattern, frozenset(c for c in codes if isinstance(c, str))))
    running = frozenset(peer for peer in PEER_RULES if _ruff_enables(peer, selectors, ignored))
    if running:
        for table in tables:
            for key in ("exclude", "extend-exclude"):
                value = table.get(key)
                if isinstance(value, list):
                    patterns.extend((pattern, running) for pattern in value if isinstance(pattern, str) and pattern)
    return frozenset(ignored), patterns, frozenset(selectors)


_CODE = re.compile(r"[A-Z]+[0-9]+")


def _read_flake8(path: str, name: str) -> _Table:
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    if not parser.has_section("flake8"):
        return None
    section = parser["flake8"]
    ignored: set[str] = set()
    for key in ("ignore", "extend-ignore", "extend_ignore"):
        ignored.update(_CODE.findall(section.get(key, "")))
    patterns: List[Tuple[str, FrozenSet[str]]] = []
    for key in ("per-file-ignores", "per_file_ignores"):
        patterns.extend(_flake8_per_file(section.get(key, "")))
    return frozenset(ignored), patterns, frozenset()


def _flake8_per_file(text: str) -> List[Tuple[str, FrozenSet[str]]]:
    """flake8's ``per-file-ignores``: ``pattern:CODE,CODE`` pairs separated by spaces or newlines."""
    out: Dict[str, set[str]] = {}
    pattern: Optional[str] = None
    for token in re.split(r"[\s,]+", text):
        if not token:
            continue
        if ":" in token:
            pattern, _, rest = token.partition(":")
            out.setdefault(pattern, set())
            if rest:
                out[pattern].add(rest)
        elif pattern is not None and _CODE.fullmatch(token):
            out[pattern].add(token)
        else:
            pattern = token.rstrip(":")
            out.setdefault(pattern, set())
    return [(p, frozenset(c)) for p, c in out.items() if c]
