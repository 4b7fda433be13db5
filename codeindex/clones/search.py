"""Clone queries over the index: a snippet against every unit, and every unit against every
other. Candidates come from the fingerprints (exact T2 hash, LSH bands); each candidate pair
is verified with the Indel similarity of the T2 code strings before it is reported."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Indel
from rapidfuzz.fuzz import partial_ratio

from codeindex.clones import fingerprints, sketch
from codeindex.clones.snippet import query_units
from codeindex.models import (
    DuplicateGroup,
    DuplicatesResult,
    SimilarMatch,
    SimilarResult,
    Symbol,
)
from codeindex.store import Store, symbol_from_stored

DEFAULT_MIN_SIMILARITY = 0.7
SCAN_MIN_LINES = 6
SCAN_MIN_TOKENS = 50
# Candidates verified per snippet unit, best fingerprint overlap first.
SNIPPET_CANDIDATES = 80
# Band buckets larger than this hold boilerplate shared by many units; pairing everything in
# them is quadratic, so each unit is paired with its nearest neighbours by length only.
BUCKET_ALL_PAIRS = 40
BUCKET_NEIGHBOURS = 6
_TEST_PATH = re.compile(
    r"(^|/)(tests?|testing|__tests__|spec|specs)(/|$)|(^|/)test_[^/]*$|_tests?\.(py|go|rs)$|"
    r"\.(test|spec)\.[cm]?[jt]sx?$|Tests?\.cs$|(^|/)conftest\.py$",
    re.IGNORECASE,
)


def is_test_path(path: str) -> bool:
    return bool(_TEST_PATH.search(path))


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
    if not code.strip():
        raise ValueError("the snippet is empty; pass code in a file or on stdin")
    units = query_units(code, languages)
    if not units:
        raise ValueError(
            "the snippet is too short to compare; give a whole function or a few statements "
            f"(at least {query_min_tokens()} tokens)"
        )
    allowed = set(languages or {unit.language for unit in units})
    if allowed & {"typescript", "tsx"}:
        allowed |= {"typescript", "tsx"}  # one language, two grammars
    best: dict[tuple[str, int], tuple[float, Symbol]] = {}
    for unit in units:
        if unit.fragment:
            candidates = _fragment_candidates(store, unit.codes, allowed, min_similarity)
        else:
            terms = [f"2:{fingerprints.t2_digest(unit.codes)}"]
            terms += sketch.band_keys(sketch.minhash(unit.codes))
            candidates = [
                (data, payload)
                for _, data, payload in store.fingerprint_matches_top(terms, SNIPPET_CANDIDATES)
            ]
        for data, payload in candidates:
            symbol = symbol_from_stored(data)
            if symbol.language not in allowed:
                continue
            codes = fingerprints.decode(payload).codes
            score = _snippet_similarity(unit.codes, codes, unit.fragment)
            if score < min_similarity:
                continue
            key = (symbol.path, symbol.line)
            if key not in best or best[key][0] < score:
                best[key] = (score, symbol)
    ranked = sorted(best.values(), key=lambda item: (-item[0], item[1].path, item[1].line))
    matches = [SimilarMatch(symbol, score) for score, symbol in ranked[:limit]]
    return SimilarResult(matches=matches, total=len(ranked))


def _fragment_candidates(
    store: Store, codes: str, languages: set[str], min_similarity: float
) -> list[tuple[str, str]]:
    """Bare statements share too few shingles with the function around them for the LSH
    bands, so scan the units that could contain them, with rapidfuzz's C loop doing the
    alignment. Slower than a band lookup (a full read of the clone payloads), and only used
    for snippets that are not whole functions."""
    units = [
        (data, payload)
        for data, payload in store.clone_units(sorted(languages))
        if payload and len(payload) >= len(codes)
    ]
    choices = [fingerprints.decode(payload).codes for _, payload in units]
    found = process.extract(
        codes,
        choices,
        scorer=partial_ratio,
        score_cutoff=100 * min_similarity,
        limit=SNIPPET_CANDIDATES,
    )
    return [units[index] for _, _, index in found]


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


@dataclass(slots=True)
class _Unit:
    symbol: Symbol
    unit: fingerprints.Unit


def duplicates(
    store: Store,
    languages: frozenset[str] | None,
    min_similarity: float,
    path: str | None,
    limit: int | None,
    min_lines: int = SCAN_MIN_LINES,
    min_tokens: int = SCAN_MIN_TOKENS,
) -> DuplicatesResult:
    units = _scan_units(store, languages or (), min_lines, min_tokens)
    # Identical T2 forms collapse into one representative before any pairing.
    classes: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(units):
        classes[item.unit.t2].append(index)
    representatives = [members[0] for members in classes.values()]
    edges = _verified_pairs(units, representatives, min_similarity)
    groups = _group(units, classes, edges)
    prefix = (path or "").rstrip("/")
    if prefix not in ("", "."):
        groups = [
            g
            for g in groups
            if any(m.path == prefix or m.path.startswith(prefix + "/") for m in g.members)
        ]
    groups.sort(key=lambda g: _rank(g, units))
    total = len(groups)
    if limit is not None:
        groups = groups[:limit]
    return DuplicatesResult(
        groups=[DuplicateGroup(g.similarity, g.members) for g in groups], total=total
    )


def _scan_units(
    store: Store, languages: Iterable[str], min_lines: int, min_tokens: int
) -> list[_Unit]:
    units = []
    for data, payload in store.clone_units(languages):
        if not payload:
            continue
        unit = fingerprints.decode(payload)
        if len(unit.codes) < min_tokens or fingerprints.FLAG_DATA in unit.flags:
            continue
        symbol = symbol_from_stored(data)
        if symbol.end_line - (symbol.start_line or symbol.line) + 1 < min_lines:
            continue
        units.append(_Unit(symbol, unit))
    return units


def _verified_pairs(
    units: list[_Unit], representatives: list[int], min_similarity: float
) -> dict[tuple[int, int], float]:
    buckets: dict[str, list[int]] = defaultdict(list)
    for index in representatives:
        for key in units[index].unit.bands:
            buckets[key].append(index)
    candidates: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        if len(members) <= BUCKET_ALL_PAIRS:
            candidates.update(
                (a, b) if a < b else (b, a) for i, a in enumerate(members) for b in members[i + 1 :]
            )
            continue
        members = sorted(members, key=lambda i: len(units[i].unit.codes))
        for i, a in enumerate(members):
            for b in members[i + 1 : i + 1 + BUCKET_NEIGHBOURS]:
                candidates.add((a, b) if a < b else (b, a))
    edges: dict[tuple[int, int], float] = {}
    for a, b in candidates:
        first, second = units[a], units[b]
        if _overlapping(first.symbol, second.symbol):
            continue
        codes_a, codes_b = first.unit.codes, second.unit.codes
        # Indel similarity can not exceed 2*min/(sum of lengths): skip hopeless pairs unread.
        if 2 * min(len(codes_a), len(codes_b)) < min_similarity * (len(codes_a) + len(codes_b)):
            continue
        score = Indel.normalized_similarity(codes_a, codes_b, score_cutoff=min_similarity)
        if score >= min_similarity:
            edges[(a, b)] = score
    return edges


def _overlapping(a: Symbol, b: Symbol) -> bool:
    """A function and one nested in it are not clones of each other."""
    return a.path == b.path and a.start_line <= b.end_line and b.start_line <= a.end_line


@dataclass(slots=True)
class _Group:
    similarity: float
    members: list[Symbol]
    indexes: list[int]


def _group(
    units: list[_Unit], classes: dict[str, list[int]], edges: dict[tuple[int, int], float]
) -> list[_Group]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    lowest: dict[int, float] = {}
    for (a, _), score in edges.items():
        root = find(a)
        lowest[root] = min(lowest.get(root, 1.0), score)
    by_root: dict[int, list[int]] = defaultdict(list)
    for members in classes.values():
        root = find(members[0])
        by_root[root].extend(members)
    groups = []
    for root, indexes in by_root.items():
        indexes = _drop_nested(units, indexes)
        if len(indexes) < 2:
            continue
        indexes.sort(
            key=lambda i: (
                is_test_path(units[i].symbol.path),
                units[i].symbol.path,
                units[i].symbol.line,
            )
        )
        groups.append(_Group(lowest.get(root, 1.0), [units[i].symbol for i in indexes], indexes))
    return groups


def _drop_nested(units: list[_Unit], indexes: list[int]) -> list[int]:
    """Within one group keep a function, not also the functions nested in it."""
    kept: list[int] = []
    for i in sorted(indexes, key=lambda i: -(units[i].symbol.end_line - units[i].symbol.line)):
        if not any(_overlapping(units[i].symbol, units[k].symbol) for k in kept):
            kept.append(i)
    return kept


def _rank(group: _Group, units: list[_Unit]) -> tuple[bool, float, str, int]:
    """Library code before tests; then most duplicated code (size x extra copies)."""
    all_tests = all(is_test_path(member.path) for member in group.members)
    tokens = sum(len(units[i].unit.codes) for i in group.indexes) / len(group.indexes)
    value = group.similarity * tokens * (len(group.indexes) - 1)
    first = group.members[0]
    return (all_tests, -value, first.path, first.line)
