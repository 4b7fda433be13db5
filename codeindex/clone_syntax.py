"""What clone detection needs to know about each language, as data: how its syntax
normalises (CloneSyntax), how it marks code built for one platform only (Variants), and how
it marks code duplicated on purpose or on its way out (Intent). One row per language; the
language registry (codeindex.languages) hangs each row on its LanguageSpec."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@cache
def compiled(pattern: str) -> re.Pattern[str] | None:
    """A registry pattern, compiled once; None for an empty one (the language has no such
    rule)."""
    return re.compile(pattern) if pattern else None


@dataclass(frozen=True, slots=True)
class Variants:
    """How a language marks code built for one platform or configuration only (see
    clones.labels): a `dups` group whose same-named members sit under different marks is
    labelled `platform-variants`. Patterns are regular expressions, matched case-sensitively."""

    # On the file name without its extension: Go's `_linux`, `_windows_amd64`.
    file_suffix: str = ""
    # The same at the start of the name: Go's per-architecture `AMD64Ops.go`, `ARM64Ops.go`.
    file_prefix: str = ""
    # Folder names that hold one platform's code.
    folders: tuple[str, ...] = ()
    # A line in the file's head that constrains the whole file (Go's `//go:build`).
    file_constraint: str = ""
    # An attribute line right above a definition (Rust's `#[cfg(...)]`).
    item_constraint: str = ""
    # The line that opens an enclosing scope named `{name}` (Rust's `mod impl_linux {`):
    # item_constraint above that line marks every definition inside it.
    scope_opener: str = ""
    # Where a module file is declared, for languages whose parent module names it (Rust's
    # `#[cfg(windows)] mod windows;`, or `#[path = "stub.rs"] mod inner;` under a `#[cfg]`,
    # or inside `cfg_if!`): the declaration line (`{name}` is the module's name), the
    # attribute that names the file instead, and the stems of the files that declare their
    # folder's modules. A constraint on the declaration constrains the whole file.
    module_declaration: str = ""
    module_path_attribute: str = ""
    module_parent_stems: tuple[str, ...] = ()
    # A build constraint on a declaration or on the `cfg_if!` branch around it, anywhere in
    # the line (`} else if #[cfg(unix)] {`). A declaration also under `declaration_test`
    # (Rust's `#[cfg(test)]`) is a module for tests, whose other constraints say where the
    # tests run, not a variant per platform (stdarch's `arm_shared/test_support.rs`).
    declaration_constraint: str = ""
    declaration_test: str = ""
    # Directives that open, continue and close a conditional region (C#'s `#if`, `#elif`,
    # `#else`, `#endif`).
    region_open: str = ""
    region_else: str = ""
    region_close: str = ""
    # Code the language's build leaves out whatever the platform: folder and file names its
    # build tool skips, and the constraint (a line file_constraint found) that excludes a file
    # from every build. Such code is a generator program run by hand or test input, not the
    # library: a group of it is labelled `unbuilt`.
    unbuilt_name: str = ""
    unbuilt_constraint: str = ""
    # The attribute that makes a definition test code, with what it encloses: on the
    # definition, or opening the file (Rust's `#[test]`, `#[cfg(test)]`, `#![cfg(test)]`).
    # Read while extracting (codeindex.test_marks), stored as Symbol.test.
    test_marker: str = ""
    # Nested function definitions: a body holding only such (and attributes and comments)
    # runs nothing, a compile-time check (Rust's `assert_covariance`).
    nested_function_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Intent:
    """How a language marks code that is duplicated on purpose or on its way out (see
    clones.intent). Patterns are regular expressions, matched case-sensitively."""

    # Removed from each part of a qualified name, wherever it matches (mostly at the end):
    # members then equal are one operation written out per flavour or element type, kept
    # apart on purpose (UniTask's `Any` / `AnyAwait` / `AnyAwaitWithCancellation`, Go's
    # `evacuate` / `evacuate_fast32`).
    family_flavour: str = ""
    # A line at a definition or right above it (doc comment, attribute) that deprecates it.
    deprecated_item: str = ""
    # In a function's first lines: it warns that it is deprecated when called.
    deprecated_body: str = ""
    # In a file, or in its package's index file: the whole module is deprecated.
    deprecated_module: str = ""
    # In a method's signature: it overrides a base class's method (C#'s and TypeScript's
    # `override`). Overrides written alike in many classes fill in one base's template.
    override_marker: str = ""
    # The manifest of a project of its own, and what in it says so (Rust: a `Cargo.toml` with
    # a `[workspace]` table). Such a directory below the root is another project included
    # whole (a git submodule: rust's `library/stdarch`, `library/backtrace`): copies across
    # two of them cannot share a function without a new package between them.
    project_manifest: str = ""
    project_marker: str = ""
    # A macro that writes machine instructions inline (Rust's `asm!`): its template must be a
    # literal, so one function per instruction is the only way to wrap a set of them.
    inline_assembly: str = ""
    # Each file is a module of its own, so one type name defined in two sibling files is two
    # types (Python, TypeScript, Rust; not Go, whose package is the folder, nor C#, whose
    # partial classes span files).
    modules_are_files: bool = False


@dataclass(frozen=True, slots=True)
class CloneSyntax:
    """What clone normalisation (codeindex.clones.normalize) needs to know about a grammar.
    Field rules are "parent_type.field" strings; "parent_type.*" means any child."""

    # Leaf types that name variables; renamed when bound inside the unit, else kept.
    identifier_types: tuple[str, ...] = ("identifier",)
    # Literal node types, each collapsed to one token of its class (subtree included);
    # booleans count as scalars with the numbers.
    string_types: tuple[str, ...] = ()
    number_types: tuple[str, ...] = ()
    # Statement types dropped when their only named child is a string (docstrings).
    docstring_types: tuple[str, ...] = ()
    # Positions of API names that are not written after `.`, `::` or `->` (keyword and named
    # arguments): kept even when a local has the same name. Names after those are always kept.
    member_fields: tuple[str, ...] = ()
    # Positions whose identifiers bind a local: parameters, assignment targets, loop variables.
    binding_fields: tuple[str, ...] = ()
    # Node types whose whole subtree binds (parameter lists), bar the nonbinding fields.
    binding_types: tuple[str, ...] = ()
    nonbinding_fields: tuple[str, ...] = ("type", "value", "default_value", "return_type")
    # Statements left out of units: an import list is not logic.
    import_types: tuple[str, ...] = ()
    # Prefix and suffix that turn a bare statement snippet into a parsable unit.
    snippet_wrapper: tuple[str, str] = ("", "")
    # The same for methods copied out of a class: a bare TypeScript method or C# constructor
    # misparses on its own (an exact copy scored 0.80-0.87 against its original).
    member_wrapper: tuple[str, str] = ("", "")
    # Normalised from tokens alone (clones.lexical, Python only), not through the tree query:
    # the fields above then describe what the tree would do, which tests hold it to.
    lexical: bool = False
    variants: Variants = Variants()
    # Template files that generate a source file of the same name beside them (C#'s T4
    # `.tt`): such a file is generated code, which `dups` leaves out like any other.
    generator_templates: tuple[str, ...] = ()
    # Other grammars of the same language, whose units a snippet is compared with as well
    # (TypeScript and TSX: one language, two grammars).
    same_codes: tuple[str, ...] = ()
    intent: Intent = Intent()


PYTHON = CloneSyntax(
    string_types=("string", "concatenated_string"),
    number_types=("integer", "float", "true", "false"),
    docstring_types=("expression_statement",),
    member_fields=("keyword_argument.name",),
    binding_fields=(
        "function_definition.name",
        "assignment.left",
        "augmented_assignment.left",
        "for_statement.left",
        "for_in_clause.left",
        "as_pattern.alias",
        "named_expression.name",
    ),
    binding_types=("parameters", "lambda_parameters"),
    import_types=("import_statement", "import_from_statement", "future_import_statement"),
    lexical=True,
    intent=Intent(
        modules_are_files=True,
        deprecated_item=r"^\s*@(?:\w+\.)*deprecated\b",
        deprecated_body=r"\bwarnings\.warn\((?:[^()]|\([^()]*\))*(?:Pending)?DeprecationWarning",
        # Module level (column 0): `warnings._deprecated(__name__, ...)` or a warn call.
        deprecated_module=r"(?m)^(?:warnings\._deprecated\(__name__"
        r"|warnings\.warn\((?:[^()]|\([^()]*\))*(?:Pending)?DeprecationWarning)",
    ),
)
TYPESCRIPT = CloneSyntax(
    identifier_types=(
        "identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
    ),
    string_types=("string", "template_string", "regex"),
    number_types=("number", "true", "false"),
    docstring_types=("expression_statement",),
    binding_fields=(
        "function_declaration.name",
        "variable_declarator.name",
        "for_in_statement.left",
        "catch_clause.parameter",
        "arrow_function.parameter",
    ),
    binding_types=("formal_parameters",),
    import_types=("import_statement",),
    member_wrapper=("class _ {\n", "\n}\n"),
    same_codes=("typescript", "tsx"),
    intent=Intent(
        modules_are_files=True,
        # Sync and async twins, kept apart so that the sync path never awaits (zod's `_parse`
        # and `_parseAsync`).
        family_flavour=r"Async$",
        deprecated_item=r"^\s*(?:/\*\*|\*)?\s*@deprecated\b",
        override_marker=r"\boverride\b",
    ),
)
# Go's file-name build constraints (go help buildconstraint): GOOS, GOARCH or GOOS_GOARCH.
_GOOS = (
    "aix|android|darwin|dragonfly|freebsd|hurd|illumos|ios|js|linux|nacl|netbsd|openbsd|plan9"
    "|solaris|wasip1|windows|zos"
)
_GOARCH = (
    "386|amd64|amd64p32|arm|armbe|arm64|arm64be|loong64|mips|mipsle|mips64|mips64le|mips64p32"
    "|mips64p32le|ppc|ppc64|ppc64le|riscv|riscv64|s390|s390x|sparc|sparc64|wasm"
)
_PLATFORM_FOLDERS = (
    "unix", "windows", "linux", "macos", "darwin", "apple", "android", "ios", "freebsd",
    "netbsd", "openbsd", "bsd", "solaris", "illumos", "wasi", "wasm", "fuchsia", "posix",
)  # fmt: skip
GO = CloneSyntax(
    string_types=("interpreted_string_literal", "raw_string_literal", "rune_literal"),
    number_types=("int_literal", "float_literal", "imaginary_literal", "true", "false"),
    binding_fields=(
        "function_declaration.name",
        "short_var_declaration.left",
        "var_spec.name",
        "const_spec.name",
        "range_clause.left",
    ),
    binding_types=("parameter_list",),
    import_types=("import_declaration",),
    snippet_wrapper=("package p\nfunc _() {\n", "\n}\n"),
    variants=Variants(
        file_suffix=rf"_(?:{_GOOS})(?:_(?:{_GOARCH}))?$|_(?:{_GOARCH})$",
        # The compiler's per-architecture generator inputs: ssa/gen/AMD64Ops.go, ARM64Ops.go.
        file_prefix=rf"^(?i:{_GOARCH})(?=[A-Z_])",
        # One package per architecture: cmd/compile/internal/{amd64,arm64,mips,...}; the
        # 386 back end and assembler live in `x86`.
        folders=(*_GOARCH.split("|"), "x86"),
        file_constraint=r"^(?://go:build|// \+build) ",
        # go help packages: "Directory and file names that begin with '.' or '_' are ignored
        # by the go tool, as are directories named 'testdata'" (edwards25519's `_asm/`, an
        # avo program that writes assembly); `//go:build ignore` marks a program run by
        # `go run` (internal/goos/gengoos.go).
        unbuilt_name=r"^[._]|^testdata$",
        unbuilt_constraint=r"^(?://go:build|// \+build)\s+ignore\s*$",
    ),
    intent=Intent(
        # The runtime's map functions specialised per key type (mapassign_fast32, _faststr);
        # string and []byte twins kept apart to avoid a conversion (utf8.Valid and
        # ValidString, DecodeRune and DecodeRuneInString, json's string and stringBytes, zap's
        # safeAddString and safeAddByteString);
        # socket calls specialised per address family to spare a sockaddr allocation
        # (internal/poll's WriteTo, WriteToInet4 and WriteToInet6).
        family_flavour=r"_fast(?:32|64|str)(?:ptr)?$|(?:In|Byte)?String$|Bytes$|Inet[46]$",
        deprecated_item=r"^\s*//\s*Deprecated:",
    ),
)
# Rust's `target_arch` and the `target_os` values beyond _PLATFORM_FOLDERS (rustc --print
# target-list): std's `sys/hermit/`, stdarch's `core_arch/src/{x86,aarch64,wasm32}/`. Folders
# shared by several architectures (`arm_shared`, `riscv_shared`) are portable across them.
_RUST_TARGET_FOLDERS = (
    "x86", "x86_64", "arm", "aarch64", "mips", "mips64", "powerpc", "powerpc64", "riscv32",
    "riscv64", "s390x", "sparc", "sparc64", "wasm32", "wasm64", "nvptx", "hexagon", "bpf",
    "avr", "m68k", "msp430", "dragonfly", "redox", "haiku", "hermit", "vxworks", "emscripten",
    "espidf", "horizon", "l4re", "uefi", "sgx", "fortanix_sgx", "solid", "itron",
)  # fmt: skip
RUST = CloneSyntax(
    string_types=("string_literal", "raw_string_literal", "char_literal"),
    number_types=("integer_literal", "float_literal", "boolean_literal"),
    binding_fields=(
        "function_item.name",
        "let_declaration.pattern",
        "for_expression.pattern",
        "let_condition.pattern",
    ),
    binding_types=("parameters", "closure_parameters", "match_pattern"),
    import_types=("use_declaration",),
    snippet_wrapper=("fn _() {\n", "\n}\n"),
    variants=Variants(
        folders=(*_PLATFORM_FOLDERS, *_RUST_TARGET_FOLDERS),
        file_constraint=r"^#!\[cfg\(",
        # `#[target_feature(enable = "avx2")]` compiles one function for one CPU feature:
        # stdarch's `hex_encode_avx2` / `hex_encode_sse41` beside each other.
        item_constraint=r"^\s*#\[(?:cfg|target_feature)\(",
        scope_opener=r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+{name}\s*\{{",
        # chrono's offset/local/{unix,windows,stub}.rs, declared `#[path = "unix.rs"] mod
        # inner;` each under its `#[cfg]`; parking_lot_core's thread parkers in `cfg_if!`.
        module_declaration=r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+{name}\s*;",
        module_path_attribute=r'^\s*#\[path\s*=\s*"(?P<path>[^"]+)"\]',
        module_parent_stems=("mod", "lib", "main"),
        declaration_constraint=r"#\[cfg\(",
        declaration_test=r"#\[cfg\(test\)\]",
        test_marker=r"^\s*#!?\[(?:cfg\(test\)|(?:\w+::)*test)\]",
        nested_function_types=("function_item",),
    ),
    intent=Intent(
        modules_are_files=True,
        # The reverse twin the iterator traits require beside each forward method
        # (`DoubleEndedIterator::next_back` for `next`, `try_rfold` for `try_fold`), named by
        # the standard library's convention: a `_back` suffix or an `r` before the verb
        # (`rfind`, `rsplit`, memchr's `memrchr`, bstr's `rfind_not`). Byte-order twins by
        # its `_be` / `_le` / `_ne` (`from_be_bytes`, num-bigint's `from_signed_bytes_le`).
        # And the thread-safe twin of a single-threaded type, by the same convention: `Arc`
        # for `Rc`, a `Lock` for a `Cell` (`OnceLock` / `OnceCell`, `LazyLock` / `LazyCell`),
        # written apart so that the single-threaded one pays for no atomics. And shared and
        # mutable, owned and borrowed twins (`iter` / `iter_mut`, serde_json's `visit_array`
        # / `visit_array_ref`, serde's `ContentDeserializer` / `ContentRefDeserializer`):
        # Rust cannot abstract over mutability or ownership, so each is written twice; and an
        # operation beside its variant seeded with a value or a closure (rayon's `fold` /
        # `fold_with`, `FoldChunks` / `FoldChunksWith`). And a loop written again to run
        # backwards (regex's `exec_at` / `exec_at_reverse`); and string and byte-string twins,
        # as in Go (regex's `expand_str` / `expand_bytes`).
        family_flavour=(
            r"_back(?=$|_by$)"
            r"|(?:^|(?<=_))r(?=(?:fold|find|position|split|search|chr|matches)(?:_|\d|$))"
            r"|(?<=mem)r(?=chr)|_(?:be|le|ne)(?=_|$)"
            r"|^(?:Ar|R)(?=c$)|(?<=[a-z])(?:Cell|Lock)$"
            r"|_(?:mut|ref|with|rev|reverse|str|bytes)$|(?<=[a-z])(?:Mut|Ref|With|Rev|Reverse)$"
            r"|(?<=[a-z])(?:Mut|Ref)(?=[A-Z])"
        ),
        deprecated_item=r"^\s*#\[deprecated\b",
        project_manifest="Cargo.toml",
        project_marker=r"(?m)^\[workspace\]",
        inline_assembly=r"\b(?:asm|global_asm|naked_asm)!\s*[(\[{]",
    ),
)
CSHARP = CloneSyntax(
    identifier_types=("identifier", "implicit_parameter"),
    string_types=(
        "string_literal",
        "verbatim_string_literal",
        "raw_string_literal",
        "interpolated_string_expression",
        "character_literal",
    ),
    number_types=("integer_literal", "real_literal", "boolean_literal"),
    member_fields=("argument.name",),
    binding_fields=(
        "method_declaration.name",
        "local_function_statement.name",
        "parameter.name",
        "variable_declarator.name",
        "tuple_pattern.name",
        "foreach_statement.left",
        "catch_declaration.name",
        "lambda_expression.parameters",
        "declaration_expression.name",
    ),
    import_types=("using_directive",),
    snippet_wrapper=("class _ {\nvoid _() {\n", "\n}\n}\n"),
    member_wrapper=("class _ {\n", "\n}\n"),
    generator_templates=(".tt",),
    variants=Variants(
        folders=_PLATFORM_FOLDERS,
        region_open=r"^\s*#\s*if\b",
        region_else=r"^\s*#\s*(?:elif|else)\b",
        region_close=r"^\s*#\s*endif\b",
    ),
    intent=Intent(
        # Async APIs in sync / await / await-with-cancellation flavours (UniTask's LINQ:
        # `AnyAsync`, `AnyAwaitAsync`, `AnyAwaitWithCancellationAsync`); the same words as
        # whole words inside a name (UniTask's `SyncSelectorAsyncEnumerableSorter`,
        # `AsyncSelectorWithCancellationEnumerableSorter`), and `Unsafe`, the flavour that
        # skips a check or a capture (the builders' `AwaitOnCompleted` and
        # `AwaitUnsafeOnCompleted`, which the compiler requires both of).
        family_flavour=(
            r"(?:AwaitWithCancellation|Await|WithCancellation)?(?:Async)?$"
            r"|(?:^|(?<=[a-z0-9]))(?:Sync|Async|WithCancellation|Unsafe)(?=[A-Z])"
        ),
        deprecated_item=r"^\s*\[(?:System\.)?Obsolete\b",
        override_marker=r"\boverride\b",
    ),
)
