import os
import time
from pathlib import Path

import pytest

from codeindex import storage
from codeindex.api import CodeIndex
from codeindex.indexer import Indexer


def names(code_index: CodeIndex, query: str) -> set[str]:
    result = code_index.search(query, limit=1000)
    return {hit.symbol.qualified_name for hit in result.hits}


def all_symbols(code_index: CodeIndex) -> set[tuple[str, str, int]]:
    return {(s.path, s.qualified_name, s.line) for s in code_index.export_symbols()}


def bump_mtime(path: Path) -> None:
    later = time.time_ns() + 5_000_000_000
    os.utime(path, ns=(later, later))


def test_incremental_modify_add_delete_rename(indexed) -> None:
    code_index = indexed(
        {
            "a.py": "def alpha(): pass\n",
            "b.py": "def beta(): pass\n",
            "c.py": "def gamma(): pass\n",
        }
    )
    root = code_index.root
    assert {q for _, q, _ in all_symbols(code_index)} == {"alpha", "beta", "gamma"}

    (root / "a.py").write_text("def alpha2(): pass\n")
    bump_mtime(root / "a.py")
    (root / "d.py").write_text("class Delta:\n    def run(self): pass\n")
    (root / "b.py").unlink()
    (root / "c.py").rename(root / "c2.py")
    report = code_index.refresh()
    assert report is not None
    assert report.indexed == 3  # a.py, d.py, c2.py
    assert report.removed == 2  # b.py, c.py
    assert all_symbols(code_index) == {
        ("a.py", "alpha2", 1),
        ("d.py", "Delta", 1),
        ("d.py", "Delta.run", 2),
        ("c2.py", "gamma", 1),
    }


def test_second_refresh_reparses_nothing_and_touch_keeps_symbols(indexed) -> None:
    code_index = indexed({"a.py": "def alpha(): pass\n"})
    report = code_index.refresh()
    assert report is not None and not report.changed
    bump_mtime(code_index.root / "a.py")  # touched, same content
    report = code_index.refresh()
    assert report is not None and report.indexed == 0
    assert all_symbols(code_index) == {("a.py", "alpha", 1)}
    # The new mtime was recorded: the next refresh does not even read the file.
    assert code_index._store.file_records()["a.py"].mtime_ns == (
        (code_index.root / "a.py").stat().st_mtime_ns
    )


def test_parallel_build_equals_serial_build(project, tmp_path: Path) -> None:
    files = {
        f"pkg{i % 7}/mod{i}.py": f"class C{i}:\n    def m{i}(self): pass\n\ndef f{i}(): pass\n"
        for i in range(120)
    }
    root = project(files)
    serial_store = storage.Store.open(root)
    Indexer(root, serial_store, workers=1).refresh()
    serial = {(p, r.symbols) for p, r in serial_store.file_records().items()}
    serial_store.close()
    parallel_store = storage.Store.recreate(root)
    Indexer(root, parallel_store, workers=2).refresh()
    parallel = {(p, r.symbols) for p, r in parallel_store.file_records().items()}
    assert serial == parallel
    assert sum(n for _, n in parallel) == 360
    code_index = CodeIndex(root, parallel_store, 1 << 20)
    assert [h.symbol.qualified_name for h in code_index.search("m77").hits] == ["C77.m77"]


def test_fingerprints_do_not_depend_on_batches_or_workers(project, monkeypatch) -> None:
    """Files are fingerprinted a batch at a time (encode.encode_files lays them end to end);
    whatever the batches and the workers' shares, every payload is the one the file gets
    alone. Bad files sit between the good ones, as they do in a real tree."""
    from codeindex import file_reading

    body = "\n".join(f"    total{k} = values[{k}] * scale + offset" for k in range(4))
    files: dict[str, str | bytes] = {
        f"pkg{i % 5}/mod{i}.py": (
            f"def combine{i}(values, scale, offset):\n{body}\n"
            f"    return total0 + total1 - total2 * total3 + {i}\n\n"
            f"def tiny{i}(): pass\n"
        )
        for i in range(60)
    }
    files.update({"bin.py": b"\x00\x01def x(): pass\n", "min.ts": "var a=1;" * 2000})

    def payloads(root: Path, workers: int) -> dict[str, str]:
        index_store = storage.Store.recreate(root)
        Indexer(root, index_store, workers=workers).refresh()
        found = dict(index_store.clone_units())
        index_store.close()
        return found

    root = project(files)
    monkeypatch.setattr(file_reading, "FINGERPRINT_BATCH_BYTES", 1)  # a batch per file
    alone = payloads(root, workers=1)
    monkeypatch.setattr(file_reading, "FINGERPRINT_BATCH_BYTES", 1500)  # a few files per batch
    assert payloads(root, workers=2) == alone
    assert len(alone) == 60  # the `combine` functions; `tiny` is below the minimum size


