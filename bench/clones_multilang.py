"""Clone detection benchmark for Go, Rust, TypeScript and C#: mutation/injection recall and
precision (Roy & Cordy's mutation classes, BigCloneEval's coverage rule) and snippet
recall@1, in the manner of bench/clones_bench.py (which covers Python).

    python bench/clones_multilang.py --lang go /tmp/corp/go [--per-class 40] [--seed 7]
    python bench/clones_multilang.py --lang all   # /tmp/corp/{go,rust,ts,cs}

The chosen corpus is copied (its source files and .gitignore files, never `.code-index/`) to
/tmp/mlbench-<lang>; real functions of 8-40 lines are picked from its non-test, non-generated
files with code-index's own symbol extraction, mutated one class at a time by tree-sitter
operators written here (independent of codeindex.clones.normalize and CloneSyntax, so that the
benchmark judges them), and injected one function per new file. A copy counts as found when
a pair reported by `code-index dups` covers at least 70% of the lines of both the original
and the copy. Copies whose parse tree has ERROR or MISSING nodes (the originals have none) are
regenerated, or dropped after a few tries; both are counted.

Precision: of the reported pairs that involve an injected copy, those whose other side lies
mostly inside the copy's original or that a neutral measure (blind token similarity: tree-sitter
leaves with identifiers and literals normalised, rapidfuzz Indel >= 0.7) finds similar to it.
Snippet recall@1: `CodeIndex.similar` with each copy's bare text, on the index before the
copies are added; a top answer that is the original or an exact (blind) twin of it is a hit.
Each missed copy gets a diagnostic line; the corpus copy, copies included,
stays in /tmp/mlbench-<lang> for reading them (the next run replaces it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import tree_sitter
from rapidfuzz.distance import Indel

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import code_under_test  # noqa: E402
from _results import machine, save, table  # noqa: E402
from clones_bench import (  # noqa: E402
    Fragment,
    Injected,
    _covers,
    _found,
    _overlap,
    _text,
    _with_copy,
)
from clones_mutate import CLASSES  # noqa: E402
from clones_mutate import Original as PythonOriginal  # noqa: E402

from codeindex.api import CodeIndex  # noqa: E402
from codeindex.clones.snippet import parse_errors  # noqa: E402
from codeindex.extract import extract, find_body  # noqa: E402
from codeindex.languages import language_for_path, ts_language  # noqa: E402
from codeindex.models import SimilarMatch, Symbol  # noqa: E402
from codeindex.walker import walk  # noqa: E402

CALLABLE = frozenset({"function", "method", "constructor"})
TARGETS = {"T1": 0.99, "T2": 0.98, "one edit": 0.95, "several edits": 0.80}
TRIES = 5  # attempts per copy before a copy that does not parse is dropped
# `dups` ignores functions under 6 lines by design (SCAN_MIN_LINES); a copy that several
# deletions shrank below that is not a fair miss, so it is regenerated like a broken one.
MIN_COPY_LINES = 6
_TEST_DIRS = frozenset(
    {"test", "tests", "testing", "testdata", "__tests__", "spec", "specs", "benches", "bench"}
)
_TEST_FILE = re.compile(r"_test\.go$|(^|/)tests?\.rs$|\.(test|spec)\.ts$|\.d\.ts$|Tests?\.cs$")
# `stdarch-test/`, `x509_test_import.go`: test code by name, not just by convention.
_TEST_PART = re.compile(r"(^|[-_.])tests?([-_.]|$)", re.IGNORECASE)
_TEST_SCOPE = re.compile(r"(^|\.)tests?(\.|$)", re.IGNORECASE)
# Generated files, and Go files kept out of every build (`//go:build ignore`: programs that
# generate other files).
_GENERATED = re.compile(
    rb"code generated|do not (edit|modify)|(auto-?|automatically )generated|@generated"
    rb"|^//\s*(go:build|\+build) ignore",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class Grammar:
    """What the mutation operators need to know about one language's tree-sitter grammar.
    Written for this benchmark: deliberately not derived from codeindex's CloneSyntax."""

    name: str  # codeindex spec name, also the `--type` value
    extension: str  # of injected files
    default_corpus: Path
    source_extensions: tuple[str, ...]  # copied with the corpus
    method_wrapper: tuple[str, str]  # around methods (and, for C#, everything)
    function_wrapper: tuple[str, str]  # around free functions ("{package}" for Go)
    # (parent type, field) whose subtree binds a local: parameters, declarations, loop
    # variables; field "*" means the whole parent.
    bindings: frozenset[tuple[str, str]]
    variable_types: frozenset[str]  # leaf types that name a variable
    # (parent type, field) where an identifier is an API name, never a variable: renaming
    # a local leaves these alone ("*" for any child).
    api_positions: frozenset[tuple[str, str]]
    # (parent type, field) where a variable's name doubles as a field or key name: a local
    # seen there is not renamed at all, since renaming one side would change the meaning.
    ambiguous_positions: frozenset[tuple[str, str]]
    number_types: frozenset[str]
    string_types: frozenset[str]  # single-token strings whose content may be changed
    literal_types: frozenset[str]  # every literal, for the blind similarity
    function_types: frozenset[str]  # definitions whose `name` is renamed in T2
    statement_types: frozenset[str]  # simple statements the edit operators touch
    block_types: frozenset[str]  # parents of those statements
    statement_end: str  # terminator for inserted statements
    trace_call: str  # an inserted statement: name of an unknown function
    adjust_call: str  # a changed statement wraps its value in a call to this
    skip_ancestors: frozenset[str] = frozenset()  # never change literals inside these
    # Go: a file needs the original's `package` clause, so copies go beside the original.
    in_package: bool = False
    # C#: every method lives in a class, whatever code-index calls it.
    always_wrapped: bool = False
    # Rust: an expression statement without `;` is a block's value or a loop, not simple.
    terminated_statements: bool = False


