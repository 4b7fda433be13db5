"""Verify a candidate file: find a name's occurrences, parse only the definitions around them,
and keep those the language's reference query calls a use (queries/<language>.refs.scm)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from codeindex import grammar_gaps
from codeindex.languages import LanguageSpec, ts_language, ts_refs_query
from codeindex.refs.blob import Outline
from codeindex.refs.lexical import (
    Statement,
    python_code_occurrences,
    python_header,
    python_statements,
)
from codeindex.refs.regions import by_boundary, by_region, occurrences, realigned, with_rows

if TYPE_CHECKING:
    import tree_sitter

TEXT_MAX = 200


class Site(NamedTuple):
    offset: int  # byte offset of the name
    row: int  # 0-based line
    kind: str  # call, decorator, import, type, attribute or name
    receiver: str  # what the name is reached through, as written ("" if nothing)
    scope: str  # the qualified name of the innermost definition around it ("" if none)


_TreeKey = tuple[str, int, int, int, bool]  # language, start, end, first row, wrapped


class _Parsers(threading.local):
    """Parsers are not thread-safe and keep their included ranges: one per thread. Trees of
    big regions are kept too (BIG_REGION bytes and more, BIG_TREES_BYTES of regions at most):
    one module-level literal (pydoc_data/topics.py: 757 KB of strings) was most of what a
    common name's query parsed, every time."""

    def __init__(self) -> None:
        self.by_language: dict[str, tree_sitter.Parser] = {}
        self.big_trees: OrderedDict[_TreeKey, tuple[bytes, tree_sitter.Tree]]
        self.big_trees = OrderedDict()

    def get(self, language: str) -> tree_sitter.Parser:
        parser = self.by_language.get(language)
        if parser is None:
            import tree_sitter

            parser = self.by_language[language] = tree_sitter.Parser(ts_language(language))
        return parser


_PARSERS = _Parsers()
# Per language: (source, region start, occurrences' offsets, name, the key of a big region)
# -> the occurrences that may be uses.
CodeFilter = Callable[[bytes, int, list[int], bytes, tuple[str, int] | None], list[int]]
CODE_FILTERS: dict[str, CodeFilter] = {"python": python_code_occurrences}
# Per language: (source, region start, occurrences) -> the simple statements holding them, to
# parse alone, or None when the region must be parsed (codeindex.refs.lexical).
StatementSplitter = Callable[[bytes, int, list[tuple[int, int]]], list[Statement] | None]
STATEMENT_SPLITTERS: dict[str, StatementSplitter] = {"python": python_statements}
# Per language: (source, where a definition starts, where its name's line starts,
# occurrences) -> its header made a definition of its own (a body of `pass`), when the
# occurrences all lie in the header, to parse instead of the whole definition
# (codeindex.refs.lexical).
HeaderCut = Callable[[bytes, int, int, list[tuple[int, int]]], bytes | None]
HEADERS: dict[str, HeaderCut] = {"python": python_header}
BIG_REGION = 32 << 10
BIG_TREES_BYTES = 8 << 20


def sites(
    source: bytes, spec: LanguageSpec, outline: Outline, name: str, digest: str = ""
) -> Iterator[Site]:
    """The uses of `name` in `source`, in order. Each occurrence is mapped to the innermost
    definition around it (or the module-level lines between definitions) in the file's
    outline (codeindex.refs.blob); each such region is parsed once, alone, for all its
    occurrences. `digest`: the file's indexed digest, given when `source` is the bytes
    indexed: then the outline was made from it, a region starts at a statement boundary,
    and a language's lexical filter (`CODE_FILTERS`) may drop the occurrences in comments
    and strings before any parse."""
    encoded_name = name.encode()
    offsets = occurrences(source, encoded_name)
    if not offsets:
        return
    regions = by_region(source, outline, name, offsets)
    if not digest:
        regions = realigned(source, regions)
    code_filter = CODE_FILTERS.get(spec.name) if digest else None
    # Statements parse alone only where the indexed file parsed without an error: around
    # an error, the region's parse may recover differently from the statement's.
    splitter = STATEMENT_SPLITTERS.get(spec.name) if digest and outline.clean else None
    header = HEADERS.get(spec.name) if digest and outline.clean else None
    statements: list[tuple[Statement, str, _TreeKey]] = []
    found_sites: list[Site] = []
    for (start, end), (enclosing, first_row, found) in sorted(regions.items()):
        member = enclosing is not None and outline.member(enclosing)
        wrapped = member and any(spec.clones.member_wrapper)
        key = (spec.name, start, end, first_row, wrapped)
        kept_tree = key in _PARSERS.big_trees  # costs nothing: no filter, no statements
        groups = [(start, found)]
        if code_filter is not None and not kept_tree:
            groups = _code_groups(
                code_filter, source, outline, enclosing, (start, end), found, digest, encoded_name
            )
            if not groups:
                continue
        scope = outline.qualified_name(enclosing) if enclosing is not None else ""
        placed = with_rows(source, start, first_row, [o for _, group in groups for o in group])
        if splitter is not None and not kept_tree:
            split = _split(splitter, source, groups, placed)
            if split is not None:
                statements.extend((statement, scope, key) for statement in split)
                continue
        if header is not None and enclosing is not None and not (kept_tree or wrapped):
            alone = _header_sites(header, source, spec, outline, enclosing, placed, name)
            if alone is not None:
                found_sites.extend(Site(*site, scope) for site in alone)
                continue
        for offset, row, kind, receiver in _verified(source, spec, key, placed, name):
            found_sites.append(Site(offset, row, kind, receiver, scope))
    if statements:
        found_sites.extend(_statement_sites(source, spec, statements, name))
    found_sites.sort()
    yield from found_sites


