"""The clone table file: built once per index generation, mapped by the next process, never
read as current once the index has moved on, rebuilt when damaged."""

from __future__ import annotations

import os
from pathlib import Path

from codeindex.api import CodeIndex
from codeindex.clones import fingerprints, table_file
from codeindex.clones.table import CloneTable, CloneTables

DRAFT = "def total(items):\n    result = 0\n    for item in items:\n{}    return result\n"


def _function(name: str, step: int) -> str:
    body = "".join(f"        result = result + item * {step} - {n}\n" for n in range(6))
    return DRAFT.format(body).replace("def total", f"def {name}")


FILES = {f"pkg/m{i}.py": _function(f"f{i}", i) for i in range(4)}


def _rows(table: CloneTable) -> list[tuple[str, str]]:
    return sorted((table.record(row), table.payload(row)) for row in range(len(table)))


def _file(code_index: CodeIndex) -> Path:
    return code_index._store.directory / table_file.FILE_NAME.format(fingerprints.UNIT_TERM)


def test_the_next_process_maps_the_file_of_the_current_generation(indexed) -> None:
    code_index = indexed(FILES)
    assert code_index.similar(FILES["pkg/m0.py"]).matches
    path = _file(code_index)
    inode = os.stat(path).st_ino
    again = CodeIndex.open(code_index.root)
    try:
        table = CloneTables().get(again._store)
        expected = sorted(again._store.clone_units())
        assert _rows(table) == expected and len(expected) == 4
        assert os.stat(path).st_ino == inode  # mapped as it was, not written again
        assert "f2" in {m.symbol.name for m in again.similar(FILES["pkg/m2.py"]).matches}
    finally:
        again.close()


def test_a_commit_makes_the_file_stale_and_only_changed_files_are_read_again(indexed) -> None:
    code_index = indexed(FILES)
    tables = CloneTables()
    before = tables.get(code_index._store)
    inode = os.stat(_file(code_index)).st_ino
    changed = _function("renamed", 9)
    (code_index.root / "pkg/m1.py").write_text(changed, encoding="utf-8")
    (code_index.root / "pkg/m3.py").unlink()
    code_index.refresh()
    after = tables.get(code_index._store)
    assert after.stamp != before.stamp
    assert os.stat(_file(code_index)).st_ino != inode
    assert _rows(after) == sorted(code_index._store.clone_units())
    names = sorted(after.entry(row).symbol.name for row in range(len(after)))
    assert names == ["f0", "f2", "renamed"]
    # A process that starts now maps the new file.
    assert _rows(CloneTables().get(code_index._store)) == _rows(after)


def test_a_damaged_file_is_built_again(indexed) -> None:
    code_index = indexed(FILES)
    CloneTables().get(code_index._store)
    path = _file(code_index)
    for damage in (b"", path.read_bytes()[:100], b"not a table at all"):
        path.write_bytes(damage)
        table = CloneTables().get(code_index._store)
        assert _rows(table) == sorted(code_index._store.clone_units())
        assert table_file.read(code_index._store.derived_files, path.name) is not None


def test_any_text_survives_the_file(indexed) -> None:
    """Records and payloads hold any character (here in a name and a docstring)."""
    code = _function("caf\u00e9", 3).replace(":\n", ':\n    """\U0001f600 \x1e \u2028"""\n', 1)
    code_index = indexed({"\u00e9t\u00e9/m.py": code})
    table = CloneTables().get(code_index._store)
    assert _rows(table) == sorted(code_index._store.clone_units()) and len(table) == 1
    assert table.entry(0).symbol.path == "\u00e9t\u00e9/m.py"
    assert table.entry(0).symbol.doc.startswith("\U0001f600")
