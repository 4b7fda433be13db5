"""The MCP tools: thin functions over CodeIndex that validate, page and shape the answers.

Each tool is a module-level function taking the SDK's `Context` (whose lifespan value is the
IndexService) and returning its output model; its docstring is its description. The
`@tool_call` decorator runs it on a worker thread, makes the index fresh first and maps input
errors to tool errors with a message that says what to do; the server keeps running.
"""

# No `from __future__ import annotations`: the SDK reads these signatures at run time to
# build each tool's input and output schema.

from collections.abc import Callable
from typing import Annotated, Any, Literal

from codeindex_server import answers, schemas
from codeindex_server.tool_call import Ctx, page, root_relative, service_of, tool_call
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from codeindex.api import CodeIndex
from codeindex.clones.fingerprints import DEFAULT_MIN_SIMILARITY
from codeindex.languages import LANGUAGES
from codeindex.models import KINDS, SearchResult, SimilarResult
from codeindex.refs import REFERENCE_KINDS

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
    # Above 0, as the CLI takes it: at 0 every function would be "similar" to every other.
    Field(
        gt=0.0, le=1.0, description="lowest similarity to report, over 0 up to 1 (1 = same code)"
    ),
]
Offset = Annotated[int, Field(ge=0, description="skip this many results (paging)")]
CountRefs = Annotated[
    bool,
    Field(
        description="also give each result's number of references (`refs`), as "
        "find_references counts them: a cue to what is reused; slower, one pass per name"
    ),
]
Tests = Literal["include", "exclude", "only"]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITES_INDEX = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True)


@tool_call()
def search_symbols(
    ctx: Ctx,
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
        Tests, Field(description="tests and fixtures: include (after library code), exclude, only")
    ] = "include",
    refs: CountRefs = False,
) -> schemas.SearchOutput:
    """Find definitions (functions, methods, classes, types...) by name across the project.
    Identifier-aware: 'user' finds get_user, UserService, userId, USER_ID; 'pars*' is a
    prefix; 'A|B' finds either (each alternative shown on the first page); '^get', 'user$'
    anchor the name; 'class User', 'def parse' filter by kind; 'Loader.parse' and
    'ratelimit.consume' look in that class or module ('ratelimit.py': the file); words also
    match docs, signatures and paths ('remove common indentation'), ranked by how many match. Inline
    filters: 'kind:function lang:py path:src/'. Library code ranks before tests (`tests`:
    include, exclude, only). Results are ranked (exact name first) and paged: `total` counts
    every match, `more` says how many follow this page; `note` says when nothing matched and
    what is near."""
    service = service_of(ctx)
    empty_reason = service.empty_reason()
    if empty_reason:
        return schemas.SearchOutput(
            query=query, total=0, offset=offset, more=0, results=[], note=empty_reason
        )

    def search(ci: CodeIndex) -> SearchResult:
        found = ci.search(
            query,
            languages=[language] if language else None,
            kinds=[kind] if kind else None,
            paths=[path] if path else None,
            limit=offset + limit,
            tests=tests,
        )
        return ci.with_reference_counts(found) if refs else found

    result = (service.query_slow if refs else service.query)(search)
    data = result.to_json()
    results, more = page(data["results"], data["total"], offset, limit)
    return schemas.SearchOutput(
        query=data["query"],
        total=data["total"],
        offset=offset,
        more=more,
        results=results,
        note=result.note,
    )


