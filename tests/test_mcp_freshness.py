"""A server per call (as one-shot clients run it), over real stdio: the first answer comes
from an index caught up with the disk, and the catch-up stays committed after the exit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import anyio
from mcp import ClientSession
from mcp.client.stdio import stdio_client
from test_mcp_concurrency import params
from test_mcp_stdio import BIN, make_project

from codeindex.api import CodeIndex


def ask_once(root: Path, name: str) -> dict:
    async def go() -> dict:
        async with (
            stdio_client(params(root)) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            result = await session.call_tool("search_symbols", {"query": name})
            assert not result.is_error, result.content[0].text
            return dict(result.structured_content)

    return anyio.run(go)


def test_one_shot_servers_see_files_written_while_none_ran(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    built = subprocess.run(
        [str(BIN / "code-index"), "index", "--root", str(root)], capture_output=True, timeout=120
    )
    assert built.returncode == 0, built.stderr
    for index in range(2):
        name = f"written_while_none_ran_{index}"
        (root / f"app/shot{index}.py").write_text(f"def {name}():\n    pass\n", encoding="utf-8")
        if index == 1:
            (root / "app/shot0.py").unlink()
        data = ask_once(root, name)
        assert data["total"] == 1, data
        assert "note" not in data, data
    # What the servers caught up is committed: read the index as it is on disk, no refresh.
    on_disk = CodeIndex.open(root)
    assert on_disk.search("written_while_none_ran_1").total == 1
    assert on_disk.search("written_while_none_ran_0").total == 0


def test_answers_during_the_first_build_say_how_far_it_got(tmp_path: Path) -> None:
    from test_mcp_tools import Session, wait_ready, write

    root = tmp_path / "project"
    count = 1500
    write(
        root,
        {f"pkg/m{i:04}.py": f"def func_{i:04}(x):\n    return x + {i}\n" for i in range(count)},
    )
    session = Session(root, catch_up_wait=0)  # answer at once, during the build
    try:
        last = f"func_{count - 1:04}"
        symbol = session.call("get_symbol", {"name": last})
        outline = session.call("file_outline", {"path": f"pkg/m{count - 1:04}.py"})
        errors = 0
        for result in (symbol, outline):
            text = result.content[0].text
            if result.is_error:  # asked before that file was indexed: say so, and how far
                assert (
                    f"of {count} files so far" in text or "being compared with the disk" in text
                ), text
                errors += 1
        assert errors, "the build ended before the first answer: make the project bigger"
        wait_ready(session.service)
        assert session.ok("get_symbol", {"name": last})["total"] == 1
    finally:
        session.close()
