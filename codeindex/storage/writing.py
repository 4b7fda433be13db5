"""Writing: the single writer, the workers' segment builders, and the one publish().

A commit is one new table of contents (TOC) listing the live segments, written beside and
renamed into place by Whoosh: a kill at any point leaves the previous commit. Everything
that commits (a refresh, a parallel build, the idle merge) goes through `publish`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeindex.storage import _light_imports  # noqa: F401  (before whoosh: see the module)

# isort: split
from whoosh import query
from whoosh.writing import NO_MERGE

from codeindex.models import FileRecord, IndexedFile
from codeindex.storage.schema import INDEX_NAME, file_document, file_documents
from codeindex.storage.segment_writer import BulkSegmentWriter


@dataclass(frozen=True, slots=True)
class BuiltSegment:
    """A segment a worker process wrote, waiting to be published by the writer. Picklable:
    it crosses the process boundary."""

    segment: Any  # Whoosh's segment (untyped)


def publish(writer: BulkSegmentWriter, final: list[Any]) -> None:
    """Commit `final` (the segments to keep, and any built elsewhere) plus what `writer`
    added itself, as the index's new TOC, and release the writer."""
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final)
    writer._finish()


class IndexWriter:
    """The writer lock held, and the changes of one commit: files removed, files added (as
    our models), records refreshed, segments built by workers."""

    def __init__(self, writer: BulkSegmentWriter) -> None:
        self._writer = writer

    @property
    def is_closed(self) -> bool:
        return bool(self._writer.is_closed)

    def remove_file(self, path: str) -> None:
        """Drop every document of the file (its symbols and its record)."""
        self._writer.delete_by_term("path", path)

    def add_file(self, entry: IndexedFile) -> None:
        for document in file_documents(entry):
            self._writer.add(document)

    def replace_record(self, record: FileRecord, words: bytes = b"") -> None:
        """A file touched but not changed: keep its symbols, replace its record."""
        self._writer.delete_by_query(
            query.And([query.Term("path", record.path), query.Term("record", "file")])
        )
        self._writer.add(file_document(record, words))

    def commit(self, merge: bool = True, segments: Iterable[BuiltSegment] = ()) -> None:
        """Publish this writer's changes and the workers' `segments` in one commit. With
        `merge`, Whoosh's policy folds small segments in (MERGE_SMALL); without it, the
        existing segments are kept as they are (a watcher's quick commit)."""
        writer = self._writer
        writer._check_state()
        final = writer._merge_segments(None if merge else NO_MERGE, False, merge)
        final.extend(built.segment for built in segments)
        publish(writer, final)

    def publish_as(self, final: list[Any]) -> None:
        """Publish exactly `final` as the live segments (the merge's swap)."""
        publish(self._writer, final)

    def optimize(self) -> None:
        """Merge everything into one segment (bench/watch_bench.py's contrast)."""
        self._writer.commit(optimize=True)

    def cancel(self) -> None:
        """Drop the changes and release the lock; never raises for the disk's sake (a
        failed write cancels on the disk that refused it)."""
        if not self._writer.is_closed:
            self._writer.abandon()

    @property
    def segments(self) -> list[Any]:
        """The latest commit's segments, as this writer sees them (under the lock)."""
        return list(self._writer.segments)

    @property
    def new_segment_id(self) -> str:
        return str(self._writer.newsegment.segment_id())


class SegmentBuilder:
    """A worker's segment: files added without the writer lock (the parent holds it), then
    handed back to the parent's IndexWriter.commit."""

    def __init__(self, ix: Any) -> None:  # Whoosh's FileIndex (untyped)
        self._writer = BulkSegmentWriter(ix, _lk=False)

    def add_file(self, entry: IndexedFile) -> None:
        for document in file_documents(entry):
            self._writer.add(document)

    def finish(self) -> BuiltSegment:
        return BuiltSegment(self._writer._finalize_segment())


def remove_orphans(directory: Path, live: set[str]) -> None:
    """What a killed or failed writer left (call holding the writer lock): half-written
    TOCs (TOC.write writes `_<name>_<gen>.toc.<time>`, then renames it) and segment files
    no commit lists (`live`: the segment ids to keep); Whoosh's own cleanup (clean_files)
    only knows finished ones."""
    toc_prefix, segment_prefix = f"_{INDEX_NAME}_", f"{INDEX_NAME}_"
    for entry in os.scandir(directory):
        name = entry.name
        stem = name.split(".", 1)[0]
        orphan_segment = name.startswith(segment_prefix) and "." in name
        if (name.startswith(toc_prefix) and ".toc." in name) or (
            orphan_segment and stem not in live
        ):
            with contextlib.suppress(OSError):
                os.remove(entry.path)


def remove_temporary_pool(directory: Path) -> None:
    """The temporary directory a failed writer may leave (Whoosh's `<name>.tmp`)."""
    shutil.rmtree(directory / f"{INDEX_NAME}.tmp", ignore_errors=True)