GO = Grammar(
    name="go",
    extension=".go",
    default_corpus=Path("/tmp/corp/go"),
    source_extensions=(".go",),
    method_wrapper=("package {package}\n\n", ""),
    function_wrapper=("package {package}\n\n", ""),
    bindings=frozenset(
        {
            ("parameter_declaration", "name"),
            ("variadic_parameter_declaration", "name"),
            ("short_var_declaration", "left"),
            ("var_spec", "name"),
            ("range_clause", "left"),
        }
    ),
    variable_types=frozenset({"identifier"}),
    api_positions=frozenset(),
    ambiguous_positions=frozenset({("keyed_element", "key")}),
    number_types=frozenset({"int_literal", "float_literal"}),
    string_types=frozenset({"interpreted_string_literal"}),
    literal_types=frozenset(
        {
            "int_literal",
            "float_literal",
            "imaginary_literal",
            "interpreted_string_literal",
            "raw_string_literal",
            "rune_literal",
        }
    ),
    function_types=frozenset({"function_declaration", "method_declaration"}),
    statement_types=frozenset(
        {
            "expression_statement",
            "assignment_statement",
            "short_var_declaration",
            "inc_statement",
            "dec_statement",
        }
    ),
    block_types=frozenset({"statement_list", "block"}),
    statement_end="",
    in_package=True,
    trace_call="trace",
    adjust_call="adjust",
)
RUST = Grammar(
    name="rust",
    extension=".rs",
    default_corpus=Path("/tmp/corp/rust"),
    source_extensions=(".rs",),
    method_wrapper=("impl Injected {\n", "}\n"),
    function_wrapper=("", ""),
    bindings=frozenset(
        {
            ("parameter", "pattern"),
            ("let_declaration", "pattern"),
            ("for_expression", "pattern"),
            ("let_condition", "pattern"),
            ("closure_parameters", "*"),
        }
    ),
    variable_types=frozenset({"identifier"}),
    api_positions=frozenset(
        {
            ("scoped_identifier", "*"),
            ("scoped_type_identifier", "*"),
            ("macro_invocation", "macro"),
            ("tuple_struct_pattern", "type"),
            ("struct_pattern", "type"),
            ("parameter", "type"),
        }
    ),
    ambiguous_positions=frozenset({("shorthand_field_initializer", "*"), ("field_pattern", "*")}),
    number_types=frozenset({"integer_literal", "float_literal"}),
    string_types=frozenset({"string_literal"}),
    literal_types=frozenset(
        {
            "integer_literal",
            "float_literal",
            "string_literal",
            "raw_string_literal",
            "char_literal",
        }
    ),
    function_types=frozenset({"function_item"}),
    statement_types=frozenset({"expression_statement", "let_declaration"}),
    block_types=frozenset({"block"}),
    statement_end=";",
    trace_call="trace",
    adjust_call="adjust",
    skip_ancestors=frozenset({"attribute_item", "field_expression"}),
    terminated_statements=True,
)
TYPESCRIPT = Grammar(
    name="typescript",
    extension=".ts",
    default_corpus=Path("/tmp/corp/ts"),
    source_extensions=(".ts", ".mts", ".cts", ".tsx"),
    method_wrapper=("class Injected {\n", "}\n"),
    function_wrapper=("", ""),
    bindings=frozenset(
        {
            ("required_parameter", "pattern"),
            ("optional_parameter", "pattern"),
            ("variable_declarator", "name"),
            ("for_in_statement", "left"),
            ("catch_clause", "parameter"),
            ("arrow_function", "parameter"),
        }
    ),
    variable_types=frozenset({"identifier"}),
    api_positions=frozenset({("pair_pattern", "key")}),
    ambiguous_positions=frozenset(),  # shorthand properties have their own leaf types
    number_types=frozenset({"number"}),
    string_types=frozenset({"string"}),
    literal_types=frozenset({"number", "string", "template_string", "regex"}),
    function_types=frozenset(
        {"function_declaration", "method_definition", "generator_function_declaration"}
    ),
    statement_types=frozenset(
        {"expression_statement", "lexical_declaration", "variable_declaration"}
    ),
    block_types=frozenset({"statement_block"}),
    statement_end=";",
    trace_call="trace",
    adjust_call="adjust",
    skip_ancestors=frozenset({"decorator", "literal_type"}),
)
CSHARP = Grammar(
    name="csharp",
    extension=".cs",
    default_corpus=Path("/tmp/corp/cs"),
    source_extensions=(".cs",),
    method_wrapper=("namespace Injected {\nclass Injected {\n", "}\n}\n"),
    function_wrapper=("namespace Injected {\nclass Injected {\n", "}\n}\n"),
    bindings=frozenset(
        {
            ("parameter", "name"),
            ("variable_declarator", "name"),
            ("foreach_statement", "left"),
            ("catch_declaration", "name"),
            ("declaration_expression", "name"),
            ("lambda_expression", "parameters"),
        }
    ),
    variable_types=frozenset({"identifier", "implicit_parameter"}),
    api_positions=frozenset(
        {
            ("member_access_expression", "name"),
            ("qualified_name", "*"),
            ("generic_name", "*"),
            ("argument", "name"),
            ("parameter", "type"),
            ("variable_declaration", "type"),
            ("object_creation_expression", "type"),
            ("attribute", "*"),
        }
    ),
    ambiguous_positions=frozenset({("initializer_expression", "*")}),
    number_types=frozenset({"integer_literal", "real_literal"}),
    string_types=frozenset({"string_literal"}),
    literal_types=frozenset(
        {
            "integer_literal",
            "real_literal",
            "string_literal",
            "verbatim_string_literal",
            "raw_string_literal",
            "character_literal",
            "interpolated_string_expression",
        }
    ),
    function_types=frozenset(
        {"method_declaration", "constructor_declaration", "local_function_statement"}
    ),
    statement_types=frozenset({"expression_statement", "local_declaration_statement"}),
    block_types=frozenset({"block"}),
    statement_end=";",
    trace_call="Trace",
    adjust_call="Adjust",
    always_wrapped=True,
    skip_ancestors=frozenset({"attribute_list"}),
)
GRAMMARS = {g.name: g for g in (GO, RUST, TYPESCRIPT, CSHARP)}
SHORT = {"go": "go", "rust": "rust", "typescript": "ts", "csharp": "cs"}


