"""Plain data shared by every layer: extraction, storage, search, clones, CLI and MCP."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

KINDS: tuple[str, ...] = (
    "function",
    "method",
    "constructor",
    "property",
    "class",
    "record",
    "struct",
    "interface",
    "trait",
    "enum",
    "type",
    "namespace",
    "module",
    "macro",
    "constant",  # module, namespace or package level only, as are variables
    "variable",
)

# Kinds whose bodies hold executable code: the units of clone detection.
CALLABLE_KINDS: frozenset[str] = frozenset({"function", "method", "constructor"})


@dataclass(frozen=True, slots=True)
class Symbol:
    """One definition found in a source file. Lines are 1-based and inclusive."""

    name: str
    qualified_name: str
    kind: str
    language: str
    path: str
    line: int
    end_line: int
    signature: str
    doc: str = ""
    start_line: int = 0  # first line of the definition (decorators/attributes included)
    # The doc's first paragraph, indexed as words at build time; not stored in the index.
    doc_text: str = ""
    # Marked as test code in the source (Rust's `#[test]`, `#[cfg(test)]`: codeindex.test_marks),
    # whatever its path says.
    test: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("start_line")
        data.pop("doc_text")
        data.pop("test")
        return data


@dataclass(frozen=True, slots=True)
class SearchHit:
    symbol: Symbol
    score: float
    # What matched: "name" (name tiers), "doc" (words in the doc), "text" (signature or path)
    match: str = "name"
    refs: int | None = None  # how many references it has, when asked (codeindex.refs)

    def to_json(self) -> dict[str, Any]:
        data = self.symbol.to_json()  # `doc`: the doc's first line
        data["score"] = round(self.score, 3)
        data["match"] = self.match
        if self.refs is not None:
            data["refs"] = self.refs
        return data


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    total: int
    hits: list[SearchHit]
    note: str = ""  # when nothing matched: counts of each word alone, nearest names

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "query": self.query,
            "total": self.total,
            "results": [hit.to_json() for hit in self.hits],
        }
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True, slots=True)
class FileRecord:
    """What the index remembers about one file, to decide whether it is stale."""

    path: str
    size: int
    mtime_ns: int
    digest: str
    language: str
    symbols: int
    skipped: str = ""  # reason the file was not indexed, empty when indexed
    # The grammar failed somewhere in the file: error recovery may have lost or misplaced
    # some of its definitions (`status` lists such files).
    parse_errors: bool = False


@dataclass(frozen=True, slots=True)
class IndexedSymbol:
    """A symbol as the indexer hands it to storage, with its clone data (codeindex.clones)."""

    symbol: Symbol
    fingerprints: tuple[str, ...] = ()  # clone fingerprint terms
    clone: str = ""  # clone payload (clones.fingerprints.encode); empty: not a clone unit


@dataclass(frozen=True, slots=True)
class IndexedFile:
    """Everything one file contributes to the index: its record, its symbols (the file's own
    `module` symbol among them) and its `refs` blob: words and outline (codeindex.refs.blob)."""

    record: FileRecord
    symbols: tuple[IndexedSymbol, ...] = ()
    words: bytes = b""


@dataclass(frozen=True, slots=True)
class UpdateReport:
    """What one refresh changed."""

    indexed: int
    removed: int
    symbols: int
    skipped: int
    seconds: float

    @property
    def changed(self) -> bool:
        return bool(self.indexed or self.removed)


def _clone_location(symbol: Symbol) -> dict[str, Any]:
    return {
        "path": symbol.path,
        "start_line": symbol.start_line or symbol.line,
        "end_line": symbol.end_line,
        "symbol": symbol.qualified_name,
    }


@dataclass(frozen=True, slots=True)
class SimilarMatch:
    """An existing function like a snippet; similarity is the verified token-sequence ratio."""

    symbol: Symbol
    similarity: float
    refs: int | None = None  # how many references it has, when asked (codeindex.refs)

    def to_json(self) -> dict[str, Any]:
        data = {**_clone_location(self.symbol), "similarity": round(self.similarity, 3)}
        if self.refs is not None:
            data["refs"] = self.refs
        return data


@dataclass(frozen=True, slots=True)
class SimilarResult:
    """`near_misses`: when no match reaches the threshold, the closest ones below it (never
    counted in `total`), with a `note` saying so."""

    matches: list[SimilarMatch]
    total: int
    near_misses: list[SimilarMatch] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "matches": [match.to_json() for match in self.matches],
            "total": self.total,
        }
        if self.near_misses:
            data["near_misses"] = [match.to_json() for match in self.near_misses]
            data["note"] = self.note
        return data


# The group labels `dups --json` promises (shared DESIGN.md); other reasons a group is kept
# on purpose are reported under `on_purpose`.
REPORTED_LABELS = frozenset({"test", "platform-variants", "block"})


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Units that are clones of each other; similarity is the lowest verified pair ratio.
    A block group's members are blocks inside functions (`dups --blocks`): each member's
    symbol is its function, its lines the block's. `labels`: `test` (every member is test
    code), `block`, and why the copies are kept on purpose, if they are: `platform-variants`
    (copies kept apart per platform or build configuration), `unbuilt`, `mirror`,
    `documented`, `fixture`, `family`, `implementations`, `wrappers`, `deprecated`,
    `major-versions`, `mirror-images`, `vendored`, `examples` or `data-like`
    (clones.selection.INTENTIONAL). In JSON,
    `labels` holds only the labels of the outside contract (REPORTED_LABELS); the reason kept
    on purpose is also its own key, `on_purpose`, so that a reader that knows only those labels
    meets no new values. `fingerprints`: each member's normalised-code digest, which a baseline
    keys on."""

    similarity: float
    members: list[Symbol]
    block: bool = False
    labels: tuple[str, ...] = ()
    fingerprints: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        members = [_clone_location(member) for member in self.members]
        for member, fingerprint in zip(members, self.fingerprints, strict=False):
            member["fingerprint"] = fingerprint
        data: dict[str, Any] = {
            "similarity": round(self.similarity, 3),
            "members": members,
            "labels": [label for label in self.labels if label in REPORTED_LABELS],
        }
        reason = next((label for label in self.labels if label not in ("test", "block")), None)
        if reason is not None:
            data["on_purpose"] = reason
        if self.block:  # only asked for with --blocks: the default shape stays as it was
            data["block"] = True
        return data


