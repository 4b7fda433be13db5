"""Full builds and incremental updates: the single writer of the index.

A refresh walks the root, compares each file's size and mtime (then content hash) with what the
index recorded, and replaces the documents of the files that changed in one commit. Large
batches are parsed and indexed by worker processes, each writing its own Whoosh segment; the
parent holds the lock and publishes all segments in one TOC commit, so a crash at any point
leaves the previous commit intact.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import queue
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeindex import storage
from codeindex.fsutil import atomic_write
from codeindex.models import FileRecord, UpdateReport
from codeindex.storage.index_dir import STATE_FILE, read_state
from codeindex.walk_cache import CACHE_FILE as WALK_CACHE
from codeindex.walker import DEFAULT_MAX_FILE_SIZE, Candidate, WalkResult, walk

if TYPE_CHECKING:
    import multiprocessing.context
    import multiprocessing.process
    import multiprocessing.queues

PARALLEL_MIN_FILES = 48
# Skips that may clear up without the file changing (permissions fixed, file back in place).
RETRIED_SKIPS = ("unreadable", "vanished")
# In the state file: the commit (storage.Store.generation) and the whole-tree walk
# (WalkResult.digest) of the last refresh that found nothing to do.
FRESH = "fresh"
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Plan:
    """What a refresh must do, decided from the walk and the index's file records."""

    to_read: list[Candidate]
    to_remove: list[str]
    known: dict[str, FileRecord]


def plan_refresh(
    walked: WalkResult, known: dict[str, FileRecord], only: Iterable[str] | None = None
) -> Plan:
    """`only` limits the refresh to these root-relative paths; a directory in it stands for
    everything under it (a deleted or moved directory drops all its files), "" for the root."""
    to_read = []
    scope = set(only) if only is not None else None
    if scope is not None and "" in scope:
        scope = None
    for path, candidate in walked.files.items():
        if scope is not None and not _in_scope(path, scope):
            continue
        record = known.get(path)
        if (
            record is None
            or record.size != candidate.size
            or record.mtime_ns != candidate.mtime_ns
            or (record.skipped == "too large") != (candidate.skip == "too large")
            or record.skipped.startswith(RETRIED_SKIPS)
        ):
            to_read.append(candidate)
    candidates = known.keys() if scope is None else [p for p in known if _in_scope(p, scope)]
    to_remove = [path for path in candidates if path not in walked.files]
    return Plan(to_read, to_remove, known)


def _replan(
    first: Plan, walked: WalkResult, known: dict[str, FileRecord], scope: list[str] | None
) -> Plan:
    """The plan again, against the records as they are now that we hold the writer lock:
    what another writer committed meanwhile is not added twice. The walk is not repeated
    (a second walk of a big tree costs about a second under the lock), so a file that
    appeared after our walk and that the other writer indexed is not ours to remove: only
    records unchanged since the first plan are removed."""
    plan = plan_refresh(walked, known, scope)
    to_remove = [path for path in plan.to_remove if first.known.get(path) == known.get(path)]
    return Plan(plan.to_read, to_remove, known)


def _in_scope(path: str, scope: set[str]) -> bool:
    """Whether `path` or one of its ancestor directories is in `scope`."""
    while True:
        if path in scope:
            return True
        slash = path.rfind("/")
        if slash < 0:
            return False
        path = path[:slash]


