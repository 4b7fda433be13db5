"""References (#22): recall of `refs NAME` against each language's own tooling.

    # on an indexed (or to-be-indexed) COPY of a corpus, never the corpus in place
    python bench/refs_recall.py python /tmp/stdlib --corpus stdlib \
        --json bench/results/refs_recall.json
    python bench/refs_recall.py go /tmp/go-src --corpus "go src" --json ...     # needs `go`
    python bench/refs_recall.py rust /tmp/rust-library --json ...    # apt librust-syn-dev
    python bench/refs_recall.py typescript /tmp/ts --corpus "ts corpus" --node-path P --json ...
    python bench/refs_recall.py typescript /tmp/rxjs --tool find-references --names 40 ...

Tools (the issue's list, where one runs here):
- `calls`: every call site the language's own parser reports for a random sample of callee
  names: Python `ast.Call` whose callee is a Name or an Attribute; Go `go/ast` CallExpr with an
  Ident or SelectorExpr callee (refs_tools/calls.go); Rust: syn's ExprCall with a path callee
  and ExprMethodCall (refs_tools/rust_calls, built offline from Debian's librust-syn-dev);
  TypeScript's compiler API CallExpression and NewExpression (refs_tools/calls.js).
- `find-references` (TypeScript): LanguageService.findReferences at a sample of declarations,
  every reference spelled as the name (refs_tools/find_references.js): calls, type uses,
  imports, shorthand properties, re-exports.
Each site must be among `refs NAME` at the same line and column. Precision is by construction:
names match exactly. `--json FILE` adds or replaces this run's row (language, corpus, tool) in
FILE, so one file holds every language's run.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

from codeindex.api import CodeIndex
from codeindex.storage import OtherVersion

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import save, table  # noqa: E402

TOOLS = Path(__file__).parent / "refs_tools"
Site = tuple[str, int, int]  # path, line, 1-based character column
SHOWN_MISSES = 12


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


class Expected(NamedTuple):
    sites: dict[str, set[Site]]  # name -> where the tool sees it used
    names: list[str]  # the sample to check
    notes: dict[str, str]  # what the tool said besides (`#key<TAB>value` lines)


def tool_sites(root: Path, command: list[str]) -> Expected:
    """Name -> sites from a helper printing `path<TAB>line<TAB>byte<TAB>name` (byte: 0-based
    offset of the name in its line); a helper that samples names itself says which on a
    `#names<TAB>a,b` line."""
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    sites: dict[str, set[Site]] = defaultdict(set)
    notes: dict[str, str] = {}
    lines_of: dict[str, list[bytes]] = {}
    for row in output.splitlines():
        if row.startswith("#"):
            key, value = row[1:].split("\t", 1)
            notes[key] = value
            continue
        path, line, byte, name = row.split("\t")
        relative = Path(path).resolve().relative_to(root.resolve()).as_posix()
        if relative not in lines_of:
            lines_of[relative] = (root / relative).read_bytes().split(b"\n")
        text = lines_of[relative][int(line) - 1]
        sites[name].add((relative, int(line), _column(text, int(byte))))
    sampled = [name for name in notes.pop("names", "").split(",") if name]
    return Expected(sites, sampled, notes)


def expected_sites(
    language: str, tool: str, root: Path, names: int, node_path: Path | None, limit: int
) -> Expected:
    """What the language's own tool reports in the files the index holds (none over `limit`
    bytes: the index skips them by design), and the names to check."""
    node = ["env", f"NODE_PATH={node_path or Path('node_modules').resolve()}", "node"]
    if language == "python" and tool == "calls":
        found = python_call_sites(root)
    elif language == "go" and tool == "calls":
        found = tool_sites(root, ["go", "run", str(TOOLS / "calls.go"), str(root)]).sites
    elif language == "rust" and tool == "calls":
        crate = TOOLS / "rust_calls"
        target = Path(tempfile.gettempdir()) / "refs-recall-rust-calls"
        build = ["cargo", "build", "--release", "--offline", "--quiet"]
        subprocess.run([*build, "--target-dir", str(target)], cwd=crate, check=True)
        found = tool_sites(root, [str(target / "release" / "rust_calls"), str(root)]).sites
    elif language == "typescript" and tool == "calls":
        found = tool_sites(root, [*node, str(TOOLS / "calls.js"), str(root)]).sites
    elif language == "typescript" and tool == "find-references":
        script = str(TOOLS / "find_references.js")
        told = tool_sites(root, [*node, script, str(root), str(names), "1"])
        return Expected(_indexed_only(told.sites, root, limit, told.notes), told.names, told.notes)
    else:
        raise SystemExit(f"no {tool} tool for {language}")
    notes: dict[str, str] = {}
    found = _indexed_only(found, root, limit, notes)
    sample = sorted(found)
    random.Random(0).shuffle(sample)
    return Expected(found, sorted(sample[:names]), notes)


def _indexed_only(
    sites: dict[str, set[Site]], root: Path, limit: int, notes: dict[str, str]
) -> dict[str, set[Site]]:
    """`sites` without those in files over `limit` bytes, counted in `notes`."""
    big = {path for held in sites.values() for path, _, _ in held}
    big = {path for path in big if (root / path).stat().st_size > limit}
    if not big:
        return sites
    kept = {name: {s for s in held if s[0] not in big} for name, held in sites.items()}
    dropped = sum(len(held) for held in sites.values()) - sum(len(h) for h in kept.values())
    notes["over_size_limit"] = f"{dropped} sites in {len(big)} files"
    return {name: held for name, held in kept.items() if held}


def run(
    language: str, tool: str, root: Path, corpus: str, names: int, node_path: Path | None
) -> dict[str, object]:
    """One row: how many of the tool's sites for the sampled names `refs` finds."""
    try:
        index = CodeIndex.open(root)
    except OtherVersion:  # a copy indexed by an older code-index: this run's code decides
        index = CodeIndex.open(root, rebuild=True)
    limit = index.max_file_size
    expected, sample, notes = expected_sites(language, tool, root, names, node_path, limit)
    started = time.perf_counter()
    index.refresh()
    indexed = time.perf_counter() - started
    found = wanted_total = 0
    misses: list[list[object]] = []
    started = time.perf_counter()
    try:
        for name in sample:
            wanted = expected.get(name, set())
            answer = index.references(name, limit=10**7).references
            got = {(r.path, r.line, r.column) for r in answer}
            found += len(wanted & got)
            wanted_total += len(wanted)
            misses.extend([name, *site] for site in sorted(wanted - got))
    finally:
        index.close()
    return {
        "language": language,
        "corpus": corpus,
        "tool": tool,
        "names": len(sample),
        "sites": wanted_total,
        "found": found,
        "recall": round(found / max(1, wanted_total), 4),
        "misses": misses[:SHOWN_MISSES],
        "all_misses": misses,
        "missed": wanted_total - found,
        "tool_notes": notes,
        "index_seconds": round(indexed, 1),
        "query_seconds": round(time.perf_counter() - started, 1),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


LANGUAGES = ("python", "go", "rust", "typescript")
TOOL_NAMES = {
    ("python", "calls"): "`ast` Call (Name, Attribute)",
    ("go", "calls"): "`go/ast` CallExpr",
    ("rust", "calls"): "syn 1 ExprCall (path), ExprMethodCall",
    ("typescript", "calls"): "compiler API Call/NewExpression",
    ("typescript", "find-references"): "LanguageService.findReferences",
}


LEFT_OUT = {
    "doc_links": "`{@link name}` in doc comments",
    "declarations": "other declarations of the name (overrides, implementations)",
    "over_size_limit": "over the index's file size limit (1 MiB by default)",
}


def markdown(payload: dict[str, object]) -> str:
    rows = payload["runs"]
    assert isinstance(rows, list)
    body = table(
        ("language", "corpus", "reference tool", "names", "sites", "missed", "recall"),
        [
            (
                row["language"],
                row["corpus"],
                TOOL_NAMES.get((row["language"], row["tool"]), row["tool"]),
                row["names"],
                f"{row['sites']:,}",
                row["missed"],
                f"{row['recall']:.4f}",
            )
            for row in rows
        ],
    )
    notes = [
        f"- {row['language']} {row['corpus']}: missed "
        + ", ".join(f"`{m[0]}` {m[1]}:{m[2]}:{m[3]}" for m in row["misses"][:4])
        for row in rows
        if row["misses"]
    ]
    notes += [
        f"- {row['language']} {row['corpus']}, {row['tool']}: left out of the comparison "
        + ", ".join(f"{value} {LEFT_OUT.get(key, key)}" for key, value in row["tool_notes"].items())
        for row in rows
        if row.get("tool_notes")
    ]
    return body + ("\n\n" + "\n".join(notes) if notes else "")


def _key(row: dict[str, object]) -> tuple[int, str, str]:
    """Rows in a stable order: Python, Go, TypeScript, then corpus and tool."""
    return LANGUAGES.index(str(row["language"])), str(row["corpus"]), str(row["tool"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("language", choices=LANGUAGES)
    parser.add_argument("root", type=Path, help="a copy of the corpus (it gets .code-index/)")
    parser.add_argument("--tool", choices=("calls", "find-references"), default="calls")
    parser.add_argument("--corpus", help="the corpus's name in the table (default: ROOT's)")
    parser.add_argument("--names", type=int, default=400, help="how many names to sample")
    parser.add_argument("--node-path", type=Path, help="node_modules holding typescript@5")
    parser.add_argument("--show", type=int, default=40, help="misses printed")
    parser.add_argument("--json", type=Path, help="add or replace this run's row in FILE")
    args = parser.parse_args()
    root = args.root.resolve()
    row = run(args.language, args.tool, root, args.corpus or root.name, args.names, args.node_path)
    print(
        f"{row['language']} {row['corpus']} ({row['tool']}): {row['names']} names, "
        f"{row['sites']} sites, recall {row['recall']:.4f} ({row['missed']} missed); "
        f"index {row['index_seconds']} s, queries {row['query_seconds']} s"
    )
    for name, path, line, column in row.pop("all_misses")[: args.show]:  # type: ignore[attr-defined]
        print(f"  missed {name} at {path}:{line}:{column}")
    if args.json:
        payload = json.loads(args.json.read_text(encoding="utf-8")) if args.json.exists() else {}
        key = _key(row)
        runs = [r for r in payload.get("runs", []) if _key(r) != key]
        save(args.json, {"runs": sorted([*runs, row], key=_key)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
