"""What a source file is for, from its path alone: library code, or tests, fixtures, vendored
or generated code, or examples. Search ranks the latter after library code and can leave
tests out.

    classify("django/contrib/auth/tests/test_views.py")  -> "test"
    classify("Assets/UniTask/Runtime/Linq/CombineLatest.cs")  -> "library"

The rules are path conventions, matched case-sensitively on whole path components or on
file-name affixes (`CombineLatest.cs` ends in "test" only if case is ignored; Go's `testing`
package is library code). No `if language ==` here: the conventions are per file name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

PathClass = Literal["library", "test", "fixture", "vendored", "generated", "example"]
CLASSES: tuple[PathClass, ...] = ("library", "test", "fixture", "vendored", "generated", "example")
# What `--tests exclude` leaves out (and `--tests only` keeps).
TEST_CLASSES: frozenset[PathClass] = frozenset({"test", "fixture"})

_VENDORED_DIRS = frozenset(
    {"vendor", "vendored", "_vendor", "third_party", "third-party", "thirdparty",
     "node_modules", "bower_components"}
)  # fmt: skip
_GENERATED_DIRS = frozenset({"generated", "__generated__"})
_FIXTURE_DIRS = frozenset(
    {"fixtures", "fixture", "__fixtures__", "testdata", "test_data", "__mocks__", "__snapshots__"}
)
# Example and tutorial programs (Cargo's `examples/`, FastAPI's `docs_src/`: 1,000 tutorial
# files, whose `User` models filled the first page of `user`). Not `doc`/`docs`: Go's
# `go/doc` is a library package.
_EXAMPLE_DIRS = frozenset({"examples", "example", "samples", "sample", "docs_src"})
_TEST_DIRS = frozenset(
    {"test", "tests", "Test", "Tests", "__tests__", "spec", "specs", "e2e",
     # Helper packages that only tests depend on (portable-simd's `crates/test_helpers`):
     # not Go's `testing` or `net/http/httptest`, which programs import too.
     "test_helpers", "test-helpers", "test_utils", "test-utils", "testutil", "testutils",
     "test_support", "test-support"}
)  # fmt: skip
# A directory named like a .NET test project: `Foo.Tests`, `UnitTests`, `Foo.Test`.
_TEST_DIR_NAME = re.compile(r"(?:\.|^|[a-z])Tests?$")

# TypeScript declaration files (`.d.ts`, `.d.mts`, `.d.cts`) are mostly what `tsc
# --declaration` emits beside a package's sources: `@trpc/server` ships each interface in
# `src/` and again in two `dist/*.d.*ts` bundles, which ranked first.
_GENERATED_FILE = re.compile(
    r"(?:_pb2(?:_grpc)?\.pyi?|\.pb\.go|\.pb\.gw\.go|_grpc\.pb\.go|\.g\.cs|\.g\.i\.cs"
    r"|\.[Dd]esigner\.cs|[._]generated\.\w+|\.gen\.go|^zz_generated.*\.go|\.d\.[cm]?ts)$"
)
_TEST_FILE = re.compile(
    r"^(?:test_.+\.py|.+_test\.py|tests?\.py|conftest\.py"
    r"|.+_test\.go"
    r"|.+\.(?:test|spec)\.[cm]?[jt]sx?"
    r"|.+Tests?\.cs|.+_tests?\.rs|tests?\.rs)$"
)


@lru_cache(maxsize=65536)
def classify(path: str) -> PathClass:
    """The class of a root-relative `/` path. Vendored and generated win over test: a test
    folder inside `node_modules` is not the project's test."""
    *directories, name = path.split("/")
    if any(part in _VENDORED_DIRS for part in directories):
        return "vendored"
    if _GENERATED_FILE.search(name) or any(part in _GENERATED_DIRS for part in directories):
        return "generated"
    if any(part in _FIXTURE_DIRS for part in directories):
        return "fixture"
    if _TEST_FILE.match(name):
        return "test"
    if any(part in _TEST_DIRS or _TEST_DIR_NAME.search(part) for part in directories):
        return "test"
    if any(part in _EXAMPLE_DIRS for part in directories):
        return "example"
    return "library"


def example_program(path: str) -> str | None:
    """The example program a path belongs to: the file or folder right under the example
    folder (Cargo's `examples/tcp_server.rs`, `examples/chat/main.rs` is `examples/chat`), or
    None outside example code."""
    parts = path.split("/")
    if classify(path) != "example":
        return None
    first = next(i for i, part in enumerate(parts[:-1]) if part in _EXAMPLE_DIRS)
    return "/".join(parts[: first + 2])


# A scope named tests: Rust keeps unit tests in `mod tests` inside library files, C# in
# `*.Tests` namespaces; also one named for what it tests (hashbrown's `mod test_map`).
_TEST_SCOPE = re.compile(r"(^|\.)(tests?|Tests?)(?:_\w+)?\.")


def symbol_class(path: str, qualified_name: str, marked: bool = False) -> PathClass:
    """The class of a definition: its file's, or `test` for library code in a test scope
    (clap's `value_parser.rs` holds `mod test { fn parse ... }`, which ranked first for
    `parse`) or that the source marks as test code (`marked`: codeindex.test_marks)."""
    path_class = classify(path)
    if path_class == "library" and (marked or _TEST_SCOPE.search(qualified_name)):
        return "test"
    return path_class


def is_test(path: str, qualified_name: str = "", marked: bool = False) -> bool:
    """True for tests and test fixtures: what `--tests exclude` leaves out."""
    return symbol_class(path, qualified_name, marked) in TEST_CLASSES
