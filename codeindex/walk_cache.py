"""What the last whole-tree walk kept of each directory, valid while its mtime is unchanged.

A directory's mtime moves whenever an entry is created, removed or renamed in it, and never
when a file's content changes. So when a directory's mtime is what it was at the last walk,
its listing (which names are source files, which are subdirectories to enter, which are
ignore files) is still what the walk saw, and only the files need a stat. That saves the
listing, the sort, the ignore matching and the loop over every non-source entry, per
directory, before every command without a watcher.

When the cache would be wrong, it is not used:
- an entry is stored only for a directory whose mtime was at least RACY_NS old when it was
  listed (a change within the clock's granularity of the listing could leave the mtime as
  it was: git's "racy" entries);
- directories holding symlinks are never stored (their targets change without the mtime);
- a change to any ignore file the walk read (or to `.git/info/exclude`) drops the whole
  cache; an ignore file that appears or disappears changes its directory's mtime, and the
  walk stops using the cache below it (codeindex.walker);
- the walk's own settings (the indexed extensions, a format number) are part of the file.
The file lives in the index directory; a damaged or foreign one is simply not used.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from dataclasses import dataclass, field
from pathlib import Path

from codeindex.fsutil import atomic_write

CACHE_FILE = "walk-cache"
CACHE_FORMAT = 1
CACHE_READ_LIMIT = 256 << 20
RACY_NS = 2_000_000_000
Settings = tuple[int, tuple[str, ...], str]  # what the walk depends on besides the disk


@dataclass(frozen=True, slots=True)
class Listing:
    """One directory as the walk kept it (names in the walk's order)."""

    mtime_ns: int
    files: tuple[str, ...]  # source files (not yet stat-ed: sizes come from a fresh stat)
    subdirs: tuple[str, ...]  # directories the walk enters
    ignore_present: tuple[str, ...]  # ignore files in this directory (their rules apply)
    ignore_files: tuple[str, ...]  # entries reported as ignore files (WalkResult)
    non_utf8: int  # names skipped as not UTF-8


@dataclass(slots=True)
class ListingCache:
    settings: Settings
    listings: dict[str, Listing] = field(default_factory=dict)
    ignore_stats: dict[str, tuple[int, int, int] | None] = field(default_factory=dict)
    changed: bool = False

    def usable(self, relative_dir: str, mtime_ns: int) -> Listing | None:
        listing = self.listings.get(relative_dir)
        return listing if listing is not None and listing.mtime_ns == mtime_ns else None

    def store(self, relative_dir: str, listing: Listing | None, listed_at_ns: int) -> None:
        """Remember a directory just listed (None: it cannot be cached)."""
        if listing is None or listed_at_ns - listing.mtime_ns < RACY_NS:
            if self.listings.pop(relative_dir, None) is not None:
                self.changed = True
            return
        if self.listings.get(relative_dir) != listing:
            self.listings[relative_dir] = listing
            self.changed = True

    def note_ignore_file(self, path: str) -> None:
        """An ignore file whose rules the walk applied: a change to it drops the cache."""
        if path not in self.ignore_stats:
            self.ignore_stats[path] = stat_key(path)
            self.changed = True


def stat_key(path: str) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def load(path: Path, settings: Settings) -> ListingCache:
    """The cache at `path` if it was made with these settings and no ignore file it relied
    on has changed since; else an empty one."""
    empty = ListingCache(settings)
    try:
        with open(path, "rb") as handle:
            data = marshal.loads(handle.read(CACHE_READ_LIMIT))
        if data[0] != CACHE_FORMAT or data[1] != settings:
            return empty
        ignore_stats = dict(data[2])
        if any(stat_key(name) != key for name, key in ignore_stats.items()):
            return empty
        listings = {name: Listing(*fields) for name, fields in data[3].items()}
    except (OSError, EOFError, ValueError, TypeError, IndexError, KeyError):
        return empty
    return ListingCache(settings, listings, ignore_stats)


def save(path: Path, cache: ListingCache) -> None:
    """Write the cache when it changed; a read-only index directory keeps the old one."""
    if not cache.changed:
        return
    listings = {
        name: (item.mtime_ns, item.files, item.subdirs, item.ignore_present, item.ignore_files)
        + (item.non_utf8,)
        for name, item in cache.listings.items()
    }
    data = marshal.dumps((CACHE_FORMAT, cache.settings, cache.ignore_stats, listings))
    with contextlib.suppress(OSError):
        atomic_write(path, data)
