"""What the index keeps per file for references, written at index time as one byte string
(`file_blob`, handed to storage as `IndexedFile.words`):

    b" word word ... " b"\\n" outline

Storage keeps the two parts in two columns of the file record (`refs` and `outline`), so that
`Store.files_using` scans every file's words end to end in place and reads only the
candidates' outlines. The words are the file's distinct identifier-like words (`words_of`):
`b" name "` among them tells whether a file may use a name. The outline is the file's
definitions in columns of integers and a list of names (`encode_outline`), sorted by start:
a query splits a file into regions and names the enclosing symbol from it (`Outline`),
without decoding the file's symbol records (a third of a cold query).
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate, chain
from operator import add
from typing import TYPE_CHECKING

from codeindex.models import Symbol

if TYPE_CHECKING:
    from codeindex.extract import Extraction

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
    name is found with `b" name " in words`. C-level work only: translate, split, count,
    join; a per-word Python loop, or a Whoosh term per word, cost 35-50% more indexing CPU."""
    return _joined(word_counts(source))


def word_counts(source: bytes) -> Counter[bytes]:
    """How often each identifier-like word is written in the file (Counter's C loop: 1% of
    a cold build more than a set)."""
    return Counter(source.translate(_TO_SPACE).split())


def _joined(words: Iterable[bytes]) -> bytes:
    joined = b" ".join(words)
    return b" " + joined + b" " if joined else b""


# The outline of a file with n definitions, sorted by first line (then name line):
#     n (4 bytes, little-endian; the top bit set when the file parsed with errors)
#     6n int32 (little-endian), six columns: where the first line starts (byte offset);
#         bytes from there to the end of the last line (its newline included); the first
#         line's 0-based row; lines after it to the last; bytes from the first line's start
#         to the name line's start, times 4, plus 1 for a member, plus 2 when the file
#         writes the name nowhere but on its definitions' lines; the qualified name (-1: the
#         name itself, k >= 0: row k's qualified name, a dot and the name, -2-j: the j-th
#         name after the n names)
#     the n names, then the qualified names that are neither, each followed by a NUL
# A query reads the columns with one copy into an array and finds a name's rows with
# `bytes.find`: no object per row or field, where decoding JSON rows was a tenth of a
# common name's query. Offsets in bytes place an occurrence (found by its offset) without
# counting the lines before it; the rows give the lines of what a region holds, counted
# from its start (counting every occurrence's line from the file's start, and the line
# starts of each region, were a seventh of a common name's query). The offsets are the
# tree's (Extraction.spans): a table of the file's line starts cost 1% of a cold index.
_ROW_INTS = 6
_NUL = b"\0"
_PARSE_ERRORS = 1 << 31


def file_blob(extraction: Extraction) -> bytes:
    """The `refs` column value of a parsed file: its words (as `words_of`), then its outline.
    A name the file writes only where it defines it is flagged in the outline."""
    counts = word_counts(extraction.source)
    clean = not extraction.tree.root_node.has_error
    outline = encode_outline(extraction.symbols, extraction.spans, clean, counts)
    return _joined(counts) + _OUTLINE + outline


def encode_outline(
    symbols: Sequence[Symbol],
    spans: Sequence[tuple[int, int, int]],
    clean: bool = True,
    counts: Mapping[bytes, int] | None = None,
) -> bytes:
    """`spans`: each symbol's byte offsets (Extraction.spans); `clean`: the file parsed
    without an error; `counts`: how often each word is written in the file, when known."""
    name_lines: dict[str, set[int]] = {}
    for symbol in symbols:
        name_lines.setdefault(symbol.name, set()).add(symbol.line)
    # A definition's name is written on its line: a name written as often as it has
    # definition lines is written nowhere else, and the file holds no use of it.
    sole = {
        name
        for name, lines in name_lines.items()
        if counts is not None and counts.get(name.encode(), 0) == len(lines)
    }
    if not symbols:
        return b"" if clean else _PARSE_ERRORS.to_bytes(4, "little")
    columns: tuple[list[int], ...] = ([], [], [], [], [], [])
    starts, sizes, rows, spans_in_lines, name_lines_at, links = columns
    names: list[str] = []
    qualified_names: list[str] = []
    # (end line, qualified name, row) of the definitions around the current one
    enclosing: list[tuple[int, str, int]] = []
    for index in sorted(range(len(symbols)), key=lambda index: _start_then_line(symbols[index])):
        symbol = symbols[index]
        first, after, name_line = spans[index]
        start = symbol.start_line or symbol.line
        while enclosing and enclosing[-1][0] < start:
            enclosing.pop()
        qualified = symbol.qualified_name
        if qualified == symbol.name:
            links.append(-1)
        elif enclosing and qualified == f"{enclosing[-1][1]}.{symbol.name}":
            links.append(enclosing[-1][2])
        else:
            links.append(-2 - len(qualified_names))
            qualified_names.append(qualified)
        starts.append(first)
        sizes.append(after - first)
        rows.append(start - 1)
        spans_in_lines.append(symbol.end_line - start)
        flags = (symbol.kind in MEMBER_KINDS) | (symbol.name in sole) << 1
        name_lines_at.append((name_line - first) * 4 + flags)
        names.append(symbol.name)
        enclosing.append((symbol.end_line, qualified, len(starts) - 1))
    header = (len(starts) | (0 if clean else _PARSE_ERRORS)).to_bytes(4, "little")
    ints = array("i", chain.from_iterable(columns))
    if sys.byteorder == "big":
        ints.byteswap()
    text = "\0".join(names + qualified_names).encode() + _NUL
    return header + ints.tobytes() + text


