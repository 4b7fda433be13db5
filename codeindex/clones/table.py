"""The clone units of an index, in memory: payloads read once per index generation; MinHash
sketches (for the whole-repository scan's LSH buckets) computed on first use.

Why not LSH bands as index terms: measured on the standard library (41k units), 16 band terms
per unit added 1.3 million postings, nearly all of them unique terms, and Whoosh's per-term
writing tripled the CPU time of a cold index (+180%). Reading the stored payloads back costs
under a second once, after which a process that keeps its CodeIndex (the MCP server, the
watcher) answers snippet queries in milliseconds; a new index generation (a commit by the
indexer) reloads the table.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from codeindex.clones import fingerprints, sketch
from codeindex.models import Symbol
from codeindex.store import INDEX_NAME, Store, symbol_from_stored


@dataclass(slots=True)
class Entry:
    symbol: Symbol
    unit: fingerprints.Unit
    bands: list[int] | None = None

    def band_keys(self) -> list[int]:
        if self.bands is None:
            self.bands = sketch.unit_band_keys(self.unit.codes)
        return self.bands


@dataclass(slots=True)
class CloneTable:
    entries: list[Entry]
    _by_length: tuple[list[int], list[int], list[str]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def by_length(self) -> tuple[list[int], list[int], list[str]]:
        """Entry indexes sorted by code length, their lengths and their codes."""
        with self._lock:
            if self._by_length is None:
                order = sorted(
                    range(len(self.entries)), key=lambda i: len(self.entries[i].unit.codes)
                )
                codes = [self.entries[i].unit.codes for i in order]
                self._by_length = (order, [len(c) for c in codes], codes)
            return self._by_length


_CACHE: dict[tuple[str, str], tuple[tuple[int, int], dict[str, str], CloneTable]] = {}
_CACHE_LOCK = threading.Lock()
# Above this many changed files a full reload is as cheap as patching the table.
PATCH_MAX_FILES = 200


def load(store: Store, marker: str = fingerprints.UNIT_TERM) -> CloneTable:
    """The units carrying `marker`, from the cache while the index generation is unchanged.
    After a commit, only the files whose content digest changed are read again: a watcher
    commits after every save, and the next snippet query should not pay a full reload."""
    generation = _generation(store)
    key = (str(store.directory), marker)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None and cached[0] == generation:
        return cached[2]
    digests = {path: record.digest for path, record in store.file_records().items()}
    if cached is None:
        table = CloneTable(_read(store, marker))
    else:
        previous = cached[1]
        changed = {
            path
            for path in previous.keys() | digests.keys()
            if previous.get(path) != digests.get(path)
        }
        if len(changed) > PATCH_MAX_FILES:
            table = CloneTable(_read(store, marker))
        else:
            kept = [e for e in cached[2].entries if e.symbol.path not in changed]
            fresh = _read(store, marker, sorted(changed)) if changed else []
            table = CloneTable(kept + fresh)
    with _CACHE_LOCK:
        # One table per index and marker: an older generation is never asked for again.
        _CACHE[key] = (generation, digests, table)
    return table


def _read(store: Store, marker: str, paths: list[str] | None = None) -> list[Entry]:
    return [
        Entry(symbol_from_stored(data), fingerprints.decode(payload))
        for data, payload in store.clone_units((), marker, paths or ())
        if payload
    ]


def _generation(store: Store) -> tuple[int, int]:
    """The index generation, plus its TOC's mtime: a rebuilt index restarts the count."""
    generation = store.ix.latest_generation()
    toc = store.directory / f"_{INDEX_NAME}_{generation}.toc"
    try:
        return generation, os.stat(toc).st_mtime_ns
    except OSError:
        return generation, 0
