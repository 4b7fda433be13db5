"""Research, not used by code-index: can Python's clone masking do without the tree query?

Fingerprinting spends about 45% of its time in the tree-sitter clone query (normalize.mask),
and the traversal alone costs more than half of the 30% overhead budget (see README, "Not
there yet"). This script masks each file's callables with lexical rules only - one regular
expression for strings and comments, then rules over tokens for numbers, docstrings,
imports, keyword-argument names and binding sites - and counts the units whose T2 code
string and T1 digest come out identical to the tree's.

    python bench/lexical_mask_spike.py [corpus]   # default: the stdlib of this Python

2026-12-04 on the stdlib: codes identical for 99.65% of 43,057 units (the rest mostly
`match` statements), T1 digests for 100%. The token loop here is plain Python (about 12 s);
a real implementation would run the same rules as array operations over clones.encode's
tokens, and only the string-and-comment expression (0.36-0.43 s over the stdlib's 24.6 MB
of callables) would stay a pass of its own.
"""

from __future__ import annotations

import re
import sys
import sysconfig
from pathlib import Path

from codeindex.clones import normalize
from codeindex.clones.encode import callable_spans, encode_units
from codeindex.clones.normalize import NUMBER_TOKEN, STRING_TOKEN, Masked
from codeindex.extract import extract
from codeindex.languages import language_for_path

STRINGS_AND_COMMENTS = re.compile(
    rb"#[^\n]*"
    rb"|'''(?:[^\\']|\\.|'(?!''))*'''"
    rb'|"""(?:[^\\"]|\\.|"(?!""))*"""'
    rb"|'(?:[^\\'\n]|\\.)*'"
    rb'|"(?:[^\\"\n]|\\.)*"',
    re.S,
)
# A number: hexadecimal, octal or binary, or decimal with an exponent's sign taken in.
_NUMBER_TOKEN = rb"0[xXoObB]\w*|(?:\d[\w.]*|\.\d[\w.]*)(?:(?<=[eE])[+-]\d[\w.]*)?"
TOKEN = re.compile(
    rb"\\\n|\n|[^\W\d]\w*|" + _NUMBER_TOKEN + rb"|\.[^\W\d]\w*|==|!=|<=|>=|:=|->"
    rb"|\*\*=|//=|>>=|<<=|[-+*/%&|^@]=|\*\*|//|<<|>>|\S"
)
NUMBER = re.compile(
    rb"(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    rb"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)"
)
AUGMENTED = {
    b"+=", b"-=", b"*=", b"/=", b"%=", b"&=", b"|=", b"^=", b"@=", b"**=", b"//=", b">>=",
    b"<<=",
}  # fmt: skip
KEYWORDS = set(
    b"False None True and as assert async await break class continue def del elif else "
    b"except finally for from global if import in is lambda nonlocal not or pass raise "
    b"return try while with yield".split()
)
COMPOUND = {
    b"if", b"elif", b"else", b"while", b"for", b"try", b"except", b"finally", b"with", b"def",
    b"class",
}  # fmt: skip
# After `match`/`case`, these make the word a name, not a soft keyword.
NOT_SOFT_KEYWORD = {b"=", b".", b"(", b"[", b",", b")", b":=", b":"} | AUGMENTED
STRING_PREFIX = set(b"rRbBuUfF")
BLANKS = set(b" \t\r\n\\")
OPEN, CLOSE = set(b"([{"), set(b")]}")

Token = tuple[int, bytes]


def is_word(text: bytes) -> bool:
    return text[:1].isalpha() or text[:1] == b"_" or text[:1] >= b"\x80"


def is_name(text: bytes) -> bool:
    return is_word(text) and text not in KEYWORDS


def tokens(code: bytes, start: int, end: int) -> tuple[list[Token], list[int], list[int]]:
    """Tokens of code[start:end] (line continuations dropped), each one's bracket depth and
    the index of the bracket it sits in (-1 at depth 0)."""
    found = [(m.start(), m.group()) for m in TOKEN.finditer(code, start, end)]
    found = [(at, text) for at, text in found if text != b"\\\n"]
    depths, openers, stack = [], [], []
    for index, (_, text) in enumerate(found):
        if len(text) == 1 and text[0] in CLOSE and stack:
            stack.pop()
        depths.append(len(stack))
        openers.append(stack[-1] if stack else -1)
        if len(text) == 1 and text[0] in OPEN:
            stack.append(index)
    return found, depths, openers


