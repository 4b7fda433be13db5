"""T2 code strings of a file's units, tokenised and encoded as array operations.

The input is the file's masked source (normalize.mask: comments, docstrings and imports
blanked, literals one byte each, syntactic members rewritten as `.name`). Every token becomes
one character of the unit's code string: a hash of its text, a literal class, NAME_CODE for
the unit's own name, or - for a local name - a reference to its previous occurrence.

Why arrays: a regular expression per unit and a Python loop over its tokens cost about half
of fingerprinting; as array operations, once per batch of files, the same work costs far
less.

Tokens:
- a word: a run of ASCII letters, digits, `_` and bytes from 0x80; one that starts with a
  digit is a number;
- a member: a word written after a lone `.`, or after `::` or `->`, together with that prefix,
  so that it is never taken for a local;
- an operator of two characters from OPERATORS, paired from the left where they overlap;
- any other byte but whitespace, alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from codeindex.clones.normalize import (
    NUMBER_CODE,
    NUMBER_TOKEN,
    STRING_CODE,
    STRING_TOKEN,
    Masked,
)

if TYPE_CHECKING:
    import tree_sitter

    from codeindex.extract import Extraction

# Code points: literal classes and the unit's own name below 0x20; local-name references from
# 0xE000 (private use area); hashed token texts in [0x100, 0xD7FF] (no surrogates, so a code
# string encodes cleanly in UTF-8 for storage and in UTF-16 for the sketches).
NAME_CODE = "\x03"
HASH_BASE = 0x100
HASH_SPAN = 0xD800 - HASH_BASE
LOCAL_BASE = 0xE000
OPERATORS = (
    b"==", b"!=", b"<=", b">=", b"=>", b"&&", b"||", b"++", b"--", b"**", b"<<", b">>",
    b"::", b"->", b":=", b"??", b"?.",
)  # fmt: skip
# A local reference codes the distance to the previous occurrence of the same name, counted
# in local-name occurrences: exact up to NEAR, then by powers of two (a far reference is
# rarely what an edit moves); FAR and beyond share one code.
_NEAR = 24
_FAR = 4095
_P = 0x01000193
_MASK = 0xFFFFFFFF
_MIX = 0x9E3779B1
# Blank bytes after the last unit, so that punctuation can look two bytes ahead.
_TAIL_PAD = b"  "


class Span(NamedTuple):
    start: int  # byte range in the file
    end: int
    name: bytes = b""  # the unit's own name, coded as NAME_CODE


class Encoded(NamedTuple):
    codes: str
    size: int  # in conventional tokens: a member counts as two (`.` and its name)
    # How many codes start on each line of the unit, its first line to its last, one
    # character each: where a stretch of the codes lies in the file (clones.blocks).
    lines: str
    literals: int  # codes that are a literal's class


def callable_spans(
    extraction: Extraction, callables: Iterable[tuple[int, tree_sitter.Node]]
) -> list[Span]:
    """The spans of (symbol index, definition node) pairs, each named after its symbol."""
    return [
        Span(*node.byte_range, extraction.symbols[index].name.encode("utf-8"))
        for index, node in callables
    ]


def _table(predicate: Callable[[int], bool]) -> np.ndarray:
    return np.array([predicate(byte) for byte in range(256)], dtype=bool)


def _translation(table: np.ndarray) -> bytes:
    """For bytes.translate, which classifies a buffer 2.6 times faster than indexing."""
    return table.astype(np.uint8).tobytes()


def _is_word(byte: int) -> bool:
    return byte >= 0x80 or chr(byte).isalnum() or byte == ord("_")


# Bytes that make up words, and those that start a number; clones.lexical reads tokens
# with the same tables.
WORD = _table(_is_word)
DIGIT = _table(lambda byte: chr(byte).isdigit())
_IDENT_START = _table(lambda byte: _is_word(byte) and not chr(byte).isdigit())
_PUNCT = _table(lambda byte: not _is_word(byte) and chr(byte) not in " \t\n\r\f\v")
_WORD_BYTES, _PUNCT_BYTES = _translation(WORD), _translation(_PUNCT)
_OPERATOR = np.zeros(1 << 16, dtype=bool)
_OPERATOR[[a << 8 | b for a, b in OPERATORS]] = True
_MEMBER_PREFIX = np.zeros(1 << 16, dtype=bool)
_MEMBER_PREFIX[[a << 8 | b for a, b in (b"::", b"->")]] = True
_DOT = ord(".")
_STRING_BYTE, _NUMBER_BYTE = STRING_TOKEN[0], NUMBER_TOKEN[0]


def _distance_code(distance: int) -> int:
    if distance <= _NEAR:
        return LOCAL_BASE + distance
    return LOCAL_BASE + _NEAR + distance.bit_length()


_DISTANCES = np.array([_distance_code(d) for d in range(_FAR + 1)], dtype=np.uint16)


class _Powers:
    """P^i and P^-i modulo 2^32, grown to the longest buffer seen. The two arrays are
    replaced together, as one tuple: the MCP server encodes snippets while its watcher
    fingerprints files, in another thread."""

    def __init__(self) -> None:
        self.both = (np.ones(1, dtype=np.uint32), np.ones(1, dtype=np.uint32))

    def first(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        up, down = self.both
        if len(up) < count:
            size = max(count, 2 * len(up))
            up, down = powers(_P, size), powers(pow(_P, -1, 1 << 32), size)
            self.both = (up, down)
        return up[:count], down[:count]


def powers(base: int, count: int, dtype: type[np.unsignedinteger] = np.uint32) -> np.ndarray:
    """base^0 .. base^(count-1) modulo 2^32, or 2^64 with dtype uint64: the product wraps
    around in the unsigned type."""
    factors = np.full(count, base, dtype=dtype)
    factors[:1] = 1
    return np.cumprod(factors, dtype=dtype)


_POWERS = _Powers()


def text_hash(text: bytes) -> int:
    """The hash of a token's text: the polynomial sum(byte_i * P^i) modulo 2^32, which the
    arrays compute for any byte range from two prefix sums."""
    value, power = 0, 1
    for byte in text:
        value = (value + byte * power) & _MASK
        power = (power * _P) & _MASK
    return value


class Tokens(NamedTuple):
    starts: np.ndarray  # positions in the buffer, increasing
    ends: np.ndarray
    hashes: np.ndarray  # uint32 text hashes
    codes: np.ndarray  # uint16 code points before local renaming
    plain: np.ndarray  # bool: a word that may name a local (not a member, not a number)
    members: np.ndarray  # bool: `.name`, `::name` or `->name`


def hash_codes(hashes: np.ndarray) -> np.ndarray:
    """The code point of each token hash."""
    return (HASH_BASE + (hashes * np.uint32(_MIX)) % np.uint32(HASH_SPAN)).astype(np.uint16)


def member_hashes(hashes: np.ndarray) -> np.ndarray:
    """text_hash(b"." + name) from each text_hash(name)."""
    return np.uint32(_DOT) + hashes * np.uint32(_P)


def _range_hashes(data: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """text_hash of each data[start:end]."""
    up, down = _POWERS.first(len(data) + 1)
    prefix = np.zeros(len(data) + 1, dtype=np.uint32)
    np.cumsum(np.frombuffer(data, dtype=np.uint8) * up[:-1], dtype=np.uint32, out=prefix[1:])
    hashes: np.ndarray = (prefix[ends] - prefix[starts]) * down[starts]  # fancy indexing is Any
    return hashes


def tokenise(data: bytes) -> Tokens:
    """All tokens of a buffer that starts and ends with blanks (_TAIL_PAD at the end)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    edges = np.diff(np.frombuffer(data.translate(_WORD_BYTES), dtype=np.int8))
    word_start = np.flatnonzero(edges == 1) + 1
    word_end = np.flatnonzero(edges == -1) + 1
    punct = np.flatnonzero(np.frombuffer(data.translate(_PUNCT_BYTES), dtype=bool))
    # At position 0, punct - 1 reads the last byte, a blank.
    before, this = buffer[punct - 1], buffer[punct]
    after, after2 = buffer[punct + 1], buffer[punct + 2]
    pair = this.astype(np.uint16) << 8 | after
    dot_member = (this == _DOT) & (before != _DOT) & _IDENT_START[after]
    prefix_member = _MEMBER_PREFIX[pair] & _IDENT_START[after2]
    member = dot_member | prefix_member
    # An operator gives way to a member that starts on its second byte (`?.name`).
    operator = _OPERATOR[pair] & ~prefix_member & ~((after == _DOT) & _IDENT_START[after2])
    adjacent = np.zeros(len(punct), dtype=bool)
    adjacent[1:] = punct[1:] == punct[:-1] + 1
    # Overlapping operators (`***`, `!==`) pair up from the left: in each run of them, every
    # other one starts a token.
    run = operator.copy()
    run[1:] &= ~(adjacent[1:] & operator[:-1])
    index = np.arange(len(punct))
    run_start = np.maximum.accumulate(np.where(run, index, 0))
    operator &= (index - run_start) % 2 == 0
    consumed = np.zeros(len(punct), dtype=bool)
    consumed[1:] = adjacent[1:] & (operator[:-1] | prefix_member[:-1])
    # The word a member prefix takes in.
    absorbed = np.searchsorted(word_start, punct[member] + np.where(prefix_member[member], 2, 1))
    keep_word = np.ones(len(word_start), dtype=bool)
    keep_word[absorbed] = False
    punct_end = punct + 1 + operator
    punct_end[member] = word_end[absorbed]
    punct_keep = ~consumed
    starts = np.concatenate((word_start[keep_word], punct[punct_keep]))
    ends = np.concatenate((word_end[keep_word], punct_end[punct_keep]))
    kept_words = int(keep_word.sum())
    plain = np.zeros(len(starts), dtype=bool)
    plain[:kept_words] = _IDENT_START[buffer[word_start[keep_word]]]
    members = np.zeros(len(starts), dtype=bool)
    members[kept_words:] = member[punct_keep]
    order = np.argsort(starts, kind="stable")  # two sorted runs: a linear merge
    starts, ends, plain, members = starts[order], ends[order], plain[order], members[order]
    hashes = _range_hashes(data, starts, ends)
    codes = hash_codes(hashes)
    first = buffer[starts]
    codes[first == _STRING_BYTE] = ord(STRING_CODE)
    codes[(first == _NUMBER_BYTE) | DIGIT[first]] = ord(NUMBER_CODE)
    return Tokens(starts, ends, hashes, codes, plain, members)


