"""Read handles on the index, one per concurrent tool call.

Whoosh readers are not thread-safe: a posting matcher seeks and reads a file object that the
searcher shares. Instead of one lock around every read (which made each call wait behind the
slowest one), each call borrows a handle of its own: a `CodeIndex` with its own `Store`,
searcher and caches. Handles open lazily, up to `size`; a call beyond that waits for one to
come back; beyond KEEP_WARM, a handle left unused for SPARE_IDLE seconds is closed. Each
handle follows new commits itself (Store.searcher checks the generation).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from codeindex_server import calls

if TYPE_CHECKING:
    from codeindex.api import CodeIndex

# Each handle holds its own searcher and caches (the segment files are one shared map:
# codeindex.storage.mapped), and Python runs one thread at a time anyway: two handles let
# a short call overtake a slow one (find_similar's first table load, which also takes the
# service's slow lane) without doubling memory again.
DEFAULT_SIZE = 2
KEEP_WARM = 1  # handles kept open however long the server is idle
SPARE_IDLE = 5.0  # seconds a handle beyond KEEP_WARM may stay unused before it is closed


class ReaderPool:
    def __init__(self, open_handle: Callable[[], CodeIndex], size: int = DEFAULT_SIZE) -> None:
        self._open_handle = open_handle
        self._size = size
        self._free: list[tuple[CodeIndex, float]] = []  # (handle, when it came back)
        self._opened = 0
        self._closed = False
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def borrow(self) -> Iterator[CodeIndex]:
        handle = self._take()
        broken = False
        try:
            yield handle
        except calls.Cancelled:
            broken = True  # stopped midway: its caches may be half filled, so it is closed
            raise
        finally:
            now = time.monotonic()
            with self._cond:
                if not broken:
                    self._free.append((handle, now))
                # Spares unused for a while are closed: their copies of the segment files go
                # back to the system. Taking the newest first lets the oldest age out.
                spares = [handle] if broken else []
                while self._free and (
                    self._closed
                    or (len(self._free) > KEEP_WARM and self._free[0][1] < now - SPARE_IDLE)
                ):
                    spares.append(self._free.pop(0)[0])
                self._opened -= len(spares)
                self._cond.notify()
            for spare in spares:
                spare.close()
            if spares:
                _give_back_freed_memory()

    def _take(self) -> CodeIndex:
        with self._cond:
            while not self._free and self._opened >= self._size:
                self._cond.wait()
            if self._free:
                return self._free.pop()[0]
            self._opened += 1
        try:
            return self._open_handle()
        except BaseException:
            with self._cond:
                self._opened -= 1
                self._cond.notify()
            raise

    def close(self) -> None:
        with self._cond:
            self._closed = True
            handles, self._free = self._free, []
        for handle, _ in handles:
            handle.close()


def _give_back_freed_memory() -> None:
    """glibc keeps freed heap pages (a closed handle's copies of the segment files) for
    reuse; hand them back to the system. No-op where there is no glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass
