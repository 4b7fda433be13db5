"""Extraction against hand-checked goldens in fixtures/<language>/, plus focused cases.

Every parse here is a real tree-sitter parse. Goldens are `X.<ext>.expected.json` beside
`X.<ext>`; tests/regen_goldens.py rewrites them after a deliberate change (then review them).
"""

from __future__ import annotations

import ast
import json
import sysconfig
from pathlib import Path

import pytest

from codeindex.extract import BOM, extract
from codeindex.languages import language_for_path, spec_by_name
from codeindex.models import Symbol

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLDEN_SUFFIX = ".expected.json"
FIELDS = ("name", "qualified_name", "kind", "line", "end_line", "signature", "doc")
LANGUAGE_DIRS = ("python", "typescript", "tsx", "go", "rust", "csharp")
GOLDENS = sorted(FIXTURES.glob(f"*/*{GOLDEN_SUFFIX}"))

# The kinds each language's fixtures must show at least once (from the list).
REQUIRED_KINDS: dict[str, set[str]] = {
    "python": {"function", "method", "class", "constant", "variable"},
    "typescript": {
        "function",
        "method",
        "constructor",
        "class",
        "interface",
        "type",
        "enum",
        "namespace",
        "constant",
        "variable",
    },
    "tsx": {"function", "method", "class", "interface", "type"},
    "go": {"function", "method", "struct", "interface", "type", "constant", "variable"},
    "rust": {
        "function",
        "method",
        "struct",
        "enum",
        "trait",
        "type",
        "module",
        "macro",
        "constant",
        "variable",
    },
    "csharp": {
        "namespace",
        "class",
        "record",
        "struct",
        "interface",
        "enum",
        "method",
        "constructor",
        "property",
        "constant",
    },
}


def _source_of(golden: Path) -> Path:
    return golden.with_name(golden.name[: -len(GOLDEN_SUFFIX)])


def _extract(source: bytes, path: str) -> list[Symbol]:
    spec = language_for_path(path)
    assert spec is not None, path
    return extract(source, spec, path).symbols


def _fields(symbols: list[Symbol]) -> list[dict[str, object]]:
    return [{field: getattr(symbol, field) for field in FIELDS} for symbol in symbols]


def _by_name(symbols: list[Symbol]) -> dict[str, Symbol]:
    return {symbol.qualified_name: symbol for symbol in symbols}


def _snippet(language: str, text: str) -> list[Symbol]:
    spec = spec_by_name(language)
    return extract(text.encode("utf-8"), spec, f"snippet{spec.extensions[0]}").symbols


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixture_matches_golden(golden: Path) -> None:
    source = _source_of(golden)
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert _fields(_extract(source.read_bytes(), source.name)) == expected


def test_every_language_has_goldens_covering_its_kinds() -> None:
    for language in LANGUAGE_DIRS:
        kinds = {
            entry["kind"]
            for golden in FIXTURES.glob(f"{language}/*{GOLDEN_SUFFIX}")
            for entry in json.loads(golden.read_text(encoding="utf-8"))
        }
        missing = REQUIRED_KINDS[language] - kinds
        assert not missing, f"{language} fixtures show no {sorted(missing)}"


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_crlf_and_bom_do_not_move_symbols(golden: Path) -> None:
    source = _source_of(golden)
    raw = source.read_bytes().removeprefix(BOM).replace(b"\r\n", b"\n")
    baseline = _fields(_extract(raw, source.name))
    for variant in (raw.replace(b"\n", b"\r\n"), BOM + raw, BOM + raw.replace(b"\n", b"\r\n")):
        assert _fields(_extract(variant, source.name)) == baseline


def test_encoding_fixtures_really_hold_bom_crlf_and_invalid_utf8() -> None:
    # Guards the fixtures themselves against an editor or git normalising them.
    for language in LANGUAGE_DIRS:
        (source,) = [
            path
            for path in FIXTURES.glob(f"{language}/encoding.*")
            if not path.name.endswith(GOLDEN_SUFFIX)
        ]
        raw = source.read_bytes()
        assert raw.startswith(BOM), source
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), source
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def test_python_matches_ast_on_stdlib_modules() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for relative in ("argparse.py", "json/decoder.py", "asyncio/tasks.py", "dataclasses.py"):
        path = stdlib / relative
        source = path.read_bytes()
        expected = {
            (node.name, node.lineno)
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        symbols = _extract(source, path.name)
        found = {(s.name, s.line) for s in symbols if s.kind not in ("constant", "variable")}
        assert found == expected, relative
        # Module-level names: the plain-name targets of the module's own assignments.
        assigned = {
            (node.targets[0].id if isinstance(node, ast.Assign) else node.target.id, node.lineno)
            for node in ast.parse(source).body
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            )
            or (
                isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value
            )
        }
        found = {(s.name, s.line) for s in symbols if s.kind in ("constant", "variable")}
        assert found == assigned, relative


PYTHON_NESTING = b"""\
import sys
if sys.platform == "win32":
    def only_windows(): pass
elif sys.version_info > (3,):
    class Modern: pass
else:
    def fallback(): pass
try:
    def in_try(): pass
except ImportError:
    def in_except(): pass
else:
    def in_else(): pass
finally:
    def in_finally(): pass
for item in range(2):
    def in_for(): pass
while False:
    class InWhile: pass
with open(__file__) as handle:
    @staticmethod
    def decorated(): pass
match sys.argv:
    case [first]:
        def in_case(): pass
class Outer:
    if True:
        def conditional_method(self): pass
def broken(:
    pass
def after_the_error(): pass
undefined = "def not_a_definition(): class NotAClass: pass"  # def nor_in_a_comment(): pass
subclass_of = lambda: [x for x in "class"]
async  def  spaced(): pass
"""


def test_python_keyword_led_matching_equals_whole_tree_matching() -> None:
    """Python matches the query only where the tree confirms a `def` or `class` keyword
    (`definition_keywords`); anywhere a definition can stand, that must find what matching
    the query over the whole tree finds, and the same letters elsewhere must add nothing."""
    from dataclasses import replace

    spec = spec_by_name("python")
    whole_tree = replace(spec, definition_keywords=())
    sources = [PYTHON_NESTING] + [path.read_bytes() for path in FIXTURES.glob("python/*.py")]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources += [(stdlib / name).read_bytes() for name in ("argparse.py", "typing.py")]
    for source in sources:
        assert extract(source, spec, "m.py").symbols == extract(source, whole_tree, "m.py").symbols
    names = {s.name for s in extract(PYTHON_NESTING, spec, "m.py").symbols}
    assert {"only_windows", "in_case", "conditional_method", "after_the_error", "spaced"} <= names
    assert not {"not_a_definition", "NotAClass", "nor_in_a_comment"} & names


def test_python_method_versus_function() -> None:
    symbols = _by_name(
        _snippet(
            "python",
            "class A:\n"
            "    def m(self):\n"
            "        def helper(): pass\n"
            "    class B:\n"
            "        async def n(self): pass\n"
            "def f():\n"
            "    class Local:\n"
            "        def g(self): pass\n",
        )
    )
    assert {name: s.kind for name, s in symbols.items()} == {
        "A": "class",
        "A.m": "method",
        "A.m.helper": "function",
        "A.B": "class",
        "A.B.n": "method",
        "f": "function",
        "f.Local": "class",
        "f.Local.g": "method",
    }


def test_python_signature_stops_before_comment_and_error() -> None:
    symbols = _snippet(
        "python",
        "def f(a, b):  # why\n    return a\n\n"
        "def g(x) -> dict:\n    r = {\n    for a in x:\n        pass\n    return r\n",
    )
    assert [s.signature for s in symbols] == ["def f(a, b)", "def g(x) -> dict"]


def test_typescript_members_and_consts() -> None:
    symbols = _by_name(
        _snippet(
            "typescript",
            "export class A {\n"
            "  constructor() {}\n"
            "  run(): void {}\n"
            "  handler = () => 1;\n"
            "  count = 0;\n"
            "}\n"
            "export const f = () => 1;\n"
            "const g = function () {};\n"
            "let h = () => 2;\n"
            "function outer() { const local = () => 3; }\n"
            "const data = { m() {} };\n",
        )
    )
    assert {name: s.kind for name, s in symbols.items()} == {
        "A": "class",
        "A.constructor": "constructor",
        "A.run": "method",
        "A.handler": "method",
        "f": "function",
        "g": "function",
        "outer": "function",
    }
    # An expression body is not part of the signature.
    assert symbols["f"].signature == "f = () =>"


