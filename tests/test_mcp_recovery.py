"""The MCP server when its index directory is removed under it, when it is sent SIGTERM with
stdin still open, and the notes of answers given while the index is (re)built."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from test_mcp_stdio import BIN, make_project

from tests.conftest import write_files


def remove(directory: Path) -> None:
    """`rm -rf`, which the server may race by writing a file into the directory meanwhile."""
    while directory.exists():
        shutil.rmtree(directory, ignore_errors=True)


def test_a_removed_index_is_rebuilt_and_answers_say_so_meanwhile(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    errlog = (tmp_path / "stderr.txt").open("w")
    params = StdioServerParameters(
        command=str(BIN / "code-index"), args=["mcp", "--root", str(root)], env=dict(os.environ)
    )

    async def search(session: ClientSession, query: str) -> dict[str, Any]:
        result = await session.call_tool("search_symbols", {"query": query})
        assert not result.is_error, result.content[0].text  # never a bare tool error
        return dict(result.structured_content or {})

    async def go() -> None:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            assert (await search(session, "UserService"))["total"] == 1
            for reset in range(2):
                remove(root / ".code-index")
                if reset == 1:  # reindex works at once, before anyone noticed
                    rebuilt = await session.call_tool("reindex", {})
                    assert not rebuilt.is_error, rebuilt.content[0].text
                first = await search(session, "UserService")
                if first["total"] != 1:  # answered before the rebuild ended: it says why
                    assert "was removed; the index is being built" in first["note"], first
                deadline = time.monotonic() + 20
                while (await search(session, "UserService"))["total"] != 1:
                    assert time.monotonic() < deadline, "the removed index was never rebuilt"
                    await anyio.sleep(0.1)
                assert (root / ".code-index").is_dir()
                # Followed again: a new file is seen by the next call, with no note.
                write_files(
                    root, {f"app/new{reset}.py": f"def fresh_after_reset_{reset}(): pass\n"}
                )
                after = await search(session, f"fresh_after_reset_{reset}")
                assert after["total"] == 1 and "note" not in after, after
                status = await session.call_tool("index_status", {})
                assert status.structured_content["files"] == 3 + reset

    try:
        anyio.run(go)
    finally:
        errlog.close()
    logged = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in logged, logged


def test_sigterm_ends_the_server_with_stdin_still_open(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    server = subprocess.Popen(
        [str(BIN / "code-index"), "mcp", "--root", str(root), "--log-level", "debug"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert server.stdin is not None and server.stdout is not None
        hello = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"},
            },
        }
        server.stdin.write(json.dumps(hello).encode() + b"\n")
        server.stdin.flush()
        assert b'"serverInfo"' in server.stdout.readline()
        time.sleep(0.5)
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)  # stdin stays open
        server.wait(5)
        assert time.monotonic() - started < 1.5
        assert server.returncode == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_an_answer_during_the_build_carries_its_note_once(tmp_path: Path) -> None:
    from test_mcp_tools import Session, wait_ready, write

    root = tmp_path / "project"
    count = 350  # under the first slice's threshold: nothing is committed until the end
    write(
        root,
        {f"pkg/m{i:04}.py": f"def func_{i:04}(x):\n    return x + {i}\n" for i in range(count)},
    )
    session = Session(root, catch_up_wait=0)  # answer at once, during the build
    try:
        result = session.ok("search_symbols", {"query": "func_0001"})
        if result["total"] == 0:
            note = result["note"]
            assert note.count("retry in a few seconds") == 1, note  # the build's note, once
        wait_ready(session.service)
        assert (
            session.ok("search_symbols", {"query": "func_0001"})["results"][0]["name"]
            == "func_0001"
        )
    finally:
        session.close()


def test_duplicates_under_a_path_without_indexed_files_say_so(tmp_path: Path) -> None:
    from test_mcp_tools import Session, wait_ready, write

    root = tmp_path / "project"
    write(root, {"pkg/a.py": "def alpha(x):\n    return x + 1\n", "notes/readme.txt": "hello\n"})
    session = Session(root)
    try:
        wait_ready(session.service)
        missing = session.ok("find_duplicates", {"path": "nosuch/dir"})
        assert missing["total"] == 0
        assert missing["note"] == (
            "nosuch/dir does not exist under the project root; pass a file or folder there"
        )
        empty = session.ok("find_duplicates", {"path": "notes"})
        assert empty["note"] == "no indexed source file is under notes"
        assert "note" not in session.ok("find_duplicates", {"path": "pkg"})
    finally:
        session.close()


def test_an_index_it_cannot_write_leaves_the_server_answering_with_a_note(tmp_path: Path) -> None:
    from test_watch_recovery import make_unwritable

    root = make_project(tmp_path / "project")
    built = subprocess.run(
        [str(BIN / "code-index"), "index", "--root", str(root)], capture_output=True, timeout=60
    )
    assert built.returncode == 0, built.stderr
    write_files(root, {"app/late.py": "def late_fn(): pass\n"})
    undo = make_unwritable(root / ".code-index")
    errlog = (tmp_path / "stderr.txt").open("w")
    params = StdioServerParameters(
        command=str(BIN / "code-index"), args=["mcp", "--root", str(root)], env=dict(os.environ)
    )

    async def go() -> None:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            for _ in range(2):  # also after its watcher gave up
                found = await session.call_tool("search_symbols", {"query": "UserService"})
                assert not found.is_error, found.content[0].text
                data = found.structured_content or {}
                assert data["total"] == 1
                assert "cannot update the index" in data["note"], data
                await anyio.sleep(1.5)

    try:
        anyio.run(go)
    finally:
        undo()
        errlog.close()
    logged = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in logged, logged
    assert "cannot write the index" in logged and "not watching" in logged, logged
