"""A ruff or flake8 config that ignores the same check project-wide turns ours off (issue 18); a ruff
config that selects it turns our opt-in one on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asynclint.orchestration.config import resolve
from asynclint.orchestration.peer_config import peer_ignores
from tests.conftest import run_cli

DROPPED_AND_SWALLOWED = """\
import asyncio


async def work():
    await asyncio.sleep(1)


async def supervise():
    asyncio.create_task(work())
    try:
        await work()
    except asyncio.CancelledError:
        pass
"""


def _project(tmp_path: Path, config_name: str, config: str) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / config_name).write_text(config)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "app.py").write_text(DROPPED_AND_SWALLOWED)
    return tmp_path


def _codes(root: Path, *flags: str) -> list[str]:
    done = run_cli(["--no-cache", "--output-format", "json", *flags, "."], cwd=root)
    assert done.returncode in (0, 1), done.stderr
    return sorted(f["code"] for f in json.loads(done.stdout))


@pytest.mark.parametrize("name, config", [
    ("pyproject.toml", '[tool.ruff.lint]\nextend-ignore = ["RUF006"]\n'),
    ("pyproject.toml", '[tool.ruff]\nignore = ["E501", "RUF006"]\n'),
    ("ruff.toml", '[lint]\nignore = ["RUF006"]\n'),
    (".ruff.toml", 'extend-ignore = ["ASYNC300"]\n'),
    ("setup.cfg", "[flake8]\nextend-ignore = E203, ASYNC300\n"),
    ("tox.ini", "[flake8]\nignore =\n    W503\n    RUF006\n"),
])
def test_a_project_wide_ignore_of_the_same_check_turns_ours_off(tmp_path: Path, name: str, config: str) -> None:
    root = _project(tmp_path, name, config)
    assert _codes(root, "--select", "ALL") == ["AL401"]  # AL204 is opt-in: on only when selected
    assert _codes(root, "--select", "ALL", "--no-respect-peer-ignores") == ["AL204", "AL401"]


JUMP_OUT_OF_FINALLY = """\
async def fetch(conn):
    try:
        return await conn.fetch()
    finally:
        return None
