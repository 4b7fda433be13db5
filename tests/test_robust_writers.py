"""Concurrent writers (#18 F2): every refresh plans under the writer lock, so parallel CLI
calls never store a file's symbols twice, whatever order they interleave in."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.conftest import exported, run_cli, write_files

CLI = str(Path(sys.executable).parent / "code-index")


def _batch(root: Path, round_: int, files: int) -> None:
    body = "def f_{r}_{i}_{j}(x):\n    return x + {j}\n\n"
    write_files(
        root,
        {
            f"new{round_}/m{i}.py": "".join(body.format(r=round_, i=i, j=j) for j in range(8))
            for i in range(files)
        },
    )


def test_parallel_cli_refreshes_store_each_file_once(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_files(root, {"base.py": "def base(): pass\n"})
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    for round_, files in enumerate((60, 10, 60)):  # the parallel path and the serial one
        _batch(root, round_, files)
        commands = [
            [CLI, "index", "--root", str(root)],
            [CLI, "index", "--root", str(root)],
            [CLI, "search", "f_", "--root", str(root)],
            [CLI, "status", "--root", str(root)],
        ]
        running = [
            subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for c in commands
        ]
        for process in running:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
    symbols = exported(root)
    assert len(symbols) == len(set(symbols))
    assert len(symbols) == 1 + 8 * (60 + 10 + 60)
    rebuilt = run_cli("index", "--rebuild", "--root", str(root), cwd=root)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert exported(root) == symbols


def test_cli_writers_beside_a_running_watcher_store_each_file_once(tmp_path: Path) -> None:
    # The case agents hit all day: `code-index watch` (or the MCP server) keeps the index
    # while shell commands run `index` beside it. Both are writers; neither may add a file
    # the other has just committed.
    root = tmp_path / "project"
    write_files(root, {"base.py": "def base(): pass\n"})
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    watcher = subprocess.Popen(
        [CLI, "watch", "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        for round_ in range(3):
            _batch(root, round_, 30)
            writers = [
                subprocess.Popen(
                    [CLI, "index", "--root", str(root)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            for writer in writers:
                _, err = writer.communicate(timeout=120)
                assert writer.returncode == 0, err
        # Everything is on disk and indexed by someone; let the watcher settle, then stop it.
        time.sleep(1.5)
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.communicate(timeout=30)
    symbols = exported(root)
    assert len(symbols) == len(set(symbols)), "a file's symbols were stored twice"
    assert len(symbols) == 1 + 3 * 30 * 8  # export lists definitions, not module symbols
    rebuilt = run_cli("index", "--rebuild", "--root", str(root), cwd=root)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert exported(root) == symbols


def test_cli_writers_beside_a_running_mcp_server_store_each_file_once(tmp_path: Path) -> None:
    # The MCP server's watcher and the agent's shell commands write the same index.
    root = tmp_path / "project"
    write_files(root, {"base.py": "def base(): pass\n"})
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    params = StdioServerParameters(command=CLI, args=["mcp", "--root", str(root)], cwd=str(root))

    async def agent() -> int:
        with (tmp_path / "server.log").open("w") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                for round_ in range(3):
                    _batch(root, round_, 30)
                    # The agent's shell runs `index` twice while it asks the server.
                    writers = [
                        subprocess.Popen(
                            [CLI, "index", "--root", str(root)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE,
                            text=True,
                        )
                        for _ in range(2)
                    ]
                    await session.call_tool("search_symbols", {"query": f"f_{round_}_*"})
                    for writer in writers:
                        _, err = await anyio.to_thread.run_sync(writer.communicate, None, 120)
                        assert writer.returncode == 0, err
                found = await session.call_tool("search_symbols", {"query": "f_*", "limit": 1})
                assert not found.is_error
                assert found.structured_content is not None
                return int(found.structured_content["total"])

    total = anyio.run(agent)
    assert total == 3 * 30 * 8
    symbols = exported(root)
    assert len(symbols) == len(set(symbols)), "a file's symbols were stored twice"
    assert len(symbols) == 1 + 3 * 30 * 8
    rebuilt = run_cli("index", "--rebuild", "--root", str(root), cwd=root)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert exported(root) == symbols