def _start_then_line(symbol: Symbol) -> tuple[int, int]:
    return symbol.start_line or symbol.line, symbol.line


class Outline:
    """A file's definitions, sorted by first line, and where each byte offset falls among
    them. A definition is known by its row number."""

    def __init__(self, encoded: bytes) -> None:
        header = int.from_bytes(encoded[:4], "little")
        count = self.count = header & ~_PARSE_ERRORS
        self.clean = not header & _PARSE_ERRORS  # the file parsed without an error
        end = 4 + 4 * _ROW_INTS * count
        self._ints = ints = array("i")
        ints.frombytes(encoded[4:end])
        if sys.byteorder == "big":
            ints.byteswap()
        self._text = encoded[end:]
        self._names: list[bytes] | None = None
        self._reach_bytes: list[int] | None = None
        self._reach_rows: list[int] | None = None

    @classmethod
    def decode(cls, outline: bytes) -> Outline:
        """The outline part of a file's blob, as `Store.files_using` returns it."""
        return cls(outline)

    def start(self, row: int) -> int:
        """Where the definition's first line starts."""
        return self._ints[row]

    def end(self, row: int) -> int:
        """Where the line after its last starts (the file's size after the last line)."""
        return self._ints[row] + self._ints[self.count + row]

    def first_row(self, row: int) -> int:
        """The 0-based line of its start."""
        return self._ints[2 * self.count + row]

    def name_line(self, row: int) -> int:
        """Where the line of its name starts."""
        return self._ints[row] + (self._ints[4 * self.count + row] >> 2)

    def member(self, row: int) -> bool:
        return bool(self._ints[4 * self.count + row] & 1)

    def qualified_name(self, row: int) -> str:
        names = self._names
        if names is None:
            names = self._names = self._text.split(_NUL)
        name = names[row].decode()
        link = self._ints[5 * self.count + row]
        if link == -1:
            return name
        if link >= 0:
            return f"{self.qualified_name(link)}.{name}"
        return names[self.count - 2 - link].decode()

    def name_line_starts(self, name: str) -> list[int]:
        """Where the lines of the names of the definitions called `name` start, sorted."""
        text, needle, starts = self._text, name.encode() + _NUL, set()
        count = self.count
        at = text.find(needle)
        row = counted = 0
        while at >= 0:
            if at == 0 or text[at - 1] == 0:
                row += text.count(_NUL, counted, at)
                counted = at
                if row >= count:
                    break  # past the names: a qualified name
                starts.add(self.name_line(row))
            at = text.find(needle, at + len(needle))
        return sorted(starts)

    def only_defines(self, name: str) -> bool:
        """Whether the file writes `name` only where it defines it: it holds no use."""
        needle = name.encode() + _NUL
        at = self._text.find(needle)
        while at >= 0:
            if at == 0 or self._text[at - 1] == 0:
                row = self._text.count(_NUL, 0, at)
                return row < self.count and bool(self._ints[4 * self.count + row] & 2)
            at = self._text.find(needle, at + len(needle))
        return False

    def innermost(self, offset: int) -> int | None:
        """The latest-starting definition around byte `offset`: the innermost one."""
        ints, count = self._ints, self.count
        index = bisect_right(ints, offset, 0, count) - 1
        while index >= 0:
            if ints[index] + ints[count + index] > offset:
                return index
            index -= 1
            if index >= 0 and self._reach()[index] <= offset:
                return None  # no definition this early reaches the offset
        return None

    def nested_end(self, row: int, offset: int) -> int:
        """Where the line after the last definition nested in `row` that ends at or before
        byte `offset` (in `row`, in none nested in it) starts: a statement boundary in
        `row`; the start of `row` when none does."""
        ints, count = self._ints, self.count
        last = bisect_right(ints, offset, row + 1, count)
        if last == row + 1:
            return ints[row]
        # The definitions starting from `row` to `offset` all end by then (or one of them
        # would be innermost): the one ending last is one directly in `row`.
        return int(max(map(add, ints[row + 1 : last], ints[count + row + 1 : count + last])))

    def gap(self, offset: int, size: int) -> tuple[int, int, int]:
        """The module-level lines around byte `offset` (in no definition), between the
        definitions before and after, in a file of `size` bytes: where they start and end
        (the next definition's start, or `size`), and the 0-based row of the first."""
        ints, count = self._ints, self.count
        index = bisect_right(ints, offset, 0, count)
        if not index:
            return 0, ints[0] if count else size, 0
        rows = self._reach_rows
        if rows is None:  # the last rows of the definitions reaching furthest
            ends = map(add, ints[2 * count : 3 * count], ints[3 * count : 4 * count])
            rows = self._reach_rows = list(accumulate(ends, max))
        return self._reach()[index - 1], ints[index] if index < count else size, rows[index - 1] + 1

    def _reach(self) -> list[int]:
        """Where the line after the last line of any definition starting at or before each
        row's start starts."""
        reach = self._reach_bytes
        if reach is None:
            ints, count = self._ints, self.count
            ends = map(add, ints[:count], ints[count : 2 * count])
            reach = self._reach_bytes = list(accumulate(ends, max))
        return reach
