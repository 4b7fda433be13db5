"""Where a name is used: candidate files from the index, reference sites from tree-sitter.

Indexing stores, per file, its distinct words and an outline of its definitions (`blob`: a
C-speed split and one JSON array, no extra parse). A query takes the files whose words hold
the name, finds the name's occurrences in each, and parses only the definitions around them
(the innermost indexed definition, or the module-level lines between definitions) with the
language's reference query (`verify`). Occurrences in comments, strings and definitions fall
out there. This is candidate-and-verify, as zoekt does: the index grows by the words' and
the outline's bytes and is written at almost no cost, and a query parses a few kilobytes per
use. Each file's verified uses of a name are kept beside the index while the file's indexed
digest stays the same (`cache`): a name asked again reads and parses nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import xxhash

from codeindex.languages import LanguageSpec, spec_by_name
from codeindex.models import FileRecord, Reference, ReferencesResult, Symbol
from codeindex.qualified import module_name, split_name
from codeindex.refs.blob import MEMBER_KINDS, Outline, file_blob, words_of
from codeindex.refs.cache import UseCache, UseRow
from codeindex.refs.verify import line_of, sites

if TYPE_CHECKING:
    from codeindex.storage import Store

__all__ = [
    "REFERENCE_KINDS",
    "file_blob",
    "find_references",
    "reference_counts",
    "reference_name",
    "references",
    "split_name",
    "words_of",
]

REFERENCE_KINDS = ("call", "decorator", "import", "type", "attribute", "name")
READ_MAX = 64 << 20
BOM = b"\xef\xbb\xbf"
_RECEIVER_TAIL = re.compile(r"[.:/\\]+")
Candidate = tuple[FileRecord, bytes]  # a file record and its outline (refs.blob)


class Use(NamedTuple):
    """One use of a bare name in a file, as verified (or cached: codeindex.refs.cache)."""

    row: int  # 0-based line
    column: int  # 1-based character column
    text: str  # the line, trimmed
    kind: str
    receiver: str  # what the name is reached through, as written ("" if nothing)
    scope: str  # the enclosing symbol's qualified name (the module's at module level)


def find_references(
    store: Store,
    root: Path,
    name: str,
    candidates: Iterable[Candidate] | None = None,
    kinds: Iterable[str] = (),
) -> Iterator[Reference]:
    """References to `name` in path order, then line and column. `candidates`: the files to
    look in (default: every file whose words hold the name)."""
    wanted_kinds = frozenset(kinds)
    for path, use, _ in _uses(store, root, name, candidates):
        if not wanted_kinds or use.kind in wanted_kinds:
            yield Reference(path, use.row + 1, use.column, use.scope, use.text, use.kind)


def _uses(
    store: Store, root: Path, name: str, candidates: Iterable[Candidate] | None = None
) -> Iterator[tuple[str, Use, LanguageSpec]]:
    """(path, use, language) of each use of `name`, narrowed by its qualifier if it has one.
    A file's uses come from the cache when its indexed digest is the one they were verified
    at, otherwise from verifying the file (then cached)."""
    qualifier, bare = split_name(name)
    if not bare:
        return
    found = store.files_using(bare) if candidates is None else list(candidates)
    if qualifier:
        # A narrowed use names its qualifier in the file: `Loader.parse`, an import of the
        # module, or `class Loader` around `self.parse`.
        with_qualifier = {record.path for record, _ in store.files_using(qualifier)}
        found = [item for item in found if item[0].path in with_qualifier]
    cache = UseCache(store.derived_files, bare)
    try:
        for record, outline in sorted(found, key=_by_path):
            if record.skipped:
                continue
            spec = spec_by_name(record.language)
            rows = cache.get(record.path, record.digest)
            if rows is None:
                rows = _verify(root, record, spec, outline, bare, cache)
            for row in rows:
                use = Use(*row)
                if not qualifier or _narrowed(use, qualifier, spec):
                    yield record.path, use, spec
    finally:
        cache.save()


def _verify(
    root: Path, record: FileRecord, spec: LanguageSpec, outline: bytes, bare: str, cache: UseCache
) -> list[UseRow]:
    """The uses of `bare` in the file of `record`, cached when the bytes read are the ones
    indexed. A file that, as indexed, writes the name only where it defines it is not read
    (as a file that does not write it is not a candidate)."""
    decoded = Outline.decode(outline)
    if decoded.only_defines(bare):
        return []
    read = _read(os.path.join(root, record.path), record.size)
    if read is None:
        return []
    raw, source = read
    indexed = xxhash.xxh3_64_hexdigest(raw) == record.digest
    digest = record.digest if indexed else ""
    rows: list[UseRow] = []
    module = ""
    for site in sites(source, spec, decoded, bare, digest):
        if not site.scope and not module:
            module = module_name(record.path, spec)
        column, text = line_of(source, site.offset)
        rows.append([site.row, column, text, site.kind, site.receiver, site.scope or module])
    if indexed:
        cache.put(record.path, record.digest, rows)
    return rows


def _by_path(candidate: Candidate) -> str:
    return candidate[0].path


def _narrowed(use: Use, qualifier: str, spec: LanguageSpec) -> bool:
    """Whether the syntax shows the use is reached through `qualifier`: `Loader.parse`,
    `pkg.Loader.parse`, `from pkg.loader import parse` for `loader.parse`, or `self.parse`
    inside Loader."""
    receiver = use.receiver
    if not receiver:
        return False
    if receiver in spec.self_names:
        return f".{qualifier}." in f".{use.scope}."
    return _RECEIVER_TAIL.split(receiver.rstrip("()"))[-1] == qualifier


def _read(path: str, size: int) -> tuple[bytes, bytes] | None:
    """The file's bytes as read (what the index digests) and as parsed (no BOM). `size` is
    its indexed size: one `os.read` of one byte more reads it all and tells whether it grew
    (a buffered read of up to READ_MAX bytes allocates that much first: most of the reading
    time of a common name's query)."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None  # gone or unreadable since it was indexed: nothing to show
    try:
        raw = os.read(handle, min(size + 1, READ_MAX))
        if len(raw) > size:
            chunks = [raw]
            while raw and sum(map(len, chunks)) < READ_MAX:
                raw = os.read(handle, READ_MAX - sum(map(len, chunks)))
                chunks.append(raw)
            raw = b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(handle)
    return raw, raw[len(BOM) :] if raw.startswith(BOM) else raw


def references(
    store: Store,
    root: Path,
    name: str,
    languages: frozenset[str] | None = None,
    kinds: Iterable[str] = (),
    paths: Iterable[str] = (),
    limit: int = 100,
    offset: int = 0,
) -> ReferencesResult:
    """A page of the references to `name` (see find_references), with how many there are."""
    from codeindex.storage import path_matcher

    unknown = sorted(set(kinds) - set(REFERENCE_KINDS))
    if unknown:
        raise ValueError(
            f"unknown reference kind {unknown[0]!r}; use one of: {', '.join(REFERENCE_KINDS)}"
        )
    candidates = store.files_using(split_name(name)[1])
    if languages is not None:
        candidates = [item for item in candidates if item[0].language in languages]
    globs = list(paths)
    if globs:
        matches = path_matcher(globs)
        candidates = [item for item in candidates if matches(item[0].path)]
    found = list(find_references(store, root, name, candidates, kinds))
    note = "" if found else _unnarrowed_note(store, root, name, candidates, kinds)
    page = found[offset : offset + limit]
    return ReferencesResult(name=name, total=len(found), references=page, note=note)


def _unnarrowed_note(
    store: Store, root: Path, name: str, candidates: list[Candidate], kinds: Iterable[str]
) -> str:
    """For `Type.name` with no use: how many uses of the bare name the files that name the
    type hold (their uses are cached by the query just made), all through receivers whose
    type the syntax does not show (`cmd.Execute()`)."""
    qualifier, bare = split_name(name)
    if not qualifier:
        return ""
    naming = {record.path for record, _ in store.files_using(qualifier)}
    near = [item for item in candidates if item[0].path in naming]
    count = sum(1 for _ in find_references(store, root, bare, near, kinds))
    if not count:
        return ""
    uses = f"{count} use{'' if count == 1 else 's'}"
    return (
        f"no use of {bare!r} shows it is reached through {qualifier!r}; the files that name "
        f"{qualifier!r} hold {uses} of {bare!r} through receivers whose type the syntax does "
        f"not show: `refs {bare}` lists every use"
    )


def reference_name(symbol: Symbol) -> str:
    """What to ask `references` for a definition: `Type.name` for a member (the receiver
    narrows its uses), the bare name otherwise (a Go function `pkg.F` is called as `F` inside
    its package)."""
    if symbol.kind in MEMBER_KINDS:
        scope = symbol.qualified_name.rpartition(".")[0].rpartition(".")[2]
        if scope:
            return f"{scope}.{symbol.name}"
    return symbol.name


def reference_counts(store: Store, root: Path, symbols: Sequence[Symbol]) -> list[int]:
    """How many references each definition has (by `reference_name`, as `show --refs`
    counts them). Definitions sharing a bare name are counted from one pass over its uses."""
    names = [reference_name(symbol) for symbol in symbols]
    by_bare: dict[str, dict[str, int]] = {}
    for name in names:
        by_bare.setdefault(split_name(name)[1], {})[name] = 0
    for bare, counts in by_bare.items():
        qualifiers = {name: split_name(name)[0] for name in counts}
        for _, use, spec in _uses(store, root, bare):
            for name, qualifier in qualifiers.items():
                if not qualifier or _narrowed(use, qualifier, spec):
                    counts[name] += 1
    return [by_bare[split_name(name)[1]][name] for name in names]
