"""The real console entry point in a subprocess: flags, exit codes, config, noqa, formats."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from asynclint import __version__
from asynclint.catalogue import RULES
from tests.conftest import REPO, run_cli

BAD = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
CLEAN = "import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def test_exit_codes(project: Path) -> None:
    assert run_cli(["--isolated", "clean.py"], cwd=project).returncode == 0
    done = run_cli(["--isolated", "bad.py"], cwd=project)
    assert done.returncode == 1
    assert done.stdout.startswith("bad.py:5:5: AL101 ")
    assert "Found 1 problem" in done.stderr
    assert run_cli(["--isolated", "--exit-zero", "bad.py"], cwd=project).returncode == 0
    assert run_cli(["--isolated", "--bogus-flag"], cwd=project).returncode == 2


def test_default_path_is_cwd_and_output_sorted(project: Path) -> None:
    (project / "a.py").write_text(BAD + BAD.replace("handler", "other"))
    done = run_cli(["--isolated", "--no-cache"], cwd=project)
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["a.py", "a.py", "bad.py"]
    assert done.returncode == 1


def test_text_is_identical_whatever_the_worker_count(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"m{i:02d}.py").write_text(BAD * (i % 3 + 1))
    one = run_cli(["--isolated", "--no-cache", "--jobs", "1"], cwd=tmp_path)
    two = run_cli(["--isolated", "--no-cache", "--jobs", "2"], cwd=tmp_path)
    assert one.stdout == two.stdout and one.stdout.count("AL101") == 60


def test_noqa(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import time\n\n\nasync def f():\n"
        "    time.sleep(1)  # noqa\n"
        "    time.sleep(1)  # noqa: AL101\n"
        "    time.sleep(1)  # noqa:AL102,AL101\n"
        "    time.sleep(1)  # noqa: AL102\n")
    done = run_cli(["--isolated", "a.py"], cwd=tmp_path)
    assert [line.split(":")[1] for line in done.stdout.splitlines()] == ["8"]


def test_select_ignore_and_per_file_ignores(project: Path) -> None:
    assert run_cli(["--isolated", "--ignore", "AL101", "bad.py"], cwd=project).returncode == 0
    assert run_cli(["--isolated", "--select", "AL4", "bad.py"], cwd=project).returncode == 0
    assert run_cli(["--isolated", "--select", "AL4", "--extend-select", "AL1", "bad.py"], cwd=project).returncode == 1
    assert run_cli(["--isolated", "--per-file-ignores", "bad.py:AL1", "bad.py"], cwd=project).returncode == 0


def test_config_file_and_flags_win(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.asynclint]\nignore = ["AL101"]\n')
    assert run_cli(["bad.py"], cwd=project).returncode == 0
    assert run_cli(["--isolated", "bad.py"], cwd=project).returncode == 1
    assert run_cli(["--select", "AL101", "--ignore", "AL4", "bad.py"], cwd=project).returncode == 1


def test_config_found_above_cwd_and_without_table_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.asynclint]\nignore = ["AL1"]\n')
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (sub / "bad.py").write_text(BAD)
    assert run_cli(["bad.py"], cwd=sub).returncode == 0


def test_per_file_ignores_in_config(project: Path) -> None:
    (project / "tests").mkdir()
    (project / "tests" / "test_a.py").write_text(BAD)
    (project / "pyproject.toml").write_text('[tool.asynclint.per-file-ignores]\n"tests/*" = ["AL101"]\n')
    done = run_cli(["--no-cache", "."], cwd=project)
    assert "tests/test_a.py" not in done.stdout and "bad.py" in done.stdout


def test_extend_blocking_calls(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.asynclint.extend-blocking-calls]\n"mylib.slow" = {code = "AL104", message = "use mylib.aslow"}\n')
    (tmp_path / "a.py").write_text("import mylib\n\n\nasync def f():\n    mylib.slow()\n")
    done = run_cli(["--no-cache", "a.py"], cwd=tmp_path)
    assert "AL104" in done.stdout and "use mylib.aslow" in done.stdout


def test_excludes_and_walk(tmp_path: Path) -> None:
    for rel in ("src/a.py", "src/gen/b.py", ".venv/lib/c.py", "build/d.py", "src/e.pyi"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BAD)
    (tmp_path / "src" / "notes.txt").write_text(BAD)
    done = run_cli(["--isolated", "--no-cache", "--extend-exclude", "gen"], cwd=tmp_path)
    assert sorted({line.split(":")[0] for line in done.stdout.splitlines()}) == ["src/a.py", "src/e.pyi"]
    done = run_cli(["--isolated", "--no-cache", "--exclude", "gen"], cwd=tmp_path)
    files = {line.split(":")[0] for line in done.stdout.splitlines()}
    assert ".venv/lib/c.py" in files and "src/gen/b.py" not in files
    forced = run_cli(["--isolated", "--no-cache", "--extend-exclude", "gen", "--force-exclude", "src/gen/b.py"], cwd=tmp_path)
    assert forced.returncode == 0 and forced.stdout == ""
    named = run_cli(["--isolated", "--no-cache", "--extend-exclude", "gen", "src/gen/b.py"], cwd=tmp_path)
    assert named.returncode == 1


def test_stdin(project: Path) -> None:
    done = run_cli(["--isolated", "-", "--stdin-filename", "pkg/mod.py"], cwd=project, stdin=BAD)
    assert done.returncode == 1 and done.stdout.startswith("pkg/mod.py:5:5: AL101")
    done = run_cli(["--isolated", "-"], cwd=project, stdin=CLEAN)
    assert done.returncode == 0


def test_json_and_output_file(project: Path) -> None:
    done = run_cli(["--isolated", "--output-format", "json", "--output-file", "out.json", "bad.py"], cwd=project)
    assert done.returncode == 1 and done.stdout == ""
    (finding,) = json.loads((project / "out.json").read_text())
    assert finding["code"] == "AL101" and finding["line"] == 5 and finding["column"] == 5
    assert finding["end_line"] == 5 and finding["end_column"] == 18
    assert finding["fix"]["applicability"] == "unsafe"
    assert "Found" not in (project / "out.json").read_text()


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_machine_formats_keep_summary_off_stdout(project: Path, fmt: str) -> None:
    done = run_cli(["--isolated", "--format", fmt, "bad.py"], cwd=project)
    assert "Found" not in done.stdout
    if fmt != "github":
        json.loads(done.stdout)


def test_show_source(project: Path) -> None:
    done = run_cli(["--isolated", "--show-source", "bad.py"], cwd=project)
    assert "time.sleep(1)" in done.stdout and "^" in done.stdout


def test_statistics_prints_only_the_table(project: Path) -> None:
    done = run_cli(["--isolated", "--statistics", "bad.py"], cwd=project)
    lines = done.stdout.splitlines()
    assert lines and all(re.fullmatch(r"\s*\d+\tAL\d{3}\t\[[* ]\] [a-z-]+", line) for line in lines), done.stdout
    assert any("\tAL101\t" in line for line in lines)
    assert done.stderr == "" and done.returncode == 1


def test_quiet(project: Path) -> None:
    done = run_cli(["--isolated", "--quiet", "bad.py"], cwd=project)
    assert done.stderr == "" and "AL101" in done.stdout


def test_version_list_rules_explain() -> None:
    assert run_cli(["--version"]).stdout.strip() == f"asynclint {__version__}"
    listing = run_cli(["--list-rules"]).stdout
    for code in RULES:
        assert code in listing
    explained = run_cli(["--explain", "AL101"])
    assert explained.returncode == 0 and "## Why is this bad?" in explained.stdout
    assert run_cli(["--explain", "AL999"]).returncode == 2


def test_a_path_named_like_a_flag_word_is_a_path(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "a.py").write_text(BAD)
    assert run_cli(["--isolated", "--no-cache", "rules"], cwd=tmp_path).returncode == 1


def test_cache_gives_the_same_result(project: Path) -> None:
    first = run_cli(["--isolated"], cwd=project)
    second = run_cli(["--isolated"], cwd=project)
    assert first.stdout == second.stdout and first.returncode == second.returncode == 1
    assert (project / ".asynclint_cache" / ".gitignore").is_file()


def test_corrupt_cache_is_ignored(project: Path) -> None:
    run_cli(["--isolated"], cwd=project)
    for path in (project / ".asynclint_cache").glob("results-*"):
        path.write_bytes(b"\x00garbage")
    done = run_cli(["--isolated"], cwd=project)
    assert done.returncode == 1 and "AL101" in done.stdout and "Traceback" not in done.stderr


def test_readme_lists_every_rule() -> None:
    readme = (REPO / "README.md").read_text()
    for code in RULES:
        assert code in readme, f"README.md does not mention {code}"


def test_example_from_readme_runs() -> None:
    done = run_cli(["--isolated", "--no-cache", str(REPO / "examples")])
    assert done.returncode == 1 and "AL101" in done.stdout


def test_cache_key_is_stable_across_processes(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("from asynclint.orchestration.result_cache import settings_key; from asynclint.catalogue.selection import default_settings; "
            "print(settings_key(default_settings(), ''))")
    keys = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                           env={"PYTHONHASHSEED": str(seed), "PYTHONPATH": str(REPO)}).stdout for seed in (1, 2, 3)}
    assert len(keys) == 1


def test_console_script_is_installed_and_works(project: Path) -> None:
    import shutil
    import subprocess

    script = shutil.which("asynclint")
    if script is None:
        pytest.skip("the asynclint console script is not on PATH (run: pip install -e .)")
    done = subprocess.run([script, "--isolated", "bad.py"], cwd=project, capture_output=True, text=True)
    assert done.returncode == 1 and "AL101" in done.stdout


def test_two_runs_sharing_one_cache_at_once(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    for i in range(40):
        (tmp_path / f"m{i:02d}.py").write_text(BAD if i % 2 else CLEAN)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    argv = [sys.executable, "-m", "asynclint", "--isolated", "--jobs", "2", "--output-format", "json", "."]
    runs = [subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            for _ in range(3)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 1 for run in runs), [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1
    again = run_cli(["--isolated", "--output-format", "json", "."], cwd=tmp_path)
    assert again.stdout == outputs[0][0] and len(json.loads(again.stdout)) == 20


def test_stdin_fix_writes_only_source_to_stdout(tmp_path: Path) -> None:
    done = run_cli(["--isolated", "--fix", "-"], cwd=tmp_path, stdin=BAD)
    assert done.stdout == BAD and done.returncode == 1
    assert "bad" not in done.stdout and "-:5:5: AL101" in done.stderr


def test_linting_another_checkout_uses_its_config_and_indexes_it(tmp_path: Path) -> None:
    """Run from inside one project on another: the other's config applies and the index covers it
    (it used to index the current project instead, losing every cross-module finding)."""
    here = tmp_path / "here"
    (here / ".git").mkdir(parents=True)
    (here / "pyproject.toml").write_text('[tool.asynclint]\nignore = ["AL2"]\n')
    there = tmp_path / "there"
    (there / ".git").mkdir(parents=True)
    (there / "pyproject.toml").write_text('[tool.asynclint]\nignore = ["AL1"]\n')
    (there / "api.py").write_text("async def fetch():\n    return 1\n")
    (there / "main.py").write_text(BAD + "\n\nasync def run():\n    from api import fetch\n    fetch()\n")
    done = run_cli(["--no-cache", str(there)], cwd=here)
    assert [line.split(": ")[1].split()[0] for line in done.stdout.splitlines()] == ["AL201"], done.stdout


def test_paths_in_unrelated_trees_index_each_tree_not_their_common_parent(tmp_path: Path) -> None:
    """Two checkouts named together: their common parent may be `/` or a home directory, which
    must not be indexed (nor hold the cache); each tree is indexed on its own."""
    from asynclint.orchestration.config import resolve

    for name in ("a", "b"):
        (tmp_path / name / ".git").mkdir(parents=True)
        (tmp_path / name / "pkg").mkdir()
        (tmp_path / name / "pkg" / "main.py").write_text(BAD)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "x.py").write_text(BAD)
    cwd = str(tmp_path / "plain")
    run = resolve({}, [str(tmp_path / "a" / "pkg" / "main.py"), str(tmp_path / "b" / "pkg")], cwd=cwd)
    assert run.settings.project_root == str(tmp_path)
    assert run.settings.index_roots == (str(tmp_path / "a"), str(tmp_path / "b"))
    assert run.cache_dir == os.path.join(cwd, ".asynclint_cache")
    # one tree, or a plain directory named: the project root is the index root
    assert resolve({}, [str(tmp_path / "a" / "pkg")], cwd=cwd).settings.index_roots == ()
    assert resolve({}, ["."], cwd=cwd).settings.index_roots == ()
    # a script in a plain directory: the modules beside it, not the directories below
    (tmp_path / "plain" / "y.py").write_text(CLEAN)
    (tmp_path / "plain" / "deep").mkdir()
    (tmp_path / "plain" / "deep" / "z.py").write_text(CLEAN)
    assert resolve({}, ["x.py"], cwd=cwd).settings.index_roots == (os.path.join(cwd, "x.py"), os.path.join(cwd, "y.py"))
    # a module of a package outside any repository: its top-level package
    (tmp_path / "plain" / "deep" / "__init__.py").write_text("")
    (tmp_path / "plain" / "deep" / "inner").mkdir()
    (tmp_path / "plain" / "deep" / "inner" / "__init__.py").write_text("")
    assert resolve({}, ["deep/inner/__init__.py"], cwd=cwd).settings.index_roots == (os.path.join(cwd, "deep"),)
    done = run_cli([str(tmp_path / "a" / "pkg" / "main.py"), str(tmp_path / "b" / "pkg")], cwd=cwd)
    assert done.returncode == 1 and done.stdout.count(" AL101 ") == 2, done.stdout + done.stderr


def test_the_index_reuses_the_runs_walk_only_when_it_is_the_same_walk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from asynclint import cli
    from asynclint.orchestration import project_index as index_module

    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    (tmp_path / ".gitignore").write_text("generated/\n")
    for name, text in {"pkg/__init__.py": "", "pkg/api.py": "async def fetch():\n    pass\n",
                       "generated/api.py": "async def fetch():\n    pass\n",
                       "use.py": "from pkg.api import fetch\n\n\nasync def go():\n    fetch()\n"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    walks: list = []
    real = index_module.project_files
    monkeypatch.setattr(index_module, "project_files", lambda root, settings: walks.append(root) or real(root, settings))
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> str:
        assert cli.main(["--no-cache", "--output-format", "json", *argv]) == 1
        return capsys.readouterr().out

    reused = run(".")
    assert walks == [] and "AL201" in reused
    assert run("--no-respect-gitignore", ".") and walks == [str(tmp_path)]  # the index respects it still
    assert run("use.py") and len(walks) == 2
    monkeypatch.setattr(cli, "_index_files", lambda *args: None)
    assert run(".") == reused and len(walks) == 3


def test_outside_any_project_the_cache_goes_to_the_current_directory(tmp_path: Path) -> None:
    """issue 22 #2: no repository or config holds the path, so its directory is not the project's
    to write in; the cache goes to the current directory, as the README says."""
    pkg = tmp_path / "src" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text(BAD)
    here = tmp_path / "other"
    here.mkdir()
    done = run_cli(["../src/pkg/mod.py"], cwd=here)
    assert done.returncode == 1 and "AL101" in done.stdout, done.stderr
    assert (here / ".asynclint_cache").is_dir()
    assert not (pkg / ".asynclint_cache").exists() and not (tmp_path / "src" / ".asynclint_cache").exists()
    # inside a project (here: a config file) the cache stays in the project root
    (tmp_path / "src" / "pyproject.toml").write_text("[tool.asynclint]\n")
    assert run_cli(["../src/pkg/mod.py"], cwd=here).returncode == 1
    assert (tmp_path / "src" / ".asynclint_cache").is_dir()


def test_a_named_py_file_with_a_syntax_error_is_parsed_even_without_async(tmp_path: Path) -> None:
    """issue 22 #4: a file named on the command line is parsed (as ruff does), so its syntax error is
    AL001; found by walking a directory, the byte-level triage still skips it (no `async`). The result
    cache keeps the two apart: a walk's unparsed result must not answer for the named file."""
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")  # one project root, so one result cache
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    walked = run_cli(["."], cwd=tmp_path)  # fills the cache with the unparsed result
    assert walked.returncode == 0 and walked.stdout == "", walked.stdout + walked.stderr
    for _ in range(2):  # cold, then from the cache
        named = run_cli(["broken.py"], cwd=tmp_path)
        assert named.returncode == 1 and named.stdout.startswith("broken.py:1:7: AL001 cannot parse"), named.stderr
    assert run_cli(["."], cwd=tmp_path).returncode == 0
    fixed = run_cli(["--fix", "broken.py"], cwd=tmp_path)
    assert fixed.returncode == 1 and "broken.py:1:7: AL001" in fixed.stdout, fixed.stderr


