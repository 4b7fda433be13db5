"""index, status and watch: the commands that build the index, describe it, keep it current."""

from __future__ import annotations

import argparse
import sys

from codeindex import storage
from codeindex.api import IndexStatus
from codeindex.cli.opening import (
    open_current,
    open_index,
    open_or_rebuild,
    rebuild,
    refresh_with_progress,
    watcher_of,
)
from codeindex.cli.output import (
    EXIT_OK,
    EXIT_USAGE,
    emit_json,
    fail,
    size_limit_line,
    too_large_files,
)
from codeindex.models import UpdateReport

SKIPPED_SHOWN = 10  # skipped files `status` lists; --json has them all
INDEX_LOCK_TIMEOUT = 600.0  # seconds `index` waits for another writer to finish


def cmd_index(args: argparse.Namespace) -> int:
    report: UpdateReport | None
    if args.rebuild and (watcher := watcher_of(args)) is not None:
        # Rebuilding deletes the directory a running watcher writes to.
        return fail(f"a watcher (pid {watcher or '?'}) is using this index; stop it, then rebuild")
    if args.rebuild:
        report = rebuild(args)
        code_index = open_current(args)
    else:
        code_index, rebuilt = open_or_rebuild(args)
        # `index` asked for the work: wait for another writer, then do what it left undone.
        report = refresh_with_progress(code_index, INDEX_LOCK_TIMEOUT)
        if report is None:
            return fail(code_index.read_only_reason)
        if rebuilt is not None:  # the work was the rebuild: say what it did
            report = _then(rebuilt, report)
        storage.clear_leftovers(code_index.root)  # of a killed rebuild
    if args.json:
        emit_json(
            {
                "indexed": report.indexed,
                "removed": report.removed,
                "symbols": report.symbols,
                "skipped": report.skipped,
                "seconds": round(report.seconds, 3),
            }
        )
    else:
        print(
            f"indexed {report.indexed} files ({report.symbols} symbols), removed "
            f"{report.removed}, skipped {report.skipped} in {report.seconds:.2f}s"
        )
    if too_large := too_large_files(code_index.status()):
        print(f"code-index: note: {too_large}", file=sys.stderr)
    code_index.close()
    return EXIT_OK


def _then(first: UpdateReport, second: UpdateReport) -> UpdateReport:
    """One report for two updates in a row."""
    return UpdateReport(
        indexed=first.indexed + second.indexed,
        removed=first.removed + second.removed,
        symbols=first.symbols + second.symbols,
        skipped=first.skipped + second.skipped,
        seconds=first.seconds + second.seconds,
    )


def cmd_status(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    status = code_index.status()
    if args.json:
        emit_json(status)
        return EXIT_OK
    print(f"root      {status['root']}")
    print(f"files     {status['files']}   symbols {status['symbols']}")
    for language, counts in status["languages"].items():
        print(f"  {language:<11} {counts['files']:>6} files {counts['symbols']:>8} symbols")
    print_skipped(status)
    print_parse_errors(status["parse_error_files"])
    if isinstance(status["last_update"], int | float):
        print(f"updated   {when(status['last_update'])}")
    print(f"max size  {size_limit_line(status['max_file_size'], status['max_file_size_from'])}")
    if status["read_only"]:
        print(f"note      {status['read_only']}")
    return EXIT_OK


def print_skipped(status: IndexStatus) -> None:
    """The counts per reason, then the first skipped files with their reasons."""
    skipped = status["skipped"]
    if not skipped:
        return
    print("skipped   " + ", ".join(f"{n} {reason}" for reason, n in skipped.items()))
    files = status["skipped_files"]
    width = max((len(item["path"]) for item in files[:SKIPPED_SHOWN]), default=0)
    print_first([f"{item['path']:<{width}}  {item['reason']}" for item in files])


def print_parse_errors(paths: list[str]) -> None:
    """The files the grammar failed on, which may miss definitions."""
    if not paths:
        return
    files = "1 file" if len(paths) == 1 else f"{len(paths)} files"
    print(f"errors    {files} parsed with errors (definitions may be missing there)")
    print_first(paths)


def print_first(lines: list[str]) -> None:
    """The first SKIPPED_SHOWN lines, indented, then how many more `status --json` lists."""
    for line in lines[:SKIPPED_SHOWN]:
        print(f"  {line}")
    if len(lines) > SKIPPED_SHOWN:
        print(f"  ({len(lines) - SKIPPED_SHOWN} more: `status --json` lists every one)")


def when(timestamp: float) -> str:
    """A local time with its offset, and how long ago."""
    import datetime
    import time

    moment = datetime.datetime.fromtimestamp(timestamp).astimezone()
    ago = max(0, int(time.time() - timestamp))
    span = f"{ago} s" if ago < 120 else f"{ago // 60} min" if ago < 7200 else f"{ago // 3600} h"
    return f"{moment.isoformat(sep=' ', timespec='seconds')} ({span} ago)"


def cmd_watch(args: argparse.Namespace) -> int:
    """Foreground watcher: one line per batch on stdout until Ctrl-C (or SIGTERM), or until
    it cannot go on (the root moved, the index cannot be written): then one line says why."""
    import signal
    import threading

    from codeindex.watcher import Watcher

    code_index = open_current(args)
    watcher = Watcher(code_index, on_batch=lambda batch: print(batch.line(), flush=True))
    # Ctrl-C and SIGTERM stop cleanly, also when started in the background (SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(f"watching {code_index.root} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    shown = None
    try:
        watcher.start()
        while watcher.ended is None:  # it ends on its own when it cannot go on: it said why
            degraded = watcher.status()["degraded"]
            if degraded != shown and degraded:
                print(f"code-index: {degraded}", file=sys.stderr, flush=True)
            shown = degraded
            threading.Event().wait(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        code_index.close()
    return EXIT_OK if watcher.ended is None else EXIT_USAGE