class Layout(NamedTuple):
    """Where a batch's units go in the buffer that is tokenised: each file's outermost units
    laid end to end, a line break before each, then _TAIL_PAD. Tokens never span a unit's
    edge, and a unit's line profile counts rows from its own first line, so a unit encodes
    the same whatever else is in the batch."""

    pieces: list[tuple[int, int, int]]  # (file number, start, end) of each outermost unit
    piece_starts: np.ndarray  # where each piece starts in the buffer
    unit_starts: np.ndarray  # every unit's range in the buffer, file after file
    unit_ends: np.ndarray
    names: list[bytes]  # every unit's own name

    def join(self, buffers: Sequence[bytes]) -> bytes:
        """The buffer: the pieces' bytes taken from each file's buffer (its source, or its
        source masked)."""
        return b"\n" + b"\n".join(buffers[f][s:e] for f, s, e in self.pieces) + _TAIL_PAD


def lay_out(files: Sequence[Sequence[Span]]) -> Layout:
    """The layout of each file's units (Spans in file coordinates)."""
    units = [unit for file in files for unit in file]
    file = np.repeat(np.arange(len(files)), [len(file) for file in files])
    starts = np.array([unit.start for unit in units], dtype=np.int64)
    ends = np.array([unit.end for unit in units], dtype=np.int64)
    # One coordinate for all files: a file's bytes come after the previous file's.
    scale = int(ends.max()) + 1 if len(units) else 1
    order = np.lexsort((-ends, starts, file))
    at, until = file[order] * scale + starts[order], file[order] * scale + ends[order]
    # The outermost units start at or after the end of every unit before them.
    reach = np.maximum.accumulate(until)
    outer = np.ones(len(order), dtype=bool)
    outer[1:] = at[1:] >= reach[:-1]
    outer_at = at[outer]
    lengths = until[outer] - outer_at
    piece_starts = 1 + np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    piece = np.searchsorted(outer_at, file * scale + starts, side="right") - 1
    shift = piece_starts[piece] - (outer_at[piece] - file * scale)
    pieces = list(
        zip(
            file[order][outer].tolist(),
            starts[order][outer].tolist(),
            ends[order][outer].tolist(),
            strict=True,
        )
    )
    return Layout(pieces, piece_starts, starts + shift, ends + shift, [u.name for u in units])


