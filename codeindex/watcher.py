"""Keep the index current while files change: watchdog events -> debounced batches -> refresh.

One thread per Watcher owns every write: it reconciles the index with the disk on start (what
changed while nothing was watching), refreshes the paths that events name after ~200 ms of
quiet (or after `max_latency` under a constant stream), merges the small segments those commits
leave once the tree is idle, and rescans everything every `rescan_interval` as a backstop for
events the OS dropped. Only one Watcher per index runs at a time (an OS file lock in the index
directory); another one waits in standby and takes over when the first goes away.

Reads and opens never reach us: the inotify mask asks only for writes, creates, deletes and
moves, and the handler drops every other event type on platforms that cannot filter natively.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

from codeindex import store
from codeindex.api import CodeIndex
from codeindex.fsutil import atomic_write
from codeindex.index_dir import INDEX_DIR
from codeindex.languages import indexed_extensions
from codeindex.models import UpdateReport
from codeindex.walker import ALWAYS_SKIPPED_DIRS, IGNORE_FILES, IgnoreRules

log = logging.getLogger(__name__)

# Real changes only. FileModifiedEvent is IN_MODIFY/IN_ATTRIB, FileClosedEvent IN_CLOSE_WRITE;
# FileOpenedEvent, FileClosedNoWriteEvent and DirModifiedEvent are left out on purpose.
CHANGE_EVENTS: tuple[type[FileSystemEvent], ...] = (
    FileCreatedEvent,
    DirCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    DirDeletedEvent,
    FileMovedEvent,
    DirMovedEvent,
)
GIT_EXCLUDE = ".git/info/exclude"
WATCH_LOCK = "WATCHER"
WATCHER_INFO = "watcher.json"
FALLBACK_RESCAN = 5.0  # seconds between rescans when the OS cannot watch (part of) the tree
STANDBY_POLL = 1.0
BUSY_RETRY = 1.0
RESCAN_SHARE = 0.01  # of the time, at most, for backstop rescans
FALLBACK_SHARE = 0.05  # when rescans replace events
MAX_SMALL_SEGMENTS = 10  # merge even without an idle pause past this many (~15 ms each time)
COOKIE_PREFIX = "sync-cookie-"  # files `sync` touches in the index directory
_cookie_numbers = itertools.count()


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


class Watcher:
    def __init__(
        self,
        code_index: CodeIndex,
        debounce: float = 0.2,
        rescan_interval: float = 30.0,
        on_batch: Callable[[BatchReport], None] | None = None,
        *,
        max_latency: float = 1.0,
        merge_idle: float = 2.0,
    ) -> None:
        self.code_index = code_index
        self.root = code_index.root.resolve()
        self.debounce = debounce
        self.rescan_interval = rescan_interval
        self.max_latency = max(max_latency, debounce)
        self.merge_idle = merge_idle
        self.on_batch = on_batch
        self._cond = threading.Condition()
        self._pending: dict[str, None] = {}  # an ordered set: duplicates collapse here
        self._first_event = self._last_event = 0.0
        self._rescan_now = False
        self._stopping = False
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: Any = None
        self._lock: Any = None
        self._ignore = _IgnoreCache(self.root)
        self._extensions = frozenset(indexed_extensions())
        self._interval = self._base_interval = rescan_interval
        self._rescan_share = RESCAN_SHARE
        self._merge_due = False
        self._last_commit = 0.0
        self._working = False
        self._merger: threading.Thread | None = None
        self._prefix = str(self.root) + os.sep
        # status
        self._mode = "stopped"
        self._batches = 0
        self._last_batch: BatchReport | None = None
        self._overflows = 0
        self._watch_limit = False
        self._degraded: str | None = None
        self._rescans = 0
        self._rescans_with_changes = 0
        self._busy: str | None = None
        self._last_error: str | None = None
        self._merges = 0
        # Read-your-writes (`sync`): relevant events are numbered as they arrive; a batch
        # records the last number it took, and once committed, everything up to it is in.
        self._cookie_dir = INDEX_DIR + "/" + COOKIE_PREFIX
        self._cookies_seen: set[str] = set()
        self._event_number = 0
        self._taken_upto = 0
        self._committed_upto = 0
        self._flush_now = False

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
            while self._pending or self._working:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
        return True

    def sync(self, timeout: float) -> bool:
        """Return once every change made to the tree before this call is in the index
        (Watchman's sync cookie). Touch a cookie file in the index directory and wait for
        its event: events arrive in order, so every earlier change is queued by then. Then
        take the queue at once (no debounce) and wait for its commit. False when that
        takes longer than `timeout` or the watcher does not follow events itself."""
        if self._observer is None or self._lock is None or self._stopping:
            return False
        deadline = time.monotonic() + timeout
        name = f"{COOKIE_PREFIX}{os.getpid()}-{next(_cookie_numbers)}"
        cookie = self.code_index.store.directory / name
        try:
            os.close(os.open(cookie, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
        except OSError:
            return False  # a read-only index directory: no cookie, no promise
        try:
            with self._cond:
                if not self._cond.wait_for(
                    lambda: name in self._cookies_seen or self._stopping,
                    max(0.0, deadline - time.monotonic()),
                ):
                    return False
                self._cookies_seen.discard(name)
                wanted = self._event_number
                if self._committed_upto >= wanted:
                    return True
                self._flush_now = True
                self._cond.notify_all()
                return (
                    self._cond.wait_for(
                        lambda: self._committed_upto >= wanted or self._stopping,
                        max(0.0, deadline - time.monotonic()),
                    )
                    and not self._stopping
                )
        finally:
            cookie.unlink(missing_ok=True)

    def status(self) -> dict[str, object]:
        with self._cond:
            pending = len(self._pending)
        last = self._last_batch
        return {
            "running": self._thread is not None and self._mode != "stopped",
            "mode": self._mode,
            "pending": pending,
            "batches": self._batches,
            "last_batch_at": last.finished_at if last else None,
            "last_batch": asdict(last) if last else None,
            "events_dropped": self._overflows,  # times the OS queue overflowed
            "watch_limit_reached": self._watch_limit,
            "rescans": self._rescans,
            "rescan_every": round(self._interval, 1),  # seconds
            "rescans_with_changes": self._rescans_with_changes,
            "merges": self._merges,
            "degraded": self._degraded,
            "busy": self._busy,
            "last_error": self._last_error,
        }

    # -- events (observer thread) ----------------------------------------------------------

    def _on_event(self, event: FileSystemEvent) -> None:
        if not isinstance(event, CHANGE_EVENTS):
            return
        paths = [event.src_path]
        if event.dest_path:
            paths.append(event.dest_path)
        if self._is_cookie(os.fsdecode(event.src_path)):
            return
        wanted = [
            relative
            for path in paths
            if (relative := self._relevant(os.fsdecode(path), event.is_directory)) is not None
        ]
        if not wanted:
            return
        now = time.monotonic()
        with self._cond:
            if not self._pending:
                self._first_event = now
            self._last_event = now
            self._pending.update(dict.fromkeys(wanted))
            self._event_number += 1
            self._cond.notify_all()

    def _is_cookie(self, path: str) -> bool:
        """A `sync` cookie's event: note that it arrived (and drop it)."""
        if not path.startswith(self._prefix):
            return False
        relative = path[len(self._prefix) :].replace(os.sep, "/")
        if not relative.startswith(self._cookie_dir):
            return False
        with self._cond:
            self._cookies_seen.add(relative[len(INDEX_DIR) + 1 :])
            self._cond.notify_all()
        return True

    def _relevant(self, path: str, is_dir: bool) -> str | None:
        """The root-relative path to refresh for a changed path, or None to drop it."""
        if not path.startswith(self._prefix):
            return None
        relative = path[len(self._prefix) :].replace(os.sep, "/")
        if relative == GIT_EXCLUDE:  # ignore rules for the whole tree, inside .git/
            self._ignore.clear()
            return ""
        parts = relative.split("/")
        if any(part in ALWAYS_SKIPPED_DIRS for part in (parts if is_dir else parts[:-1])):
            return None  # includes our own .code-index/ writes
        name = parts[-1]
        if name in IGNORE_FILES:
            # New rules can hide or reveal anything below: refresh that whole subtree.
            self._ignore.clear()
            directory = relative.rpartition("/")[0]
            return None if directory and self._ignore.ignored(directory, True) else directory
        if not is_dir and os.path.splitext(name)[1].lower() not in self._extensions:
            return None  # editor temp files, backups, unknown languages
        if self._ignore.ignored(relative, is_dir):
            return None
        return relative

    # -- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping:
                task: tuple[str, list[str] | None] | None
                if self._lock is not None:
                    task = self._next_task()
                elif self._take_over():
                    task = ("start", None)  # reconcile: what changed while nobody watched
                    with self._cond:
                        self._taken_upto = self._event_number
                else:
                    self._mode = "standby"
                    self._ready.set()
                    with self._cond:
                        self._working = False
                        self._cond.notify_all()
                        self._cond.wait_for(lambda: self._stopping, STANDBY_POLL)
                    continue
                if task is None:
                    continue
                with self._cond:
                    self._working = True
                try:
                    self._do(*task)
                    if self._busy is None:  # committed (not put back for another writer)
                        with self._cond:
                            self._committed_upto = max(self._committed_upto, self._taken_upto)
                except Exception as exc:  # keep watching
                    log.exception("code-index watcher: %s failed", task[0])
                    self._last_error = f"{type(exc).__name__}: {exc}"
                    time.sleep(BUSY_RETRY)
                    if task[1] is not None:  # the batch's paths: a rescan covers them
                        with self._cond:
                            self._rescan_now = True
                finally:
                    with self._cond:
                        self._working = False
                        self._cond.notify_all()
                    self._ready.set()
        finally:
            self._shutdown()
            with self._cond:
                self._working = False
                self._cond.notify_all()
            self._ready.set()

    def _take_over(self) -> bool:
        """Become the one watcher of this index and start observing (before reconciling, so
        nothing that changes during the reconcile is missed)."""
        lock = self.code_index.store.try_lock(WATCH_LOCK)
        if lock is None:
            holder = active_watcher(self.code_index.store)
            self._degraded = f"another process (pid {holder or '?'}) watches this index"
            return False
        self._lock = lock
        self._degraded = None
        _write_info(self.code_index.store)
        self._start_observer()
        return True

    def _start_observer(self) -> None:
        from watchdog.observers import Observer

        # watchdog's inotify backend warns when a directory is watched again (ours: the
        # merge's side directory, made and removed in the index directory), quoting the
        # watch with every path under it: kilobytes on stderr for nothing to act on.
        warnings.filterwarnings(
            "ignore", message=r"Callback with id .* for watch", category=RuntimeWarning
        )

        _OverflowWatch.register(self)
        try:
            observer = Observer()
            observer.schedule(
                _Handler(self), str(self.root), recursive=True, event_filter=list(CHANGE_EVENTS)
            )
            observer.start()
        except OSError as exc:
            self._fall_back(f"cannot watch {self.root} ({exc})")
            self._mode = "rescan"
            return
        self._observer = observer
        self._mode = type(observer).__name__.removesuffix("Observer").lower() or "native"
        if _unwatched_directories(observer, self.root):
            self._watch_limit = True
            self._fall_back("the OS watch limit was reached (fs.inotify.max_user_watches)")

    def _fall_back(self, why: str) -> None:
        self._interval = self._base_interval = min(self.rescan_interval, FALLBACK_RESCAN)
        self._rescan_share = FALLBACK_SHARE  # rescans are all we have now
        self._degraded = f"{why}; rescanning every {self._interval:g} s instead"
        log.warning("code-index watcher: %s", self._degraded)

    def _next_task(self) -> tuple[str, list[str] | None] | None:
        """Block until there is something to do: a batch, a rescan, an idle merge."""
        with self._cond:
            next_rescan = time.monotonic() + self._interval
            while not self._stopping:
                now = time.monotonic()
                if self._pending:
                    quiet = self._last_event + self.debounce
                    due = min(quiet, self._first_event + self.max_latency)
                    if now >= due or self._flush_now:
                        paths = list(self._pending)
                        self._pending.clear()
                        self._flush_now = False
                        self._taken_upto = self._event_number
                        return "changes", paths
                    self._cond.wait(due - now)
                    continue
                if self._rescan_now or now >= next_rescan:
                    self._rescan_now = False
                    self._taken_upto = self._event_number  # a walk sees every change
                    return "rescan", None
                wake = next_rescan
                if self._merge_due:
                    merge_at = self._last_commit + self.merge_idle
                    if now >= merge_at:
                        return "merge", None
                    wake = min(wake, merge_at)
                self._cond.wait(wake - now)
        return None

    def _do(self, reason: str, paths: list[str] | None) -> None:
        if reason == "merge":
            self._merge()
            return
        started = time.perf_counter()
        # Hot-path commits never merge segments; _merge folds them in when the tree is idle.
        report = self.code_index.refresh(paths=paths, merge=False)
        if report is None:  # another process holds the writer lock: try again shortly
            self._busy = self.code_index.read_only_reason
            with self._cond:
                if paths is None:
                    self._rescan_now = True
                else:
                    self._pending.update(dict.fromkeys(paths))
                    self._first_event = self._last_event = time.monotonic()
                self._cond.wait_for(lambda: self._stopping, BUSY_RETRY)
            return
        self._busy = None
        if paths is None:
            # Space whole-tree rescans so they take at most a small share of the time: a huge
            # tree is rescanned less often than every `rescan_interval`.
            spent = time.perf_counter() - started
            self._interval = max(self._base_interval, spent / self._rescan_share)
        if reason == "rescan":
            self._rescans += 1
            if report.changed:
                self._rescans_with_changes += 1
        self._record(reason, paths, report, time.perf_counter() - started)

    def _record(
        self, reason: str, paths: list[str] | None, report: UpdateReport, seconds: float
    ) -> None:
        if report.changed:
            self._merge_due = True
            self._last_commit = time.monotonic()
            if self._small_segments() > MAX_SMALL_SEGMENTS:
                self._merge()  # edits that never pause: searches slow down per segment
        elif reason != "start":
            return  # nothing changed (a touch, an ignored file): nothing to report
        batch = BatchReport(
            reason=reason,
            paths=len(paths or ()),
            indexed=report.indexed,
            removed=report.removed,
            symbols=report.symbols,
            seconds=seconds,
            finished_at=time.time(),
        )
        self._batches += 1
        self._last_batch = batch
        if self.on_batch is not None:
            try:
                self.on_batch(batch)
            except Exception:
                log.exception("code-index watcher: on_batch callback failed")

    def _small_segments(self) -> int:
        sizes = self.code_index.store.segment_sizes()
        return sum(1 for size in sizes if size < store.SMALL_SEGMENT_DOCS)

    def _merge(self) -> None:
        """Merge in a thread of its own: the merge holds no lock while it works, so batches
        keep committing meanwhile (Store.merge_small_segments)."""
        self._merge_due = False
        if self._merger is not None and self._merger.is_alive():
            return
        self._merger = threading.Thread(
            target=self._merge_in_background, name="code-index-merge", daemon=True
        )
        self._merger.start()

    def _merge_in_background(self) -> None:
        try:
            merged = self.code_index.store.merge_small_segments()
        except store.IndexBusy:
            self._merge_due = True  # another process kept the lock: after the next idle
            return
        except Exception as exc:
            log.exception("code-index watcher: merge failed")
            self._last_error = f"merge: {type(exc).__name__}: {exc}"
            return
        self._merges += bool(merged)

    def _overflowed(self) -> None:
        with self._cond:
            self._overflows += 1
            self._rescan_now = True
            self._cond.notify_all()

    def _shutdown(self) -> None:
        _OverflowWatch.unregister(self)
        if self._merger is not None:
            self._merger.join(10.0)  # an interrupted merge is only wasted work
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(5.0)
            self._observer = None
        if self._lock is not None:
            try:
                (self.code_index.store.directory / WATCHER_INFO).unlink(missing_ok=True)
            finally:
                self._lock.release()
                self._lock = None
        self._mode = "stopped"


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self._watcher = watcher

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self._watcher._on_event(event)
        except Exception:  # an exception here would end watchdog's dispatch thread
            log.exception("code-index watcher: could not handle %r", event)
            self._watcher._overflowed()  # the event is lost: rescan, as after an overflow


class _IgnoreCache:
    """`walker.is_ignored` with the rules of each directory loaded once, so a burst of events
    in one directory reads its ignore files once. Cleared when any ignore file changes."""

    LIMIT = 100_000

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clear()

    def clear(self) -> None:
        self._engine = IgnoreRules(self.root)
        self._rules: dict[str, list[Any] | None] = {}  # None: the directory is ignored

    def _directory_rules(self, directory: str) -> list[Any] | None:
        if directory in self._rules:
            return self._rules[directory]
        if len(self._rules) > self.LIMIT:
            self._rules.clear()
        if not directory:
            rules: list[Any] | None = self._engine.rules_for(self.root, "", self._engine.initial())
        else:
            parent = self._directory_rules(directory.rpartition("/")[0])
            name = directory.rpartition("/")[2]
            if (
                parent is None
                or name in ALWAYS_SKIPPED_DIRS
                or IgnoreRules.ignored(directory, True, parent)
            ):
                rules = None
            else:
                rules = self._engine.rules_for(self.root / directory, directory, parent)
        self._rules[directory] = rules
        return rules

    def ignored(self, relative: str, is_dir: bool) -> bool:
        rules = self._directory_rules(relative.rpartition("/")[0])
        return rules is None or IgnoreRules.ignored(relative, is_dir, rules)


class _OverflowWatch(logging.Handler):
    """watchdog reports an inotify queue overflow only in its log (it re-adds its watches but
    the lost events are gone), so listen there and rescan."""

    _watchers: weakref.WeakSet[Watcher] = weakref.WeakSet()
    _installed = False

    def emit(self, record: logging.LogRecord) -> None:
        # "Inotify queue overflowed; filesystem events were lost" (watchdog 7, inotify_c)
        if record.name.endswith("inotify_c") and "overflow" in record.getMessage().lower():
            for watcher in list(self._watchers):
                watcher._overflowed()

    @classmethod
    def register(cls, watcher: Watcher) -> None:
        cls._watchers.add(watcher)
        if not cls._installed:
            logger = logging.getLogger("watchdog.observers")
            logger.addHandler(cls(logging.WARNING))
            if logger.getEffectiveLevel() > logging.WARNING:
                logger.setLevel(logging.WARNING)
            cls._installed = True

    @classmethod
    def unregister(cls, watcher: Watcher) -> None:
        cls._watchers.discard(watcher)


def _unwatched_directories(observer: Any, root: Path) -> bool:
    """Whether watchdog silently skipped subdirectories. Its inotify backend swallows ENOSPC
    (watch limit) for everything below the root, so compare what it watches with what
    exists. Other backends watch a tree with one handle and cannot run out this way."""
    watched = 0
    for emitter in getattr(observer, "emitters", ()):
        group = getattr(emitter, "_inotify", None)
        paths = getattr(group, "_active_callbacks_by_path", None)
        if paths is None:
            return False
        watched += len(paths)
    directories = 1 + sum(
        sum(1 for name in names if not os.path.islink(os.path.join(top, name)))
        for top, names, _ in os.walk(root)
    )
    return watched < directories


def _write_info(index_store: store.Store) -> None:
    info = {"pid": os.getpid(), "started": time.time()}
    atomic_write(index_store.directory / WATCHER_INFO, json.dumps(info).encode("utf-8"))


def active_watcher(index_store: store.Store) -> int | None:
    """The pid of the process watching this index (0 if unknown), or None if none is."""
    try:
        lock = index_store.try_lock(WATCH_LOCK)
    except OSError:
        return None  # cannot even create the lock file (read-only): nobody watches from here
    if lock is not None:
        lock.release()
        return None
    try:
        info = json.loads((index_store.directory / WATCHER_INFO).read_text(encoding="utf-8"))
        return int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0
