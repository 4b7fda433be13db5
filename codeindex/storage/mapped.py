"""Segment files read in place from one shared memory map: no copy per reader.

whoosh-reloaded opens a compound segment (`.seg`) by mapping it, then wraps each of its
sub-files in `BytesIO(memoryview)`, which copies the bytes: every reader held its own copy
of every segment's terms, postings and columns (about 95 MB per open reader on the standard
library), and opening paid for copying it all. Here the storage opens a `.seg` as a
MappedFile over one process-wide map of that file; Whoosh's CompoundStorage, told the
storage does not map (`supports_mmap = False`), then takes its sub-files from
`MappedFile.subset`, which are views of the same map. Reads copy only the bytes they return,
and the pages are the page cache's, shared by every reader and process.
"""

from __future__ import annotations

import mmap
import os
import threading
import weakref
from array import array
from typing import Any

from codeindex.storage import _light_imports  # noqa: F401  (before whoosh: see the module)

# isort: split
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

_ITEM_SIZES = {code: array(code).itemsize for code in "bBhHiIlLqQfd"}
_MAPS: weakref.WeakValueDictionary[tuple[int, int, int, int], mmap.mmap] = (
    weakref.WeakValueDictionary()
)
_MAPS_LOCK = threading.Lock()
PEEK_MAX = 4096  # a posting block's pickle is a few hundred bytes


def shared_map(path: str) -> mmap.mmap:
    """A read-only map of the file at `path`, the same one for every caller while any of them
    holds it. Segment files never change once written (a merge writes new ones), so the
    file's identity and size name its content."""
    with open(path, "rb") as handle:
        stat = os.fstat(handle.fileno())
        key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        with _MAPS_LOCK:
            mapped = _MAPS.get(key)
            if mapped is None:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                _MAPS[key] = mapped
    return mapped


class MappedFile(StructFile):  # type: ignore[misc]  # Whoosh is untyped
    """A read-only StructFile over a slice of a map. It is its own `file` (StructFile's
    read_* methods call `self.file.read`), so reads need no BytesIO."""

    def __init__(self, source: mmap.mmap, start: int, length: int, name: str | None = None) -> None:
        self._source = source  # keeps the shared map alive while any view of it is used
        self._start = start  # where this file starts in the map
        view = memoryview(source)
        self._view = view[start : start + length] if start or length != len(view) else view
        self._length = len(view)
        self._position = 0
        self._name = name
        self.file = self
        self.onclose = None
        self.is_real = False
        self.is_closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self._position
        end = self._length if size is None or size < 0 else min(start + size, self._length)
        self._position = end
        return self._view[start:end].tobytes()

    def peek(self, size: int = 0) -> bytes:
        """Bytes ahead, without moving. pickle.load (Whoosh keeps posting blocks and term
        infos as pickles) reads through `peek` when the file has one: two calls per pickle
        instead of one `read` per opcode."""
        start = self._position
        return self._view[start : start + min(max(size, 1), PEEK_MAX)].tobytes()

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start = self._position
        end = self._length if size is None or size < 0 else min(start + size, self._length)
        newline = self._source.find(b"\n", self._start + start, self._start + end)
        return self.read((newline - self._start + 1 if newline >= 0 else end) - start)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self._position
        elif whence == os.SEEK_END:
            offset += self._length
        self._position = max(0, offset)
        return self._position

    def tell(self) -> int:
        return self._position

    @property
    def source(self) -> mmap.mmap:
        """The whole map (`mmap.find` searches it in place)."""
        return self._source

    @property
    def start(self) -> int:
        """Where this file starts in `source`."""
        return self._start

    @property
    def view(self) -> memoryview:
        """The file's bytes, in place (slices of it copy nothing)."""
        return self._view

    def flush(self) -> None:
        pass

    def close(self) -> None:
        # The map is shared: it goes when the last view of it is collected.
        self.is_closed = True

    def get(self, position: int, length: int) -> bytes:
        return self._view[position : position + length].tobytes()

    def get_array(self, position: int, typecode: str, length: int) -> array:  # type: ignore[type-arg]
        values = array(typecode, self.get(position, length * _ITEM_SIZES[typecode]))
        if values.itemsize > 1 and _LITTLE:
            values.byteswap()  # stored big-endian
        return values

    def subset(self, position: int, length: int, name: str | None = None) -> MappedFile:
        length = max(0, min(length, self._length - position))
        return MappedFile(self._source, self._start + position, length, name or self._name)


_LITTLE = array("H", [1]).tobytes() == b"\x01\x00"


class MappedStorage(FileStorage):  # type: ignore[misc]  # Whoosh is untyped
    """The index directory, with segment files opened as MappedFiles."""

    def __init__(self, path: str) -> None:
        # Told there is no mmap, CompoundStorage asks the opened file for subsets instead
        # of mapping it again and copying each sub-file (see the module's docstring).
        super().__init__(path, supports_mmap=False)

    def open_file(self, name: str, **kwargs: Any) -> Any:
        if not name.endswith(".seg") or kwargs:
            return super().open_file(name, **kwargs)
        source = shared_map(self._fpath(name))
        return MappedFile(source, 0, len(source), name)
