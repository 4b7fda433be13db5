"""Executes a parsed query against one Whoosh searcher: the query side of storage.

Whoosh's own AND/AND-NOT matchers walk postings one id at a time in Python, which cost 15-60 ms
for two common sub-words ("text wrapper") on the standard library. Here each clause becomes a
set of document numbers (one postings read, cached for the life of the searcher) and the tiers
are plain set algebra in C. Typo matching looks the word up in the field's vocabulary with
rapidfuzz instead of Whoosh's Python Levenshtein automaton.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.searching import Searcher

from codeindex import qualified
from codeindex.classify import CLASSES, TEST_CLASSES
from codeindex.models import Symbol
from codeindex.query import KIND_RANK, TIERS, Clause, ParsedQuery, SearchQuery
from codeindex.storage.text import Ranked, TextTier
from codeindex.storage.vocabulary import ByInitial, ByLength, Vocabularies

RANK_WINDOW = 5000
FUZZY_MAX_EXPANSIONS = 64
CLAUSE_CACHE_SIZE = 512
PLACE_MAX_FILES = 200
NEAR_NAME_MIN_SCORE = 60  # rapidfuzz ratio, 0-100: below this a "nearest name" is noise

DocSet = frozenset[int]
StoredSymbol = Callable[[int], Symbol]
# A dotted query's scope is checked on decoded records: its prefix tier is skipped when it
# holds more candidates than this (the exact tier never is).
SCOPED_PREFIX_MAX = 4000
PREFIX_SCORE = dict(TIERS)["prefix"]
_DIGITS = re.compile(r"\d")
NON_LIBRARY = tuple(name for name in CLASSES if name != "library")


class SymbolSearch:
    """Per-searcher caches: a new commit means a new searcher and a new SymbolSearch."""

    def __init__(
        self, searcher: Searcher, vocabularies: Vocabularies, record_path: Callable[[int], str]
    ) -> None:
        self.searcher = searcher
        self._record_path = record_path  # a file record's path, by document number
        self._places: dict[str, DocSet] = {}
        self._text_tiers: dict[tuple[str, ...], TextTier] = {}
        self._names_by_initial: ByInitial | None = None
        self._clauses: dict[Clause, DocSet] = {}
        self._vocabularies: dict[str, ByLength] = {}
        self._segment_words = vocabularies
        self._lengths: Sequence[int] | None = None
        self._path_classes: Sequence[int] | None = None
        self._classes: dict[str, DocSet] = {}

    def run(
        self,
        search: SearchQuery,
        limit: int,
        allowed_paths: list[list[str] | None],
        load: StoredSymbol,
    ) -> tuple[int, list[Ranked]]:
        """Ranked symbols and how many matched in all. Alternatives (`A|B`) are ranked on
        their own, then interleaved by rank so that each one with matches shows on the first
        page; `total` counts the union."""
        matched: set[int] = set()
        pages: list[list[Ranked]] = []
        for parsed, allowed in zip(search.alternatives, allowed_paths, strict=True):
            seen, page = self.run_alternative(parsed, limit, allowed, load)
            matched |= seen
            pages.append(page)
        if len(pages) == 1:
            return len(matched), pages[0]
        merged: list[Ranked] = []
        shown: set[int] = set()
        for rank in range(limit):
            for page in pages:
                if rank < len(page) and page[rank].docnum not in shown:
                    shown.add(page[rank].docnum)
                    merged.append(page[rank])
        return len(matched), merged[:limit]

    def run_alternative(
        self, parsed: ParsedQuery, limit: int, allowed_paths: list[str] | None, load: StoredSymbol
    ) -> tuple[set[int], list[Ranked]]:
        """Each document counts in its best tier only. The typo tiers are consulted only when
        no name matched as typed: `user` is no typo for `auser` or `USE_TZ`, and whether they
        run must not depend on `limit`, or `total` would. The text tier (words in docs,
        signatures, paths) comes last."""
        restriction, excluded = self._restriction(parsed, allowed_paths)
        seen: set[int] = set()
        named = False  # a name tier other than the typo tiers matched
        tiers: list[tuple[float, list[int]]] = []
        for tier in parsed.tiers:
            if tier.name == "fuzzy" and named:
                continue
            docs: set[int] | DocSet | None = None
            for group in tier.groups:
                matches = set().union(*(self.clause_docs(clause) for clause in group))
                docs = matches if docs is None else docs & matches
                if not docs:
                    break
            if not docs:
                continue
            docs = self._allowed(docs, restriction, excluded) - seen
            if parsed.scope:
                if tier.name != "exact" and len(docs) > SCOPED_PREFIX_MAX:
                    continue  # `test.t`: every name starting with t, each record decoded
                docs = {d for d in docs if _in_scope(load(d), parsed.scope)}
            seen |= docs
            named = named or (tier.name != "fuzzy" and bool(docs))
            tiers.append((tier.score, list(docs)))
        ranked = self._rank(self._library_first(tiers), limit, load)
        if parsed.words:
            text = self._text_tier(parsed.words)
            docs = self._allowed(text.docs(), restriction, excluded) - seen
            seen |= docs
            room = limit - len(ranked)
            if docs and room > 0:
                ranked.extend(text.rank(docs, room, self.class_docs(NON_LIBRARY), load))
        return seen, ranked

    def _library_first(self, tiers: list[tuple[float, list[int]]]) -> list[tuple[float, list[int]]]:
        """The exact and prefix tiers' library code, then their tests, fixtures, vendored and
        generated code, then the other tiers (each library first as well): `user` on Django
        showed twelve test models named `User` before `UserAdmin` and `UserManager`, and an
        agent scanning before it writes library code reuses neither."""
        leading = [(score, docs) for score, docs in tiers if score >= PREFIX_SCORE]
        if not leading:
            return tiers
        non_library = self.non_library()
        library = [(score, [d for d in docs if not non_library(d)]) for score, docs in leading]
        others = [(score, [d for d in docs if non_library(d)]) for score, docs in leading]
        return [*library, *others, *tiers[len(leading) :]]

    def _text_tier(self, words: tuple[str, ...]) -> TextTier:
        """The text tier of these words, kept for the life of the searcher (its documents
        are a union of thousands for common words)."""
        found = self._text_tiers.get(words)
        if found is None:
            if len(self._text_tiers) >= CLAUSE_CACHE_SIZE // 4:
                del self._text_tiers[next(iter(self._text_tiers))]
            found = self._text_tiers[words] = TextTier(self, words)
        return found

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
            # `shot_0` and `shot_1` are two names, not one name and its typo.
            letters = _DIGITS.sub("", clause.value)
            words = [
                word
                for word in self._near_words(clause.field, clause.value)
                if word == clause.value or _DIGITS.sub("", word) != letters
            ]
            return set().union(*(self.clause_docs(Clause(clause.field, "term", w)) for w in words))
        if clause.op in ("term", "prefix"):
            return postings_docs(self.searcher, clause.field, clause.value, clause.op == "prefix")
        if clause.op == "wildcard":
            found = query.Wildcard(clause.field, clause.value)
        else:
            raise ValueError(f"unknown clause op {clause.op!r}")
        return set(self.searcher.docs_for_query(found))

    def name_length(self, docnum: int) -> int:
        if self._lengths is None:
            self._lengths = dense_column(self.searcher, "nlen")
        return self._lengths[docnum]

    def place_docs(self, stemmed: str) -> DocSet:
        """Symbols in the files whose path holds the word. Path words are indexed once per
        file (on its record); a word in more than PLACE_MAX_FILES paths says too little to
        be worth reading every one of their symbols."""
        cached = self._places.get(stemmed)
        if cached is None:
            records = self.clause_docs(Clause("place", "term", stemmed))
            cached = frozenset()
            if 0 < len(records) <= PLACE_MAX_FILES:
                # One block postings read per path: Whoosh's Or matcher over a few hundred
                # path terms yields one id per Python call. Filled in document order, as
                # that matcher did: ties in the text tier keep this set's order.
                paths = [self._record_path(d) for d in records]
                found = set().union(
                    *(postings_docs(self.searcher, "path", path, False) for path in paths)
                )
                cached = frozenset(set(sorted(found)) - records)
            self._places[stemmed] = cached
        return cached

    def near_words(self, field: str, word: str, limit: int = FUZZY_MAX_EXPANSIONS) -> list[str]:
        """Indexed words one edit away (a transposition counts as one edit: `recieve`)."""
        return self._near_words(field, word, limit)

    def _near_words(self, field: str, word: str, limit: int = FUZZY_MAX_EXPANSIONS) -> list[str]:
        vocabulary = self._vocabularies.get(field)
        if vocabulary is None:
            vocabulary = ByLength(self._segment_words.words(self.searcher, field))
            self._vocabularies[field] = vocabulary
        return vocabulary.within_one_edit(word, limit)

    def closest_names(self, word: str, count: int) -> list[tuple[str, float]]:
        """Indexed names nearest to `word` with their similarity, for the no-match hint.
        Only names that start with the same letter (leading underscores aside: a typo
        rarely hits the first letter) and whose length can reach the cutoff are compared:
        a ratio of r needs the shorter of the two at least r / (2 - r) of the longer.
        Comparing every name cost several times the search that found nothing."""
        from rapidfuzz import fuzz, process

        if self._names_by_initial is None:
            self._names_by_initial = ByInitial(self._segment_words.words(self.searcher, "name"))
        key = word.lower()
        share = NEAR_NAME_MIN_SCORE / (200 - NEAR_NAME_MIN_SCORE)
        low, high = math.ceil(len(key) * share), math.floor(len(key) / share)
        near = process.extract(
            key,
            self._names_by_initial.like(key, low, high),
            scorer=fuzz.ratio,
            limit=None,
            score_cutoff=NEAR_NAME_MIN_SCORE,
        )
        # A segment's words outlive its deleted documents until a merge: a name deleted a
        # moment ago is no suggestion.
        live = (
            (text, score)
            for text, score, _ in near
            if self.clause_docs(Clause("name", "term", text))
        )
        return list(itertools.islice(live, count))

    def non_library(self) -> Callable[[int], bool]:
        """Whether a document is in a test, fixture, vendored or generated file (a column
        read: the facet postings of the standard library's tests hold 30k documents)."""
        if self._path_classes is None:
            self._path_classes = dense_column(self.searcher, "pclass")
        classes = self._path_classes
        return lambda docnum: classes[docnum] != 0

    def class_docs(self, classes: Iterable[str]) -> DocSet:
        key = ",".join(sorted(classes))
        cached = self._classes.get(key)
        if cached is None:
            cached = self._classes[key] = frozenset().union(
                *(self.clause_docs(Clause("facet", "term", f"c:{name}")) for name in classes)
            )
        return cached

    def _restriction(
        self, parsed: ParsedQuery, allowed_paths: list[str] | None
    ) -> tuple[set[int] | None, DocSet]:
        """Documents the filters allow (None: no filter) and those they leave out. Within a
        filter any value may match; all filters must."""
        filters = []
        if parsed.kinds:
            filters.append([Clause("facet", "term", f"k:{kind}") for kind in parsed.kinds])
        if parsed.languages:
            filters.append([Clause("facet", "term", f"l:{name}") for name in parsed.languages])
        if allowed_paths is not None:
            filters.append([Clause("path", "term", path) for path in allowed_paths])
        if parsed.tests == "only":
            filters.append([Clause("facet", "term", f"c:{name}") for name in TEST_CLASSES])
        restriction: set[int] | None = None
        for values in filters:
            docs = set().union(*(self.clause_docs(clause) for clause in values))
            restriction = docs if restriction is None else restriction & docs
        excluded = self.class_docs(TEST_CLASSES) if parsed.tests == "exclude" else frozenset()
        return restriction, excluded

    @staticmethod
    def _allowed(
        docs: set[int] | DocSet, restriction: set[int] | None, excluded: DocSet
    ) -> set[int] | DocSet:
        if restriction is not None:
            docs = docs & restriction
        return docs - excluded if excluded else docs

    def _rank(
        self, tiers: list[tuple[float, list[int]]], limit: int, load: StoredSymbol
    ) -> list[Ranked]:
        """Within a tier: library code first, then shorter names, then `tie_break`."""
        if self._lengths is None:
            self._lengths = dense_column(self.searcher, "nlen")
        lengths = self._lengths
        non_library = self.non_library()
        ranked: list[Ranked] = []
        for score, docs in tiers:
            room = limit - len(ranked)
            if room <= 0:
                break

            def order(d: int) -> tuple[bool, int]:
                return (non_library(d), lengths[d])

            docs.sort(key=order)
            if len(docs) > room:
                # Keep every document as good as the last one that fits, so the final order
                # does not depend on index order.
                boundary = order(docs[room - 1])
                docs = [d for d in docs if order(d) <= boundary][:RANK_WINDOW]
            loaded = sorted(
                ((load(d), d) for d in docs),
                key=lambda item: (non_library(item[1]), tie_break(item[0])),
            )
            ranked.extend(Ranked(score, d, symbol, "name") for symbol, d in loaded[:room])
        return ranked


def _in_scope(symbol: Symbol, scope: str) -> bool:
    """Whether a dotted query's scope holds the symbol: `Loader` for `Loader.parse_args`."""
    return qualified.names(symbol, f"{scope}.{symbol.name}")


def dense_column(searcher: Searcher, name: str) -> Sequence[int]:
    """A numeric column of every document as one array, read in one go per segment. Whoosh's
    own reader unpacks one value per call through three layers (about 10 us each), which
    cost more than the rest of a query when a tier holds thousands of documents."""
    values: list[int] = []
    for reader, offset in searcher.reader().leaf_readers():
        del values[offset:]
        column = reader.column_reader(name, translate=False)
        raw = getattr(column, "_dbfile", None)
        if raw is None or not hasattr(column, "_typecode"):  # an empty or unusual column
            values.extend(column[d] for d in range(reader.doc_count_all()))
            continue
        part = array(column._typecode, raw.get(column._basepos, column._count * column._fixedlen))
        if sys.byteorder == "little" and part.itemsize > 1:
            part.byteswap()  # stored big-endian ("!")
        values.extend(part.tolist())
        values.extend([column._default] * (reader.doc_count_all() - len(part)))
    return values


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


def postings_docs(searcher: Searcher, field: str, value: str, prefix: bool) -> set[int]:
    """Documents holding a term (with `prefix`, any term starting with it), read a posting
    block at a time. Whoosh's matchers yield one id per Python call: a filter on a common
    facet (`--type py` on a 5M-line tree walks hundreds of thousands of ids) cost most of a
    query that way. Deleted documents are left out, as Whoosh's own postings do."""
    found: set[int] = set()
    for sub, offset in searcher.subsearchers or [(searcher, 0)]:
        reader = sub.reader()
        terms = getattr(reader, "_terms", None)
        if terms is None:  # not a segment reader (an empty index): Whoosh's own way
            wanted = query.Prefix(field, value) if prefix else query.Term(field, value)
            found.update(docnum + offset for docnum in sub.docs_for_query(wanted))
            continue
        if prefix:
            words = list(reader.expand_prefix(field, value))
        elif (field, value) in reader:
            words = [reader._text_to_bytes(field, value)]
        else:
            continue
        form = reader.schema[field].format
        ids: set[int] = set()
        for word in words:
            ids.update(_block_ids(terms.matcher(field, word, form)))
        if reader.has_deletions():
            ids -= reader.deleted_docs_set
        found.update(ids if not offset else (docnum + offset for docnum in ids))
    return found


def _block_ids(matcher: Any) -> Iterable[int]:  # Any: Whoosh is untyped
    if not isinstance(matcher, W3LeafMatcher):  # postings inlined in the term's entry
        inlined: Iterable[int] = matcher.all_ids()
        return inlined
    ids: list[int] = []
    while matcher.is_active():
        matcher._read_ids()
        ids.extend(matcher._ids)
        matcher._next_block()
    return ids
