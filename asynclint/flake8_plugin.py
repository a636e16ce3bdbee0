"""The flake8 front end: ``flake8 --select AL`` runs the same engine as ``asynclint``.

A thin adapter, no rule logic: flake8 hands each file's ``lines`` and its already
parsed ``tree`` to the engine (no re-read, no second parse), and gets back findings
as flake8 tuples (1-based line, 0-based column, ``"AL101 message"``).

What stays flake8's job: which files are linted, unparsable and unreadable files
(E999/E902: flake8 never calls a tree plugin for them), ``ignore``/``extend-ignore``,
``per-file-ignores`` and ``# noqa``. What the plugin decides, so both front ends agree:

* opt-in rules (``RULES[code].default_enabled`` is False) run only when their full code
  is in flake8's ``select``/``extend-select`` (or enabled in ``[tool.asynclint]``):
  flake8 would otherwise select them through the ``AL`` prefix;
* rule options and selection come from ``[tool.asynclint]`` in the nearest
  ``pyproject.toml``, overridden by the ``--asynclint-*`` flake8 options;
* rules that flake8 will discard anyway (not selected, ignored) are not run at all.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

from . import __version__
from .base.settings import TARGET_VERSIONS, Settings
from .catalogue import FILE_CODES, RULES
from .engine import lint_source
from .orchestration.config import ConfigError, resolve, validate
from .orchestration.runner import load_index
from .rules import checkers_for

Flake8Result = Tuple[int, int, str, type]

# ``[tool.asynclint]`` keys offered as ``--asynclint-<key>`` flake8 options: the rule options.
RULE_OPTIONS = ("target-version", "extend-blocking-calls", "blocking-stat-calls", "include-generated",
                "extend-coroutine-functions", "extend-ordered-calls", "allowed-blocking-helpers")
# The other keys, and why flake8 users do not need them as flake8 options (they still
# apply from pyproject.toml where they make sense: selection and per-file-ignores do).
NOT_FLAKE8_OPTIONS = {
    "select": "flake8's own select", "extend-select": "flake8's own extend-select",
    "ignore": "flake8's own ignore", "per-file-ignores": "flake8's own per-file-ignores",
    "extend-per-file-ignores": "flake8's own per-file-ignores",
    "exclude": "flake8 chooses the files", "extend-exclude": "flake8 chooses the files",
    "force-exclude": "flake8 chooses the files", "respect-gitignore": "flake8 chooses the files",
    "fixable": "flake8 does not fix", "unfixable": "flake8 does not fix",
    "extend-safe-fixes": "flake8 does not fix", "extend-unsafe-fixes": "flake8 does not fix",
    "output-format": "flake8 formats its report", "show-source": "flake8's own show-source",
    "cache-dir": "no result cache under flake8",
    "extend-async-decorators": "project-level: read from [tool.asynclint]",
    "site-packages": "project-level: read from [tool.asynclint]",
    "python": "project-level: read from [tool.asynclint]",
    "file-time-budget": "flake8 runs its own workers; the budget applies to asynclint's pool",
    "blocking-call-depth": "project-level: read from [tool.asynclint]",
    "respect-peer-ignores": "project-level: read from [tool.asynclint]",
    "respect-peer-selects": "project-level: read from [tool.asynclint]",
}

# The project index per project root, for this process. flake8 makes a new plugin
# instance per file and gives plugins no per-run object to hold it; without this memo
# every file would rebuild the project-wide index. It is loaded lazily (only when a
# file could need it) and at most once per process: flake8's forked workers each load
# it on their first such file. The entry keeps the settings it was built for, so a
# different configuration in the same process (tests, the legacy API) rebuilds it.
_INDEX_MEMO: Dict[str, Tuple[Settings, Optional[object]]] = {}


@dataclass(frozen=True)
class PluginState:
    """The run's settings, computed once from flake8's options in ``parse_options``."""

    settings: Settings
    # True when at least one rule (beyond the AL0xx file codes) runs: otherwise skip every file.
    any_rule: bool


def _option_list(value: Any) -> List[str]:
    """flake8 gives comma-separated options as lists, but a default may still be a string."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if v and v.strip()]


