"""The index directory as a whole: whose it is, creating it whole, replacing it whole.

`<root>/.code-index/` is ours only when it is a real directory (not a symlink) holding our
marker file, `code-index.json`. Nothing else is ever removed or replaced: a foreign, linked
or unreadable `.code-index` is refused with a message that says what to do.

A new index (a first build or a `--rebuild`) is made in a side directory beside it,
`.code-index.tmp-<pid>-<random>`, marked as ours before anything else is written to it, and
swapped in with one atomic exchange of the two names (renameat2 RENAME_EXCHANGE on Linux):
a kill at any moment leaves either the old index or the new one in place, whole. The
directory swapped out is removed marker last, so a kill in the middle of removing it still
leaves a directory that is recognisably ours, which the next rebuild clears away.
No whoosh here: this module only moves directories (the Store opens them).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import time
from pathlib import Path

INDEX_DIR = ".code-index"
MARKER_FILE = "code-index.json"
SIDE_PREFIX = INDEX_DIR + ".tmp-"
MARKER_READ_LIMIT = 4096
STATE_FILE = "state.json"  # last update, walk skip counts, the max file size in force
STATE_READ_LIMIT = 1 << 20


class NotOurs(Exception):
    """`.code-index` exists but code-index did not make it; nothing will touch it."""


def state_of(directory: Path) -> str:
    """ "missing", or "ours" (a real directory holding our marker); raises NotOurs otherwise."""
    try:
        info = os.lstat(directory)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise NotOurs(
            f"{directory} cannot be inspected ({exc.strerror}); check its permissions"
        ) from None
    advice = "move it away or pass another --root; code-index never deletes what it did not make"
    if stat.S_ISLNK(info.st_mode):
        raise NotOurs(f"{directory} is a symbolic link, not an index directory: {advice}")
    if not stat.S_ISDIR(info.st_mode):
        raise NotOurs(f"{directory} is a file, not an index directory: {advice}")
    try:
        names = os.listdir(directory)
    except OSError as exc:
        raise NotOurs(
            f"{directory} cannot be read ({exc.strerror}); check its permissions"
        ) from None
    if MARKER_FILE not in names:
        raise NotOurs(f"{directory} holds no code-index marker ({MARKER_FILE}): {advice}")
    return "ours"


def read_marker(directory: Path) -> str | None:
    """The marker's text, or None when it cannot be read as text (damaged: still ours)."""
    try:
        with open(directory / MARKER_FILE, "rb") as handle:
            return handle.read(MARKER_READ_LIMIT).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def names_a_version(marker: str) -> bool:
    """Whether `marker` is a marker of ours (of any version), not garbled text."""
    try:
        value = json.loads(marker)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("format") == "code-index" and "version" in value


def holds_index(root: Path) -> bool:
    """Whether `root` has an index directory (root discovery stops at the nearest one)."""
    return (root / INDEX_DIR).is_dir()


def index_state(root: Path) -> dict[str, object]:
    """The state.json of the root's index (read_state)."""
    return read_state(root / INDEX_DIR)


def read_state(directory: Path) -> dict[str, object]:
    """The index directory's state.json; {} when missing or damaged (it is informative)."""
    try:
        with open(directory / STATE_FILE, "rb") as handle:
            state = json.loads(handle.read(STATE_READ_LIMIT))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def new_side_directory(root: Path, marker: str) -> Path:
    """An empty directory beside the index, marked as ours before anything goes in it."""
    from codeindex.fsutil import atomic_write

    side = root / f"{SIDE_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
    side.mkdir()
    try:
        atomic_write(side / MARKER_FILE, (marker + "\n").encode("utf-8"))
        # Keep the index out of git without touching the user's .gitignore.
        atomic_write(side / ".gitignore", b"*\n")
    except BaseException:
        shutil.rmtree(side, ignore_errors=True)
        raise
    return side


def install(side: Path, directory: Path, replace: bool) -> Path | None:
    """Put `side` in place of `directory` atomically. Returns where the old directory now is
    (to remove with remove_ours), or None when there was none. Without `replace`, an index
    that another process installed first wins and `side` is removed."""
    if state_of(directory) == "missing":  # refuses anything that is not ours
        try:
            os.rename(side, directory)  # no index yet
            return None
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    if not replace:
        remove_ours(side)
        state_of(directory)
        return None
    state_of(directory)
    if _exchange(side, directory):
        return side
    # No atomic exchange on this system or file system: two renames, a short window
    # without an index (a kill there leaves the new one beside it, found by the next open).
    old = directory.with_name(f"{SIDE_PREFIX}{os.getpid()}-{os.urandom(4).hex()}")
    os.rename(directory, old)
    os.rename(side, directory)
    return old


def _exchange(first: Path, second: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): both names swap in one step. False when unsupported."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def remove_ours(directory: Path) -> None:
    """Remove an index directory that carries our marker, the marker last; refuse others."""
    if state_of(directory) == "missing":
        return
    for entry in os.scandir(directory):
        if entry.name == MARKER_FILE:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    marker = directory / MARKER_FILE
    if marker.is_dir() and not marker.is_symlink():
        shutil.rmtree(marker)
    else:
        marker.unlink()
    directory.rmdir()


def remove_leftovers(root: Path, min_age: float = 0.0) -> None:
    """Side directories of killed builds and swaps (ours by their marker) at least `min_age`
    seconds old; call it only while holding the rebuild lock, so no live rebuild is among
    them (a first build's side directory lives a few milliseconds: `min_age` spares it)."""
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if not entry.name.startswith(SIDE_PREFIX):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime < min_age:
                continue
            remove_ours(Path(entry.path))
        except NotOurs:
            _remove_unmarked_side(Path(entry.path))
        except OSError:
            continue  # not removable: leave it


def _remove_unmarked_side(side: Path) -> None:
    """A side directory killed before its marker was in place: empty, or holding only the
    marker's own temporary file. Nothing in it can be anyone else's, so it goes; a side
    directory with anything else in it is left alone."""
    from codeindex.fsutil import is_temporary_of

    try:
        names = os.listdir(side)
        if not all(is_temporary_of(name, MARKER_FILE) for name in names):
            return
        for name in names:
            os.unlink(side / name)
        side.rmdir()
    except OSError:
        return  # not removable, or in use after all: leave it
