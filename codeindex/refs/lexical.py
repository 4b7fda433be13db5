"""Which occurrences of a name lie in a Python comment or string, found without a parse.

A common name is mostly written in comments and docstrings (`__init__` on the standard
library: 640 KB of the 1 MB of regions a query parsed held no use, only comments and
strings), and tree-sitter parses about 10 MB/s here. A region starts at a statement boundary
(a definition's first line, or the module-level line after one), so a regular expression that
reads comments and complete strings from there knows, as Python's tokenizer does, whether an
occurrence is code. It only ever drops occurrences that cannot be uses; whatever it cannot
read for sure (an f-string, whose braces hold code; an unterminated string) and everything
after it in the region is left to the parse.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right, insort
from collections import OrderedDict
from typing import NamedTuple

# The four string forms of Python, without their prefix (r, b, u; f is refused below), each
# as an unrolled loop: a backslash escapes any byte, a newline included. Three quotes always
# open a triple-quoted string, as in Python's tokenizer, never an empty string and a quote.
_STRING = (
    rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    rb'|"(?!"")[^"\\\n]*(?:\\.[^"\\\n]*)*"'
    rb"|'(?!'')[^'\\\n]*(?:\\.[^'\\\n]*)*'"
)
_STRING_AT = re.compile(_STRING, re.DOTALL)
# Code up to a position: runs of anything but a comment or string start, comments (group 1:
# the last one), and strings that are not f-strings. It stops at an f-string, at a string that
# does not end, and at a string or comment the end position cuts.
_CODE = re.compile(
    rb"(?:[^#'\"]+|(#[^\n]*)|(?<![fF])(?<![fF][rRbB])(?:" + _STRING + rb"))*", re.DOTALL
)
_F_PREFIX = frozenset(b"fF")


# A big region (pydoc_data/topics.py: one 757 KB literal) is read in steps of this many bytes
# (to the next line start), and the code-level positions reached are kept for the next name
# that occurs in it, which then reads from the nearest one before each occurrence: a common
# name read the whole literal for every query (5 ms of `wraps`), where the tree it once
# parsed was kept.
STEP = 16 << 10
KEPT_REGIONS = 64


class _Marks(threading.local):
    """Code-level positions of big regions, per thread (least recently used dropped first),
    keyed by the file's indexed digest and the region's start: the same bytes."""

    def __init__(self) -> None:
        self.by_region: OrderedDict[tuple[str, int], list[int]] = OrderedDict()

    def of(self, region: tuple[str, int]) -> list[int]:
        marks = self.by_region.get(region)
        if marks is None:
            marks = self.by_region[region] = [region[1]]
            if len(self.by_region) > KEPT_REGIONS:
                self.by_region.popitem(last=False)
        else:
            self.by_region.move_to_end(region)
        return marks


_MARKS = _Marks()


def python_code_occurrences(
    source: bytes,
    start: int,
    found: list[int],
    name: bytes,
    region: tuple[str, int] | None = None,
) -> list[int]:
    """The offsets of `found` (sorted, all at or after `start`, a statement
    boundary) that are not in a comment or string, or that a parse must decide: a string
    that is exactly the name (`__all__ = ["name"]` uses it), anything in or after an
    f-string, or after a string that does not end. `region`: the key of a big region (the
    file's indexed digest and `start`) whose code-level positions are kept."""
    marks = None if region is None else _MARKS.of(region)
    kept: list[int] = []
    at = start  # read up to here: a code-level position
    for index, offset in enumerate(found):
        if offset < at:  # in the comment or string read for an earlier occurrence
            continue
        if marks is not None:
            at = max(at, marks[bisect_right(marks, offset) - 1])
        string = None  # the string the last step read, if it was one
        while at < offset:
            string = None
            stop = offset
            if marks is not None:  # steps end at line starts: never between two quotes
                newline = source.find(b"\n", at + STEP, offset)
                stop = offset if newline < 0 else newline + 1
            code = _CODE.match(source, at, stop)
            assert code is not None  # the pattern matches the empty string
            end = code.end()
            if end < stop:  # a string starts at `end`, or one this cannot read
                string = _STRING_AT.match(source, end)
                if string is None or _F_PREFIX.intersection(source[max(0, end - 2) : end]):
                    kept.extend(found[index:])
                    return kept
                at = string.end()
            elif code.end(1) == stop:  # a comment the end position cut
                newline = source.find(b"\n", stop)
                at = len(source) if newline < 0 else newline
            else:
                at = stop
            if marks is not None and at <= offset:
                insort(marks, at)
        if at == offset or (string is not None and _is_string_of(source, string, name)):
            kept.append(offset)
    return kept


def _is_string_of(source: bytes, string: re.Match[bytes], name: bytes) -> bool:
    first = string.start()
    quote = 3 if source[first : first + 3] in (b'"""', b"'''") else 1
    if string.end() - string.start() - 2 * quote != len(name):
        return False
    return source.startswith(name, first + quote)


# Statements: a use on a simple statement (an expression, an assignment, a return ...) is
# classified the same whether the statement is parsed inside its definition or alone, as
# Python's grammar is context-free from the statement down. A common name's uses sit in
# long methods (`super().__init__(...)` in an `__init__`): parsing those statements alone,
# all of a file's in one parse, reads a tenth of the bytes and one parse per file instead of
# one per region. Only a line that starts a statement (no open bracket, string or `\`
# continuation before it) goes that way, up to the end of that statement, and never a
# compound statement or a decorator, whose parse needs what follows. The caller parses the
# regions instead when the statements alone do not parse cleanly (their file did).
_STRINGS_AND_COMMENTS = re.compile(_STRING + rb"|#[^\n]*", re.DOTALL)
_OPEN_CLOSE = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"()[]{}"))
_COMPOUND_START = re.compile(
    rb"[ \t\f]*(?:@|(?:if|elif|else|for|while|try|except|finally|with|def|class|async|match"
    rb"|case)(?![A-Za-z0-9_\x80-\xff]))"
)
STATEMENT_LINES_MAX = 40


