"""Rewrite fixtures/refs/expected.json, the golden references of fixtures/refs/*, from the
current code. Run by hand after a deliberate change to a reference query, then read every
changed line against the sources before committing. Not collected by pytest.

    python tests/regen_refs_golden.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from codeindex.api import CodeIndex

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "fixtures" / "refs"
GOLDEN = SOURCES / "expected.json"
NAMES = ("parse", "Parse", "Loader", "Loader.parse", "Loader.Parse")


def golden_references(sources: Path = SOURCES) -> dict[str, list[list[object]]]:
    """name -> [path, line, column, kind, symbol] of each reference in the fixture files."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for source in sources.iterdir():
            if source.name != GOLDEN.name:
                shutil.copy(source, root / source.name)
        code_index = CodeIndex.open(root)
        code_index.refresh()
        try:
            return {
                name: [
                    [r.path, r.line, r.column, r.kind, r.symbol]
                    for r in code_index.references(name, limit=1000).references
                ]
                for name in NAMES
            }
        finally:
            code_index.close()


def render(golden: dict[str, list[list[object]]]) -> str:
    """One reference a line, so a diff reads like grep output."""
    blocks = []
    for name, rows in golden.items():
        lines = ",\n".join(f"    {json.dumps(row, ensure_ascii=False)}" for row in rows)
        blocks.append(f"  {json.dumps(name)}: [\n{lines}\n  ]")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def main() -> int:
    text = render(golden_references())
    if not GOLDEN.exists() or GOLDEN.read_text(encoding="utf-8") != text:
        GOLDEN.write_text(text, encoding="utf-8")
        print(f"updated {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
