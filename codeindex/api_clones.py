"""The clone reads of CodeIndex (codeindex.api): their input checks, then codeindex.clones,
imported on first use (a plain search does not load the clone code)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codeindex.api_input import check_similarity, resolve_languages
from codeindex.api_open import root_relative
from codeindex.api_types import UsageError
from codeindex.models import DuplicatesResult, SimilarResult

if TYPE_CHECKING:
    from pathlib import Path

    from codeindex import storage
    from codeindex.clones.baseline import Baseline
    from codeindex.clones.table import CloneTables


def similar(
    index_store: storage.Store,
    tables: CloneTables,
    code: str,
    languages: list[str] | None,
    limit: int,
    min_similarity: float,
) -> SimilarResult:
    """Existing functions like a snippet (codeindex.clones.similar)."""
    from codeindex.clones import similar

    if limit < 1:
        raise UsageError("limit must be at least 1")
    check_similarity(min_similarity)
    try:
        return similar.similar(
            index_store, tables, code, resolve_languages(languages), limit, min_similarity
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def duplicates(
    index_store: storage.Store,
    tables: CloneTables,
    root: Path,
    path: str | None,
    languages: list[str] | None,
    min_similarity: float,
    limit: int | None,
    min_lines: int | None,
    blocks: bool,
    tests: str,
    hide_intentional: bool,
    baseline: Baseline | None,
) -> DuplicatesResult:
    """Groups of clones across the index (codeindex.clones.scan), of those touching `path`
    (relative to the root) when given."""
    from codeindex.clones import scan
    from codeindex.clones.selection import TESTS_CHOICES, Options

    check_similarity(min_similarity)
    if limit is not None and limit < 1:
        raise UsageError("limit must be at least 1")
    if min_lines is not None and min_lines < 1:
        raise UsageError("--min-lines must be at least 1")
    if tests not in TESTS_CHOICES:
        raise UsageError(f"tests must be one of {', '.join(TESTS_CHOICES)}")
    relative = root_relative(root, path) if path else None
    options = Options(relative, tests, hide_intentional, baseline, limit)
    return scan.duplicates(
        index_store,
        tables,
        resolve_languages(languages),
        min_similarity,
        options,
        min_lines if min_lines is not None else scan.SCAN_MIN_LINES,
        blocks=blocks,
    )
