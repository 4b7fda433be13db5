"""Verified pairs of units into groups: star clusters over one union-find (DisjointSets, which
the block groups of clones.blocks use as well)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from rapidfuzz.distance import Indel

from codeindex.clones.labels import is_test
from codeindex.models import Symbol

if TYPE_CHECKING:
    import numpy

    from codeindex.clones.scan_units import ScanUnits

Item = TypeVar("Item", bound=Hashable)
Pair = tuple[int, int]


class DisjointSets(Generic[Item]):
    """Union-find with path halving. The caller chooses which root a union keeps: a star
    cluster's root is its centre. Items iterate in the order they were first added."""

    def __init__(self) -> None:
        self._parent: dict[Item, Item] = {}

    def add(self, item: Item) -> None:
        self._parent.setdefault(item, item)

    def find(self, item: Item) -> Item:
        """The root of `item`'s set; an item never added is a set of its own."""
        parent = self._parent
        while (up := parent.get(item, item)) != item:
            parent[item] = grand = parent.get(up, up)
            item = grand
        return item

    def join(self, joining: Item, root: Item) -> None:
        """`joining`'s set becomes part of `root`'s, whose root stays the root."""
        self._parent[self.find(joining)] = self.find(root)

    def __iter__(self) -> Iterator[Item]:
        return iter(self._parent)


@dataclass(slots=True)
class Group:
    similarity: float
    members: list[Symbol]
    indexes: list[int]


class Edges(NamedTuple):
    """Verified pairs of units (positions in ScanUnits, first < second) and their
    similarity, as arrays: a dictionary of hundreds of thousands of pairs is tens of
    megabytes."""

    first: numpy.ndarray
    second: numpy.ndarray
    scores: numpy.ndarray


def group(units: ScanUnits, edges: Edges, min_similarity: float) -> list[Group]:
    """Star clusters: edges are taken best first, and two clusters merge only when every
    member of the smaller one is similar to the centre of the bigger one as well, so a chain
    of 0.7 steps cannot drag unrelated code into one group (single linkage made one group of
    hundreds of test methods). A group's similarity is its lowest member-to-centre
    similarity, never below the threshold (checking the centres alone let groups fall under
    it).

    A unit similar only to members of a cluster whose centre it is not similar to would be
    left out of every group, its verified pair never reported. It gets a satellite group
    around its best partner instead, so that partner is in two groups."""
    similarity = _similarity_memo(units, edges)
    found = []  # (similarity, members)
    for root, representatives in _stars_and_satellites(units, edges, similarity, min_similarity):
        indexes = [i for r in representatives for i in units.members(r)]
        if len(indexes) < 2:  # most units: alone, with no copy
            continue
        indexes = drop_nested(units, indexes)
        if len(indexes) < 2:
            continue
        lowest = min((similarity(root, r) for r in representatives if r != root), default=1.0)
        found.append((lowest, indexes))
    # The symbols are decoded once the clustering's many small objects are gone, so that the
    # memory those took can be handed back rather than stay between the symbols.
    del similarity
    units.forget_codes()
    groups = []
    for lowest, indexes in found:
        indexes.sort(key=lambda i: report_order(units.symbol(i)))
        groups.append(Group(lowest, [units.symbol(i) for i in indexes], indexes))
    return groups


def _stars_and_satellites(
    units: ScanUnits,
    edges: Edges,
    similarity: Callable[[int, int], float],
    min_similarity: float,
) -> list[tuple[int, list[int]]]:
    """Each group's centre and representatives: the star clusters, then the satellites."""
    import numpy as np

    sets, clusters = _stars(_best_first(edges), similarity, min_similarity)
    # A representative with no copy and no edge is a group of one: skipped before any list.
    paired = np.zeros(len(units), bool)
    paired[edges.first], paired[edges.second] = True, True
    by_root: dict[int, list[int]] = defaultdict(list)
    for representative in units.representatives.tolist():
        if paired[representative] or len(units.members(representative)) > 1:
            by_root[sets.find(representative)].append(representative)
    satellites = _satellites(_best_first(edges), sets, clusters)
    return [*by_root.items(), *((p, [p, *lones]) for p, lones in satellites.items())]


def _best_first(edges: Edges) -> Iterator[Pair]:
    """The edges by decreasing similarity, then by pair."""
    import numpy as np

    order = np.lexsort((edges.second, edges.first, -edges.scores))
    return zip(edges.first[order].tolist(), edges.second[order].tolist(), strict=True)


def _similarity_memo(units: ScanUnits, edges: Edges) -> Callable[[int, int], float]:
    """Similarity of two units, remembering what was computed: many edges join the same two
    clusters, and each merge attempt checks every joining member again."""
    count = len(units)  # a pair (a, b), a < b, is coded as a * count + b: one int, no tuple
    coded = edges.first * count + edges.second
    known = dict(zip(coded.tolist(), edges.scores.tolist(), strict=True))

    def similarity(a: int, b: int) -> float:
        pair = a * count + b if a < b else b * count + a
        score = known.get(pair)
        if score is None:
            codes_a, codes_b = units.codes(a), units.codes(b)
            score = known[pair] = float(Indel.normalized_similarity(codes_a, codes_b))
        return score

    return similarity


def _stars(
    best_first: Iterable[Pair],
    similarity: Callable[[int, int], float],
    min_similarity: float,
) -> tuple[DisjointSets[int], dict[int, list[int]]]:
    """The merged clusters: the sets, and each centre's members (centre included). A
    cluster's root is its centre: the first unit of its best edge, kept as it grows."""
    sets: DisjointSets[int] = DisjointSets()
    clusters: dict[int, list[int]] = {}
    for a, b in best_first:
        root_a, root_b = sets.find(a), sets.find(b)
        if root_a == root_b:
            continue
        big, small = root_a, root_b
        if len(clusters.get(root_b, ())) > len(clusters.get(root_a, ())):
            big, small = root_b, root_a
        joining = clusters.get(small, [small])
        if not all(similarity(big, member) >= min_similarity for member in joining):
            continue
        sets.join(small, big)
        clusters.setdefault(big, [big]).extend(clusters.pop(small, joining))
    return sets, clusters


def _satellites(
    best_first: Iterable[Pair], sets: DisjointSets[int], clusters: dict[int, list[int]]
) -> dict[int, list[int]]:
    """Units in no cluster, each under its best partner (a lone unit's first edge is its
    best)."""
    satellites: dict[int, list[int]] = defaultdict(list)
    placed: set[int] = set()
    for a, b in best_first:
        for lone, partner in ((a, b), (b, a)):
            merged = lone in clusters or sets.find(lone) != lone
            if not merged and lone not in placed:
                placed.add(lone)
                satellites[partner].append(lone)
    return satellites


def report_order(symbol: Symbol) -> tuple[bool, str, int]:
    return is_test(symbol), symbol.path, symbol.line


def overlapping(a: Symbol, b: Symbol) -> bool:
    """A function and one nested in it are not clones of each other."""
    return a.path == b.path and a.start_line <= b.end_line and b.start_line <= a.end_line


def drop_nested(units: ScanUnits, indexes: list[int]) -> list[int]:
    """Within one group keep a function, not also the functions nested in it."""
    kept: dict[int, list[int]] = defaultdict(list)  # by path: only one file's units can nest
    for i in sorted(indexes, key=lambda i: -units.line_span(i)):
        same_file = kept[int(units.path_id[i])]
        if not any(units.nested(i, k) for k in same_file):
            same_file.append(i)
    return [i for members in kept.values() for i in members]
