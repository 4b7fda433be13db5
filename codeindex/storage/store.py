"""An open index: opening and replacing it, the searcher on the latest commit, the writer.

Reading is codeindex.storage.reading, writing codeindex.storage.writing, the idle merge
codeindex.storage.merging; the directory as a whole is codeindex.storage.index_dir.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from codeindex.storage import _light_imports  # noqa: F401  (before whoosh: see the module)

# isort: split
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import LockError

from codeindex.fsutil import is_write_refused
from codeindex.models import FileRecord, Symbol
from codeindex.query import SearchQuery
from codeindex.storage import index_dir, merging
from codeindex.storage.derived import DerivedFiles
from codeindex.storage.errors import (
    ForeignIndex,
    IndexBusy,
    IndexError_,
    OtherVersion,
    WriteRefused,
)
from codeindex.storage.index_dir import INDEX_DIR, NotOurs
from codeindex.storage.locks import WRITER_LOCK, Lock, try_lock, writer_lock_of
from codeindex.storage.mapped import MappedStorage
from codeindex.storage.reading import Reader
from codeindex.storage.schema import INDEX_NAME, schema
from codeindex.storage.segment_writer import BulkSegmentWriter
from codeindex.storage.text import Ranked
from codeindex.storage.writing import (
    IndexWriter,
    SegmentBuilder,
    remove_orphans,
    remove_temporary_pool,
)

FORMAT_VERSION = "41"  # 2: clone fingerprints and payloads; 3: values in columns; 4: unit sizes;
# 5: token codes hashed by clones.encode; 6: scan marker on units down to the partner size;
# 7: Python's units normalised from tokens (clones.lexical); 8: files as `module` symbols,
# module-level constants and variables; 9: doc/sig/place words, path class facets;
# 10: each file's identifiers (`refs`, codeindex.refs)
# 11: path class column (pclass); 12: no clone unit without a body;
# 13: records as JSON arrays (content cannot break them)
# 14: path words on file records
# 15: each file's words as one column value (`refs`, codeindex.refs)
# 16: the segment codec moved to codeindex.storage.segment_writer (each TOC pickles its path)
# 17: a file outline after the words in `refs` (codeindex.refs.blob)
# 18: the outline in its own column (`outline`): `refs` holds the words alone
# 19: `$` is part of a word in `refs` (JavaScript names)
# 20: TypeScript the grammar fails on is parsed bridged (codeindex.grammar_gaps)
# 21: the outline in int32 columns and NUL-ended names (codeindex.refs.blob), not JSON
# 22: Rust items inside macro invocations are definitions (codeindex.macro_items)
# 23: signatures without the comments nested in them
# 24: TypeScript's escaped backticks in template literal types bridged (codeindex.grammar_gaps)
# 25: the outline says whether its file parsed with errors (refs parse statements alone)
# 26: more generated-file headers (testify's "CODE GENERATED AUTOMATICALLY"): no clone units
# 27: TypeScript declaration files (.d.ts, .d.mts, .d.cts) are of path class `generated`
# 28: path class `example` (examples/, samples/, docs_src/)
# 29: Rust's `tests.rs` (a `mod tests;` file) is test code
# 30: C# preprocessor directives in a base list bridged (codeindex.grammar_gaps)
# 31: test-helper packages (`test_helpers/`, `testutil/`, ...) are test code
# 32: a TypeScript declaration file's module name leaves out `.d` (`cors/index.d.ts` is `cors`)
# 33: a signature reads past long docs nested in it (Effect's `const retry: { /** ... */`)
# 34: the outline places definitions by byte offsets, with their rows (codeindex.refs.blob)
# 35: Rust's `test.rs` files and `mod test_*` scopes are test code (codeindex.classify)
# 36: TypeScript's `declare module '../..'` (an augmentation) adds no scope to qualified names
# 37: symbols carry whether the source marks them as test code (codeindex.test_marks)
# 38: no definition is named by a reserved word (error recovery's `if`, `catch`)
# 39: C#'s `async` as a name and pointer reads `*(T*)p` bridged (codeindex.grammar_gaps)
# 40: file records say whether the file parsed with errors (`status`)
# 41: a grammar-gap bridge keeps the line breaks it spans (lines after `in`/`out` split)
MARKER_FILE = "code-index.json"
WRITER_TIMEOUT = 2.0  # seconds a reader's refresh waits for another writer before answering
_T = TypeVar("_T")


class Store:
    """An open index. Readers refresh themselves when another process commits."""

    def __init__(self, root: Path, ix: Any, index_directory: Path | None = None) -> None:
        self.root = root
        self._ix = ix  # Whoosh's FileIndex (untyped)
        self.index_directory = index_directory  # a side directory while a rebuild builds there
        self._searcher: Searcher | None = None
        self._generation: tuple[int, int] = (-1, -1)
        # Open segment readers by (segment id, deletions): see _open_searcher.
        self._segment_readers: dict[tuple[str, int], Any] = {}
        self._lock = threading.Lock()
        self._reader = Reader(self.searcher)

    @property
    def directory(self) -> Path:
        return self.index_directory or self.root / INDEX_DIR

    @property
    def derived_files(self) -> DerivedFiles:
        """The caches kept beside the index, in its directory (codeindex.storage.derived)."""
        return DerivedFiles(self.directory)

    # -- opening (the directory as a whole: codeindex.storage.index_dir) ----------------------

    @classmethod
    def open(cls, root: Path, create: bool = True, directory: Path | None = None) -> Store:
        """The index of `root` (or the one being built in `directory`). Raises ForeignIndex
        for a `.code-index` that is not ours, IndexError_ for one of ours that cannot be
        used (another format version, damage): `--rebuild` replaces those."""
        where = directory or root / INDEX_DIR
        try:
            state = index_dir.state_of(where)
        except NotOurs as exc:
            raise ForeignIndex(str(exc)) from None
        if state == "missing":
            if not create:
                raise IndexError_(f"no index in {root}; run `code-index index` first")
            # Built whole beside, then renamed into place: a kill never leaves half an index.
            # FileNotFoundError: a rebuild cleared our side directory, having made the index.
            with (
                _refusal_said(f"cannot create the index in {root}", _WRITABLE_ADVICE),
                contextlib.suppress(FileNotFoundError),
            ):
                index_dir.install(cls.create_beside(root).directory, where, replace=False)
            return cls.open(root, create=False)
        marker = index_dir.read_marker(where)
        if marker is None or (marker != _marker_text() and not index_dir.names_a_version(marker)):
            why = "cannot be read" if marker is None else "is garbled"
            raise IndexError_(
                f"the index in {where} is damaged (its marker {why}); "
                "run `code-index index --rebuild`"
            )
        if marker != _marker_text():
            raise OtherVersion(
                f"the index in {where} was made by another version of code-index; "
                "run `code-index index --rebuild`"
            )
        try:
            # Another process's commit deletes the TOC it replaces: one found by Whoosh may
            # be gone when it reads it (16 of 19,527 opens beside a committing process).
            ix = _despite_vanishing_files(
                lambda: MappedStorage(str(where)).open_index(INDEX_NAME), 5, 0.02
            )
            ix.latest_generation()
        except Exception as exc:  # whoosh raises many kinds on damaged files
            raise IndexError_(
                f"the index in {where} is damaged ({type(exc).__name__}); "
                "run `code-index index --rebuild`"
            ) from exc
        return cls(root=root, ix=ix, index_directory=directory)

    @classmethod
    def create_beside(cls, root: Path) -> Store:
        """A new, empty index in a side directory beside `.code-index` (see install)."""
        side = index_dir.new_side_directory(root, _marker_text())
        try:
            ix = MappedStorage(str(side)).create_index(schema(), indexname=INDEX_NAME)
        except BaseException:
            index_dir.remove_ours(side)
            raise
        return cls(root=root, ix=ix, index_directory=side)

    @classmethod
    def recreate(cls, root: Path) -> Store:
        """Replace the root's index (ours, whatever its state) with an empty one, in one
        step; a foreign `.code-index` is refused."""
        try:
            state = index_dir.state_of(root / INDEX_DIR)
        except NotOurs as exc:
            raise ForeignIndex(str(exc)) from None
        doing = "create the index in" if state == "missing" else "replace the index of"
        with _refusal_said(f"cannot {doing} {root}", _WRITABLE_ADVICE):
            return cls.create_beside(root).install()

    def install(self) -> Store:
        """Swap this side index in for the root's `.code-index` in one step (a kill leaves
        one or the other, whole), remove the old one, and return the index now in place.
        The caller holds the old index's REBUILD_LOCK; the old index's writer lock is held
        here across the swap, so no refresh commits into a directory on its way out."""
        target = self.root / INDEX_DIR
        self.close()
        writer_lock = writer_lock_of(target)
        try:
            old = index_dir.install(self.directory, target, replace=True)
        finally:
            if writer_lock is not None:
                writer_lock.release()
        if old is not None:
            # The new index is in place: an old one that cannot be removed (its directory
            # made read-only) stays beside it, ours by its marker, for the next rebuild.
            with contextlib.suppress(OSError):
                index_dir.remove_ours(old)
        return Store.open(self.root, create=False)

    def discard(self) -> None:
        """Close a side index (create_beside) and remove its directory if it is still there
        (a build that failed before its install)."""
        self.close()
        if self.index_directory is not None:
            index_dir.remove_ours(self.index_directory)

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._segment_readers = {}

    # -- reading (codeindex.storage.reading) -------------------------------------------------

    def searcher(self) -> Searcher:
        """A searcher on the latest commit. `Searcher.refresh()` in whoosh-reloaded can keep
        serving deleted documents, so open a new one whenever the generation moves. The old
        one is not closed here: another thread may still be reading it; it closes when
        collected (its files stay readable on POSIX even after a merge deletes them).
        Above storage it is an opaque handle: a new one means a new commit."""
        with self._lock:
            # A rebuild swaps a new directory in under the same name, maybe at the same
            # generation: the directory's identity is part of what must not have moved.
            generation = (os.stat(self.directory).st_ino, self._ix.latest_generation())
            if self._searcher is None or generation != self._generation:
                self._searcher = _despite_vanishing_files(self._open_searcher, 2, 0.05)
                self._generation = generation
            assert self._searcher is not None
            return self._searcher

    def _open_searcher(self) -> Searcher:
        """A searcher on the latest commit that reuses the readers of the segments the
        previous one had: a segment never changes once written, except for the documents
        deleted from it (which only grow), so the same id with as many deletions is the same
        segment. After a one-file commit only its new small segment is opened; opening every
        segment's term table again was most of a watcher commit's cost to the next search."""
        toc = self._ix._read_toc()
        readers: dict[tuple[str, int], Any] = {}
        for segment in toc.segments:
            key = (segment.segment_id(), segment.deleted_count())
            reader = self._segment_readers.get(key)
            if reader is None:
                reader = SegmentReader(self._ix.storage, toc.schema, segment, toc.generation)
            readers[key] = reader
        self._segment_readers = readers
        leaves = list(readers.values())
        if not leaves:
            return Searcher(EmptyReader(toc.schema), fromindex=self._ix)
        if len(leaves) == 1:
            return Searcher(leaves[0], fromindex=self._ix)
        return Searcher(MultiReader(leaves, generation=toc.generation), fromindex=self._ix)

    def ever_committed(self) -> bool:
        """Whether any update was ever committed (a first build that failed left none)."""
        return bool(self._ix.latest_generation() > 0)

    def generation(self) -> tuple[int, int, int]:
        """Which commit is the latest: the directory's inode, Whoosh's generation and its
        TOC's mtime (a rebuilt index restarts the count)."""
        number = self._ix.latest_generation()
        try:
            stat = os.stat(self.directory)
            toc = os.stat(self.directory / f"_{INDEX_NAME}_{number}.toc").st_mtime_ns
        except OSError:
            return -1, number, 0
        return stat.st_ino, number, toc

    def file_records(self, under: Iterable[str] | None = None) -> dict[str, FileRecord]:
        return self._reader.file_records(under)

    def files_using(self, name: str) -> list[tuple[FileRecord, bytes]]:
        return self._reader.files_using(name)

    def symbols_in(self, path: str) -> list[Symbol]:
        return self._reader.symbols_in(path)

    def search(self, parsed: SearchQuery, limit: int) -> tuple[int, list[Ranked]]:
        return self._reader.search(parsed, limit)

    def closest_names(self, words: list[str], count: int) -> list[str]:
        return self._reader.closest_names(words, count)

    def doc_count(self) -> int:
        return self._reader.doc_count()

    def clone_units(
        self, languages: Iterable[str] = (), marker: str = "u", paths: Iterable[str] = ()
    ) -> Iterator[tuple[str, str]]:
        return self._reader.clone_units(languages, marker, paths)

    # -- writing (codeindex.storage.writing) -------------------------------------------------

    def writer(self, timeout: float = WRITER_TIMEOUT) -> IndexWriter:
        """The single writer. Waits up to `timeout` for another writer, then raises IndexBusy."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                writer = BulkSegmentWriter(self._ix)
            except LockError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        "another code-index process is updating the index; "
                        "answers come from the last complete update"
                    ) from None
                time.sleep(0.05)
                continue
            # The lock is an OS file lock (fcntl/msvcrt): it dies with its process, so a
            # killed writer never leaves it stale. What a kill can leave is a half-written
            # TOC; holding the lock, nobody else can be writing one.
            self._remove_orphans(keep=writer.newsegment.segment_id())
            return IndexWriter(writer)

    def segment_builder(self) -> SegmentBuilder:
        """A worker's segment, for the writer holding the lock to publish (a parallel build)."""
        return SegmentBuilder(self._ix)

    def _remove_orphans(self, keep: str = "") -> None:
        live = {segment.segment_id() for segment in self._latest_segments()} | {keep}
        remove_orphans(self.directory, live)

    def sweep_failed_write(self) -> None:
        """After a write failed (a full disk): remove its files now, not at the next write."""
        lock = self.try_lock(WRITER_LOCK)
        if lock is None:
            return  # another writer holds it, and sweeps when it starts
        try:
            remove_temporary_pool(self.directory)
            self._remove_orphans()
        finally:
            lock.release()

    def segment_sizes(self) -> list[int]:
        """Documents (deleted ones included) per segment of the latest commit."""
        return [segment.doc_count_all() for segment in self._latest_segments()]

    def _latest_segments(self) -> list[Any]:
        return _despite_vanishing_files(lambda: list(self._ix._segments()), 5, 0.01)

    def merge_small_segments(self, timeout: float = 2.0) -> int:
        """Fold the small segments that no-merge commits leave behind into one, leaving big
        ones alone (codeindex.storage.merging). Returns how many segments were merged;
        raises IndexBusy when another writer holds the lock past `timeout` at publish time."""
        toc = _despite_vanishing_files(self._ix._read_toc, 5, 0.01)
        return merging.merge_small_segments(
            self._ix, self.directory, toc, lambda: self.writer(timeout)
        )

    def try_lock(self, name: str) -> Lock | None:
        """An OS file lock in the index directory, or None when another holder has it."""
        return try_lock(self.directory, name)


_WRITABLE_ADVICE = "make it writable, or index a writable copy of it"


@contextlib.contextmanager
def _refusal_said(what: str, advice: str = "") -> Iterator[None]:
    """An error that means the disk refuses writes (codeindex.fsutil.is_write_refused) as
    WriteRefused: `what` could not be done, the reason, then `advice`."""
    try:
        yield
    except OSError as exc:
        if not is_write_refused(exc):
            raise
        raise WriteRefused(f"{what} ({exc.strerror}){'; ' + advice if advice else ''}") from exc


def _despite_vanishing_files(read: Callable[[], _T], attempts: int, pause: float) -> _T:
    """`read` again when it fails on a file that vanished under it. Another process's (or
    the merge thread's) commit may delete a TOC or segment between Whoosh finding the latest
    generation and opening its files; the newer commit's files are there by then."""
    for _ in range(attempts - 1):
        try:
            return read()
        except FileNotFoundError:
            time.sleep(pause)
    return read()


def _marker_text() -> str:
    return f'{{"format": "code-index", "version": {FORMAT_VERSION}}}'
