"""Python's tokens as clones.lexical reads them: where strings and comments are, and each
token's kind (its punctuation, a number, a name or a keyword), and how to move between tokens
in array operations."""

from __future__ import annotations

import keyword
import re

import numpy as np

from codeindex.clones.normalize import STRING_TOKEN
from codeindex.clones.tokens import DIGIT, WORD, Tokens, text_hash

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
BLANK = ord(" ")


def _table(chars: str) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(chars.encode())] = True
    return table


_OPENERS = _table("#'\"").astype(np.uint8).tobytes()  # for bytes.translate

_STRING_PREFIX = _table("rRbBuUfF")
# The byte before `=` in an augmented assignment (`+=`; `**=`, `//=`, `>>=`, `<<=`: the
# tokeniser pairs the first two bytes, so `<` before a lone `=` is the second of `<<`).
AUGMENTING = _table("+-*/%&|^@<>")
EXPONENT = _table("eE")
HEX_MARK = _table("xX")

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
COMPOUND = np.zeros(256, dtype=bool)
_HEADER_KEYWORDS = ("if", "elif", "else", "while", "for", "try", "except", "finally", "with")
COMPOUND[[KW[word] for word in (*_HEADER_KEYWORDS, "def", "class")]] = True
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
MATCH_HASH, CASE_HASH = np.uint32(text_hash(b"match")), np.uint32(text_hash(b"case"))
NAME_FOLLOWS = np.zeros(256, dtype=bool)
NAME_FOLLOWS[[EQUALS, DOT, COLON, COMMA, CLOSE, WALRUS]] = True


def strings_and_comments(
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


def kinds(code: np.ndarray, tokens: Tokens) -> np.ndarray:
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


def numbers(kind: np.ndarray, code: np.ndarray, tokens: Tokens) -> tuple[np.ndarray, np.ndarray]:
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
    exponent = EXPONENT[code[ends[before] - 1]] & ~HEX_MARK[code[starts[before] + 1]]
    joining = glued_before & digits_before & (dot | (exponent & digits_after))
    taken_in = after[(joining | leading) & digits_after]
    number = (kind == DIGITS) | (kind == KW["True"]) | (kind == KW["False"])
    number[taken_in] = False
    number[joints[leading]] = True
    return number, np.concatenate((joints[joining], taken_in))


# Positions in the token arrays, a piece (one outermost unit) at a time.


def ahead(at: np.ndarray, steps: int, kind: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """The kind of the token `steps` after each token `at`, or OTHER where its piece (or the
    buffer) ends first: a unit reads the same whatever follows it in the batch."""
    later = np.minimum(at + steps, len(kind) - 1)
    return np.where(within(at, steps, piece), kind[later], OTHER)


def within(at: np.ndarray, steps: int, piece: np.ndarray) -> np.ndarray:
    """Whether the token `steps` after each token `at` is in the same piece."""
    later = np.minimum(at + steps, len(piece) - 1)
    same: np.ndarray = (at + steps < len(piece)) & (piece[later] == piece[at])  # indexing is Any
    return same


def stretches(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The token indexes of each stretch (start, length), and the stretch each belongs to."""
    lengths = np.maximum(lengths, 0)
    owner = np.repeat(np.arange(len(starts)), lengths)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else lengths
    return np.arange(len(owner)) + (starts - offsets)[owner], owner


def next_at_depth(
    at: np.ndarray, mask: np.ndarray, depth: np.ndarray, piece: np.ndarray
) -> np.ndarray:
    """For each token `at`, the first later token in `mask` at its depth and in its piece;
    `at` + 1 (nothing between) when there is none."""
    candidates = np.flatnonzero(mask)
    found = nearest(at, candidates, depth[candidates], depth, piece, later=True)
    return np.where(found >= 0, found, at + 1)


def enclosing(
    at: np.ndarray, opens: np.ndarray, depth: np.ndarray, piece: np.ndarray
) -> np.ndarray:
    """The opening bracket each token `at` sits directly in; -1 at depth 0."""
    brackets = np.flatnonzero(opens)
    found = nearest(at, brackets, depth[brackets] + 1, depth, piece, later=False)
    return np.where(depth[at] > 0, found, -1)


def nearest(
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
