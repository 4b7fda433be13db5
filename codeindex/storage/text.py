"""Words in prose: the text tier below the name tiers, and the index terms it reads.

At build time each symbol gets three presence-only fields of stemmed words: `doc` (the first
paragraph of its docstring or doc comment), `sig` (its signature, minus its own name) and
`place` (its file's path). A query's words are matched against those and the name's sub-words
(by stem: `limiting` finds `rate_limit`), and ranked library code first, then by how many of
the words a symbol matches, then by BM25F: Whoosh's `bm25` over a field-weighted term
frequency, with the name weighted highest and Whoosh's idf. The fields record presence only
(the segment writer writes neither frequencies nor lengths), so the term frequency of a field
is 0 or 1 and there is no length normalisation (B = 0).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from whoosh.lang.porter import stem as porter_stem
from whoosh.scoring import bm25

from codeindex.identifiers import subwords
from codeindex.models import Symbol
from codeindex.query import Clause

if TYPE_CHECKING:
    from codeindex.storage.search import StoredSymbol, SymbolSearch

TEXT_FIELDS = ("doc", "sig", "place")
# BM25F field weights: a word in the name says most about a symbol, one in its path least.
FIELD_WEIGHTS = {"parts": 3.0, "doc": 1.5, "sig": 1.0, "place": 0.5}
K1 = 1.2
# Text-tier scores stay below the last name tier (fuzzy, 20): the order is what counts.
TEXT_TIER_TOP = 19.0
STEM_PREFIX_MIN = 4  # `pars` finds parse/parser; shorter stems would match too much

_STOPWORDS = (
    "a an and are as at be by for from has have in into is it its of on or that the this to "
    "was were will with which when what how do does not no if then than so such can may "
    "all any each every some one two via given"
)
STOPWORDS = frozenset(_STOPWORDS.split())
# Keywords and builtin type names that appear in most signatures and say nothing.
_SIGNATURE_NOISE = (
    "def class async await fn func function pub public private protected internal static "
    "override virtual abstract sealed partial readonly const let var mut self cls this return "
    "returns void none null nil true false str int bool float bytes string object any impl "
    "where struct enum interface trait type record namespace new ref out in args kwargs"
)
SIGNATURE_NOISE = frozenset(_SIGNATURE_NOISE.split())
SIGNATURE_STOP = STOPWORDS | SIGNATURE_NOISE


_STEMS: dict[str, str] = {}  # a plain dict: an lru_cache call per word cost 20 % of this
_STEMS_MAX = 200_000


def stem(word: str) -> str:
    stemmed = _STEMS.get(word)
    return porter_stem(word) if stemmed is None else stemmed


def prose_terms(text: str, noise: frozenset[str] = STOPWORDS, own: Iterable[str] = ()) -> list[str]:
    """Stemmed, de-duplicated words of `text`; identifiers split into sub-words. `noise` and
    `own` words are left out."""
    if not text:
        return []
    stems = _STEMS
    terms: dict[str, None] = {}
    for word in subwords(text):
        if word in noise or len(word) < 2 or word in own or word.isdigit():
            continue
        stemmed = stems.get(word)
        if stemmed is None:
            if len(stems) >= _STEMS_MAX:
                stems.clear()
            stemmed = stems[word] = porter_stem(word)
        terms[stemmed] = None
    return list(terms)


def symbol_text_terms(symbol: Symbol) -> dict[str, list[str]]:
    """The text fields of one symbol's document (empty fields left out). Path words go on
    the file's record instead (storage.schema.file_document)."""
    fields = {
        "doc": prose_terms(symbol.doc_text or symbol.doc),
        "sig": prose_terms(symbol.signature, SIGNATURE_STOP, subwords(symbol.name)),
    }
    return {name: terms for name, terms in fields.items() if terms}


@lru_cache(maxsize=4096)
def _path_terms(path: str) -> tuple[str, ...]:
    stem_of_name = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    return tuple(prose_terms(stem_of_name.replace("/", " ")))


def path_terms(path: str) -> list[str]:
    return list(_path_terms(path))


@dataclass(frozen=True, slots=True)
class Ranked:
    """One result: its score, document number, symbol and what it matched (`name`, `doc` or
    `text`: a signature or path only)."""

    score: float
    docnum: int
    symbol: Symbol
    via: str


