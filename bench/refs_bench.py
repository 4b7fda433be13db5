"""References (#22): budgets against the code before, and recall against each language's own
syntax tooling.

    # A/B on a stdlib copy, alternating runs: cold index (wall and CPU), index size, `refs`
    # in process (a fresh process per side and round: first call, then warm median) for
    # five names under 100 uses and `__init__`, and `refs` through the CLI whole process.
    # BEFORE is another checkout (e.g. /work/ab/old, or one without references at all).
    python bench/refs_bench.py budgets --before /work/ab/old [--rounds 3]

    # the same query timings on trees indexed already (e.g. copies of the 5.6M-line tree,
    # one indexed by each side)
    python bench/refs_bench.py queries --before /work/ab/old --before-root /tmp/big-old \
        --root /tmp/big-new --names NewReader,HashMap,Observable,__init__

    # recall of call sites by name, on an indexed copy of a corpus
    python bench/refs_bench.py recall python /tmp/stdlib-copy [--names 400]
    python bench/refs_bench.py recall go /tmp/go-copy        # needs `go` (apt golang-go)
    python bench/refs_bench.py recall typescript /tmp/ts-copy --tsc /tmp/tsnode

Recall: every call site the language's own parser reports (Python `ast.Call` whose callee is
a Name or an Attribute; Go `go/ast` CallExpr with an Ident or SelectorExpr callee; the
TypeScript compiler API's CallExpression and NewExpression) for a random sample of callee
names must be among `refs NAME` at the same line and column. Precision is by construction:
names match exactly.

Timings are wall and CPU seconds: on a shared machine CPU moves less than wall. Each side
runs from its own checkout with this interpreter (same dependencies).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from codeindex.api import CodeIndex

TOOLS = Path(__file__).parent / "refs_tools"
Site = tuple[str, int, int]  # path, line, 1-based character column
# Five names under 100 uses in the standard library, and the most common method name.
STDLIB_NAMES = (
    "fnmatchcase",
    "TemporaryDirectory",
    "ArgumentParser",
    "check_output",
    "wraps",
    "__init__",
)
WARM_CALLS = 3
SIDES = ("before", "after")


# -- budgets ----------------------------------------------------------------------------------


def _cli(code: Path, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds (children included) of one `code-index` run from `code`."""
    return _run(code, ["-m", "codeindex", *args])[:2]


