"""Syntax the pinned grammars do not know yet, bridged by rewriting a copy of the source.

tree-sitter-typescript 0.23.2 (the newest wheel) fails on some things TypeScript accepts, and a
failure can take a whole file with it: in effect 4.1.5, `Effect.ts` (911 KB) parsed to a root
ERROR node and gave 73 definitions instead of 273. Each gap is a pattern whose group 1 is
overwritten by a fill byte, so no byte or line moves. A source holding a gap's hint is parsed
bridged at once; one whose tree has errors is parsed again with the gaps bridged, and the tree
with the fewest errors wins (a rewrite that fits most files can break an odd one). Texts
(names, signatures, docs) are always cut from the original bytes: what is printed is what was
written, only the tree comes from the rewritten copy. C# has gaps too (tree-sitter-c-sharp
0.23.5); Python, Go and Rust have none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tree_sitter

BLANKS = b" \t\r\n"
_NOT_A_LINE_BREAK = re.compile(rb"[^\r\n]")


@dataclass(frozen=True, slots=True)
class GrammarGap:
    pattern: bytes  # a regex over the source; group 1 is overwritten
    fill: bytes  # one byte, repeated over group 1
    why: str
    # If set, a regex the last two bytes before the match (blanks skipped) must end with.
    after: bytes = b""
    # Substrings that make the gap likely: a source holding one is bridged before its first
    # parse. Without one, only a parse with errors is followed by a bridged one.
    hints: tuple[bytes, ...] = ()


# Variance annotations on type parameters (TypeScript 4.7): `interface Ref<in out A>`,
# `Effect<out A, out E = never>`, or one parameter per line (with comments between). Blanked:
# the parameter is still a parameter.
VARIANCE = GrammarGap(
    rb"(?m)(?:[<,]|^)[ \t]*((?:in[ \t\r\n]+)?out|in)[ \t\r\n]+"
    rb"(?=[A-Za-z_$][\w$]*\s*(?:extends\b|=|,|>|$))",
    b" ",
    "variance annotations (in/out) on type parameters",
    hints=(b"<in ", b"<out ", b"in out ", b"  out "),
)
# A generic call signature on its own line after another member with no `;` between them
# (`export const map: {\n  <A>(f: F<A>): G<A>\n  <A>(self: S<A>, f: F<A>): G<A>\n}`, the way
# effect writes every overloaded API): the grammar reads the `<` as a comparison continuing
# the line before. The last blank before the `<` becomes the `;` that the compiler's automatic
# semicolon insertion sees. Only after code that ends a member (comments between skipped): not
# after `=>`, `=`, `,` or an open bracket, where a generic arrow or a type argument may follow.
# Not for TSX, where lines start with tags.
CALL_SIGNATURE_LINES = GrammarGap(
    rb"\n[ \t]*([ \t])(?=<)",
    b";",
    "generic call signatures on their own lines without a separator",
    after=rb"(?:[)\]}\w\"'`\x80-\xff]|(?<!=)>)\Z",
    hints=(b">\n  <", b"*/\n  <"),
)
# An escaped backtick in a template literal type (effect's Schema.ts:
# type MissingSelfGeneric = `Missing \`Self\` generic ...`): the grammar ends the type there,
# and Schema.ts (19,743 lines) parsed to a root ERROR from line 17,530 on. Blanked wherever
# it stands (in a string, a template or a comment two blanks change nothing the tree holds);
# a backslash that is itself escaped (\\ then a closing backtick) is left alone. No hint: only
# a file that failed to parse is rewritten.
ESCAPED_BACKTICKS = GrammarGap(
    rb"(?<!\\)(?:\\\\)*(\\`)",
    b" ",
    "escaped backticks in template literal types",
)
TYPESCRIPT = (VARIANCE, CALL_SIGNATURE_LINES, ESCAPED_BACKTICKS)
TSX = (VARIANCE, ESCAPED_BACKTICKS)
# A preprocessor directive inside a type's base list (UniRx's AsyncSubject:
# `class AsyncSubject<T> : ISubject<T>, IDisposable` then `#if (NET_4_6 || ...)`,
# `, INotifyCompletion`, `#endif`, `{`): tree-sitter-c-sharp takes directives between
# declarations and statements only, and the class's members became top-level functions.
# Blanked, every directive of the file: the code of each branch stays. No hint: only a file
# that failed to parse is rewritten, and a rewrite that parses worse (branches that only make
# sense apart) is not kept.
CSHARP_DIRECTIVES = GrammarGap(
    rb"(?m)^[ \t]*(#[ \t]*(?:if|elif|else|endif)\b[^\r\n]*)",
    b" ",
    "preprocessor directives inside a base list",
)
# `async` as a name (Azure SDK's `bool async` parameters, read as `async ? a : b`, `if
# (!async)`, `Update(async: true)`): tree-sitter-c-sharp 0.23.5 takes it for the modifier, and
# in AsyncLockWithValue.cs the methods after the first such use lost their class. Filled with
# `_`, it is a name of the same length. Only before what may follow a value and never the
# modifier; a lambda `async =>` has its own parse.
CSHARP_ASYNC_NAMES = GrammarGap(
    rb"(?<![\w@])(async)(?=\s*(?:[?)\],;:.]|=(?!>)|!=|&&|\|\|))",
    b"_",
    "`async` as a name",
)
# A pointer read of a parenthesised expression (`*(byte*)p`, `*(p + len)`): the grammar
# fails on it, and onnxruntime's NativeOnnxValueHelper.shared.cs parsed to a root ERROR that
# held three types. Read as a unary `+` (or a binary one: `a * (b)`), it is an expression of
# the same shape. Not the `*` of a comment's `/*`.
CSHARP_POINTER_READS = GrammarGap(
    rb"(?<!/)(\*)(?=[ \t]*\()",
    b"+",
    "pointer reads of a parenthesised expression",
)
CSHARP = (CSHARP_DIRECTIVES, CSHARP_ASYNC_NAMES, CSHARP_POINTER_READS)


@cache
def _compiled(pattern: bytes) -> re.Pattern[bytes]:
    return re.compile(pattern)


def bridged(source: bytes, gaps: Sequence[GrammarGap]) -> bytes:
    """`source` with each gap's matches rewritten: same length, same lines."""
    for gap in gaps:
        source = _bridged(source, gap)
    return source