@pytest.mark.parametrize("table, message", [
    # issue 22 #5: a typo inside one entry names the key (and the close match), not the whole table
    ('"mylib.slow" = { code = "AL104", mesage = "use mylib.aslow" }',
     'unknown key `tool.asynclint.extend-blocking-calls."mylib.slow".mesage` (did you mean `message`?)'),
    ('"mylib.slow" = { cod = "AL104" }', 'unknown key `tool.asynclint.extend-blocking-calls."mylib.slow".cod` '
     '(did you mean `code`?)'),
    ('"mylib.slow" = { colour = "red" }', 'unknown key `tool.asynclint.extend-blocking-calls."mylib.slow".colour` '
     '(the keys are `code` and `message`)'),
    ('"mylib.slow" = { code = 104 }', '`tool.asynclint.extend-blocking-calls."mylib.slow".code` must be a string, got 104'),
])
def test_a_bad_key_inside_extend_blocking_calls_is_named(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.asynclint.extend-blocking-calls]\n{table}\n")
    (tmp_path / "a.py").write_text(CLEAN)
    done = run_cli(["--no-cache", "a.py"], cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"asynclint: error: {tmp_path / 'pyproject.toml'}: {message}\n", done.stderr


def test_a_misspelt_top_level_key_gets_the_close_match(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.asynclint]\nextend-selct = ["AL405"]\n')
    done = run_cli(["--no-cache", "."], cwd=tmp_path)
    assert done.returncode == 2 and "unknown key `tool.asynclint.extend-selct` (did you mean `extend-select`?)" \
        in done.stderr, done.stderr


def test_paths_in_messages_have_the_findings_base(tmp_path: Path) -> None:
    """issue 22 #6: "defined at" and AL107's call chain name files relative to the current directory,
    like the finding's own path, not to the project root; a cached message from a run in another
    directory must not leak its base."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[tool.asynclint]\nextend-select = [\"AL107\"]\n")  # AL107 is opt-in
    (sub / "a.py").write_text("import time\n\n\nasync def f():\n    pass\n\n\ndef nap():\n    time.sleep(1)\n")
    (sub / "b.py").write_text("from a import f, nap\n\n\nasync def g():\n    f()\n    nap()\n")
    for cwd, prefix in ((tmp_path, "sub/"), (sub, ""), (tmp_path, "sub/")):  # the third run: warm cache
        done = run_cli(["sub" if prefix else "."], cwd=cwd)
        lines = done.stdout.splitlines()
        assert len(lines) == 2, done.stdout + done.stderr
        assert lines[0].startswith(f"{prefix}b.py:5:5: AL201 ") and f"(defined at {prefix}a.py:4)" in lines[0]
        assert lines[1].startswith(f"{prefix}b.py:6:5: AL107 ") and f"`nap()` ({prefix}a.py:8)" in lines[1]
    deep = sub / "deep"
    deep.mkdir()
    done = run_cli(["../b.py"], cwd=deep)  # above the current directory, inside the project: relative still
    assert done.stdout.startswith("../b.py:5:5: AL201 ") and "(defined at ../a.py:4)" in done.stdout, done.stdout


def _console_block(readme: str, heading: str) -> str:
    """The first ```console block after a README heading."""
    after = readme.split(heading, 1)[1]
    return after.split("```console\n", 1)[1].split("```", 1)[0]


def test_readme_setup_commands_use_a_venv_and_ci_runs_the_test_command() -> None:
    """issue 22 #1: the two set-up commands work where the system Python refuses `pip install`
    (PEP 668), one line each, and .ci/run runs exactly the README's test command."""
    readme = (REPO / "README.md").read_text()
    venv = "python3 -m venv .venv && . .venv/bin/activate && "
    try_it = _console_block(readme, "## Try it")
    develop = _console_block(readme, "## Develop")
    for block in (try_it, develop):
        assert block.count("\n") == 1 and block.startswith(venv), block
    assert try_it.rstrip("\n").endswith("pip install . && asynclint examples/")
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    commands = [line for line in ci if line and not line.startswith("#")
                and not line.startswith(("set ", "cd "))]
    assert commands == [develop.rstrip("\n")], ci


def test_readme_try_it_output_is_what_asynclint_prints_for_the_example(tmp_path: Path) -> None:
    """The README shows what `asynclint examples/` prints on a fresh machine: the same findings, in order."""
    readme = (REPO / "README.md").read_text()
    shown = readme.split("## Try it", 1)[1].split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    (tmp_path / "examples").mkdir()
    for source in (REPO / "examples").glob("*.py"):
        (tmp_path / "examples" / source.name).write_bytes(source.read_bytes())
    done = run_cli(["--no-cache", "examples/"], cwd=tmp_path)
    assert done.stdout.splitlines() == [line for line in shown if line.startswith("examples/")], done.stdout
    assert all(line in done.stdout + done.stderr for line in shown if not line.startswith("examples/")), done.stderr
