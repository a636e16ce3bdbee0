"""The ``asynclint`` command: flags (ruff's names), not subcommands, so any word stays a path.

Exit codes: 0 nothing found, 1 findings, 2 usage, config or internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import threading
from dataclasses import dataclass, field, replace
from typing import AbstractSet, Any, Dict, Iterator, List, Optional, Sequence, Set

from . import __version__
from .base.model import Applicability, Finding
from .base.settings import DEFAULT_EXCLUDE, TARGET_VERSIONS
from .base.source import decode
from .catalogue import RULES
from .engine import FileResult, file_finding, lint_source
from .orchestration.config import ConfigError, RunConfig, resolve
from .orchestration.discovery import DiscoveryOptions, discover, is_excluded
from .orchestration.fixes import applicability, fix_file, fix_source, remove_stale_temps, unified_diff
from .orchestration.formats import FORMATS, escape_text, render, statistics, summary
from .orchestration.runner import RunStats, default_jobs, lint_paths, load_index

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _csv(value: str) -> List[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="asynclint", description="Find async/await mistakes: blocking calls, unawaited "
                "coroutines, sequential awaits, swallowed cancellation.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories to lint (default: .); - reads stdin")
    sel = p.add_argument_group("rule selection")
    sel.add_argument("--select", type=_csv, metavar="CODES", help="rules to enable (codes or prefixes: AL, AL4, AL401, ALL); replaces the defaults")
    sel.add_argument("--extend-select", type=_csv, metavar="CODES", help="rules to enable on top of the selection")
    sel.add_argument("--ignore", type=_csv, metavar="CODES", help="rules to disable")
    sel.add_argument("--per-file-ignores", type=_csv, metavar="GLOB:CODES",
                     help="ignore codes in matching files, e.g. 'tests/*:AL101,AL102' (repeatable via commas)")
    sel.add_argument("--no-respect-peer-ignores", dest="respect_peer_ignores", action="store_false", default=None,
                     help="report rules even when a ruff/flake8 config ignores the same check (RUF006, ASYNC...)")
    sel.add_argument("--no-respect-peer-selects", dest="respect_peer_selects", action="store_false", default=None,
                     help="leave AL204 off even when a ruff config selects the same check (RUF006)")
    files = p.add_argument_group("files")
    files.add_argument("--exclude", type=_csv, metavar="GLOBS", help="patterns to skip; replaces the default list")
    files.add_argument("--extend-exclude", type=_csv, metavar="GLOBS", help="patterns to skip on top of the defaults")
    files.add_argument("--force-exclude", action="store_true", default=None, help="apply excludes to paths named explicitly too")
    files.add_argument("--include-generated", action="store_true", default=None,
                       help="also lint files whose header says they are generated (skipped by default)")
    files.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false", default=None,
                       help="do not skip files listed in .gitignore")
    files.add_argument("--stdin-filename", metavar="PATH", help="the path of the source read from stdin")
    out = p.add_argument_group("output")
    out.add_argument("--output-format", "--format", dest="output_format", choices=sorted(FORMATS), help="text (default), json, sarif or github")
    out.add_argument("--output-file", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    out.add_argument("--statistics", action="store_true",
                     help="print only a table of counts per rule (count, code, fixable, name)")
    out.add_argument("--show-source", action="store_true", default=None, help="show the offending line under each finding")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings (never hides exit 2)")
    out.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary")
    fix = p.add_argument_group("fixes")
    fix.add_argument("--fix", action="store_true", help="apply safe fixes")
    fix.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply unsafe fixes")
    fix.add_argument("--diff", action="store_true", help="print the diff --fix would make; change nothing")
    fix.add_argument("--add-noqa", action="store_true",
                     help="add `# noqa: CODE` comments to every line with a finding (adopting asynclint on existing code)")
    fix.add_argument("--fixable", type=_csv, metavar="CODES", help="only these rules may be fixed")
    fix.add_argument("--unfixable", type=_csv, metavar="CODES", help="these rules are never fixed")
    fix.add_argument("--extend-safe-fixes", type=_csv, metavar="CODES", help="treat these rules' unsafe fixes as safe")
    fix.add_argument("--extend-unsafe-fixes", type=_csv, metavar="CODES", help="treat these rules' safe fixes as unsafe")
    run = p.add_argument_group("run")
    run.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes (default: number of CPUs, none when there is little to lint)")
    run.add_argument("--config", metavar="FILE", help="use this pyproject.toml (or asynclint TOML file)")
    run.add_argument("--isolated", "--no-config", dest="isolated", action="store_true", help="ignore every config file")
    run.add_argument("--target-version", choices=TARGET_VERSIONS, help="oldest Python the code supports (default: from requires-python)")
    run.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    run.add_argument("--cache-dir", metavar="DIR", help="cache location (default: .asynclint_cache in the project root; outside any repository or config, in the current directory)")
    info = p.add_argument_group("information")
    info.add_argument("--version", action="version", version=f"asynclint {__version__}")
    info.add_argument("--list-rules", action="store_true", help="print the rule catalogue and exit")
    info.add_argument("--explain", metavar="CODE", help="print one rule's documentation and exit")
    return p


def _cli_values(args: argparse.Namespace) -> Dict[str, Any]:
    """Flags the user gave, under their config-file keys (flags win over the file)."""
    values: Dict[str, Any] = {}
    for key in ("select", "extend_select", "ignore", "exclude", "extend_exclude", "force_exclude", "include_generated",
                "respect_gitignore", "respect_peer_ignores", "respect_peer_selects", "target_version", "output_format", "show_source",
                "fixable", "unfixable", "extend_safe_fixes", "extend_unsafe_fixes", "cache_dir"):
        value = getattr(args, key)
        if value is not None:
            values[key.replace("_", "-")] = value
    if args.per_file_ignores:
        table: Dict[str, List[str]] = {}
        pending: Optional[str] = None
        for item in args.per_file_ignores:
            if ":" in item:
                pattern, code = item.rsplit(":", 1)
                pending = pattern
                table.setdefault(pattern, []).append(code)
            elif pending is not None:
                table[pending].append(item)
            else:
                raise UsageError(f"--per-file-ignores: expected GLOB:CODES, got {item!r}")
        values["per-file-ignores"] = table
    return values


def list_rules() -> str:
    """The catalogue: code, name, default on/off, fixable, summary."""
    rows = [f"{'code':<6} {'name':<32} {'default':<8} {'fixable':<8} summary"]
    for code, rule in RULES.items():
        rows.append(f"{code:<6} {rule.name:<32} {'on' if rule.default_enabled else 'opt-in':<8} "
                    f"{'yes' if rule.fixable else '-':<8} {rule.summary}")
    return "\n".join(rows) + "\n"


@dataclass
class Outcome:
    """What a run produced, before it is reported."""

    results: List[FileResult] = field(default_factory=list)
    files: int = 0
    had_diff: bool = False
    stdout_is_source: bool = False
    # files whose fixes --fix could not write: their findings are not "fixable" in the summary
    unwritten: Set[str] = field(default_factory=set)
    noqa_lines: int = 0  # --add-noqa: lines changed, files changed, files that could not be written
    noqa_files: int = 0
    noqa_failed: int = 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    with _terminate_as_exit():
        return _run(argv)


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM/SIGHUP end the run like Ctrl-C does, through ``finally`` blocks: an interrupted
    ``--fix`` removes its temporary file instead of leaving ``*.asynclint-tmp`` behind.
    Only where nobody else handles those signals (an embedding program may)."""
    installed: Dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None and signal.getsignal(number) is signal.SIG_DFL:
                try:
                    installed[number] = signal.signal(number, _exit_on_signal)
                except (OSError, ValueError):
                    pass
    try:
        yield
    finally:
        for number, previous in installed.items():
            signal.signal(number, previous)