def _code_groups(
    code_filter: CodeFilter,
    source: bytes,
    outline: Outline,
    enclosing: int | None,
    bounds: tuple[int, int],
    found: list[int],
    digest: str,
    name: bytes,
) -> list[tuple[int, list[int]]]:
    """The occurrences of `found` (in the region of `enclosing` at `bounds`) that the
    language's lexical filter keeps, by the boundary it read them from (`_by_boundary`); the
    positions it reaches are kept when what follows a boundary is big."""
    start, end = bounds
    groups = []
    for boundary, group in by_boundary(outline, enclosing, start, found):
        region = (digest, boundary) if end - boundary >= BIG_REGION else None
        kept = code_filter(source, boundary, group, name, region)
        if kept:
            groups.append((boundary, kept))
    return groups


def _split(
    splitter: StatementSplitter,
    source: bytes,
    groups: list[tuple[int, list[int]]],
    placed: list[tuple[int, int]],
) -> list[Statement] | None:
    """The statements holding the occurrences (`placed`: those of `groups`, by boundary, with
    their rows), or None when one must be parsed in its region. Never read from a boundary
    BIG_REGION bytes or more away: a region's trees that big are kept."""
    statements: list[Statement] = []
    at = 0
    for boundary, group in groups:
        items = placed[at : at + len(group)]
        at += len(group)
        if items[-1][0] - boundary >= BIG_REGION:
            return None
        split = splitter(source, boundary, items)
        if split is None:
            return None
        statements += split
    return statements


def _header_sites(
    header: HeaderCut,
    source: bytes,
    spec: LanguageSpec,
    outline: Outline,
    row: int,
    placed: list[tuple[int, int]],
    name: str,
) -> list[tuple[int, int, str, str]] | None:
    """(offset, row, kind, receiver) of the uses among `placed` (in the region of `row`, a
    definition of a file that parsed without an error) from a parse of the definition's
    header alone (`header`, the language's `HEADERS`), or None when they are not all in it
    or it does not parse cleanly."""
    start = outline.start(row)
    text = header(source, start, outline.name_line(row), placed)
    if text is None:
        return None
    tree = _parse_region(spec, text, 0, len(text), outline.first_row(row))
    if tree.root_node.has_error:
        return None
    return list(_classified(tree, text, -start, spec.name, placed, name))


def _statement_sites(
    source: bytes, spec: LanguageSpec, statements: list[tuple[Statement, str, _TreeKey]], name: str
) -> Iterator[Site]:
    """The uses in `statements` (each with its scope and its region's key), parsed alone: one
    parse per run of statements in order (nested regions come after the one around them; a
    statement two regions share, if ever, starts a new run). A run that does not parse
    cleanly is read from its regions' parses."""
    statements.sort(key=lambda item: item[0].start)
    runs: list[list[tuple[Statement, str, _TreeKey]]] = []
    for item in statements:
        if not runs or item[0].start < runs[-1][-1][0].end:
            runs.append([])
        runs[-1].append(item)
    for run in runs:
        tree = _parse_statements(spec.name, source, [statement for statement, _, _ in run])
        if tree.root_node.has_error:
            by_region: dict[_TreeKey, tuple[str, list[tuple[int, int]]]] = {}
            for statement, scope, key in run:
                by_region.setdefault(key, (scope, []))[1].extend(statement.found)
            for key, (scope, found) in by_region.items():
                for offset, row, kind, receiver in _verified(source, spec, key, found, name):
                    yield Site(offset, row, kind, receiver, scope)
            continue
        for statement, scope, _ in run:
            for offset, row, kind, receiver in _classified(
                tree, source, 0, spec.name, statement.found, name
            ):
                yield Site(offset, row, kind, receiver, scope)


