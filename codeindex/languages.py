"""The language registry. Adding a language is a row here, a query file and a fixture folder."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from codeindex import clone_syntax, grammar_gaps
from codeindex.clone_syntax import CloneSyntax
from codeindex.grammar_gaps import GrammarGap
from codeindex.macro_items import ItemMacros

if TYPE_CHECKING:
    import tree_sitter

QUERY_DIR = Path(__file__).parent / "queries"


@dataclass(frozen=True, slots=True)
class LanguageSpec:
    name: str
    aliases: tuple[str, ...]
    extensions: tuple[str, ...]
    grammar: str  # "module:function" returning the tree-sitter language pointer
    query_file: str
    # "docstring": the first string statement of the body (Python); "comments": the comment
    # block right above the definition (everything else).
    doc_style: str
    comment_types: tuple[str, ...]
    # Node types that hold a definition's body; the signature is the text before it.
    body_types: tuple[str, ...]
    # With doc_style "docstring": the statement type and, as its first child, the literal type
    # of a docstring.
    docstring_nodes: tuple[str, str] = ("", "")
    # Node types that wrap a definition together with its decorators, attributes or `export`;
    # leading comments sit above the wrapper.
    wrapper_types: tuple[str, ...] = ()
    # Node types skipped between a definition and its doc comment (attributes, annotations).
    attribute_types: tuple[str, ...] = ()
    # Node types whose `body` field is the body whatever its node type: an arrow function's
    # expression body must not end up in the signature.
    expression_body_types: tuple[str, ...] = ()
    # Keywords that begin every definition the query matches, for grammars where each one
    # does (`def`, `class`). Extraction then finds the keywords in the source (a C-speed
    # `bytes.find`), lets the tree confirm each (the same letters in a name, comment or string
    # are not the keyword) and runs the query on its parent alone: about half the time of a
    # walk over statement scopes, a fifth of matching the whole tree (bench/HISTORY.md).
    # Empty: match over the whole tree.
    definition_keywords: tuple[str, ...] = ()
    # File stems that stand for their directory in module names (`pkg/__init__.py` is `pkg`).
    package_index_stems: tuple[str, ...] = ()
    # What a declaration file writes before the extension, not part of its module name
    # (TypeScript's `index.d.ts` declares the module `index`).
    declaration_infix: str = ""
    # The reference query (codeindex.refs): use sites captured as @reference.<kind>.
    refs_query_file: str = ""
    # Receivers that mean "this object" (`self.parse` inside `Loader` is `Loader.parse`).
    self_names: tuple[str, ...] = ()
    # Syntax the grammar does not know, bridged by a second parse of a file that has errors
    # (codeindex.grammar_gaps).
    grammar_gaps: tuple[GrammarGap, ...] = ()
    # Macro invocations whose argument may hold items (Rust's `cfg_net! { pub struct .. }`),
    # parsed again as items (codeindex.macro_items).
    item_macros: ItemMacros | None = None
    clones: CloneSyntax = CloneSyntax()
    # Words that can never name a definition. A definition named by one comes from error
    # recovery (a file the grammar fails on reads `catch (Exception e) { .. }` as a
    # constructor `catch`), and extraction leaves it out. Reserved in every version of the
    # language only: Python 3.6's `async`, Rust 2015's `try` were names.
    reserved_words: frozenset[str] = frozenset()
    # Name node types that may hold any word, reserved or not: JavaScript's member names
    # (`promise.catch()`, `map.delete()`). A name the query takes from an anonymous node
    # (C#'s indexer, named by its `this` token) is always kept.
    member_name_types: tuple[str, ...] = ()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TYPESCRIPT = LanguageSpec(
    name="typescript",
    clones=clone_syntax.TYPESCRIPT,
    aliases=("ts", "typescript"),
    extensions=(".ts", ".mts", ".cts"),
    grammar="tree_sitter_typescript:language_typescript",
    query_file="typescript.scm",
    doc_style="comments",
    comment_types=("comment",),
    # object_type is not a body: `type Point = { x: number }` is its own best signature.
    body_types=("statement_block", "class_body", "interface_body", "enum_body"),
    # Doc comments sit above these: a const's declarator is inside a declaration, which may
    # be exported; `namespace` is an expression statement; `declare` wraps ambient ones.
    wrapper_types=(
        "export_statement",
        "lexical_declaration",
        "expression_statement",
        "ambient_declaration",
    ),
    attribute_types=("decorator",),
    expression_body_types=("arrow_function",),
    package_index_stems=("index",),
    declaration_infix=".d",
    refs_query_file="typescript.refs.scm",
    self_names=("this",),
    grammar_gaps=grammar_gaps.TYPESCRIPT,
    # ECMAScript's reserved words (`await`, `yield`, `let`, `static` are names in scripts).
    reserved_words=_words(
        "break case catch class const continue debugger default delete do else enum export"
        " extends false finally for function if import in instanceof new null return super"
        " switch this throw true try typeof var void while with"
    ),
    member_name_types=("property_identifier",),
)


LANGUAGES: tuple[LanguageSpec, ...] = (
    LanguageSpec(
        name="python",
        clones=clone_syntax.PYTHON,
        aliases=("py", "python"),
        extensions=(".py", ".pyi"),
        grammar="tree_sitter_python:language",
        query_file="python.scm",
        doc_style="docstring",
        docstring_nodes=("expression_statement", "string"),
        comment_types=("comment",),
        body_types=("block",),
        wrapper_types=("decorated_definition",),
        definition_keywords=("def", "class"),
        package_index_stems=("__init__",),
        refs_query_file="python.refs.scm",
        self_names=("self", "cls"),
        reserved_words=_words(
            "False None True and as assert break class continue def del elif else except"
            " finally for from global if import in is lambda nonlocal not or pass raise"
            " return try while with yield"
        ),
    ),
    _TYPESCRIPT,
    replace(
        _TYPESCRIPT,
        name="tsx",
        aliases=("ts", "typescript", "tsx"),
        extensions=(".tsx",),
        grammar="tree_sitter_typescript:language_tsx",
        grammar_gaps=grammar_gaps.TSX,
    ),
    LanguageSpec(
        name="go",
        clones=clone_syntax.GO,
        aliases=("go",),
        extensions=(".go",),
        grammar="tree_sitter_go:language",
        query_file="go.scm",
        refs_query_file="go.refs.scm",
        doc_style="comments",
        comment_types=("comment",),
        # An interface's first element or comment stands for its body (interface_type itself
        # holds the `interface` keyword, which belongs in the signature).
        body_types=("block", "field_declaration_list", "method_elem", "type_elem", "comment"),
        reserved_words=_words(
            "break case chan const continue default defer else fallthrough for func go goto"
            " if import interface map package range return select struct switch type var"
        ),
    ),
    LanguageSpec(
        name="rust",
        clones=clone_syntax.RUST,
        aliases=("rs", "rust"),
        extensions=(".rs",),
        grammar="tree_sitter_rust:language",
        query_file="rust.scm",
        doc_style="comments",
        comment_types=("line_comment", "block_comment"),
        # A macro's first rule stands for its body, so the signature is `macro_rules! name`.
        body_types=(
            "block",
            "field_declaration_list",
            "enum_variant_list",
            "declaration_list",
            "macro_rule",
        ),
        attribute_types=("attribute_item", "inner_attribute_item"),
        package_index_stems=("mod",),
        refs_query_file="rust.refs.scm",
        self_names=("self", "Self"),
        item_macros=ItemMacros(
            invocation="macro_invocation",
            body="token_tree",
            scopes=("source_file", "declaration_list"),
            # Blanks, comments and attributes, then an item's first word or another macro.
            starts=r"(?s)(?:\s|//[^\n]*|/\*.*?\*/|#!?\[.*?\])*"
            r"(?:(?:pub|fn|struct|enum|union|impl|trait|mod|const|static|type|use|unsafe"
            r"|async|extern)\b|[A-Za-z_]\w*!)",
        ),
        # Strict and reserved words of every edition (2018's async, await, dyn, try left out).
        reserved_words=_words(
            "as break const continue crate else enum extern false fn for if impl in let loop"
            " match mod move mut pub ref return self Self static struct super trait true type"
            " unsafe use where while abstract become box do final macro override priv typeof"
            " unsized virtual yield"
        ),
    ),
    LanguageSpec(
        name="csharp",
        clones=clone_syntax.CSHARP,
        aliases=("cs", "csharp", "c#"),
        extensions=(".cs",),
        grammar="tree_sitter_c_sharp:language",
        query_file="csharp.scm",
        doc_style="comments",
        comment_types=("comment",),
        body_types=(
            "block",
            "declaration_list",
            "enum_member_declaration_list",
            "accessor_list",
            "arrow_expression_clause",
        ),
        attribute_types=("attribute_list",),
        refs_query_file="csharp.refs.scm",
        self_names=("this", "base"),
        grammar_gaps=grammar_gaps.CSHARP,
        # The reserved keywords (`@if` is a name, and `async`, `var`, `value` are contextual).
        reserved_words=_words(
            "abstract as base bool break byte case catch char checked class const continue"
            " decimal default delegate do double else enum event explicit extern false"
            " finally fixed float for foreach goto if implicit in int interface internal is"
            " lock long namespace new null object operator out override params private"
            " protected public readonly ref return sbyte sealed short sizeof stackalloc"
            " static string struct switch this throw true try typeof uint ulong unchecked"
            " unsafe ushort using virtual void volatile while"
        ),
    ),
)

_BY_EXTENSION: dict[str, LanguageSpec] = {
    ext: spec for spec in LANGUAGES for ext in spec.extensions
}
_BY_NAME: dict[str, LanguageSpec] = {spec.name: spec for spec in LANGUAGES}


def language_for_path(path: str) -> LanguageSpec | None:
    dot = path.rfind(".")
    if dot < 0:
        return None
    return _BY_EXTENSION.get(path[dot:].lower())


def spec_by_name(name: str) -> LanguageSpec:
    return _BY_NAME[name]


def resolve_type(value: str) -> frozenset[str]:
    """Map a `--type` value (rg-style short name or full name) to language names."""
    wanted = value.strip().lower()
    names = frozenset(spec.name for spec in LANGUAGES if wanted in spec.aliases)
    if not names:
        known = sorted({alias for spec in LANGUAGES for alias in spec.aliases})
        raise ValueError(f"unknown language {value!r}; use one of: {', '.join(known)}")
    return names


def indexed_extensions() -> frozenset[str]:
    return frozenset(_BY_EXTENSION)


@cache
def ts_language(spec_name: str) -> tree_sitter.Language:
    import tree_sitter

    module_name, func_name = _BY_NAME[spec_name].grammar.split(":")
    module = importlib.import_module(module_name)
    return tree_sitter.Language(getattr(module, func_name)())


@cache
def comment_query(spec_name: str) -> tree_sitter.Query:
    """The language's comments, captured as @comment."""
    import tree_sitter

    types = " ".join(f"({kind})" for kind in _BY_NAME[spec_name].comment_types)
    return tree_sitter.Query(ts_language(spec_name), f"[{types}] @comment")


