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


def python_code_occurrences(
    source: bytes, start: int, found: list[tuple[int, int]], name: bytes
) -> list[tuple[int, int]]:
    """The (offset, row) items of `found` (sorted, all at or after `start`, a statement
    boundary) that are not in a comment or string, or that a parse must decide: a string
    that is exactly the name (`__all__ = ["name"]` uses it), anything in or after an
    f-string, or after a string that does not end."""
    kept: list[tuple[int, int]] = []
    at = start  # read up to here
    for index, (offset, row) in enumerate(found):
        if offset < at:  # in the comment or string read for an earlier occurrence
            continue
        code = _CODE.match(source, at, offset)
        assert code is not None  # the pattern matches the empty string
        end = code.end()
        if end == offset:
            if code.end(1) == offset:  # a comment the end position cut: the name is in it
                newline = source.find(b"\n", offset)
                at = len(source) if newline < 0 else newline
            else:
                kept.append((offset, row))
                at = offset
            continue
        # A string starts at `end` (the name is in it) or it is one this cannot read.
        string = _STRING_AT.match(source, end)
        if string is None or _F_PREFIX.intersection(source[max(0, end - 2) : end]):
            kept.extend(found[index:])
            return kept
        if _is_string_of(source, string, name):
            kept.append((offset, row))
        at = string.end()
    return kept


def _is_string_of(source: bytes, string: re.Match[bytes], name: bytes) -> bool:
    first = string.start()
    quote = 3 if source[first : first + 3] in (b'"""', b"'''") else 1
    if string.end() - string.start() - 2 * quote != len(name):
        return False
    return source.startswith(name, first + quote)