class Indexer:
    def __init__(
        self,
        root: Path,
        index_store: storage.Store,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        workers: int | None = None,
    ) -> None:
        self.root = root
        self.store = index_store
        self.max_file_size = max_file_size
        self.workers = workers if workers is not None else max(1, min(os.cpu_count() or 1, 4))
        self._walk_cache = index_store.directory / WALK_CACHE

    def refresh(
        self,
        paths: Iterable[str] | None = None,
        progress: Progress | None = None,
        progress_total: Callable[[int], None] | None = None,
        merge: bool = True,
        lock_timeout: float = storage.WRITER_TIMEOUT,
    ) -> UpdateReport:
        """Bring the index up to date with the disk: all of it, or only `paths`. Waits up to
        `lock_timeout` for another writer, then raises storage.IndexBusy."""
        started = time.perf_counter()
        scope = None if paths is None else list(paths)
        # With paths, walk and compare only those: the watcher's batches stay cheap however
        # big the tree is (plan_refresh applies the same scope to both sides).
        walked = walk(self.root, self.max_file_size, only=scope, cache_file=self._walk_cache)
        fresh = None if scope is not None else [list(self.store.generation()), walked.digest()]
        if fresh is not None and read_state(self.store.directory).get(FRESH) == fresh:
            # The walk a previous refresh planned nothing for, on the same commit: planning
            # again would find nothing too, and reading every file record costs most of it.
            self._write_state(walked, touched=False, fresh=fresh)
            return UpdateReport(0, 0, 0, 0, time.perf_counter() - started)
        plan = plan_refresh(walked, self.store.file_records(under=scope), scope)
        if not plan.to_read and not plan.to_remove:
            if fresh is not None and fresh[0] != list(self.store.generation()):
                fresh = None  # a commit came in while the records were read: they may be its
            self._write_state(walked, touched=False, partial=scope is not None, fresh=fresh)
            return UpdateReport(0, 0, 0, 0, time.perf_counter() - started)
        writer = self.store.writer(lock_timeout)
        try:
            plan = _replan(plan, walked, self.store.file_records(under=scope), scope)
            if not plan.to_read and not plan.to_remove:
                writer.cancel()  # another writer did it while we waited for the lock
                return UpdateReport(0, 0, 0, 0, time.perf_counter() - started)
            if progress_total is not None:
                progress_total(len(plan.to_read))
            report = self._apply(writer, plan, progress, merge)
        except BaseException:
            writer.cancel()
            with contextlib.suppress(Exception):
                self.store.sweep_failed_write()
            raise
        self._write_state(walked, touched=True, partial=scope is not None)
        return UpdateReport(
            report.indexed,
            report.removed,
            report.symbols,
            report.skipped,
            time.perf_counter() - started,
        )

    def _apply(
        self, writer: storage.IndexWriter, plan: Plan, progress: Progress | None, merge: bool
    ) -> UpdateReport:
        # Imported here: a command's freshness check that finds nothing stale (the common
        # case) reads no file, and should not load the parsers and fingerprints to say so.
        from codeindex.file_reading import read_files

        removed_paths = set(plan.to_remove)
        for path in removed_paths:
            writer.remove_file(path)
        unchanged_content = 0
        symbols = skipped = 0
        if len(plan.to_read) >= PARALLEL_MIN_FILES and self.workers > 1:
            for candidate in plan.to_read:
                if candidate.path in plan.known:
                    writer.remove_file(candidate.path)
            segments, symbols, skipped = _build_segments_in_workers(
                self.root,
                self.store.directory,
                self.max_file_size,
                plan.to_read,
                self.workers,
                progress,
            )
            writer.commit(merge, segments)
        else:
            for candidate, outcome in zip(
                plan.to_read, read_files(self.root, plan.to_read, self.max_file_size), strict=True
            ):
                previous = plan.known.get(candidate.path)
                if (
                    previous is not None
                    and previous.digest
                    and previous.digest == outcome.record.digest
                    and previous.skipped == outcome.record.skipped
                ):
                    # Touched but not changed: keep the symbols, refresh the record only.
                    writer.replace_record(outcome.record, outcome.words)
                    unchanged_content += 1
                else:
                    if previous is not None:
                        writer.remove_file(candidate.path)
                    writer.add_file(outcome)
                symbols += outcome.record.symbols
                skipped += bool(outcome.record.skipped)
                if progress is not None:
                    progress(1)
            writer.commit(merge)
        return UpdateReport(
            len(plan.to_read) - unchanged_content, len(removed_paths), symbols, skipped, 0.0
        )

    def _write_state(
        self, walked: WalkResult, touched: bool, partial: bool = False, fresh: Any = None
    ) -> None:
        """`fresh`: the commit and the walk's digest when this walk planned nothing on it."""
        path = self.store.directory / STATE_FILE
        previous = read_state(self.store.directory)
        if partial and not touched:
            fresh = previous.get(FRESH)  # the commit it names, if any, has not moved
        state = {
            "last_update": time.time() if touched else previous.get("last_update", time.time()),
            "last_check": time.time(),
            # A partial walk's counts would replace the whole tree's.
            "walk_skipped": previous.get("walk_skipped", {}) if partial else dict(walked.skipped),
            "max_file_size": self.max_file_size,  # the next command keeps to it
        }
        if fresh is not None:
            state[FRESH] = fresh
        # Status is informative; a read-only index directory must not fail a search.
        with contextlib.suppress(OSError):
            atomic_write(path, json.dumps(state).encode("utf-8"))


# -- parallel build --------------------------------------------------------------------------


def _shard(candidates: list[Candidate], count: int) -> list[list[Candidate]]:
    """Split by bytes, biggest first, so workers finish together."""
    shards: list[list[Candidate]] = [[] for _ in range(count)]
    loads = [0] * count
    for candidate in sorted(candidates, key=lambda c: c.size, reverse=True):
        lightest = loads.index(min(loads))
        shards[lightest].append(candidate)
        loads[lightest] += candidate.size + 2048  # per-file overhead matters for tiny files
    return [shard for shard in shards if shard]


