"""Whole-repository scans (`code-index dups`): every unit against every other.

Exact T2 forms are grouped by hash; the rest are paired through LSH bands of their MinHash
sketches (clones.sketch). Each candidate pair is verified with the Indel similarity of the T2
code strings, and the verified pairs are grouped (clones.cluster); with `blocks`, copied
blocks inside bigger functions too (clones.blocks)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import Indel

from codeindex.clones import fingerprints, sketch, sketch_cache
from codeindex.clones.blocks import block_groups
from codeindex.clones.cluster import Edges, Group, group, overlapping, report_order
from codeindex.clones.scan_units import ScanUnits, scanned
from codeindex.clones.selection import Found, Labelled, Options, labelled, select
from codeindex.clones.table import CloneTables, Entry, within_reach
from codeindex.models import DuplicatesResult

if TYPE_CHECKING:
    import numpy

    from codeindex.storage import Store

SCAN_MIN_LINES = fingerprints.SCAN_MIN_LINES
SCAN_MIN_TOKENS = fingerprints.SCAN_MIN_TOKENS
# Band buckets larger than this hold boilerplate shared by many units; pairing everything in
# them is quadratic, so each unit is paired with its nearest neighbours by length only.
# Those pairs verify least often of all candidates, hence few neighbours.
BUCKET_ALL_PAIRS = 40
BUCKET_NEIGHBOURS = 3
# A band shared by this few units is specific enough to verify on its own.
RARE_BUCKET = 3
# Otherwise a pair must share this many bands.
SHARED_BANDS = 2
# Candidate pairs checked against the histogram bound at a time: a histogram row per pair
# side for all pairs at once is hundreds of megabytes on a big tree.
REACH_SLICE = 8192
EQUAL_BANDS_SLICE = 16384
VERIFY_SLICE = 1 << 16


def duplicates(
    store: Store,
    tables: CloneTables,
    languages: frozenset[str] | None,
    min_similarity: float,
    options: Options,
    min_lines: int = SCAN_MIN_LINES,
    min_tokens: int = SCAN_MIN_TOKENS,
    blocks: bool = False,
) -> DuplicatesResult:
    def scanned_and_labelled() -> Labelled:
        units = _scan_units(store, tables, languages or (), min_lines, min_tokens, min_similarity)
        found = _found(store, units, min_similarity, min_lines, min_tokens, blocks)
        # The labels read source files, not the units: their code strings and the table's
        # pages go before them.
        units.table.release_pages()
        del units
        return labelled(store.root, found)

    settings = (languages, min_similarity, min_lines, min_tokens, blocks)
    return select(tables.scan(store, settings, scanned_and_labelled), options)


def _found(
    store: Store,
    units: ScanUnits,
    min_similarity: float,
    min_lines: int,
    min_tokens: int,
    blocks: bool,
) -> list[Found]:
    """Identical T2 forms are one class (ScanUnits), paired through its representative."""
    keys = _band_keys(store, units)
    edges = _verified_pairs(units, keys, min_similarity)
    del keys
    groups = [g for g in group(units, edges, min_similarity) if units.full_size[g.indexes].any()]
    found = [
        Found(
            g.similarity,
            g.members,
            [units.fingerprint(i) for i in g.indexes],
            int(units.lengths[g.indexes].sum()),
        )
        for g in groups
    ]
    if blocks:
        units.forget_codes()
        found += _block_duplicates(units.entries(), groups, min_tokens, min_similarity, min_lines)
    return found


def _block_duplicates(
    units: list[Entry],
    groups: list[Group],
    min_tokens: int,
    min_similarity: float,
    min_lines: int,
) -> list[Found]:
    """Groups of blocks copied inside functions (clones.blocks), leaving out functions
    nested in each other and functions already grouped as wholes."""
    together: dict[int, set[int]] = defaultdict(set)
    for whole in groups:
        for index in whole.indexes:
            together[index].update(whole.indexes)

    def unrelated(a: int, b: int) -> bool:
        return b not in together[a] and not overlapping(units[a].symbol, units[b].symbol)

    found = []
    for block in block_groups(units, min_tokens, min_similarity, min_lines, unrelated):
        order = sorted(range(len(block.members)), key=lambda i: report_order(block.members[i]))
        members = [block.members[i] for i in order]
        prints = [block.fingerprints[i] for i in order]
        found.append(Found(block.similarity, members, prints, block.codes, block=True))
    return found


def _scan_units(
    store: Store,
    tables: CloneTables,
    languages: Iterable[str],
    min_lines: int,
    min_tokens: int,
    min_similarity: float,
) -> ScanUnits:
    """The units a scan compares (clones.scan_units).

    The token minimum applies to the bigger side of a pair: a copy that lost a statement
    may fall under it (a 57-token C# method, its copy 45 tokens; `Semaphore.release` of the
    standard library, 46 tokens, and `BoundedSemaphore.release`, the same plus one check).
    The smaller side only has to be big enough to reach the threshold against a unit of the
    minimum size (27 tokens at 0.7). Both sides keep the line minimum, which a reader of
    the report sees."""
    partner_tokens = max(
        fingerprints.MIN_UNIT_TOKENS, fingerprints.partner_minimum(min_tokens, min_similarity)
    )
    marked = min_lines >= SCAN_MIN_LINES and partner_tokens >= fingerprints.SCAN_MARK_TOKENS
    table = tables.get(store, fingerprints.SCAN_TERM if marked else fingerprints.UNIT_TERM)
    return scanned(table, languages, partner_tokens, min_tokens, min_lines)


def _band_keys(store: Store, units: ScanUnits) -> numpy.ndarray:
    """The representatives' band keys, one row each, from the on-disk cache where possible."""
    import numpy as np

    representatives = units.representatives
    digests = units.t2[representatives]
    cached_digests, cached_keys = sketch_cache.load(store.derived_files, sketch.BANDS)
    at = np.minimum(np.searchsorted(cached_digests, digests), max(len(cached_digests) - 1, 0))
    found = cached_digests[at] == digests if len(cached_digests) else np.zeros(len(digests), bool)
    keys = np.empty((len(digests), sketch.BANDS), np.uint64)
    keys[found] = cached_keys[at[found]]
    missing = np.flatnonzero(~found)
    if not len(missing):
        return keys
    keys[missing] = sketch.band_key_array(units.all_codes(representatives[missing].tolist()))
    if len(cached_digests) > 4 * len(digests):  # mostly units that are gone: start over
        every_digest, every_key = digests, keys
    else:
        every_digest = np.concatenate([cached_digests, digests[missing]])
        every_key = np.concatenate([cached_keys, keys[missing]])
    order = np.argsort(every_digest, kind="stable")
    every_digest, every_key = every_digest[order], every_key[order]
    first = np.r_[True, every_digest[1:] != every_digest[:-1]]  # one row per T2 hash
    sketch_cache.save(store.derived_files, sketch.BANDS, every_digest[first], every_key[first])
    return keys


