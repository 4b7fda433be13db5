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

from codeindex.api import CodeIndex
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


def _indexed_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_files(root, {"base.py": "def base(): pass\n"})
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    return root


def _start(*commands: list[str]) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]


def _succeed(process: subprocess.Popen[str]) -> None:
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err


def _stored_once_as_a_rebuild_would(root: Path, definitions: int) -> None:
    symbols = exported(root)  # export lists definitions, not module symbols
    assert len(symbols) == len(set(symbols)), "a file's symbols were stored twice"
    assert len(symbols) == definitions
    rebuilt = run_cli("index", "--rebuild", "--root", str(root), cwd=root)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert exported(root) == symbols


def test_parallel_cli_refreshes_store_each_file_once(tmp_path: Path) -> None:
    root = _indexed_project(tmp_path)
    for round_, files in enumerate((60, 10, 60)):  # the parallel path and the serial one
        _batch(root, round_, files)
        running = _start(
            [CLI, "index", "--root", str(root)],
            [CLI, "index", "--root", str(root)],
            [CLI, "search", "f_", "--root", str(root)],
            [CLI, "status", "--root", str(root)],
        )
        for process in running:
            _succeed(process)
    _stored_once_as_a_rebuild_would(root, 1 + 8 * (60 + 10 + 60))


def test_cli_writers_beside_a_running_watcher_store_each_file_once(tmp_path: Path) -> None:
    # The case agents hit all day: `code-index watch` (or the MCP server) keeps the index
    # while shell commands run `index` beside it. Both are writers; neither may add a file
    # the other has just committed.
    root = _indexed_project(tmp_path)
    watcher = subprocess.Popen(
        [CLI, "watch", "--root", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for round_ in range(3):
            _batch(root, round_, 30)
            for writer in _start(*[[CLI, "index", "--root", str(root)]] * 2):
                _succeed(writer)
        time.sleep(1.5)  # everything is indexed by someone; let the watcher settle
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.wait(timeout=30)
    _stored_once_as_a_rebuild_would(root, 1 + 3 * 30 * 8)


def test_cli_writers_beside_a_running_mcp_server_store_each_file_once(tmp_path: Path) -> None:
    # The MCP server's watcher and the agent's shell commands write the same index.
    root = _indexed_project(tmp_path)
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
                    writers = _start(*[[CLI, "index", "--root", str(root)]] * 2)
                    await session.call_tool("search_symbols", {"query": f"f_{round_}_*"})
                    for writer in writers:
                        await anyio.to_thread.run_sync(_succeed, writer)
                found = await session.call_tool("search_symbols", {"query": "f_*", "limit": 1})
                assert not found.is_error
                assert found.structured_content is not None
                return int(found.structured_content["total"])

    assert anyio.run(agent) == 3 * 30 * 8
    _stored_once_as_a_rebuild_would(root, 1 + 3 * 30 * 8)


COMMITTING = """
import sys, time
from pathlib import Path
from codeindex.api import CodeIndex
root, seconds = Path(sys.argv[1]), float(sys.argv[2])
code_index, end, n = CodeIndex.open(root), time.monotonic() + seconds, 0
while time.monotonic() < end:
    n += 1
    (root / "a.py").write_text(f"def f{n}():\\n    pass\\n")
    code_index.refresh()
"""


def test_opening_the_index_while_another_process_commits_never_reads_it_as_damaged(
    tmp_path: Path,
) -> None:
    # Each commit deletes the table of contents it replaces; an open that found the old one
    # read a vanished file and called the index damaged (16 of 19,527 opens in 8 s).
    root = _indexed_project(tmp_path)
    writer = subprocess.Popen([sys.executable, "-c", COMMITTING, str(root), "4"])
    failures: list[str] = []
    opens = 0
    try:
        while writer.poll() is None:
            try:
                CodeIndex.open(root).close()
                opens += 1
            except Exception as exc:  # noqa: BLE001  (any failure to open is the bug)
                failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert opens > 100 and failures == []
