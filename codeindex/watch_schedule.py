"""When the watcher works: the debounce, the rescan clock, idle merges and sync cookies.

Pure bookkeeping: no threads, no files, no clock of its own. Every method that depends on
time takes `now` (a monotonic reading), so the tests drive it with a fake clock. The watcher
thread (codeindex.watch_thread) calls it under its lock and sleeps as long as `next_task`
says.

Read-your-writes: every relevant event gets a number as it is queued; a task remembers the
last number it took, and once the task has committed, `committed_upto` moves to it. A sync
cookie that arrives after event number N is answered once `committed_upto >= N`: events of
one inotify descriptor arrive in order, so every change made before the cookie was written
is then in the index.
"""

from __future__ import annotations

from dataclasses import dataclass

RESCAN_SHARE = 0.01  # of the time, at most, for backstop rescans
FALLBACK_SHARE = 0.05  # when rescans replace events


@dataclass(frozen=True, slots=True)
class Task:
    kind: str  # "start" (reconcile), "changes", "rescan", "merge"
    paths: list[str] | None = None  # for "changes": root-relative paths ("" = everything)


@dataclass(frozen=True, slots=True)
class Timing:
    debounce: float = 0.2  # quiet wanted before a batch
    max_latency: float = 1.0  # a batch at the latest this long after its first event
    rescan_interval: float = 30.0  # a whole-tree rescan at least this far apart
    merge_idle: float = 2.0  # merge small segments after this long without a commit


class Scheduler:
    def __init__(self, timing: Timing, now: float) -> None:
        self.timing = timing
        self.max_latency = max(timing.max_latency, timing.debounce)
        self.base_interval = self.interval = timing.rescan_interval
        self.rescan_share = RESCAN_SHARE
        self.pending: dict[str, None] = {}  # an ordered set: duplicates collapse here
        self.first_event = self.last_event = 0.0
        self.rescan_at = now + self.interval
        self.rescan_now = False
        self.merge_due = False
        self.last_commit = 0.0
        self.event_number = 0  # of the last relevant event queued
        self.taken_upto = 0  # by the task running now
        self.committed_upto = -1  # nothing yet: the reconcile at the start commits 0
        self.cookies: dict[str, int] = {}  # cookie -> event number it waits for

    # -- what arrives -----------------------------------------------------------------------

    def add(self, paths: list[str], now: float) -> None:
        """Paths that events named (root-relative, already filtered)."""
        if not self.pending:
            self.first_event = now
        self.last_event = now
        self.pending.update(dict.fromkeys(paths))
        self.event_number += 1

    def cookie(self, name: str) -> bool:
        """A sync cookie arrived. True: every change queued before it is committed already
        (answer it now); else it waits for a commit, and the queue goes without debounce
        until it is answered."""
        if self.committed_upto >= self.event_number:
            return True
        self.cookies[name] = self.event_number
        return False

    def lost_events(self) -> None:
        """The OS dropped events (queue overflow) or one could not be handled: rescan."""
        self.rescan_now = True

    # -- what to do next --------------------------------------------------------------------

    def next_task(self, now: float) -> Task | float:
        """The task to run now, or the monotonic time to wake up at (an event may bring
        work sooner)."""
        if self.pending:
            due = min(self.last_event + self.timing.debounce, self.first_event + self.max_latency)
            if now >= due or self._cookie_needs_pending():
                paths = list(self.pending)
                self.pending.clear()
                self.taken_upto = self.event_number
                return Task("changes", paths)
            return due
        if self.rescan_now or now >= self.rescan_at:
            self.rescan_now = False
            self.taken_upto = self.event_number  # a walk sees every change
            return Task("rescan")
        wake = self.rescan_at
        if self.merge_due:
            merge_at = self.last_commit + self.timing.merge_idle
            if now >= merge_at:
                self.merge_due = False
                return Task("merge")
            wake = min(wake, merge_at)
        return wake

    def _cookie_needs_pending(self) -> bool:
        """Whether a waiting cookie needs an event that no running task took: only then
        is the debounce skipped (not for every later event)."""
        return any(wanted > self.taken_upto for wanted in self.cookies.values())

    def start_task(self) -> Task:
        """The reconcile a watcher runs when it takes over: a walk sees every change."""
        self.taken_upto = self.event_number
        return Task("start")

    # -- how a task ended -------------------------------------------------------------------

    def committed(self, task: Task, changed: bool, now: float) -> list[str]:
        """The task's refresh committed (or found nothing to do). Returns the cookies that
        can be answered now."""
        self.committed_upto = max(self.committed_upto, self.taken_upto)
        if changed:
            self.merge_due = True
            self.last_commit = now
        self.rescan_at = now + self.interval
        answered = [name for name, wanted in self.cookies.items() if wanted <= self.committed_upto]
        for name in answered:
            del self.cookies[name]
        return answered

    def put_back(self, task: Task, now: float) -> None:
        """Another process held the writer lock: the task runs again later."""
        if task.paths is None:
            self.rescan_now = True
        else:
            self.pending.update(dict.fromkeys(task.paths))
            self.first_event = self.last_event = now
        self.rescan_at = now + self.interval

    def failed(self, task: Task, now: float) -> None:
        """The task raised: a rescan covers what a batch (or the reconcile) would have done."""
        if task.kind in ("changes", "start"):
            self.rescan_now = True
        self.rescan_at = now + self.interval

    def merge_refused(self) -> None:
        """Another process kept the lock at the merge's publish: merge after the next idle."""
        self.merge_due = True

    def rescan_took(self, seconds: float) -> None:
        """Space whole-tree rescans so they take at most a small share of the time: a huge
        tree is rescanned less often than every `rescan_interval`."""
        self.interval = max(self.base_interval, seconds / self.rescan_share)

    def fall_back(self, interval: float, now: float) -> None:
        """Events cannot be trusted (no watch, or not on every directory): rescans are all
        there is, so they run more often and may take a bigger share of the time."""
        self.interval = self.base_interval = min(self.base_interval, interval)
        self.rescan_share = FALLBACK_SHARE
        self.rescan_at = min(self.rescan_at, now + self.interval)

    def forget_cookies(self) -> list[str]:
        """Cookies nobody will answer (the watcher stops): the waiters give up."""
        names = list(self.cookies)
        self.cookies.clear()
        return names
