"""CodeIndex: the one library API behind the CLI and the MCP server.

Reads (search, outline, show, references, similar, duplicates, status, export) and `refresh`,
returning typed results (codeindex.models, codeindex.api_types). The store and the indexer
are private: the adapters (codeindex.cli, codeindex_server) speak only this API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from codeindex import api_input, storage
from codeindex.api_input import no_match_note, parse_search, resolve_languages
from codeindex.api_open import (
    build_beside,
    existing_root,
    find_root,
    max_file_size_from_env,
    read_text,
    root_relative,
    size_limit,
)
from codeindex.api_types import (
    IndexStatus,
    LanguageCounts,
    OutlineNode,
    Rebuilt,
    SkippedFile,
    SymbolSource,
    UsageError,
    WriterElsewhere,
    index_status,
    outline_tree,
)
from codeindex.clones import DEFAULT_MIN_SIMILARITY
from codeindex.fsutil import is_write_refused
from codeindex.models import (
    DuplicatesResult,
    FileRecord,
    ReferencesResult,
    SearchHit,
    SearchResult,
    SimilarResult,
    Symbol,
    UpdateReport,
)

if TYPE_CHECKING:
    from codeindex.api_refs import Counted
    from codeindex.clones.baseline import Baseline
    from codeindex.clones.table import CloneTables
    from codeindex.indexer import Indexer, Progress
    from codeindex.watch_thread import IndexHooks

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_REFS_LIMIT",
    "CodeIndex",
    "IndexStatus",
    "LanguageCounts",
    "OutlineNode",
    "Rebuilt",
    "SkippedFile",
    "SymbolSource",
    "UsageError",
    "WriterElsewhere",
    "find_root",
    "max_file_size_from_env",
    "outline_tree",
]

DEFAULT_LIMIT = 20
DEFAULT_REFS_LIMIT = 100
SHOW_REFS = 10  # references shown with a definition (`show --refs`, get_symbol)
SHOW_CANDIDATES = 5000


class CodeIndex:
    """The index of one project root. Open it with `CodeIndex.open` (or `rebuild`); one
    instance is not for concurrent reads (the MCP server keeps one per call: a pool)."""

    def __init__(
        self, root: Path, index_store: storage.Store, max_file_size: int, size_from: str = "option"
    ) -> None:
        self.root = root
        self._store = index_store
        self._max_file_size = max_file_size
        self._size_from = size_from  # where the limit comes from: see api_open.size_limit
        self._writer: Indexer | None = None  # made on first use: see _indexer
        self._read_only_reason = ""
        # One refresh at a time in this process (watcher thread, MCP reindex, CLI); across
        # processes the Whoosh writer lock serialises them.
        self._refresh_lock = threading.Lock()
        # Clone units read from the index, kept while its generation is unchanged; made on
        # first use, like the indexer: a search beside a watcher imports neither.
        self._tables: CloneTables | None = None
        self._tables_lock = threading.Lock()

    @property
    def read_only_reason(self) -> str:
        """Why this instance answers without updating the index ("" when it updates it)."""
        return self._read_only_reason

    @property
    def max_file_size(self) -> int:
        """Files larger than this (bytes) are skipped."""
        return self._max_file_size

    @property
    def _indexer(self) -> Indexer:
        if self._writer is None:
            from codeindex.indexer import Indexer

            self._writer = Indexer(self.root, self._store, self._max_file_size)
        return self._writer

    @property
    def _clone_tables(self) -> CloneTables:
        with self._tables_lock:
            if self._tables is None:
                from codeindex.clones.table import CloneTables

                self._tables = CloneTables()
            return self._tables

    @classmethod
    def open(
        cls,
        root: Path | None = None,
        rebuild: bool = False,
        max_file_size: int | None = None,
    ) -> CodeIndex:
        root = existing_root(root)
        if rebuild:
            return cls.rebuild(root, max_file_size).code_index
        index_store = storage.Store.open(root)
        return cls(root, index_store, *size_limit(max_file_size, storage.index_state(root)))

    @classmethod
    def rebuild(
        cls,
        root: Path | None = None,
        max_file_size: int | None = None,
        progress: Progress | None = None,
        progress_total: Progress | None = None,
    ) -> Rebuilt:
        """Build a new index beside the current one, then swap it in (codeindex.storage.index_dir):
        the old index answers until then, and a kill at any moment leaves one of them whole.
        Rebuilds take turns; one that waited for another says so, then rebuilds too."""
        root = existing_root(root)
        limit, size_from = size_limit(max_file_size, storage.index_state(root))
        installed, report, waited = build_beside(root, limit, progress, progress_total)
        return Rebuilt(cls(root, installed, limit, size_from), report, waited)

    def close(self) -> None:
        self._store.close()

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
                report = self._indexer.refresh(paths, progress, progress_total, merge, lock_timeout)
        except storage.IndexBusy as busy:
            self._read_only_reason = str(busy)
            return None
        except OSError as exc:
            if not is_write_refused(exc):
                raise
            # A read-only or full disk: answer from the index as it is.
            self._read_only_reason = (
                f"cannot update the index in {self._store.directory} ({exc.strerror}); "
                "answers come from the last complete update"
                if self._store.ever_committed()
                # A first build: there is no earlier update to answer from.
                else f"cannot build the index in {self._store.directory} ({exc.strerror})"
            )
            return None
        self._read_only_reason = ""
        return report

    def writer_elsewhere(self, sync_timeout: float = 0.0) -> WriterElsewhere | None:
        """Whether another process writes this index: a rebuild running beside it, or a
        watcher that keeps it current and has committed what changed before this call (it is
        given `sync_timeout` seconds to say so). Then this instance answers from that
        writer's commits, read-only, and `read_only_reason` says why."""
        from codeindex.api_watch import writer_elsewhere

        elsewhere = writer_elsewhere(self.root, self._store, sync_timeout)
        if elsewhere is not None:
            self._read_only_reason = elsewhere.reason
        return elsewhere

    def watch_hooks(self) -> IndexHooks:
        """What a watcher (codeindex.watcher) runs against this index: refresh, merges, its
        lock and its files in the index directory."""
        from codeindex.api_watch import index_hooks

        return index_hooks(self, self._store)

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
        paths = api_input.path_filters(self.root, paths)
        filters = {"kinds": kinds, "languages": languages, "paths": paths, "tests": tests}
        parsed = parse_search(text, **filters)
        total, ranked = self._store.search(parsed, limit)
        hits = [SearchHit(item.symbol, item.score, item.via) for item in ranked]
        note = "" if hits else no_match_note(self._store, parsed, filters)
        return SearchResult(query=text, total=total, hits=hits, note=note)

    def file_records(self, under: list[str] | None = None) -> dict[str, FileRecord]:
        """What the index holds about each file (a skipped one with the reason), or about
        those at or below the root-relative `under` paths only."""
        return self._store.file_records(under)

    def nothing_under(self, relative: str) -> str:
        """Why an answer filtered by the root-relative `relative` is empty when the path holds
        no indexed file (it does not exist, or holds no source file); "" when it holds some."""
        if relative in ("", ".") or self.file_records([relative]):
            return ""
        if (self.root / relative).exists():
            return f"no indexed source file is under {relative}"
        return f"{relative} does not exist under the project root; pass a file or folder there"

    def is_empty(self) -> bool:
        """Whether the index holds nothing to search yet."""
        return not self._store.doc_count()

    def outline(self, path: str, base: Path | None = None) -> list[Symbol]:
        """The symbols of one indexed file in line order (nest them with `outline_tree`)."""
        relative = self.relative_path(path, base)
        if relative not in self._store.file_records():
            raise UsageError(
                f"{relative} is not an indexed source file under {self.root}; "
                "check the path, its language and the ignore rules"
            )
        return self._file_symbols(relative)

    def _file_symbols(self, relative: str) -> list[Symbol]:
        """The symbols of an indexed file, by its root-relative path as stored (a symlink's
        own path, not its target's). The file's own `module` symbol is what they are of, not
        one of them; modules written inside the file are."""
        from codeindex.qualified import is_file_module

        return [s for s in self._store.symbols_in(relative) if not is_file_module(s)]

    def show(
        self, name: str, path: str | None = None, base: Path | None = None
    ) -> list[SymbolSource]:
        """`definitions` with their source text."""
        return [SymbolSource(s, self.source_of(s)) for s in self.definitions(name, path, base)]

    def definitions(
        self, name: str, path: str | None = None, base: Path | None = None
    ) -> list[Symbol]:
        """Definitions called `name`, or whose qualified name ends with it (`Scope.name`), or
        whose module name and qualified name do (`Effect.retry`, `ratelimit.consume`): those
        whose qualified name is exactly `name` first, then the rest in rank order. A class
        stands for its file's module symbol and its constructors (qualified.without_stand_ins)."""
        from codeindex import qualified

        bare = qualified.split_name(name)[1]
        paths = api_input.file_filter(self.root, self.relative_path(path, base) if path else ".")
        # Exact names rank first, so a generous page holds every definition of a common name
        # (`__init__` has thousands in the standard library).
        text = api_input.definition_query(bare)
        hits = self.search(text, paths=paths, limit=SHOW_CANDIDATES).hits if text else []
        matches = [
            hit.symbol
            for hit in hits
            if hit.symbol.name == bare and qualified.names(hit.symbol, name)
        ]
        matches = qualified.without_stand_ins(matches, name)
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
        from codeindex.api_refs import references

        paths = api_input.path_filters(self.root, paths)
        return references(self._store, self.root, name, languages, kinds, paths, limit, offset)

    def callers(self, symbol: Symbol, limit: int = SHOW_REFS) -> ReferencesResult:
        """The first references to a definition: by `Type.name` for members, so the receiver
        narrows them, else by its name."""
        from codeindex.refs import reference_name

        return self.references(reference_name(symbol), limit=limit)

    def with_reference_counts(self, result: Counted) -> Counted:
        """The result with each match's number of references (`refs`), counted as
        `show --refs` counts them: one pass over each distinct name's uses."""
        from codeindex.api_refs import with_reference_counts

        return with_reference_counts(self._store, self.root, result)

    def source_of(self, symbol: Symbol) -> str:
        # Split on "\n" only, as tree-sitter counts rows: str.splitlines() also breaks at form
        # feeds and other separators, which the standard library does contain.
        lines = self.read_file(symbol.path).split("\n")
        selected = lines[symbol.start_line - 1 : symbol.end_line]
        return "\n".join(line.removesuffix("\r") for line in selected)

    def read_file(self, relative: str) -> str:
        """Text of an indexed file. Refuses anything that resolves outside the root."""
        return read_text(self.root, relative)

    def relative_path(self, path: str, base: Path | None = None) -> str:
        """The root-relative `/` form of `path`, which may be absolute or relative to `base`
        (default: the root; the CLI passes the working directory). Refuses anything that
        resolves outside the root, symlinks included."""
        return root_relative(self.root, path, base)

    def export_symbols(self, languages: list[str] | None = None) -> Iterator[Symbol]:
        """Every indexed symbol, file by file in path order, of `languages` (default all)."""
        wanted = resolve_languages(languages)
        for path, record in sorted(self._store.file_records().items()):
            if record.skipped or (wanted and record.language not in wanted):
                continue
            yield from self._file_symbols(path)

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
        from codeindex.api_clones import similar

        return similar(self._store, self._clone_tables, code, languages, limit, min_similarity)

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
        from codeindex.api_clones import duplicates

        return duplicates(
            self._store,
            self._clone_tables,
            self.root,
            path,
            languages,
            min_similarity,
            limit,
            min_lines,
            blocks,
            tests,
            hide_intentional or hide_variants,
            baseline,
        )

    def status(self) -> IndexStatus:
        """What the index holds, per language, and what it skipped and why."""
        return index_status(
            self.root,
            str(self._store.directory),
            self._store.file_records(),
            storage.index_state(self.root),
            self._read_only_reason,
            (self._max_file_size, self._size_from),
        )