class TextTier:
    """The query's words against name sub-words (by stem), docs, signatures and paths. A
    word counts as matched when all its sub-words are (`rate_limit` is one word of two)."""

    def __init__(self, search: SymbolSearch, words: Iterable[str]) -> None:
        self.search = search
        self._docs: frozenset[int] | None = None
        self.words: list[list[dict[str, frozenset[int]]]] = []
        for word in dict.fromkeys(words):
            parts = [p for p in dict.fromkeys(subwords(word)) if p not in STOPWORDS]
            if parts:
                self.words.append([self._field_docs(part) for part in parts])

    def _field_docs(self, part: str) -> dict[str, frozenset[int]]:
        """The documents a sub-word matches in each field."""
        docs = self.search.clause_docs
        stemmed = stem(part)
        name = docs(Clause("parts", "term", part)) | docs(Clause("parts", "term", stemmed))
        if len(stemmed) >= STEM_PREFIX_MIN:
            name |= docs(Clause("parts", "prefix", stemmed))
        found = {"parts": name}
        for field in ("doc", "sig"):
            found[field] = docs(Clause(field, "term", stemmed))
        found["place"] = self.search.place_docs(stemmed)
        return found

    def _word_docs(
        self, parts: list[dict[str, frozenset[int]]], only: tuple[str, ...] = ()
    ) -> set[int]:
        """Documents holding every sub-word of a word, in any field (or in the `only` ones)."""
        docs: set[int] | None = None
        for fields in parts:
            matches = (
                set().union(*(fields[f] for f in only)) if only else set().union(*fields.values())
            )
            docs = matches if docs is None else docs & matches
        return docs or set()

    def docs(self) -> frozenset[int]:
        if self._docs is None:
            self._docs = frozenset().union(*(self._word_docs(parts) for parts in self.words))
        return self._docs

    def _bm25f(
        self, word_docs: list[set[int]], candidates: set[int] | frozenset[int]
    ) -> tuple[dict[int, float], set[int]]:
        """Each candidate's BM25F score, and the candidates some word matched in their doc."""
        total = max(1, self.search.searcher.doc_count_all())
        score: dict[int, float] = dict.fromkeys(candidates, 0.0)
        from_doc: set[int] = set()
        for parts, matching in zip(self.words, word_docs, strict=True):
            matching = matching & candidates
            for fields in parts:
                # Whoosh's idf (Searcher.idf) over the documents the sub-word matches.
                idf = math.log(total / (len(set().union(*fields.values())) + 1)) + 1
                frequency = dict.fromkeys(matching, 0.0)
                for field, field_docs in fields.items():
                    weight = FIELD_WEIGHTS[field]
                    for d in field_docs & matching:
                        frequency[d] += weight
                from_doc |= fields["doc"] & matching
                for d, tf in frequency.items():
                    if tf:
                        score[d] += bm25(idf, tf, 1, 1, 0.0, K1)
        return score, from_doc

    def rank(
        self,
        docs: set[int] | frozenset[int],
        room: int,
        non_library: frozenset[int],
        load: StoredSymbol,
    ) -> list[Ranked]:
        """The best `room` of `docs`: library code first, then most words matched, then BM25F.
        Library first across the whole tier, since the code an agent reuses is library code:
        on `escape html`, Django's `escape` came after eleven tests whose names hold both
        words (docs/search.md has the measurements). BM25F is computed only for the documents
        that match the most words within their class: enough of them to fill the page however
        the later keys order them."""
        word_docs = [self._word_docs(parts) & docs for parts in self.words]
        count: Counter[int] = Counter()
        for matching in word_docs:
            count.update(matching)
        library = set(docs - non_library)  # set algebra: a call per document cost 0.4 ms
        candidates = _most_matched(library, count, room)
        if len(library) < room:
            candidates = candidates | _most_matched(set(docs) - library, count, room - len(library))
        score, from_doc = self._bm25f(word_docs, candidates)
        words = max(1, len(self.words))

        # A name that holds every word by stem (`rate_limit` for "rate limiting") comes first
        # among the symbols matching all words, shorter names first, as in the name tiers.
        named = set(candidates)
        for parts in self.words:
            named &= self._word_docs(parts, ("parts",))
        length = self.search.name_length

        def order(d: int) -> tuple[bool, int, bool, int, float]:
            whole = d in named
            return (d not in library, -count[d], not whole, length(d) if whole else 0, -score[d])

        best = heapq.nsmallest(room * 4, candidates, key=order)
        loaded = sorted(((order(d), load(d), d) for d in best), key=lambda t: (t[0], t[1].name))
        return [
            Ranked(
                TEXT_TIER_TOP * (count[d] - 1 + score[d] / (score[d] + 1)) / words,
                d,
                symbol,
                "doc" if d in from_doc else "text",
            )
            for _, symbol, d in loaded[:room]
        ]


def _most_matched(docs: set[int], count: Counter[int], room: int) -> set[int]:
    """The documents of `docs` that match the most words, at least `room` of them when there
    are (all of those tied with the last one that fits)."""
    histogram = Counter(map(count.__getitem__, docs))
    threshold, enough = max(histogram, default=1), 0
    while threshold > 1 and enough + histogram[threshold] < room:
        enough += histogram[threshold]
        threshold -= 1
    return {d for d in docs if count[d] >= threshold} if threshold > 1 else docs
