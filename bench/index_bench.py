"""Index benchmarks (issue 2) on a copy of the stdlib, with same-run references and ratios.

Each run measures, in this order, on the same copy:
  ours    cold `code-index index --rebuild` (wall, whole process), a no-change
          `code-index index`, `code-index user --json` (whole process), in-process
          `CodeIndex.search` over a set of queries, and peak RSS during a second cold build;
  refs    `ctags -R`, tree-sitter parse-only (1 and 2 processes), our `extract()` alone
          (1 process; shows where cold-build time goes), and code-index-mcp 2.17.1's deep
          index build (its own venv under bench/.peers/).
Ratios (ours / reference) are taken within each run, then the median over runs is reported,
so that load from other users of the machine hits both sides of a ratio alike.

    python bench/index_bench.py [--runs N] [--quick] [--no-peer] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _corpus  # noqa: E402
from _results import machine, save, table  # noqa: E402

from codeindex.api import CodeIndex  # noqa: E402
from codeindex.extract import extract  # noqa: E402
from codeindex.languages import spec_by_name, ts_language  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
PEER_VERSION = "2.17.1"
# Same folder as bench/mcp_bench.py uses, so one install serves both.
PEER_DIR = BENCH_DIR / ".peers" / f"code-index-mcp-{PEER_VERSION}"
PEER_REQUIREMENT = f"code-index-mcp=={PEER_VERSION}"
CODE_INDEX = Path(sys.executable).parent / "code-index"
CTAGS = shutil.which("ctags") or "/usr/bin/ctags"
QUERIES = ("user", "parse", "get_*", "HTTPServer", "json decode", "read_file", "recieve")
RSS_POLL_SECONDS = 0.01
MB = 1024 * 1024

# The peer's own entry point for `build_deep_index` is an MCP tool that resolves to
# IndexManagementService._execute_rebuild_workflow: set_project_path on the request's
# SQLiteIndexManager, then refresh_index() (a forced rebuild plus load). We call exactly that
# (the service only adds reading the project's settings file, which does not exist here).
PEER_DRIVER = """
import json, sys, time
from code_index_mcp.indexing import get_index_manager
manager = get_index_manager()
if not manager.set_project_path(sys.argv[1]):
    sys.exit("set_project_path failed")
started = time.perf_counter()
ok = manager.refresh_index()
seconds = time.perf_counter() - started
stats = manager.get_index_stats()
print(json.dumps({"ok": ok, "seconds": seconds, "files": stats.get("indexed_files"),
                  "symbols": stats.get("total_symbols")}))
"""


@dataclass
class Measure:
    label: str
    unit: str  # "s", "ms", "MB" or "x" (a ratio)
    target: float | None = None  # upper bound
    values: list[float] = field(default_factory=list)
    note: str = ""

    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    def verdict(self) -> str:
        median = self.median()
        if self.target is None or median is None:
            return ""
        return "pass" if median <= self.target else "FAIL"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "ms":
        return f"{value:.2f} ms"
    return f"{value:.2f} s"


# -- process helpers ------------------------------------------------------------------------


def run_process(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, stdout) of a whole process, start to exit.

    CPU is user+sys from wait4(), which covers the process and every descendant it waited
    for (our worker processes). It moves less than wall time when others load the machine,
    but it does move (shared caches, hypervisor steal), so read it as a cross-check.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {stderr[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, stdout


def run_timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    return run_process(command, cwd, env)[0]


def run_peak_rss(command: list[str], cwd: Path) -> tuple[float, float]:
    """(peak of the summed RSS of the process tree, peak RSS of its largest process), in MB.

    psutil polls every 10 ms. The tree sum counts pages that forked workers share with the
    parent once per process, so it is an upper bound. (Not wait4()'s ru_maxrss: Linux carries
    the forking process's high-water mark across exec, so it reports this script's own size.)
    """
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = single = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak, single
        try:
            root = psutil.Process(process.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            total = 0
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for member in tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    rss = member.memory_info().rss
                    total += rss
                    single = max(single, rss)
            peak = max(peak, total)
            stop.wait(RSS_POLL_SECONDS)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    returncode = process.wait()
    stop.set()
    poller.join()
    if returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {returncode}")
    return peak / MB, single / MB


# -- references -----------------------------------------------------------------------------


def _parse_files(paths: list[str]) -> int:
    """Read and parse with tree-sitter, nothing else (module level so a Pool can call it)."""
    import tree_sitter

    parser = tree_sitter.Parser(ts_language("python"))
    nodes = 0
    for path in paths:
        nodes += parser.parse(Path(path).read_bytes()).root_node.descendant_count
    return nodes


def _shards(corpus: _corpus.Corpus, count: int) -> list[list[str]]:
    """Balanced by bytes, biggest first, like the indexer's own sharding."""
    shards: list[list[str]] = [[] for _ in range(count)]
    loads = [0] * count
    sized = [(corpus.absolute(p).stat().st_size, str(corpus.absolute(p))) for p in corpus.files]
    for size, path in sorted(sized, reverse=True):
        lightest = loads.index(min(loads))
        shards[lightest].append(path)
        loads[lightest] += size
    return shards


