"""The typed results of CodeIndex (codeindex.api) that codeindex.models does not already hold,
and the one outline nesting that the CLI and the MCP server both render."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from codeindex.models import FileRecord, Symbol, UpdateReport

if TYPE_CHECKING:
    from codeindex.api import CodeIndex

__all__ = [
    "IndexStatus",
    "LanguageCounts",
    "OutlineNode",
    "Rebuilt",
    "SkippedFile",
    "SymbolSource",
    "UsageError",
    "WriterElsewhere",
    "index_status",
    "outline_tree",
]


class UsageError(ValueError):
    """Bad input from the caller; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """A rebuilt index (CodeIndex.rebuild), opened."""

    code_index: CodeIndex
    report: UpdateReport
    waited: bool  # another rebuild ran first


class LanguageCounts(TypedDict):
    files: int
    symbols: int


class SkippedFile(TypedDict):
    path: str
    reason: str


class IndexStatus(TypedDict):
    """What `CodeIndex.status` reports (the CLI prints it, MCP's index_status returns it)."""

    root: str
    index: str
    files: int
    symbols: int
    languages: dict[str, LanguageCounts]
    skipped: dict[str, int]
    skipped_files: list[SkippedFile]
    parse_error_files: list[str]  # sorted
    last_update: object
    read_only: str | None
    max_file_size: int  # bytes: larger files are skipped as "too large"
    # option, environment, index (remembered from an earlier update) or default
    max_file_size_from: str


def index_status(
    root: Path,
    directory: str,
    records: Mapping[str, FileRecord],
    state: Mapping[str, Any],
    read_only_reason: str,
    size_limit: tuple[int, str],
) -> IndexStatus:
    """The status of the index in `directory` from its file records and its state file."""
    by_language: dict[str, LanguageCounts] = {}
    skipped: dict[str, int] = {}
    for record in records.values():
        if record.skipped:
            reason = record.skipped.split(":")[0]
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        entry = by_language.setdefault(record.language, {"files": 0, "symbols": 0})
        entry["files"] += 1
        entry["symbols"] += record.symbols
    walk_skipped = state.get("walk_skipped", {})
    if isinstance(walk_skipped, dict):
        for reason, count in walk_skipped.items():
            skipped[reason] = skipped.get(reason, 0) + int(count)
    return {
        "root": str(root),
        "index": directory,
        "files": sum(v["files"] for v in by_language.values()),
        "symbols": sum(v["symbols"] for v in by_language.values()),
        "languages": dict(sorted(by_language.items())),
        "skipped": dict(sorted(skipped.items())),
        "skipped_files": sorted(
            ({"path": r.path, "reason": r.skipped} for r in records.values() if r.skipped),
            key=lambda item: item["path"],
        ),
        "parse_error_files": sorted(r.path for r in records.values() if r.parse_errors),
        "last_update": state.get("last_update"),
        "read_only": read_only_reason or None,
        "max_file_size": size_limit[0],
        "max_file_size_from": size_limit[1],
    }


@dataclass(frozen=True, slots=True)
class SymbolSource:
    symbol: Symbol
    source: str

    def to_json(self) -> dict[str, object]:
        return {**self.symbol.to_json(), "source": self.source}


@dataclass(frozen=True, slots=True)
class WriterElsewhere:
    """Another process writes the index (a rebuild beside it, a watcher): this one answers
    from that writer's commits. `note`: a line for the user, when there is one to give."""

    reason: str
    note: str = ""


@dataclass(slots=True)
class OutlineNode:
    symbol: Symbol
    children: list[OutlineNode] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        symbol = self.symbol
        data: dict[str, Any] = {
            "name": symbol.name,
            "kind": symbol.kind,
            "line": symbol.line,
            "end_line": symbol.end_line,
            "signature": symbol.signature,
        }
        # Leaves are most of an outline; an empty list on each is noise in an agent's context.
        if self.children:
            data["children"] = [child.to_json() for child in self.children]
        return data


def outline_tree(symbols: Sequence[Symbol]) -> list[OutlineNode]:
    """Nest each symbol under the symbol whose qualified name is its scope (`A.b` under `A`),
    wherever that is in the file: Go methods and Rust impl items land under their type. A
    scope with no symbol of its own (a Go package, a C# namespace) leaves its members at the
    top. Siblings keep the order of `symbols` (the file's)."""
    nodes = [OutlineNode(symbol) for symbol in symbols]
    by_name: dict[str, OutlineNode] = {}
    for node in nodes:
        by_name.setdefault(node.symbol.qualified_name, node)
    roots = []
    for node in nodes:
        scope = node.symbol.qualified_name.rpartition(".")[0]
        parent = by_name.get(scope) if scope else None
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots
