"""Where a name is used: candidate files from the index, reference sites from tree-sitter.

Indexing stores, per file, the distinct words of its text as one blob (`words_of`: a C-speed
split, no parse). A query takes the files whose blob holds the name, finds the name's
occurrences in each, and parses only the definitions around them (the innermost indexed
symbol, or the module-level lines between symbols) with the language's reference query
(queries/<language>.refs.scm). Occurrences in comments, strings and definitions fall out
there. This is candidate-and-verify, as zoekt does: the index grows by the words' bytes and
is written at almost no cost, and a query parses a few kilobytes per use.
"""

from __future__ import annotations

import re
import threading
import weakref
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

from codeindex.languages import LanguageSpec, spec_by_name, ts_language, ts_refs_query
from codeindex.models import FileRecord, Reference, ReferencesResult, Symbol

if TYPE_CHECKING:
    import tree_sitter

    from codeindex.storage import Store

MEMBER_KINDS = frozenset({"method", "constructor", "property"})
REFERENCE_KINDS = ("call", "decorator", "import", "type", "attribute", "name")
TEXT_MAX = 200
READ_MAX = 64 << 20
BOM = b"\xef\xbb\xbf"

# Bytes that can be part of an identifier: ASCII letters, digits, `_`, and every non-ASCII
# byte (UTF-8 identifiers). Everything else becomes a space, and bytes.split does the rest.
_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_TO_SPACE = bytes(b if b in _NAME_BYTES or b >= 0x80 else 0x20 for b in range(256))


def words_of(source: bytes) -> bytes:
    """The distinct identifier-like words of a file, comments and strings included (a
    superset is fine: the query verifies), space-separated with a space at each end, so a
    name is found with `b" name " in words`. C-level work only: translate, split, set, join;
    a per-word Python loop, or a Whoosh term per word, cost 35-50% more indexing CPU."""
    words = set(source.translate(_TO_SPACE).split())
    return b" " + b" ".join(words) + b" " if words else b""


@dataclass(frozen=True, slots=True)
class _Site:
    start: int  # byte offset of the name
    kind: str
    receiver: str


class _Parsers(threading.local):
    """Parsers are not thread-safe and keep their included ranges: one per thread."""

    def __init__(self) -> None:
        self.by_language: dict[str, tree_sitter.Parser] = {}

    def get(self, language: str) -> tree_sitter.Parser:
        parser = self.by_language.get(language)
        if parser is None:
            import tree_sitter

            parser = self.by_language[language] = tree_sitter.Parser(ts_language(language))
        return parser


_PARSERS = _Parsers()


def split_name(name: str) -> tuple[str, str]:
    """`Loader.parse` -> ("Loader", "parse"); `a.b.Loader.parse` -> ("Loader", "parse");
    `parse` -> ("", "parse"). `::` (Rust) reads as `.`."""
    qualifier, _, bare = name.replace("::", ".").strip(".").rpartition(".")
    return qualifier.rpartition(".")[2], bare


def find_references(
    store: Store,
    root: Path,
    name: str,
    records: Iterable[FileRecord] | None = None,
    kinds: Iterable[str] = (),
) -> Iterator[Reference]:
    """References to `name` in path order, then line and column. `records`: the files to
    look in (default: every file whose words hold the name)."""
    qualifier, bare = split_name(name)
    if not bare:
        return
    wanted_kinds = frozenset(kinds)
    candidates = store.files_using(bare) if records is None else list(records)
    if qualifier:
        # A narrowed use names its qualifier in the file: `Loader.parse`, an import of the
        # module, or `class Loader` around `self.parse`.
        with_qualifier = {record.path for record in store.files_using(qualifier)}
        candidates = [record for record in candidates if record.path in with_qualifier]
    word = bare.encode()
    for record in sorted(candidates, key=lambda r: r.path):
        source = _read(root / record.path)
        if source is None or record.skipped:
            continue
        spec = spec_by_name(record.language)
        file = _File(record.path, source, spec, store)
        for site, reference in file.references(bare, word):
            if wanted_kinds and reference.kind not in wanted_kinds:
                continue
            if qualifier and not _narrowed(site, reference, qualifier, spec):
                continue
            yield reference


def _narrowed(site: _Site, reference: Reference, qualifier: str, spec: LanguageSpec) -> bool:
    """Whether the syntax shows the use is reached through `qualifier`: `Loader.parse`,
    `pkg.Loader.parse`, `from pkg.loader import parse` for `loader.parse`, or `self.parse`
    inside Loader."""
    receiver = site.receiver
    if not receiver:
        return False
    if receiver in spec.self_names:
        return f".{qualifier}." in f".{reference.symbol}."
    return _RECEIVER_TAIL.split(receiver.rstrip("()"))[-1] == qualifier


