"""The clone units of an index as a table: one row per unit, its symbol record and payload,
with what queries filter and sort on as arrays (clones.table_file keeps it on disk).

Why not LSH bands as index terms: nearly every band term is unique, so they would add a
posting per unit and band, and Whoosh's per-term writing would multiply the CPU time of a
cold index. The table is built from the stored payloads once per index generation instead,
and MinHash sketches are computed on first use.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from codeindex.clones import fingerprints, sketch, table_file
from codeindex.clones.table_file import UTF8, Columns, Stamp
from codeindex.models import Symbol
from codeindex.storage import Store, symbol_from_stored

if TYPE_CHECKING:
    import numpy

_T = TypeVar("_T")
# Scan settings whose results CloneTables.scan keeps (a report and its `--blocks` twin, a
# language filter or two).
SCANS_KEPT = 4


@dataclass(slots=True)
class Entry:
    """A unit and its symbol. The symbol is decoded from its stored record on first use: a
    snippet query needs the symbols of its few candidates only."""

    record: str  # the symbol as stored (store.symbol_to_stored)
    unit: fingerprints.Unit
    _symbol: Symbol | None = None

    @property
    def symbol(self) -> Symbol:
        if self._symbol is None:
            self._symbol = symbol_from_stored(self.record)
        return self._symbol

    @property
    def line_span(self) -> int:
        """Lines from the definition's line to its last: a unit nested in another spans
        fewer."""
        return self.symbol.end_line - self.symbol.line


# Code counts per unit, folded into this many buckets (code mod 64): the bound they give
# leaves a small part of a snippet's length window to compare.
HISTOGRAM_BUCKETS = 64
# Above this many changed files a full reload is as cheap as patching the table.
PATCH_MAX_FILES = 200


class ByLength(NamedTuple):
    """The units sorted by code length, for snippet queries."""

    order: numpy.ndarray  # row of each position
    lengths: numpy.ndarray
    histograms: numpy.ndarray  # one row per position: code_histograms


class CloneTable:
    """Rows in the index's document order. Columns: `record_blob`/`record_ends` and
    `payload_blob`/`payload_ends` (the stored strings), `path_id` and `language_id` (into
    the meta lists), `size` (tokens), `lines`, `data` (a data table written as code),
    `code_length`, the symbol's `line`, `end_line` and `start_line`, `t2` (the T2 hash as
    a number), and in code-length order `by_length` (rows) and `histograms`."""

    def __init__(self, columns: Columns) -> None:
        self.stamp = columns.stamp
        self.release_pages = columns.release_pages
        self.meta = columns.meta
        self._arrays = columns.arrays
        self._records = columns.arrays["record_blob"]
        self._record_ends = columns.arrays["record_ends"]
        self._payloads = columns.arrays["payload_blob"]
        self._payload_ends = columns.arrays["payload_ends"]
        self._entries: dict[int, Entry] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._record_ends)

    def column(self, name: str) -> numpy.ndarray:
        return self._arrays[name]

    def entry(self, row: int) -> Entry:
        found = self._entries.get(row)
        if found is None:
            found = Entry(self.record(row), fingerprints.decode(self.payload(row)))
            self._entries[row] = found
        return found

    @property
    def entries(self) -> list[Entry]:
        return [self.entry(row) for row in range(len(self))]

    def entry_symbol(self, row: int) -> Symbol:
        """The symbol of a row, decoded, without keeping the row's Entry."""
        found = self._entries.get(row)
        return found.symbol if found is not None else symbol_from_stored(self.record(row))

    def record(self, row: int) -> str:
        return _string(self._records, self._record_ends, row)

    def payload(self, row: int) -> str:
        return _string(self._payloads, self._payload_ends, row)

    def codes(self, row: int) -> str:
        return self.payload(row).split(fingerprints.SEP, 5)[4]

    def rows_of(self, languages: Iterable[str]) -> numpy.ndarray:
        """Rows whose unit is in one of `languages`."""
        import numpy as np

        names = set(languages)
        wanted = [i for i, name in enumerate(self.meta["languages"]) if name in names]
        return np.flatnonzero(np.isin(self._arrays["language_id"], wanted))

    def by_length(self) -> ByLength:
        arrays = self._arrays
        return ByLength(arrays["by_length"], arrays["sorted_lengths"], arrays["histograms"])

    @classmethod
    def of(cls, rows: list[tuple[str, str]]) -> CloneTable:
        """A table of (record, payload) rows, in memory."""
        columns = table_file.decode(_encoded((0, 0), rows, {}))
        assert columns is not None
        return cls(columns)


def _string(blob: numpy.ndarray, ends: numpy.ndarray, row: int) -> str:
    start = int(ends[row - 1]) if row else 0
    return blob[start : int(ends[row])].tobytes().decode(*UTF8)


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