def _verified_pairs(units: ScanUnits, keys: numpy.ndarray, min_similarity: float) -> Edges:
    """The candidate pairs (of representatives) whose similarity reaches the threshold."""
    import numpy as np

    first, second = _candidate_pairs(keys, units.representatives, units.lengths)
    big = units.full_size
    kept = (big[first] | big[second]) & ~units.overlapping(first, second)
    first, second = _within_reach(units, first[kept], second[kept], min_similarity)
    # In rapidfuzz's C loop, on every core, a slice of pairs at a time: lists of both sides'
    # strings for all pairs at once are tens of megabytes on a big tree.
    scores = np.concatenate(
        [
            process.cpdist(
                units.all_codes(a.tolist()),
                units.all_codes(b.tolist()),
                scorer=Indel.normalized_similarity,
                score_cutoff=min_similarity,
                dtype=np.float64,
                workers=-1,
            )
            for a, b in _slices(first, second, VERIFY_SLICE)
        ]
        or [np.zeros(0, np.float64)]
    )
    verified = scores >= min_similarity
    return Edges(first[verified], second[verified], scores[verified])


def _slices(
    first: numpy.ndarray, second: numpy.ndarray, size: int
) -> Iterator[tuple[numpy.ndarray, numpy.ndarray]]:
    for start in range(0, len(first), size):
        yield first[start : start + size], second[start : start + size]


