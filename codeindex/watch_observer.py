"""The watchdog side of the watcher: start an observer, hear about lost events.

Everything that knows watchdog's classes and quirks lives here, so the watcher thread
(codeindex.watch_thread) sees only "an event" and "events were lost".
"""

from __future__ import annotations

import logging
import os
import warnings
import weakref
from pathlib import Path
from typing import Any, Protocol

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

log = logging.getLogger("codeindex.watcher")

# Real changes only. FileModifiedEvent is IN_MODIFY/IN_ATTRIB, FileClosedEvent IN_CLOSE_WRITE;
# FileOpenedEvent, FileClosedNoWriteEvent and DirModifiedEvent are left out on purpose.
CHANGE_EVENTS: tuple[type[FileSystemEvent], ...] = (
    FileCreatedEvent,
    DirCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    DirDeletedEvent,
    FileMovedEvent,
    DirMovedEvent,
)


class Listener(Protocol):
    def on_event(self, event: FileSystemEvent) -> None: ...

    def lost_events(self) -> None: ...


def start(root: Path, listener: Listener) -> Any:
    """A started observer that reports the changes under `root` to `listener`; raises
    OSError when the OS refuses to watch the root."""
    from watchdog.observers import Observer

    # watchdog's inotify backend warns when a directory is watched again (ours: the
    # merge's side directory, made and removed in the index directory), quoting the
    # watch with every path under it: kilobytes on stderr for nothing to act on.
    warnings.filterwarnings(
        "ignore", message=r"Callback with id .* for watch", category=RuntimeWarning
    )
    _OverflowWatch.register(listener)
    _tolerate_reused_paths()
    observer = Observer()
    observer.schedule(
        _Handler(listener), str(root), recursive=True, event_filter=list(CHANGE_EVENTS)
    )
    observer.start()
    return observer


def _tolerate_reused_paths() -> None:
    """watchdog 7.1's inotify backend keeps a path -> watch map beside watch -> path. When a
    watched directory is swapped for another of the same name (a rebuild's atomic exchange
    of `.code-index`, while a watcher runs), both watches end up under one path, and
    stopping the observer raises KeyError halfway: the observer's threads then never end
    (and the next stop hangs). Removing a watch whose path is gone is a no-op here."""
    from watchdog.observers.inotify import InotifyWatchGroup

    def remove_watch_internally(self: Any, wd: Any) -> None:
        path = self._active_callbacks_by_watch.pop(wd, None)
        if path is None:
            return
        other = self._active_callbacks_by_path.pop(path, None)
        if other is not None and other != wd:
            self._active_callbacks_by_path[path] = other  # the path belongs to another watch

    if hasattr(InotifyWatchGroup, "_remove_watch_internally"):
        InotifyWatchGroup._remove_watch_internally = remove_watch_internally  # type: ignore[method-assign]


def forget(listener: Listener) -> None:
    _OverflowWatch.unregister(listener)


class _Handler(FileSystemEventHandler):
    def __init__(self, listener: Listener) -> None:
        self._listener = listener

    def dispatch(self, event: FileSystemEvent) -> None:
        if not isinstance(event, CHANGE_EVENTS):
            return  # platforms that cannot filter natively
        try:
            self._listener.on_event(event)
        except Exception:  # an exception here would end watchdog's dispatch thread
            log.exception("code-index watcher: could not handle %r", event)
            self._listener.lost_events()  # the event is lost: rescan, as after an overflow


class _OverflowWatch(logging.Handler):
    """watchdog reports an inotify queue overflow only in its log (it re-adds its watches but
    the lost events are gone), so listen there and rescan."""

    _listeners: weakref.WeakSet[Listener] = weakref.WeakSet()
    _installed = False

    def emit(self, record: logging.LogRecord) -> None:
        # "Inotify queue overflowed; filesystem events were lost" (watchdog 7, inotify_c)
        if record.name.endswith("inotify_c") and "overflow" in record.getMessage().lower():
            for listener in list(self._listeners):
                listener.lost_events()

    @classmethod
    def register(cls, listener: Listener) -> None:
        cls._listeners.add(listener)
        if not cls._installed:
            logger = logging.getLogger("watchdog.observers")
            logger.addHandler(cls(logging.WARNING))
            if logger.getEffectiveLevel() > logging.WARNING:
                logger.setLevel(logging.WARNING)
            cls._installed = True

    @classmethod
    def unregister(cls, listener: Listener) -> None:
        cls._listeners.discard(listener)


def unwatched_directories(observer: Any, root: Path) -> bool:
    """Whether watchdog silently skipped subdirectories. Its inotify backend swallows ENOSPC
    (watch limit) for everything below the root, so compare what it watches with what
    exists. Other backends watch a tree with one handle and cannot run out this way."""
    watched = 0
    for emitter in getattr(observer, "emitters", ()):
        group = getattr(emitter, "_inotify", None)
        paths = getattr(group, "_active_callbacks_by_path", None)
        if paths is None:
            return False
        watched += len(paths)
    directories = 1 + sum(
        sum(1 for name in names if not os.path.islink(os.path.join(top, name)))
        for top, names, _ in os.walk(root)
    )
    return watched < directories


def stop(observer: Any) -> None:
    """Stop an observer and wait for its threads (at most a few seconds)."""
    observer.stop()
    observer.join(5.0)
