"""`dups` and `similar` on a big tree (issue 21: the 5M-line corpus): wall time, CPU time and
peak memory of whole CLI processes, optionally against an older checkout, alternating.

    python bench/clones_scale.py /tmp/big [--old-code DIR --old-root /tmp/big-old]
        [--rounds 3] [--json bench/results/clones_scale.json]

ROOT is an indexed copy of /work/corpora/big (bench/corpora.py; never index it in place).
--old-code is an exported checkout (`git archive COMMIT | tar -x -C DIR`) put first on
PYTHONPATH; it gets its own indexed copy (--old-root) since the clone table's file format
may differ between the two. One unmeasured run of each command first builds the clone
table and the sketch cache. Peak memory is the child's maximum resident set (wait4), CPU
its user + system time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import machine, save, table  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SNIPPET = REPO / "fixtures" / "clones" / "python" / "original.py"
# Issue 21, item 7.
TARGETS = {"dups": (10.0, 600), "similar": (1.0, 400)}
LAUNCH = "import sys; from codeindex.launcher import main; sys.exit(main())"


def commands(root: Path) -> dict[str, list[str]]:
    return {
        "dups": ["dups", "--root", str(root), "--json"],
        "similar": ["similar", "--root", str(root), str(SNIPPET)],
    }


def run(code: Path, arguments: list[str]) -> dict[str, float]:
    """One CLI process: wall seconds, CPU seconds, peak RSS in MB."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *arguments],
        env=env,
        cwd="/",  # not the checkout: its directory would come before PYTHONPATH's
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    error = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode not in (0, 1):
        raise SystemExit(f"{arguments[0]} failed ({child.returncode}): {error.decode()[-2000:]}")
    return {
        "wall": round(wall, 3),
        "cpu": round(usage.ru_utime + usage.ru_stime, 3),
        "rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--code", type=Path, default=REPO, help="checkout measured (default: this)")
    parser.add_argument("--old-code", type=Path)
    parser.add_argument("--old-root", type=Path)
    parser.add_argument("--label", default="new", help="what --code is, for the table")
    parser.add_argument("--old-label", default="old")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sides = {"new": (args.code, args.root)}
    if args.old_code:
        sides["old"] = (args.old_code, args.old_root or args.root)
    started = machine()  # the load when the runs begin, not when they are saved
    runs: dict[str, dict[str, list[dict[str, float]]]] = {s: {} for s in sides}
    for code, root in sides.values():
        for arguments in commands(root).values():
            run(code, arguments)  # builds the clone table and the sketch cache
    for _ in range(args.rounds):
        for name in TARGETS:
            for side, (code, root) in sides.items():
                runs[side].setdefault(name, []).append(run(code, commands(root)[name]))
                print(side, name, runs[side][name][-1], file=sys.stderr)
    payload: dict[str, object] = {
        "root": str(args.root),
        "rounds": args.rounds,
        "labels": {"new": args.label, "old": args.old_label},
        "runs": runs,
        "machine": started,
    }
    print(markdown(payload))
    if args.json:
        save(args.json, payload)
    return 0


def markdown(payload: dict) -> str:  # type: ignore[type-arg]
    """The table this bench prints, from its saved payload (bench/tables.py uses it too)."""
    runs = payload["runs"]
    rows = []
    for name, (wall_target, rss_target) in TARGETS.items():
        for side in ("old", "new"):
            measured = runs.get(side, {}).get(name)
            if not measured:
                continue
            wall, cpu, rss = (
                statistics.median(m[k] for m in measured) for k in ("wall", "cpu", "rss_mb")
            )
            rows.append(
                [
                    f"`{name}`",
                    payload["labels"][side],
                    f"{wall:.2f} s",
                    f"{cpu:.2f} s",
                    f"{rss:.0f} MB",
                    f"≤ {wall_target:g} s, ≤ {rss_target} MB",
                ]
            )
    return "\n".join(
        [
            f"Whole CLI processes on a copy of the big corpus (`{payload['root']}`, indexed), "
            f"{payload['rounds']} alternating round(s) per command, medians.",
            "",
            table(["command", "code", "wall", "CPU", "peak RSS", "target"], rows),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
