"""Assemble the MCP server: the SDK's MCPServer, our tools and prompt, one IndexService."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata

from codeindex_server import prompts, tools
from codeindex_server.arguments import CheckedServer, refuse_unknown_arguments
from codeindex_server.service import IndexService
from mcp.server.mcpserver import MCPServer


def create_server(service: IndexService) -> MCPServer[IndexService]:
    """The server, whose lifespan hands `service` to every tool call (Context's
    `request_context.lifespan_context`). The service outlives connections: an in-process
    client enters the lifespan once per connection, and reopening the index for each would
    cost a walk of the tree; whoever created the service stops it (main.serve)."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[IndexService]) -> AsyncIterator[IndexService]:
        service.start()  # opens and catches up in the background; the first call waits
        yield service

    try:
        version = metadata.version("code-index")
    except metadata.PackageNotFoundError:
        version = "0"
    server = CheckedServer(
        name="code-index",
        title="code-index",
        instructions=prompts.INSTRUCTIONS,
        version=version,
        log_level="WARNING",
        lifespan=lifespan,
    )
    tools.register(server)
    refuse_unknown_arguments(server)
    prompts.register(server)
    return server