def _run(code: Path, args: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds and stdout of this interpreter run from checkout `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # cwd too: `python -m` puts the working directory first on sys.path.
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=code, check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def _size(directory: Path) -> int:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())


def budgets(before: Path, rounds: int) -> None:
    from _corpus import copy_stdlib

    after = Path(__file__).resolve().parent.parent
    roots = {side: copy_stdlib().root for side in SIDES}
    code = {"before": before, "after": after}
    walls: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        for side in SIDES:  # alternating, so load changes hit both
            wall, cpu = _cli(code[side], "index", "--rebuild", "--root", str(roots[side]))
            walls[side].append(wall)
            cpus[side].append(cpu)
    sizes = {side: _size(roots[side] / ".code-index") for side in SIDES}
    for side in SIDES:
        print(
            f"cold index {side:<6} wall median {statistics.median(walls[side]):6.2f} s "
            f"cpu median {statistics.median(cpus[side]):6.2f} s "
            f"{[round(c, 2) for c in cpus[side]]}  index {sizes[side] / 1e6:6.1f} MB"
        )
    print(
        f"after/before: wall per-round median {_ratio(walls)}, cpu per-round median "
        f"{_ratio(cpus)}, size {sizes['after'] / sizes['before']:.2f}x"
    )
    queries(code, roots, STDLIB_NAMES, rounds)
    for root in roots.values():
        shutil.rmtree(root.parent, ignore_errors=True)


def _ratio(values: dict[str, list[float]]) -> str:
    pairs = zip(values["after"], values["before"], strict=True)
    return f"{statistics.median(a / b for a, b in pairs):.3f}"


# Run in each side's checkout: a fresh process, the first call of each name (what the CLI
# pays), then the median of WARM_CALLS more; wall and CPU, in ms.
_TIMER = """
import json, statistics, sys, time
from pathlib import Path
from codeindex.api import CodeIndex
index = CodeIndex.open(Path(sys.argv[1]))
out = {}
for name in sys.argv[3:]:
    runs = []
    for _ in range(1 + int(sys.argv[2])):
        wall, cpu = time.perf_counter(), time.process_time()
        total = index.references(name).total
        runs.append(((time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3))
    warm = runs[1:]
    out[name] = [total, *runs[0], statistics.median(r[0] for r in warm),
                 statistics.median(r[1] for r in warm)]
print(json.dumps(out))
"""


def queries(
    code: dict[str, Path], roots: dict[str, Path], names: tuple[str, ...], rounds: int
) -> None:
    """`refs` in process and through the CLI on each side, alternating, medians of rounds."""
    runs: dict[str, list[dict[str, list[float]]]] = defaultdict(list)
    cli: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for _ in range(rounds):
        for side in SIDES:
            output = _run(code[side], ["-c", _TIMER, str(roots[side]), str(WARM_CALLS), *names])[2]
            runs[side].append(json.loads(output))
        for name in (names[0], names[-1], "search"):
            for side in SIDES:
                args = ["refs", name] if name != "search" else [names[0]]
                cli[side, name].append(_cli(code[side], *args, "--root", str(roots[side])))
    print("refs in process, ms (median of rounds): first call wall/cpu, warm wall/cpu")
    for name in names:
        row = []
        for side in SIDES:
            values = [run[name] for run in runs[side]]
            total = int(values[0][0])
            medians = [statistics.median(v[i] for v in values) for i in range(1, 5)]
            row.append(
                f"{side} {'/'.join(f'{m:.0f}' for m in medians[:2])} "
                f"{'/'.join(f'{m:.0f}' for m in medians[2:])}"
            )
        print(f"  {name:<20} {total:>5} uses  " + "   ".join(row))
    print("CLI whole process, s (median of rounds): wall/cpu")
    for name in (names[0], names[-1], "search"):
        label = f"refs {name}" if name != "search" else f"{names[0]} (plain search)"
        row = [
            f"{side} {statistics.median(w for w, _ in cli[side, name]):.2f}/"
            f"{statistics.median(c for _, c in cli[side, name]):.2f}"
            for side in SIDES
        ]
        print(f"  {label:<30} " + "   ".join(row))


# -- recall -----------------------------------------------------------------------------------


def python_call_sites(root: Path) -> dict[str, set[Site]]:
    """Callee name -> call sites, from Python's own parser."""
    sites: dict[str, set[Site]] = defaultdict(set)
    for path in sorted(root.rglob("*.py")):
        if ".code-index" in path.parts:
            continue
        source = path.read_bytes()
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue  # not Python 3.11 (test data, Python 2 examples)
        lines = source.split(b"\n")
        relative = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            if isinstance(callee, ast.Name):
                name, line, byte = callee.id, callee.lineno, callee.col_offset
            elif isinstance(callee, ast.Attribute) and callee.end_lineno is not None:
                name, line = callee.attr, callee.end_lineno
                byte = (callee.end_col_offset or 0) - len(callee.attr.encode())
            else:
                continue
            sites[name].add((relative, line, _column(lines[line - 1], byte)))
    return sites


def _column(line: bytes, byte: int) -> int:
    return len(line[:byte].decode("utf-8", errors="replace")) + 1


def tool_call_sites(root: Path, command: list[str]) -> dict[str, set[Site]]:
    """Callee name -> call sites, from a helper printing `path<TAB>line<TAB>byte<TAB>name`
    (byte: 0-based offset of the name in its line)."""
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    sites: dict[str, set[Site]] = defaultdict(set)
    lines_of: dict[str, list[bytes]] = {}
    for row in output.splitlines():
        path, line, byte, name = row.split("\t")
        relative = Path(path).resolve().relative_to(root.resolve()).as_posix()
        if relative not in lines_of:
            lines_of[relative] = (root / relative).read_bytes().split(b"\n")
        text = lines_of[relative][int(line) - 1]
        sites[name].add((relative, int(line), _column(text, int(byte))))
    return sites


def recall(language: str, root: Path, names: int, tsc: Path | None) -> None:
    if language == "python":
        expected = python_call_sites(root)
    elif language == "go":
        expected = tool_call_sites(root, ["go", "run", str(TOOLS / "calls.go"), str(root)])
    else:
        script = TOOLS / "calls.js"
        env_path = str((tsc or Path(".")) / "node_modules")
        expected = tool_call_sites(
            root, ["env", f"NODE_PATH={env_path}", "node", str(script), str(root)]
        )
    index = CodeIndex.open(root)
    index.refresh()
    sample = sorted(expected)
    random.Random(0).shuffle(sample)
    sample = sorted(sample[:names])
    found_total = expected_total = 0
    misses: list[tuple[str, Site]] = []
    started = time.perf_counter()
    try:
        for name in sample:
            wanted = expected[name]
            got = {
                (r.path, r.line, r.column) for r in index.references(name, limit=10**7).references
            }
            hit = wanted & got
            found_total += len(hit)
            expected_total += len(wanted)
            misses.extend((name, site) for site in sorted(wanted - got))
    finally:
        index.close()
    seconds = time.perf_counter() - started
    print(
        f"{language}: {len(sample)} callee names of {len(expected)}, {expected_total} call "
        f"sites; recall {found_total / max(1, expected_total):.4f} "
        f"({expected_total - found_total} missed); {seconds:.1f} s of refs queries"
    )
    for name, (path, line, column) in misses[:15]:
        print(f"  missed {name} at {path}:{line}:{column}")
    print(json.dumps({"language": language, "recall": found_total / max(1, expected_total)}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    budget = commands.add_parser("budgets")
    budget.add_argument("--before", type=Path, required=True)
    budget.add_argument("--rounds", type=int, default=3)
    timed = commands.add_parser("queries")
    timed.add_argument("--before", type=Path, required=True)
    timed.add_argument("--before-root", type=Path, required=True)
    timed.add_argument("--root", type=Path, required=True)
    timed.add_argument("--names", default=",".join(STDLIB_NAMES))
    timed.add_argument("--rounds", type=int, default=3)
    recalled = commands.add_parser("recall")
    recalled.add_argument("language", choices=("python", "go", "typescript"))
    recalled.add_argument("root", type=Path)
    recalled.add_argument("--names", type=int, default=400)
    recalled.add_argument("--tsc", type=Path, help="folder where `npm install typescript` ran")
    args = parser.parse_args()
    if args.command == "budgets":
        budgets(args.before.resolve(), args.rounds)
    elif args.command == "queries":
        after = Path(__file__).resolve().parent.parent
        queries(
            {"before": args.before.resolve(), "after": after},
            {"before": args.before_root.resolve(), "after": args.root.resolve()},
            tuple(args.names.split(",")),
            args.rounds,
        )
    else:
        recall(args.language, args.root.resolve(), args.names, args.tsc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
