"""Clone groups a team keeps on purpose, or has no reason to merge, besides platform variants
(clones.labels): whole packages mirrored into another directory, copies a comment declares,
library code copied into test fixtures, one operation written out per flavour, arity or
element type, one interface implemented per class or per module, deprecated code, an old
major version shipped beside the new one, vendored code, example programs. Each is a label
on the group; `dups` ranks such groups after the rest and `--hide-intentional` leaves them
out.

What a language writes for a family or a deprecation is data in its registry row
(`clone_syntax.Intent`); mirrors, overloads and vendored paths need no per-language rule.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from codeindex import classify
from codeindex.clone_syntax import compiled
from codeindex.clones.density import signature_outweighs_body
from codeindex.clones.labels import COMMENT_STARTS, Sources, is_test, lines_above
from codeindex.languages import spec_by_name
from codeindex.models import Symbol

MIRROR = "mirror"
DOCUMENTED = "documented"
FIXTURE = "fixture"
FAMILY = "family"
IMPLEMENTATIONS = "implementations"
DEPRECATED = "deprecated"
MAJOR_VERSIONS = "major-versions"
VENDORED = "vendored"
EXAMPLES = "examples"
# A directory pair is a mirror (a package copied whole and kept in step: Go's go/types and
# cmd/compile/internal/types2, reflect and internal/reflectlite) when at least this many
# functions of the same file name and the same name are clones across it; one or two such
# pairs are a coincidence of names.
MIRROR_MIN_SHARED = 3
# A group is a family when at least this share of its members has another version in it:
# UniTask's groups of argument-checking wrappers gather each operator's flavours plus a few
# single-flavour operators of the same shape.
FAMILY_SHARE = 0.75
# A method written alike in at least this many classes is one protocol implemented per type
# (UniTask's enumerators' MoveNextCore, Rust's Debug `fmt`): merging them is a redesign, not a
# copy to fold. On the labelled sample the rule met on-purpose and noise groups only; two or
# three classes sharing a method (a pair of schedulers' `flush`) are often a real copy.
IMPLEMENTATIONS_MIN = 4
# Short functions of one class or module written alike, this many or more, are the entry
# points of one API (are_wrappers).
WRAPPERS = "wrappers"
WRAPPERS_MIN = 4
WRAPPER_LINES = 10
# Or as short in codes, whatever their lines: three calls' worth (selection.CALL_CODES), a
# signature and one statement. zod's 53 factories are one `return new Class({...})` each, 12
# lines with their generics; on the labelled sample every group of this shape under 93 codes
# a member was on purpose, and the shortest useful one 109.
WRAPPER_CODES = 72
# Numbered versions of one operation (`mapaccess1` / `mapaccess2`, `OnCanceled1` / `2`),
# also inside the name: the arity of Solaris' `sysvicall1Err`, `sysvicall2Err`, ...
_NUMBERED = re.compile(r"\d+")
# A number spelled out as a word of a name, read as a number too: arities written out
# (noble's `fromBigSix` / `fromBigTwelve`, one constructor per field-tower level). A word
# starts a name, follows `_` or, capitalised, a lower-case letter or digit, and ends the name
# or comes before `_`, a capital or a digit. (Primitive type words, `int64SliceConv` /
# `float32SliceConv`, were tried: on the labelled sample they took as many groups a reader
# would fold into a generic as groups kept per type on purpose.)
_NUMBER_WORDS = re.compile(
    r"(?:^|(?<=_)|(?<=[a-z0-9])(?=[A-Z]))"
    r"(?i:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|sixteen)"
    r"(?=$|[_A-Z0-9])"
)
# A folder holding one major version of a package: `v3/`, `v4/` (Go's semantic import
# versioning puts major version N >= 2 under `/vN`).
_VERSION_FOLDER = re.compile(r"v\d+")
# How far into a body a deprecation warning may be (after the signature and docstring).
BODY_LINES = 12

# A comment that declares the code a copy kept on purpose: "copied from", "is a lightly
# modified copy of", "keep in sync with", "do not modify one without the other", "contains
# similar logic", "Duplicate some of the utils ..." (Redux Toolkit's RTK Query, kept apart
# from the core bundle), "copy-pasted from decodeArgAppend due to the performance reasons"
# (fasthttp), "is copy/paste to avoid a dependency" (client_golang). At a definition also
# "same shape as pow() above" and "the code duplication here is regrettable" (regex's
# reverse DFA loop): the authors saw the copy and kept it. Not "returns a copy of": a copy
# of a value is not a copy of code.
_DECLARED_COPY = re.compile(
    r"(?i)\bcopied\s+(?:from|verbatim)\b"
    r"|\b(?:is|was|are)\s+(?:a|an)\s+(?:[\w-]+\s+){0,2}cop(?:y|ies)\b"
    r"|\bwithout\s+(?:changing\s+|updating\s+)?the\s+other\b"
    r"|\bmirror(?:s|ed)?\s+(?:of|from)\b|\bduplicated\s+(?:from|in)\b"
    r"|\bduplicat(?:e|es|ed|ing)\s+(?:some|all|parts?|most)\s+of\b"
    r"|\bcopy[-/ ]?past(?:e|ed)\s+from\b|\b(?:is|was|are)\s+(?:[\w-]+\s+){0,2}copy[-/ ]?paste\b"
)
# At a definition only: in a file's head, "kept in sync with the latest updates of the
# specification" (_pydecimal.py) is about a document, not a copy.
_DECLARED_TWIN = re.compile(
    r"(?i)\b(?:keep|kept|be|stay)\s+in\s+sync\b|\bin\s+sync\s+with\b"
    r"|\b(?:similar|same)\s+(?:logic|code)\b|\bsame\s+shape\s+as\b"
    r"|\bduplication\s+here\b"
)
# One of these is in every phrase _DECLARED_COPY and _DECLARED_TWIN match, lower-cased.
_DECLARATION_WORDS = ("cop", "without", "mirror", "duplicat", "sync", "similar", "same")
# Comments are looked for in this many lines of a file's head (a file-wide note) and of a
# body's start (Python docstrings).
HEAD_LINES = 30

DirectoryPair = tuple[str, str]


def _directory(path: str) -> str:
    return path.rpartition("/")[0]


def mirror_key(symbol: Symbol) -> tuple[str, str]:
    """What a copied package keeps: the file name and the qualified name, less a leading
    package name that is the directory's own (Go's `types2.Checker.builtin` in `types2/`)."""
    folder, _, name = symbol.path.rpartition("/")
    head, _, rest = symbol.qualified_name.partition(".")
    qualified = rest if rest and head == folder.rpartition("/")[2] else symbol.qualified_name
    return name, qualified


@dataclass(slots=True)
class Mirrors:
    """Directory pairs across which many same-named functions of same-named files are
    clones, counted over every group of a scan."""

    shared: dict[DirectoryPair, set[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(set)
    )

    @classmethod
    def of(cls, groups: Iterable[list[Symbol]]) -> Mirrors:
        mirrors = cls()
        for members in groups:
            for key, folders in _by_key(members).items():
                for pair in _pairs(folders):
                    mirrors.shared[pair].add(key)
        return mirrors

    def mirrored(self, pair: DirectoryPair) -> bool:
        return len(self.shared.get(pair, ())) >= MIRROR_MIN_SHARED

    def holds(self, members: list[Symbol]) -> bool:
        """Every member has a copy in the group across a mirrored directory pair, in a file
        of the same name or under the same name (`importer.ImportData` in iimport.go and
        `gcimporter.iImportData` in iimport.go)."""
        covered: set[int] = set()
        keyed = [(mirror_key(member), _directory(member.path)) for member in members]
        for i, (key, folder) in enumerate(keyed):
            for j, (other_key, other_folder) in enumerate(keyed[i + 1 :], i + 1):
                alike = key[0] == other_key[0] or key[1] == other_key[1]
                if alike and folder != other_folder and self.mirrored(_pair(folder, other_folder)):
                    covered.update((i, j))
        return len(covered) == len(members)


def _by_key(members: list[Symbol]) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for member in members:
        found[mirror_key(member)].add(_directory(member.path))
    return found


def _pair(one: str, other: str) -> DirectoryPair:
    return (one, other) if one < other else (other, one)


def _pairs(folders: set[str]) -> list[DirectoryPair]:
    ordered = sorted(folders)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]]


def family_name(symbol: Symbol) -> str:
    """The qualified name with the language's flavour words taken off every part."""
    rule = compiled(spec_by_name(symbol.language).clones.intent.family_flavour)
    parts = []
    for part in symbol.qualified_name.split("."):
        base = (rule.sub("", part) if rule else part) or part
        # `#` for each number: `parse2` is a copy of `parse` to merge, `mapaccess1` and
        # `mapaccess2` are numbered versions of one operation.
        numbered = _NUMBERED.sub("#", _NUMBER_WORDS.sub("#", base))
        parts.append(numbered if numbered != "#" else base)
    return ".".join(parts)


