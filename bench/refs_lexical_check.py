"""References (#22): the shortcuts of a query change no answer: the lexical filter of Python
comments and strings, the simple statements and the definitions' headers parsed alone
(codeindex.refs.lexical), and the files left unread because they write the name only where they
define it (Outline.only_defines).
For a seeded sample of a corpus's words and a list of common ones, `refs` with the shortcuts
and without them (every candidate read, every occurrence parsed in its whole region) must list
the same references.

    # on an indexed (or to-be-indexed) COPY of a corpus, never the corpus in place
    python bench/refs_lexical_check.py /tmp/stdlib --corpus stdlib \
        --json bench/results/refs_lexical_check.json
    python bench/refs_lexical_check.py /tmp/tokio --corpus tokio --ext rs --json ...

The refs cache is cleared before each query, so both sides verify every file. `--json FILE`
adds or replaces this corpus's row in FILE. Exit 1 if any name differs.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path

from codeindex.api import CodeIndex
from codeindex.refs import verify
from codeindex.refs.blob import Outline
from codeindex.storage import OtherVersion

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import machine, save, table  # noqa: E402

# fmt: off
COMMON = (
    "self", "None", "name", "value", "data", "test", "get", "file", "path", "__name__",
    "__main__", "os", "sys", "print", "format", "type", "object", "the", "return", "import",
    "str", "len", "isinstance", "__init__", "wraps", "request", "super", "cls", "result",
    "key", "items", "append", "join", "Exception", "raise", "not", "in", "a", "b", "x",
    "Loader.parse", "self.assertEqual",
)
# fmt: on


def sample(root: Path, count: int, extension: str = "py") -> list[str]:
    """`count` words of 3+ characters from 200 of the corpus's files of `extension` (seeded),
    then, for Python, COMMON: words that live in comments, docstrings and strings as much as
    in code."""
    rng = random.Random(7)
    files = sorted(p for p in root.rglob(f"*.{extension}") if ".code-index" not in p.parts)
    words: set[str] = set()
    for path in rng.sample(files, min(200, len(files))):
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]{2,}", path.read_text(errors="replace")))
    names = sorted(words)
    rng.shuffle(names)
    return names[:count] + list(COMMON if extension == "py" else ())


def _never(outline: Outline, name: str) -> bool:
    return False


def check(root: Path, names: list[str]) -> dict[str, object]:
    try:
        code_index = CodeIndex.open(root)
    except OtherVersion:  # a copy indexed by another code-index: this run's code decides
        code_index = CodeIndex.open(root, rebuild=True)
    code_index.refresh()
    cache = root / ".code-index" / "refs-cache"
    filters = dict(verify.CODE_FILTERS)
    splitters = dict(verify.STATEMENT_SPLITTERS)
    headers = dict(verify.HEADERS)
    only_defines = Outline.only_defines
    seconds = {"parsed": 0.0, "filtered": 0.0}
    differ: list[str] = []
    sites = 0
    try:
        for name in names:
            answers = []
            for side in seconds:
                verify.CODE_FILTERS.clear()
                verify.STATEMENT_SPLITTERS.clear()
                verify.HEADERS.clear()
                Outline.only_defines = _never  # type: ignore[method-assign,assignment]
                if side == "filtered":
                    verify.CODE_FILTERS.update(filters)
                    verify.STATEMENT_SPLITTERS.update(splitters)
                    verify.HEADERS.update(headers)
                    Outline.only_defines = only_defines  # type: ignore[method-assign]
                shutil.rmtree(cache, ignore_errors=True)
                started = time.process_time()
                answers.append(code_index.references(name, limit=10**9).to_json())
                seconds[side] += time.process_time() - started
            sites += int(answers[0]["total"])
            if answers[0] != answers[1]:
                differ.append(name)
    finally:
        verify.CODE_FILTERS.clear()
        verify.CODE_FILTERS.update(filters)
        verify.STATEMENT_SPLITTERS.update(splitters)
        verify.HEADERS.update(headers)
        Outline.only_defines = only_defines  # type: ignore[method-assign]
        code_index.close()
    return {
        "names": len(names),
        "references": sites,
        "differ": differ,
        "cpu_parsed": round(seconds["parsed"], 2),
        "cpu_filtered": round(seconds["filtered"], 2),
    }


def markdown(payload: dict[str, object]) -> str:
    rows = []
    for corpus, row in payload.items():
        if isinstance(row, dict) and "differ" in row:
            differ = row["differ"]
            rows.append(
                [corpus, row["names"], row["references"], len(differ) if differ else "none"]
                + [f"{row['cpu_parsed']:.1f}", f"{row['cpu_filtered']:.1f}"]
            )
    columns = ["corpus", "names", "references", "names that differ"]
    columns += ["CPU s, every occurrence parsed", "CPU s, with the shortcuts"]
    return table(columns, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="a copy of a Python corpus")
    parser.add_argument("--corpus", help="the corpus's name in the table (default: ROOT's)")
    parser.add_argument("--names", type=int, default=300, help="how many words to sample")
    parser.add_argument("--ext", default="py", help="sample the words of these files")
    parser.add_argument("--json", type=Path, help="add or replace this corpus's row in FILE")
    args = parser.parse_args()
    started = machine()
    row = check(args.root.resolve(), sample(args.root, args.names, args.ext))
    print(json.dumps(row))
    if args.json:
        payload = json.loads(args.json.read_text()) if args.json.exists() else {}
        payload[args.corpus or args.root.name] = row
        payload["machine"] = started
        payload.pop("load_avg_end", None)
        save(args.json, payload)
    return 1 if row["differ"] else 0


if __name__ == "__main__":
    sys.exit(main())
