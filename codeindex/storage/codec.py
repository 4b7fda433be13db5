"""The record codec: how a symbol or a file record is kept in the `data` column.

A record is a JSON array: strings are quoted and every control character escaped, so no
content (a 0x1f in a docstring, a newline in a file name) can be mistaken for structure.
Any Python string round-trips: the UTF-8 is written and read with surrogatepass (lone
surrogates, e.g. from surrogateescape-decoded names, are kept as they are).
"""

from __future__ import annotations

import json

from codeindex.models import FileRecord, Symbol

SYMBOL_FIELDS = 11


def _dumps(fields: list[object]) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def record_bytes(text: str) -> bytes:
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
            int(symbol.test),
        ]
    )


def file_to_stored(record: FileRecord) -> str:
    return _dumps(
        [
            record.path,
            record.size,
            record.mtime_ns,
            record.digest,
            record.language,
            record.symbols,
            record.skipped,
            record.parse_errors,
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
    name, qualified, kind, language, path, line, end_line, signature, doc, start, test = fields
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
        test=bool(test),
    )


def file_from_stored(data: str) -> FileRecord:
    return FileRecord(*json.loads(data))
