"""The MCP tools: thin wrappers over CodeIndex that validate, page and shape the answers.

Each tool answers with structured content (the CLI's JSON plus paging) and the same JSON,
compact, as text for clients that only read text. Input mistakes become tool errors with a
message that says what to do; the server keeps running.
"""

# No `from __future__ import annotations`: the SDK reads these signatures at run time to
# build each tool's input and output schema.

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from codeindex_server import calls, schemas
from codeindex_server.clone_worker import WorkerError
from codeindex_server.service import IndexService, ServiceError
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from codeindex.clones.fingerprints import DEFAULT_MIN_SIMILARITY
from codeindex.languages import LANGUAGES
from codeindex.models import KINDS
from codeindex.refs import REFERENCE_KINDS

if TYPE_CHECKING:
    from codeindex.api import CodeIndex

MAX_SOURCE_LINES = 400
MAX_CANDIDATES_WITH_SOURCE = 3
MAX_MATCHES_SHOWN = 20
SKIPPED_FILES_SHOWN = 20

_ALIASES = tuple(sorted({alias for spec in LANGUAGES for alias in spec.aliases}))
Language = Annotated[
    Literal[_ALIASES],  # type: ignore[valid-type]
    Field(description="only this language: " + ", ".join(_ALIASES)),
]
Kind = Annotated[
    Literal[KINDS],  # type: ignore[valid-type]
    Field(description="only this kind of symbol"),
]
Similarity = Annotated[
    float,
    Field(ge=0.0, le=1.0, description="lowest similarity to report, 0..1 (1 = same code)"),
]
Offset = Annotated[int, Field(ge=0, description="skip this many results (paging)")]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


def reply(data: dict[str, Any]) -> CallToolResult:
    if not data.get("note"):
        data.pop("note", None)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


async def answer(action: Callable[[], dict[str, Any]], ctx: Context) -> CallToolResult:
    """Run a tool body on a worker thread (never on the event loop, so calls run side by
    side); a cancelled call returns at once and its long work stops (calls.py)."""
    return await calls.in_thread(lambda: answer_now(action), ctx.report_progress)


def answer_now(action: Callable[[], dict[str, Any]]) -> CallToolResult:
    """Run a tool body; turn the library's input errors into tool errors with its message."""
    try:
        return reply(action())
    except ToolError:
        raise
    except (ServiceError, WorkerError) as exc:
        raise ToolError(str(exc)) from None
    except Exception as exc:
        if _is_user_error(exc):
            raise ToolError(str(exc)) from None
        raise


def _is_user_error(exc: Exception) -> bool:
    # Imported here: the library loads on the background thread, after `initialize`.
    from codeindex.api import UsageError
    from codeindex.storage import IndexBusy, IndexError_

    return isinstance(exc, UsageError | IndexError_ | IndexBusy)


def root_relative(service: IndexService, path: str) -> str:
    """A root-relative path for tool input; refuses `..`, absolute paths and symlinks that
    leave the root (CodeIndex.relative_path resolves them before checking)."""
    if not path.strip():
        raise ToolError("path is empty; pass a file path relative to the project root")
    if "\0" in path:
        raise ToolError("path contains a NUL byte; pass a plain path relative to the project root")
    return service.code_index().relative_path(path)


