"""Agent traffic against the MCP server over real stdio (issue 20), for bench/mcp_bench.py.

- search p50/p95 alone and while a whole-repository find_duplicates runs;
- a 50-call parallel burst;
- stale answers right after a write (write -> search) and a delete (delete -> search);
- one-shot clients: servers started for one call each, after files changed while none ran;
- resident memory of the server and its clone worker over find_duplicates + find_similar;
- cancellation: long calls (references to `self`, a whole-tree find_duplicates) cancelled
  after half a second: how soon the server (and its worker) stop using CPU, and how long a
  search takes right after.

The client sends requests without waiting for earlier answers (as agents do) and matches
replies by id on a reader thread.

    python bench/mcp_traffic.py [--corpus /tmp/stdlib-mcp] [--dups 50] [--similar 500]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, save, table  # noqa: E402

HERE = Path(__file__).resolve().parent
OURS = Path(sys.executable).parent / "code-index"  # started as `code-index mcp`
PROTOCOL = "2025-06-18"
QUERIES = ["parse", "HTTPConnection", "urlopen", "Decimal", "walk", "encode*", "socket", "dedent"]
RW_DIR = "zz_mcp_bench"  # files the read-your-writes checks create and delete


class Client:
    """One server process; requests go out at once, replies are matched by id."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [str(OURS), "mcp", "--root", str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # $MCP_TRAFFIC_STDERR: keep the server's log (and its clone worker's) there.
            stderr=open(os.environ["MCP_TRAFFIC_STDERR"], "ab")  # noqa: SIM115
            if os.environ.get("MCP_TRAFFIC_STDERR")
            else subprocess.DEVNULL,
        )
        self._next = 0
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL,
                "capabilities": {},
                "clientInfo": {"name": "mcp-traffic", "version": "1"},
            },
        ).result(60)
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        with self._lock:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.process.stdin.flush()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            reply = json.loads(line)
            future = self._pending.pop(reply.get("id"), None) if "id" in reply else None
            if future is not None:
                future.set_result(reply)

    def request(self, method: str, params: dict[str, Any]) -> Future[dict[str, Any]]:
        with self._lock:
            self._next += 1
            ident = self._next
        future: Future[dict[str, Any]] = Future()
        future.request_id = ident  # type: ignore[attr-defined]
        self._pending[ident] = future
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        return future

    def start(self, tool: str, arguments: dict[str, Any]) -> tuple[Future[dict[str, Any]], float]:
        return self.request(
            "tools/call", {"name": tool, "arguments": arguments}
        ), time.perf_counter()

    def call(self, tool: str, arguments: dict[str, Any], timeout: float = 600) -> dict[str, Any]:
        future, _ = self.start(tool, arguments)
        reply = future.result(timeout)
        if "error" in reply:
            raise RuntimeError(f"{tool}: {reply['error']}")
        result = reply["result"]
        if result.get("isError"):
            raise RuntimeError(f"{tool}: {result['content'][0]['text']}")
        return result["structuredContent"]  # type: ignore[no-any-return]

    def cancel(self, future: Future[dict[str, Any]]) -> None:
        ident = future.request_id  # type: ignore[attr-defined]
        self._pending.pop(ident, None)
        self._send(
            {
                "jsonrpc": "2.0",
                "method": "notifications/cancelled",
                "params": {"requestId": ident, "reason": "bench"},
            }
        )

    def cpu_seconds(self) -> float:
        """CPU time of the server and its children (the clone worker, indexing workers)."""
        parent = psutil.Process(self.process.pid)
        total = 0.0
        for process in [parent, *parent.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def timed(self, tool: str, arguments: dict[str, Any]) -> float:
        started = time.perf_counter()
        self.call(tool, arguments)
        return time.perf_counter() - started

    def rss_mb(self) -> float:
        """The server and its children (the clone worker)."""
        parent = psutil.Process(self.process.pid)
        processes = [parent, *parent.children(recursive=True)]
        total = 0.0
        for process in processes:
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
        return total / 2**20

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def percentiles(values: list[float]) -> tuple[float, float]:
    """p50 and p95 in ms."""
    if not values:
        return float("nan"), float("nan")
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def wait_ready(client: Client, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status = client.call("index_status", {})
        if status["build"]["state"] == "ready" and not status["refreshing"]:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("the index never became ready")
        time.sleep(0.2)


# -- measures ------------------------------------------------------------------------------------


def search_beside_duplicates(client: Client, rounds: int) -> dict[str, Any]:
    for query in QUERIES:
        client.call("search_symbols", {"query": query})
    alone = [client.timed("search_symbols", {"query": QUERIES[i % 8]}) for i in range(rounds)]
    beside: list[float] = []
    scans = 0
    while len(beside) < rounds:
        scan, started = client.start("find_duplicates", {})
        while not scan.done() and len(beside) < rounds:
            beside.append(client.timed("search_symbols", {"query": QUERIES[len(beside) % 8]}))
            time.sleep(0.01)
        scan.result(600)
        scans += 1
        scan_seconds = time.perf_counter() - started
    return {
        "alone_ms": percentiles(alone),
        "beside_ms": percentiles(beside),
        "scans": scans,
        "last_scan_s": scan_seconds,
    }


def burst(client: Client, size: int = 50) -> dict[str, Any]:
    snippet = client.call("get_symbol", {"name": "dedent", "path": "textwrap.py"})["matches"][0]
    code = snippet["source"].replace("dedent", "my_dedent")
    tools: list[tuple[str, dict[str, Any]]] = []
    for index in range(size):
        kind = index % 5
        if kind in (0, 1):
            tools.append(("search_symbols", {"query": QUERIES[index % 8]}))
        elif kind == 2:
            tools.append(("get_symbol", {"name": "urljoin", "path": "urllib/parse.py"}))
        elif kind == 3:
            tools.append(("file_outline", {"path": "json/decoder.py"}))
        else:
            tools.append(("find_similar", {"code": code, "language": "py"}))
    started = time.perf_counter()
    sent = [(tool, *client.start(tool, arguments)) for tool, arguments in tools]
    times: dict[str, list[float]] = {}
    for tool, future, at in sent:
        reply = future.result(120)
        assert "result" in reply and not reply["result"].get("isError"), reply
        times.setdefault(tool, []).append(time.perf_counter() - at)
    wall = time.perf_counter() - started
    every = [t for values in times.values() for t in values]
    return {
        "wall_s": wall,
        "all_ms": percentiles(every),
        "search_ms": percentiles(times["search_symbols"]),
        "max_ms": max(every) * 1000,
    }


def stale_counts(client: Client, root: Path, rounds: int) -> dict[str, Any]:
    """Write a file with a new function and search for it at once; delete it, search again."""
    folder = root / RW_DIR
    folder.mkdir(exist_ok=True)
    missed = still_there = 0
    write_ms: list[float] = []
    delete_ms: list[float] = []
    for index in range(rounds):
        name = f"rw_probe_{os.getpid()}_{index}_{time.monotonic_ns()}"
        target = folder / f"m{index % 10}.py"
        target.write_text(f"def {name}(x):\n    return x\n", encoding="utf-8")
        started = time.perf_counter()
        if client.call("search_symbols", {"query": name})["total"] != 1:
            missed += 1
        write_ms.append(time.perf_counter() - started)
        target.unlink()
        started = time.perf_counter()
        if client.call("search_symbols", {"query": name})["total"] != 0:
            still_there += 1
        delete_ms.append(time.perf_counter() - started)
    folder.rmdir()
    return {
        "write_then_search_stale": missed,
        "delete_then_search_stale": still_there,
        "rounds": rounds,
        "write_search_ms": percentiles(write_ms),
        "delete_search_ms": percentiles(delete_ms),
    }


def one_shot(root: Path, servers: int) -> dict[str, Any]:
    """Files written while no server ran; each new server is asked once, then closed."""
    found = 0
    seconds: list[float] = []
    notes: list[str] = []
    folder = root / RW_DIR
    folder.mkdir(exist_ok=True)
    for index in range(servers):
        name = f"one_shot_{os.getpid()}_{index}_{time.monotonic_ns()}"
        (folder / f"shot{index}.py").write_text(f"def {name}():\n    pass\n", encoding="utf-8")
        started = time.perf_counter()
        client = Client(root)
        data = client.call("search_symbols", {"query": name})
        seconds.append(time.perf_counter() - started)
        found += data["total"] == 1
        if data.get("note"):
            notes.append(data["note"])
        client.close()
    # What the last ones caught up must be committed: a server that only reads the index
    # (asked with no catch-up time) finds every name.
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return {"found": found, "servers": servers, "spawn_to_answer_s": seconds, "notes": notes}


def memory(client: Client, duplicates: int, similar: int) -> dict[str, Any]:
    snippet = client.call("get_symbol", {"name": "urljoin", "path": "urllib/parse.py"})
    code = snippet["matches"][0]["source"].replace("urljoin", "join_url")
    samples: list[tuple[int, float]] = [(0, client.rss_mb())]
    calls = 0
    per_dup = max(1, similar // max(1, duplicates))
    for index in range(max(duplicates, 1)):
        if index < duplicates:
            client.call("find_duplicates", {})
            calls += 1
        for _ in range(per_dup):
            client.call("find_similar", {"code": code, "language": "py"})
            calls += 1
        samples.append((calls, client.rss_mb()))
    half = samples[len(samples) // 2]
    return {
        "samples": samples,
        "final_mb": samples[-1][1],
        "peak_mb": max(mb for _, mb in samples),
        "second_half_growth_mb": samples[-1][1] - half[1],
    }


CANCELLED = [
    ("find_references", {"name": "self", "limit": 50}),  # seconds to a minute on the stdlib
    ("find_duplicates", {}),
]
IDLE_CPU = 0.05  # CPU seconds per 0.25 s window below which the server counts as stopped


def cancellation(client: Client) -> dict[str, Any]:
    """Start each long call, cancel it after 0.5 s, then time until the server's CPU use
    drops to idle (it stopped the work, not only the answer) and a search right after."""
    results: dict[str, Any] = {}
    for tool, arguments in CANCELLED:
        future, _ = client.start(tool, arguments)
        time.sleep(0.5)
        if future.done():
            results[tool] = {"finished_before_cancel": True}
            continue
        client.cancel(future)
        cancelled = time.perf_counter()
        search_ms = client.timed("search_symbols", {"query": "dedent"}) * 1000
        idle_after = float("nan")
        last = client.cpu_seconds()
        while time.perf_counter() - cancelled < 120:
            time.sleep(0.25)
            now = client.cpu_seconds()
            if now - last < IDLE_CPU:
                idle_after = time.perf_counter() - cancelled
                break
            last = now
        results[tool] = {"idle_after_s": idle_after, "search_after_ms": search_ms}
    return results


def run(corpus: Path, args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    client = Client(corpus)
    try:
        wait_ready(client)
        results["search"] = search_beside_duplicates(client, args.traffic_rounds)
        results["burst_first"] = burst(client)  # read handles and the clone table load
        results["burst"] = burst(client)
        if args.stale:
            results["stale"] = stale_counts(client, corpus, args.stale)
        if args.dups or args.similar:
            results["memory"] = memory(client, args.dups, args.similar)
        if args.cancel:
            results["cancel"] = cancellation(client)
    finally:
        client.close()
    if args.one_shot:
        results["one_shot"] = one_shot(corpus, args.one_shot)
    return results


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    search, burst_, first = results["search"], results["burst"], results["burst_first"]
    out = [
        ("search p50/p95 alone", "{:.1f} / {:.1f} ms".format(*search["alone_ms"]), ""),
        (
            f"search p50/p95 beside find_duplicates ({search['scans']} scans)",
            "{:.1f} / {:.1f} ms".format(*search["beside_ms"]),
            "p95 <= 50 ms",
        ),
        (
            "50-call parallel burst, first (handles open, clone table loads): wall, max",
            f"{first['wall_s']:.2f} s, {first['max_ms']:.0f} ms",
            "",
        ),
        (
            "50-call parallel burst, again: wall, p50/p95/max",
            f"{burst_['wall_s']:.2f} s, "
            + "{:.0f} / {:.0f} ms".format(*burst_["all_ms"])
            + f" / {burst_['max_ms']:.0f} ms",
            "",
        ),
    ]
    if "stale" in results:
        stale = results["stale"]
        out.append(
            (
                f"stale: write->search, delete->search (of {stale['rounds']} each)",
                f"{stale['write_then_search_stale']}, {stale['delete_then_search_stale']}; "
                "write->search p50/p95 {:.0f}/{:.0f} ms".format(*stale["write_search_ms"])
                + f" (+{stale['write_search_ms'][0] - search['alone_ms'][0]:.0f} ms on a search)",
                "0, 0; <= 50 ms extra",
            )
        )
    if "one_shot" in results:
        shot = results["one_shot"]
        median_s = statistics.median(shot["spawn_to_answer_s"])
        out.append(
            (
                f"one-shot servers that found a file written while none ran (of {shot['servers']})",
                f"{shot['found']}; spawn->answer median {median_s:.2f} s",
                f"{shot['servers']}",
            )
        )
    if "memory" in results:
        memory_ = results["memory"]
        out.append(
            (
                f"RSS (server + worker) after {memory_['samples'][-1][0]} clone calls",
                f"{memory_['final_mb']:.0f} MB (peak {memory_['peak_mb']:.0f}, second half "
                f"{memory_['second_half_growth_mb']:+.0f} MB)",
                "<= 400 MB, flat",
            )
        )
    for tool, cancel in results.get("cancel", {}).items():
        value = (
            "finished within 0.5 s"
            if cancel.get("finished_before_cancel")
            else f"idle {cancel['idle_after_s']:.2f} s after; a search then "
            f"{cancel['search_after_ms']:.0f} ms"
        )
        out.append((f"{tool} cancelled after 0.5 s: server CPU idle, next search", value, ""))
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--traffic-rounds", type=int, default=200, help="searches alone and beside")
    parser.add_argument("--stale", type=int, default=100, help="write->search rounds")
    parser.add_argument("--one-shot", type=int, default=5, help="one-shot servers")
    parser.add_argument("--dups", type=int, default=50, help="find_duplicates calls (memory)")
    parser.add_argument("--similar", type=int, default=500, help="find_similar calls (memory)")
    parser.add_argument(
        "--no-cancel", dest="cancel", action="store_false", help="skip the cancellation measure"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/stdlib-mcp"))
    parser.add_argument("--json", type=Path)
    add_arguments(parser)
    args = parser.parse_args(argv)
    started_on = machine()
    results = run(args.corpus.resolve(), args)
    for measure, value, target in rows(results):
        print(f"{measure:<75} {value:<45} {target}")
    if args.json:
        save(args.json, {"machine": started_on, **results})
    return 0


def markdown(results: dict[str, Any]) -> str:
    """The results table, from a saved run (bench/tables.py renders bench/README.md)."""
    return table(["Measure", "Result", "Target"], rows(results))


if __name__ == "__main__":
    sys.exit(main())
