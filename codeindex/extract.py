"""Source bytes + language spec -> symbols, driven by the language's query file.

Query capture conventions (see queries/*.scm):
  @definition.<kind>  the node of a definition; <kind> is one of models.KINDS
  @name               the identifier naming the definition or scope
  @scope              a node that only adds a name to qualified names (a Rust `impl` block)
  @receiver           an explicit parent scope for the definition (a Go method's receiver type)
  @package            a name that prefixes every qualified name in the file (Go package,
                      C# file-scoped namespace); with a @definition.<kind> and @name on
                      the same match it is also a symbol of its own, not prefixed by itself
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codeindex import grammar_gaps, test_marks
from codeindex.doc_comments import definition_doc, doc_fields, first_string, node_text
from codeindex.languages import (
    LanguageSpec,
    comment_query,
    pattern_roots,
    ts_language,
    ts_query,
)
from codeindex.macro_items import item_trees
from codeindex.models import CALLABLE_KINDS, Symbol
from codeindex.qualified import module_name

if TYPE_CHECKING:
    import tree_sitter

BOM = b"\xef\xbb\xbf"
SIGNATURE_MAX = 200
# The most of a definition's head read for its signature, comments included.
SIGNATURE_WINDOW_MAX = 64 * SIGNATURE_MAX
# A function nested directly in one of these is a method.
TYPE_SCOPES = frozenset({"class", "struct", "interface", "trait", "record", "enum", "scope"})
_WHITESPACE = re.compile(r"\s+")
_NEEDS_SQUEEZE = re.compile(r"\s\s|[^\S ]")  # a run of blanks, or a tab or line break
_COMMENT_MARK = re.compile(rb"//|/\*|#")  # how a comment may start, in any of the languages
_OPENING_SPACE = re.compile(r"([(\[]) ")
_CLOSING_SPACE = re.compile(r" ([)\]])")


@dataclass(slots=True)
class _Definition:
    node: tree_sitter.Node
    kind: str  # a KINDS value, or "scope" for scope-only nodes
    name: str
    name_row: int
    name_column: int  # in bytes
    name_span: tuple[int, int]  # byte range of the @name node: one definition, one name
    receiver: str
    pattern: int
    package: bool  # the definition is the file's @package (a C# file-scoped namespace)


@dataclass(frozen=True, slots=True)
class Extraction:
    symbols: list[Symbol]
    # (index into symbols, definition node) for each callable; clone detection reads bodies
    # from the same tree instead of parsing twice.
    callables: list[tuple[int, tree_sitter.Node]]
    tree: tree_sitter.Tree
    source: bytes
    # The file itself (kind `module`), indexed beside `symbols` but not one of them: file
    # counts, outlines and clone units are about the definitions in it.
    module: Symbol
    # For each of `symbols`, byte offsets in `source`: where its first line starts, where
    # the line after its last starts (the size of `source` after the last line), and where
    # its name's line starts (the refs outline, codeindex.refs.blob).
    spans: list[tuple[int, int, int]]


_PARSERS: dict[str, tree_sitter.Parser] = {}
MAX_NESTING = 64  # definitions (scopes included) deeper than this are left out, with a warning


def parse(source: bytes, spec: LanguageSpec) -> tuple[tree_sitter.Tree, bytes]:
    """Parse, dropping a UTF-8 BOM (it is not code, and removing it keeps rows intact)."""
    import tree_sitter

    if source.startswith(BOM):
        source = source[len(BOM) :]
    parser = _PARSERS.get(spec.name)
    if parser is None:
        parser = _PARSERS[spec.name] = tree_sitter.Parser(ts_language(spec.name))
    if spec.grammar_gaps:
        return grammar_gaps.parse(parser.parse, source, spec.grammar_gaps), source
    return parser.parse(source), source


def extract(source: bytes, spec: LanguageSpec, path: str) -> Extraction:
    tree, source = parse(source, spec)
    definitions: dict[tuple[int, int], _Definition] = {}
    package = ""
    trees = [tree, *item_trees(tree, source, spec)]
    matches = (match for each in trees for match in _matches(each, source, spec))
    for pattern, captures in matches:
        if "package" in captures:
            package = node_text(source, captures["package"][0])
        definition = _definition_from(pattern, captures, source, spec)
        if definition is None:
            continue
        # Several patterns may match one definition, on the same node or on nested ones
        # (a Go `type_declaration` and its `type_spec`); they share the @name node. The
        # earliest pattern in the file is the most specific one by convention.
        known = definitions.get(definition.name_span)
        if known is None or pattern < known.pattern:
            definitions[definition.name_span] = definition
    ordered = sorted(definitions.values(), key=lambda d: (d.node.start_byte, -d.node.end_byte))
    return _build_symbols(ordered, spec, path, source, package, tree)


def _matches(
    tree: tree_sitter.Tree, source: bytes, spec: LanguageSpec
) -> Iterator[tuple[int, dict[str, list[tree_sitter.Node]]]]:
    """The query's matches, in no particular order."""
    import tree_sitter

    cursor = tree_sitter.QueryCursor(ts_query(spec.name))
    roots = pattern_roots(spec.name) if spec.definition_keywords else None
    if roots is None:
        yield from cursor.matches(tree.root_node)
        return
    # Patterns may only start at the node given (they still reach into its children).
    cursor.set_max_start_depth(0)
    root = tree.root_node
    if root.type in roots:  # module-level patterns (Python's constants and variables)
        yield from cursor.matches(root)
    for keyword in spec.definition_keywords:
        token = keyword.encode()
        at = source.find(token)
        while at >= 0:
            end = at + len(token)
            node = root.descendant_for_byte_range(at, end)
            if node is not None and node.type == keyword:
                parent = node.parent
                if parent is not None and parent.type in roots:
                    yield from cursor.matches(parent)
            at = source.find(token, end)


