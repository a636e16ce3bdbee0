"""Output formats: text (with source), json, sarif (schema-valid, equal to json), github, and the summary."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any, Dict, List, Sequence
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import pytest

from asynclint.base.model import Applicability, Edit, Finding, Fix
from asynclint.catalogue import RULES
from asynclint.catalogue.selection import default_settings
from asynclint.engine import lint_path
from asynclint.orchestration.formats import FORMATS, escape_data, escape_property, render, statistics, summary

DATA = Path(__file__).resolve().parent / "data"

SLEEP_FIX = Fix("Replace with `await asyncio.sleep(...)`", Applicability.UNSAFE, (
    Edit(7, 9, 7, 19, "await asyncio.sleep"),
    Edit(1, 1, 1, 1, "import asyncio\n"),
))


def sample() -> List[Finding]:
    """Findings in a scrambled order, with a fix, unicode, an unknown code and a zero-width range."""
    return [
        Finding("src/zeta.py", 2, 1, "AL001", "cannot parse: unexpected indent", 2, 1),
        Finding("src/alpha.py", 7, 9, "AL101", "`time.sleep()` blocks the event loop", 7, 22, SLEEP_FIX),
        Finding("src/alpha.py", 3, 14, "AL101", "`time.sleep()` blocks — «ünïcode» 日本", 4, 3),
        Finding("src/alpha.py", 3, 2, "AL002", "cannot read: Permission denied", 3, 2),
        Finding("./src/dir with space/é.py", 1, 1, "AL999", "100% odd: a, b\nnext line", 1, 5),
    ]


def test_registry_has_the_four_formats() -> None:
    assert set(FORMATS) == {"text", "json", "sarif", "github"}
    with pytest.raises(ValueError, match="unknown output format"):
        render(sample(), "xml")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_output_order_does_not_depend_on_input_order(fmt: str) -> None:
    findings = sample()
    outputs = set()
    for seed in range(5):
        shuffled = list(findings)
        random.Random(seed).shuffle(shuffled)
        outputs.add(render(shuffled, fmt))
    assert len(outputs) == 1


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_undecodable_file_names_never_crash(fmt: str) -> None:
    out = render([Finding("bad\udcff.py", 1, 1, "AL001", "cannot parse: x", 1, 2)], fmt)
    out.encode("utf-8")  # would raise on a lone surrogate
    assert "bad" in out


# ------------------------------------------------------------------------------- text


def test_text_lines_sorted_with_fix_marker() -> None:
    lines = render(sample(), "text").splitlines()
    assert lines == [
        "./src/dir with space/é.py:1:1: AL999 100% odd: a, b\\nnext line",  # one finding, one line (issue 17)
        "src/alpha.py:3:2: AL002 cannot read: Permission denied",
        "src/alpha.py:3:14: AL101 `time.sleep()` blocks — «ünïcode» 日本",
        "src/alpha.py:7:9: AL101 [*] `time.sleep()` blocks the event loop",
        "src/zeta.py:2:1: AL001 cannot parse: unexpected indent",
    ]


def test_text_fix_marker_follows_fixable_codes() -> None:
    out = render(sample(), "text", fixable_codes=frozenset({"AL102"}))
    assert "[*]" not in out
    out = render(sample(), "text", fixable_codes=frozenset({"AL101"}))
    assert out.count("[*]") == 1


def test_text_empty() -> None:
    assert render([], "text") == ""
    assert render([], "github") == ""


def test_show_source_on_a_real_file(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(
        "import time\n"
        "\n"
        "async def main():\n"
        "\tlabel = '日本語'; time.sleep(1)\n"
        "    x = ('é', time.sleep(\n"
        "        2))\n",
        encoding="utf-8",
    )
    path = str(source)

    def lines(p: str) -> Sequence[str]:
        return Path(p).read_text(encoding="utf-8").splitlines()

    findings = [
        # columns in code points: the tab, 'label = ' and the three wide characters count once each
        Finding(path, 4, 17, "AL101", "sleep", 4, 30),
        Finding(path, 5, 15, "AL101", "sleep spanning lines", 6, 11),
        Finding(path, 7, 1, "AL001", "past the end", 7, 1),
    ]
    out = render(findings, "text", show_source=True, source_lines=lines)
    assert out.splitlines() == [
        f"{path}:4:17: AL101 sleep",
        "  4 | \tlabel = '日本語'; time.sleep(1)",
        "    | \t" + " " * len("label = '") + " " * 6 + " " * len("'; ") + "^" * len("time.sleep(1)"),
        "",
        f"{path}:5:15: AL101 sleep spanning lines",
        "  5 |     x = ('é', time.sleep(",
        "    |     " + " " * len("x = ('é', ") + "^" * len("time.sleep("),
        "",
        f"{path}:7:1: AL001 past the end",  # no such line: no snippet, no crash
    ]
    assert not out.endswith("\n\n")


def test_show_source_survives_a_failing_reader() -> None:
    def boom(_: str) -> Sequence[str]:
        raise OSError("gone")

    out = render(sample()[:1], "text", show_source=True, source_lines=boom)
    assert out == "src/zeta.py:2:1: AL001 cannot parse: unexpected indent\n"


def test_show_source_caret_at_end_of_line() -> None:
    f = Finding("m.py", 1, 6, "AL001", "cannot parse: EOF", 1, 6)
    out = render([f], "text", show_source=True, source_lines=lambda _: ["f(1, "])
    assert out.splitlines()[1:] == ["  1 | f(1, ", "    |      ^"]


# ------------------------------------------------------------------------------- json


def test_json_records() -> None:
    records = json.loads(render(sample(), "json"))
    assert [list(r) for r in records] == [
        ["path", "line", "column", "end_line", "end_column", "code", "message", "url", "fix"]] * 5
    fixed = records[3]
    assert fixed == {
        "path": "src/alpha.py", "line": 7, "column": 9, "end_line": 7, "end_column": 22, "code": "AL101",
        "message": "`time.sleep()` blocks the event loop", "url": RULES["AL101"].url,
        "fix": {
            "message": "Replace with `await asyncio.sleep(...)`",
            "applicability": "unsafe",
            "edits": [
                {"content": "await asyncio.sleep", "location": {"row": 7, "column": 9},
                 "end_location": {"row": 7, "column": 19}},
                {"content": "import asyncio\n", "location": {"row": 1, "column": 1},
                 "end_location": {"row": 1, "column": 1}},
            ],
        },
    }
    assert records[0]["url"] is None and records[0]["code"] == "AL999"
    assert records[2]["message"] == "`time.sleep()` blocks — «ünïcode» 日本"
    assert all(r["fix"] is None for i, r in enumerate(records) if i != 3)


def test_json_empty_and_unicode_kept_readable() -> None:
    assert render([], "json") == "[]\n"
    assert "日本" in render(sample(), "json")


# ------------------------------------------------------------------------------ sarif


def sarif_validator():  # type: ignore[no-untyped-def]
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def sarif_as_json(log: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Read a SARIF log back into the json format's records, independently of the renderer."""
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    records = []
    for result in run["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        artifact, region = physical["artifactLocation"], physical["region"]
        if artifact.get("uriBaseId") == "%SRCROOT%":
            assert not urlparse(artifact["uri"]).scheme
            path = unquote(artifact["uri"])
        else:
            assert urlparse(artifact["uri"]).scheme == "file"
            path = url2pathname(urlparse(artifact["uri"]).path)
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        fix = None
        if "fixes" in result:
            (sarif_fix,) = result["fixes"]
            (change,) = sarif_fix["artifactChanges"]
            assert change["artifactLocation"] == artifact
            fix = {
                "message": sarif_fix["description"]["text"],
                "applicability": sarif_fix["properties"]["applicability"],
                "edits": [{
                    "content": r["insertedContent"]["text"],
                    "location": {"row": r["deletedRegion"]["startLine"], "column": r["deletedRegion"]["startColumn"]},
                    "end_location": {"row": r["deletedRegion"]["endLine"], "column": r["deletedRegion"]["endColumn"]},
                } for r in change["replacements"]],
            }
        records.append({
            "path": path, "line": region["startLine"], "column": region["startColumn"],
            "end_line": region["endLine"], "end_column": region["endColumn"], "code": result["ruleId"],
            "message": result["message"]["text"], "url": rule.get("helpUri"), "fix": fix,
        })
    return records


def normalised_json(text: str) -> List[Dict[str, Any]]:
    """json records with paths spelled as SARIF can spell them (normalised; absolute outside cwd)."""
    records = json.loads(text)
    for record in records:
        norm = os.path.normpath(record["path"])
        if os.path.isabs(norm) or norm.startswith(os.pardir):
            record["path"] = os.path.abspath(norm)
        else:
            record["path"] = norm.replace(os.sep, "/")
    return records


def check_sarif(findings: Sequence[Finding]) -> Dict[str, Any]:
    text = render(findings, "sarif")
    log = json.loads(text)
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    assert sarif_as_json(log) == normalised_json(render(findings, "json"))
    return log


def test_sarif_is_schema_valid_and_equals_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    outside = str(tmp_path.parent / "elsewhere" / "x.py")
    findings = sample() + [Finding(outside, 1, 1, "AL101", "outside the base", 1, 2, SLEEP_FIX)]
    log = check_sarif(findings)
    (run,) = log["runs"]
    assert log["version"] == "2.1.0"
    assert run["columnKind"] == "unicodeCodePoints"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file://") and base.endswith("/")
    assert url2pathname(urlparse(base).path).rstrip("/") == str(tmp_path).rstrip("/")
    driver = run["tool"]["driver"]
    assert driver["name"] == "asynclint" and driver["version"] and driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == ["AL001", "AL002", "AL101", "AL999"]
    al101 = driver["rules"][2]
    assert al101["name"] == RULES["AL101"].name
    assert al101["shortDescription"]["text"] == RULES["AL101"].summary
    assert al101["helpUri"] == RULES["AL101"].url
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert {"uri": "src/dir%20with%20space/%C3%A9.py", "uriBaseId": "%SRCROOT%"} in uris
    assert {"uri": "src/alpha.py", "uriBaseId": "%SRCROOT%"} in uris
    assert any(u["uri"].startswith("file:///") and "uriBaseId" not in u for u in uris)


def test_sarif_of_no_findings_is_valid() -> None:
    log = check_sarif([])
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_sarif_schema_rejects_a_broken_log() -> None:
    """The shipped schema really validates: guard against an empty or permissive file."""
    log = json.loads(render(sample(), "sarif"))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    log["runs"][0]["columnKind"] = "bytes"
    assert len(list(sarif_validator().iter_errors(log))) == 2


def test_formats_on_findings_from_a_real_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lint a real file with the engine, then render every format from its findings."""
    monkeypatch.chdir(tmp_path)
    Path("svc").mkdir()
    Path("svc/worker.py").write_text(
        "import time\n"
        "\n"
        "\n"
        "async def poll(queue):\n"
        "    while True:\n"
        "        item = await queue.get()\n"
        "        print('→ got', item); time.sleep(0.5)\n",
        encoding="utf-8",
    )
    Path("svc/broken.py").write_text("async def f(:\n    pass\n")
    findings = [f for p in ("svc/worker.py", "svc/broken.py") for f in lint_path(p, default_settings()).findings]
    codes = sorted(f.code for f in findings)
    assert codes == ["AL001", "AL101"]
    sleep = next(f for f in findings if f.code == "AL101")
    assert (sleep.line, sleep.column) == (7, 31)  # code points: the arrow counts once
    check_sarif(findings)
    text = render(findings, "text", show_source=True,
                  source_lines=lambda p: Path(p).read_text(encoding="utf-8").splitlines())
    assert "svc/worker.py:7:31: AL101" in text
    assert "        print('→ got', item); time.sleep(0.5)" in text
    assert "    |         " + " " * len("print('→ got', item); ") + "^" in text
    github = render(findings, "github")
    assert "::error file=svc/worker.py,line=7,col=31," in github


# ----------------------------------------------------------------------------- github


def test_github_annotations_and_escaping() -> None:
    findings = [
        Finding("a,b:c%.py", 3, 5, "AL101", "50% of\r\nthe time: it blocks, really", 3, 9),
        Finding("src/é.py", 1, 1, "AL999", "unknown", 2, 1),
    ]
    lines = render(findings, "github").splitlines()
    assert lines == [
        "::error file=a%2Cb%3Ac%25.py,line=3,col=5,endLine=3,endColumn=9,"
        "title=AL101 (blocking-sleep)::50%25 of%0D%0Athe time: it blocks, really",
        "::error file=src/é.py,line=1,col=1,endLine=2,endColumn=1,title=AL999 (AL999)::unknown",
    ]


def test_github_escape_helpers() -> None:
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert escape_property("%3A") == "%253A"  # escaping is not applied twice


# ---------------------------------------------------------------------------- summary


def test_summary_counts() -> None:
    one = sample()[:1]
    assert summary([], files_with_findings=0, fixable=0) == "No problems found.\n"
    assert summary(one, files_with_findings=1, fixable=0) == "Found 1 problem in 1 file.\n"
    assert summary(sample(), files_with_findings=3, fixable=1) == (
        "Found 5 problems in 3 files.\n[*] 1 fixable with --fix.\n")
    assert summary(sample(), files_with_findings=3, fixable=0, unsafe_fixable=2) == (
        "Found 5 problems in 3 files.\n[*] 2 fixable with --fix --unsafe-fixes (they may change behaviour).\n")
    # "more" only when some are fixable without --unsafe-fixes (issue 22 #3)
    assert summary(sample(), files_with_findings=3, fixable=2, unsafe_fixable=1) == (
        "Found 5 problems in 3 files.\n"
        "[*] 2 fixable with --fix (1 more with --unsafe-fixes, which may change behaviour).\n")
    assert summary(sample(), files_with_findings=3, fixable=0, unwritten=3, unwritten_files=1) == (
        "Found 5 problems in 3 files.\n3 fixes could not be written: 1 file refused the write (see the errors above).\n")


def test_statistics_table_like_ruff() -> None:
    findings = sample() + [Finding("b.py", 1, 1, "AL101", "m", 1, 2)]
    assert statistics(findings, "text").splitlines() == [
        "3\tAL101\t[*] blocking-sleep",
        "1\tAL001\t[ ] cannot-parse",
        "1\tAL002\t[ ] cannot-read",
        "1\tAL999\t[ ] AL999",
    ]
    # a code the settings may not fix is not marked fixable, even when its findings carry fixes
    assert statistics(findings, "text", frozenset({"AL201"})).splitlines()[0] == "3\tAL101\t[ ] blocking-sleep"
    rows = json.loads(statistics(findings, "json"))
    assert rows[0] == {"code": "AL101", "name": "blocking-sleep", "count": 3, "fixable": True}
    assert [row["count"] for row in rows] == [3, 1, 1, 1]
    assert statistics([], "text") == ""


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_machine_formats_carry_no_summary(fmt: str) -> None:
    out = render(sample(), fmt)
    assert "Found " not in out and "problems" not in out


def test_statistics_group_al107_by_root() -> None:
    """issue 18 #3: one blocking line in a helper reached from many coroutines is one root to fix."""
    def chain(caller: str, root: str) -> Finding:
        return Finding("a.py", 1, 1, "AL107", f"`{caller}()` blocks the event loop: -> `time.sleep()` ({root}), which blocks", 1, 2)

    findings = [chain("x", "h.py:4"), chain("y", "h.py:4"), chain("z", "g.py:9")]
    lines = statistics(findings, "text").splitlines()
    assert lines[0].startswith("3\tAL107\t")
    assert [line.split("\t", 1)[1] for line in lines[1:]] == ["2  root h.py:4 `time.sleep()`", "1  root g.py:9 `time.sleep()`"]
    rows = json.loads(statistics(findings, "json"))
    assert rows[0]["roots"] == [{"where": "h.py:4", "call": "`time.sleep()`", "count": 2},
                                {"where": "g.py:9", "call": "`time.sleep()`", "count": 1}]