def statements(found: list[Token], depths: list[int]) -> list[tuple[bool, list[int]]]:
    """(is a compound header, token indexes) per statement: split at depth-0 line breaks and
    `;`, and after the `:` that ends a compound statement's header (not a lambda's)."""
    lines: list[list[int]] = [[]]
    for index, (_, text) in enumerate(found):
        if depths[index] == 0 and text in (b"\n", b";"):
            lines.append([])
        elif text != b"\n":
            lines[-1].append(index)
    split: list[tuple[bool, list[int]]] = []
    for line in filter(None, lines):
        first = found[line[0]][1]
        if first == b"async" and len(line) > 1:
            first = found[line[1]][1]
        soft = (
            first in (b"match", b"case")
            and len(line) > 1
            and found[line[1]][1] not in NOT_SOFT_KEYWORD
        )
        if not (first in COMPOUND or soft or first == b"@"):
            split.append((False, line))
            continue
        lambdas = 0
        for position, index in enumerate(line):
            text = found[index][1]
            if depths[index] == 0 and text == b"lambda":
                lambdas += 1
            elif depths[index] == 0 and text == b":":
                if lambdas:
                    lambdas -= 1
                    continue
                split.append((True, line[: position + 1]))
                if line[position + 1 :]:
                    split.append((False, line[position + 1 :]))
                break
        else:
            split.append((True, line))
    return split


def assignment_targets(found: list[Token], depths: list[int], statement: list[int]) -> list[int]:
    """Token indexes left of a depth-0 `=` (each one before the last), of an augmented
    operator, or of a bare annotation's `:`; the tree binds the whole left subtree."""
    base = depths[statement[0]]
    equals, augmented, colon = [], None, None
    for position, index in enumerate(statement):
        text = found[index][1]
        if depths[index] != base:
            continue
        if text == b"lambda":
            break
        if text == b"=":
            equals.append(position)
        elif text in AUGMENTED and augmented is None and not equals:
            augmented = position
        elif text == b":" and colon is None and not equals:
            colon = position
    if equals:
        targets, previous = [], 0
        for position in equals:
            end = colon if previous == 0 and colon is not None and colon < position else position
            targets += statement[previous:end]
            previous = position + 1
        return targets
    if augmented is not None:
        return statement[:augmented]
    if colon is not None and is_name(found[statement[0]][1]):
        return statement[:colon]
    return []


def binding_sites(found: list[Token], depths: list[int]) -> list[int]:
    """Token indexes at binding positions outside assignments."""
    sites = []
    count = len(found)
    for index, (_, text) in enumerate(found):
        following = found[index + 1][1] if index + 1 < count else b""
        if text == b"def" and is_name(following):
            sites.append(index + 1)
            if index + 2 < count and found[index + 2][1] == b"(":
                sites += _parameters(found, depths, index + 3, depths[index + 2] + 1, None)
        elif text == b"lambda":
            sites += _parameters(found, depths, index + 1, depths[index], b":")
        elif text == b"for":
            cursor = index + 1
            while cursor < count and depths[cursor] >= depths[index]:
                if depths[cursor] == depths[index] and found[cursor][1] == b"in":
                    break
                if is_word(found[cursor][1]):
                    sites.append(cursor)
                cursor += 1
        elif text == b"as" and is_name(following):
            sites.append(index + 1)
        elif text == b"as" and following in (b"(", b"["):
            cursor = index + 2
            while cursor < count and depths[cursor] > depths[index]:
                if is_word(found[cursor][1]):
                    sites.append(cursor)
                cursor += 1
        elif text == b":=" and index and is_name(found[index - 1][1]):
            sites.append(index - 1)
    return sites


def _parameters(
    found: list[Token], depths: list[int], cursor: int, depth: int, closing: bytes | None
) -> list[int]:
    """The first name of each item at `depth` until `closing` at that depth (a lambda's `:`)
    or until the depth falls (a def's `)`); annotations and defaults skipped."""
    sites = []
    expect, skipping = True, False
    while cursor < len(found) and depths[cursor] >= depth:
        text = found[cursor][1]
        if depths[cursor] == depth:
            if text == closing:
                break
            if text == b",":
                expect, skipping = True, False
            elif text in (b":", b"="):
                skipping = True
            elif expect and not skipping and is_name(text):
                sites.append(cursor)
                expect = False
        cursor += 1
    return sites


def keyword_argument_names(found: list[Token], depths: list[int], openers: list[int]) -> list[int]:
    """Token indexes of `name` in `call(..., name=value)`: kept as members by the tree."""
    names = []
    for index, (_, text) in enumerate(found):
        opener = openers[index]
        if text != b"=" or opener < 1 or found[opener][1] != b"(":
            continue
        name = index - 1
        if not is_word(found[name][1]) or depths[name] != depths[opener] + 1:
            continue
        before = found[opener - 1][1]
        if not (is_word(before) or before[:1] == b"." or before in (b")", b"]")):
            continue
        if before in KEYWORDS or (opener >= 2 and found[opener - 2][1] == b"def"):
            continue
        previous = name - 1
        while previous >= 0 and found[previous][1] == b"\n":
            previous -= 1
        if found[previous][1] in (b"(", b",") and not _in_lambda_parameters(found, depths, name):
            names.append(name)
    return names