class Tokenised(NamedTuple):
    """A batch's units normalised and tokenised, in a Layout's buffer: what encode_tokenised
    turns into code strings, whichever way the language was normalised."""

    source: bytes  # the laid-out source: line profiles count its line breaks
    t1: bytes  # the laid-out source without comments and docstrings (normalize.t1_digests)
    tokens: Tokens
    binding: np.ndarray  # per token: a name written at a binding position
    rows: np.ndarray  # per token: the line it starts on (line breaks before it)
    layout: Layout  # the units, each file's in order, file after file


def tokenised_masked(files: Sequence[tuple[Masked, Sequence[Span]]]) -> Tokenised:
    """Files masked by their tree query (normalize.mask), with their units, as one batch."""
    layout = lay_out([units for _, units in files])
    tokens = tokenise(layout.join([masked.code for masked, _ in files]))
    binding = np.frombuffer(layout.join([masked.binding for masked, _ in files]), dtype=np.uint8)
    source = layout.join([masked.source for masked, _ in files])
    newlines = np.flatnonzero(np.frombuffer(source, dtype=np.uint8) == _NEWLINE)
    return Tokenised(
        source,
        layout.join([masked.t1 for masked, _ in files]),
        tokens,
        binding[tokens.starts] != _BLANK,
        np.searchsorted(newlines, tokens.starts),
        layout,
    )


