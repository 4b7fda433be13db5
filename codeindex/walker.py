"""File discovery: which files under the root are source files we index.

Honours nested `.gitignore` files, `.git/info/exclude` and `.code-indexignore` with git's
precedence (deeper files win, the last matching pattern in a file wins, an ignored directory is
not entered): the rules come from codeindex.ignore, the engine the watcher's event filter
shares. Symlinks are never followed: one to a file or directory inside the root is another
name for what the walk reaches under its real path (indexing both would list every
definition there twice, and the watcher sees changes only at the real path); one out of the
root is outside the project. Both are counted in `skipped`.
"""

from __future__ import annotations

import hashlib
import marshal
import operator
import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from codeindex import walk_cache
from codeindex.ignore import (
    GIT_EXCLUDE,
    IGNORE_FILES,
    IgnoreCache,
    IgnoreRules,
    Rules,
    ignored_by,
    is_ignored,
    skipped_directory,
)
from codeindex.languages import indexed_extensions

__all__ = ["DEFAULT_MAX_FILE_SIZE", "Candidate", "WalkResult", "is_ignored", "walk"]

DEFAULT_MAX_FILE_SIZE = 1024 * 1024
WALK_SETTINGS = 1  # bump when what the walk keeps of a directory changes meaning


class Candidate(NamedTuple):
    """One source file the walk found. A tuple, not a frozen dataclass: the walk before every
    command makes one per source file, and a tuple is made in a third of the time."""

    path: str  # relative to the root, "/" separators
    size: int
    mtime_ns: int
    skip: str = ""  # reason to record the file without reading it


@dataclass(slots=True)
class WalkResult:
    files: dict[str, Candidate] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    # Files we do not index but whose ignore status matters (e.g. for the watcher).
    ignore_files: list[str] = field(default_factory=list)

    def digest(self) -> str:
        """What a refresh compares with the index (each file's path, size, mtime and skip),
        hashed: two walks that agree on it plan the same refresh (codeindex.indexer)."""
        files = [tuple(candidate) for candidate in self.files.values()]  # marshal takes tuples
        return hashlib.blake2b(marshal.dumps(files, 2), digest_size=16).hexdigest()


class _Deferred:
    """The rules in force in a directory, worked out when first asked for. A directory whose
    cached listing is replayed applies no rules (they were applied when it was listed); only
    one below it that must be listed again does. So a walk whose listings all come from the
    cache reads and compiles no ignore file, and never imports pathspec."""

    __slots__ = ("_make", "_rules")

    def __init__(self, make: Callable[[], list[Rules]]) -> None:
        self._make = make
        self._rules: list[Rules] | None = None

    def get(self) -> list[Rules]:
        if self._rules is None:
            self._rules = self._make()
        return self._rules


_Rules = list[Rules] | _Deferred  # a directory's rules, perhaps not yet worked out


def _resolved(rules: _Rules) -> list[Rules]:
    return rules.get() if isinstance(rules, _Deferred) else rules


_Start = tuple[Path, str, _Rules, frozenset[str] | None]


def _walk_starts(root: Path, engine: IgnoreRules, only: Iterable[str] | None) -> list[_Start]:
    scope = None if only is None else set(only)
    if scope is None or "" in scope:
        return [(root, "", _Deferred(lambda: engine.rules_for(root, "", engine.initial())), None)]
    names_by_parent: dict[str, set[str]] = {}
    for path in scope:
        if any(ancestor in scope for ancestor in _ancestors(path)):
            continue  # walked with its ancestor
        parent, _, name = path.rpartition("/")
        names_by_parent.setdefault(parent, set()).add(name)
    starts: list[_Start] = []
    directories = IgnoreCache(root)
    for parent, names in names_by_parent.items():
        directory = root / parent if parent else root
        if parent and os.path.realpath(directory) != str(directory):
            continue  # reached through a symlink: not walked (the module docstring says why)
        rules = directories.directory_rules(parent)
        if rules is not None:
            starts.append((directory, parent, rules, frozenset(names)))
    return starts


def _ancestors(path: str) -> Iterator[str]:
    while "/" in path:
        path = path.rpartition("/")[0]
        yield path


def walk(
    root: Path,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    only: Iterable[str] | None = None,
    cache_file: Path | None = None,
) -> WalkResult:
    """Every source file under the root; with `only` (root-relative files or directories),
    just those paths and what lies under them, under the same rules: an incremental refresh
    then costs what it touches, not the size of the tree. A whole-tree walk with
    `cache_file` reuses the listings of directories whose mtime has not moved since the last
    walk (codeindex.walk_cache): same result, fewer system calls."""
    walker = _Walk(root.resolve(), max_file_size, None if only is not None else cache_file)
    walker.run(only)
    return walker.result


