"""`code-index ARGS`: route to a command, pause the collector for one-shot work, and turn
errors into one line on stderr with exit code 2."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from codeindex import api, storage
from codeindex.cli.arguments import build_parser, with_command
from codeindex.cli.clones import cmd_dups, cmd_similar
from codeindex.cli.maintenance import cmd_index, cmd_status, cmd_watch
from codeindex.cli.output import EXIT_OK, EXIT_USAGE, fail
from codeindex.cli.show import cmd_show
from codeindex.cli.symbols import cmd_export, cmd_outline, cmd_refs, cmd_search
from codeindex.gc_pause import cyclic_gc_paused

if TYPE_CHECKING:
    import argparse

# Commands that run until stopped keep the cyclic garbage collector running.
RUN_UNTIL_STOPPED = frozenset({"watch"})

HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "search": cmd_search,
    "index": cmd_index,
    "status": cmd_status,
    "outline": cmd_outline,
    "show": cmd_show,
    "refs": cmd_refs,
    "export": cmd_export,
    "dups": cmd_dups,
    "similar": cmd_similar,
    "watch": cmd_watch,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args_list = with_command(list(sys.argv[1:] if argv is None else argv), parser)
    if args_list[:1] == ["mcp"]:
        return cmd_mcp(args_list[1:])
    if (bad := next((a for a in args_list if not _is_text(a)), None)) is not None:
        return fail(f"argument {bad!r} is not valid UTF-8 text; pass names and paths as text")
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    handler = HANDLERS[args.command]
    try:
        if args.command in RUN_UNTIL_STOPPED:
            return handler(args)
        with cyclic_gc_paused():  # a one-shot call: see codeindex.gc_pause
            return handler(args)
    except (api.UsageError, storage.IndexError_) as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # damaged index files surface as zlib, pickle or struct errors
        if os.environ.get("CODE_INDEX_DEBUG"):
            raise
        advice = (
            "the index may be damaged: run `code-index index --rebuild`"
            if storage.raised_reading_the_index(exc)
            else "this is a bug in code-index; please report it"
        )
        return fail(
            f"{type(exc).__name__}: {str(exc).rstrip('.')}; {advice} "
            "(CODE_INDEX_DEBUG=1 shows the traceback)"
        )


def _is_text(argument: str) -> bool:
    """Arguments the OS could not decode carry surrogate escapes."""
    try:
        argument.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def cmd_mcp(argv: list[str]) -> int:
    """The MCP server, which parses its own options. The launcher owns starting it, so the
    library never imports the server (the console script goes there before importing this
    package: see codeindex.launcher)."""
    from codeindex.launcher import serve_mcp

    return serve_mcp(argv)