@cache
def ts_query(spec_name: str) -> tree_sitter.Query:
    import tree_sitter

    return tree_sitter.Query(ts_language(spec_name), _query_source(spec_name))


@cache
def ts_refs_query(spec_name: str) -> tree_sitter.Query:
    import tree_sitter

    text = (QUERY_DIR / _BY_NAME[spec_name].refs_query_file).read_text(encoding="utf-8")
    return tree_sitter.Query(ts_language(spec_name), text)


@cache  # read by ts_query and pattern_roots
def _query_source(spec_name: str) -> str:
    return (QUERY_DIR / _BY_NAME[spec_name].query_file).read_text(encoding="utf-8")


@cache
def pattern_roots(spec_name: str) -> frozenset[str] | None:
    """The node types the query's patterns start with, or None when a pattern starts with
    something else (an alternation, a wildcard, a grouping)."""
    query = ts_query(spec_name)
    source = _query_source(spec_name).encode("utf-8")
    roots = set()
    for index in range(query.pattern_count):
        text = source[query.start_byte_for_pattern(index) : query.end_byte_for_pattern(index)]
        found = _PATTERN_ROOT.match(text)
        if found is None:
            return None
        roots.add(found.group(1).decode())
    return frozenset(roots)


_PATTERN_ROOT = re.compile(rb"\(\s*([a-z_]+)\b")
