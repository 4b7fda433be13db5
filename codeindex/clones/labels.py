"""What a `dups` group is, beyond its code: test code, platform variants, suppressed by a
comment. These read the members' source files (each once per report), not the index: a
suppression comment or a build constraint is in the text around a function, not in its
normalised body.

Suppression comments, in any comment syntax:
- `code-index: ignore` on a definition's first line or in the comments and attributes right
  above it: that function is never a member of a group;
- `code-index: ignore-start` ... `code-index: ignore-end`: no member that overlaps the region
  (an unclosed region runs to the end of the file).
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from codeindex import classify
from codeindex.clone_syntax import Variants, compiled
from codeindex.languages import spec_by_name
from codeindex.models import Symbol

TEST = "test"
PLATFORM_VARIANTS = "platform-variants"
UNBUILT = "unbuilt"
BLOCK = "block"
# Source files bigger than this are not read for labels (they are not hand-written code).
MAX_SOURCE_BYTES = 8 * 1024 * 1024
# How far down a file-wide build constraint may be (Go's come before `package`).
HEAD_LINES = 60
# How far above a module declaration its attributes are read: chrono's stub module carries a
# nine-line `#[cfg(all(...))]`.
DECLARATION_LINES = 16
MARKER = b"code-index:"
_SUPPRESSION = re.compile(r"code-index:\s*ignore(-start|-end)?\b")


def is_test(symbol: Symbol) -> bool:
    """Test code (tests and their fixtures), by its path (codeindex.classify: case-sensitive
    conventions), by the scope it is defined in, or marked so in the source (Symbol.test)."""
    return classify.is_test(symbol.path, symbol.qualified_name, symbol.test)


# How a comment line starts in any of the languages; with `[` and `@`, also the attribute and
# decorator lines that sit between a definition and the comments above it.
COMMENT_STARTS = ("//", "#", "/*", "*", "--")
ANNOTATION_STARTS = (*COMMENT_STARTS, "[", "@")

# Lines are kept decoded for this many files at a time (the most recently used): a report on
# a big tree reads thousands of files, and all their lines as strings were the biggest part
# of its memory. A file whose lines were dropped is decoded again when asked.
DECODED_FILES = 64


class _Decoded:
    """The sources whose lines are decoded, least recently used first."""

    def __init__(self, limit: int = DECODED_FILES) -> None:
        self._limit = limit
        self._order: OrderedDict[int, _Source] = OrderedDict()
        self.last: _Source | None = None  # the most recent: asked for again, nothing to do

    def touch(self, source: _Source) -> None:
        self.last = source
        key = id(source)  # held here, so no other source can have its id
        if key in self._order:
            self._order.move_to_end(key)
            return
        self._order[key] = source
        if len(self._order) > self._limit:
            _, oldest = self._order.popitem(last=False)
            oldest._lines = None


@dataclass(slots=True)
class _Source:
    data: bytes
    ignored: list[tuple[int, int]]  # 1-based inclusive line ranges suppressed
    marked: set[int]  # lines holding `code-index: ignore`
    decoded: _Decoded | None = None
    _lines: list[str] | None = None
    _file_marks: list[str] | None = None
    _scopes: dict[str, list[int]] | None = None
    # Whether the comments the file opens with declare it a copy (clones.intent).
    head_declares_copy: bool | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:  # decoded only for the rules that need lines
            self._lines = self.data.decode("utf-8", errors="replace").splitlines()
        decoded = self.decoded
        if decoded is not None and decoded.last is not self:  # rules read line by line
            decoded.touch(self)
        return self._lines

    def definition(self, symbol: Symbol) -> str:
        """A definition's text from its definition line to its last: attributes and
        decorators above it are not the body."""
        return "\n".join(self.lines[symbol.line - 1 : symbol.end_line])

    def scopes(self, opener: re.Pattern[str]) -> dict[str, list[int]]:
        """The lines (1-based, ascending) that open a scope, by the scope's name: one search
        of the file's text, however many of its functions ask."""
        if self._scopes is None:
            self._scopes = {}
            text = self.data.decode("utf-8", errors="replace")
            openers = list(opener.finditer(text))
            # Counted to the name: the opener's leading blanks may start lines above.
            starts = (found.start("scope") for found in openers)
            for found, index in zip(openers, _line_indexes(text, starts), strict=True):
                self._scopes.setdefault(found.group("scope"), []).append(index + 1)
        return self._scopes

    def file_marks(self, rule: re.Pattern[str]) -> list[str]:
        """The head's lines that constrain the whole file."""
        if self._file_marks is None:
            head = self.data[: 200 * HEAD_LINES].decode("utf-8", errors="replace")
            self._file_marks = [line for line in head.splitlines()[:HEAD_LINES] if rule.match(line)]
        return self._file_marks


