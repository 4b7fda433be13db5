"""The library API: a narrow, typed CodeIndex that the CLI and the MCP server both render."""

from __future__ import annotations

import ast
import dataclasses
import time
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from codeindex_server.app import create_server
from codeindex_server.service import IndexService
from conftest import REPO, run_cli
from mcp import Client

from codeindex import api
from codeindex.api import CodeIndex, IndexStatus, SymbolSource, outline_tree
from codeindex.models import (
    DuplicatesResult,
    FileRecord,
    ReferencesResult,
    SearchResult,
    SimilarResult,
    Symbol,
    UpdateReport,
)

GO_SHAPES = (
    "package shapes\n\n"
    "type Circle struct {\n\tR float64\n}\n\n"
    "func NewCircle(r float64) *Circle {\n\treturn &Circle{R: r}\n}\n\n"
    "func (c *Circle) Area() float64 {\n\treturn 3.14 * c.R * c.R\n}\n"
)
PY_USERS = (
    "class UserService:\n"
    "    def get_user(self, user_id):\n"
    "        return self.db[user_id]\n\n"
    "    class Cache:\n"
    "        def get(self, key):\n"
    "            return None\n\n\n"
    "def parse_config(text):\n"
    "    result = {}\n"
    "    for line in text.splitlines():\n"
    "        if not line.strip() or line.startswith('#'):\n"
    "            continue\n"
    "        key, value = line.split('=', 1)\n"
    "        result[key.strip()] = value.strip()\n"
    "    return result\n"
    "\n\n"
    "def load_config(text):\n"
    "    result = {}\n"
    "    for line in text.splitlines():\n"
    "        if not line.strip() or line.startswith('#'):\n"
    "            continue\n"
    "        key, value = line.split('=', 1)\n"
    "        result[key.strip()] = value.strip()\n"
    "    return result\n"
)


def test_all_names_the_public_api_and_each_exists() -> None:
    assert "CodeIndex" in api.__all__ and "UsageError" in api.__all__
    assert len(set(api.__all__)) == len(api.__all__)
    for name in api.__all__:
        assert hasattr(api, name), name


def test_the_store_and_the_indexer_are_private(indexed: Callable[..., CodeIndex]) -> None:
    code_index = indexed({"a.py": "def alpha():\n    return 1\n"})
    for name in ("store", "indexer"):
        assert not hasattr(code_index, name)
    with pytest.raises(AttributeError):
        code_index.read_only_reason = "set from outside"  # type: ignore[misc]


def test_every_read_returns_a_typed_result(indexed: Callable[..., CodeIndex]) -> None:
    code_index = indexed({"svc/users.py": PY_USERS, "shapes.go": GO_SHAPES})
    search = code_index.search("user")
    assert isinstance(search, SearchResult) and search.hits
    assert all(isinstance(hit.symbol, Symbol) for hit in search.hits)
    outline = code_index.outline("svc/users.py")
    assert all(isinstance(symbol, Symbol) for symbol in outline) and outline
    shown = code_index.show("UserService.get_user")
    assert [type(item) for item in shown] == [SymbolSource]
    assert shown[0].source.startswith("    def get_user(self, user_id):")
    assert isinstance(code_index.references("get_user"), ReferencesResult)
    similar = code_index.similar(PY_USERS.split("\n\n\n")[1], min_similarity=0.5)
    assert isinstance(similar, SimilarResult) and similar.matches
    duplicates = code_index.duplicates(min_lines=3)
    assert isinstance(duplicates, DuplicatesResult) and duplicates.total == 1
    exported = list(code_index.export_symbols(["go"]))
    assert {symbol.language for symbol in exported} == {"go"}
    records = code_index.file_records()
    assert set(records) == {"svc/users.py", "shapes.go"}
    assert all(isinstance(record, FileRecord) for record in records.values())
    assert code_index.file_records(under=["svc"]).keys() == {"svc/users.py"}
    assert not code_index.is_empty()
    status = code_index.status()
    assert set(status) == set(typing.get_type_hints(IndexStatus))
    assert status["files"] == 2
    (code_index.root / "extra.py").write_text("def extra():\n    pass\n", encoding="utf-8")
    report = code_index.refresh()
    assert isinstance(report, UpdateReport) and report.indexed == 1
    assert dataclasses.is_dataclass(report)


