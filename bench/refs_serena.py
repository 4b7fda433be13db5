"""References (#22): Serena's find_referencing_symbols as a peer of `refs`, on the same names.

    # Serena in its own venv, pyright from npm (Serena's default runs pyright through uvx,
    # which downloads a Python 3.13 build: not reachable here)
    python3 -m venv bench/.peers/serena && bench/.peers/serena/bin/pip install serena-agent
    (cd bench/.peers/pyright && npm install pyright@1.1.403)
    python bench/refs_serena.py --json bench/results/refs_serena.json [--names 20]

It copies the standard library twice (one copy per tool, so neither sees the other's cache),
indexes each (code-index: `index --rebuild`; Serena: `project create` and `project index`
with HOME set to a scratch folder, so its global config lands there), then asks both for the
references of the same names: five fixed ones and a seeded sample of module-level functions
and classes defined once in the stdlib, each at its definition's file. Times are wall and CPU
(user+sys of the process and its children); memory is the largest process's peak RSS.
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
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import copy_stdlib  # noqa: E402
from _results import save, table  # noqa: E402

from codeindex.api import CodeIndex  # noqa: E402

PEERS = Path(__file__).resolve().parent / ".peers"
SERENA = PEERS / "serena" / "bin"
PYRIGHT = PEERS / "pyright" / "node_modules" / ".bin" / "pyright-langserver"
HELPER = Path(__file__).resolve().parent / "refs_tools" / "serena_refs.py"
FIXED = {
    "fnmatchcase": "fnmatch.py",
    "TemporaryDirectory": "tempfile.py",
    "ArgumentParser": "argparse.py",
    "check_output": "subprocess.py",
    "wraps": "functools.py",
}
Site = tuple[str, int, int]
TEST_DIRS = frozenset({"test", "tests", "idle_test"})


def sample_names(root: Path, count: int) -> dict[str, str]:
    """The fixed names and `count` more: module-level functions and classes outside tests,
    defined once and used 2-100 times (as a name or an attribute) in the whole stdlib."""
    where: dict[str, str] = {}
    defined: Counter[str] = Counter()
    used: Counter[str] = Counter()
    for path in sorted(root.rglob("*.py")):
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        relative = path.relative_to(root)
        in_tests = any(part in TEST_DIRS or part.startswith("test_") for part in relative.parts)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                defined[node.name] += 1
                if not in_tests and not node.name.startswith("_"):
                    where[node.name] = relative.as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                used[node.id] += 1
            elif isinstance(node, ast.Attribute):
                used[node.attr] += 1
    pool = sorted(
        name
        for name in where
        if defined[name] == 1 and 2 <= used[name] <= 100 and name not in FIXED
    )
    random.Random(0).shuffle(pool)
    return {**FIXED, **{name: where[name] for name in sorted(pool[:count])}}


def _timed(command: list[str], env: dict[str, str]) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1),
        "peak_rss_mb": round(after.ru_maxrss / 1024),  # the largest child so far
    }


def serena_side(root: Path, names: dict[str, str], home: Path) -> dict[str, object]:
    """Index with Serena, then query every name in one agent session."""
    config = home / ".serena" / "serena_config.yml"
    env = {**os.environ, "HOME": str(home), "PATH": f"{SERENA}:{os.environ['PATH']}"}
    serena = str(SERENA / "serena")
    subprocess.run(
        [serena, "project", "create", str(root), "--language", "python"],
        env=env,
        check=True,
        capture_output=True,
    )
    text = config.read_text(encoding="utf-8")
    if "ls_specific_settings: {}" not in text:
        raise SystemExit(f"{config}: no empty ls_specific_settings to point at pyright")
    config.write_text(
        text.replace(
            "ls_specific_settings: {}",
            f"ls_specific_settings:\n  python:\n    ls_path: {PYRIGHT}",
        ),
        encoding="utf-8",
    )
    index = _timed([serena, "project", "index", str(root)], env)
    pairs = [f"{name}={path}" for name, path in names.items()]
    started = time.perf_counter()
    # No check: Serena's shutdown ends its own process group with SIGTERM, after the answer.
    done = subprocess.run(
        [str(SERENA / "python"), str(HELPER), str(root), *pairs],
        env=env,
        capture_output=True,
        text=True,
    )
    if not done.stdout.strip():
        raise SystemExit(f"Serena's helper answered nothing ({done.returncode}):\n{done.stderr}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    answer["session_wall_s"] = round(time.perf_counter() - started, 1)
    answer["index"] = index
    return dict(answer)


def our_side(root: Path, names: dict[str, str]) -> dict[str, object]:
    """Cold index through the CLI, then each name's references in one process."""
    command = [sys.executable, "-m", "codeindex", "index", "--rebuild", "--root", str(root)]
    index = _timed(command, dict(os.environ))
    code_index = CodeIndex.open(root)
    answers: dict[str, object] = {}
    try:
        for name in names:
            started = time.perf_counter()
            found = code_index.references(name, limit=10**7).references
            answers[name] = {
                "seconds": time.perf_counter() - started,
                "sites": [[r.path, r.line, r.column] for r in found],
            }
    finally:
        code_index.close()
    return {"index": index, "names": answers}