def _exit_on_signal(number: int, frame: Any) -> None:
    raise SystemExit(128 + number)


def _run(argv: Optional[Sequence[str]]) -> int:
    try:
        return _main(argv)
    except UsageError as error:
        print(f"asynclint: error: {escape_text(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    except ConfigError as error:
        print(f"asynclint: error: {escape_text(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("asynclint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush at exit
        except OSError:
            pass
        return EXIT_ERROR
    except Exception as error:  # noqa: BLE001 - never a traceback
        print(f"asynclint: internal error: {type(error).__name__}: {escape_text(str(error))}", file=sys.stderr)
        return EXIT_ERROR


def _main(argv: Optional[Sequence[str]]) -> int:
    args = build_parser().parse_args(argv)
    if args.list_rules:
        sys.stdout.write(list_rules())
        return EXIT_CLEAN
    if args.explain:
        rule = RULES.get(args.explain.strip().upper())
        if rule is None:
            raise UsageError(f"--explain: unknown rule code {args.explain!r} (see --list-rules)")
        sys.stdout.write(rule.explain())
        return EXIT_CLEAN
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    paths = args.paths or ["."]
    use_stdin = paths == ["-"]
    if "-" in paths and not use_stdin:
        raise UsageError("'-' (stdin) cannot be combined with other paths")
    if args.stdin_filename and not use_stdin:
        raise UsageError("--stdin-filename needs '-' as the only path")
    if args.diff and args.fix:
        raise UsageError("--diff and --fix cannot be combined (--diff changes nothing)")
    if args.add_noqa and (args.fix or args.diff or use_stdin):
        raise UsageError("--add-noqa cannot be combined with --fix, --diff or stdin")
    config = resolve(_cli_values(args), [args.stdin_filename] if use_stdin and args.stdin_filename else paths,
                     config_file=args.config, isolated=args.isolated)
    for warning in config.warnings:
        print(f"asynclint: warning: {escape_text(warning)}", file=sys.stderr)
    if config.peer.codes and not args.quiet:
        print(f"asynclint: note: {', '.join(sorted(config.peer.codes))} off: "
              f"{escape_text('; '.join(config.peer.reasons))} (the same check; --no-respect-peer-ignores reports them)",
              file=sys.stderr)
    if config.peer.selected and not args.quiet:
        print(f"asynclint: note: {', '.join(sorted(config.peer.selected))} on: "
              f"{escape_text('; '.join(config.peer.select_reasons))} (the same check; --no-respect-peer-selects "
              "leaves them off)", file=sys.stderr)
    config.settings = replace(config.settings, use_cache=not args.no_cache, cache_dir=config.cache_dir)
    outcome = _lint_stdin(args, config) if use_stdin else _lint_files(args, config, paths)
    if outcome is None:
        return EXIT_ERROR
    if args.add_noqa:
        return _report_noqa(outcome)
    return _report(args, config, outcome)


def _discovery_options(config: RunConfig) -> DiscoveryOptions:
    return DiscoveryOptions(exclude=config.exclude, extend_exclude=config.extend_exclude,
                            force_exclude=config.force_exclude, respect_gitignore=config.respect_gitignore,
                            root=config.root)


def _lint_stdin(args: argparse.Namespace, config: RunConfig) -> Outcome:
    """Editors pipe the buffer in; with --fix the fixed source goes to stdout (as ruff does)."""
    name = args.stdin_filename or "-"
    if args.stdin_filename and config.force_exclude and is_excluded(args.stdin_filename, _discovery_options(config)):
        return Outcome(files=0)
    data = sys.stdin.buffer.read()
    index = load_index(config.settings)
    if not (args.fix or args.diff):
        return Outcome([lint_source(data, name, config.settings, index=index, force=True)], files=1)

    fixed = fix_source(data, name, config.settings, args.unsafe_fixes,
                       lambda text: lint_source(text, name, config.settings, index=index, force=True).findings)
    if args.fix:
        sys.stdout.buffer.write(fixed.fixed if fixed.fixed is not None else data)
        sys.stdout.flush()
    elif fixed.fixed is not None:
        sys.stdout.write(unified_diff(name, data, fixed.fixed))
    return Outcome([FileResult(name, fixed.remaining)], files=1, had_diff=fixed.fixed is not None,
                   stdout_is_source=args.fix)


def _lint_files(args: argparse.Namespace, config: RunConfig, paths: List[str]) -> Optional[Outcome]:
    found = discover(paths, _discovery_options(config))
    if found.missing:
        for path in found.missing:
            print(f"asynclint: error: {escape_text(path)}: no such file or directory", file=sys.stderr)
        return None
    outcome = Outcome(files=len(found.files) + len(found.unreadable))
    outcome.results = [
        FileResult(path, [file_finding(path, "AL002", f"cannot read: {reason}")]) for path, reason in found.unreadable
    ]
    if args.fix or args.diff:
        _fix_files(args, config, found.files, outcome, found.explicit)
        return outcome
    if args.add_noqa:
        _add_noqa_files(config, found.files, outcome)
        return outcome
        # Files named explicitly are few: parse them all (as ruff does), so a syntax error in one is AL001
    # even where the triage would skip it; files found by walking keep the byte-level triage.
    forced = sorted(found.explicit)
    cache_dir = None
    if not args.no_cache:
        cache_dir = config.cache_dir or os.path.join(config.settings.project_root, ".asynclint_cache")
    outcome.results.extend(lint_paths(found.files, config.settings, jobs=args.jobs or default_jobs(),
                                      forced=forced, cache_dir=cache_dir, stats=RunStats(),
                                      auto_jobs=args.jobs is None,
                                      index_files=_index_files(paths, config, found.files)))
    return outcome


def _index_files(paths: List[str], config: RunConfig, files: List[str]) -> Optional[List[str]]:
    """The project index's files when this run's walk already found them: the one path is the project
    root, walked with the index's own excludes (the index would walk the same tree again, ~0.1 s on
    two million lines); None otherwise."""
    settings = config.settings
    root = os.path.abspath(settings.project_root)
    options = _discovery_options(config)
    same_walk = (len(paths) == 1 and os.path.abspath(paths[0]) == root and os.path.isdir(root)
                 and settings.index_roots in ((), (root,)) and os.path.abspath(options.root) == root
                 and options.respect_gitignore and not options.force_exclude
                 and options.exclude + options.extend_exclude == (settings.index_exclude or DEFAULT_EXCLUDE))
    if not same_walk:
        return None
    cwd = os.getcwd()  # once: abspath() asks for it on every relative path
    return sorted(os.path.normpath(os.path.join(cwd, p)) for p in files if p.endswith(".py"))


def _fix_files(args: argparse.Namespace, config: RunConfig, files: List[str], outcome: Outcome,
               explicit: AbstractSet[str] = frozenset()) -> None:

    index = load_index(config.settings)
    if args.fix:  # what a killed --fix left behind (a SIGKILL cannot be cleaned up after)
        for directory in sorted({os.path.dirname(os.path.realpath(path)) for path in files}):
            remove_stale_temps(directory)
    for path in files:
        fixed = fix_file(path, config.settings, args.unsafe_fixes, index, write=args.fix, force=path in explicit)
        if fixed.error:
            print(f"asynclint: {escape_text(path)}: not fixed: {escape_text(fixed.error)}", file=sys.stderr)
        if fixed.write_refused:
            outcome.unwritten.add(path)
        if fixed.fixed is not None:
            outcome.had_diff = True
            if args.diff:
                sys.stdout.write(unified_diff(path, fixed.original, fixed.fixed))
        outcome.results.append(FileResult(path, list(fixed.remaining)))


def _add_noqa_files(config: RunConfig, files: List[str], outcome: Outcome) -> None:
    """Silence every finding where it is; what cannot be silenced stays in the outcome's results."""
    from .orchestration.noqa import add_noqa_to_file  # noqa: PLC0415

    index = load_index(config.settings)
    for path in files:
        def lint(data: bytes, path: str = path) -> List[Finding]:
            return lint_source(data, path, config.settings, index=index).findings

        done = add_noqa_to_file(path, lint)
        if done.error:
            print(f"asynclint: {escape_text(path)}: noqa not added: {escape_text(done.error)}", file=sys.stderr)
        outcome.noqa_lines += done.changed_lines
        outcome.noqa_files += 1 if done.changed_lines else 0
        outcome.noqa_failed += 1 if done.error else 0
        for finding, reason in done.unsilenceable:
            print(f"asynclint: {finding.path}:{finding.line}:{finding.column}: {finding.code} "
                  f"cannot be silenced: {reason}", file=sys.stderr)
        outcome.results.append(FileResult(path, [f for f, _ in done.unsilenceable]))


def _report_noqa(outcome: Outcome) -> int:
    """One line saying what changed; exit 1 when a finding could not be silenced, 2 on a write error."""
    lines, files = outcome.noqa_lines, outcome.noqa_files
    print(f"Added noqa comments to {lines} line{'' if lines == 1 else 's'} in "
          f"{files} file{'' if files == 1 else 's'}.", file=sys.stderr)
    findings = [f for r in outcome.results for f in r.findings]
    if outcome.noqa_failed or any(f.code == "AL003" for f in findings):
        return EXIT_ERROR
    return EXIT_FINDINGS if findings else EXIT_CLEAN


def _report(args: argparse.Namespace, config: RunConfig, outcome: Outcome) -> int:
    results = outcome.results
    findings: List[Finding] = sorted((f for r in results for f in r.findings), key=Finding.sort_key)
    for result in results:
        for warning in result.warnings:
            print(f"asynclint: warning: {escape_text(warning)}", file=sys.stderr)
    had_diff = outcome.had_diff
    fmt = config.output_format
    if args.diff:
        text = ""
    elif args.statistics:
        text = statistics(findings, fmt, _fixable_codes(config))
    else:
        text = render(findings, fmt, show_source=config.show_source, source_lines=_source_lines,
                      fixable_codes=_fixable_codes(config))
    if args.output_file:
        try:
            with open(args.output_file, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            print(f"asynclint: error: {escape_text(args.output_file)}: {error.strerror or error}", file=sys.stderr)
            return EXIT_ERROR
    elif text:
        # `--fix` on stdin writes the fixed source to stdout: the report goes to stderr then.
        stream = sys.stderr if outcome.stdout_is_source else sys.stdout
        stream.write(text)
        stream.flush()
    if not args.quiet and not args.statistics:

        counts = {Applicability.SAFE: 0, Applicability.UNSAFE: 0}
        unwritten = 0
        for finding in findings:
            kind = applicability(finding, config.settings)
            if kind is None:
                continue
            if finding.path in outcome.unwritten and (kind is Applicability.SAFE or args.unsafe_fixes):
                unwritten += 1  # this run made the fix and the file refused it: not "fixable" again
            else:
                counts[kind] += 1
        files_with = len({f.path for f in findings})
        note = summary(findings, files_with_findings=files_with, fixable=counts[Applicability.SAFE], unsafe_fixable=counts[Applicability.UNSAFE],
                       unwritten=unwritten, unwritten_files=len(outcome.unwritten))
        if note:
            print(note, file=sys.stderr, end="" if note.endswith("\n") else "\n")
    internal = any(f.code == "AL003" for f in findings)
    if internal:
        return EXIT_ERROR
    if args.diff:
        return EXIT_FINDINGS if had_diff else EXIT_CLEAN
    if findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _fixable_codes(config: RunConfig) -> frozenset[str]:
    settings = config.settings
    allowed = settings.fixable if settings.fixable is not None else frozenset(RULES)
    return allowed - settings.unfixable


def _source_lines(path: str) -> List[str]:
    """Lines for --show-source (read again only for files with findings)."""

    try:
        with open(path, "rb") as handle:
            return re.split(r"\r\n|\r|\n", decode(handle.read()))
    except (OSError, ValueError):
        return []
