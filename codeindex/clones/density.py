"""Data written as code: lookup tables, instruction-encoding switches, unrolled arithmetic,
option lists. Their copies are alike because normalisation collapses exactly what tells them
apart: a literal becomes one code of its class and a local one number, so two different
polynomials, two shuffle tables or two lists of `add_argument` calls read as one body. Such
a group is rarely a copy to fold (each table or kernel is its own content), so `dups` ranks
it with the groups kept on purpose (`data-like`).

The measure is read from the source, the same way for every language: the share of a body's
tokens that are literals or arithmetic and bitwise operators. Comments and docstrings do not
count; a string spanning lines counts as one literal per line.
"""

from __future__ import annotations

import re

from codeindex.clones.labels import COMMENT_STARTS, Sources
from codeindex.models import Symbol

DATA_LIKE = "data-like"
# At least one token in six a literal or an operator of arithmetic: ordinary code, in every
# language, spends most of its tokens on names, calls, punctuation and keywords (its
# literals and operators stay under a tenth of its tokens on the corpora read for issue 21).
DATA_SHARE = 1 / 6
_TOKEN = re.compile(
    r"'[A-Za-z_]\w*(?![\w'])"  # a Rust lifetime, not a literal
    r"|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\\n])*'|`[^`]*`"  # strings and characters
    r"|0[xXbBoO][\w]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?\w*"  # numbers
    r"|[A-Za-z_]\w*|->|=>|::|\+\+|--|<<=?|>>=?|&\^|[-+*/%&|^]=?|==|!=|<=|>=|&&|\|\||\S"
)
_ARITHMETIC = frozenset(
    [
        "+",
        "-",
        "*",
        "/",
        "%",
        "&",
        "|",
        "^",
        "~",
        "<<",
        ">>",
        "&^",
        "++",
        "--",
        "+=",
        "-=",
        "*=",
        "/=",
        "%=",
        "&=",
        "|=",
        "^=",
        "<<=",
        ">>=",
    ]
)
_DOCSTRING = re.compile(r"(?s)\"\"\".*?\"\"\"|'''.*?'''")


def literal_share(text: str) -> float:
    """The share of `text`'s tokens that are literals or arithmetic operators."""
    code = _DOCSTRING.sub("", text)
    tokens: list[str] = []
    for line in code.splitlines():
        if not line.strip().startswith(COMMENT_STARTS):
            tokens += _TOKEN.findall(line)
    if not tokens:
        return 0.0
    data = sum(1 for t in tokens if _is_data(t))
    return data / len(tokens)


def _is_data(token: str) -> bool:
    if token[0] == "'" and not token.endswith("'"):  # a lifetime
        return False
    return token[0] in "\"'`" or token[0].isdigit() or token in _ARITHMETIC


def is_data_like(sources: Sources, members: list[Symbol]) -> bool:
    """On average over the members, at least DATA_SHARE of the tokens are literals or
    arithmetic operators."""
    shares = []
    for member in members:
        source = sources.get(member.path)
        if source is None:
            return False
        # From the definition line: attributes and decorators above it are not the body.
        shares.append(literal_share("\n".join(source.lines[member.line - 1 : member.end_line])))
    return sum(shares) / len(shares) >= DATA_SHARE