def register(server: MCPServer, service: IndexService) -> None:
    @server.tool(
        name="search_symbols",
        title="Search symbols",
        annotations=READ_ONLY,
        description=(
            "Find definitions (functions, methods, classes, types...) by name across the "
            "project. Identifier-aware: 'user' finds get_user, UserService, userId, USER_ID; "
            "'pars*' is a prefix; 'A|B' finds either (each alternative shown on the first "
            "page); '^get', 'user$' anchor the name; 'class User', 'def parse' filter by kind; "
            "words also match docs, signatures and paths ('remove common indentation'), "
            "ranked by how many match. Inline filters: 'kind:function lang:py path:src/'. "
            "Library code ranks before tests (`tests`: include, exclude, only). Results are "
            "ranked (exact name first) and paged: `total` counts every match, `more` says how "
            "many follow this page; `note` says when nothing matched and what is near."
        ),
    )
    async def search_symbols(
        ctx: Context,
        query: Annotated[str, Field(min_length=1, description="a name, part of one, or words")],
        language: Language | None = None,
        kind: Kind | None = None,
        path: Annotated[
            str | None,
            Field(description="only files matching this gitignore-style glob, e.g. 'src/**/*.py'"),
        ] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="results per page")] = 20,
        offset: Offset = 0,
        tests: Annotated[
            Literal["include", "exclude", "only"],
            Field(description="tests and fixtures: include (after library code), exclude, only"),
        ] = "include",
    ) -> Annotated[CallToolResult, schemas.SearchOutput]:
        def run() -> dict[str, Any]:
            note = service.ensure_fresh()
            empty_reason = service.empty_reason()
            if empty_reason:
                empty = {"query": query, "total": 0, "offset": offset, "more": 0, "results": []}
                return {**empty, "note": empty_reason}
            result = service.query(
                lambda ci: ci.search(
                    query,
                    languages=[language] if language else None,
                    kinds=[kind] if kind else None,
                    paths=[path] if path else None,
                    limit=offset + limit,
                    tests=tests,
                )
            )
            data = result.to_json()
            page = data["results"][offset:]
            return {
                "query": data["query"],
                "total": data["total"],
                "offset": offset,
                "more": max(0, data["total"] - offset - len(page)),
                "results": page,
                "note": "; ".join(part for part in (note, result.note) if part),
            }

        return await answer(run, ctx)

    @server.tool(
        name="get_symbol",
        title="Get a symbol's source",
        annotations=READ_ONLY,
        description=(
            "The source of a definition, with its path and line range. `name` is a bare name "
            "('get_user') or a qualified one ('UserService.get_user'). When more than one "
            "definition carries the name, `ambiguous` is true and `total` says how many: an "
            "exact qualified match comes first, the first 3 come with their source, more are "
            "listed without it; narrow with a qualified name or `path`."
        ),
    )
    async def get_symbol(
        ctx: Context,
        name: Annotated[str, Field(min_length=1, description="bare or qualified name")],
        path: Annotated[
            str | None, Field(description="only in this file (relative to the project root)")
        ] = None,
    ) -> Annotated[CallToolResult, schemas.GetSymbolOutput]:
        def run() -> dict[str, Any]:
            note = service.ensure_fresh()
            relative = root_relative(service, path) if path is not None else None
            empty_reason = service.empty_reason()
            if empty_reason:
                raise ToolError(f"no symbol named {name!r}: {empty_reason}")
            try:
                found = service.query(lambda ci: with_sources(ci, ci.definitions(name, relative)))
            except FileNotFoundError as exc:
                raise ToolError(f"{exc.filename} changed on disk; call again") from None
            if not found:
                where = f" in {relative}" if relative else ""
                building = service.build_note()
                if building:
                    raise ToolError(f"no symbol named {name!r}{where} yet: {building}")
                raise ToolError(
                    f"no symbol named {name!r}{where}; "
                    "use search_symbols to find names that match part of it"
                )
            data = symbol_answer(name, found, note)
            if not data["ambiguous"]:  # its first callers, for the scan before writing
                callers = service.query(lambda ci: ci.callers(found[0][0]))
                data["matches"][0]["refs"] = callers.to_json()
            return data

        return await answer(run, ctx)

    @server.tool(
        name="find_references",
        title="Find where a name is used",
        annotations=READ_ONLY,
        description=(
            "Where a name is used: calls, decorators, imports, type uses, attribute accesses "
            "and plain reads, each with path, line, column, the enclosing definition and the "
            "line's text; definitions themselves are left out. By name, as grep would, but "
            "comments and strings do not count. 'Loader.parse' keeps only uses reached "
            "through Loader (Loader.parse, self.parse inside Loader); 'parse' keeps all. "
            "Use it before changing or duplicating code, to see who relies on it."
        ),
    )
    async def find_references(
        ctx: Context,
        name: Annotated[str, Field(min_length=1, description="a name, or Type.name")],
        language: Language | None = None,
        kind: Annotated[
            Literal[REFERENCE_KINDS] | None,  # type: ignore[valid-type]
            Field(description="only this kind of use"),
        ] = None,
        path: Annotated[
            str | None,
            Field(description="only files matching this gitignore-style glob, e.g. 'src/**'"),
        ] = None,
        limit: Annotated[int, Field(ge=1, le=500, description="references per page")] = 50,
        offset: Offset = 0,
    ) -> Annotated[CallToolResult, schemas.ReferencesOutput]:
        def run() -> dict[str, Any]:
            note = service.ensure_fresh()
            result = service.query(
                lambda ci: ci.references(
                    name,
                    languages=[language] if language else None,
                    kinds=[kind] if kind else None,
                    paths=[path] if path else None,
                    limit=limit,
                    offset=offset,
                )
            )
            data = result.to_json()
            return {
                "name": data["name"],
                "total": data["total"],
                "offset": offset,
                "more": max(0, data["total"] - offset - len(data["references"])),
                "references": data["references"],
                "note": note or service.empty_reason(),
            }

        return await answer(run, ctx)

    @server.tool(
        name="file_outline",
        title="Outline a file",
        annotations=READ_ONLY,
        description=(
            "The symbols of one source file as a tree: methods nest under their class (by "
            "qualified name), with kind, signature and line range. Use it to see a module's "
            "structure before reading or changing it."
        ),
    )
    async def file_outline(
        ctx: Context,
        path: Annotated[str, Field(description="a file path relative to the project root")],
        limit: Annotated[int, Field(ge=1, le=5000, description="most symbols to show")] = 500,
    ) -> Annotated[CallToolResult, schemas.OutlineOutput]:
        def run() -> dict[str, Any]:
            note = service.ensure_fresh()
            relative = root_relative(service, path)
            symbols = outline_or_explain(service, relative)
            return {
                "path": relative,
                "total": len(symbols),
                "more": max(0, len(symbols) - limit),
                "symbols": outline_tree(symbols[:limit]),
                "note": note,
            }

        return await answer(run, ctx)

    @server.tool(
        name="find_similar",
        title="Find code like a snippet",
        annotations=READ_ONLY,
        description=(
            "Scan before writing: existing functions and methods whose bodies resemble "
            "`code` (a draft or a snippet), most similar first (matches of functions nested "
            "in the snippet's functions after the rest), with path, lines and similarity "
            "0..1. Similarity 0.9+ is a near copy: reuse it; 0.7-0.9 is related code worth "
            "reading first. When nothing reaches `min_similarity`, `near_misses` holds the "
            "closest few below it. Snippets over 256 KiB are refused."
        ),
    )
    async def find_similar(
        ctx: Context,
        code: Annotated[str, Field(min_length=1, description="the snippet to compare")],
        language: Language | None = None,
        limit: Annotated[int, Field(ge=1, le=100, description="most matches to return")] = 10,
        min_similarity: Similarity = DEFAULT_MIN_SIMILARITY,
    ) -> Annotated[CallToolResult, schemas.SimilarOutput]:
        def run() -> dict[str, Any]:
            note = service.ensure_fresh()
            result = service.query_slow(
                lambda ci: ci.similar(
                    code,
                    languages=[language] if language else None,
                    limit=limit,
                    min_similarity=min_similarity,
                )
            )
            data = result.to_json()
            matches = data["matches"]
            total = int(data.get("total", len(matches)))
            answer_data = {
                "matches": matches,
                "total": total,
                "more": max(0, total - len(matches)),
                "note": " ".join(filter(None, (data.get("note"), note))) or None,
            }
            if data.get("near_misses"):
                answer_data["near_misses"] = data["near_misses"]
            return answer_data

        return await answer(run, ctx)

    @server.tool(
        name="find_duplicates",
        title="Find duplicated code",
        annotations=READ_ONLY,
        description=(
            "Groups of functions and methods whose bodies are copies or near copies of each "
            "other, most valuable first. With `path`, only groups that include code in that "
            "file or folder; with `blocks`, also blocks of code pasted inside bigger "
            "functions. Paged: `more` says how many groups follow."
        ),
    )
    async def find_duplicates(
        ctx: Context,
        path: Annotated[
            str | None,
            Field(description="only groups touching this file or folder (root-relative)"),
        ] = None,
        language: Language | None = None,
        min_similarity: Similarity = DEFAULT_MIN_SIMILARITY,
        limit: Annotated[int, Field(ge=1, le=200, description="groups per page")] = 20,
        offset: Offset = 0,
        blocks: Annotated[
            bool,
            Field(description="also blocks of code copied inside bigger functions"),
        ] = False,
        tests: Annotated[
            Literal["include", "exclude", "only"],
            Field(description="groups made only of test code: include, exclude or only"),
        ] = "exclude",
        hide_intentional: Annotated[
            bool,
            Field(
                description="leave out groups kept on purpose: platform variants, mirrored "
                "packages, families (per flavour, arity or type), deprecated, vendored code"
            ),
        ] = False,
    ) -> Annotated[CallToolResult, schemas.DuplicatesOutput]:
        def run() -> dict[str, Any]:
            note = service.ensure_fresh()
            relative = root_relative(service, path) if path is not None else None
            data = service.in_worker(
                "duplicates",
                "find_duplicates",
                languages=[language] if language else None,
                min_similarity=min_similarity,
                path=relative,
                limit=offset + limit,
                blocks=blocks,
                tests=tests,
                hide_intentional=hide_intentional,
            )
            groups = data["groups"][offset:]
            total = int(data.get("total", len(data["groups"])))
            return {
                "groups": groups,
                "total": total,
                "offset": offset,
                "more": max(0, total - offset - len(groups)),
                "hidden": data.get("hidden"),
                "note": note,
            }

        return await answer(run, ctx)

    @server.tool(
        name="index_status",
        title="Index status",
        annotations=READ_ONLY,
        description=(
            "What the index holds: files and symbols per language, skipped files with "
            "reasons, the last update time, whether a build or refresh is running, and how "
            "freshness is kept (file watcher or a check before each answer)."
        ),
    )
    async def index_status(
        ctx: Context,
    ) -> Annotated[CallToolResult, schemas.StatusOutput]:
        def run() -> dict[str, Any]:
            note = service.ensure_fresh()
            status = service.query(lambda ci: ci.status())
            return status_answer(service, status, note)

        return await answer(run, ctx)

    @server.tool(
        name="reindex",
        title="Re-index files",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True
        ),
        description=(
            "Bring the index up to date with the disk now: only `paths` (files or folders, "
            "root-relative) or, without them, the whole project. Unchanged files are "
            "skipped, so this is cheap. Not normally needed: the server keeps the index "
            "current on its own."
        ),
    )
    async def reindex(
        ctx: Context,
        paths: Annotated[
            list[str] | None,
            Field(description="files or folders to refresh; omit for everything"),
        ] = None,
    ) -> Annotated[CallToolResult, schemas.ReindexOutput]:
        def run() -> dict[str, Any]:
            progress = service.progress()
            if progress.state == "building":
                return {
                    "indexed": 0,
                    "removed": 0,
                    "symbols": 0,
                    "skipped": 0,
                    "seconds": 0.0,
                    "note": (
                        f"the initial build is running ({progress.files_done} of "
                        f"{progress.files_total} files); it covers these files"
                    ),
                }
            scope = scope_paths(service, paths) if paths is not None else None
            report = service.reindex(scope)
            if report is None:
                reason = service.code_index().read_only_reason
                return {
                    "indexed": 0,
                    "removed": 0,
                    "symbols": 0,
                    "skipped": 0,
                    "seconds": 0.0,
                    "note": reason,
                }
            return {
                "indexed": report.indexed,
                "removed": report.removed,
                "symbols": report.symbols,
                "skipped": report.skipped,
                "seconds": round(report.seconds, 3),
            }

        return await answer(run, ctx)


