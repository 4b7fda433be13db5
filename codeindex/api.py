"""CodeIndex: the one library API behind the CLI and the MCP server."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from codeindex import storage
from codeindex.clones.fingerprints import DEFAULT_MIN_SIMILARITY
from codeindex.clones.table import CloneTables
from codeindex.fsutil import Unreadable, is_write_refused, read_source
from codeindex.index_dir import INDEX_DIR
from codeindex.indexer import Indexer, Progress, read_state
from codeindex.models import (
    DuplicatesResult,
    ReferencesResult,
    SearchHit,
    SearchResult,
    SimilarResult,
    Symbol,
    UpdateReport,
)
from codeindex.query import SearchQuery, parse_query
from codeindex.walker import DEFAULT_MAX_FILE_SIZE

if TYPE_CHECKING:
    from codeindex.clones.baseline import Baseline

DEFAULT_LIMIT = 20
MAX_HINT_PIECES = 8  # words or alternatives counted alone in the no-match note
NEAREST_NAMES = 3
DEFAULT_REFS_LIMIT = 100
SHOW_REFS = 10  # references shown with a definition (`show --refs`, get_symbol)
SHOW_CANDIDATES = 5000
READ_FILE_LIMIT = 64 << 20  # a source file shown in full; the index skips far smaller ones


class LanguageCounts(TypedDict):
    files: int
    symbols: int


class SkippedFile(TypedDict):
    path: str
    reason: str


class IndexStatus(TypedDict):
    """What `CodeIndex.status` reports (the CLI prints it, MCP's index_status returns it)."""

    root: str
    index: str
    files: int
    symbols: int
    languages: dict[str, LanguageCounts]
    skipped: dict[str, int]
    skipped_files: list[SkippedFile]
    last_update: object
    read_only: str | None


class UsageError(ValueError):
    """Bad input from the caller; the message says what to do."""


def find_root(start: Path | None = None) -> Path:
    """The nearest ancestor holding `.code-index/`, else the git top level, else `start`."""
    start = (start or Path.cwd()).resolve()
    for candidate in (start, *start.parents):
        if (candidate / INDEX_DIR).is_dir():
            return candidate
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    import subprocess  # only when no marker folder answers; costs 40 ms to import

    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=start,
            capture_output=True,
            text=True,
            timeout=5,
        )
        if top.returncode == 0 and top.stdout.strip():
            return Path(top.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return start


def _size_limit(explicit: int | None, directory: Path) -> int:
    """--max-file-size, else $CODE_INDEX_MAX_FILE_SIZE, else the limit the index was last
    built with (a later command must not skip what `index --max-file-size` took in)."""
    if explicit is not None:
        if explicit < 1:
            raise UsageError("--max-file-size must be at least 1 (bytes), e.g. 2000000")
        return explicit
    if os.environ.get("CODE_INDEX_MAX_FILE_SIZE", "").isdigit():
        return max_file_size_from_env()
    remembered = read_state(directory).get("max_file_size")
    if isinstance(remembered, int) and remembered > 0:
        return remembered
    return DEFAULT_MAX_FILE_SIZE


def max_file_size_from_env() -> int:
    value = os.environ.get("CODE_INDEX_MAX_FILE_SIZE", "")
    return int(value) if value.isdigit() else DEFAULT_MAX_FILE_SIZE


def _rebuild_turn(directory: Path):  # type: ignore[no-untyped-def]
    """The rebuild lock of the index in `directory`, and whether another rebuild held it
    first. A rebuild that finishes swaps that directory out: then lock the new one."""
    waited = False
    while True:
        try:
            before = os.stat(directory).st_ino
            lock = storage.directory_lock(directory, storage.REBUILD_LOCK)
            if not lock.acquire(blocking=False):
                waited = True
                lock.acquire(blocking=True)
            if os.stat(directory).st_ino == before:
                return lock, waited
            lock.release()
        except OSError:
            return None, waited  # cannot lock (read-only): the build itself will say why


@dataclass(frozen=True, slots=True)
class Rebuilt:
    code_index: CodeIndex
    report: UpdateReport
    waited: bool  # another rebuild ran first


@dataclass(frozen=True, slots=True)
class SymbolSource:
    symbol: Symbol
    source: str

    def to_json(self) -> dict[str, object]:
        return {**self.symbol.to_json(), "source": self.source}


class CodeIndex:
    def __init__(self, root: Path, index_store: storage.Store, max_file_size: int) -> None:
        self.root = root
        self.store = index_store
        self.indexer = Indexer(root, index_store, max_file_size)
        self.read_only_reason = ""
        # One refresh at a time in this process (watcher thread, MCP reindex, CLI); across
        # processes the Whoosh writer lock serialises them.
        self._refresh_lock = threading.Lock()
        # Clone units read from the index, kept while its generation is unchanged.
        self._clone_tables = CloneTables()

    @classmethod
    def open(
        cls,
        root: Path | None = None,
        rebuild: bool = False,
        max_file_size: int | None = None,
    ) -> CodeIndex:
        root = (root or find_root()).resolve()
        if not root.is_dir():
            raise UsageError(f"root {root} is not a directory; pass an existing --root")
        if rebuild:
            return cls.rebuild(root, max_file_size).code_index
        index_store = storage.Store.open(root)
        return cls(root, index_store, _size_limit(max_file_size, index_store.directory))

    @classmethod
    def rebuild(
        cls,
        root: Path | None = None,
        max_file_size: int | None = None,
        progress: Progress | None = None,
        progress_total: Progress | None = None,
    ) -> Rebuilt:
        """Build a new index beside the current one, then swap it in (codeindex.index_dir):
        the old index answers until then, and a kill at any moment leaves one of them whole.
        Rebuilds take turns; one that waited for another says so, then rebuilds too."""
        from codeindex import index_dir

        root = (root or find_root()).resolve()
        if not root.is_dir():
            raise UsageError(f"root {root} is not a directory; pass an existing --root")
        size_limit = _size_limit(max_file_size, root / INDEX_DIR)
        try:
            storage.Store.open(root).close()  # creates an empty index when there is none
        except storage.ForeignIndex:
            raise
        except storage.IndexError_:
            pass  # ours but unusable: what a rebuild is for
        lock, waited = _rebuild_turn(root / INDEX_DIR)
        try:
            index_dir.remove_leftovers(root)  # of killed rebuilds: no live one but ours
            side = storage.Store.create_beside(root)
            try:
                report = Indexer(root, side, size_limit).refresh(
                    progress=progress, progress_total=progress_total
                )
                installed = side.install()
            finally:
                side.close()
                if side.directory.exists():
                    index_dir.remove_ours(side.directory)
        finally:
            if lock is not None:
                lock.release()
        return Rebuilt(cls(root, installed, size_limit), report, waited)

    def close(self) -> None:
        self.store.close()

    # -- freshness -------------------------------------------------------------------------

    def refresh(
        self,
        paths: list[str] | None = None,
        progress: Progress | None = None,
        progress_total: Progress | None = None,
        merge: bool = True,
        lock_timeout: float = storage.WRITER_TIMEOUT,
    ) -> UpdateReport | None:
        """Re-index what changed on disk. Returns None when another process holds the writer
        lock past `lock_timeout`: it keeps the index current, so answers come from its last
        commit."""
        try:
            with self._refresh_lock:
                report = self.indexer.refresh(paths, progress, progress_total, merge, lock_timeout)
        except storage.IndexBusy as busy:
            self.read_only_reason = str(busy)
            return None
        except OSError as exc:
            if not is_write_refused(exc):
                raise
            # A read-only or full disk: answer from the index as it is.
            self.read_only_reason = (
                f"cannot update the index in {self.store.directory} ({exc.strerror}); "
                "answers come from the last complete update"
            )
            return None
        self.read_only_reason = ""
        return report

    # -- queries ---------------------------------------------------------------------------

    def search(
        self,
        text: str,
        languages: list[str] | None = None,
        kinds: list[str] | None = None,
        paths: list[str] | None = None,
        limit: int = DEFAULT_LIMIT,
        tests: str = "include",
    ) -> SearchResult:
        """Ranked definitions for a query (syntax: codeindex.query). `tests`: include,
        exclude or only tests and fixtures (codeindex.classify). An empty answer carries a
        `note`: how many each word or alternative matches alone, and the nearest names."""
        if limit < 1:
            raise UsageError("limit must be at least 1")
        filters = {"kinds": kinds, "languages": languages, "paths": paths, "tests": tests}
        parsed = _parse(text, **filters)
        total, ranked = self.store.search(parsed, limit)
        hits = [SearchHit(item.symbol, item.score, item.via) for item in ranked]
        note = "" if hits else self._no_match_note(parsed, filters)
        return SearchResult(query=text, total=total, hits=hits, note=note)

    def _no_match_note(self, parsed: SearchQuery, filters: dict[str, Any]) -> str:
        """One line: nothing matched, each piece's count alone, up to three nearest names."""
        pieces = [alternative.text for alternative in parsed.alternatives]
        if len(pieces) == 1:
            pieces = pieces[0].split()
        counts = []
        if len(pieces) > 1:
            for piece in pieces[:MAX_HINT_PIECES]:
                try:
                    alone = self.store.search(_parse(piece, **filters), 1)[0]
                except UsageError:
                    continue  # a filter word (`kind:x`) or a definition word alone
                counts.append(f"'{piece}' {alone}")
        names = [word for alt in parsed.alternatives for word in alt.words or alt.text.split()]
        nearest = self.store.closest_names(names, NEAREST_NAMES)
        note = f"nothing matched '{parsed.text}'"
        if any(filters[key] not in (None, [], "include") for key in filters):
            unfiltered = self.store.search(_parse(parsed.text), 1)[0]
            if unfiltered:
                note += f" with these filters ({unfiltered} without them)"
        if counts:
            note += "; alone: " + ", ".join(counts)
        if nearest:
            note += "; nearest names: " + ", ".join(nearest)
        return note

    def outline(self, path: str, base: Path | None = None) -> list[Symbol]:
        relative = self.relative_path(path, base)
        if relative not in self.store.file_records():
            raise UsageError(
                f"{relative} is not an indexed source file under {self.root}; "
                "check the path, its language and the ignore rules"
            )
        # The file's own `module` symbol is what the outline is of, not a line in it.
        return [symbol for symbol in self.store.symbols_in(relative) if symbol.kind != "module"]

    def show(
        self, name: str, path: str | None = None, base: Path | None = None
    ) -> list[SymbolSource]:
        """`definitions` with their source text."""
        return [SymbolSource(s, self.source_of(s)) for s in self.definitions(name, path, base)]

    def definitions(
        self, name: str, path: str | None = None, base: Path | None = None
    ) -> list[Symbol]:
        """Definitions called `name`, or whose qualified name ends with it (`Scope.name`):
        those whose qualified name is exactly `name` first, then the rest in rank order."""
        bare = name.rsplit(".", 1)[-1]
        paths = [self.relative_path(path, base)] if path else None
        # Exact names rank first, so a generous page holds every definition of a common name
        # (`__init__` has thousands in the standard library).
        hits = self.search(bare, paths=paths, limit=SHOW_CANDIDATES).hits
        matches = [
            hit.symbol
            for hit in hits
            if hit.symbol.name == bare
            and (name == bare or f".{hit.symbol.qualified_name}".endswith(f".{name}"))
        ]
        matches.sort(key=lambda symbol: symbol.qualified_name != name)  # stable
        return matches

    def references(
        self,
        name: str,
        languages: list[str] | None = None,
        kinds: list[str] | None = None,
        paths: list[str] | None = None,
        limit: int = DEFAULT_REFS_LIMIT,
        offset: int = 0,
    ) -> ReferencesResult:
        """Where `name` is used (codeindex.refs); `Type.name` narrows by receiver."""
        from codeindex import refs

        if limit < 1 or offset < 0:
            raise UsageError("limit must be at least 1 and offset at least 0")
        if not name.strip():
            raise UsageError("give a name, e.g. `code-index refs parse`")
        try:
            return refs.references(
                self.store,
                self.root,
                name.strip(),
                _languages(languages),
                kinds or (),
                paths or (),
                limit,
                offset,
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    def callers(self, symbol: Symbol, limit: int = SHOW_REFS) -> ReferencesResult:
        """The first references to a definition: by `Type.name` for members, so the receiver
        narrows them, else by its name."""
        from codeindex.refs import reference_name

        return self.references(reference_name(symbol), limit=limit)

    def source_of(self, symbol: Symbol) -> str:
        # Split on "\n" only, as tree-sitter counts rows: str.splitlines() also breaks at form
        # feeds and other separators, which the standard library does contain.
        lines = self.read_file(symbol.path).split("\n")
        selected = lines[symbol.start_line - 1 : symbol.end_line]
        return "\n".join(line.removesuffix("\r") for line in selected)

    def read_file(self, relative: str) -> str:
        """Text of an indexed file. Refuses anything that resolves outside the root."""
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root):
            raise UsageError(f"{relative} is outside the project root {self.root}")
        try:  # bounded, and never blocked by a FIFO swapped in for the file
            data = read_source(self.root, relative, READ_FILE_LIMIT).data
        except Unreadable as why:
            if str(why) == "vanished":
                raise FileNotFoundError(2, "vanished", relative) from None
            raise UsageError(f"cannot read {relative}: {why}") from None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        return data.decode("utf-8", errors="replace")

    def relative_path(self, path: str, base: Path | None = None) -> str:
        """The root-relative `/` form of `path`, which may be absolute or relative to `base`
        (default: the root; the CLI passes the working directory). Refuses anything that
        resolves outside the root, symlinks included."""
        candidate = Path(path.replace("\\", "/"))
        resolved = ((base or self.root) / candidate).resolve()
        if not resolved.is_relative_to(self.root):
            raise UsageError(f"{path} is outside the project root {self.root}")
        return resolved.relative_to(self.root).as_posix()

    def export_symbols(self, languages: list[str] | None = None) -> Iterator[Symbol]:
        from codeindex.languages import resolve_type

        wanted: set[str] = set()
        for value in languages or []:
            try:
                wanted |= resolve_type(value)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        for path, record in sorted(self.store.file_records().items()):
            if record.skipped or (wanted and record.language not in wanted):
                continue
            yield from self.outline(path)

    # -- clones (logic in codeindex.clones) ---------------------------------------------------

    def similar(
        self,
        code: str,
        languages: list[str] | None = None,
        limit: int = 10,
        min_similarity: float = DEFAULT_MIN_SIMILARITY,
    ) -> SimilarResult:
        """Existing functions like a snippet, most similar first. Without `languages`, the
        languages that parse the snippet with the fewest errors are searched."""
        from codeindex.clones import similar

        if limit < 1:
            raise UsageError("limit must be at least 1")
        _check_similarity(min_similarity)
        try:
            return similar.similar(
                self.store, self._clone_tables, code, _languages(languages), limit, min_similarity
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    def duplicates(
        self,
        languages: list[str] | None = None,
        min_similarity: float = DEFAULT_MIN_SIMILARITY,
        path: str | None = None,
        limit: int | None = None,
        min_lines: int | None = None,
        blocks: bool = False,
        tests: str = "exclude",
        hide_intentional: bool = False,
        baseline: Baseline | None = None,
        hide_variants: bool = False,
    ) -> DuplicatesResult:
        """Groups of clones across the index, most valuable first; `path` keeps the groups
        touching that file or directory. With `blocks`, also blocks of code copied inside
        bigger functions. `tests`: include, exclude (the default) or only the groups whose
        members are all test code; `hide_intentional` leaves out the groups kept on purpose
        (platform variants, mirrors, families, deprecated or vendored code;
        `hide_variants` is its old name); groups a `baseline` holds are left out too (each
        filter's count is in `hidden`)."""
        from codeindex.clones import scan
        from codeindex.clones.selection import TESTS_CHOICES, Options

        _check_similarity(min_similarity)
        if limit is not None and limit < 1:
            raise UsageError("limit must be at least 1")
        if min_lines is not None and min_lines < 1:
            raise UsageError("--min-lines must be at least 1")
        if tests not in TESTS_CHOICES:
            raise UsageError(f"tests must be one of {', '.join(TESTS_CHOICES)}")
        relative = self.relative_path(path) if path else None
        options = Options(relative, tests, hide_intentional or hide_variants, baseline, limit)
        return scan.duplicates(
            self.store,
            self._clone_tables,
            _languages(languages),
            min_similarity,
            options,
            min_lines if min_lines is not None else scan.SCAN_MIN_LINES,
            blocks=blocks,
        )

    def status(self) -> IndexStatus:
        records = self.store.file_records()
        by_language: dict[str, LanguageCounts] = {}
        skipped: dict[str, int] = {}
        for record in records.values():
            if record.skipped:
                reason = record.skipped.split(":")[0]
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            entry = by_language.setdefault(record.language, {"files": 0, "symbols": 0})
            entry["files"] += 1
            entry["symbols"] += record.symbols
        state = read_state(self.store.directory)
        walk_skipped = state.get("walk_skipped", {})
        if isinstance(walk_skipped, dict):
            for reason, count in walk_skipped.items():
                skipped[reason] = skipped.get(reason, 0) + int(count)
        return {
            "root": str(self.root),
            "index": str(self.store.directory),
            "files": sum(v["files"] for v in by_language.values()),
            "symbols": sum(v["symbols"] for v in by_language.values()),
            "languages": dict(sorted(by_language.items())),
            "skipped": dict(sorted(skipped.items())),
            "skipped_files": sorted(
                ({"path": r.path, "reason": r.skipped} for r in records.values() if r.skipped),
                key=lambda item: item["path"],
            ),
            "last_update": state.get("last_update"),
            "read_only": self.read_only_reason or None,
        }


def _parse(text: str, **filters: Any) -> SearchQuery:
    try:
        parsed = parse_query(text, **filters)
        for alternative in parsed.alternatives:  # bad path globs are input errors too
            if alternative.paths:
                storage.path_matcher(alternative.paths)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return parsed


def _languages(values: list[str] | None) -> frozenset[str] | None:
    """`--type` values (short or full names) as language names; None for all."""
    from codeindex.languages import resolve_type

    if not values:
        return None
    names: set[str] = set()
    for value in values:
        try:
            names |= resolve_type(value)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return frozenset(names)


def _check_similarity(value: float) -> None:
    if not 0.0 < value <= 1.0:
        raise UsageError("min similarity must be in (0, 1], e.g. 0.7")
