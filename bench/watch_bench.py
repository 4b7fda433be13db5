"""Freshness benchmarks (issue 5) on a copy of the standard library. Not a test: run by hand.

1. save -> visible: `code-index watch` runs in its own process; this process saves a file
   with a new function and searches (as another process would) until the symbol shows.
   Target: p95 <= 0.5 s over 100 edits.
2. commits while another process searches in a loop: hot-path refreshes (no merge) of big
   stdlib files, with merges of the segments they leave running beside them, each timed.
   Target: no commit over 1 s. For contrast, one optimize (merging everything at once).
3. watcher idle CPU: `code-index watch` on the corpus with nothing changing, CPU time over
   the window (a backstop rescan included). Target: <= 1 %.

  python bench/watch_bench.py [--root /tmp/stdlib-watch] [--edits 100] [--idle 60] \
      [--json bench/results/watch_bench.json]

Besides the wall figures, the CPU time (user+sys) of the watcher over the edits and of the
committing thread per commit, the steadier figures on a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import statistics
import subprocess
import sys
import sysconfig
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import machine, save, table  # noqa: E402

from codeindex import storage  # noqa: E402
from codeindex.api import CodeIndex  # noqa: E402
from codeindex.storage import merging  # noqa: E402
from codeindex.watcher import active_watcher  # noqa: E402

Figures = dict[str, object]

BENCH_DIR = "zz_watch_bench"
READER = """
import sys, time
from pathlib import Path
from codeindex.api import CodeIndex
code_index = CodeIndex.open(Path(sys.argv[1]))
stop, searches, errors, slowest = Path(sys.argv[2]), 0, 0, 0.0
queries = ["user", "get*", "parse kind:function", "Request", "bench_edit"]
while not stop.exists():
    started = time.perf_counter()
    try:
        code_index.search(queries[searches % len(queries)], limit=20)
    except Exception as exc:
        errors += 1
        print(f"reader error: {type(exc).__name__}: {exc}", file=sys.stderr)
    slowest = max(slowest, time.perf_counter() - started)
    searches += 1
print(searches, errors, round(slowest * 1000, 1))
"""


def ensure_corpus(root: Path) -> None:
    if (root / "os.py").exists():
        return
    root.mkdir(parents=True, exist_ok=True)
    stdlib = sysconfig.get_paths()["stdlib"]
    subprocess.run(
        f"(cd {stdlib} && tar cf - --exclude=site-packages --exclude=__pycache__ .)"
        f" | tar xf - -C {root}",
        shell=True,
        check=True,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    if not ms:
        return f"{name:<34} n=0"
    return (
        f"{name:<34} n={len(ms):<4} median {statistics.median(ms):7.1f} ms   "
        f"p95 {percentile(ms, 0.95):7.1f} ms   max {max(ms):7.1f} ms"
    )


def start_watch(root: Path) -> subprocess.Popen[str]:
    script = Path(sys.executable).parent / "code-index"
    process = subprocess.Popen(
        [str(script), "watch", "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # the start reconcile
    print(f"  watch started: {line.strip()}")
    return process


def start_reader(root: Path, stop: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(READER), str(root), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )


def stop_reader(reader: subprocess.Popen[str], stop: Path) -> dict[str, float]:
    stop.touch()
    out, _ = reader.communicate(timeout=60)
    stop.unlink()
    searches, errors, slowest = out.split()
    print(f"  reader: {searches} searches, {errors} errors, slowest {slowest} ms")
    return {"searches": int(searches), "errors": int(errors), "slowest_ms": float(slowest)}


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def save_to_visible(root: Path, edits: int) -> Figures:
    """End-to-end latencies, the watcher's own batch times (from its output lines) and the
    watcher's CPU time over the edits."""
    watch = start_watch(root)
    watcher = psutil.Process(watch.pid)
    cpu_before = cpu_seconds(watcher)
    batch_ms: list[float] = []

    def collect() -> None:
        assert watch.stdout is not None
        for line in watch.stdout:
            if " in " in line and line.rstrip().endswith(" ms"):
                batch_ms.append(float(line.rsplit(" in ", 1)[1].split()[0]) / 1000)

    threading.Thread(target=collect, daemon=True).start()
    code_index = CodeIndex.open(root)  # another process than the watcher's
    assert active_watcher(code_index._store), "the watcher should hold the index"
    (root / BENCH_DIR).mkdir(exist_ok=True)
    latencies = []
    rng = random.Random(5)
    try:
        for edit in range(edits):
            name = f"bench_edit_{edit}_{rng.randrange(10**6)}"
            target = root / BENCH_DIR / f"m{edit % 7}.py"
            generation = code_index._store.generation()
            started = time.perf_counter()
            target.write_text(f"def {name}(value):\n    return value\n", encoding="utf-8")
            while True:
                # Search again only when a commit landed: a reader that searched in a busy
                # loop would take the CPU the watcher needs (2 cores here).
                latest = code_index._store.generation()
                if latest != generation:
                    generation = latest
                    if any(h.symbol.name == name for h in code_index.search(name).hits):
                        break
                if time.perf_counter() - started > 10:
                    raise SystemExit(f"edit {edit} not visible after 10 s")
                time.sleep(0.005)
            latencies.append(time.perf_counter() - started)
            time.sleep(rng.uniform(0.05, 0.3))  # people do not save 100 times a second
        watcher_cpu = cpu_seconds(watcher) - cpu_before
    finally:
        watch.send_signal(2)
        watch.wait(30)
        code_index.close()
    print(summary("save -> visible", latencies) + "   target p95 <= 500 ms")
    print(summary("  of which the watcher's batch", batch_ms) + "   (after a 200 ms debounce)")
    print(f"{'  watcher CPU over the edits':<34} {watcher_cpu:7.2f} s")
    return {"visible_s": latencies, "batch_s": batch_ms, "watcher_cpu_s": watcher_cpu}


