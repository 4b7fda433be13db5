"""Benchmark the MCP server over real stdio on the standard library corpus (issue 4).

Measures, for `code-index mcp`:
- spawn to `initialize` response (target: median <= 1.0 s);
- `search_symbols` round trip (median <= 10 ms);
- `find_similar` round trip (median <= 50 ms);
- server RSS after 1,000 mixed calls (<= 500 MB, no growth over the last 500);
and, in the same run, the peer `code-index-mcp` 2.17.1 from PyPI (its `search_code_advanced`),
installed into its own venv under bench/.peers/ (gitignored). Then agent traffic
(bench/mcp_traffic.py, issue 20): search p50/p95 alone and beside a running find_duplicates,
a 50-call parallel burst, stale answers after write/delete, one-shot servers, and RSS over
find_duplicates + find_similar calls (--no-traffic skips it).

The client here is a minimal synchronous JSON-RPC client over pipes, so the figures are the
server's plus the pipe, not an SDK client's overhead. Run by hand:

    python bench/mcp_bench.py [--corpus /tmp/stdlib-mcp] [--no-peer] [--no-traffic] \
        [--json bench/results/mcp_bench.json]

bench/README.md's table is generated from the saved --json by `markdown()` (bench/tables.py);
it is saved with --no-traffic, since bench/mcp_traffic.py saves its own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

import mcp_traffic
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import machine, save, table  # noqa: E402

HERE = Path(__file__).resolve().parent
OURS = Path(sys.executable).parent / "code-index"  # started as `code-index mcp`
PEER_VERSION = "2.17.1"
PEER_DIR = HERE / ".peers" / f"code-index-mcp-{PEER_VERSION}"
DEFAULT_CORPUS = Path("/tmp/stdlib-mcp")
PROTOCOL = "2025-06-18"

# Names an agent would look up in the stdlib, of every kind of result size.
QUERIES = [
    "parse",
    "HTTPConnection",
    "urlopen",
    "Decimal",
    "TextWrapper",
    "walk",
    "get_json",
    "read config",
    "encode*",
    "socket",
    "kind:class Error",
    "dedent",
]
# Functions to disguise (renamed, reformatted) and look for with find_similar.
SIMILAR_SOURCES = [
    ("dedent", "textwrap.py"),
    ("urljoin", "urllib/parse.py"),
    ("_get_default_tempdir", "tempfile.py"),
    ("commonpath", "posixpath.py"),
    ("getsource", "inspect.py"),
    ("shorten", "textwrap.py"),
    ("unquote", "urllib/parse.py"),
    ("quote", "shlex.py"),
]


class Rpc:
    """One MCP server process on pipes; requests are newline-delimited JSON-RPC."""

    def __init__(self, command: list[str], cwd: Path | None = None) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            bufsize=-1,  # buffered: a raw pipe would readline() one byte per syscall
        )
        self.next_id = 0

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"the server exited during {method}")
            reply = json.loads(line)
            if reply.get("id") == self.next_id:
                return reply

    def notify(self, method: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"jsonrpc": "2.0", "method": method}).encode() + b"\n")
        self.process.stdin.flush()

    def initialize(self) -> float:
        """Seconds from spawn to the initialize response."""
        reply = self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL,
                "capabilities": {},
                "clientInfo": {"name": "mcp-bench", "version": "1"},
            },
        )
        elapsed = time.perf_counter() - self.started
        if "error" in reply:
            raise RuntimeError(f"initialize failed: {reply['error']}")
        self.notify("notifications/initialized")
        return elapsed

    def call(self, tool: str, arguments: dict[str, Any]) -> tuple[dict[str, Any], float]:
        started = time.perf_counter()
        reply = self.request("tools/call", {"name": tool, "arguments": arguments})
        elapsed = time.perf_counter() - started
        if "error" in reply:
            raise RuntimeError(f"{tool} failed: {reply['error']}")
        return reply["result"], elapsed

    def rss_mb(self) -> float:
        return psutil.Process(self.process.pid).memory_info().rss / 2**20

    def cpu_seconds(self) -> float:
        """User+sys CPU of the server and its workers so far."""
        processes = [psutil.Process(self.process.pid)]
        processes += processes[0].children(recursive=True)
        total = 0.0
        for process in processes:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def structured(result: dict[str, Any]) -> dict[str, Any]:
    if result.get("isError"):
        raise RuntimeError(result["content"][0]["text"])
    if "structuredContent" in result:
        return result["structuredContent"]  # type: ignore[no-any-return]
    return json.loads(result["content"][0]["text"])  # type: ignore[no-any-return]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 10 else float("nan")


# -- setup -------------------------------------------------------------------------------------


def prepare_corpus(corpus: Path) -> None:
    """The stdlib copied as the issue's recipe does (all files, no site-packages/__pycache__)."""
    if corpus.is_dir() and any(corpus.iterdir()):
        return
    source = Path(sysconfig.get_paths()["stdlib"])
    print(f"copying {source} to {corpus} ...", file=sys.stderr)
    shutil.copytree(
        source,
        corpus,
        ignore=shutil.ignore_patterns("site-packages", "__pycache__"),
        symlinks=True,
        dirs_exist_ok=True,
    )


