"""T2 code strings of a file's units, tokenised and encoded as array operations.

The input is the file's masked source (normalize.mask: comments, docstrings and imports
blanked, literals one byte each, syntactic members rewritten as `.name`). Every token becomes
one character of the unit's code string: a hash of its text, a literal class, NAME_CODE for
the unit's own name, or - for a local name - a reference to its previous occurrence.

Why arrays: a regular expression per unit and a Python loop over its tokens cost about half
of fingerprinting; as array operations, once per batch of files, the same work costs far
less.

The tokens themselves, and the layout of a batch in one buffer: clones.tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from codeindex.clones.normalize import NUMBER_CODE, STRING_CODE, Masked
from codeindex.clones.tokens import (
    TAIL_PAD,
    Layout,
    Span,
    Tokens,
    lay_out,
    range_hashes,
    text_hash,
    tokenise,
)

if TYPE_CHECKING:
    import tree_sitter

    from codeindex.extract import Extraction

# Code points: literal classes and the unit's own name below 0x20; local-name references from
# 0xE000 (private use area); hashed token texts in [0x100, 0xD7FF] (no surrogates, so a code
# string encodes cleanly in UTF-8 for storage and in UTF-16 for the sketches).
NAME_CODE = "\x03"
LOCAL_BASE = 0xE000
# A local reference codes the distance to the previous occurrence of the same name, counted
# in local-name occurrences: exact up to NEAR, then by powers of two (a far reference is
# rarely what an edit moves); FAR and beyond share one code.
_NEAR = 24
_FAR = 4095


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


def _distance_code(distance: int) -> int:
    if distance <= _NEAR:
        return LOCAL_BASE + distance
    return LOCAL_BASE + _NEAR + distance.bit_length()


_DISTANCES = np.array([_distance_code(d) for d in range(_FAR + 1)], dtype=np.uint16)


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
    return range_hashes(b"".join(names) + TAIL_PAD, ends - lengths, ends)


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
