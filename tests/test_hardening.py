"""Issue 17: never run the project's code, never crash on a name or a pattern, never write a
fix that fails at run time. One test (or a few) per item; each failed on the code before it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import pytest

from tests.conftest import REPO, run_cli

BAD = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"


def run_script(args: Sequence[str], cwd: Path, stdin: str | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run asynclint the way its console script does (``sys.path[0]`` is the script's directory)."""
    script = Path(cwd).parent / "bin" / "asynclint-script.py"
    script.parent.mkdir(exist_ok=True)
    script.write_text("import sys\nfrom asynclint.cli import main\nsys.exit(main())\n")
    env = dict(os.environ)
    # no empty entry: "" on PYTHONPATH is the cwd, which would put the trap on the parent's own path
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("ASYNCLINT_CRASH_MARKER", None)
    return subprocess.run([sys.executable, str(script), *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env=env, timeout=timeout)


# -- 1. code from the linted tree never runs ---------------------------------------------

TRAPS = ("libcst", "asynclint", "multiprocessing", "encodings_helper")


def _trapped_repo(root: Path) -> tuple[Path, Path]:
    repo = root / "repo"
    repo.mkdir()
    markers = root / "markers"
    markers.mkdir()
    for name in TRAPS:
        (repo / f"{name}.py").write_text(f"open({str(markers / name)!r}, 'w').write('imported')\n")
    (repo / "broken.py").write_text("async def f(:\n    pass\n")
    return repo, markers


def test_libcst_check_never_imports_the_linted_tree(tmp_path: Path) -> None:
    repo, markers = _trapped_repo(tmp_path)
    done = run_script(["--isolated", "--no-cache", "broken.py"], cwd=repo)
    assert "AL001" in done.stdout, done.stderr
    done = run_script(["--isolated", "--no-cache", "-", "--stdin-filename", "broken.py"], cwd=repo,
                      stdin="async def f(:\n    pass\n")
    assert "AL001" in done.stdout, done.stderr
    assert sorted(os.listdir(markers)) == []


def test_spawned_workers_never_import_the_linted_tree(tmp_path: Path) -> None:
    repo, markers = _trapped_repo(tmp_path)
    for i in range(40):
        (repo / f"m{i:02d}.py").write_text(BAD)
    done = run_script(["--isolated", "--no-cache", "-j2", "."], cwd=repo)
    assert done.stdout.count("AL101") == 40, done.stderr
    assert sorted(os.listdir(markers)) == []
    # python -m asynclint from another directory: the same
    done = run_cli(["--isolated", "--no-cache", "-j2", str(repo)], cwd=tmp_path)
    assert done.stdout.count("AL101") == 40, done.stderr
    assert sorted(os.listdir(markers)) == []


def test_index_pool_never_imports_the_linted_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures.process  # noqa: F401 - the parent's own imports are not what is tested
    import multiprocessing  # noqa: F401

    from asynclint.orchestration import project_index

    repo, markers = _trapped_repo(tmp_path)
    paths = []
    for i in range(4):
        path = repo / f"m{i}.py"
        path.write_text("async def f():\n    pass\n")
        paths.append(str(path))
    monkeypatch.chdir(repo)
    monkeypatch.setattr(sys, "path", [""] + [p for p in sys.path if p])
    entries = project_index._summarise_parallel(paths, {}, jobs=2)
    assert entries is not None and len(entries) == 4 and all(entries)
    assert sorted(os.listdir(markers)) == []
    assert os.getcwd() == str(repo) and sys.path[0] == ""


# -- 2. the cache stays in the project and never writes through a symlink ----------------

def _project(root: Path, config: str = "") -> Path:
    project = root / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.asynclint]\n" + config)
    (project / "bad.py").write_text(BAD)
    return project


