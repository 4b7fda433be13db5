"""Clone queries over the index: a snippet against every unit, and every unit against every
other. Whole-repository scans group exact T2 forms by hash, then pair the rest through LSH
bands of their MinHash sketches (clones.sketch); snippet queries compare against every unit
in the length window that can reach the threshold. Either way each candidate is verified
with the Indel similarity of the T2 code strings, and that similarity is what is reported."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import Indel
from rapidfuzz.fuzz import partial_ratio

from codeindex.clones import fingerprints, sketch, sketch_cache
from codeindex.clones.blocks import block_groups
from codeindex.clones.labels import is_test
from codeindex.clones.selection import Found, Options, select
from codeindex.clones.snippet import QueryUnit, query_units
from codeindex.clones.snippet import check as check_snippet
from codeindex.clones.table import CloneTable, Entry, code_histograms, load, within_reach
from codeindex.gc_pause import cyclic_gc_paused
from codeindex.models import (
    DuplicatesResult,
    SimilarMatch,
    SimilarResult,
    Symbol,
)
from codeindex.store import Store

if TYPE_CHECKING:
    import numpy

SCAN_MIN_LINES = fingerprints.SCAN_MIN_LINES
SCAN_MIN_TOKENS = fingerprints.SCAN_MIN_TOKENS
# When no match reaches the threshold, `similar` shows this many below it, down to the
# threshold less NEAR_MARGIN (never under NEAR_FLOOR).
NEAR_MISSES = 3
NEAR_MARGIN = 0.15
NEAR_FLOOR = 0.5
# Candidates verified per snippet unit, best fingerprint overlap first.
SNIPPET_CANDIDATES = 80
# Band buckets larger than this hold boilerplate shared by many units; pairing everything in
# them is quadratic, so each unit is paired with its nearest neighbours by length only.
# Those pairs verify least often (1 in 100 on the standard library, against 1 in 3 for the
# other rules): 3 neighbours rather than 6 took 0.2 s off a scan and 14 of 3,211 groups, and
# no copy in the mutation benchmarks.
BUCKET_ALL_PAIRS = 40
BUCKET_NEIGHBOURS = 3
# A band shared by this few units is specific enough to verify on its own.
RARE_BUCKET = 3
# Otherwise a pair must share this many bands.
SHARED_BANDS = 2
# -- snippet -----------------------------------------------------------------------------------


def similar(
    store: Store,
    code: str,
    languages: frozenset[str] | None,
    limit: int,
    min_similarity: float,
) -> SimilarResult:
    """Existing units like `code`, best first. Raises ValueError when the snippet is empty or
    too short to compare."""
    check_snippet(code)
    units = query_units(code, languages)
    if not units:
        raise ValueError(
            "the snippet is too short to compare; give a whole function or a few statements "
            f"(at least {query_min_tokens()} tokens)"
        )
    allowed = set(languages or {unit.language for unit in units})
    if allowed & {"typescript", "tsx"}:
        allowed |= {"typescript", "tsx"}  # one language, two grammars
    table = load(store)
    ranked = _ranked_matches(table, units, allowed, min_similarity)
    matches = [SimilarMatch(symbol, -rank[1]) for rank, symbol in ranked[:limit]]
    if matches or min_similarity <= NEAR_FLOOR:
        return SimilarResult(matches=matches, total=len(ranked))
    # Nothing reached the threshold: the nearest below it, marked as such. On
    # django-allauth the real answers to two drafted helpers scored 0.64 and 0.67.
    floor = max(NEAR_FLOOR, min_similarity - NEAR_MARGIN)
    near = _ranked_matches(table, units, allowed, floor)[:NEAR_MISSES]
    return SimilarResult(
        matches=[],
        total=0,
        near_misses=[SimilarMatch(symbol, -rank[1]) for rank, symbol in near],
        note=(
            f"nothing reaches {min_similarity:.2f}; near_misses are the closest "
            f"{floor:.2f}-{min_similarity:.2f} matches, worth a look but not copies"
            if near
            else ""
        ),
    )


_Ranked = tuple[tuple[bool, float], Symbol]


def _ranked_matches(
    table: CloneTable, units: list[QueryUnit], allowed: set[str], min_similarity: float
) -> list[_Ranked]:
    """Ranked by (nested, -similarity): the snippet's outermost functions are what is about
    to be written, so their matches come before those of functions nested in them (a
    helper inside the function, copied unchanged, would otherwise outrank the function)."""
    best: dict[tuple[str, int], _Ranked] = {}
    for unit in units:
        if unit.fragment:
            candidates = _fragment_candidates(table, unit.codes, allowed)
        else:
            candidates = _length_window_candidates(table, unit.codes, min_similarity)
        for index in candidates:
            entry = table.entries[index]
            symbol = entry.symbol
            if symbol.language not in allowed:
                continue
            score = _snippet_similarity(unit.codes, entry.unit.codes, unit.fragment)
            if score < min_similarity:
                continue
            key = (symbol.path, symbol.line)
            rank = (unit.nested, -score)
            if key not in best or rank < best[key][0]:
                best[key] = (rank, symbol)
    return sorted(best.values(), key=lambda item: (item[0], item[1].path, item[1].line))


def _length_window_candidates(table: CloneTable, codes: str, min_similarity: float) -> list[int]:
    """Every unit that can reach the threshold, compared in rapidfuzz's C loop.

    Exhaustive rather than LSH, so it misses nothing: the length window first (Indel
    similarity <= 2*min(a, b)/(a + b)), then the code histograms' bound on the common
    subsequence, which leaves about 2% of the window to compare on the standard library
    (20-24 ms -> 3 ms for a 30-line snippet)."""
    import numpy as np

    units = table.by_length()
    size = len(codes)
    low = int(np.searchsorted(units.lengths, size * min_similarity / (2 - min_similarity)))
    high = int(
        np.searchsorted(units.lengths, size * (2 - min_similarity) / min_similarity, "right")
    )
    reachable = within_reach(
        units.histograms[low:high],
        code_histograms([codes]),
        size + units.lengths[low:high],
        min_similarity,
    )
    window = (low + np.flatnonzero(reachable)).tolist()
    found = process.extract(
        codes,
        [units.codes[i] for i in window],
        scorer=Indel.normalized_similarity,
        score_cutoff=min_similarity,
        limit=SNIPPET_CANDIDATES,
    )
    return [units.order[window[position]] for _, _, position in found]


def _fragment_candidates(table: CloneTable, codes: str, languages: set[str]) -> list[int]:
    """Bare statements share too few shingles with the function around them for the LSH
    bands, so align them against every unit that could contain them, in rapidfuzz's C loop.
    Slower than a band lookup; only used for snippets that are not whole functions."""
    indexes = [
        i
        for i, entry in enumerate(table.entries)
        if entry.symbol.language in languages and len(entry.unit.codes) >= len(codes)
    ]
    import numpy as np

    # On every core: a 20-line fragment against the standard library took 370-390 ms in
    # one thread. The units are the rows, since cdist shares rows among its threads;
    # partial_ratio aligns the shorter string with the longer whichever side it is on.
    scores = process.cdist(
        [table.entries[i].unit.codes for i in indexes],
        [codes],
        scorer=partial_ratio,
        score_cutoff=50,
        dtype=np.float64,
        workers=-1,
    )[:, 0]
    best = np.argsort(-scores, kind="stable")[:SNIPPET_CANDIDATES]
    return [indexes[position] for position in best.tolist() if scores[position] >= 50]


def query_min_tokens() -> int:
    from codeindex.clones.snippet import SNIPPET_MIN_TOKENS

    return SNIPPET_MIN_TOKENS


def _snippet_similarity(query: str, codes: str, fragment: bool) -> float:
    score = Indel.normalized_similarity(query, codes)
    if fragment and len(query) < len(codes):
        # Bare statements are judged against the best-aligned stretch of the function.
        score = max(score, partial_ratio(query, codes) / 100.0)
    return score


# -- whole repository --------------------------------------------------------------------------


def duplicates(
    store: Store,
    languages: frozenset[str] | None,
    min_similarity: float,
    options: Options,
    min_lines: int = SCAN_MIN_LINES,
    min_tokens: int = SCAN_MIN_TOKENS,
    blocks: bool = False,
) -> DuplicatesResult:
    with cyclic_gc_paused():
        found = _duplicates(store, languages, min_similarity, min_lines, min_tokens, blocks)
        return select(store.root, found, options)


def _duplicates(
    store: Store,
    languages: frozenset[str] | None,
    min_similarity: float,
    min_lines: int,
    min_tokens: int,
    blocks: bool,
) -> list[Found]:
    units, full_size = _scan_units(store, languages or (), min_lines, min_tokens, min_similarity)
    # Identical T2 forms collapse into one representative before any pairing.
    classes: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(units):
        classes[item.unit.t2].append(index)
    representatives = [members[0] for members in classes.values()]
    for members in classes.values():  # one layout may meet the line minimum, another not
        if any(full_size[i] for i in members):
            for i in members:
                full_size[i] = True
    _fill_sketches(store, units, representatives)
    edges = _verified_pairs(units, representatives, min_similarity, full_size)
    groups = [
        g
        for g in _group(units, classes, edges, min_similarity)
        if any(full_size[i] for i in g.indexes)
    ]
    found = [
        Found(
            g.similarity,
            g.members,
            [units[i].unit.t2 for i in g.indexes],
            sum(len(units[i].unit.codes) for i in g.indexes),
        )
        for g in groups
    ]
    if blocks:
        found += _block_duplicates(units, groups, min_tokens, min_similarity, min_lines)
    return found


def _block_duplicates(
    units: list[Entry],
    groups: list[_Group],
    min_tokens: int,
    min_similarity: float,
    min_lines: int,
) -> list[Found]:
    """Groups of blocks copied inside functions (clones.blocks), leaving out functions
    nested in each other and functions already grouped as wholes."""
    together: dict[int, set[int]] = defaultdict(set)
    for group in groups:
        for index in group.indexes:
            together[index].update(group.indexes)

    def unrelated(a: int, b: int) -> bool:
        return b not in together[a] and not _overlapping(units[a].symbol, units[b].symbol)

    found = []
    for block in block_groups(units, min_tokens, min_similarity, min_lines, unrelated):
        order = sorted(range(len(block.members)), key=lambda i: _report_order(block.members[i]))
        members = [block.members[i] for i in order]
        prints = [block.fingerprints[i] for i in order]
        found.append(Found(block.similarity, members, prints, block.codes, block=True))
    return found


def _scan_units(
    store: Store, languages: Iterable[str], min_lines: int, min_tokens: int, min_similarity: float
) -> tuple[list[Entry], list[bool]]:
    """The units a scan compares, in source order, and whether each meets the minimum size.

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
    table = load(store, fingerprints.SCAN_TERM if marked else fingerprints.UNIT_TERM)
    wanted = set(languages)
    units = []
    for entry in table.entries:
        symbol, unit = entry.symbol, entry.unit
        if wanted and symbol.language not in wanted:
            continue
        if unit.size < partner_tokens or fingerprints.FLAG_DATA in unit.flags:
            continue
        if _lines(symbol) < min_lines:
            continue
        units.append(entry)
    # In source order, not the index's document order (which depends on the order files
    # were indexed in): ties between equal similarities then break the same way every time.
    units.sort(key=lambda entry: (entry.symbol.path, entry.symbol.line, entry.symbol.end_line))
    full_size = [e.unit.size >= min_tokens and _lines(e.symbol) >= min_lines for e in units]
    return units, full_size


