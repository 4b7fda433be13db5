"""Python's clone normalisation, from its tokens alone: no tree query.

The other languages find comments, literals and binding sites with a tree-sitter query
(clones.normalize), whose traversal of every node alone was half of the fingerprinting
budget (see bench/HISTORY.md). Python's syntax says what a
name does from the tokens around it: one regular expression finds strings and comments, and
everything else is array operations over the tokens clones.tokens makes anyway, so the
source is tokenised once:

- strings (with their prefixes; adjacent ones are one literal) become one string token,
  numbers (`1.5e-3` is one), `True` and `False` one number token;
- comments, docstrings (a statement that is one string) and import statements go;
- a keyword argument's name (`f(key=...)`) is coded as the member `.key`, never a local;
- binding sites: the left of a depth-0 `=` (an annotation's type excepted) or augmented
  operator, a bare annotation's name, the words between `for` and its `in`, the name after
  `as` (or the words of `as (a, b)`), the name before `:=`, a `def`'s name and the first
  name of each of its parameters and of a `lambda`'s.

Statements are split at depth-0 line breaks not after a backslash, at `;`, and after the
colon that ends a compound statement's header (not a lambda's colon).

These give the same tokens, literals, locals and line profiles as the tree query for nearly
every unit (the rest mostly bind a keyword in a subscript target, or a lambda's parameter
inside a default, where the tree did not) and the same T1 digests for all; the measure is
bench/python_lexical_agreement.py. Normalising from tokens costs about half of going through
the tree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from codeindex.clones.encode import Tokenised
from codeindex.clones.lexical_tokens import (
    AT,
    AUGMENTING,
    BACKSLASH,
    BLANK,
    CASE_HASH,
    CLOSE,
    COLON,
    COMMA,
    COMPOUND,
    EQUALS,
    KW,
    MATCH_HASH,
    NAME,
    NAME_FOLLOWS,
    OPEN,
    PARENTHESIS,
    SEMICOLON,
    STRING,
    WALRUS,
    ahead,
    enclosing,
    kinds,
    next_at_depth,
    numbers,
    stretches,
    strings_and_comments,
    within,
)
from codeindex.clones.normalize import NUMBER_CODE, STRING_TOKEN
from codeindex.clones.tokens import (
    Layout,
    Span,
    Tokens,
    hash_codes,
    lay_out,
    member_hashes,
    tokenise,
)


def _code_only(
    source: bytes, layout: Layout
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The laid-out source's bytes; the same with strings and comments blanked, each string
    one string token; each byte's class (0 code, 1 string, 2 comment); the strings' ranges."""
    piece_starts = layout.piece_starts
    raw = np.frombuffer(source, dtype=np.uint8)
    strings, strings_end, comments, comments_end = strings_and_comments(
        source, piece_starts, layout.pieces
    )
    # Each byte's class: 0 code, 1 in a string, 2 in a comment.
    delta = np.zeros(len(source) + 1, dtype=np.int8)
    delta[strings], delta[comments] = 1, 2
    delta[strings_end] -= 1
    delta[comments_end] -= 2
    inside = np.cumsum(delta[:-1], dtype=np.int32)  # an int8 sum runs 5 times slower
    code = raw.copy()
    code[inside > 0] = BLANK
    code[strings] = STRING_TOKEN[0]
    return raw, code, inside, strings, strings_end


