"""The `code-index` command: parse arguments, call CodeIndex, render text or JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from codeindex import api, store
from codeindex.clones.fingerprints import DEFAULT_MIN_SIMILARITY
from codeindex.gc_pause import cyclic_gc_paused
from codeindex.languages import language_for_path
from codeindex.models import KINDS, Reference, Symbol, UpdateReport
from codeindex.refs import REFERENCE_KINDS

COMMANDS = (
    "search",
    "index",
    "status",
    "watch",
    "outline",
    "show",
    "refs",
    "export",
    "dups",
    "similar",
    "mcp",
)
# Commands that run until stopped keep the cyclic garbage collector running.
RUN_UNTIL_STOPPED = frozenset({"watch"})
EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2
INDEX_LOCK_TIMEOUT = 600.0  # seconds `index` waits for another writer to finish

# Universal ctags kind letters, so editors show familiar kinds.
CTAGS_KINDS = {
    "function": "f",
    "method": "m",
    "constructor": "m",
    "property": "p",
    "class": "c",
    "record": "c",
    "struct": "s",
    "interface": "i",
    "trait": "i",
    "enum": "g",
    "type": "t",
    "namespace": "n",
    "module": "n",
    "macro": "d",
}


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root",
        type=Path,
        help="project root (default: nearest .code-index/, "
        "else the git top level, else the current directory)",
    )
    common.add_argument(
        "--max-file-size",
        type=int,
        metavar="BYTES",
        help="skip files larger than this (default 1 MiB, or $CODE_INDEX_MAX_FILE_SIZE)",
    )

    parser = argparse.ArgumentParser(
        prog="code-index",
        description="Local code index and near-duplicate scanner. "
        "`code-index QUERY` is short for `code-index search QUERY`.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    search = commands.add_parser("search", parents=[common], help="find symbols by name")
    search.add_argument(
        "query",
        nargs="+",
        help="name, part of one, or words; `pars*` prefix; `A|B` either; `^`/`$` anchors; "
        "`class User` kind word; inline filters kind:K lang:L path:GLOB",
    )
    add_type(search)
    search.add_argument(
        "--kind", action="append", choices=KINDS, help="only this kind (repeatable)"
    )
    search.add_argument(
        "--path",
        action="append",
        metavar="GLOB",
        help="only files matching this gitignore-style glob (repeatable)",
    )
    search.add_argument(
        "--tests",
        choices=("include", "exclude", "only"),
        default="include",
        help="tests and fixtures: include (ranked after library code), exclude, only",
    )
    search.add_argument("--limit", type=int, default=api.DEFAULT_LIMIT)
    add_json(search)

    index = commands.add_parser("index", parents=[common], help="build or refresh the index")
    index.add_argument("--rebuild", action="store_true", help="start from scratch")
    add_json(index)

    status = commands.add_parser("status", parents=[common], help="what the index holds")
    add_json(status)

    commands.add_parser("watch", parents=[common], help="keep the index current while files change")

    outline = commands.add_parser("outline", parents=[common], help="symbols of one file")
    outline.add_argument("file")
    add_json(outline)

    show = commands.add_parser("show", parents=[common], help="source of a symbol")
    show.add_argument("name", help="a name or qualified name, e.g. UserService.get_user")
    show.add_argument("--path", help="only in this file")
    show.add_argument(
        "--refs", action="store_true", help="also the first references to it (see `refs`)"
    )
    add_json(show)

    refs = commands.add_parser(
        "refs", parents=[common], help="where a name is used: calls, types, imports, ..."
    )
    refs.add_argument("name", help="a name, or Type.name to narrow by receiver")
    add_type(refs)
    refs.add_argument(
        "--kind",
        action="append",
        choices=REFERENCE_KINDS,
        help="only this kind of use (repeatable)",
    )
    refs.add_argument(
        "--path",
        action="append",
        metavar="GLOB",
        help="only files matching this gitignore-style glob (repeatable)",
    )
    refs.add_argument("--limit", type=int, default=api.DEFAULT_REFS_LIMIT)
    add_json(refs)

    export = commands.add_parser(
        "export", parents=[common], help="every symbol, as JSON lines or a ctags tags file"
    )
    export.add_argument("--format", choices=("jsonl", "ctags"), default="jsonl")
    add_type(export)

    dups = commands.add_parser(
        "dups", parents=[common], help="groups of duplicated functions (exact, renamed, edited)"
    )
    add_type(dups)
    add_min_similarity(dups)
    dups.add_argument(
        "--min-lines",
        type=int,
        default=None,
        metavar="N",
        help="ignore functions shorter than N lines (default 6)",
    )
    dups.add_argument(
        "--blocks",
        action="store_true",
        help="also report blocks copied inside bigger functions (50+ tokens, 6+ lines)",
    )
    dups.add_argument("--path", help="only groups touching this file or directory")
    dups.add_argument(
        "--tests",
        choices=("include", "exclude", "only"),
        default="exclude",
        help="groups made only of test code: listed after the rest, left out (the default: "
        "one line counts them) or listed alone",
    )
    dups.add_argument(
        "--hide-variants",
        action="store_true",
        help="leave out platform variants (copies kept apart per OS, architecture or build "
        "constraint, labelled platform-variants)",
    )
    dups.add_argument("--limit", type=int, default=None, help="print at most N groups")
    dups.add_argument(
        "--members",
        type=int,
        default=None,
        metavar="N",
        help="text: members shown per group before a summary of the rest (default 3); "
        "JSON and SARIF always hold every member",
    )
    dups.add_argument("--format", choices=("text", "json", "sarif"), default=None)
    dups.add_argument(
        "--baseline",
        metavar="FILE",
        help="report, and fail on, only groups that FILE does not hold",
    )
    dups.add_argument(
        "--update-baseline",
        metavar="FILE",
        help="write every group of this scan to FILE as the baseline, then report as usual",
    )
    dups.add_argument(
        "--fail-on",
        type=int,
        default=None,
        metavar="N",
        help="exit 1 when the report shows more than N groups (for CI): what --tests, "
        "--hide-variants, --path and --baseline leave out is not counted, and --limit "
        "does not change the count",
    )
    add_json(dups)

    similar = commands.add_parser(
        "similar", parents=[common], help="existing functions like a snippet (FILE or stdin)"
    )
    similar.add_argument(
        "file",
        nargs="?",
        default="-",
        help="snippet file, or - for stdin; a file's extension gives its language unless --type",
    )
    add_type(similar)
    similar.add_argument("--limit", type=int, default=10)
    add_min_similarity(similar)
    add_json(similar)

    # Listed for --help only: `main` hands `mcp` and its options to the server's own parser.
    commands.add_parser("mcp", help="run the MCP server on stdio (code-index mcp --help)")
    return parser


def add_type(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--type",
        "-t",
        action="append",
        metavar="LANG",
        help="py/python, ts/typescript, tsx, go, rs/rust, cs/csharp (repeatable)",
    )


def add_min_similarity(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-similarity",
        type=float,
        default=DEFAULT_MIN_SIMILARITY,
        metavar="F",
        help="lowest verified similarity to report, 0-1 (default %(default)s)",
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] not in COMMANDS and not args_list[0].startswith("-"):
        args_list.insert(0, "search")
    if args_list[:1] == ["mcp"]:
        return cmd_mcp(args_list[1:])
    if (bad := next((a for a in args_list if not _is_text(a)), None)) is not None:
        return fail(f"argument {bad!r} is not valid UTF-8 text; pass names and paths as text")
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    handler = HANDLERS[args.command]
    try:
        if args.command in RUN_UNTIL_STOPPED:
            return handler(args)
        with cyclic_gc_paused():  # a one-shot call: see codeindex.gc_pause
            return handler(args)
    except (api.UsageError, store.IndexError_) as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # damaged index files surface as zlib, pickle or struct errors
        if os.environ.get("CODE_INDEX_DEBUG"):
            raise
        advice = (
            "the index may be damaged: run `code-index index --rebuild`"
            if _raised_reading_the_index(exc)
            else "this is a bug in code-index; please report it"
        )
        return fail(
            f"{type(exc).__name__}: {str(exc).rstrip('.')}; {advice} "
            "(CODE_INDEX_DEBUG=1 shows the traceback)"
        )


def _raised_reading_the_index(exc: BaseException) -> bool:
    """Whether the error came out of Whoosh reading index files: only then can a rebuild
    help. Anything else (bad input, a bug) gets no advice to rebuild."""
    frames = exc.__traceback__
    last = ""
    while frames is not None:
        last = frames.tb_frame.f_code.co_filename
        frames = frames.tb_next
    return f"{os.sep}whoosh{os.sep}" in last


def _is_text(argument: str) -> bool:
    """Arguments the OS could not decode carry surrogate escapes."""
    try:
        argument.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def fail(message: str) -> int:
    print(f"code-index: {message}", file=sys.stderr)
    return EXIT_USAGE


def open_index(
    args: argparse.Namespace, rebuild: bool = False, refresh: bool = True
) -> api.CodeIndex:
    if rebuild:
        code_index = api.CodeIndex.open(args.root, rebuild=True, max_file_size=args.max_file_size)
    else:
        code_index = open_current(args)
    if refresh and not rebuild and store.rebuild_running(code_index.root):
        code_index.read_only_reason = (
            "a rebuild of this index is running; answers come from the previous index"
        )
        print(f"code-index: note: {code_index.read_only_reason}", file=sys.stderr)
        refresh = False
    if refresh and not rebuild:
        from codeindex.watcher import active_watcher

        watcher = active_watcher(code_index.store)
        if watcher is not None:
            # A watcher (`code-index watch`, the MCP server) keeps the index current and is
            # its writer; search its last commit instead of competing for the lock.
            code_index.read_only_reason = (
                f"a watcher (pid {watcher or '?'}) keeps this index current; read-only"
            )
            refresh = False
    if refresh:
        refresh_with_progress(code_index)
    return code_index


def open_current(args: argparse.Namespace) -> api.CodeIndex:
    """The root's index. One of ours in another format version (code-index was upgraded) is
    rebuilt first, beside the old one as --rebuild does: it is only a cache, and every
    command would fail until then."""
    try:
        return api.CodeIndex.open(args.root, max_file_size=args.max_file_size)
    except store.OtherVersion:
        print("code-index: note: the index is from another version; rebuilding it", file=sys.stderr)
        _rebuild(args)
        return api.CodeIndex.open(args.root, max_file_size=args.max_file_size)


def refresh_with_progress(
    code_index: api.CodeIndex, lock_timeout: float = store.WRITER_TIMEOUT
) -> UpdateReport | None:
    """Refresh, with a progress bar on stderr when it is a terminal."""
    from codeindex.indexer import progress_bar

    advance, set_total, close = progress_bar()
    try:
        return code_index.refresh(
            progress=advance, progress_total=set_total, lock_timeout=lock_timeout
        )
    finally:
        close()


def emit_json(data: Any) -> None:
    # dumps, not dump: only a one-shot encode uses the C encoder (dump to a stream runs the
    # pure-Python one: about 0.1 s more for a `dups` report on the stdlib).
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def cmd_search(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    result = code_index.search(
        " ".join(args.query),
        languages=args.type,
        kinds=args.kind,
        paths=args.path,
        limit=args.limit,
        tests=args.tests,
    )
    if result.note:
        print(f"code-index: {result.note}", file=sys.stderr)
    if args.json:
        emit_json(result.to_json())
        return EXIT_OK
    for hit in result.hits:
        line = format_symbol(hit.symbol)
        print(f"{line}  -- {hit.symbol.doc}" if hit.match == "doc" and hit.symbol.doc else line)
    if result.total > len(result.hits):
        print(f"({result.total - len(result.hits)} more; raise --limit)", file=sys.stderr)
    return EXIT_OK


def cmd_refs(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    result = code_index.references(
        args.name, languages=args.type, kinds=args.kind, paths=args.path, limit=args.limit
    )
    if args.json:
        emit_json(result.to_json())
        return EXIT_OK
    for reference in result.references:
        print(format_reference(reference))
    if result.total > len(result.references):
        print(f"({result.total - len(result.references)} more; raise --limit)", file=sys.stderr)
    elif not result.total:
        print(f"no references to {args.name!r} found", file=sys.stderr)
    return EXIT_OK


def format_reference(reference: Reference) -> str:
    place = f"{reference.path}:{reference.line}:{reference.column}"
    return f"{place}  {reference.symbol}  {reference.text}"


def format_symbol(symbol: Symbol) -> str:
    return (
        f"{symbol.path}:{symbol.line}  {symbol.kind:<11} {symbol.qualified_name}  "
        f"{symbol.signature}"
    )


def cmd_index(args: argparse.Namespace) -> int:
    report: UpdateReport | None
    if args.rebuild and (watcher := _watcher_of(args)) is not None:
        # Rebuilding deletes the directory a running watcher writes to.
        return fail(f"a watcher (pid {watcher or '?'}) is using this index; stop it, then rebuild")
    if args.rebuild:
        report = _rebuild(args)
    else:
        code_index = open_current(args)
        # `index` asked for the work: wait for another writer, then do what it left undone.
        report = refresh_with_progress(code_index, INDEX_LOCK_TIMEOUT)
        if report is None:
            return fail(code_index.read_only_reason)
        store.clear_leftovers(code_index.root)  # of a killed rebuild
    if args.json:
        emit_json(
            {
                "indexed": report.indexed,
                "removed": report.removed,
                "symbols": report.symbols,
                "skipped": report.skipped,
                "seconds": round(report.seconds, 3),
            }
        )
    else:
        print(
            f"indexed {report.indexed} files ({report.symbols} symbols), removed "
            f"{report.removed}, skipped {report.skipped} in {report.seconds:.2f}s"
        )
    return EXIT_OK


def _rebuild(args: argparse.Namespace) -> UpdateReport:
    from codeindex.indexer import progress_bar

    advance, set_total, close = progress_bar()
    try:
        rebuilt = api.CodeIndex.rebuild(args.root, args.max_file_size, advance, set_total)
    finally:
        close()
    if rebuilt.waited:
        print("code-index: waited for another rebuild to finish, then rebuilt", file=sys.stderr)
    rebuilt.code_index.close()
    return rebuilt.report


def _watcher_of(args: argparse.Namespace) -> int | None:
    from codeindex.watcher import active_watcher

    try:
        current = store.Store.open((args.root or api.find_root()).resolve(), create=False)
    except store.IndexError_:
        return None
    try:
        return active_watcher(current)
    finally:
        current.close()


def cmd_status(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    status = code_index.status()
    if args.json:
        emit_json(status)
        return EXIT_OK
    print(f"root      {status['root']}")
    print(f"files     {status['files']}   symbols {status['symbols']}")
    for language, counts in status["languages"].items():
        print(f"  {language:<11} {counts['files']:>6} files {counts['symbols']:>8} symbols")
    skipped = status["skipped"]
    if skipped:
        print("skipped   " + ", ".join(f"{n} {reason}" for reason, n in skipped.items()))
    if status["read_only"]:
        print(f"note      {status['read_only']}")
    return EXIT_OK


def cmd_outline(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    symbols = code_index.outline(args.file, base=Path.cwd())
    if args.json:
        path = code_index.relative_path(args.file, base=Path.cwd())
        emit_json({"path": path, "symbols": [s.to_json() for s in symbols]})
        return EXIT_OK
    enclosing: list[Symbol] = []
    for symbol in symbols:
        while enclosing and enclosing[-1].end_line < symbol.line:
            enclosing.pop()
        print(f"{'  ' * len(enclosing)}{symbol.line:>5}  {symbol.kind:<11} {symbol.signature}")
        enclosing.append(symbol)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    found = code_index.show(args.name, args.path, base=Path.cwd())
    if not found:
        return fail(f"no symbol named {args.name!r}; try `code-index {args.name.split('.')[-1]}`")
    callers = [code_index.callers(item.symbol) if args.refs else None for item in found]
    if args.json:
        matches = [item.to_json() for item in found]
        for match, refs in zip(matches, callers, strict=True):
            if refs is not None:
                match["refs"] = refs.to_json()
        emit_json({"name": args.name, "matches": matches})
        return EXIT_OK
    for item, refs in zip(found, callers, strict=True):
        symbol = item.symbol
        print(f"{symbol.path}:{symbol.start_line}-{symbol.end_line}  {symbol.qualified_name}")
        print(item.source)
        if refs is not None:
            print(f"-- {refs.total} references to {refs.name}")
            for reference in refs.references:
                print(format_reference(reference))
        print()
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    code_index = open_index(args)
    symbols = code_index.export_symbols(args.type)
    if args.format == "jsonl":
        for symbol in symbols:
            data = symbol.to_json()
            data.pop("doc")
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return EXIT_OK
    write_ctags(symbols, sys.stdout.write)
    return EXIT_OK


def write_ctags(symbols: Any, write: Callable[[str], Any]) -> None:
    """Extended ctags format, sorted by name, as vim and emacs (etags-compatible readers via
    ctags) expect."""
    lines = []
    unwritable = 0
    for symbol in symbols:
        if any(c in symbol.path for c in "\t\n\r"):
            unwritable += 1  # the tags format has no way to quote these in a file name
            continue
        scope = symbol.qualified_name.rpartition(".")[0]
        fields = [
            CTAGS_KINDS.get(symbol.kind, "f"),
            f"line:{symbol.line}",
            f"language:{symbol.language}",
        ]
        if scope:
            fields.append(f"scope:{scope}")
        lines.append(f'{symbol.name}\t{symbol.path}\t{symbol.line};"\t' + "\t".join(fields))
    write("!_TAG_FILE_FORMAT\t2\t/extended format/\n")
    write("!_TAG_FILE_SORTED\t1\t/0=unsorted, 1=sorted, 2=foldcase/\n")
    write("!_TAG_PROGRAM_NAME\tcode-index\t//\n")
    for line in sorted(lines, key=lambda text: text.encode("utf-8")):
        write(line + "\n")
    if unwritable:
        print(
            f"code-index: {unwritable} symbols left out: their file names hold tabs or "
            "line breaks, which a tags file cannot hold (`export` as JSON lines has them)",
            file=sys.stderr,
        )


def cmd_watch(args: argparse.Namespace) -> int:
    """Foreground watcher: one line per batch on stdout until Ctrl-C (or SIGTERM)."""
    import signal
    import threading

    from codeindex.watcher import Watcher

    code_index = open_current(args)
    watcher = Watcher(code_index, on_batch=lambda batch: print(batch.line(), flush=True))
    # Ctrl-C and SIGTERM stop cleanly, also when started in the background (SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(f"watching {code_index.root} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    shown = None
    try:
        watcher.start()
        while True:
            degraded = watcher.status()["degraded"]
            if degraded != shown and degraded:
                print(f"code-index: {degraded}", file=sys.stderr, flush=True)
            shown = degraded
            threading.Event().wait(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        code_index.close()
    return EXIT_OK


def cmd_mcp(argv: list[str]) -> int:
    """The MCP server, which parses its own options (the console script goes there directly,
    without importing this module: see codeindex.launcher)."""
    from codeindex_server.main import main as serve

    return serve(argv)


def cmd_dups(args: argparse.Namespace) -> int:
    from codeindex.clones import baseline, report

    if args.fail_on is not None and args.fail_on < 0:
        return fail("--fail-on must be 0 or more (0: fail on any group)")
    if args.members is not None and args.members < 1:
        return fail("--members must be at least 1")
    known = None
    if args.baseline:
        try:
            known = baseline.load(Path(args.baseline))
        except ValueError as exc:
            return fail(str(exc))
    code_index = open_index(args)
    result = code_index.duplicates(
        languages=args.type,
        min_similarity=args.min_similarity,
        path=args.path,
        limit=args.limit,
        min_lines=args.min_lines,
        blocks=args.blocks,
        tests=args.tests,
        hide_variants=args.hide_variants,
        baseline=known,
    )
    if args.update_baseline:
        try:
            _write_text(Path(args.update_baseline), baseline.dump(result.found or []))
        except OSError as exc:
            return fail(f"cannot write baseline {args.update_baseline}: {exc.strerror or exc}")
        print(f"baseline: {len(result.found or [])} group(s) written", file=sys.stderr)
    output = args.format or ("json" if args.json else "text")
    if output == "json":
        emit_json(result.to_json())
    elif output == "sarif":
        from importlib.metadata import PackageNotFoundError, version

        try:
            tool_version = version("code-index")
        except PackageNotFoundError:
            tool_version = "0"
        emit_json(report.duplicates_sarif(result, tool_version))
    else:
        for line in report.duplicates_text(result, args.members or report.DEFAULT_MEMBERS):
            print(line)
        shown = len(result.groups)
        print(
            f"{result.total} duplicate group(s)"
            + (
                f", {result.total - shown} not shown (raise --limit)"
                if shown < result.total
                else ""
            ),
            file=sys.stderr,
        )
    if args.fail_on is not None and result.total > args.fail_on:
        print(
            f"code-index: {result.total} duplicate groups, more than --fail-on {args.fail_on}",
            file=sys.stderr,
        )
        return EXIT_FOUND
    return EXIT_OK


def _write_text(path: Path, text: str) -> None:
    """Whole or not at all: a temporary file beside the target, then renamed over it."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def cmd_similar(args: argparse.Namespace) -> int:
    from codeindex.clones import report
    from codeindex.clones.snippet import MAX_SNIPPET_BYTES
    from codeindex.fsutil import read_bounded

    languages = args.type
    if args.file == "-":
        if sys.stdin.isatty():  # reading would wait for an end of file nobody types
            return fail("no snippet: pass a FILE, or pipe code in (code-index similar < draft.py)")
        data = read_bounded(getattr(sys.stdin, "buffer", sys.stdin), MAX_SNIPPET_BYTES)
    else:
        try:
            with open(args.file, "rb") as handle:
                data = read_bounded(handle, MAX_SNIPPET_BYTES)
        except OSError as exc:
            return fail(f"cannot read {args.file}: {exc.strerror or exc}")
    if data is None:  # read no further than the limit: the input may be endless
        return fail(
            f"the snippet is too large: the limit is {MAX_SNIPPET_BYTES} "
            f"({MAX_SNIPPET_BYTES >> 10} KiB). Pass one function or a few, not whole files"
        )
    code = data.decode("utf-8", errors="replace")
    if args.file != "-" and languages is None and (spec := language_for_path(args.file)):
        languages = [spec.name]
    code_index = open_index(args)
    result = code_index.similar(
        code, languages=languages, limit=args.limit, min_similarity=args.min_similarity
    )
    if args.json:
        emit_json(result.to_json())
        return EXIT_OK
    for line in report.similar_text(result):
        print(line)
    if result.near_misses:
        print(f"code-index: {result.note}", file=sys.stderr)
    elif not result.matches:
        print("no similar functions found", file=sys.stderr)
    return EXIT_OK


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "search": cmd_search,
    "index": cmd_index,
    "status": cmd_status,
    "outline": cmd_outline,
    "show": cmd_show,
    "refs": cmd_refs,
    "export": cmd_export,
    "dups": cmd_dups,
    "similar": cmd_similar,
    "watch": cmd_watch,
}