def _blocking_calls(entries: Sequence[str]) -> Dict[str, Dict[str, str]]:
    """``name`` or ``name:AL1xx`` entries -> the ``extend-blocking-calls`` table of the config file."""
    table: Dict[str, Dict[str, str]] = {}
    for entry in entries:
        name, _, code = entry.partition(":")
        table[name.strip()] = {"code": code.strip().upper()} if code.strip() else {}
    return table


def cli_values(options: argparse.Namespace) -> Dict[str, Any]:
    """The ``--asynclint-*`` options the user gave, under their ``[tool.asynclint]`` keys."""
    values: Dict[str, Any] = {}
    target = getattr(options, "asynclint_target_version", None)
    if target:
        values["target-version"] = str(target).strip()
    blocking = _option_list(getattr(options, "asynclint_extend_blocking_calls", None))
    if blocking:
        values["extend-blocking-calls"] = _blocking_calls(blocking)
    stat_calls = getattr(options, "asynclint_blocking_stat_calls", None)
    if stat_calls is not None:
        values["blocking-stat-calls"] = bool(stat_calls)
    generated = getattr(options, "asynclint_include_generated", None)
    if generated is not None:
        values["include-generated"] = bool(generated)
    for key in ("extend-coroutine-functions", "extend-ordered-calls", "allowed-blocking-helpers"):
        given = _option_list(getattr(options, "asynclint_" + key.replace("-", "_"), None))
        if given:
            values[key] = given
    return values


def flake8_selected(options: argparse.Namespace, codes: Sequence[str]) -> FrozenSet[str]:
    """The codes flake8 would report, by its own select/ignore decision (not noqa or per-file).

    Only an optimisation (rules flake8 would discard are not run), so if flake8's
    internals change shape every code counts as selected and flake8 still filters.
    """
    try:
        from flake8.style_guide import Decision, DecisionEngine  # noqa: PLC0415 - flake8 is optional

        decider = DecisionEngine(options)
        return frozenset(c for c in codes if decider.decision_for(c) is Decision.Selected)
    except Exception:  # noqa: BLE001 - an optimisation must never break flake8
        return frozenset(codes)


def engine_codes(settings_enabled: FrozenSet[str], options: argparse.Namespace) -> FrozenSet[str]:
    """The codes the engine runs under flake8.

    flake8 selects every ``AL`` code once ``AL`` is selected (it is, by default), so an
    opt-in rule runs only when enabled in ``[tool.asynclint]`` or named by its full code
    in flake8's ``select``/``extend-select``, exactly as ``asynclint --select`` treats it.
    """
    explicit = {c.upper() for c in _option_list(getattr(options, "select", None))
                + _option_list(getattr(options, "extend_select", None))}
    wanted = [code for code, rule in RULES.items() if code not in FILE_CODES and (
        code in settings_enabled or (not rule.default_enabled and code in explicit))]
    return flake8_selected(options, wanted) | FILE_CODES


def build_state(options: argparse.Namespace, paths: Sequence[str] = ()) -> PluginState:
    """Resolve ``[tool.asynclint]`` plus the ``--asynclint-*`` options into the run's settings."""
    config_file = getattr(options, "asynclint_config", None) or None
    values = cli_values(options)
    validate(values, "flake8 options", prefix="asynclint-")  # name the option as the user spelled it
    run = resolve(values, list(paths) or ["."], config_file=config_file,
                  isolated=bool(getattr(options, "isolated", False)) and not config_file)
    for warning in run.warnings:
        print(f"asynclint: warning: {warning}", file=sys.stderr)
    enabled = engine_codes(run.settings.enabled, options)
    # Replace the selection only; every other setting (per-file-ignores, options) stays.
    settings = replace(run.settings, enabled=enabled)
    return PluginState(settings, any_rule=bool(enabled - FILE_CODES))


def index_for(settings: Settings) -> Optional[object]:
    """The project index for ``settings``' project root, loaded once per process (see ``_INDEX_MEMO``)."""
    root = os.path.abspath(settings.project_root)
    hit = _INDEX_MEMO.get(root)
    if hit is not None and (hit[0] is settings or hit[0] == settings):
        return hit[1]
    index = load_index(settings)
    _INDEX_MEMO[root] = (settings, index)
    return index