def _in_lambda_parameters(found: list[Token], depths: list[int], index: int) -> bool:
    """Whether the token is a parameter of a lambda written as an argument (a default, not a
    keyword argument): a `lambda` at its depth since the last `:` or bracket there."""
    depth = depths[index]
    cursor = index - 1
    while cursor >= 0 and depths[cursor] >= depth:
        if depths[cursor] == depth:
            text = found[cursor][1]
            if text == b"lambda":
                return True
            if text == b":":
                return False
        cursor -= 1
    return False


def lexical_mask(source: bytes, pieces: list[tuple[int, int]]) -> Masked:
    code, t1 = bytearray(source), bytearray(source)
    strings: list[list[int]] = []
    for start, end in pieces:
        for match in STRINGS_AND_COMMENTS.finditer(source, start, end):
            first, last = match.span()
            if source[first] == ord("#"):
                code[first:last] = t1[first:last] = b" " * (last - first)
                continue
            prefixed = first
            while (
                prefixed > start and first - prefixed < 2 and source[prefixed - 1] in STRING_PREFIX
            ):
                prefixed -= 1
            if prefixed < first and is_word(source[prefixed - 1 : prefixed]):
                prefixed = first
            strings.append([prefixed, last])
    literals: list[list[int]] = []  # adjacent strings are one concatenated string
    for first, last in strings:
        if literals and all(byte in BLANKS for byte in code[literals[-1][1] : first]):
            literals[-1][1] = last
        else:
            literals.append([first, last])
    for first, last in literals:
        code[first:last] = b" " * (last - first)
        code[first] = STRING_TOKEN[0]
    literal_end = {first: last for first, last in literals}
    binding = bytearray(b" " * len(source))
    for start, end in pieces:
        found, depths, openers = tokens(bytes(code), start, end)
        for at, text in found:
            if text in (b"True", b"False") or NUMBER.fullmatch(text):
                code[at : at + len(text)] = b" " * len(text)
                code[at] = NUMBER_TOKEN[0]
        for header, statement in statements(found, depths):
            at, text = found[statement[0]]
            if len(statement) == 1 and text == STRING_TOKEN:  # a docstring
                last = literal_end[at]
                code[at:last] = t1[at:last] = b" " * (last - at)
            elif not header and text in (b"import", b"from") and depths[statement[0]] == 0:
                end_at, end_text = found[statement[-1]]
                code[at : end_at + len(end_text)] = b" " * (end_at + len(end_text) - at)
            elif not header:
                for index in assignment_targets(found, depths, statement):
                    if is_word(found[index][1]):
                        binding[found[index][0]] = code[found[index][0]]
        for index in binding_sites(found, depths):
            binding[found[index][0]] = code[found[index][0]]
        for index in keyword_argument_names(found, depths, openers):
            at, text = found[index]
            code[at : at + len(text)] = b"." + source[at : at + len(text) - 1]
    return Masked(bytes(code), bytes(binding), bytes(t1), source)


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else sysconfig.get_paths()["stdlib"])
    same = same_t1 = total = 0
    differing: list[str] = []
    for path in sorted(corpus.rglob("*.py")):
        if "site-packages" in path.parts:
            continue
        spec = language_for_path(str(path))
        assert spec is not None
        try:
            extraction = extract(path.read_bytes(), spec, str(path))
        except Exception:  # unreadable or unparsable: the index skips it too
            continue
        units = [
            (index, node)
            for index, node in extraction.callables
            if node.end_point[0] - node.start_point[0] >= 2
        ]
        if not units:
            continue
        nodes = [node for _, node in units]
        by_tree = normalize.mask(nodes, extraction.source, spec)
        pieces = [node.byte_range for node in normalize.outermost(nodes, normalize._byte_range)]
        by_lexer = lexical_mask(extraction.source, pieces)
        spans = callable_spans(extraction, units)
        pairs = zip(units, encode_units(by_tree, spans), encode_units(by_lexer, spans), strict=True)
        for (index, node), tree_unit, lexer_unit in pairs:
            if tree_unit.size < 20:
                continue
            total += 1
            same += tree_unit.codes == lexer_unit.codes
            same_t1 += normalize.t1_digest(by_tree, *node.byte_range) == normalize.t1_digest(
                by_lexer, *node.byte_range
            )
            if tree_unit.codes != lexer_unit.codes and len(differing) < 10:
                symbol = extraction.symbols[index]
                differing.append(f"{symbol.path}:{symbol.line} {symbol.qualified_name}")
    print(f"units: {total}; code strings identical: {100 * same / total:.2f}%; ", end="")
    print(f"T1 digests identical: {100 * same_t1 / total:.2f}%")
    print("\n".join(["first differing units:", *differing]))


if __name__ == "__main__":
    main()
