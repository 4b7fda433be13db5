"""Where a name's occurrences in a file fall: the regions of its outline (codeindex.refs.blob)
that are parsed for them, their lines, and the statement boundaries the lexical reads of a
region start from (codeindex.refs.verify parses and classifies)."""

from __future__ import annotations

from bisect import bisect_left

from codeindex.refs.blob import NAME_BYTES, Outline

_WORD_BYTES = frozenset(NAME_BYTES | set(range(0x80, 0x100)))


def occurrences(source: bytes, name: bytes) -> list[int]:
    """Offsets of `name` as a whole word. bytes.find, then a look at the bytes around: a
    regex with a look-behind cannot skip ahead to the literal and costs 10x more."""
    found = []
    size = len(name)
    at = source.find(name)
    while at >= 0:
        end = at + size
        if (at == 0 or source[at - 1] not in _WORD_BYTES) and (
            end == len(source) or source[end] not in _WORD_BYTES
        ):
            found.append(at)
        at = source.find(name, end)
    return found


# (start, end) bytes of a region -> its definition's row in the outline (None at module
# level), its first line's 0-based row, and the offsets of the occurrences in it.
Regions = dict[tuple[int, int], tuple[int | None, int, list[int]]]


def by_region(source: bytes, outline: Outline, name: str, offsets: list[int]) -> Regions:
    """The occurrences at `offsets` (sorted) by the region around them, all but those that
    are the first on a line where a definition of the name writes it: its own name."""
    skipped = set()
    for line_start in outline.name_line_starts(name):
        index = bisect_left(offsets, line_start)
        if index < len(offsets) and source.find(b"\n", line_start, offsets[index]) < 0:
            skipped.add(offsets[index])
    regions: Regions = {}
    size = len(source)
    for offset in offsets:
        if offset in skipped:
            continue  # not a reference, no parse needed
        enclosing = outline.innermost(offset)
        if enclosing is not None:
            start, end = outline.start(enclosing), outline.end(enclosing)
            row = outline.first_row(enclosing)
        else:
            start, end, row = outline.gap(offset, size)
        regions.setdefault((start, end), (enclosing, row, []))[2].append(offset)
    return regions


def realigned(source: bytes, regions: Regions) -> Regions:
    """The regions of a file changed since its outline was made, from a line start to a line
    start (or the end), their first rows counted: where the outline says is as good a guess
    as any, and a parse of whole lines keeps the columns right (Python's indentation)."""
    aligned: Regions = {}
    for (start, end), (enclosing, _, found) in regions.items():
        start = source.rfind(b"\n", 0, min(start, found[0])) + 1
        newline = source.find(b"\n", max(end, found[-1] + 1) - 1)
        end = len(source) if newline < 0 else newline + 1
        row = source.count(b"\n", 0, start)
        aligned.setdefault((start, end), (enclosing, row, []))[2].extend(found)
    for _, _, found in aligned.values():
        found.sort()
    return aligned


def with_rows(source: bytes, start: int, row: int, found: list[int]) -> list[tuple[int, int]]:
    """The occurrences of `found` (sorted, at or after `start`, which is on 0-based line
    `row`) with their rows: a count over the region up to the last of them, where a count
    from the file's start for every occurrence cost a twelfth of a common name's query."""
    placed = []
    for offset in found:
        row += source.count(b"\n", start, offset)
        start = offset
        placed.append((offset, row))
    return placed


def by_boundary(
    outline: Outline, enclosing: int | None, start: int, found: list[int]
) -> list[tuple[int, list[int]]]:
    """The occurrences of `found` (sorted, in the region of `enclosing` from `start`) by
    the statement boundary nearest before them: the end of the last definition nested in
    the region before them (a method's end in a class), or the region's start. The
    lexical reads start there: a long class's f-string or unclosed string no longer hides
    what comes after its methods, and less is read."""
    if enclosing is None or not outline.clean:  # error recovery may nest definitions oddly
        return [(start, found)]
    groups: list[tuple[int, list[int]]] = []
    for offset in found:
        boundary = outline.nested_end(enclosing, offset)
        if groups and groups[-1][0] == boundary:
            groups[-1][1].append(offset)
        else:
            groups.append((boundary, [offset]))
    return groups