_RECEIVER_TAIL = re.compile(r"[.:/\\]+")


class _File:
    """One candidate file: its occurrences of a name, grouped by the region that is parsed to
    verify them."""

    def __init__(self, path: str, source: bytes, spec: LanguageSpec, store: Store) -> None:
        self.path = path
        self.source = source
        self.spec = spec
        self.store = store
        # Offsets where lines start, built by C-level iterators (a regex loop cost 20x more).
        self.line_starts = [0, *accumulate(map(_PLUS_ONE, map(len, source.split(b"\n"))))][:-1]

    def references(self, name: str, word: bytes) -> Iterator[tuple[_Site, Reference]]:
        offsets = _occurrences(self.source, word)
        if not offsets:
            return
        symbols = _symbols_in(self.store, self.path)
        definition_lines = {s.line for s in symbols if s.name == name}
        regions: dict[tuple[int, int], tuple[Symbol | None, list[int]]] = {}
        seen_lines: set[int] = set()
        for offset in offsets:
            line = bisect_right(self.line_starts, offset)
            first_on_line = line not in seen_lines
            seen_lines.add(line)
            if first_on_line and line in definition_lines:
                continue  # the definition's own name: not a reference, no parse needed
            enclosing = _innermost(symbols, line)
            bounds = (
                (enclosing.start_line or enclosing.line, enclosing.end_line)
                if enclosing is not None
                else _gap(symbols, line, len(self.line_starts))
            )
            regions.setdefault(bounds, (enclosing, []))[1].append(offset)
        module = ""
        for bounds, (enclosing, region_offsets) in sorted(regions.items()):
            if enclosing is None and not module:
                from codeindex.extract import module_name

                module = module_name(self.path, self.spec)
            scope = enclosing.qualified_name if enclosing is not None else module
            member = enclosing is not None and enclosing.kind in MEMBER_KINDS
            for site in self._sites(bounds, region_offsets, len(word), member):
                yield site, self._reference(site, scope)

    def _sites(
        self, bounds: tuple[int, int], offsets: list[int], size: int, member: bool
    ) -> Iterator[_Site]:
        """The reference sites at `offsets`, parsing only the lines in `bounds`. A member of a
        type that does not parse on its own (a TypeScript method, a C# property) is parsed
        inside the language's member wrapper, as clone snippets are."""
        first, last = bounds
        starts = self.line_starts
        start = starts[first - 1]
        end = starts[last] if last < len(starts) else len(self.source)
        prefix, suffix = self.spec.clones.member_wrapper if member else ("", "")
        if prefix or suffix:
            text = prefix.encode() + self.source[start:end] + suffix.encode()
            tree = _parse(self.spec.name, text, 0, len(text))
            shift = len(prefix.encode()) - start
        else:
            text, shift = self.source, 0
            tree = _parse(self.spec.name, text, start, end, first - 1)
        import tree_sitter

        query = ts_refs_query(self.spec.name)
        for offset in offsets:
            at = offset + shift
            cursor = tree_sitter.QueryCursor(query)
            cursor.set_byte_range(at, at + size)
            best: tuple[int, str, str] | None = None
            for index, captures in cursor.matches(tree.root_node):
                if best is not None and index >= best[0]:
                    continue
                kind = _kind_at(captures, at, at + size)
                if kind is None:
                    continue
                receivers = captures.get("receiver")
                receiver = _text(text, receivers[0]) if receivers else ""
                best = (index, kind, receiver)
            if best is not None and best[1] != "definition":
                yield _Site(offset, best[1], best[2])

    def _reference(self, site: _Site, scope: str) -> Reference:
        starts = self.line_starts
        row = bisect_right(starts, site.start) - 1
        line_start = starts[row]
        line_end = starts[row + 1] - 1 if row + 1 < len(starts) else len(self.source)
        column = len(self.source[line_start : site.start].decode("utf-8", errors="replace"))
        text = self.source[line_start:line_end].decode("utf-8", errors="replace").strip()
        return Reference(
            path=self.path,
            line=row + 1,
            column=column + 1,
            symbol=scope,
            text=text[:TEXT_MAX],
            kind=site.kind,
        )


_PLUS_ONE = (1).__add__


def _parse(language: str, text: bytes, start: int, end: int, row: int = 0) -> tree_sitter.Tree:
    """Parse `text[start:end]` alone, keeping the rows and byte offsets of the whole."""
    import tree_sitter

    before = text.rfind(b"\n", 0, end) + 1
    end_point = (row + text.count(b"\n", start, end), end - max(before, start))
    if before > start:
        end_point = (end_point[0], end - before)
    parser = _PARSERS.get(language)
    parser.included_ranges = [tree_sitter.Range((row, 0), end_point, start, end)]
    return parser.parse(text)