def test_config_cache_dir_outside_the_project_is_a_config_error(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    project = _project(tmp_path, 'cache-dir = "../victim"\n')
    done = run_cli(["bad.py"], cwd=project)
    assert done.returncode == 2 and "`cache-dir`" in done.stderr and "Traceback" not in done.stderr
    assert os.listdir(victim) == []
    # through a committed symlink on the way: the same
    (project / "link").symlink_to(victim)
    (project / "pyproject.toml").write_text('[tool.asynclint]\ncache-dir = "link/cache"\n')
    done = run_cli(["bad.py"], cwd=project)
    assert done.returncode == 2 and "`cache-dir`" in done.stderr
    assert os.listdir(victim) == []
    # inside: fine; and the command line may point anywhere
    (project / "pyproject.toml").write_text('[tool.asynclint]\ncache-dir = "sub/cache"\n')
    assert run_cli(["bad.py"], cwd=project).returncode == 1
    assert (project / "sub" / "cache" / ".gitignore").is_file()
    assert run_cli(["--cache-dir", "../victim/cache", "bad.py"], cwd=project).returncode == 1
    assert (victim / "cache" / ".gitignore").is_file()


def test_cache_symlinks_are_never_followed_for_writing(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    project = _project(tmp_path)
    (project / ".asynclint_cache").symlink_to(victim)
    done = run_cli(["bad.py"], cwd=project)
    assert done.returncode == 1, done.stderr
    assert os.listdir(victim) == []
    # a dangling .gitignore link inside a real cache directory: its target is not created
    (project / ".asynclint_cache").unlink()
    (project / ".asynclint_cache").mkdir()
    (project / ".asynclint_cache" / ".gitignore").symlink_to(victim / "gitignore")
    assert run_cli(["bad.py"], cwd=project).returncode == 1
    assert os.listdir(victim) == []
    # cache files that are links: replaced, their targets untouched
    (project / ".asynclint_cache" / ".gitignore").unlink()
    assert run_cli(["bad.py"], cwd=project).returncode == 1
    cache_files = [p for p in (project / ".asynclint_cache").iterdir() if p.name != ".gitignore"]
    assert cache_files
    for i, path in enumerate(cache_files):
        target = victim / f"t{i}"
        target.write_bytes(b"original")
        path.unlink()
        path.symlink_to(target)
    (project / "bad.py").write_text(BAD + "\n")
    assert run_cli(["bad.py"], cwd=project).returncode == 1
    assert all((victim / f"t{i}").read_bytes() == b"original" for i in range(len(cache_files)))


# -- 3. bracket ranges git tolerates and re rejects ---------------------------------------

GITIGNORE_RANGES = "[9-0]*.py\n[z-a]\n[z-ab]x.py\n[!9-0]y.py\n[a-c-e]w.py\n"
RANGE_NAMES = ["5a.py", "9a.py", "z", "a", "zx.py", "bx.py", "ax.py", "ay.py", "-w.py", "dw.py", "bw.py", "keep.py"]


def test_gitignore_inverted_ranges_match_like_git(tmp_path: Path) -> None:
    from asynclint.orchestration.discovery import DiscoveryOptions, discover

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(GITIGNORE_RANGES)
    for name in RANGE_NAMES:
        (tmp_path / name).write_text(BAD)
    git = subprocess.run(["git", "check-ignore", "--no-index", "--", *RANGE_NAMES], cwd=tmp_path,
                         capture_output=True, text=True)
    ignored_by_git = set(git.stdout.split())
    found = discover([str(tmp_path)], DiscoveryOptions(root=str(tmp_path)))
    linted = {os.path.basename(p) for p in found.files}
    python_names = {n for n in RANGE_NAMES if n.endswith(".py")}
    assert linted == python_names - ignored_by_git
    # the oracle, for the record: an inverted range matches its first character only
    assert ignored_by_git == {"9a.py", "z", "zx.py", "bx.py", "ay.py", "bw.py", "-w.py"}
    done = run_cli(["--no-cache", "."], cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert done.stdout.count("AL101") == len(python_names - ignored_by_git)


def test_inverted_range_in_exclude_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.asynclint]\nextend-exclude = ["[9-0]*.tmp"]\n')
    (tmp_path / "a.py").write_text(BAD)
    done = run_cli(["a.py"], cwd=tmp_path)
    assert done.returncode == 2 and "`extend-exclude`" in done.stderr and "9-0" in done.stderr
    done = run_cli(["--isolated", "--exclude", "[z-a]", "a.py"], cwd=tmp_path)
    assert done.returncode == 2 and "`exclude`" in done.stderr


def test_inverted_range_in_gitignore_under_flake8(tmp_path: Path) -> None:
    pytest.importorskip("flake8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(GITIGNORE_RANGES)
    (tmp_path / "a.py").write_text(BAD)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "flake8", "--select", "AL", "a.py"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in done.stderr and "AL101" in done.stdout, done.stderr


# -- 4. file names that are not UTF-8 --------------------------------------------------------

HELPER = "import time\n\n\ndef helper():\n    time.sleep(1)\n\n\nasync def g():\n    helper()\n"


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the file system must accept any bytes")
def test_non_utf8_file_names(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    with open(os.path.join(os.fsencode(tmp_path), b"\xff\xfe.py"), "wb") as handle:
        handle.write(BAD.encode())
    (tmp_path / "ok.py").write_text(HELPER)
    for i in range(20):  # enough for the worker pool
        (tmp_path / f"m{i:02d}.py").write_text(HELPER)
    strict = {"PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    for fmt in ("text", "json", "sarif", "github"):
        for extra in (["--no-cache", "-j1"], ["-j2"], ["-j2"]):  # cold, then a warm cache
            done = run_cli(["--output-format", fmt, "--extend-select", "AL107", *extra, "."], cwd=tmp_path, env=strict)
            assert done.returncode == 1, done.stderr
            assert "internal error" not in done.stderr and "Traceback" not in done.stderr
            assert "AL101" in done.stdout and (fmt != "text" or done.stdout.count("AL107") == 21)
    done = run_cli(["--fix", "--unsafe-fixes", "."], cwd=tmp_path, env=strict)
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    with open(os.path.join(os.fsencode(tmp_path), b"\xff\xfe.py"), "rb") as handle:
        assert b"await asyncio.sleep(1)" in handle.read()
    pytest.importorskip("flake8")
    env = dict(os.environ, PYTHONPATH=str(REPO), **strict)
    done = subprocess.run([sys.executable, "-m", "flake8", "--select", "AL,AL107", "ok.py"], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in done.stderr and "AL107" in done.stdout, done.stderr


# -- 5. config files: deep nesting, broken unrelated parents, other names, directories ----------

@pytest.mark.parametrize("nested", ["a = " + "[" * 5000 + "]" * 5000,
                                    "a = " + "{b = " * 5000 + "1" + "}" * 5000], ids=["array", "inline-table"])
def test_deeply_nested_toml_is_a_config_error(tmp_path: Path, nested: str) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + nested + "\n")
    (tmp_path / "a.py").write_text(BAD)
    done = run_cli(["a.py"], cwd=tmp_path)
    assert done.returncode == 2 and "pyproject.toml" in done.stderr and "Traceback" not in done.stderr
    assert "internal error" not in done.stderr, done.stderr


def test_broken_unrelated_parent_pyproject_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'other'\n")
    child = tmp_path / "child"
    child.mkdir()
    (child / "a.py").write_text(BAD)
    done = run_cli(["a.py"], cwd=child)
    assert done.returncode == 1 and "AL101" in done.stdout
    assert "warning" in done.stderr and "pyproject.toml" in done.stderr
    # one that is about asynclint stays an error
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint\nselect = ['AL']\n")
    assert run_cli(["a.py"], cwd=child).returncode == 2


def test_config_file_with_only_a_project_table(tmp_path: Path) -> None:
    (tmp_path / "other.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.11"\n')
    (tmp_path / "a.py").write_text(BAD)
    done = run_cli(["--config", "other.toml", "a.py"], cwd=tmp_path)
    assert done.returncode == 1 and "AL101" in done.stdout, done.stderr
    (tmp_path / "other.toml").write_text('[project]\nname = "x"\n[tool.asynclint]\nignore = ["AL101"]\n')
    assert run_cli(["--config", "other.toml", "a.py"], cwd=tmp_path).returncode == 0


def test_config_naming_a_directory(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BAD)
    done = run_cli(["--config", ".", "a.py"], cwd=tmp_path)
    assert done.returncode == 2 and "is a directory" in done.stderr and "not found" not in done.stderr


# -- 6. a conditional import of asyncio is not "asyncio is imported" ---------------------------

def _fixed(source: str, *select: str) -> str:
    from asynclint.engine import lint_source
    from asynclint.orchestration.config import resolve
    from asynclint.orchestration.fixes import fix_source

    settings = resolve({"select": list(select) or ["AL"]}, ["m.py"], isolated=True).settings
    outcome = fix_source(source.encode(), "m.py", settings, True,
                         lambda data: lint_source(data, "m.py", settings).findings)
    assert outcome.error is None, outcome.error
    return (outcome.fixed or source.encode()).decode()


def _runs(source: str) -> None:
    """The fixed module runs: every coroutine it defines can be awaited without NameError."""
    import asyncio
    namespace: dict = {"__name__": "fixed"}
    exec(compile(source, "m.py", "exec"), namespace)
    for value in list(namespace.values()):
        if asyncio.iscoroutinefunction(value) and getattr(value, "__module__", None) == "fixed" \
                and not value.__code__.co_argcount:
            asyncio.run(value())


CONDITIONAL_IMPORTS = {
    "type-checking": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import asyncio\n",
    "version": "import sys\n\nif sys.version_info >= (3, 8):\n    import asyncio as aio\n",
    "try": "try:\n    import asyncio\nexcept ImportError:\n    pass\n",
}


@pytest.mark.parametrize("head", list(CONDITIONAL_IMPORTS.values()), ids=list(CONDITIONAL_IMPORTS))
def test_fixes_add_an_import_when_asyncio_is_only_imported_conditionally(head: str) -> None:
    sleep = _fixed("import time\n" + head + "\n\nasync def handler():\n    time.sleep(1)\n", "AL101")
    assert "await asyncio.sleep(1)" in sleep and sleep.startswith("import asyncio\n"), sleep
    _runs(sleep)
    gather = _fixed(head + GATHER, "AL301")
    assert "asyncio.gather(" in gather and gather.startswith("import asyncio\n"), gather
    _runs(gather + "\n\nasync def main():\n    class Client:\n        async def get(self, url):\n"
                   "            return url\n    assert await page(Client(), 1) == ('/users/1', '/users/1/posts')\n")


GATHER = ("\n\nasync def fetch_user(client, user_id):\n    return await client.get(f'/users/{user_id}')\n\n\n"
          "async def fetch_posts(client, user_id):\n    return await client.get(f'/users/{user_id}/posts')\n\n\n"
          "async def page(client, user_id):\n    user = await fetch_user(client, user_id)\n"
          "    posts = await fetch_posts(client, user_id)\n    return user, posts\n")


def test_an_unconditional_import_is_still_used() -> None:
    fixed = _fixed("import asyncio as aio\nimport time\n\n\nasync def handler():\n    time.sleep(1)\n", "AL101")
    assert "await aio.sleep(1)" in fixed and fixed.count("import asyncio") == 1
    _runs(fixed)


# -- 7. a module name rebound at module level ---------------------------------------------------

FAKE_TIME = ("import time\n\n\nclass FakeTime:\n    def sleep(self, seconds):\n        pass\n\n\n"
             "time = FakeTime()\n\n\nasync def handler():\n    time.sleep(1)\n")


def test_a_rebound_module_name_is_not_the_module() -> None:
    from asynclint.engine import lint_source
    from asynclint.orchestration.config import resolve

    settings = resolve({}, ["m.py"], isolated=True).settings
    assert lint_source(FAKE_TIME.encode(), "m.py", settings).findings == []
    assert _fixed(FAKE_TIME, "AL101") == FAKE_TIME
    # the normal cases stay: rebound *before* the import, re-imported conditionally, or a
    # fake only on some path (the coroutine may well see the module)
    for source in ("time = None\nimport time\n\n\nasync def handler():\n    time.sleep(1)\n",
                   "import time\n\nif True:\n    import time\n\n\nasync def handler():\n    time.sleep(1)\n",
                   "import time\n\nif False:\n    time = None\n\n\nasync def handler():\n    time.sleep(1)\n",
                   "try:\n    import time\nexcept ImportError:\n    time = None\n\n\nasync def h():\n    time.sleep(1)\n"):
        codes = [f.code for f in lint_source(source.encode(), "m.py", settings).findings]
        assert codes == ["AL101"], source


# -- 9. linear in the number of fixes ----------------------------------------------------------

def _operations(functions: int) -> int:
    """Python-level calls made linting a file with ``2 * functions`` fixable findings (a counter, not a timer)."""
    from asynclint.engine import lint_source
    from asynclint.orchestration.config import resolve

    settings = resolve({"select": ["AL101"]}, ["m.py"], isolated=True).settings
    source = "import time\n\n" + "".join(
        f"async def handler_{i}():\n    time.sleep(1)\n    time.sleep(2)\n\n" for i in range(functions))
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        count += 1

    sys.setprofile(profile)
    try:
        findings = lint_source(source.encode(), "m.py", settings).findings
    finally:
        sys.setprofile(None)
    assert len(findings) == 2 * functions and all(f.fix for f in findings)
    return count


def test_fixable_findings_cost_linear_time() -> None:
    small, large = _operations(400), _operations(1600)
    assert large < 4.6 * small, (small, large)  # quadratic would be ~16x


def test_the_time_budget_applies_to_every_run(tmp_path: Path) -> None:
    slow = "import time\n\n" + "".join(f"async def h{i}():\n    time.sleep(1)\n\n" for i in range(6000))
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nfile-time-budget = 0.001\n")
    (tmp_path / "slow.py").write_text(slow)
    (tmp_path / "other.py").write_text("x = 1\n")
    for args in (["slow.py"], ["."], ["--fix", "--unsafe-fixes", "slow.py"]):
        done = run_cli(["--no-cache", "--output-format", "json", *args], cwd=tmp_path)
        findings = json.loads(done.stdout)
        assert [f["code"] for f in findings] == ["AL003"], args
        message = findings[0]["message"]
        assert "budget" in message and "cannot parse" not in message and "too complex" not in message
        assert done.returncode == 2
    assert (tmp_path / "slow.py").read_text() == slow  # --fix changed nothing it had not checked
    done = run_cli(["--no-cache", "-", "--stdin-filename", "slow.py"], cwd=tmp_path, stdin=slow)
    assert "AL003" in done.stdout and "budget" in done.stdout


# -- 10. --fix keeps mode bits and extended attributes, and never breaks a hard link -----------------

@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and links")
def test_fix_keeps_mode_bits_exactly(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(BAD)
    os.chmod(path, 0o6755)
    done = run_cli(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "a.py"], cwd=tmp_path)
    kept = os.stat(path).st_mode & 0o7777
    if "await asyncio.sleep" in path.read_text():
        assert kept == 0o6755, oct(kept)
    else:  # refusing is allowed, with a reason
        assert kept == 0o6755 and "setuid" in done.stderr, done.stderr


@pytest.mark.skipif(not hasattr(os, "setxattr"), reason="no extended attributes here")
def test_fix_keeps_extended_attributes(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(BAD)
    try:
        os.setxattr(path, "user.asynclint-test", b"keep me")
    except OSError:
        pytest.skip("the file system keeps no user extended attributes")
    done = run_cli(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "a.py"], cwd=tmp_path)
    assert "await asyncio.sleep" in path.read_text(), done.stderr
    assert os.getxattr(path, "user.asynclint-test") == b"keep me"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX links")
def test_fix_never_breaks_a_hard_link(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(BAD)
    os.link(path, tmp_path / "b.py")
    done = run_cli(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", "a.py"], cwd=tmp_path)
    both = {(tmp_path / "a.py").read_text(), (tmp_path / "b.py").read_text()}
    assert len(both) == 1 and os.stat(path).st_nlink == 2  # still one file under two names
    if both == {BAD}:
        assert "hard link" in done.stderr and "not fixed" in done.stderr


# -- 11. no temporary files left by an interrupted --fix -------------------------------------------

SLOW_FIX = """
import os, sys, time
marker = sys.argv.pop(1)
real_fsync = os.fsync
def slow_fsync(fd):
    open(marker, "w").close()
    time.sleep(60)
    real_fsync(fd)
os.fsync = slow_fsync
from asynclint.cli import main
sys.exit(main())
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_fix_leaves_no_temporary_file(tmp_path: Path) -> None:
    import signal
    import time

    project = tmp_path / "project"
    project.mkdir()
    (project / "a.py").write_text(BAD)
    script = tmp_path / "slow_fix.py"
    script.write_text(SLOW_FIX)
    marker = tmp_path / "writing"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen([sys.executable, str(script), str(marker), "--isolated", "--no-cache", "--fix",
                                "--unsafe-fixes", "a.py"], cwd=project, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), process.communicate()
        assert [p.name for p in project.iterdir() if p.name.endswith(".asynclint-tmp")]  # mid-write
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0
    assert sorted(p.name for p in project.iterdir()) == ["a.py"]
    assert (project / "a.py").read_text() == BAD


def test_stale_temporary_files_are_removed_by_the_next_fix(tmp_path: Path) -> None:
    import time

    (tmp_path / "a.py").write_text(BAD)
    stale = tmp_path / ".a.py.k3j_x9qa.asynclint-tmp"
    fresh = tmp_path / ".a.py.p0p0p0p0.asynclint-tmp"  # a concurrent run's, still being written
    other = tmp_path / "notes.asynclint-tmp"  # not our naming
    for path in (stale, fresh, other):
        path.write_text("half a file")
    hour_ago = time.time() - 3600
    for path in (stale, other):
        os.utime(path, (hour_ago, hour_ago))
    assert run_cli(["--isolated", "--no-cache", "--diff", "a.py"], cwd=tmp_path).returncode == 0
    assert stale.exists()  # --diff writes nothing, removes nothing
    run_cli(["--isolated", "--no-cache", "--fix", "a.py"], cwd=tmp_path)
    assert not stale.exists() and fresh.exists() and other.exists()


# -- 12. a worker that dies unpickling its start-up data never blocks the parent ---------------------

POISONED_POOL = """
import importlib, os, sys
from dataclasses import replace

from asynclint.orchestration import runner
from asynclint.orchestration.config import resolve


class Poison(str):
    \"\"\"A name that pickles fine here and cannot be unpickled in a worker.\"\"\"

    def __reduce__(self):
        return (importlib.import_module, ("asynclint_no_such_module",))


root = sys.argv[1]
paths = sorted(os.path.join(root, name) for name in os.listdir(root))
settings = resolve({}, paths, isolated=True).settings
# megabytes after the poison: more than a pipe holds
settings = replace(settings, extend_coroutine_functions=(Poison("app.fetch"),),
                   extend_ordered_calls=tuple(f"ordered_call_{i}" for i in range(200_000)))
results = runner.lint_paths(paths, settings, jobs=2)
print(sum(1 for r in results for f in r.findings if f.code == "AL101"))
"""


def test_a_worker_that_cannot_unpickle_its_start_up_data(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(40):
        (tree / f"m{i:02d}.py").write_text(BAD)
    script = tmp_path / "poisoned_pool.py"
    script.write_text(POISONED_POOL)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, str(script), str(tree)], capture_output=True, text=True, env=env,
                          timeout=60)  # the old code blocks in process.start() forever
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["40"]  # the parent linted them itself


# -- 13. text output escapes file names ----------------------------------------------------------

@pytest.mark.skipif(sys.platform == "win32", reason="such names are POSIX-only")
def test_text_output_escapes_file_names(tmp_path: Path) -> None:
    names = {"new\nline.py": "new\\nline.py", "esc\x1b[31mred.py": "esc\\x1b[31mred.py",
             "bell\x07.py": "bell\\x07.py", "rtl\u202eyp.py": "rtl\\u202eyp.py"}
    for name in names:
        (tmp_path / name).write_text(BAD)
    with open(os.path.join(os.fsencode(tmp_path), b"\xff.py"), "wb") as handle:
        handle.write(BAD.encode())
    done = run_cli(["--isolated", "--no-cache", "."], cwd=tmp_path)
    lines = done.stdout.splitlines()
    assert len(lines) == 5 and all(": AL101 " in line for line in lines), done.stdout
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "\u202e" not in done.stdout
    shown = {line.split(":")[0] for line in lines}
    assert shown == set(names.values()) | {"\\xff.py"}
    # the same names in the unified diff and in the reasons on stderr
    done = run_cli(["--isolated", "--no-cache", "--diff", "--unsafe-fixes", "."], cwd=tmp_path)
    assert "\x1b" not in done.stdout and "a/esc\\x1b[31mred.py" in done.stdout
    # JSON keeps the real name
    done = run_cli(["--isolated", "--no-cache", "--output-format", "json", "."], cwd=tmp_path)
    assert {os.path.basename(f["path"]) for f in json.loads(done.stdout)} >= set(names)