@dataclass(frozen=True, slots=True)
class DuplicatesResult:
    """`total` counts the groups the report shows (after its filters; `--limit` only pages).
    `hidden` counts the groups its filters left out, by reason: `test`, `platform-variants`,
    `baseline`. `found` holds every group of the scan, before those filters (for
    `--update-baseline`)."""

    groups: list[DuplicateGroup]
    total: int
    hidden: dict[str, int] | None = None
    found: list[DuplicateGroup] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "groups": [group.to_json() for group in self.groups],
            "total": self.total,
        }
        if self.hidden:
            data["hidden"] = dict(self.hidden)
        return data


@dataclass(frozen=True, slots=True)
class Reference:
    """One use of a name. `column` is 1-based, in characters; `symbol` is the qualified name
    of the innermost definition around it (the module's name at module level); `kind` is how
    the name is used: call, decorator, import, type, attribute or name."""

    path: str
    line: int
    column: int
    symbol: str
    text: str
    kind: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ReferencesResult:
    name: str
    total: int
    references: list[Reference]
    # Why a narrowed name (`Type.name`) found nothing though the bare name is used: its
    # uses go through receivers whose type the syntax does not show. Empty otherwise. Not
    # part of the JSON, whose keys DESIGN.md fixes: the CLI prints it on stderr, MCP in
    # its `note`.
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "total": self.total,
            "references": [reference.to_json() for reference in self.references],
        }
