"""The command line's grammar: one argparse sub-parser per command."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeAlias

from codeindex import api
from codeindex.clones import DEFAULT_MIN_SIMILARITY
from codeindex.models import KINDS
from codeindex.refs import REFERENCE_KINDS

SHOW_LIMIT = 10  # a common name (`__init__`) has hundreds of definitions

COMMANDS = (
    "search",
    "index",
    "status",
    "watch",
    "outline",
    "show",
    "refs",
    "export",
    "dups",
    "similar",
    "mcp",
)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root",
        type=Path,
        help="project root (default: nearest .code-index/, "
        "else the git top level, else the current directory)",
    )
    common.add_argument(
        "--max-file-size",
        type=int,
        metavar="BYTES",
        help="skip files larger than this (default 1 MiB, or $CODE_INDEX_MAX_FILE_SIZE); "
        "the limit is kept by the index for later commands until another is given",
    )

    parser = argparse.ArgumentParser(
        prog="code-index",
        description="Local code index and near-duplicate scanner. "
        "`code-index QUERY` is short for `code-index search QUERY`, with options before or "
        "after the query; a query that is a command's name needs `search`: "
        "`code-index search watch`.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_search(commands, common)
    add_maintenance(commands, common)
    add_reading(commands, common)
    add_dups(commands, common)
    add_similar(commands, common)
    # Listed for --help only: `main` hands `mcp` and its options to the server's own parser.
    commands.add_parser(
        "mcp", parents=[common], help="run the MCP server on stdio (code-index mcp --help)"
    )
    return parser


def with_command(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """`argv` with its command first: `search` unless it names one. Agents often put options
    first (`-t py user`, `--root DIR status`): a command word after options is the command
    when that command takes every one of them, else the query of a search."""
    if not argv or argv[0] in COMMANDS or argv[0] in ("-h", "--help"):
        return argv
    options = command_options(parser)
    takes_value = {name for named in options.values() for name, value in named.items() if value}
    position = 0
    while position < len(argv) and argv[position].startswith("-") and argv[position] != "-":
        name = argv[position].partition("=")[0]
        attached = "=" in argv[position] or (name[:2] in takes_value and len(name) > 2)
        position += 2 if name in takes_value and not attached else 1
    first = argv[position] if position < len(argv) else None
    if first in COMMANDS:
        leading = [a.partition("=")[0] for a in argv[:position] if a.startswith("-")]
        if all(name in options[first] or name[:2] in options[first] for name in leading):
            return [first, *argv[:position], *argv[position + 1 :]]
    return ["search", *argv]


def command_options(parser: argparse.ArgumentParser) -> dict[str, dict[str, bool]]:
    """Each command's option strings, and whether each takes a value."""
    commands = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    return {
        name: {
            option: action.nargs != 0
            for action in command._actions
            for option in action.option_strings
        }
        for name, command in commands.choices.items()
    }


# What `add_subparsers` returns; argparse names no public type for it.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_search(commands: Commands, common: argparse.ArgumentParser) -> None:
    search = commands.add_parser("search", parents=[common], help="find symbols by name")
    search.add_argument(
        "query",
        nargs="+",
        help="name, part of one, or words; `pars*` prefix; `A|B` either; `^`/`$` anchors; "
        "`class User` kind word; `Loader.parse` in a class or module; inline filters "
        "kind:K lang:L path:GLOB",
    )
    add_type(search)
    search.add_argument(
        "--kind", action="append", choices=KINDS, help="only this kind (repeatable)"
    )
    search.add_argument(
        "--path",
        action="append",
        metavar="GLOB",
        help="only files matching this gitignore-style glob (repeatable)",
    )
    search.add_argument(
        "--tests",
        choices=("include", "exclude", "only"),
        default="include",
        help="tests and fixtures: include (ranked after library code), exclude, only",
    )
    search.add_argument("--limit", type=int, default=api.DEFAULT_LIMIT)
    add_count_refs(search)
    add_json(search)


def add_maintenance(commands: Commands, common: argparse.ArgumentParser) -> None:
    index = commands.add_parser("index", parents=[common], help="build or refresh the index")
    index.add_argument("--rebuild", action="store_true", help="start from scratch")
    add_json(index)

    status = commands.add_parser("status", parents=[common], help="what the index holds")
    add_json(status)

    commands.add_parser("watch", parents=[common], help="keep the index current while files change")


