"""The watcher thread's hold on an index: its lock, `watcher.json` and observer, taken
over, and let go of when the index directory or the root is no longer the one it took over
(codeindex.watch_place). A part of WatchThread (codeindex.watch_thread), apart for size.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from watchdog.events import FileSystemEvent

from codeindex import watch_observer, watch_presence
from codeindex.watch_place import INDEX_GONE, Place
from codeindex.watch_schedule import Scheduler
from codeindex.watch_types import IndexHooks

log = logging.getLogger("codeindex.watch_thread")


class Holder:
    """The state WatchThread keeps about its hold (set there), and what changes it."""

    hooks: IndexHooks
    on_index_lost: Callable[[str], object] | None
    ended: str | None
    _cond: threading.Condition
    _plan: Scheduler
    _place: Place
    _stopping: bool
    _lock: Any
    _observer: Any
    _mode: str
    _degraded: str | None
    _watch_limit: bool

    def on_event(self, event: FileSystemEvent) -> None:
        raise NotImplementedError  # the observer's listener: WatchThread

    def lost_events(self) -> None:
        raise NotImplementedError

    def _fall_back(self, why: str) -> None:
        raise NotImplementedError  # WatchThread: rescans instead of events

    def _index_lost(self) -> bool:
        """The index directory was removed. True when this watcher made a new one (then its
        reconcile builds it); False when it stopped and told its owner, who rebuilds."""
        why = self._place.describe(INDEX_GONE)
        if self.on_index_lost is not None:
            self._end(why)
            self.on_index_lost(why)
            return False
        log.warning("code-index watcher: %s; building a new one", why)
        self.hooks.restore()
        return True

    def _end(self, why: str) -> None:
        """Stop on our own (nothing left to follow, or nothing can be written): say why."""
        self.ended = why
        log.warning("code-index watcher: %s", why)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def _take_over(self) -> bool:
        """Become the one watcher of this index and start observing (before reconciling, so
        nothing that changes during the reconcile is missed)."""
        lock = self.hooks.try_lock(watch_presence.WATCH_LOCK)
        if lock is None:
            holder = watch_presence.watcher_info(self.hooks.directory, self.hooks.try_lock)
            pid = holder.pid if holder is not None and holder.pid else "?"
            self._degraded = f"another process (pid {pid}) watches this index"
            return False
        try:
            self._place.held()
            watch_presence.write_info(self.hooks.directory, following=False)
        except BaseException:
            lock.release()
            raise
        self._lock = lock
        self._degraded = None
        watch_presence.remove_stale_cookies(self.hooks.directory)
        self._start_observer()
        return True

    def _start_observer(self) -> None:
        try:
            observer = watch_observer.start(self.hooks.root, self)
        except OSError as exc:
            self._fall_back(f"cannot watch {self.hooks.root} ({exc})")
            self._mode = "rescan"
            return
        self._observer = observer
        self._mode = type(observer).__name__.removesuffix("Observer").lower() or "native"
        if watch_observer.unwatched_directories(observer, self.hooks.root):
            self._watch_limit = True
            self._fall_back("the OS watch limit was reached (fs.inotify.max_user_watches)")

    def _let_go(self) -> None:
        """Stop observing and release the watcher lock (the OS file lock; `watcher.json`
        without it says nothing to anyone)."""
        if self._observer is not None:
            watch_observer.stop(self._observer)
            self._observer = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None