@dataclass(slots=True)
class Sources:
    """Source files read for labels, once each."""

    root: Path
    _files: dict[str, _Source | None] = field(default_factory=dict)
    _generated: dict[str, bool] = field(default_factory=dict)
    _decoded: _Decoded = field(default_factory=_Decoded)
    _projects: dict[str, bool] = field(default_factory=dict)
    _module_marks: dict[str, list[str]] = field(default_factory=dict)
    _declarations: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def generated(self, symbol: Symbol) -> bool:
        """Written by a template beside it (a T4 `X.tt` next to `X.cs`)."""
        if symbol.path not in self._generated:
            templates = spec_by_name(symbol.language).clones.generator_templates
            stem = (self.root / symbol.path).with_suffix("")
            found = any(stem.with_name(stem.name + t).is_file() for t in templates)
            self._generated[symbol.path] = found
        return self._generated[symbol.path]

    def project(self, symbol: Symbol) -> str | None:
        """The folder of the project of its own that holds `symbol` (Intent.project_manifest),
        the nearest one above it, or None."""
        rules = spec_by_name(symbol.language).clones.intent
        marker = compiled(rules.project_marker)
        if marker is None:
            return None
        folder = symbol.path.rpartition("/")[0]
        while folder:
            if folder not in self._projects:
                self._projects[folder] = _holds_manifest(
                    self.root / folder / rules.project_manifest, marker
                )
            if self._projects[folder]:
                return folder
            folder = folder.rpartition("/")[0]
        return None

    def module_marks(self, path: str, rules: Variants) -> list[str]:
        """The build constraints on the declaration of the module file `path` in its parent
        module's file (Variants.module_declaration): Rust's `#[cfg(windows)] mod windows;`
        constrains all of `windows.rs`. Empty when no parent declares it or nothing
        constrains the declaration."""
        if path not in self._module_marks:
            self._module_marks[path] = []
            for parent, module in _parent_modules(path, rules):
                declarations = self._declarations_in(parent, rules)
                marks = declarations.get(path, declarations.get(module))
                if marks is not None:
                    self._module_marks[path] = marks
                    break
        return self._module_marks[path]

    def _declarations_in(self, parent: str, rules: Variants) -> dict[str, list[str]]:
        """The modules a file declares, by name and, for those a path attribute names, by
        that file's path, each with the constraints on its declaration."""
        if parent not in self._declarations:
            # Read without keeping it: most parents hold no member, and every Rust folder's
            # module files kept with their decoded lines raised peak memory from 285 to 370 MB
            # on the 5.6M-line tree; read and dropped, 292 MB.
            cached = self._files.get(parent)
            data = cached.data if cached is not None else _read_bytes(self.root / parent)
            found: dict[str, list[str]] = {}
            if data is not None:
                text = data.decode("utf-8", errors="replace")
                found = _declarations(text, parent.rpartition("/")[0], rules)
            self._declarations[parent] = found
        return self._declarations[parent]

    def get(self, path: str) -> _Source | None:
        if path not in self._files:
            self._files[path] = self._read(path)
        return self._files[path]

    def _read(self, path: str) -> _Source | None:
        data = _read_bytes(self.root / path)
        if data is None:
            return None
        source = _Source(data, [], set(), self._decoded)
        if MARKER in data:
            source.ignored, source.marked = _suppressions(source.lines)
        return source


