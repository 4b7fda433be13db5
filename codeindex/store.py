"""The Whoosh index on disk: schema, opening, reading records, and the writer lock.

One document per symbol plus one per file (its staleness record). Every document of a file
carries the file's `path` term, so replacing or dropping a file is one delete_by_term.
Symbol data lives in one byte column (a JSON array: the record codec), not in Whoosh's
stored fields: those are pickled and zlib'd one document at a time, which cost more than
all our postings.
Documents are written by codeindex.segment_writer; queries run in codeindex.symbol_search.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from codeindex import _light_imports  # noqa: F401  (before whoosh: see the module)

# isort: split
from whoosh import fields, formats, index, query
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher
from whoosh.writing import LockError

from codeindex import index_dir
from codeindex.classify import CLASSES, classify
from codeindex.identifiers import name_key, subwords
from codeindex.index_dir import INDEX_DIR, NotOurs
from codeindex.models import FileRecord, Symbol
from codeindex.query import SearchQuery
from codeindex.segment_writer import BulkSegmentWriter, Document
from codeindex.symbol_search import SymbolSearch, Vocabularies
from codeindex.text_search import Ranked, path_terms, symbol_text_terms

INDEX_NAME = "symbols"
FORMAT_VERSION = "15"  # 2: clone fingerprints and payloads; 3: values in columns; 4: unit sizes;
# 5: token codes hashed by clones.encode; 6: scan marker on units down to the partner size;
# 7: Python's units normalised from tokens (clones.lexical); 8: files as `module` symbols,
# module-level constants and variables; 9: doc/sig/place words, path class facets;
# 10: each file's identifiers (`refs`, codeindex.refs)
# 11: path class column (pclass); 12: no clone unit without a body;
# 13: records as JSON arrays (content cannot break them)
# 14: path words on file records
# 15: each file's words as one column value (`refs`, codeindex.refs)
MARKER_FILE = "code-index.json"
WRITER_TIMEOUT = 2.0  # seconds a reader's refresh waits for another writer before answering
_T = TypeVar("_T")


class IndexError_(Exception):
    """The index on disk cannot be used; the message says what to do."""


class IndexBusy(Exception):
    """Another process holds the writer lock."""


class OtherVersion(IndexError_):
    """`.code-index` is ours, in another format version: a cache to rebuild, not damage."""


class ForeignIndex(IndexError_):
    """`.code-index` is not ours (no marker, a file, a symlink, unreadable): never touched,
    not even by `--rebuild`."""


REBUILD_LOCK = "REBUILDING"  # held by a rebuild, in the index it is replacing


def _terms_field() -> fields.KEYWORD:
    """A space-separated bag of terms that records only presence: no frequencies, no lengths."""
    terms = fields.KEYWORD(scorable=False)
    terms.format = formats.Existence()
    return terms


NAME_LENGTH = NumericColumn("H", default=0)
PATH_CLASS = NumericColumn("B", default=0)  # position in classify.CLASSES; 0: library
INDEXED_FIELDS = ("path", "record", "name", "parts", "facet", "fp", "doc", "sig", "place")


def _bytes_column() -> fields.COLUMN:
    # Offsets written at any size: without them each reader rebuilds them in Python.
    return fields.COLUMN(VarBytesColumn(write_offsets_cutoff=0))


def _schema() -> fields.Schema:
    return fields.Schema(
        path=fields.ID(),
        record=fields.ID(),  # "file" on file records; absent on symbols
        name=fields.ID(),  # the case-folded name
        parts=_terms_field(),  # its sub-words
        facet=_terms_field(),  # "k:<kind>", "l:<language>", "c:<class>" (not for library)
        doc=_terms_field(),  # stemmed words of the doc's first paragraph (text_search)
        sig=_terms_field(),  # stemmed words of the signature
        place=_terms_field(),  # stemmed words of the file's path
        fp=_terms_field(),  # clone fingerprints, owned by codeindex.clones
        refs=_bytes_column(),  # on file records: the file's words (codeindex.refs.words)
        nlen=fields.COLUMN(NAME_LENGTH),  # tie-break: shorter names rank first
        pclass=fields.COLUMN(PATH_CLASS),  # library code ranks before tests (classify)
        data=_bytes_column(),  # the symbol or file record (record codec below)
        clone=_bytes_column(),  # clone payload (codeindex.clones.fingerprints)
    )


def symbol_document(symbol: Symbol, fingerprints: Iterable[str] = (), clone: str = "") -> Document:
    facets = [f"k:{symbol.kind}", f"l:{symbol.language}"]
    path_class = classify(symbol.path)
    if path_class != "library":
        facets.append(f"c:{path_class}")
    terms = {
        "path": [symbol.path],
        "name": [name_key(symbol.name)],
        "parts": subwords(symbol.name),
        "facet": facets,
        **symbol_text_terms(symbol),
    }
    fingerprint_terms = list(fingerprints)
    if fingerprint_terms:
        terms["fp"] = fingerprint_terms
    columns: dict[str, object] = {
        "data": _record_bytes(symbol_to_stored(symbol)),
        # A file ranks after definitions that match as well (see symbol_search.tie_break).
        "pclass": CLASSES.index(path_class),
        "nlen": min(len(symbol.name) + (1024 if symbol.kind == "module" else 0), 65535),
    }
    if clone:
        columns["clone"] = clone.encode("utf-8")
    return Document(terms=terms, columns=columns)


def file_document(record: FileRecord, words: bytes = b"") -> Document:
    data = _dumps(
        [
            record.path,
            record.size,
            record.mtime_ns,
            record.digest,
            record.language,
            record.symbols,
            record.skipped,
        ]
    )
    terms = {"path": [record.path], "record": ["file"]}
    if not record.skipped:
        # Once per file rather than on each symbol: 60 % of the text-tier postings otherwise.
        terms["place"] = path_terms(record.path)
    columns: dict[str, object] = {"data": _record_bytes(data)}
    if words:
        columns["refs"] = words
    return Document(terms=terms, columns=columns)


# -- record codec ------------------------------------------------------------------------
# A record is a JSON array: strings are quoted and every control character escaped, so no
# content (a 0x1f in a docstring, a newline in a file name) can be mistaken for structure.
# Any Python string round-trips: the UTF-8 is written and read with surrogatepass (lone
# surrogates, e.g. from surrogateescape-decoded names, are kept as they are).
SYMBOL_FIELDS = 10


def _dumps(fields: list[object]) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def _record_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def decode_record(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def symbol_to_stored(symbol: Symbol) -> str:
    return _dumps(
        [
            symbol.name,
            symbol.qualified_name,
            symbol.kind,
            symbol.language,
            symbol.path,
            symbol.line,
            symbol.end_line,
            symbol.signature,
            symbol.doc,
            symbol.start_line,
        ]
    )


def stored_symbol_path(data: str, field: int = 4) -> str:
    """The path of a stored symbol (of a file record: field 0)."""
    return json.loads(data)[field]  # type: ignore[no-any-return]


def is_symbol_record(fields: list[object]) -> bool:
    return len(fields) == SYMBOL_FIELDS


def symbol_from_stored(data: str) -> Symbol:
    return symbol_from_fields(json.loads(data))


def symbol_from_fields(fields: list) -> Symbol:  # type: ignore[type-arg]
    name, qualified, kind, language, path, line, end_line, signature, doc, start = fields
    return Symbol(
        name=name,
        qualified_name=qualified,
        kind=kind,
        language=language,
        path=path,
        line=line,
        end_line=end_line,
        signature=signature,
        doc=doc,
        start_line=start,
    )


def file_from_stored(data: str) -> FileRecord:
    path, size, mtime_ns, digest, language, symbols, skipped = json.loads(data)
    return FileRecord(
        path=path,
        size=size,
        mtime_ns=mtime_ns,
        digest=digest,
        language=language,
        symbols=symbols,
        skipped=skipped,
    )


@dataclass
class Store:
    """An open index. Readers refresh themselves when another process commits."""

    root: Path
    ix: index.FileIndex
    index_directory: Path | None = None  # a side directory while a rebuild builds there
    _searcher: Searcher | None = None
    _generation: tuple[int, int] = (-1, -1)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _symbol_search: SymbolSearch | None = None
    _vocabularies: Vocabularies = field(default_factory=Vocabularies)
    _all_records: tuple[Searcher, dict[str, FileRecord]] | None = None
    _values: _Values | None = None
    _words: tuple[Searcher, list[tuple[int, bytes]]] | None = None  # files_using

    @property
    def directory(self) -> Path:
        return self.index_directory or self.root / INDEX_DIR

    # -- opening (the directory as a whole: codeindex.index_dir) ---------------------------

    @classmethod
    def open(cls, root: Path, create: bool = True, directory: Path | None = None) -> Store:
        """The index of `root` (or the one being built in `directory`). Raises ForeignIndex
        for a `.code-index` that is not ours, IndexError_ for one of ours that cannot be
        used (another format version, damage): `--rebuild` replaces those."""
        where = directory or root / INDEX_DIR
        try:
            state = index_dir.state_of(where)
        except NotOurs as exc:
            raise ForeignIndex(str(exc)) from None
        if state == "missing":
            if not create:
                raise IndexError_(f"no index in {root}; run `code-index index` first")
            # Built whole beside, then renamed into place: a kill never leaves half an index.
            # FileNotFoundError: a rebuild cleared our side directory, having made the index.
            with contextlib.suppress(FileNotFoundError):
                index_dir.install(cls.create_beside(root).directory, where, replace=False)
            return cls.open(root, create=False)
        marker = index_dir.read_marker(where)
        if marker is None:
            raise IndexError_(
                f"the index in {where} is damaged (its marker cannot be read); "
                "run `code-index index --rebuild`"
            )
        if marker != _marker_text():
            raise OtherVersion(
                f"the index in {where} was made by another version of code-index; "
                "run `code-index index --rebuild`"
            )
        try:
            ix = FileStorage(str(where)).open_index(INDEX_NAME)
            ix.latest_generation()
        except Exception as exc:  # whoosh raises many kinds on damaged files
            raise IndexError_(
                f"the index in {where} is damaged ({type(exc).__name__}); "
                "run `code-index index --rebuild`"
            ) from exc
        return cls(root=root, ix=ix, index_directory=directory)

    @classmethod
    def create_beside(cls, root: Path) -> Store:
        """A new, empty index in a side directory beside `.code-index` (see install)."""
        side = index_dir.new_side_directory(root, _marker_text())
        try:
            ix = FileStorage(str(side)).create_index(_schema(), indexname=INDEX_NAME)
        except BaseException:
            index_dir.remove_ours(side)
            raise
        return cls(root=root, ix=ix, index_directory=side)

    @classmethod
    def recreate(cls, root: Path) -> Store:
        """Replace the root's index (ours, whatever its state) with an empty one, in one
        step; a foreign `.code-index` is refused."""
        try:
            index_dir.state_of(root / INDEX_DIR)
        except NotOurs as exc:
            raise ForeignIndex(str(exc)) from None
        return cls.create_beside(root).install()

    def install(self) -> Store:
        """Swap this side index in for the root's `.code-index` in one step (a kill leaves
        one or the other, whole), remove the old one, and return the index now in place.
        The caller holds the old index's REBUILD_LOCK; the old index's writer lock is held
        here across the swap, so no refresh commits into a directory on its way out."""
        target = self.root / INDEX_DIR
        self.close()
        writer_lock = _writer_lock_of(target)
        try:
            old = index_dir.install(self.directory, target, replace=True)
        finally:
            if writer_lock is not None:
                writer_lock.release()
        if old is not None:
            index_dir.remove_ours(old)
        return Store.open(self.root, create=False)

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    # -- reading -------------------------------------------------------------------------

    def searcher(self) -> Searcher:
        """A searcher on the latest commit. `Searcher.refresh()` in whoosh-reloaded can keep
        serving deleted documents, so open a new one whenever the generation moves. The old
        one is not closed here: another thread may still be reading it; it closes when
        collected (its files stay readable on POSIX even after a merge deletes them)."""
        with self._lock:
            # A rebuild swaps a new directory in under the same name, maybe at the same
            # generation: the directory's identity is part of what must not have moved.
            generation = (os.stat(self.directory).st_ino, self.ix.latest_generation())
            if self._searcher is None or generation != self._generation:
                self._searcher = _despite_vanishing_files(self.ix.searcher, 2, 0.05)
                self._generation = generation
            assert self._searcher is not None
            return self._searcher

    def file_records(self, under: Iterable[str] | None = None) -> dict[str, FileRecord]:
        """Every file's record, or only those at or below the root-relative `under` paths
        (a superset when there are many)."""
        searcher = self.searcher()
        scope = None if under is None else list(under)
        if scope is not None and "" not in scope and len(scope) <= SCOPED_RECORDS_MAX:
            if not scope:
                return {}
            places = [
                place
                for path in scope
                for place in (query.Term("path", path), query.Prefix("path", path + "/"))
            ]
            return self._records(searcher, query.And([_FILE_RECORDS, query.Or(places)]))
        # Outline, status and path filters ask for every record on each call; records only
        # change with a commit, which brings a new searcher.
        if self._all_records is None or self._all_records[0] is not searcher:
            self._all_records = (searcher, self._records(searcher, _FILE_RECORDS))
        return dict(self._all_records[1])

    def files_using(self, name: str) -> list[FileRecord]:
        """Records of the files whose words hold `name` (codeindex.refs). Each file record
        carries its words as one blob; this scans them all with `in` (C speed), and keeps
        them for the life of the searcher."""
        searcher = self.searcher()
        words = self._words
        if words is None or words[0] is not searcher:
            read = searcher.reader().column_reader("refs", translate=False)
            blobs = [(docnum, read[docnum]) for docnum in searcher.docs_for_query(_FILE_RECORDS)]
            words = self._words = (searcher, blobs)
        needle = b" " + name.encode("utf-8") + b" "
        data = self.values(searcher).data
        return [file_from_stored(data(docnum)) for docnum, blob in words[1] if needle in blob]

    def _records(self, searcher: Searcher, wanted: query.Query) -> dict[str, FileRecord]:
        records = {}
        data = self.values(searcher).data
        for docnum in searcher.docs_for_query(wanted):
            record = file_from_stored(data(docnum))
            records[record.path] = record
        return records

    def values(self, searcher: Searcher) -> _Values:
        """Column readers on `searcher`, opened once per commit."""
        values = self._values
        if values is None or values.searcher is not searcher:
            values = self._values = _Values(searcher)
        return values

    def symbols_in(self, path: str) -> list[Symbol]:
        searcher = self.searcher()
        found = []
        read = self.values(searcher).data
        for docnum in searcher.docs_for_query(query.Term("path", path)):
            fields = json.loads(read(docnum))
            if is_symbol_record(fields):
                found.append(symbol_from_fields(fields))
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
                matches = path_matcher(alternative.paths)
                allowed_paths.append([path for path in self.file_records() if matches(path)])
            else:
                allowed_paths.append(None)
        data = self.values(engine.searcher).data
        return engine.run(
            parsed, limit, allowed_paths, lambda docnum: symbol_from_stored(data(docnum))
        )

    def closest_names(self, words: list[str], count: int) -> list[str]:
        """Up to `count` indexed names nearest to any of `words` (case-folded)."""
        engine = self._engine()
        if engine is None:
            return []
        scored: dict[str, float] = {}
        for word in words:
            key = name_key(word).strip("*?^$")
            if key:
                for name, score in engine.closest_names(key, count):
                    scored[name] = max(score, scored.get(name, 0.0))
        return sorted(scored, key=lambda name: -scored[name])[:count]

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

    # -- clone fingerprints (codeindex.clones) ---------------------------------------------

    def clone_units(
        self, languages: Iterable[str] = (), marker: str = "u", paths: Iterable[str] = ()
    ) -> Iterator[tuple[str, str]]:
        """(data, payload) of the fingerprinted units carrying `marker` (every unit by
        default), optionally of some languages or files only."""
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

    # -- writing -------------------------------------------------------------------------

    def writer(self, timeout: float = WRITER_TIMEOUT) -> BulkSegmentWriter:
        """The single writer. Waits up to `timeout` for another writer, then raises IndexBusy."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                writer = BulkSegmentWriter(self.ix)
            except LockError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        "another code-index process is updating the index; "
                        "answers come from the last complete update"
                    ) from None
                time.sleep(0.05)
                continue
            # The lock is an OS file lock (fcntl/msvcrt): it dies with its process, so a
            # killed writer never leaves it stale. What a kill can leave is a half-written
            # TOC; holding the lock, nobody else can be writing one.
            self._remove_orphans(keep=writer.newsegment.segment_id())
            return writer

    def _remove_orphans(self, keep: str = "") -> None:
        """What a killed or failed writer left (call holding the writer lock): half-written
        TOCs (TOC.write writes `_<name>_<gen>.toc.<time>`, then renames it) and segment files
        no commit lists; Whoosh's own cleanup (clean_files) only knows finished ones."""
        live = {segment.segment_id() for segment in self._latest_segments()} | {keep}
        toc_prefix, segment_prefix = f"_{INDEX_NAME}_", f"{INDEX_NAME}_"
        for entry in os.scandir(self.directory):
            name = entry.name
            stem = name.split(".", 1)[0]
            orphan_segment = name.startswith(segment_prefix) and "." in name
            if (name.startswith(toc_prefix) and ".toc." in name) or (
                orphan_segment and stem not in live
            ):
                with contextlib.suppress(OSError):
                    os.remove(entry.path)

    def sweep_failed_write(self) -> None:
        """After a write failed (a full disk): remove its files now, not at the next write."""
        lock = self.try_lock(f"{INDEX_NAME}_WRITELOCK")
        if lock is None:
            return  # another writer holds it, and sweeps when it starts
        try:
            shutil.rmtree(self.directory / f"{INDEX_NAME}.tmp", ignore_errors=True)
            self._remove_orphans()
        finally:
            lock.release()

    def segment_sizes(self) -> list[int]:
        """Documents (deleted ones included) per segment of the latest commit."""
        return [segment.doc_count_all() for segment in self._latest_segments()]

    def _latest_segments(self) -> list:  # type: ignore[type-arg]
        """The latest commit's segments."""
        return _despite_vanishing_files(lambda: list(self.ix._segments()), 5, 0.01)

    def merge_small_segments(self, timeout: float = 2.0) -> int:
        """Fold the small segments that no-merge commits leave behind into one, leaving big
        ones alone. Merging can take seconds, so it never holds the writer lock: the merged
        segment is built from a snapshot in a side directory, then published in one short
        commit under the lock, carrying over the deletions other commits made meanwhile.
        Returns how many segments were merged (0: nothing to do, or a concurrent merge);
        raises IndexBusy when another writer holds the lock past `timeout` at publish time."""
        snapshot = _merge_candidates(self._latest_segments())
        if len(snapshot) < 2:
            return 0
        merge_lock = self.try_lock("MERGELOCK")
        if merge_lock is None:
            return 0
        side = self.directory / MERGE_DIR
        try:
            shutil.rmtree(side, ignore_errors=True)  # what a killed merge left
            merged, live = self._merge_aside(snapshot, side)
            return self._publish_merge(snapshot, merged, live, side, timeout)
        finally:
            shutil.rmtree(side, ignore_errors=True)
            merge_lock.release()

    def _merge_aside(self, snapshot: list, side: Path) -> tuple:  # type: ignore[type-arg]
        from whoosh.reading import SegmentReader

        # Its own storage, so commits in the index directory neither delete our unfinished
        # files (clean_files) nor our temporary pool (each writer's _finish removes it).
        side_index = FileStorage(str(side)).create().create_index(self.ix.schema, INDEX_NAME)
        writer = BulkSegmentWriter(side_index, _lk=False)
        live: list[list[int]] = []
        for segment in snapshot:
            reader = SegmentReader(self.ix.storage, self.ix.schema, segment)
            live.append(list(reader.all_doc_ids()))  # add_reader copies these, in order
            writer.add_reader(reader)
            reader.close()
        merged = writer._finalize_segment()
        writer._tempstorage.destroy()
        return merged, live

    def _publish_merge(self, snapshot: list, merged, live, side: Path, timeout: float) -> int:  # type: ignore[no-untyped-def, type-arg]
        writer = self.writer(timeout)
        try:
            current = {segment.segment_id(): segment for segment in writer.segments}
            if any(segment.segment_id() not in current for segment in snapshot):
                writer.cancel()  # someone else merged these meanwhile
                return 0
            base = 0
            for segment, docs in zip(snapshot, live, strict=True):
                now = current[segment.segment_id()]
                for position, docnum in enumerate(docs):
                    if now.is_deleted(docnum):
                        merged.delete_document(base + position)
                base += len(docs)
            prefix = merged.segment_id() + "."
            for name in os.listdir(side):
                if name.startswith(prefix):
                    os.replace(side / name, self.directory / name)
            gone = {segment.segment_id() for segment in snapshot}
            final = [s for s in writer.segments if s.segment_id() not in gone] + [merged]
            writer._close_segment()
            writer._commit_toc(final)
            writer._finish()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        return len(snapshot)

    def try_lock(self, name: str):  # type: ignore[no-untyped-def]
        """An OS file lock in the index directory, or None when another holder has it."""
        lock = self.ix.storage.lock(name)
        return lock if lock.acquire(blocking=False) else None


