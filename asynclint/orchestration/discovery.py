"""Turn the paths a user typed into the files to lint, as ruff does.

Directories are walked for ``*.py`` / ``*.pyi`` with ``os.scandir``; excluded and
git-ignored directories are pruned before they are listed, so a ``node_modules``
or a virtualenv costs one name check. Every pattern is compiled once per run (one
regex per ``.gitignore`` file and per exclude list), never per file.

Rules that a user can rely on:

- A path named on the command line is linted whatever its suffix (pre-commit passes
  extension-less scripts), unless ``force_exclude`` is set and it, or a directory
  above it, matches an exclude pattern. ``.gitignore`` never drops a named path.
- ``exclude`` / ``extend_exclude`` patterns are globs relative to ``root`` (the
  config file's directory): a pattern without ``/`` matches the name of any path
  component (``build``, ``*_pb2.py``); a pattern with ``/`` matches the path relative
  to ``root`` (``src/generated``, ``**/migrations``). ``*``, ``?`` and ``[...]`` stay
  inside one component, ``**`` spans any number of them, and a trailing ``/`` makes
  the pattern match directories only. An excluded directory is never entered.
- ``.gitignore`` files (nested ones too) and ``.git/info/exclude`` are honoured with
  git's semantics: last matching line wins, deeper files override shallower ones,
  ``!`` re-includes, a leading or inner ``/`` anchors, a trailing ``/`` matches
  directories only, ``**`` spans directories. ``.gitignore`` files above the walked
  directory apply up to the enclosing repository's top (or, outside any repository,
  up to ``root``); a nested repository starts afresh. The global git excludes file
  is not read. ``.git`` directories are never walked.
- Walking never follows a symlinked directory (so symlink loops cannot hang it);
  a symlinked file is linted only when its target is a regular file inside the
  walked tree. A broken symlink, or a FIFO/socket/device, whose name looks like
  Python is reported in ``unreadable``; one named explicitly always is.
- Each file is listed once (``src src/a.py``); a directory is walked once however
  many named paths lead to it. Results are sorted, independent of the file system's
  listing order.
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from re import Pattern
from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from ..base.settings import DEFAULT_EXCLUDE

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class DiscoveryOptions:
    """What to skip. ``exclude`` replaces the default list; ``extend_exclude`` adds to it."""

    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    root: str = "."


@dataclass
class Discovered:
    """The result of ``discover``; the CLI turns ``missing`` into exit 2 and ``unreadable`` into AL002."""

    files: List[str] = field(default_factory=list)
    explicit: Set[str] = field(default_factory=set)
    missing: List[str] = field(default_factory=list)
    unreadable: List[Tuple[str, str]] = field(default_factory=list)


_NAME = attrgetter("name")

# --------------------------------------------------------------------------- globs

_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "blank": " \\t", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z", "xdigit": "0-9A-Fa-f",
}


def _class_end(pattern: str, start: int) -> int:
    """Index of the ``]`` closing the bracket expression at ``start``, or -1."""
    j = start + 1
    n = len(pattern)
    if j < n and pattern[j] in "!^":
        j += 1
    if j < n and pattern[j] == "]":
        j += 1
    while j < n and pattern[j] != "]":
        if pattern.startswith("[:", j):
            k = pattern.find(":]", j + 2)
            if k != -1:
                j = k + 2
                continue
        if pattern[j] == "\\":
            j += 1
        j += 1
    return j if j < n else -1


def _class_char(c: str) -> str:
    return "\\" + c if c in "\\]^-[" else c


def _class_regex(body: str) -> str:
    """Translate the inside of ``[...]``; a bracket expression never matches ``/``.

    Ranges follow git's wildmatch: a range's end may be escaped, a ``-`` right after a
    range or a ``[:class:]`` is literal, and an inverted range (``[9-0]``, ``[z-a]``,
    which ``re`` rejects) matches only its first character.
    """
    negate = bool(body) and body[0] in "!^"
    if negate:
        body = body[1:]
    items: List[str] = []
    prev: Optional[str] = None  # the last single character: it may start a range
    i = 0
    while i < len(body):
        c = body[i]
        if body.startswith("[:", i):
            k = body.find(":]", i + 2)
            if k != -1:
                items.append(_POSIX_CLASSES.get(body[i + 2:k], ""))
                prev = None
                i = k + 2
                continue
        if c == "-" and prev is not None and i + 1 < len(body):
            high = body[i + 1]
            i += 2
            if high == "\\" and i < len(body):
                high = body[i]
                i += 1
            if prev <= high:
                items[-1] = f"{_class_char(prev)}-{_class_char(high)}"
            # inverted: git has already compared the range's first character on its own, so
            # ``[z-a]`` matches ``z`` and nothing else
            prev = None
            continue
        if c == "\\" and i + 1 < len(body):
            c = body[i + 1]
            i += 1
        items.append(_class_char(c))
        prev = c
        i += 1
    inner = "".join(items)
    if negate:
        return f"[^/{inner}]"
    return f"(?!/)[{inner}]" if inner else "(?!)"


def inverted_range(pattern: str) -> Optional[str]:
    """The first inverted range (``9-0``) in a glob's bracket expressions, or None.

    git quietly matches only the first character there; in ``exclude`` it is a typo worth an error.
    """
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "[":
            end = _class_end(pattern, i)
            if end != -1:
                body = pattern[i + 1:end]
                body = body[1:] if body[:1] in ("!", "^") else body
                for match in re.finditer(r"(?<![\\-])(\\?.)-(\\?[^\]])", body):
                    low, high = match.group(1)[-1], match.group(2)[-1]
                    if low > high:
                        return f"{low}-{high}"
                i = end + 1
                continue
        i += 1
    return None


def glob_to_regex(pattern: str) -> str:
    """Translate a git-style glob (``/``-separated) to a regex for ``fullmatch``.

    ``*`` and ``?`` never match ``/``; ``**`` as a whole component matches any number
    of components (``a/**/b``, ``**/b``, ``a/**``); elsewhere it is a plain ``*``.
    """
    out: List[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            whole = (j - i == 2) and (i == 0 or pattern[i - 1] == "/") and (j == n or pattern[j] == "/")
            if whole and j == n:
                out.append(".*")
                i = j
            elif whole:
                out.append("(?:.*/)?")
                i = j + 1
            else:
                out.append("[^/]*")
                i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = _class_end(pattern, i)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                out.append(_class_regex(pattern[i + 1:end]))
                i = end + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


