"""Output schemas of the MCP tools. They mirror the CLI's JSON (DESIGN.md, Contracts) and add
paging (`offset`, `more`) and an optional `note` when the answer may be incomplete.

Each tool returns one of the `...Output` models, filled from the library's `to_json()`; the
SDK publishes them as `outputSchema` and checks each answer against it. An answer shows the
fields the tool set (tool_call.render), so optional ones stay out rather than being null.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    # Answers may carry fields newer than this schema (the library grows); do not reject them.
    model_config = ConfigDict(extra="allow")


class Answer(_Out):
    """A tool's answer: `note` says when it may be incomplete, and why."""

    note: str | None = None


class SymbolHit(_Out):
    name: str
    qualified_name: str
    kind: str
    language: str
    path: str = Field(description="relative to the project root, / separators")
    line: int = Field(description="1-based line of the name")
    end_line: int
    signature: str
    score: float


class SearchOutput(Answer):
    query: str
    total: int = Field(description="how many symbols matched in all")
    offset: int
    more: int = Field(description="matches after this page; raise offset to see them")
    results: list[SymbolHit]


class SymbolSource(_Out):
    name: str
    qualified_name: str
    kind: str
    language: str
    path: str
    line: int
    start_line: int = Field(description="first line of the definition, decorators included")
    end_line: int
    signature: str
    doc: str = ""
    source: str | None = Field(
        default=None, description="the definition's text; omitted after the first 3 matches"
    )
    truncated_lines: int | None = Field(
        default=None, description="lines cut from the end of a very long source"
    )


class GetSymbolOutput(Answer):
    name: str
    total: int
    ambiguous: bool
    matches: list[SymbolSource]
    more: int = 0


class ReferenceEntry(_Out):
    path: str
    line: int
    column: int = Field(description="1-based, in characters")
    symbol: str = Field(description="qualified name of the definition the use is in")
    text: str = Field(description="the line, trimmed")
    kind: str = Field(description="call, decorator, import, type, attribute or name")


class ReferencesOutput(Answer):
    name: str
    total: int = Field(description="how many references in all")
    offset: int
    more: int = Field(description="references after this page; raise offset to see them")
    references: list[ReferenceEntry]


class OutlineNode(_Out):
    name: str
    kind: str
    line: int
    end_line: int
    signature: str
    children: list[OutlineNode] = Field(default_factory=list)


class OutlineOutput(Answer):
    path: str
    total: int = Field(description="symbols in the file")
    more: int = Field(description="symbols left out after the limit")
    symbols: list[OutlineNode]


class SimilarMatch(_Out):
    path: str
    start_line: int
    end_line: int
    symbol: str
    similarity: float


class SimilarOutput(Answer):
    matches: list[SimilarMatch]
    total: int
    more: int
    near_misses: list[SimilarMatch] | None = Field(
        default=None, description="when nothing reaches min_similarity: the closest below it"
    )


class CloneMember(_Out):
    path: str
    start_line: int
    end_line: int
    symbol: str
    fingerprint: str | None = None  # digest of the member's normalised code


class CloneGroup(_Out):
    similarity: float
    members: list[CloneMember]
    block: bool | None = None  # true for blocks inside functions (find_duplicates blocks)
    labels: list[str] = Field(default_factory=list, description="test, platform-variants, block")
    on_purpose: str | None = Field(
        default=None,
        description="why the copies are kept on purpose, when they are: platform-variants, "
        "unbuilt, mirror, documented, fixture, family, implementations, wrappers, deprecated, "
        "major-versions, mirror-images, vendored, examples, data-like",
    )


class DuplicatesOutput(Answer):
    groups: list[CloneGroup]
    total: int
    offset: int
    more: int
    hidden: dict[str, int] | None = Field(
        default=None, description="groups the filters left out, by reason (test, ...)"
    )


class LanguageCount(_Out):
    files: int
    symbols: int


class SkippedFile(_Out):
    path: str
    reason: str


class BuildState(_Out):
    state: str = Field(description="opening, building, ready or failed")
    files_done: int
    files_total: int
    error: str | None = None


class StatusOutput(Answer):
    root: str
    files: int
    symbols: int
    languages: dict[str, LanguageCount]
    skipped: dict[str, int] = Field(description="skipped files per reason")
    skipped_files: list[SkippedFile]
    skipped_files_more: int
    parse_error_files: list[str] = Field(
        description="files that parsed with errors: some of their definitions may be missing"
    )
    parse_error_files_more: int
    last_update: float | None = Field(description="Unix time of the last change to the index")
    refreshing: bool
    freshness: str = Field(description="watcher, or check-before-answer")
    build: BuildState
    read_only: str | None = None
    max_file_size: int = Field(description="files larger (bytes) are skipped")
    max_file_size_from: str = Field(
        description="option, environment, index (the limit the index was last updated with, "
        "kept until another is given) or default",
    )


class ReindexOutput(Answer):
    indexed: int
    removed: int
    symbols: int
    skipped: int
    seconds: float
