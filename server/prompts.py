"""The "scan-before-writing" prompt and the server's instructions to agents."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

INSTRUCTIONS = (
    "code-index: a local index of this project's definitions (Python, TypeScript, Go, Rust, "
    "C#). Before writing a new function, check whether one like it exists: search_symbols "
    "by name, find_similar with a draft of the body. Read candidates with get_symbol and "
    "file_outline. Paths are relative to the project root; results are paged (`more`)."
)

SCAN_STEPS = """\
Before you write new code{what}, scan this project for code that already does it. Use the \
code-index tools in this order:

1. Names first. Call `search_symbols` with the words your function's name would contain, \
and with their synonyms (e.g. "user load", "fetch user", "get_user"). Narrow with \
`language`, `kind` ("function", "method", "class") or `path` (a glob such as "src/**"). \
Results are identifier-aware: "user" also finds UserService and get_user_by_id.
2. Bodies next. Draft the function (a rough body is enough) and call `find_similar` with \
it and its `language`. Similarity 0.9 or more means the code already exists: reuse it or \
call it. 0.7-0.9 means a close relative: read it and consider extending it instead.
3. Read before deciding. Use `get_symbol` (a name, or Class.method) to read each promising \
candidate and `file_outline` to see where it lives and what sits next to it.
4. Decide: reuse, extend, or write new. If you write new code, put it next to the related \
code you found and follow its naming and style.
5. After writing, call `find_duplicates` with `path` set to the file you changed, and \
`blocks: true`, to confirm you did not add a copy of existing code: a whole function, or a \
block of statements pasted inside a bigger one.

Paths are relative to the project root. Every list answer says how many more results there \
are (`more`); page with `offset` rather than asking for huge limits. The index follows file \
changes by itself; call `reindex` only if `index_status` says something looks wrong.
"""


def register(server: MCPServer[Any]) -> None:
    @server.prompt(
        name="scan-before-writing",
        title="Scan before writing",
        description=(
            "How to use code-index before writing new code: look for existing functions by "
            "name and by body, read them, then reuse, extend or write new."
        ),
    )
    def scan_before_writing(task: str = "") -> str:
        """`task`: optional, what you are about to write (e.g. 'a retry helper for HTTP
        calls')."""
        what = f" ({task.strip()})" if task.strip() else ""
        return SCAN_STEPS.format(what=what)