class _Values:
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


def _despite_vanishing_files(read: Callable[[], _T], attempts: int, pause: float) -> _T:
    """`read` again when it fails on a file that vanished under it. Another process's (or
    the merge thread's) commit may delete a TOC or segment between Whoosh finding the latest
    generation and opening its files; the newer commit's files are there by then."""
    for _ in range(attempts - 1):
        try:
            return read()
        except FileNotFoundError:
            time.sleep(pause)
    return read()


_FILE_RECORDS = query.Term("record", "file")
SCOPED_RECORDS_MAX = 256  # past this many paths, reading every record is cheaper
# Segments below this many documents are merged on idle; a file edit adds a segment of tens.
SMALL_SEGMENT_DOCS = 5000
MERGE_FLOOR = 100  # segments this small always merge together
MERGE_DIR = "merging"  # side directory of the background merge


def _merge_candidates(segments: list) -> list:  # type: ignore[type-arg]
    """Small segments, smallest first, each no bigger than all those before it together (or
    than MERGE_FLOOR): a merge never drags a big segment along for a few tiny ones, and a
    document is copied O(log n) times over its life, so each merge stays short."""
    picked: list = []  # type: ignore[type-arg]
    total = 0
    for segment in sorted(segments, key=lambda s: s.doc_count_all()):
        size = segment.doc_count_all()
        if size >= SMALL_SEGMENT_DOCS or size > max(total, MERGE_FLOOR):
            break
        picked.append(segment)
        total += size
    return picked


