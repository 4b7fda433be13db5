"""Python's clone normalisation, from its tokens alone: no tree query.

The other languages find comments, literals and binding sites with a tree-sitter query
(clones.normalize), whose traversal of every node alone was half of the fingerprinting
budget (see bench/HISTORY.md). Python's syntax says what a
name does from the tokens around it: one regular expression finds strings and comments, and
everything else is array operations over the tokens clones.encode makes anyway, so the
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

import keyword
import re
from collections.abc import Sequence

import numpy as np

from codeindex.clones.encode import (
    DIGIT,
    WORD,
    Span,
    Tokenised,
    Tokens,
    hash_codes,
    lay_out,
    member_hashes,
    text_hash,
    tokenise,
)
from codeindex.clones.normalize import NUMBER_CODE, STRING_TOKEN

# A comment, or a string literal and those right after it (blanks or continuations between:
# one literal), each after the first with its prefix (the first one's is found after).
# Unrolled loops ([^\\']*(?:\\.[^\\']*)*) scan 1.6 times faster than an alternation per byte.
_STRING = (
    rb"(?:'''[^\\']*(?:(?:\\.|'(?!''))[^\\']*)*'''"
    rb'|"""[^\\"]*(?:(?:\\.|"(?!""))[^\\"]*)*"""'
    rb"|'[^\\'\n]*(?:\\.[^\\'\n]*)*'"
    rb'|"[^\\"\n]*(?:\\.[^\\"\n]*)*")'
)
_STRINGS_AND_COMMENTS = re.compile(
    rb"#[^\n]*|" + _STRING + rb"(?:[ \t\r\n\f\\]*[rRbBuUfF]{0,2}" + _STRING + rb")*", re.S
)
_BLANK = ord(" ")


def _table(chars: str) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(chars.encode())] = True
    return table


_OPENERS = _table("#'\"").astype(np.uint8).tobytes()  # for bytes.translate

_STRING_PREFIX = _table("rRbBuUfF")
# The byte before `=` in an augmented assignment (`+=`; `**=`, `//=`, `>>=`, `<<=`: the
# tokeniser pairs the first two bytes, so `<` before a lone `=` is the second of `<<`).
_AUGMENTING = _table("+-*/%&|^@<>")
_EXPONENT = _table("eE")
_HEX_MARK = _table("xX")

# Token kinds: punctuation by its byte, keywords from 32.
(OTHER, PARENTHESIS, OPEN, CLOSE, EQUALS, COLON, COMMA, SEMICOLON, BACKSLASH, AT, WALRUS, DOT,
 SIGN, STRING, DIGITS, NAME) = range(16)  # fmt: skip
_PUNCTUATION_KIND = np.zeros(256, dtype=np.uint8)
for _chars, _kind in (
    ("(", PARENTHESIS), ("[{", OPEN), (")]}", CLOSE), ("=", EQUALS), (":", COLON), (",", COMMA),
    (";", SEMICOLON), ("\\", BACKSLASH), ("@", AT), (".", DOT), ("+-", SIGN),
):  # fmt: skip
    _PUNCTUATION_KIND[list(_chars.encode())] = _kind
_PUNCTUATION_KIND[STRING_TOKEN[0]] = STRING
_KEYWORDS = keyword.kwlist  # `match`, `case`, `type` and `_` are soft keywords
KW = {word: 32 + number for number, word in enumerate(_KEYWORDS)}
_COMPOUND = np.zeros(256, dtype=bool)
_HEADER_KEYWORDS = ("if", "elif", "else", "while", "for", "try", "except", "finally", "with")
_COMPOUND[[KW[word] for word in (*_HEADER_KEYWORDS, "def", "class")]] = True
# Keywords by the low 16 bits of their text hash (all distinct), to look tokens up in one
# gather. clones.encode tells tokens apart by their hash everywhere; the length is checked
# too.
_KEYWORD_HASHES = [text_hash(word.encode()) for word in _KEYWORDS]
assert len({value & 0xFFFF for value in _KEYWORD_HASHES}) == len(_KEYWORDS)
_HASH_BY_SLOT = np.zeros(1 << 16, dtype=np.uint32)
_KIND_BY_SLOT = np.zeros(1 << 16, dtype=np.uint8)
_LENGTH_BY_SLOT = np.zeros(1 << 16, dtype=np.int64)
for _number, (_word, _hash) in enumerate(zip(_KEYWORDS, _KEYWORD_HASHES, strict=True)):
    _HASH_BY_SLOT[_hash & 0xFFFF] = _hash
    _KIND_BY_SLOT[_hash & 0xFFFF] = 32 + _number
    _LENGTH_BY_SLOT[_hash & 0xFFFF] = len(_word)
