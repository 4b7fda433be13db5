"""Opening the index for a command: refresh first unless another process is its writer."""

from __future__ import annotations

import argparse
import sys

from codeindex import api, store
from codeindex.models import UpdateReport


def open_index(
    args: argparse.Namespace, rebuild: bool = False, refresh: bool = True
) -> api.CodeIndex:
    if rebuild:
        code_index = api.CodeIndex.open(args.root, rebuild=True, max_file_size=args.max_file_size)
    else:
        code_index = open_current(args)
    if refresh and not rebuild and store.rebuild_running(code_index.root):
        code_index.read_only_reason = (
            "a rebuild of this index is running; answers come from the previous index"
        )
        print(f"code-index: note: {code_index.read_only_reason}", file=sys.stderr)
        refresh = False
    if refresh and not rebuild:
        from codeindex.watcher import active_watcher

        watcher = active_watcher(code_index.store)
        if watcher is not None:
            # A watcher (`code-index watch`, the MCP server) keeps the index current and is
            # its writer; search its last commit instead of competing for the lock.
            code_index.read_only_reason = (
                f"a watcher (pid {watcher or '?'}) keeps this index current; read-only"
            )
            refresh = False
    if refresh:
        refresh_with_progress(code_index)
    return code_index


def open_current(args: argparse.Namespace) -> api.CodeIndex:
    """The root's index. One of ours in another format version (code-index was upgraded) is
    rebuilt first, beside the old one as --rebuild does: it is only a cache, and every
    command would fail until then."""
    try:
        return api.CodeIndex.open(args.root, max_file_size=args.max_file_size)
    except store.OtherVersion:
        print("code-index: note: the index is from another version; rebuilding it", file=sys.stderr)
        rebuild(args)
        return api.CodeIndex.open(args.root, max_file_size=args.max_file_size)


def refresh_with_progress(
    code_index: api.CodeIndex, lock_timeout: float = store.WRITER_TIMEOUT
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
    from codeindex.watcher import active_watcher

    try:
        current = store.Store.open((args.root or api.find_root()).resolve(), create=False)
    except store.IndexError_:
        return None
    try:
        return active_watcher(current)
    finally:
        current.close()
