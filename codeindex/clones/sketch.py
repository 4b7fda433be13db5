"""Similarity sketch of a code string: one-permutation MinHash over token shingles, cut into
LSH bands that are stored as index terms.

One-permutation hashing (Li, Owen & Zhang 2012) hashes each shingle once and keeps the minimum
per bin, instead of one hash per permutation: the same estimator at 1/BINS of the cost. Empty
bins (short units) are filled from the unit's smallest hash, rotated by bin.

Two units share a band with probability 1 - (1 - J^ROWS)^BANDS for shingle-set Jaccard J:
with 4-token shingles, one edited statement leaves J around 0.8 (shares a band almost surely)
and several edits (Indel similarity 0.7-0.9) leave J around 0.3-0.6 (0.8-1.0).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import repeat
from operator import and_, mod

from codeindex.clones.halves import map_in_halves

SHINGLE = 4
BANDS = 16
ROWS = 2
BINS = BANDS * ROWS
_EMPTY = 1 << 32
_ROTATE = 0x9E3779B1
_BIN_MASK = BINS - 1  # BINS is a power of two
_SLOTS = range(BINS)
_EMPTIES = [_EMPTY] * BINS
# Shingle hash: the 64-bit word modulo a prime below 2^32. Its lanes are already hashed token
# codes, so one modulo mixes them well enough, at one C-level operation per shingle.
_PRIME = 4294967291
# Below this many sketches a second process costs more than it saves.
PARALLEL_MIN = 4000


def minhash(codes: str) -> list[int]:
    """BINS minimum values over the unit's shingles of SHINGLE tokens.

    Every code is below 0x10000, so a shingle is one 64-bit word of the UTF-16 encoding; four
    array casts at offsets 0..3 yield every window. Hashing (a modulo),
    deduplication, ordering and the per-bin minimum all run as C-level calls: no Python
    bytecode per shingle, which keeps this inside the cold-index budget."""
    data = codes.encode("utf-16-le")
    count = len(codes)
    words = array("Q")
    if count < SHINGLE:
        words.append(int.from_bytes(data.ljust(8, b"\0"), "little"))
    for offset in range(SHINGLE if count >= SHINGLE else 0):
        usable = (count - offset) // SHINGLE * 8
        words.frombytes(data[2 * offset : 2 * offset + usable])
    # operator functions, not bound dunders: a slot wrapper call costs 5x more per item.
    ordered = sorted(set(map(mod, words, repeat(_PRIME))), reverse=True)
    # Descending order: the last value written to a bin is its minimum.
    lowest = dict(zip(map(and_, ordered, repeat(_BIN_MASK)), ordered, strict=False))
    signature = list(map(lowest.get, _SLOTS, _EMPTIES))
    if len(lowest) == BINS or not ordered:
        return signature if ordered else [0] * BINS
    return _densify(signature, ordered[-1])


def _densify(mins: list[int], smallest: int) -> list[int]:
    """Fill empty bins (short units) from the unit's smallest hash, rotated by bin: two units
    share it with probability equal to their Jaccard similarity, like a filled bin, so the
    fill keeps the collision probabilities of the sketch."""
    return [
        value if value != _EMPTY else (smallest + slot * _ROTATE) & 0xFFFFFFFF
        for slot, value in enumerate(mins)
    ]


def band_keys(signature: list[int]) -> list[str]:
    """One key per band: the band number and its ROWS values in hex."""
    text = array("I", signature).tobytes().hex()
    width = 8 * ROWS
    return [f"{band:x}{text[band * width : (band + 1) * width]}" for band in range(BANDS)]


def band_keys_of(all_codes: list[str]) -> list[list[str]]:
    """Band keys of many units. A first whole-repository scan needs tens of thousands (about
    1.1 s for the standard library's 22,000 scan units): half of them come from a second
    process."""
    return map_in_halves(_band_keys_all, all_codes, PARALLEL_MIN)


def unit_band_keys(codes: str) -> list[str]:
    """The band keys of one unit's code string."""
    return band_keys(minhash(codes))


def _band_keys_all(all_codes: Sequence[str]) -> list[list[str]]:
    return list(map(unit_band_keys, all_codes))
