"""Reading one commit: file records, a file's symbols, search, clone units, words.

Every answer is in our models (FileRecord, Symbol, Ranked). Caches live as long as the
searcher they were read from: a commit brings a new searcher, and they are read again.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from mmap import mmap
from typing import Any

from codeindex.storage import _light_imports  # noqa: F401  (before whoosh: see the module)

# isort: split
from whoosh import query
from whoosh.searching import Searcher

from codeindex.identifiers import name_key
from codeindex.models import FileRecord, Symbol
from codeindex.query import Clause, SearchQuery
from codeindex.storage.codec import (
    decode_record,
    is_symbol_record,
    stored_symbol_path,
    symbol_from_fields,
    symbol_from_stored,
)
from codeindex.storage.mapped import MappedFile
from codeindex.storage.paths import path_matcher
from codeindex.storage.search import SymbolSearch, postings_docs
from codeindex.storage.text import Ranked
from codeindex.storage.vocabulary import Vocabularies

SCOPED_RECORDS_MAX = 256  # past this many paths, reading every record is cheaper


class Values:
    """The byte columns of one searcher's segments, decoded on read."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._readers: dict[str, Callable[[int], bytes]] = {}

    def _text(self, name: str, docnum: int) -> str:
        read = self._readers.get(name)
        if read is None:
            reader = self.searcher.reader().column_reader(name, translate=False)
            read = self._readers[name] = reader.__getitem__
        return decode_record(read(docnum))

    def data(self, docnum: int) -> str:
        return self._text("data", docnum)

    def clone(self, docnum: int) -> str:
        return self._text("clone", docnum)


def _scoped_file_records(searcher: Searcher, scope: list[str]) -> dict[str, FileRecord]:
    """The records of the files at or below the `scope` paths: the documents of those paths
    (block postings reads, storage.search.postings_docs), decoded at once, records kept."""
    docs: set[int] = set()
    for path in scope:
        docs |= postings_docs(searcher, "path", path, False)
        docs |= postings_docs(searcher, "path", path + "/", True)
    records = _decoded(searcher, sorted(docs))
    return {fields[0]: FileRecord(*fields) for fields in records if not is_symbol_record(fields)}


def _decoded(searcher: Searcher, docnums: list[int]) -> list[list[Any]]:
    """The records (storage.codec) of `docnums`, parsed by one json.loads."""
    values = [value for value in column_values(searcher, "data", docnums) if len(value)]
    text = b",".join(values).decode("utf-8", "surrogatepass")
    return json.loads(f"[{text}]")  # type: ignore[no-any-return]


def _all_file_records(searcher: Searcher) -> dict[str, FileRecord]:
    """Every file record, decoded in one go: the records' bytes are joined into one JSON
    array and parsed by one json.loads. A CLI command reads them all to check freshness
    before it answers; one column read and one decode per record cost most of that on a big
    tree."""
    docnums = sorted(postings_docs(searcher, "record", "file", False))
    return {fields[0]: FileRecord(*fields) for fields in _decoded(searcher, docnums)}


def column_values(searcher: Searcher, name: str, docnums: list[int]) -> list[bytes | memoryview]:
    """The byte column `name` of the sorted `docnums`. Where the segment is mapped
    (storage.mapped), each value is a view of the map: nothing is copied until the caller
    joins them."""
    values: list[bytes | memoryview] = []
    position = 0
    for reader, base in searcher.reader().leaf_readers():
        end = base + reader.doc_count_all()
        start = position
        while position < len(docnums) and docnums[position] < end:
            position += 1
        local = [docnum - base for docnum in docnums[start:position]]
        if not local:
            continue
        column = reader.column_reader(name, translate=False)
        offsets, lengths = getattr(column, "_offsets", None), getattr(column, "_lengths", None)
        data = getattr(column, "_dbfile", None)
        if offsets is None or lengths is None or not isinstance(data, MappedFile):
            values.extend(column[docnum] for docnum in local)
            continue
        view, first = data.view, column._basepos
        for docnum in local:
            at = first + offsets[docnum]
            values.append(view[at : at + lengths[docnum]])
    return values


