"""`code-index watch` when its index or its root goes from under it, or cannot be written: it
builds a removed index again, follows one put in its place, and otherwise stops with one line
(real processes, the real watchdog observer)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from codeindex.api import CodeIndex
from codeindex.storage import Store
from tests.conftest import write_files

BIN = Path(sys.executable).parent / "code-index"


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args, "--root", str(root)], capture_output=True, text=True, timeout=60
    )


def eventually(check: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def watcher_pid(root: Path) -> int | None:
    try:
        return int(json.loads((root / ".code-index/watcher.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture
def watch(tmp_path: Path) -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(root: Path) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [str(BIN), "watch", "--root", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        assert "start:" in process.stdout.readline()
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=15)
    return process.returncode, err


def test_a_removed_index_is_built_again_and_followed(tmp_path: Path, watch) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "project"
    write_files(root, {"a.py": "def alpha(): pass\n"})
    process = watch(root)
    shutil.rmtree(root / ".code-index")
    write_files(root, {"b.py": "def beta_after_reset(): pass\n"})
    # The watcher makes a new index, builds it, and vouches for it again (its lock and
    # watcher.json are in the new directory: commands ask it instead of walking).
    assert eventually(lambda: watcher_pid(root) == process.pid)
    on_disk = CodeIndex.open(root)  # read as it is, without a refresh of our own
    assert eventually(lambda: on_disk.search("beta_after_reset").total == 1)
    assert on_disk.search("alpha").total == 1
    on_disk.close()
    write_files(root, {"c.py": "def gamma_later(): pass\n"})
    found = cli(root, "search", "gamma_later", "--json")
    assert json.loads(found.stdout)["total"] == 1, found.stderr
    assert "may lag" not in found.stderr
    code, err = stop(process)
    assert code == 0 and "Traceback" not in err, err
    assert "was removed; building a new one" in err


def test_an_index_swapped_under_the_watcher_is_locked_again(tmp_path: Path, watch) -> None:  # type: ignore[no-untyped-def]
    """A rebuild that started before the watcher swaps a new directory in under it: the
    watcher takes its lock there, and stops cleanly (watchdog raised KeyError on the old
    directory's watch)."""
    root = tmp_path / "project"
    write_files(root, {"a.py": "def alpha(): pass\n"})
    process = watch(root)
    before = os.stat(root / ".code-index").st_ino
    Store.recreate(root).close()  # the swap a rebuild ends with (its build is not needed)
    assert os.stat(root / ".code-index").st_ino != before
    assert eventually(lambda: watcher_pid(root) == process.pid)
    on_disk = CodeIndex.open(root)
    assert eventually(lambda: on_disk.search("alpha").total == 1)  # the reconcile refilled it
    on_disk.close()
    code, err = stop(process)
    assert code == 0, err
    assert "Traceback" not in err and "KeyError" not in err, err


def test_a_moved_root_ends_the_watcher_and_its_claim(tmp_path: Path, watch) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "project"
    write_files(root, {"a.py": "def alpha(): pass\n"})
    process = watch(root)
    moved = tmp_path / "moved"
    root.rename(moved)
    process.wait(10)
    _, err = process.communicate(timeout=5)
    assert process.returncode == 2
    assert err.strip().splitlines()[-1] == (
        f"code-index watcher: the project root {root} was moved or removed; stopped watching it"
    )
    # Nobody claims the moved index any more: a command checks the disk itself, at once.
    write_files(moved, {"b.py": "def beta_moved(): pass\n"})
    started = time.monotonic()
    found = cli(moved, "search", "beta_moved", "--json")
    assert json.loads(found.stdout)["total"] == 1, found.stderr
    assert "may lag" not in found.stderr
    assert time.monotonic() - started < 10


def make_unwritable(directory: Path) -> Callable[[], None]:
    """Make `directory` refuse writes (also to root, who ignores permissions: the immutable
    attribute); returns the undo."""
    if os.geteuid() != 0:
        directory.chmod(0o555)
        return lambda: directory.chmod(0o755)
    made = subprocess.run(["chattr", "+i", str(directory)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {made.stderr!r}")
    return lambda: subprocess.run(["chattr", "-i", str(directory)], check=True)


def test_an_index_it_cannot_write_ends_watch_with_one_line(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_files(root, {"a.py": "def alpha(): pass\n"})
    assert cli(root, "index").returncode == 0
    undo = make_unwritable(root / ".code-index")
    try:
        done = subprocess.run(
            [str(BIN), "watch", "--root", str(root)], capture_output=True, text=True, timeout=20
        )
    finally:
        undo()
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert "Traceback" not in done.stderr, done.stderr
    assert lines[-1].startswith(f"code-index watcher: cannot write the index in {root}/.code-index")
    assert lines[-1].endswith("; not watching")
