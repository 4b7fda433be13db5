"""One tool call as the worker thread sees it: whether the client cancelled it, and how to
report progress to it.

Tool bodies are synchronous (the index library is) and run on worker threads, never on the
event loop. The call's `Call` travels with the thread's context, so the long operations
deep in the service (find_duplicates in its worker process) can stop early and report
progress without every tool body passing them along.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
from collections.abc import Callable
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


_CURRENT: contextvars.ContextVar[Call | None] = contextvars.ContextVar("call", default=None)


def current() -> Call:
    """The call this thread works for (a detached one outside tool calls: never cancelled)."""
    return _CURRENT.get() or Call(None)


async def in_thread(action: Callable[[], T], report: Callable[..., Any] | None = None) -> T:
    """Run `action` on a worker thread for one tool call. Cancelling the call returns at once
    and marks it cancelled; long work polls that and stops (a read of milliseconds simply
    finishes and is dropped)."""
    call = Call(report)

    def run() -> T:
        _CURRENT.set(call)
        return action()

    try:
        return await anyio.to_thread.run_sync(
            functools.partial(contextvars.copy_context().run, run), abandon_on_cancel=True
        )
    except anyio.get_cancelled_exc_class():
        call.cancelled.set()
        raise
