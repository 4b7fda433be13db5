"""Normalise code for clone detection.

T1 drops layout, comments and docstrings. T2 further replaces literals by their class and
renames the identifiers bound inside the unit (parameters, assignment targets, loop variables)
by first occurrence. Names not bound in the unit - members, globals, builtins, imported
modules, called APIs - are kept: they carry the meaning that separates two functions with the
same skeleton, so keeping them keeps precision high.

Tree-sitter decides everything that needs syntax: which byte ranges are comments, docstrings,
string literals and imports, and which subtrees bind names. One query per language, generated
from the registry's `CloneSyntax` row, finds them in C. The code between those ranges is split
into tokens by one regular expression (also in C): a Python loop over every tree-sitter leaf
cost more than parsing itself, four times the fingerprinting budget (measured on the stdlib).

Every token becomes one character of a "code string" (a stable hash of its text, or a
placeholder for renamed locals and literal classes), so similarity is rapidfuzz on strings.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING

import xxhash

from codeindex.languages import LanguageSpec, ts_language

if TYPE_CHECKING:
    import tree_sitter

# Code points: literal classes and the unit's own name below 0x20; local-name references from
# 0xE000 (private use area); hashed token texts in [0x100, 0xD7FF] (no surrogates, so the string
# encodes cleanly in UTF-8 for storage).
STRING_CODE, NUMBER_CODE, NAME_CODE = "\x01", "\x02", "\x03"
STRING_TOKEN, NUMBER_TOKEN = b"\x01", b"\x02"
HASH_BASE = 0x100
HASH_SPAN = 0xD800 - HASH_BASE
_LOCALS = [chr(0xE000 + i) for i in range(128)]
_FIRST = _LOCALS[0]
_NEAR = 24
_WHITESPACE = bytes(range(33))
_WORD = re.compile(r"[^\W\d]\w*")
_IDENT = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*"
# A member (after a lone `.`, or `::` / `->`) is one token, so it never looks like a local.
# The leading \s* lets the engine skip indentation in one step (30% faster than failing
# every alternative at each blank).
_TOKEN = re.compile(
    rb"\s*("
    + _IDENT
    + rb"|(?<!\.)\.(?!\.)"
    + _IDENT
    + rb"|(?:::|->)"
    + _IDENT
    + rb"|\d[\w.]*|==|!=|<=|>=|=>|&&|\|\||\+\+|--|\*\*|<<|>>|::|->|:=|\?\?|\?\.|[^\s\w])"
)
# An identifier that is not a member: what a binding subtree binds.
_BINDING = re.compile(rb"(?<![.\w\x80-\xff])" + _IDENT)
_BYTE_RANGE = attrgetter("byte_range")


@dataclass(frozen=True, slots=True)
class Masked:
    """A file's source with syntax applied, so that one regex call tokenises any unit.

    `code`: comments, docstrings and imports blanked, each outermost string literal replaced
    by STRING_TOKEN plus blanks (same length, so byte offsets still match the tree).
    `binding`: `code` with non-binding parts of binding subtrees (annotations, defaults) blanked.
    `t1`: the source with comments and docstrings blanked, for the T1 hash.
    """

    code: bytes
    binding: bytes
    t1: bytes
    binds: list[tuple[int, int]]  # subtrees whose identifiers bind locals, sorted


@cache
def clone_query(spec: LanguageSpec) -> tree_sitter.Query:
    """The spec's CloneSyntax as one tree-sitter query. Types or fields a grammar lacks are
    left out, so a registry row may list a superset."""
    import tree_sitter

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
    return tree_sitter.Query(language, "\n".join(p for p in patterns if _possible(language, p)))


def _possible(language: tree_sitter.Language, pattern: str) -> bool:
    """Whether the grammar can match the pattern at all (a field may not take that type)."""
    import tree_sitter

    try:
        tree_sitter.Query(language, pattern)
    except tree_sitter.QueryError:
        return False
    return True


def outermost(nodes: list[tree_sitter.Node]) -> list[tree_sitter.Node]:
    """Nodes not nested in another, in source order: the subtrees to query once."""
    outer = []
    end = -1
    for node in sorted(nodes, key=lambda n: n.start_byte):
        if node.start_byte >= end:
            outer.append(node)
            end = node.end_byte
    return outer


def mask(nodes: list[tree_sitter.Node], source: bytes, spec: LanguageSpec) -> Masked:
    """Run the clone query over the given subtrees (in source order, not nested) and blank
    the source accordingly."""
    import tree_sitter

    cursor = tree_sitter.QueryCursor(clone_query(spec))
    captured: dict[str, list[tuple[int, int]]] = {}
    for node in nodes:
        for name, found in cursor.captures(node).items():
            # One property read per node, mapped in C: ~800k captures on the stdlib.
            captured.setdefault(name, []).extend(map(_BYTE_RANGE, found))
    code = bytearray(source)
    t1 = bytearray(source)
    for name, token in (("number", NUMBER_TOKEN), ("string", STRING_TOKEN)):
        # Literals nest (a concatenated string and its parts, a string inside an f-string or
        # template), and tree-sitter lists nested captures in an order that varies from one
        # process to the next. Descending (start, end) order applies every outer literal
        # after what it contains, so each outermost literal is one token, whatever the order.
        for start, end in sorted(captured.get(name, ()), reverse=True):
            code[start:end] = token + b" " * (end - start - 1)
    for name in ("drop", "import"):
        for start, end in captured.get(name, ()):
            code[start:end] = b" " * (end - start)
            if name == "drop":
                t1[start:end] = b" " * (end - start)
    for start, end in captured.get("member", ()):
        # Rewritten in place as a member token (".nam" for "name": same length, so offsets
        # hold), which the tokeniser keeps and never takes for a local.
        code[start:end] = b"." + source[start : end - 1]
    binding = bytearray(code)
    for start, end in captured.get("nobind", ()):
        binding[start:end] = b" " * (end - start)
    return Masked(bytes(code), bytes(binding), bytes(t1), sorted(captured.get("bind", ())))


def tokens(masked: Masked, start: int, end: int) -> list[bytes]:
    """The unit's tokens, literals as class tokens."""
    # Without trailing blanks: at a blank run that reaches the end, the leading \s* would
    # rescan the run from every position (quadratic on a blanked docstring).
    return _TOKEN.findall(masked.code[start:end].rstrip())