# -- parsing --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Original(PythonOriginal):
    """The Python bench's original (fragment, dedented text), plus how to inject a copy."""

    method: bool  # needs the method wrapper to parse
    package: str  # Go package clause name, else ""


@dataclass(slots=True)
class Unit:
    """A function's text parsed inside its wrapper; rows and bytes are those of `text`."""

    text: str
    tree: tree_sitter.Tree
    offset: int  # byte offset of the text inside the wrapped source
    prefix_lines: int

    def nodes(self) -> Iterator[tree_sitter.Node]:
        """Every node inside the function's own bytes (not the wrapper's)."""
        end = self.offset + len(self.text.encode("utf-8"))
        stack = [self.tree.root_node]
        while stack:
            node = stack.pop()
            if node.end_byte <= self.offset or node.start_byte >= end:
                continue
            if node.start_byte >= self.offset and node.end_byte <= end:
                yield node
            stack.extend(reversed(node.children))

    def row(self, node: tree_sitter.Node) -> int:
        return node.start_point[0] - self.prefix_lines

    def end_row(self, node: tree_sitter.Node) -> int:
        return node.end_point[0] - self.prefix_lines

    def span(self, node: tree_sitter.Node) -> tuple[int, int]:
        return node.start_byte - self.offset, node.end_byte - self.offset

    def broken(self) -> int:
        """ERROR and MISSING nodes anywhere in the wrapped source."""
        return parse_errors(self.tree)


_PARSERS: dict[str, tree_sitter.Parser] = {}


def wrap(grammar: Grammar, method: bool, package: str) -> tuple[str, str]:
    prefix, suffix = grammar.method_wrapper if method else grammar.function_wrapper
    return prefix.replace("{package}", package or "p"), suffix


def parse_unit(grammar: Grammar, text: str, method: bool, package: str = "") -> Unit:
    prefix, suffix = wrap(grammar, method, package)
    parser = _PARSERS.get(grammar.name)
    if parser is None:
        parser = _PARSERS[grammar.name] = tree_sitter.Parser(ts_language(grammar.name))
    source = (prefix + text + suffix).encode("utf-8")
    return Unit(text, parser.parse(source), len(prefix.encode("utf-8")), prefix.count("\n"))


def _field(node: tree_sitter.Node) -> str | None:
    """The field name under which `node` hangs from its parent."""
    parent = node.parent
    if parent is None:
        return None
    for index, child in enumerate(parent.children):
        if child.id == node.id:
            return parent.field_name_for_child(index)
    return None


def _at(node: tree_sitter.Node, positions: frozenset[tuple[str, str]], depth: int = 1) -> bool:
    """Whether the node, or an ancestor up to `depth` - 1 levels above it, sits at one of the
    positions."""
    current = node
    for _ in range(depth):
        parent = current.parent
        if parent is None:
            return False
        name = _field(current) or ""
        if (parent.type, name) in positions or (parent.type, "*") in positions:
            return True
        current = parent
    return False


def blind_tokens(grammar: Grammar, text: str) -> list[str]:
    """Leaves with identifiers as ID and literals as LIT, comments dropped: the neutral
    oracle, the same for every language."""
    best: list[str] | None = None
    best_errors = 0
    for method in (False, True):
        unit = parse_unit(grammar, text, method)
        tokens = []
        stack = [unit.tree.root_node]
        start, end = unit.offset, unit.offset + len(text.encode("utf-8"))
        while stack:
            node = stack.pop()
            if node.end_byte <= start or node.start_byte >= end or "comment" in node.type:
                continue
            if node.type in grammar.literal_types:
                tokens.append("LIT")
            elif node.child_count == 0:
                named = node.is_named and ("identifier" in node.type or node.type == "self")
                tokens.append("ID" if named else node.type if node.is_named else node.text.decode())
            else:
                stack.extend(reversed(node.children))
        errors = unit.broken()
        if best is None or errors < best_errors:
            best, best_errors = tokens, errors
    return best or []


def blind_similarity(grammar: Grammar, a: str, b: str) -> float:
    return Indel.normalized_similarity(blind_tokens(grammar, a), blind_tokens(grammar, b))


# -- picking originals ----------------------------------------------------------------------


def copy_corpus(grammar: Grammar, source: Path, target: Path) -> int:
    """Copy the language's sources and the ignore files, never an index; returns files."""
    shutil.rmtree(target, ignore_errors=True)
    copied = 0
    for directory, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if d not in (".code-index", ".git"))
        base = Path(directory).relative_to(source)
        for name in filenames:
            if name.endswith(grammar.source_extensions) or name == ".gitignore":
                (target / base).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(directory) / name, target / base / name)
                copied += 1
    return copied


