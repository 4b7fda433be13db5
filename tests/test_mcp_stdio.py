"""End to end: `code-index mcp` as a subprocess over real stdio."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import psutil
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from test_mcp_tools import TOOLS  # the tool-name contract, stated once

from codeindex.api import CodeIndex

BIN = Path(sys.executable).parent
HAS_CLONES = hasattr(CodeIndex, "similar")
PROJECT = {
    "app/users.py": (
        "class UserService:\n"
        "    def get_user(self, user_id):\n"
        "        return self.db[user_id]\n\n"
        "    def delete_user(self, user_id):\n"
        "        del self.db[user_id]\n"
    ),
    "app/config.py": (
        "def parse_config(text):\n"
        "    result = {}\n"
        "    for line in text.splitlines():\n"
        "        if '=' in line:\n"
        "            key, value = line.split('=', 1)\n"
        "            result[key.strip()] = value.strip()\n"
        "    return result\n"
    ),
}
SNIPPET = (
    "def load(blob):\n"
    "    out = {}\n"
    "    for row in blob.splitlines():\n"
    "        if '=' in row:\n"
    "            k, v = row.split('=', 1)\n"
    "            out[k.strip()] = v.strip()\n"
    "    return out\n"
)


def make_project(root: Path) -> Path:
    for relative, text in PROJECT.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (root.parent / "outside.py").write_text("def secret():\n    pass\n", encoding="utf-8")
    return root


async def call(session: ClientSession, name: str, arguments: dict[str, Any]) -> Any:
    result = await session.call_tool(name, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def until(session: ClientSession, query: str, total: int, timeout: float = 10.0) -> Any:
    """Search until the expected count shows (only a cold build needs more than one try)."""
    deadline = time.monotonic() + timeout
    while True:
        data = await call(session, "search_symbols", {"query": query})
        if data["total"] == total or time.monotonic() > deadline:
            return data
        await anyio.sleep(0.05)


def server_processes() -> list[psutil.Process]:
    return [
        child
        for child in psutil.Process().children(recursive=True)
        if "code-index" in " ".join(child.cmdline())
    ]


def test_stdio_end_to_end(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    errlog = (tmp_path / "stderr.txt").open("w")
    params = StdioServerParameters(
        command=str(BIN / "code-index"),
        args=["mcp", "--root", str(root), "--log-level", "INFO"],
        cwd=str(tmp_path),
    )

    async def go() -> None:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            started = time.monotonic()
            init = await session.initialize()
            assert time.monotonic() - started < 10
            assert init.server_info.name == "code-index"
            tools = {tool.name for tool in (await session.list_tools()).tools}
            assert tools == TOOLS

            found = await until(session, "user", 4)
            assert [r["qualified_name"] for r in found["results"]] == [
                "UserService",
                "app.users",  # the file, after definitions that match as well
                "UserService.get_user",
                "UserService.delete_user",
            ]

            outline = await call(session, "file_outline", {"path": "app/users.py"})
            assert [c["name"] for c in outline["symbols"][0]["children"]] == [
                "get_user",
                "delete_user",
            ]

            symbol = await call(session, "get_symbol", {"name": "UserService.get_user"})
            assert symbol["matches"][0]["source"].startswith("    def get_user(self, user_id):")
            assert (symbol["matches"][0]["start_line"], symbol["matches"][0]["end_line"]) == (2, 3)

            similar = await session.call_tool("find_similar", {"code": SNIPPET, "language": "py"})
            if HAS_CLONES:
                assert not similar.is_error, similar.content[0].text
                best = similar.structured_content["matches"][0]
                assert (best["path"], best["symbol"]) == ("app/config.py", "parse_config")
            else:
                assert similar.is_error and "clone detection" in similar.content[0].text

            # Edit a file: the very next calls see it (the server waits for the watcher).
            users = root / "app/users.py"
            users.write_text(PROJECT["app/users.py"].replace("delete_user", "remove_user"))
            await anyio.sleep(0.05)
            assert (await call(session, "search_symbols", {"query": "delete_user"}))["total"] == 0
            assert (await call(session, "search_symbols", {"query": "remove_user"}))["total"] == 1
            (root / "app/config.py").unlink()
            await anyio.sleep(0.05)
            missing = await session.call_tool("get_symbol", {"name": "parse_config"})
            assert missing.is_error and "no symbol named 'parse_config'" in missing.content[0].text

            # Traversal is refused and the server keeps serving.
            for path in ("../outside.py", str(tmp_path / "outside.py")):
                refused = await session.call_tool("file_outline", {"path": path})
                assert refused.is_error
                assert "outside the project root" in refused.content[0].text
            bad = await session.call_tool("search_symbols", {"query": "x", "limit": -1})
            assert bad.is_error
            status = await call(session, "index_status", {})
            assert status["files"] == 1 and status["build"]["state"] == "ready"

            # stdio only: no network listener of any kind.
            [server] = server_processes()
            assert server.net_connections(kind="inet") == []

    try:
        anyio.run(go)
    finally:
        errlog.close()
        print((tmp_path / "stderr.txt").read_text())  # shown by pytest when the test fails
    logged = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in logged
    # Logs went to stderr (stdout carried only the protocol, or the client would have failed).
    assert "code-index mcp: INFO opened the index" in logged


def test_code_index_mcp_subcommand_uses_the_root_from_the_environment(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    params = StdioServerParameters(
        command=str(BIN / "code-index"),
        args=["mcp"],
        env={"CODE_INDEX_ROOT": str(root)},
        cwd=str(tmp_path),
    )

    async def go() -> None:
        async with (
            stdio_client(params) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            found = await until(session, "parse_config", 1)
            assert found["results"][0]["path"] == "app/config.py"
            status = await call(session, "index_status", {})
            assert status["root"] == str(root.resolve())

    anyio.run(go)


def test_http_transport_listens_on_loopback_only(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(BIN / "code-index"), "mcp", "--root", str(root), "--transport", "streamable-http"]
        + ["--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 20
        listening: list[Any] = []
        while not listening:
            assert process.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server never listened"
            listening = [
                c
                for c in psutil.Process(process.pid).net_connections(kind="inet")
                if c.status == psutil.CONN_LISTEN
            ]
            time.sleep(0.05)
        assert {(c.laddr.ip, c.laddr.port) for c in listening} == {("127.0.0.1", port)}
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize("root", ["/no/such/dir"])
def test_bad_root_fails_fast_with_a_message(root: str) -> None:
    result = subprocess.run(
        [str(BIN / "code-index"), "mcp", "--root", root],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "is not a directory" in result.stderr
