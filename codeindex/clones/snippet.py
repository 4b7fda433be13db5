"""A code snippet (about to be written) as clone-query units, in one or more languages.

The snippet may be a whole function, several, methods copied out of a class, or bare
statements. Functions become one unit each, like indexed code; bare statements become one
unit. What does not parse on its own is parsed inside the language's member wrapper (a
TypeScript method or a C# constructor needs a class around it) or its snippet wrapper (Go,
Rust and C# statements need a function around them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from codeindex.clones import normalize
from codeindex.clones.encode import Span, callable_spans, encode_units
from codeindex.extract import extract, parse
from codeindex.languages import LANGUAGES, LanguageSpec

if TYPE_CHECKING:
    import tree_sitter

SNIPPET_MIN_TOKENS = 12


@dataclass(frozen=True, slots=True)
class QueryUnit:
    language: str
    codes: str
    fragment: bool  # bare statements rather than a whole function
    nested: bool = False  # a function inside another function of the snippet


def parse_errors(tree: tree_sitter.Tree) -> int:
    """ERROR and MISSING nodes: how badly a language misreads the snippet."""
    root = tree.root_node
    if not root.has_error:
        return 0
    count = 0
    cursor = root.walk()
    while True:
        node = cursor.node
        assert node is not None
        if node.is_error or node.is_missing:
            count += 1
        if node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return count


@dataclass(frozen=True, slots=True)
class _Reading:
    spec: LanguageSpec
    source: bytes
    errors: int
    body: tuple[int, int]  # the snippet's own bytes inside `source`


def _readings(code: bytes, spec: LanguageSpec) -> _Reading:
    """The snippet as it is, else inside the member or the statement wrapper: whichever
    parses with the fewest errors (the first of them on a tie)."""
    tree, source = parse(code, spec)
    best = _Reading(spec, source, parse_errors(tree), (0, len(source)))
    for prefix, suffix in (spec.clones.member_wrapper, spec.clones.snippet_wrapper):
        if not best.errors:
            break
        if not prefix:
            continue
        wrapped = prefix.encode() + source + suffix.encode()
        tree, wrapped = parse(wrapped, spec)
        errors = parse_errors(tree)
        if errors < best.errors:
            start = len(prefix.encode())
            best = _Reading(spec, wrapped, errors, (start, start + len(source)))
    return best


def query_units(code: str, languages: frozenset[str] | None) -> list[QueryUnit]:
    """Units of the snippet in the wanted languages, or in the languages that parse it with
    the fewest errors when none are given."""
    data = code.encode("utf-8")
    specs = [s for s in LANGUAGES if languages is None or s.name in languages]
    readings = [_readings(data, spec) for spec in specs]
    if languages is None and readings:
        fewest = min(r.errors for r in readings)
        readings = [r for r in readings if r.errors == fewest]
    units: list[QueryUnit] = []
    for reading in readings:
        units += _units(reading)
    return units


def _units(reading: _Reading) -> list[QueryUnit]:
    spec, source = reading.spec, reading.source
    extraction = extract(source, spec, "<snippet>")
    start, end = reading.body
    callables = [
        (index, node)
        for index, node in extraction.callables
        if node.start_byte >= start and node.end_byte <= end
    ]
    nodes = [node for _, node in callables] or [extraction.tree.root_node]
    masked = normalize.mask(nodes, source, spec)
    encoded = encode_units(masked, callable_spans(extraction, callables))
    outer = {node.id for node in normalize.outermost(nodes, lambda node: node.byte_range)}
    units = [
        QueryUnit(spec.name, unit.codes, False, node.id not in outer)
        for (_, node), unit in zip(callables, encoded, strict=True)
        if unit.size >= SNIPPET_MIN_TOKENS
    ]
    if not units:  # no function, or only ones too small: the snippet as a whole
        if callables:
            masked = normalize.mask([extraction.tree.root_node], source, spec)
        [whole] = encode_units(masked, [Span(start, end)], normalize.keywords(spec))
        if whole.size >= SNIPPET_MIN_TOKENS:
            units.append(QueryUnit(spec.name, whole.codes, True))
    return units