class CloneTables:
    """The clone tables of one index (one per marker), kept by its CodeIndex and shared by
    its threads. A table is mapped from its file while the index generation is unchanged;
    after a commit, only the files whose content digest changed are read from the index
    again (a watcher commits after every save, and the next snippet query should not pay a
    full reload), and the file is rewritten for the next process."""

    def __init__(self) -> None:
        self._loaded: dict[str, CloneTable] = {}
        self._lock = threading.Lock()
        self._scans: dict[Hashable, tuple[Stamp, Any]] = {}

    def scan(self, store: Store, settings: Hashable, compute: Callable[[], _T]) -> _T:
        """`compute()`, the result of a whole-index scan with these settings, kept while the
        index generation is unchanged: a server asked `find_duplicates` again (another path,
        page or filter) answers without scanning again (most of the call: 0.8 of 1.2 s on
        Django). The last SCANS_KEPT settings are kept."""
        stamp = _generation(store)  # before computing: a commit meanwhile makes it stale
        with self._lock:
            kept = self._scans.get(settings)
        if kept is not None and kept[0] == stamp:
            result: _T = kept[1]
            return result
        result = compute()
        with self._lock:
            self._scans.pop(settings, None)
            self._scans[settings] = (stamp, result)
            while len(self._scans) > SCANS_KEPT:
                del self._scans[next(iter(self._scans))]
        return result

    def get(self, store: Store, marker: str = fingerprints.UNIT_TERM) -> CloneTable:
        stamp = _generation(store)
        with self._lock:
            loaded = self._loaded.get(marker)
        if loaded is None or loaded.stamp != stamp:
            on_disk = table_file.read(store.derived_files, _file_name(marker))
            if on_disk is not None and on_disk.stamp == stamp:
                loaded = CloneTable(on_disk)
            else:
                previous = loaded or (CloneTable(on_disk) if on_disk is not None else None)
                loaded = _rebuild(store, marker, stamp, previous)
            with self._lock:
                self._loaded[marker] = loaded  # an older generation is never asked for again
        return loaded


def _rebuild(store: Store, marker: str, stamp: Stamp, previous: CloneTable | None) -> CloneTable:
    digests = {path: record.digest for path, record in store.file_records().items()}
    rows: list[tuple[str, str]] = []
    changed: list[str] | None = None  # None: read every file's units
    if previous is not None:
        before = previous.meta["digests"]
        changed = sorted(
            path for path in before.keys() | digests.keys() if before.get(path) != digests.get(path)
        )
        if len(changed) > PATCH_MAX_FILES:
            changed = None
        else:
            gone = set(changed)
            paths = previous.meta["paths"]
            for row, path_id in enumerate(previous.column("path_id").tolist()):
                if paths[path_id] not in gone:
                    rows.append((previous.record(row), previous.payload(row)))
    if changed is None or changed:
        fresh = store.clone_units((), marker, changed or ())
        rows.extend((record, payload) for record, payload in fresh if payload)
    data = _encoded(stamp, rows, digests)
    files, name = store.derived_files, _file_name(marker)
    if files.write(name, data):
        mapped = table_file.read(files, name)
        if mapped is not None and mapped.stamp == stamp:
            return CloneTable(mapped)
    columns = table_file.decode(data)
    assert columns is not None
    return CloneTable(columns)


def _encoded(stamp: Stamp, rows: list[tuple[str, str]], digests: dict[str, str]) -> bytearray:
    """The table file of `rows` ((record, payload) pairs), which it empties as it goes."""
    import numpy as np

    columns, meta = _row_columns(rows)
    record_blob, record_ends = table_file.strings([r.encode(*UTF8) for r, _ in rows])
    payload_blob, payload_ends = table_file.strings([p.encode(*UTF8) for _, p in rows])
    rows.clear()  # the strings are in the blobs now: hand their memory back before the file
    order = np.argsort(columns["code_length"], kind="stable")
    arrays = {
        "record_blob": record_blob,
        "record_ends": record_ends,
        "payload_blob": payload_blob,
        "payload_ends": payload_ends,
        **columns,
        "by_length": order,
        "sorted_lengths": columns["code_length"][order],
        "histograms": columns.pop("histograms")[order],
    }
    return table_file.encode(stamp, arrays, {**meta, "digests": digests})


def _row_columns(
    rows: list[tuple[str, str]],
) -> tuple[dict[str, numpy.ndarray], dict[str, list[str]]]:
    """What queries filter and sort on, per row, and the path and language names the ids
    stand for. The payloads are split a chunk at a time, so that their codes are not all
    copied at once."""
    import numpy as np

    count = len(rows)
    columns: dict[str, numpy.ndarray] = {
        "path_id": np.empty(count, np.int32),
        "language_id": np.empty(count, np.uint8),
        "lines": np.empty(count, np.int32),
        "size": np.empty(count, np.int32),
        "data": np.empty(count, bool),
        "code_length": np.empty(count, np.int64),
        # What a whole-repository scan (clones.scan_units) sorts, groups and compares its
        # units by, so that it never decodes the records and payloads of all of them.
        "line": np.empty(count, np.int32),
        "end_line": np.empty(count, np.int32),
        "start_line": np.empty(count, np.int32),
        "t2": np.empty(count, np.uint64),
        "histograms": np.empty((count, HISTOGRAM_BUCKETS), np.int32),
    }
    paths: dict[str, int] = {}
    languages: dict[str, int] = {}
    for start in range(0, count, sketch.CHUNK):
        all_codes = []
        for row, (record, payload) in enumerate(rows[start : start + sketch.CHUNK], start):
            fields = json.loads(record)
            language, path, line, end_line, start_line = fields[3:7] + fields[9:10]
            columns["path_id"][row] = paths.setdefault(path, len(paths))
            columns["language_id"][row] = languages.setdefault(language, len(languages))
            columns["lines"][row] = end_line - (start_line or line) + 1
            columns["line"][row], columns["end_line"][row] = line, end_line
            columns["start_line"][row] = start_line
            _, t2, flags, size, codes, _ = payload.split(fingerprints.SEP, 5)
            columns["t2"][row] = int(t2, 16)
            columns["size"][row] = int(size)
            columns["data"][row] = fingerprints.FLAG_DATA in flags
            all_codes.append(codes)
        end = start + len(all_codes)
        columns["code_length"][start:end] = list(map(len, all_codes))
        columns["histograms"][start:end] = _histograms(all_codes)
    return columns, {"paths": list(paths), "languages": list(languages)}


def _file_name(marker: str) -> str:
    return table_file.FILE_NAME.format(marker)


def _generation(store: Store) -> Stamp:
    """Which commit is the latest (the index directory, its generation, its TOC's time)."""
    return store.generation()