def _verified(
    source: bytes, spec: LanguageSpec, key: _TreeKey, found: list[tuple[int, int]], name: str
) -> Iterator[tuple[int, int, str, str]]:
    """(offset, row, kind, receiver) of the occurrences in `found` that are uses, parsing
    only the region of `key` (its start and end bytes, the row at its start, and whether it
    is a member of a type that does not parse on its own, a TypeScript method or a C#
    property: then it is parsed inside the language's member wrapper, as clone snippets
    are)."""
    _, start, end, first_row, wrapped = key
    if wrapped:
        prefix, suffix = (part.encode() for part in spec.clones.member_wrapper)
        text = prefix + source[start:end] + suffix
        shift = len(prefix) - start
    else:
        text, shift = source, 0
    tree = _big_tree(key, source) if end - start >= BIG_REGION else None
    if tree is None:
        if wrapped:
            whole = partial(_parse, spec.name, start=0, end=len(text))
            tree = grammar_gaps.parse(whole, text, spec.grammar_gaps)
        else:
            tree = _parse_region(spec, text, start, end, first_row)
        if end - start >= BIG_REGION:
            _keep_big_tree(key, source[start:end], tree)
    return _classified(tree, text, shift, spec.name, found, name)


def _classified(
    tree: tree_sitter.Tree,
    text: bytes,
    shift: int,
    language: str,
    found: list[tuple[int, int]],
    name: str,
) -> Iterator[tuple[int, int, str, str]]:
    """(offset, row, kind, receiver) of the occurrences in `found` that the reference query
    calls uses in `tree`, a parse of `text`, where an occurrence lies `shift` bytes further
    than in the source."""
    import tree_sitter

    query = ts_refs_query(language)
    size = len(name.encode())
    cursor = tree_sitter.QueryCursor(query)
    for offset, row in found:
        at = offset + shift
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
            yield offset, row, best[1], best[2]


def _parse_region(
    spec: LanguageSpec, text: bytes, start: int, end: int, row: int
) -> tree_sitter.Tree:
    """The tree of `text[start:end]` alone, the language's grammar gaps bridged in those
    bytes only (codeindex.grammar_gaps)."""
    if not spec.grammar_gaps:
        return _parse(spec.name, text, start, end, row)

    written = text[start:end]

    def parse_region(region: bytes) -> tree_sitter.Tree:
        whole = text if region is written else text[:start] + region + text[end:]
        return _parse(spec.name, whole, start, end, row)

    return grammar_gaps.parse(parse_region, written, spec.grammar_gaps)


def _big_tree(key: _TreeKey, source: bytes) -> tree_sitter.Tree | None:
    """The kept tree of the same region bytes at the same offset and row, if any: what a parse
    of them would give."""
    kept = _PARSERS.big_trees.get(key)
    if kept is None or kept[0] != source[key[1] : key[2]]:
        return None
    _PARSERS.big_trees.move_to_end(key)
    return kept[1]


def _keep_big_tree(key: _TreeKey, region: bytes, tree: tree_sitter.Tree) -> None:
    trees = _PARSERS.big_trees
    trees[key] = (region, tree)
    while sum(len(kept[0]) for kept in trees.values()) > BIG_TREES_BYTES:
        trees.popitem(last=False)


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


def _parse_statements(
    language: str, source: bytes, statements: list[Statement]
) -> tree_sitter.Tree:
    """One tree of `statements` (sorted, apart) alone, as if each followed the other at the
    left margin: tree-sitter reads included ranges as one text, and the offsets and rows
    stay the source's."""
    import tree_sitter

    ranges = []
    for statement in statements:
        column = statement.start - (source.rfind(b"\n", 0, statement.start) + 1)
        last_row = statement.row + source.count(b"\n", statement.start, statement.end)
        if source.endswith(b"\n", 0, statement.end):
            end_point = (last_row, 0)
        else:  # the source's last line, with no newline
            end_point = (last_row, statement.end - (source.rfind(b"\n", 0, statement.end) + 1))
        ranges.append(
            tree_sitter.Range((statement.row, column), end_point, statement.start, statement.end)
        )
    parser = _PARSERS.get(language)
    parser.included_ranges = ranges
    return parser.parse(source)


def _kind_at(captures: dict[str, list[tree_sitter.Node]], start: int, end: int) -> str | None:
    """The capture naming the node at [start, end): `definition` or a reference kind."""
    for capture, nodes in captures.items():
        if capture == "receiver":
            continue
        for node in nodes:
            if node.start_byte == start and node.end_byte == end:
                return capture.removeprefix("reference.")
    return None


def _text(source: bytes, node: tree_sitter.Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def line_of(source: bytes, offset: int) -> tuple[int, str]:
    """The 1-based character column of `offset` and its line's trimmed text."""
    line_start = source.rfind(b"\n", 0, offset) + 1
    line_end = source.find(b"\n", offset)
    if line_end < 0:
        line_end = len(source)
    column = len(source[line_start:offset].decode("utf-8", errors="replace"))
    text = source[line_start:line_end].decode("utf-8", errors="replace").strip()
    return column + 1, text[:TEXT_MAX]
