"""Which file events matter: the watcher's event filter.

An event names one or two absolute paths (a move names both). The filter turns them into
the root-relative paths to refresh, with the walk's own rules (codeindex.ignore): a path the
walk would not index is dropped here, so editor temp files, ignored trees and our own index
writes cost nothing. No threads, no index: the watcher thread calls it for every event.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from codeindex.ignore import GIT_EXCLUDE, IGNORE_FILES, IgnoreCache

COOKIE_PREFIX = "sync-cookie-"  # sync cookies: files in the index directory (codeindex.watcher)


@dataclass(frozen=True, slots=True)
class Filtered:
    paths: list[str]  # root-relative paths to refresh ("" = the whole tree)
    cookie: str = ""  # the name of a sync cookie that was created, if the event is one


NOTHING = Filtered([])


class EventFilter:
    def __init__(self, root: Path, index_dir: str, extensions: frozenset[str]) -> None:
        """`root`: resolved; `index_dir`: the index directory's root-relative name."""
        self.root = root
        self.extensions = extensions
        self._prefix = str(root) + os.sep
        self._cookies = f"{index_dir}/{COOKIE_PREFIX}"
        self.ignore = IgnoreCache(root)

    def event(self, paths: list[str], is_dir: bool, created: bool) -> Filtered:
        """What one event means. `paths`: the absolute paths it names (decoded); `created`:
        whether it reports a new file (cookies count only then, not on their removal)."""
        relative = self.relative(paths[0])
        if relative is not None and relative.startswith(self._cookies):
            if created and "/" not in relative[len(self._cookies) :]:
                return Filtered([], relative.rpartition("/")[2])
            return NOTHING
        wanted = [changed for path in paths if (changed := self.relevant(path, is_dir)) is not None]
        return Filtered(wanted) if wanted else NOTHING

    def relative(self, path: str) -> str | None:
        """The root-relative form of an absolute path, None when outside the root."""
        if not path.startswith(self._prefix):
            return None
        return path[len(self._prefix) :].replace(os.sep, "/")

    def relevant(self, path: str, is_dir: bool) -> str | None:
        """The root-relative path to refresh for a changed path, or None to drop it."""
        relative = self.relative(path)
        if relative is None:
            return None
        if relative == GIT_EXCLUDE:  # ignore rules for the whole tree, inside .git/
            self.ignore.clear()
            return ""
        directory, _, name = relative.rpartition("/")
        if name in IGNORE_FILES and not is_dir:
            # New rules can hide or reveal anything below: refresh that whole subtree. (They
            # cannot change whether their own directory is entered: ask before forgetting.)
            if directory and self.ignore.ignored(directory, True):
                return None
            self.ignore.clear()
            return directory
        if not is_dir and os.path.splitext(name)[1].lower() not in self.extensions:
            return None  # editor temp files, backups, unknown languages
        if self.ignore.ignored(relative, is_dir):
            return None  # includes our own .code-index/ writes
        return relative
