"""Reading and writing files safely: the one way the project does each.

- `read_source`: a source file under the root, opened without blocking (a FIFO swapped in
  after the walk returns at once instead of hanging the writer), checked after opening (a
  regular file, really inside the root: a file swapped for a symlink to elsewhere is refused,
  whatever the path said), and read to at most the limit plus one byte.
- `read_bounded`: any input (a snippet file, stdin) to at most the limit plus one byte.
- `atomic_write`: a unique temporary name beside the target, fsync, os.replace; on any
  failure (a full disk) the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

BINARY_SNIFF = b"\0"
MINIFIED_MIN_BYTES = 4096
MINIFIED_AVG_LINE = 300  # bytes per line above which a file is machine-written
_CHUNK = 1 << 16


class Unreadable(Exception):
    """The file cannot be indexed; the message is the reason recorded for it."""


@dataclass(frozen=True, slots=True)
class Source:
    data: bytes
    size: int
    mtime_ns: int


def read_source(root: Path, relative: str, limit: int) -> Source:
    """The bytes of the regular file `root/relative` (root resolved), at most `limit` of
    them, with old Mac line ends read as LFs (`line_feeds`); raises Unreadable with the
    reason otherwise."""
    path = root / relative
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise Unreadable("vanished") from None
    except OSError as exc:
        raise Unreadable(f"unreadable: {exc.strerror or exc}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("not a regular file")
        if not _inside(root, path, descriptor):
            raise Unreadable("symlink outside root")
        if info.st_size > limit:
            raise Unreadable("too large")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = read_bounded(handle, limit)
    except OSError as exc:
        raise Unreadable(f"unreadable: {exc.strerror or exc}") from None
    finally:
        os.close(descriptor)
    if data is None:
        raise Unreadable("too large")
    return Source(line_feeds(data), info.st_size, info.st_mtime_ns)


def line_feeds(data: bytes) -> bytes:
    """`data` with its CRs read as LFs when it has no LF at all: an old Mac file, whose lines
    end with a lone CR (Python, TypeScript and C# count those as line ends, and so do
    editors). Tree-sitter counts rows by LF only, so each of its definitions was on line 1.
    Same length, so byte offsets hold. A CR in a file that has LFs is a character of a string
    or comment (rustc's tests hold some), not a line end, as git, grep and compilers count."""
    if b"\r" in data and b"\n" not in data:
        return data.replace(b"\r", b"\n")
    return data


def _inside(root: Path, path: Path, descriptor: int) -> bool:
    """Whether the opened file lies under the root: on Linux, the path the kernel opened;
    elsewhere the resolved path (a race remains there)."""
    prefix = str(root) + os.sep
    if sys.platform.startswith("linux"):
        try:
            return os.readlink(f"/proc/self/fd/{descriptor}").startswith(prefix)
        except OSError:
            pass
    return os.path.realpath(path).startswith(prefix)


def read_bounded(handle: BinaryIO | TextIO, limit: int) -> bytes | None:
    """At most `limit` bytes of a stream; None when it holds more (read: limit + 1 bytes)."""
    parts = []
    remaining = limit + 1
    while remaining > 0:
        try:
            chunk = handle.read(min(remaining, _CHUNK))
        except BlockingIOError:  # a non-blocking FIFO with no writer yet holds nothing
            break
        if not chunk:
            break
        if isinstance(chunk, str):  # a text stream (a test's stdin): count its bytes
            chunk = chunk.encode("utf-8", "surrogateescape")
        parts.append(chunk)
        remaining -= len(chunk)
    data = b"".join(parts)
    return None if len(data) > limit else data


def sniff(data: bytes) -> str:
    """Why these bytes are not source code to parse, or "" when they are."""
    if BINARY_SNIFF in data:  # anywhere: a NUL past the start would cut the parse short
        return "binary"
    if len(data) >= MINIFIED_MIN_BYTES and len(data) / (data.count(b"\n") + 1) > (
        MINIFIED_AVG_LINE
    ):
        return "minified"
    return ""


def is_temporary_of(name: str, target_name: str) -> bool:
    """Whether `name` is a temporary file atomic_write made for `target_name` (a killed
    writer can leave one behind)."""
    return name.startswith(f".{target_name}.") and name.endswith(".tmp")


def atomic_write(target: Path, data: bytes | bytearray) -> None:
    """Replace `target` with `data` in one step; raises OSError and leaves no temporary file
    when it cannot (read-only or full disk)."""
    # Named so that is_temporary_of recognises it. os.urandom is what secrets.token_hex
    # reads; the secrets module would load hmac and OpenSSL before every command.
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
    try:
        with open(temporary, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def is_write_refused(exc: OSError) -> bool:
    """Errors that mean the disk refuses writes (read-only, full, no permission, a file size
    limit): the index can still be read."""
    refused = (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    return exc.errno in refused
