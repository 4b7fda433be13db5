"""The clone table's file format: one row per clone unit, as arrays a process maps (the sketch
cache, clones.sketch_cache, is kept in the same format).

Decoding every payload out of the index's stored columns was most of a `similar` call's
time; a process that maps this file touches only the rows a query needs (the length window's
histograms, a few candidates' payloads), and processes share its pages. The file lives beside
the index (`clone-table-<marker>.bin`), is written whole by atomic rename, and names the index
generation it was built from: a file from another generation is never read as current. The
bytes are this module's; mapping and writing the file are the storage's
(codeindex.storage.derived).

Layout: MAGIC, the header's length (8 bytes, little-endian), the header (JSON: stamp, row
count, and each array's offset, dtype and shape), then the arrays, each aligned to ALIGN.
Strings are UTF-8 (surrogates passed through: file names need not be UTF-8) in one blob per
column, with each row's end offset.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy

    from codeindex.storage import DerivedFiles

MAGIC = b"code-index clone table 2\n"  # 2: the scan's columns (line, t2, ...)
ALIGN = 64
FILE_NAME = "clone-table-{}.bin"
UTF8 = ("utf-8", "surrogatepass")
Stamp = tuple[int, ...]  # storage.Store.generation(): which commit a table was built from


@dataclass(frozen=True, slots=True)
class Columns:
    """A table's arrays, by name (see TableFile for what each holds)."""

    stamp: Stamp
    arrays: dict[str, numpy.ndarray]
    meta: dict[str, Any]  # paths, languages, digests
    buffer: mmap.mmap | bytearray | None = None  # what the arrays are views of

    def release_pages(self) -> None:
        """Hands the pages of a mapped file that were read back to the system (they are read
        again from the page cache when next touched): a whole-repository scan reads most of
        a big table once, and its pages would otherwise count in the process's memory while
        the report is made."""
        if isinstance(self.buffer, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            self.buffer.madvise(mmap.MADV_DONTNEED)


def encode(stamp: Stamp, arrays: dict[str, numpy.ndarray], meta: dict[str, Any]) -> bytearray:
    """The file's bytes, each array copied once, straight into place."""
    import numpy as np

    arrays = {**arrays, "meta": np.frombuffer(json.dumps(meta).encode(*UTF8), np.uint8)}
    layout: dict[str, list[Any]] = {}
    offset = 0
    for name, array in arrays.items():
        layout[name] = [offset, array.dtype.str, list(array.shape)]
        offset += _aligned(array.nbytes)
    header = json.dumps({"stamp": list(stamp), "arrays": layout}).encode()
    start = _aligned(len(MAGIC) + 8 + len(header))
    out = bytearray(start + offset)
    out[: len(MAGIC) + 8 + len(header)] = MAGIC + len(header).to_bytes(8, "little") + header
    for name, array in arrays.items():
        if array.nbytes:
            place = np.frombuffer(out, np.uint8, array.nbytes, start + layout[name][0])
            place[:] = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    return out


def decode(buffer: mmap.mmap | bytearray) -> Columns | None:
    """The arrays of a table file, as views of `buffer`; None when it is not one (or cut
    short)."""
    import numpy as np

    if buffer[: len(MAGIC)] != MAGIC:
        return None
    size = int.from_bytes(buffer[len(MAGIC) : len(MAGIC) + 8], "little")
    try:
        header = json.loads(buffer[len(MAGIC) + 8 : len(MAGIC) + 8 + size])
        start = _aligned(len(MAGIC) + 8 + size)
        arrays = {}
        for name, (offset, dtype, shape) in header["arrays"].items():
            count = int(np.prod(shape))
            if count == 0:  # frombuffer refuses to read nothing
                arrays[name] = np.zeros(shape, dtype)
                continue
            arrays[name] = np.frombuffer(buffer, dtype, count, start + offset).reshape(shape)
        meta = json.loads(arrays.pop("meta").tobytes().decode(*UTF8))
        return Columns(tuple(int(part) for part in header["stamp"]), arrays, meta, buffer)
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def read(files: DerivedFiles, name: str) -> Columns | None:
    """The arrays of the file `name` beside the index, mapped, whatever generation they are
    of; None when there is none (or it is not one)."""
    mapped = files.map(name)
    return decode(mapped) if mapped is not None else None


def strings(values: Sequence[bytes]) -> tuple[numpy.ndarray, numpy.ndarray]:
    """A column of byte strings: its blob and each row's end offset."""
    import numpy as np

    ends = np.cumsum(np.fromiter(map(len, values), np.int64, len(values)))
    return np.frombuffer(b"".join(values), np.uint8), ends


def _aligned(size: int) -> int:
    return -(-size // ALIGN) * ALIGN
