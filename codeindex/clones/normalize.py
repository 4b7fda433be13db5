"""Normalise code for clone detection: the syntax side.

T1 drops layout, comments and docstrings. T2 further replaces literals by their class and
renames the identifiers bound inside the unit (parameters, assignment targets, loop variables)
by first occurrence. Names not bound in the unit - members, globals, builtins, imported
modules, called APIs - are kept: they carry the meaning that separates two functions with the
same skeleton, so keeping them keeps precision high.

Tree-sitter decides everything that needs syntax: which byte ranges are comments, docstrings,
string literals and imports, and which subtrees bind names. One query per language, generated
from the registry's `CloneSyntax` row, finds them in C, and `mask` writes them into the bytes
of the file. What is left is lexical: clones.tokens tokenises the masked bytes and turns them
into code strings with array operations (a Python loop over every tree-sitter leaf cost more
than parsing itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from typing import TYPE_CHECKING, TypeVar

import xxhash

from codeindex.languages import LanguageSpec, ts_language

if TYPE_CHECKING:
    import numpy as np
    import tree_sitter

# A string literal becomes STRING_TOKEN and a number NUMBER_TOKEN, each followed by blanks
# to the literal's length, so that byte offsets still match the tree; in code strings
# (clones.encode) they become STRING_CODE and NUMBER_CODE.
STRING_TOKEN, NUMBER_TOKEN = b"\x01", b"\x02"
STRING_CODE, NUMBER_CODE = "\x01", "\x02"
_WHITESPACE = bytes(range(33))
_SOLID_BYTES = bytes(int(byte >= 33) for byte in range(256))  # for bytes.translate
_WORD = re.compile(r"[^\W\d]\w*")
_byte_range = attrgetter("byte_range")
# How tree-sitter names a pattern that can never match (rows count from 0).
_IMPOSSIBLE_ROW = re.compile(r"Impossible pattern at row (\d+)")
_Item = TypeVar("_Item")


@dataclass(frozen=True, slots=True)
class Masked:
    """A file's source with syntax applied: what is left to do is lexical (clones.encode).

    `code`: comments, docstrings and imports blanked, each outermost string literal replaced
    by STRING_TOKEN plus blanks (same length, so byte offsets still match the tree).
    `binding`: `code` inside the subtrees that bind names, bar their non-binding parts
    (annotations, defaults); blanks elsewhere. A plain name token that starts on a non-blank
    byte of it is written at a binding position.
    `t1`: the source with comments and docstrings blanked, for the T1 hash.
    `source`: the source itself, where line breaks are counted.
    """

    code: bytes
    binding: bytes
    t1: bytes
    source: bytes


@cache
def clone_query(spec: LanguageSpec) -> tree_sitter.Query:
    """The spec's CloneSyntax as one tree-sitter query."""
    return _compiled(ts_language(spec.name), clone_patterns(spec))


def clone_patterns(spec: LanguageSpec) -> list[str]:
    """The query patterns of the spec's CloneSyntax, one a line. Types or fields a grammar
    lacks are left out, so a registry row may list a superset."""
    language = ts_language(spec.name)
    syntax = spec.clones

    def known(kind: str) -> bool:
        return language.id_for_node_kind(kind, True) not in (None, 0)

    def field(name: str) -> bool:
        return language.field_id_for_name(name) is not None

    patterns = [f"({t}) @drop" for t in spec.comment_types if known(t)]
    strings = [t for t in syntax.string_types if known(t)]
    patterns += [f"({t}) @string" for t in strings]
    patterns += [f"({t}) @number" for t in syntax.number_types if known(t)]
    patterns += [
        f"(({statement} . ({t}) .) @drop)"
        for statement in syntax.docstring_types
        if known(statement)
        for t in strings
    ]
    patterns += [f"({t}) @import" for t in syntax.import_types if known(t)]
    for rule in syntax.member_fields:
        parent, _, name = rule.partition(".")
        if known(parent) and field(name):
            patterns += [
                f"({parent} {name}: ({t}) @member)" for t in syntax.identifier_types if known(t)
            ]
    binding_types = [t for t in syntax.binding_types if known(t)]
    patterns += [f"({t}) @bind" for t in binding_types]
    for rule in syntax.binding_fields:
        parent, _, name = rule.partition(".")
        if not known(parent):
            continue
        if name == "*":
            patterns.append(f"({parent} (_) @bind)")
        elif field(name):
            patterns.append(f"({parent} {name}: (_) @bind)")
    # Only parameter lists mix binding names with annotations and defaults.
    patterns += [
        f"({t} (_ {name}: (_) @nobind))"
        for t in binding_types
        for name in syntax.nonbinding_fields
        if field(name)
    ]
    return patterns


