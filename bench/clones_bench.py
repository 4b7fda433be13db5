"""Clone detection benchmark: mutation/injection recall and precision (in the manner of Roy &
Cordy's mutation framework, scored with BigCloneEval's coverage rule), snippet recall@1, and
speed - for code-index and, through the same scorer, jscpd.

    python bench/clones_bench.py /tmp/stdlib-clones [--per-class 60] [--seed 7]

The corpus (a copy of the standard library, see README) is indexed as is; real functions are
picked from it, mutated per class and injected into `zz_injected/`, one function per file.
A copy counts as found when a reported pair of fragments covers at least 70% of the lines of
both the original and the copy. Precision: of the reported pairs that involve an injected
copy, those whose other side lies mostly (>= 50%) inside that copy's original. jscpd runs on
the same corpus with the issue's minimum sizes (50 tokens, 6 lines); jscpd has no snippet
query, so snippet recall is code-index only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import machine, save, table  # noqa: E402
from clones_mutate import (  # noqa: E402
    CLASSES,
    Original,
    blind_similarity,
    mutate,
    pick_originals,
)

from codeindex.api import CodeIndex  # noqa: E402

JSCPD = Path(__file__).resolve().parent / ".peers" / "clones-jscpd" / "node_modules" / ".bin"
INJECTED = "zz_injected"
COVERAGE = 0.7

Fragment = tuple[str, int, int]  # path, first line, last line (1-based, inclusive)


@dataclass(frozen=True, slots=True)
class Injected:
    kind: str
    original: Original
    fragment: Fragment
    text: str


def _overlap(a: Fragment, b: Fragment) -> int:
    if a[0] != b[0]:
        return 0
    return max(0, min(a[2], b[2]) - max(a[1], b[1]) + 1)


def _covers(reported: Fragment, reference: Fragment) -> bool:
    return _overlap(reported, reference) >= COVERAGE * (reference[2] - reference[1] + 1)


def _found(pairs: list[tuple[Fragment, Fragment]], one: Fragment, two: Fragment) -> bool:
    return any(
        (_covers(a, one) and _covers(b, two)) or (_covers(a, two) and _covers(b, one))
        for a, b in pairs
    )


def _precision(
    pairs: list[tuple[Fragment, Fragment]], copies: dict[str, Injected], root: Path
) -> float:
    """Of the pairs with an injected copy, those whose other side is the copy's original, or
    a fragment the neutral oracle (blind token similarity >= 0.7, the same measure that
    defines the "several edits" class) finds similar to it: stdlib functions have real
    siblings, and reporting the copy with them is not an error."""
    involved = correct = 0
    for copy, _, other in _with_copy(pairs, copies):
        involved += 1
        reference = copy.original.fragment
        inside = _overlap(other, reference) >= 0.5 * (other[2] - other[1] + 1)
        if inside or blind_similarity(copy.original.text, _text(root, other)) >= 0.7:
            correct += 1
    return correct / involved if involved else float("nan")


def _with_copy(
    pairs: list[tuple[Fragment, Fragment]], copies: dict[str, Injected]
) -> Iterator[tuple[Injected, Fragment, Fragment]]:
    """Each reported pair that involves an injected copy, once: that copy, its side of the
    pair and the other side."""
    for a, b in pairs:
        for mine, other in ((a, b), (b, a)):
            copy = copies.get(mine[0])
            if copy is not None:
                yield copy, mine, other
                break


def _text(root: Path, fragment: Fragment) -> str:
    lines = (root / fragment[0]).read_text(encoding="utf-8", errors="replace").splitlines()
    return textwrap.dedent("\n".join(lines[fragment[1] - 1 : fragment[2]])) + "\n"


def code_index_pairs(code_index: CodeIndex) -> list[tuple[Fragment, Fragment]]:
    pairs = []
    for group in code_index.duplicates().groups:
        members = [(m.path, m.start_line or m.line, m.end_line) for m in group.members]
        pairs += [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    return pairs


def jscpd_version() -> str:
    """The installed jscpd's own answer (`npm view jscpd version` names the current release;
    install that one into bench/.peers/clones-jscpd/)."""
    try:
        done = subprocess.run(
            [str(JSCPD / "jscpd"), "--version"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"jscpd not runnable ({exc})"
    return done.stdout.strip()


def jscpd_pairs(root: Path) -> tuple[list[tuple[Fragment, Fragment]], float, float]:
    """jscpd's reported pairs, with the wall and CPU seconds of its full scan."""
    with tempfile.TemporaryDirectory() as output:
        argv = [
            str(JSCPD / "jscpd"),
            "--min-tokens",
            "50",
            "--min-lines",
            "6",
            "--mode",
            "weak",  # skip comments: fairest to jscpd on T1
            "--format",
            "python",
            "--reporters",
            "json",
            "--output",
            output,
            "--silent",
            "--no-gitignore",
            "--ignore",
            "**/.code-index/**",
            str(root),
        ]
        wall, cpu, _ = _child_run(argv)
        report = json.loads((Path(output) / "jscpd-report.json").read_text())
    pairs = []
    for duplicate in report["duplicates"]:
        first, second = duplicate["firstFile"], duplicate["secondFile"]
        pairs.append((_fragment(root, first), _fragment(root, second)))
    return pairs, wall, cpu


