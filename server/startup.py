"""The server's start-up, on the service's background thread: open the index, then catch up
with the disk (a cold build when there is no index), with progress that answers can quote.

A cold build commits a first slice early so that calls have something real to answer from;
the rest goes in one parallel pass (fewer, larger commits build fastest). Changes made while
no server ran are committed a slice at a time, so that a client that exits right after its
answer still leaves them indexed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codeindex.api import CodeIndex

log = logging.getLogger("codeindex_server")

CATCH_UP_SLICE = 200  # files per commit of a catch-up, so an exit midway keeps what was done
FIRST_SLICE_SHARE = 0.1
FIRST_SLICE_MAX = 256
FIRST_SLICE_MIN_TOTAL = 400  # below this a single pass is quick enough


@dataclass(frozen=True, slots=True)
class BuildProgress:
    state: str  # "opening", "building", "ready" or "failed"
    files_done: int
    files_total: int
    error: str = ""


def open_index(root: Path, max_file_size: int | None) -> CodeIndex:
    from codeindex.api import CodeIndex
    from codeindex.storage import ForeignIndex, IndexError_, Store

    try:
        return CodeIndex.open(root, max_file_size=max_file_size)
    except ForeignIndex:
        raise  # not ours: never replaced; the error reaches every tool call
    except IndexError_ as exc:
        # Ours, of another format version or damaged: the CLI asks the user to rebuild;
        # an agent cannot answer that question, and the index is only a cache. An empty
        # index is swapped in whole; the catch-up then builds it with progress notes.
        log.warning("%s; rebuilding it", exc)
        Store.recreate(root).close()
        return CodeIndex.open(root, max_file_size=max_file_size)


class StartUp:
    """How far the start-up is; `finished` is set once the catch-up ended (or failed)."""

    def __init__(self, cause: str = "") -> None:
        self.cause = cause  # why the index is built again while the server runs, if it is
        self.state = "building" if cause else "opening"
        self.error = ""
        self.files_done = 0
        self.files_total = 0
        self.started = float("-inf")  # monotonic time the catch-up's walk began
        self.finished = threading.Event()

    def progress(self) -> BuildProgress:
        return BuildProgress(self.state, self.files_done, self.files_total, self.error)

    def note(self) -> str:
        """What an answer given before the catch-up (or first build) ended may miss; ""
        once it has ended."""
        if self.state == "opening":  # comparing the index with the disk: a walk
            return (
                "the index is being compared with the disk (a walk of the tree); files changed "
                "while no server ran may be missing, retry in a few seconds"
            )
        if self.state == "building":
            cause = f"{self.cause}; " if self.cause else ""
            if not self.files_total:  # a rebuild's walk of the tree
                return f"{cause}the index is being built; retry in a few seconds"
            return (
                f"{cause}the index is being built: indexed {self.files_done} of "
                f"{self.files_total} files so far; results cover only those, retry in a few "
                "seconds"
            )
        return ""

    def failed(self, error: str) -> None:
        self.error = error
        self.state = "failed"
        self.finished.set()

    def catch_up(self, code_index: CodeIndex, stopping: Callable[[], bool]) -> None:
        """Bring the index up to date with the disk before steady-state checks take over."""
        from codeindex.indexer import plan_refresh
        from codeindex.walker import walk

        self.started = time.monotonic()
        walked = walk(code_index.root, code_index.max_file_size)
        records = code_index.file_records()
        plan = plan_refresh(walked, records)
        pending = [candidate.path for candidate in plan.to_read]
        if not pending and not plan.to_remove:
            return
        self.files_total = len(pending)
        self.state = "building"
        started = time.perf_counter()
        if records:  # changes made while no server ran
            scope = sorted(plan.to_remove) + pending
            for first in range(0, len(scope), CATCH_UP_SLICE):
                if stopping():
                    return
                code_index.refresh(
                    scope[first : first + CATCH_UP_SLICE], self._advance, merge=False
                )
            return
        if len(pending) >= FIRST_SLICE_MIN_TOTAL:
            size = min(FIRST_SLICE_MAX, int(len(pending) * FIRST_SLICE_SHARE))
            code_index.refresh(pending[:size], progress=self._advance, merge=False)
        if code_index.refresh(progress=self._advance) is None:
            # Another process holds the writer lock and keeps the index current itself.
            log.warning("not indexing: %s", code_index.read_only_reason)
        log.info(
            "indexed %d files under %s in %.1fs",
            len(pending),
            code_index.root,
            time.perf_counter() - started,
        )

    def _advance(self, count: int) -> None:
        self.files_done += count
