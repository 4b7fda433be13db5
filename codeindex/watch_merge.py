"""The watcher's idle merges of small segments, each on a thread of its own.

A merge holds no lock while it works (codeindex.storage.merging), so batches keep committing
meanwhile; one runs at a time, and one that another writer refused at its publish is
retried after the next idle pause (the scheduler's `merge_refused`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("codeindex.watch_thread")


class IdleMerger:
    def __init__(self, merge: Callable[[], int | None], refused: Callable[[], None]) -> None:
        """`merge`: segments merged, None when another writer kept the lock; `refused`:
        called then (on the merge's thread)."""
        self._merge = merge
        self._refused = refused
        self._thread: threading.Thread | None = None
        self.merges = 0
        self.last_error: str | None = None

    def start(self) -> None:
        """Merge now, unless a merge is running already."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._run, name="code-index-merge", daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> None:
        """Wait for a running merge (an interrupted merge is only wasted work)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            merged = self._merge()
        except Exception as exc:
            log.exception("code-index watcher: merge failed")
            self.last_error = f"merge: {type(exc).__name__}: {exc}"
            return
        if merged is None:
            self._refused()
            return
        self.merges += bool(merged)