@tool_call()
def get_symbol(
    ctx: Ctx,
    name: Annotated[str, Field(min_length=1, description="bare or qualified name")],
    path: Annotated[
        str | None, Field(description="only in this file (relative to the project root)")
    ] = None,
) -> schemas.GetSymbolOutput:
    """The source of a definition, with its path and line range. `name` is a bare name
    ('get_user') or a qualified one ('UserService.get_user'). When more than one definition
    carries the name, `ambiguous` is true and `total` says how many: an exact qualified match
    comes first, the first 3 come with their source, more are listed without it; narrow with
    a qualified name or `path`."""
    service = service_of(ctx)
    relative = root_relative(service, path) if path is not None else None
    empty_reason = service.empty_reason()
    if empty_reason:
        raise ToolError(f"no symbol named {name!r}: {empty_reason}")
    try:
        found = service.query(lambda ci: answers.with_sources(ci, ci.definitions(name, relative)))
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
    answer = answers.symbol_answer(name, found)
    if not answer.ambiguous:  # its first callers, for the scan before writing
        callers = service.query(lambda ci: ci.callers(found[0][0]))
        setattr(answer.matches[0], "refs", callers.to_json())  # noqa: B010 (an extra field)
    return answer


@tool_call()
def find_references(
    ctx: Ctx,
    name: Annotated[
        str, Field(min_length=1, description="a name, Type.name, or names as alternatives: a\\|b")
    ],
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
) -> schemas.ReferencesOutput:
    """Where a name is used: calls, decorators, imports, type uses, attribute accesses and
    plain reads, each with path, line, column, the enclosing definition and the line's text;
    definitions themselves are left out. By name, as grep would, but comments and strings do
    not count. 'Loader.parse' keeps only uses reached through Loader (Loader.parse,
    self.parse inside Loader); 'parse' keeps all. Use it before changing or duplicating
    code, to see who relies on it."""
    service = service_of(ctx)
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
    references, more = page(data["references"], data["total"], offset, limit, first=offset)
    return schemas.ReferencesOutput(
        name=data["name"],
        total=data["total"],
        offset=offset,
        more=more,
        references=references,
        note=service.empty_reason() or result.note or None,
    )


@tool_call()
def file_outline(
    ctx: Ctx,
    path: Annotated[str, Field(description="a file path relative to the project root")],
    limit: Annotated[int, Field(ge=1, le=5000, description="most symbols to show")] = 500,
) -> schemas.OutlineOutput:
    """The symbols of one source file as a tree: methods nest under their class (by
    qualified name), with kind, signature and line range. Use it to see a module's
    structure before reading or changing it."""
    service = service_of(ctx)
    relative = root_relative(service, path)
    symbols = answers.outline_or_explain(service, relative)
    shown, more = page(symbols, len(symbols), 0, limit)
    return schemas.OutlineOutput(
        path=relative,
        total=len(symbols),
        more=more,
        symbols=[schemas.OutlineNode.model_validate(node) for node in answers.outline_tree(shown)],
    )


@tool_call()
def find_similar(
    ctx: Ctx,
    code: Annotated[str, Field(min_length=1, description="the snippet to compare")],
    language: Language | None = None,
    limit: Annotated[int, Field(ge=1, le=100, description="most matches to return")] = 10,
    min_similarity: Similarity = DEFAULT_MIN_SIMILARITY,
    refs: CountRefs = False,
) -> schemas.SimilarOutput:
    """Scan before writing: existing functions and methods whose bodies resemble `code` (a
    draft or a snippet), most similar first (matches of functions nested in the snippet's
    functions after the rest), with path, lines and similarity 0..1. Similarity 0.9+ is a
    near copy: reuse it; 0.7-0.9 is related code worth reading first. When nothing reaches
    `min_similarity`, `near_misses` holds the closest few below it. Snippets over 256 KiB
    are refused."""

    def similar(ci: CodeIndex) -> SimilarResult:
        found = ci.similar(
            code,
            languages=[language] if language else None,
            limit=limit,
            min_similarity=min_similarity,
        )
        return ci.with_reference_counts(found) if refs else found

    result = service_of(ctx).query_slow(similar)
    data = result.to_json()
    total = int(data.get("total", len(data["matches"])))
    matches, more = page(data["matches"], total, 0, limit)
    extra = {"near_misses": data["near_misses"]} if data.get("near_misses") else {}
    return schemas.SimilarOutput(
        matches=matches, total=total, more=more, note=data.get("note"), **extra
    )


