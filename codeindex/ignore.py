"""Ignore rules: the one engine the walk, the watcher's event filter and point checks share.

Git's precedence: `.git/info/exclude` first, then each directory's `.gitignore` and
`.code-indexignore` (later files win within one directory, deeper directories win over
shallower ones, the last matching pattern in a file wins), and an ignored directory is never
entered, whatever a rule below it says. Directories named in ALWAYS_SKIPPED_DIRS and a
rebuild's side directories are never entered either.

Two caches keep it cheap:
- a compiled ignore file is kept while the file's size and mtime stay the same, so the
  watcher's rescans and a server's repeated checks parse each file once;
- `IgnoreCache` keeps the rules in force per directory for point questions ("is this path
  ignored?", asked once per file event), so a burst of events in one directory reads its
  ignore files once. Its owner clears it when an ignore file changes.

Most paths match no pattern at all; each ignore file also carries one regular expression
joining all its patterns, so those paths cost one `re.match` instead of one per pattern.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

IGNORE_FILES = (".gitignore", ".code-indexignore")  # later files win within one directory
GIT_EXCLUDE = ".git/info/exclude"  # rules for the whole tree, inside .git/
SIDE_DIRS = ".code-index."  # a rebuild's side directories (codeindex.storage.index_dir)
IGNORE_FILE_LIMIT = 1 << 20  # bytes of an ignore file read
ALWAYS_SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".code-index", "node_modules", "__pycache__"}
)
COMPILED_LIMIT = 4096  # ignore files kept compiled in one process
RACY_NS = 2_000_000_000  # a file younger than this may change without its mtime moving
_GROUP_NAME = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")


def skipped_directory(name: str) -> bool:
    """A directory the walk never enters, whatever the ignore files say."""
    return name in ALWAYS_SKIPPED_DIRS or name.startswith(SIDE_DIRS)


@dataclass(frozen=True, slots=True)
class Rules:
    """One ignore file's patterns."""

    base: str  # directory of the ignore file, relative to the root ("" for the root)
    spec: pathspec.GitIgnoreSpec
    any_pattern: re.Pattern[str] | None  # matches whatever some pattern matches

    def decide(self, relative: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included (`!`), None: no pattern of this file applies."""
        local = relative[len(self.base) + 1 :] if self.base else relative
        if is_dir:
            local += "/"
        if self.any_pattern is not None and self.any_pattern.match(local) is None:
            return None
        return self.spec.check_file(local).include


def ignored_by(relative: str, is_dir: bool, rules: list[Rules]) -> bool:
    """Whether the rules in force (nearest last) ignore a path."""
    for rule in reversed(rules):
        decision = rule.decide(relative, is_dir)
        if decision is not None:
            return decision
    return False


_compiled: dict[str, tuple[tuple[int, int, int], Rules | None]] = {}


def load_rules(path: str, base: str) -> Rules | None:
    """The compiled rules of one ignore file (None: missing, unreadable or empty), reused
    while the file's identity, size and mtime are unchanged."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    key = (info.st_ino, info.st_size, info.st_mtime_ns)
    cached = _compiled.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        with open(path, "rb") as handle:
            text = handle.read(IGNORE_FILE_LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return None
    spec = _spec(text.splitlines(), path)
    rules = Rules(base, spec, _any_pattern(spec)) if spec.patterns else None
    if time.time_ns() - info.st_mtime_ns > RACY_NS:
        # A file written within the clock's granularity of now could change again without
        # its mtime moving (git's "racy" entries): such a one is compiled again next time.
        if len(_compiled) >= COMPILED_LIMIT:
            _compiled.clear()
        _compiled[path] = (key, rules)
    return rules


def _any_pattern(spec: pathspec.GitIgnoreSpec) -> re.Pattern[str] | None:
    """One expression for all the patterns that decide anything (None: cannot be built,
    then every path goes through pathspec)."""
    parts = []
    for pattern in spec.patterns:
        if pattern.include is None:
            continue
        regex = getattr(pattern, "regex", None)
        if not isinstance(regex, re.Pattern) or not isinstance(regex.pattern, str):
            return None
        parts.append("(?:" + _GROUP_NAME.sub("(?:", regex.pattern) + ")")
    try:
        return re.compile("|".join(parts)) if parts else re.compile(r"(?!)")
    except re.error:
        return None


def _spec(lines: list[str], source: str) -> pathspec.GitIgnoreSpec:
    """The rules of an ignore file. A line pathspec cannot compile (git accepts `\\`, `!`,
    `[z-a]` and ignores them) costs that line: skipped, with one warning per line."""
    import pathspec  # here, not at the top: a tree without ignore files never needs it

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:  # GitIgnorePatternError, re.error: whatever a line can raise
        pass
    good = []
    for number, line in enumerate(lines, 1):
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except Exception:
            if (source, number) not in _WARNED:
                _WARNED.add((source, number))
                import logging  # here: only a bad line needs it, and every command walks the tree

                logging.getLogger("codeindex").warning(
                    "code-index: %s line %d (%r) is not a valid pattern; ignored",
                    source,
                    number,
                    line,
                )
            continue
        good.append(line)
    return pathspec.GitIgnoreSpec.from_lines(good)


_WARNED: set[tuple[str, int]] = set()


class IgnoreRules:
    """Builds the rules in force in a directory from those of its parent."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root_rules: list[Rules] | None = None  # read on first use: see codeindex.walker

    def initial(self) -> list[Rules]:
        if self._root_rules is None:
            exclude = load_rules(os.path.join(self.root, GIT_EXCLUDE), "")
            self._root_rules = [] if exclude is None else [exclude]
        return list(self._root_rules)

    def rules_for(
        self,
        directory: Path | str,
        relative: str,
        inherited: list[Rules],
        present: Iterable[str] = IGNORE_FILES,
    ) -> list[Rules]:
        """`present`: the names in IGNORE_FILES the directory's listing holds, when the caller
        has listed it (the walk), so an absent ignore file costs no failing stat()."""
        own = [
            rules
            for name in IGNORE_FILES
            if name in present
            and (rules := load_rules(os.path.join(directory, name), relative)) is not None
        ]
        return inherited + own if own else inherited


class IgnoreCache:
    """Point questions about single paths, with the rules of each directory worked out once.
    `clear()` when an ignore file changes (the watcher does, on its event)."""

    LIMIT = 100_000  # directories remembered

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clear()

    def clear(self) -> None:
        self._engine = IgnoreRules(self.root)
        self._rules: dict[str, list[Rules] | None] = {}  # None: the walk never enters it

    def directory_rules(self, directory: str) -> list[Rules] | None:
        """The rules in force inside root-relative `directory`, or None if the walk never
        enters it (it or an ancestor is skipped or ignored)."""
        if directory in self._rules:
            return self._rules[directory]
        if len(self._rules) > self.LIMIT:
            self._rules.clear()
        rules: list[Rules] | None
        if not directory:
            rules = self._engine.rules_for(self.root, "", self._engine.initial())
        else:
            parent_dir, _, name = directory.rpartition("/")
            parent = self.directory_rules(parent_dir)
            if parent is None or skipped_directory(name) or ignored_by(directory, True, parent):
                rules = None
            else:
                rules = self._engine.rules_for(self.root / directory, directory, parent)
        self._rules[directory] = rules
        return rules

    def ignored(self, relative: str, is_dir: bool) -> bool:
        """Whether the walk leaves out this root-relative path (a file, or with `is_dir` a
        directory and everything under it)."""
        if is_dir and skipped_directory(relative.rpartition("/")[2]):
            return True
        rules = self.directory_rules(relative.rpartition("/")[0])
        return rules is None or ignored_by(relative, is_dir, rules)


def is_ignored(root: Path, relative: str) -> bool:
    """Whether one file is ignored, checking each ancestor directory as the walk would."""
    return IgnoreCache(root).ignored(relative, False)
