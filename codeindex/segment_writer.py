"""A Whoosh segment writer for documents whose terms are already tokens.

Whoosh's own path sends every posting through a general pool: a tuple per posting, an external
sort of all of them, then several Python calls per posting to encode it. Our postings are all
presence-only (no weights, positions or lengths), so this writer groups them by field and term
as documents come in and hands each term's whole posting list to Whoosh's block encoder at
once. Per-document values go to columns (raw bytes, no pickling, no compression per document).
On the standard library (72k symbols, 533k postings) adding and finalising took 4.7 s through
Whoosh's path and (see bench/index_bench.py) a fraction of that here.

The files written are ordinary W3 segments; readers, merges and `add_reader` work unchanged
(a merge's postings arrive through `_TermPool.add`, Whoosh's pool interface).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from whoosh.codec import whoosh3
from whoosh.writing import SegmentWriter


@dataclass(frozen=True, slots=True)
class Document:
    """What one document contributes: terms per indexed field and values per column."""

    terms: dict[str, list[str]]
    columns: dict[str, object]


class _PerDocReader(whoosh3.W3PerDocReader):
    # Whoosh asks "does a length column exist?" once per posting while it merges segments
    # and answers with a stat() each time; our fields have no lengths, so cache the answer.
    def __init__(self, storage, segment) -> None:  # type: ignore[no-untyped-def]
        super().__init__(storage, segment)
        self._has_column: dict[str, bool] = {}

    def has_column(self, fieldname: str) -> bool:
        known = self._has_column.get(fieldname)
        if known is None:
            known = self._has_column[fieldname] = bool(super().has_column(fieldname))
        return known


class _Codec(whoosh3.W3Codec):
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

    def cleanup(self) -> None:
        self.fields.clear()


class BulkSegmentWriter(SegmentWriter):
    """A SegmentWriter whose `add` takes a Document; everything else is Whoosh's."""

    def __init__(self, ix, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ix, codec=codec(), **kwargs)
        self.pool = _TermPool()

    def add(self, document: Document) -> None:
        docnum = self.docnum
        fields = self.pool.fields
        for fieldname, tokens in document.terms.items():
            terms = fields.get(fieldname)
            if terms is None:
                terms = fields[fieldname] = {}
            for token in set(tokens):
                text = token.encode("utf-8")
                postings = terms.get(text)
                if postings is None:
                    terms[text] = [docnum]
                else:
                    postings.append(docnum)
        per_document = self.perdocwriter
        per_document.start_doc(docnum)
        schema = self.schema
        for fieldname, value in document.columns.items():
            per_document.add_column_value(fieldname, schema[fieldname].column_type, value)
        per_document.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        _write_postings(self.fieldwriter, self.schema, self.pool.fields)
        self.fieldwriter.close()


def _write_postings(fieldwriter, schema, fields: dict[str, dict[bytes, list[int]]]) -> None:  # type: ignore[no-untyped-def]
    """Each term's posting list in blocks, through Whoosh's own block encoder (so the bytes
    are exactly what its per-posting path writes), without a call per posting."""
    for fieldname in sorted(fields):
        terms = fields[fieldname]
        if not terms:
            continue
        fieldwriter.start_field(fieldname, schema[fieldname])
        for text in sorted(terms):
            docnums = terms[text]
            fieldwriter.start_term(text)
            postings = fieldwriter._postwriter
            limit = postings._blocklimit
            for start in range(0, len(docnums), limit):
                block = docnums[start : start + limit]
                postings._ids = array("I", block)
                postings._weights = _ONE * len(block)
                postings._maxweight = 1.0
                if start + limit < len(docnums):
                    postings._write_block()
            fieldwriter.finish_term()  # writes the last block
        fieldwriter.finish_field()


_ONE = array("f", [1.0])
