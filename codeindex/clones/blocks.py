"""Copied blocks inside bigger functions (`dups --blocks`).

Function-level units miss a stretch of code pasted into the middle of another function: the
two functions as wholes are not similar. Blocks are found in the stored code strings of the
units, at query time:

- every window of `min_tokens` codes is hashed (a polynomial rolling hash in numpy), with
  local-name codes blinded to one code, since a reference to a local declared before the
  window differs between copies;
- winnowing (Schleimer, Wilkerson & Aiken 2003) keeps the smallest hash of every WINNOW
  consecutive windows, which still catches every common stretch of min_tokens + WINNOW - 1
  codes;
- windows with equal hashes are extended both ways while the blinded codes agree, one
  extension per diagonal;
- a block pair is reported with the Indel similarity of its two code strings, their locals
  renumbered from the block's start, when that reaches the threshold.

Each unit's payload holds how many codes start on each of its lines (encode.Encoded.lines),
which maps a block's codes to its lines without reading the file again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import TYPE_CHECKING

from rapidfuzz.distance import Indel

from codeindex.clones.cluster import DisjointSets
from codeindex.clones.encode import LOCAL_BASE, renumbered
from codeindex.clones.fingerprints import t2_digest
from codeindex.clones.sketch import SHINGLE
from codeindex.clones.tokens import powers
from codeindex.models import Symbol

if TYPE_CHECKING:
    import numpy

    from codeindex.clones.table import Entry

WINNOW = 8
# A window hash shared by more places than this is boilerplate (argument checks, test
# set-up): pairing them all is quadratic and reports noise.
CROWDED = 12
# Blocks of copied logic are mostly distinct 4-code shingles; assertion lists, replace
# chains and parameter lists of defaults repeat a few shingles over and over.
MIN_DISTINCT_SHINGLES = 0.5
_P = 0x100000001B3  # odd, so invertible modulo 2^64
_LOW32 = 0xFFFFFFFF
_SLICE = 1 << 20


@dataclass(frozen=True, slots=True)
class BlockPair:
    first: int  # unit indexes
    second: int
    first_range: tuple[int, int]  # code offsets in the unit's code string
    second_range: tuple[int, int]
    similarity: float


# A block: the index of its unit and its range in the unit's code string.
BlockKey = tuple[int, tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Block:
    """A block as a report shows it: its unit's symbol with the block's lines."""

    symbol: Symbol
    unit: int
    codes: int
    fingerprint: str  # digest of the block's codes, locals renumbered from its start


@dataclass(frozen=True, slots=True)
class BlockGroup:
    similarity: float  # the lowest of its verified pairs
    members: list[Symbol]  # each a unit's symbol with the block's lines
    codes: int  # the blocks' summed length in codes
    fingerprints: list[str]  # one per member


def block_groups(
    units: list[Entry],
    min_tokens: int,
    min_similarity: float,
    min_lines: int,
    unrelated: Callable[[int, int], bool],
) -> list[BlockGroup]:
    """Copies of one block joined into a group where pairs share a block. A block is shown
    once per place, under the innermost unit that holds it, and a group with the same
    places as another (a block in a nested function and in the one around it) once."""
    pairs = block_pairs(units, min_tokens, min_similarity, unrelated)
    located = block_locations(pairs, units, min_lines)
    sets: DisjointSets[BlockKey] = DisjointSets()
    verified = []
    for pair in pairs:
        first, second = (pair.first, pair.first_range), (pair.second, pair.second_range)
        if first in located and second in located:
            sets.add(second)
            sets.add(first)
            sets.join(first, second)
            verified.append((first, pair.similarity))
    lowest: dict[BlockKey, float] = {}
    for key, similarity in verified:
        group = sets.find(key)
        lowest[group] = min(similarity, lowest.get(group, 1.0))
    places: dict[BlockKey, dict[tuple[str, int, int], Block]] = defaultdict(dict)
    for key in sets:
        block = located[key]
        shown = places[sets.find(key)]
        place = (block.symbol.path, block.symbol.start_line, block.symbol.end_line)
        if place not in shown or units[block.unit].line_span < units[shown[place].unit].line_span:
            shown[place] = block
    chosen: dict[frozenset[tuple[str, int, int]], tuple[int, BlockGroup]] = {}
    for group, shown in places.items():
        blocks = list(shown.values())
        if not _apart(units, blocks):
            continue  # blocks of one function: a run of statements shaped alike
        nesting = sum(units[b.unit].line_span for b in blocks)
        same = chosen.get(frozenset(shown))
        if same is None or nesting < same[0]:
            symbols = [b.symbol for b in blocks]
            prints = [b.fingerprint for b in blocks]
            found = BlockGroup(lowest[group], symbols, sum(b.codes for b in blocks), prints)
            chosen[frozenset(shown)] = (nesting, found)
    return [group for _, group in chosen.values()]


def _apart(units: list[Entry], blocks: list[Block]) -> bool:
    """Two of the blocks are in functions that are not one inside the other."""
    symbols = [units[b.unit].symbol for b in blocks]
    spans = {(s.path, s.start_line or s.line, s.end_line) for s in symbols}
    return any(a[0] != b[0] or a[2] < b[1] or b[2] < a[1] for a in spans for b in spans)


def block_pairs(
    units: list[Entry],
    min_tokens: int,
    min_similarity: float,
    unrelated: Callable[[int, int], bool],
) -> list[BlockPair]:
    """Common stretches of at least `min_tokens` codes between units for which
    `unrelated(first, second)` holds (not nested, not already grouped as whole functions),
    or inside one unit."""
    import numpy as np

    candidates = [i for i, entry in enumerate(units) if len(entry.unit.codes) >= min_tokens]
    if not candidates:
        return []
    codes = [units[i].unit.codes for i in candidates]
    lengths = np.fromiter(map(len, codes), dtype=np.int64, count=len(codes))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    blind = _blind("".join(codes))
    first_places, second_places = _equal_places(blind, ends, min_tokens)
    first_owners = np.searchsorted(ends, first_places, side="right").tolist()
    second_owners = np.searchsorted(ends, second_places, side="right").tolist()
    text = blind.tobytes().decode("utf-16-le")
    del blind
    found: list[BlockPair] = []
    reach: dict[tuple[int, int, int], int] = {}  # diagonal -> end of its last extension
    for p, q, a, b in zip(
        first_places.tolist(), second_places.tolist(), first_owners, second_owners, strict=True
    ):
        first, second = candidates[a], candidates[b]
        if a == b and q - p < min_tokens:
            continue  # the window overlaps itself
        if a != b and not unrelated(first, second):
            continue
        diagonal = (a, b, q - p)
        if reach.get(diagonal, -1) > p:
            continue  # inside a block this diagonal already extended
        if text[p : p + min_tokens] != text[q : q + min_tokens]:
            continue  # a hash collision
        low = int(starts[a]), int(starts[b])
        p0, q0, length = _extend(text, p, q, min_tokens, low, (int(ends[a]), int(ends[b])))
        reach[diagonal] = p0 + length
        if a == b and length > q0 - p0:
            continue  # a run of statements shaped alike repeats itself: not a copy
        if _repetitive(text[p0 : p0 + length]):
            continue
        first_range = (p0 - low[0], p0 - low[0] + length)
        second_range = (q0 - low[1], q0 - low[1] + length)
        similarity = Indel.normalized_similarity(
            renumbered(codes[a], *first_range), renumbered(codes[b], *second_range)
        )
        if similarity >= min_similarity:
            found.append(BlockPair(first, second, first_range, second_range, similarity))
    return found


def _equal_places(
    blind: numpy.ndarray, ends: numpy.ndarray, min_tokens: int
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Where winnowed windows of `min_tokens` codes hash alike (_equal_windows), leaving out
    the windows that reach from one unit (ending at `ends`) into the next."""
    import numpy as np

    hashes = _window_hashes(blind, min_tokens)
    # A window that starts in a unit's last min_tokens - 1 codes reaches into the next.
    valid = np.ones(len(hashes), dtype=bool)
    crossing = (ends[:, None] - np.arange(1, min_tokens)).ravel()
    valid[crossing[crossing < len(hashes)]] = False
    hashes[~valid] = np.iinfo(np.uint32).max
    return _equal_windows(hashes, _winnow(hashes, valid))


