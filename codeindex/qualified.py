"""Names with their scope: a file's module name, and whether a dotted name (`Loader.parse`,
`ratelimit.consume`, `Effect.retry`) names a definition."""

from __future__ import annotations

import re

from codeindex.languages import LanguageSpec, spec_by_name
from codeindex.models import Symbol

# One identifier, then `.` or `::` and another, at least once: `os.path.join`, `Vec::new`.
_DOTTED = re.compile(r"[\w$]+(?:(?:\.|::)[\w$]+)+")


def module_name(path: str, spec: LanguageSpec) -> str:
    """A file's module name: its path without the extension (and a declaration file's
    `.d`), `/` read as `.`; a package's index file (`__init__.py`, `mod.rs`, `index.ts`,
    `index.d.ts`) names its directory."""
    stem = path.rsplit(".", 1)[0] if "." in path.rpartition("/")[2] else path
    if spec.declaration_infix and stem.endswith(spec.declaration_infix):
        stem = stem.removesuffix(spec.declaration_infix)
    parts = [part for part in stem.split("/") if part]
    if len(parts) > 1 and parts[-1] in spec.package_index_stems:
        parts.pop()
    return ".".join(parts)


def is_file_module(symbol: Symbol) -> bool:
    """Whether `symbol` is its file's own `module` symbol (codeindex.extract), not a module
    written inside the file (Rust's `mod inner { ... }`, a TypeScript namespace)."""
    return (
        symbol.kind == "module"
        and symbol.line == 1
        and symbol.qualified_name == module_name(symbol.path, spec_by_name(symbol.language))
    )


def without_stand_ins(matches: list[Symbol], name: str) -> list[Symbol]:
    """The definitions of `name` less those another match stands for: a file's own module
    symbol when something defined in that file matched too (`class LexicalEditor` in
    `LexicalEditor.ts`, every C# class in its `Foo.cs`), and a type's constructors (C#'s
    `Foo.Foo`) when the type matched. Asked for by exact qualified name, either stays."""
    files = {symbol.path for symbol in matches if not is_file_module(symbol)}
    types = {symbol.qualified_name for symbol in matches if symbol.kind != "constructor"}
    return [
        symbol
        for symbol in matches
        if symbol.qualified_name == name
        or not (
            (symbol.kind == "constructor" and symbol.qualified_name.rpartition(".")[0] in types)
            or (symbol.path in files and is_file_module(symbol))
        )
    ]


def split_dotted(word: str) -> tuple[str, str] | None:
    """`Loader.parse` -> ("Loader", "parse"); `os.path.join` -> ("os.path", "join"); `Vec::new`
    -> ("Vec", "new"); None for a word that is not a dotted name."""
    if not _DOTTED.fullmatch(word):
        return None
    qualifier, _, bare = word.replace("::", ".").rpartition(".")
    return qualifier, bare


def split_name(name: str) -> tuple[str, str]:
    """`Loader.parse` -> ("Loader", "parse"); `a.b.Loader.parse` -> ("Loader", "parse");
    `parse` -> ("", "parse"): the last qualifier and the bare name. `::` (Rust) reads as `.`."""
    qualifier, _, bare = name.replace("::", ".").strip(".").rpartition(".")
    return qualifier.rpartition(".")[2], bare


def names(symbol: Symbol, dotted: str) -> bool:
    """Whether `dotted` is the tail, in whole parts, of the symbol's qualified name or of its
    module name followed by its qualified name (`ratelimit.consume` for `consume` in
    `allauth/core/ratelimit.py`). A bare name names every symbol so called."""
    tail = "." + dotted.replace("::", ".")
    if f".{symbol.qualified_name}".endswith(tail):
        return True
    module = module_name(symbol.path, spec_by_name(symbol.language))
    return f".{module}.{symbol.qualified_name}".endswith(tail)
