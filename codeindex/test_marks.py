"""Test code the source marks as such, found while extracting (codeindex.extract), beyond
what a path or a scope's name says (codeindex.classify):

- Rust marks a test with an attribute, not a name: `#[test]` on the function, `#[cfg(test)]`
  on it or on a `mod` holding it, `#![cfg(test)]` at a file's head (rayon's tests sit at the
  end of `range.rs`, hashbrown's in `mod test_map`, rayon-core's in files opening with
  `#![cfg(test)]`). The attribute is registry data (Variants.test_marker).
- A function whose body only declares nested functions runs nothing: it is a compile-time
  check (std's and hashbrown's `assert_covariance`, one per collection type, that each type
  stays covariant), a test the compiler runs (Variants.nested_function_types).

The mark is stored with the symbol (Symbol.test): search ranks such code with the tests and
`--tests exclude` leaves it out; `dups` counts it as test code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codeindex.clone_syntax import compiled
from codeindex.doc_comments import node_text
from codeindex.languages import LanguageSpec

if TYPE_CHECKING:
    import tree_sitter


def file_marked(tree: tree_sitter.Tree, spec: LanguageSpec, source: bytes) -> bool:
    """The file opens with the test mark as a file-wide constraint (Rust's `#![cfg(test)]`,
    not the `#[cfg(test)]` of a `mod tests;` line, which marks that module alone)."""
    rules = spec.clones.variants
    marker, file_wide = compiled(rules.test_marker), compiled(rules.file_constraint)
    if marker is None or file_wide is None:
        return False
    for child in tree.root_node.children:
        if child.type in spec.comment_types:
            continue
        if child.type not in spec.attribute_types:
            return False
        text = node_text(source, child)
        if file_wide.match(text) and marker.match(text):
            return True
    return False


def marked(node: tree_sitter.Node, spec: LanguageSpec, source: bytes) -> bool:
    """The definition carries the test mark among the attributes right above it."""
    marker = compiled(spec.clones.variants.test_marker)
    if marker is None:
        return False
    sibling = node.prev_named_sibling
    while sibling is not None and (
        sibling.type in spec.attribute_types or sibling.type in spec.comment_types
    ):
        if sibling.type in spec.attribute_types and marker.match(node_text(source, sibling)):
            return True
        sibling = sibling.prev_named_sibling
    return False


def compile_time_check(node: tree_sitter.Node, spec: LanguageSpec) -> bool:
    """A function whose body holds nested functions and nothing else but attributes and
    comments (Variants.nested_function_types)."""
    kinds = spec.clones.variants.nested_function_types
    body = node.child_by_field_name("body") if kinds else None
    if body is None or body.named_child_count == 0:
        return False
    first = body.named_child(0)
    if first is None or first.type not in (*kinds, *spec.attribute_types, *spec.comment_types):
        return False  # most bodies: a statement first, no need to list them all
    nested = False
    for child in body.named_children:
        if child.type in kinds:
            nested = True
        elif child.type not in spec.attribute_types and child.type not in spec.comment_types:
            return False
    return nested
