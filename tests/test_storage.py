"""The storage API on its own: a real index on disk, written and read through our models."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeindex import storage
from codeindex.models import FileRecord, IndexedFile, IndexedSymbol, Symbol
from codeindex.query import parse_query


def _file(path: str, *names: str, payload: str = "") -> IndexedFile:
    symbols = tuple(
        IndexedSymbol(
            Symbol(name, name, "function", "python", path, line, line + 1, f"def {name}()"),
            ("u",) if payload else (),
            payload,
        )
        for line, name in enumerate(names, start=1)
    )
    module = Symbol(path.removesuffix(".py"), path, "module", "python", path, 1, 9, path)
    record = FileRecord(path, 10, 1, f"digest-{path}", "python", len(names))
    return IndexedFile(record, (*symbols, IndexedSymbol(module)), f" {' '.join(names)} ".encode())


def _names(store: storage.Store, text: str) -> list[str]:
    return [ranked.symbol.name for ranked in store.search(parse_query(text), 10)[1]]


def test_write_publish_search_merge_and_reopen(tmp_path: Path) -> None:
    store = storage.Store.open(tmp_path)  # creates an empty index
    assert store.doc_count() == 0
    assert store.file_records() == {}
    first = store.generation()

    writer = store.writer()
    writer.add_file(_file("a.py", "parse_config", "load"))
    writer.add_file(_file("b.py", "parse_args", payload="PAYLOAD"))
    writer.commit()
    assert store.generation() != first
    assert sorted(store.file_records()) == ["a.py", "b.py"]
    assert store.file_records(under=["b.py"])["b.py"].digest == "digest-b.py"
    assert [s.name for s in store.symbols_in("a.py")] == ["parse_config", "a", "load"]
    assert _names(store, "parse") == ["parse_args", "parse_config"]
    assert [record.path for record, _ in store.files_using("load")] == ["a.py"]
    units = [(storage.symbol_from_stored(data).name, p) for data, p in store.clone_units()]
    assert units == [("parse_args", "PAYLOAD")]

    # Quick commits, each a segment of its own, then the idle merge folds them into one.
    for number in range(3):
        writer = store.writer()
        writer.add_file(_file(f"c{number}.py", f"extra_{number}"))
        writer.commit(merge=False)
    writer = store.writer()
    writer.remove_file("a.py")
    writer.replace_record(FileRecord("b.py", 11, 2, "digest-b.py", "python", 1))
    writer.commit(merge=False)
    assert len(store.segment_sizes()) == 5
    assert store.merge_small_segments() == 5
    assert len(store.segment_sizes()) == 1
    store.close()

    reopened = storage.Store.open(tmp_path, create=False)
    assert sorted(reopened.file_records()) == ["b.py", "c0.py", "c1.py", "c2.py"]
    assert reopened.file_records()["b.py"].size == 11
    assert _names(reopened, "parse") == ["parse_args"]  # a.py's symbols went with it
    assert _names(reopened, "extra*") == ["extra_0", "extra_1", "extra_2"]
    reopened.close()


def _with_blob(path: str, words: bytes, outline: bytes) -> IndexedFile:
    entry = _file(path, "f")
    return IndexedFile(entry.record, entry.symbols, words + b"\n" + outline)


def test_files_using_finds_whole_words_in_every_segment_and_returns_outlines(
    tmp_path: Path,
) -> None:
    store = storage.Store.open(tmp_path)
    files = [
        _with_blob("a.py", b" load save ", b'[[1,0,0,0,"load",""]]'),
        _with_blob("b.py", b" loader ", b'[[1,0,0,0,"x",""]]'),
        _with_blob("c.py", b" other ", b'[[1,0,0,0,"load",""]]'),  # only its outline
        _with_blob("d.py", b" save load ", b""),
    ]
    for entry in files:  # a segment each
        writer = store.writer()
        writer.add_file(entry)
        writer.commit(merge=False)
    assert len(store.segment_sizes()) == 4

    def using(name: str) -> list[tuple[str, bytes]]:
        return [(record.path, outline) for record, outline in store.files_using(name)]

    assert using("load") == [("a.py", b'[[1,0,0,0,"load",""]]'), ("d.py", b"")]
    assert using("save") == [("a.py", b'[[1,0,0,0,"load",""]]'), ("d.py", b"")]
    assert using("loader") == [("b.py", b'[[1,0,0,0,"x",""]]')]
    assert using("lo") == using("x") == []
    writer = store.writer()
    writer.remove_file("a.py")
    writer.commit(merge=False)
    assert using("load") == [("d.py", b"")]
    assert store.merge_small_segments() > 1
    assert using("load") == [("d.py", b"")]
    assert using("loader") == [("b.py", b'[[1,0,0,0,"x",""]]')]
    store.close()


def test_workers_segments_publish_with_the_writers_changes(tmp_path: Path) -> None:
    store = storage.Store.open(tmp_path)
    writer = store.writer()
    writer.add_file(_file("old.py", "stale"))
    writer.commit()
    writer = store.writer()  # first: workers build under the lock it holds
    writer.remove_file("old.py")
    builders = [store.segment_builder() for _ in range(2)]
    builders[0].add_file(_file("w0.py", "from_worker_zero"))
    builders[1].add_file(_file("w1.py", "from_worker_one"))
    writer.commit(segments=[builder.finish() for builder in builders])
    assert sorted(store.file_records()) == ["w0.py", "w1.py"]
    assert _names(store, "from_worker*") == ["from_worker_one", "from_worker_zero"]
    store.close()


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    store = storage.Store.open(tmp_path)
    holder = store.writer()
    with pytest.raises(storage.IndexBusy):
        storage.Store.open(tmp_path).writer(timeout=0)
    holder.cancel()
    storage.Store.open(tmp_path).writer(timeout=0).cancel()
    store.close()


def test_an_index_of_another_format_is_refused_with_advice(tmp_path: Path) -> None:
    storage.Store.open(tmp_path).close()
    marker = tmp_path / ".code-index" / "code-index.json"
    marker.write_text('{"format": "code-index", "version": 1}', encoding="utf-8")
    with pytest.raises(storage.OtherVersion, match="--rebuild"):
        storage.Store.open(tmp_path)


def test_a_garbled_marker_is_damage_not_another_version(tmp_path: Path) -> None:
    # Commands rebuild an index of another version by themselves (an upgrade); a marker
    # overwritten with something else is damage, reported like damaged segments.
    storage.Store.open(tmp_path).close()
    marker = tmp_path / ".code-index" / "code-index.json"
    for garbled in ("{\n", "[]", '{"format": "other", "version": 1}', ""):
        marker.write_text(garbled, encoding="utf-8")
        with pytest.raises(storage.IndexError_, match="marker is garbled.*--rebuild") as raised:
            storage.Store.open(tmp_path)
        assert not isinstance(raised.value, storage.OtherVersion), garbled