"""


@pytest.mark.parametrize("config, expected", [
    ('[tool.ruff.lint]\nextend-ignore = ["B012"]\n', []),  # bugbear's check is AL403 outside coroutines too
    ('[tool.ruff.lint]\nextend-ignore = ["B"]\n', ["AL403"]),  # a whole prefix does not count
])
def test_a_project_wide_ignore_of_b012_turns_al403_off(tmp_path: Path, config: str, expected: list) -> None:
    root = _project(tmp_path, "pyproject.toml", config)
    (root / "pkg" / "app.py").write_text(JUMP_OUT_OF_FINALLY)
    assert _codes(root) == expected
    assert _codes(root, "--no-respect-peer-ignores") == ["AL403"]


@pytest.mark.parametrize("config", [
    '[tool.ruff.lint]\nignore = ["RUF"]\n',          # a whole prefix: they do not use the family
    '[tool.ruff.lint]\nignore = ["BLE001", "F841"]\n',  # broader checks that only overlap ours
    '[tool.ruff.lint]\nselect = ["RUF006"]\n',        # selected, not ignored
    '[tool.black]\nline-length = 99\n',               # no ruff table: not a ruff config
])
def test_prefixes_broader_rules_and_selections_do_not(tmp_path: Path, config: str) -> None:
    root = _project(tmp_path, "pyproject.toml", config)
    assert _codes(root, "--select", "ALL") == ["AL204", "AL401"]


def test_an_exact_selection_of_ours_wins_over_the_peer_ignore(tmp_path: Path) -> None:
    root = _project(tmp_path, "pyproject.toml",
                    '[tool.ruff.lint]\nignore = ["RUF006"]\n[tool.asynclint]\nextend-select = ["AL204"]\n')
    assert _codes(root) == ["AL204", "AL401"]
    # a prefix is not a word about this rule
    (root / "pyproject.toml").write_text('[tool.ruff.lint]\nignore = ["RUF006"]\n[tool.asynclint]\nselect = ["AL2", "AL4"]\n')
    assert _codes(root) == ["AL401"]


def test_the_config_key_and_isolated_run_report_them(tmp_path: Path) -> None:
    root = _project(tmp_path, "pyproject.toml",
                    '[tool.ruff.lint]\nignore = ["RUF006"]\n[tool.asynclint]\nrespect-peer-ignores = false\n')
    assert _codes(root, "--select", "ALL") == ["AL204", "AL401"]
    (root / "pyproject.toml").write_text('[tool.ruff.lint]\nignore = ["RUF006"]\n')
    assert _codes(root, "--select", "ALL", "--isolated") == ["AL204", "AL401"]


def test_the_run_says_which_file_turned_what_off(tmp_path: Path) -> None:
    root = _project(tmp_path, "pyproject.toml", '[tool.ruff.lint]\nignore = ["RUF006"]\n')
    done = run_cli(["--no-cache", "."], cwd=root)
    assert "note" not in done.stderr  # AL204 and AL206 are opt-in: nothing was on to turn off
    done = run_cli(["--no-cache", "--select", "AL204,AL401", "."], cwd=root)
    assert "asynclint: note: AL204 off: pyproject.toml ignores RUF006" not in done.stderr  # named: it stays on
    done = run_cli(["--no-cache", "--select", "AL2,AL4", "--extend-select", "AL204", "--ignore", "AL206", "."], cwd=root)
    assert "note: AL204 off" not in done.stderr
    on = run_cli(["--no-cache", "--select", "ALL", "."], cwd=root)
    assert "asynclint: note: AL204, AL206 off:" in on.stderr
    quiet = run_cli(["--no-cache", "-q", "."], cwd=root)
    assert "note" not in quiet.stderr


def test_per_file_ignores_are_mapped_and_rebased_to_the_project_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.ruff.lint.per-file-ignores]\n"tests/*" = ["RUF006", "D100"]\n'
                                        '"./examples/*.py" = ["ASYNC103"]\n')
    found = peer_ignores(str(sub), str(tmp_path))
    assert found.codes == frozenset()
    assert dict(found.per_file) == {"sub/tests/*": frozenset({"AL204", "AL206"}),
                                    "sub/examples/*.py": frozenset({"AL401", "AL402"})}
    run = resolve({}, [str(sub)], cwd=str(tmp_path))
    assert {"AL204", "AL206"} <= run.settings.ignored_for(str(sub / "tests" / "test_app.py"))
    assert "AL204" not in run.settings.ignored_for(str(sub / "app.py"))


@pytest.mark.parametrize("config", [
    '[tool.ruff]\nexclude = ["pkg/app.py"]\n[tool.ruff.lint]\nselect = ["ALL"]\n',  # ring-doorbell's cli.py
    '[tool.ruff]\nextend-exclude = ["pkg"]\n[tool.ruff.lint]\nselect = ["ASYNC"]\n',
    '[tool.ruff.lint]\nexclude = ["app.py"]\nextend-select = ["ASYNC103"]\n',
])
def test_a_file_the_peer_runs_the_same_check_on_but_excludes_is_off(tmp_path: Path, config: str) -> None:
    root = _project(tmp_path, "pyproject.toml", config)
    assert _codes(root, "--select", "AL4") == []
    assert _codes(root, "--select", "AL4", "--no-respect-peer-ignores") == ["AL401"]


@pytest.mark.parametrize("config", [
    '[tool.ruff]\nexclude = ["pkg/app.py"]\n',  # ruff's defaults run none of our checks there
    '[tool.ruff]\nexclude = ["pkg/app.py"]\n[tool.ruff.lint]\nselect = ["E", "F", "B"]\n',
    '[tool.ruff]\nexclude = ["pkg/app.py"]\n[tool.ruff.lint]\nselect = ["ALL"]\nignore = ["ASYNC"]\n',
    '[tool.ruff]\nexclude = ["other.py"]\n[tool.ruff.lint]\nselect = ["ALL"]\n',  # another file
])
def test_an_exclusion_says_nothing_where_the_peer_runs_no_such_check(tmp_path: Path, config: str) -> None:
    root = _project(tmp_path, "pyproject.toml", config)
    assert _codes(root, "--select", "AL4") == ["AL401"]


def test_flake8_per_file_ignores_in_its_own_syntax(tmp_path: Path) -> None:
    (tmp_path / ".flake8").write_text("[flake8]\nper-file-ignores =\n    tests/*.py: ASYNC300, F401\n"
                                      "    scripts/run.py:ASYNC251\n")
    found = peer_ignores(str(tmp_path), str(tmp_path))
    assert dict(found.per_file) == {"tests/*.py": frozenset({"AL204", "AL206"}), "scripts/run.py": frozenset({"AL101"})}


def test_a_broken_peer_config_is_not_ours_to_report(tmp_path: Path) -> None:
    (tmp_path / "ruff.toml").write_text("ignore = [\n")
    (tmp_path / "setup.cfg").write_text("[flake8\nignore = ASYNC300\n")
    assert peer_ignores(str(tmp_path), str(tmp_path)).codes == frozenset()


@pytest.mark.parametrize("name, config, why", [
    ("pyproject.toml", '[tool.ruff.lint]\nselect = ["E", "F", "RUF006"]\n', "RUF006"),
    ("pyproject.toml", '[tool.ruff]\nextend-select = ["RUF"]\n', "RUF"),
    ("pyproject.toml", '[tool.ruff.lint]\nselect = ["ALL"]\nignore = ["D"]\n', "ALL"),
    ("ruff.toml", '[lint]\nextend-select = ["RUF0"]\n', "RUF0"),
    (".ruff.toml", 'select = ["RUF00"]\n', "RUF00"),
    ("pyproject.toml", '[tool.ruff.lint]\nselect = ["ALL", "RUF006"]\nignore = ["RUF"]\n', "RUF006"),  # more specific
])
def test_a_ruff_selection_of_the_same_check_turns_our_opt_in_rule_on(tmp_path: Path, name: str, config: str,
                                                                     why: str) -> None:
    root = _project(tmp_path, name, config)
    assert _codes(root) == ["AL204", "AL401"]
    done = run_cli(["--no-cache", "."], cwd=root)
    assert f"asynclint: note: AL204 on: {name} selects {why}" in done.stderr
    assert "note" not in run_cli(["--no-cache", "-q", "."], cwd=root).stderr


@pytest.mark.parametrize("name, config", [
    ("pyproject.toml", '[tool.ruff.lint]\nselect = ["RUF"]\nignore = ["RUF006"]\n'),   # selected, then ignored
    ("pyproject.toml", '[tool.ruff.lint]\nselect = ["ALL"]\nextend-ignore = ["RUF006"]\n'),
    ("pyproject.toml", '[tool.ruff.lint]\nselect = ["RUF1", "E", "F"]\n'),               # not RUF006
    ("pyproject.toml", '[tool.ruff.lint]\nselect = ["RUF0061"]\n'),                       # not a prefix of it
    ("pyproject.toml", '[tool.ruff.lint]\nselect = ["ALL"]\nignore = ["RUF"]\n'),          # a more specific ignore
    ("pyproject.toml", '[tool.ruff.lint]\nselect = ["RUF0"]\nignore = ["RUF0"]\n'),        # as specific: ignore wins
    ("pyproject.toml", '[tool.black]\nselect = ["RUF006"]\n'),                            # not ruff's table
    ("setup.cfg", '[flake8]\nselect = ASYNC300\n'),                                    # flake8 selects by plugin
])
def test_other_selections_leave_it_off(tmp_path: Path, name: str, config: str) -> None:
    root = _project(tmp_path, name, config)
    assert _codes(root) == ["AL401"]


@pytest.mark.parametrize("extra, flags", [
    ('[tool.asynclint]\nignore = ["AL204"]\n', ()),                 # the user's own ignore wins
    ('[tool.asynclint]\nignore = ["AL2"]\n', ()),
    ('[tool.asynclint]\nselect = ["AL4"]\n', ()),                   # the user's own selection is the whole choice
    ('[tool.asynclint]\nrespect-peer-selects = false\n', ()),
    ('', ("--no-respect-peer-selects",)),
    ('', ("--isolated",)),
    ('', ("--select", "AL401")),
])
def test_the_users_own_choice_wins_over_the_peer_selection(tmp_path: Path, extra: str, flags: tuple) -> None:
    root = _project(tmp_path, "pyproject.toml", '[tool.ruff.lint]\nselect = ["RUF"]\n' + extra)
    assert _codes(root, *flags) == ["AL401"]


def test_a_peer_selection_keeps_the_peers_per_file_ignores(tmp_path: Path) -> None:
    root = _project(tmp_path, "pyproject.toml",
                    '[tool.ruff.lint]\nselect = ["RUF"]\n[tool.ruff.lint.per-file-ignores]\n"pkg/app.py" = ["RUF006"]\n')
    assert _codes(root) == ["AL401"]
    (root / "pkg" / "other.py").write_text(DROPPED_AND_SWALLOWED)
    assert _codes(root) == ["AL204", "AL401", "AL401"]


def test_a_peer_selection_reaches_the_flake8_plugin(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from asynclint.flake8_plugin import build_state
    root = _project(tmp_path, "pyproject.toml", '[tool.ruff.lint]\nselect = ["RUF"]\n')
    options = SimpleNamespace(select=None, extend_select=None, ignore=None, extend_ignore=None,
                              enable_extensions=None, isolated=False)
    state = build_state(options, [str(root)])
    assert "AL204" in state.settings.enabled