def _eligible_file(grammar: Grammar, relative: str, root: Path) -> bool:
    spec = language_for_path(relative)
    if spec is None or spec.name != grammar.name or _TEST_FILE.search(relative):
        return False
    if "generated" in relative.rsplit("/", 1)[-1].lower():
        return False
    parts = relative.split("/")
    parts[-1] = parts[-1].split(".")[0]
    if any(p in _TEST_DIRS or _TEST_PART.search(p) or p.startswith("zz_injected") for p in parts):
        return False
    with open(root / relative, "rb") as handle:
        return not _GENERATED.search(handle.read(2048))


def pick_originals(grammar: Grammar, root: Path, count: int, seed: int) -> list[Original]:
    """Functions and methods of 8-40 lines and 60+ tokens, not nested in another function,
    from indexed (walker-approved) non-test, non-generated files; at most two a file so
    that a few big files do not dominate."""
    files = sorted(c.path for c in walk(root).files.values() if not c.skip)
    rng = random.Random(seed)
    rng.shuffle(files)
    firsts: list[Original] = []
    rest: list[Original] = []  # beyond two a file: used only when the corpus is small
    for relative in files:
        if len(firsts) >= count:
            break
        if _eligible_file(grammar, relative, root):
            found = _originals_in(grammar, root, relative, rng)
            firsts += found[:2]
            rest += found[2:]
    return (firsts + rest)[:count]


def _originals_in(
    grammar: Grammar, root: Path, relative: str, rng: random.Random
) -> list[Original]:
    spec = language_for_path(relative)
    assert spec is not None
    data = (root / relative).read_bytes()
    extraction = extract(data, spec, relative)
    lines = data.decode("utf-8", errors="replace").splitlines()
    package = ""
    if grammar.in_package:
        match = re.search(rb"^package\s+(\w+)", data, re.MULTILINE)
        package = match.group(1).decode() if match else ""
    # Only functions with a body: overload signatures, declarations and abstract members
    # have nothing to copy, and code-index never compares them (issue 21).
    bodied = {i for i, node in extraction.callables if find_body(node, spec) is not None}
    callables = [s for i, s in enumerate(extraction.symbols) if s.kind in CALLABLE and i in bodied]
    found = []
    for symbol in callables:
        first, last = symbol.start_line or symbol.line, symbol.end_line
        nested = any(
            o is not symbol
            and (o.start_line or o.line) <= first
            and last <= o.end_line
            and (o.start_line or o.line, o.end_line) != (first, last)
            for o in callables
        )
        if nested or not 8 <= last - first + 1 <= 40 or _TEST_SCOPE.search(symbol.qualified_name):
            continue
        text = textwrap.dedent("\n".join(lines[first - 1 : last])) + "\n"
        method = symbol.kind != "function" or grammar.always_wrapped
        unit = parse_unit(grammar, text, method, package)
        if unit.broken() or len(blind_tokens(grammar, text)) < 60:
            continue
        found.append(Original((relative, first, last), text, method, package))
    rng.shuffle(found)
    return found


# -- mutation operators ---------------------------------------------------------------------


Edit = tuple[int, int, str]  # byte span of the function text, replacement


def apply_edits(text: str, edits: list[Edit]) -> str:
    data = text.encode("utf-8")
    for start, end, new in sorted(edits, reverse=True):
        data = data[:start] + new.encode("utf-8") + data[end:]
    return data.decode("utf-8")


def _protected_rows(grammar: Grammar, unit: Unit) -> tuple[set[int], set[int]]:
    """Rows inside multi-line strings and block comments: (rows whose end lies inside one,
    rows that begin inside one). A comment or new line there would become content."""
    ends, starts = set(), set()
    for node in unit.nodes():
        multi = node.start_point[0] != node.end_point[0]
        if multi and (
            node.type in grammar.literal_types or "comment" in node.type or "string" in node.type
        ):
            first, last = unit.row(node), unit.end_row(node)
            ends.update(range(first, last))
            starts.update(range(first + 1, last + 1))
    return ends, starts


def layout(grammar: Grammar, original: Original, rng: random.Random) -> str:
    """T1: comment lines, trailing comments, blank lines, other indentation."""
    unit = parse_unit(grammar, original.text, original.method, original.package)
    ends, starts = _protected_rows(grammar, unit)
    lines = original.text.splitlines()
    tabs = any(line.startswith("\t") for line in lines)
    out = []
    for row, line in enumerate(lines):
        inside = row in starts
        if not inside and row > 0:
            line = _reindent(line, tabs)
        indent = line[: len(line) - len(line.lstrip())]
        code = line.strip()
        if row > 0 and not inside and code and rng.random() < 0.2:
            out.append(f"{indent}// step {row}: see below")
        if code and row not in ends and not code.startswith("#") and rng.random() < 0.3:
            line = line + "  // note"
        out.append(line)
        if 0 < row < len(lines) - 1 and row not in ends and rng.random() < 0.1:
            out.append("")
    return "\n".join(out) + "\n"