def path_matcher(globs: Iterable[str]) -> Callable[[str], bool]:
    """gitignore-style globs: `src/`, `*.py`, `tests/**/test_*.py`; a bare name matches at any
    depth."""
    import pathspec

    patterns = list(globs)
    try:
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    except Exception:  # GitIgnorePatternError, re.error: say which one, as bad input
        bad = next((g for g in patterns if not _compiles(g)), patterns)
        raise ValueError(
            f"path pattern {bad!r} is not a valid gitignore-style glob; e.g. 'src/', '*.py'"
        ) from None
    return spec.match_file


def _compiles(glob: str) -> bool:
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([glob])
    except Exception:
        return False
    return True


def directory_lock(directory: Path, name: str):  # type: ignore[no-untyped-def]
    """An OS file lock `name` in an index directory whose index may not even open."""
    return FileStorage(str(directory)).lock(name)


def rebuild_running(root: Path) -> bool:
    """Whether a `--rebuild` is replacing the root's index right now."""
    try:
        if index_dir.state_of(root / INDEX_DIR) != "ours":
            return False
        lock = directory_lock(root / INDEX_DIR, REBUILD_LOCK)
        if not lock.acquire(blocking=False):
            return True
        lock.release()
    except (NotOurs, OSError):
        pass
    return False


