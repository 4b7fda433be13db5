"""The clone units of an index, in memory: payloads read once per index generation; MinHash
sketches (for the whole-repository scan's LSH buckets) computed on first use.

Why not LSH bands as index terms: nearly every band term is unique, so they would add a
posting per unit and band, and Whoosh's per-term writing would multiply the CPU time of a
cold index. The stored payloads are read back once per index generation instead; a process
that keeps its CodeIndex (the MCP server, the watcher) then answers snippet queries in
milliseconds.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codeindex.clones import fingerprints, sketch
from codeindex.models import Symbol
from codeindex.store import INDEX_NAME, Store, stored_symbol_path, symbol_from_stored

if TYPE_CHECKING:
    import numpy


@dataclass(slots=True)
class Entry:
    """A unit and its symbol. The symbol is decoded from its stored record on first use: a
    snippet query needs the symbols of its few candidates only."""

    record: str  # the symbol as stored (store.symbol_to_stored)
    unit: fingerprints.Unit
    bands: list[int] | None = None
    _symbol: Symbol | None = None

    @property
    def symbol(self) -> Symbol:
        if self._symbol is None:
            self._symbol = symbol_from_stored(self.record)
        return self._symbol

    @property
    def path(self) -> str:
        return stored_symbol_path(self.record)

    @property
    def line_span(self) -> int:
        """Lines from the definition's line to its last: a unit nested in another spans
        fewer."""
        return self.symbol.end_line - self.symbol.line

    def band_keys(self) -> list[int]:
        if self.bands is None:
            self.bands = sketch.unit_band_keys(self.unit.codes)
        return self.bands


# Code counts per unit, folded into this many buckets (code mod 64): the bound they give
# leaves a small part of a snippet's length window to compare.
HISTOGRAM_BUCKETS = 64


@dataclass(frozen=True, slots=True)
class ByLength:
    """The units sorted by code length, for snippet queries."""

    order: list[int]  # entry indexes
    lengths: numpy.ndarray
    codes: list[str]
    histograms: numpy.ndarray  # one row per unit: code_histograms


@dataclass(slots=True)
class CloneTable:
    entries: list[Entry]
    _by_length: ByLength | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def by_length(self) -> ByLength:
        import numpy as np

        with self._lock:
            if self._by_length is None:
                all_codes = [entry.unit.codes for entry in self.entries]
                lengths = np.fromiter(map(len, all_codes), dtype=np.int64, count=len(all_codes))
                order = np.argsort(lengths, kind="stable").tolist()
                codes = [all_codes[i] for i in order]
                lengths = lengths[order]
                self._by_length = ByLength(order, lengths, codes, code_histograms(codes))
            return self._by_length


def code_histograms(all_codes: list[str]) -> numpy.ndarray:
    """How often each code occurs in each unit, codes folded into HISTOGRAM_BUCKETS buckets.

    Two units' longest common subsequence is at most the sum over buckets of the smaller
    count: an upper bound on their Indel similarity at a few operations per bucket. Counted
    sketch.CHUNK units at a time, like the sketches (all at once is mostly page faults)."""
    import numpy as np

    parts = [
        _histograms(all_codes[start : start + sketch.CHUNK])
        for start in range(0, len(all_codes), sketch.CHUNK)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, HISTOGRAM_BUCKETS), np.int32)


def _histograms(all_codes: list[str]) -> numpy.ndarray:
    import numpy as np

    lengths = np.fromiter(map(len, all_codes), dtype=np.int64, count=len(all_codes))
    codes = np.frombuffer("".join(all_codes).encode("utf-16-le"), dtype="<u2")
    owner = np.repeat(np.arange(len(all_codes), dtype=np.int64), lengths)
    flat = owner * HISTOGRAM_BUCKETS + codes % HISTOGRAM_BUCKETS
    counts = np.bincount(flat, minlength=len(all_codes) * HISTOGRAM_BUCKETS)
    return counts.reshape(len(all_codes), HISTOGRAM_BUCKETS).astype(np.int32)


def within_reach(
    first: numpy.ndarray, second: numpy.ndarray, total_lengths: numpy.ndarray, threshold: float
) -> numpy.ndarray:
    """Which pairs of units (rows of code_histograms) could be `threshold` similar: Indel
    similarity is twice the common subsequence over the summed lengths, and the common
    subsequence is at most the sum of the smaller counts per bucket. Less a hair, so that
    rounding never drops a pair at exactly the threshold."""
    import numpy as np

    common = np.minimum(first, second).sum(axis=1)
    return 2 * common >= threshold * total_lengths - 1e-9  # type: ignore[no-any-return]


# Above this many changed files a full reload is as cheap as patching the table.
PATCH_MAX_FILES = 200


@dataclass(slots=True)
class _Loaded:
    generation: tuple[int, int]
    digests: dict[str, str]  # content digest per path
    table: CloneTable


class CloneTables:
    """The clone tables of one index (one per marker), kept by its CodeIndex: a process
    that keeps its CodeIndex (the MCP server, the watcher) reads the payloads once per index
    generation. Safe to share between threads."""

    def __init__(self) -> None:
        self._loaded: dict[str, _Loaded] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, marker: str = fingerprints.UNIT_TERM) -> CloneTable:
        """The units carrying `marker`, as of the index's latest commit. After a commit only
        the files whose content digest changed are read again: a watcher commits after
        every save, and the next snippet query should not pay a full reload."""
        generation = _generation(store)
        with self._lock:
            loaded = self._loaded.get(marker)
        if loaded is not None and loaded.generation == generation:
            return loaded.table
        table, digests = _reload(store, marker, loaded)
        with self._lock:
            # An older generation is never asked for again.
            self._loaded[marker] = _Loaded(generation, digests, table)
        return table


def _reload(store: Store, marker: str, cached: _Loaded | None) -> tuple[CloneTable, dict[str, str]]:
    digests = {path: record.digest for path, record in store.file_records().items()}
    if cached is None:
        table = CloneTable(_read(store, marker))
    else:
        previous = cached.digests
        changed = {
            path
            for path in previous.keys() | digests.keys()
            if previous.get(path) != digests.get(path)
        }
        if len(changed) > PATCH_MAX_FILES:
            table = CloneTable(_read(store, marker))
        else:
            kept = [e for e in cached.table.entries if e.path not in changed]
            fresh = _read(store, marker, sorted(changed)) if changed else []
            table = CloneTable(kept + fresh)
    return table, digests


def _read(store: Store, marker: str, paths: list[str] | None = None) -> list[Entry]:
    return [
        Entry(data, fingerprints.decode(payload))
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
