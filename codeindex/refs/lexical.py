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
    found: list[tuple[int, int]],
    name: bytes,
    region: tuple[str, int] | None = None,
) -> list[tuple[int, int]]:
    """The (offset, row) items of `found` (sorted, all at or after `start`, a statement
    boundary) that are not in a comment or string, or that a parse must decide: a string
    that is exactly the name (`__all__ = ["name"]` uses it), anything in or after an
    f-string, or after a string that does not end. `region`: the key of a big region (the
    file's indexed digest and `start`) whose code-level positions are kept."""
    marks = None if region is None else _MARKS.of(region)
    kept: list[tuple[int, int]] = []
    at = start  # read up to here: a code-level position
    for index, (offset, row) in enumerate(found):
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
            kept.append((offset, row))
    return kept


def _is_string_of(source: bytes, string: re.Match[bytes], name: bytes) -> bool:
    first = string.start()
    quote = 3 if source[first : first + 3] in (b'"""', b"'''") else 1
    if string.end() - string.start() - 2 * quote != len(name):
        return False
    return source.startswith(name, first + quote)