def _lines(symbol: Symbol) -> int:
    return symbol.end_line - (symbol.start_line or symbol.line) + 1


def _fill_sketches(store: Store, units: list[Entry], representatives: list[int]) -> None:
    """Band keys for the representatives, from the on-disk cache where possible."""
    cached = sketch_cache.load(store.directory, sketch.BANDS)
    missing = []
    for index in representatives:
        entry = units[index]
        if entry.bands is None:
            entry.bands = cached.get(entry.unit.t2)
            if entry.bands is None:
                missing.append(entry)
    for entry, bands in zip(
        missing, sketch.band_keys_of([entry.unit.codes for entry in missing]), strict=True
    ):
        entry.bands = cached[entry.unit.t2] = bands
    if missing:
        if len(cached) > 4 * len(representatives):  # mostly units that are gone: start over
            cached = {units[i].unit.t2: units[i].band_keys() for i in representatives}
        sketch_cache.save(store.directory, sketch.BANDS, cached)


def _verified_pairs(
    units: list[Entry], representatives: list[int], min_similarity: float, full_size: list[bool]
) -> dict[tuple[int, int], float]:
    import numpy as np

    codes = [entry.unit.codes for entry in units]
    lengths = np.fromiter(map(len, codes), dtype=np.int64, count=len(codes))
    first, second = _candidate_pairs(units, representatives, lengths)
    big = np.array(full_size, dtype=bool)
    either = big[first] | big[second]  # two units under the minimum are not a pair
    first, second = _within_reach(codes, lengths, first[either], second[either], min_similarity)
    symbols = [entry.symbol for entry in units]
    pairs = [
        (a, b)
        for a, b in zip(first.tolist(), second.tolist(), strict=True)
        if not _overlapping(symbols[a], symbols[b])
    ]
    # All pairs in rapidfuzz's C loop, on every core.
    scores = process.cpdist(
        [codes[a] for a, _ in pairs],
        [codes[b] for _, b in pairs],
        scorer=Indel.normalized_similarity,
        score_cutoff=min_similarity,
        dtype=np.float64,
        workers=-1,
    )
    return {pairs[i]: float(scores[i]) for i in np.flatnonzero(scores >= min_similarity).tolist()}


