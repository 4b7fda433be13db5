"""Executes a parsed query against one Whoosh searcher: the query side of the store.

Whoosh's own AND/AND-NOT matchers walk postings one id at a time in Python, which cost 15-60 ms
for two common sub-words ("text wrapper") on the standard library. Here each clause becomes a
set of document numbers (one postings read, cached for the life of the searcher) and the tiers
are plain set algebra in C. Typo matching looks the word up in the field's vocabulary with
rapidfuzz instead of Whoosh's Python Levenshtein automaton.
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh import query
from whoosh.searching import Searcher

from codeindex.models import Symbol
from codeindex.query import KIND_RANK, Clause, ParsedQuery

RANK_WINDOW = 5000
FUZZY_MAX_EXPANSIONS = 64
CLAUSE_CACHE_SIZE = 512

DocSet = frozenset[int]
StoredSymbol = Callable[[int], Symbol]


class Vocabularies:
    """Each segment's words, kept across commits. Segments never change once written, so after
    a watcher commit only the new small segment is read (reading the whole standard library's
    sub-words takes about 50 ms). Words of deleted documents may linger: harmless, their
    postings are empty."""

    def __init__(self) -> None:
        self._by_segment: dict[tuple[str, str], list[str]] = {}

    def words(self, searcher: Searcher, field: str) -> list[str]:
        current = {}
        for reader, _ in searcher.reader().leaf_readers():
            key = (reader.segment().segment_id(), field)
            words = self._by_segment.get(key)
            if words is None:
                words = [term.decode("utf-8") for term in reader.lexicon(field)]
            current[key] = words
        self._by_segment = {
            **{k: v for k, v in self._by_segment.items() if k[1] != field},
            **current,
        }
        if len(current) == 1:
            return next(iter(current.values()))
        return sorted(set().union(*current.values()))


class SymbolSearch:
    """Per-searcher caches: a new commit means a new searcher and a new SymbolSearch."""

    def __init__(self, searcher: Searcher, vocabularies: Vocabularies) -> None:
        self.searcher = searcher
        self._clauses: dict[Clause, DocSet] = {}
        self._vocabularies: dict[str, list[str]] = {}
        self._segment_words = vocabularies
        self._lengths = None

    def run(
        self, parsed: ParsedQuery, limit: int, allowed_paths: list[str] | None, load: StoredSymbol
    ) -> tuple[int, list[tuple[float, Symbol]]]:
        """Ranked symbols and the number that matched. Each document counts in its best tier
        only; the typo tier is consulted only when the better tiers leave the page unfilled,
        since a typo-tolerant match never outranks a real one."""
        restriction = self._restriction(parsed, allowed_paths)
        seen: set[int] = set()
        tiers: list[tuple[float, list[int]]] = []
        for tier in parsed.tiers:
            if tier.name == "fuzzy" and len(seen) >= limit:
                continue
            docs: set[int] | None = None
            for group in tier.groups:
                matches = set().union(*(self.clause_docs(clause) for clause in group))
                docs = matches if docs is None else docs & matches
                if not docs:
                    break
            if not docs:
                continue
            if restriction is not None:
                docs &= restriction
            docs -= seen
            seen |= docs
            tiers.append((tier.score, list(docs)))
        return len(seen), self._rank(tiers, limit, load)

    def clause_docs(self, clause: Clause) -> DocSet:
        cached = self._clauses.get(clause)
        if cached is None:
            if len(self._clauses) >= CLAUSE_CACHE_SIZE:
                # A long-lived server without edits keeps one searcher: bound the memory.
                del self._clauses[next(iter(self._clauses))]
            cached = self._clauses[clause] = frozenset(self._docs(clause))
        return cached

    def _docs(self, clause: Clause) -> set[int]:
        if clause.op == "fuzzy":
            words = self._near_words(clause.field, clause.value)
            return set().union(*(self.clause_docs(Clause(clause.field, "term", w)) for w in words))
        if clause.op == "term":
            found = query.Term(clause.field, clause.value)
        elif clause.op == "prefix":
            found = query.Prefix(clause.field, clause.value)
        elif clause.op == "wildcard":
            found = query.Wildcard(clause.field, clause.value)
        else:
            raise ValueError(f"unknown clause op {clause.op!r}")
        return set(self.searcher.docs_for_query(found))

    def _near_words(self, field: str, word: str) -> list[str]:
        """Indexed words one edit away (a transposition counts as one edit: `recieve`)."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        vocabulary = self._vocabularies.get(field)
        if vocabulary is None:
            vocabulary = self._vocabularies[field] = self._segment_words.words(self.searcher, field)
        near = process.extract(
            word, vocabulary, scorer=OSA.distance, score_cutoff=1, limit=FUZZY_MAX_EXPANSIONS
        )
        return [text for text, _, _ in near]

    def _restriction(self, parsed: ParsedQuery, allowed_paths: list[str] | None) -> set[int] | None:
        """Documents the filters allow (None: no filter). Within a filter any value may match;
        all filters must."""
        filters = []
        if parsed.kinds:
            filters.append([Clause("facet", "term", f"k:{kind}") for kind in parsed.kinds])
        if parsed.languages:
            filters.append([Clause("facet", "term", f"l:{name}") for name in parsed.languages])
        if allowed_paths is not None:
            filters.append([Clause("path", "term", path) for path in allowed_paths])
        restriction: set[int] | None = None
        for values in filters:
            docs = set().union(*(self.clause_docs(clause) for clause in values))
            restriction = docs if restriction is None else restriction & docs
        return restriction

    def _rank(
        self, tiers: list[tuple[float, list[int]]], limit: int, load: StoredSymbol
    ) -> list[tuple[float, Symbol]]:
        if self._lengths is None:
            self._lengths = self.searcher.reader().column_reader("nlen")
        lengths = self._lengths
        ranked: list[tuple[float, Symbol]] = []
        for score, docs in tiers:
            room = limit - len(ranked)
            if room <= 0:
                break
            docs.sort(key=lambda d: lengths[d])
            if len(docs) > room:
                # Keep every document as short as the last one that fits, so the final order
                # does not depend on index order.
                boundary = lengths[docs[room - 1]]
                docs = [d for d in docs if lengths[d] <= boundary][:RANK_WINDOW]
            symbols = sorted((load(d) for d in docs), key=tie_break)
            ranked.extend((score, symbol) for symbol in symbols[:room])
        return ranked


def tie_break(symbol: Symbol) -> tuple[bool, int, int, str, str, int]:
    # A file (kind `module`) comes after the definitions that match as well as it does.
    return (
        symbol.kind == "module",
        len(symbol.name),
        KIND_RANK.get(symbol.kind, 9),
        symbol.name,
        symbol.path,
        symbol.line,
    )
