"""MinHash band keys of the scanned units, cached in `.code-index/` between `dups` runs.

Reading sketches back from here is several times faster than computing them again; the
sketch depends only on the T2 code string, so it is cached by the unit's T2 hash and can
never go stale (entries of units that no longer exist are dropped when the cache is
rewritten). Kept as arrays in the clone table's file format (clones.table_file): T2 hashes
in increasing order and one row of band keys each, mapped rather than decoded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codeindex.clones import table_file

if TYPE_CHECKING:
    import numpy

    from codeindex.storage import DerivedFiles

CACHE_FILE = "clone-band-keys.bin"
_VERSION = 3  # 3: arrays


def load(files: DerivedFiles, bands: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """(T2 hashes in increasing order, their band keys); empty when there is no usable
    cache."""
    import numpy as np

    columns = table_file.read(files, CACHE_FILE)
    if columns is not None and columns.meta == {"version": _VERSION, "bands": bands}:
        digests, keys = columns.arrays.get("digests"), columns.arrays.get("keys")
        if digests is not None and keys is not None and keys.shape == (len(digests), bands):
            return digests, keys
    return np.zeros(0, np.uint64), np.zeros((0, bands), np.uint64)


def save(files: DerivedFiles, bands: int, digests: numpy.ndarray, keys: numpy.ndarray) -> None:
    """Best effort: a read-only index directory just means no cache. `digests` must be in
    increasing order."""
    meta = {"version": _VERSION, "bands": bands}
    data = table_file.encode((0, 0), {"digests": digests, "keys": keys}, meta)
    files.write(CACHE_FILE, data)
