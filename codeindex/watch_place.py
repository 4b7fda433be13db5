"""Whether the tree a watcher follows, and the index it writes, are still where it found them.

A watcher holds its lock and writes `watcher.json` in one index directory, and its observer
follows one root directory. Both can go from under it: `rm -rf .code-index` (a common way to
reset an index), a rebuild or another process swapping a new index directory in, `mv` of
the whole project. Paths alone do not show it (the new directory has the old name), so this
compares what the names point to (device and inode) with what they pointed to when the
watcher took over. Two `stat` calls; the watcher thread asks about once a second.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_GONE = "root"  # the root was moved away or removed: there is nothing left to follow
INDEX_GONE = "index"  # the index directory was removed: make a new one, build it
INDEX_REPLACED = "replaced"  # another index directory is in its place: lock that one


def identity(path: Path) -> tuple[int, int] | None:
    """What `path` names now (device, inode), or None when nothing is there."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


class Place:
    def __init__(self, root: Path, directory: Path) -> None:
        self.root = root
        self.directory = directory
        self._root = identity(root)
        self._index: tuple[int, int] | None = None

    def held(self) -> None:
        """The watcher has just taken its lock in the index directory as it is now."""
        self._index = identity(self.directory)

    def change(self) -> str | None:
        """None while root and index are where they were; else ROOT_GONE, INDEX_GONE or
        INDEX_REPLACED."""
        if identity(self.root) != self._root:
            return ROOT_GONE
        now = identity(self.directory)
        if now is None:
            return INDEX_GONE
        if self._index is not None and now != self._index:
            return INDEX_REPLACED
        return None

    def describe(self, change: str) -> str:
        if change == ROOT_GONE:
            return f"the project root {self.root} was moved or removed; stopped watching it"
        if change == INDEX_GONE:
            return f"the index directory {self.directory} was removed"
        return f"another index directory was put in place of {self.directory}"