# ------------------------------------------------------------------------ gitignore


class IgnorePattern(NamedTuple):
    """One parsed ``.gitignore`` line."""

    body: str  # regex for the entry's name (unanchored) or its path relative to the file's directory
    negated: bool
    dir_only: bool
    anchored: bool
    literal: Optional[str]  # the plain name, for an unanchored pattern without glob characters

    @property
    def regex(self) -> str:
        """The regex against the path relative to the ignore file's directory."""
        return self.body if self.anchored else "(?:.*/)?" + self.body


def parse_gitignore_line(line: str) -> Optional[IgnorePattern]:
    """One line of a ``.gitignore``, or None for blanks and comments."""
    line = line.rstrip("\r\n")
    if not line or line.startswith("#"):
        return None
    stripped = line.rstrip(" ")
    if stripped != line and stripped.endswith("\\") and not stripped.endswith("\\\\"):
        stripped += " "  # "foo\ " keeps its escaped trailing space
    line = stripped
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    dir_only = line.endswith("/")
    if dir_only:
        line = line[:-1]
    if not line:
        return None
    anchored = "/" in line
    if line.startswith("/"):
        line = line[1:]
    literal = None if anchored or any(c in line for c in "*?[\\") else line
    return IgnorePattern(glob_to_regex(line), negated, dir_only, anchored, literal)


