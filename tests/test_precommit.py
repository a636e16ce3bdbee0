"""The pre-commit hook, for real: ``pre-commit try-repo`` installs this checkout and runs it.

try-repo sees only what is committed or staged in the hook repository, so the test
commits a copy of the package as it is on disk (uncommitted edits included) into a
temporary repository and points pre-commit at that. pre-commit builds its own
environment with pip, so this needs the package index and takes a while; it is
skipped only when pre-commit itself is missing, and says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.precommit

# What building the package needs; the rest of the checkout is irrelevant to the hook.
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml")

BAD = textwrap.dedent("""\
    import time


    async def poll() -> None:
        time.sleep(1)
""")
FIXED = textwrap.dedent("""\
    import asyncio


    async def poll() -> None:
        await asyncio.sleep(1)
""")
# what --fix --unsafe-fixes makes of BAD (AL101's fix adds the import and keeps `time`)
UNSAFE_FIXED = textwrap.dedent("""\
    import asyncio
    import time


    async def poll() -> None:
        await asyncio.sleep(1)
""")
GOOD = textwrap.dedent("""\
    import time


    def wait() -> None:
        time.sleep(1)
""")


def _git_env(tmp: Path) -> Dict[str, str]:
    """git isolated from the user's config (no signing, hooks or templates), with a fixed identity."""
    env = dict(os.environ)
    env.update({
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "asynclint tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
        "GIT_COMMITTER_NAME": "asynclint tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
        # pre-commit's own cache: never the user's (try-repo uses a temporary store anyway)
        "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
    })
    env.pop("ASYNCLINT_CRASH_MARKER", None)
    return env


def _git(args: List[str], cwd: Path, env: Dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=120)


def _hook_repo(tmp: Path, env: Dict[str, str]) -> Path:
    """A git repository holding the package exactly as it is on disk now."""
    repo = tmp / "hook-repo"
    repo.mkdir()
    for name in PACKAGE_FILES:
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, repo / name)
    shutil.copytree(REPO / "asynclint", repo / "asynclint",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    _git(["init", "-q"], repo, env)
    _git(["add", "-A"], repo, env)
    _git(["commit", "-q", "-m", "asynclint under test"], repo, env)
    return repo


def _try_repo(hook_repo: Path, project: Path, env: Dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "asynclint", "--all-files",
         "--color", "never"],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )


def _status(output: str, name: str = "asynclint") -> str:
    """The hook's status line's verdict: ``asynclint.....Failed`` -> ``Failed``."""
    found = re.findall(rf"^{re.escape(name)}\.+\s*(Passed|Failed|Skipped|\(no files to check\)Skipped)\s*$",
                       output, re.M)
    assert len(found) == 1, output
    return found[0]


def test_pre_commit_hook(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (python -m pip install -e '.[dev]')")
    if shutil.which("git") is None:
        pytest.skip("git is not installed, and pre-commit needs it")
    env = _git_env(tmp_path)
    hook_repo = _hook_repo(tmp_path, env)
    project = tmp_path / "project"
    project.mkdir()
    _git(["init", "-q"], project, env)
    (project / "bad.py").write_text(BAD, encoding="utf-8")
    (project / "good.py").write_text(GOOD, encoding="utf-8")
    _git(["add", "bad.py", "good.py"], project, env)  # pre-commit sees tracked files only

    done = _try_repo(hook_repo, project, env)
    output = done.stdout + done.stderr
    assert _status(output) == "Failed", output
    assert done.returncode == 1, output
    assert re.search(r"bad\.py:5:5: AL101 ", output), output
    assert "good.py" not in output.split("Failed", 1)[1], output

    (project / "bad.py").write_text(FIXED, encoding="utf-8")
    _git(["add", "bad.py"], project, env)
    done = _try_repo(hook_repo, project, env)
    output = done.stdout + done.stderr
    assert _status(output) == "Passed", output
    assert done.returncode == 0, output


def _run_config(project: Path, env: Dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900)


def test_fix_hook_applies_only_safe_fixes_unless_the_project_opts_in(tmp_path: Path) -> None:
    """issue 22 #7: ``asynclint-fix`` as the README documents it. By default it applies safe fixes only,
    and none is safe today, so it changes nothing and fails on the findings; with
    ``args: [--fix, --unsafe-fixes]`` it fixes the file (pre-commit fails the run that modified it),
    and the next run passes."""
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (python -m pip install -e '.[dev]')")
    if shutil.which("git") is None:
        pytest.skip("git is not installed, and pre-commit needs it")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = re.search(r"^ *- id: asynclint-fix\n *args: (\[[^\]\n]*\])", readme, re.M)
    assert documented and documented.group(1) == "[--fix, --unsafe-fixes]", "the README shows how to opt in"
    env = _git_env(tmp_path)
    hook_repo = _hook_repo(tmp_path, env)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    project = tmp_path / "project"
    project.mkdir()
    _git(["init", "-q"], project, env)
    (project / ".pre-commit-config.yaml").write_text(textwrap.dedent(f"""\
        repos:
          - repo: {hook_repo}
            rev: {rev}
            hooks:
              - id: asynclint-fix
                name: fix-default
              - id: asynclint-fix
                name: fix-unsafe
                args: {documented.group(1)}
    """), encoding="utf-8")
    (project / "bad.py").write_text(BAD, encoding="utf-8")
    _git(["add", ".pre-commit-config.yaml", "bad.py"], project, env)

    done = _run_config(project, env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert _status(output, "fix-default") == "Failed", output
    default_part = output.split("fix-default", 1)[1].split("fix-unsafe", 1)[0]
    assert re.search(r"bad\.py:5:5: AL101 ", default_part), output  # found, not fixed: no fix is safe
    assert "files were modified by this hook" not in default_part, output
    assert _status(output, "fix-unsafe") == "Failed", output
    assert "files were modified by this hook" in output.split("fix-unsafe", 1)[1], output
    assert (project / "bad.py").read_text(encoding="utf-8") == UNSAFE_FIXED

    _git(["add", "bad.py"], project, env)
    done = _run_config(project, env)
    output = done.stdout + done.stderr
    assert _status(output, "fix-default") == "Passed" and _status(output, "fix-unsafe") == "Passed", output
    assert done.returncode == 0, output
