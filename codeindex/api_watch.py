"""CodeIndex (codeindex.api) and the other writers of its index: what a watcher thread runs
against it, and whether a command should leave the writing to another process."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from codeindex import storage
from codeindex.api_types import WriterElsewhere
from codeindex.languages import indexed_extensions
from codeindex.models import UpdateReport
from codeindex.storage.index_dir import INDEX_DIR

if TYPE_CHECKING:
    from codeindex.api import CodeIndex
    from codeindex.watch_thread import IndexHooks


def writer_elsewhere(
    root: Path, index_store: storage.Store, sync_timeout: float
) -> WriterElsewhere | None:
    """A rebuild running beside the index, or a running watcher (`code-index watch`, the MCP
    server) that answers for its freshness, so a command need not walk the tree. The watcher
    must follow file events (not starting, not down to rescans) and answer a sync cookie
    within `sync_timeout`: then every change made before this call is committed. One that does
    not answer in time is trusted with a note (it is busy committing; a walk here would wait
    for its lock)."""
    from codeindex.watch_presence import sync_with_watcher, watcher_info

    if storage.rebuild_running(root):
        reason = "a rebuild of this index is running; answers come from the previous index"
        return WriterElsewhere(reason, note=f"note: {reason}")
    watcher = watcher_info(index_store.directory, index_store.try_lock)
    if watcher is None or not watcher.following:
        return None  # nobody, or a watcher that cannot vouch for now: check ourselves
    pid = watcher.pid or "?"
    reason = f"a watcher (pid {pid}) keeps this index current; read-only"
    if watcher.answers_cookies and not sync_with_watcher(index_store.directory, sync_timeout):
        note = f"note: the watcher (pid {pid}) is still indexing recent changes; results may lag"
        return WriterElsewhere(reason, note)
    return WriterElsewhere(reason)


def index_removed(root: Path) -> str:
    """ "" while the root's index directory is there; else that it was removed (one lstat:
    the MCP server asks before every call)."""
    directory = root / INDEX_DIR
    return "" if os.path.lexists(directory) else f"the index directory {directory} was removed"


def restore_index(root: Path) -> bool:
    """Put a new, empty index in place of one that was removed (`rm -rf .code-index` under a
    running watcher or server); the next whole-tree refresh fills it. False when an index is
    there (or another process put one there first). Any handle on the old index follows: its
    reads and writes go by the directory's name."""
    if os.path.lexists(root / INDEX_DIR):
        return False
    storage.Store.open(root).close()  # built beside, then renamed into place
    return True


def index_hooks(code_index: CodeIndex, index_store: storage.Store) -> IndexHooks:
    """What a watch thread (codeindex.watch_thread) runs against this index."""
    from codeindex.watch_thread import IndexHooks

    def refresh(paths: list[str] | None) -> UpdateReport | None:
        # Hot-path commits never merge segments; idle merges fold them in.
        return code_index.refresh(paths=paths, merge=False)

    def small_segments() -> int:
        return sum(1 for size in index_store.segment_sizes() if size < storage.SMALL_SEGMENT_DOCS)

    def merge() -> int | None:
        try:
            return index_store.merge_small_segments()
        except storage.IndexBusy:
            return None

    return IndexHooks(
        root=code_index.root.resolve(),
        directory=index_store.directory,
        extensions=frozenset(indexed_extensions()),
        refresh=refresh,
        busy_reason=lambda: code_index.read_only_reason,
        try_lock=index_store.try_lock,
        small_segments=small_segments,
        merge=merge,
        restore=lambda: restore_index(code_index.root),
    )