@contextlib.contextmanager
def timed_publishes() -> Iterator[list[float]]:
    """The seconds of each merge's publish (the only part that holds the lock) meanwhile."""
    publishes: list[float] = []
    real_publish = merging.publish_merge

    def timed_publish(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return real_publish(*args, **kwargs)
        finally:
            publishes.append(time.perf_counter() - started)

    merging.publish_merge = timed_publish
    try:
        yield publishes
    finally:
        merging.publish_merge = real_publish


def hot_commits(code_index: CodeIndex, root: Path, files: list[str], edits: int) -> Figures:
    """Each commit's wall and committing-thread CPU time, with a merge started every tenth
    commit in a thread (as the watcher runs them) and its time."""
    rng = random.Random(7)
    hot: list[float] = []
    hot_cpu: list[float] = []
    merges: list[float] = []

    def merge() -> None:
        started = time.perf_counter()
        if code_index._store.merge_small_segments():
            merges.append(time.perf_counter() - started)

    merger: threading.Thread | None = None
    for edit in range(edits):
        relative = rng.choice(files)
        path = root / relative
        path.write_text(
            path.read_text(encoding="utf-8") + f"\ndef bench_hot_{edit}(): pass\n",
            encoding="utf-8",
        )
        started, started_cpu = time.perf_counter(), time.thread_time()
        report = code_index.refresh(paths=[relative], merge=False)
        hot.append(time.perf_counter() - started)
        hot_cpu.append(time.thread_time() - started_cpu)
        assert report is not None and report.indexed == 1
        if edit % 10 == 9 and (merger is None or not merger.is_alive()):
            merger = threading.Thread(target=merge)
            merger.start()
        time.sleep(0.05)
    if merger is not None:
        merger.join()
    return {"commit_s": hot, "commit_cpu_s": hot_cpu, "merge_s": merges}


def commits_under_reader(root: Path, edits: int) -> Figures:
    """Hot commits of big stdlib files, merges running beside them as the watcher runs them
    (a thread; the merge itself holds no lock, only its publish does)."""
    stop = root.parent / "watch-bench-stop"
    code_index = CodeIndex.open(root)
    reader = start_reader(root, stop)
    files = sorted(
        p.relative_to(root).as_posix() for p in root.glob("*.py") if p.stat().st_size > 20_000
    )[:20]
    originals = {relative: (root / relative).read_bytes() for relative in files}
    try:
        with timed_publishes() as publishes:
            figures = hot_commits(code_index, root, files, edits)
        figures["publish_s"] = publishes
        figures["reader"] = stop_reader(reader, stop)
        for name, key in (
            ("hot commit (no merge), big file", "commit_s"),
            ("  its CPU (committing thread)", "commit_cpu_s"),
            ("background merge (no lock held)", "merge_s"),
            ("  its publish under the lock", "publish_s"),
        ):
            print(summary(name, figures[key]))  # type: ignore[arg-type]
        started = time.perf_counter()
        code_index._store.writer().optimize()
        figures["optimize_s"] = time.perf_counter() - started
        print(f"{'optimize, for contrast':<34} {figures['optimize_s']:7.1f} s")
    finally:
        if reader.poll() is None:
            reader.kill()
        for relative, data in originals.items():  # leave the corpus as we found it
            (root / relative).write_bytes(data)
        code_index.refresh()
        code_index.close()
    return figures


def idle_cpu(root: Path, seconds: float) -> float:
    watch = start_watch(root)
    try:
        process = psutil.Process(watch.pid)
        time.sleep(2)  # let start-up settle
        before = process.cpu_times()
        started = time.monotonic()
        time.sleep(seconds)
        after = process.cpu_times()
        elapsed = time.monotonic() - started
    finally:
        watch.send_signal(2)
        watch.wait(30)
    used = (after.user - before.user) + (after.system - before.system)
    return 100 * used / elapsed


def _spread(seconds: list[float]) -> str:
    ms = [1000 * s for s in seconds]
    median, p95 = statistics.median(ms), percentile(ms, 0.95)
    return f"median {median:.0f} ms, p95 {p95:.0f} ms, max {max(ms):.0f} ms"


def markdown(payload: dict) -> str:  # type: ignore[type-arg]
    """The results table, from a saved payload (bench/tables.py renders bench/README.md)."""
    visible, commits, reader = payload["visible"], payload["commits"], payload["commits"]["reader"]
    merges, publishes = commits["merge_s"], commits["publish_s"]
    rows = [
        [
            f"Save to the new symbol showing in a search from another process, "
            f"{len(visible['visible_s'])} edits",
            f"{_spread(visible['visible_s'])}; the watcher's refresh: median "
            f"{1000 * statistics.median(visible['batch_s']):.0f} ms, after the 200 ms debounce; "
            f"watcher CPU over the edits {visible['watcher_cpu_s']:.2f} s",
            "p95 <= 0.5 s",
        ],
        [
            f"Commit of a changed big stdlib file while another process searches in a loop, "
            f"{len(commits['commit_s'])} commits",
            f"{_spread(commits['commit_s'])}; CPU median "
            f"{1000 * statistics.median(commits['commit_cpu_s']):.0f} ms; reader: "
            f"{reader['searches']} searches, {reader['errors']} errors",
            "none over 1 s",
        ],
        [
            "Merge of small segments beside those commits",
            f"median {statistics.median(merges):.2f} s, max {max(merges):.2f} s, holding no "
            f"lock; its publish: {_spread(publishes)}"
            if merges
            else "no merge ran",
            "no stall",
        ],
        ["Optimize (one merge of everything), for contrast", f"{commits['optimize_s']:.1f} s", ""],
        [
            f"Watcher idle on the corpus, {payload['idle_seconds']:g} s (inotify)",
            f"{payload['idle_cpu_percent']:.2f} % CPU",
            "<= 1 %",
        ],
    ]
    corpus = payload["corpus"]
    return (
        f"A copy of the standard library, {corpus['files']:,} files, "
        f"{corpus['symbols']:,} symbols.\n\n" + table(["Measure", "Result", "Target"], rows)
    )


def prepare(root: Path) -> dict[str, int]:
    ensure_corpus(root)
    try:
        code_index = CodeIndex.open(root)
    except storage.IndexError_:  # an index of an older format: start over
        code_index = CodeIndex.open(root, rebuild=True)
    report = code_index.refresh()
    status = code_index.status()
    code_index.close()
    print(
        f"code-index watch bench, {time.strftime('%Y-%m-%d')}, {platform.node()}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"corpus {root}: {status['files']} files, {status['symbols']} symbols ({report})")
    return {"files": status["files"], "symbols": status["symbols"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/stdlib-watch"))
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle to measure")
    parser.add_argument("--json", type=Path, help="also save the raw figures here")
    args = parser.parse_args()
    root = args.root.resolve()
    started_on = machine()  # the load when the run starts, not when it is saved
    payload: dict[str, object] = {"machine": started_on, "corpus": prepare(root)}
    payload["idle_seconds"] = args.idle

    print("1. save -> visible in a search from another process")
    payload["visible"] = save_to_visible(root, args.edits)

    print("2. commits while another process searches in a loop (target: none over 1 s)")
    payload["commits"] = commits_under_reader(root, args.edits)

    print(f"3. watcher idle on the corpus for {args.idle:g} s")
    payload["idle_cpu_percent"] = idle_cpu(root, args.idle)
    print(f"watcher idle CPU                   {payload['idle_cpu_percent']:.2f} %   target <= 1 %")

    for path in (root / BENCH_DIR).glob("*.py"):
        path.unlink()
    (root / BENCH_DIR).rmdir()
    print("\n" + markdown(payload))
    if args.json:
        save(args.json, payload)


if __name__ == "__main__":
    main()
