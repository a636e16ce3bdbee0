"""``[tool.asynclint]`` in ``pyproject.toml``: finding it, validating it, merging it with flags.

Every problem is a ``ConfigError`` whose message names the file and the key, so
the CLI can print one line and exit 2 — never a traceback.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from ..base.settings import DEFAULT_EXCLUDE, TARGET_VERSIONS, Settings
from ..knowledge.intent import default_per_file_ignores
from ..catalogue.selection import SelectionError, expand_selector, parse_per_file_ignores, select_rules

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


def _blocking_table(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(v, dict) and set(v) <= {"code", "message"} and all(isinstance(x, str) for x in v.values())
        for v in value.values()
    )


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


def find_config(start: str) -> Optional[str]:
    """The nearest ``pyproject.toml`` with a ``[tool.asynclint]`` table at or above ``start``.

    A ``pyproject.toml`` without the table is skipped, as ruff does.
    """
    current = os.path.abspath(start)
    while True:
        candidate = os.path.join(current, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                data = _read_toml(candidate)
            except ConfigError:
                raise
            if isinstance(data.get("tool"), dict) and "asynclint" in data["tool"]:
                return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _read_toml(path: str) -> Dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def load_config_file(path: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The validated ``[tool.asynclint]`` table (or a bare asynclint TOML file) and the whole document."""
    data = _read_toml(path)
    if os.path.basename(path) == "pyproject.toml" or "tool" in data:
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
            close = [k for k in KEYS if k.replace("-", "_") == key or k == key.replace("_", "-")]
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise ConfigError(f"{source}: unknown key `{prefix}{key}`{hint}")
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
    if (config_path and root == os.path.dirname(os.path.abspath(config_path))) or _git_root(root) == root:
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
    file_values: Dict[str, Any] = {}
    document: Dict[str, Any] = {}
    config_path: Optional[str] = None
    if config_file:
        config_path = os.path.abspath(config_file)
        if not os.path.isfile(config_path):
            raise ConfigError(f"{config_file}: config file not found")
        file_values, document = load_config_file(config_path)
    elif not isolated:
        config_path = find_config(paths_base(paths, cwd))
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
        fixable=fixable,
        unfixable=_codes(values.get("unfixable"), src("unfixable"), "unfixable"),
        extend_safe_fixes=_codes(values.get("extend-safe-fixes"), src("extend-safe-fixes"), "extend-safe-fixes"),
        extend_unsafe_fixes=_codes(values.get("extend-unsafe-fixes"), src("extend-unsafe-fixes"), "extend-unsafe-fixes"),
    )
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
    if cache_dir and not os.path.isabs(cache_dir):
        cache_dir = os.path.join(root, cache_dir)
    elif not cache_dir and roots:  # paths in unrelated trees: no project directory to hold it (ruff: the cwd)
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
    )