class Reader:
    """Queries on the latest commit; `searcher()` says which one that is."""

    def __init__(self, searcher: Callable[[], Searcher]) -> None:
        self.searcher = searcher
        self._symbol_search: SymbolSearch | None = None
        self._vocabularies = Vocabularies()
        self._all_records: tuple[Searcher, dict[str, FileRecord]] | None = None
        self._values: Values | None = None
        self._words: tuple[Searcher, list[_WordColumn]] | None = None  # files_using

    def values(self, searcher: Searcher) -> Values:
        """Column readers on `searcher`, opened once per commit."""
        values = self._values
        if values is None or values.searcher is not searcher:
            values = self._values = Values(searcher)
        return values

    def file_records(self, under: Iterable[str] | None = None) -> dict[str, FileRecord]:
        """Every file's record, or only those at or below the root-relative `under` paths
        (a superset when there are many)."""
        searcher = self.searcher()
        scope = None if under is None else list(under)
        if scope is not None and "" not in scope and len(scope) <= SCOPED_RECORDS_MAX:
            return _scoped_file_records(searcher, scope)
        # Outline, status and path filters ask for every record on each call; records only
        # change with a commit, which brings a new searcher.
        if self._all_records is None or self._all_records[0] is not searcher:
            self._all_records = (searcher, _all_file_records(searcher))
        return dict(self._all_records[1])

    def files_using(self, name: str) -> list[tuple[FileRecord, bytes]]:
        """The records and outlines of the files whose words hold `name` (codeindex.refs.blob:
        a file's words are its `refs` column, its outline the `outline` column). Each
        segment's `refs` values lie end to end in its mapped file, so one `find` per hit runs
        over them in place (C speed, nothing read or copied first); only the hits' outlines
        and records are read."""
        searcher = self.searcher()
        words = self._words
        if words is None or words[0] is not searcher:
            words = self._words = (searcher, _word_columns(searcher))
        needle = b" " + name.encode("utf-8") + b" "
        docnums: list[int] = []
        for column in words[1]:
            column.scan(needle, docnums)
        # Segments come in document order, and hits in each: docnums are sorted.
        records = _decoded(searcher, docnums)
        outlines = column_values(searcher, "outline", docnums)
        return [
            (FileRecord(*fields), bytes(outline))
            for fields, outline in zip(records, outlines, strict=True)
        ]

    def symbols_in(self, path: str) -> list[Symbol]:
        searcher = self.searcher()
        docnums = sorted(postings_docs(searcher, "path", path, False))
        found = [
            symbol_from_fields(fields)
            for fields in _decoded(searcher, docnums)
            if is_symbol_record(fields)
        ]
        found.sort(key=lambda s: (s.start_line, s.line))
        return found

    def search(self, parsed: SearchQuery, limit: int) -> tuple[int, list[Ranked]]:
        """Ranked symbols for a parsed query, and how many matched in all."""
        engine = self._engine()
        if engine is None:
            return 0, []
        allowed_paths: list[list[str] | None] = []
        for alternative in parsed.alternatives:
            if alternative.paths:
                # A file must match a glob of every group: the options' and the inline ones.
                groups = [path_matcher(group) for group in alternative.paths]
                allowed_paths.append(
                    [path for path in self.file_records() if all(m(path) for m in groups)]
                )
            else:
                allowed_paths.append(None)
        data = self.values(engine.searcher).data
        return engine.run(
            parsed, limit, allowed_paths, lambda docnum: symbol_from_stored(data(docnum))
        )

    def closest_names(self, words: list[str], count: int) -> list[str]:
        """Up to `count` indexed names nearest to any of `words`, spelled as one of their
        definitions is (the vocabulary is case-folded: `parsegraphqlrequest` could not be
        pasted back). A word itself is no suggestion: filters left it out."""
        engine = self._engine()
        if engine is None:
            return []
        keys = {name_key(word).strip("*?^$") for word in words} - {""}
        scored: dict[str, float] = {}
        for key in keys:
            for name, score in engine.closest_names(key, count + 1):
                if name not in keys:
                    scored[name] = max(score, scored.get(name, 0.0))
        data = self.values(engine.searcher).data
        return [
            symbol_from_stored(data(min(engine.clause_docs(Clause("name", "term", name))))).name
            for name in sorted(scored, key=lambda name: -scored[name])[:count]
        ]

    def _engine(self) -> SymbolSearch | None:
        """The query engine on the latest commit; None when the index holds nothing."""
        searcher = self.searcher()
        if searcher.doc_count() == 0:
            return None
        engine = self._symbol_search
        if engine is None or engine.searcher is not searcher:
            data = self.values(searcher).data
            engine = self._symbol_search = SymbolSearch(
                searcher, self._vocabularies, lambda docnum: stored_symbol_path(data(docnum), 0)
            )
        return engine

    def doc_count(self) -> int:
        return int(self.searcher().doc_count())

    def clone_units(
        self, languages: Iterable[str] = (), marker: str = "u", paths: Iterable[str] = ()
    ) -> Iterator[tuple[str, str]]:
        """(data, payload) of the fingerprinted units carrying `marker` (every unit by
        default), optionally of some languages or files only. `data` is the symbol as
        stored: storage.codec's symbol_from_stored decodes it when needed."""
        searcher = self.searcher()
        wanted = query.Term("fp", marker)
        names = list(languages)
        if names:
            wanted = query.And(
                [wanted, query.Or([query.Term("facet", f"l:{name}") for name in names])]
            )
        files = list(paths)
        if files:
            wanted = query.And([wanted, query.Or([query.Term("path", p) for p in files])])
        values = self.values(searcher)
        data, clone = values.data, values.clone
        for docnum in sorted(searcher.docs_for_query(wanted)):
            yield data(docnum), clone(docnum)


