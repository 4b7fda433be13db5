"""Python's clone normalisation from tokens (clones.lexical), held to what the tree query
(clones.normalize, from the registry's Python row) makes of the same real parses."""

from __future__ import annotations

import textwrap
from pathlib import Path

from codeindex.clones import lexical
from codeindex.clones.encode import (
    LOCAL_BASE,
    NUMBER_CODE,
    STRING_CODE,
    Encoded,
    callable_spans,
    encode_tokenised,
    tokenised_masked,
)
from codeindex.clones.normalize import mask
from codeindex.extract import extract
from codeindex.languages import spec_by_name

PYTHON = spec_by_name("python")
FIXTURES = Path(__file__).parent.parent / "fixtures" / "clones" / "python"

# One of each construct the rules read, in functions the tree and the tokens must agree on.
TRICKY = '''
import os


@decorator(flag=True)
async def gather(self, items, *args, limit: int = 10, **options) -> list[str]:
    """Docstring: dropped."""
    total, (first, second) = 0, (1.5e-3, .5)
    prefix = rb"raw\\d" f"{items!r} and {'nested'}" 'glued'
    count: int = 0x1e - 1
    label: str
    mask = 0b1010; shift = 1_000j
    for index, (key, value) in enumerate(items):
        total += value if key else -index
    with open(prefix) as handle, lock() as (left, right):
        data = handle.read(size=limit,
                           mode="r")
    try:
        pass
    except OSError as error:
        log(error, level=3)
    squares = [n * n for n in range(count) if (m := n % 2)]
    pick = lambda row, column=0: row[column]
    window = squares[offset::2], squares[::-1]
    result = os.path.join(prefix,
        *args) \\
        + str(m)
    async for chunk in stream(timeout=5): yield chunk
    if total > limit: label = "big"
    elif total: label = "small"
    else: label = None
    import json
    from collections import deque
    store[key], self.cache[index] = squares, pick
    class Local:
        attribute = 1
    nonlocal_name = not False
    match = pattern.match(data)
    match command:
        case [name, *rest] if rest:
            label = name
    return result, label, json, deque, nonlocal_name, data, mask, shift, first, match, window
'''


def _by_tree(source: bytes) -> list[Encoded]:
    extraction = extract(source, PYTHON, "m.py")
    nodes = [node for _, node in extraction.callables]
    spans = callable_spans(extraction, extraction.callables)
    return encode_tokenised(tokenised_masked([(mask(nodes, source, PYTHON), spans)]))


def _by_tokens(source: bytes) -> list[Encoded]:
    extraction = extract(source, PYTHON, "m.py")
    spans = callable_spans(extraction, extraction.callables)
    return encode_tokenised(lexical.tokenised([(source, spans)]))


def _shape(codes: str) -> str:
    """What both ways must agree on: each token's place, the literals, which tokens are
    locals and how locals refer back. (A keyword argument's name differs on purpose: the
    tree rewrites `key` as the member `.ke`, the tokens code it as `.key`.)"""
    keep = {STRING_CODE, NUMBER_CODE}
    return "".join(c if c in keep or ord(c) >= LOCAL_BASE else "." for c in codes)


def test_tokens_and_tree_agree_on_every_construct_the_rules_read() -> None:
    source = TRICKY.encode()
    by_tree, by_tokens = _by_tree(source), _by_tokens(source)
    assert len(by_tree) == len(by_tokens) == 1
    [tree], [tokens] = by_tree, by_tokens
    assert _shape(tokens.codes) == _shape(tree.codes)
    assert tokens.size == tree.size
    assert tokens.lines == tree.lines
    # Not vacuous: the function has literals, and many locals.
    assert tokens.codes.count(STRING_CODE) == 4
    assert sum(ord(c) >= LOCAL_BASE for c in tokens.codes) > 40


def test_tokens_and_tree_agree_on_the_clone_fixtures() -> None:
    for path in sorted(FIXTURES.glob("*.py")):
        source = path.read_bytes()
        by_tree, by_tokens = _by_tree(source), _by_tokens(source)
        assert len(by_tokens) == len(by_tree) >= 4
        for tree, tokens in zip(by_tree, by_tokens, strict=True):
            assert _shape(tokens.codes) == _shape(tree.codes), path.name
            assert tokens.lines == tree.lines


def _codes(code: str) -> list[str]:
    return [unit.codes for unit in _by_tokens(textwrap.dedent(code).encode())]


def test_a_keyword_argument_name_is_a_member_never_a_local() -> None:
    """`key` is a local here, yet `key=` names the callee's parameter: renaming the local
    leaves the code as it is (were `key=` coded as the local, it would now be another name),
    and naming another parameter changes it."""
    template = """
    def lookup(table, KEY):
        found = table.get(KEY, key=KEY)
        return found
    """
    original = _codes(template.replace("KEY", "key"))
    assert _codes(template.replace("KEY", "name")) == original
    assert _codes(template.replace("KEY", "key").replace("key=", "default=")) != original


def test_a_string_left_open_does_not_swallow_the_next_function() -> None:
    """A syntax error inside one unit leaves the units after it as they are alone."""
    follows = "def after(items):\n    total = 0\n    for item in items:\n        total += item\n"
    broken = "def broken(a):\n    return f(a, '''\n\n" + follows
    extraction = extract(broken.encode(), PYTHON, "m.py")
    assert [s.name for s in extraction.symbols] == ["broken", "after"]
    [alone] = _by_tokens(follows.encode())
    after = _by_tokens(broken.encode())[-1]
    assert after.codes == alone.codes


def test_snippets_without_code_give_no_units_and_no_error() -> None:
    """Only a comment, only a string, brackets left open or closed too often: no unit of
    12 tokens, and nothing raised."""
    from codeindex.clones import snippet

    for code in ("# a comment only\n", '"""left open\n', "x = (1,\n", "))))\n", "lambda: ("):
        assert snippet.query_units(code, frozenset({"python"})) == []
