"""File discovery: which files under the root are source files we index.

Honours nested `.gitignore` files, `.git/info/exclude` and `.code-indexignore` with git's
precedence (deeper files win, the last matching pattern in a file wins, an ignored directory is
not entered): the rules come from codeindex.ignore, the engine the watcher's event filter
shares. Symlinks are followed only while they stay inside the root, each directory once.
"""

from __future__ import annotations

import operator
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from codeindex.ignore import (
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


@dataclass(frozen=True, slots=True)
class Candidate:
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


_Start = tuple[Path, str, list[Rules], frozenset[str] | None]


def _walk_starts(root: Path, engine: IgnoreRules, only: Iterable[str] | None) -> list[_Start]:
    top = engine.rules_for(root, "", engine.initial())
    scope = None if only is None else set(only)
    if scope is None or "" in scope:
        return [(root, "", top, None)]
    names_by_parent: dict[str, set[str]] = {}
    for path in scope:
        if any(ancestor in scope for ancestor in _ancestors(path)):
            continue  # walked with its ancestor
        parent, _, name = path.rpartition("/")
        names_by_parent.setdefault(parent, set()).add(name)
    starts: list[_Start] = []
    directories = IgnoreCache(root)
    for parent, names in names_by_parent.items():
        rules = directories.directory_rules(parent)
        if rules is not None:
            starts.append((root / parent if parent else root, parent, rules, frozenset(names)))
    return starts


def _ancestors(path: str) -> Iterator[str]:
    while "/" in path:
        path = path.rpartition("/")[0]
        yield path


def walk(
    root: Path, max_file_size: int = DEFAULT_MAX_FILE_SIZE, only: Iterable[str] | None = None
) -> WalkResult:
    """Every source file under the root; with `only` (root-relative files or directories),
    just those paths and what lies under them, under the same rules: an incremental refresh
    then costs what it touches, not the size of the tree."""
    root = root.resolve()
    result = WalkResult()
    extensions = indexed_extensions()
    engine = IgnoreRules(root)
    visited: set[str] = {str(root)}
    root_prefix = str(root) + os.sep
    # (directory, its relative path, rules in force, entry names to visit or all, whether the
    # rules already hold the directory's own ignore files). Paths stay str: this loop runs
    # once per directory of the tree before every query, so a Path per directory shows.
    pending = [
        (str(d), rel, rules, names, True)
        for d, rel, rules, names in _walk_starts(root, engine, only)
    ]
    while pending:
        directory, relative_dir, rules, names, complete = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=_NAME)  # a stable order for the index
        except OSError:
            result.skipped["unreadable"] += 1
            continue
        if not complete:
            present = [e.name for e in entries if e.name in IGNORE_FILES]
            if present:
                rules = engine.rules_for(directory, relative_dir, rules, present)
        for entry in entries:
            name = entry.name
            if names is not None and name not in names:
                continue
            if not _utf8(name):
                # Paths are UTF-8 text everywhere (index terms, JSON, MCP): a name that is not
                # is skipped, with what lies under it, and counted in status.
                result.skipped["non-UTF-8 name"] += 1
                continue
            relative = f"{relative_dir}/{name}" if relative_dir else name
            try:
                is_link = entry.is_symlink()
                # Without a link, the listing's file type says what the entry is: a directory
                # needs no stat, and a file's name decides before any stat or ignore matching.
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
                info = None
                if not is_link and not is_dir:
                    if name in IGNORE_FILES:
                        result.ignore_files.append(relative)
                        continue
                    dot = name.rfind(".")
                    if dot < 0 or name[dot:].lower() not in extensions:
                        continue
                    if not entry.is_file(follow_symlinks=False):
                        continue
                if not is_dir:
                    info = entry.stat()  # follows links
                    is_dir = stat.S_ISDIR(info.st_mode)
            except OSError:
                result.skipped["broken symlink" if entry.is_symlink() else "unreadable"] += 1
                continue
            if is_dir and skipped_directory(name):
                continue
            if name in IGNORE_FILES:
                result.ignore_files.append(relative)
            if ignored_by(relative, is_dir, rules):
                continue
            if is_link:
                target = os.path.realpath(entry.path)
                if not target.startswith(root_prefix):
                    result.skipped["symlink outside root"] += 1
                    continue
                if is_dir and target in visited:
                    result.skipped["symlink loop"] += 1
                    continue
            if is_dir:
                visited.add(target if is_link else entry.path)
                pending.append((entry.path, relative, rules, None, False))
                continue
            if info is None or not stat.S_ISREG(info.st_mode):
                continue
            dot = name.rfind(".")
            if dot < 0 or name[dot:].lower() not in extensions:
                continue
            skip = "too large" if info.st_size > max_file_size else ""
            result.files[relative] = Candidate(relative, info.st_size, info.st_mtime_ns, skip)
    return result


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
