"""Lint the corpus and the unseen sets with one tree, and join every finding to the committed verdicts.

Each session rebuilds the sets under /tmp (``shared/corpus/make_corpus.sh``, ``bench/unseen/make_unseen.sh
N``); this script is the rest of the loop: it lints every project from its own folder, as a user runs it
(so a peer linter's config next to it counts), with the asynclint found under ``--tree`` (a worktree of the
commit to measure; default this checkout), and prints per set and code how many findings the sheets in
``bench/precision/`` judged TRUE / FALSE / UNSURE, which are unread, and, with ``--compare`` (an earlier
``--out``), which findings went or came:

    python bench/rejoin.py --tree /tmp/wt-start --out /tmp/run-start
    python bench/rejoin.py --out /tmp/run-end --compare /tmp/run-start

A finding is keyed by project, ``path:line`` and code (corpus paths start with the project's folder, as in
``corpus-strict-*.tsv``); a later sheet's verdict overrides an earlier one's.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys
from typing import Dict, Iterator, List, Optional, Set, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
SHEETS = os.path.join(HERE, "precision")
Key = Tuple[str, str, str]  # project, path:line, code
# ``python -m asynclint`` run in a linted project's folder would put that folder first on sys.path, so a
# module of the project could shadow asynclint or what it imports: drop it, then run the package.
RUN_ASYNCLINT = ("import runpy, sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
                 "runpy.run_module('asynclint', run_name='__main__', alter_sys=True)")


def set_root(name: str) -> str:
    """Where make_corpus.sh / make_unseen.sh put a set's projects."""
    if name == "corpus":
        return "/tmp/asynclint-corpus/src"
    return "/tmp/asynclint-unseen/src" if name == "1" else f"/tmp/asynclint-unseen{name}/src"


def set_names(spec: str) -> List[str]:
    """``corpus,1-15`` -> ['corpus', '1', ..., '15']."""
    names: List[str] = []
    for part in spec.split(","):
        if re.fullmatch(r"\d+-\d+", part):
            low, high = map(int, part.split("-"))
            names += [str(n) for n in range(low, high + 1)]
        elif part:
            names.append(part)
    return names


def sheet_order(name: str) -> Tuple[int, List[object]]:
    """Earlier readings first, so a later sheet (an 'after' read, a higher set) wins."""
    natural = [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]
    return (1 if "after" in name else 0, natural)


def load_verdicts() -> Dict[Key, Tuple[str, str]]:
    verdicts: Dict[Key, Tuple[str, str]] = {}
    for name in sorted((n for n in os.listdir(SHEETS) if n.endswith(".tsv")), key=sheet_order):
        with open(os.path.join(SHEETS, name), newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if row.get("verdict") in ("TRUE", "FALSE", "UNSURE") and row.get("location"):
                    verdicts[(row["project"], row["location"], row["code"])] = (row["verdict"], row.get("reason", ""))
    return verdicts


def lint(tree: str, sets: List[str], out: str, only: Optional[Set[Tuple[str, str]]] = None) -> None:
    """One JSON report per project: OUT/<set>-<project>.json (stderr beside it); with ``only``, just
    those (set, project) pairs."""
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=tree)
    for name in sets:
        root = set_root(name)
        if not os.path.isdir(root):
            print(f"rejoin: {root} is missing (build it first); set {name} skipped", file=sys.stderr)
            continue
        for project in sorted(os.listdir(root)):
            folder = os.path.join(root, project)
            if not os.path.isdir(folder) or (only is not None and (name, project) not in only):
                continue
            stem = os.path.join(out, f"{name}-{project}")
            with open(stem + ".json", "w") as report, open(stem + ".err", "w") as errors:
                subprocess.run([sys.executable, "-c", RUN_ASYNCLINT, "--output-format", "json", "--no-cache",
                                "--exit-zero", "."], cwd=folder, env=env, stdout=report, stderr=errors, check=False)


