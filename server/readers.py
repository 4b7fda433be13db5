"""Read handles on the index, one per concurrent tool call.

Whoosh readers are not thread-safe: a posting matcher seeks and reads a file object that the
searcher shares. Instead of one lock around every read (which made each call wait behind the
slowest one), each call borrows a handle of its own: a `CodeIndex` with its own `Store`,
searcher and caches. Handles open lazily, up to `size`; a call beyond that waits for one to
come back; only KEEP_WARM stay open between calls. Each handle follows new commits itself
(Store.searcher checks the generation).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codeindex.api import CodeIndex

# Each handle holds its own copy of the segments' term, posting and column files (Whoosh
# reads them into memory: ~95 MB for the standard library), and Python runs one thread at a
# time anyway: two handles let a short call overtake a slow one (find_similar's first table
# load, which also takes the service's slow lane) without doubling memory again.
DEFAULT_SIZE = 2
KEEP_WARM = 1  # handles kept open between calls; more are closed when they come back


class ReaderPool:
    def __init__(self, open_handle: Callable[[], CodeIndex], size: int = DEFAULT_SIZE) -> None:
        self._open_handle = open_handle
        self._size = size
        self._free: list[CodeIndex] = []
        self._opened = 0
        self._closed = False
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def borrow(self) -> Iterator[CodeIndex]:
        handle = self._take()
        try:
            yield handle
        finally:
            with self._cond:
                spare = self._closed or len(self._free) >= KEEP_WARM
                if spare:  # its copies of the segment files go back to the system
                    self._opened -= 1
                else:
                    self._free.append(handle)
                self._cond.notify()
            if spare:
                handle.close()

    def _take(self) -> CodeIndex:
        with self._cond:
            while not self._free and self._opened >= self._size:
                self._cond.wait()
            if self._free:
                return self._free.pop()
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
        for handle in handles:
            handle.close()