def _fragment(root: Path, found: dict[str, object]) -> Fragment:
    # jscpd 4 names files as given on its command line (absolute here); jscpd 5 relative to
    # the scanned folder.
    name = Path(str(found["name"]))
    path = (name if name.is_absolute() else root / name).resolve().relative_to(root).as_posix()
    return (path, int(found["start"]), int(found["end"]))  # type: ignore[call-overload]


def _child_run(argv: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of a subprocess: the VM is
    shared, so CPU time is the steadier figure."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def inject(root: Path, originals: dict[str, list[Original]], seed: int) -> list[Injected]:
    target = root / INJECTED
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    rng = random.Random(seed)
    injected = []
    for kind, chosen in originals.items():
        for number, original in enumerate(chosen):
            text = mutate(original, kind, rng)
            if text is None:
                continue
            path = f"{INJECTED}/{kind}_{number}.py"
            (root / path).write_text(text, encoding="utf-8")
            lines = text.rstrip("\n").count("\n") + 1
            injected.append(Injected(kind, original, (path, 1, lines), text))
    return injected


def snippet_recall(code_index: CodeIndex, copies: list[Injected]) -> dict[str, float]:
    hits: dict[str, list[bool]] = {}
    for copy in copies:
        group = "T1/T2" if copy.kind in ("T1", "T2") else "edited"
        result = code_index.similar(copy.text, languages=["python"], limit=1)
        top = result.matches[0].symbol if result.matches else None
        ok = top is not None and _covers(
            (top.path, top.start_line or top.line, top.end_line), copy.original.fragment
        )
        hits.setdefault(group, []).append(ok)
    return {group: sum(v) / len(v) for group, v in hits.items()}


def snippet_latency(code_index: CodeIndex, originals: list[Original]) -> tuple[float, list[float]]:
    texts = [o.text for o in originals]
    started = time.perf_counter()
    code_index.similar(texts[0], languages=["python"])
    cold = time.perf_counter() - started
    timings = []
    for text in texts * 3:
        started = time.perf_counter()
        code_index.similar(text, languages=["python"])
        timings.append(time.perf_counter() - started)
    return cold, timings


def markdown(payload: dict) -> str:  # type: ignore[type-arg]
    """The results table, from a saved payload (bench/tables.py renders bench/README.md)."""
    targets = {"T1": "99%", "T2": "98%", "one edit": "95%", "several edits": "80%"}
    rows = [
        [
            f"Recall, {kind} (n={r['n']})",
            f"{r['code-index']:.0%}",
            f"{r['jscpd']:.0%}",
            f">= {targets[kind]}",
        ]
        for kind, r in payload["recall"].items()
    ]
    precision = payload["precision"]
    rows.append(
        [
            "Precision, pairs with an injected copy",
            f"{precision['code-index']:.0%}",
            f"{precision['jscpd']:.0%}",
            ">= 95%",
        ]
    )
    snippets = payload["snippet_recall_at_1"]
    for group, target in (("T1/T2", "95%"), ("edited", "85%")):
        rows.append(
            [f"Snippet recall@1, {group}", f"{snippets.get(group, 0):.0%}", "n/a", f">= {target}"]
        )
    runs = payload["dups_runs_wall_cpu_rss"]
    first_wall, first_cpu, _ = runs[0]
    wall = statistics.median(w for w, _, _ in runs[1:])
    cpu = statistics.median(c for _, c, _ in runs[1:])
    jscpd_wall, jscpd_cpu = payload["jscpd_wall_cpu"]
    rows.append(
        [
            "`dups` on the indexed corpus: first run, then median of 3 (CPU)",
            f"{first_wall:.2f} s ({first_cpu:.2f} s), then {wall:.2f} s ({cpu:.2f} s)",
            f"full scan {jscpd_wall:.2f} s ({jscpd_cpu:.2f} s)",
            "<= 3 s",
        ]
    )
    timings = payload["similar_s"]
    p95 = timings[int(0.95 * (len(timings) - 1))]
    rows.append(
        [
            "`similar` in-process, 25-35 line snippet",
            f"median {1000 * statistics.median(timings):.1f} ms, p95 {1000 * p95:.1f} ms "
            f"(first query {1000 * payload['similar_first_s']:.0f} ms)",
            "n/a",
            "<= 30 / 100 ms",
        ]
    )
    rows.append(["Peak RSS, `dups`", f"{max(r for _, _, r in runs)} MB", "", "<= 500 MB"])
    return (
        f"Peer: {payload['peer']}; {payload['per_class']} injected copies per class, "
        f"seed {payload['seed']}.\n\n" + table(["Measure", "code-index", "jscpd", "target"], rows)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path, help="corpus (a copy: files are added to it)")
    parser.add_argument("--per-class", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also save the raw figures here")
    args = parser.parse_args()
    root = args.root.resolve()
    started_on = machine()  # the load when the run starts, not when it is saved
    shutil.rmtree(root / INJECTED, ignore_errors=True)
    print(
        f"# clones benchmark {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, corpus {root}"
    )
    peer = jscpd_version()
    if peer.startswith("jscpd not runnable"):  # say so before minutes of work, not after
        sys.exit(
            f"clones_bench: {peer}; install the peer first: mkdir -p {JSCPD.parent.parent} && "
            f"cd {JSCPD.parent.parent} && npm install jscpd@5.4.2"
        )
    print(f"# peer: {peer}")

    code_index = CodeIndex.open(root)
    code_index.refresh()
    originals = pick_originals(root, args.per_class * len(CLASSES) + 40, args.seed)
    per_class = {
        kind: originals[i * args.per_class : (i + 1) * args.per_class]
        for i, kind in enumerate(CLASSES)
    }
    thirty = [o for o in originals if 25 <= o.fragment[2] - o.fragment[1] + 1 <= 35][:40]

    # Speed on the untouched corpus.
    (root / ".code-index" / "clone-sketches.bin").unlink(missing_ok=True)
    dups_runs = [
        _child_run(["code-index", "dups", "--json", "--root", str(root)]) for _ in range(4)
    ]
    _, jscpd_wall, jscpd_cpu = jscpd_pairs(root)
    cold, timings = snippet_latency(code_index, thirty)

    copies = inject(root, per_class, args.seed)
    recall_snippets = snippet_recall(code_index, copies)  # index without the copies
    code_index.refresh()
    mine = code_index_pairs(code_index)
    theirs, _, _ = jscpd_pairs(root)
    by_path = {copy.fragment[0]: copy for copy in copies}

    recall = {}
    for kind in CLASSES:
        chosen = [c for c in copies if c.kind == kind]
        ours = sum(_found(mine, c.original.fragment, c.fragment) for c in chosen) / len(chosen)
        peer = sum(_found(theirs, c.original.fragment, c.fragment) for c in chosen) / len(chosen)
        recall[kind] = {"n": len(chosen), "code-index": ours, "jscpd": peer}
    timings.sort()
    payload: dict[str, object] = {
        "machine": started_on,
        "peer": jscpd_version(),
        "per_class": args.per_class,
        "seed": args.seed,
        "recall": recall,
        "precision": {
            "code-index": _precision(mine, by_path, root),
            "jscpd": _precision(theirs, by_path, root),
        },
        "snippet_recall_at_1": recall_snippets,
        "dups_runs_wall_cpu_rss": dups_runs,
        "jscpd_wall_cpu": [jscpd_wall, jscpd_cpu],
        "similar_first_s": cold,
        "similar_s": timings,
    }
    print(markdown(payload))
    if args.json:
        save(args.json, payload)
    shutil.rmtree(root / INJECTED, ignore_errors=True)
    code_index.refresh()
    code_index.close()


if __name__ == "__main__":
    main()