def _read_bytes(path: Path) -> bytes | None:
    """A file's bytes, or None when it cannot be read or is over MAX_SOURCE_BYTES."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_SOURCE_BYTES else None


def _parent_modules(path: str, rules: Variants) -> list[tuple[str, str]]:
    """The files that may declare the module file `path`, each with the module's name: its
    folder's module files (`mod.rs`, `lib.rs`, `main.rs`) and the file named for its folder
    (`a/b.rs` for `a/b/c.rs`); for a folder's own module file (`a/b/mod.rs`), the same one
    level up."""
    folder, _, name = path.rpartition("/")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        return []
    module = stem
    if stem in rules.module_parent_stems:
        folder, _, module = folder.rpartition("/")
        if not module:
            return []
    prefix = f"{folder}/" if folder else ""
    parents = [f"{prefix}{parent}.{extension}" for parent in rules.module_parent_stems]
    if folder:
        parents.append(f"{folder}.{extension}")
    return [(parent, module) for parent in parents if parent != path]


def _declarations(text: str, folder: str, rules: Variants) -> dict[str, list[str]]:
    """Each module a file's `text` declares, by name, and each file a path attribute names,
    by its path from the root (relative to `folder`, the declaring file's), with the
    constraint lines on its declaration."""
    declaration = compiled("(?m)" + rules.module_declaration.format(name=r"(?P<name>\w+)"))
    named_path = compiled("(?m)" + rules.module_path_attribute)
    constraint = compiled(rules.declaration_constraint)
    for_tests = compiled(rules.declaration_test)
    if declaration is None or constraint is None:
        return {}
    # Split as _line_indexes counts, at "\n" only (splitlines also splits at form feeds).
    lines = text.split("\n")
    found: dict[str, list[str]] = {}
    hits = [(m.start(), m.group("name")) for m in declaration.finditer(text)]
    if named_path is not None:
        for m in named_path.finditer(text):
            resolved = posixpath.normpath(posixpath.join(folder, m.group("path")))
            hits.append((m.start(), resolved))
    hits.sort()
    indexes = _line_indexes(text, (start for start, _ in hits))
    for (_, key), index in zip(hits, indexes, strict=True):
        marks = _marks_above(lines, index, constraint)
        if for_tests and any(for_tests.search(mark) for mark in marks):
            marks = []
        found.setdefault(key, marks)
    return found


def _line_indexes(text: str, positions: Iterable[int]) -> Iterator[int]:
    """The 0-based line of each position in `text`, for ascending positions: one pass over
    the text, however many positions."""
    line, previous = 0, 0
    for position in positions:
        line += text.count("\n", previous, position)
        previous = position
        yield line


def _marks_above(lines: list[str], index: int, constraint: re.Pattern[str]) -> list[str]:
    """The constraint lines among the attributes above line `index` (0-based), up to the
    previous item or a `cfg_if!` branch's opening line, which is the last one read."""
    marks: list[str] = []
    for above in range(index - 1, max(-1, index - DECLARATION_LINES), -1):
        text = lines[above].strip()
        if not text or text.endswith(";") or text == "}":
            break
        if constraint.search(text):
            marks.append(text)
            if text.endswith("{"):
                break
    return marks


def _holds_manifest(manifest: Path, marker: re.Pattern[str]) -> bool:
    try:
        text = manifest.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return marker.search(text) is not None


def _suppressions(lines: list[str]) -> tuple[list[tuple[int, int]], set[int]]:
    ignored: list[tuple[int, int]] = []
    marked: set[int] = set()
    start = 0
    for number, line in enumerate(lines, 1):
        found = _SUPPRESSION.search(line)
        if found is None:
            continue
        if found.group(1) == "-start" and not start:
            start = number
        elif found.group(1) == "-end" and start:
            ignored.append((start, number))
            start = 0
        elif found.group(1) is None:
            marked.add(number)
    if start:
        ignored.append((start, len(lines)))
    return ignored, marked


def lines_above(source: _Source, symbol: Symbol) -> list[str]:
    """The definition's first line and the comment and attribute lines right above it."""
    first = symbol.start_line or symbol.line
    return source.lines[first - 1 : symbol.line] + _comments_above(source, first)


def _comments_above(source: _Source, first: int) -> list[str]:
    """The comment and attribute lines right above line `first`, nearest first."""
    found: list[str] = []
    number = first - 1
    while number >= 1:
        text = source.lines[number - 1].strip()
        if not text or not text.startswith(ANNOTATION_STARTS):
            break
        found.append(text)
        number -= 1
    return found


def suppressed(sources: Sources, symbol: Symbol) -> bool:
    source = sources.get(symbol.path)
    if source is None or not (source.ignored or source.marked):
        return False
    first = symbol.start_line or symbol.line
    if any(start <= symbol.end_line and first <= end for start, end in source.ignored):
        return True
    above = first - 1
    while above >= 1 and above not in source.marked:
        text = source.lines[above - 1].strip()
        if not text.startswith(ANNOTATION_STARTS):
            break
        above -= 1
    return above in source.marked or any(
        line in source.marked for line in range(first, symbol.line + 1)
    )


def platform_context(sources: Sources, symbol: Symbol) -> str | None:
    """What marks `symbol` as built for some platforms or configurations only (a file suffix,
    a platform folder, a build constraint), or None when nothing does."""
    rules = spec_by_name(symbol.language).clones.variants
    if rules == Variants():
        return None
    parts: list[str] = []
    *folders, name = symbol.path.split("/")
    stem = name.rsplit(".", 1)[0]
    for rule in (rules.file_suffix, rules.file_prefix):
        if (pattern := compiled(rule)) and (found := pattern.search(stem)):
            parts.append(found.group(0))
    parts += [folder for folder in folders if folder in rules.folders]
    if rules.file_constraint or rules.item_constraint or rules.region_open:
        source = sources.get(symbol.path)
        if source is not None:
            parts += _constraints(rules, source, symbol)
    if rules.module_declaration:
        parts += sources.module_marks(symbol.path, rules)
    return "|".join(parts) or None


def _constraints(rules: Variants, source: _Source, symbol: Symbol) -> list[str]:
    found: list[str] = []
    if file_rule := compiled(rules.file_constraint):
        found += source.file_marks(file_rule)
    if item_rule := compiled(rules.item_constraint):
        found += [line for line in lines_above(source, symbol) if item_rule.match(line)]
        if rules.scope_opener:
            found += _scope_constraints(rules, item_rule, source, symbol)
    if rules.region_open:
        found += _regions_around(rules, source, symbol.start_line or symbol.line)
    return found


def _scope_constraints(
    rules: Variants, item_rule: re.Pattern[str], source: _Source, symbol: Symbol
) -> list[str]:
    """The constraints above the scopes that enclose `symbol` (Rust's `#[cfg(...)]` on a
    `mod impl_linux { ... }` holding it): for each part of its qualified name that a scope
    opener names, the nearest such opener above the definition. Parts no opener names
    (an `impl` block's type) are skipped."""
    opener = compiled("(?m)" + rules.scope_opener.format(name=r"(?P<scope>\w+)"))
    if opener is None:
        return []
    openers = source.scopes(opener)
    found: list[str] = []
    line = symbol.start_line or symbol.line
    for name in reversed(symbol.qualified_name.split(".")[:-1]):
        lines = openers.get(name, [])
        index = bisect_left(lines, line) - 1
        if index < 0:
            continue
        line = lines[index]
        found += [text for text in _comments_above(source, line) if item_rule.match(text)]
    return found


def _regions_around(rules: Variants, source: _Source, line: int) -> list[str]:
    """The conditional regions (`#if X` / `#else` ...) open at `line`, outermost first."""
    opening, other, closing = (
        compiled(rules.region_open),
        compiled(rules.region_else),
        compiled(rules.region_close),
    )
    stack: list[str] = []
    for text in source.lines[: line - 1]:
        if opening and opening.match(text):
            stack.append(text.strip())
        elif stack and other and other.match(text):
            stack[-1] = stack[-1] + " / " + text.strip()
        elif stack and closing and closing.match(text):
            stack.pop()
    return stack


def unbuilt(sources: Sources, symbol: Symbol) -> bool:
    """Left out of every build of the language (Variants.unbuilt_name, unbuilt_constraint):
    Go's `_asm/` generator programs and `//go:build ignore` files."""
    rules = spec_by_name(symbol.language).clones.variants
    name_rule = compiled(rules.unbuilt_name)
    if name_rule and any(name_rule.search(part) for part in symbol.path.split("/")):
        return True
    constraint, marks = compiled(rules.unbuilt_constraint), compiled(rules.file_constraint)
    if constraint is None or marks is None:
        return False
    source = sources.get(symbol.path)
    return source is not None and any(constraint.match(line) for line in source.file_marks(marks))


def are_unbuilt(sources: Sources, members: list[Symbol]) -> bool:
    """Every member is code no build includes: not library code, whatever it copies."""
    return all(unbuilt(sources, member) for member in members)


def are_platform_variants(sources: Sources, members: list[Symbol]) -> bool:
    """Every member is marked for some platforms or configurations, bar at most one (the
    portable version the others specialise: Go's `cipher.gcm.Open` beside the assembly-backed
    `gcmAsm.Open` of gcm_ppc64x.go and gcm_s390x.go), and two members of the same name are
    marked differently: copies kept apart on purpose, one per platform. Names that differ
    only by the platform each is marked for count as the same (stdarch's `hex_encode_avx2`
    and `hex_encode_sse41`, each under its `#[target_feature]`)."""
    by_name: dict[str, set[str]] = {}
    portable = 0
    for member in members:
        context = platform_context(sources, member)
        if context is None:
            portable += 1
            if portable > 1:
                return False
        else:
            by_name.setdefault(member.name, set()).add(context)
            by_name.setdefault(_unmarked(member.name, context), set()).add(context)
    return any(len(seen) > 1 for seen in by_name.values())


# Words of a name (`hex_encode_avx2`, `archInitAMD64`) and of a platform mark's values.
_NAME_WORDS = re.compile(r"[A-Z]+\d*(?![a-z])|[A-Z]?[a-z]+\d*|\d+")
_QUOTED = re.compile(r'"([^"]*)"')
_MARK_WORDS = re.compile(r"[A-Za-z0-9.]+")


def _unmarked(name: str, context: str) -> str:
    """The name without the words its platform mark names, prefixed with `~` so that it
    never equals a plain name: `hex_encode_avx2` under `target_feature(enable = "avx2")` and
    `hex_encode_sse41` under `enable = "sse4.1"` are both `~hex encode`."""
    marks: set[str] = set()
    for part in context.split("|"):
        values = _QUOTED.findall(part) or _MARK_WORDS.findall(part)
        marks.update(value.lower().replace(".", "") for value in values)
    words = [word.lower() for word in _NAME_WORDS.findall(name)]
    return "~" + " ".join(word for word in words if word not in marks)