def is_family(members: list[Symbol]) -> bool:
    """Most members (FAMILY_SHARE) are one of several versions of one operation in the group:
    one qualified name twice in one file (overloads per arity or argument type, a class and
    its generic twin `Foo<T>`), or names equal once the language's flavour suffixes are
    removed and any trailing number is read as one (`Any` and `AnyAwait`, `mapaccess1` and
    `mapaccess2`, not `parse` and `parse2`)."""
    names: dict[tuple[str, str], int] = defaultdict(int)
    for member in members:
        names[(member.path, member.qualified_name)] += 1
    family: dict[str, set[str]] = defaultdict(set)
    for member in members:
        family[family_name(member)].add(member.qualified_name)
    versions = sum(
        1
        for member in members
        if names[(member.path, member.qualified_name)] > 1 or len(family[family_name(member)]) > 1
    )
    return versions >= FAMILY_SHARE * len(members)


def are_implementations(members: list[Symbol]) -> bool:
    """Every member is a method, and either every member overrides a base class's method
    (UniTask's operators' `TryMoveNextCore` and `TrySetCurrentCore`) or most members are
    methods of one name (UniTask's enumerators' `MoveNextCore` callbacks, with a few
    `FirstMoveNextCore` and `OuterSelectCore` of the same shape), in IMPLEMENTATIONS_MIN
    classes or more; or every member has one qualified name, in IMPLEMENTATIONS_MIN files of
    one directory or more: modules that each implement one interface (the standard
    library's codecs' `getregentry`, one module per encoding)."""
    if _modules_of_one_interface(members):
        return True
    if any(member.kind not in ("method", "constructor") for member in members):
        return False
    implementing = members
    if not all(map(_overrides, members)):
        name, count = Counter(member.name for member in members).most_common(1)[0]
        if 2 * count <= len(members):
            return False
        implementing = [member for member in members if member.name == name]
    # By name: one class defined again in several files (per platform) is not many classes.
    classes = {member.qualified_name.rpartition(".")[0] for member in implementing}
    return len(classes) >= IMPLEMENTATIONS_MIN


