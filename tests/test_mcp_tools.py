"""The MCP tools in-process, through the SDK's own client, over a real index in a tmp dir."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from codeindex_server.app import create_server
from codeindex_server.service import IndexService
from mcp import Client
from test_clone_blocks import FETCH, SYNC  # a retry loop pasted into a bigger function
from test_clone_reports import GO_PLAIN, GO_STAT  # a Go function per OS, and a plain copy

from codeindex.api import CodeIndex
from codeindex.classify import classify

TOOLS = {
    "search_symbols",
    "get_symbol",
    "file_outline",
    "find_similar",
    "find_duplicates",
    "find_references",
    "index_status",
    "reindex",
}
PROJECT = {
    "svc/users.py": (
        '"""Users."""\n\n\n'
        "class UserService:\n"
        '    """Looks users up."""\n\n'
        "    def get_user(self, user_id: int) -> dict:\n"
        "        return self.db[user_id]\n\n"
        "    def delete_user(self, user_id: int) -> None:\n"
        "        del self.db[user_id]\n\n"
        "    class Cache:\n"
        "        def get(self, key):\n"
        "            return None\n"
    ),
    "svc/admin.py": (
        "class AdminService:\n"
        "    def get_user(self, name: str) -> dict:\n"
        "        return {'name': name}\n"
    ),
    "svc/config.py": (
        "def parse_config(text: str) -> dict:\n"
        "    result = {}\n"
        "    for line in text.splitlines():\n"
        "        if '=' in line:\n"
        "            key, value = line.split('=', 1)\n"
        "            result[key.strip()] = value.strip()\n"
        "    return result\n"
    ),
}
HAS_CLONES = hasattr(CodeIndex, "similar") and hasattr(CodeIndex, "duplicates")
needs_clones = pytest.mark.skipif(
    not HAS_CLONES, reason="CodeIndex.similar/duplicates (clone detection) not in this build"
)


def wait_ready(service: IndexService, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while service.progress().state not in ("ready", "failed"):
        assert time.monotonic() < deadline, "the index never became ready"
        time.sleep(0.02)
    assert service.progress().state == "ready", service.progress()


class Session:
    """A started service and server; `call` runs one tool through a fresh in-process client."""

    def __init__(self, root: Path, **options: Any) -> None:
        self.root = root
        self.service = IndexService(root, **options)
        self.server = create_server(self.service)
        self.service.start()

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        async def go() -> Any:
            async with Client(self.server) as client:
                return await client.call_tool(name, arguments or {})

        return anyio.run(go)

    def ok(self, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        result = self.call(name, arguments)
        assert not result.is_error, result.content[0].text
        # The text block carries the same JSON, compact, for text-only clients.
        assert json.loads(result.content[0].text) == result.structured_content
        return result.structured_content

    def error(self, name: str, arguments: dict[str, Any] | None = None) -> str:
        result = self.call(name, arguments)
        assert result.is_error, result.structured_content
        return result.content[0].text

    def close(self) -> None:
        self.service.stop()


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """One read-only session for the tests that do not change files."""
    root = tmp_path_factory.mktemp("mcp") / "project"
    write(root, PROJECT)
    session = Session(root)
    wait_ready(session.service)
    yield session
    session.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Session]:
    root = tmp_path / "project"
    write(root, PROJECT)
    session = Session(root)
    wait_ready(session.service)
    yield session
    session.close()


def test_tools_have_fixed_names_descriptions_and_schemas(shared: Session) -> None:
    async def go() -> Any:
        async with Client(shared.server) as client:
            return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in anyio.run(go)}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert len(tool.description or "") > 80, tool.name
        assert tool.output_schema is not None, tool.name
    search = tools["search_symbols"].input_schema
    assert search["required"] == ["query"]
    assert set(search["properties"]) >= {"query", "language", "kind", "path", "limit"}
    assert set(tools["find_similar"].input_schema["properties"]) >= {
        "code",
        "language",
        "limit",
        "min_similarity",
    }
    assert set(tools["find_duplicates"].input_schema["properties"]) >= {
        "path",
        "language",
        "min_similarity",
        "limit",
    }
    assert tools["get_symbol"].input_schema["required"] == ["name"]
    assert tools["file_outline"].input_schema["required"] == ["path"]
    for name in ("find_similar", "find_duplicates"):
        # The schema says what the tool takes: 0 is refused, as the CLI refuses it.
        similarity = tools[name].input_schema["properties"]["min_similarity"]
        assert (similarity["exclusiveMinimum"], similarity["maximum"]) == (0, 1)
        assert "minimum" not in similarity


def test_search_mirrors_the_library_json_and_pages(shared: Session) -> None:
    data = shared.ok("search_symbols", {"query": "user"})
    expected = CodeIndex.open(shared.root).search("user").to_json()
    assert data["query"] == expected["query"] == "user"
    assert data["total"] == expected["total"] == 7  # the module users.py; 2 more by path
    assert data["results"] == expected["results"]
    assert (data["offset"], data["more"]) == (0, 0)
    assert "note" not in data

    first = shared.ok("search_symbols", {"query": "user", "limit": 1})
    assert first["results"] == expected["results"][:1]
    assert (first["total"], first["more"]) == (7, 6)
    second = shared.ok("search_symbols", {"query": "user", "limit": 2, "offset": 1})
    assert second["results"] == expected["results"][1:3]
    assert second["more"] == 4


def test_search_filters(shared: Session) -> None:
    data = shared.ok(
        "search_symbols", {"query": "user", "kind": "method", "language": "py", "path": "svc/a*"}
    )
    assert [(r["qualified_name"], r["path"]) for r in data["results"]] == [
        ("AdminService.get_user", "svc/admin.py")
    ]


def test_get_symbol_unique_qualified_and_ambiguous(shared: Session) -> None:
    one = shared.ok("get_symbol", {"name": "delete_user"})
    assert one["ambiguous"] is False and one["total"] == 1
    match = one["matches"][0]
    assert (match["path"], match["start_line"], match["end_line"]) == ("svc/users.py", 10, 11)
    assert match["source"] == (
        "    def delete_user(self, user_id: int) -> None:\n        del self.db[user_id]"
    )

    both = shared.ok("get_symbol", {"name": "get_user"})
    assert both["ambiguous"] is True and both["total"] == 2
    assert "pass `path` or a qualified name" in both["note"]
    assert {m["qualified_name"] for m in both["matches"]} == {
        "UserService.get_user",
        "AdminService.get_user",
    }
    assert all(m["source"] for m in both["matches"])  # few candidates: sources included

    chosen = shared.ok("get_symbol", {"name": "AdminService.get_user"})
    assert chosen["ambiguous"] is False
    assert chosen["matches"][0]["path"] == "svc/admin.py"
    in_file = shared.ok("get_symbol", {"name": "get_user", "path": "svc/users.py"})
    assert [m["qualified_name"] for m in in_file["matches"]] == ["UserService.get_user"]


def test_get_symbol_of_a_class_named_like_its_file_is_one_answer(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Sdk/Tracker.cs": (
                "namespace Sdk {\n    public class Tracker {\n        public Tracker() {}\n"
                "        public Tracker(int x) {}\n    }\n}\n"
            ),
            "App/Main.cs": "class Main { void Run() { var t = new Tracker(); } }\n",
        },
    )
    session = Session(tmp_path)
    try:
        wait_ready(session.service)
        for arguments in ({"name": "Tracker"}, {"name": "Tracker", "path": "Sdk/Tracker.cs"}):
            answer = session.ok("get_symbol", arguments)
            assert (answer["total"], answer["ambiguous"]) == (1, False), answer
            [match] = answer["matches"]
            assert (match["kind"], match["start_line"], match["end_line"]) == ("class", 2, 5)
            assert [ref["path"] for ref in match["refs"]["references"]] == ["App/Main.cs"]
    finally:
        session.close()


def test_get_symbol_unknown_name_is_a_tool_error(shared: Session) -> None:
    message = shared.error("get_symbol", {"name": "no_such_function"})
    assert "no symbol named 'no_such_function'" in message
    assert "search_symbols" in message


def test_file_outline_is_a_tree(shared: Session) -> None:
    data = shared.ok("file_outline", {"path": "svc/users.py"})
    assert data["path"] == "svc/users.py"
    assert (data["total"], data["more"]) == (5, 0)
    [service] = data["symbols"]
    assert (service["name"], service["kind"], service["line"]) == ("UserService", "class", 4)
    assert [child["name"] for child in service["children"]] == ["get_user", "delete_user", "Cache"]
    cache = service["children"][2]
    assert [child["name"] for child in cache["children"]] == ["get"]
    assert "children" not in service["children"][0]  # leaves stay compact

    limited = shared.ok("file_outline", {"path": "./svc/users.py", "limit": 2})
    assert (limited["total"], limited["more"]) == (5, 3)


def test_index_status(shared: Session) -> None:
    data = shared.ok("index_status")
    assert data["root"] == str(shared.root.resolve())
    assert (data["files"], data["symbols"]) == (3, 8)
    assert data["languages"] == {"python": {"files": 3, "symbols": 8}}
    assert data["build"]["state"] == "ready"
    assert data["freshness"] in ("watcher", "check-before-answer")
    assert data["refreshing"] in (True, False)
    assert data["last_update"] is not None


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("search_symbols", {"query": "user", "limit": 0}, "limit"),
        ("search_symbols", {"query": "user", "kind": "gadget"}, "kind"),
        ("search_symbols", {"query": "user", "language": "cobol"}, "language"),
        ("search_symbols", {"query": ""}, "query"),
        ("search_symbols", {}, "query"),
        ("find_similar", {"code": "x = 1", "min_similarity": 1.5}, "min_similarity"),
        ("find_similar", {"code": "x = 1", "min_similarity": 0}, "min_similarity"),
        ("find_duplicates", {"min_similarity": 0}, "min_similarity"),
        ("file_outline", {"path": "svc/missing.py"}, "not an indexed source file"),
        ("search_symbols", {"query": "user", "path": "["}, "can match no path"),
        ("file_outline", {"path": ""}, "path is empty"),
        ("no_such_tool", {}, "no_such_tool"),
    ],
)
def test_bad_arguments_are_tool_errors(
    shared: Session, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    assert expected in shared.error(tool, arguments)
    assert shared.ok("search_symbols", {"query": "parse"})["total"] == 1  # still serving


def test_oversized_snippet_is_refused(shared: Session) -> None:
    message = shared.error("find_similar", {"code": "x" * (256 * 1024 + 1)})
    assert "the limit is 262144 (256 KiB)" in message


def test_nothing_outside_the_root_is_read(shared: Session, tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("def leaked():\n    return 'secret'\n", encoding="utf-8")
    link = shared.root / "svc" / "link.py"
    os.symlink(secret, link)
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    os.symlink(outside_dir, shared.root / "escape")
    try:
        for path in ("../secret.py", str(secret), "svc/link.py", "svc/../../secret.py"):
            assert "outside the project root" in shared.error("file_outline", {"path": path})
            assert "outside the project root" in shared.error(
                "get_symbol", {"name": "leaked", "path": path}
            )
            assert "outside the project root" in shared.error("find_duplicates", {"path": path})
            assert "outside the project root" in shared.error("reindex", {"paths": [path]})
        assert "outside the project root" in shared.error("reindex", {"paths": ["escape"]})
        assert "outside the project root" in shared.error("file_outline", {"path": "/etc/passwd"})
        # The symlinked file is not indexed either, so no tool can return its text.
        assert shared.ok("search_symbols", {"query": "leaked"})["total"] == 0
    finally:
        link.unlink()
        (shared.root / "escape").unlink()


def test_prompt_scan_before_writing(shared: Session) -> None:
    async def go() -> Any:
        async with Client(shared.server) as client:
            listed = (await client.list_prompts()).prompts
            got = await client.get_prompt("scan-before-writing", {"task": "a retry helper"})
            return listed, got

    listed, got = anyio.run(go)
    assert [prompt.name for prompt in listed] == ["scan-before-writing"]
    text = got.messages[0].content.text
    assert "a retry helper" in text
    for tool in ("search_symbols", "find_similar", "get_symbol", "find_duplicates"):
        assert tool in text
    assert "`blocks: true`" in text  # pasted blocks are checked too


def test_deleted_symbol_is_gone_at_once_with_the_watcher(fresh: Session) -> None:
    assert fresh.ok("search_symbols", {"query": "delete_user"})["total"] == 1
    deadline = time.monotonic() + 5
    while fresh.service.freshness_mode != "watcher":  # the watcher takes over after catch-up
        assert time.monotonic() < deadline
        time.sleep(0.02)
    text = PROJECT["svc/users.py"].replace("    def delete_user", "    def remove_user")
    with watcher_sees_a_change(fresh.service):
        (fresh.root / "svc/users.py").write_text(text, encoding="utf-8")
    assert fresh.ok("search_symbols", {"query": "delete_user"})["total"] == 0
    assert fresh.ok("search_symbols", {"query": "remove_user"})["total"] == 1
    with watcher_sees_a_change(fresh.service):
        (fresh.root / "svc/admin.py").unlink()
    assert fresh.ok("get_symbol", {"name": "get_user"})["total"] == 1


@contextlib.contextmanager
def watcher_sees_a_change(service: IndexService, timeout: float = 10.0) -> Iterator[None]:
    """Until the watcher holds the change made inside, as a pending event or a batch done.
    The tool call itself waits out the debounce; what it cannot wait for is an event the
    kernel has not delivered yet, which a loaded machine may take well over 50 ms to do."""
    status = service._watcher_status()
    assert status is not None
    batches = status["batches"]
    yield
    deadline = time.monotonic() + timeout
    while True:
        status = service._watcher_status()
        assert status is not None
        if status["pending"] or status["batches"] > batches:
            return
        assert time.monotonic() < deadline, "the watcher saw no event"
        time.sleep(0.005)


def test_check_before_answer_without_the_watcher(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write(root, PROJECT)
    session = Session(root, use_watcher=False, check_interval=0.2)
    try:
        wait_ready(session.service)
        assert session.ok("index_status")["freshness"] == "check-before-answer"
        assert session.ok("search_symbols", {"query": "parse_config"})["total"] == 1
        (root / "svc/config.py").unlink()
        write(root, {"svc/loader.py": "def load_settings(path):\n    return path\n"})
        time.sleep(0.25)  # anything older than the check interval must be visible
        assert session.ok("search_symbols", {"query": "parse_config"})["total"] == 0
        assert session.ok("search_symbols", {"query": "load_settings"})["total"] == 1
    finally:
        session.close()


def test_reindex_paths_and_everything(fresh: Session) -> None:
    assert fresh.ok("reindex")["seconds"] >= 0
    write(fresh.root, {"svc/new.py": "def brand_new():\n    pass\n"})
    data = fresh.ok("reindex", {"paths": ["svc/new.py"]})
    assert data["indexed"] in (0, 1)  # the watcher may have got there first
    assert fresh.ok("search_symbols", {"query": "brand_new"})["total"] == 1
    (fresh.root / "svc/new.py").unlink()
    fresh.ok("reindex", {"paths": ["svc"]})
    assert fresh.ok("search_symbols", {"query": "brand_new"})["total"] == 0
    assert fresh.ok("reindex", {"paths": ["."]})["indexed"] == 0


def test_cold_start_answers_while_building(tmp_path: Path) -> None:
    """No index yet: the first call answers at once (from whatever is committed, saying so)
    and the build finishes in the background."""
    root = tmp_path / "project"
    files = {f"pkg/m{i:03}.py": f"def func_{i:03}(x):\n    return x + {i}\n" for i in range(450)}
    write(root, files)
    session = Session(root)
    try:
        started = time.monotonic()
        first = session.ok("search_symbols", {"query": "func_*", "limit": 5})
        assert time.monotonic() - started < 3.0
        if first["total"] < 450:  # incomplete answers say so
            assert "being built" in first["note"] or "brought up to date" in first["note"]
        wait_ready(session.service)
        assert session.ok("search_symbols", {"query": "func_*", "limit": 5})["total"] == 450
        status = session.ok("index_status")
        assert status["build"] == {"state": "ready", "files_done": 450, "files_total": 450}
    finally:
        session.close()


@needs_clones
def test_find_similar_finds_a_renamed_copy(shared: Session) -> None:
    snippet = (
        "def read_settings(blob: str) -> dict:\n"
        "    out = {}\n"
        "    for row in blob.splitlines():\n"
        "        if '=' in row:\n"
        "            k, v = row.split('=', 1)\n"
        "            out[k.strip()] = v.strip()\n"
        "    return out\n"
    )
    data = shared.ok("find_similar", {"code": snippet, "language": "py"})
    assert data["matches"], data
    best = data["matches"][0]
    assert (best["path"], best["symbol"], best["start_line"]) == (
        "svc/config.py",
        "parse_config",
        1,
    )
    assert best["similarity"] >= 0.9
    assert data["more"] == data["total"] - len(data["matches"])


@needs_clones
def test_find_duplicates_pages_and_filters_by_path(fresh: Session) -> None:
    copy = PROJECT["svc/config.py"].replace("parse_config", "parse_settings")
    write(fresh.root, {"svc/settings.py": copy})
    fresh.ok("reindex", {"paths": ["svc/settings.py"]})
    data = fresh.ok("find_duplicates", {"min_similarity": 0.8})
    assert data["total"] >= 1
    members = {(m["path"], m["symbol"]) for m in data["groups"][0]["members"]}
    assert members >= {("svc/config.py", "parse_config"), ("svc/settings.py", "parse_settings")}
    only = fresh.ok("find_duplicates", {"path": "svc/users.py", "min_similarity": 0.8})
    assert only["groups"] == [] and only["total"] == 0
    paged = fresh.ok("find_duplicates", {"limit": 1, "offset": 0})
    assert paged["more"] == paged["total"] - len(paged["groups"])


@needs_clones
def test_find_duplicates_hides_groups_kept_on_purpose_on_request(fresh: Session) -> None:
    legacy = PROJECT["svc/config.py"].replace("parse_config", "parse_legacy")
    warn = "import warnings\nwarnings.warn('use svc.config', DeprecationWarning, 2)\n"
    write(fresh.root, {"svc/legacy.py": warn + legacy})
    fresh.ok("reindex", {"paths": ["svc/legacy.py"]})
    scoped = {"path": "svc/legacy.py", "min_similarity": 0.8}
    [group] = fresh.ok("find_duplicates", scoped)["groups"]
    assert (group["labels"], group["on_purpose"]) == ([], "deprecated")
    hidden = fresh.ok("find_duplicates", {**scoped, "hide_intentional": True})
    assert hidden["groups"] == [] and hidden["hidden"] == {"deprecated": 1}


@needs_clones
def test_find_duplicates_reports_pasted_blocks_on_request(fresh: Session) -> None:
    write(fresh.root, {"jobs/reports.py": FETCH, "jobs/sync.py": SYNC})
    fresh.ok("reindex", {"paths": ["jobs"]})
    scoped = {"path": "jobs", "min_similarity": 0.8}
    assert fresh.ok("find_duplicates", scoped)["groups"] == []
    data = fresh.ok("find_duplicates", {**scoped, "blocks": True})
    [group] = data["groups"]
    assert group["block"] is True
    assert {(m["path"], m["start_line"], m["end_line"]) for m in group["members"]} == {
        ("jobs/reports.py", 6, 20),
        ("jobs/sync.py", 18, 32),
    }


@needs_clones
def test_find_duplicates_hides_platform_variants_on_request(fresh: Session) -> None:
    # One Go function per OS (file suffixes), and a plain copy pair that is no variant.
    write(
        fresh.root,
        {
            "goos/stat_linux.go": GO_STAT.format(constraint="", suffix=""),
            "goos/stat_windows.go": GO_STAT.format(constraint="", suffix="espec"),
            "sum/sum.go": GO_PLAIN.format(package="sum", name="Sum", factor=2),
            "total/total.go": GO_PLAIN.format(package="total", name="Total", factor=3),
        },
    )
    fresh.ok("reindex", {"paths": ["goos", "sum", "total"]})
    scoped = {"language": "go", "min_similarity": 0.8}
    shown = fresh.ok("find_duplicates", scoped)
    assert [group["labels"] for group in shown["groups"]] == [[], ["platform-variants"]]
    variants = {member["path"] for member in shown["groups"][1]["members"]}
    assert variants == {"goos/stat_linux.go", "goos/stat_windows.go"}
    hidden = fresh.ok("find_duplicates", {**scoped, "hide_intentional": True})
    [group] = hidden["groups"]
    assert {member["path"] for member in group["members"]} == {"sum/sum.go", "total/total.go"}
    assert hidden["hidden"] == {"platform-variants": 1}
    assert hidden["total"] == 1 and hidden["more"] == 0


def test_an_index_of_another_version_is_rebuilt(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write(root, PROJECT)
    marker = root / ".code-index" / "code-index.json"
    marker.parent.mkdir()
    marker.write_text('{"format": "code-index", "version": 0}\n', encoding="utf-8")
    session = Session(root)
    try:
        wait_ready(session.service)
        assert session.ok("search_symbols", {"query": "parse_config"})["total"] == 1
    finally:
        session.close()


def test_outline_nests_by_qualified_scope_wherever_the_parent_is() -> None:
    """Go methods sit outside their struct and come first here; the package scope has no
    symbol of its own, so top-level names stay at the top."""
    from codeindex_server.answers import outline_tree

    from codeindex.models import Symbol

    def sym(qualified: str, kind: str, line: int) -> Symbol:
        name = qualified.rsplit(".", 1)[-1]
        return Symbol(name, qualified, kind, "go", "store.go", line, line + 2, name)

    tree = outline_tree(
        [
            sym("users.UserStore.Lookup", "method", 3),
            sym("users.UserStore", "struct", 10),
            sym("users.New", "function", 20),
        ]
    )
    assert [(node["name"], [c["name"] for c in node.get("children", [])]) for node in tree] == [
        ("UserStore", ["Lookup"]),
        ("New", []),
    ]


def test_constant_edits_do_not_block_calls(fresh: Session) -> None:
    """A tree that never goes quiet (a build writing files) must not stall the agent: a
    call waits for the watcher's next batch (about a second), not for quiet."""
    import threading

    deadline = time.monotonic() + 5
    while fresh.service.freshness_mode != "watcher":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    (fresh.root / "svc/admin.py").unlink()
    stop = threading.Event()

    def churn() -> None:
        count = 0
        while not stop.is_set():
            count += 1
            write(fresh.root, {"gen/out.py": f"def generated_{count}():\n    pass\n"})
            time.sleep(0.02)

    thread = threading.Thread(target=churn)
    thread.start()
    try:
        time.sleep(1.0)
        started = time.monotonic()
        data = fresh.ok("search_symbols", {"query": "AdminService"})
        assert time.monotonic() - started < 2.5
        assert data["total"] == 0  # deleted a second ago: gone
    finally:
        stop.set()
        thread.join()


def test_search_says_when_nothing_matched_and_leaves_tests_out(shared: Session) -> None:
    data = shared.ok("search_symbols", {"query": "zzqx|^qqzz"})
    assert data["results"] == [] and data["note"].startswith("nothing matched")
    kept = shared.ok("search_symbols", {"query": "user", "tests": "exclude"})["results"]
    assert kept and all(classify(hit["path"]) == "library" for hit in kept)
