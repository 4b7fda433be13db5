"""Agent queries: recall@10 and MRR of intent queries, alternatives shown by alternations,
and in-process query times; a ripgrep-over-names baseline in the same run.

The query set (bench/agent_queries.json) was written before the ranking was tuned: each
intent query lists the definitions a developer would accept (`path:qualified_name`).

    python bench/agent_queries.py --stdlib DIR --django DIR [--json FILE]

DIR: an index root (a copy: `.code-index/` is written there). Without --stdlib, the
interpreter's standard library is copied to a temp folder; without --django, Django queries
are skipped. Definitions:
- recall@10: share of queries with an accepted answer among the first 10 results;
- MRR: mean of 1/rank of the first accepted answer (0 when none in the first 20);
- an alternation's alternative is represented when one of its own results (the alternative
  searched alone) is in the alternation's first 20.
Baseline: the symbols' names, one `path:qualified_name` line each, searched with ripgrep
(`rg -i -e WORD ...` for the query's words; alternations as given), first lines in file order;
grep -E -i stands in when rg is missing (the report says which).
Peer (--peer PATH: the `code-index-mcp` console script of the PyPI package of that name, in
its own venv): its `search_code_advanced` over MCP stdio with the query's words as one
case-insensitive regex (`w1|w2|...`) on `*.py`, first 20 matching lines; a line counts as an
accepted answer when it is that definition's line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import copy_stdlib  # noqa: E402
from _results import machine, save, table  # noqa: E402

from codeindex.api import CodeIndex  # noqa: E402
from codeindex.storage.text import STOPWORDS  # noqa: E402

QUERIES = Path(__file__).with_name("agent_queries.json")
TOP = 10
PAGE = 20
TIMING_REPEATS = 30
TIMING_FORMS = {
    "word": "user",
    "identifier": "get_user",
    "prefix": "pars*",
    "wildcard": "get_*_name",
    "anchored": "^get.*user$",
    "definition word": "class Path",
    "alternation": "User\\|Auth\\|Session",
    "three-way alternation": "create\\|update\\|delete",
    "intent words": "remove common indentation from text",
    "typo": "recieve",
    "no match": "zzqx\\|qqzz",
}


def key(path: str, qualified_name: str) -> str:
    return f"{path}:{qualified_name}"


def ours(code_index: CodeIndex, query: str, limit: int = PAGE) -> list[str]:
    return [
        key(h.symbol.path, h.symbol.qualified_name)
        for h in code_index.search(query, limit=limit).hits
    ]


class NamesBaseline:
    """ripgrep over a file of names: what an agent gets from `rg` on a ctags-like list."""

    def __init__(self, code_index: CodeIndex, folder: Path) -> None:
        self.file = folder / "names.txt"
        self.keys: set[str] = set()
        self.lines: dict[str, tuple[str, int]] = {}
        with self.file.open("w", encoding="utf-8") as out:
            for symbol in code_index.export_symbols():
                self.keys.add(key(symbol.path, symbol.qualified_name))
                self.lines[key(symbol.path, symbol.qualified_name)] = (symbol.path, symbol.line)
                out.write(key(symbol.path, symbol.qualified_name) + "\n")
        self.tool = "rg" if shutil.which("rg") else "grep -E"

    def search(self, patterns: list[str], limit: int = PAGE) -> list[str]:
        args = ["rg", "-i", "--no-line-number"] if self.tool == "rg" else ["grep", "-E", "-i"]
        for pattern in patterns:
            args += ["-e", pattern]
        found = subprocess.run([*args, str(self.file)], capture_output=True, text=True)
        return found.stdout.splitlines()[:limit]


def intent_words(query: str) -> list[str]:
    return [w for w in query.lower().split() if w not in STOPWORDS] or query.split()


def rank_of(results: list[str], accepted: list[str]) -> int | None:
    wanted = set(accepted)
    for position, found in enumerate(results, 1):
        if found in wanted:
            return position
    return None


def score(ranks: list[int | None]) -> dict[str, float]:
    return {
        "recall@10": round(sum(1 for r in ranks if r and r <= TOP) / max(1, len(ranks)), 3),
        "mrr": round(sum(1 / r for r in ranks if r) / max(1, len(ranks)), 3),
    }


def peer_search(command: str, root: Path, patterns: list[str]) -> list[list[tuple[str, int, str]]]:
    """(path, line, text) of the first PAGE matches of each pattern, from code-index-mcp."""
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    found: list[list[tuple[str, int, str]]] = []

    async def run() -> None:
        params = StdioServerParameters(command=command, args=[])
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            await session.call_tool("set_project_path", {"path": str(root)})
            for pattern in patterns:
                arguments = {"pattern": pattern, "case_sensitive": False, "regex": True}
                arguments |= {"file_pattern": "*.py", "max_results": PAGE}
                answer = await session.call_tool("search_code_advanced", arguments)
                results = (answer.structured_content or {}).get("results", [])
                found.append(
                    [(r["file"].removeprefix("./"), int(r["line"]), r["text"]) for r in results]
                )

    anyio.run(run)
    return found


def peer_rank(matches: list[tuple[str, int, str]], accepted: list[str], lines: dict) -> int | None:
    wanted = {lines[a] for a in accepted if a in lines}
    for position, (path, line, _) in enumerate(matches, 1):
        if (path, line) in wanted:
            return position
    return None


def run_corpus(
    name: str, code_index: CodeIndex, spec: dict, folder: Path, peer: str | None
) -> dict:
    baseline = NamesBaseline(code_index, folder)
    intents = [q for q in spec["intent"] if q["corpus"] == name]
    peer_scores: dict[str, dict[str, float]] = {}
    if peer:
        patterns = ["|".join(intent_words(item["query"])) for item in intents]
        matches = peer_search(peer, code_index.root, patterns)
        ranks = [
            peer_rank(found, item["accept"], baseline.lines)
            for found, item in zip(matches, intents, strict=True)
        ]
        peer_scores["peer code-index-mcp (rg in files)"] = score(ranks)
    ours_ranks, base_ranks, misses = [], [], []
    for item in intents:
        found = ours(code_index, item["query"])
        ours_ranks.append(rank_of(found, item["accept"]))
        base_ranks.append(rank_of(baseline.search(intent_words(item["query"])), item["accept"]))
        if not ours_ranks[-1] or ours_ranks[-1] > TOP:
            misses.append({"query": item["query"], "top3": found[:3]})
    alternations = []
    for item in (q for q in spec["alternation"] if q["corpus"] == name):
        alternations.append(alternation_report(code_index, baseline, item["query"]))
    unknown = [a for item in intents for a in item["accept"] if a not in baseline.keys]
    return {
        "intent_queries": len(intents),
        "accepted_answers_not_in_index": unknown,
        "code-index": score(ours_ranks),
        f"baseline ({baseline.tool} over names)": score(base_ranks),
        **peer_scores,
        "misses": misses,
        "alternations": alternations,
    }


def alternation_report(code_index: CodeIndex, baseline: NamesBaseline, query: str) -> dict:
    from codeindex.query_syntax import split_alternatives

    pieces = split_alternatives(query)
    top = set(ours(code_index, query))
    base_top = baseline.search(["|".join(pieces)])
    shown, base_shown = [], []
    for piece in pieces:
        alone = ours(code_index, piece, limit=1000)
        if not alone:
            continue  # no matches: nothing to represent
        shown.append(any(hit in top for hit in alone))
        base_shown.append(any(piece.lower() in line.lower() for line in base_top))
    return {
        "query": query,
        "total": code_index.search(query).total,
        "alternatives_with_matches": len(shown),
        "represented_in_top20": sum(shown),
        "baseline_represented": sum(base_shown),
    }


def timings(code_index: CodeIndex) -> dict[str, float]:
    """Median in-process milliseconds per query form (after one warm-up call)."""
    medians = {}
    for form, query in TIMING_FORMS.items():
        code_index.search(query)
        samples = []
        for _ in range(TIMING_REPEATS):
            started = time.perf_counter()
            code_index.search(query)
            samples.append((time.perf_counter() - started) * 1000)
        medians[form] = round(statistics.median(samples), 2)
    return medians


def open_index(root: Path) -> CodeIndex:
    code_index = CodeIndex.open(root)
    code_index.refresh()
    return code_index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stdlib", type=Path, help="index root of a stdlib copy")
    parser.add_argument("--django", type=Path, help="index root of a Django copy")
    parser.add_argument("--peer", help="the code-index-mcp command (PyPI peer), optional")
    parser.add_argument("--json", type=Path, help="also save the raw figures here")
    args = parser.parse_args()
    spec = json.loads(QUERIES.read_text(encoding="utf-8"))
    folder = Path(tempfile.mkdtemp(prefix="agent-queries-"))
    stdlib_root = args.stdlib or copy_stdlib(folder / "stdlib").root
    report: dict[str, object] = {"machine": machine()}
    try:
        for name, root in (("stdlib", stdlib_root), ("django", args.django)):
            if root is None:
                continue
            code_index = open_index(root)
            report[name] = run_corpus(name, code_index, spec, folder, args.peer)
            if name == "stdlib":
                report["stdlib_query_ms_median"] = timings(code_index)
            code_index.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report["all"] = overall(report)
    print(render(report))
    print()
    print(markdown(report))
    if args.json:
        save(args.json, report)
    return 0


def overall(report: dict) -> dict:
    corpora = [report[name] for name in ("stdlib", "django") if name in report]
    queries = sum(c["intent_queries"] for c in corpora)
    weighted = {
        metric: round(
            sum(c["code-index"][metric] * c["intent_queries"] for c in corpora) / max(1, queries),
            3,
        )
        for metric in ("recall@10", "mrr")
    }
    alternations = [a for c in corpora for a in c["alternations"]]
    complete = sum(
        a["represented_in_top20"] == a["alternatives_with_matches"] for a in alternations
    )
    return {
        "intent_queries": queries,
        "code-index": weighted,
        "alternations_fully_represented": f"{complete}/{len(alternations)}",
    }


def markdown(report: dict) -> str:  # type: ignore[type-arg]
    """The summary table (bench/README.md), from a saved report: one row per system."""
    corpora = [name for name in ("stdlib", "django") if name in report]
    systems = [
        label
        for label, value in report[corpora[0]].items()
        if isinstance(value, dict) and "mrr" in value
    ]
    columns = ["recall@10 / MRR"] + [
        f"{name} ({report[name]['intent_queries']})" for name in corpora
    ]
    rows = [
        [system]
        + [
            f"{report[name][system]['recall@10']:.3f} / {report[name][system]['mrr']:.3f}"
            if system in report[name]
            else "n/a"
            for name in corpora
        ]
        for system in systems
    ]
    overall = report["all"]
    lines = [
        table(columns, rows),
        "",
        f"All {overall['intent_queries']} queries: recall@10 "
        f"{overall['code-index']['recall@10']:.3f}, MRR {overall['code-index']['mrr']:.3f}. "
        f"Alternations with every alternative in the top 20: "
        f"{overall['alternations_fully_represented']}.",
    ]
    if "stdlib_query_ms_median" in report:
        medians = report["stdlib_query_ms_median"].items()
        lines.append(
            "In-process query on the stdlib, median: "
            + ", ".join(f"{form} {ms:.2f} ms" for form, ms in medians)
        )
    return "\n".join(lines)


def render(report: dict) -> str:
    lines = []
    for name in ("stdlib", "django"):
        if name not in report:
            continue
        part = report[name]
        lines.append(f"{name}: {part['intent_queries']} intent queries")
        for label, value in part.items():
            if isinstance(value, dict) and "mrr" in value:
                lines.append(
                    f"  {label:<28} recall@10 {value['recall@10']:.3f}  MRR {value['mrr']:.3f}"
                )
        if part["accepted_answers_not_in_index"]:
            lines.append(f"  not in the index: {part['accepted_answers_not_in_index']}")
        for miss in part["misses"]:
            lines.append(f"  miss: {miss['query']!r} -> {miss['top3']}")
        for alt in part["alternations"]:
            lines.append(
                f"  {alt['query']:<28} total {alt['total']:>6}  represented "
                f"{alt['represented_in_top20']}/{alt['alternatives_with_matches']} "
                f"(baseline {alt['baseline_represented']})"
            )
    if "stdlib_query_ms_median" in report:
        lines.append("stdlib in-process query, median ms:")
        for form, ms in report["stdlib_query_ms_median"].items():
            lines.append(f"  {form:<22} {ms:>7.2f}")
    lines.append(f"all: {json.dumps(report['all'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