# `match` and `case` are keywords only at a statement's start, and not before these.
_MATCH_HASH, _CASE_HASH = np.uint32(text_hash(b"match")), np.uint32(text_hash(b"case"))
_NAME_FOLLOWS = np.zeros(256, dtype=bool)
_NAME_FOLLOWS[[EQUALS, DOT, COLON, COMMA, CLOSE, WALRUS]] = True


def tokenised(files: Sequence[tuple[bytes, Sequence[Span]]]) -> Tokenised:
    """The units (Spans of each file's source) of a batch of Python files."""
    layout = lay_out([units for _, units in files])
    source = layout.join([source for source, _ in files])
    piece_starts = layout.piece_starts
    raw = np.frombuffer(source, dtype=np.uint8)
    strings, strings_end, comments, comments_end = _strings_and_comments(
        source, piece_starts, layout.pieces
    )
    # Each byte's class: 0 code, 1 in a string, 2 in a comment.
    delta = np.zeros(len(source) + 1, dtype=np.int8)
    delta[strings], delta[comments] = 1, 2
    delta[strings_end] -= 1
    delta[comments_end] -= 2
    inside = np.cumsum(delta[:-1], dtype=np.int32)  # an int8 sum runs 5 times slower
    code = raw.copy()
    code[inside > 0] = _BLANK
    code[strings] = STRING_TOKEN[0]
    tokens = tokenise(code.tobytes())
    if not len(tokens.starts):  # no units, or only comments and strings
        nothing = np.zeros(0, dtype=np.int64)
        return Tokenised(source, source, tokens, nothing.astype(bool), nothing, layout)
    kind = _kinds(code, tokens)
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
    number, number_parts = _numbers(kind, code, tokens)

    # Docstrings and imports leave the code; docstrings leave the T1 form too.
    one_token = np.diff(np.append(heads, count)) == 1
    docstrings = heads[simple[heads] & one_token & (kind[heads] == STRING)]
    docstrings_end = strings_end[np.searchsorted(strings, starts[docstrings])]
    head_kind = kind[heads]
    imports = simple[heads] & ((head_kind == KW["import"]) | (head_kind == KW["from"]))
    leaving = imports[statement]
    leaving[number_parts] = True
    leaving[docstrings] = True
    t1 = raw.copy()
    t1[inside == 2] = _BLANK
    for start, end in zip(starts[docstrings].tolist(), docstrings_end.tolist(), strict=True):
        t1[start:end] = _BLANK

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


