"""Python accuracy (issue 2): our Python symbols against Python's own `ast` on the stdlib.

Compares (path, name, line) of every FunctionDef, AsyncFunctionDef and ClassDef that `ast`
finds with the symbols code-index reports. Target: at least 99.9% of ast's symbols matched,
and no extras on files that ast parses (files it rejects, such as the deliberately broken
`badsyntax_*.py` tests and lib2to3's Python 2 test data, count for neither side).

By default the symbols come from a real index built with `CodeIndex` on a copy of the stdlib,
so the walker's skips (size, minified, binary) and the store's round trip are measured too;
`--source library` calls `codeindex.extract.extract` directly on every file instead.

    python bench/python_accuracy.py [--source index|library] [--show N]
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _corpus  # noqa: E402

from codeindex.api import CodeIndex  # noqa: E402
from codeindex.extract import extract  # noqa: E402
from codeindex.languages import spec_by_name  # noqa: E402

Key = tuple[str, str, int]  # (path, name, line)
AST_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def ast_symbols(corpus: _corpus.Corpus) -> tuple[Counter[Key], list[str]]:
    """Every definition ast finds, and the files ast cannot parse."""
    found: Counter[Key] = Counter()
    rejected: list[str] = []
    for relative in corpus.files:
        data = corpus.absolute(relative).read_bytes()
        try:
            with warnings.catch_warnings():
                # Invalid escape sequences in old test files warn; they are not our business.
                warnings.simplefilter("ignore")
                tree = ast.parse(data, filename=relative)
        except (SyntaxError, ValueError):
            rejected.append(relative)
            continue
        for node in ast.walk(tree):
            if isinstance(node, AST_DEFINITIONS):
                found[(relative, node.name, node.lineno)] += 1
    return found, rejected


def index_symbols(corpus: _corpus.Corpus) -> Counter[Key]:
    code_index = CodeIndex.open(corpus.root, rebuild=True)
    try:
        code_index.refresh()
        return Counter((s.path, s.name, s.line) for s in code_index.export_symbols(["python"]))
    finally:
        code_index.close()


def library_symbols(corpus: _corpus.Corpus) -> Counter[Key]:
    spec = spec_by_name("python")
    found: Counter[Key] = Counter()
    for relative in corpus.files:
        extraction = extract(corpus.absolute(relative).read_bytes(), spec, relative)
        found.update((s.path, s.name, s.line) for s in extraction.symbols)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("index", "library"), default="index")
    parser.add_argument("--show", type=int, default=10, help="misses/extras to list")
    args = parser.parse_args()

    corpus = _corpus.copy_stdlib()
    try:
        started = time.perf_counter()
        expected, rejected = ast_symbols(corpus)
        ast_seconds = time.perf_counter() - started
        started = time.perf_counter()
        ours = index_symbols(corpus) if args.source == "index" else library_symbols(corpus)
        our_seconds = time.perf_counter() - started
    finally:
        _corpus.remove(corpus)

    rejected_set = set(rejected)
    missed = expected - ours
    # Extras only count on files ast parses: on the others there is nothing to compare with.
    extras = Counter({k: n for k, n in (ours - expected).items() if k[0] not in rejected_set})
    total = sum(expected.values())
    matched = total - sum(missed.values())
    percent = 100.0 * matched / total if total else 100.0

    print(f"python {sys.version.split()[0]}  stdlib {_corpus.stdlib_dir()}")
    print(f"codeindex: {_corpus.code_under_test()}")
    print(f"corpus: {len(corpus.files)} .py files, {corpus.lines} lines")
    print(f"ours from: {args.source} ({our_seconds:.1f} s); ast: {ast_seconds:.1f} s")
    print(f"files ast rejects (excluded): {len(rejected)}")
    for relative in rejected[: args.show]:
        print(f"  {relative}")
    print(f"ast symbols: {total}")
    print(f"matched: {matched} ({percent:.3f}%)")
    print(f"misses: {sum(missed.values())}")
    for (path, name, line), _ in sorted(missed.items())[: args.show]:
        print(f"  {path}:{line} {name}")
    print(f"extras on files ast parses: {sum(extras.values())}")
    for (path, name, line), _ in sorted(extras.items())[: args.show]:
        print(f"  {path}:{line} {name}")
    passed = percent >= 99.9 and not extras
    print(f"target >= 99.9% and no extras: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
