"""MinHash band keys of the scanned units, cached in `.code-index/` between `dups` runs.

Reading sketches back from here is several times faster than computing them again; the
sketch depends only on the T2 code string, so it is cached by
the unit's T2 hash and can never go stale (entries of units that no longer exist are dropped
when the cache is rewritten). marshal, not pickle: loading it can not run code.
"""

from __future__ import annotations

import contextlib
import marshal
from pathlib import Path

CACHE_FILE = "clone-sketches.bin"
_VERSION = 2  # 2: band keys are numbers


def load(directory: Path, bands: int) -> dict[str, list[int]]:
    try:
        version, cached_bands, sketches = marshal.loads((directory / CACHE_FILE).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if version != _VERSION or cached_bands != bands or not isinstance(sketches, dict):
        return {}
    return sketches


def save(directory: Path, bands: int, sketches: dict[str, list[int]]) -> None:
    """Best effort: a read-only index directory just means no cache."""
    from codeindex.fsutil import atomic_write

    with contextlib.suppress(OSError):
        atomic_write(directory / CACHE_FILE, marshal.dumps((_VERSION, bands, sketches)))
