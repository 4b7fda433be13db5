"""Text and JSON rendering shared by the commands, and the one way to fail with a usage error."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

from codeindex.api_types import IndexStatus
from codeindex.models import Reference, Symbol

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2

# Universal ctags kind letters, so editors show familiar kinds.
CTAGS_KINDS = {
    "function": "f",
    "method": "m",
    "constructor": "m",
    "property": "p",
    "class": "c",
    "record": "c",
    "struct": "s",
    "interface": "i",
    "trait": "i",
    "enum": "g",
    "type": "t",
    "namespace": "n",
    "module": "n",
    "macro": "d",
}


def fail(message: str) -> int:
    print(f"code-index: {message}", file=sys.stderr)
    return EXIT_USAGE


def emit_json(data: Any) -> None:
    # dumps, not dump: only a one-shot encode uses the C encoder (dump to a stream runs the
    # pure-Python one: about 0.1 s more for a `dups` report on the stdlib).
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def format_reference(reference: Reference) -> str:
    place = f"{reference.path}:{reference.line}:{reference.column}"
    return f"{place}  {reference.symbol}  {reference.text}"


def format_symbol(symbol: Symbol) -> str:
    return (
        f"{symbol.path}:{symbol.line}  {symbol.kind:<11} {symbol.qualified_name}  "
        f"{symbol.signature}"
    )


def size_limit_line(limit: int, source: str) -> str:
    """The size limit in force and where it comes from (codeindex.api_open.size_limit)."""
    origin = {
        "option": "from --max-file-size, kept by the index for later commands",
        "environment": "from $CODE_INDEX_MAX_FILE_SIZE, kept by the index for later commands",
        "index": "given earlier and kept by the index; --max-file-size BYTES changes it",
        "default": "the default; --max-file-size BYTES changes it",
    }
    return f"{limit} bytes ({origin.get(source, source)})"


def too_large_files(status: IndexStatus) -> str:
    """How many files were skipped as too large, and the limit: where an answer may be
    missing from (the index keeps a --max-file-size given once: codeindex.api_open)."""
    count = status["skipped"].get("too large", 0)
    if not count:
        return ""
    limit = size_limit_line(status["max_file_size"], status["max_file_size_from"])
    return f"{count} file{'' if count == 1 else 's'} skipped as larger than {limit}"


def write_ctags(symbols: Iterable[Symbol], write: Callable[[str], Any]) -> None:
    """Extended ctags format, sorted by name, as vim and emacs (etags-compatible readers via
    ctags) expect."""
    lines = []
    unwritable = 0
    for symbol in symbols:
        if any(c in symbol.path for c in "\t\n\r"):
            unwritable += 1  # the tags format has no way to quote these in a file name
            continue
        scope = symbol.qualified_name.rpartition(".")[0]
        fields = [
            CTAGS_KINDS.get(symbol.kind, "f"),
            f"line:{symbol.line}",
            f"language:{symbol.language}",
        ]
        if scope:
            fields.append(f"scope:{scope}")
        lines.append(f'{symbol.name}\t{symbol.path}\t{symbol.line};"\t' + "\t".join(fields))
    write("!_TAG_FILE_FORMAT\t2\t/extended format/\n")
    write("!_TAG_FILE_SORTED\t1\t/0=unsorted, 1=sorted, 2=foldcase/\n")
    write("!_TAG_PROGRAM_NAME\tcode-index\t//\n")
    for line in sorted(lines, key=lambda text: text.encode("utf-8")):
        write(line + "\n")
    if unwritable:
        print(
            f"code-index: {unwritable} symbols left out: their file names hold tabs or "
            "line breaks, which a tags file cannot hold (`export` as JSON lines has them)",
            file=sys.stderr,
        )