def _modules_of_one_interface(members: list[Symbol]) -> bool:
    """One qualified name in IMPLEMENTATIONS_MIN sibling files: plugins of one registry
    (a codec, a locale). Siblings only: one name in modules of different packages (a `main`
    per command) is as likely a copy to fold. A method needs two files only where each file is
    a module (Intent.modules_are_files): each defines its own type of one name, a parallel
    API (regex's `Regex::replacen` in `re_bytes.rs` for `&[u8]`, `re_unicode.rs` for `&str`)."""
    if len({member.qualified_name for member in members}) > 1:
        return False
    if len({_directory(member.path) for member in members}) > 1:
        return False
    files = len({member.path for member in members})
    if files >= IMPLEMENTATIONS_MIN:
        return True
    first = members[0]
    own_types = spec_by_name(first.language).clones.intent.modules_are_files
    return own_types and files >= 2 and first.kind in ("method", "constructor")


def _overrides(member: Symbol) -> bool:
    marker = compiled(spec_by_name(member.language).clones.intent.override_marker)
    return marker is not None and marker.search(member.signature) is not None


def are_wrappers(sources: Sources, members: list[Symbol], mean_codes: float) -> bool:
    """At least WRAPPERS_MIN short functions (WRAPPER_LINES at most, or WRAPPER_CODES codes
    a member on average) of one class, or at the top level of one file: the entry points of
    one API (UniTask's argument-checking LINQ wrappers, zod's schema factories). Each must
    stay a name of its own; what merging their bodies would save is a line or two apiece.
    Or, however many, functions each with a signature as long as its body (_delegates)."""
    if _delegates(sources, members):
        return True
    if len(members) < WRAPPERS_MIN:
        return False
    long_lines = any(member.end_line - member.line + 1 > WRAPPER_LINES for member in members)
    if long_lines and mean_codes > WRAPPER_CODES:
        return False
    scopes = {
        (member.path if "." not in member.qualified_name else "")
        + member.qualified_name.rpartition(".")[0]
        for member in members
    }
    return len(scopes) == 1