@dataclass(frozen=True)
class _IgnoreKind:
    """The patterns of one ignore file that apply to one kind of entry (files, or directories).

    Plain names are a dict lookup, name globs one regex over the entry's name, anchored
    patterns one regex over its relative path: matching a name against a hundred
    ``(?:.*/)?``-prefixed alternatives would cost a hundred backtracking scans.
    Alternatives are in reverse file order, so the first one that matches is git's
    "last matching pattern"; the highest line index over the three lookups wins.
    """

    literals: Dict[str, int]
    name_re: Optional[Pattern[str]]
    name_index: Tuple[int, ...]
    path_re: Optional[Pattern[str]]
    path_index: Tuple[int, ...]

    @classmethod
    def build(cls, patterns: Sequence[Tuple[int, IgnorePattern]]) -> "_IgnoreKind":
        literals: Dict[str, int] = {}
        names: List[Tuple[int, str]] = []
        paths: List[Tuple[int, str]] = []
        for index, pattern in patterns:
            if pattern.literal is not None:
                literals[pattern.literal] = index  # later lines overwrite: last match wins
            elif pattern.anchored:
                paths.append((index, pattern.body))
            else:
                names.append((index, pattern.body))

        def alternation(entries: List[Tuple[int, str]]) -> Tuple[Optional[Pattern[str]], Tuple[int, ...]]:
            if not entries:
                return None, ()
            entries = entries[::-1]
            return re.compile("|".join(f"({body})" for _, body in entries), re.DOTALL), tuple(i for i, _ in entries)

        name_re, name_index = alternation(names)
        path_re, path_index = alternation(paths)
        return cls(literals, name_re, name_index, path_re, path_index)

    def best(self, name: str, abs_path: str, start: int) -> int:
        """Index of the last line matching this entry, or -1."""
        best = self.literals.get(name, -1)
        if self.name_re is not None:
            m = self.name_re.fullmatch(name)
            if m is not None:
                best = max(best, self.name_index[(m.lastindex or 1) - 1])
        if self.path_re is not None:
            m = self.path_re.fullmatch(abs_path, start)
            if m is not None:
                best = max(best, self.path_index[(m.lastindex or 1) - 1])
        return best


@dataclass(frozen=True)
class _IgnoreFile:
    """One ignore file, compiled once: ``match`` runs for every entry below its directory."""

    base: str  # absolute posix directory the patterns are relative to, ending with "/"
    negated: Tuple[bool, ...]  # by line index
    files: _IgnoreKind
    dirs: _IgnoreKind

    def match(self, name: str, abs_path: str, is_dir: bool) -> Optional[bool]:
        """True: ignored, False: re-included by ``!``, None: no pattern here matches."""
        if not abs_path.startswith(self.base):
            return None
        index = (self.dirs if is_dir else self.files).best(name, abs_path, len(self.base))
        return None if index < 0 else not self.negated[index]


def compile_ignore_file(base: str, text: str) -> Optional[_IgnoreFile]:
    """Compile one ignore file's text; ``base`` is its directory (absolute, posix)."""
    parsed = [p for p in map(parse_gitignore_line, text.splitlines()) if p is not None]
    if not parsed:
        return None
    indexed = list(enumerate(parsed))
    prefix = base if base.endswith("/") else base + "/"
    return _IgnoreFile(
        base=prefix,
        negated=tuple(p.negated for p in parsed),
        files=_IgnoreKind.build([(i, p) for i, p in indexed if not p.dir_only]),
        dirs=_IgnoreKind.build(indexed),
    )


def _is_ignored(stack: Tuple[_IgnoreFile, ...], name: str, abs_path: str, is_dir: bool) -> bool:
    for ignore in reversed(stack):  # deepest first: its verdict overrides shallower files
        verdict = ignore.match(name, abs_path, is_dir)
        if verdict is not None:
            return verdict
    return False


# ------------------------------------------------------------------------- exclude


