"""The Whoosh schema, and the documents our models become.

One document per symbol plus one per file (its staleness record). Every document of a file
carries the file's `path` term, so replacing or dropping a file is one delete_by_term.
Symbol data lives in one byte column (a JSON array: codeindex.storage.codec), not in
Whoosh's stored fields: those are pickled and zlib'd one document at a time, which cost more
than all our postings.
"""

from __future__ import annotations

from codeindex.storage import _light_imports  # noqa: F401  (before whoosh: see the module)

# isort: split
from whoosh import fields, formats
from whoosh.columns import NumericColumn, VarBytesColumn

from codeindex.classify import CLASSES, symbol_class
from codeindex.identifiers import name_key, subwords
from codeindex.models import FileRecord, IndexedFile, Symbol
from codeindex.storage.codec import file_to_stored, record_bytes, symbol_to_stored
from codeindex.storage.segment_writer import Document
from codeindex.storage.text import path_terms, symbol_text_terms

INDEX_NAME = "symbols"


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


def schema() -> fields.Schema:
    return fields.Schema(
        path=fields.ID(),
        record=fields.ID(),  # "file" on file records; absent on symbols
        name=fields.ID(),  # the case-folded name
        parts=_terms_field(),  # its sub-words
        facet=_terms_field(),  # "k:<kind>", "l:<language>", "c:<class>" (not for library)
        doc=_terms_field(),  # stemmed words of the doc's first paragraph (storage.text)
        sig=_terms_field(),  # stemmed words of the signature
        place=_terms_field(),  # stemmed words of the file's path
        fp=_terms_field(),  # clone fingerprints, owned by codeindex.clones
        refs=_bytes_column(),  # on file records: the file's words (codeindex.refs.blob)
        outline=_bytes_column(),  # on file records: the file's outline (codeindex.refs.blob)
        nlen=fields.COLUMN(NAME_LENGTH),  # tie-break: shorter names rank first
        pclass=fields.COLUMN(PATH_CLASS),  # library code ranks before tests (classify)
        data=_bytes_column(),  # the symbol or file record (storage.codec)
        clone=_bytes_column(),  # clone payload (codeindex.clones.fingerprints)
    )


def symbol_document(
    symbol: Symbol, fingerprints: tuple[str, ...] = (), clone: str = ""
) -> Document:
    facets = [f"k:{symbol.kind}", f"l:{symbol.language}"]
    path_class = symbol_class(symbol.path, symbol.qualified_name, symbol.test)
    if path_class != "library":
        facets.append(f"c:{path_class}")
    terms = {
        "path": [symbol.path],
        "name": [name_key(symbol.name)],
        "parts": subwords(symbol.name),
        "facet": facets,
        **symbol_text_terms(symbol),
    }
    if fingerprints:
        terms["fp"] = list(fingerprints)
    columns: dict[str, object] = {
        "data": record_bytes(symbol_to_stored(symbol)),
        # A file ranks after definitions that match as well (see storage.search.tie_break).
        "pclass": CLASSES.index(path_class),
        "nlen": min(len(symbol.name) + (1024 if symbol.kind == "module" else 0), 65535),
    }
    if clone:
        columns["clone"] = clone.encode("utf-8")
    return Document(terms=terms, columns=columns)


def file_document(record: FileRecord, words: bytes = b"") -> Document:
    terms = {"path": [record.path], "record": ["file"]}
    if not record.skipped:
        # Once per file rather than on each symbol: 60 % of the text-tier postings otherwise.
        terms["place"] = path_terms(record.path)
    columns: dict[str, object] = {"data": record_bytes(file_to_stored(record))}
    if words:
        # Apart, so that a refs query scans each segment's words end to end in place, not
        # the outlines between them (storage.reading.files_using).
        words, _, outline = words.partition(b"\n")
        columns["refs"] = words
        if outline:
            columns["outline"] = outline
    return Document(terms=terms, columns=columns)


def file_documents(entry: IndexedFile) -> list[Document]:
    """A file's documents: its symbols in order, then its record."""
    documents = [
        symbol_document(indexed.symbol, indexed.fingerprints, indexed.clone)
        for indexed in entry.symbols
    ]
    documents.append(file_document(entry.record, entry.words))
    return documents