def encode_tokenised(
    batch: Tokenised, fragment_keywords: frozenset[bytes] | None = None
) -> list[Encoded]:
    """The code string and size of each unit of the batch; units may nest.

    Bound names - those written at a binding position in the unit (Tokenised.binding) - are
    coded by Baker's prev-encoding (parameterized matching): a first occurrence becomes the
    first local code, a later one how many local-name occurrences back the previous
    occurrence of the same name is. Two units get equal strings
    exactly when one is a consistent renaming of the other; an inserted local shifts no other
    reference, so an edit only disturbs the codes next to it, which keeps edited copies similar.

    With `fragment_keywords` (the language's keywords) the units are bare statements, whose
    locals were bound in a function that is not there: every plain word that is not a keyword
    and not called is taken for a local.

    Why one batch: the array work has a fixed cost per call (a few dozen numpy calls), which
    one call per file would pay once for every file.
    """
    tokens, layout = batch.tokens, batch.layout
    unit_start, unit_end = layout.unit_starts, layout.unit_ends
    if not len(unit_start):
        return []
    # Each unit's tokens, units one after another (a nested unit's tokens appear again).
    first = np.searchsorted(tokens.starts, unit_start)
    counts = np.searchsorted(tokens.starts, unit_end) - first
    bounds = np.concatenate(([0], np.cumsum(counts)))
    owner = np.repeat(np.arange(len(unit_start)), counts)
    taken = np.arange(bounds[-1]) + np.repeat(first - bounds[:-1], counts)

    hashes = tokens.hashes[taken]
    plain = tokens.plain[taken]
    if fragment_keywords is None:
        binding = batch.binding[taken]
    else:
        called = np.append(tokens.hashes, 0)[taken + 1] == _OPEN_PAREN
        binding = ~np.isin(hashes, _hashes(fragment_keywords)) & ~called
    out = tokens.codes[taken]
    own_name = plain & (hashes == _name_hashes(layout.names)[owner])
    out[own_name] = ord(NAME_CODE)
    _rename_locals(out, np.flatnonzero(plain & ~own_name), owner, hashes, binding)
    text = out.astype("<u2").tobytes().decode("utf-16-le")
    edges = bounds.tolist()
    sizes = (counts + _per_unit(tokens.members[taken], bounds)).tolist()
    literals = _per_unit((out == ord(STRING_CODE)) | (out == ord(NUMBER_CODE)), bounds).tolist()
    profiles = _line_profiles(batch, owner, batch.rows[taken])
    return [
        Encoded(text[low:high], size, lines, literal)
        for low, high, size, lines, literal in zip(
            edges[:-1], edges[1:], sizes, profiles, literals, strict=True
        )
    ]


