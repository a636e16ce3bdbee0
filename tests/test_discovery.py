"""File discovery on real trees in temporary directories: walking, excludes, .gitignore, symlinks."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterable

import pytest

from asynclint.base.settings import DEFAULT_EXCLUDE
from asynclint.orchestration.discovery import (
    DiscoveryOptions,
    discover,
    glob_to_regex,
    is_excluded,
    parse_gitignore_line,
)

needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX symlinks")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")


def make(root: Path, files: Iterable[str], content: str = "x = 1\n") -> None:
    """Create files (and their directories); a name ending in '/' is an empty directory."""
    for name in files:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def files_of(paths: Iterable[str] = (".",), **options: object) -> list[str]:
    found = discover(list(paths), DiscoveryOptions(**options))  # type: ignore[arg-type]
    return [p.replace(os.sep, "/") for p in found.files]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ----------------------------------------------------------------------------- walking


def test_walk_finds_py_and_pyi_sorted_relative(tree: Path) -> None:
    make(tree, ["b.py", "a.pyi", "notes.txt", "setup.cfg", "pkg/z.py", "pkg/mod.py", "pkg/data.json",
                "pkg/deep/er/x.py", "script", ".py", "pkg/.hidden.py", ".config/tool.py"])
    assert files_of() == [".config/tool.py", "a.pyi", "b.py", "pkg/.hidden.py", "pkg/deep/er/x.py",
                          "pkg/mod.py", "pkg/z.py"]


def test_directory_named_like_a_python_file_is_walked(tree: Path) -> None:
    make(tree, ["weird.py/inner.py", "weird.py/readme.txt"])
    assert files_of() == ["weird.py/inner.py"]
    assert files_of(["weird.py"]) == ["weird.py/inner.py"]


def test_default_excludes_prune_directories_at_any_depth(tree: Path) -> None:
    make(tree, ["app.py", ".venv/lib/x.py", "venv/y.py", "node_modules/pkg/z.py", "src/__pycache__/c.py",
                "src/build/gen.py", "dist/d.py", ".tox/t.py", "lib/site-packages/s.py", "src/ok.py"])
    assert files_of() == ["app.py", "src/ok.py"]


def test_git_directory_is_never_walked_even_with_empty_exclude(tree: Path) -> None:
    make(tree, [".git/hooks/pre-commit.py", "build/b.py", "a.py"])
    assert files_of(exclude=()) == ["a.py", "build/b.py"]


def test_exclude_replaces_defaults_and_extend_exclude_adds(tree: Path) -> None:
    make(tree, ["a.py", "build/b.py", "gen/g.py", "x_pb2.py", "sub/y_pb2.py"])
    assert files_of(exclude=("gen",)) == ["a.py", "build/b.py", "sub/y_pb2.py", "x_pb2.py"]
    assert files_of(extend_exclude=("gen", "*_pb2.py")) == ["a.py"]


def test_exclude_patterns_with_slash_are_relative_to_root_not_cwd(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tree, ["src/generated/g.py", "src/app.py", "other/src/generated/k.py",
                "a/migrations/0001.py", "b/c/migrations/0002.py", "b/c/models.py"])
    opts = {"extend_exclude": ("src/generated", "**/migrations"), "root": str(tree)}
    assert files_of(**opts) == ["b/c/models.py", "other/src/generated/k.py", "src/app.py"]
    monkeypatch.chdir(tree / "src")  # the config's directory stays the anchor
    assert files_of(**opts) == ["app.py"]
    assert files_of(["."], extend_exclude=("src/generated",), root="..") == ["app.py"]


def test_exclude_glob_star_stays_in_one_component(tree: Path) -> None:
    make(tree, ["tests/test_a.py", "tests/sub/test_b.py", "tests/conftest.py"])
    assert files_of(extend_exclude=("tests/test_*.py",)) == ["tests/conftest.py", "tests/sub/test_b.py"]
    assert files_of(extend_exclude=("tests/**/test_*.py",)) == ["tests/conftest.py"]
    assert files_of(extend_exclude=("./tests/[st]*",)) == ["tests/conftest.py"]


def test_exclude_trailing_slash_matches_directories_only(tree: Path) -> None:
    make(tree, ["legacy.py/old.py", "pkg/legacy.py", "keep.py"])
    assert files_of(extend_exclude=("legacy.py/",)) == ["keep.py", "pkg/legacy.py"]
    assert files_of(extend_exclude=("legacy.py",)) == ["keep.py"]


# ---------------------------------------------------------------------- explicit paths


def test_explicit_file_is_linted_whatever_its_suffix(tree: Path) -> None:
    make(tree, ["bin/tool", "notes.txt"])
    found = discover(["bin/tool"], DiscoveryOptions())
    assert found.files == [os.path.join("bin", "tool")]
    assert found.explicit == {os.path.join("bin", "tool")}
    assert files_of(["bin"]) == []


def test_explicit_file_in_excluded_directory_needs_force_exclude_to_be_dropped(tree: Path) -> None:
    make(tree, ["build/gen.py", "src/a_pb2.py", "src/ok.py"])
    assert files_of(["build/gen.py", "src/a_pb2.py"], extend_exclude=("*_pb2.py",)) == [
        "build/gen.py", "src/a_pb2.py"]
    assert files_of(["build/gen.py", "src/a_pb2.py", "src/ok.py"], extend_exclude=("*_pb2.py",),
                    force_exclude=True) == ["src/ok.py"]


def test_explicit_excluded_directory_is_walked_unless_force_exclude(tree: Path) -> None:
    make(tree, ["build/gen.py", "build/sub/more.py", "build/node_modules/n.py"])
    assert files_of(["build"]) == ["build/gen.py", "build/sub/more.py"]
    assert files_of(["build"], force_exclude=True) == []
    assert files_of(["build/sub"], force_exclude=True) == []


def test_explicit_file_is_linted_even_if_gitignored(tree: Path) -> None:
    (tree / ".git").mkdir()
    write(tree / ".gitignore", "ignored/\nscratch.py\n")
    make(tree, ["ignored/a.py", "scratch.py", "kept.py"])
    assert files_of() == ["kept.py"]
    assert files_of(["ignored/a.py", "scratch.py"]) == ["ignored/a.py", "scratch.py"]
    # a named directory is walked even if it is itself ignored, as ruff does
    assert files_of(["ignored"]) == ["ignored/a.py"]


def test_is_excluded_for_stdin_filename(tree: Path) -> None:
    make(tree, ["src/"])
    opts = DiscoveryOptions(extend_exclude=("src/generated", "*_pb2.py"), root=str(tree))
    assert is_excluded("build/x.py", opts)  # default list, via a parent directory
    assert is_excluded(".venv/lib/x.py", opts)
    assert is_excluded("src/generated/deep/x.py", opts)
    assert is_excluded("src/m_pb2.py", opts)
    assert is_excluded(str(tree / "src" / "generated" / "x.py"), opts)
    assert not is_excluded("src/app.py", opts)
    assert not is_excluded("src/generated_not.py", opts)
    # the root's own name is not a component: a project living in ".../build/" still lints
    inner = tree / "build" / "proj"
    inner.mkdir(parents=True)
    assert not is_excluded(str(inner / "a.py"), DiscoveryOptions(root=str(inner)))


def test_overlapping_and_repeated_paths_lint_each_file_once(tree: Path) -> None:
    make(tree, ["src/a.py", "src/sub/b.py"])
    expected = ["src/a.py", "src/sub/b.py"]
    assert files_of(["src", "src/a.py"]) == expected
    assert files_of(["src/a.py", "src"]) == expected
    assert files_of(["src/sub", "src", "src/sub"]) == expected
    assert files_of(["src", str(tree / "src"), "./src/"]) == expected
    assert files_of(["src/a.py", "src/a.py"]) == ["src/a.py"]
    found = discover(["./src/a.py", "src"], DiscoveryOptions())
    assert found.files == ["./src/a.py", os.path.join("src", "sub", "b.py")]  # as the user spelled it
    assert found.explicit == {"./src/a.py"}


def test_missing_paths_are_reported_in_order(tree: Path) -> None:
    make(tree, ["a.py"])
    found = discover(["nope", "a.py", "a.py/inside", "nope", "gone/x.py"], DiscoveryOptions())
    assert found.missing == ["nope", "a.py/inside", "gone/x.py"]
    assert found.files == ["a.py"]
    assert found.unreadable == []


def test_paths_outside_the_current_directory_are_absolute(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tree, ["outside/o.py", "here/h.py"])
    monkeypatch.chdir(tree / "here")
    found = discover(["../outside", "."], DiscoveryOptions(root=str(tree)))
    assert found.files == [str(tree / "outside" / "o.py"), "h.py"]


def test_unlistable_directory_is_reported(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tree, ["ok/a.py", "locked/b.py"])
    real_scandir = os.scandir
    locked = str(tree / "locked")

    def scandir(path):  # root can read anything, so simulate the permission error
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover(["."], DiscoveryOptions())
    assert found.files == [os.path.join("ok", "a.py")]
    assert found.unreadable == [("locked", "Permission denied")]


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root ignores directory permissions")
def test_unlistable_directory_for_real(tree: Path) -> None:
    make(tree, ["locked/b.py", "a.py"])
    (tree / "locked").chmod(0)
    try:
        found = discover(["."], DiscoveryOptions())
    finally:
        (tree / "locked").chmod(0o755)
    assert found.files == ["a.py"]
    assert [p for p, _ in found.unreadable] == ["locked"]


# --------------------------------------------------------------------------- symlinks


@needs_symlinks
def test_symlinked_directories_are_not_descended_and_loops_do_not_hang(tree: Path) -> None:
    make(tree, ["pkg/a.py", "elsewhere/e.py"])
    os.symlink(tree, tree / "pkg" / "loop")  # points back up: a cycle
    os.symlink("..", tree / "pkg" / "up.py")  # a directory link with a Python-looking name
    os.symlink(tree / "elsewhere", tree / "pkg" / "linked")
    found = discover(["pkg"], DiscoveryOptions())
    assert found.files == [os.path.join("pkg", "a.py")]
    assert found.unreadable == []


@needs_symlinks
def test_symlinked_directory_named_explicitly_is_walked(tree: Path) -> None:
    make(tree, ["real/r.py"])
    os.symlink("real", tree / "alias")
    os.symlink(".", tree / "real" / "self")
    assert files_of(["alias"]) == ["alias/r.py"]
    # the same directory reached twice is walked once
    assert len(files_of(["alias", "real"])) == 1


@needs_symlinks
def test_symlinked_files_are_linted_inside_the_tree_only(tree: Path) -> None:
    make(tree, ["proj/real.py", "outside/secret.py"])
    os.symlink("real.py", tree / "proj" / "alias.py")
    os.symlink(tree / "outside" / "secret.py", tree / "proj" / "escape.py")
    assert files_of(["proj"]) == ["proj/alias.py", "proj/real.py"]
    # named explicitly, a symlink to a file is simply followed
    assert files_of(["proj/escape.py"]) == ["proj/escape.py"]


@needs_symlinks
def test_broken_symlinks_go_to_unreadable(tree: Path) -> None:
    make(tree, ["a.py"])
    os.symlink("does-not-exist.py", tree / "dead.py")
    os.symlink("nowhere", tree / "dead-doc")  # not Python-looking: silently skipped while walking
    found = discover(["."], DiscoveryOptions())
    assert found.files == ["a.py"]
    assert found.unreadable == [("dead.py", "broken symbolic link")]
    named = discover(["dead-doc", "dead.py"], DiscoveryOptions())
    assert named.files == [] and named.missing == []
    assert named.unreadable == [("dead-doc", "broken symbolic link"), ("dead.py", "broken symbolic link")]


@needs_symlinks
def test_symlink_loops_named_or_found_never_hang(tree: Path) -> None:
    os.symlink("b.py", tree / "a.py")
    os.symlink("a.py", tree / "b.py")
    os.symlink("self", tree / "self")
    found = discover(["."], DiscoveryOptions())
    assert found.files == []
    assert found.unreadable == [("a.py", "symbolic link loop"), ("b.py", "symbolic link loop")]
    named = discover(["self", "a.py"], DiscoveryOptions())
    assert named.unreadable == [("a.py", "symbolic link loop"), ("self", "symbolic link loop")]


# ----------------------------------------------------------------------- special files


@needs_fifo
def test_fifo_is_never_opened(tree: Path) -> None:
    make(tree, ["a.py"])
    os.mkfifo(tree / "pipe.py")
    os.mkfifo(tree / "pipe")
    found = discover(["."], DiscoveryOptions())  # a blocking open() would hang here
    assert found.files == ["a.py"]
    assert found.unreadable == [("pipe.py", "not a regular file (FIFO)")]
    named = discover(["pipe"], DiscoveryOptions())
    assert named.files == [] and named.unreadable == [("pipe", "not a regular file (FIFO)")]


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_device_named_explicitly_is_unreadable(tree: Path) -> None:
    found = discover(["/dev/null"], DiscoveryOptions())
    assert found.files == []
    assert found.unreadable == [("/dev/null", "not a regular file (device)")]


# -------------------------------------------------------------------------- gitignore


def git_repo(root: Path) -> Path:
    (root / ".git" / "info").mkdir(parents=True)
    return root


def test_gitignore_basic_semantics(tree: Path) -> None:
    git_repo(tree)
    write(tree / ".gitignore", "\n".join([
        "# a comment",
        "",
        "*_generated.py",
        "/top.py",           # anchored: only at the root
        "cache.py/",         # directories only
        "docs/**/conf.py",   # ** spans directories
        "tmp/**",            # everything inside
        "**/scratch",
        "secret?.py",
        "[ab]x.py",
        "[!c]y.py",
        "trail.py   ",       # trailing spaces are ignored
        "\\#hash.py",
        "\\!bang.py",
    ]) + "\n")
    make(tree, [
        "top.py", "sub/top.py", "m_generated.py", "sub/n_generated.py", "cache.py/c.py", "sub/cache.py",
        "docs/conf.py", "docs/a/b/conf.py", "other/docs/conf.py", "tmp/t.py", "tmp/deep/t.py",
        "x/scratch/s.py", "scratch/s.py", "secret1.py", "secret10.py", "ax.py", "cx.py", "cy.py", "dy.py",
        "trail.py", "#hash.py", "!bang.py", "keep.py",
    ])
    assert files_of() == ["cx.py", "cy.py", "keep.py", "other/docs/conf.py", "secret10.py", "sub/cache.py",
                          "sub/top.py"]


def test_gitignore_negation_and_last_match_wins(tree: Path) -> None:
    git_repo(tree)
    write(tree / ".gitignore", "*.py\n!keep*.py\nkeep_not.py\n!/pkg/\n")
    make(tree, ["a.py", "keep1.py", "keep_not.py", "pkg/b.py", "pkg/keep2.py"])
    assert files_of() == ["keep1.py", "pkg/keep2.py"]


def test_gitignore_cannot_reinclude_inside_ignored_directory(tree: Path) -> None:
    git_repo(tree)
    write(tree / ".gitignore", "out/\n!out/x.py\n")
    make(tree, ["out/x.py", "a.py"])
    assert files_of() == ["a.py"]


def test_nested_gitignore_overrides_parent(tree: Path) -> None:
    git_repo(tree)
    write(tree / ".gitignore", "gen_*.py\n/sub/local.py\n")
    write(tree / "sub" / ".gitignore", "!gen_keep.py\nlocal_only.py\n/anchored.py\n")
    make(tree, ["gen_a.py", "sub/gen_b.py", "sub/gen_keep.py", "sub/local.py", "local_only.py",
                "sub/local_only.py", "anchored.py", "sub/anchored.py", "sub/deeper/anchored.py"])
    assert files_of() == ["anchored.py", "local_only.py", "sub/deeper/anchored.py", "sub/gen_keep.py"]


def test_git_info_exclude_is_honoured_with_lowest_precedence(tree: Path) -> None:
    git_repo(tree)
    write(tree / ".git" / "info" / "exclude", "private.py\nlocal/\n")
    write(tree / ".gitignore", "!private.py\n")
    make(tree, ["private.py", "local/l.py", "a.py"])
    assert files_of() == ["a.py", "private.py"]


def test_git_worktree_file_points_at_the_common_info_exclude(tree: Path) -> None:
    common = tree / "main" / ".git"
    (common / "info").mkdir(parents=True)
    write(common / "info" / "exclude", "wt_private.py\n")
    gitdir = common / "worktrees" / "wt"
    gitdir.mkdir(parents=True)
    write(gitdir / "commondir", "../..\n")
    wt = tree / "wt"
    wt.mkdir()
    write(wt / ".git", f"gitdir: {gitdir}\n")
    make(wt, ["wt_private.py", "a.py"])
    assert files_of(["wt"]) == ["wt/a.py"]


def test_gitignore_above_the_walked_directory_applies(tree: Path) -> None:
    git_repo(tree)
    write(tree / ".gitignore", "/pkg/skip.py\n*.tmp.py\npkg/sub/\n")
    make(tree, ["pkg/skip.py", "pkg/x.tmp.py", "pkg/ok.py", "pkg/sub/s.py", "pkg/inner/skip.py"])
    assert files_of(["pkg"]) == ["pkg/inner/skip.py", "pkg/ok.py"]
    assert files_of([str(tree / "pkg")]) == ["pkg/inner/skip.py", "pkg/ok.py"]


def test_gitignore_outside_a_repository_applies_up_to_root(tree: Path) -> None:
    write(tree / ".gitignore", "*.tmp.py\n")
    make(tree, ["pkg/a.tmp.py", "pkg/b.py"])
    assert files_of(["pkg"], root=str(tree)) == ["pkg/b.py"]
    # a .gitignore above both the root and any repository is not read
    assert files_of(["pkg"], root=str(tree / "pkg")) == ["pkg/a.tmp.py", "pkg/b.py"]


def test_nested_repository_does_not_inherit_outer_rules(tree: Path) -> None:
    git_repo(tree)
    write(tree / ".gitignore", "outer_only.py\n")
    inner = git_repo(tree / "vendor" / "inner")
    write(inner / ".gitignore", "inner_only.py\n")
    make(tree, ["outer_only.py", "inner_only.py", "vendor/inner/outer_only.py", "vendor/inner/inner_only.py"])
    assert files_of() == ["inner_only.py", "vendor/inner/outer_only.py"]


def test_respect_gitignore_false(tree: Path) -> None:
    git_repo(tree)
    write(tree / ".gitignore", "*.py\n")
    make(tree, ["a.py", "build/b.py"])
    assert files_of() == []
    assert files_of(respect_gitignore=False) == ["a.py"]  # excludes still apply


GITIGNORE_CASES = [
    # (pattern, path, is_dir, matches)
    ("foo", "foo", False, True), ("foo", "a/b/foo", True, True), ("foo", "foobar", False, False),
    ("foo/", "foo", False, False), ("foo/", "a/foo", True, True),
    ("/foo", "foo", False, True), ("/foo", "a/foo", False, False),
    ("a/foo", "a/foo", False, True), ("a/foo", "x/a/foo", False, False),
    ("*.py", "a/b.py", False, True), ("a/*.py", "a/b/c.py", False, False), ("a/*.py", "a/c.py", False, True),
    ("**/foo", "foo", False, True), ("**/foo", "x/y/foo", False, True),
    ("a/**/b", "a/b", False, True), ("a/**/b", "a/x/y/b", False, True), ("a/**/b", "ab", False, False),
    ("a/**", "a/x", False, True), ("a/**", "a", True, False),
    ("a**b", "axxb", False, True), ("a**b", "a/b", False, False),
    ("?.py", "x.py", False, True), ("?.py", "/.py", False, False),
    ("[a-c].py", "b.py", False, True), ("[a-c].py", "d.py", False, False), ("[!a-c].py", "d.py", False, True),
    ("[^a].py", "a.py", False, False), ("[[:digit:]]x", "7x", False, True), ("[]]x", "]x", False, True),
    ("[x", "[x", False, True), ("\\*x", "*x", False, True), ("\\*x", "ax", False, False),
    ("foo\\ ", "foo ", False, True), ("foo  ", "foo", False, True),
]


@pytest.mark.parametrize("pattern,path,is_dir,matches", GITIGNORE_CASES)
def test_gitignore_pattern_table(pattern: str, path: str, is_dir: bool, matches: bool) -> None:
    parsed = parse_gitignore_line(pattern)
    assert parsed is not None
    hit = bool(re.fullmatch(parsed.regex, path, re.DOTALL)) and (is_dir or not parsed.dir_only)
    assert hit is matches and not parsed.negated


def test_glob_to_regex_components() -> None:
    assert re.fullmatch(glob_to_regex("src/**/gen_*.py"), "src/gen_a.py")
    assert re.fullmatch(glob_to_regex("src/**/gen_*.py"), "src/a/b/gen_a.py")
    assert not re.fullmatch(glob_to_regex("src/*.py"), "src/a/b.py")
    assert parse_gitignore_line("# comment") is None and parse_gitignore_line("   ") is None
    assert parse_gitignore_line("!") is None and parse_gitignore_line("/") is None


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_agrees_with_git_itself(tree: Path) -> None:
    """git is the oracle: ``git ls-files --others --exclude-standard`` lists what is not ignored."""
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(tree))
    subprocess.run(["git", "init", "-q", "."], cwd=tree, check=True, env=env)
    write(tree / ".gitignore", "\n".join([
        "*.log.py", "/build_out/", "docs/**/gen_*.py", "!docs/keep/gen_keep.py", "**/tmp_*",
        "cache/", "!cache/x.py", "src/*/private.py", "[0-9]*.py", "*.py[io]", "odd\\#.py",
        "spaces.py  ", "!important_*.py", "important_not.py",
    ]) + "\n")
    write(tree / "src" / ".gitignore", "!tmp_keep.py\nlocal.py\n/anchored.py\n")
    write(tree / ".git" / "info" / "exclude", "excluded_by_info.py\n")
    make(tree, [
        "a.log.py", "b.py", "build_out/c.py", "sub/build_out/d.py", "docs/gen_x.py", "docs/a/gen_y.py",
        "docs/keep/gen_keep.py", "tmp_1.py", "src/tmp_keep.py", "src/tmp_2.py", "cache/x.py", "cache/y.py",
        "src/pkg/private.py", "src/pkg/deeper/private.py", "1st.py", "x1.py", "m.pyi", "odd#.py", "spaces.py",
        "important_a.py", "important_not.py", "src/local.py", "local.py", "src/anchored.py",
        "src/sub/anchored.py", "excluded_by_info.py", "u\u00e9.py",
    ])
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=tree, check=True,
                            env=env, capture_output=True).stdout.decode("utf-8").split("\0")
    expected = sorted(p for p in listed if p.endswith((".py", ".pyi")))
    assert files_of(exclude=()) == expected
    assert "b.py" in expected and "src/sub/anchored.py" in expected  # the oracle did say something


def test_large_gitignore_is_compiled_once_per_file(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git_repo(tree)
    write(tree / ".gitignore", "".join(f"pattern_{i}_*.py\n" for i in range(300)) + "pattern_7_x.py\n")
    make(tree, [f"d{i}/f{j}.py" for i in range(20) for j in range(10)] + ["pattern_7_x.py"])
    compiled: list[str] = []
    real_compile = re.compile

    def counting(pattern, flags=0):  # type: ignore[no-untyped-def]
        compiled.append(pattern)
        return real_compile(pattern, flags)

    monkeypatch.setattr(re, "compile", counting)
    found = discover(["."], DiscoveryOptions(extend_exclude=("zz_*",)))
    assert len(found.files) == 200
    assert len(compiled) <= 4  # the .gitignore (files, dirs) and the exclude list, never per file


def test_order_is_independent_of_argument_order(tree: Path) -> None:
    make(tree, ["b/x.py", "a/y.py", "c.py"])
    assert files_of(["c.py", "b", "a"]) == files_of(["a", "b", "c.py"]) == ["a/y.py", "b/x.py", "c.py"]


def test_default_exclude_comes_from_settings() -> None:
    assert DiscoveryOptions().exclude == DEFAULT_EXCLUDE
    assert {".git", ".venv", "venv", "__pycache__", "build", "dist", "node_modules", "site-packages"} <= set(
        DEFAULT_EXCLUDE)


PIECES = ["a", "b", "*", "?", "**", "[ab]", "[!a]", "x*", "*.py", "sub", "deep", "d?ep", "[a-c]*"]
TREE = ["a.py", "b.py", "ab.py", "x1.py", "sub/a.py", "sub/b.py", "sub/deep/a.py", "sub/deep/x.py",
        "deep/a.py", "deep/sub/b.py", "a/b.py", "a/sub/a.py", "b/deep/c.py", "x/x.py", "c.pyi"]


def random_gitignore(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 6)):
        parts = [rng.choice(PIECES) for _ in range(rng.randint(1, 3))]
        line = "/".join(parts)
        if rng.random() < 0.2:
            line = "/" + line
        if rng.random() < 0.2:
            line += "/"
        if rng.random() < 0.25:
            line = "!" + line
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.parametrize("seed", range(30))
def test_random_gitignores_agree_with_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = random.Random(seed)
    monkeypatch.chdir(tmp_path)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(tmp_path))
    subprocess.run(["git", "init", "-q", "."], cwd=tmp_path, check=True, env=env)
    make(tmp_path, TREE)
    root_rules = random_gitignore(rng)
    sub_rules = random_gitignore(rng)
    write(tmp_path / ".gitignore", root_rules)
    write(tmp_path / "sub" / ".gitignore", sub_rules)
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=tmp_path,
                            check=True, env=env, capture_output=True).stdout.decode("utf-8").split("\0")
    expected = sorted(p for p in listed if p.endswith((".py", ".pyi")))
    assert files_of(exclude=()) == expected, (root_rules, sub_rules)
