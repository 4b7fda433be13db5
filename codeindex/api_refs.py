"""The reference reads of CodeIndex (codeindex.api): their input checks, then codeindex.refs,
imported on first use (a plain search does not load it)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from codeindex.api_input import resolve_languages
from codeindex.api_types import UsageError
from codeindex.models import Reference, ReferencesResult, SearchResult, SimilarResult

if TYPE_CHECKING:
    from pathlib import Path

    from codeindex import storage

Counted = TypeVar("Counted", SearchResult, SimilarResult)
ALL = 1 << 62  # a page that holds every reference
# A name as code writes it, with module or receiver qualifiers joined by `.` or `::`.
_PART = r"(?:[^\W\d]|\$)[\w$]*"  # `$` starts and continues names in TypeScript
_NAME = re.compile(rf"{_PART}(?:(?:\.|::){_PART})*")


def references(
    index_store: storage.Store,
    root: Path,
    name: str,
    languages: list[str] | None,
    kinds: list[str] | None,
    paths: list[str] | None,
    limit: int,
    offset: int,
) -> ReferencesResult:
    """Where `name` is used; `Type.name` narrows by receiver."""
    from codeindex import refs

    if limit < 1 or offset < 0:
        raise UsageError("limit must be at least 1 and offset at least 0")
    names = reference_names(name)
    wanted_languages = resolve_languages(languages)
    every: dict[tuple[str, int, int], Reference] = {}
    notes: list[str] = []
    try:
        for alternative in names:  # one pass each; a site two of them name is listed once
            found = refs.references(
                index_store,
                root,
                alternative,
                wanted_languages,
                kinds or (),
                paths or (),
                ALL,
                0,
            )
            every.update(((r.path, r.line, r.column), r) for r in found.references)
            notes += [found.note] if found.note else []
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    ordered = [every[key] for key in sorted(every)]
    note = "" if ordered else "; ".join(notes)
    return ReferencesResult(name.strip(), len(ordered), ordered[offset : offset + limit], note)


def reference_names(text: str) -> list[str]:
    """The names `refs` is asked for: one (`parse`, `Loader.parse`, `pkg::parse`), or
    alternatives as search takes them (`parse\\|load`), each without call syntax (`parse(`).
    Anything else (words, patterns) is refused: it would only ever find nothing."""
    from codeindex.query_syntax import QueryError, split_alternatives, strip_call_syntax

    try:
        pieces = split_alternatives(text)
    except QueryError as exc:
        raise UsageError(str(exc)) from None
    names = [strip_call_syntax(piece) for piece in pieces]
    if not names or not all(name.strip(".:") for name in names):
        raise UsageError("give a name, e.g. `code-index refs parse`")
    for piece, name in zip(pieces, names, strict=True):
        if not _NAME.fullmatch(name):
            raise UsageError(
                f"refs takes names, not {piece!r}: one name (`parse`, `Loader.parse`) or "
                "alternatives (`parse\\|load`); for words or patterns, search first"
            )
    return names


def with_reference_counts(index_store: storage.Store, root: Path, result: Counted) -> Counted:
    """The result with each match's number of references (`refs`), counted as
    `show --refs` counts them: one pass over each distinct name's uses."""
    from codeindex.refs import reference_counts

    if isinstance(result, SearchResult):
        counts = reference_counts(index_store, root, [h.symbol for h in result.hits])
        hits = [replace(hit, refs=n) for hit, n in zip(result.hits, counts, strict=True)]
        return replace(result, hits=hits)
    matches = [*result.matches, *result.near_misses]
    counts = reference_counts(index_store, root, [m.symbol for m in matches])
    counted = [replace(match, refs=n) for match, n in zip(matches, counts, strict=True)]
    split = len(result.matches)
    return replace(result, matches=counted[:split], near_misses=counted[split:])
