"""The MCP server under parallel calls, over real stdio: reads beside a running
find_duplicates, cancellation and progress of long calls."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import psutil
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from test_mcp_stdio import BIN, call, make_project, until

from codeindex.api import CodeIndex


def clone_workers() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "clone_worker" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # exited meanwhile (the indexer's workers come and go)
            pass
    return found


def params(root: Path) -> StdioServerParameters:
    return StdioServerParameters(command=str(BIN / "code-index"), args=["mcp", "--root", str(root)])


@asynccontextmanager
async def ready_session(root: Path) -> AsyncIterator[ClientSession]:
    """A server on `root`, started over stdio, once its index answers for the project's
    three `user` symbols."""
    async with (
        stdio_client(params(root)) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        await until(session, "user", 3)
        yield session


def test_searches_answer_while_find_duplicates_runs(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    finished: list[tuple[str, float]] = []

    async def go() -> None:
        async with ready_session(root) as session:

            async def timed(name: str, arguments: dict[str, Any]) -> None:
                started = time.monotonic()
                await call(session, name, arguments)
                finished.append((name, time.monotonic() - started))

            async with anyio.create_task_group() as group:
                group.start_soon(timed, "find_duplicates", {})
                await anyio.sleep(0.05)  # the scan has started (its worker is starting)
                for query in ("user", "parse_config", "get_user", "config", "delete"):
                    group.start_soon(timed, "search_symbols", {"query": query})
                    await anyio.sleep(0.01)

    anyio.run(go)
    names = [name for name, _ in finished]
    # Every search came back before the long call did, each well under its duration.
    assert names[-1] == "find_duplicates", finished
    slow = max(seconds for name, seconds in finished if name == "search_symbols")
    assert slow < finished[-1][1] / 2, finished


def test_cancelled_find_duplicates_stops_and_the_server_keeps_serving(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    progress: list[tuple[float, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, message))

    async def go() -> None:
        async with ready_session(root) as session:
            with anyio.move_on_after(10):
                async with anyio.create_task_group() as group:

                    async def scan() -> None:
                        await session.call_tool("find_duplicates", {})

                    group.start_soon(scan)
                    while not clone_workers():  # the scan is running in its worker
                        await anyio.sleep(0.01)
                    # Leaving the scope cancels the request: the client sends
                    # notifications/cancelled, the server kills the worker.
                    group.cancel_scope.cancel()
            deadline = time.monotonic() + 5
            while clone_workers():
                assert time.monotonic() < deadline, "the cancelled scan kept running"
                await anyio.sleep(0.02)
            # The file itself (kind module) matches too.
            assert (await call(session, "search_symbols", {"query": "user"}))["total"] == 4
            # The next scan starts a new worker, reports progress and answers.
            result = await session.call_tool("find_duplicates", {}, progress_callback=on_progress)
            assert not result.is_error, result.content[0].text
            assert result.structured_content["total"] >= 0
            # Progress callbacks run in tasks of their own: give the last one a moment.
            with anyio.move_on_after(5):
                while not progress:
                    await anyio.sleep(0.01)

    anyio.run(go)
    assert progress and progress[0][1] == "find_duplicates: started", progress


def test_read_your_writes_with_no_pause(tmp_path: Path) -> None:
    """Each search starts right after the write or the delete returned: no sleep between.
    With the watcher (a sync cookie) and without it (a check before answering)."""
    root = make_project(tmp_path / "project")
    stale: list[str] = []

    async def rounds(session: ClientSession, label: str) -> None:
        for index in range(5):
            name = f"probe_{label}_{index}"
            target = root / f"app/probe{index % 3}.py"
            target.write_text(f"def {name}(x):\n    return x\n", encoding="utf-8")
            if (await call(session, "search_symbols", {"query": name}))["total"] != 1:
                stale.append(f"{label}: missed new {name}")
            target.unlink()
            if (await call(session, "search_symbols", {"query": name}))["total"] != 0:
                stale.append(f"{label}: still found deleted {name}")

    async def go() -> None:
        async with ready_session(root) as session:
            status = await call(session, "index_status", {})
            deadline = time.monotonic() + 10
            while status["freshness"] != "watcher" and time.monotonic() < deadline:
                await anyio.sleep(0.05)
                status = await call(session, "index_status", {})
            assert status["freshness"] == "watcher"
            await rounds(session, "watcher")
            # A second server on the same index: the first one's watcher holds it, so this
            # one checks the disk before answering.
            async with ready_session(root) as second:
                assert (await call(second, "index_status", {}))["freshness"] == (
                    "check-before-answer"
                )
                await rounds(second, "check")

    anyio.run(go)
    assert stale == []


def _children_of(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _new_server(before: set[int]) -> psutil.Process:
    [server] = [child for child in psutil.Process().children() if child.pid not in before]
    return server


def test_cancelled_reindex_stops_and_commits_nothing(tmp_path: Path) -> None:
    """A reindex of many new files, cancelled midway, stops its indexing processes at once
    and commits none of them; the next reindex does them all. The server under test waits
    behind a frozen first server for the watcher, so it does the work itself, not its
    watcher."""
    root = make_project(tmp_path / "project")
    body = "".join(
        f"def helper_{n}(value):\n    return value * {n} + len(str(value))\n\n" for n in range(20)
    )
    count = 240

    def indexed_files() -> int:
        code_index = CodeIndex.open(root)
        try:
            return int(code_index.status()["files"])
        finally:
            code_index.close()

    async def go() -> None:
        before = {child.pid for child in psutil.Process().children()}
        async with ready_session(root):
            first = _new_server(before)
            first.suspend()  # holds the watcher lock, does nothing
            try:
                before.add(first.pid)
                async with ready_session(root) as session:
                    second = _new_server(before)
                    status = await call(session, "index_status", {})
                    assert status["freshness"] == "check-before-answer"
                    files_before = indexed_files()
                    for n in range(count):
                        (root / "many" / f"m{n // 100}").mkdir(parents=True, exist_ok=True)
                        (root / "many" / f"m{n // 100}" / f"f{n}.py").write_text(body)
                    await cancel_midway(session)
                    deadline = time.monotonic() + 10
                    while _children_of(second.pid):
                        assert time.monotonic() < deadline, "the cancelled reindex kept indexing"
                        await anyio.sleep(0.05)
                    await anyio.sleep(0.5)
                    assert indexed_files() == files_before
                    again = await call(session, "reindex", {"paths": ["many"]})
                    assert again["indexed"] == count, again
            finally:
                first.resume()

    async def cancel_midway(session: ClientSession) -> None:
        progress: list[float] = []
        finished: list[Any] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append(done)

        with anyio.move_on_after(60):
            async with anyio.create_task_group() as group:

                async def reindex() -> None:
                    finished.append(
                        await session.call_tool("reindex", {}, progress_callback=on_progress)
                    )

                group.start_soon(reindex)
                while not progress and not finished:
                    await anyio.sleep(0.01)
                group.cancel_scope.cancel()
        assert progress and not finished, "the reindex ended before it could be cancelled"

    anyio.run(go)


def test_the_clone_worker_is_replaced_by_what_a_call_made_it_grow(project, monkeypatch) -> None:
    from codeindex_server import clone_worker

    root = project({"a.py": "def f(x):\n    return x\n"})
    worker = clone_worker.CloneWorker(root, None)
    try:
        worker.run("duplicates", {}, "duplicates")
        first = worker.pid()
        worker.run("duplicates", {}, "duplicates")
        assert first is not None and worker.pid() == first  # a small scan: kept warm
        monkeypatch.setattr(clone_worker, "RECYCLE_GROWTH_MB", -1.0)  # any growth is too much
        monkeypatch.setattr(clone_worker, "RECYCLE_IDLE", 0.3)
        worker.run("duplicates", {}, "duplicates")
        worker.run("duplicates", {"tests": "include"}, "duplicates")
        assert worker.pid() == first  # asked again before it idled: kept, with its scan
        deadline = time.monotonic() + 10
        while worker.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.pid() is None  # stopped once idle; the next call starts a new one
        monkeypatch.undo()
        worker.run("duplicates", {}, "duplicates")
        assert worker.pid() not in (None, first)
    finally:
        worker.stop()
