"""The `code-index` console script: `code-index mcp` goes straight to the server.

An MCP client waits for the answer to `initialize`. The server answers it before it imports
the index library (that loads on a background thread), but `codeindex.cli` imports the
library at its top, which would put that load back in front of the answer. So `mcp` is routed
here, with the standard library alone imported; every other command goes to the CLI.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["mcp"]:
        return serve_mcp(args[1:])
    from codeindex.cli import main as cli

    return cli(args)


def serve_mcp(argv: list[str]) -> int:
    """The MCP server on stdio; it parses its own options. The one place in `codeindex`
    that imports the server: the library stays below its adapters."""
    from codeindex_server.main import main as serve

    return serve(argv)