def install_peer() -> Path | None:
    script = PEER_DIR / "bin" / "code-index-mcp"
    if script.exists():
        return script
    print(f"installing code-index-mcp=={PEER_VERSION} into {PEER_DIR} ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEER_DIR)], check=True)
        subprocess.run(
            [str(PEER_DIR / "bin" / "python"), "-m", "pip", "install", "--quiet"]
            + [f"code-index-mcp=={PEER_VERSION}"],
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"peer install failed ({exc}); skipping the comparison", file=sys.stderr)
        return None
    return script


def ours_command(corpus: Path) -> list[str]:
    return [str(OURS), "mcp", "--root", str(corpus)]


def peer_command(script: Path, corpus: Path) -> list[str]:
    return [str(script), "--project-path", str(corpus)]


def wait_until_ready(server: Rpc, timeout: float = 600.0) -> float:
    """Poll index_status until the build is done and the watcher follows the tree."""
    started = time.perf_counter()
    while True:
        status = structured(server.call("index_status", {})[0])
        settled = status["freshness"] == "watcher" or time.perf_counter() - started > 5
        if status["build"]["state"] == "ready" and not status["refreshing"] and settled:
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise RuntimeError("the index never became ready")
        time.sleep(0.1)


# -- measures ----------------------------------------------------------------------------------


def spawn_times(command: list[str], spawns: int, cwd: Path) -> list[float]:
    times = []
    for _ in range(spawns):
        server = Rpc(command, cwd=cwd)
        try:
            times.append(server.initialize())
        finally:
            server.close()
    return times


def search_times(server: Rpc, rounds: int) -> list[float]:
    for query in QUERIES:  # warm caches: the steady state is what an agent lives in
        server.call("search_symbols", {"query": query})
    times = []
    for index in range(rounds):
        _, elapsed = server.call("search_symbols", {"query": QUERIES[index % len(QUERIES)]})
        times.append(elapsed)
    return times


def similar_snippets(server: Rpc) -> list[tuple[str, str]]:
    """Real stdlib functions, renamed and with their locals renamed: what an agent about to
    rewrite one would pass. Returns (snippet, where it came from)."""
    snippets = []
    for name, path in SIMILAR_SOURCES:
        try:
            data = structured(server.call("get_symbol", {"name": name, "path": path})[0])
        except RuntimeError:
            continue
        source = data["matches"][0]["source"]
        disguised = source.replace(name, "my_" + name.strip("_")).replace("result", "out")
        snippets.append((disguised, f"{path}:{name}"))
    return snippets


def similar_times(
    server: Rpc, snippets: list[tuple[str, str]], rounds: int
) -> tuple[list[float], int]:
    """Round trips, and how many snippets found the function they were made from."""
    times = []
    found = set()
    for index in range(rounds):
        code, origin = snippets[index % len(snippets)]
        result, elapsed = server.call("find_similar", {"code": code, "language": "py"})
        path, name = origin.split(":")
        matches = structured(result)["matches"]
        if any(m["path"] == path and m["symbol"].split(".")[-1] == name for m in matches):
            found.add(origin)
        times.append(elapsed)
    return times, len(found)


def mixed_calls(
    server: Rpc, snippets: list[tuple[str, str]], calls: int
) -> tuple[dict[int, float], dict[str, list[float]]]:
    """`calls` calls in a fixed pseudo-random mix; RSS sampled every 50 calls."""
    chooser = random.Random(4)
    outlines = [path for _, path in SIMILAR_SOURCES] + ["json/decoder.py", "ast.py"]
    rss = {0: server.rss_mb()}
    times: dict[str, list[float]] = {}
    for index in range(1, calls + 1):
        roll = chooser.random()
        if roll < 0.5:
            tool, arguments = "search_symbols", {"query": chooser.choice(QUERIES)}
        elif roll < 0.65:
            name, path = chooser.choice(SIMILAR_SOURCES)
            tool, arguments = "get_symbol", {"name": name, "path": path}
        elif roll < 0.8:
            tool, arguments = "file_outline", {"path": chooser.choice(outlines)}
        elif roll < 0.95 and snippets:
            tool, arguments = "find_similar", {"code": chooser.choice(snippets)[0]}
        else:
            tool, arguments = "index_status", {}
        result, elapsed = server.call(tool, arguments)
        if tool != "find_similar" or snippets:
            structured(result)
        times.setdefault(tool, []).append(elapsed)
        if index % 50 == 0:
            rss[index] = server.rss_mb()
    return rss, times


def peer_times(server: Rpc, rounds: int) -> tuple[list[float], str]:
    # Its index builds in the background; search until it answers with matches.
    deadline = time.perf_counter() + 300
    while True:
        result, _ = server.call(
            "search_code_advanced", {"pattern": "def dedent", "file_pattern": "*.py"}
        )
        text = json.dumps(result)
        if "textwrap.py" in text or time.perf_counter() > deadline:
            break
        time.sleep(0.5)
    times = []
    for index in range(rounds):
        pattern = QUERIES[index % len(QUERIES)].replace("kind:class ", "").rstrip("*")
        _, elapsed = server.call(
            "search_code_advanced", {"pattern": pattern, "file_pattern": "*.py"}
        )
        times.append(elapsed)
    return times, text[:200]


# -- main --------------------------------------------------------------------------------------


def measure_ours(corpus: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Our server on the corpus: readiness, round trips, memory and CPU over mixed calls."""
    # The index: built by the server itself when missing (cold start), then reused.
    if args.rebuild:
        shutil.rmtree(corpus / ".code-index", ignore_errors=True)
    data: dict[str, Any] = {"cold": not (corpus / ".code-index").is_dir()}
    server = Rpc(ours_command(corpus), cwd=corpus)
    server.initialize()
    data["index_ready_seconds"] = wait_until_ready(server)
    status = structured(server.call("index_status", {})[0])
    data["index"] = {k: status[k] for k in ("files", "symbols", "freshness")}
    cpu_before = server.cpu_seconds()
    searches = search_times(server, args.rounds)
    data["search_ms"] = [t * 1000 for t in searches]
    data["search_median_ms_by_query"] = {
        query: median(searches[i :: len(QUERIES)]) * 1000 for i, query in enumerate(QUERIES)
    }
    snippets = similar_snippets(server)
    try:
        similar, recalled = similar_times(server, snippets, min(args.rounds, 200))
    except RuntimeError as exc:
        similar, recalled, data["similar_note"] = [], 0, str(exc)
        snippets = []
    data["similar_recalled"] = [recalled, len(snippets)]
    data["similar_ms"] = [t * 1000 for t in similar]
    rss, mixed = mixed_calls(server, snippets, args.calls)
    data["server_cpu_s"] = server.cpu_seconds() - cpu_before
    data["rss_mb"] = rss
    data["mixed_median_ms"] = {k: median(v) * 1000 for k, v in mixed.items()}
    server.close()
    data["spawn_s"] = spawn_times(ours_command(corpus), args.spawns, corpus)
    return data


def measure_peer(corpus: Path, args: argparse.Namespace) -> dict[str, Any]:
    peer_script = None if args.no_peer else install_peer()
    if peer_script is None:
        return {}
    spawns = spawn_times(peer_command(peer_script, corpus), args.spawns, corpus)
    peer = Rpc(peer_command(peer_script, corpus), cwd=corpus)
    peer.initialize()
    searches, _ = peer_times(peer, min(args.rounds, 100))
    peer.close()
    return {"peer_spawn_s": spawns, "peer_search_ms": [t * 1000 for t in searches]}


def _ratio(peer_value: float, ours_value: float) -> str:
    return f" ({peer_value / ours_value:.1f}x ours)" if peer_value and ours_value else ""


def _round_trip(values_ms: list[float]) -> str:
    return f"{median(values_ms):.1f} ms ({p90(values_ms):.1f} ms)"


def markdown(payload: dict) -> str:  # type: ignore[type-arg]
    """The results table, from a saved payload (bench/tables.py renders bench/README.md)."""
    index, spawn, searches = payload["index"], payload["spawn_s"], payload["search_ms"]
    peer_spawn, peer_search = payload.get("peer_spawn_s", []), payload.get("peer_search_ms", [])
    similar, (recalled, snippets) = payload["similar_ms"], payload["similar_recalled"]
    rss = {int(calls): mb for calls, mb in payload["rss_mb"].items()}
    last = max(rss)
    half = min(rss, key=lambda count: abs(count - last / 2))
    label = "cold build" if payload["cold"] else "catch-up on start"
    rows = [
        [
            f"index ready after start ({label})",
            f"{payload['index_ready_seconds']:.1f} s ({index['files']:,} files, "
            f"{index['symbols']:,} symbols)",
            "",
            "",
        ],
        [
            f"spawn to `initialize` response, median of {len(spawn)}",
            f"{median(spawn):.2f} s",
            f"{median(peer_spawn):.2f} s" if peer_spawn else "",
            "<= 1.0 s",
        ],
        [
            f"`search_symbols` round trip, median (p90) of {len(searches)}",
            _round_trip(searches),
            f"`search_code_advanced`: {_round_trip(peer_search)}"
            f"{_ratio(median(peer_search), median(searches))}"
            if peer_search
            else "",
            "<= 10 ms",
        ],
        [
            f"`find_similar` round trip, median (p90) of {len(similar)}",
            f"{_round_trip(similar)}; the original found for {recalled} of {snippets} "
            "disguised functions"
            if similar
            else f"n/a: {payload.get('similar_note')}",
            "no equivalent",
            "<= 50 ms",
        ],
        [
            f"server RSS after {last:,} mixed calls",
            f"{rss[last]:.0f} MB; {rss[last] - rss[half]:+.1f} MB over the last {last - half}",
            "",
            "<= 500 MB, no growth",
        ],
        ["server CPU (user+sys) over those calls", f"{payload['server_cpu_s']:.1f} s", "", ""],
    ]
    if "traffic" in payload:
        rows += [
            [measure, value, "", target]
            for measure, value, target in mcp_traffic.rows(payload["traffic"])
        ]
    columns = ["Measure", "`code-index mcp`", f"code-index-mcp {PEER_VERSION} (peer)", "Target"]
    return table(columns, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--spawns", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=300, help="search/similar round trips")
    parser.add_argument("--calls", type=int, default=1000, help="mixed calls for the RSS check")
    parser.add_argument(
        "--rebuild", action="store_true", help="delete the corpus index first (cold build)"
    )
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--json", type=Path, help="also save the raw figures here")
    parser.add_argument("--no-traffic", action="store_true", help="skip bench/mcp_traffic.py")
    mcp_traffic.add_arguments(parser)
    args = parser.parse_args(argv)

    corpus = args.corpus.resolve()
    prepare_corpus(corpus)
    payload: dict[str, Any] = {"machine": machine()}
    payload.update(measure_ours(corpus, args))
    payload.update(measure_peer(corpus, args))
    if not args.no_traffic:
        payload["traffic"] = mcp_traffic.run(corpus, args)
    print(markdown(payload))
    if args.json:
        save(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