def test_a_new_index_is_empty_until_refreshed(project: Callable[..., Path]) -> None:
    code_index = CodeIndex.open(project({"a.py": "def alpha():\n    return 1\n"}))
    try:
        assert code_index.is_empty()
        code_index.refresh()
        assert not code_index.is_empty()
    finally:
        code_index.close()


def test_outline_tree_nests_by_scope_wherever_the_member_is(
    indexed: Callable[..., CodeIndex],
) -> None:
    code_index = indexed({"shapes.go": GO_SHAPES})
    tree = outline_tree(code_index.outline("shapes.go"))
    # The method sits after NewCircle in the file but belongs to Circle.
    assert [(node.symbol.name, [c.symbol.name for c in node.children]) for node in tree] == [
        ("Circle", ["Area"]),
        ("NewCircle", []),
    ]
    assert tree[0].to_json()["children"][0]["name"] == "Area"
    assert "children" not in tree[1].to_json()  # leaves carry no empty list


def test_an_outline_and_the_export_keep_modules_written_inside_the_file(
    indexed: Callable[..., CodeIndex],
) -> None:
    code_index = indexed(
        {
            "lib.rs": "pub mod inner {\n    pub fn in_fn() {}\n}\n",
            "a.ts": "namespace NS { export function f() {} }\n",
            "m.py": "def top():\n    pass\n",
        }
    )
    tree = outline_tree(code_index.outline("lib.rs"))
    assert [(n.symbol.name, [c.symbol.name for c in n.children]) for n in tree] == [
        ("inner", ["in_fn"])
    ]
    # The file's own module symbol stays out of both; what is written in the file does not.
    assert [s.name for s in code_index.outline("m.py")] == ["top"]
    exported = [(s.path, s.qualified_name) for s in code_index.export_symbols()]
    assert ("lib.rs", "inner") in exported and ("lib.rs", "inner.in_fn") in exported
    assert len(exported) == len(set(exported)) == code_index.status()["symbols"]


def test_a_type_stands_for_its_files_module_and_its_constructors(
    indexed: Callable[..., CodeIndex],
) -> None:
    code_index = indexed(
        {
            "lexical/LexicalEditor.ts": "export class LexicalEditor {\n  update(): void {}\n}\n",
            "Sdk/JustTrackSDK.cs": (
                "namespace JustTrack {\n    public class JustTrackSDK {\n"
                "        public JustTrackSDK() {}\n        public JustTrackSDK(int x) {}\n"
                "    }\n}\n"
            ),
        }
    )

    def found(name: str, path: str | None = None) -> list[tuple[str, str]]:
        return [(s.kind, s.qualified_name) for s in code_index.definitions(name, path)]

    # The class, not also the file's module record (same name: LexicalEditor.ts, Foo.cs)
    # nor its own constructors (C#'s Foo.Foo); `path` narrows no further than the name.
    assert found("LexicalEditor") == [("class", "LexicalEditor")]
    assert found("LexicalEditor", "lexical/LexicalEditor.ts") == [("class", "LexicalEditor")]
    assert found("JustTrackSDK") == [("class", "JustTrack.JustTrackSDK")]
    assert found("JustTrackSDK", "Sdk/JustTrackSDK.cs") == [("class", "JustTrack.JustTrackSDK")]
    # Each stays reachable by its own qualified name.
    assert (
        found("JustTrack.JustTrackSDK.JustTrackSDK")
        == [("constructor", "JustTrack.JustTrackSDK.JustTrackSDK")] * 2
    )
    assert found("lexical.LexicalEditor") == [("module", "lexical.LexicalEditor")]


# On POSIX these are plain file names, and answers carry them as they are; as filters they
# are also glob syntax (`[ack]`, `*`, a leading `#` or `!`, `\\` an escape).
ODD_NAMES = {
    "back\\slash.py": "def backslash_fn(x):\n    return x\n",
    "br[ack]et.py": "def bracket_fn(x):\n    return x\n",
    "brcet.py": "def brcet_fn(x):\n    return x\n",
    "#hash.py": "def hash_fn(x):\n    return backslash_fn(x)\n",
    "!bang.py": "def bang_fn(x):\n    return x\n",
    "star*.py": "def star_fn(x):\n    return x\n",
    "star_two.py": "def star_two_fn(x):\n    return x\n",
    "sub/inner.py": "def inner_fn(x):\n    return x\n",
    "inner.py": "def inner_fn(x):\n    return x\n",
}


