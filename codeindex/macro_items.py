"""Definitions written inside macro invocations, parsed as the items they are.

tokio wraps much of its API in configuration macros: `cfg_net! { pub struct TcpStream {..} }`,
`impl TcpStream { cfg_not_wasi! { pub async fn connect(..) {..} } }`. To tree-sitter a macro's
argument is a token tree, not items, so 711 of tokio 1.24's definitions (TcpStream and its
`connect` among them) were in no index. A token tree whose text starts like an item is parsed
again alone (the parser's included range: every byte offset and row stays the file's), and a
clean parse gives its definitions to the file's; they nest by span as any other (`connect` is
a method of `TcpStream`). Macros inside those are looked at in turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tree_sitter

    from codeindex.languages import LanguageSpec

MAX_DEPTH = 4  # macros inside macros, at most this deep


@dataclass(frozen=True, slots=True)
class ItemMacros:
    invocation: str  # the node type of a macro invocation
    body: str  # the node type of its argument (the token tree)
    # Where an invocation may stand for items: the file, and the bodies of modules, impls and
    # traits (not statements: `vec![..]`, `println!(..)` are thousands and hold no items).
    scopes: tuple[str, ...]
    # How the body's text starts when it holds items (after its opening bracket).
    starts: str


@cache
def _starts(pattern: str) -> re.Pattern[bytes]:
    return re.compile(pattern.encode())


@cache
def _parser(spec_name: str) -> tree_sitter.Parser:
    """A parser of its own: included ranges stay set on a parser between parses."""
    import tree_sitter

    from codeindex.languages import ts_language

    return tree_sitter.Parser(ts_language(spec_name))


def item_trees(
    tree: tree_sitter.Tree, source: bytes, spec: LanguageSpec
) -> Iterator[tree_sitter.Tree]:
    """The trees of the macro bodies in `tree` that parse cleanly as items (and of the ones
    in those), each parsed alone with the file's offsets."""
    import tree_sitter

    macros = spec.item_macros
    if macros is None:
        return
    starts = _starts(macros.starts)
    parser = _parser(spec.name)
    pending = [(tree, 0)]
    while pending:
        outer, depth = pending.pop()
        for body in _bodies(outer.root_node, macros):
            if body.end_byte - body.start_byte < 3:
                continue
            start, end = body.start_byte + 1, body.end_byte - 1  # inside the brackets
            if not starts.match(source, start, end):
                continue
            first, last = body.start_point, body.end_point
            parser.included_ranges = [
                tree_sitter.Range((first[0], first[1] + 1), (last[0], last[1] - 1), start, end)
            ]
            inner = parser.parse(source)
            if inner.root_node.has_error:
                continue
            yield inner
            if depth + 1 < MAX_DEPTH:
                pending.append((inner, depth + 1))


def _bodies(root: tree_sitter.Node, macros: ItemMacros) -> Iterator[tree_sitter.Node]:
    """The argument of each macro invoked among items: in the file, and in the bodies of the
    modules, impls and traits in it. A walk over items only (a query over the whole tree
    visited every node: a tenth of extracting Rust's standard library)."""
    scopes = [root]
    while scopes:
        for child in scopes.pop().children:
            if child.type == macros.invocation:
                yield from (part for part in child.children if part.type == macros.body)
                continue
            body = child.child_by_field_name("body")
            if body is not None and body.type in macros.scopes:
                scopes.append(body)
