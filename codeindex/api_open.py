"""What CodeIndex (codeindex.api) is opened with (the project root, the file size limit, a
rebuild's turn), and the paths and files under that root it reads."""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from codeindex import storage
from codeindex.api_types import UsageError
from codeindex.fsutil import Unreadable, is_write_refused, read_source
from codeindex.models import UpdateReport
from codeindex.walker import DEFAULT_MAX_FILE_SIZE

if TYPE_CHECKING:
    from codeindex.indexer import Progress

READ_FILE_LIMIT = 64 << 20  # a source file shown in full; the index skips far smaller ones


def find_root(start: Path | None = None) -> Path:
    """The nearest ancestor holding `.code-index/`, else the git top level, else `start`."""
    start = (start or Path.cwd()).resolve()
    for candidate in (start, *start.parents):
        if storage.holds_index(candidate):
            return candidate
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    import subprocess  # only when no marker folder answers; costs 40 ms to import

    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=start,
            capture_output=True,
            text=True,
            timeout=5,
        )
        if top.returncode == 0 and top.stdout.strip():
            return Path(top.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return start


def existing_root(root: Path | None) -> Path:
    """`root` (else `find_root()`), resolved; a usage error unless it is a directory."""
    root = (root or find_root()).resolve()
    if not root.is_dir():
        raise UsageError(f"root {root} is not a directory; pass an existing --root")
    return root


def size_limit(explicit: int | None, state: Mapping[str, object]) -> tuple[int, str]:
    """The file size limit in force and where it comes from: "option" (--max-file-size),
    "environment" ($CODE_INDEX_MAX_FILE_SIZE), "index" (the limit the index was last updated
    with) or "default". The index remembers the limit of each update on purpose: a later
    command given none must not drop what `index --max-file-size` took in, nor the CLI and an
    MCP server started with another limit undo each other's work at every refresh. A limit
    given once therefore holds until one is given again (`status` shows it)."""
    if explicit is not None:
        if explicit < 1:
            raise UsageError("--max-file-size must be at least 1 (bytes), e.g. 2000000")
        return explicit, "option"
    if os.environ.get("CODE_INDEX_MAX_FILE_SIZE", "").isdigit():
        return max_file_size_from_env(), "environment"
    remembered = state.get("max_file_size")
    if isinstance(remembered, int) and remembered > 0 and remembered != DEFAULT_MAX_FILE_SIZE:
        return remembered, "index"
    return DEFAULT_MAX_FILE_SIZE, "default"


def max_file_size_from_env() -> int:
    value = os.environ.get("CODE_INDEX_MAX_FILE_SIZE", "")
    return int(value) if value.isdigit() else DEFAULT_MAX_FILE_SIZE


def build_beside(
    root: Path, limit: int, progress: Progress | None, progress_total: Progress | None
) -> tuple[storage.Store, UpdateReport, bool]:
    """Build a new index of `root` beside the current one, then swap it in
    (codeindex.storage.index_dir). Returns the installed index, the build's report, and whether
    another rebuild ran first (rebuilds take turns)."""
    from codeindex.indexer import Indexer  # only to write: a search never imports it

    try:
        storage.Store.open(root).close()  # creates an empty index when there is none
    except (storage.ForeignIndex, storage.WriteRefused):
        raise
    except storage.IndexError_:
        pass  # ours but unusable: what a rebuild is for
    lock, waited = storage.rebuild_turn(root)
    try:
        storage.remove_leftovers(root)  # of killed rebuilds: no live one but ours
        side = storage.Store.create_beside(root)
        try:
            report = Indexer(root, side, limit).refresh(
                progress=progress, progress_total=progress_total
            )
            installed = side.install()
        finally:
            side.discard()
    except OSError as exc:
        # EBUSY, EXDEV: `.code-index` is a mount point, which cannot be swapped by renaming.
        if not (is_write_refused(exc) or exc.errno in (errno.EBUSY, errno.EXDEV)):
            raise
        # Anything before the swap leaves the old index whole; the swap is one step.
        raise storage.WriteRefused(
            f"cannot rebuild the index of {root} ({exc.strerror}); the index in place is unchanged"
        ) from exc
    finally:
        if lock is not None:
            lock.release()
    return installed, report, waited


def root_relative(root: Path, path: str, base: Path | None = None) -> str:
    """The `root`-relative `/` form of `path`, which may be absolute or relative to `base`
    (default: `root`). Refuses anything that resolves outside the root, symlinks included.
    A `\\` is read as `/` (a Windows-style path) only when no file or folder is named as
    given: on POSIX `back\\slash.py` is a file name, and answers carry it so."""
    candidate = Path(path)
    if "\\" in path and not os.path.lexists((base or root) / candidate):
        candidate = Path(path.replace("\\", "/"))
    resolved = ((base or root) / candidate).resolve()
    if not resolved.is_relative_to(root):
        raise UsageError(f"{path} is outside the project root {root}")
    return resolved.relative_to(root).as_posix()


def read_text(root: Path, relative: str) -> str:
    """Text of a file under `root`. Refuses anything that resolves outside the root."""
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        raise UsageError(f"{relative} is outside the project root {root}")
    try:  # bounded, and never blocked by a FIFO swapped in for the file
        data = read_source(root, relative, READ_FILE_LIMIT).data
    except Unreadable as why:
        if str(why) == "vanished":
            raise FileNotFoundError(2, "vanished", relative) from None
        raise UsageError(f"cannot read {relative}: {why}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")
