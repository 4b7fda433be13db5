"""The index behind the MCP tools: opened and built in the background, kept fresh.

The server must answer `initialize` before the index library is even imported, so everything
here starts on a background thread: open the index, catch up with the disk (a cold build when
there is no index), then keep it current. Tool calls wait only for what they need: the open
(a fraction of a second), then whatever makes older changes visible (below). During a build
they answer at once from what is committed, with a note saying so.

Freshness (read-your-writes: a call that starts after a write sees it), in order of
preference:
- the file watcher (`codeindex.watcher.Watcher`): a call syncs with it through a cookie file
  (Watcher.sync): under a millisecond when nothing is pending, else the commit of what is;
- when there is no watcher, or it is degraded (OS watch limit, another process watches the
  index, periodic rescans only), a check before answering: a call needs a refresh that
  started after it did (at most `check_interval` seconds before, 0 by default); the
  refresher thread runs one when none did. Calls that arrive together share one walk.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from codeindex_server import calls
from codeindex_server.clone_worker import CloneWorker, WorkerError
from codeindex_server.readers import ReaderPool
from codeindex_server.startup import BuildProgress, StartUp, open_index

if TYPE_CHECKING:
    from codeindex.api import CodeIndex

log = logging.getLogger("codeindex_server")

T = TypeVar("T")

CHECK_INTERVAL = 0.0  # seconds; a change older than this is always visible
CHECK_WAIT_LIMIT = 5.0  # longest a call waits for a freshness check before answering anyway
WATCHER_WAIT_LIMIT = 2.0  # the watcher commits at least every ~1 s even under constant edits
OPEN_TIMEOUT = 60.0
PROGRESS_EVERY = 0.5  # seconds between progress notifications of a reindex
# A freshly started server's calls wait this long for the start-up catch-up, so a client that
# starts a server per call (and exits after one answer) is answered from an index that has
# caught up with the disk whenever that is quick; otherwise the answer's note says so.
CATCH_UP_WAIT = 2.0
STOP_WAIT = 5.0  # longest shutdown waits for the catch-up slice being committed


class ServiceError(Exception):
    """The index cannot be used; the message says why and what to do."""


class IndexService:
    def __init__(
        self,
        root: Path | None,
        max_file_size: int | None = None,
        check_interval: float = CHECK_INTERVAL,
        use_watcher: bool = True,
        catch_up_wait: float = CATCH_UP_WAIT,
    ) -> None:
        self.root = root  # None: found on the background thread (codeindex.api.find_root)
        self.max_file_size = max_file_size
        self.check_interval = check_interval
        self.use_watcher = use_watcher
        self.catch_up_wait = catch_up_wait
        self._index: CodeIndex | None = None
        self._opened = threading.Event()
        self._startup = StartUp()
        self._watcher: Any = None
        # Freshness bookkeeping, guarded by _cond.
        self._cond = threading.Condition()
        self._checked_from = float("-inf")  # start time of the last finished check
        self._check_wanted = False
        self._checking = False
        self._stopping = False
        # Reads run concurrently, each on a handle of its own (readers.py); the long clone
        # scan runs in a process of its own (clone_worker.py).
        self._readers: ReaderPool | None = None
        self._clones: CloneWorker | None = None
        self._slow_lane = threading.Lock()
        self._restoring = False  # rebuilding an index directory removed under the server
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="code-index-refresher", daemon=True)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Open, catch up and keep fresh on a background thread; once (later calls: no-op)."""
        with self._cond:
            if not self._thread.is_alive() and self._thread.ident is None:
                self._thread.start()

    def stop(self) -> None:
        """Stop everything; once (a second caller waits for the first: main.py's SIGTERM)."""
        with self._stop_lock:
            if not self._stopped:
                self._stop()
                self._stopped = True

    def _stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        watcher = self._watcher
        if watcher is not None:
            try:
                watcher.stop()
            except Exception:  # shutting down: nothing useful to do with it
                log.exception("stopping the watcher failed")
        # A freshness check ends within a fraction of a second; a catch-up stops after the
        # slice it is committing (so what it did is kept); a cold build may take longer. Do
        # not hold up the client's shutdown beyond STOP_WAIT: the thread is a daemon, and an
        # unfinished commit leaves the previous one intact.
        if self._thread.is_alive():
            building = self._startup.state == "building"
            self._thread.join(timeout=STOP_WAIT if building else 2)
        if self._clones is not None:
            self._clones.stop()
        if self._readers is not None:
            self._readers.close()
        if self._index is not None and not self._thread.is_alive():
            self._index.close()

    # -- what tools call -------------------------------------------------------------------

    def code_index(self) -> CodeIndex:
        """The open index; waits for the background open, which takes well under a second."""
        if not self._opened.wait(OPEN_TIMEOUT):
            raise ServiceError("the index is still opening; try again in a moment")
        if self._index is None:
            raise ServiceError(f"the index could not be opened: {self._startup.error}")
        return self._index

    def progress(self) -> BuildProgress:
        return self._startup.progress()

    @property
    def freshness_mode(self) -> str:
        return "watcher" if self._watcher_status() is not None else "check-before-answer"

    @property
    def refreshing(self) -> bool:
        return self._startup.state == "building" or self._checking or self._watcher_busy()

    def ensure_fresh(self) -> str:
        """Block until the index reflects the disk as of `check_interval` ago, and return a
        note for the answer when it cannot (cold build running, refresh too slow)."""
        code_index = self.code_index()
        if removed := self._index_gone():
            self._index_removed(removed)
        if not self._startup.finished.is_set():
            self._startup.finished.wait(self.catch_up_wait)
        note = self.build_note()
        if note:
            return note
        watching = self._watcher_status()
        if watching is not None:
            return self._wait_for_watcher() or self._busy_note(code_index)
        deadline_start = time.monotonic() - self.check_interval
        with self._cond:
            if self._checked_from >= deadline_start:
                return self._busy_note(code_index)
            self._check_wanted = True
            self._cond.notify_all()
            fresh = self._cond.wait_for(
                lambda: self._checked_from >= deadline_start or self._stopping,
                timeout=CHECK_WAIT_LIMIT,
            )
        if not fresh:
            return "a refresh is still running; results may miss changes from the last seconds"
        return self._busy_note(code_index)

    def build_note(self) -> str:
        """What an answer given before the start-up catch-up (or first build) ended may
        miss; "" once it has ended."""
        return self._startup.note()

    def query(self, action: Callable[[CodeIndex], T]) -> T:
        """Run a read against the index on a handle of this call's own, beside other calls;
        a cancelled call stops it midway (calls.Call.interruptible). A merge can delete a
        segment file under a searcher that was just opened; one retry opens the new
        generation."""
        self.code_index()
        assert self._readers is not None
        with self._readers.borrow() as handle, calls.current().interruptible():
            try:
                return action(handle)
            except FileNotFoundError:
                if removed := self._index_gone():
                    self._index_removed(removed)
                    note = f"{removed}; it is being rebuilt, retry in a few seconds"
                    raise ServiceError(note) from None
                return action(handle)

    def query_slow(self, action: Callable[[CodeIndex], T]) -> T:
        """`query` for a call that may take a second or more (find_similar's first look at
        a new index loads every clone unit): one at a time, so that the others find the
        table loaded, and so that short calls always have read handles left."""
        with self._slow_lane:
            return self.query(action)

    def in_worker(self, op: str, label: str, **args: Any) -> dict[str, Any]:
        """`CodeIndex.<op>(**args).to_json()`, computed in the clone worker process: beside
        other calls, stopped when the call is cancelled (clone_worker.py)."""
        self.code_index()
        assert self._clones is not None
        try:
            return self._clones.run(op, args, label)
        except WorkerError as exc:
            if exc.usage:
                raise ServiceError(str(exc)) from None
            raise

    def empty_reason(self) -> str:
        """Why the index holds nothing yet ("" when it holds something). Searching an index
        with no segments fails inside Whoosh (EmptyReader has no columns), so name-based
        tools answer from this instead."""
        if not self.query(lambda ci: ci.is_empty()):
            return ""
        building = self.build_note()
        if building:
            return f"nothing is searchable yet: {building}"
        return f"no source files are indexed under {self.root}"

    def reindex(self, paths: list[str] | None) -> Any:
        """Refresh now (all files, or only `paths`); returns the UpdateReport, or None when
        another process holds the writer lock. A cancelled call stops between files and
        commits nothing (the next refresh does the work)."""
        code_index = self.code_index()
        started = time.monotonic()
        if self._index_gone():  # removed, and nobody noticed yet: build all of it, here
            from codeindex.api_watch import restore_index

            restore_index(code_index.root)
            paths = None
        report = code_index.refresh(paths, *_reported_progress("reindex"))
        if paths is None and report is not None:
            with self._cond:
                self._checked_from = max(self._checked_from, started)
                self._cond.notify_all()
        return report

    # -- background thread -----------------------------------------------------------------

    def _run(self) -> None:
        from codeindex.api import CodeIndex, find_root

        started = time.perf_counter()
        try:
            self.root = (self.root or find_root()).resolve()
            self._index = open_index(self.root, self.max_file_size)
        except Exception as exc:
            log.exception("opening the index in %s failed", self.root)
            self._startup.failed(f"{type(exc).__name__}: {exc}")
            self._opened.set()
            return
        root, size = self.root, self.max_file_size
        self._readers = ReaderPool(lambda: CodeIndex.open(root, max_file_size=size))
        self._clones = CloneWorker(root, size)
        log.info("opened the index of %s in %.2fs", root, time.perf_counter() - started)
        self._opened.set()
        self._catch_up()
        if self._stopping:
            return
        if self.use_watcher:
            self._start_watcher()
        self._serve_checks()

    def _catch_up(self) -> None:
        assert self._index is not None
        startup = self._startup
        try:
            startup.catch_up(self._index, lambda: self._stopping)
        except Exception as exc:
            log.exception("building the index failed")
            startup.error = f"build failed: {type(exc).__name__}: {exc}"
        startup.state = "ready"
        startup.finished.set()
        with self._cond:
            self._checked_from = max(self._checked_from, startup.started)
            self._cond.notify_all()

    # -- an index directory removed under the server ----------------------------------------

    def _index_gone(self) -> str:
        """ "" while the index directory is there, else that it was removed."""
        from codeindex.api_watch import index_removed

        return index_removed(self.root) if self.root is not None else ""

    def _index_removed(self, why: str) -> None:
        """`rm -rf .code-index` while the server runs (a common way to reset an index): put
        a new one in place and build it as at start-up, in the background; until then
        answers carry the build's note. Called by a call that found it gone, or by the
        watcher (on its own thread: it must not wait for itself)."""
        with self._cond:
            if self._stopping or self._restoring:
                return
            self._restoring = True
            self._startup = StartUp(cause=why)  # calls wait for this build, and quote it
        log.warning("%s; building a new one", why)
        threading.Thread(target=self._rebuild, name="code-index-restore", daemon=True).start()

    def _rebuild(self) -> None:
        from codeindex.api_watch import restore_index

        try:
            watcher, self._watcher = self._watcher, None
            if watcher is not None:
                watcher.stop()
            assert self.root is not None
            restore_index(self.root)
            self._catch_up()
            if self.use_watcher and not self._stopping:
                self._start_watcher()
        except Exception as exc:
            log.exception("rebuilding the removed index failed")
            self._startup.failed(f"rebuilding the removed index failed: {exc}")
        finally:
            with self._cond:
                self._restoring = False

    def _serve_checks(self) -> None:
        assert self._index is not None
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._check_wanted or self._stopping)
                if self._stopping:
                    return
                self._check_wanted = False
                self._checking = True
            started = time.monotonic()
            try:
                self._index.refresh()
            except Exception:
                # Keep serving from the last good commit; the next call asks again.
                log.exception("refreshing the index failed")
            with self._cond:
                self._checking = False
                self._checked_from = max(self._checked_from, started)
                self._cond.notify_all()

    def _busy_note(self, code_index: CodeIndex) -> str:
        if code_index.read_only_reason:
            return code_index.read_only_reason
        return ""

    # -- watcher ---------------------------------------------------------------------------

    def _start_watcher(self) -> None:
        try:
            from codeindex.watcher import Watcher
        except ImportError:  # a build without the watcher: checks before answering
            log.info("no file watcher available; checking for changes before answering")
            return
        assert self._index is not None
        watcher = Watcher(self._index, on_index_lost=self._index_removed)
        # It reconciles the index with the disk first (a walk: the catch-up just ran), then
        # follows file events; calls wait for that reconcile only through _wait_for_watcher.
        watcher.start(wait=False)
        self._watcher = watcher

    def _watcher_status(self) -> dict[str, Any] | None:
        """The watcher's status while it really follows events itself; None when it is
        absent, not yet observing, on standby behind another process, or degraded to
        periodic rescans (then the check before answering keeps the promise)."""
        watcher = self._watcher
        if watcher is None:
            return None
        status: dict[str, Any] = watcher.status()
        if not status.get("running") or status.get("degraded"):
            return None
        if status.get("mode") in ("starting", "standby", "rescan", "stopped"):
            return None
        return status

    def _watcher_busy(self) -> bool:
        status = self._watcher_status()
        return bool(status and status.get("pending"))

    def _wait_for_watcher(self) -> str:
        """Wait until every change made before this call has reached the index: the
        watcher's sync cookie (Watcher.sync), typically a few milliseconds plus the commit
        of what was pending."""
        if self._watcher.sync(WATCHER_WAIT_LIMIT):
            return ""
        return "the file watcher is still indexing recent changes; results may lag"


def _reported_progress(label: str) -> tuple[Callable[[int], None], Callable[[int], None]]:
    """Progress callbacks for CodeIndex.refresh that stop it when the call is cancelled and
    send the client a progress notification at most every PROGRESS_EVERY seconds."""
    call = calls.current()
    done, total, last = 0, 0, float("-inf")  # the first file is reported at once

    def set_total(count: int) -> None:
        nonlocal total
        total = count

    def advance(count: int) -> None:
        nonlocal done, last
        call.check()
        done += count
        if time.monotonic() - last >= PROGRESS_EVERY:
            last = time.monotonic()
            call.progress(done, total or None, f"{label}: {done} of {total} files")

    return advance, set_total
