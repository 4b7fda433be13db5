"""Files derived from the index and kept in its directory: caches whose formats their owners
keep (the clone table and the sketch cache in codeindex.clones, the uses of a name in
codeindex.refs.cache), and whose opening, mapping, writing and removing is done here, so that
only storage, the indexer and the watcher touch the index on disk (tests/test_index_io.py).

Each of them can always be made again from the index, so every operation is best effort and
never raises for the disk's sake: a missing, unreadable or oversized file reads as None, a
write the disk refuses (read-only, full) returns False and leaves the file as it was, a file
that cannot be removed stays. A write replaces the file whole by atomic rename
(codeindex.fsutil.atomic_write), so a reader sees the old bytes or the new ones.

Names are relative to the index directory: a file (`clone-table-u.bin`) or a file in one
subfolder (`refs-cache/<hash>.json`). A name may not start with `_` or `.` (Whoosh's files,
the temporary files of a write), nor reach outside the directory. Removing touches only such
names, inside an index directory the Store found to be ours (its marker): nothing that lacks
our marker is ever deleted.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import re
from pathlib import Path

from codeindex.fsutil import atomic_write

_PART = "[A-Za-z0-9][A-Za-z0-9._-]*"
_NAME = re.compile(f"{_PART}(/{_PART})?")


class DerivedFiles:
    """The derived files of one index directory (Store.derived_files)."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def read(self, name: str, limit: int) -> bytes | None:
        """The file's bytes; None when it is missing or unreadable, or holds more than
        `limit` bytes (reading at most one more)."""
        try:
            with open(self._path(name), "rb") as handle:
                data = handle.read(limit + 1)
        except OSError:
            return None
        return data if len(data) <= limit else None

    def map(self, name: str) -> mmap.mmap | None:
        """A read-only map of the file (pages shared with every process that maps it); None
        when it is missing, unreadable or empty."""
        try:
            with open(self._path(name), "rb") as handle:
                return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # ValueError: an empty file cannot be mapped
            return None

    def write(self, name: str, data: bytes | bytearray) -> bool:
        """Replace the file with `data` in one step, making its subfolder if need be; False
        when the disk refuses (the file is then as it was)."""
        path = self._path(name)
        try:
            if "/" in name:
                path.parent.mkdir(exist_ok=True)
            atomic_write(path, data)
        except OSError:
            return False
        return True

    def remove(self, name: str) -> None:
        """Remove the file if it is there and can be removed."""
        with contextlib.suppress(OSError):
            os.unlink(self._path(name))

    def prune(self, folder: str, max_bytes: int) -> None:
        """Remove the least recently written files of `folder` until the others fit in
        `max_bytes`."""
        entries = []
        try:
            with os.scandir(self._path(folder)) as found:
                for entry in found:
                    with contextlib.suppress(OSError):
                        if entry.is_file(follow_symlinks=False):
                            stat = entry.stat(follow_symlinks=False)
                            entries.append((stat.st_mtime_ns, stat.st_size, entry.path))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= max_bytes:
                return
            with contextlib.suppress(OSError):
                os.unlink(path)
            total -= size

    def _path(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not the name of a derived file")
        return self._directory / name