def _compiled(language: tree_sitter.Language, patterns: list[str]) -> tree_sitter.Query:
    """The patterns, one a line, as one query, less those the grammar cannot match at all (a
    field that never holds that type). Each compilation costs a few milliseconds whatever the
    query's size, in every index worker and every `similar` call, so compile them all at once
    and drop the pattern on the row tree-sitter names, if any, rather than check each alone."""
    import tree_sitter

    remaining = list(patterns)
    while True:
        try:
            return tree_sitter.Query(language, "\n".join(remaining))
        except tree_sitter.QueryError as error:
            row = _IMPOSSIBLE_ROW.match(str(error))
            if row is None or int(row.group(1)) >= len(remaining):
                raise
            del remaining[int(row.group(1))]


def outermost(items: Iterable[_Item], span: Callable[[_Item], tuple[int, int]]) -> list[_Item]:
    """The items whose byte range (`span`) lies in no other's, in source order: the subtrees
    to query once, the stretches of a file to tokenise once."""
    outer: list[_Item] = []
    end = -1
    for item in sorted(items, key=lambda item: (span(item)[0], -span(item)[1])):
        start, item_end = span(item)
        if start >= end:
            outer.append(item)
            end = item_end
    return outer


def mask(nodes: Sequence[tree_sitter.Node], source: bytes, spec: LanguageSpec) -> Masked:
    """Run the clone query over the given subtrees (each nested one only once, inside the
    subtree around it) and blank the source accordingly."""
    import tree_sitter

    cursor = tree_sitter.QueryCursor(clone_query(spec))
    captured: dict[str, list[tuple[int, int]]] = {}
    for node in outermost(nodes, _byte_range):
        for name, found in cursor.captures(node).items():
            # One property read per node, mapped in C: captures run to the hundreds of
            # thousands on a big tree.
            captured.setdefault(name, []).extend(map(_byte_range, found))
    code = bytearray(source)
    t1 = bytearray(source)
    blank = memoryview(b" " * len(source))
    for name, token in (("number", NUMBER_TOKEN[0]), ("string", STRING_TOKEN[0])):
        # Literals nest (a concatenated string and its parts, a string inside an f-string or
        # template), and tree-sitter lists nested captures in an order that varies from one
        # process to the next. In (start, end) order a literal inside one already painted
        # ends before it; a longer one with the same start is painted over the shorter.
        # Strings come last, so a number inside an f-string is painted over too.
        painted = -1
        for start, end in sorted(captured.get(name, ())):
            if end > painted:
                code[start:end] = blank[: end - start]
                code[start] = token
                painted = end
    for start, end in captured.get("drop", ()):
        code[start:end] = t1[start:end] = blank[: end - start]
    for start, end in captured.get("import", ()):
        code[start:end] = blank[: end - start]
    for start, end in captured.get("member", ()):
        # Rewritten in place as a member token (".nam" for "name": same length, so offsets
        # hold), which the tokeniser keeps and never takes for a local.
        code[start:end] = b"." + source[start : end - 1]
    binding = bytearray(blank)
    for start, end in captured.get("bind", ()):
        binding[start:end] = code[start:end]
    for start, end in captured.get("nobind", ()):
        binding[start:end] = blank[: end - start]
    return Masked(bytes(code), bytes(binding), bytes(t1), source)


@cache
def keywords(spec: LanguageSpec) -> frozenset[bytes]:
    """The grammar's keywords: its anonymous node kinds that look like identifiers."""
    language = ts_language(spec.name)
    found = set()
    for kind_id in range(language.node_kind_count):
        kind = language.node_kind_for_id(kind_id)
        if kind and not language.node_kind_is_named(kind_id) and _WORD.fullmatch(kind):
            found.add(kind.encode())
    return frozenset(found)


def t1_digests(t1: bytes, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """Per unit (`starts`, `ends` in `t1`), the hash of its bytes without comments,
    docstrings and any whitespace, from a T1 form (Masked.t1, Tokenised.t1). The whitespace
    goes in one pass; each unit is then a slice of what is left."""
    import numpy as np

    kept = np.frombuffer(t1.translate(_SOLID_BYTES), dtype=np.uint8)
    before = np.concatenate(([0], np.cumsum(kept, dtype=np.int32)))
    solid = memoryview(t1.translate(None, _WHITESPACE))
    spans = zip(before[starts].tolist(), before[ends].tolist(), strict=True)
    return [xxhash.xxh3_64_hexdigest(solid[low:high]) for low, high in spans]