def _worker(root: str, directory: str, limit: int, shard: list[Candidate], messages) -> None:  # type: ignore[no-untyped-def]
    """Index one shard into a segment of its own; report progress, then the segment."""
    # A short-lived process whose objects form no cycles: the cyclic collector would only
    # rescan the growing posting lists, again and again.
    gc.disable()
    from codeindex.file_reading import read_files  # loaded before the fork: see the caller

    try:
        _die_with_parent()
        index_store = storage.Store.open(Path(root), create=False, directory=Path(directory))
        builder = index_store.segment_builder()
        symbols = skipped = done = 0
        for outcome in read_files(Path(root), shard, limit):
            builder.add_file(outcome)
            symbols += outcome.record.symbols
            skipped += bool(outcome.record.skipped)
            done += 1
            if done % 16 == 0:
                messages.put(("progress", 16))
        messages.put(("progress", done % 16))
        messages.put(("done", (builder.finish(), symbols, skipped)))
    except BaseException as exc:
        messages.put(("error", WorkerError.of(exc)))


@dataclass(frozen=True, slots=True)
class WorkerError:
    """What failed in a worker, as it crosses back to the parent (an exception's traceback
    does not pickle). An OSError keeps its errno: the parent raises it again as one."""

    text: str
    errno: int | None = None
    strerror: str | None = None

    @classmethod
    def of(cls, exc: BaseException) -> WorkerError:
        text = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, OSError) and exc.errno is not None:
            return cls(text, exc.errno, exc.strerror)
        return cls(text)


def _die_with_parent() -> None:
    """A forked worker holds a copy of the parent's writer-lock descriptor; if the parent is
    killed mid-build, an orphaned worker would keep the lock (and keep writing segment files no
    commit will ever list) until its shard is done. On Linux, ask the kernel to kill it too."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import multiprocessing  # a worker of a build: see _build_segments_in_workers
    import signal

    parent = multiprocessing.parent_process()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent.pid:  # it died before the call
        os._exit(1)


def _build_segments_in_workers(
    root: Path,
    directory: Path,
    limit: int,
    candidates: list[Candidate],
    workers: int,
    progress: Progress | None,
) -> tuple[list[storage.BuiltSegment], int, int]:  # segments, symbols, skipped
    # Imported here: only a build of many files needs processes, and a command's freshness
    # check (which usually finds nothing stale) would pay for the import before every answer.
    import multiprocessing

    # Every worker fingerprints (numpy, compiled expressions, lookup tables): forked after
    # these imports, they share them instead of each paying for them.
    import codeindex.clones.batch  # noqa: F401
    import codeindex.file_reading  # noqa: F401

    context: multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext
    if "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    shards = _shard(candidates, workers)
    processes = [
        context.Process(
            target=_worker, args=(str(root), str(directory), limit, shard, messages), daemon=True
        )
        for shard in shards
    ]
    for process in processes:
        process.start()
    try:
        segments, symbols, skipped, errors = _collect(processes, messages, progress)
    except BaseException:
        # Stopped midway (a cancelled reindex, Ctrl-C): no commit will take these segments,
        # so the workers must not go on writing them.
        for process in processes:
            process.kill()
            process.join()
        raise
    for process in processes:
        if errors:
            process.kill()
        process.join()
    if errors:
        _raise_for(errors)
    return segments, symbols, skipped


def _raise_for(errors: list[WorkerError]) -> None:
    """A worker's OSError is raised again as an OSError (a full disk, a file size limit):
    the caller handles it as it handles the same error from the single-process path."""
    for error in errors:
        if error.errno is not None:
            raise OSError(error.errno, error.strerror)
    raise RuntimeError("indexing worker failed: " + "; ".join(error.text for error in errors))


def _collect(
    processes: Sequence[multiprocessing.process.BaseProcess],
    messages: multiprocessing.queues.Queue[Any],
    progress: Progress | None,
) -> tuple[list[storage.BuiltSegment], int, int, list[WorkerError]]:
    """The workers' segments and counts, and their errors; `progress` as files finish."""
    segments = []
    symbols = skipped = 0
    errors: list[WorkerError] = []
    finished = 0
    while finished < len(processes):
        try:
            kind, payload = messages.get(timeout=1.0)
        except queue.Empty:
            # A worker killed outright (a grammar segfault, the OOM killer) reports nothing.
            if any(p.exitcode not in (None, 0) for p in processes):
                errors.append(WorkerError("a worker process died without reporting"))
                break
            continue
        if kind == "progress":
            if progress is not None:
                progress(payload)
        elif kind == "done":
            segment, shard_symbols, shard_skipped = payload
            segments.append(segment)
            symbols += shard_symbols
            skipped += shard_skipped
            finished += 1
        else:
            errors.append(payload)
            finished += 1
    return segments, symbols, skipped, errors


def progress_bar() -> tuple[Progress | None, Progress | None, Callable[[], None]]:
    """A tqdm bar on stderr when it is a terminal; callbacks for Indexer.refresh."""
    if not sys.stderr.isatty():
        return None, None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="file", desc="indexing", file=sys.stderr, leave=False)

    def advance(files: int) -> None:
        bar.update(files)

    def set_total(total: int) -> None:
        bar.total = total
        bar.refresh()

    return advance, set_total, bar.close
