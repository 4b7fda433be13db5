"""The doc of a definition: its docstring, or the comment block directly above it; the first
paragraph, with comment markers and XML doc tags taken out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tree_sitter

    from codeindex.languages import LanguageSpec

DOC_LINE_MAX = 200  # the first line, shown (as long as a signature may be)
DOC_TEXT_MAX = 600  # the first paragraph, indexed as words
# `//!` before `///?`: the alternation takes the first branch that matches.
_DOC_MARKERS = re.compile(r"^\s*(?:/\*\*?|\*/|\*|//!|///?|#)\s?")
_XML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def node_text(source: bytes, node: tree_sitter.Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def definition_doc(
    node: tree_sitter.Node, outer: tree_sitter.Node, spec: LanguageSpec, source: bytes
) -> dict[str, str]:
    if spec.doc_style == "docstring":
        return doc_fields(_docstring(node, spec, source))
    return doc_fields(_leading_comment(outer, spec, source))


def doc_fields(lines: list[str]) -> dict[str, str]:
    """`doc` (the first line, shown) and `doc_text` (the first paragraph, indexed as words)."""
    if not lines:
        return {}
    return {"doc": lines[0][:DOC_LINE_MAX], "doc_text": " ".join(lines)[:DOC_TEXT_MAX]}


def _docstring(node: tree_sitter.Node, spec: LanguageSpec, source: bytes) -> list[str]:
    body = node.child_by_field_name("body")
    if body is None or body.type not in spec.body_types:
        return []
    return first_string(body, spec, source)


def first_string(body: tree_sitter.Node, spec: LanguageSpec, source: bytes) -> list[str]:
    """The first paragraph of a docstring: a string statement first in `body`."""
    if not body.named_child_count:
        return []
    statement_type, string_type = spec.docstring_nodes
    # named_child(0), not named_children[0]: a class body may hold hundreds of statements.
    first = body.named_child(0)
    if first is None or first.type != statement_type or not first.named_child_count:
        return []
    string = first.named_child(0)
    if string is None or string.type != string_type:
        return []
    text = node_text(source, string)
    text = text.lstrip("rRbBuUfF").strip("\"'")
    return _first_paragraph([text])


def _leading_comment(outer: tree_sitter.Node, spec: LanguageSpec, source: bytes) -> list[str]:
    """The comment block directly above the definition, skipping attributes in between."""
    comments: list[tree_sitter.Node] = []
    expected_row = outer.start_point[0]
    sibling = outer.prev_sibling
    while sibling is not None:
        end_row = _end_row(sibling)
        if end_row < expected_row - 1:
            break
        if sibling.type in spec.comment_types:
            before = sibling.prev_sibling
            # A comment after code on its line (`x = 1  // note`) belongs to that code.
            if (
                before is not None
                and before.type not in spec.comment_types
                and _end_row(before) == sibling.start_point[0]
            ):
                break
            comments.append(sibling)
        elif sibling.type not in spec.attribute_types:
            break
        expected_row = sibling.start_point[0]
        sibling = sibling.prev_sibling
    return _first_paragraph(_XML_TAG.sub(" ", node_text(source, c)) for c in reversed(comments))


def _end_row(node: tree_sitter.Node) -> int:
    # Rust line comments include their newline and so end at column 0 of the next row.
    return node.end_point[0] - (1 if node.end_point[1] == 0 and node.end_point[0] > 0 else 0)


def _first_paragraph(texts: Iterable[str]) -> list[str]:
    """Cleaned lines from the first non-blank one up to the next blank line."""
    paragraph: list[str] = []
    for text in texts:
        for line in text.splitlines():
            cleaned = _DOC_MARKERS.sub("", line).strip().rstrip("*/").strip()
            if cleaned:
                paragraph.append(cleaned)
                if sum(map(len, paragraph)) >= DOC_TEXT_MAX:
                    return paragraph
            elif paragraph:
                return paragraph
    return paragraph
