"""A Whoosh segment writer for documents whose terms are already tokens.

Whoosh's own path sends every posting through a general pool: a tuple per posting, an external
sort of all of them, then several Python calls per posting to encode it. Our postings are all
presence-only (no weights, positions or lengths), so this writer groups them by field and term
as documents come in and encodes each term's posting list in one go, byte for byte as Whoosh
would (tests/test_segment_writer.py compares the files). Per-document values go to columns,
written in bulk: raw bytes, not Whoosh's stored fields, which pickle and zlib every document.
On the standard library (72k symbols, 533k postings) adding and finalising took 4.7 s of CPU
through Whoosh's path and about 1 s here.

The files written are ordinary W3 segments; readers, merges and `add_reader` work unchanged
(a merge's postings arrive through `_TermPool.add`, Whoosh's pool interface).
"""

from __future__ import annotations

import contextlib
import struct
from array import array
from dataclasses import dataclass
from itertools import accumulate
from operator import sub
from pickle import dumps

from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.columns import VarBytesColumn
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.writing import SegmentWriter


@dataclass(frozen=True, slots=True)
class Document:
    """What one document contributes: terms per indexed field and values per column."""

    terms: dict[str, list[str]]
    columns: dict[str, object]


class _PerDocReader(whoosh3.W3PerDocReader):  # type: ignore[misc]  # Whoosh is untyped
    # Whoosh asks "does a length column exist?" for every document and field it copies in a
    # merge and answers with a stat() each time; our fields have no lengths, so cache it.
    def __init__(self, storage, segment) -> None:  # type: ignore[no-untyped-def]
        super().__init__(storage, segment)
        self._has_column: dict[str, bool] = {}

    def has_column(self, fieldname: str) -> bool:
        known = self._has_column.get(fieldname)
        if known is None:
            known = self._has_column[fieldname] = bool(super().has_column(fieldname))
        return known


class _Codec(whoosh3.W3Codec):  # type: ignore[misc]  # Whoosh is untyped
    # Each commit's TOC pickles its segments, and with them this class by its module path:
    # moving or renaming it (or _PerDocReader) is a format change (storage.FORMAT_VERSION).
    def per_document_reader(self, storage, segment):  # type: ignore[no-untyped-def]
        return _PerDocReader(storage, segment)


def codec() -> whoosh3.W3Codec:
    # Posting compression off: inlining is broken in whoosh-reloaded (`set_inline`
    # AttributeError), so every tiny single-document block would be zlib'd.
    return _Codec(compression=0)


class _TermPool:
    """Stands in for Whoosh's PostingPool: document numbers grouped by field and term."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, list[int]]] = {}

    def add(self, item: tuple) -> None:  # type: ignore[type-arg]
        # (fieldname, term bytes, docnum, weight, value) from Whoosh's merge path; all our
        # fields record presence only, so weight and value carry nothing.
        fieldname, text, docnum = item[0], item[1], item[2]
        self.fields.setdefault(fieldname, {}).setdefault(text, []).append(docnum)

    def add_terms(self, docnum: int, terms: dict[str, list[str]]) -> None:
        """A document's tokens per field, each counted once."""
        fields = self.fields
        for fieldname, tokens in terms.items():
            field_terms = fields.get(fieldname)
            if field_terms is None:
                field_terms = fields[fieldname] = {}
            for token in set(tokens):
                text = token.encode("utf-8")
                postings = field_terms.get(text)
                if postings is None:
                    field_terms[text] = [docnum]
                else:
                    postings.append(docnum)

    def cleanup(self) -> None:
        self.fields.clear()


class BulkSegmentWriter(SegmentWriter):  # type: ignore[misc]  # Whoosh is untyped
    """A SegmentWriter whose `add` takes a Document; everything else is Whoosh's."""

    def __init__(self, ix, **kwargs) -> None:  # type: ignore[no-untyped-def]
        try:
            super().__init__(ix, codec=codec(), **kwargs)
        except BaseException:
            self._abandon_start()
            raise
        self.pool = _TermPool()
        # Column values of added documents, (docnum, value) per column, written in bulk
        # when the segment is flushed or before Whoosh adds a merged reader's documents.
        self._pending: dict[str, list[tuple[int, object]]] = {}

    def _abandon_start(self) -> None:
        """A start that failed part way (a full or read-only disk): no lock kept, no
        temporary pool left behind. The new segment's files are swept by Store."""
        temporary = getattr(self, "_tempstorage", None)
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.destroy()
        lock = getattr(self, "writelock", None)
        if lock is not None and getattr(lock, "fd", None) is not None:
            with contextlib.suppress(Exception):
                lock.release()

    def abandon(self) -> None:
        """Cancel, whatever the disk does. Whoosh's cancel closes the segment's files, which
        writes their tails: on a full disk that raises again, before it removes the
        temporary pool and releases the lock. Then the files are closed without their
        tails, the pool removed and the lock released here; the segment's files are swept
        by name (Store.sweep_failed_write)."""
        try:
            self.cancel()
        except Exception:
            self._close_files()
            self._abandon_start()
            self.is_closed = True

    def _close_files(self) -> None:
        """Close the descriptors of the segment's open files (each one keeps the space of a
        file deleted on a full disk until it is closed), ignoring what closing raises."""
        per_document, fields = self.perdocwriter, self.fieldwriter
        terms = getattr(fields, "_tindex", None)
        for handle in (
            getattr(getattr(per_document, "_cols", None), "_temp", None),
            getattr(per_document, "_vpostfile", None),
            getattr(fields, "_postfile", None),
            getattr(terms, "dbfile", None),
        ):
            if handle is not None:
                with contextlib.suppress(Exception):
                    handle.file.close()

    def add(self, document: Document) -> None:
        docnum = self.docnum
        self.pool.add_terms(docnum, document.terms)
        pending = self._pending
        for name, value in document.columns.items():
            values = pending.get(name)
            if values is None:
                values = pending[name] = []
            values.append((docnum, value))
        self._added = True
        self.docnum += 1

    def add_reader(self, reader) -> None:  # type: ignore[no-untyped-def]
        self._write_pending_columns()
        super().add_reader(reader)

    def _flush_segment(self) -> None:
        self._write_pending_columns()
        self.perdocwriter.close()
        _write_postings(self.fieldwriter, self.schema, self.pool.fields)
        self.fieldwriter.close()

    def _write_pending_columns(self) -> None:
        per_document = self.perdocwriter
        # Documents from `add` went past the per-document writer; catch its count up.
        per_document._doccount = self.docnum
        for name, values in self._pending.items():
            column = self.schema[name].column_type
            if not per_document._has_column(name):
                per_document._create_column(name, column)
            writer = per_document._get_column(name)
            if isinstance(writer, VarBytesColumn.Writer):
                _append_var_bytes(writer, values)  # type: ignore[arg-type]
            else:
                for docnum, value in values:
                    writer.add(docnum, value)
        self._pending.clear()


