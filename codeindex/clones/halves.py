"""Half of a big batch in a forked process.

A first whole-repository scan verifies about 100,000 candidate pairs on the standard library,
one rapidfuzz call each: a second core halves that loop.
Forking only happens from a single-threaded process: forking one with other threads running
(the MCP server, the watcher) could copy a lock in mid-use. When no process can be had, or the
child dies, this process does the whole batch, so results never depend on where they were
computed.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


def map_in_halves(
    function: Callable[[Sequence[_Item]], list[_Result]],
    items: Sequence[_Item],
    minimum: int,
) -> list[_Result]:
    """function(items), with the second half computed in a forked process when there are at
    least `minimum` items (below that a process costs more than it saves)."""
    if (
        len(items) < minimum
        or threading.active_count() > 1
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return function(items)
    half = len(items) // 2
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # Forked, the child already holds the function and its items: only results cross the pipe.
    child = context.Process(target=_send, args=(function, items[half:], sender), daemon=True)
    try:
        child.start()
    except OSError:  # no process to be had (limits, memory)
        sender.close()
        receiver.close()
        return function(items)
    sender.close()
    first = function(items[:half])
    try:
        second = receiver.recv()
    except EOFError:  # the child died (killed, out of memory)
        second = function(items[half:])
    child.join()
    return first + second


def _send(function, items, sender) -> None:  # type: ignore[no-untyped-def]
    sender.send(function(items))
    sender.close()