def tokenised(files: Sequence[tuple[bytes, Sequence[Span]]]) -> Tokenised:
    """The units (Spans of each file's source) of a batch of Python files."""
    layout = lay_out([units for _, units in files])
    source = layout.join([source for source, _ in files])
    piece_starts = layout.piece_starts
    raw, code, inside, strings, strings_end = _code_only(source, layout)
    tokens = tokenise(code.tobytes())
    if not len(tokens.starts):  # no units, or only comments and strings
        nothing = np.zeros(0, dtype=np.int64)
        return Tokenised(source, source, tokens, nothing.astype(bool), nothing, layout)
    kind = kinds(code, tokens)
    count = len(kind)
    starts, ends = tokens.starts, tokens.ends

    # Bracket depth, from 0 at each piece; a piece's statements, headers apart.
    opens = (kind == PARENTHESIS) | (kind == OPEN)
    depth = np.cumsum(opens.astype(np.int32) - (kind == CLOSE), dtype=np.int32) - opens
    piece_first = np.searchsorted(starts, piece_starts)
    tokens_per_piece = np.diff(np.append(piece_first, count))
    depth -= np.repeat(depth[np.minimum(piece_first, count - 1)], tokens_per_piece)
    piece = np.repeat(np.arange(len(piece_first)), tokens_per_piece)
    line = np.cumsum(raw == ord("\n"), dtype=np.int32)[starts]
    # Depth-0 lambdas so far: their colons end no header, and their parameters no target.
    lambdas = np.cumsum((kind == KW["lambda"]) & (depth == 0), dtype=np.int32)
    statement, heads, simple = _statements(tokens, kind, depth, line, piece_first, piece, lambdas)

    before = code[starts - 1]  # the byte before each token
    binding = _assignment_targets(kind, depth, statement, heads, simple, before, lambdas)
    binding |= _other_binding_sites(kind, depth, piece)
    keyword_arguments = _keyword_argument_names(kind, depth, piece, before, tokens)
    number, number_parts = numbers(kind, code, tokens)

    # Docstrings and imports leave the code; docstrings leave the T1 form too.
    docstrings, imports = _docstrings_and_imports(kind, heads, simple)
    leaving = imports[statement]
    leaving[number_parts] = True
    leaving[docstrings] = True
    t1 = _t1(raw, inside, starts[docstrings], strings, strings_end)

    hashes = tokens.hashes.copy()
    hashes[keyword_arguments] = member_hashes(hashes[keyword_arguments])
    codes = tokens.codes.copy()
    codes[keyword_arguments] = hash_codes(hashes[keyword_arguments])
    codes[number] = ord(NUMBER_CODE)
    plain = tokens.plain & ~number
    plain[keyword_arguments] = False
    members = tokens.members.copy()
    members[keyword_arguments] = True
    kept = ~leaving
    return Tokenised(
        source,
        t1.tobytes(),
        Tokens(starts[kept], ends[kept], hashes[kept], codes[kept], plain[kept], members[kept]),
        binding[kept],
        line[kept],
        layout,
    )


def _t1(
    raw: np.ndarray,
    inside: np.ndarray,
    docstrings: np.ndarray,
    strings: np.ndarray,
    strings_end: np.ndarray,
) -> np.ndarray:
    """The laid-out source without comments and docstrings (given by their starts)."""
    t1 = raw.copy()
    t1[inside == 2] = BLANK
    ends = strings_end[np.searchsorted(strings, docstrings)]
    for start, end in zip(docstrings.tolist(), ends.tolist(), strict=True):
        t1[start:end] = BLANK
    return t1