def _definition_from(
    pattern: int, captures: dict[str, list[tree_sitter.Node]], source: bytes, spec: LanguageSpec
) -> _Definition | None:
    names = captures.get("name")
    if not names:
        return None
    node = kind = None
    for capture, nodes in captures.items():
        if capture.startswith("definition."):
            node, kind = nodes[0], capture[len("definition.") :]
            break
        if capture == "scope":
            node, kind = nodes[0], "scope"
    if node is None or kind is None:
        return None
    name = names[0]
    span = name.byte_range
    text = source[span[0] : span[1]].decode("utf-8", errors="replace")
    if _recovery_artefact(name, text, spec):
        return None
    receiver = captures.get("receiver")
    row, column = name.start_point
    return _Definition(
        node=node,
        kind=kind,
        name=text,
        name_row=row,
        name_column=column,
        name_span=span,
        receiver=node_text(source, receiver[0]) if receiver else "",
        pattern=pattern,
        package="package" in captures,
    )


def _recovery_artefact(name: tree_sitter.Node, text: str, spec: LanguageSpec) -> bool:
    """Whether the name is a reserved word the grammar's error recovery took for a name
    (LanguageSpec.reserved_words): `if`, `catch`, `finally` are never definitions."""
    return text in spec.reserved_words and name.is_named and name.type not in spec.member_name_types