def findings(run: str) -> Dict[Tuple[str, str, str, str], str]:
    """(set, project, path:line, code) -> message, for every rule finding of a run (not AL0xx)."""
    found: Dict[Tuple[str, str, str, str], str] = {}
    for file in sorted(os.listdir(run)):
        if not file.endswith(".json"):
            continue
        name, project = file[:-5].split("-", 1)
        try:
            with open(os.path.join(run, file)) as handle:
                report = json.load(handle)
        except (OSError, ValueError) as error:
            print(f"rejoin: {file}: unreadable report ({error})", file=sys.stderr)
            continue
        for item in report:
            if item["code"].startswith("AL0"):
                continue
            path = item["path"][2:] if item["path"].startswith("./") else item["path"]
            if name == "corpus":
                path = f"{project}/{path}"
            found[(name, project, f"{path}:{item['line']}", item["code"])] = item["message"]
    return found


def report(run: str, compare: Optional[str], listed: Tuple[str, ...] = ()) -> Iterator[str]:
    verdicts = load_verdicts()
    found = findings(run)
    table: Dict[Tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    for (name, project, location, code) in found:
        verdict = verdicts.get((project, location, code), ("UNREAD", ""))[0]
        for column in (code, "all"):
            table[(name, column)][verdict] += 1
    yield "set\tcode\tTRUE\tFALSE\tUNSURE\tUNREAD\tprecision"
    for (name, code), counts in sorted(table.items(), key=lambda kv: (sheet_order(kv[0][0]), kv[0][1] == "all",
                                                                         kv[0][1])):
        judged = counts["TRUE"] + counts["FALSE"]
        precision = f"{counts['TRUE'] / judged:.2f}" if judged else "-"
        yield (f"{name}\t{code}\t{counts['TRUE']}\t{counts['FALSE']}\t{counts['UNSURE']}\t{counts['UNREAD']}\t"
               f"{precision}")
    for (name, project, location, code), message in sorted(found.items()):
        if (project, location, code) not in verdicts:
            yield f"UNREAD\t{name}\t{project}\t{location}\t{code}\t{message[:120]}"
    for (name, project, location, code), message in sorted(found.items()):
        verdict, reason = verdicts.get((project, location, code), ("UNREAD", ""))
        if verdict in listed and verdict != "UNREAD":
            yield f"{verdict}\t{name}\t{project}\t{location}\t{code}\t{reason[:200]}"
    if compare:
        before = findings(compare)
        for change, keys in (("GONE", set(before) - set(found)), ("NEW", set(found) - set(before))):
            for key in sorted(keys):
                yield "\t".join((change, *key, verdicts.get(key[1:], ("UNREAD",))[0]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=os.path.dirname(HERE), help="folder holding the asynclint package")
    parser.add_argument("--sets", default="corpus,1-20", help="sets to lint: corpus and numbers, e.g. corpus,1-20")
    parser.add_argument("--out", required=True, help="folder for the JSON reports (reused with --no-lint)")
    parser.add_argument("--no-lint", action="store_true", help="only join the reports already in --out")
    parser.add_argument("--compare", help="an earlier --out: list the findings that went (GONE) or came (NEW)")
    parser.add_argument("--only", help="a file of 'SET PROJECT' lines: lint just those projects (a quick check of "
                        "a change on the projects it can touch; the join then covers what --out holds)")
    parser.add_argument("--list", default="", help="also list the findings with these verdicts and the sheet's "
                        "reason, e.g. FALSE,UNSURE")
    args = parser.parse_args()
    if not args.no_lint:
        only = None
        if args.only:
            with open(args.only) as handle:
                only = {(parts[0], parts[1]) for parts in (line.split() for line in handle) if len(parts) >= 2}
        lint(os.path.abspath(args.tree), set_names(args.sets), args.out, only)
    for line in report(args.out, args.compare, tuple(v for v in args.list.split(",") if v)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