def _docstrings_and_imports(
    kind: np.ndarray, heads: np.ndarray, simple: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The docstrings (a simple statement that is one string: its token) and, per statement,
    whether it is an import."""
    one_token = np.diff(np.append(heads, len(kind))) == 1
    docstrings = heads[simple[heads] & one_token & (kind[heads] == STRING)]
    head_kind = kind[heads]
    imports = simple[heads] & ((head_kind == KW["import"]) | (head_kind == KW["from"]))
    return docstrings, imports


def _statements(
    tokens: Tokens,
    kind: np.ndarray,
    depth: np.ndarray,
    line: np.ndarray,
    piece_first: np.ndarray,
    piece: np.ndarray,
    lambdas: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each token's statement, each statement's first token, and whether a token's statement
    is simple (not a compound statement's header, nor a decorator)."""
    count = len(kind)
    depth0 = depth == 0
    new = np.zeros(count, dtype=bool)
    new[1:] = depth0[1:] & (
        ((line[1:] != line[:-1]) & (kind[:-1] != BACKSLASH)) | (kind[:-1] == SEMICOLON)
    )
    new[piece_first[piece_first < count]] = True
    heads = np.flatnonzero(new)
    lead = heads + ((kind[heads] == KW["async"]) & within(heads, 1, piece))
    lead_kind = kind[lead]
    lead_hash = tokens.hashes[lead]
    soft = (lead_kind == NAME) & ((lead_hash == MATCH_HASH) | (lead_hash == CASE_HASH))
    soft &= ~NAME_FOLLOWS[ahead(lead, 1, kind, piece)]
    header = COMPOUND[lead_kind] | soft | (lead_kind == AT)
    # A header ends at its first depth-0 colon that no lambda before it takes.
    statement = np.cumsum(new, dtype=np.int32) - 1
    colons = np.cumsum((kind == COLON) & depth0, dtype=np.int32)
    candidates = np.flatnonzero((kind == COLON) & depth0 & header[statement])
    owner = heads[statement[candidates]]
    # Colons and lambdas since the statement's start, this colon included.
    colons_in = colons[candidates] - colons[owner] + (kind[owner] == COLON)
    lambdas_in = lambdas[candidates] - lambdas[owner] + (kind[owner] == KW["lambda"])
    own = candidates[colons_in - lambdas_in == 1]
    _, first_own = np.unique(statement[own], return_index=True)
    body = own[first_own] + 1
    body = body[body < count]
    new[body] = True
    header_heads = heads[header]
    heads = np.flatnonzero(new)
    statement = np.cumsum(new, dtype=np.int32) - 1
    is_header = np.zeros(len(heads), dtype=bool)
    is_header[statement[header_heads]] = True
    return statement, heads, ~is_header[statement]


def _per_statement(
    mask: np.ndarray, statement: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """The first and the last token of each statement in `mask`; -1 where there is none."""
    found = np.flatnonzero(mask)
    first = np.full(size, -1, dtype=np.int64)
    last = first.copy()
    if len(found):
        owner = statement[found]  # runs, in order
        starts = np.flatnonzero(np.diff(owner)) + 1
        firsts = np.concatenate(([0], starts))
        first[owner[firsts]] = found[firsts]
        last[owner[firsts]] = found[np.append(starts - 1, len(found) - 1)]
    return first, last


def _assignment_targets(
    kind: np.ndarray,
    depth: np.ndarray,
    statement: np.ndarray,
    heads: np.ndarray,
    simple: np.ndarray,
    before: np.ndarray,
    lambdas: np.ndarray,
) -> np.ndarray:
    """Names left of a simple statement's last depth-0 `=` (bar an annotation between its
    first `:` and first `=`), else of its augmented operator, else of a bare annotation's `:`.
    What follows a depth-0 lambda does not count. The tree binds the whole left side, so
    names in a target's subscript bind too."""
    count, size = len(kind), len(heads)
    counted = simple & (depth == 0) & (lambdas == lambdas[heads][statement])
    equals = kind == EQUALS
    augmented = equals & AUGMENTING[before]
    first_equals, last_equals = _per_statement(counted & equals & ~augmented, statement, size)
    first_augmented, _ = _per_statement(counted & augmented, statement, size)
    first_colon, _ = _per_statement(counted & (kind == COLON), statement, size)
    no_colon = first_colon < 0
    first_colon[no_colon] = count
    index = np.arange(count)
    assigned = last_equals >= 0
    annotated = (first_colon < first_equals) & assigned
    targets = assigned[statement] & (index < last_equals[statement])
    targets &= ~(
        annotated[statement] & (index > first_colon[statement]) & (index < first_equals[statement])
    )
    augments = ~assigned & (first_augmented >= 0) & (first_augmented < first_colon)
    targets |= augments[statement] & (index < first_augmented[statement])
    bare = ~assigned & (first_augmented < 0) & ~no_colon & (kind[heads] == NAME)
    targets |= bare[statement] & (index < first_colon[statement])
    found: np.ndarray = targets & simple & (kind == NAME)  # numpy types fancy indexing as Any
    return found


def _other_binding_sites(kind: np.ndarray, depth: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """Names bound by `def`, `lambda`, `for`, `as` and `:=`."""
    count = len(kind)
    binding = np.zeros(count, dtype=bool)
    names = kind == NAME
    defs = np.flatnonzero(kind == KW["def"])
    defs = defs[ahead(defs, 1, kind, piece) == NAME]
    binding[defs + 1] = True
    parentheses = defs[ahead(defs, 2, kind, piece) == PARENTHESIS] + 2
    closing = next_at_depth(parentheses, kind == CLOSE, depth, piece)
    _first_names(binding, parentheses, closing, depth[parentheses] + 1, kind, depth)
    lambdas = np.flatnonzero(kind == KW["lambda"])
    colons = next_at_depth(lambdas, kind == COLON, depth, piece)
    _first_names(binding, lambdas, colons, depth[lambdas], kind, depth)
    # `for` to its `in`: every name, unless the depth falls in between (no `in` there).
    fors = np.flatnonzero(kind == KW["for"])
    ins = next_at_depth(fors, kind == KW["in"], depth, piece)
    stretch, owner = stretches(fors + 1, ins - fors - 1)
    shallower = np.zeros(len(fors), dtype=bool)
    shallower[owner[depth[stretch] < depth[fors][owner]]] = True
    binding[stretch[names[stretch] & ~shallower[owner]]] = True
    # `as name`, and `as (a, b)` to the bracket's end.
    ases = np.flatnonzero(kind == KW["as"])
    following = ahead(ases, 1, kind, piece)
    binding[ases[following == NAME] + 1] = True
    opened = ases[(following == PARENTHESIS) | (following == OPEN)] + 1
    closed = next_at_depth(opened, kind == CLOSE, depth, piece)
    stretch, _ = stretches(opened + 1, closed - opened - 1)
    binding[stretch[names[stretch]]] = True
    walruses = np.flatnonzero(kind[1:] == WALRUS) + 1
    walruses = walruses[piece[walruses - 1] == piece[walruses]]
    binding[walruses[names[walruses - 1]] - 1] = True
    return binding


def _keyword_argument_names(
    kind: np.ndarray, depth: np.ndarray, piece: np.ndarray, before: np.ndarray, tokens: Tokens
) -> np.ndarray:
    """`name` in `call(..., name=value)`: a name (or keyword) after `(` or `,`, before `=`,
    directly in parentheses that follow a name, a member, `)` or `]` - but not a `def`'s."""
    equals = np.flatnonzero((kind == EQUALS) & ~AUGMENTING[before] & (depth > 0))
    equals = equals[equals >= 2]
    equals = equals[(kind[equals - 1] == NAME) | (kind[equals - 1] >= 32)]
    equals = equals[(kind[equals - 2] == PARENTHESIS) | (kind[equals - 2] == COMMA)]
    opener = enclosing(equals, (kind == PARENTHESIS) | (kind == OPEN), depth, piece)
    inside = (opener >= 1) & (piece[opener - 1] == piece[opener])
    equals, opener = equals[inside], opener[inside]
    callee = kind[opener - 1]
    call = kind[opener] == PARENTHESIS
    call &= (callee == NAME) | (callee == CLOSE) | tokens.members[opener - 1]
    call &= kind[np.maximum(opener - 2, 0)] != KW["def"]
    positions: np.ndarray = equals[call] - 1  # numpy types fancy indexing as Any
    return positions


def _first_names(
    binding: np.ndarray,
    opened: np.ndarray,
    closed: np.ndarray,
    level: np.ndarray,
    kind: np.ndarray,
    depth: np.ndarray,
) -> None:
    """Mark the first name of each comma-separated item at `level` between `opened` and
    `closed` (parameters), unless a `:` or `=` (annotation, default) comes before it."""
    stretch, owner = stretches(opened + 1, closed - opened - 1)
    direct = depth[stretch] == level[owner]
    stretch, owner = stretch[direct], owner[direct]
    if not len(stretch):
        return
    item_kind = kind[stretch]
    new_item = item_kind == COMMA
    new_item[1:] |= owner[1:] != owner[:-1]
    new_item[0] = True
    item = np.cumsum(new_item, dtype=np.int32) - 1
    stops = (item_kind == COLON) | (item_kind == EQUALS)
    stopped = np.cumsum(stops, dtype=np.int32) - stops
    stopped -= stopped[np.flatnonzero(new_item)][item]
    candidates = np.flatnonzero((item_kind == NAME) & (stopped == 0))
    _, first = np.unique(item[candidates], return_index=True)
    binding[stretch[candidates[first]]] = True