def _build_symbols(
    ordered: list[_Definition],
    spec: LanguageSpec,
    path: str,
    source: bytes,
    package: str,
    tree: tree_sitter.Tree,
) -> Extraction:
    symbols: list[Symbol] = []
    spans: list[tuple[int, int, int]] = []
    callables: list[tuple[int, tree_sitter.Node]] = []
    # Stack of (end_byte, kind, qualified name, start_byte, test) of the definitions
    # enclosing the current one. Definitions sharing one node (`const A = 1, B = 2`) are
    # siblings. Inside test code (test_marks) everything is test code.
    stack: list[tuple[int, str, str, int, bool]] = []
    in_test_file = test_marks.file_marked(tree, spec, source)
    too_deep = 0
    for definition in ordered:
        node = definition.node
        while stack and (
            stack[-1][0] < node.end_byte
            or (stack[-1][0] == node.end_byte and stack[-1][3] == node.start_byte)
        ):
            stack.pop()
        if len(stack) >= MAX_NESTING:
            # Each definition's name, doc and clone unit cost its depth or its size: past
            # this depth (machine-made code) they would cost the square of the file.
            too_deep += 1
            continue
        parent_kind = stack[-1][1] if stack else ""
        if definition.receiver:
            parent_qualified = _join(package, definition.receiver)
            parent_kind = "scope"
        elif definition.package:
            parent_qualified = ""
        else:
            parent_qualified = stack[-1][2] if stack else package
        qualified = _join(parent_qualified, definition.name)
        test = (
            in_test_file
            or (bool(stack) and stack[-1][4])
            or test_marks.marked(node, spec, source)
            or (definition.kind == "function" and test_marks.compile_time_check(node, spec))
        )
        stack.append((node.end_byte, definition.kind, qualified, node.start_byte, test))
        if definition.kind == "scope":
            continue
        kind = definition.kind
        if kind == "function" and parent_kind in TYPE_SCOPES:
            kind = "method"
        symbol, span = _symbol(definition, kind, qualified, spec, path, source, test)
        if kind in CALLABLE_KINDS:
            callables.append((len(symbols), node))
        symbols.append(symbol)
        spans.append(span)
    if too_deep:
        _warn_once(
            path, f"{too_deep} definitions nested deeper than {MAX_NESTING} levels are not indexed"
        )
    module = _module_symbol(spec, path, source, tree, in_test_file)
    return Extraction(symbols, callables, tree, source, module, spans)


def _symbol(
    definition: _Definition,
    kind: str,
    qualified: str,
    spec: LanguageSpec,
    path: str,
    source: bytes,
    test: bool,
) -> tuple[Symbol, tuple[int, int, int]]:
    """The symbol and its spans in bytes (Extraction.spans)."""
    node = definition.node
    outer = _outer_node(node, spec)
    start_row, start_column = outer.start_point
    symbol = Symbol(
        name=definition.name,
        qualified_name=qualified,
        kind=kind,
        language=spec.name,
        path=path,
        line=definition.name_row + 1,
        end_line=node.end_point[0] + 1,
        signature=_signature(node, spec, source),
        start_line=start_row + 1,
        test=test,
        **definition_doc(node, outer, spec, source),
    )
    after = source.find(b"\n", node.end_byte) + 1 or len(source)
    name_line = definition.name_span[0] - definition.name_column
    return symbol, (outer.start_byte - start_column, after, name_line)


def _warn_once(path: str, what: str) -> None:
    if path not in _WARNED:
        _WARNED.add(path)
        logging.getLogger("codeindex").warning("code-index: %s: %s", path, what)


_WARNED: set[str] = set()


def _module_symbol(
    spec: LanguageSpec, path: str, source: bytes, tree: tree_sitter.Tree, test: bool
) -> Symbol:
    """The file itself, as a symbol of kind `module` spanning every line. It stays out of
    qualified names: the file's definitions are not nested in it."""
    qualified = module_name(path, spec)
    root = tree.root_node
    doc = doc_fields(first_string(root, spec, source) if spec.doc_style == "docstring" else [])
    return Symbol(
        name=qualified.rpartition(".")[2],
        qualified_name=qualified,
        kind="module",
        language=spec.name,
        path=path,
        line=1,
        end_line=max(1, root.end_point[0] + (1 if root.end_point[1] else 0)),
        signature=f"module {qualified}",
        start_line=1,
        test=test,
        **doc,
    )


def _join(scope: str, name: str) -> str:
    return f"{scope}.{name}" if scope else name


def _outer_node(node: tree_sitter.Node, spec: LanguageSpec) -> tree_sitter.Node:
    """The node that carries the definition's decorators, attributes or `export`."""
    parent = node.parent
    while parent is not None and parent.type in spec.wrapper_types:
        node, parent = parent, parent.parent
    return node