def test_a_backslash_is_a_separator_only_where_no_file_is_so_named(
    indexed: Callable[..., CodeIndex],
) -> None:
    code_index = indexed(ODD_NAMES)
    assert [s.path for s in code_index.outline("back\\slash.py")] == ["back\\slash.py"]
    assert [s.path for s in code_index.outline("sub\\inner.py")] == ["sub/inner.py"]  # Windows
    found = code_index.definitions("backslash_fn", "back\\slash.py")
    assert [s.path for s in found] == ["back\\slash.py"]
    # `path` names that one file, not every file so named below it (a glob would).
    assert [s.path for s in code_index.definitions("inner_fn", "inner.py")] == ["inner.py"]


def test_a_path_filter_naming_a_file_finds_it_and_a_void_glob_is_an_error(
    indexed: Callable[..., CodeIndex],
) -> None:
    code_index = indexed(ODD_NAMES)

    def paths_found(path: str) -> set[str]:
        return {hit.symbol.path for hit in code_index.search("fn", paths=[path]).hits}

    assert [s.path for s in code_index.definitions("bracket_fn", "br[ack]et.py")] == [
        "br[ack]et.py"
    ]
    assert paths_found("#hash.py") == {"#hash.py"}
    assert paths_found("!bang.py") == {"!bang.py"}
    # A glob stays a glob too: it may match more than the file of that name.
    assert paths_found("br[ack]et.py") == {"br[ack]et.py", "brcet.py"}
    assert paths_found("star*.py") == {"star*.py", "star_two.py"}
    used = code_index.references("backslash_fn", paths=["#hash.py"]).references
    assert [ref.path for ref in used] == ["#hash.py"]
    # A glob that can match no path is an error that says so, not an empty answer.
    for glob in ("[", "#nothing.py"):
        with pytest.raises(api.UsageError, match="can match no path"):
            code_index.search("fn", paths=[glob])
        with pytest.raises(api.UsageError, match="can match no path"):
            code_index.references("backslash_fn", paths=[glob])


def test_old_mac_line_ends_count_as_lines_and_a_stray_cr_does_not(
    indexed: Callable[..., CodeIndex],
) -> None:
    code_index = indexed(
        {
            # Every line ends with a lone CR (old Mac): Python reads cr_two at line 4.
            "cr_only.py": b"def cr_one():\r    pass\r\rdef cr_two():\r    return 1\r",
            # A CR inside a string of an LF file is a character, as git, grep and rustc
            # count lines (rustc's own tests hold such files).
            "stray.rs": b'fn a() {\n    let s = "x\ry";\n}\n\nfn b() {}\n',
            "big_cr.py": b"".join(b"def f%d(x):\r    return x\r\r" % i for i in range(300)),
        }
    )
    assert [(s.name, s.line, s.end_line) for s in code_index.outline("cr_only.py")] == [
        ("cr_one", 1, 2),
        ("cr_two", 4, 5),
    ]
    [shown] = code_index.show("cr_two")
    assert shown.source == "def cr_two():\n    return 1"
    assert [(s.name, s.line) for s in code_index.outline("stray.rs")] == [("a", 1), ("b", 5)]
    # Over 4 KiB with no LF it is no longer taken for minified code.
    assert code_index.status()["skipped"] == {}
    assert code_index.outline("big_cr.py")[-1].line == 898


def test_a_name_holding_a_dollar_is_shown(indexed: Callable[..., CodeIndex]) -> None:
    # `$` anchors a search, but TypeScript names hold it (Lexical's `$getRoot`).
    code_index = indexed(
        {
            "utils.ts": (
                "export function $getRoot(): number {\n  return 1;\n}\n"
                "export function getRoot(): number {\n  return 2;\n}\n"
                "export const a$b = 3;\n"
            )
        }
    )
    assert [s.name for s in code_index.definitions("$getRoot")] == ["$getRoot"]
    assert [s.name for s in code_index.definitions("getRoot")] == ["getRoot"]
    assert [s.name for s in code_index.definitions("a$b")] == ["a$b"]
    assert code_index.definitions("$") == []
    [shown] = code_index.show("$getRoot", "utils.ts")
    assert shown.source.startswith("export function $getRoot()")


