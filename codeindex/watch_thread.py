"""The watcher thread: owns the watchdog observer, the watcher lock and the index's writes.

It asks the event filter (codeindex.watch_filter) which events matter and the scheduler
(codeindex.watch_schedule) when to work, and does the work through the callables it is
given (`IndexHooks`): it knows nothing of the library API or the storage.

Reads and opens never reach us: the inotify mask asks only for writes, creates, deletes and
moves, and the event filter drops every other event type on platforms that cannot filter
natively.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from watchdog.events import FileSystemEvent

from codeindex import watch_observer, watch_presence
from codeindex.fsutil import is_write_refused
from codeindex.models import UpdateReport
from codeindex.storage.index_dir import INDEX_DIR
from codeindex.watch_filter import EventFilter
from codeindex.watch_hold import Holder
from codeindex.watch_merge import IdleMerger
from codeindex.watch_place import INDEX_GONE, ROOT_GONE, Place
from codeindex.watch_schedule import Scheduler, Task, Timing
from codeindex.watch_types import BatchReport as BatchReport  # re-exported: callers' import
from codeindex.watch_types import IndexHooks as IndexHooks

log = logging.getLogger(__name__)

FALLBACK_RESCAN = 5.0  # seconds between rescans when the OS cannot watch (part of) the tree
STANDBY_POLL = 1.0
BUSY_RETRY = 1.0
MAX_SMALL_SEGMENTS = 10  # merge even without an idle pause past this many (~15 ms each time)
PLACE_CHECK = 1.0  # seconds between checks that the root and the index are still there


@dataclass(slots=True)
class _Counts:
    batches: int = 0
    rescans: int = 0
    rescans_with_changes: int = 0
    overflows: int = 0  # times the OS queue overflowed


class WatchThread(Holder):
    def __init__(
        self,
        hooks: IndexHooks,
        timing: Timing,
        on_batch: Callable[[BatchReport], None] | None = None,
        on_index_lost: Callable[[str], object] | None = None,
    ) -> None:
        """`on_index_lost`: who rebuilds the index when its directory is removed (told why,
        after this watcher stopped); without it, this watcher makes a new one and builds it."""
        self.hooks = hooks
        self.on_batch = on_batch
        self.on_index_lost = on_index_lost
        self._place = Place(hooks.root, hooks.directory)
        self.ended: str | None = None  # why this watcher stopped on its own, if it did
        self._cond = threading.Condition()
        self._plan = Scheduler(timing, time.monotonic())
        self._filter = EventFilter(hooks.root, INDEX_DIR, hooks.extensions)
        self._stopping = False
        self._working = False  # a task runs (wait_idle)
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: Any = None
        self._lock: Any = None
        self._merger = IdleMerger(hooks.merge, self._merge_refused)
        self._waiting: set[str] = set()  # cookies of `sync` calls in this process
        self._answered: set[str] = set()
        self._counts = _Counts()
        self._mode = "stopped"
        self._last_batch: BatchReport | None = None
        self._watch_limit = False
        self._degraded: str | None = None
        self._busy: str | None = None
        self._last_error: str | None = None

    # -- public --------------------------------------------------------------------------

    def start(self, wait: bool = True, timeout: float | None = None) -> None:
        """Start watching. With `wait`, return once the index has been reconciled with the
        disk (or once this watcher knows it is on standby behind another process)."""
        if self._thread is not None:
            return
        with self._cond:
            self._stopping = False
            self._working = True  # the first task, the reconcile, counts as work for wait_idle
        self._ready.clear()
        self._mode = "starting"
        self._thread = threading.Thread(target=self._run, name="code-index-watcher", daemon=True)
        self._thread.start()
        if wait:
            self._ready.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching. Pending events are dropped: the next start reconciles them."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no event is pending and no batch is running (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._plan.pending or self._working:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
        return True

    def sync(self, timeout: float) -> bool:
        """Return once every change made to the tree before this call is in the index
        (a sync cookie: codeindex.watch_presence). False when that takes longer than
        `timeout` or the watcher does not follow events itself."""
        if self._observer is None or self._lock is None or self._stopping:
            return False
        deadline = time.monotonic() + timeout
        name = watch_presence.cookie_name()
        with self._cond:
            self._waiting.add(name)  # before the file exists: its event may come at once
        cookie = watch_presence.create_cookie(self.hooks.directory, name)
        try:
            with self._cond:
                return cookie is not None and (  # None: a read-only index directory
                    self._cond.wait_for(
                        lambda: name in self._answered or self._stopping,
                        max(0.0, deadline - time.monotonic()),
                    )
                    and name in self._answered
                )
        finally:
            with self._cond:
                self._waiting.discard(name)
                self._answered.discard(name)
            if cookie is not None:
                cookie.unlink(missing_ok=True)

    def status(self) -> dict[str, object]:
        with self._cond:
            pending = len(self._plan.pending)
            interval = self._plan.interval
        last = self._last_batch
        counts = self._counts
        return {
            "running": self._thread is not None and self._mode != "stopped",
            "mode": self._mode,
            "pending": pending,
            "batches": counts.batches,
            "last_batch_at": last.finished_at if last else None,
            "last_batch": asdict(last) if last else None,
            "events_dropped": counts.overflows,
            "watch_limit_reached": self._watch_limit,
            "rescans": counts.rescans,
            "rescan_every": round(interval, 1),  # seconds
            "rescans_with_changes": counts.rescans_with_changes,
            "merges": self._merger.merges,
            "degraded": self._degraded,
            "busy": self._busy,
            "last_error": self._last_error or self._merger.last_error,
        }

    # -- events (the observer's thread) ----------------------------------------------------

    def on_event(self, event: FileSystemEvent) -> None:
        paths = [os.fsdecode(event.src_path)]
        if event.dest_path:
            paths.append(os.fsdecode(event.dest_path))
        filtered = self._filter.event(paths, event.is_directory, event.event_type == "created")
        if filtered.cookie:
            with self._cond:
                if self._plan.cookie(filtered.cookie):
                    self._answer([filtered.cookie])
                self._cond.notify_all()
        elif filtered.paths:
            with self._cond:
                self._plan.add(filtered.paths, time.monotonic())
                self._cond.notify_all()

    def lost_events(self) -> None:
        """The OS dropped events (or one could not be handled): rescan."""
        with self._cond:
            self._counts.overflows += 1
            self._plan.lost_events()
            self._cond.notify_all()

    def _answer(self, cookies: list[str]) -> None:
        """Tell the cookies' waiters that everything before them is committed: ours through
        the condition, other processes' by removing the file (call with the lock held)."""
        for name in cookies:
            if name in self._waiting:
                self._answered.add(name)
            else:
                with contextlib.suppress(OSError):  # gone already: its waiter gave up
                    os.unlink(self.hooks.directory / name)
        self._cond.notify_all()

    # -- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping:
                task = self._next()
                if task is None:
                    continue
                with self._cond:
                    self._working = True
                try:
                    self._do(task)
                except Exception as exc:  # keep watching
                    if self._place.change() is None:  # else the next turn deals with why
                        log.exception("code-index watcher: %s failed", task.kind)
                        self._last_error = f"{type(exc).__name__}: {exc}"
                        time.sleep(BUSY_RETRY)
                    with self._cond:
                        self._plan.failed(task, time.monotonic())
                finally:
                    with self._cond:
                        self._working = False
                        self._cond.notify_all()
                    self._ready.set()
        finally:
            self._shutdown()
            with self._cond:
                self._working = False
                self._answer(self._plan.forget_cookies())
            self._ready.set()

    def _next(self) -> Task | None:
        """The next task, once there is one: while this watcher holds the index, from the
        scheduler; else the reconcile once it takes over (None: stopping, or standby)."""
        if self._lock is not None:
            return self._next_while_holding()
        change = self._place.change()
        if change == ROOT_GONE:
            self._end(self._place.describe(change))
            return None
        if change == INDEX_GONE and not self._index_lost():
            return None
        try:
            took = self._take_over()
        except OSError as exc:
            if is_write_refused(exc):  # a read-only, immutable or full index directory
                where = self.hooks.directory
                self._end(f"cannot write the index in {where} ({exc.strerror}); not watching")
                return None
            log.warning("code-index watcher: cannot take the index over (%s); retrying", exc)
            took = False
        if took:
            with self._cond:
                return self._plan.start_task()  # what changed while nobody watched
        self._mode = "standby"
        self._ready.set()
        with self._cond:
            self._working = False
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._stopping, STANDBY_POLL)
        return None

    def _next_while_holding(self) -> Task | None:
        """The scheduler's next task; every PLACE_CHECK seconds (and first), whether the root
        and the index are still the ones this watcher took over."""
        check_at = time.monotonic()
        while True:
            with self._cond:
                while not self._stopping:
                    now = time.monotonic()
                    if now >= check_at:
                        break
                    decision = self._plan.next_task(now)
                    if isinstance(decision, Task):
                        return decision
                    self._cond.wait(min(decision, check_at) - now)
                else:
                    return None
            check_at = time.monotonic() + PLACE_CHECK
            change = self._place.change()
            if change is not None:
                self._let_go()  # the lock and the observer of what is gone
                if change == ROOT_GONE:
                    self._end(self._place.describe(change))
                    return None
                if change != INDEX_GONE:  # replaced: lock the new one, reconcile with it
                    log.warning("code-index watcher: %s", self._place.describe(change))
                return self._next()

    def _fall_back(self, why: str) -> None:
        with self._cond:
            self._plan.fall_back(FALLBACK_RESCAN, time.monotonic())
            interval = self._plan.interval
        self._degraded = f"{why}; rescanning every {interval:g} s instead"
        log.warning("code-index watcher: %s", self._degraded)

    def _do(self, task: Task) -> None:
        if task.kind == "merge":
            self._merger.start()
            return
        started = time.perf_counter()
        report = self.hooks.refresh(task.paths)
        if report is None:  # another process holds the writer lock: try again shortly
            self._busy = self.hooks.busy_reason()
            with self._cond:
                self._plan.put_back(task, time.monotonic())
                self._cond.wait_for(lambda: self._stopping, BUSY_RETRY)
            return
        self._busy = None
        seconds = time.perf_counter() - started
        with self._cond:
            if task.paths is None:
                self._plan.rescan_took(seconds)
            self._answer(self._plan.committed(task, report.changed, time.monotonic()))
        if task.kind == "start":
            # Caught up: from now on a cookie's answer means what it says.
            following = self._observer is not None and self._degraded is None
            watch_presence.write_info(self.hooks.directory, following=following)
        if task.kind == "rescan":
            self._counts.rescans += 1
            self._counts.rescans_with_changes += report.changed
        if report.changed and self.hooks.small_segments() > MAX_SMALL_SEGMENTS:
            self._merger.start()  # edits that never pause: searches slow down per segment
        if report.changed or task.kind == "start":
            self._record(task, report, seconds)

    def _record(self, task: Task, report: UpdateReport, seconds: float) -> None:
        batch = BatchReport(
            reason=task.kind,
            paths=len(task.paths or ()),
            indexed=report.indexed,
            removed=report.removed,
            symbols=report.symbols,
            seconds=seconds,
            finished_at=time.time(),
        )
        self._counts.batches += 1
        self._last_batch = batch
        if self.on_batch is not None:
            try:
                self.on_batch(batch)
            except Exception:
                log.exception("code-index watcher: on_batch callback failed")

    def _merge_refused(self) -> None:
        with self._cond:
            self._plan.merge_refused()

    def _shutdown(self) -> None:
        watch_observer.forget(self)
        self._merger.join(10.0)
        if self._lock is not None:
            with contextlib.suppress(OSError):  # a read-only directory keeps the file: harmless
                watch_presence.remove_info(self.hooks.directory)
        self._let_go()
        self._mode = "stopped"