def _strings_and_comments(
    source: bytes, piece_starts: np.ndarray, pieces: list[tuple[int, int, int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(start, end) of the string literals and of the comments. The expression is tried only
    where one can start (a quote or `#` not inside the previous match): three times faster
    than letting it scan every byte. A match ends with its piece, so a string a syntax error
    leaves open does not swallow the next unit."""
    candidates = np.flatnonzero(np.frombuffer(source.translate(_OPENERS), dtype=bool))
    piece_ends = piece_starts + [end - start for _, start, end in pieces]
    limits = piece_ends[np.searchsorted(piece_starts, candidates, side="right") - 1]
    match = _STRINGS_AND_COMMENTS.match
    found: list[int] = []
    end = 0
    for start, limit in zip(candidates.tolist(), limits.tolist(), strict=True):
        if start >= end and (matched := match(source, start, limit)) is not None:
            end = matched.end()
            found += (start, end)
    starts, ends = np.array(found, dtype=np.int64).reshape(-1, 2).T
    raw = np.frombuffer(source, dtype=np.uint8)
    comment = raw[starts] == ord("#")
    strings = starts[~comment]
    # The first literal's prefix (rb"", f""), unless it ends a longer word.
    one = _STRING_PREFIX[raw[strings - 1]]
    width = one.astype(np.int64) + (one & _STRING_PREFIX[raw[strings - 2]])
    strings -= np.where(WORD[raw[strings - width - 1]], 0, width)
    return strings, ends[~comment], starts[comment], ends[comment]


def _kinds(code: np.ndarray, tokens: Tokens) -> np.ndarray:
    """Each token's kind: its punctuation, DIGITS, NAME, a keyword, or OTHER."""
    first = code[tokens.starts]
    size = tokens.ends - tokens.starts
    word = WORD[first]
    kind = np.where(word | (size > 1), np.uint8(OTHER), _PUNCTUATION_KIND[first])
    kind[(size == 2) & (first == ord(":")) & (code[tokens.starts + 1] == ord("="))] = WALRUS
    kind[word & DIGIT[first]] = DIGITS
    kind[tokens.plain] = NAME
    slot = tokens.hashes & np.uint32(0xFFFF)
    keyword = tokens.plain & (_HASH_BY_SLOT[slot] == tokens.hashes)
    keyword &= _LENGTH_BY_SLOT[slot] == size
    kind[keyword] = _KIND_BY_SLOT[slot[keyword]]
    return kind


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
    lead = heads + ((kind[heads] == KW["async"]) & _within(heads, 1, piece))
    lead_kind = kind[lead]
    lead_hash = tokens.hashes[lead]
    soft = (lead_kind == NAME) & ((lead_hash == _MATCH_HASH) | (lead_hash == _CASE_HASH))
    soft &= ~_NAME_FOLLOWS[_ahead(lead, 1, kind, piece)]
    header = _COMPOUND[lead_kind] | soft | (lead_kind == AT)
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
    augmented = equals & _AUGMENTING[before]
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
    defs = defs[_ahead(defs, 1, kind, piece) == NAME]
    binding[defs + 1] = True
    parentheses = defs[_ahead(defs, 2, kind, piece) == PARENTHESIS] + 2
    closing = _next_at_depth(parentheses, kind == CLOSE, depth, piece)
    _first_names(binding, parentheses, closing, depth[parentheses] + 1, kind, depth)
    lambdas = np.flatnonzero(kind == KW["lambda"])
    colons = _next_at_depth(lambdas, kind == COLON, depth, piece)
    _first_names(binding, lambdas, colons, depth[lambdas], kind, depth)
    # `for` to its `in`: every name, unless the depth falls in between (no `in` there).
    fors = np.flatnonzero(kind == KW["for"])
    ins = _next_at_depth(fors, kind == KW["in"], depth, piece)
    stretch, owner = _stretches(fors + 1, ins - fors - 1)
    shallower = np.zeros(len(fors), dtype=bool)
    shallower[owner[depth[stretch] < depth[fors][owner]]] = True
    binding[stretch[names[stretch] & ~shallower[owner]]] = True
    # `as name`, and `as (a, b)` to the bracket's end.
    ases = np.flatnonzero(kind == KW["as"])
    following = _ahead(ases, 1, kind, piece)
    binding[ases[following == NAME] + 1] = True
    opened = ases[(following == PARENTHESIS) | (following == OPEN)] + 1
    closed = _next_at_depth(opened, kind == CLOSE, depth, piece)
    stretch, _ = _stretches(opened + 1, closed - opened - 1)
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
    equals = np.flatnonzero((kind == EQUALS) & ~_AUGMENTING[before] & (depth > 0))
    equals = equals[equals >= 2]
    equals = equals[(kind[equals - 1] == NAME) | (kind[equals - 1] >= 32)]
    equals = equals[(kind[equals - 2] == PARENTHESIS) | (kind[equals - 2] == COMMA)]
    opener = _enclosing(equals, (kind == PARENTHESIS) | (kind == OPEN), depth, piece)
    inside = (opener >= 1) & (piece[opener - 1] == piece[opener])
    equals, opener = equals[inside], opener[inside]
    callee = kind[opener - 1]
    call = kind[opener] == PARENTHESIS
    call &= (callee == NAME) | (callee == CLOSE) | tokens.members[opener - 1]
    call &= kind[np.maximum(opener - 2, 0)] != KW["def"]
    positions: np.ndarray = equals[call] - 1  # numpy types fancy indexing as Any
    return positions


def _numbers(kind: np.ndarray, code: np.ndarray, tokens: Tokens) -> tuple[np.ndarray, np.ndarray]:
    """The tokens that are (or start) a number, and those a number takes in after its first:
    `1.5` and `.5` are one number (the tokeniser cuts at `.`), and so is `1e-5`."""
    starts, ends = tokens.starts, tokens.ends
    joints = np.flatnonzero((kind == DOT) | (kind == SIGN))
    # Glued means no byte between, so never across pieces; the buffer's ends glue nothing.
    before, after = np.maximum(joints - 1, 0), np.minimum(joints + 1, len(kind) - 1)
    glued_before = (joints > 0) & (ends[before] == starts[joints])
    digits_before = glued_before & (kind[before] == DIGITS)
    glued_after = (after > joints) & (ends[joints] == starts[after])
    digits_after = glued_after & (kind[after] == DIGITS)
    dot = kind[joints] == DOT
    wordlike_before = digits_before | (kind[before] == NAME) | (kind[before] >= 32)
    leading = dot & digits_after & ~(glued_before & (wordlike_before | (kind[before] == CLOSE)))
    exponent = _EXPONENT[code[ends[before] - 1]] & ~_HEX_MARK[code[starts[before] + 1]]
    joining = glued_before & digits_before & (dot | (exponent & digits_after))
    taken_in = after[(joining | leading) & digits_after]
    number = (kind == DIGITS) | (kind == KW["True"]) | (kind == KW["False"])
    number[taken_in] = False
    number[joints[leading]] = True
    return number, np.concatenate((joints[joining], taken_in))


def _ahead(at: np.ndarray, steps: int, kind: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """The kind of the token `steps` after each token `at`, or OTHER where its piece (or the
    buffer) ends first: a unit reads the same whatever follows it in the batch."""
    later = np.minimum(at + steps, len(kind) - 1)
    return np.where(_within(at, steps, piece), kind[later], OTHER)


def _within(at: np.ndarray, steps: int, piece: np.ndarray) -> np.ndarray:
    """Whether the token `steps` after each token `at` is in the same piece."""
    later = np.minimum(at + steps, len(piece) - 1)
    same: np.ndarray = (at + steps < len(piece)) & (piece[later] == piece[at])  # indexing is Any
    return same


def _stretches(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The token indexes of each stretch (start, length), and the stretch each belongs to."""
    lengths = np.maximum(lengths, 0)
    owner = np.repeat(np.arange(len(starts)), lengths)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else lengths
    return np.arange(len(owner)) + (starts - offsets)[owner], owner


def _next_at_depth(
    at: np.ndarray, mask: np.ndarray, depth: np.ndarray, piece: np.ndarray
) -> np.ndarray:
    """For each token `at`, the first later token in `mask` at its depth and in its piece;
    `at` + 1 (nothing between) when there is none."""
    candidates = np.flatnonzero(mask)
    found = _nearest(at, candidates, depth[candidates], depth, piece, later=True)
    return np.where(found >= 0, found, at + 1)


def _enclosing(
    at: np.ndarray, opens: np.ndarray, depth: np.ndarray, piece: np.ndarray
) -> np.ndarray:
    """The opening bracket each token `at` sits directly in; -1 at depth 0."""
    brackets = np.flatnonzero(opens)
    found = _nearest(at, brackets, depth[brackets] + 1, depth, piece, later=False)
    return np.where(depth[at] > 0, found, -1)


def _nearest(
    at: np.ndarray,
    candidates: np.ndarray,
    levels: np.ndarray,
    depth: np.ndarray,
    piece: np.ndarray,
    later: bool,
) -> np.ndarray:
    """For each token `at`, the candidate token (at its `levels` entry) on the depth of `at`
    and in its piece that comes first after it (`later`) or last before it; -1 if none."""
    if not len(candidates) or not len(at):
        return np.full(len(at), -1, dtype=np.int64)
    # Sorted by (level, index): one search finds the neighbour on the same level.
    scale = len(depth) + 1
    keys = levels.astype(np.int64) * scale + candidates
    order = np.argsort(keys)
    keys, candidates = keys[order], candidates[order]
    wanted = depth[at].astype(np.int64) * scale + at
    found = (
        np.searchsorted(keys, wanted, side="right") if later else np.searchsorted(keys, wanted) - 1
    )
    valid = (found >= 0) & (found < len(keys))
    found = np.clip(found, 0, len(keys) - 1)
    hit = candidates[found]
    valid &= (keys[found] // scale == depth[at]) & (piece[hit] == piece[at])
    return np.where(valid, hit, -1)


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
    stretch, owner = _stretches(opened + 1, closed - opened - 1)
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
