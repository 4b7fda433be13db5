"""A call's cancellation on real threads: a read in `Call.interruptible` stops midway, and
an interruption never reaches code after the section (the thread goes on to other calls)."""

from __future__ import annotations

import threading
import time

from codeindex_server.calls import Call, Cancelled


def _spin(stop_at: float) -> int:
    """Pure-Python work of a few seconds (a stand-in for a long read)."""
    rounds = 0
    while time.monotonic() < stop_at:
        rounds += 1
    return rounds


def test_a_cancelled_call_stops_its_interruptible_work_midway() -> None:
    call = Call(None)
    outcome: list[str] = []
    inside = threading.Event()

    def work() -> None:
        try:
            with call.interruptible():
                inside.set()
                _spin(time.monotonic() + 30)
            outcome.append("finished")
        except Cancelled:
            outcome.append("cancelled")

    thread = threading.Thread(target=work)
    started = time.monotonic()
    thread.start()
    inside.wait(5)
    call.cancel()
    thread.join(10)
    assert outcome == ["cancelled"]
    assert time.monotonic() - started < 10


def test_an_interruption_stays_inside_the_section() -> None:
    """Cancelled after the section ended (the answer was computed, nobody wants it): the
    thread's later work is not interrupted, and a cancelled call never starts a section."""
    call = Call(None)
    after: list[int] = []

    def work() -> None:
        with call.interruptible():
            pass
        call.cancel()
        after.append(_spin(time.monotonic() + 0.3))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    assert after and after[0] > 0
    try:
        with call.interruptible():
            raise AssertionError("a cancelled call entered a section")
    except Cancelled:
        pass
