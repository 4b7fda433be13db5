"""The idle merge: fold the small segments that quick commits leave behind into one.

Merging can take seconds, so it never holds the writer lock: the merged segment is built
from a snapshot in a side directory, then published in one short commit under the lock,
carrying over the deletions other commits made meanwhile.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codeindex.storage import _light_imports  # noqa: F401  (before whoosh: see the module)

# isort: split
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader

from codeindex.storage.locks import try_lock
from codeindex.storage.schema import INDEX_NAME
from codeindex.storage.segment_writer import BulkSegmentWriter
from codeindex.storage.writing import IndexWriter

# Segments below this many documents are merged on idle; a file edit adds a segment of tens.
SMALL_SEGMENT_DOCS = 5000
MERGE_FLOOR = 100  # segments this small always merge together
MERGE_DIR = "merging"  # side directory of the background merge
MERGE_LOCK = "MERGELOCK"

Segment = Any  # Whoosh's segment (untyped)


def merge_candidates(segments: list[Segment]) -> list[Segment]:
    """Small segments, smallest first, each no bigger than all those before it together (or
    than MERGE_FLOOR): a merge never drags a big segment along for a few tiny ones, and a
    document is copied O(log n) times over its life, so each merge stays short."""
    picked: list[Segment] = []
    total = 0
    for segment in sorted(segments, key=lambda s: s.doc_count_all()):
        size = segment.doc_count_all()
        if size >= SMALL_SEGMENT_DOCS or size > max(total, MERGE_FLOOR):
            break
        picked.append(segment)
        total += size
    return picked


def merge_small_segments(
    ix: Any,
    directory: Path,
    toc: Any,
    writer: Callable[[], IndexWriter],
) -> int:
    """Merge the small ones of `toc`'s segments (the latest commit's table of contents).
    Returns how many segments were merged (0: nothing to do, or a concurrent merge);
    `writer()` raises IndexBusy when another writer holds the lock past its timeout at
    publish time."""
    segments: list[Segment] = toc.segments
    snapshot = merge_candidates(segments)
    if len(snapshot) < 2:
        return 0
    merge_lock = try_lock(directory, MERGE_LOCK)
    if merge_lock is None:
        return 0
    side = directory / MERGE_DIR
    try:
        shutil.rmtree(side, ignore_errors=True)  # what a killed merge left
        merged, live = merge_aside(ix, toc.schema, snapshot, side)
        return publish_merge(directory, writer(), snapshot, merged, live, side)
    finally:
        shutil.rmtree(side, ignore_errors=True)
        merge_lock.release()


def merge_aside(
    ix: Any, schema: Any, snapshot: list[Segment], side: Path
) -> tuple[Segment, list[list[int]]]:
    """The merged segment, built in `side`, and the live documents of each snapshot segment
    in the order they were copied. `schema` is the snapshot's: `ix.schema` would read the
    latest table of contents again, which a commit landing meanwhile can delete between
    finding and opening it."""
    # Its own storage, so commits in the index directory neither delete our unfinished
    # files (clean_files) nor our temporary pool (each writer's _finish removes it).
    side_index = FileStorage(str(side)).create().create_index(schema, INDEX_NAME)
    writer = BulkSegmentWriter(side_index, _lk=False)
    live: list[list[int]] = []
    for segment in snapshot:
        reader = SegmentReader(ix.storage, schema, segment)
        live.append(list(reader.all_doc_ids()))  # add_reader copies these, in order
        writer.add_reader(reader)
        reader.close()
    merged = writer._finalize_segment()
    writer._tempstorage.destroy()
    return merged, live


def publish_merge(
    directory: Path,
    writer: IndexWriter,
    snapshot: list[Segment],
    merged: Segment,
    live: list[list[int]],
    side: Path,
) -> int:
    """Under the writer lock: carry deletions made since the snapshot over to the merged
    segment, move its files in, and publish it in place of the snapshot's segments."""
    try:
        current = {segment.segment_id(): segment for segment in writer.segments}
        if any(segment.segment_id() not in current for segment in snapshot):
            writer.cancel()  # someone else merged these meanwhile
            return 0
        base = 0
        for segment, docs in zip(snapshot, live, strict=True):
            now = current[segment.segment_id()]
            for position, docnum in enumerate(docs):
                if now.is_deleted(docnum):
                    merged.delete_document(base + position)
            base += len(docs)
        prefix = merged.segment_id() + "."
        for name in os.listdir(side):
            if name.startswith(prefix):
                os.replace(side / name, directory / name)
        gone = {segment.segment_id() for segment in snapshot}
        final = [s for s in writer.segments if s.segment_id() not in gone] + [merged]
        writer.publish_as(final)
    except BaseException:
        writer.cancel()
        raise
    return len(snapshot)
