"""Rewrite the golden symbol files under fixtures/<language>/ from the current extractor.

Run by hand after a deliberate change to extraction, then read every changed golden line by
line against its source before committing: a golden that merely records the current output
tests nothing. Not collected by pytest.

    python tests/regen_goldens.py                      # every existing golden
    python tests/regen_goldens.py fixtures/go/new.go   # also create goldens for new sources
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from codeindex.extract import extract
from codeindex.languages import language_for_path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GOLDEN_SUFFIX = ".expected.json"
FIELDS = ("name", "qualified_name", "kind", "line", "end_line", "signature", "doc")


def golden_path(source: Path) -> Path:
    return source.with_name(source.name + GOLDEN_SUFFIX)


def expected_symbols(source: Path) -> list[dict[str, object]]:
    """The golden form of a fixture: the contract fields of each symbol, in file order."""
    spec = language_for_path(source.name)
    if spec is None:
        raise SystemExit(f"{source}: no language for this extension")
    relative = source.relative_to(ROOT).as_posix()
    symbols = extract(source.read_bytes(), spec, relative).symbols
    return [{field: getattr(symbol, field) for field in FIELDS} for symbol in symbols]


def render(symbols: list[dict[str, object]]) -> str:
    return json.dumps(symbols, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    sources = {
        golden.with_name(golden.name[: -len(GOLDEN_SUFFIX)])
        for golden in FIXTURES.glob(f"*/*{GOLDEN_SUFFIX}")
    }
    sources.update(Path(arg).resolve() for arg in argv)
    for source in sorted(sources):
        golden = golden_path(source)
        text = render(expected_symbols(source))
        old = golden.read_text(encoding="utf-8") if golden.exists() else None
        if old != text:
            golden.write_text(text, encoding="utf-8")
            print(f"{'updated' if old is not None else 'created'} {golden.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
