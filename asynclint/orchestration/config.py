"""``[tool.asynclint]`` in ``pyproject.toml``: finding it, validating it, merging it with flags.

Every problem is a ``ConfigError`` whose message names the file and the key, so
the CLI can print one line and exit 2 — never a traceback.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple

from ..base.settings import DEFAULT_EXCLUDE, TARGET_VERSIONS, Settings
from ..catalogue.selection import SelectionError, expand_selector, parse_per_file_ignores, select_rules
from ..knowledge.intent import default_per_file_ignores
from .discovery import inverted_range
from .peer_config import PeerIgnores, peer_ignores

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10
    import tomli as tomllib


class ConfigError(Exception):
    """A configuration problem; the message is one line naming the file and key."""


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _table_of_str_lists(value: Any) -> bool:
    return isinstance(value, dict) and all(_str_list(v) for v in value.values())


BLOCKING_ENTRY_KEYS = ("code", "message")


def _blocking_table(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(v, dict) and set(v) <= set(BLOCKING_ENTRY_KEYS) and all(isinstance(x, str) for x in v.values())
        for v in value.values()
    )


def _did_you_mean(key: str, known: Sequence[str]) -> str:
    """`` (did you mean `x`?)`` for the closest known key (``_`` for ``-`` first, then difflib), or ''."""
    close = [k for k in known if k.replace("-", "_") == key or k == key.replace("_", "-")]
    close = close or difflib.get_close_matches(key.replace("_", "-"), known, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _check_blocking_entries(value: Any, source: str, name: str) -> None:
    """Name the bad part of an ``extend-blocking-calls`` table, not the whole table: a typo such as
    ``mesage =`` in one entry of many must be findable."""
    if not isinstance(value, dict):
        return  # the generic message (the expected type, the value) says it best
    for qualname, entry in value.items():
        where = f"{name}.{_toml_key(qualname)}"
        if not isinstance(entry, dict):
            raise ConfigError(f'{source}: `{where}` must be a table such as {{code = "AL104", message = "..."}}, '
                              f"got {entry!r}")
        for key, item in entry.items():
            if key not in BLOCKING_ENTRY_KEYS:
                hint = _did_you_mean(key, BLOCKING_ENTRY_KEYS) or " (the keys are `code` and `message`)"
                raise ConfigError(f"{source}: unknown key `{where}.{key}`{hint}")
            if not isinstance(item, str):
                raise ConfigError(f"{source}: `{where}.{key}` must be a string, got {item!r}")


def _toml_key(key: str) -> str:
    """A key as TOML spells it: quoted when it is not a bare key (qualified names have dots)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


# key -> (validator, description of the expected type)
KEYS: Dict[str, Tuple[Callable[[Any], bool], str]] = {
    "select": (_str_list, "a list of rule selectors"),
    "extend-select": (_str_list, "a list of rule selectors"),
    "ignore": (_str_list, "a list of rule selectors"),
    "per-file-ignores": (_table_of_str_lists, "a table of glob = [selectors]"),
    "extend-per-file-ignores": (_table_of_str_lists, "a table of glob = [selectors]"),
    "exclude": (_str_list, "a list of glob patterns"),
    "extend-exclude": (_str_list, "a list of glob patterns"),
    "force-exclude": (lambda v: isinstance(v, bool), "true or false"),
    "respect-gitignore": (lambda v: isinstance(v, bool), "true or false"),
    "respect-peer-ignores": (lambda v: isinstance(v, bool), "true or false"),
    "respect-peer-selects": (lambda v: isinstance(v, bool), "true or false"),
    "target-version": (lambda v: v in TARGET_VERSIONS, "one of " + ", ".join(TARGET_VERSIONS)),
    "extend-blocking-calls": (_blocking_table, 'a table of "qualified.name" = {code = "AL1xx", message = "..."}'),
    "blocking-stat-calls": (lambda v: isinstance(v, bool), "true or false"),
    "include-generated": (lambda v: isinstance(v, bool), "true or false"),
    "blocking-call-depth": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 10,
                            "an integer from 1 to 10"),
    "extend-coroutine-functions": (_str_list, "a list of qualified names"),
    "allowed-blocking-helpers": (_str_list, "a list of qualified names"),
    "extend-ordered-calls": (_str_list, "a list of method or qualified names"),
    "fixable": (_str_list, "a list of rule selectors"),
    "unfixable": (_str_list, "a list of rule selectors"),
    "extend-safe-fixes": (_str_list, "a list of rule selectors"),
    "extend-unsafe-fixes": (_str_list, "a list of rule selectors"),
    "output-format": (lambda v: v in ("text", "json", "sarif", "github"), "one of text, json, sarif, github"),
    "show-source": (lambda v: isinstance(v, bool), "true or false"),
    "cache-dir": (lambda v: isinstance(v, str), "a path"),
    "file-time-budget": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0,
                         "a positive number of seconds"),
    "extend-async-decorators": (_str_list, "a list of qualified decorator names that keep a function async"),
    "site-packages": (_str_list, "a list of site-packages directories to read third-party source from"),
    "python": (lambda v: isinstance(v, str), "the path of the project's Python interpreter"),
}


