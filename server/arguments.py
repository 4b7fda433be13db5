"""Tool arguments checked before a tool runs, with one readable line per bad argument.

The SDK validates arguments with pydantic and answers with pydantic's own text (a block per
error with a documentation URL). An agent needs the argument's name, what was wrong and
what is allowed; and an argument the tool does not have must be refused, not ignored (a
misspelt `limt` would otherwise silently give the default).
"""

from __future__ import annotations

from typing import Any

from codeindex_server.service import IndexService
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

SHOWN_INPUT = 60  # characters of a rejected value quoted back


class CheckedServer(MCPServer[IndexService]):
    """MCPServer that refuses unknown arguments and explains bad ones in plain lines."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        tool = self._tool_manager.get_tool(name)
        if tool is not None:
            check(name, tool.parameters, tool.fn_metadata, arguments)
        return await super().call_tool(name, arguments, context)


def refuse_unknown_arguments(server: MCPServer[Any]) -> None:
    """Publish `additionalProperties: false` in every tool's input schema (what `check`
    enforces), so clients that validate before sending see it too."""
    for tool in server._tool_manager.list_tools():
        tool.parameters["additionalProperties"] = False


def check(tool: str, schema: dict[str, Any], metadata: Any, arguments: dict[str, Any]) -> None:
    properties: dict[str, Any] = schema.get("properties", {})
    problems = [
        f"{key}: unknown argument; {tool} takes {', '.join(properties) or 'no arguments'}"
        for key in arguments
        if key not in properties
    ]
    try:
        metadata.validate_arguments(arguments)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            problems.append(_line(error, properties))
    if problems:
        lines = "".join(f"\n- {problem}" for problem in dict.fromkeys(problems))
        raise ToolError(f"invalid arguments for {tool}:{lines}")


def _line(error: Any, properties: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ())]
    name = location[0] if location else "arguments"
    where = ".".join(location) if location else name
    if error.get("type") == "missing":
        return f"{where}: required ({_allowed(properties.get(name, {}))})"
    message = str(error.get("msg", "is not valid"))
    message = message[0].lower() + message[1:] if message else "is not valid"
    shown = repr(error.get("input"))
    if len(shown) > SHOWN_INPUT:
        shown = shown[:SHOWN_INPUT] + "..."
    return f"{where}: {message} (got {shown})"


def _allowed(field: dict[str, Any]) -> str:
    """What a parameter accepts, from its JSON schema: its description, else its type."""
    options = field.get("anyOf") or [field]
    for option in options:
        if "enum" in option:
            return "one of " + ", ".join(str(value) for value in option["enum"])
    if field.get("description"):
        return str(field["description"])
    return "a " + "/".join(str(option.get("type", "value")) for option in options)
