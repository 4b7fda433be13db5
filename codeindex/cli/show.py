"""show: the source of the definitions carrying a name, a page of them, and a note when the
name is ambiguous or found nowhere (or only outside --path)."""

from __future__ import annotations

import argparse
import shlex
import sys

from codeindex.api import CodeIndex, SymbolSource
from codeindex.cli.opening import open_index
from codeindex.cli.output import EXIT_OK, emit_json, fail, format_reference
from codeindex.models import Symbol

PLACES_SHOWN = 3  # files named in the note when the name is only defined outside --path


def cmd_show(args: argparse.Namespace) -> int:
    if args.limit < 1:
        return fail("--limit must be at least 1")
    code_index = open_index(args)
    # --path is root-relative (or absolute), as paths are printed and as search and refs take it.
    definitions = code_index.definitions(args.name, args.path)
    found = [SymbolSource(s, code_index.source_of(s)) for s in definitions[: args.limit]]
    note = show_note(code_index, args.name, args.path, definitions, len(found))
    if note:
        print(f"code-index: {note}", file=sys.stderr)
    callers = [code_index.callers(item.symbol) if args.refs else None for item in found]
    if args.json:
        matches = [item.to_json() for item in found]
        for match, refs in zip(matches, callers, strict=True):
            if refs is not None:
                match["refs"] = refs.to_json()
        total = len(definitions)
        emit_json({"name": args.name, "total": total, "ambiguous": total > 1, "matches": matches})
        return EXIT_OK
    for item, refs in zip(found, callers, strict=True):
        symbol = item.symbol
        print(f"{symbol.path}:{symbol.start_line}-{symbol.end_line}  {symbol.qualified_name}")
        print(item.source)
        if refs is not None:
            print(f"-- {refs.total} reference{'' if refs.total == 1 else 's'} to {refs.name}")
            for reference in refs.references:
                print(format_reference(reference))
        print()
    return EXIT_OK


def show_note(
    code_index: CodeIndex, name: str, path: str | None, definitions: list[Symbol], shown: int
) -> str:
    """One line for stderr: how to narrow an ambiguous name and how many were left out, or
    where else the name is defined, or how to look for it; "" for one definition."""
    total = len(definitions)
    if total == 1:
        return ""
    if total > 1:
        exact = definitions[0].qualified_name == name
        more = f"; {total - shown} more: raise --limit" if total > shown else ""
        return (
            f"{total} definitions named {name!r}"
            + (", the exact qualified match first" if exact else "")
            + more
            + f"; narrow with Class.{name.rpartition('.')[2]} or --path"
        )
    if path is not None:
        return not_in_path_note(code_index, name, path)
    return f"no symbol named {name!r}; look for it with `code-index search {shlex.quote(name)}`"


def not_in_path_note(code_index: CodeIndex, name: str, path: str) -> str:
    """Nothing in --path: say whether the path holds any indexed file, and where the name is
    defined instead."""
    relative = code_index.relative_path(path)
    matches_files = any(c in relative for c in "*?[") or bool(code_index.file_records([relative]))
    where = (
        f"in --path {path}"
        if matches_files
        else f"in --path {path}: no indexed file is there (the path is relative to the root "
        f"{code_index.root})"
    )
    elsewhere = code_index.definitions(name)
    if not elsewhere:
        return f"no symbol named {name!r} {where}, nor anywhere else"
    places = sorted({symbol.path for symbol in elsewhere})
    listed = ", ".join(places[:PLACES_SHOWN])
    if len(places) > PLACES_SHOWN:
        listed += f" and {len(places) - PLACES_SHOWN} more files"
    count = f"{len(elsewhere)} definition{'' if len(elsewhere) == 1 else 's'}"
    return f"no symbol named {name!r} {where}; {count} in {listed}"
