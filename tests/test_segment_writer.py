"""The bulk segment writer must write exactly the postings and term table Whoosh writes."""

from __future__ import annotations

from pathlib import Path

from whoosh import query
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from codeindex.storage.schema import schema
from codeindex.storage.segment_writer import BulkSegmentWriter, Document, codec


def _documents() -> list[Document]:
    """Enough documents that common terms span several 128-posting blocks."""
    documents = []
    for number in range(700):
        name = f"name{number % 250}"
        terms = {
            "path": [f"src/file{number // 40}.py"],
            "name": [name],
            "parts": ["name", f"n{number % 7}", "name"],  # a repeated token counts once
            "facet": [f"k:{'function' if number % 3 else 'class'}", "l:python"],
        }
        columns: dict[str, object] = {"data": name.encode(), "nlen": len(name)}
        if number % 5 == 0:
            terms["fp"] = ["u", "s"] if number % 10 == 0 else ["u"]
            columns["clone"] = f"payload {number}".encode()
        documents.append(Document(terms, columns))
    return documents


def _segment_files(directory: Path, writer_kind: str) -> dict[str, bytes]:
    ix = FileStorage(str(directory)).create().create_index(schema(), "symbols")
    documents = _documents()
    if writer_kind == "bulk":
        writer = BulkSegmentWriter(ix, compound=False)
        for document in documents:
            writer.add(document)
    else:
        writer = SegmentWriter(ix, codec=codec(), compound=False)
        for document in documents:
            fields = {name: " ".join(tokens) for name, tokens in document.terms.items()}
            writer.add_document(**fields, **document.columns)
    writer.commit()
    found = {}
    for path in directory.iterdir():
        if path.suffix in (".pst", ".trm"):
            found[path.suffix] = path.read_bytes()
    return found


def test_postings_and_terms_are_byte_identical_to_whoosh(tmp_path: Path) -> None:
    ours = _segment_files(tmp_path / "bulk", "bulk")
    whoosh = _segment_files(tmp_path / "whoosh", "whoosh")
    assert set(ours) == {".pst", ".trm"}
    assert ours == whoosh


def test_written_segment_answers_queries(tmp_path: Path) -> None:
    ix = FileStorage(str(tmp_path)).create().create_index(schema(), "symbols")
    writer = BulkSegmentWriter(ix)
    for document in _documents():
        writer.add(document)
    writer.commit()
    with ix.searcher() as searcher:
        assert len(list(searcher.docs_for_query(query.Term("parts", "n3")))) == 100
        classes = set(searcher.docs_for_query(query.Term("facet", "k:class")))
        assert classes == set(range(0, 700, 3))
        data = searcher.reader().column_reader("data", translate=False)
        clone = searcher.reader().column_reader("clone", translate=False)
        assert [data[number] for number in (0, 251, 699)] == [b"name0", b"name1", b"name199"]
        assert [clone[number] for number in (0, 1, 695, 699)] == [
            b"payload 0",
            b"",
            b"payload 695",
            b"",
        ]


def test_merging_keeps_every_value(tmp_path: Path) -> None:
    """Whoosh merges small segments by feeding their documents through `add_reader`, after
    the writer's own documents."""
    ix = FileStorage(str(tmp_path)).create().create_index(schema(), "symbols")
    documents = _documents()
    for part in (documents[:300], documents[300:]):
        writer = BulkSegmentWriter(ix)
        for document in part:
            writer.add(document)
        writer.commit(merge=False)
    writer = BulkSegmentWriter(ix)
    writer.add(Document({"name": ["extra"]}, {"data": b"extra"}))
    writer.commit(optimize=True)
    with ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 1
        data = searcher.reader().column_reader("data", translate=False)
        clone = searcher.reader().column_reader("clone", translate=False)
        values = {data[docnum] for docnum in range(searcher.doc_count_all())}
        assert values == {d.columns["data"] for d in documents} | {b"extra"}
        payloads = {clone[docnum] for docnum in range(searcher.doc_count_all())}
        assert payloads == {d.columns.get("clone", b"") for d in documents}
        assert len(list(searcher.docs_for_query(query.Term("parts", "n3")))) == 100
        for docnum in searcher.docs_for_query(query.Term("name", "name5")):
            assert data[docnum] == b"name5"
            assert clone[docnum].startswith(b"payload ")
