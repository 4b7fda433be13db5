"""Reading files for the index: each candidate read within the size limit, sniffed, parsed
into symbols, and fingerprinted for clone detection in batches. Never raises for bad input:
a file that cannot be indexed becomes a record that says why."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import xxhash

from codeindex.clones.fingerprints import fingerprint_files
from codeindex.extract import Extraction, extract
from codeindex.fsutil import Source, Unreadable, read_source, sniff
from codeindex.languages import LanguageSpec, language_for_path
from codeindex.models import FileRecord, IndexedFile, IndexedSymbol
from codeindex.refs import file_blob
from codeindex.walker import DEFAULT_MAX_FILE_SIZE, Candidate

# Enough source per fingerprinting pass that its fixed cost (some 200 array calls for
# Python's rules from tokens) stops counting, little enough that the trees held meanwhile and
# the pass's arrays keep a worker's memory small (bench/HISTORY.md has the measurements).
FINGERPRINT_BATCH_BYTES = 512 << 10


@dataclass(frozen=True, slots=True)
class _Extracted:
    """A file read and parsed, waiting for its batch to be fingerprinted."""

    candidate: Candidate
    spec: LanguageSpec
    digest: str
    extraction: Extraction


def read_files(
    root: Path, candidates: Iterable[Candidate], limit: int = DEFAULT_MAX_FILE_SIZE
) -> Iterator[IndexedFile]:
    """What each file contributes to the index, in candidate order. Never raises for bad
    input: a file that cannot be indexed is recorded with the reason, so status can report
    it. Fingerprints are computed FINGERPRINT_BATCH_BYTES of source at a time (see
    clones.batch)."""
    batch: list[IndexedFile | _Extracted] = []
    batch_bytes = 0
    for candidate in candidates:
        item = _read_and_extract(root, candidate, limit)
        batch.append(item)
        if isinstance(item, _Extracted):
            batch_bytes += len(item.extraction.source)
        if batch_bytes >= FINGERPRINT_BATCH_BYTES:
            yield from _fingerprinted(batch)
            batch, batch_bytes = [], 0
    yield from _fingerprinted(batch)


def _read_and_extract(root: Path, candidate: Candidate, limit: int) -> IndexedFile | _Extracted:
    spec = language_for_path(candidate.path)
    language = spec.name if spec else ""

    def skipped(reason: str, digest: str = "", read: Source | None = None) -> IndexedFile:
        size, mtime_ns = (
            (read.size, read.mtime_ns) if read else (candidate.size, candidate.mtime_ns)
        )
        record = FileRecord(candidate.path, size, mtime_ns, digest, language, 0, reason)
        return IndexedFile(record)

    if candidate.skip or spec is None:
        return skipped(candidate.skip or "unknown language")
    try:
        read = read_source(root, candidate.path, limit)
    except Unreadable as why:
        return skipped(str(why))
    # The opened file's size and time: they belong to the bytes read, even if the file
    # changed since the walk.
    candidate = Candidate(candidate.path, read.size, read.mtime_ns)
    source = read.data
    digest = xxhash.xxh3_64_hexdigest(source)
    if reason := sniff(source):
        return skipped(reason, digest, read)
    try:
        extraction = extract(source, spec, candidate.path)
    except Exception as exc:  # a grammar crash must not stop the build
        return skipped(f"parse error: {type(exc).__name__}", digest, read)
    return _Extracted(candidate, spec, digest, extraction)


def _fingerprinted(batch: list[IndexedFile | _Extracted]) -> Iterator[IndexedFile]:
    extracted = [item for item in batch if isinstance(item, _Extracted)]
    prints = iter(fingerprint_files([(item.extraction, item.spec) for item in extracted]))
    for item in batch:
        if isinstance(item, IndexedFile):
            yield item
            continue
        fingerprints = next(prints)
        symbols = item.extraction.symbols
        indexed = [
            IndexedSymbol(symbol, tuple(unit.terms), unit.payload)
            if (unit := fingerprints.get(index)) is not None
            else IndexedSymbol(symbol)
            for index, symbol in enumerate(symbols)
        ]
        indexed.append(IndexedSymbol(item.extraction.module))
        candidate = item.candidate
        record = FileRecord(
            candidate.path,
            candidate.size,
            candidate.mtime_ns,
            item.digest,
            item.spec.name,
            len(symbols),
            parse_errors=item.extraction.tree.root_node.has_error,
        )
        yield IndexedFile(record, tuple(indexed), file_blob(item.extraction))
