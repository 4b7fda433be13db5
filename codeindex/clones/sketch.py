"""Similarity sketch of a code string: one-permutation MinHash over token shingles, cut into
LSH bands that key the whole-repository scan's candidate buckets.

One-permutation hashing (Li, Owen & Zhang 2012) hashes each shingle once and keeps the minimum
per bin, instead of one hash per permutation: the same estimator at 1/BINS of the cost. Empty
bins (short units) borrow the next filled bin's value (densification by rotation).

A band matches with probability J^ROWS for shingle-set Jaccard J. With 4-token shingles, one
edited statement leaves J around 0.8 and several edits (Indel similarity 0.7-0.9) around
0.3-0.6; the scan's usual rule, two shared bands (clones.scan), then holds with probability
0.80 at J = 0.3 and 0.97 at 0.4 with 32 bands of 2 rows (0.43 and 0.75 with 16: see BANDS).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy

# Not 3: shorter shingles are commoner, crowd the buckets (so fewer verified pairs) and nearly
# double the candidate pairs, for hardly any recall (bench/HISTORY.md).
SHINGLE = 4
# 32 bands rather than 16: more several-edits copies found in every language but Rust, with
# the same precision, for more candidate pairs, most of which the histogram bound drops.
BANDS = 32
ROWS = 2
BINS = BANDS * ROWS
_EMPTY = 1 << 32
CHUNK = 4096
_ROTATE = 0x9E3779B1
# Shingle hash: the 64-bit word of four 16-bit token codes modulo a prime below 2^32. The
# codes are already hashed token texts, so one modulo mixes them well enough.
_PRIME = 4294967291
# Odd 64-bit constant (from the golden ratio): band b's keys are XORed with b times it.
_BAND_MIX = 0x9E3779B97F4A7C15


def band_keys_of(all_codes: Sequence[str]) -> list[list[int]]:
    """The band keys of each unit, as lists (band_key_array)."""
    return band_key_array(all_codes).tolist()  # type: ignore[no-any-return]


def band_key_array(all_codes: Sequence[str]) -> numpy.ndarray:
    """The band keys of each unit, one row of BANDS per unit: per band, its ROWS bin minima
    packed into one 64-bit number, mixed with the band number so that equal minima in two
    bands are two keys.

    Units are sketched CHUNK at a time in numpy: one unit at a time in Python calls is
    several times slower, and all at once makes arrays as long as the corpus' code, whose
    page faults cost more than the chunking saves and raise the peak memory."""
    import numpy as np

    keys = np.empty((len(all_codes), BANDS), np.uint64)
    for start in range(0, len(all_codes), CHUNK):
        chunk = all_codes[start : start + CHUNK]
        keys[start : start + len(chunk)] = _band_keys(chunk)
    return keys


def _band_keys(all_codes: Sequence[str]) -> numpy.ndarray:
    import numpy as np

    minima = _signatures(all_codes).reshape(len(all_codes), BANDS, ROWS)
    packed = minima[:, :, 0]
    for row in range(1, ROWS):
        packed = packed | (minima[:, :, row] << np.uint64(32 * row))
    return packed ^ (np.arange(BANDS, dtype=np.uint64) * np.uint64(_BAND_MIX))  # type: ignore[no-any-return]


def unit_band_keys(codes: str) -> list[int]:
    """The band keys of one unit's code string."""
    return band_keys_of([codes])[0]


def _signatures(all_codes: Sequence[str]) -> numpy.ndarray:
    """BINS minimum shingle hashes per unit, one row per unit.

    Every code is below 0x10000, so the units' codes are one array of 16-bit values and a
    shingle is SHINGLE neighbours packed into a 64-bit word. A unit shorter than a shingle is
    padded with zeros to one; no shingle reaches from one unit into the next."""
    import numpy as np

    padded = [codes.ljust(SHINGLE, "\0") for codes in all_codes]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    tokens = np.frombuffer("".join(padded).encode("utf-16-le"), dtype="<u2").astype(np.uint64)
    count = len(tokens) - SHINGLE + 1
    hashes = tokens[:count].copy()
    for offset in range(1, SHINGLE):
        hashes |= tokens[offset : offset + count] << np.uint64(16 * offset)
    del tokens
    # In place, in unsigned 64 bits throughout: every copy of these arrays costs page faults.
    np.remainder(hashes, np.uint64(_PRIME), out=hashes)
    # A shingle starting in a unit's last SHINGLE - 1 tokens would reach into the next unit:
    # as EMPTY it never is a bin's minimum.
    crossing = (np.cumsum(lengths)[:, None] - np.arange(1, SHINGLE)).ravel()
    hashes[crossing[crossing < count]] = _EMPTY
    owner = np.repeat(np.arange(len(padded), dtype=np.int64), lengths)[:count]
    signatures: np.ndarray = np.full(len(padded) * BINS, _EMPTY, dtype=np.uint64)
    np.minimum.at(
        signatures, owner * BINS + (hashes & np.uint64(BINS - 1)).astype(np.int64), hashes
    )
    signatures = signatures.reshape(len(padded), BINS)
    empty = signatures == _EMPTY
    if empty.any():
        # Rotation (Shrivastava & Li 2014): an empty bin takes the value of the next filled
        # bin to its right, circularly, shifted by the distance. Filling every empty bin from
        # the unit's one smallest hash instead left short units (a 70-token unit has about 21
        # of 64 bins empty) with no band in common whenever their smallest hashes differed,
        # which cost several-edits recall.
        doubled = np.concatenate([signatures, signatures], axis=1)
        positions = np.where(doubled != _EMPTY, np.arange(2 * BINS), 2 * BINS)
        nearest = np.minimum.accumulate(positions[:, ::-1], axis=1)[:, ::-1][:, :BINS]
        distance = (nearest - np.arange(BINS)).astype(np.uint64)
        borrowed = np.take_along_axis(doubled, nearest, axis=1)
        signatures = (borrowed + distance * np.uint64(_ROTATE)) & np.uint64(0xFFFFFFFF)
    return signatures
