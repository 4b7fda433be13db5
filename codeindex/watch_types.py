"""What the watcher thread (codeindex.watch_thread) and its owner hand each other: the
callables it runs against an index, and the report of each refresh it ran."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeindex.models import UpdateReport


@dataclass(frozen=True, slots=True)
class IndexHooks:
    """What the watcher needs from an index, as plain callables."""

    root: Path  # resolved
    directory: Path  # the index directory
    extensions: frozenset[str]  # of the files the index holds
    # Re-index these root-relative paths (None: the whole tree); None back when another
    # process holds the writer lock (then `busy_reason` says so).
    refresh: Callable[[list[str] | None], UpdateReport | None]
    busy_reason: Callable[[], str]
    try_lock: Callable[[str], Any]  # an OS lock in the index directory, or None if held
    small_segments: Callable[[], int]
    merge: Callable[[], int | None]  # segments merged; None when another writer kept the lock
    restore: Callable[[], bool]  # a new, empty index in place of a removed one (True: made)


@dataclass(frozen=True, slots=True)
class BatchReport:
    """One refresh the watcher ran."""

    reason: str  # "start", "changes", "rescan"
    paths: int  # paths the events named (0 for a whole-tree rescan)
    indexed: int  # files (re)indexed
    removed: int  # files dropped
    symbols: int  # symbols in the files indexed
    seconds: float
    finished_at: float  # time.time()

    @property
    def changed(self) -> bool:
        return bool(self.indexed or self.removed)

    def line(self) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(self.finished_at))
        return (
            f"{clock} {self.reason}: {self.indexed} indexed, {self.removed} removed, "
            f"{self.symbols} symbols in {self.seconds * 1000:.0f} ms"
        )
