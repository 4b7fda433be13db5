"""Cold-index cost of clone fingerprinting: `index --rebuild` of a corpus with fingerprints on
and off (the indexer's hook replaced by one returning nothing), alternating, medians.

    python bench/clones_overhead.py /tmp/stdlib-clones [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from codeindex import indexer
from codeindex.api import CodeIndex


def cold_index(root: Path, fingerprints: bool) -> float:
    original = indexer.unit_fingerprints
    if not fingerprints:
        indexer.unit_fingerprints = lambda extraction, spec: {}  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        code_index = CodeIndex.open(root, rebuild=True)
        code_index.refresh()
        code_index.close()
        return time.perf_counter() - started
    finally:
        indexer.unit_fingerprints = original


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    on: list[float] = []
    off: list[float] = []
    for _ in range(args.rounds):
        off.append(cold_index(args.root, False))
        on.append(cold_index(args.root, True))
    base, with_fp = statistics.median(off), statistics.median(on)
    print(
        f"cold index without fingerprints: median {base:.2f}s  {sorted(round(x, 2) for x in off)}"
    )
    print(
        f"cold index with fingerprints:    median {with_fp:.2f}s  {sorted(round(x, 2) for x in on)}"
    )
    print(f"overhead: {100 * (with_fp / base - 1):.0f}% (target <= 30%)")


if __name__ == "__main__":
    main()