def _repetitive(block: str) -> bool:
    """Fewer distinct shingles than MIN_DISTINCT_SHINGLES of the block's: a run of
    statements shaped alike (assertion lists, replace chains, option tables) or a parameter
    list of defaults, which match anything else of that shape."""
    count = len(block) - SHINGLE + 1
    distinct = {block[i : i + SHINGLE] for i in range(count)}
    return len(distinct) < MIN_DISTINCT_SHINGLES * count


def _blind(joined: str) -> numpy.ndarray:
    import numpy as np

    blind = np.frombuffer(joined.encode("utf-16-le"), dtype="<u2").copy()
    blind[blind >= LOCAL_BASE] = LOCAL_BASE
    return blind


def _window_hashes(blind: numpy.ndarray, width: int) -> numpy.ndarray:
    """A 32-bit hash of every `width` consecutive codes: sum(code_i * P^i) modulo 2^64 from
    prefix sums, shifted back to the window's start, then folded. In slices, so that the
    64-bit temporaries stay small."""
    import numpy as np

    count = max(len(blind) - width + 1, 0)
    hashes = np.empty(count, dtype=np.uint32)
    size = min(_SLICE, count)
    up = powers(_P, size + width, np.uint64)
    inverse = powers(pow(_P, -1, 1 << 64), size, np.uint64)
    prefix = np.zeros(size + width, dtype=np.uint64)
    for start in range(0, count, _SLICE):
        windows = min(_SLICE, count - start)
        piece = blind[start : start + windows + width - 1].astype(np.uint64)
        np.cumsum(piece * up[: len(piece)], dtype=np.uint64, out=prefix[1 : len(piece) + 1])
        folded = (prefix[width : width + windows] - prefix[:windows]) * inverse[:windows]
        hashes[start : start + windows] = (folded >> np.uint64(32)) ^ (folded & _LOW32)
    return hashes