@dataclass(frozen=True)
class _Excluder:
    """exclude + extend-exclude, compiled: name patterns and root-relative path patterns."""

    name_any: Optional[Pattern[str]]
    name_dir: Optional[Pattern[str]]
    path_any: Optional[Pattern[str]]
    path_dir: Optional[Pattern[str]]

    def excluded(self, name: str, abs_path: str, is_dir: bool) -> bool:
        if self.name_any is not None and self.name_any.fullmatch(name):
            return True
        if self.path_any is not None and self.path_any.fullmatch(abs_path):
            return True
        if is_dir:
            if self.name_dir is not None and self.name_dir.fullmatch(name):
                return True
            if self.path_dir is not None and self.path_dir.fullmatch(abs_path):
                return True
        return False


def _join_any(regexes: List[str]) -> Optional[Pattern[str]]:
    return re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL) if regexes else None


@lru_cache(maxsize=32)
def _compile_excluder(patterns: Tuple[str, ...], root: str) -> _Excluder:
    """``root`` is absolute and posix; path patterns are anchored to it."""
    buckets: Dict[Tuple[bool, bool], List[str]] = {(a, d): [] for a in (False, True) for d in (False, True)}
    root_prefix = root.rstrip("/") + "/"
    for raw in patterns:
        pattern = raw.replace(os.sep, "/") if os.sep != "/" else raw
        dir_only = pattern.endswith("/") and pattern.strip("/") != ""
        pattern = pattern.rstrip("/") if dir_only else pattern
        while pattern.startswith("./"):
            pattern = pattern[2:]
        if not pattern or pattern == ".":
            continue
        if "/" not in pattern:
            buckets[(False, dir_only)].append(glob_to_regex(pattern))
        elif posixpath.isabs(pattern) or re.match(r"^[A-Za-z]:/", pattern):
            buckets[(True, dir_only)].append(glob_to_regex(posixpath.normpath(pattern)))
        elif ".." in pattern.split("/"):
            buckets[(True, dir_only)].append(glob_to_regex(posixpath.normpath(root_prefix + pattern)))
        else:
            buckets[(True, dir_only)].append(re.escape(root_prefix) + glob_to_regex(pattern))
    return _Excluder(
        name_any=_join_any(buckets[(False, False)]), name_dir=_join_any(buckets[(False, True)]),
        path_any=_join_any(buckets[(True, False)]), path_dir=_join_any(buckets[(True, True)]),
    )


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _excluder(options: DiscoveryOptions) -> _Excluder:
    return _compile_excluder(tuple(options.exclude) + tuple(options.extend_exclude),
                             _posix(os.path.abspath(options.root)))


def _is_under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _excluded_with_parents(path: str, options: DiscoveryOptions, is_dir: bool) -> bool:
    """The path or any directory above it (up to ``root``) matches an exclude pattern."""
    excluder = _excluder(options)
    abs_path = _posix(os.path.abspath(path))
    root = _posix(os.path.abspath(options.root))
    if _is_under(abs_path, root) and abs_path != root:
        top = root.rstrip("/")
    else:
        top = ""  # outside the project: every component counts, as in ruff
    rest = abs_path[len(top):].strip("/")
    if not rest:
        return False
    parts = rest.split("/")
    current = top
    for i, name in enumerate(parts):
        current = f"{current}/{name}"
        last = i == len(parts) - 1
        if excluder.excluded(name, current, is_dir if last else True):
            return True
    return False


def is_excluded(path: str, options: DiscoveryOptions) -> bool:
    """Whether ``--force-exclude`` drops this path (``--stdin-filename`` uses it; the file need not exist)."""
    return _excluded_with_parents(path, options, os.path.isdir(path))


# ---------------------------------------------------------------------------- walk


