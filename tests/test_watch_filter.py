"""The watcher's event filter: the walk's own rules, without a watcher or an index."""

from __future__ import annotations

from pathlib import Path

from codeindex.ignore import is_ignored
from codeindex.languages import indexed_extensions
from codeindex.walker import walk
from codeindex.watch_filter import EventFilter
from tests.conftest import write_files

TREE = {
    ".gitignore": "build/\n*.gen.py\n",
    "src/app.py": "",
    "src/app.gen.py": "",
    "src/keep/.gitignore": "!*.gen.py\n",
    "src/keep/kept.gen.py": "",
    "build/out.py": "",
    "node_modules/m/i.ts": "",
    ".code-index.tmp-1-ab/x.py": "",
    "notes.txt": "",
    "a.py~": "",
}


def make(root: Path) -> EventFilter:
    write_files(root, TREE)
    return EventFilter(root.resolve(), ".code-index", frozenset(indexed_extensions()))


def test_files_events_keep_exactly_what_the_walk_indexes(tmp_path: Path) -> None:
    events = make(tmp_path)
    root = str(tmp_path.resolve())
    indexed = set(walk(tmp_path).files)
    for relative in TREE:
        if relative.endswith("ignore"):
            continue  # refreshes its directory: below
        kept = events.relevant(f"{root}/{relative}", False) is not None
        assert kept == (relative in indexed), relative
    assert events.relevant("/elsewhere/x.py", False) is None


def test_directory_events(tmp_path: Path) -> None:
    events = make(tmp_path)
    root = str(tmp_path.resolve())
    assert events.relevant(f"{root}/src/new", True) == "src/new"
    assert events.relevant(f"{root}/build", True) is None
    assert events.relevant(f"{root}/src/node_modules", True) is None
    assert events.relevant(f"{root}/.code-index", True) is None


def test_ignore_file_changes_refresh_their_subtree(tmp_path: Path) -> None:
    events = make(tmp_path)
    root = str(tmp_path.resolve())
    assert events.relevant(f"{root}/src/keep/.gitignore", False) == "src/keep"
    assert events.relevant(f"{root}/.code-indexignore", False) == ""
    assert events.relevant(f"{root}/.git/info/exclude", False) == ""
    assert events.relevant(f"{root}/build/.gitignore", False) is None  # never entered
    # The rules are read again after an ignore file changed.
    assert events.relevant(f"{root}/src/app.py", False) == "src/app.py"
    write_files(tmp_path, {"src/.code-indexignore": "app.py\n"})
    assert events.relevant(f"{root}/src/app.py", False) == "src/app.py"
    events.relevant(f"{root}/src/.code-indexignore", False)
    assert events.relevant(f"{root}/src/app.py", False) is None
    assert is_ignored(tmp_path, "src/app.py")


def test_moves_name_both_sides_and_cookies_count_when_created(tmp_path: Path) -> None:
    events = make(tmp_path)
    root = str(tmp_path.resolve())
    moved = events.event([f"{root}/build/out.py", f"{root}/src/out.py"], False, False)
    assert moved.paths == ["src/out.py"] and not moved.cookie
    cookie = f"{root}/.code-index/sync-cookie-12-3"
    assert events.event([cookie], False, True).cookie == "sync-cookie-12-3"
    assert events.event([cookie], False, False).cookie == ""  # its removal, its close
    assert events.event([cookie], False, False).paths == []
    assert events.event([f"{root}/.code-index/_MAIN_1.toc"], False, True).paths == []
