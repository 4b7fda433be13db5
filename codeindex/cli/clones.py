"""dups and similar: the commands over the clone index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codeindex.cli.opening import open_index
from codeindex.cli.output import EXIT_FOUND, EXIT_OK, emit_json, fail
from codeindex.fsutil import atomic_write
from codeindex.languages import language_for_path
from codeindex.models import DuplicatesResult


def cmd_dups(args: argparse.Namespace) -> int:
    from codeindex.clones import baseline

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
        hide_intentional=args.hide_intentional,
        baseline=known,
    )
    if args.update_baseline:
        try:
            atomic_write(Path(args.update_baseline), baseline.dump(result.found or []).encode())
        except OSError as exc:
            return fail(f"cannot write baseline {args.update_baseline}: {exc.strerror or exc}")
        print(f"baseline: {len(result.found or [])} group(s) written", file=sys.stderr)
    print_duplicates(result, args.format or ("json" if args.json else "text"), args.members)
    relative = code_index.relative_path(args.path) if args.path else ""
    if not result.total and (note := code_index.nothing_under(relative)):
        print(f"code-index: {note}", file=sys.stderr)
    if args.fail_on is not None and result.total > args.fail_on:
        print(
            f"code-index: {result.total} duplicate groups, more than --fail-on {args.fail_on}",
            file=sys.stderr,
        )
        return EXIT_FOUND
    return EXIT_OK


def print_duplicates(result: DuplicatesResult, output: str, members: int | None) -> None:
    """The report as JSON, SARIF or text (`members` per group before a summary of the rest)."""
    from codeindex.cli import clone_report as report

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
        for line in report.duplicates_text(result, members or report.DEFAULT_MEMBERS):
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


def cmd_similar(args: argparse.Namespace) -> int:
    from codeindex.cli import clone_report as report
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
    if args.refs:
        result = code_index.with_reference_counts(result)
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
