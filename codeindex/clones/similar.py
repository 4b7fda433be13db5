"""Snippet queries (`code-index similar`): existing units like a piece of code.

A whole-function snippet is compared against every unit in the length window that can reach
the threshold, after the code histograms' bound (clones.table) has cut the window down; bare
statements are aligned against every unit long enough to hold them. Either way each
candidate is verified with the Indel similarity of the T2 code strings, and that similarity
is what is reported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import Indel
from rapidfuzz.fuzz import partial_ratio

from codeindex.clones.snippet import SNIPPET_MIN_TOKENS, QueryUnit, query_units
from codeindex.clones.snippet import check as check_snippet
from codeindex.clones.table import CloneTable, CloneTables, code_histograms, within_reach
from codeindex.languages import spec_by_name
from codeindex.models import SimilarMatch, SimilarResult, Symbol

if TYPE_CHECKING:
    from codeindex.storage import Store

# When no match reaches the threshold, `similar` shows this many below it, down to the
# threshold less NEAR_MARGIN (never under NEAR_FLOOR).
NEAR_MISSES = 3
NEAR_MARGIN = 0.15
NEAR_FLOOR = 0.5
# Candidates verified per snippet unit, best fingerprint overlap first.
SNIPPET_CANDIDATES = 80
# Rows of the length window checked against the histogram bound at a time.
WINDOW_SLICE = 16384
# partial_ratio (0-100) a fragment's candidates must reach before they are verified.
FRAGMENT_CUTOFF = 50


def similar(
    store: Store,
    tables: CloneTables,
    code: str,
    languages: frozenset[str] | None,
    limit: int,
    min_similarity: float,
) -> SimilarResult:
    """Existing units of the index like `code`, best first. Raises ValueError when the
    snippet is empty or too short to compare."""
    check_snippet(code)
    units = query_units(code, languages)
    if not units:
        raise ValueError(
            "the snippet is too short to compare; give a whole function or a few statements "
            f"(at least {SNIPPET_MIN_TOKENS} tokens)"
        )
    allowed = comparable(languages or {unit.language for unit in units})
    table = tables.get(store)
    ranked = _ranked_matches(table, units, allowed, min_similarity)
    matches = [SimilarMatch(symbol, -rank[1]) for rank, symbol in ranked[:limit]]
    if matches or min_similarity <= NEAR_FLOOR:
        return SimilarResult(matches=matches, total=len(ranked))
    # Nothing reached the threshold: the nearest below it, marked as such (a drafted helper's
    # real counterpart may score a little under the default).
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


def comparable(languages: frozenset[str] | set[str]) -> set[str]:
    """The languages whose units a snippet in `languages` is compared with: each one's
    registry row names the grammars that share its code strings (TypeScript and TSX)."""
    return {*languages, *(o for name in languages for o in spec_by_name(name).clones.same_codes)}


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
        for row in candidates:
            entry = table.entry(row)
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
    subsequence, which leaves a small part of the window to compare."""
    import numpy as np

    units = table.by_length()
    size = len(codes)
    low = int(np.searchsorted(units.lengths, size * min_similarity / (2 - min_similarity)))
    high = int(
        np.searchsorted(units.lengths, size * (2 - min_similarity) / min_similarity, "right")
    )
    query = code_histograms([codes])
    reachable = [
        start
        + np.flatnonzero(
            within_reach(
                units.histograms[start:end], query, size + units.lengths[start:end], min_similarity
            )
        )
        # In slices: the window can be a large part of a big index, and each slice makes
        # temporaries of its size.
        for start, end in _slices(low, high, WINDOW_SLICE)
    ]
    rows = units.order[np.concatenate(reachable)].tolist() if reachable else []
    found = process.extract(
        codes,
        [table.codes(row) for row in rows],
        scorer=Indel.normalized_similarity,
        score_cutoff=min_similarity,
        limit=SNIPPET_CANDIDATES,
    )
    return [rows[position] for _, _, position in found]


def _slices(low: int, high: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, high)) for start in range(low, high, size)]


def _fragment_candidates(table: CloneTable, codes: str, languages: set[str]) -> list[int]:
    """Bare statements share too few shingles with the function around them for the LSH
    bands, so align them against every unit that could contain them, in rapidfuzz's C loop.
    Slower than a band lookup; only used for snippets that are not whole functions."""
    import numpy as np

    rows = table.rows_of(languages)
    rows = rows[table.column("code_length")[rows] >= len(codes)].tolist()

    # On every core, as this is the slow path. The units are the rows, since cdist shares
    # rows among its threads; partial_ratio aligns the shorter string with the longer
    # whichever side it is on.
    scores = process.cdist(
        [table.codes(row) for row in rows],
        [codes],
        scorer=partial_ratio,
        score_cutoff=FRAGMENT_CUTOFF,
        dtype=np.float64,
        workers=-1,
    )[:, 0]
    best = np.argsort(-scores, kind="stable")[:SNIPPET_CANDIDATES]
    return [rows[position] for position in best.tolist() if scores[position] >= FRAGMENT_CUTOFF]


def _snippet_similarity(query: str, codes: str, fragment: bool) -> float:
    score = Indel.normalized_similarity(query, codes)
    if fragment and len(query) < len(codes):
        # Bare statements are judged against the best-aligned stretch of the function.
        score = max(score, partial_ratio(query, codes) / 100.0)
    return score