def test_typescript_module_declarations_name_packages_not_relative_paths() -> None:
    # hono's middleware augment the package's own module: `declare module '../..'`.
    symbols = _by_name(
        _snippet(
            "typescript",
            "declare module '../..' {\n  interface ContextVariableMap { jwtPayload: any }\n}\n"
            'declare module "hono" {\n  interface Env { x: number }\n}\n'
            "namespace Util {\n  export function id(x: number): number { return x; }\n}\n",
        )
    )
    assert {name: s.kind for name, s in symbols.items()} == {
        "ContextVariableMap": "interface",
        "hono": "namespace",
        "hono.Env": "interface",
        "Util": "namespace",
        "Util.id": "function",
    }


def test_rust_test_attributes_and_compile_time_checks_mark_test_code() -> None:
    symbols = _by_name(
        _snippet(
            "rust",
            "pub fn run() {}\n"
            "#[test]\n// a note\nfn runs() {}\n"
            "#[cfg(test)]\nmod checks {\n    fn helper() {}\n}\n"
            "mod plain {\n    fn one() {}\n    fn two() {}\n}\n"
            "#[allow(dead_code)]\nfn assert_covariance() {\n"
            "    fn keys<'new>(v: Map<&'static str>) -> Map<&'new str> {\n        v\n    }\n}\n",
        )
    )
    assert {name for name, s in symbols.items() if s.test} == {
        "runs",
        "checks",
        "checks.helper",
        "assert_covariance",
        "assert_covariance.keys",
    }
    whole_file = _snippet("rust", "#![cfg(test)]\n\nfn helper() {}\n")
    assert all(symbol.test for symbol in whole_file)
    # nom's multi/mod.rs opens with `#[cfg(test)] mod tests;`: that marks the module alone.
    opening = _snippet("rust", "//! Combinators\n#[cfg(test)]\nmod tests;\n\npub fn many0() {}\n")
    assert [s.name for s in opening if s.test] == ["tests"]


def test_go_qualified_names_use_package_and_receiver() -> None:
    symbols = _by_name(
        _snippet(
            "go",
            "package users\n"
            "type UserStore struct{}\n"
            "type (\n    Only int\n)\n"
            "func (s *UserStore) LookupUser() {}\n"
            "func (l List[T]) Push() {}\n"
            "func New() *UserStore { return nil }\n",
        )
    )
    assert {name: s.kind for name, s in symbols.items()} == {
        "users.UserStore": "struct",
        "users.Only": "type",
        "users.UserStore.LookupUser": "method",
        "users.List.Push": "method",
        "users.New": "function",
    }
    assert symbols["users.UserStore"].signature == "type UserStore struct"


def test_rust_impl_blocks_scope_methods_by_type() -> None:
    symbols = _by_name(
        _snippet(
            "rust",
            "struct S;\n"
            "impl S { fn a(&self) {} }\n"
            "impl<T> Tr for Wrapper<T> { fn b() {} }\n"
            "impl fmt::Debug for crate::m::S { fn c() {} }\n"
            "trait Tr { fn b(); }\n"
            "fn free() { fn inner() {} }\n"
            "impl Tr for &str { fn d() {} }\n"
            "impl dyn Any { fn e() {} }\n",
        )
    )
    assert {name: s.kind for name, s in symbols.items()} == {
        "S": "struct",
        "S.a": "method",
        "Wrapper.b": "method",
        "S.c": "method",
        "str.d": "method",
        "Any.e": "method",
        "Tr": "trait",
        "Tr.b": "method",
        "free": "function",
        "free.inner": "function",
    }


def test_csharp_namespaces_prefix_qualified_names() -> None:
    block = _by_name(
        _snippet("csharp", "namespace A.B { namespace C { class D { void M() {} } } }\n")
    )
    assert list(block) == ["A.B", "A.B.C", "A.B.C.D", "A.B.C.D.M"]
    scoped = _snippet("csharp", "namespace A.B;\nclass D { D() {} int P { get; } }\n")
    assert [(s.qualified_name, s.kind) for s in scoped] == [
        ("A.B", "namespace"),
        ("A.B.D", "class"),
        ("A.B.D.D", "constructor"),
        ("A.B.D.P", "property"),
    ]