def _kind_at(captures: dict[str, list[tree_sitter.Node]], start: int, end: int) -> str | None:
    """The capture naming the node at [start, end): `definition` or a reference kind."""
    for capture, nodes in captures.items():
        if capture == "receiver":
            continue
        for node in nodes:
            if node.start_byte == start and node.end_byte == end:
                return capture.removeprefix("reference.")
    return None


def _symbols_in(store: Store, path: str) -> list[Symbol]:
    """A file's definitions (not the file itself), kept for the life of the searcher: decoding
    them is most of a query's cost, and related queries (a name, then its callers) meet the
    same files. A commit brings a new searcher, and the entries of the old one go with it."""
    searcher = store.searcher()
    cached = _SYMBOLS.get(searcher)
    if cached is None:
        cached = _SYMBOLS[searcher] = {}
    symbols = cached.get(path)
    if symbols is None:
        if len(cached) >= SYMBOL_CACHE_FILES:
            cached.clear()
        symbols = cached[path] = [s for s in store.symbols_in(path) if s.kind != "module"]
    return symbols


SYMBOL_CACHE_FILES = 4096
_SYMBOLS: weakref.WeakKeyDictionary[object, dict[str, list[Symbol]]] = weakref.WeakKeyDictionary()


def _innermost(symbols: list[Symbol], line: int) -> Symbol | None:
    """The latest-starting definition around `line`: the innermost one (symbols are sorted
    by start line)."""
    index = bisect_right(symbols, line, key=_start) - 1
    while index >= 0:
        symbol = symbols[index]
        if symbol.end_line >= line:
            return symbol
        index -= 1
    return None


def _start(symbol: Symbol) -> int:
    return symbol.start_line or symbol.line


def _gap(symbols: list[Symbol], line: int, line_count: int) -> tuple[int, int]:
    """The module-level lines around `line` between the definitions before and after it."""
    before = max((s.end_line for s in symbols if s.end_line < line), default=0)
    after = min((s.start_line or s.line for s in symbols if s.start_line > line), default=0)
    return before + 1, (after - 1 if after else line_count)


def _text(source: bytes, node: tree_sitter.Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def _occurrences(source: bytes, name: bytes) -> list[int]:
    """Offsets of `name` as a whole word. bytes.find, then a look at the bytes around: a
    regex with a look-behind cannot skip ahead to the literal and costs 10x more."""
    found = []
    size = len(name)
    at = source.find(name)
    while at >= 0:
        end = at + size
        if (at == 0 or source[at - 1] not in _WORD_BYTES) and (
            end == len(source) or source[end] not in _WORD_BYTES
        ):
            found.append(at)
        at = source.find(name, end)
    return found


_WORD_BYTES = frozenset(_NAME_BYTES | set(range(0x80, 0x100)))


def _read(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            source = handle.read(READ_MAX)
    except OSError:
        return None  # gone or unreadable since it was indexed: nothing to show
    return source[len(BOM) :] if source.startswith(BOM) else source


def references(
    store: Store,
    root: Path,
    name: str,
    languages: frozenset[str] | None = None,
    kinds: Iterable[str] = (),
    paths: Iterable[str] = (),
    limit: int = 100,
    offset: int = 0,
) -> ReferencesResult:
    """A page of the references to `name` (see find_references), with how many there are."""
    from codeindex.storage import path_matcher

    unknown = sorted(set(kinds) - set(REFERENCE_KINDS))
    if unknown:
        raise ValueError(
            f"unknown reference kind {unknown[0]!r}; use one of: {', '.join(REFERENCE_KINDS)}"
        )
    records = store.files_using(split_name(name)[1])
    if languages is not None:
        records = [record for record in records if record.language in languages]
    globs = list(paths)
    if globs:
        matches = path_matcher(globs)
        records = [record for record in records if matches(record.path)]
    found = list(find_references(store, root, name, records, kinds))
    return ReferencesResult(name=name, total=len(found), references=found[offset : offset + limit])


def reference_name(symbol: Symbol) -> str:
    """What to ask `references` for a definition: `Type.name` for a member (the receiver
    narrows its uses), the bare name otherwise (a Go function `pkg.F` is called as `F` inside
    its package)."""
    if symbol.kind in MEMBER_KINDS:
        scope = symbol.qualified_name.rpartition(".")[0].rpartition(".")[2]
        if scope:
            return f"{scope}.{symbol.name}"
    return symbol.name