def add_reading(commands: Commands, common: argparse.ArgumentParser) -> None:
    """outline, show, refs and export: what the index holds about files and names."""
    outline = commands.add_parser("outline", parents=[common], help="symbols of one file")
    outline.add_argument("file")
    add_json(outline)

    show = commands.add_parser("show", parents=[common], help="source of a symbol")
    show.add_argument("name", help="a name or qualified name, e.g. UserService.get_user")
    show.add_argument(
        "--path",
        metavar="PATH",
        help="only in this file, folder or glob, relative to the root as paths are printed",
    )
    show.add_argument(
        "--refs", action="store_true", help="also the first references to it (see `refs`)"
    )
    show.add_argument(
        "--limit",
        type=int,
        default=SHOW_LIMIT,
        help="definitions shown when several carry the name (default %(default)s)",
    )
    add_json(show)

    refs = commands.add_parser(
        "refs", parents=[common], help="where a name is used: calls, types, imports, ..."
    )
    refs.add_argument("name", help="a name, or Type.name to narrow by receiver")
    add_type(refs)
    refs.add_argument(
        "--kind",
        action="append",
        choices=REFERENCE_KINDS,
        help="only this kind of use (repeatable)",
    )
    refs.add_argument(
        "--path",
        action="append",
        metavar="GLOB",
        help="only files matching this gitignore-style glob (repeatable)",
    )
    refs.add_argument("--limit", type=int, default=api.DEFAULT_REFS_LIMIT)
    add_json(refs)

    export = commands.add_parser(
        "export", parents=[common], help="every symbol, as JSON lines or a ctags tags file"
    )
    export.add_argument("--format", choices=("jsonl", "ctags"), default="jsonl")
    add_type(export)


def add_dups(commands: Commands, common: argparse.ArgumentParser) -> None:
    dups = commands.add_parser(
        "dups", parents=[common], help="groups of duplicated functions (exact, renamed, edited)"
    )
    add_type(dups)
    add_min_similarity(dups)
    dups.add_argument(
        "--min-lines",
        type=int,
        default=None,
        metavar="N",
        help="ignore functions shorter than N lines (default 6)",
    )
    dups.add_argument(
        "--blocks",
        action="store_true",
        help="also report blocks copied inside bigger functions (50+ tokens, 6+ lines)",
    )
    dups.add_argument("--path", help="only groups touching this file or directory")
    dups.add_argument(
        "--tests",
        choices=("include", "exclude", "only"),
        default="exclude",
        help="groups made only of test code: listed after the rest, left out (the default: "
        "one line counts them) or listed alone",
    )
    dups.add_argument(
        "--hide-intentional",
        "--hide-variants",  # its name when platform variants were the only such label
        dest="hide_intentional",
        action="store_true",
        help="leave out groups kept on purpose: platform variants, mirrored packages, "
        "families (per flavour, arity or type), deprecated and vendored code",
    )
    dups.add_argument("--limit", type=int, default=None, help="print at most N groups")
    add_dups_report(dups)
    add_json(dups)


def add_dups_report(dups: argparse.ArgumentParser) -> None:
    """The options of `dups` that shape its report, its baseline and its exit code."""
    dups.add_argument(
        "--members",
        type=int,
        default=None,
        metavar="N",
        help="text: members shown per group before a summary of the rest (default 3); "
        "JSON and SARIF always hold every member",
    )
    dups.add_argument("--format", choices=("text", "json", "sarif"), default=None)
    dups.add_argument(
        "--baseline",
        metavar="FILE",
        help="report, and fail on, only groups that FILE does not hold",
    )
    dups.add_argument(
        "--update-baseline",
        metavar="FILE",
        help="write every group of this scan to FILE as the baseline, then report as usual",
    )
    dups.add_argument(
        "--fail-on",
        type=int,
        default=None,
        metavar="N",
        help="exit 1 when the report shows more than N groups (for CI): what --tests, "
        "--hide-intentional, --path and --baseline leave out is not counted, and --limit "
        "does not change the count",
    )


def add_similar(commands: Commands, common: argparse.ArgumentParser) -> None:
    similar = commands.add_parser(
        "similar", parents=[common], help="existing functions like a snippet (FILE or stdin)"
    )
    similar.add_argument(
        "file",
        nargs="?",
        default="-",
        help="snippet file, or - for stdin; a file's extension gives its language unless --type",
    )
    add_type(similar)
    similar.add_argument("--limit", type=int, default=10)
    add_min_similarity(similar)
    add_count_refs(similar)
    add_json(similar)


def add_count_refs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--refs",
        action="store_true",
        help="also count each match's references, as `refs` finds them (one pass per name)",
    )


def add_type(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--type",
        "-t",
        action="append",
        metavar="LANG",
        help="py/python, ts/typescript, tsx, go, rs/rust, cs/csharp (repeatable)",
    )


def add_min_similarity(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-similarity",
        type=float,
        default=DEFAULT_MIN_SIMILARITY,
        metavar="F",
        help="lowest verified similarity to report, 0-1 (default %(default)s)",
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