def parse_only(corpus: _corpus.Corpus, processes: int) -> float:
    """Wall time to read and parse every file; with a fork pool, pool start and join count."""
    shards = _shards(corpus, processes)
    started = time.perf_counter()
    if processes == 1:
        _parse_files(shards[0])
    else:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            pool.map(_parse_files, shards)
    return time.perf_counter() - started


def extract_only(corpus: _corpus.Corpus) -> float:
    """Our symbol extraction alone (parse + query + symbols), one process, no store."""
    spec = spec_by_name("python")
    paths = [(p, corpus.absolute(p)) for p in corpus.files]
    started = time.perf_counter()
    for relative, absolute in paths:
        extract(absolute.read_bytes(), spec, relative)
    return time.perf_counter() - started


def ensure_peer() -> tuple[Path | None, str]:
    """The peer's python, installing it into bench/.peers/ on first use; or why not."""
    python = PEER_DIR / "bin" / "python"
    probe = [str(python), "-c", "import code_index_mcp.indexing"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python, ""
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEER_DIR)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", PEER_REQUIREMENT],
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        return None, f"installing {PEER_REQUIREMENT} failed: {(exc.stderr or '')[-500:]}"
    if subprocess.run(probe, capture_output=True).returncode != 0:
        return None, f"{PEER_REQUIREMENT} installed but code_index_mcp.indexing does not import"
    return python, ""


def peer_build(python: Path, corpus: _corpus.Corpus) -> tuple[float, float, dict[str, object]]:
    """(build seconds as the peer times it, whole process seconds, its stats)."""
    # A fresh TMPDIR per run: the peer keeps its SQLite index under tempfile.gettempdir(),
    # so every run is cold and nothing is left behind outside our temp folder.
    with tempfile.TemporaryDirectory(prefix="peer-tmp-") as scratch:
        # PYTHONPATH may point at an exported codeindex (see _corpus.code_under_test).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["TMPDIR"] = scratch
        whole, cpu, stdout = run_process(
            [str(python), "-c", PEER_DRIVER, str(corpus.root)], corpus.root, env
        )
    result = json.loads(stdout.strip().splitlines()[-1])
    if not result["ok"]:
        raise RuntimeError(f"code-index-mcp build reported failure: {result}")
    result["cpu"] = cpu
    return float(result["seconds"]), whole, result


# -- ours -----------------------------------------------------------------------------------


def search_times(root: Path, repeats: int) -> dict[str, list[float]]:
    """Milliseconds per `CodeIndex.search` call, per query, after one warm-up call each."""
    code_index = CodeIndex.open(root)
    times: dict[str, list[float]] = {}
    try:
        for text in QUERIES:
            code_index.search(text)
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                code_index.search(text)
                samples.append((time.perf_counter() - started) * 1000)
            times[text] = samples
    finally:
        code_index.close()
    return times


