"""The reference reads of CodeIndex (codeindex.api): their input checks, then codeindex.refs,
imported on first use (a plain search does not load it)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from codeindex.api_input import resolve_languages
from codeindex.api_types import UsageError
from codeindex.models import ReferencesResult, SearchResult, SimilarResult

if TYPE_CHECKING:
    from pathlib import Path

    from codeindex import storage

Counted = TypeVar("Counted", SearchResult, SimilarResult)


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
    if not name.strip():
        raise UsageError("give a name, e.g. `code-index refs parse`")
    try:
        return refs.references(
            index_store,
            root,
            name.strip(),
            resolve_languages(languages),
            kinds or (),
            paths or (),
            limit,
            offset,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


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
