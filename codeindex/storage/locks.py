"""OS file locks in an index directory: the writer lock, REBUILDING, MERGELOCK, WATCHER.

They are fcntl/msvcrt locks (Whoosh's FileStorage.lock): a lock dies with its process, so a
killed holder never leaves one stale.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Protocol

from codeindex.storage import _light_imports  # noqa: F401  (before whoosh: see the module)

# isort: split
from whoosh.filedb.filestore import FileStorage

from codeindex.storage import index_dir
from codeindex.storage.errors import IndexBusy
from codeindex.storage.index_dir import INDEX_DIR, NotOurs
from codeindex.storage.schema import INDEX_NAME

REBUILD_LOCK = "REBUILDING"  # held by a rebuild, in the index it is replacing
WRITER_LOCK = f"{INDEX_NAME}_WRITELOCK"  # Whoosh's writer lock
LEFTOVER_AGE = 60.0  # seconds: older side directories belong to no live build
REBUILD_WRITER_WAIT = 600.0


class Lock(Protocol):
    def acquire(self, blocking: bool = False) -> bool: ...

    def release(self) -> None: ...


def directory_lock(directory: Path, name: str) -> Lock:
    """An OS file lock `name` in an index directory whose index may not even open."""
    lock: Lock = FileStorage(str(directory)).lock(name)
    return lock


def try_lock(directory: Path, name: str) -> Lock | None:
    """The lock `name` in `directory`, or None when another holder has it."""
    lock = directory_lock(directory, name)
    return lock if lock.acquire(blocking=False) else None


def rebuild_running(root: Path) -> bool:
    """Whether a `--rebuild` is replacing the root's index right now."""
    try:
        if index_dir.state_of(root / INDEX_DIR) != "ours":
            return False
        lock = directory_lock(root / INDEX_DIR, REBUILD_LOCK)
        if not lock.acquire(blocking=False):
            return True
        lock.release()
    except (NotOurs, OSError):
        pass
    return False


def rebuild_turn(root: Path) -> tuple[Lock | None, bool]:
    """The rebuild lock of the root's index (None when it cannot be locked), and whether
    another rebuild held it first. A rebuild that finishes swaps that directory out: then
    lock the new one."""
    directory = root / INDEX_DIR
    waited = False
    while True:
        try:
            before = os.stat(directory).st_ino
            lock = directory_lock(directory, REBUILD_LOCK)
            if not lock.acquire(blocking=False):
                waited = True
                lock.acquire(blocking=True)
            if os.stat(directory).st_ino == before:
                return lock, waited
            lock.release()
        except OSError:
            return None, waited  # cannot lock (read-only): the build itself will say why


def clear_leftovers(root: Path) -> None:
    """Remove what killed rebuilds left beside the index, unless a rebuild is running."""
    try:
        lock = directory_lock(root / INDEX_DIR, REBUILD_LOCK)
        if not lock.acquire(blocking=False):
            return
    except OSError:
        return
    try:
        index_dir.remove_leftovers(root, min_age=LEFTOVER_AGE)
    finally:
        lock.release()


def writer_lock_of(directory: Path) -> Lock | None:
    """The writer lock of the index in `directory` (waiting for a refresh to finish), or
    None when that index cannot be locked (damaged, read-only): nothing can write to it."""
    try:
        if index_dir.state_of(directory) != "ours":
            return None
        lock = directory_lock(directory, WRITER_LOCK)
        deadline = time.monotonic() + REBUILD_WRITER_WAIT
        while not lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    "another code-index process kept updating the index; try the rebuild again"
                )
            time.sleep(0.05)
    except (NotOurs, OSError):
        return None
    return lock