def spelled(root: Path, sites: list[list[object]], name: str) -> set[Site]:
    """The sites whose text is the name itself (an `import a as b` alias is not a use by name)."""
    kept = set()
    for path, line, column in sites:
        lines = (root / str(path)).read_text(encoding="utf-8", errors="replace").split("\n")
        start = int(column) - 1
        if lines[int(line) - 1][start : start + len(name)] == name:
            kept.add((str(path), int(line), int(column)))
    return kept


def compare(root: Path, names: dict[str, str], ours: dict, serena: dict) -> list[dict]:
    rows = []
    for name, path in names.items():
        theirs = serena["names"][name]
        mine = {tuple(site) for site in ours["names"][name]["sites"]}
        by_name = spelled(root, theirs["sites"], name)
        rows.append(
            {
                "name": name,
                "defined_in": path,
                "serena": len(theirs["sites"]),
                "serena_by_name": len(by_name),
                "ours": len(mine),
                "both": len(by_name & mine),
                "serena_only": sorted(by_name - mine)[:5],
                "serena_sites": theirs["sites"],
                "serena_error": theirs["error"],
                "serena_ms": round(theirs["seconds"] * 1e3),
                "ours_ms": round(ours["names"][name]["seconds"] * 1e3, 1),
            }
        )
    return rows


def markdown(payload: dict[str, object]) -> str:
    rows = payload["names"]
    timing = payload["timing"]
    assert isinstance(rows, list) and isinstance(timing, dict)
    found = sum(row["serena_by_name"] for row in rows)
    both = sum(row["both"] for row in rows)
    names = table(
        ("name", "defined in", "Serena", "refs", "Serena's also in refs"),
        [(f"`{r['name']}`", r["defined_in"], r["serena"], r["ours"], r["both"]) for r in rows],
    )
    costs = table(
        ("", "code-index", "Serena (pyright)"),
        [
            (
                "index the stdlib, wall / CPU",
                f"{timing['ours_index']['wall_s']} s / {timing['ours_index']['cpu_s']} s",
                f"{timing['serena_index']['wall_s']} s / {timing['serena_index']['cpu_s']} s",
            ),
            (
                "peak RSS of the largest process while indexing",
                f"{timing['ours_index']['peak_rss_mb']} MB",
                f"{timing['serena_index']['peak_rss_mb']} MB",
            ),
            ("start before the first answer", "(opened per call)", f"{timing['serena_start_s']} s"),
            (
                f"query, median of {len(rows)} names",
                f"{timing['ours_query_ms']} ms",
                f"{timing['serena_query_ms']} ms",
            ),
        ],
    )
    return (
        f"{costs}\n\n{names}\n\nOf Serena's {found} references spelled as the name, refs "
        f"finds {both} ({both / max(1, found):.1%})."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=15, help="sampled names beside the five")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (SERENA / "serena").exists() or not PYRIGHT.exists():
        raise SystemExit("install Serena and pyright under bench/.peers first (see --help)")
    scratch = Path(tempfile.mkdtemp(prefix="refs-serena-"))
    try:
        ours_root = copy_stdlib(scratch / "ours").root
        serena_root = copy_stdlib(scratch / "serena").root
        names = sample_names(ours_root, args.names)
        ours = our_side(ours_root, names)
        serena = serena_side(serena_root, names, scratch / "home")
        rows = compare(ours_root, names, ours, serena)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    timing = {
        "ours_index": ours["index"],
        "serena_index": serena["index"],
        "serena_start_s": round(serena["start_seconds"], 1),
        "ours_query_ms": round(statistics.median(r["ours_ms"] for r in rows), 1),
        "serena_query_ms": round(statistics.median(r["serena_ms"] for r in rows)),
    }
    payload = {"names": rows, "timing": timing}
    print(markdown(payload))
    if args.json:
        save(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
