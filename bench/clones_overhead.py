"""Cold-index cost of clone fingerprinting: `index --rebuild` of a corpus with fingerprints on
and off (the indexer's hook replaced by one returning nothing), alternating; medians, and the
median of each round's ratio. With --stages, instead: where fingerprinting's CPU goes, in one
process over the corpus's files already parsed, in the indexer's batches.

    python bench/clones_overhead.py /tmp/stdlib-clones [--rounds 3] [--stages]
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
from pathlib import Path

from codeindex import indexer
from codeindex.api import CodeIndex
from codeindex.clones import fingerprints, normalize
from codeindex.walker import walk


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the index workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cold_index(root: Path, fingerprints: bool) -> tuple[float, float]:
    original = indexer.fingerprint_files
    if not fingerprints:
        indexer.fingerprint_files = lambda files: [{} for _ in files]  # type: ignore[assignment]
    try:
        started, cpu = time.perf_counter(), _cpu()
        code_index = CodeIndex.open(root, rebuild=True)
        code_index.refresh()
        code_index.close()
        return time.perf_counter() - started, _cpu() - cpu
    finally:
        indexer.fingerprint_files = original


def stages(root: Path) -> None:
    """CPU of fingerprint_files and of its parts (timed by wrapping them) over every file."""
    from codeindex.clones import encode, lexical

    # In this order when printed; a part that never ran is left out.
    labels = ("tree query and masking", "Python from its tokens", "of which strings and comments")
    spent: dict[str, float] = dict.fromkeys((*labels, "tokenising", "encoding", "payloads"), 0.0)

    def timed(module: object, name: str, label: str) -> None:
        function = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - started

        setattr(module, name, wrapper)

    timed(indexer, "fingerprint_files", "all")
    timed(normalize, "mask", "tree query and masking")
    timed(lexical, "tokenised", "Python from its tokens")
    timed(lexical, "_strings_and_comments", "of which strings and comments")
    for module in (encode, lexical):  # each calls the tokeniser by its own name
        timed(module, "tokenise", "tokenising")
    timed(encode, "encode_tokenised", "encoding")
    timed(fingerprints, "_unit_prints", "payloads")
    # The indexer's own reading, parsing and batching, in this one process.
    for _ in indexer.read_files(root, walk(root, indexer.DEFAULT_MAX_FILE_SIZE).files.values()):
        pass
    total = spent.pop("all")
    parts = ", ".join(f"{label} {seconds:.2f} s" for label, seconds in spent.items() if seconds)
    print(f"fingerprinting {total:.2f} s of CPU in one process: {parts}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="where fingerprinting's CPU goes")
    args = parser.parse_args()
    if args.stages:
        gc.disable()  # as in the index's workers
        stages(args.root)
        return
    on: list[tuple[float, float]] = []
    off: list[tuple[float, float]] = []
    for _ in range(args.rounds):
        off.append(cold_index(args.root, False))
        on.append(cold_index(args.root, True))
    for label, runs in (("without fingerprints", off), ("with fingerprints   ", on)):
        walls = sorted(round(w, 2) for w, _ in runs)
        cpus = sorted(round(c, 2) for _, c in runs)
        print(
            f"cold index {label}: wall median {statistics.median(walls):.2f}s {walls}  "
            f"cpu median {statistics.median(cpus):.2f}s {cpus}"
        )
    for i, kind in ((0, "wall"), (1, "cpu")):
        base = statistics.median(run[i] for run in off)
        with_fp = statistics.median(run[i] for run in on)
        # Each round's two builds run back to back, so load from other users of the machine
        # hits both sides of its ratio alike; the median of those ratios drifts less than the
        # ratio of the medians.
        per_round = sorted(round(100 * (a[i] / b[i] - 1)) for a, b in zip(on, off, strict=True))
        print(
            f"overhead ({kind}): {100 * (with_fp / base - 1):.0f}% of the medians, "
            f"{statistics.median(per_round):.0f}% median per round {per_round} (target <= 30%)"
        )


if __name__ == "__main__":
    main()