@dataclass
class _Run:
    """State of one ``discover`` call: what was found and what was already walked."""

    options: DiscoveryOptions
    excluder: _Excluder
    cwd: str
    found: Dict[str, str] = field(default_factory=dict)  # normalised absolute path -> display path
    visited: Set[Tuple[int, int]] = field(default_factory=set)
    ignore_cache: Dict[str, Optional[_IgnoreFile]] = field(default_factory=dict)
    unreadable: List[Tuple[str, str]] = field(default_factory=list)

    def display(self, abs_path: str) -> str:
        """Relative to the current directory, or absolute when outside it."""
        try:
            rel = os.path.relpath(abs_path, self.cwd)
        except ValueError:  # another drive on Windows
            return abs_path
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return abs_path
        return rel

    def ignore_file(self, path: str, base: str) -> Optional[_IgnoreFile]:
        if path not in self.ignore_cache:
            compiled: Optional[_IgnoreFile] = None
            try:
                if os.path.isfile(path):
                    with open(path, "rb") as handle:
                        compiled = compile_ignore_file(_posix(base), os.fsdecode(handle.read()))
            except (OSError, ValueError):
                compiled = None  # an unreadable ignore file ignores nothing, as in git
            self.ignore_cache[path] = compiled
        return self.ignore_cache[path]

    def repo_exclude(self, repo: str) -> Optional[_IgnoreFile]:
        """``$GIT_DIR/info/exclude`` of the repository whose top is ``repo`` (worktrees too)."""
        git = os.path.join(repo, ".git")
        git_dir = git
        if os.path.isfile(git):
            try:
                with open(git, encoding="utf-8", errors="replace") as handle:
                    first = handle.readline().strip()
            except OSError:
                return None
            if not first.startswith("gitdir:"):
                return None
            git_dir = os.path.join(repo, first[len("gitdir:"):].strip())
            common = os.path.join(git_dir, "commondir")
            try:
                with open(common, encoding="utf-8", errors="replace") as handle:
                    git_dir = os.path.join(git_dir, handle.read().strip())
            except OSError:
                pass
        return self.ignore_file(os.path.join(git_dir, "info", "exclude"), repo)

    def ancestor_ignores(self, abs_dir: str) -> Tuple[_IgnoreFile, ...]:
        """Ignore files above a walked directory: from the repository top (or ``root``) down to its parent."""
        chain = [abs_dir]
        while True:
            parent = os.path.dirname(chain[-1])
            if parent == chain[-1]:
                break
            chain.append(parent)
        stack: List[Optional[_IgnoreFile]] = []
        repo = next((d for d in chain if os.path.lexists(os.path.join(d, ".git"))), None)
        if repo is not None:
            top = repo
            stack.append(self.repo_exclude(repo))
        else:
            root = os.path.abspath(self.options.root)
            if not _is_under(_posix(abs_dir), _posix(root)):
                return ()
            top = root
        ancestors = chain[1:chain.index(top) + 1] if top in chain else []
        for directory in reversed(ancestors):
            stack.append(self.ignore_file(os.path.join(directory, ".gitignore"), directory))
        return tuple(s for s in stack if s is not None)

    def add(self, abs_path: str, display: str) -> None:
        self.found.setdefault(os.path.normcase(os.path.normpath(abs_path)), display)

    def walk(self, abs_root: str) -> None:
        """Walk one directory tree depth-first; symlinked directories are never entered."""
        try:
            st = os.stat(abs_root)
        except OSError as exc:
            self.unreadable.append((self.display(abs_root), _reason(exc)))
            return
        key = (st.st_dev, st.st_ino)
        if key in self.visited:
            return
        self.visited.add(key)
        respect = self.options.respect_gitignore
        ignores = self.ancestor_ignores(abs_root) if respect else ()
        real_root = os.path.realpath(abs_root)
        todo: List[Tuple[str, str, Tuple[_IgnoreFile, ...], bool]] = [
            (abs_root, self.display(abs_root), ignores, True)]
        while todo:
            directory, shown, ignores, is_root = todo.pop()
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=_NAME)
            except OSError as exc:
                self.unreadable.append((shown, _reason(exc)))
                continue
            prefix = "" if shown == os.curdir else shown + os.sep
            base = _posix(directory).rstrip("/")
            if respect:
                names = {e.name for e in entries if e.name in (".git", ".gitignore")}
                if ".git" in names and not is_root:  # a nested repository: outer rules stop here
                    nested = self.repo_exclude(directory)
                    ignores = (nested,) if nested is not None else ()
                if ".gitignore" in names:
                    own = self.ignore_file(os.path.join(directory, ".gitignore"), directory)
                    if own is not None:
                        ignores = ignores + (own,)
            subdirs = []
            for entry in entries:
                name = entry.name
                if name == ".git":
                    continue
                abs_path = f"{base}/{name}"
                try:
                    is_link = entry.is_symlink()
                    is_dir = not is_link and entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if self.excluder.excluded(name, abs_path, True) or (
                            ignores and _is_ignored(ignores, name, abs_path, True)):
                        continue
                    try:
                        dst = entry.stat(follow_symlinks=False)
                        dkey = (dst.st_dev, dst.st_ino)
                    except OSError as exc:
                        self.unreadable.append((prefix + name, _reason(exc)))
                        continue
                    if dkey in self.visited:
                        continue
                    self.visited.add(dkey)
                    subdirs.append((entry.path, prefix + name, ignores, False))
                    continue
                if os.path.splitext(name)[1] not in PYTHON_SUFFIXES:
                    continue
                if self.excluder.excluded(name, abs_path, False) or (
                        ignores and _is_ignored(ignores, name, abs_path, False)):
                    continue
                if is_link:
                    self._walked_symlink(entry.path, prefix + name, real_root)
                elif entry.is_file(follow_symlinks=False):
                    self.add(entry.path, prefix + name)
                else:
                    self.unreadable.append((prefix + name, _special_reason(entry.path)))
            todo.extend(reversed(subdirs))

    def _walked_symlink(self, path: str, shown: str, real_root: str) -> None:
        """A symlink met while walking: lint a regular file inside the tree, report a broken one."""
        try:
            st = os.stat(path)
        except OSError as exc:
            self.unreadable.append((shown, _reason(exc, link=True)))
            return
        if stat.S_ISDIR(st.st_mode):
            return
        if not stat.S_ISREG(st.st_mode):
            self.unreadable.append((shown, _special_reason(path)))
            return
        if _is_under(_posix(os.path.realpath(path)), _posix(real_root)):
            self.add(path, shown)