def _within_reach(
    units: ScanUnits, first: numpy.ndarray, second: numpy.ndarray, min_similarity: float
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The candidate pairs whose code counts allow the threshold (clones.table's histogram
    bound), checked in numpy a slice at a time."""
    import numpy as np

    lengths = units.lengths
    reachable = np.concatenate(
        [
            within_reach(
                units.histograms(a), units.histograms(b), lengths[a] + lengths[b], min_similarity
            )
            for a, b in _slices(first, second, REACH_SLICE)
        ]
        or [np.zeros(0, bool)]
    )
    return first[reachable], second[reachable]


def _candidate_pairs(
    keys: numpy.ndarray, representatives: Sequence[int] | numpy.ndarray, lengths: numpy.ndarray
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Pairs (first < second) sharing at least two LSH bands (one of them may be in a crowded
    bucket), or one band that few units share; in a band bucket too crowded to pair
    everything, each unit with its neighbours by length.

    One shared band in a crowded bucket is mostly shared boilerplate, so a second shared band
    is required, which an edited copy (shingle Jaccard 0.4 and more) still has with two of
    32 bands with probability 0.97 or more. The buckets are runs of equal keys after one
    sort, paired in numpy rather than in a dictionary of buckets."""
    import numpy as np

    if len(representatives) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # Stable, so each bucket lists its members in increasing order, like representatives.
    order = np.argsort(keys.ravel(), kind="stable")
    bucket_keys = keys.ravel()[order]
    starts = np.flatnonzero(np.r_[True, bucket_keys[1:] != bucket_keys[:-1]])
    del bucket_keys
    sizes = np.diff(np.r_[starts, len(order)])
    del starts
    # Most keys are in no other unit's bucket: those buckets are dropped before any pairing.
    shared = sizes >= 2
    order = order[np.repeat(shared, sizes)]
    members = np.asarray(representatives, dtype=np.int64)[order // keys.shape[1]]
    del order
    sizes = sizes[shared]
    bucket = np.repeat(np.arange(len(sizes)), sizes)
    count = len(lengths)  # a pair (a, b) is coded as a * count + b
    direct = _shared_band_pairs(keys, representatives, count, bucket, members, sizes)
    direct += _crowded_pairs(lengths, count, bucket, members, sizes)
    pairs = np.concatenate(direct)
    direct.clear()
    pairs.sort()
    # Sorted, then the first of each run: np.unique hashes int64 arrays, which is slower.
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    return pairs // count, pairs % count


def _shared_band_pairs(
    keys: numpy.ndarray,
    representatives: Sequence[int] | numpy.ndarray,
    count: int,
    bucket: numpy.ndarray,
    members: numpy.ndarray,
    sizes: numpy.ndarray,
) -> list[numpy.ndarray]:
    """Coded pairs inside buckets of 2 to BUCKET_ALL_PAIRS members: those of a rare bucket,
    and those sharing SHARED_BANDS bands."""
    import numpy as np

    direct, shared = [], []
    paired = np.flatnonzero((sizes[bucket] >= 2) & (sizes[bucket] <= BUCKET_ALL_PAIRS))
    paired_bucket, paired_member = bucket[paired], members[paired]
    rare_member = sizes[paired_bucket] <= RARE_BUCKET
    for gap in range(1, BUCKET_ALL_PAIRS):
        at = np.flatnonzero(paired_bucket[:-gap] == paired_bucket[gap:])
        if not len(at):
            break
        coded = paired_member[at] * count + paired_member[at + gap]
        rare = rare_member[at]
        direct.append(coded[rare])
        shared.append(coded[~rare])
    coded = np.concatenate(shared) if shared else np.zeros(0, dtype=np.int64)
    shared.clear()  # sorted in place, the pieces gone: the biggest arrays of a scan
    coded.sort()
    if len(coded):
        # The first of each run of equal pairs, and whether the run is SHARED_BANDS long (the
        # array is sorted: its SHARED_BANDS-th element is the same pair), as masks: index
        # arrays as long as every shared band would be the biggest arrays of a scan.
        first = np.empty(len(coded), bool)
        first[0] = True
        np.not_equal(coded[1:], coded[:-1], out=first[1:])
        often = np.zeros(len(coded), bool)
        reach = len(coded) - SHARED_BANDS + 1
        if reach > 0:
            np.equal(coded[:reach], coded[SHARED_BANDS - 1 :], out=often[:reach])
        direct.append(coded[first & often])
        # A band shared in a crowded bucket counts as well: such a bucket pairs by length
        # only, and many real copies share one band in a small bucket and another in a
        # crowded one.
        once = coded[first & ~often]
        del coded, first, often
        row = np.zeros(count, dtype=np.int64)
        row[representatives] = np.arange(len(representatives))
        direct.append(once[_share_bands(keys, row, once, count)])
    return direct


def _crowded_pairs(
    lengths: numpy.ndarray,
    count: int,
    bucket: numpy.ndarray,
    members: numpy.ndarray,
    sizes: numpy.ndarray,
) -> list[numpy.ndarray]:
    """Crowded buckets: members ordered by length (then index) within each bucket, and each
    paired with the next BUCKET_NEIGHBOURS."""
    import numpy as np

    crowded = np.flatnonzero(sizes[bucket] > BUCKET_ALL_PAIRS)
    crowded_bucket, crowded_member = bucket[crowded], members[crowded]
    order = np.lexsort((crowded_member, lengths[crowded_member], crowded_bucket))
    crowded_bucket, crowded_member = crowded_bucket[order], crowded_member[order]
    direct = []
    for gap in range(1, BUCKET_NEIGHBOURS + 1):
        at = np.flatnonzero(crowded_bucket[:-gap] == crowded_bucket[gap:])
        a, b = crowded_member[at], crowded_member[at + gap]
        direct.append(np.minimum(a, b) * count + np.maximum(a, b))
    return direct


def _share_bands(
    keys: numpy.ndarray, row: numpy.ndarray, coded: numpy.ndarray, count: int
) -> numpy.ndarray:
    """Which coded pairs have SHARED_BANDS band keys in common (a unit's keys are row `row[unit]`
    of `keys`), a slice of pairs at a time."""
    import numpy as np

    parts = [
        (keys[row[part // count]] == keys[row[part % count]]).sum(axis=1) >= SHARED_BANDS
        for part in (
            coded[start : start + EQUAL_BANDS_SLICE]
            for start in range(0, len(coded), EQUAL_BANDS_SLICE)
        )
    ]
    return np.concatenate(parts) if parts else np.zeros(0, bool)
