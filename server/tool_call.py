"""What every tool shares: the call's context, one decorator, and one paging helper.

Tools are module-level functions (tools.py) that take the SDK's `Context` and return one of
the output models (schemas.py). `@tool_call` is the only place that:
- runs the body on a worker thread (the library is synchronous; the event loop never
  blocks, so calls run side by side), cancellable (calls.py);
- makes the answer fresh first (IndexService.ensure_fresh) and adds its note;
- turns the library's input errors into tool errors with the library's message;
- renders the model: only the fields the tool set (as the CLI's JSON has them), and the same
  JSON, compact, as text for clients that read only text.
"""

# No `from __future__ import annotations`: the SDK reads the tools' signatures at run time.

import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ParamSpec, TypeVar

from codeindex_server import calls
from codeindex_server.clone_worker import WorkerError
from codeindex_server.schemas import Answer
from codeindex_server.service import IndexService, ServiceError
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent

P = ParamSpec("P")
T = TypeVar("T")

# The context a tool receives: its lifespan value is the server's IndexService (app.py).
Ctx = Context[IndexService, Any]


def service_of(ctx: Ctx) -> IndexService:
    return ctx.request_context.lifespan_context


def tool_call(
    fresh: bool = True,
) -> Callable[[Callable[P, Answer]], Callable[P, Awaitable[CallToolResult]]]:
    """Make a synchronous tool body (first argument `ctx`) into the SDK's async tool. With
    `fresh`, the index reflects every change made before the call (a note says when it
    cannot)."""

    def decorate(body: Callable[P, Answer]) -> Callable[P, Awaitable[CallToolResult]]:
        @functools.wraps(body)
        async def run(*args: P.args, **kwargs: P.kwargs) -> CallToolResult:
            ctx: Ctx = kwargs["ctx"]  # type: ignore[assignment]
            service = service_of(ctx)

            def work() -> CallToolResult:
                try:
                    note = service.ensure_fresh() if fresh else ""
                    return render(body(*args, **kwargs), note)
                except Exception as exc:
                    raise as_tool_error(exc) from None

            return await calls.in_thread(work, ctx.report_progress)

        return run

    return decorate


def render(answer: Answer, freshness_note: str = "") -> CallToolResult:
    data = answer.model_dump(mode="json", exclude_unset=True)
    own = data.pop("note", None) or ""
    if freshness_note in own:  # an empty index's answer quotes the build note already
        freshness_note = ""
    note = "; ".join(part for part in (freshness_note, own) if part)
    if note:
        data["note"] = note
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def as_tool_error(exc: Exception) -> Exception:
    """A tool error carrying the library's message for input errors; anything else as is
    (the SDK answers "Error executing tool" without our internals)."""
    if isinstance(exc, ToolError | calls.Cancelled):
        return exc
    if isinstance(exc, ServiceError | WorkerError) or is_user_error(exc):
        return ToolError(str(exc))
    return exc


def is_user_error(exc: Exception) -> bool:
    # Imported here: the library loads on the background thread, after `initialize`.
    from codeindex.api import UsageError
    from codeindex.storage import IndexBusy, IndexError_

    return isinstance(exc, UsageError | IndexError_ | IndexBusy)


def page(
    ranked: Sequence[T], total: int, offset: int, limit: int, first: int = 0
) -> tuple[list[T], int]:
    """The page [offset, offset + limit) of a ranked answer, and how many results follow it.
    `ranked[0]` is result number `first` (0, or `offset` when the library skipped for us)."""
    items = list(ranked[offset - first : offset - first + limit])
    return items, max(0, total - offset - len(items))


def root_relative(service: IndexService, path: str) -> str:
    """A root-relative path for tool input; refuses `..`, absolute paths and symlinks that
    leave the root (CodeIndex.relative_path resolves them before checking)."""
    if not path.strip():
        raise ToolError("path is empty; pass a file path relative to the project root")
    if "\0" in path:
        raise ToolError("path contains a NUL byte; pass a plain path relative to the project root")
    return service.code_index().relative_path(path)
