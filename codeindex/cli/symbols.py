"""search, outline, refs and export: the commands that read symbols and references."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from codeindex.api import OutlineNode, outline_tree
from codeindex.cli.opening import open_index
from codeindex.cli.output import (
    EXIT_OK,
    emit_json,
    format_reference,
    format_symbol,
    too_large_files,
    write_ctags,
)


def cmd_search(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    result = code_index.search(
        " ".join(args.query),
        languages=args.type,
        kinds=args.kind,
        paths=args.path,
        limit=args.limit,
        tests=args.tests,
    )
    if args.refs:
        result = code_index.with_reference_counts(result)
    if result.note:  # nothing matched
        too_large = too_large_files(code_index.status())
        print(f"code-index: {'; '.join(filter(None, (result.note, too_large)))}", file=sys.stderr)
    if args.json:
        emit_json(result.to_json())
        return EXIT_OK
    for hit in result.hits:
        line = format_symbol(hit.symbol)
        if hit.refs is not None:
            line += f"  ({hit.refs} ref{'' if hit.refs == 1 else 's'})"
        print(f"{line}  -- {hit.symbol.doc}" if hit.match == "doc" and hit.symbol.doc else line)
    if result.total > len(result.hits):
        print(f"({result.total - len(result.hits)} more; raise --limit)", file=sys.stderr)
    return EXIT_OK


def cmd_refs(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    result = code_index.references(
        args.name, languages=args.type, kinds=args.kind, paths=args.path, limit=args.limit
    )
    if args.json:
        emit_json(result.to_json())
    else:
        for reference in result.references:
            print(format_reference(reference))
        if result.total > len(result.references):
            more = result.total - len(result.references)
            print(f"({more} more; raise --limit)", file=sys.stderr)
        elif not result.total and not result.note:
            print(f"no references to {args.name!r} found", file=sys.stderr)
    if result.note:
        print(result.note, file=sys.stderr)
    return EXIT_OK


def cmd_outline(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    symbols = code_index.outline(args.file, base=Path.cwd())
    if args.json:
        path = code_index.relative_path(args.file, base=Path.cwd())
        emit_json({"path": path, "symbols": [s.to_json() for s in symbols]})
        return EXIT_OK
    print_outline(outline_tree(symbols))
    return EXIT_OK


def print_outline(nodes: list[OutlineNode], depth: int = 0) -> None:
    """One line per symbol, indented under its scope: the nesting MCP's file_outline gives."""
    for node in nodes:
        symbol = node.symbol
        print(f"{'  ' * depth}{symbol.line:>5}  {symbol.kind:<11} {symbol.signature}")
        print_outline(node.children, depth + 1)


def cmd_export(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    symbols = code_index.export_symbols(args.type)
    if args.format == "jsonl":
        for symbol in symbols:
            data = symbol.to_json()
            data.pop("doc")
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return EXIT_OK
    write_ctags(symbols, sys.stdout.write)
    return EXIT_OK
