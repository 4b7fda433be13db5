"""The `code-index` console script: `code-index mcp` goes straight to the server.

An MCP client waits for the answer to `initialize`. The server answers it before it imports
the index library (that loads on a background thread), but `codeindex.cli` imports the
library at its top, which would put that load back in front of the answer. So `mcp` is routed
here, with the standard library alone imported; every other command goes to the CLI.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

from codeindex.gc_pause import cyclic_gc_paused


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["mcp"]:
        return serve_mcp(args[1:])
    # The imports make many objects and almost no garbage: the cyclic collector, set off by
    # the allocations, would only go through them again and again. The command then runs
    # with or without it as codeindex.cli.entry decides.
    with cyclic_gc_paused():
        from codeindex.cli import main as cli
    code = cli(args)
    if argv is None:
        # The process ends with the command. The interpreter's last collection at exit would
        # go through every object still alive (modules, the index's readers, the results) to
        # find almost no garbage; frozen, they are left to the teardown. Atexit handlers
        # still run, and every file the CLI writes is closed before the command returns.
        gc.freeze()
    return code


def serve_mcp(argv: list[str]) -> int:
    """The MCP server on stdio; it parses its own options. The one place in `codeindex`
    that imports the server: the library stays below its adapters."""
    from codeindex_server.main import main as serve

    return serve(argv)