def test_bad_files_are_skipped_with_reasons_and_index_stays_usable(indexed) -> None:
    code_index = indexed(
        {
            "ok.py": "def fine(): pass\n",
            "binary.py": b"\x00\x01\x02def x(): pass\n",
            "minified.ts": "var a=1;" * 2000,
            "latin1.py": b"# caf\xe9\ndef caf\xc3\xa9_ok(): pass\ndef after(): pass\n",
            "broken.py": "def good(): pass\ndef bad(:\n    pass\ndef also_good(): pass\n",
        }
    )
    status = code_index.status()
    assert status["skipped"] == {"binary": 1, "minified": 1}
    found = {name for _, name, _ in all_symbols(code_index)}
    # tree-sitter recovers the broken `bad` definition too; every recovered symbol counts.
    assert found == {"good", "bad", "also_good", "after", "café_ok", "fine"}


def test_too_large_files_are_recorded_and_come_back_when_the_limit_rises(project) -> None:
    root = project({"big.py": "def big(): pass\n" + "x = 1\n" * 200, "small.py": "def s(): pass\n"})
    code_index = CodeIndex.open(root, max_file_size=200)
    code_index.refresh()
    assert code_index.status()["skipped"] == {"too large": 1}
    code_index.close()
    code_index = CodeIndex.open(root, max_file_size=1 << 20)
    code_index.refresh()
    assert code_index.status()["skipped"] == {}
    assert "big" in names(code_index, "big")


def test_vanished_file_between_walk_and_read(indexed) -> None:
    code_index = indexed({"a.py": "def a(): pass\n"})
    from codeindex.file_reading import read_files
    from codeindex.walker import Candidate

    [outcome] = read_files(code_index.root, [Candidate("gone.py", 10, 1)])
    assert outcome.record.skipped == "vanished"


def test_corrupt_index_gives_rebuild_hint_and_rebuild_recovers(indexed) -> None:
    code_index = indexed({"a.py": "def alpha(): pass\n"})
    root = code_index.root
    code_index.close()
    for toc in (root / ".code-index").glob("*.toc"):
        toc.write_bytes(b"garbage")
    with pytest.raises(storage.IndexError_, match="--rebuild"):
        CodeIndex.open(root)
    rebuilt = CodeIndex.open(root, rebuild=True)
    rebuilt.refresh()
    assert names(rebuilt, "alpha") == {"alpha"}
    rebuilt.close()


def test_foreign_index_directory_is_refused(project) -> None:
    root = project({"a.py": "", ".code-index/something.txt": "not ours"})
    for rebuild in (False, True):  # never replaced: not even by --rebuild
        with pytest.raises(storage.ForeignIndex, match="no code-index marker"):
            CodeIndex.open(root, rebuild=rebuild)
    assert (root / ".code-index/something.txt").read_text() == "not ours"


def test_a_worker_killed_outright_fails_the_build_without_hanging(project, monkeypatch) -> None:
    import signal

    from codeindex import file_reading

    files = {f"m{i}.py": f"def f{i}(): pass\n" for i in range(60)}
    root = project(files)

    def crash(root_arg, candidates, limit):  # runs in the forked worker
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(file_reading, "read_files", crash)  # the worker imports it
    index_store = storage.Store.open(root)
    with pytest.raises(RuntimeError, match="died without reporting"):
        Indexer(root, index_store, workers=2).refresh()
    index_store.close()
    # The failed build committed nothing and left the index usable.
    monkeypatch.undo()
    code_index = CodeIndex.open(root)
    code_index.refresh()
    assert len(list(code_index.export_symbols())) == 60


def _counting_record_reads(code_index: CodeIndex, monkeypatch) -> list[object]:  # type: ignore[no-untyped-def]
    reads: list[object] = []
    store = code_index._store
    real = store.file_records

    def file_records(under=None):  # type: ignore[no-untyped-def]
        reads.append(under)
        return real(under)

    monkeypatch.setattr(store, "file_records", file_records)
    return reads


def test_a_walk_a_refresh_found_nothing_in_is_not_compared_again(indexed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code_index = indexed({"a.py": "def alpha(): pass\n", "pkg/b.py": "def beta(): pass\n"})
    assert not code_index.refresh().changed  # finds nothing: notes the walk and the commit
    reads = _counting_record_reads(code_index, monkeypatch)
    assert not code_index.refresh().changed
    assert reads == []  # the same walk on the same commit: no record read
    (code_index.root / "pkg/b.py").write_text("def beta2(): pass\n")
    bump_mtime(code_index.root / "pkg/b.py")
    assert code_index.refresh().indexed == 1
    assert names(code_index, "beta2") == {"beta2"}


def test_a_commit_since_the_walk_was_noted_is_compared_again(indexed) -> None:  # type: ignore[no-untyped-def]
    code_index = indexed({"a.py": "def alpha(): pass\n", "b.py": "def beta(): pass\n"})
    assert not code_index.refresh().changed
    # The disk is as it was, but the index lost a file: only the commit says so.
    writer = code_index._store.writer()
    writer.remove_file("b.py")
    writer.commit()
    assert code_index.refresh().indexed == 1
    assert names(code_index, "beta") == {"beta"}
