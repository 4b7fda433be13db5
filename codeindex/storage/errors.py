"""What storage raises: every caller above it catches these, never Whoosh's own."""

from __future__ import annotations

import os


class IndexError_(Exception):
    """The index on disk cannot be used; the message says what to do."""


class IndexBusy(Exception):
    """Another process holds the writer lock."""


class OtherVersion(IndexError_):
    """`.code-index` is ours, in another format version: a cache to rebuild, not damage."""


class WriteRefused(IndexError_):
    """The disk refuses the writes the index needs (a read-only file system, no permission,
    an immutable directory, no space, a file size limit): the message says what could not
    be done and why. What was on disk before is unchanged."""


class ForeignIndex(IndexError_):
    """`.code-index` is not ours (no marker, a file, a symlink, unreadable): never touched,
    not even by `--rebuild`."""


def raised_reading_the_index(exc: BaseException) -> bool:
    """Whether the error came out of the engine reading index files (damaged files surface
    as zlib, pickle or struct errors): only then can a rebuild help. Anything else (bad
    input, a bug) gets no advice to rebuild."""
    frames = exc.__traceback__
    last = ""
    while frames is not None:
        last = frames.tb_frame.f_code.co_filename
        frames = frames.tb_next
    return f"{os.sep}whoosh{os.sep}" in last
