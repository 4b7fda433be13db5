"""The index directory (#18 F1, F10, F12-F14): nothing without our marker is ever deleted,
any damage to ours is repaired by `--rebuild`, and a rebuild builds beside the old index and
swaps it in, so kills and concurrent rebuilds leave a usable index."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from codeindex import storage
from tests.conftest import exported, run_cli, write_files

BIN = Path(sys.executable).parent
LOCK_FILES = {"WATCHER", "REBUILDING"}  # empty files that carry OS locks


def small_tree(root: Path, files: int = 12) -> None:
    write_files(
        root,
        {
            f"p{i % 3}/m{i}.py": f"def fn_{i}(x):\n    return x\n\nclass C{i}: pass\n"
            for i in range(files)
        },
    )


def test_foreign_index_directory_is_refused_by_the_cli_and_kept(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    write_files(elsewhere, {"precious.txt": "data"})
    cases = {
        "dir": lambda d: write_files(d, {"notes.txt": "data"}),
        "file": lambda d: d.write_text("data"),
        "symlink": lambda d: d.symlink_to(elsewhere),
    }
    for name, make in cases.items():
        root = tmp_path / name
        small_tree(root, 2)
        make(root / ".code-index")
        for command in (["fn_1"], ["index"], ["index", "--rebuild"], ["status"], ["export"]):
            result = run_cli(*command, "--root", str(root), cwd=root)
            assert result.returncode == 2, (name, command, result.stderr)
            assert "never deletes what it did not make" in result.stderr, result.stderr
            assert "--rebuild" not in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "dir/.code-index/notes.txt").read_text() == "data"
    assert (tmp_path / "file/.code-index").read_text() == "data"
    assert os.listdir(elsewhere) == ["precious.txt"]


def test_mcp_server_refuses_a_foreign_index_directory(tmp_path: Path) -> None:
    root = tmp_path / "p"
    small_tree(root, 2)
    write_files(root, {".code-index/notes.txt": "data"})
    params = StdioServerParameters(
        command=str(BIN / "code-index"), args=["mcp", "--root", str(root)], cwd=str(tmp_path)
    )

    async def go() -> str:
        with (tmp_path / "err.txt").open("w") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                result = await session.call_tool("search_symbols", {"query": "fn_1"})
                assert result.is_error
                return str(result.content[0].text)

    message = anyio.run(go)
    assert "no code-index marker" in message
    assert (root / ".code-index/notes.txt").read_text() == "data"
    assert os.listdir(root / ".code-index") == ["notes.txt"]


def test_rebuild_repairs_any_damage_to_our_index(tmp_path: Path) -> None:
    root = tmp_path / "p"
    small_tree(root)
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    clean = exported(root)
    index = root / ".code-index"

    def garble_marker() -> None:
        (index / "code-index.json").write_bytes(b"\xff\xfe\x00garbage")

    def marker_as_directory() -> None:
        (index / "code-index.json").unlink()
        (index / "code-index.json").mkdir()

    def watcher_lock_as_directory() -> None:
        (index / "WATCHER").unlink(missing_ok=True)
        (index / "WATCHER").mkdir()

    def tocs_garbled() -> None:
        for toc in index.glob("*.toc"):
            toc.write_bytes(b"garbage")

    def state_as_directory() -> None:
        (index / "state.json").unlink(missing_ok=True)
        (index / "state.json").mkdir()

    for damage in (
        garble_marker,
        marker_as_directory,
        watcher_lock_as_directory,
        tocs_garbled,
        state_as_directory,
    ):
        damage()
        result = run_cli("index", "--rebuild", "--root", str(root), cwd=root)
        assert result.returncode == 0, (damage.__name__, result.stderr)
        assert exported(root) == clean, damage.__name__
    assert not [n for n in os.listdir(root) if n.startswith(".code-index.")]


def test_search_during_a_rebuild_answers_from_the_old_index_with_a_note(tmp_path: Path) -> None:
    root = tmp_path / "p"
    small_tree(root)
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    lock = storage.directory_lock(root / ".code-index", storage.REBUILD_LOCK)
    assert lock.acquire(blocking=False)  # as a running rebuild holds it
    try:
        result = run_cli("fn_1", "--root", str(root), cwd=root)
    finally:
        lock.release()
    assert result.returncode == 0
    assert "p1/m1.py" in result.stdout
    assert "rebuild of this index is running" in result.stderr


def test_kills_during_rebuilds_always_leave_a_usable_index(tmp_path: Path) -> None:
    root = tmp_path / "p"
    small_tree(root, 150)  # a parallel build: about a second
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    clean = exported(root)
    chance = random.Random(18)
    for attempt in range(6):
        rebuild = subprocess.Popen(
            [str(BIN / "code-index"), "index", "--rebuild", "--root", str(root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(chance.uniform(0.05, 1.2))
        rebuild.send_signal(signal.SIGKILL)
        rebuild.wait(10)
        # Whatever the moment of the kill: an index of ours in place, whole, answering.
        assert exported(root) == clean, attempt
    result = run_cli("index", "--rebuild", "--root", str(root), cwd=root)
    assert result.returncode == 0, result.stderr
    assert exported(root) == clean
    assert not [n for n in os.listdir(root) if n.startswith(".code-index.")]


def test_concurrent_rebuilds_both_succeed(tmp_path: Path) -> None:
    root = tmp_path / "p"
    small_tree(root, 80)
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    clean = exported(root)
    running = [
        subprocess.Popen(
            [str(BIN / "code-index"), "index", "--rebuild", "--root", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    searcher = run_cli("fn_1", "--root", str(root), cwd=root)
    outputs = [process.communicate(timeout=120) for process in running]
    for process, (_, err) in zip(running, outputs, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err
    assert searcher.returncode == 0 and "p1/m1.py" in searcher.stdout, searcher.stderr
    assert exported(root) == clean


def _listing(directory: Path) -> set[str]:
    return {str(path.relative_to(directory)) for path in directory.rglob("*")}


def test_a_full_disk_fails_only_the_write_and_leaves_no_files(tmp_path: Path) -> None:
    import resource

    root = tmp_path / "p"
    small_tree(root)
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    before = _listing(root / ".code-index")
    body = "".join(f"def big_{i}(x):\n    return x * {i}\n\n" for i in range(3000))
    write_files(root, {"big.py": body})

    def full_disk() -> None:  # writes past 64 KiB fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 10, 64 << 10))

    for command in (["fn_1"], ["index"]):
        result = subprocess.run(
            [str(BIN / "code-index"), *command, "--root", str(root)],
            capture_output=True,
            text=True,
            preexec_fn=full_disk,
            timeout=60,
        )
        if command == ["fn_1"]:  # a search answers from the last commit
            assert result.returncode == 0, result.stderr
            assert "p1/m1.py" in result.stdout
        else:  # the write that was asked for fails, saying why
            assert result.returncode == 2
            assert "File too large" in result.stderr and "--rebuild" not in result.stderr
        assert _listing(root / ".code-index") - before <= LOCK_FILES, command
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    assert run_cli("big_2999", "--root", str(root), cwd=root).stdout.startswith("big.py")


def test_a_read_only_index_still_answers(tmp_path: Path) -> None:
    import shutil

    import pytest

    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    root = tmp_path / "p"
    small_tree(root)
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    (root / ".code-index/WATCHER").unlink(missing_ok=True)
    write_files(root, {"late.py": "def late(): pass\n"})
    if subprocess.run(["chattr", "+i", str(root / ".code-index")]).returncode != 0:
        pytest.skip("this file system has no immutable flag")
    try:
        result = run_cli("fn_1", "--root", str(root), cwd=root)
        status = run_cli("status", "--root", str(root), cwd=root)
    finally:
        subprocess.run(["chattr", "-i", str(root / ".code-index")], check=True)
    assert result.returncode == 0, result.stderr
    assert "p1/m1.py" in result.stdout
    assert status.returncode == 0 and "cannot update the index" in status.stdout


def test_index_clears_what_killed_rebuilds_left_and_nothing_else(tmp_path: Path) -> None:
    root = tmp_path / "p"
    small_tree(root, 2)
    leftover, foreign = root / ".code-index.tmp-1-dead", root / ".code-index.tmp-2-mine"
    write_files(leftover, {"code-index.json": "{}", "symbols_x.seg": "x"})
    write_files(foreign, {"notes.txt": "data"})
    # Killed between making the side directory and putting its marker in place.
    unmarked, half_marked = root / ".code-index.tmp-3-dead", root / ".code-index.tmp-4-dead"
    unmarked.mkdir()
    write_files(half_marked, {".code-index.json.4-00ff00ff.tmp": ""})
    old = time.time() - 3600
    for directory in (leftover, foreign, unmarked, half_marked):
        os.utime(directory, (old, old))
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    assert not leftover.exists() and not unmarked.exists() and not half_marked.exists()
    assert (foreign / "notes.txt").read_text() == "data"