def with_sources(code_index: Any, symbols: list[Any]) -> list[tuple[Any, str | None]]:
    """The definitions, the first few with their source text (reading thousands of files
    for `__init__` would only be thrown away)."""
    return [
        (symbol, code_index.source_of(symbol) if rank < MAX_CANDIDATES_WITH_SOURCE else None)
        for rank, symbol in enumerate(symbols)
    ]


def symbol_answer(name: str, found: list[tuple[Any, str | None]], note: str) -> dict[str, Any]:
    """Every definition that carries the name (bare or qualified), an exact qualified-name
    match first; `ambiguous` whenever there is more than one. The first few come with
    their source, the rest (up to 20) as candidates."""
    shown = found[:MAX_MATCHES_SHOWN]
    matches = [source_entry(symbol, source) for symbol, source in shown]
    ambiguous = len(found) > 1
    if ambiguous:
        exact = found[0][0].qualified_name == name
        hint = (
            f"{len(found)} definitions match {name!r}"
            + ("; the first is the exact qualified match" if exact else "")
            + f"; sources for the first {MAX_CANDIDATES_WITH_SOURCE}; "
            "pass `path` or a qualified name such as Class.method to choose one"
        )
        note = f"{note}; {hint}" if note else hint
    return {
        "name": name,
        "total": len(found),
        "ambiguous": ambiguous,
        "matches": matches,
        "more": len(found) - len(shown),
        "note": note,
    }


