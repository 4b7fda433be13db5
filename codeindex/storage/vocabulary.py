"""The words of an index field, held so that near words are cheap to find: per segment across
commits, and sliced by length or initial so that a fuzzy comparison sees only the words that
can reach its cutoff."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from whoosh.searching import Searcher


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


class ByInitial:
    """Names grouped by their first letter after leading underscores (a typo rarely hits the
    first letter), each group ordered by length so that a length band is one slice."""

    def __init__(self, names: Iterable[str]) -> None:
        self._groups: dict[str, list[str]] = {}
        for name in names:
            self._groups.setdefault(_initial(name), []).append(name)
        for group in self._groups.values():
            group.sort(key=len)

    def like(self, name: str, shortest: int, longest: int) -> list[str]:
        """The names with `name`'s initial and a length in [shortest, longest]."""
        group = self._groups.get(_initial(name), [])
        start = bisect.bisect_left(group, shortest, key=len)
        return group[start : bisect.bisect_right(group, longest, key=len)]


def _initial(name: str) -> str:
    return name.lstrip("_")[:1]


class ByLength:
    """A vocabulary ordered by length, so that the words one edit from a word are compared
    with it and no others (one edit changes the length by at most one)."""

    def __init__(self, words: list[str]) -> None:
        self._order = sorted(range(len(words)), key=lambda position: len(words[position]))
        self._words = [words[position] for position in self._order]
        self._lengths = [len(word) for word in self._words]

    def within_one_edit(self, word: str, limit: int) -> list[str]:
        """Up to `limit` words at most one edit away (a transposition counts as one), nearest
        first, ties in the vocabulary's original order."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        start = bisect.bisect_left(self._lengths, len(word) - 1)
        end = bisect.bisect_right(self._lengths, len(word) + 1)
        near = process.extract(
            word, self._words[start:end], scorer=OSA.distance, score_cutoff=1, limit=None
        )
        near.sort(key=lambda found: (found[1], self._order[start + found[2]]))
        return [text for text, _, _ in near[:limit]]