# A directory to visit: its path, its root-relative path, the rules in force, the entry names
# to visit (None: all), whether the rules already hold the directory's own ignore files, and
# whether its cached listing may be used (not when an ignore file above it appeared or went).
_Pending = tuple[str, str, _Rules, frozenset[str] | None, bool, bool]


@dataclass(slots=True)
class _Kept:
    """What the walk keeps of one directory it listed, for the listing cache."""

    files: list[str] = field(default_factory=list)
    subdirs: list[str] = field(default_factory=list)
    ignore_files: list[str] = field(default_factory=list)
    non_utf8: int = 0
    cacheable: bool = True  # no symlinks, nothing unreadable


class _Walk:
    def __init__(self, root: Path, max_file_size: int, cache_file: Path | None) -> None:
        self.root = root
        self.max_file_size = max_file_size
        self.result = WalkResult()
        self.extensions = indexed_extensions()
        self.engine = IgnoreRules(root)
        self.root_prefix = str(root) + os.sep
        self.cache_file = cache_file
        self.cache: walk_cache.ListingCache | None = None
        if cache_file is not None:
            settings = (WALK_SETTINGS, tuple(sorted(self.extensions)), str(root))
            self.cache = walk_cache.load(cache_file, settings)
            self.cache.note_ignore_file(os.path.join(root, GIT_EXCLUDE))
        # Paths stay str: this runs once per directory of the tree before every query
        # without a watcher, so a Path per directory shows.
        self.pending: list[_Pending] = []

    def run(self, only: Iterable[str] | None) -> None:
        self.pending = [
            (str(d), rel, rules, names, True, True)
            for d, rel, rules, names in _walk_starts(self.root, self.engine, only)
        ]
        while self.pending:
            self._directory(*self.pending.pop())
        if self.cache is not None and self.cache_file is not None:
            walk_cache.save(self.cache_file, self.cache)

    def _directory(
        self,
        directory: str,
        relative_dir: str,
        rules: _Rules,
        names: frozenset[str] | None,
        complete: bool,
        replay: bool,
    ) -> None:
        cache = self.cache if names is None else None
        mtime_ns = 0
        if cache is not None:
            try:
                mtime_ns = os.stat(directory).st_mtime_ns
            except OSError:
                cache = None  # listing it says why
            listing = cache.usable(relative_dir, mtime_ns) if cache is not None else None
            if listing is not None and replay:
                self._replay(directory, relative_dir, rules, complete, listing)
                return
        listed_at = time.time_ns()
        try:
            with os.scandir(directory) as entries:
                listed = sorted(entries, key=_NAME)  # a stable order for the index
        except OSError:
            self.result.skipped["unreadable"] += 1
            if cache is not None:
                cache.store(relative_dir, None, listed_at)
            return
        present = tuple(e.name for e in listed if e.name in IGNORE_FILES)
        own = _resolved(self._own_rules(directory, relative_dir, rules, present, complete))
        if cache is not None:
            before = cache.listings.get(relative_dir)
            # Rules that appeared, went or are new to the cache: what lies below was
            # filtered without them.
            replay = replay and (
                not present if before is None else before.ignore_present == present
            )
        kept = self._entries(listed, relative_dir, own, names, replay)
        if cache is not None:
            listing = walk_cache.Listing(
                mtime_ns,
                tuple(kept.files),
                tuple(kept.subdirs),
                present,
                tuple(kept.ignore_files),
                kept.non_utf8,
            )
            cache.store(relative_dir, listing if kept.cacheable else None, listed_at)

    def _own_rules(
        self,
        directory: str,
        relative_dir: str,
        rules: _Rules,
        present: tuple[str, ...],
        complete: bool,
    ) -> _Rules:
        """The rules in force in a directory, given its ignore files (`complete`: already
        applied), worked out when first asked for. The cache notes each ignore file now: a
        change to one drops the cache."""
        if self.cache is not None:
            for name in present:
                self.cache.note_ignore_file(os.path.join(directory, name))
        if complete or not present:
            return rules
        engine = self.engine
        return _Deferred(
            lambda: engine.rules_for(directory, relative_dir, _resolved(rules), present)
        )

    def _replay(
        self,
        directory: str,
        relative_dir: str,
        rules: _Rules,
        complete: bool,
        listing: walk_cache.Listing,
    ) -> None:
        """A directory whose listing is unchanged: stat its source files, enter its
        subdirectories, as listing it would."""
        rules = self._own_rules(directory, relative_dir, rules, listing.ignore_present, complete)
        result = self.result
        prefix = f"{relative_dir}/" if relative_dir else ""
        if listing.non_utf8:
            result.skipped["non-UTF-8 name"] += listing.non_utf8
        result.ignore_files.extend(prefix + name for name in listing.ignore_files)
        files, limit, is_file = result.files, self.max_file_size, stat.S_ISREG
        here = directory + os.sep  # not os.path.join: this loop runs once per source file
        for name in listing.files:
            relative = prefix + name
            try:
                info = os.stat(here + name)
            except OSError:
                result.skipped["unreadable"] += 1
                continue
            if is_file(info.st_mode):
                skip = "too large" if info.st_size > limit else ""
                files[relative] = Candidate(relative, info.st_size, info.st_mtime_ns, skip)
        for name in listing.subdirs:
            self.pending.append((here + name, prefix + name, rules, None, False, True))

    def _entries(
        self,
        entries: list[os.DirEntry[str]],
        relative_dir: str,
        rules: list[Rules],
        names: frozenset[str] | None,
        replay: bool,
    ) -> _Kept:
        kept = _Kept()
        result, extensions = self.result, self.extensions
        for entry in entries:
            name = entry.name
            if names is not None and name not in names:
                continue
            if not _utf8(name):
                # Paths are UTF-8 text everywhere (index terms, JSON, MCP): a name that is not
                # is skipped, with what lies under it, and counted in status.
                result.skipped["non-UTF-8 name"] += 1
                kept.non_utf8 += 1
                continue
            relative = f"{relative_dir}/{name}" if relative_dir else name
            kind = self._kind(entry, relative, kept)
            if kind is None:
                continue
            is_link, is_dir, info = kind
            if is_dir and skipped_directory(name):
                continue
            if name in IGNORE_FILES:
                result.ignore_files.append(relative)
                kept.ignore_files.append(name)
            if ignored_by(relative, is_dir, rules):
                continue
            if is_link:
                self._skip_link(entry.path, name, is_dir)
                continue
            if is_dir:
                self.pending.append((entry.path, relative, rules, None, False, replay))
                kept.subdirs.append(name)
                continue
            if info is None or not stat.S_ISREG(info.st_mode):
                continue
            dot = name.rfind(".")
            if dot < 0 or name[dot:].lower() not in extensions:
                continue
            skip = "too large" if info.st_size > self.max_file_size else ""
            result.files[relative] = Candidate(relative, info.st_size, info.st_mtime_ns, skip)
            kept.files.append(name)
        return kept

    def _kind(
        self, entry: os.DirEntry[str], relative: str, kept: _Kept
    ) -> tuple[bool, bool, os.stat_result | None] | None:
        """(is a link, is a directory, its stat) for an entry worth a closer look; None
        for one to leave out (an ignore file is recorded as one on the way)."""
        name = entry.name
        try:
            is_link = entry.is_symlink()
            # Without a link, the listing's file type says what the entry is: a directory
            # needs no stat, and a file's name decides before any stat or ignore matching.
            is_dir = not is_link and entry.is_dir(follow_symlinks=False)
            if is_link:
                kept.cacheable = False  # a link's target changes without our mtime
            elif not is_dir:
                if name in IGNORE_FILES:
                    self.result.ignore_files.append(relative)
                    kept.ignore_files.append(name)
                    return None
                dot = name.rfind(".")
                if dot < 0 or name[dot:].lower() not in self.extensions:
                    return None
                if not entry.is_file(follow_symlinks=False):
                    return None
            if is_dir:
                return is_link, True, None
            info = entry.stat()  # follows links
            return is_link, stat.S_ISDIR(info.st_mode), info
        except OSError:
            self.result.skipped["broken symlink" if entry.is_symlink() else "unreadable"] += 1
            kept.cacheable = False
            return None

    def _skip_link(self, path: str, name: str, is_dir: bool) -> None:
        """Count a symlink the walk does not follow: out of the root, or inside it (a
        directory, or a file named as a source file) where its target is indexed under its
        real path, when the walk's rules keep it there. Links to other files go uncounted,
        as the files themselves would."""
        if not os.path.realpath(path).startswith(self.root_prefix):
            self.result.skipped["symlink outside root"] += 1
            return
        dot = name.rfind(".")
        if is_dir or (dot >= 0 and name[dot:].lower() in self.extensions):
            self.result.skipped["symlink inside root"] += 1


_NAME = operator.attrgetter("name")


def _utf8(name: str) -> bool:
    """Whether a name from the OS decoded as UTF-8 (else it holds surrogateescape codes)."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
