"""Keep the index current while files change: watchdog events -> debounced batches -> refresh.

One thread per Watcher owns every write: it reconciles the index with the disk on start (what
changed while nothing was watching), refreshes the paths that events name after ~200 ms of
quiet (or after `max_latency` under a constant stream), merges the small segments those commits
leave once the tree is idle, and rescans everything every `rescan_interval` as a backstop for
events the OS dropped. Only one Watcher per index runs at a time (an OS file lock in the index
directory); another one waits in standby and takes over when the first goes away.

The parts: codeindex.watch_filter (which events matter, with the walk's ignore engine),
codeindex.watch_schedule (when to work: pure, tested with a fake clock),
codeindex.watch_thread (the thread, the observer, the lock), codeindex.watch_presence (what
other processes see: the lock, watcher.json, sync cookies). This module binds them to a
CodeIndex, which hands over what the thread runs (CodeIndex.watch_hooks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from codeindex.watch_presence import active_watcher
from codeindex.watch_schedule import Timing
from codeindex.watch_thread import BatchReport, WatchThread

if TYPE_CHECKING:
    from codeindex.api import CodeIndex

__all__ = ["BatchReport", "Watcher", "active_watcher"]


class Watcher(WatchThread):
    """The watcher of one CodeIndex."""

    def __init__(
        self,
        code_index: CodeIndex,
        debounce: float = 0.2,
        rescan_interval: float = 30.0,
        on_batch: Callable[[BatchReport], None] | None = None,
        *,
        max_latency: float = 1.0,
        merge_idle: float = 2.0,
        on_index_lost: Callable[[str], object] | None = None,
    ) -> None:
        timing = Timing(debounce, max_latency, rescan_interval, merge_idle)
        super().__init__(code_index.watch_hooks(), timing, on_batch, on_index_lost)
        self.code_index = code_index