def _within_reach(
    codes: list[str],
    lengths: numpy.ndarray,
    first: numpy.ndarray,
    second: numpy.ndarray,
    min_similarity: float,
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The candidate pairs whose code counts allow the threshold: about a fifth of them on the
    standard library (395k -> 82k), in a fraction of a second for all in numpy."""
    import numpy as np

    histograms = code_histograms(codes)
    slices = 1 + len(first) // 8192
    reachable = np.concatenate(
        [
            # In slices: a histogram row per pair side for all pairs at once took 40 MB per
            # 100k pairs.
            within_reach(histograms[a], histograms[b], lengths[a] + lengths[b], min_similarity)
            for a, b in zip(
                np.array_split(first, slices), np.array_split(second, slices), strict=True
            )
        ]
    )
    return first[reachable], second[reachable]


def _candidate_pairs(
    units: list[Entry], representatives: list[int], lengths: numpy.ndarray
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Pairs (first < second) sharing at least two LSH bands (one of them may be in a crowded
    bucket), or one band that few units share; in a band bucket too crowded to pair
    everything, each unit with its neighbours by length.

    On the standard library one shared band in a crowded bucket is mostly shared
    boilerplate: requiring a second band cut candidates tenfold (267k -> 23k pairs, with 16
    bands), and an edited copy (shingle Jaccard 0.4+) still shares two of 32 bands with
    probability 0.97+.
    The buckets are runs of equal keys after one sort, paired in numpy: 0.3 s for the
    standard library's 335k pairs, where a dictionary of buckets and pairs made one at a time
    took 0.7 s for 97k (16 bands)."""
    import numpy as np

    if len(representatives) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    keys = np.array([units[i].band_keys() for i in representatives], dtype=np.uint64)
    owners = np.repeat(np.asarray(representatives, dtype=np.int64), keys.shape[1])
    # Stable, so each bucket lists its members in increasing order, like representatives.
    order = np.argsort(keys.ravel(), kind="stable")
    bucket_keys, members = keys.ravel()[order], owners[order]
    starts = np.flatnonzero(np.r_[True, bucket_keys[1:] != bucket_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(members)])
    bucket = np.repeat(np.arange(len(starts)), sizes)
    count = len(units)  # a pair (a, b) is coded as a * count + b
    direct, shared = [], []
    # Every pair inside buckets of 2 to 40 members; most keys are in no other unit's bucket,
    # so those buckets' members are taken apart first.
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
    coded = np.sort(np.concatenate(shared)) if shared else np.zeros(0, dtype=np.int64)
    if len(coded):
        run_starts = np.flatnonzero(np.r_[True, coded[1:] != coded[:-1]])
        times = np.diff(np.r_[run_starts, len(coded)])
        direct.append(coded[run_starts[times >= SHARED_BANDS]])
        # A band shared in a crowded bucket counts as well: such a bucket pairs by length
        # only, and on the standard library 2,230 pairs of 0.7 or more shared one band in a
        # bucket of 4-40 and another in a crowded one (16,676 were found without them).
        once = coded[run_starts[times < SHARED_BANDS]]
        row = np.zeros(count, dtype=np.int64)
        row[representatives] = np.arange(len(representatives))
        shared_bands = _equal_bands(keys, row[once // count], row[once % count])
        direct.append(once[shared_bands >= SHARED_BANDS])
    # Crowded buckets: members ordered by length (then index) within each bucket, and each
    # paired with the next BUCKET_NEIGHBOURS.
    crowded = np.flatnonzero(sizes[bucket] > BUCKET_ALL_PAIRS)
    crowded_bucket, crowded_member = bucket[crowded], members[crowded]
    order = np.lexsort((crowded_member, lengths[crowded_member], crowded_bucket))
    crowded_bucket, crowded_member = crowded_bucket[order], crowded_member[order]
    for gap in range(1, BUCKET_NEIGHBOURS + 1):
        at = np.flatnonzero(crowded_bucket[:-gap] == crowded_bucket[gap:])
        a, b = crowded_member[at], crowded_member[at + gap]
        direct.append(np.minimum(a, b) * count + np.maximum(a, b))
    pairs = np.sort(np.concatenate(direct))
    # Sorted, then the first of each run: np.unique hashes int64 arrays, 5x slower here (and
    # with counts, 157 ms against 50 for the standard library's shared-band pairs).
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    return pairs // count, pairs % count


def _equal_bands(keys: numpy.ndarray, first: numpy.ndarray, second: numpy.ndarray) -> numpy.ndarray:
    """How many band keys rows `first` and `second` of `keys` have in common, pair by pair;
    16,384 pairs at a time (each a pair of rows, 512 bytes)."""
    import numpy as np

    slices = 1 + len(first) // 16384
    counts = [
        (keys[a] == keys[b]).sum(axis=1)
        for a, b in zip(np.array_split(first, slices), np.array_split(second, slices), strict=True)
    ]
    return np.concatenate(counts)


def _overlapping(a: Symbol, b: Symbol) -> bool:
    """A function and one nested in it are not clones of each other."""
    return a.path == b.path and a.start_line <= b.end_line and b.start_line <= a.end_line


@dataclass(slots=True)
class _Group:
    similarity: float
    members: list[Symbol]
    indexes: list[int]


def _group(
    units: list[Entry],
    classes: dict[str, list[int]],
    edges: dict[tuple[int, int], float],
    min_similarity: float,
) -> list[_Group]:
    """Star clusters: edges are taken best first, and two clusters merge only when every
    member of the smaller one is similar to the centre of the bigger one as well, so a chain
    of 0.7 steps cannot drag unrelated code into one group (single linkage made one stdlib
    group of 583 test methods). A group's similarity is its lowest member-to-centre
    similarity, never below the threshold (checking the centres alone let 85 of 2,576 stdlib
    groups fall to 0.54-0.69).

    A unit similar only to members of a cluster whose centre it is not similar to would be
    left out of every group, its verified pair never reported (over 200 such groups on the
    standard library). It gets a satellite group around its best partner instead, so that
    partner is in two groups."""
    parent: dict[int, int] = {}
    clusters: dict[int, list[int]] = {}  # centre -> its members, centre included

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    # Scores already known: the verified edges, and what merge attempts computed. Many edges
    # join the same two clusters, and each attempt checks every joining member again (on
    # Rust's library, 271k comparisons and 1.1 s before this was remembered).
    known = dict(edges)

    def similarity(a: int, b: int) -> float:
        pair = (a, b) if a < b else (b, a)
        score = known.get(pair)
        if score is None:
            codes_a, codes_b = units[a].unit.codes, units[b].unit.codes
            score = known[pair] = float(Indel.normalized_similarity(codes_a, codes_b))
        return score

    def similar_to(centre: int, member: int) -> bool:
        return similarity(centre, member) >= min_similarity

    # A cluster's root is its centre: the first unit of its best edge, kept as it grows.
    best_first = sorted(edges.items(), key=lambda item: (-item[1], item[0]))
    for (a, b), _ in best_first:
        root_a, root_b = find(a), find(b)
        if root_a == root_b:
            continue
        big, small = root_a, root_b
        if len(clusters.get(root_b, ())) > len(clusters.get(root_a, ())):
            big, small = root_b, root_a
        joining = clusters.get(small, [small])
        if not all(similar_to(big, member) for member in joining):
            continue
        parent[small] = big
        clusters.setdefault(big, [big]).extend(clusters.pop(small, joining))
    by_root: dict[int, list[int]] = defaultdict(list)
    for members in classes.values():
        by_root[find(members[0])].append(members[0])
    satellites: dict[int, list[int]] = defaultdict(list)
    placed: set[int] = set()
    for (a, b), _ in best_first:  # a lone unit's first edge is its best
        for lone, partner in ((a, b), (b, a)):
            if lone not in parent and lone not in clusters and lone not in placed:
                placed.add(lone)
                satellites[partner].append(lone)
    stars = [*by_root.items(), *((p, [p, *lones]) for p, lones in satellites.items())]
    groups = []
    for root, representatives in stars:
        indexes = [i for r in representatives for i in classes[units[r].unit.t2]]
        if len(indexes) < 2:  # most units: alone, with no copy
            continue
        indexes = _drop_nested(units, indexes)
        if len(indexes) < 2:
            continue
        lowest = min((similarity(root, r) for r in representatives if r != root), default=1.0)
        indexes.sort(key=lambda i: _report_order(units[i].symbol))
        groups.append(_Group(lowest, [units[i].symbol for i in indexes], indexes))
    return groups


def _report_order(symbol: Symbol) -> tuple[bool, str, int]:
    return is_test(symbol), symbol.path, symbol.line


def _drop_nested(units: list[Entry], indexes: list[int]) -> list[int]:
    """Within one group keep a function, not also the functions nested in it."""
    kept: dict[str, list[int]] = defaultdict(list)  # by path: only one file's units can nest
    for i in sorted(indexes, key=lambda i: -units[i].line_span):
        same_file = kept[units[i].symbol.path]
        if not any(_overlapping(units[i].symbol, units[k].symbol) for k in same_file):
            same_file.append(i)
    return [i for members in kept.values() for i in members]