def source_entry(symbol: Any, source: str | None) -> dict[str, Any]:
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


def outline_or_explain(service: IndexService, relative: str) -> list[Any]:
    """The file's symbols; an error that says why when the file is not indexed (not yet,
    during the first build; or skipped, with the reason)."""
    try:
        symbols: list[Any] = service.query(lambda ci: ci.outline(relative))
    except Exception as exc:
        building = service.build_note()
        if building and _is_user_error(exc):
            raise ToolError(f"{relative} is not indexed yet: {building}") from None
        raise
    if symbols:
        return symbols
    record = service.query(lambda ci: ci.store.file_records(under=[relative]).get(relative))
    if record is not None and record.skipped:
        raise ToolError(
            f"{relative} was skipped when indexing ({record.skipped}), so it has no outline; "
            "read the file itself"
        )
    return symbols


def outline_tree(symbols: list[Any]) -> list[dict[str, Any]]:
    """Nest each symbol under the symbol whose qualified name is its scope (`A.b` under `A`),
    wherever that is in the file: Go methods and Rust impl items land under their type. A
    scope with no symbol of its own (a Go package, a C# namespace) leaves its members at the
    top."""
    nodes = []
    by_name: dict[str, dict[str, Any]] = {}
    for symbol in symbols:
        node = {
            "name": symbol.name,
            "kind": symbol.kind,
            "line": symbol.line,
            "end_line": symbol.end_line,
            "signature": symbol.signature,
            "children": [],
        }
        nodes.append((symbol, node))
        by_name.setdefault(symbol.qualified_name, node)
    roots = []
    for symbol, node in nodes:
        scope = symbol.qualified_name.rpartition(".")[0]
        parent = by_name.get(scope) if scope else None
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent["children"].append(node)
    _drop_empty_children(roots)
    return roots