def _delegates(sources: Sources, members: list[Symbol]) -> bool:
    """Every member's signature has at least as many tokens as its body: each body hands
    its parameters on, and the copies are alike by their parameter lists, which merging
    would keep (stdarch's `_mm256_set_epi8`, 32 parameters and one call to
    `_mm256_setr_epi8`, beside that function). On the labelled sample, groups of such
    functions were all on purpose or noise."""
    for member in members:
        source = sources.get(member.path)
        if source is None:
            return False
        if not signature_outweighs_body(source.definition(member)):
            return False
    return True


def is_fixture_copy(members: list[Symbol]) -> bool:
    """Library code copied into test fixtures (`testdata/`, `fixtures/`): at most one member
    is library code, and the others include a fixture, which is test input, not code to
    merge (Go's go/printer/testdata/parser.go is a copy of the parser to print). Or one
    member is library code and every other is test code: a test's own copy (gin's
    render_test.go keeps `gin.H.MarshalXML`, which package render cannot import)."""
    classes = [classify.classify(member.path) for member in members]
    if "fixture" in classes and classes.count("library") + classes.count("example") <= 1:
        return True
    tests = sum(1 for member in members if is_test(member))
    return tests == len(members) - 1


def are_example_programs(members: list[Symbol]) -> bool:
    """Every member is in an example program of its own (Cargo's `examples/tcp_server.rs` and
    `examples/tcp_listenfd_server.rs`): each example is written to be read, copied and run
    alone, so what two of them share is repeated on purpose. Copies within one example are
    that program's own duplication, and stay."""
    programs = [classify.example_program(member.path) for member in members]
    return None not in programs and len(set(programs)) == len(programs)


def declared_copy(sources: Sources, symbol: Symbol) -> bool:
    """A comment at the definition, at the start of its body or in its file's head says the
    code is a copy kept on purpose (`_DECLARED_COPY`)."""
    source = sources.get(symbol.path)
    if source is None:
        return False
    first = symbol.line - 1
    body = source.lines[first : min(symbol.end_line, first + HEAD_LINES)]
    near = [*lines_above(source, symbol), *body]
    if _may_declare(near) and any(
        _DECLARED_COPY.search(line) or _DECLARED_TWIN.search(line) for line in near
    ):
        return True
    if source.head_declares_copy is None:
        head = head_comment(source.lines)
        source.head_declares_copy = any(_DECLARED_COPY.search(line) for line in head)
    return source.head_declares_copy


def _may_declare(lines: list[str]) -> bool:
    """Whether the lines hold a word that every declaration pattern needs: a substring test
    is a hundredth of what the two patterns cost per line, and most bodies hold none."""
    text = "\n".join(lines).lower()
    return any(word in text for word in _DECLARATION_WORDS)