def _bridged(source: bytes, gap: GrammarGap) -> bytes:
    after = _compiled(gap.after) if gap.after else None

    def fill(match: re.Match[bytes]) -> bytes:
        whole = match.group()
        if after is not None:
            end = _code_end(source, match.start())
            if not after.search(source[max(0, end - 2) : end]):
                return whole
        start, stop = match.start(1) - match.start(), match.end(1) - match.start()
        # Line breaks stay (`in` and `out` on two lines): the tree's rows are the lines'.
        filled = _NOT_A_LINE_BREAK.sub(gap.fill, whole[start:stop])
        return whole[:start] + filled + whole[stop:]

    return _compiled(gap.pattern).sub(fill, source)


def _code_end(source: bytes, end: int) -> int:
    """Where the code before `end` ends: blanks, `//` comment lines and `/* */` comments
    skipped (a doc comment sits between two overloads; what matters is the code above it)."""
    while True:
        while end > 0 and source[end - 1] in BLANKS:
            end -= 1
        if source.endswith(b"*/", 0, end):
            opened = source.rfind(b"/*", 0, end - 2)
            if opened >= 0:
                end = opened
                continue
        line_start = source.rfind(b"\n", 0, end) + 1
        if source[line_start:end].lstrip().startswith(b"//"):
            end = line_start
            continue
        return end


def parse(
    parse_bytes: Callable[[bytes], tree_sitter.Tree], source: bytes, gaps: Sequence[GrammarGap]
) -> tree_sitter.Tree:
    """The tree of `source`, or of the source with the gaps bridged when that has fewer
    errors. A source holding a gap's hint is bridged for that gap before its first parse,
    sparing a parse that would fail. When the tree has errors, the source is parsed with
    every gap bridged, as written, and with each gap left out in turn, until one is clean;
    else the tree with the fewest errors wins, the source as written on a tie. Sources that
    parse cleanly, nearly all, cost one parse and a few substring searches."""
    hinted = [gap for gap in gaps if any(hint in source for hint in gap.hints)]
    first = bridged(source, hinted) if hinted else source
    tree = parse_bytes(first)
    if not tree.root_node.has_error or not gaps:
        return tree
    tried = {first: tree}
    variants = [bridged(source, gaps), source]
    if len(gaps) > 1:
        variants += [bridged(source, [*gaps[:i], *gaps[i + 1 :]]) for i in range(len(gaps))]
    for variant in variants:
        if variant not in tried:
            tried[variant] = parse_bytes(variant)
            if not tried[variant].root_node.has_error:
                return tried[variant]
    return min(tried.items(), key=lambda item: (error_count(item[1]), item[0] != source))[1]


def error_count(tree: tree_sitter.Tree) -> int:
    """How broken a tree is: its ERROR and MISSING nodes, a root ERROR worst of all."""
    import tree_sitter

    found = tree_sitter.QueryCursor(_error_query(tree.language)).captures(tree.root_node)
    broken_root = tree.root_node.type == "ERROR"
    return sum(map(len, found.values())) + (1 << 20 if broken_root else 0)


_ERROR_QUERIES: dict[str, tree_sitter.Query] = {}


def _error_query(language: tree_sitter.Language) -> tree_sitter.Query:
    import tree_sitter

    key = language.name or str(id(language))
    query = _ERROR_QUERIES.get(key)
    if query is None:
        query = _ERROR_QUERIES[key] = tree_sitter.Query(language, "(ERROR) @e (MISSING) @m")
    return query
