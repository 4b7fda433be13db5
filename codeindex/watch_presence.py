"""Who watches an index, and asking that watcher to catch up: the files other processes see.

- `WATCHER` (an OS file lock in the index directory): held by the one watcher of the index
  for as long as it runs. The OS releases it when the process dies, so a held lock means a
  live watcher, never a stale file.
- `watcher.json`: the holder's pid, and whether it follows file events right now
  (`following`: false while it starts, and when it only rescans because the OS cannot watch
  the whole tree) and answers sync cookies (`cookies`).
- Sync cookies (`sync-cookie-<pid>-<n>`): a process that wants every change made so far in
  the index creates one and waits. The watcher sees the cookie's event after the events of
  every earlier change (one inotify queue delivers in order), commits them, then removes the
  cookie: the file's disappearance is the answer. Watchman's sync cookie, across processes.

No watchdog and no threads here: the CLI imports this before every query.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeindex import storage
from codeindex.fsutil import atomic_write
from codeindex.watch_filter import COOKIE_PREFIX

WATCH_LOCK = "WATCHER"
WATCHER_INFO = "watcher.json"
INFO_READ_LIMIT = 4096
COOKIE_PROTOCOL = 1  # watcher.json's `cookies`: answers cookies of other processes
STALE_COOKIE = 60.0  # seconds: a cookie this old lost its waiter (killed): removed
_cookie_numbers = itertools.count()


@dataclass(frozen=True, slots=True)
class WatcherInfo:
    pid: int  # 0 when unknown
    following: bool  # follows file events now (not starting, not rescanning only)
    answers_cookies: bool


def write_info(directory: Path, following: bool) -> None:
    info = {
        "pid": os.getpid(),
        "started": time.time(),
        "following": following,
        "cookies": COOKIE_PROTOCOL,
    }
    atomic_write(directory / WATCHER_INFO, json.dumps(info).encode("utf-8"))


def remove_info(directory: Path) -> None:
    (directory / WATCHER_INFO).unlink(missing_ok=True)


def active_watcher(index_store: storage.Store) -> int | None:
    """The pid of the process watching this index (0 if unknown), or None if none is."""
    info = watcher_info(index_store.directory, index_store.try_lock)
    return None if info is None else info.pid


def watcher_info(directory: Path, try_lock: Any = None) -> WatcherInfo | None:
    """The running watcher of the index in `directory`, or None when none runs."""
    try:
        if try_lock is not None:
            lock = try_lock(WATCH_LOCK)
        else:
            lock = storage.directory_lock(directory, WATCH_LOCK)
            lock = lock if lock.acquire(blocking=False) else None
    except OSError:
        return None  # cannot even create the lock file (read-only): nobody watches from here
    if lock is not None:
        lock.release()
        return None
    try:
        with open(directory / WATCHER_INFO, "rb") as handle:
            info = json.loads(handle.read(INFO_READ_LIMIT))
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return WatcherInfo(0, False, False)  # starting (no file yet), or an older version
    cookies = info.get("cookies") == COOKIE_PROTOCOL
    # A watcher of an older version wrote no `following`; it trusted itself, so do we.
    following = bool(info.get("following", not cookies))
    return WatcherInfo(pid, following, cookies)


def cookie_name() -> str:
    return f"{COOKIE_PREFIX}{os.getpid()}-{next(_cookie_numbers)}"


def create_cookie(directory: Path, name: str) -> Path | None:
    """Create a sync cookie; None when the index directory refuses (read-only)."""
    cookie = directory / name
    try:
        os.close(os.open(cookie, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
    except OSError:
        return None
    return cookie


def wait_for_answer(cookie: Path, timeout: float) -> bool:
    """Wait until the watcher removed the cookie (everything before it is committed). False
    after `timeout`: the cookie is removed here and the caller answers without the promise."""
    deadline = time.monotonic() + timeout
    pause = 0.0005
    while True:
        if not os.path.lexists(cookie):
            return True
        if time.monotonic() >= deadline:
            cookie.unlink(missing_ok=True)
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.01)


def sync_with_watcher(directory: Path, timeout: float) -> bool:
    """From another process: wait until the running watcher has committed every change made
    before this call. False when it does not answer in time (or no cookie can be made)."""
    cookie = create_cookie(directory, cookie_name())
    return cookie is not None and wait_for_answer(cookie, timeout)


def remove_stale_cookies(directory: Path) -> None:
    """Cookies whose waiter was killed: nobody removes them otherwise."""
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(COOKIE_PREFIX):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime > STALE_COOKIE:
                os.unlink(entry.path)
        except OSError:
            continue