def head_comment(lines: list[str]) -> list[str]:
    """The comments and module docstring a file opens with (its first HEAD_LINES lines at
    most): a note there is about the whole file, a comment further down about one place."""
    found: list[str] = []
    quote = ""
    for line in lines[:HEAD_LINES]:
        text = line.strip()
        if quote:
            found.append(text)
            quote = "" if quote in text else quote
        elif text.startswith(('"""', "'''")):
            found.append(text)
            rest = text[3:]
            quote = "" if text[:3] in rest else text[:3]
        elif not text or text.startswith(COMMENT_STARTS):
            found.append(text)
        else:
            break
    return found


def is_documented(sources: Sources, members: list[Symbol]) -> bool:
    """All copies but at most one (the original) are declared copies."""
    undeclared = 0
    for member in members:
        if not declared_copy(sources, member):
            undeclared += 1
            if undeclared > 1:
                return False
    return True


def are_major_versions(members: list[Symbol]) -> bool:
    """Each member sits under a different major-version folder of one parent (`v3/`, `v4/`),
    all of one name: an old major version shipped beside the new one, frozen. Its copies
    leave when it does; merging would tie the old version's behaviour to the new one's."""
    if len({member.name for member in members}) > 1:
        return False
    versions: set[tuple[str, str]] = set()
    for member in members:
        parts = member.path.split("/")[:-1]
        folder = next((i for i, part in enumerate(parts) if _VERSION_FOLDER.fullmatch(part)), None)
        if folder is None:
            return False
        versions.add(("/".join(parts[:folder]), parts[folder]))
    return len(versions) == len(members) and len({parent for parent, _ in versions}) == 1


def is_vendored(sources: Sources, members: list[Symbol]) -> bool:
    """Every member is someone else's code, copied in (`vendor/`, `third_party/`, ...), or
    each member is in another project included whole (Intent.project_manifest): backtrace's
    and stdarch's CI runners, one per project."""
    if all(classify.classify(member.path) == "vendored" for member in members):
        return True
    projects = [sources.project(member) for member in members]
    return None not in projects and len(set(projects)) == len(projects)


@dataclass(slots=True)
class Deprecations:
    """Which members are deprecated: by a mark at the definition, a warning in the body, or
    a module-level warning in their file or in a package index file above it."""

    sources: Sources
    _modules: dict[str, bool] = field(default_factory=dict)

    def is_deprecated(self, symbol: Symbol) -> bool:
        spec = spec_by_name(symbol.language)
        rules = spec.clones.intent
        source = self.sources.get(symbol.path)
        if source is None:
            return False
        if (item := compiled(rules.deprecated_item)) and any(
            item.match(line) for line in lines_above(source, symbol)
        ):
            return True
        if (body := compiled(rules.deprecated_body)) is not None:
            first = symbol.line - 1
            text = "\n".join(source.lines[first : min(symbol.end_line, first + BODY_LINES)])
            if body.search(text):
                return True
        if not rules.deprecated_module:
            return False
        folder = _directory(symbol.path)
        candidates = [symbol.path]
        while True:  # the package index files of every enclosing package
            candidates += [
                f"{folder}/{stem}{ext}" if folder else f"{stem}{ext}"
                for stem in spec.package_index_stems
                for ext in spec.extensions
            ]
            if not folder:
                break
            folder = _directory(folder)
        return any(self._module_deprecated(path, rules.deprecated_module) for path in candidates)

    def _module_deprecated(self, path: str, rule: str) -> bool:
        if path not in self._modules:
            source = self.sources.get(path)
            pattern = compiled(rule)
            text = source.data.decode("utf-8", errors="replace") if source else ""
            self._modules[path] = bool(pattern and text and pattern.search(text))
        return self._modules[path]

    def holds(self, members: list[Symbol]) -> bool:
        """All copies but at most one are deprecated: the duplication leaves with them."""
        current = 0
        for member in members:
            if not self.is_deprecated(member):
                current += 1
                if current > 1:
                    return False
        return True