def _append_var_bytes(writer: VarBytesColumn.Writer, values: list[tuple[int, bytes]]) -> None:
    """What VarBytesColumn.Writer.add does value by value, with one file write: the values
    are concatenated, and documents without one get length 0 at the running offset."""
    if not values:
        return
    first = writer._count
    lengths = [0] * (values[-1][0] + 1 - first)
    for docnum, value in values:
        lengths[docnum - first] = len(value)
    base = writer._offset_base
    offsets = list(accumulate(lengths, initial=base))
    writer._dbfile.write(b"".join(value for _, value in values))
    for growable, new in ((writer._lengths, lengths), (writer._offsets, offsets[:-1])):
        if growable.array.typecode != "I":  # GrowableArray starts small and widens
            growable.array = array("I", growable.array)
        growable.array.extend(new)
    writer._offset_base = offsets[-1]
    writer._count = values[-1][0] + 1


def _write_postings(fieldwriter, schema, fields: dict[str, dict[bytes, list[int]]]) -> None:  # type: ignore[no-untyped-def]
    """Each term's posting list, encoded as whoosh3's W3PostingsWriter and W3TermInfo encode
    presence-only postings (weight 1.0, no lengths, no values, no compression), one byte
    string per term instead of several calls per posting. tests/test_segment_writer.py
    checks the bytes against Whoosh's own writer."""
    postfile = fieldwriter._postfile
    terms_table = fieldwriter._tindex
    for fieldname in sorted(fields):
        terms = fields[fieldname]
        if not terms:
            continue
        fieldwriter.start_field(fieldname, schema[fieldname])
        prefix = pack_ushort(fieldwriter._fieldid)
        offset = postfile.tell()
        chunks: list[bytes] = []
        entries: list[tuple[bytes, bytes]] = []
        for text in sorted(terms):
            docnums = terms[text]
            posting_list = _posting_list(docnums)
            chunks.append(posting_list)
            info = _TERM_INFO.pack(
                0, float(len(docnums)), len(docnums), 0, 0, 1.0, docnums[0], docnums[-1]
            )
            entries.append((prefix + text, info + pack_long(offset) + pack_int(len(posting_list))))
            offset += len(posting_list)
        postfile.write(b"".join(chunks))
        _add_terms(terms_table, entries)
        fieldwriter.finish_field()


def _add_terms(table, entries: list[tuple[bytes, bytes]]) -> None:  # type: ignore[no-untyped-def]
    """OrderedHashWriter.add for keys in increasing order, with one file write in all."""
    if not entries:
        return
    position = table.dbfile.tell()
    hash_key, buckets, index = table.hashfn, table.buckets, table.index
    records = []
    for key, value in entries:
        index.append(position)
        key_hash = hash_key(key)
        buckets[key_hash & 255].append((key_hash, position))
        record = _KEY_VALUE_LENGTHS.pack(len(key), len(value)) + key + value
        records.append(record)
        position += len(record)
    table.dbfile.write(b"".join(records))
    table.lastkey = entries[-1][0]


def _posting_list(docnums: list[int]) -> bytes:
    """W3 blocks of BLOCK_LIMIT postings; the last block's length is negative."""
    parts = [WHOOSH3_HEADER_MAGIC]
    count = len(docnums)
    for start in range(0, count, BLOCK_LIMIT):
        block = docnums[start : start + BLOCK_LIMIT]
        # Ids are delta-encoded; weights all 1.0 and fixed-size-0 values pickle as None.
        ids = (block[0], *map(sub, block[1:], block[:-1]))
        data = dumps((ids, None, None), 2)
        info = dumps((len(block), block[-1], 1.0, 0, 0, 0), 2)
        size = len(info) + len(data)
        parts += (pack_int(size if start + BLOCK_LIMIT < count else -size), info, data)
    return b"".join(parts)


BLOCK_LIMIT = 128  # whoosh3's default blocklimit, which codec() keeps
# W3TermInfo: flags (inlined), total weight, doc frequency, min and max length bytes,
# max weight, first and last id.
_TERM_INFO = struct.Struct("!BfIBBfII")
_KEY_VALUE_LENGTHS = struct.Struct("!ii")  # filetables' record header