def _drop_empty_children(nodes: list[dict[str, Any]]) -> None:
    # Leaves are most of an outline; an empty list on each is noise in an agent's context.
    for node in nodes:
        if node["children"]:
            _drop_empty_children(node["children"])
        else:
            del node["children"]


def status_answer(service: IndexService, status: Mapping[str, Any], note: str) -> dict[str, Any]:
    skipped_files = list(status.get("skipped_files", []))
    progress = service.progress()
    data = {key: value for key, value in status.items() if key != "skipped_files"}
    data.update(
        skipped_files=skipped_files[:SKIPPED_FILES_SHOWN],
        skipped_files_more=max(0, len(skipped_files) - SKIPPED_FILES_SHOWN),
        refreshing=service.refreshing,
        freshness=service.freshness_mode,
        build={
            "state": progress.state,
            "files_done": progress.files_done,
            "files_total": progress.files_total,
            **({"error": progress.error} if progress.error else {}),
        },
        note=note,
    )
    if data.get("read_only") is None:
        data.pop("read_only", None)
    return data


def scope_paths(service: IndexService, paths: list[str]) -> list[str]:
    """Root-relative scopes for `reindex`: a file, or a folder standing for everything under
    it (CodeIndex.refresh drops the deleted ones too); "" is the whole project."""
    scopes = []
    for path in paths:
        relative = root_relative(service, path)
        scope = "" if relative == "." else relative

        def indexed_under(ci: "CodeIndex", scope: str = scope) -> bool:
            return bool(ci.store.file_records(under=[scope]))

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