def _winnow(hashes: numpy.ndarray, valid: numpy.ndarray) -> numpy.ndarray:
    """Positions whose hash is the smallest of some WINNOW consecutive windows: those
    equal to the largest of the window minima that cover them."""
    import numpy as np

    count = len(hashes) - WINNOW + 1
    if count <= 0:
        return np.flatnonzero(valid)
    minima = hashes[:count].copy()
    for shift in range(1, WINNOW):
        np.minimum(minima, hashes[shift : shift + count], out=minima)
    # padded[i + k] is the minimum of the window starting at i - WINNOW + 1 + k (0 where
    # there is none, which never wins the maximum).
    blank = np.zeros(WINNOW - 1, dtype=hashes.dtype)
    padded = np.concatenate([blank, minima, blank])
    covering = padded[: len(hashes)].copy()
    for shift in range(1, WINNOW):
        np.maximum(covering, padded[shift : shift + len(hashes)], out=covering)
    return np.flatnonzero((covering == hashes) & valid)


def _equal_windows(
    hashes: numpy.ndarray, picked: numpy.ndarray
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """(p, q), p < q, for picked windows with equal hashes (runs of up to CROWDED), ordered
    by p then q."""
    import numpy as np

    order = np.argsort(hashes[picked], kind="stable")
    keys, places = hashes[picked][order], picked[order]
    run = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[run, len(keys)])
    kept = np.repeat((sizes >= 2) & (sizes <= CROWDED), sizes)
    run_id = np.repeat(np.arange(len(run)), sizes)[kept]
    places = places[kept]
    firsts, seconds = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    for gap in range(1, CROWDED):
        at = np.flatnonzero(run_id[:-gap] == run_id[gap:])
        if not len(at):
            break
        firsts.append(places[at])
        seconds.append(places[at + gap])
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    low, high = np.minimum(first, second), np.maximum(first, second)
    order = np.lexsort((high, low))
    return low[order], high[order]


def _extend(
    text: str, p: int, q: int, width: int, low: tuple[int, int], high: tuple[int, int]
) -> tuple[int, int, int]:
    """The longest common stretch around text[p:p+width] == text[q:q+width] that stays
    inside each unit (`low`, `high`): its two starts and its length."""
    while p > low[0] and q > low[1] and text[p - 1] == text[q - 1]:
        p, q = p - 1, q - 1
    return p, q, width + _common_prefix(text, p + width, q + width, high[0], high[1])


def _common_prefix(text: str, p: int, q: int, p_end: int, q_end: int) -> int:
    """How many codes agree from p and q on, short of p_end and q_end: slice comparisons
    of doubling length, then a binary search."""
    limit = min(p_end - p, q_end - q)
    if limit <= 0 or text[p] != text[q]:
        return 0
    agreed = 1
    while agreed < limit:
        probe = min(2 * agreed, limit)
        if text[p : p + probe] != text[q : q + probe]:
            break
        agreed = probe
    else:
        return agreed
    high = probe - 1  # text[p:p+probe] differs somewhere after `agreed`
    while agreed < high:
        middle = (agreed + high + 1) // 2
        if text[p : p + middle] == text[q : q + middle]:
            agreed = middle
        else:
            high = middle - 1
    return agreed


def block_locations(
    pairs: list[BlockPair], units: list[Entry], min_lines: int
) -> dict[BlockKey, Block]:
    """Each block of `pairs` at least `min_lines` long, with its lines, by unit index and
    code range; the unit's stored line profile maps codes to lines."""
    blocks: dict[BlockKey, Block | None] = {}
    for pair in pairs:
        for key in ((pair.first, pair.first_range), (pair.second, pair.second_range)):
            if key in blocks:
                continue
            index, (start, end) = key
            first, last = _lines_of(units[index], start, end)
            blocks[key] = None
            if last - first + 1 >= min_lines:
                symbol = units[index].symbol
                located = replace(symbol, line=first, start_line=first, end_line=last)
                digest = t2_digest(renumbered(units[index].unit.codes, start, end))
                blocks[key] = Block(located, index, end - start, digest)
    return {key: block for key, block in blocks.items() if block is not None}


def _lines_of(entry: Entry, start: int, end: int) -> tuple[int, int]:
    """The lines of the unit's codes[start] and codes[end - 1]."""
    counts = accumulate(map(ord, entry.unit.lines))
    first_line = entry.symbol.end_line - len(entry.unit.lines) + 1
    first = last = -1
    for row, through in enumerate(counts):
        if first < 0 and through > start:
            first = row
        if through >= end:
            last = row
            break
    return first_line + first, first_line + last
