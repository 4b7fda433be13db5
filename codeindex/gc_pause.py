"""Pausing Python's cyclic garbage collector around work that makes objects by the million.

Loading a clone table, scanning it and writing the results out make millions of objects that
form no cycles (payloads, symbols, pairs, JSON rows). The cyclic collector, set off by the
allocations, went through all of them again and again: on the standard library 0.3-0.4 s
of a 1.9 s `dups` scan inside the library, and as much again in the rest of a CLI call.
Reference counting still frees them.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Only the call that turned the collector off turns it on again, so calls overlapping
    in the server's threads leave it on at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