def _reindent(line: str, tabs: bool) -> str:
    """Tab indentation becomes four spaces a level; space indentation becomes tabs."""
    stripped = line.lstrip()
    lead = line[: len(line) - len(stripped)]
    if not stripped:
        return ""
    if tabs:
        return lead.replace("\t", "    ") + stripped
    width = len(lead.expandtabs(4))
    return "\t" * (width // 4) + " " * (width % 4) + stripped


def _bound_names(grammar: Grammar, unit: Unit) -> set[str]:
    names: set[str] = set()
    for node in unit.nodes():
        if node.type not in grammar.variable_types or node.text in (b"_", b"self"):
            continue
        current = node
        for _ in range(4):  # binding sites are a few levels above their names
            parent = current.parent
            if parent is None:
                break
            name = _field(current) or ""
            if name in ("type", "value", "default_value", "key", "right", "body"):
                break
            if (parent.type, name) in grammar.bindings or (parent.type, "*") in grammar.bindings:
                names.add(node.text.decode())
                break
            current = parent
    return names


def _blocked_names(grammar: Grammar, unit: Unit) -> set[str]:
    """Names a rename must leave alone: used where they double as a field or key name,
    written as shorthand properties, or interpolated inside a format string."""
    blocked = set()
    strings = []
    for node in unit.nodes():
        shorthand = "shorthand" in node.type and node.child_count == 0
        variable = node.type in grammar.variable_types
        if shorthand or (variable and _at(node, grammar.ambiguous_positions, 2)):
            blocked.add(node.text.decode())
        elif node.type in grammar.string_types:  # Rust's format strings name variables
            strings.append(node.text.decode("utf-8", errors="replace"))
    for text in strings:
        blocked.update(re.findall(r"\{(\w+)", text))
    return blocked


def rename(grammar: Grammar, original: Original, text: str, rng: random.Random) -> str:
    """Consistent renaming of parameters and locals, and of the function itself."""
    unit = parse_unit(grammar, text, original.method, original.package)
    suffix = rng.choice(("V", "Tmp", "X", "Val"))
    mapping = {n: n + suffix for n in _bound_names(grammar, unit) - _blocked_names(grammar, unit)}
    edits: list[Edit] = []
    for node in unit.nodes():
        if (
            node.type in grammar.variable_types
            and node.text.decode() in mapping
            and not _at(node, grammar.api_positions)
        ):
            start, end = unit.span(node)
            edits.append((start, end, mapping[node.text.decode()]))
    outer = _definition(grammar, unit)
    name = outer.child_by_field_name("name") if outer is not None else None
    if name is not None and "identifier" in name.type:
        start, end = unit.span(name)
        if not any(e[0] == start for e in edits):
            edits.append((start, end, name.text.decode() + "Copy"))
    return apply_edits(text, edits)


def _definition(grammar: Grammar, unit: Unit) -> tree_sitter.Node | None:
    """The function itself: a function-type node that ends where the text does (an arrow
    function assigned to a const has none; its name is renamed as a local)."""
    last = unit.text.count("\n") - 1
    for node in unit.nodes():
        if node.type in grammar.function_types and unit.end_row(node) == last:
            return node
    return None


def literals(grammar: Grammar, original: Original, text: str, rng: random.Random) -> str:
    """Changed numbers (decimal ones, suffix kept) and simple string contents."""
    unit = parse_unit(grammar, text, original.method, original.package)
    edits: list[Edit] = []
    for node in unit.nodes():
        if _inside(node, grammar.skip_ancestors) or rng.random() >= 0.7:
            continue
        value = node.text.decode("utf-8", errors="replace")
        new = None
        if node.type in grammar.number_types:
            new = _other_number(value)
        elif node.type in grammar.string_types:
            match = re.fullmatch(r"([\"'])([\w ]*)\1", value)
            if match:
                new = f"{match[1]}{match[2]}_changed{match[1]}"
        if new is not None:
            start, end = unit.span(node)
            edits.append((start, end, new))
    return apply_edits(text, edits)


def _inside(node: tree_sitter.Node, types: frozenset[str]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in types:
            return True
        parent = parent.parent
    return False


def _other_number(value: str) -> str | None:
    integer = re.fullmatch(r"(\d+)([uUlLi]\w*)?", value)
    if integer:
        return str(int(integer[1]) + 1) + (integer[2] or "")
    real = re.fullmatch(r"\d+\.\d+([fFdDmM]|f32|f64)?", value)
    if real:
        return "2.5" + (real[1] or "")
    return None


@dataclass(frozen=True, slots=True)
class _Statement:
    node: tree_sitter.Node
    row: int
    siblings: int  # statements in the same block


def _simple_statements(grammar: Grammar, unit: Unit) -> list[_Statement]:
    """Statements alone on their line, directly in a block."""
    lines = unit.text.splitlines()
    found = []
    for node in unit.nodes():
        parent = node.parent
        if (
            node.type not in grammar.statement_types
            or parent is None
            or parent.type not in grammar.block_types
            or node.start_point[0] != node.end_point[0]
        ):
            continue
        unterminated = node.type == "expression_statement" and node.text[-1:] != b";"
        if grammar.terminated_statements and unterminated:
            continue
        row = unit.row(node)
        if lines[row].strip() != node.text.decode("utf-8", errors="replace").strip():
            continue
        siblings = sum(1 for c in parent.named_children if "comment" not in c.type)
        found.append(_Statement(node, row, siblings))
    return found


_JUMPS = frozenset({"return_expression", "break_expression", "continue_expression"})


def _value_of(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The expression a `change` wraps: an assignment's or declaration's value, or the
    statement's own expression (a call)."""
    if node.type == "expression_statement":
        named = [c for c in node.named_children if "comment" not in c.type]
        if not named or named[0].type in _JUMPS:
            return None
        return named[0].child_by_field_name("right") or named[0]
    for name in ("right", "value"):
        child = node.child_by_field_name(name)
        if child is not None:
            if child.type == "expression_list":  # Go: `a, b := f(), g()`
                return child.named_children[0] if child.named_children else None
            return child
    for child in node.named_children:
        if child.type in ("variable_declaration", "variable_declarator"):
            return _value_of(child)
    if node.type == "variable_declarator":  # C#: the value follows `=`, under no field name
        after = False
        for child in node.children:
            if after and child.is_named:
                return child
            after = after or child.type == "="
    return None


def one_edit(grammar: Grammar, original: Original, text: str, rng: random.Random) -> str | None:
    """Insert, delete or change one simple statement."""
    unit = parse_unit(grammar, text, original.method, original.package)
    statements = _simple_statements(grammar, unit)
    if not statements:
        return None
    chosen = rng.choice(statements)
    lines = text.splitlines()
    indent = lines[chosen.row][: len(lines[chosen.row]) - len(lines[chosen.row].lstrip())]
    operation = rng.choice(("insert", "delete", "change"))
    value = _value_of(chosen.node)
    if (operation == "delete" and chosen.siblings < 2) or (operation == "change" and value is None):
        operation = "insert"
    if operation == "insert":
        call = f'{grammar.trace_call}("checkpoint", {rng.randint(1, 99)}){grammar.statement_end}'
        lines.insert(chosen.row + 1, indent + call)
        return "\n".join(lines) + "\n"
    if operation == "delete":
        del lines[chosen.row]
        return "\n".join(lines) + "\n"
    assert value is not None
    start, end = unit.span(value)
    return apply_edits(text, [(start, end, f"{grammar.adjust_call}({value.text.decode()})")])


def mutate(grammar: Grammar, original: Original, kind: str, rng: random.Random) -> str | None:
    text = original.text
    if kind == "T1":
        return layout(grammar, original, rng)
    if kind == "T2":
        return literals(grammar, original, rename(grammar, original, text, rng), rng)
    if kind == "one edit":
        return one_edit(grammar, original, text, rng)
    for _ in range(30):
        candidate: str | None = rename(grammar, original, text, rng) if rng.random() < 0.5 else text
        for _ in range(rng.randint(2, 9)):
            candidate = one_edit(grammar, original, candidate, rng) if candidate else None
        if candidate and 0.7 <= blind_similarity(grammar, text, candidate) <= 0.9:
            return candidate
    return None


# -- injection --------------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    """Per class: copies made, copies that did not parse (regenerated), dropped copies."""

    made: dict[str, int] = field(default_factory=dict)
    unparsed: dict[str, int] = field(default_factory=dict)
    short: dict[str, int] = field(default_factory=dict)  # under MIN_COPY_LINES (regenerated)
    dropped: dict[str, int] = field(default_factory=dict)

    def add(self, counter: dict[str, int], kind: str) -> None:
        counter[kind] = counter.get(kind, 0) + 1


def inject(
    grammar: Grammar, root: Path, pool: list[Original], per_class: int, seed: int
) -> tuple[list[Injected], Tally]:
    """Per class, mutate originals from the pool (each used once) until `per_class` copies
    parse as cleanly as their originals; write each into its own new file."""
    rng = random.Random(seed)
    tally = Tally()
    spare = iter(pool)
    injected: list[Injected] = []
    for kind in CLASSES:
        made = 0
        while made < per_class:
            original = next(spare, None)
            if original is None:
                break
            text = _clean_copy(grammar, original, kind, rng, tally)
            if text is None:
                tally.add(tally.dropped, kind)
                continue
            injected.append(_write(grammar, root, kind, len(injected), original, text))
            made += 1
        tally.made[kind] = made
    return injected, tally


def _clean_copy(
    grammar: Grammar, original: Original, kind: str, rng: random.Random, tally: Tally
) -> str | None:
    for _ in range(TRIES):
        text = mutate(grammar, original, kind, rng)
        if text is None:
            return None  # nothing to mutate: not a parse problem
        if parse_unit(grammar, text, original.method, original.package).broken():
            tally.add(tally.unparsed, kind)
        elif len([line for line in text.splitlines() if line.strip()]) < MIN_COPY_LINES:
            tally.add(tally.short, kind)
        else:
            return text
    return None


def _write(
    grammar: Grammar, root: Path, kind: str, number: int, original: Original, text: str
) -> Injected:
    slug = kind.replace(" ", "_")
    if grammar.in_package:
        directory = Path(original.fragment[0]).parent
        relative = (directory / f"zz_injected_{slug}_{number}.go").as_posix()
    else:
        relative = f"zz_injected/{slug}_{number}{grammar.extension}"
    prefix, suffix = wrap(grammar, original.method, original.package)
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not re-indented inside the wrapper: that would change multi-line string contents.
    path.write_text(prefix + text + suffix, encoding="utf-8")
    first = prefix.count("\n") + 1
    return Injected(kind, original, (relative, first, first + text.count("\n") - 1), text)


# -- scoring ----------------------------------------------------------------------------------


def run(argv: list[str], root: Path) -> str:
    done = subprocess.run(
        ["code-index", *argv, "--root", str(root)], capture_output=True, text=True, check=True
    )
    return done.stdout


def dups_pairs(grammar: Grammar, root: Path) -> list[tuple[Fragment, Fragment]]:
    report = json.loads(run(["dups", "--json", "--type", SHORT[grammar.name]], root))
    pairs = []
    for group in report["groups"]:
        members = [(m["path"], m["start_line"], m["end_line"]) for m in group["members"]]
        pairs += [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    return pairs


def precision(
    grammar: Grammar,
    pairs: list[tuple[Fragment, Fragment]],
    copies: dict[str, Injected],
    root: Path,
) -> tuple[float, int, list[str]]:
    """Of the pairs with an injected copy, those whose other side is mostly (>= 50%) the
    copy's original or blind-similar (>= 0.7) to it; when the other side is itself a copy,
    its original counts too (two copies of sibling functions are a real pair). Returns the
    share, the number of pairs and the wrong ones, for reading."""
    involved = correct = 0
    wrong = []
    for copy, mine, other in _with_copy(pairs, copies):
        involved += 1
        sides = [other]
        if other[0] in copies:
            sides.append(copies[other[0]].original.fragment)
        blind = max(_closeness(grammar, copy.original, side, root) for side in sides)
        if blind < 0.7:  # `mine` may be a function nested in the copy, not all of it
            blind = blind_similarity(grammar, _text(root, mine), _text(root, other))
        if blind >= 0.7:
            correct += 1
        else:
            wrong.append(f"{copy.kind}: {_where(mine)} ~ {_where(other)} (blind {blind:.2f})")
    return (correct / involved if involved else float("nan")), involved, wrong


def _closeness(grammar: Grammar, original: Original, other: Fragment, root: Path) -> float:
    """1.0 when `other` lies mostly inside the original, else their blind similarity."""
    if _overlap(other, original.fragment) >= 0.5 * (other[2] - other[1] + 1):
        return 1.0
    return blind_similarity(grammar, original.text, _text(root, other))


def _where(fragment: Fragment) -> str:
    return f"{fragment[0]}:{fragment[1]}-{fragment[2]}"


def _snippet_miss(
    grammar: Grammar, code_index: CodeIndex, copy: Injected, top: SimilarMatch | None
) -> str:
    """A line on a snippet miss. For a method, the same query inside the injection wrapper
    too: when that one finds the original, the bare method is what code-index misreads."""
    answer = f"{_at_symbol(top.symbol)} at {top.similarity:.2f}" if top else "none >= 0.70"
    line = f"- SNIPPET MISS {copy.kind}: {_where(copy.original.fragment)}; top answer {answer}"
    prefix, suffix = wrap(grammar, copy.original.method, copy.original.package)
    if copy.original.method and prefix:
        wrapped = code_index.similar(prefix + copy.text + suffix, languages=[grammar.name], limit=1)
        best = wrapped.matches[0] if wrapped.matches else None
        found = best is not None and _is_original(best.symbol, copy)
        line += f"; a method: wrapped in `{prefix.strip().replace(chr(10), ' ')}` the top answer "
        line += f"is the original at {best.similarity:.2f}" if found and best else "is not either"
    return line


def _twin(grammar: Grammar, root: Path, symbol: Symbol, copy: Injected) -> bool:
    fragment = (symbol.path, symbol.start_line or symbol.line, symbol.end_line)
    return blind_similarity(grammar, copy.original.text, _text(root, fragment)) == 1.0


def _at_symbol(symbol: Symbol) -> str:
    return _where((symbol.path, symbol.start_line or symbol.line, symbol.end_line))


def _is_original(symbol: Symbol, copy: Injected) -> bool:
    fragment = (symbol.path, symbol.start_line or symbol.line, symbol.end_line)
    return _covers(fragment, copy.original.fragment)


def snippet_recall(
    grammar: Grammar, code_index: CodeIndex, copies: list[Injected]
) -> tuple[dict[str, float], list[str]]:
    """Top-1 `similar` answer for each copy (its bare text, as an agent would paste it), on
    the index without the copies; with a line on each miss. A top answer that is a twin of
    the original (blind similarity 1.0: Go's vendored x/sys copies of syscall code) ties
    with it, so it counts as a hit too."""
    hits: dict[str, list[bool]] = {}
    missed = []
    for copy in copies:
        group = "T1/T2" if copy.kind in ("T1", "T2") else "edited"
        result = code_index.similar(copy.text, languages=[grammar.name], limit=1)
        top = result.matches[0] if result.matches else None
        ok = top is not None and (
            _is_original(top.symbol, copy) or _twin(grammar, code_index.root, top.symbol, copy)
        )
        hits.setdefault(group, []).append(ok)
        if not ok:
            missed.append(_snippet_miss(grammar, code_index, copy, top))
    return {group: sum(v) / len(v) for group, v in hits.items()}, missed


def diagnose(
    grammar: Grammar,
    code_index: CodeIndex,
    copy: Injected,
    pairs: list[tuple[Fragment, Fragment]],
) -> str:
    """One line on a missed copy: what `similar` finds for it (its own file left out), and
    what `dups` paired it with."""
    result = code_index.similar(copy.text, languages=[grammar.name], limit=6, min_similarity=0.3)
    others = [m for m in result.matches if m.symbol.path != copy.fragment[0]]
    best = f"{others[0].similarity:.2f}" if others else "none >= 0.30"
    theirs = [m.similarity for m in others if _is_original(m.symbol, copy)]
    original = f"{theirs[0]:.2f}" if theirs else "not in top 5"
    partners = {
        _where(b if a[0] == copy.fragment[0] else a)
        for a, b in pairs
        if copy.fragment[0] in (a[0], b[0])
    }
    blind = blind_similarity(grammar, copy.original.text, copy.text)
    return (
        f"- MISSED {copy.kind}: {_where(copy.original.fragment)} -> {_where(copy.fragment)}; "
        f"similar best {best}, original {original}; blind {blind:.2f}; "
        f"dups partners: {', '.join(sorted(partners)) or 'none'}"
    )


@dataclass(slots=True)
class Result:
    language: str
    recall: dict[str, tuple[float, int]]
    precision: float
    pairs: int  # reported pairs with an injected copy
    snippets: dict[str, float]
    tally: Tally
    seconds: float
    missed: list[str]
    snippet_missed: list[str]


def bench_language(grammar: Grammar, source: Path, per_class: int, seed: int) -> Result:
    started = time.perf_counter()
    # MLBENCH_DIR: where the corpus copy goes (two runs at once need two places).
    root = Path(os.environ.get("MLBENCH_DIR", "/tmp")) / f"mlbench-{grammar.name}"
    files = copy_corpus(grammar, source, root)
    run(["index"], root)
    pool = pick_originals(grammar, root, per_class * len(CLASSES) * 2 + 40, seed)
    print(f"\n## {grammar.name}: {files} files copied from {source} to {root}, pool {len(pool)}")
    copies, tally = inject(grammar, root, pool, per_class, seed)
    code_index = CodeIndex.open(root)
    snippets, snippet_missed = snippet_recall(
        grammar, code_index, copies
    )  # the index has no copies yet
    code_index.close()
    run(["index"], root)
    pairs = dups_pairs(grammar, root)
    recall = {}
    found: dict[str, bool] = {}
    for kind in CLASSES:
        chosen = [c for c in copies if c.kind == kind]
        for copy in chosen:
            found[copy.fragment[0]] = _found(pairs, copy.original.fragment, copy.fragment)
        hits = sum(found[c.fragment[0]] for c in chosen)
        recall[kind] = (hits / len(chosen) if chosen else float("nan"), len(chosen))
    by_path = {copy.fragment[0]: copy for copy in copies}
    share, involved, wrong = precision(grammar, pairs, by_path, root)
    code_index = CodeIndex.open(root)
    missed = [diagnose(grammar, code_index, c, pairs) for c in copies if not found[c.fragment[0]]]
    code_index.close()
    result = Result(
        grammar.name,
        recall,
        share,
        involved,
        snippets,
        tally,
        time.perf_counter() - started,
        missed,
        snippet_missed,
    )
    print_table([result])
    _print_details(result, wrong)
    return result


# -- output -----------------------------------------------------------------------------------


def _percent(value: float) -> str:
    return "n/a" if value != value else f"{value:.0%}"  # NaN: nothing to measure


def print_table(results: list[Result]) -> None:
    print("\n" + markdown({"results": [asdict(r) for r in results]}))


def markdown(payload: dict) -> str:  # type: ignore[type-arg]
    """The results table, from a saved payload (bench/tables.py renders bench/README.md)."""
    results = payload["results"]
    columns = ["Measure", *(r["language"] for r in results), "target"]
    rows = []
    for kind in CLASSES:
        cells = [f"{_percent(r['recall'][kind][0])} (n={r['recall'][kind][1]})" for r in results]
        rows.append([f"Recall, {kind}", *cells, f">= {TARGETS[kind]:.0%}"])
    cells = [
        f"{r['precision']:.1%} (n={r['pairs']})" if r["pairs"] else "n/a (n=0)" for r in results
    ]
    rows.append(["Precision, pairs with an injected copy", *cells, ">= 95%"])
    for group, target in (("T1/T2", "95%"), ("edited", "85%")):
        cells = [_percent(r["snippets"].get(group, float("nan"))) for r in results]
        rows.append([f"Snippet recall@1, {group}", *cells, f">= {target}"])
    tallies = (
        ("Copies generated", "made"),
        ("Copies with parse errors (regenerated)", "unparsed"),
        (f"Copies under {MIN_COPY_LINES} lines (regenerated)", "short"),
        ("Originals dropped (no such mutation, or no clean copy)", "dropped"),
    )
    for label, attribute in tallies:
        cells = [
            ", ".join(f"{k} {r['tally'][attribute].get(k, 0)}" for k in CLASSES) for r in results
        ]
        rows.append([label, *cells, ""])
    rows.append(["Run time", *(f"{r['seconds']:.0f} s" for r in results), ""])
    return table(columns, rows)


def _print_details(result: Result, wrong: list[str]) -> None:
    if result.missed:
        print(f"\nMissed copies ({len(result.missed)}):")
        for line in result.missed:
            print(line)
    if result.snippet_missed:
        count = len(result.snippet_missed)
        print(f"\nSnippet queries whose top answer is not the original ({count}):")
        for line in result.snippet_missed:
            print(line)
    if wrong:
        print(f"\nPairs counted as wrong for precision ({len(wrong)}):")
        for line in wrong[:20]:
            print(f"- {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", choices=[*GRAMMARS, "all"], required=True)
    parser.add_argument("corpus", type=Path, nargs="?", help="default: /tmp/corp/<lang>")
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also save the raw figures here")
    args = parser.parse_args()
    if args.lang == "all" and args.corpus is not None:
        parser.error("--lang all uses the default corpora; give no corpus")
    print(
        f"# multi-language clones benchmark {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"per class {args.per_class}, seed {args.seed}\n# code under test: {code_under_test()}"
    )
    started_on = machine()  # the load when the run starts, not when it is saved
    chosen = list(GRAMMARS.values()) if args.lang == "all" else [GRAMMARS[args.lang]]
    started = time.perf_counter()
    results = [
        bench_language(g, (args.corpus or g.default_corpus).resolve(), args.per_class, args.seed)
        for g in chosen
    ]
    if len(results) > 1:
        print(f"\n## all languages ({time.perf_counter() - started:.0f} s)")
        print_table(results)
    if args.json:
        payload = {"machine": started_on, "per_class": args.per_class, "seed": args.seed}
        save(args.json, {**payload, "results": [asdict(r) for r in results]})


if __name__ == "__main__":
    main()
