"""The watcher's incremental refreshes walk only the paths they name: same answers as a full
walk restricted to those paths, and the index ends up as a clean rebuild would."""

from __future__ import annotations

import random
from pathlib import Path

from codeindex.api import CodeIndex
from codeindex.indexer import _in_scope
from codeindex.walker import walk
from tests.conftest import write_files

TREE = {
    ".gitignore": "*.gen.py\nbuild/\n",
    "a.py": "def a(): pass\n",
    "x.gen.py": "def generated(): pass\n",
    "src/b.py": "def b(): pass\n",
    "src/.code-indexignore": "skip/\n!keep.gen.py\n",
    "src/keep.gen.py": "def kept(): pass\n",
    "src/skip/c.py": "def c(): pass\n",
    "src/deep/er/d.ts": "export function d() {}\n",
    "build/e.py": "def e(): pass\n",
    "node_modules/m/f.ts": "export function f() {}\n",
    "notes.txt": "not code",
}
SCOPES = [
    ["a.py"],
    ["src"],
    ["src/deep/er/d.ts", "src/b.py"],
    ["src", "src/b.py"],
    ["x.gen.py", "src/keep.gen.py", "src/skip/c.py", "build/e.py", "node_modules/m/f.ts"],
    ["gone", "gone/dir/file.py", "src/missing.py"],
    [""],
    [],
]


def test_scoped_walk_is_the_full_walk_restricted(tmp_path: Path) -> None:
    write_files(tmp_path, TREE)
    full = walk(tmp_path).files
    for scope in SCOPES:
        expected = {p: c for p, c in full.items() if "" in scope or _in_scope(p, set(scope))}
        assert walk(tmp_path, only=scope).files == expected, scope


def test_scoped_refreshes_end_where_a_rebuild_does(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_files(root, TREE)
    code_index = CodeIndex.open(root)
    code_index.refresh()
    rng = random.Random(3)
    paths = [f"p{i % 4}/q{i % 3}/m{i}.py" for i in range(40)]
    for step in range(60):
        path = rng.choice(paths)
        target = root / path
        if target.exists() and rng.random() < 0.3:
            target.unlink()
        else:
            write_files(root, {path: f"def f{step}(): pass\n"})
        scope = [path] if rng.random() < 0.8 else [path.rpartition("/")[0]]
        assert code_index.refresh(paths=scope, merge=False) is not None
    status = code_index.status()
    incremental = sorted((s.path, s.name, s.line) for s in code_index.export_symbols())
    code_index.close()
    clean = CodeIndex.open(root, rebuild=True)
    clean.refresh()
    assert incremental == sorted((s.path, s.name, s.line) for s in clean.export_symbols())
    assert status["skipped"] == clean.status()["skipped"]
    clean.close()