def wait_for_idle(timeout: float, busy_below: float = 25.0) -> float:
    """Wait up to `timeout` s for a 2 s window in which all CPUs together are less than
    `busy_below` % busy; returns the last window's busy %. Other people's test runs on a
    shared 2-core machine otherwise decide our wall times."""
    deadline = time.monotonic() + timeout
    while True:
        busy = psutil.cpu_percent(interval=2.0)
        if busy < busy_below or time.monotonic() >= deadline:
            return busy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run, fewer search repeats")
    parser.add_argument("--no-peer", action="store_true", help="skip code-index-mcp")
    parser.add_argument("--search-repeats", type=int, default=30)
    parser.add_argument("--json", type=Path, help="also write raw figures here")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each run, wait up to SECONDS for the machine to be idle (shared machines)",
    )
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    repeats = 5 if args.quick else args.search_repeats

    info = machine()
    peer_python, peer_reason = (None, "skipped (--no-peer)") if args.no_peer else ensure_peer()
    corpus = _corpus.copy_stdlib()
    print(
        f"{info['date']}  {info['cpus']} CPUs  {info['memory_gb']} GB  "
        f"Python {info['python']}  load {info['load_avg_start']}"
    )
    size = corpus.bytes / MB
    print(f"codeindex: {_corpus.code_under_test()}")
    print(f"corpus: {len(corpus.files)} .py files, {corpus.lines} lines, {size:.1f} MB")

    m = {
        "cold": Measure("cold `code-index index --rebuild`", "s", 6.0),
        "cold_cpu": Measure("cold build CPU, user+sys of all its processes", "s"),
        "refresh": Measure("no-change `code-index index`", "s", 0.5),
        "cli_search": Measure("`code-index user --json` (whole process)", "s", 0.35),
        "search": Measure("in-process `CodeIndex.search` (all queries)", "ms", 5.0),
        "rss": Measure("peak RSS while indexing (tree sum)", "MB", 400.0),
        "rss_single": Measure("peak RSS, largest single process", "MB"),
        "ctags": Measure("ref: `ctags -R`", "s"),
        "parse1": Measure("ref: tree-sitter parse-only, 1 process", "s"),
        "parse2": Measure("ref: tree-sitter parse-only, 2 processes", "s"),
        "extract1": Measure("ref: our extract() only, 1 process", "s"),
        "peer": Measure("ref: code-index-mcp build_deep_index", "s"),
        "peer_whole": Measure("ref: code-index-mcp, whole process", "s"),
        "peer_cpu": Measure("ref: code-index-mcp CPU, user+sys, whole process", "s"),
        "r_peer": Measure("ratio cold / code-index-mcp", "x", 0.2),
        "r_peer_cpu": Measure("ratio cold CPU / code-index-mcp CPU", "x"),
        "r_ctags": Measure("ratio cold / ctags", "x"),
        "r_parse1": Measure("ratio cold / parse-only 1 proc", "x"),
        "r_parse2": Measure("ratio cold / parse-only 2 procs", "x"),
    }
    per_query: dict[str, list[float]] = {q: [] for q in QUERIES}
    peer_stats: dict[str, object] = {}
    busy_log: list[float] = []
    try:
        for run in range(1, runs + 1):
            # The CLI runs in the copy and finds its root there, as a user would type it.
            busy = wait_for_idle(args.wait_idle)
            busy_log.append(busy)
            cold, cold_cpu, _ = run_process([str(CODE_INDEX), "index", "--rebuild"], corpus.root)
            m["cold"].values.append(cold)
            m["cold_cpu"].values.append(cold_cpu)
            m["refresh"].values.append(run_timed([str(CODE_INDEX), "index"], corpus.root))
            m["cli_search"].values.append(
                run_timed([str(CODE_INDEX), "user", "--json"], corpus.root)
            )
            for text, samples in search_times(corpus.root, repeats).items():
                per_query[text].extend(samples)
            tree_peak, single_peak = run_peak_rss(
                [str(CODE_INDEX), "index", "--rebuild"], corpus.root
            )
            m["rss"].values.append(tree_peak)
            m["rss_single"].values.append(single_peak)
            ctags_file = corpus.root.parent / "tags"
            ctags = run_timed([CTAGS, "-R", "-f", str(ctags_file), "."], corpus.root)
            m["ctags"].values.append(ctags)
            parse1 = parse_only(corpus, 1)
            parse2 = parse_only(corpus, 2)
            m["parse1"].values.append(parse1)
            m["parse2"].values.append(parse2)
            m["extract1"].values.append(extract_only(corpus))
            m["r_ctags"].values.append(cold / ctags)
            m["r_parse1"].values.append(cold / parse1)
            m["r_parse2"].values.append(cold / parse2)
            if peer_python is not None:
                peer, peer_whole, peer_stats = peer_build(peer_python, corpus)
                m["peer"].values.append(peer)
                m["peer_whole"].values.append(peer_whole)
                peer_cpu = float(str(peer_stats["cpu"]))
                m["peer_cpu"].values.append(peer_cpu)
                m["r_peer_cpu"].values.append(cold_cpu / peer_cpu)
                m["r_peer"].values.append(cold / peer)
            print(
                f"run {run}/{runs}: cold {cold:.2f} s; CPU busy before it {busy:.0f}%, "
                f"load average {os.getloadavg()[0]:.2f}",
                file=sys.stderr,
                flush=True,
            )
    finally:
        _corpus.remove(corpus)

    m["search"].values = [t for samples in per_query.values() for t in samples]
    if peer_python is None:
        for key in ("peer", "peer_whole", "peer_cpu", "r_peer", "r_peer_cpu"):
            m[key].note = f"not run: {peer_reason}"
    elif peer_stats:
        m["peer"].note = f"{peer_stats['files']} files, {peer_stats['symbols']} symbols"

    payload: dict[str, object] = {
        "machine": info,
        "runs": runs,
        "measures": {key: asdict(measure) for key, measure in m.items()},
        "per_query_ms": per_query,
        "cpu_busy_percent_before_runs": busy_log,
    }
    print(markdown(payload))
    print(f"load average at end: {[round(x, 2) for x in os.getloadavg()]}")
    if args.json:
        save(args.json, payload)
    failed = [v.label for v in m.values() if v.verdict() == "FAIL"]
    return 1 if failed else 0


