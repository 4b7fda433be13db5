"""Shaping the library's results into the tools' answers (schemas.py), and the checks on
paths that several tools share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from codeindex_server import schemas
from codeindex_server.service import IndexService
from codeindex_server.tool_call import is_user_error, root_relative
from mcp.server.mcpserver.exceptions import ToolError

from codeindex.api_types import outline_tree as nest_outline

if TYPE_CHECKING:
    from codeindex.api import CodeIndex
    from codeindex.models import Symbol

MAX_SOURCE_LINES = 400
MAX_CANDIDATES_WITH_SOURCE = 3
MAX_MATCHES_SHOWN = 20
SKIPPED_FILES_SHOWN = 20


def with_sources(code_index: CodeIndex, symbols: list[Symbol]) -> list[tuple[Symbol, str | None]]:
    """The definitions, the first few with their source text (reading thousands of files
    for `__init__` would only be thrown away)."""
    return [
        (symbol, code_index.source_of(symbol) if rank < MAX_CANDIDATES_WITH_SOURCE else None)
        for rank, symbol in enumerate(symbols)
    ]


def symbol_answer(name: str, found: list[tuple[Symbol, str | None]]) -> schemas.GetSymbolOutput:
    """Every definition that carries the name (bare or qualified), an exact qualified-name
    match first; `ambiguous` whenever there is more than one. The first few come with
    their source, the rest (up to 20) as candidates."""
    shown = found[:MAX_MATCHES_SHOWN]
    ambiguous = len(found) > 1
    note = ""
    if ambiguous:
        exact = found[0][0].qualified_name == name
        note = (
            f"{len(found)} definitions match {name!r}"
            + ("; the first is the exact qualified match" if exact else "")
            + f"; sources for the first {MAX_CANDIDATES_WITH_SOURCE}; "
            "pass `path` or a qualified name such as Class.method to choose one"
        )
    return schemas.GetSymbolOutput(
        name=name,
        total=len(found),
        ambiguous=ambiguous,
        matches=[
            schemas.SymbolSource.model_validate(source_entry(symbol, source))
            for symbol, source in shown
        ],
        more=len(found) - len(shown),
        note=note,
    )


def source_entry(symbol: Symbol, source: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = symbol.to_json()
    entry["start_line"] = symbol.start_line or symbol.line
    if source is None:
        return entry
    lines = source.splitlines()
    if len(lines) > MAX_SOURCE_LINES:
        entry["source"] = "\n".join(lines[:MAX_SOURCE_LINES])
        entry["truncated_lines"] = len(lines) - MAX_SOURCE_LINES
    else:
        entry["source"] = source
    return entry


def outline_or_explain(service: IndexService, relative: str) -> list[Symbol]:
    """The file's symbols; an error that says why when the file is not indexed (not yet,
    during the first build; or skipped, with the reason)."""
    try:
        symbols = service.query(lambda ci: ci.outline(relative))
    except Exception as exc:
        building = service.build_note()
        if building and is_user_error(exc):
            raise ToolError(f"{relative} is not indexed yet: {building}") from None
        raise
    if symbols:
        return symbols
    record = service.query(lambda ci: ci.file_records(under=[relative]).get(relative))
    if record is not None and record.skipped:
        raise ToolError(
            f"{relative} was skipped when indexing ({record.skipped}), so it has no outline; "
            "read the file itself"
        )
    return symbols


def outline_tree(symbols: list[Symbol]) -> list[dict[str, Any]]:
    """The library's one outline nesting (by qualified name: codeindex.api.outline_tree, which
    the CLI prints too), as JSON."""
    return [node.to_json() for node in nest_outline(symbols)]


def status_answer(service: IndexService, status: Mapping[str, Any]) -> schemas.StatusOutput:
    skipped_files = list(status.get("skipped_files", []))
    parse_error_files = list(status.get("parse_error_files", []))
    progress = service.progress()
    listed = ("skipped_files", "parse_error_files")
    data = {key: value for key, value in status.items() if key not in listed}
    if data.get("read_only") is None:
        data.pop("read_only", None)
    return schemas.StatusOutput(
        **data,
        skipped_files=skipped_files[:SKIPPED_FILES_SHOWN],
        skipped_files_more=max(0, len(skipped_files) - SKIPPED_FILES_SHOWN),
        parse_error_files=parse_error_files[:SKIPPED_FILES_SHOWN],
        parse_error_files_more=max(0, len(parse_error_files) - SKIPPED_FILES_SHOWN),
        refreshing=service.refreshing,
        freshness=service.freshness_mode,
        build=schemas.BuildState(
            state=progress.state,
            files_done=progress.files_done,
            files_total=progress.files_total,
            **({"error": progress.error} if progress.error else {}),
        ),
    )


def scope_paths(service: IndexService, paths: list[str]) -> list[str]:
    """Root-relative scopes for `reindex`: a file, or a folder standing for everything under
    it (CodeIndex.refresh drops the deleted ones too); "" is the whole project."""
    scopes = []
    for path in paths:
        relative = root_relative(service, path)
        scope = "" if relative == "." else relative

        def indexed_under(ci: CodeIndex, scope: str = scope) -> bool:
            return bool(ci.file_records(under=[scope]))

        # A deleted file or folder is a fine scope (it is dropped from the index) only while
        # the index still holds something there.
        if (
            scope
            and not (service.code_index().root / scope).exists()
            and not service.query(indexed_under)
        ):
            raise ToolError(
                f"{path} does not exist under the project root and nothing under it is "
                "indexed; pass an existing file or folder, relative to the root"
            )
        scopes.append(scope)
    return scopes
