"""References (#22): budgets against the code before, and recall against each language's own
syntax tooling.

    # cold index, index size and refs timings; BEFORE is a checkout of the code without
    # references and module names (e.g. main with those commits reverted)
    python bench/refs_bench.py budgets --before /tmp/before [--rounds 3]

    # recall of call sites by name, on an indexed copy of a corpus
    python bench/refs_bench.py recall python /tmp/stdlib-copy [--names 400]
    python bench/refs_bench.py recall go /tmp/go-copy        # needs `go` (apt golang-go)
    python bench/refs_bench.py recall typescript /tmp/ts-copy --tsc /tmp/tsnode

Recall: every call site the language's own parser reports (Python `ast.Call` whose callee is
a Name or an Attribute; Go `go/ast` CallExpr with an Ident or SelectorExpr callee; the
TypeScript compiler API's CallExpression and NewExpression) for a random sample of callee
names must be among `refs NAME` at the same line and column. Precision is by construction:
names match exactly.
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


# -- budgets ----------------------------------------------------------------------------------


def _cli(code: Path, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds (children included) of one `code-index` run from `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # cwd too: `python -m` puts the working directory first on sys.path.
    subprocess.run(
        [sys.executable, "-m", "codeindex", *args],
        env=env,
        cwd=code,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _size(directory: Path) -> int:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())


def budgets(before: Path, rounds: int) -> None:
    from _corpus import copy_stdlib

    after = Path(__file__).resolve().parent.parent
    roots = {name: copy_stdlib().root for name in ("before", "after")}
    code = {"before": before, "after": after}
    walls: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        for name in ("before", "after"):  # alternating, so load changes hit both
            wall, cpu = _cli(code[name], "index", "--rebuild", "--root", str(roots[name]))
            walls[name].append(wall)
            cpus[name].append(cpu)
    for name in ("before", "after"):
        size = _size(roots[name] / ".code-index")
        print(
            f"cold index {name:<6} wall median {statistics.median(walls[name]):6.2f} s "
            f"{[round(w, 2) for w in walls[name]]}  "
            f"cpu median {statistics.median(cpus[name]):6.2f} s"
            f"  index {size / 1e6:6.1f} MB"
        )
    ratios = [a / b for a, b in zip(walls["after"], walls["before"], strict=True)]
    cpu_ratios = [a / b for a, b in zip(cpus["after"], cpus["before"], strict=True)]
    print(
        f"after/before: wall per-round median {statistics.median(ratios):.3f}, "
        f"cpu per-round median {statistics.median(cpu_ratios):.3f}, size "
        f"{_size(roots['after'] / '.code-index') / _size(roots['before'] / '.code-index'):.2f}x"
    )
    _refs_timings(after, roots["after"])
    for root in roots.values():
        shutil.rmtree(root, ignore_errors=True)


def _refs_timings(code: Path, root: Path) -> None:
    index = CodeIndex.open(root)
    try:
        for name in ("fnmatchcase", "getLogger", "ArgumentParser", "Loader.load", "__init__"):
            index.references(name)  # warm: imports, grammar, query
            times = []
            for _ in range(5):
                started = time.perf_counter()
                result = index.references(name)
                times.append(time.perf_counter() - started)
            print(
                f"refs {name:<16} {result.total:>5} uses  in-process median "
                f"{statistics.median(times) * 1000:7.1f} ms"
            )
    finally:
        index.close()
    for name in ("fnmatchcase", "__init__"):
        walls = [_cli(code, "refs", name, "--root", str(root))[0] for _ in range(5)]
        print(f"refs {name:<16} CLI whole process median {statistics.median(walls):.3f} s")


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
    recalled = commands.add_parser("recall")
    recalled.add_argument("language", choices=("python", "go", "typescript"))
    recalled.add_argument("root", type=Path)
    recalled.add_argument("--names", type=int, default=400)
    recalled.add_argument("--tsc", type=Path, help="folder where `npm install typescript` ran")
    args = parser.parse_args()
    if args.command == "budgets":
        budgets(args.before.resolve(), args.rounds)
    else:
        recall(args.language, args.root.resolve(), args.names, args.tsc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