def test_a_file_behind_symlinks_is_indexed_once_under_its_real_path(
    indexed: Callable[..., CodeIndex],
) -> None:
    root = Path(
        indexed(
            {
                "pkg/a.py": "def inner_fn():\n    return 1\n",
                "main.py": "from pkg.a import inner_fn\n\ninner_fn()\n",
            }
        ).root
    )
    (root / "alias").symlink_to("pkg")
    (root / "filealias.py").symlink_to("pkg/a.py")
    code_index = CodeIndex.open(root)
    try:
        code_index.refresh()
        hits = code_index.search("inner_fn").hits
        definitions = code_index.definitions("inner_fn")
        by_link = code_index.definitions("inner_fn", path="filealias.py")
        outline = code_index.outline("alias/a.py")
        exported = [(s.path, s.name) for s in code_index.export_symbols()]
        used_in = {ref.path for ref in code_index.references("inner_fn").references}
        status = code_index.status()
    finally:
        code_index.close()
    # One answer wherever it is asked from, always under the path search returns.
    assert [hit.symbol.path for hit in hits] == ["pkg/a.py"]
    assert [s.path for s in definitions] == [s.path for s in by_link] == ["pkg/a.py"]
    assert [s.path for s in outline] == ["pkg/a.py"]
    assert exported == [("pkg/a.py", "inner_fn")]
    assert used_in == {"main.py"}
    assert status["files"] == 2 and status["skipped"] == {"symlink inside root": 2}


def test_a_watcher_keeps_a_file_behind_symlinks_current(project: Callable[..., Path]) -> None:
    from codeindex.watcher import Watcher

    root = project({"pkg/a.py": "def inner_fn():\n    return 1\n"})
    (root / "alias").symlink_to("pkg")
    code_index = CodeIndex.open(root)
    watcher = Watcher(code_index, debounce=0.05, rescan_interval=3600)
    try:
        watcher.start(timeout=30)
        (root / "alias" / "a.py").write_text("def renamed_fn():\n    return 2\n")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not code_index.search("renamed_fn").hits:
            time.sleep(0.02)
        assert [h.symbol.path for h in code_index.search("renamed_fn").hits] == ["pkg/a.py"]
        # No copy under the link's path keeps the old definition.
        assert code_index.search("inner_fn").hits == []
    finally:
        watcher.stop()
        code_index.close()


def depths(nodes: list[dict[str, Any]], depth: int = 0) -> list[tuple[int, int]]:
    found = []
    for node in nodes:
        found.append((node["line"], depth))
        found.extend(depths(node.get("children", []), depth + 1))
    return found


def mcp_outline(root: Path, path: str) -> dict[str, Any]:
    service = IndexService(root, use_watcher=False)
    server = create_server(service)
    service.start()

    async def go() -> Any:
        async with Client(server) as client:
            return await client.call_tool("file_outline", {"path": path})

    try:
        result = anyio.run(go)
    finally:
        service.stop()
    assert not result.is_error, result.content[0].text
    return dict(result.structured_content)


@pytest.mark.parametrize(("path", "text"), [("shapes.go", GO_SHAPES), ("users.py", PY_USERS)])
def test_the_cli_and_mcp_nest_an_outline_alike(
    project: Callable[..., Path], path: str, text: str
) -> None:
    root = project({path: text})
    printed = run_cli("outline", path, "--root", str(root), cwd=root)
    assert printed.returncode == 0, printed.stderr
    cli = []
    for line in printed.stdout.splitlines():  # two spaces a level, then the line in 5 columns
        number = line.split()[0]
        cli.append((int(number), (len(line) - len(line.lstrip()) - (5 - len(number))) // 2))
    assert depths(mcp_outline(root, path)["symbols"]) == cli
    assert max(depth for _, depth in cli) >= 1  # something is nested


def test_only_the_api_touches_its_store_and_only_the_launcher_imports_the_server() -> None:
    offenders = []
    for module in sorted([*(REPO / "codeindex").rglob("*.py"), *(REPO / "server").glob("*.py")]):
        relative = module.relative_to(REPO).as_posix()
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            in_library = relative.startswith("codeindex/") and relative != "codeindex/launcher.py"
            module_name = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            if in_library and module_name.startswith("codeindex_server"):
                offenders.append(f"{relative}:{node.lineno} imports the server")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("_store", "_indexer", "_read_only_reason")
                and not relative.startswith("codeindex/api")
            ):
                offenders.append(f"{relative}:{node.lineno} reads .{node.attr}")
    assert offenders == []