def find_body(node: tree_sitter.Node, spec: LanguageSpec) -> tree_sitter.Node | None:
    """Breadth-first, a few levels deep: `const f = () => {...}` keeps its body two levels down."""
    if node.type in spec.expression_body_types:
        return node.child_by_field_name("body")
    body = node.child_by_field_name("body")  # the common case, without visiting children
    if body is not None and body.type in spec.body_types:
        return body
    frontier = [node]
    for _ in range(3):
        next_frontier: list[tree_sitter.Node] = []
        for current in frontier:
            for child in current.named_children:
                if child.type in spec.body_types:
                    return child
                if child.type in spec.expression_body_types:
                    return child.child_by_field_name("body")
                next_frontier.append(child)
        frontier = next_frontier
    return None


def _without_comments(
    node: tree_sitter.Node, spec: LanguageSpec, source: bytes, start: int, end: int
) -> bytes:
    """`source[start:end]` without the comments nested in it: an overloaded TypeScript const
    (`const map: { /** doc */ <A>(f: F<A>): G<A> ... }`) or an object type alias carries
    its members' docs in its type, and they made the signature a page of prose."""
    if not spec.comment_types or not _COMMENT_MARK.search(source, start, end):
        return source[start:end]
    import tree_sitter

    cursor = tree_sitter.QueryCursor(comment_query(spec.name))
    cursor.set_byte_range(start, end)
    # A comment the end cuts (a long signature is cut at 4 * SIGNATURE_MAX bytes) goes too.
    comments = sorted(
        (comment.start_byte, min(comment.end_byte, end))
        for comment in cursor.captures(node).get("comment", [])
        if start <= comment.start_byte < end
    )
    if not comments:
        return source[start:end]
    pieces, at = [], start
    for comment_start, comment_end in comments:
        pieces.append(source[at:comment_start])
        at = max(at, comment_end)
    pieces.append(source[at:end])
    return b" ".join(pieces)


def _signature(node: tree_sitter.Node, spec: LanguageSpec, source: bytes) -> str:
    body = find_body(node, spec)
    end = body.start_byte if body is not None else node.end_byte
    start = -1
    for child in node.children:
        child_start = child.start_byte
        if child_start >= end:
            break
        kind = child.type
        if start < 0:
            # Attributes inside the definition node (C# `[Serializable]`, TS decorators) are
            # not part of the signature.
            if kind not in spec.attribute_types and kind not in spec.comment_types:
                start = child_start
        elif child_start > start and (kind in spec.comment_types or child.is_error):
            # Neither are a comment before the body (`def f(x):  # note`) nor text that
            # failed to parse (`def f(x) -> int` then junk).
            end = child_start
            break
    if start < 0:
        start = node.start_byte
    # Read a window of the signature, wider while its comments leave too little: Effect's
    # overloaded consts open with a page of doc per overload (`const retry: { /** ... */`),
    # which a 4 * SIGNATURE_MAX window held alone, leaving `const retry…`.
    window = 4 * SIGNATURE_MAX
    while True:
        cut = end > start + window
        text = _squeezed(_without_comments(node, spec, source, start, min(end, start + window)))
        if not cut or len(text) > SIGNATURE_MAX or window >= SIGNATURE_WINDOW_MAX:
            break
        window *= 4
    if "( " in text or "[ " in text or " )" in text or " ]" in text:
        # A parameter list spread over lines reads `(self, a)`, not `( self, a )`.
        text = _OPENING_SPACE.sub(r"\1", _CLOSING_SPACE.sub(r"\1", text))
    # `;` ends bodiless declarations: overload and trait signatures, abstract members.
    text = text.rstrip("{:=; ").rstrip()
    if len(text) > SIGNATURE_MAX or cut:  # cut, then shorter without its comments: still cut
        text = text[: SIGNATURE_MAX - 1] + "…"
    return text


def _squeezed(raw_bytes: bytes) -> str:
    raw = raw_bytes.decode("utf-8", errors="replace")
    return _WHITESPACE.sub(" ", raw).strip() if _NEEDS_SQUEEZE.search(raw) else raw.strip()
