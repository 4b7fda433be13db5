"""Freshness benchmarks (issue 5) on a copy of the standard library. Not a test: run by hand.

1. save -> visible: `code-index watch` runs in its own process; this process saves a file
   with a new function and searches (as another process would) until the symbol shows.
   Target: p95 <= 0.5 s over 100 edits.
2. commits while another process searches in a loop: hot-path refreshes (no merge) of big
   stdlib files, with merges of the segments they leave running beside them, each timed.
   Target: no commit over 1 s. For contrast, one optimize (merging everything at once).
3. watcher idle CPU: `code-index watch` on the corpus with nothing changing, CPU time over
   the window (a backstop rescan included). Target: <= 1 %.

  python bench/watch_bench.py [--root /tmp/stdlib-watch] [--edits 100] [--idle 60]
"""

from __future__ import annotations

import argparse
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
from pathlib import Path

import psutil

from codeindex import storage
from codeindex.api import CodeIndex
from codeindex.storage import merging
from codeindex.watcher import active_watcher

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


def stop_reader(reader: subprocess.Popen[str], stop: Path) -> str:
    stop.touch()
    out, _ = reader.communicate(timeout=60)
    stop.unlink()
    searches, errors, slowest = out.split()
    return f"reader: {searches} searches, {errors} errors, slowest {slowest} ms"


def save_to_visible(root: Path, edits: int) -> tuple[list[float], list[float]]:
    """End-to-end latencies, and the watcher's own batch times (from its output lines)."""
    watch = start_watch(root)
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
    finally:
        watch.send_signal(2)
        watch.wait(30)
        code_index.close()
    return latencies, batch_ms


def commits_under_reader(root: Path, edits: int) -> None:
    """Hot commits of big stdlib files, merges running beside them as the watcher runs them
    (a thread; the merge itself holds no lock, only its publish does)."""
    stop = root.parent / "watch-bench-stop"
    code_index = CodeIndex.open(root)
    reader = start_reader(root, stop)
    files = sorted(
        p.relative_to(root).as_posix() for p in root.glob("*.py") if p.stat().st_size > 20_000
    )[:20]
    originals = {relative: (root / relative).read_bytes() for relative in files}
    rng = random.Random(7)
    hot: list[float] = []
    merges: list[float] = []
    publishes: list[float] = []
    real_publish = merging.publish_merge

    def timed_publish(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return real_publish(*args, **kwargs)
        finally:
            publishes.append(time.perf_counter() - started)

    merging.publish_merge = timed_publish

    def merge() -> None:
        started = time.perf_counter()
        if code_index._store.merge_small_segments():
            merges.append(time.perf_counter() - started)

    merger: threading.Thread | None = None
    try:
        for edit in range(edits):
            relative = rng.choice(files)
            path = root / relative
            path.write_text(
                path.read_text(encoding="utf-8") + f"\ndef bench_hot_{edit}(): pass\n",
                encoding="utf-8",
            )
            started = time.perf_counter()
            report = code_index.refresh(paths=[relative], merge=False)
            hot.append(time.perf_counter() - started)
            assert report is not None and report.indexed == 1
            if edit % 10 == 9 and (merger is None or not merger.is_alive()):
                merger = threading.Thread(target=merge)
                merger.start()
            time.sleep(0.05)
        if merger is not None:
            merger.join()
        print("  " + stop_reader(reader, stop))
        print(summary("hot commit (no merge), big file", hot) + "   target max <= 1000 ms")
        print(summary("background merge (no lock held)", merges))
        print(summary("  its publish under the lock", publishes))
        started = time.perf_counter()
        code_index._store.writer().optimize()
        print(f"{'optimize, for contrast':<34} {time.perf_counter() - started:7.1f} s")
    finally:
        merging.publish_merge = real_publish
        if reader.poll() is None:
            reader.kill()
        for relative, data in originals.items():  # leave the corpus as we found it
            (root / relative).write_bytes(data)
        code_index.refresh()
        code_index.close()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/stdlib-watch"))
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle to measure")
    args = parser.parse_args()
    root = args.root.resolve()
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

    print("1. save -> visible in a search from another process")
    latencies, batches = save_to_visible(root, args.edits)
    print(summary("save -> visible", latencies) + "   target p95 <= 500 ms")
    print(summary("  of which the watcher's batch", batches) + "   (after a 200 ms debounce)")

    print("2. commits while another process searches in a loop (target: none over 1 s)")
    commits_under_reader(root, args.edits)

    print(f"3. watcher idle on the corpus for {args.idle:g} s")
    print(f"watcher idle CPU                   {idle_cpu(root, args.idle):.2f} %   target <= 1 %")

    for path in (root / BENCH_DIR).glob("*.py"):
        path.unlink()
    (root / BENCH_DIR).rmdir()


if __name__ == "__main__":
    main()
