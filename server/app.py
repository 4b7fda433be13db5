"""Assemble the MCP server: the SDK's MCPServer, our tools and prompt, one IndexService."""

from __future__ import annotations

from importlib import metadata

from codeindex_server import prompts, tools
from codeindex_server.arguments import CheckedServer, refuse_unknown_arguments
from codeindex_server.service import IndexService
from mcp.server.mcpserver import MCPServer


def create_server(service: IndexService) -> MCPServer:
    try:
        version = metadata.version("code-index")
    except metadata.PackageNotFoundError:
        version = "0"
    server: MCPServer = CheckedServer(
        name="code-index",
        title="code-index",
        instructions=prompts.INSTRUCTIONS,
        version=version,
        log_level="WARNING",
    )
    tools.register(server, service)
    refuse_unknown_arguments(server)
    prompts.register(server)
    return server