def _could_need_index(data: bytes, enabled: FrozenSet[str]) -> bool:
    """Ask the registry's own triage whether a checker that uses the index could fire here."""
    return any(getattr(c, "needs_index", False) and c.could_fire(data, enabled) for c in checkers_for(enabled))


class AsyncLintPlugin:
    """flake8 tree plugin ``AL``: one instance per file, as flake8 requires."""

    name = "asynclint"
    version = __version__
    # flake8 delivers options once, to a classmethod, before any instance exists, so the
    # resolved settings live on the class (every flake8 plugin does this). Forked workers
    # inherit them; spawned workers rerun ``parse_options``.
    state: ClassVar[Optional[PluginState]] = None

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, manager: Any) -> None:
        """asynclint's rule options, as ``--asynclint-*`` flags and setup.cfg/tox.ini/.flake8 keys."""
        manager.add_option(
            "--asynclint-target-version", parse_from_config=True, metavar="VERSION",
            help="asynclint: oldest Python the code supports, one of " + ", ".join(TARGET_VERSIONS)
            + " (default: [tool.asynclint] or requires-python in pyproject.toml)")
        manager.add_option(
            "--asynclint-extend-blocking-calls", parse_from_config=True, comma_separated_list=True,
            metavar="NAME[:CODE],...",
            help="asynclint: qualified names of calls that block the event loop, reported as "
            "AL104 or the AL1xx code after a colon (e.g. mylib.fetch_sync,mylib.db.query:AL105)")
        manager.add_option(
            "--asynclint-blocking-stat-calls", parse_from_config=True, action="store_true", default=None,
            help="asynclint: AL109 also reports cheap stat-like calls (os.path.exists, Path.is_file...)")
        manager.add_option(
            "--asynclint-include-generated", parse_from_config=True, action="store_true", default=None,
            help="asynclint: also report in files whose header says they are generated")
        manager.add_option(
            "--asynclint-extend-coroutine-functions", parse_from_config=True, comma_separated_list=True,
            metavar="NAMES", help="asynclint: qualified names of functions that return coroutines")
        manager.add_option(
            "--asynclint-extend-ordered-calls", parse_from_config=True, comma_separated_list=True,
            metavar="NAMES", help="asynclint: method or qualified names whose awaits must stay in order")
        manager.add_option(
            "--asynclint-allowed-blocking-helpers", parse_from_config=True, comma_separated_list=True,
            metavar="NAMES", help="asynclint: qualified names of sync helpers accepted as blocking (AL107 "
            "follows no chain through them)")
        manager.add_option(
            "--asynclint-config", parse_from_config=True, normalize_paths=True, metavar="FILE",
            help="asynclint: read [tool.asynclint] from this file instead of the nearest pyproject.toml")

    @classmethod
    def parse_options(cls, manager: Any, options: argparse.Namespace, args: Sequence[str]) -> None:
        """Resolve the settings once per flake8 run; a bad config is flake8's "critical error"."""
        try:
            cls.state = build_state(options, args)
        except ConfigError as error:
            from flake8.exceptions import ExecutionError  # noqa: PLC0415 - only under flake8

            # resolve() calls flags "command line"; here they may come from setup.cfg too.
            message = str(error).replace("command line: ", "flake8 options: ", 1)
            raise ExecutionError(f"asynclint: {message}") from None

    def run(self) -> Iterator[Flake8Result]:
        state = type(self).state
        if state is None:  # flake8 always calls parse_options; other hosts may not
            state = type(self).state = build_state(argparse.Namespace(), [self.filename])
        if not state.any_rule or not self.lines:
            return
        text = "".join(self.lines)
        data = text.encode("utf-8", "surrogatepass")
        settings = state.settings
        index = index_for(settings) if _could_need_index(data, settings.enabled) else None
        tree = self.tree if isinstance(self.tree, ast.Module) else None
        # Explicitly named non-Python files are forced, as the CLI forces them.
        force = not self.filename.endswith((".py", ".pyi"))
        result = lint_source(data, self.filename, settings, index=index, force=force,
                             text=text, tree=tree, noqa=False)
        for finding in result.findings:
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