def _reason(exc: OSError, link: bool = False) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if link and exc.errno == errno.ENOENT:
        return "broken symbolic link"
    return exc.strerror or str(exc)


def _special_reason(path: str) -> str:
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return _reason(exc, link=True)
    kind = ("FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file")
    return f"not a regular file ({kind})"


def discover(paths: Sequence[str], options: DiscoveryOptions) -> Discovered:
    """The files to lint for these command-line paths (see the module docstring for the rules)."""
    run = _Run(options=options, excluder=_excluder(options), cwd=os.getcwd())
    explicit_files: Dict[str, str] = {}
    missing: List[str] = []
    for path in paths:
        try:
            lst = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            if path not in missing:
                missing.append(path)
            continue
        except OSError as exc:
            run.unreadable.append((path, _reason(exc)))
            continue
        try:
            st = os.stat(path) if stat.S_ISLNK(lst.st_mode) else lst
        except OSError as exc:
            run.unreadable.append((path, _reason(exc, link=True)))
            continue
        is_dir = stat.S_ISDIR(st.st_mode)
        if options.force_exclude and _excluded_with_parents(path, options, is_dir):
            continue
        if is_dir:
            run.walk(os.path.abspath(path))
        elif stat.S_ISREG(st.st_mode):
            explicit_files.setdefault(os.path.normcase(os.path.abspath(path)), path)
        else:
            run.unreadable.append((path, _special_reason(path)))
    found = dict(run.found)
    found.update(explicit_files)  # a named file keeps the spelling the user gave
    unreadable = sorted(set(run.unreadable))
    return Discovered(
        files=sorted(found.values()),
        explicit=set(explicit_files.values()),
        missing=missing,
        unreadable=unreadable,
    )