class Statement(NamedTuple):
    """A simple statement to parse alone: its bytes from its first token to the end of its
    last line (newline included), its first row, and the occurrences in it."""

    start: int
    end: int
    row: int
    found: list[tuple[int, int]]


def python_statements(
    source: bytes, start: int, found: list[tuple[int, int]]
) -> list[Statement] | None:
    """The simple statements holding the occurrences of `found` (sorted, after `start`, a
    statement boundary, and none in a comment or string as far as python_code_occurrences
    could tell), or None when one of them needs a parse of the whole region (which then
    classifies them all)."""
    statements: list[Statement] = []
    boundary = start  # a statement boundary at or before every occurrence still to place
    for offset, row in found:
        if statements and offset < statements[-1].end:
            statements[-1].found.append((offset, row))
            continue
        line_start = source.rfind(b"\n", 0, offset) + 1
        if line_start < boundary or not _ends_statement(source[boundary:line_start]):
            return None
        if _COMPOUND_START.match(source, line_start):
            return None
        end = _statement_end(source, line_start)
        if end is None:
            return None
        indent = len(source[line_start:offset]) - len(source[line_start:offset].lstrip())
        statements.append(Statement(line_start + indent, end, row, [(offset, row)]))
        boundary = end
    return statements


def _ends_statement(code: bytes) -> bool:
    """Whether `code`, from a statement boundary to a line start, ends where a statement may
    start: every bracket and string closed, no `\\` continuation. An f-string reads as a
    string: its braces hold code, but code balanced within them."""
    if not code:
        return True
    bare = code
    if b'"' in code or b"'" in code or b"#" in code:  # most lines hold neither: no regex
        bare = _STRINGS_AND_COMMENTS.sub(b"", code)
        if b'"' in bare or b"'" in bare:
            return False
    if bare.endswith((b"\\\n", b"\\\r\n")):
        return False
    brackets = bare.translate(_OPEN_CLOSE, _NOT_BRACKETS)
    return len(brackets) == 2 * brackets.count(b"(")


def _statement_end(source: bytes, line_start: int) -> int | None:
    """Where the statement starting at `line_start` ends: after the newline of its last line
    (or the end of the source); None when that is not sure within STATEMENT_LINES_MAX lines."""
    end = line_start
    for _ in range(STATEMENT_LINES_MAX):
        newline = source.find(b"\n", end)
        end = len(source) if newline < 0 else newline + 1
        if _ends_statement(source[line_start:end]):
            return end
        if newline < 0:
            return None
    return None


# Headers: a use in a definition's decorators or signature is classified from the header
# alone, but the header parses only with a body after it, and the region is the whole
# definition (a wrapper's `@wraps(func)` parsed the wrapper's body). The header with `pass`
# for a body is a complete definition: the caller parses that, and the region when it does
# not parse cleanly.
_HEADER_END = re.compile(rb":[ \t\f]*(?:#[^\n]*)?\r?\n\Z")
_PASS = b" pass\n"


def python_header(
    source: bytes, start: int, name_line: int, found: list[tuple[int, int]]
) -> bytes | None:
    """The header of the definition starting at `start` whose name is on the line starting
    at `name_line` (its decorators and signature, up to the end of the line of its `:`),
    then `pass` one column deeper than that line, when the occurrences of `found` all lie in
    the header; None when they do not or it is not sure where the header ends (its body on
    the same line, brackets open for more than STATEMENT_LINES_MAX lines)."""
    header = _statement_end(source, name_line)
    if header is None or found[-1][0] >= header:
        return None
    if not _HEADER_END.search(source, name_line, header):
        return None
    line = source[name_line:header]
    return source[start:header] + line[: len(line) - len(line.lstrip())] + _PASS
