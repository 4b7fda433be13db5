"""References (#22): budgets against the code before (recall against each language's own
tooling is bench/refs_recall.py, the Serena peer bench/refs_serena.py).

    # A/B on a stdlib copy, alternating runs: cold index (wall and CPU), index size, `refs`
    # in process (a fresh process per side and round: first call, then warm median) for
    # five names under 100 uses and `__init__`, and `refs` through the CLI whole process.
    # BEFORE is another checkout (e.g. /work/ab/old, or one without references at all).
    python bench/refs_bench.py budgets --before /work/ab/old [--rounds 3]

    # the same query timings on trees indexed already (e.g. copies of the 5.6M-line tree,
    # one indexed by each side)
    python bench/refs_bench.py queries --before /work/ab/old --before-root /tmp/big-old \
        --root /tmp/big-new --names NewReader,HashMap,Observable,__init__

Timings are wall and CPU seconds: on a shared machine CPU moves less than wall. Each side
runs from its own checkout with this interpreter (same dependencies).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from _results import machine, ran_on, save, table

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
    """Wall and CPU seconds and stdout of this interpreter run from checkout `code`. Byte
    code is written and used, as in an installed package (PYTHONDONTWRITEBYTECODE, set in
    some shells, made every run compile code-index's modules again: 60 ms of CPU)."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
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


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def budgets(before: Path, rounds: int) -> dict[str, object]:
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
    index = {
        side: {"wall": _median(walls[side]), "cpu": _median(cpus[side]), "bytes": sizes[side]}
        for side in SIDES
    }
    index["ratio"] = {
        "wall": _ratio(walls),
        "cpu": _ratio(cpus),
        "size": round(sizes["after"] / sizes["before"], 3),
    }
    try:
        return {"index": index, **queries(code, roots, STDLIB_NAMES, rounds)}
    finally:
        for root in roots.values():
            shutil.rmtree(root.parent, ignore_errors=True)


def _ratio(values: dict[str, list[float]]) -> float:
    pairs = zip(values["after"], values["before"], strict=True)
    return round(statistics.median(a / b for a, b in pairs), 3)


# Run in each side's checkout, in a fresh process, wall and CPU in ms of `references(name)`:
# per name, the first call of the process with no refs cache (what a CLI run pays for a name
# not asked before), the median of WARM_CALLS more with the cache cleared before each (a
# server asked a new name), then of WARM_CALLS with the cache kept (a name asked again). The
# code before had no cache: there the three are the same work.
_TIMER = """
import json, shutil, statistics, sys, time
from pathlib import Path
from codeindex.api import CodeIndex
root = Path(sys.argv[1])
index = CodeIndex.open(root)
cache = root / ".code-index" / "refs-cache"
def timed(name, clear):
    if clear:
        shutil.rmtree(cache, ignore_errors=True)
    wall, cpu = time.perf_counter(), time.process_time()
    total = index.references(name).total
    return total, (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3
def median(runs):
    return [statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs)]
out = {}
for name in sys.argv[3:]:
    first = timed(name, sys.argv[2] == "clear")
    new = [timed(name, True) for _ in range(int(sys.argv[2] == "clear") and WARM)]
    again = [timed(name, False) for _ in range(WARM)]
    out[name] = {"uses": first[0], "first": list(first[1:]), "new": new and median(new),
                 "again": median(again)}
print(json.dumps(out))
""".replace("WARM", str(WARM_CALLS))


def queries(
    code: dict[str, Path], roots: dict[str, Path], names: tuple[str, ...], rounds: int
) -> dict[str, object]:
    """`refs` in process and through the CLI on each side, alternating, medians of rounds:
    in process, a fresh process with the cache cleared, then a fresh one with the cache the
    first left (`cached`: its first call); the CLI with the cache cleared, then kept."""
    runs: dict[str, list[dict[str, dict[str, object]]]] = defaultdict(list)
    cached: dict[str, list[dict[str, dict[str, object]]]] = defaultdict(list)
    cli: dict[str, list[tuple[float, float]]] = defaultdict(list)
    cli_names = (names[0], names[-1])
    for _ in range(rounds):
        for side in SIDES:
            timer = ["-c", _TIMER, str(roots[side])]
            runs[side].append(json.loads(_run(code[side], [*timer, "clear", *names])[2]))
            cached[side].append(json.loads(_run(code[side], [*timer, "keep", *names])[2]))
        for name in cli_names:
            for side in SIDES:
                shutil.rmtree(roots[side] / ".code-index" / "refs-cache", ignore_errors=True)
                for state in ("new", "again"):
                    args = ["refs", name, "--root", str(roots[side])]
                    cli[f"{side} {name} {state}"].append(_cli(code[side], *args))
        for side in SIDES:  # a plain search: the floor of any command
            cli[f"{side} search"].append(_cli(code[side], names[0], "--root", str(roots[side])))
    calls: dict[str, dict[str, object]] = {}
    for name in names:
        calls[name] = {"uses": runs["after"][0][name]["uses"]}
        for side in SIDES:
            measures: dict[str, list[Any]] = {
                "first": [run[name]["first"] for run in runs[side]],
                "new": [run[name]["new"] for run in runs[side] if run[name]["new"]],
                "again": [run[name]["again"] for run in runs[side]],
                "cached_first": [run[name]["first"] for run in cached[side]],
            }
            calls[name][side] = {
                what: [_median([v[0] for v in values]), _median([v[1] for v in values])]
                for what, values in measures.items()
                if values
            }
    whole = {
        key: [_median([w for w, _ in values]), _median([c for _, c in values])]
        for key, values in cli.items()
    }
    payload: dict[str, object] = {"names": list(names), "calls": calls, "cli": whole}
    print(markdown({"corpus": payload}))
    return payload


def _ms(pair: object) -> str:
    """`cpu (wall)` of a [wall, cpu] pair, in ms."""
    wall, cpu = pair if isinstance(pair, list) else (0, 0)
    return f"{cpu:.0f} ({wall:.0f})"


def markdown(payload: dict[str, object]) -> str:
    """The budgets as saved by `budgets` ("stdlib") and `queries` ("big", ...)."""
    parts = []
    for corpus, figures in payload.items():
        if not isinstance(figures, dict) or "calls" not in figures:
            continue
        parts.append(f"**{corpus}**")
        index = figures.get("index")
        if isinstance(index, dict):
            ratio = index["ratio"]
            parts.append(
                f"Cold index, after/before per-round median: CPU {ratio['cpu']}x, wall "
                f"{ratio['wall']}x; index {index['before']['bytes'] / 1e6:.1f} -> "
                f"{index['after']['bytes'] / 1e6:.1f} MB ({ratio['size']}x)."
            )
        parts.append(_calls_table(figures["calls"]))
        parts.append(_cli_table(figures["names"], figures["cli"]))
        parts.append(f"{corpus}: {ran_on(figures)}")
    return "\n\n".join(parts)


def _calls_table(calls: dict[str, dict[str, dict[str, object]]]) -> str:
    rows = []
    for name, figures in calls.items():
        old, new = figures["before"], figures["after"]
        rows.append(
            [f"`{name}`", figures["uses"], _ms(old["first"]), _ms(old.get("new", old["again"]))]
            + [_ms(new.get(what)) for what in ("first", "new", "cached_first", "again")]
        )
    columns = ["name", "uses", "before: first", "before: warm, new name", "after: first, no cache"]
    columns += ["after: warm, new name", "after: first, cached", "after: warm, cached"]
    note = (
        "`refs` in process: ms of CPU (wall), medians of alternating rounds. *first*: a fresh "
        "process's first call (imports the parser, compiles the query); *warm*: the same "
        "name again in that process; *new name*: warm, with the refs cache cleared before "
        "each call; *cached*: the uses were cached by an earlier call or process."
    )
    return note + "\n\n" + table(columns, rows)


def _cli_table(names: list[str], cli: dict[str, list[float]]) -> str:
    rows = []
    for name in (names[0], names[-1]):
        rows.append(
            [f"`refs {name}`", _s(cli[f"before {name} new"]), _s(cli[f"after {name} new"])]
            + [_s(cli[f"after {name} again"])]
        )
    rows.append([f"`{names[0]}` (plain search)", _s(cli["before search"])])
    rows[-1] += [_s(cli["after search"]), ""]
    columns = ["CLI, whole process", "before", "after, no cache", "after, cached"]
    return "CLI: s of CPU (wall).\n\n" + table(columns, rows)


def _s(pair: list[float]) -> str:
    return f"{pair[1]:.2f} ({pair[0]:.2f})"


def _keep(
    path: Path | None, corpus: str, figures: dict[str, object], started: dict[str, object]
) -> None:
    """Save `figures` as the `corpus` part of the results file at `path`, keeping its other
    parts (budgets and queries on other trees are separate runs), each with the machine it
    ran on (`started`: as it was at the start)."""
    if path is None:
        return
    payload = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    payload.pop("machine", None)
    payload.pop("load_avg_end", None)
    figures["machine"] = started
    figures["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    payload[corpus] = figures
    save(path, payload)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    budget = commands.add_parser("budgets")
    budget.add_argument("--before", type=Path, required=True)
    budget.add_argument("--rounds", type=int, default=3)
    budget.add_argument("--json", type=Path, help="save as the 'stdlib' part of this file")
    timed = commands.add_parser("queries")
    timed.add_argument("--before", type=Path, required=True)
    timed.add_argument("--before-root", type=Path, required=True)
    timed.add_argument("--root", type=Path, required=True)
    timed.add_argument("--names", default=",".join(STDLIB_NAMES))
    timed.add_argument("--rounds", type=int, default=3)
    timed.add_argument("--json", type=Path, help="save as the --corpus part of this file")
    timed.add_argument("--corpus", default="big", help="what the roots hold (the part's name)")
    args = parser.parse_args()
    started = machine()
    if args.command == "budgets":
        _keep(args.json, "stdlib", budgets(args.before.resolve(), args.rounds), started)
    else:
        after = Path(__file__).resolve().parent.parent
        figures = queries(
            {"before": args.before.resolve(), "after": after},
            {"before": args.before_root.resolve(), "after": args.root.resolve()},
            tuple(args.names.split(",")),
            args.rounds,
        )
        _keep(args.json, args.corpus, figures, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
