"""What the index keeps per file for references, written at index time as one byte string
(`file_blob`, handed to storage as `IndexedFile.words`):

    b" word word ... " b"\\n" outline

Storage keeps the two parts in two columns of the file record (`refs` and `outline`), so that
`Store.files_using` scans every file's words end to end in place and reads only the
candidates' outlines. The words are the file's distinct identifier-like words (`words_of`):
`b" name "` among them tells whether a file may use a name. The outline is the file's
definitions as a JSON array of rows (`Row`), sorted by start: a query splits a file into
regions and names the enclosing symbol from it, without decoding the file's symbol records
(a third of a cold query).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from codeindex.models import Symbol

MEMBER_KINDS = frozenset({"method", "constructor", "property"})

# Bytes that can be part of an identifier: ASCII letters, digits, `_`, `$` (JavaScript's
# `$ZodCheck`, `$`), and every non-ASCII byte (UTF-8 identifiers). Everything else becomes a
# space, and bytes.split does the rest. `$` elsewhere (Rust's `$x` metavariables, C#'s `$"`)
# only joins words that were never references.
NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_TO_SPACE = bytes(b if b in NAME_BYTES or b >= 0x80 else 0x20 for b in range(256))
_OUTLINE = b"\n"


def words_of(source: bytes) -> bytes:
    """The distinct identifier-like words of a file, comments and strings included (a
    superset is fine: the query verifies), space-separated with a space at each end, so a
    name is found with `b" name " in words`. C-level work only: translate, split, set, join;
    a per-word Python loop, or a Whoosh term per word, cost 35-50% more indexing CPU."""
    words = set(source.translate(_TO_SPACE).split())
    return b" " + b" ".join(words) + b" " if words else b""


# An outline row, as decoded from JSON and read by position: building a tuple per row cost a
# quarter of a query for a name used in most files (`__init__`). Lines after the first are
# stored relative to it, and a qualified name as its parent's row when it extends the
# parent's name (empty when it is the name): half the outline's bytes on the standard library.
Row = list[Any]
START, SPAN, NAME_LINE, MEMBER, NAME, QUALIFIED = range(6)


def file_blob(source: bytes, symbols: Sequence[Symbol]) -> bytes:
    """The `refs` column value of a parsed file: its words, then its outline."""
    rows: list[Row] = []
    # (end line, qualified name, row) of the definitions around the current one
    enclosing: list[tuple[int, str, int]] = []
    for symbol in sorted(symbols, key=_start_then_line):
        start = symbol.start_line or symbol.line
        while enclosing and enclosing[-1][0] < start:
            enclosing.pop()
        qualified: str | int = symbol.qualified_name
        if qualified == symbol.name:
            qualified = ""
        elif enclosing and qualified == f"{enclosing[-1][1]}.{symbol.name}":
            qualified = enclosing[-1][2]
        member = int(symbol.kind in MEMBER_KINDS)
        rows.append(
            [start, symbol.end_line - start, symbol.line - start, member, symbol.name, qualified]
        )
        enclosing.append((symbol.end_line, symbol.qualified_name, len(rows) - 1))
    return words_of(source) + _OUTLINE + json.dumps(rows, separators=(",", ":")).encode()


def _start_then_line(symbol: Symbol) -> tuple[int, int]:
    return symbol.start_line or symbol.line, symbol.line


class Outline:
    """A file's definitions, sorted by start line, and where each line falls among them."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.starts = [row[START] for row in rows]
        self._top: list[tuple[int, int]] | None = None

    @classmethod
    def decode(cls, outline: bytes) -> Outline:
        """The outline part of a file's blob, as `Store.files_using` returns it."""
        return cls(json.loads(outline) if outline else [])

    @staticmethod
    def end(row: Row) -> int:
        return int(row[START] + row[SPAN])

    def qualified_name(self, row: Row) -> str:
        qualified = row[QUALIFIED]
        if isinstance(qualified, int):
            return f"{self.qualified_name(self.rows[qualified])}.{row[NAME]}"
        return str(qualified or row[NAME])

    def definition_lines(self, name: str) -> set[int]:
        return {row[START] + row[NAME_LINE] for row in self.rows if row[NAME] == name}

    def innermost(self, line: int) -> Row | None:
        """The latest-starting definition around `line`: the innermost one."""
        index = bisect_right(self.starts, line) - 1
        while index >= 0:
            row = self.rows[index]
            if row[START] + row[SPAN] >= line:
                return row
            index -= 1
        return None

    def gap(self, line: int, line_count: int) -> tuple[int, int]:
        """The module-level lines around `line` between the definitions before and after."""
        top = self._top
        if top is None:
            top = self._top = []  # the outermost definitions' spans, overlaps merged
            for row in self.rows:
                end = self.end(row)
                if not top or row[START] > top[-1][1]:
                    top.append((row[START], end))
                elif end > top[-1][1]:
                    top[-1] = (top[-1][0], end)
        index = bisect_right(top, (line, line_count + 1))
        before = top[index - 1][1] if index else 0
        after = top[index][0] - 1 if index < len(top) else line_count
        return before + 1, after