def markdown(payload: dict) -> str:  # type: ignore[type-arg]
    """The table this bench prints, from its saved payload (bench/tables.py uses it too)."""
    measures = [Measure(**raw) for raw in payload["measures"].values()]
    rows = []
    for measure in measures:
        spread = (
            f"{fmt(min(measure.values), measure.unit)} – {fmt(max(measure.values), measure.unit)}"
            if measure.values
            else measure.note
        )
        target = f"≤ {fmt(measure.target, measure.unit)}" if measure.target is not None else ""
        rows.append(
            [measure.label, fmt(measure.median(), measure.unit), spread, target, measure.verdict()]
        )
    per_query = payload["per_query_ms"]
    notes = [
        f"{payload['runs']} run(s); medians, min-max over runs; ratios per run, then median.",
        "",
        table(["measure", "median", "min – max", "target", "result"], rows),
        "",
        "In-process search, median per query: "
        + ", ".join(f"`{q}` {statistics.median(s):.2f} ms" for q, s in per_query.items() if s),
    ]
    peer = next((m for m in measures if m.label.startswith("ref: code-index-mcp build")), None)
    if peer is not None and peer.note:
        notes.append(f"code-index-mcp: {peer.note}")
    return "\n".join(notes)


if __name__ == "__main__":
    sys.exit(main())