def clear_leftovers(root: Path) -> None:
    """Remove what killed rebuilds left beside the index, unless a rebuild is running."""
    try:
        lock = directory_lock(root / INDEX_DIR, REBUILD_LOCK)
        if not lock.acquire(blocking=False):
            return
    except OSError:
        return
    try:
        index_dir.remove_leftovers(root, min_age=LEFTOVER_AGE)
    finally:
        lock.release()


LEFTOVER_AGE = 60.0  # seconds: older side directories belong to no live build


def _writer_lock_of(directory: Path):  # type: ignore[no-untyped-def]
    """The writer lock of the index in `directory` (waiting for a refresh to finish), or
    None when that index cannot be locked (damaged, read-only): nothing can write to it."""
    try:
        if index_dir.state_of(directory) != "ours":
            return None
        lock = directory_lock(directory, f"{INDEX_NAME}_WRITELOCK")  # whoosh's writer lock
        deadline = time.monotonic() + REBUILD_WRITER_WAIT
        while not lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    "another code-index process kept updating the index; try the rebuild again"
                )
            time.sleep(0.05)
    except (NotOurs, OSError):
        return None
    return lock


REBUILD_WRITER_WAIT = 600.0


def _marker_text() -> str:
    return f'{{"format": "code-index", "version": {FORMAT_VERSION}}}'
