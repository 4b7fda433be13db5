"""Data written as code: lookup tables, instruction-encoding switches, unrolled arithmetic,
option lists. Their copies are alike because normalisation collapses exactly what tells them
apart: a literal becomes one code of its class and a local one number, so two different
polynomials, two shuffle tables or two lists of `add_argument` calls read as one body. Such
a group is rarely a copy to fold (each table or kernel is its own content), so `dups` ranks
it with the groups kept on purpose (`data-like`).

The measure is read from the source, the same way for every language: the share of a body's
tokens that are literals or arithmetic and bitwise operators. Comments and docstrings do not
count; a string spanning lines counts as one literal per line. Functions that each write
their own machine instructions inline are data-like too (_wrap_instructions).

The same tokens also weigh a signature against its body (signature_outweighs_body), for
the delegates that clones.intent labels `wrappers`.
"""

from __future__ import annotations

import re

from codeindex.clone_syntax import compiled
from codeindex.clones.labels import COMMENT_STARTS, Sources
from codeindex.languages import spec_by_name
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
# The template an inline-assembly macro opens with: one string literal or several.
_TEMPLATE = re.compile(r'\s*"(?:\\.|[^"\\])*"(?:\s*,\s*"(?:\\.|[^"\\])*")*')
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
    arithmetic operators; or each member wraps its own machine instructions."""
    bodies = []
    for member in members:
        source = sources.get(member.path)
        if source is None:
            return False
        bodies.append(source.definition(member))
    if sum(map(literal_share, bodies)) / len(bodies) >= DATA_SHARE:
        return True
    return _wrap_instructions(members[0].language, bodies)


def _wrap_instructions(language: str, bodies: list[str]) -> bool:
    """Every body writes machine instructions inline, and not all the same ones: one function
    per instruction (RISC-V's `sm4ed` and `sm4ks`, alike once their `asm!` templates
    collapse). An inline template must be a literal, so no parameter can merge them."""
    rule = compiled(spec_by_name(language).clones.intent.inline_assembly)
    if rule is None:
        return False
    templates = []
    for body in bodies:
        found = [_TEMPLATE.match(body, use.end()) for use in rule.finditer(body)]
        if not found:
            return False
        templates.append([template.group(0).strip() if template else "" for template in found])
    return any(template != templates[0] for template in templates[1:])


def signature_outweighs_body(text: str) -> bool:
    """Whether a definition's signature has at least as many tokens as its body (docstrings
    left out). The signature ends at the first `{`, `=>` or `:` outside brackets after the
    parameter list (a brace body, C#'s expression body, Python's block); a return type
    annotation ends it early in TypeScript, which only makes it shorter. Reads the body only
    as far as it takes to outweigh the signature."""
    tokens = _TOKEN.finditer(_DOCSTRING.sub("", text))
    depth, parameters, signature = 0, False, 0
    for found in tokens:
        token = found.group(0)
        if token in ("(", "["):
            depth += 1
            parameters = True
        elif token in (")", "]"):
            depth -= 1
        elif depth == 0 and parameters and token in ("{", "=>", ":"):
            break
        signature += 1
    else:
        return False  # no body found
    body = 1  # the token that opened it
    for _ in tokens:
        body += 1
        if body > signature:
            return False
    return True
