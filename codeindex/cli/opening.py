"""Opening the index for a command: refresh first unless another process is its writer."""

from __future__ import annotations

import argparse
import sys

from codeindex import api, storage
from codeindex.models import UpdateReport

WATCHER_WAIT = 2.0  # seconds a command waits for a running watcher to commit what it saw


def open_index(
    args: argparse.Namespace, rebuild: bool = False, refresh: bool = True
) -> api.CodeIndex:
    if rebuild:
        code_index = api.CodeIndex.open(args.root, rebuild=True, max_file_size=args.max_file_size)
    else:
        code_index = open_current(args)
    if refresh and not rebuild and storage.rebuild_running(code_index.root):
        code_index.read_only_reason = (
            "a rebuild of this index is running; answers come from the previous index"
        )
        print(f"code-index: note: {code_index.read_only_reason}", file=sys.stderr)
        refresh = False
    if refresh and not rebuild and _watcher_caught_up(code_index):
        refresh = False
    if refresh:
        refresh_with_progress(code_index)
    return code_index


def _watcher_caught_up(code_index: api.CodeIndex) -> bool:
    """Whether a running watcher (`code-index watch`, the MCP server) answers for this
    index's freshness, so the command need not walk the tree. It must follow file events
    (not starting, not down to rescans) and answer a sync cookie: then every change made
    before this command is committed. One that does not answer in time is trusted with a
    note (it is busy committing; a walk here would wait for its lock)."""
    from codeindex.watch_presence import sync_with_watcher, watcher_info

    index_store = code_index.store
    watcher = watcher_info(index_store.directory, index_store.try_lock)
    if watcher is None or not watcher.following:
        return False  # nobody, or a watcher that cannot vouch for now: check ourselves
    pid = watcher.pid or "?"
    code_index.read_only_reason = f"a watcher (pid {pid}) keeps this index current; read-only"
    if watcher.answers_cookies and not sync_with_watcher(index_store.directory, WATCHER_WAIT):
        print(
            f"code-index: note: the watcher (pid {pid}) is still indexing recent changes; "
            "results may lag",
            file=sys.stderr,
        )
    return True


def open_current(args: argparse.Namespace) -> api.CodeIndex:
    """The root's index. One of ours in another format version (code-index was upgraded) is
    rebuilt first, beside the old one as --rebuild does: it is only a cache, and every
    command would fail until then."""
    try:
        return api.CodeIndex.open(args.root, max_file_size=args.max_file_size)
    except storage.OtherVersion:
        print("code-index: note: the index is from another version; rebuilding it", file=sys.stderr)
        rebuild(args)
        return api.CodeIndex.open(args.root, max_file_size=args.max_file_size)


def refresh_with_progress(
    code_index: api.CodeIndex, lock_timeout: float = storage.WRITER_TIMEOUT
) -> UpdateReport | None:
    """Refresh, with a progress bar on stderr when it is a terminal."""
    from codeindex.indexer import progress_bar

    advance, set_total, close = progress_bar()
    try:
        return code_index.refresh(
            progress=advance, progress_total=set_total, lock_timeout=lock_timeout
        )
    finally:
        close()


def rebuild(args: argparse.Namespace) -> UpdateReport:
    from codeindex.indexer import progress_bar

    advance, set_total, close = progress_bar()
    try:
        rebuilt = api.CodeIndex.rebuild(args.root, args.max_file_size, advance, set_total)
    finally:
        close()
    if rebuilt.waited:
        print("code-index: waited for another rebuild to finish, then rebuilt", file=sys.stderr)
    rebuilt.code_index.close()
    return rebuilt.report


def watcher_of(args: argparse.Namespace) -> int | None:
    """The pid of the watcher writing to the root's index (0 when unknown), or None."""
    from codeindex.watch_presence import active_watcher

    try:
        current = storage.Store.open((args.root or api.find_root()).resolve(), create=False)
    except storage.IndexError_:
        return None
    try:
        return active_watcher(current)
    finally:
        current.close()
