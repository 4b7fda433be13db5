"""One tool call as the worker thread sees it: whether the client cancelled it, and how to
report progress to it.

Tool bodies are synchronous (the index library is) and run on worker threads, never on the
event loop. The call's `Call` travels with the thread's context, so the long operations
deep in the service can stop early and report progress without every tool body passing
them along. A cancelled call stops its work in one of three ways:
- find_duplicates runs in a worker process, which is killed (clone_worker.py);
- reindex checks the call between files (`check`), and an interrupted refresh commits
  nothing (its writer is cancelled; the next refresh does the work);
- a read (a search, references to a common name, find_similar's first table load: seconds
  to a minute on a big tree) runs `interruptible`: Cancelled is raised in its thread at
  the next Python instruction, and the handle it read from is closed, not reused, since
  its caches may be half filled (readers.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import functools
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread

log = logging.getLogger("codeindex_server")

T = TypeVar("T")


class Cancelled(Exception):
    """The client cancelled the call (notifications/cancelled); nobody reads the answer."""


class Call:
    def __init__(self, report: Callable[[float, float | None, str | None], Any] | None) -> None:
        self.cancelled = threading.Event()
        self._report = report  # the SDK's async Context.report_progress, or None
        # The thread running an interruptible section, guarded by _lock so that Cancelled is
        # only ever raised inside one (never in the pool's bookkeeping after it).
        self._lock = threading.Lock()
        self._inside: int | None = None
        self._interrupted = False

    def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        """Send a progress notification (only when the client passed a progressToken)."""
        if self._report is None or self.cancelled.is_set():
            return
        try:
            anyio.from_thread.run(self._report, done, total, message)
        except Exception:  # a closed connection must not fail the call itself
            log.debug("progress notification failed", exc_info=True)

    def check(self) -> None:
        if self.cancelled.is_set():
            raise Cancelled()

    def cancel(self) -> None:
        with self._lock:
            self.cancelled.set()
            if self._inside is not None and not self._interrupted:
                self._interrupted = True
                _raise_in_thread(self._inside, Cancelled)

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """Work in this block stops midway when the call is cancelled. Only for work whose
        state is thrown away when Cancelled comes out of it."""
        with self._lock:
            self.check()
            self._inside = threading.get_ident()
        try:
            yield
        finally:
            with self._lock:
                self._inside = None
                if self._interrupted:  # not raised yet: it must not hit the next task
                    _raise_in_thread(threading.get_ident(), None)


def _raise_in_thread(thread_id: int, exception: type[BaseException] | None) -> None:
    """Raise `exception` in that thread at its next Python instruction (None: withdraw one
    not raised yet). A thread inside C code (a blocking read) sees it when it returns."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None
    )


_CURRENT: contextvars.ContextVar[Call | None] = contextvars.ContextVar("call", default=None)


def current() -> Call:
    """The call this thread works for (a detached one outside tool calls: never cancelled)."""
    return _CURRENT.get() or Call(None)


async def in_thread(action: Callable[[], T], report: Callable[..., Any] | None = None) -> T:
    """Run `action` on a worker thread for one tool call. Cancelling the call returns at once
    and stops the work where it can (above); what cannot stop is dropped when it ends."""
    call = Call(report)

    def run() -> T:
        _CURRENT.set(call)
        return action()

    try:
        return await anyio.to_thread.run_sync(
            functools.partial(contextvars.copy_context().run, run), abandon_on_cancel=True
        )
    except anyio.get_cancelled_exc_class():
        call.cancel()
        raise
