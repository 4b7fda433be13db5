"""Segments are read in place from a shared map, and a new commit reuses what did not change."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from codeindex import storage
from codeindex.models import FileRecord, IndexedFile, IndexedSymbol, Symbol
from codeindex.query import parse_query

DOC = "Explains at length what this function does. " * 40  # ~1.8 KB per symbol


def _file(path: str, names: list[str]) -> IndexedFile:
    symbols = tuple(
        IndexedSymbol(
            Symbol(name, name, "function", "python", path, line, line, f"def {name}()", DOC)
        )
        for line, name in enumerate(names, start=1)
    )
    record = FileRecord(path, 10, 1, "d", "python", len(names))
    return IndexedFile(record, symbols, f" {' '.join(names)} ".encode())


def _build(root: Path, files: int, per_file: int) -> storage.Store:
    store = storage.Store.open(root)
    writer = store.writer()
    for number in range(files):
        writer.add_file(_file(f"m{number}.py", [f"f{number}_{i}" for i in range(per_file)]))
    writer.commit()
    return store


def _names(store: storage.Store, text: str) -> list[str]:
    return sorted(ranked.symbol.name for ranked in store.search(parse_query(text), 50)[1])


def test_opening_and_reading_do_not_copy_the_segments(tmp_path: Path) -> None:
    _build(tmp_path, 100, 20).close()  # 2,000 symbols with long docs: a segment of some MB
    segment_bytes = sum(p.stat().st_size for p in (tmp_path / ".code-index").glob("*.seg"))
    assert segment_bytes > 3_000_000
    tracemalloc.start()
    try:
        handles = [storage.Store.open(tmp_path, create=False) for _ in range(2)]
        for store in handles:
            assert _names(store, "f7_1*") == [
                "f7_1",
                "f7_10",
                "f7_11",
                "f7_12",
                "f7_13",
                "f7_14",
                "f7_15",
                "f7_16",
                "f7_17",
                "f7_18",
                "f7_19",
            ]
            assert len(store.file_records()) == 100
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Whoosh's own compound reader copies every sub-file into a BytesIO per reader: two
    # handles then hold twice the segment.
    assert held < segment_bytes / 4, (held, segment_bytes)
    for store in handles:
        store.close()


def test_a_new_commit_reopens_only_what_changed_and_sees_deletions(tmp_path: Path) -> None:
    store = _build(tmp_path, 3, 3)
    first = store.searcher()
    assert _names(store, "f1_*") == ["f1_0", "f1_1", "f1_2"]

    writer = store.writer()
    writer.add_file(_file("new.py", ["fresh"]))
    writer.commit(merge=False)
    second = store.searcher()
    assert second is not first
    old_leaves = [reader for reader, _ in first.reader().leaf_readers()]
    new_leaves = [reader for reader, _ in second.reader().leaf_readers()]
    assert old_leaves[0] in new_leaves  # the unchanged segment's reader is kept
    assert _names(store, "fresh") == ["fresh"]

    # A deletion inside the kept segment: its reader must not be reused.
    writer = store.writer()
    writer.remove_file("m1.py")
    writer.commit(merge=False)
    assert _names(store, "f1_*") == []
    assert sorted(store.file_records()) == ["m0.py", "m2.py", "new.py"]
    assert sorted(store.file_records(under=["m2.py", "gone.py"])) == ["m2.py"]
    store.close()
