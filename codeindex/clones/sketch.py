"""Similarity sketch of a code string: one-permutation MinHash over token shingles, cut into
LSH bands that are stored as index terms.

One-permutation hashing (Li, Owen & Zhang 2012) hashes each shingle once and keeps the minimum
per bin, instead of one hash per permutation: the same estimator at 1/BINS of the cost, which
is what keeps fingerprinting inside its budget during a cold index. Empty bins (short units)
borrow from the next non-empty bin, rotated, so two short units still compare fairly.

Two units share a band with probability 1 - (1 - J^ROWS)^BANDS for shingle-set Jaccard J:
with 4-token shingles, one edited statement leaves J around 0.8 (shares a band almost surely)
and several edits (Indel similarity 0.7-0.9) leave J around 0.3-0.6 (0.8-1.0).
"""

from __future__ import annotations

from array import array

SHINGLE = 4
BANDS = 16
ROWS = 2
BINS = BANDS * ROWS
_EMPTY = 1 << 32
_ROTATE = 0x9E3779B1
_BIN_MASK = BINS - 1  # BINS is a power of two
# Shingle hash: the 64-bit word modulo a prime below 2^32. Its lanes are already hashed token
# codes, so one modulo mixes them well enough, at one C-level operation per shingle.
_PRIME = 4294967291


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
    ordered = sorted(set(map(_PRIME.__rmod__, words)), reverse=True)
    # Descending order: the last value written to a bin is its minimum.
    lowest = dict(zip(map(_BIN_MASK.__and__, ordered), ordered, strict=False))
    return _densify([lowest.get(slot, _EMPTY) for slot in range(BINS)])


def _densify(mins: list[int]) -> list[int]:
    if _EMPTY not in mins:
        return mins
    if all(value == _EMPTY for value in mins):
        return [0] * BINS
    filled = list(mins)
    for slot, value in enumerate(mins):
        if value != _EMPTY:
            continue
        distance = 1
        while mins[(slot + distance) % BINS] == _EMPTY:
            distance += 1
        # Rotation keeps borrowed values distinct from the donor bin's own.
        filled[slot] = (mins[(slot + distance) % BINS] + distance * _ROTATE) & 0xFFFFFFFF
    return filled


def band_keys(signature: list[int]) -> list[str]:
    """One key per band: the band number and its ROWS values in hex."""
    text = array("I", signature).tobytes().hex()
    width = 8 * ROWS
    return [f"{band:x}{text[band * width : (band + 1) * width]}" for band in range(BANDS)]