def lexical_size(masked: Masked, unit_tokens: list[bytes], start: int, end: int) -> int:
    """The unit's length in tokens as a conventional lexer (jscpd, say) counts them, which is
    what a minimum size of "50 tokens" means to users: our tokens merge each member access
    (`.name`, `::name`) into one, which made a Go function of 63 such tokens count 47.
    Counted in C: the dots and double colons left in the masked code (strings, numbers and
    comments are blanked), less the two dots of each range operator (`..`)."""
    code = masked.code
    return (
        len(unit_tokens)
        + code.count(b".", start, end)
        - 2 * code.count(b"..", start, end)
        + code.count(b"::", start, end)
    )


def bound_names(masked: Masked, start: int, end: int) -> set[bytes]:
    """Identifiers written at binding positions inside [start, end)."""
    names: set[bytes] = set()
    findall = _BINDING.findall
    binds = masked.binds
    for index in range(bisect_left(binds, (start, -1)), len(binds)):
        s, e = binds[index]
        if s >= end:
            break
        names.update(findall(masked.binding, s, e))
    return names


class _Codes(dict[bytes, str]):
    """Token text -> stable one-character code (Python's hash() is salted per process)."""

    def __missing__(self, text: bytes) -> str:
        if text[:1].isdigit():
            code = NUMBER_CODE
        else:
            code = chr(HASH_BASE + xxhash.xxh32_intdigest(text) % HASH_SPAN)
        self[text] = code
        return code


_CODES = _Codes({STRING_TOKEN: STRING_CODE, NUMBER_TOKEN: NUMBER_CODE})


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


def fragment_bound_names(unit_tokens: list[bytes], spec: LanguageSpec) -> set[bytes]:
    """Bare statements use the locals of a function that is not there: take every plain
    identifier that is neither a keyword nor called as a function for a local."""
    reserved = keywords(spec)
    names = set()
    for index, token in enumerate(unit_tokens):
        if not _WORD.fullmatch(token.decode("utf-8", "replace")) or token in reserved:
            continue
        if index + 1 < len(unit_tokens) and unit_tokens[index + 1] == b"(":
            continue
        names.add(token)
    return names


def encode(unit_tokens: list[bytes], bound: set[bytes], name: bytes = b"") -> str:
    """The T2 code string.

    Bound names are encoded by Baker's prev-encoding (parameterized matching): a first
    occurrence becomes FIRST, a later one how many local-name occurrences back the previous
    occurrence of the same name is (counting locals only, so other tokens inserted in between
    change nothing). Two units get equal strings exactly when one is a consistent
    renaming of the other, as with numbering by first occurrence; but an inserted local shifts
    no numbers, so an edit only disturbs the tokens next to it - which keeps edited copies
    similar and their sketches overlapping. `name`, the unit's own name, becomes NAME_CODE so
    a renamed copy of a method still hashes the same."""
    codes = list(map(_CODES.__getitem__, unit_tokens))
    if name:
        bound = bound - {name}
        # count and index scan in C; the name occurs once or twice, if at all.
        index = -1
        for _ in range(unit_tokens.count(name)):
            index = unit_tokens.index(name, index + 1)
            codes[index] = NAME_CODE
    # The loop below runs once per local occurrence (~20% of all tokens): keep it lean.
    last: dict[bytes, int] = {}
    previous = last.get
    positions = compress(range(len(unit_tokens)), map(bound.__contains__, unit_tokens))
    # A distance is below the token count, so a table that long needs no bounds check.
    distances = _distances(len(unit_tokens))
    for ordinal, index in enumerate(positions):
        token = unit_tokens[index]
        codes[index] = distances[ordinal - previous(token, ordinal)]  # 0 -> FIRST
        last[token] = ordinal
    return "".join(codes)


def _distance_code(distance: int) -> str:
    # Exact up to NEAR, then by powers of two: a far reference is rarely what an edit moves.
    if distance <= _NEAR:
        return _LOCALS[distance]
    return _LOCALS[_NEAR + distance.bit_length()]


# Distances from _FAR on share one code (the bit-length buckets must stay within _LOCALS).
_FAR = 4095
_DISTANCES = [_distance_code(d) for d in range(_FAR + 1)]


def _distances(count: int) -> list[str]:
    """The distance -> code table, at least `count` long (grown in place, rarely)."""
    if len(_DISTANCES) < count:
        _DISTANCES.extend([_DISTANCES[_FAR]] * (count - len(_DISTANCES)))
    return _DISTANCES


def t1_digest(masked: Masked, start: int, end: int) -> str:
    """Hash of the unit's bytes without comments, docstrings and any whitespace."""
    return xxhash.xxh3_64_hexdigest(masked.t1[start:end].translate(None, _WHITESPACE))