def _per_unit(flags: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """How many of each unit's tokens (between consecutive `bounds`) have the flag."""
    total = np.concatenate(([0], np.cumsum(flags, dtype=np.int32)))
    return np.diff(total[bounds])


def _line_profiles(batch: Tokenised, owner: np.ndarray, rows: np.ndarray) -> list[str]:
    """Per unit, how many of its tokens (on `rows`, grouped by `owner`) start on each of its
    lines, as characters. The lines run from the row of the unit's first byte to the row its
    end falls on, as tree-sitter counts a node's rows."""
    newlines = np.flatnonzero(np.frombuffer(batch.source, dtype=np.uint8) == _NEWLINE)
    first_row = np.searchsorted(newlines, batch.layout.unit_starts)
    row_count = np.searchsorted(newlines, batch.layout.unit_ends) - first_row + 1
    row_edges = np.concatenate(([0], np.cumsum(row_count)))
    counts = np.bincount(rows - first_row[owner] + row_edges[owner], minlength=int(row_edges[-1]))
    # A line of 55,000 tokens is not code this index keeps (minified files are skipped).
    text = np.minimum(counts, _MAX_LINE_CODES).astype("<u2").tobytes().decode("utf-16-le")
    edges = row_edges.tolist()
    return [text[low:high] for low, high in zip(edges[:-1], edges[1:], strict=True)]


def renumbered(codes: str, start: int, end: int) -> str:
    """codes[start:end] read on its own: a local whose previous occurrence lies before
    `start` becomes a first occurrence. A distance coded by its power of two is taken at
    the power's lower bound."""
    out = []
    seen = 0  # local-name occurrences so far in the stretch
    for char in codes[start:end]:
        value = ord(char)
        if value >= LOCAL_BASE:
            distance = value - LOCAL_BASE
            if distance > _NEAR:
                distance = 1 << (distance - _NEAR - 1)
            if distance > seen:
                char = chr(LOCAL_BASE)
            seen += 1
        out.append(char)
    return "".join(out)


_BLANK = ord(" ")
_NEWLINE = ord("\n")
_MAX_LINE_CODES = 0xD7FF
_OPEN_PAREN = text_hash(b"(")


def _name_hashes(names: list[bytes]) -> np.ndarray:
    """The hash of each unit's name; a nameless unit gets that of the empty text, which no
    token has."""
    lengths = np.array([len(name) for name in names], dtype=np.int64)
    ends = np.cumsum(lengths)
    return _range_hashes(b"".join(names) + _TAIL_PAD, ends - lengths, ends)


@cache
def _hashes(texts: frozenset[bytes]) -> np.ndarray:
    return np.array(sorted(map(text_hash, texts)), dtype=np.uint32)


def _rename_locals(
    out: np.ndarray, names: np.ndarray, owner: np.ndarray, hashes: np.ndarray, binding: np.ndarray
) -> None:
    """Code the local names among the plain-name tokens `names` (indexes into `out`) by
    prev-encoding. A name is local to a unit when one of its occurrences in the unit is at a
    binding position."""
    if not len(names):
        return
    # One stable sort by (unit, name) lists each name's occurrences in source order.
    keys = owner[names].astype(np.uint64) << np.uint64(32) | hashes[names]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    new_name = np.ones(len(order), dtype=bool)
    new_name[1:] = sorted_keys[1:] != sorted_keys[:-1]
    name_id = np.cumsum(new_name, dtype=np.int32) - 1
    bound = np.zeros(int(name_id[-1]) + 1, dtype=bool)
    bound[name_id[binding[names[order]]]] = True
    is_local = bound[name_id]
    locals_in_order = names[order[is_local]]  # grouped by name, each in source order
    # Distances count local occurrences only: number them in source order.
    local = np.zeros(len(out), dtype=bool)
    local[locals_in_order] = True
    ordinal = np.cumsum(local, dtype=np.int32)[locals_in_order]
    distance = np.zeros(len(locals_in_order), dtype=np.int64)
    distance[1:] = ordinal[1:] - ordinal[:-1]
    distance[new_name[is_local]] = 0  # a first occurrence
    out[locals_in_order] = _DISTANCES[np.minimum(distance, _FAR)]