@dataclass
class RunConfig:
    """Everything a run needs besides the paths: rule settings plus front-end options."""

    settings: Settings
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    config_path: Optional[str] = None
    root: str = "."
    output_format: str = "text"
    show_source: bool = False
    cache_dir: Optional[str] = None
    values: Dict[str, Any] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)  # for stderr: config files skipped
    peer: PeerIgnores = PeerIgnores()  # what a ruff/flake8 config's ignores turned off (selects: on)


def find_config(start: str, warnings: Optional[List[str]] = None) -> Optional[str]:
    """The nearest ``pyproject.toml`` with a ``[tool.asynclint]`` table at or above ``start``.

    A ``pyproject.toml`` without the table is skipped, as ruff does; so is a broken one
    that never mentions asynclint (an unrelated parent project's file must not stop every
    run), with a warning in ``warnings``. A broken one that mentions asynclint is an error.
    """
    current = os.path.abspath(start)
    while True:
        candidate = os.path.join(current, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                data = _read_toml(candidate)
            except ConfigError as error:
                if _mentions_asynclint(candidate):
                    raise
                if warnings is not None:
                    warnings.append(f"skipped {error} (it has no [tool.asynclint] table)")
                data = {}
            if isinstance(data.get("tool"), dict) and "asynclint" in data["tool"]:
                return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _mentions_asynclint(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return b"asynclint" in handle.read()
    except OSError:
        return True  # unreadable: say so rather than guess


def _read_toml(path: str) -> Dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply to read") from None


_PYPROJECT_TABLES = ("tool", "project", "build-system", "dependency-groups")


def load_config_file(path: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The validated ``[tool.asynclint]`` table (or a bare asynclint TOML file) and the whole document."""
    data = _read_toml(path)
    # a pyproject-style file under another name (``--config other.toml`` holding only
    # ``[project]``): its asynclint settings, if any, are in ``[tool.asynclint]``
    if os.path.basename(path) == "pyproject.toml" or any(key in data for key in _PYPROJECT_TABLES):
        tool = data.get("tool", {})
        table = tool.get("asynclint", {}) if isinstance(tool, dict) else {}
        prefix = "tool.asynclint."
    else:
        table = data
        prefix = ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: `{prefix.rstrip('.')}` must be a table")
    validate(table, path, prefix)
    return table, data


def validate(table: Mapping[str, Any], source: str, prefix: str = "") -> None:
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"{source}: unknown key `{prefix}{key}`{_did_you_mean(key, list(KEYS))}")
        if key == "extend-blocking-calls":
            _check_blocking_entries(value, source, f"{prefix}{key}")
        check, expected = KEYS[key]
        if not check(value):
            raise ConfigError(f"{source}: `{prefix}{key}` must be {expected}, got {value!r}")


def target_from_requires_python(document: Mapping[str, Any]) -> Optional[Tuple[int, int]]:
    """``requires-python = ">=3.11"`` -> (3, 11): the oldest Python the project supports."""
    project = document.get("project")
    spec = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(spec, str):
        return None
    match = re.search(r"(?:>=|~=|==)\s*3\.(\d+)", spec)
    return (3, int(match.group(1))) if match else None


def _git_root(start: str) -> Optional[str]:
    current = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def paths_base(paths: Sequence[str], cwd: Optional[str] = None) -> str:
    """The directory the paths have in common (black's rule for where a project starts); stdin is cwd."""
    cwd = cwd or os.getcwd()
    absolute = [os.path.join(cwd, p) for p in paths if p != "-"] or [cwd]
    try:
        common = os.path.commonpath([os.path.abspath(p) for p in absolute])
    except ValueError:  # mixed drives on Windows
        return cwd
    return common if os.path.isdir(common) else os.path.dirname(common)


def index_roots(root: str, config_path: Optional[str], paths: Sequence[str], cwd: Optional[str] = None) -> Tuple[str, ...]:
    """Where the project index reads files from, when not ``root`` itself.

    A config file or repository holding the paths makes ``root`` the project. Without one, the
    paths' common parent can be any directory up to ``/``: then each path stands for itself.
    A directory named is indexed whole (or its repository, if it is in one); a file, with its
    top-level package, or else with the modules beside it (a script in a home directory must
    not index the home directory).
    """
    if in_project(root, config_path):
        return ()
    cwd = cwd or os.getcwd()
    roots: Set[str] = set()
    for path in paths:
        if path == "-":
            continue
        absolute = os.path.abspath(os.path.join(cwd, path))
        if os.path.isdir(absolute):
            roots.add(_git_root(absolute) or absolute)
            continue
        directory = os.path.dirname(absolute)
        tree = _git_root(directory) or _top_package(directory)
        if tree:
            roots.add(tree)
        else:
            roots.update(_modules_beside(absolute))
    if not roots or roots == {root}:
        return ()
    ordered = sorted(roots)
    return tuple(r for r in ordered if not any(r != o and r.startswith(o.rstrip(os.sep) + os.sep) for o in ordered))


def in_project(root: str, config_path: Optional[str]) -> bool:
    """Whether ``root`` is a project of its own (the config file's directory or a repository's root).

    Outside one, nothing marks where the project is, so the cache goes to the current directory.
    """
    return bool(config_path and root == os.path.dirname(os.path.abspath(config_path))) or _git_root(root) == root


def _top_package(directory: str) -> Optional[str]:
    """The outermost package (directory with ``__init__.py``) holding ``directory``, if it is in one."""
    top = None
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        top = directory
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return top


def _modules_beside(path: str) -> List[str]:
    """The file and the Python modules in its directory (not below it)."""
    found = [path]
    try:
        with os.scandir(os.path.dirname(path)) as entries:
            found.extend(e.path for e in entries if e.name.endswith(".py") and e.is_file())
    except OSError:
        pass
    return found


def project_root(config_path: Optional[str], paths: Sequence[str], cwd: Optional[str] = None) -> str:
    """The config file's directory when it holds the paths, else their git root, else their common parent.

    The project index is built from this directory, so it must contain the linted files: linting
    another checkout from inside this one must not index this one instead.
    """
    base = paths_base(paths, cwd)
    if config_path:
        directory = os.path.dirname(os.path.abspath(config_path))
        if base == directory or base.startswith(directory.rstrip(os.sep) + os.sep):
            return directory
    return _git_root(base) or base


def _cache_dir_inside(value: str, root: str, source: str) -> str:
    """A config file's ``cache-dir``: it must stay inside the project root once symlinks are resolved.

    A repository's config is not the user's word: ``cache-dir = "../victim"`` (or a committed
    symlink on the way) would write a ``.gitignore`` of ``*`` and cache files into another tree.
    """
    path = os.path.normpath(os.path.join(root, value))
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise ConfigError(f"{source}: `cache-dir` must be a directory inside the project root ({root}), "
                          f"got {value!r}; use --cache-dir on the command line for a cache elsewhere")
    return path


def _relative_to(path: str, root: str) -> str:
    return path if os.path.isabs(path) else os.path.join(root, path)


def _selectors(values: Sequence[str], source: str, key: str) -> List[str]:
    for value in values:
        try:
            expand_selector(value, for_select=key in ("select", "extend-select"))
        except SelectionError as error:
            raise ConfigError(f"{source}: `{key}`: {error}") from None
    return list(values)


def _codes(values: Optional[Sequence[str]], source: str, key: str) -> frozenset[str]:
    codes: set[str] = set()
    for value in values or ():
        try:
            codes |= expand_selector(value, for_select=False)
        except SelectionError as error:
            raise ConfigError(f"{source}: `{key}`: {error}") from None
    return frozenset(codes)


def resolve(cli: Mapping[str, Any], paths: Sequence[str], config_file: Optional[str] = None,
            isolated: bool = False, cwd: Optional[str] = None) -> RunConfig:
    """Merge the config file (found or given) with flags; flags win. ``cli`` uses the config keys."""
    cwd = cwd or os.getcwd()
    validate(cli, "command line")
    found_warnings: List[str] = []
    file_values: Dict[str, Any] = {}
    document: Dict[str, Any] = {}
    config_path: Optional[str] = None
    if config_file:
        config_path = os.path.abspath(config_file)
        if os.path.isdir(config_path):
            raise ConfigError(f"--config {config_file}: is a directory; name the file "
                              f"(e.g. {os.path.join(config_file, 'pyproject.toml')})")
        if not os.path.isfile(config_path):
            raise ConfigError(f"{config_file}: config file not found")
        file_values, document = load_config_file(config_path)
    elif not isolated:
        config_path = find_config(paths_base(paths, cwd), found_warnings)
        if config_path:
            file_values, document = load_config_file(config_path)
    source = config_path or "command line"
    values: Dict[str, Any] = dict(file_values)
    # list options that extend rather than replace
    for key, value in cli.items():
        if key == "per-file-ignores":
            merged = dict(values.get("per-file-ignores", {}))
            merged.update(value)
            values[key] = merged
        else:
            values[key] = value

    def src(key: str) -> str:
        return "command line" if key in cli else source

    for key in ("select", "extend-select", "ignore"):
        if key in values:
            _selectors(values[key], src(key), key)
    enabled = select_rules(values.get("select"), values.get("extend-select", ()), values.get("ignore", ()))
    # without a per-file-ignores of the user's, test and command-line code are spared the rules whose
    # shapes they use on purpose
    pfi: Dict[str, List[str]] = dict(values["per-file-ignores"]) if "per-file-ignores" in values else {
        pattern: list(codes) for pattern, codes in default_per_file_ignores().items()}
    for pattern, sels in values.get("extend-per-file-ignores", {}).items():
        pfi[pattern] = list(pfi.get(pattern, [])) + list(sels)
    try:
        per_file = parse_per_file_ignores(pfi.items())
    except SelectionError as error:
        raise ConfigError(f"{src('per-file-ignores')}: `per-file-ignores`: {error}") from None
    if "target-version" in values:
        target = (3, int(values["target-version"][3:]))
    else:
        target = target_from_requires_python(document) or (3, 10)
    blocking: Dict[str, Tuple[str, str]] = {}
    for qualname, entry in values.get("extend-blocking-calls", {}).items():
        code = entry.get("code", "AL104")
        if not re.fullmatch(r"AL1\d\d", code):
            raise ConfigError(f"{src('extend-blocking-calls')}: `extend-blocking-calls.{qualname}.code` must be an AL1xx code, got {code!r}")
        blocking[qualname] = (code, entry.get("message", f"`{qualname}` is configured as blocking"))
    root = project_root(config_path, paths, cwd)
    roots = index_roots(root, config_path, paths, cwd)
    peer = PeerIgnores()
    respect_ignores = values.get("respect-peer-ignores", True)
    respect_selects = values.get("respect-peer-selects", True)
    if not isolated and (respect_ignores or respect_selects):
        found = peer_ignores(paths_base(paths, cwd), root)
        off: FrozenSet[str] = frozenset()
        on: FrozenSet[str] = frozenset()
        if respect_ignores:
            named = {value for key in ("select", "extend-select") for value in values.get(key, ())}
            off = frozenset(code for code in enabled if code in found.codes and code not in named)
            enabled = enabled - off
            per_file = per_file + found.per_file
        if respect_selects and "select" not in values:
            # the user's own `select` is their whole choice; their `ignore` of the rule wins too
            ignored = {code for sel in values.get("ignore", ()) for code in expand_selector(sel, for_select=False)}
            on = frozenset(found.selected - enabled - ignored)
            enabled = enabled | on
        # what the run's note names: rules that were on and are now off, rules turned on
        peer = replace(found, codes=off, selected=on, per_file=found.per_file if respect_ignores else (),
                       reasons=found.reasons if off else (), select_reasons=found.select_reasons if on else ())
    fixable = _codes(values["fixable"], src("fixable"), "fixable") if "fixable" in values else None
    settings = Settings(
        enabled=enabled,
        per_file_ignores=per_file,
        extend_blocking_calls=blocking,
        blocking_stat_calls=values.get("blocking-stat-calls", False),
        include_generated=values.get("include-generated", False),
        blocking_call_depth=values.get("blocking-call-depth", 3),
        allowed_blocking_helpers=tuple(values.get("allowed-blocking-helpers", ())),
        extend_coroutine_functions=tuple(values.get("extend-coroutine-functions", ())),
        extend_ordered_calls=tuple(values.get("extend-ordered-calls", ())),
        target_version=target,
        project_root=root,
        index_roots=roots,
        display_base=cwd,
        fixable=fixable,
        unfixable=_codes(values.get("unfixable"), src("unfixable"), "unfixable"),
        extend_safe_fixes=_codes(values.get("extend-safe-fixes"), src("extend-safe-fixes"), "extend-safe-fixes"),
        extend_unsafe_fixes=_codes(values.get("extend-unsafe-fixes"), src("extend-unsafe-fixes"), "extend-unsafe-fixes"),
    )
    for key in ("exclude", "extend-exclude"):
        for pattern in values.get(key, ()):
            bad = inverted_range(pattern)
            if bad:
                raise ConfigError(f"{src(key)}: `{key}`: pattern {pattern!r} has the inverted range `{bad}`, "
                                  "which matches nothing")
    exclude = tuple(values["exclude"]) if "exclude" in values else DEFAULT_EXCLUDE
    extend_exclude = tuple(values.get("extend-exclude", ()))
    settings = replace(
        settings,
        index_exclude=exclude + extend_exclude,
        extend_async_decorators=tuple(values.get("extend-async-decorators", ())),
        site_packages=tuple(_relative_to(p, root) for p in values.get("site-packages", ())),
        python_executable=_relative_to(values["python"], root) if "python" in values else None,
    )
    if "file-time-budget" in values:
        settings = replace(settings, file_time_budget=float(values["file-time-budget"]))
    cache_dir = values.get("cache-dir")
    if cache_dir and "cache-dir" in cli:  # the user's own flag may point anywhere (their symlinks included)
        cache_dir = os.path.realpath(os.path.join(cwd, cache_dir))
    elif cache_dir:
        cache_dir = _cache_dir_inside(cache_dir, root, source)
    elif not in_project(root, config_path):
        # outside any repository or config no directory is the project's to write in: the cwd (as ruff)
        cache_dir = os.path.join(cwd, ".asynclint_cache")
    return RunConfig(
        settings=settings,
        exclude=exclude,
        extend_exclude=extend_exclude,
        force_exclude=bool(values.get("force-exclude", False)),
        respect_gitignore=bool(values.get("respect-gitignore", True)),
        config_path=config_path,
        root=os.path.dirname(config_path) if config_path else cwd,
        output_format=values.get("output-format", "text"),
        show_source=bool(values.get("show-source", False)),
        cache_dir=cache_dir,
        values=values,
        warnings=found_warnings,
        peer=peer,
    )