def test_syntax_errors_keep_symbols_after_the_error() -> None:
    # The broken fixtures' goldens are checked in full above; this names the point of each.
    cases = {
        "python/broken.py": ("dump", "trailing"),
        "typescript/broken.ts": ("count", "Mode"),
        "go/broken.go": ("parser.Parse", "parser.Count"),
        "rust/broken.rs": ("Lexer.is_done", "tokenize"),
        "csharp/broken.cs": ("CsvReader.RowCount", "CsvReader.Reset"),
    }
    for relative, names in cases.items():
        source = FIXTURES / relative
        found = {s.qualified_name for s in _extract(source.read_bytes(), source.name)}
        assert set(names) <= found, relative


def test_invalid_utf8_and_unicode_identifiers_keep_lines() -> None:
    # Invalid bytes before a definition must not shift it: lines come from the parse tree's
    # rows, not from decoded text.
    source = "x = '@@'  # @@\n\n\ndef größe_変換():\n    pass\n".encode().replace(
        b"@@", b"\xff\xfe"
    )
    _variable, symbol = _extract(BOM + source.replace(b"\n", b"\r\n"), "m.py")
    assert (symbol.name, symbol.line, symbol.end_line) == ("größe_変換", 4, 5)


def test_doc_comments() -> None:
    go = _snippet(
        "go",
        "package p\n\nvar x = 1 // trailing, belongs to x\nfunc A() {}\n\n"
        "// Unrelated, then a blank line.\n\n// B does b.\n// More about B.\nfunc B() {}\n",
    )
    assert [(s.name, s.doc) for s in go] == [("x", ""), ("A", ""), ("B", "B does b.")]
    rust = _snippet(
        "rust",
        "//! Crate docs.\n\n/// Shape docs.\n#[derive(Debug)]\n#[repr(C)]\nstruct Shape;\n",
    )
    assert [(s.name, s.doc) for s in rust] == [("Shape", "Shape docs.")]
    csharp = _snippet(
        "csharp",
        "class C {\n  /// <summary>\n  /// Gets it.\n  /// </summary>\n"
        "  [Pure]\n  int Get() => 1;\n  /** Block doc. */\n  void Set() {}\n}\n",
    )
    assert [(s.name, s.doc) for s in csharp] == [
        ("C", ""),
        ("Get", "Gets it."),
        ("Set", "Block doc."),
    ]


def test_signatures_leave_out_comments_nested_in_them() -> None:
    # effect's overloaded consts carry every overload's doc in their type: the signature was
    # a page of prose in search results.
    typescript = (
        b"export const map: {\n"
        b"  /**\n   * Maps the value, data last.\n   */\n"
        b"  <A, B>(f: (a: A) => B): (self: A) => B\n"
        b"  // data first\n"
        b"  <A, B>(self: A, f: (a: A) => B): B\n"
        b"} = impl\n"
        b"type Point = { /** across */ x: number; y: number /* down */ }\n"
    )
    signatures = {
        s.name: s.signature
        for s in extract(typescript, spec_by_name("typescript"), "map.ts").symbols
    }
    assert signatures["map"] == (
        "const map: { <A, B>(f: (a: A) => B): (self: A) => B "
        "<A, B>(self: A, f: (a: A) => B): B } = impl"
    )
    assert signatures["Point"] == "type Point = { x: number; y: number }"
    python = b"def connect(host,  # the server\n            port=80):\n    pass\n"
    (symbol,) = extract(python, spec_by_name("python"), "net.py").symbols
    assert symbol.signature == "def connect(host, port=80)"


def _overloaded_const(doc_lines: int, doc_first: bool = False) -> str:
    long_doc = "  /**\n" + "   * Explains the overload at length.\n" * doc_lines + "   */\n"
    overloads = ["  (a: number): number\n", long_doc, "  (a: string): string\n"]
    if doc_first:
        overloads.insert(0, long_doc)
    typescript = "export const run: {\n" + "".join(overloads) + "} = impl\n"
    (symbol,) = extract(typescript.encode(), spec_by_name("typescript"), "run.ts").symbols
    return symbol.signature


def test_a_signature_reads_past_long_docs_up_to_a_limit() -> None:
    # Effect's `retry` opens with a page of doc before its first overload: the signature was
    # `const retry…`.
    whole = "const run: { (a: number): number (a: string): string } = impl"
    assert _overloaded_const(60, doc_first=True) == whole
    assert _overloaded_const(60) == whole
    # Past SIGNATURE_WINDOW_MAX the rest is cut, the comment the cut splits too.
    assert _overloaded_const(400) == "const run: { (a: number): number…"
