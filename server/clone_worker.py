"""find_duplicates in a process of its own.

A whole-repository clone scan is seconds of CPU-bound Python. In the server's process it
held the GIL against every other call (searches took 30 ms and more at p95 beside it, where
they take 1 ms alone), it could not be stopped when the client cancelled (a thread cannot be
interrupted), and what it allocated stayed in the server. In a child process the scan runs
on the other core, a cancelled call kills it, and its memory goes back to the system when
the worker is recycled.

The worker is started on first use and kept for the next call (it costs ~0.5 s to start:
numpy, the grammars, the index). It serves one request at a time; requests and replies are
JSON lines on its stdin and on a copy of its stdout (its own stdout goes to stderr so that
stray output cannot corrupt a reply). It opens the index itself and reads the latest commit
for every request.

    python -m codeindex_server.clone_worker ROOT [MAX_FILE_SIZE]
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from codeindex_server import calls

log = logging.getLogger("codeindex_server")

OPERATIONS = frozenset({"duplicates"})  # CodeIndex methods the worker runs
# A worker that grew by more than this over its size at start (about 27 MB, imports and an open
# index) during a call is replaced by a new one: what a scan of a real repository left (the
# standard library's: about 105 MB more) goes back to the system instead of idling beside the
# server; the next call pays the start. A small project's worker (about 15 MB more) stays
# warm. Growth, not size, so the line does not move with what the worker imports.
RECYCLE_GROWTH_MB = 50
# Such a worker is replaced after this many seconds without a call, not at once: it keeps the
# scan it made (codeindex.clones.table.CloneTables.scan) while the index is unchanged, so an
# agent that asks again (another path, page or tests filter) is answered in milliseconds
# instead of by a new scan (about 1 s on Django, 11 s on a 5.6M-line tree).
RECYCLE_IDLE = 60.0
POLL = 0.1  # seconds between checks for a cancelled call
PROGRESS_EVERY = 1.0  # seconds between progress notifications


class WorkerError(Exception):
    """The operation failed in the worker; `usage` when the caller's input was wrong."""

    def __init__(self, message: str, usage: bool) -> None:
        super().__init__(message)
        self.usage = usage


class CloneWorker:
    """The server's side: starts the worker, sends one request at a time, kills it when the
    call is cancelled. Methods block; tools call them on worker threads."""

    def __init__(self, root: Path, max_file_size: int | None) -> None:
        self.root = root
        self.max_file_size = max_file_size
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._recycle: threading.Timer | None = None

    def run(self, op: str, args: dict[str, Any], label: str) -> dict[str, Any]:
        call = calls.current()
        while not self._lock.acquire(timeout=POLL):  # another call has the worker
            call.check()
        try:
            self._keep()
            call.check()
            process = self._process or self._start()
            assert process.stdin is not None
            try:
                process.stdin.write(json.dumps({"op": op, "args": args}).encode() + b"\n")
                process.stdin.flush()
            except OSError:
                self._kill()
                raise WorkerError(f"the {label} worker stopped; call again", usage=False) from None
            reply = self._reply(process, call, label)
        finally:
            self._lock.release()
        if "ok" in reply:
            return dict(reply["ok"])
        raise WorkerError(str(reply.get("usage") or reply.get("error")), usage="usage" in reply)

    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None else None

    def stop(self) -> None:
        self._keep()
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the worker exits at the end of its input
        try:
            process.wait(2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def _start(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "codeindex_server.clone_worker", str(self.root)]
        if self.max_file_size is not None:
            command.append(str(self.max_file_size))
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._buffer = b""
        log.info("started the clone worker (pid %d)", self._process.pid)
        return self._process

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()

    def _reply(self, process: subprocess.Popen[bytes], call: calls.Call, label: str) -> Any:
        assert process.stdout is not None
        descriptor = process.stdout.fileno()
        started = last_progress = time.monotonic()
        call.progress(0, None, f"{label}: started")
        with selectors.DefaultSelector() as selector:
            selector.register(descriptor, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                if call.cancelled.is_set():
                    self._kill()  # the only way to stop a scan midway
                    log.info("%s cancelled by the client; worker stopped", label)
                    raise calls.Cancelled()
                if selector.select(POLL):
                    chunk = os.read(descriptor, 1 << 16)
                    if not chunk:
                        code = process.poll()
                        self._kill()
                        raise WorkerError(
                            f"the {label} worker exited unexpectedly (code {code}); call again",
                            usage=False,
                        )
                    self._buffer += chunk
                now = time.monotonic()
                if now - last_progress >= PROGRESS_EVERY:
                    last_progress = now
                    call.progress(round(now - started, 1), None, f"{label}: {now - started:.0f} s")
        line, _, self._buffer = self._buffer.partition(b"\n")
        reply = json.loads(line)
        if reply.get("grown_mb", 0) > RECYCLE_GROWTH_MB:
            self._recycle_when_idle()
        return reply

    def _recycle_when_idle(self) -> None:
        """Stop the worker RECYCLE_IDLE seconds from now unless a call comes first: the next
        call after that starts a fresh one, and this one's memory is freed."""
        timer = threading.Timer(RECYCLE_IDLE, self._recycle_now)
        timer.daemon = True
        self._recycle = timer
        timer.start()

    def _recycle_now(self) -> None:
        if self._lock.acquire(blocking=False):  # else a call is under way: it decides again
            try:
                self.stop()
            finally:
                self._lock.release()

    def _keep(self) -> None:
        """Call off a pending recycle (a call came, or the worker stops anyway)."""
        timer, self._recycle = self._recycle, None
        if timer is not None:
            timer.cancel()


# -- the worker process ------------------------------------------------------------------------


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _answer(code_index: Any, request: dict[str, Any]) -> dict[str, Any]:
    from codeindex.api import UsageError
    from codeindex.storage import IndexBusy, IndexError_

    op = request.get("op")
    if op not in OPERATIONS:
        return {"error": f"unknown operation {op!r}"}
    method = getattr(code_index, op)
    try:
        try:
            return {"ok": method(**request.get("args", {})).to_json()}
        except FileNotFoundError:  # a merge removed a segment under the searcher: once more
            return {"ok": method(**request.get("args", {})).to_json()}
    except (UsageError, IndexError_, IndexBusy) as exc:
        return {"usage": str(exc)}
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{op} failed: {type(exc).__name__}: {exc}"}


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when this process ends
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    from codeindex.api import CodeIndex
    from codeindex.gc_pause import cyclic_gc_paused

    root = Path(argv[0])
    max_file_size = int(argv[1]) if len(argv) > 1 else None
    code_index = CodeIndex.open(root, max_file_size=max_file_size)
    started_mb = _rss_mb()
    for line in sys.stdin:
        if not line.strip():
            continue
        with cyclic_gc_paused():  # one request at a time in this process: see gc_pause
            reply = _answer(code_index, json.loads(line))
        reply["grown_mb"] = round(_rss_mb() - started_mb, 1)
        replies.write(json.dumps(reply, ensure_ascii=False) + "\n")
        replies.flush()
    code_index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
