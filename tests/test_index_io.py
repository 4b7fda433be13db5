"""Only storage, the indexer and the watcher touch the index on disk (DESIGN.md's principle).

Two checks over the source, so that the rule holds without anyone remembering it. Outside
those modules:
- nothing gets hold of the index directory's path: no `INDEX_DIR`, no `.code-index` joined to
  a path, no `.directory` or `.index_directory` (a Store's) except to show it to a person (in
  an f-string or `str()`), no import of codeindex.storage.index_dir. What cannot name a file
  in the index directory cannot read, map, write or remove it: caches kept there go through
  Store.derived_files (codeindex.storage.derived), the state file through storage.index_state;
- nothing calls what writes, renames, removes or maps files (atomic_write, os.replace,
  os.unlink, Path.mkdir, mmap.mmap, open() to write, ...), except the modules in
  WRITES_ELSEWHERE, each for a file that is never in the index directory.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO

# The modules of storage, the indexer and the watcher, and why each is one of them.
OWNERS = {
    "codeindex/storage/": "the storage",
    "codeindex/indexer.py": "the indexer",
    "codeindex/walk_cache.py": "the indexer's listing cache (the indexer hands it its path)",
    "codeindex/watcher.py": "the watcher",
    "codeindex/watch_thread.py": "the watcher's thread (its cookies and its info file)",
    "codeindex/watch_hold.py": "the watcher thread's lock and info file",
    "codeindex/watch_presence.py": "the watcher's info file and cookies",
    "codeindex/watch_place.py": "whether the watcher's index directory is still the one it locked",
    "codeindex/api_watch.py": "asks the watcher (its info file, a cookie) for a sync point",
    "codeindex/fsutil.py": "atomic_write, read_source themselves: given paths, never the index's",
}
WRITES_ELSEWHERE = {
    "codeindex/cli/clones.py": "the baseline file `dups --update-baseline FILE` names",
}
MODULE_WRITES = {
    "os": {"replace", "rename", "renames", "unlink", "remove", "rmdir", "removedirs", "mkdir"}
    | {"makedirs", "truncate", "link", "symlink"},
    "shutil": {"rmtree", "move", "copy", "copy2", "copyfile", "copytree"},
    "mmap": {"mmap"},
}
PATH_WRITES = {"mkdir", "unlink", "rmdir", "rename", "touch", "write_bytes", "write_text"}
DIRECTORY_ATTRIBUTES = {"directory", "index_directory"}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted([*(REPO / "codeindex").rglob("*.py"), *(REPO / "server").rglob("*.py")]):
        relative = path.relative_to(REPO).as_posix()
        if not any(relative.startswith(owner) for owner in OWNERS):
            yield relative, ast.parse(path.read_bytes(), relative)


def _shown(tree: ast.Module) -> set[int]:
    """ids of the values that are shown as they are: an f-string's `{x.directory}`, or
    `str(x.directory)` (and not `str(x.directory / name)`, which is another path)."""
    shown: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FormattedValue):
            shown.add(id(node.value))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "str" and node.args:
            shown.add(id(node.args[0]))
    return shown


def index_paths(tree: ast.Module) -> Iterator[ast.AST]:
    """Where a module gets hold of the index directory's path."""
    shown = _shown(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "INDEX_DIR":
            yield node
        elif isinstance(node, ast.Attribute) and node.attr in DIRECTORY_ATTRIBUTES:
            if id(node) not in shown:
                yield node
        elif isinstance(node, ast.ImportFrom):
            imported = [node.module or "", *(f"{node.module}.{a.name}" for a in node.names)]
            if any(name.endswith("index_dir") or "INDEX_DIR" in name for name in imported):
                yield node
        elif isinstance(node, ast.BinOp) and _joins_index_name(node):
            yield node


def _joins_index_name(node: ast.BinOp) -> bool:
    """`something / ".code-index"`: the index directory's path, spelt out."""
    names = (".code-index", ".code-index/")
    sides = (node.left, node.right)
    is_div = isinstance(node.op, ast.Div)
    return is_div and any(isinstance(s, ast.Constant) and s.value in names for s in sides)


def file_writes(tree: ast.Module) -> Iterator[ast.AST]:
    """Calls that write, rename, remove or map files."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _writes_files(node):
            yield node


def _writes_files(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "atomic_write" or (func.id == "open" and _writes(call))
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value.id if isinstance(func.value, ast.Name) else ""
    if owner in MODULE_WRITES:
        return func.attr in MODULE_WRITES[owner]
    # A method: Path's. Path.touch takes no positional argument (another touch(x) is not it).
    return func.attr in PATH_WRITES and (func.attr != "touch" or not call.args)


def _writes(call: ast.Call) -> bool:
    """Whether an open() call opens to write (its mode, when not a literal, counts as one)."""
    mode = call.args[1] if len(call.args) > 1 else None
    mode = next((k.value for k in call.keywords if k.arg == "mode"), mode)
    if mode is None:
        return False
    return not isinstance(mode, ast.Constant) or any(c in str(mode.value) for c in "wax+")


def test_only_storage_the_indexer_and_the_watcher_name_the_index_directory() -> None:
    offenders = [f"{name}:{node.lineno}" for name, tree in _modules() for node in index_paths(tree)]
    assert offenders == [], offenders


def test_only_storage_the_indexer_and_the_watcher_write_files() -> None:
    offenders = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        if name not in WRITES_ELSEWHERE
        for node in file_writes(tree)
    ]
    assert offenders == [], offenders


def test_the_checks_see_what_they_look_for() -> None:
    """Each shape the checks look for is found, and a path shown to a person is not."""
    source = """
import mmap, os, shutil
from codeindex.storage.index_dir import read_state
def touch(store, root, data):
    open(store.directory / "x.json", "rb")
    root / ".code-index" / "refs-cache"
    print(f"cannot update {store.directory}", str(store.index_directory))
    open(str(store.directory / "x.json"))
    os.replace("a", "b"); shutil.rmtree("c"); mmap.mmap(3, 0)
    atomic_write(root, data); open(root, "wb"); open(root, mode="x"); open(root)
    root.mkdir(); root.unlink(missing_ok=True); root.write_bytes(data); "a".replace("b", "")
    root.touch(); cache.touch(entry)
"""
    tree = ast.parse(source)
    assert sorted(node.lineno for node in index_paths(tree)) == [3, 5, 6, 8]
    found = sorted(node.lineno for node in file_writes(tree))
    assert found == [9, 9, 9, 10, 10, 10, 11, 11, 11, 12]


def test_the_owners_and_exceptions_are_files_that_exist() -> None:
    for name in [*OWNERS, *WRITES_ELSEWHERE]:
        assert (REPO / name).exists(), name
    assert Path(__file__).name == "test_index_io.py"  # named in codeindex.storage.derived