class _WordColumn:
    """One segment's `refs` column (each file's words), searched in place for `files_using`."""

    def __init__(self, reader: Any, base: int) -> None:
        self.base = base
        self.deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
        column = reader.column_reader("refs", translate=False)
        offsets, lengths = getattr(column, "_offsets", None), getattr(column, "_lengths", None)
        data = getattr(column, "_dbfile", None)
        self.mapped: tuple[mmap, int, int, Any] | None = None
        self.values: list[bytes] = []
        if isinstance(data, MappedFile) and offsets is not None and lengths is not None:
            origin = data.start + column._basepos
            end = origin + (offsets[-1] + lengths[-1] if len(offsets) else 0)
            self.mapped = (data.source, origin, end, offsets)
        else:  # not a mapped segment: the values one by one
            self.values = [column[docnum] for docnum in range(reader.doc_count_all())]

    def scan(self, needle: bytes, docnums: list[int]) -> None:
        """Append the documents whose words hold `needle`."""
        found: Iterable[int]
        if self.mapped is None:
            found = (local for local, words in enumerate(self.values) if needle in words)
        else:
            found = self._found(needle, *self.mapped)
        docnums.extend(self.base + local for local in found if local not in self.deleted)

    @staticmethod
    def _found(needle: bytes, source: mmap, origin: int, end: int, offsets: Any) -> Iterator[int]:
        # The values lie end to end and each starts and ends with a space, so a hit lies in
        # one value; the next find starts after it (a word is once in a file's words).
        at = source.find(needle, origin, end)
        while at >= 0:
            local = bisect_right(offsets, at - origin) - 1
            yield local
            following = local + 1
            at = (
                source.find(needle, origin + offsets[following], end)
                if following < len(offsets)
                else -1
            )


def _word_columns(searcher: Searcher) -> list[_WordColumn]:
    # An index with no documents yet has an empty reader with no columns at all.
    return [
        _WordColumn(reader, base)
        for reader, base in searcher.reader().leaf_readers()
        if reader.has_column("refs")
    ]