@tool_call()
def find_duplicates(
    ctx: Ctx,
    path: Annotated[
        str | None,
        Field(description="only groups touching this file or folder (root-relative)"),
    ] = None,
    language: Language | None = None,
    min_similarity: Similarity = DEFAULT_MIN_SIMILARITY,
    limit: Annotated[int, Field(ge=1, le=200, description="groups per page")] = 20,
    offset: Offset = 0,
    blocks: Annotated[
        bool, Field(description="also blocks of code copied inside bigger functions")
    ] = False,
    tests: Annotated[
        Tests, Field(description="groups made only of test code: include, exclude or only")
    ] = "exclude",
    hide_intentional: Annotated[
        bool,
        Field(
            description="leave out groups kept on purpose: platform variants, mirrored "
            "packages, families (per flavour, arity or type), deprecated, vendored code"
        ),
    ] = False,
) -> schemas.DuplicatesOutput:
    """Groups of functions and methods whose bodies are copies or near copies of each
    other, most valuable first. With `path`, only groups that include code in that file or
    folder; with `blocks`, also blocks of code pasted inside bigger functions. Paged: `more`
    says how many groups follow."""
    service = service_of(ctx)
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
    total = int(data.get("total", len(data["groups"])))
    groups, more = page(data["groups"], total, offset, limit)
    return schemas.DuplicatesOutput(
        groups=groups,
        total=total,
        offset=offset,
        more=more,
        hidden=data.get("hidden"),
        note=(
            service.query(lambda ci: ci.nothing_under(relative)) or None
            if relative and not total
            else None
        ),
    )


@tool_call()
def index_status(ctx: Ctx) -> schemas.StatusOutput:
    """What the index holds: files and symbols per language, skipped files with reasons,
    the last update time, whether a build or refresh is running, and how freshness is kept
    (file watcher or a check before each answer)."""
    service = service_of(ctx)
    return answers.status_answer(service, service.query(lambda ci: ci.status()))


@tool_call(fresh=False)
def reindex(
    ctx: Ctx,
    paths: Annotated[
        list[str] | None,
        Field(description="files or folders to refresh; omit for everything"),
    ] = None,
) -> schemas.ReindexOutput:
    """Bring the index up to date with the disk now: only `paths` (files or folders,
    root-relative) or, without them, the whole project. Unchanged files are skipped, so this
    is cheap. Not normally needed: the server keeps the index current on its own."""
    service = service_of(ctx)
    nothing = schemas.ReindexOutput(indexed=0, removed=0, symbols=0, skipped=0, seconds=0.0)
    progress = service.progress()
    if progress.state == "building":
        nothing.note = (
            f"the initial build is running ({progress.files_done} of "
            f"{progress.files_total} files); it covers these files"
        )
        return nothing
    scope = answers.scope_paths(service, paths) if paths is not None else None
    report = service.reindex(scope)
    if report is None:
        nothing.note = service.code_index().read_only_reason
        return nothing
    return schemas.ReindexOutput(
        indexed=report.indexed,
        removed=report.removed,
        symbols=report.symbols,
        skipped=report.skipped,
        seconds=round(report.seconds, 3),
    )


TOOLS: tuple[tuple[Callable[..., Any], str, ToolAnnotations], ...] = (
    (search_symbols, "Search symbols", READ_ONLY),
    (get_symbol, "Get a symbol's source", READ_ONLY),
    (find_references, "Find where a name is used", READ_ONLY),
    (file_outline, "Outline a file", READ_ONLY),
    (find_similar, "Find code like a snippet", READ_ONLY),
    (find_duplicates, "Find duplicated code", READ_ONLY),
    (index_status, "Index status", READ_ONLY),
    (reindex, "Re-index files", WRITES_INDEX),
)


def register(server: MCPServer[Any]) -> None:
    for function, title, annotations in TOOLS:
        # The docstring, as one paragraph, is the tool's description.
        description = " ".join((function.__doc__ or "").split())
        server.add_tool(function, title=title, annotations=annotations, description=description)
