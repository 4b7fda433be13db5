"""Regenerate the tables in bench/README.md from the saved results in bench/results/.

    python bench/index_bench.py --json bench/results/index_bench.json   # any saved bench
    python bench/tables.py            # rewrite README sections from bench/results/*.json
    python bench/tables.py --check    # exit 1 if bench/README.md is not up to date

A saved result `NAME.json` belongs to `bench/NAME.py`, whose `markdown(payload)` renders it.
It replaces the text between `<!-- results:NAME -->` and `<!-- /results:NAME -->` in
bench/README.md; a result without such markers is reported and left out.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import RESULTS, ran_on  # noqa: E402

README = Path(__file__).resolve().parent / "README.md"


def section(name: str, payload: dict[str, object]) -> str:
    bench = importlib.import_module(name)
    body = bench.markdown(payload).rstrip()
    return f"{body}\n\n{ran_on(payload)}".rstrip()


def regenerate(text: str, results: Path) -> tuple[str, list[str]]:
    """The README text with every saved result's section rewritten, and the names of saved
    results the README has no markers for."""
    missing = []
    for saved in sorted(results.glob("*.json")):
        name = saved.stem
        pattern = re.compile(
            rf"(<!-- results:{re.escape(name)} -->\n).*?(<!-- /results:{re.escape(name)} -->)",
            re.DOTALL,
        )
        match = pattern.search(text)
        if match is None:
            missing.append(name)
            continue
        body = section(name, json.loads(saved.read_text(encoding="utf-8")))
        text = text[: match.end(1)] + body + "\n" + text[match.start(2) :]
    return text, missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args()
    old = README.read_text(encoding="utf-8")
    new, missing = regenerate(old, RESULTS)
    for name in missing:
        print(f"bench/results/{name}.json: no <!-- results:{name} --> section in bench/README.md")
    if args.check:
        print("bench/README.md is current" if new == old else "bench/README.md is out of date")
        return 0 if new == old else 1
    if new != old:
        README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
