"""Opening the index for a command: refresh first unless another process is its writer."""

from __future__ import annotations

import argparse
import sys

from codeindex import api, storage
from codeindex.models import UpdateReport

WATCHER_WAIT = 2.0  # seconds a command waits for a running watcher to commit what it saw


def open_index(args: argparse.Namespace) -> api.CodeIndex:
    """The root's index, refreshed first unless another process writes it: a rebuild beside
    it, or a watcher (`code-index watch`, the MCP server) that keeps it current. Then answers
    come from that writer's commits instead of competing for its lock."""
    code_index = open_current(args)
    elsewhere = code_index.writer_elsewhere(WATCHER_WAIT)
    if elsewhere is None:
        if refresh_with_progress(code_index) is None:
            print(f"code-index: note: {not_refreshed_note(code_index)}", file=sys.stderr)
    elif elsewhere.note:
        print(f"code-index: {elsewhere.note}", file=sys.stderr)
    return code_index


def not_refreshed_note(code_index: api.CodeIndex) -> str:
    """Why the answer may miss what changed on disk (another process holds the writer
    lock, or the disk refuses writes), and, when the index holds nothing yet, that an empty
    answer is not "nothing matched": its first build is still running elsewhere, or could
    not be written."""
    reason = code_index.read_only_reason
    if code_index.is_empty():
        reason += "; nothing is indexed yet, so this answer is empty: try again once it is"
    return reason


def open_current(args: argparse.Namespace) -> api.CodeIndex:
    """The root's index. One of ours in another format version (code-index was upgraded) is
    rebuilt first, beside the old one as --rebuild does: it is only a cache, and every
    command would fail until then."""
    return open_or_rebuild(args)[0]


def open_or_rebuild(args: argparse.Namespace) -> tuple[api.CodeIndex, UpdateReport | None]:
    """The root's index, and what rebuilding it took when it was in another format version."""
    try:
        return api.CodeIndex.open(args.root, max_file_size=args.max_file_size), None
    except storage.OtherVersion:
        print("code-index: note: the index is from another version; rebuilding it", file=sys.stderr)
        report = rebuild(args)
        return api.CodeIndex.open(args.root, max_file_size=args.max_file_size), report


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
