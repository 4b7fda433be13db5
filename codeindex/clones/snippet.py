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

from codeindex.clones import batch, normalize
from codeindex.clones.encode import Encoded, callable_spans, encode_tokenised
from codeindex.clones.tokens import Span
from codeindex.extract import extract, find_body, parse
from codeindex.languages import LANGUAGES, LanguageSpec

if TYPE_CHECKING:
    import tree_sitter

SNIPPET_MIN_TOKENS = 12
# A snippet is code about to be written: a function or a few, not a file's worth (each of
# its functions is compared with the whole index).
MAX_SNIPPET_BYTES = 256 << 10
# Without a language, a bigger snippet's languages are ranked on its first GUESS_BYTES, and
# only the likeliest parse it whole: a grammar that is not the snippet's own recovers from
# errors slowly: a big file can take ten times longer in each wrong grammar than in its own.
GUESS_BYTES = 16 << 10


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


def check(code: str) -> None:
    """Raise ValueError, with what to do, for input that is not a snippet of source code."""
    if not code.strip():
        raise ValueError("the snippet is empty; pass code in a file or on stdin")
    if "\0" in code:
        raise ValueError("the snippet has NUL bytes: it looks binary; pass source code")
    size = len(code.encode("utf-8", errors="replace"))
    if size > MAX_SNIPPET_BYTES:
        raise ValueError(
            f"the snippet is {size} bytes; the limit is {MAX_SNIPPET_BYTES} "
            f"({MAX_SNIPPET_BYTES >> 10} KiB). "
            "Pass one function or a few, not whole files"
        )


def query_units(code: str, languages: frozenset[str] | None) -> list[QueryUnit]:
    """Units of the snippet in the wanted languages, or in the languages that parse it with
    the fewest errors when none are given."""
    # A lone surrogate (possible in a JSON string) is not code either way.
    data = code.encode("utf-8", errors="replace")
    specs = [s for s in LANGUAGES if languages is None or s.name in languages]
    if languages is None and len(data) > GUESS_BYTES:
        head = data[: data.rfind(b"\n", 0, GUESS_BYTES) + 1] or data[:GUESS_BYTES]
        specs = [reading.spec for reading in _fewest_errors([_readings(head, s) for s in specs])]
    readings = [_readings(data, spec) for spec in specs]
    if languages is None:
        readings = _fewest_errors(readings)
    units: list[QueryUnit] = []
    for reading in readings:
        units += _units(reading)
    return units


def _fewest_errors(readings: list[_Reading]) -> list[_Reading]:
    fewest = min((r.errors for r in readings), default=0)
    return [r for r in readings if r.errors == fewest]


def _units(reading: _Reading) -> list[QueryUnit]:
    spec, source = reading.spec, reading.source
    extraction = extract(source, spec, "<snippet>")
    start, end = reading.body
    callables = [
        (index, node)
        for index, node in extraction.callables
        if node.start_byte >= start and node.end_byte <= end and find_body(node, spec) is not None
    ]
    nodes = [node for _, node in callables]
    encoded = _encoded(batch.FileUnits(source, spec, nodes, callable_spans(extraction, callables)))
    outer = {node.id for node in normalize.outermost(nodes, lambda node: node.byte_range)}
    units = [
        QueryUnit(spec.name, unit.codes, False, node.id not in outer)
        for (_, node), unit in zip(callables, encoded, strict=True)
        if unit.size >= SNIPPET_MIN_TOKENS
    ]
    if not units:  # no function, or only ones too small: the snippet as a whole
        root = extraction.tree.root_node
        [whole] = _encoded(
            batch.FileUnits(source, spec, [root], [Span(start, end)]), normalize.keywords(spec)
        )
        if whole.size >= SNIPPET_MIN_TOKENS:
            units.append(QueryUnit(spec.name, whole.codes, True))
    return units


def _encoded(
    units: batch.FileUnits, fragment_keywords: frozenset[bytes] | None = None
) -> list[Encoded]:
    [(_, tokenised)] = batch.tokenised([units])
    return encode_tokenised(tokenised, fragment_keywords)
