import os
from pathlib import Path

import pytest

from codeindex.walker import is_ignored, walk


def files_of(root: Path, **kwargs: int) -> set[str]:
    return set(walk(root, **kwargs).files)


def test_nested_gitignore_with_negation_and_precedence(project) -> None:
    root = project(
        {
            ".gitignore": "build/\n*.gen.py\n",
            "src/app.py": "def a(): pass\n",
            "src/app.gen.py": "def b(): pass\n",
            "src/keep/.gitignore": "!*.gen.py\n",
            "src/keep/kept.gen.py": "def c(): pass\n",
            "build/out.py": "def d(): pass\n",
            "docs/readme.md": "# not code\n",
        }
    )
    assert files_of(root) == {"src/app.py", "src/keep/kept.gen.py"}


def test_git_info_exclude_and_code_indexignore(project) -> None:
    root = project(
        {
            ".git/info/exclude": "secret/\n",
            ".code-indexignore": "vendor_copy/\n",
            "secret/s.py": "x = 1\n",
            "vendor_copy/v.go": "package v\n",
            "main.go": "package main\n",
        }
    )
    assert files_of(root) == {"main.go"}
    assert is_ignored(root, "secret/s.py")
    assert is_ignored(root, "vendor_copy/v.go")
    assert not is_ignored(root, "main.go")


def test_ignored_directory_is_not_reincluded_by_child_rule(project) -> None:
    root = project({".gitignore": "out/\n!out/keep.py\n", "out/keep.py": "", "a.py": ""})
    assert files_of(root) == {"a.py"}


def test_size_limit_records_skip_reason(project) -> None:
    root = project({"big.py": "x = 1\n" * 1000, "small.py": "y = 2\n"})
    result = walk(root, max_file_size=100)
    assert result.files["big.py"].skip == "too large"
    assert result.files["small.py"].skip == ""


def test_symlinks_are_not_followed_so_each_file_is_walked_once(project, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.py").write_text("def leak(): pass\n")
    root = project({"pkg/mod.py": "def m(): pass\n", "notes.txt": ""})
    os.symlink(outside, root / "out_link")
    os.symlink(outside / "leak.py", root / "leak_link.py")
    os.symlink(root / "pkg", root / "pkg" / "loop")  # a directory that contains itself
    os.symlink("pkg", root / "alias")  # another name for pkg/
    os.symlink(root / "pkg" / "mod.py", root / "alias.py")  # another name for pkg/mod.py
    os.symlink("notes.txt", root / "notes_link.txt")  # no source file: not counted
    result = walk(root)
    # Each file once, under its real path: a link is another name for what the walk reaches.
    assert set(result.files) == {"pkg/mod.py"}
    assert result.skipped["symlink outside root"] == 2
    assert result.skipped["symlink inside root"] == 3
    # A scoped walk (the watcher's, `index PATH`) does not enter a link either.
    assert walk(root, only=["alias/mod.py", "alias", "alias.py"]).files == {}
    assert set(walk(root, only=["pkg/mod.py"]).files) == {"pkg/mod.py"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_directory_is_counted(project) -> None:
    root = project({"locked/a.py": "", "b.py": ""})
    (root / "locked").chmod(0)
    try:
        result = walk(root)
    finally:
        (root / "locked").chmod(0o755)
    assert set(result.files) == {"b.py"}
    assert result.skipped["unreadable"] == 1


def test_only_known_extensions_and_skipped_dirs(project) -> None:
    root = project(
        {
            "a.py": "",
            "b.ts": "",
            "c.tsx": "",
            "d.go": "",
            "e.rs": "",
            "f.cs": "",
            "g.txt": "",
            "node_modules/lib/index.ts": "",
            "__pycache__/a.py": "",
        }
    )
    assert files_of(root) == {"a.py", "b.ts", "c.tsx", "d.go", "e.rs", "f.cs"}


def test_walk_agrees_with_is_ignored_on_every_path(project) -> None:
    # The walk finds ignore files in its directory listings; is_ignored opens them by path.
    root = project(
        {
            ".gitignore": "*.gen.py\n",
            "a/.code-indexignore": "skip/\n",
            "a/skip/x.py": "",
            "a/b/.gitignore": "!*.gen.py\nlocal.py\n",
            "a/b/k.gen.py": "",
            "a/b/local.py": "",
            "a/b/c/deep.py": "",
            "a/top.gen.py": "",
            "z.py": "",
            "shared.ignore": "deep.py\n",
        }
    )
    os.symlink(root / "shared.ignore", root / "a" / "b" / "c" / ".gitignore")
    (root / "d" / ".gitignore").mkdir(parents=True)  # a directory by that name: no rules
    (root / "d" / "m.py").write_text("")
    result = walk(root)
    every = [str(p.relative_to(root)) for p in root.rglob("*.py") if ".code-index" not in p.parts]
    assert set(result.files) == {p for p in every if not is_ignored(root, p)}
    assert set(result.files) == {"a/b/k.gen.py", "z.py", "d/m.py"}
    assert sorted(result.ignore_files) == [
        ".gitignore",
        "a/.code-indexignore",
        "a/b/.gitignore",
        "a/b/c/.gitignore",
        "d/.gitignore",
    ]
    assert set(walk(root, only=["a/b"]).files) == {"a/b/k.gen.py"}
