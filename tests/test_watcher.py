"""The watcher with a real watchdog observer on a real temp directory.

The backstop rescan is pushed out of reach (rescan_interval=3600) so every test proves the
event path itself; polls use deadlines, never fixed sleeps.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from codeindex import watch_thread
from codeindex.api import CodeIndex
from codeindex.watcher import BatchReport, Watcher, active_watcher
from tests.conftest import run_cli, write_files


def wait_for(predicate: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def found(code_index: CodeIndex, name: str) -> list[str]:
    """Paths of the symbols called exactly `name`."""
    hits = code_index.search(name, limit=50).hits
    return sorted(
        hit.symbol.path for hit in hits if hit.symbol.name == name and hit.symbol.kind != "module"
    )


class Session:
    def __init__(self, root: Path, merge_idle: float = 2.0) -> None:
        self.root = root
        self.code_index = CodeIndex.open(root)
        self.batches: list[BatchReport] = []
        self.events = 0
        self.watcher = Watcher(
            self.code_index,
            debounce=0.1,
            rescan_interval=3600,
            on_batch=self.batches.append,
            merge_idle=merge_idle,
        )
        original = self.watcher.on_event

        def counting(event):  # type: ignore[no-untyped-def]
            if f"{os.sep}.code-index{os.sep}" not in event.src_path:  # not our own commits
                self.events += 1
            original(event)

        self.watcher.on_event = counting  # type: ignore[method-assign]

    def start(self) -> Session:
        self.watcher.start(timeout=30)
        return self

    def sees(self, name: str, *paths: str, timeout: float = 10.0) -> None:
        wait_for(lambda: found(self.code_index, name) == sorted(paths), timeout, f"{name} {paths}")

    def close(self) -> None:
        self.watcher.stop()
        self.code_index.close()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Session]]:
    made: list[Session] = []

    def make(files: dict[str, str], **options: float) -> Session:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        write_files(root, files)
        made.append(Session(root, **options).start())
        return made[-1]

    yield make
    for item in made:
        item.close()


def test_start_reconciles_what_changed_while_not_watching(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_files(root, {"a.py": "def alpha(): pass\n", "b.py": "def beta(): pass\n"})
    built = CodeIndex.open(root)
    built.refresh()
    built.close()
    write_files(root, {"a.py": "def alpha_two(): pass\n", "c.py": "def gamma(): pass\n"})
    (root / "b.py").unlink()
    item = Session(root)
    code_index = item.code_index
    try:
        item.watcher.start(wait=False)  # as the MCP server starts it
        assert item.watcher.wait_idle(30)  # the reconcile counts as work
        assert found(code_index, "alpha_two") == ["a.py"]
        assert found(code_index, "alpha") == []
        assert found(code_index, "beta") == []
        assert found(code_index, "gamma") == ["c.py"]
        assert item.batches[0].reason == "start"
    finally:
        item.close()


def test_create_modify_delete_rename(session) -> None:  # type: ignore[no-untyped-def]
    item = session({"a.py": "def alpha(): pass\n"})
    write_files(item.root, {"b.py": "def beta(): pass\n"})
    item.sees("beta", "b.py")
    write_files(item.root, {"b.py": "def beta_changed(): pass\n"})
    item.sees("beta_changed", "b.py")
    item.sees("beta")
    os.rename(item.root / "b.py", item.root / "renamed.py")
    item.sees("beta_changed", "renamed.py")
    (item.root / "renamed.py").unlink()
    item.sees("beta_changed")
    assert found(item.code_index, "alpha") == ["a.py"]


def test_atomic_save_replaces_symbols_once(session) -> None:  # type: ignore[no-untyped-def]
    item = session({"service.py": "def old_name(): pass\n"})
    temporary = item.root / ".service.py.tmp.1234"
    temporary.write_text("def new_name(): pass\n", encoding="utf-8")
    os.replace(temporary, item.root / "service.py")
    item.sees("new_name", "service.py")
    item.sees("old_name")
    assert item.watcher.wait_idle(5)
    assert ".service.py.tmp.1234" not in item.code_index._store.file_records()


def test_directory_move_delete_and_new_tree(session) -> None:  # type: ignore[no-untyped-def]
    item = session({"pkg/sub/deep.py": "def deep(): pass\n", "pkg/top.py": "def top(): pass\n"})
    os.rename(item.root / "pkg", item.root / "moved")
    item.sees("deep", "moved/sub/deep.py")
    item.sees("top", "moved/top.py")
    shutil.rmtree(item.root / "moved")
    item.sees("deep")
    item.sees("top")
    assert not item.code_index._store.file_records()
    # A new directory tree with files in it, created faster than watches can be added.
    write_files(item.root, {f"new/a/b/c/f{i}.py": f"def fresh_{i}(): pass\n" for i in range(5)})
    for i in range(5):
        item.sees(f"fresh_{i}", f"new/a/b/c/f{i}.py")
    # A directory moved in from outside the root arrives whole.
    outside = item.root.parent / "outside"
    write_files(outside, {"x/y.py": "def arrived(): pass\n"})
    os.rename(outside, item.root / "arrived")
    item.sees("arrived", "arrived/x/y.py")


def test_ignore_rule_edits_refresh_the_subtree(session) -> None:  # type: ignore[no-untyped-def]
    item = session({"src/keep.py": "def keep(): pass\n", "src/gen/made.py": "def made(): pass\n"})
    item.sees("made", "src/gen/made.py")
    write_files(item.root, {"src/.gitignore": "gen/\n"})
    item.sees("made")
    write_files(item.root, {".code-indexignore": "src/keep.py\n"})
    item.sees("keep")
    (item.root / "src" / ".gitignore").unlink()
    item.sees("made", "src/gen/made.py")
    (item.root / ".code-indexignore").unlink()
    item.sees("keep", "src/keep.py")
    write_files(item.root, {".git/info/exclude": "src/gen/\n"})
    item.sees("made")


def test_ignored_paths_and_unknown_files_cause_no_work(session) -> None:  # type: ignore[no-untyped-def]
    item = session({".gitignore": "build/\n", "a.py": "def alpha(): pass\n"})
    before = len(item.batches)
    write_files(
        item.root,
        {
            "build/out.py": "def built(): pass\n",
            "notes.txt": "text",
            "node_modules/lib/index.ts": "export function vendored() {}\n",
            "a.py~": "backup",
        },
    )
    write_files(item.root, {"z.py": "def marker(): pass\n"})  # flushes everything before it
    item.sees("marker", "z.py")
    assert item.watcher.wait_idle(5)
    assert found(item.code_index, "built") == []
    assert found(item.code_index, "vendored") == []
    assert sum(batch.paths for batch in item.batches[before:]) == 1


def test_burst_of_1000_new_files_indexed_once(session) -> None:  # type: ignore[no-untyped-def]
    item = session({"a.py": "def alpha(): pass\n"})
    write_files(
        item.root, {f"burst/m{i:04}.py": f"def burst_{i:04}(): pass\n" for i in range(1000)}
    )
    wait_for(lambda: item.code_index.status()["symbols"] == 1001, 30, "1000 files")
    assert item.watcher.wait_idle(10)
    records = item.code_index._store.file_records()
    assert len(records) == 1001
    symbols = list(item.code_index.export_symbols())
    names = [symbol.name for symbol in symbols]
    assert len(names) == len(set(names)) == 1001  # no duplicates, nothing lost
    # Each file read and indexed once, in a few batches rather than one per file.
    changes = [b for b in item.batches if b.reason == "changes"]
    assert sum(b.indexed for b in changes) == 1000
    assert len(changes) <= 5


def test_read_storm_causes_no_work(session) -> None:  # type: ignore[no-untyped-def]
    files = {f"pkg/r{i}.py": f"def read_{i}(): pass\n" for i in range(20)}
    item = session(files)
    assert item.watcher.wait_idle(5)
    batches, events = len(item.batches), item.events
    paths = [item.root / relative for relative in files]
    for i in range(10_000):
        with open(paths[i % len(paths)], "rb") as handle:
            handle.read()
    os.listdir(item.root / "pkg")
    # Then one real change: once it is indexed, every earlier event has been delivered.
    write_files(item.root, {"after.py": "def after_storm(): pass\n"})
    item.sees("after_storm", "after.py")
    assert item.watcher.wait_idle(5)
    assert len(item.batches) == batches + 1
    assert item.batches[-1].paths == 1
    # The reads never even reached the handler: the inotify mask leaves opens out.
    assert item.events - events <= 3  # create, modify, close-write of after.py


def test_idle_merge_folds_small_segments(session) -> None:  # type: ignore[no-untyped-def]
    item = session({"a.py": "def alpha(): pass\n"}, merge_idle=0.2)
    for i in range(4):
        write_files(item.root, {f"m{i}.py": f"def merged_{i}(): pass\n"})
        item.sees(f"merged_{i}", f"m{i}.py")
    # Each idle pause merges what the commits before it left: one segment in the end.
    wait_for(lambda: len(item.code_index._store.segment_sizes()) == 1, 10, "idle merges")
    wait_for(lambda: item.watcher.status()["merges"] >= 1, 5, "merges counted")
    for i in range(4):
        assert found(item.code_index, f"merged_{i}") == [f"m{i}.py"]


def test_one_watcher_per_index_the_other_stands_by(session) -> None:  # type: ignore[no-untyped-def]
    item = session({"a.py": "def alpha(): pass\n"})
    assert active_watcher(item.code_index._store) == os.getpid()
    second = Session(item.root)
    second.start()
    try:
        assert second.watcher.status()["mode"] == "standby"
        assert "another process" in str(second.watcher.status()["degraded"])
        item.watcher.stop()
        wait_for(lambda: second.watcher.status()["mode"] == "inotify", 10, "take-over")
        write_files(item.root, {"b.py": "def after_takeover(): pass\n"})
        second.sees("after_takeover", "b.py")
    finally:
        second.close()


def test_overflow_is_reported_and_rescanned(session) -> None:  # type: ignore[no-untyped-def]
    item = session({"a.py": "def alpha(): pass\n"})
    # What watchdog logs when the kernel queue overflowed; the lost change is on disk only.
    item.watcher.stop()
    write_files(item.root, {"lost.py": "def lost_event(): pass\n"})
    item.watcher.start()
    item.sees("lost_event", "lost.py")  # the start reconcile
    (item.root / "lost.py").write_text("def lost_again(): pass\n")
    logging.getLogger("watchdog.observers.inotify_c").warning(
        "Inotify queue overflowed; filesystem events were lost"
    )
    wait_for(lambda: item.watcher.status()["events_dropped"] == 1, 5, "overflow noticed")
    item.sees("lost_again", "lost.py")
    wait_for(lambda: item.watcher.status()["rescans"] >= 1, 5, "a rescan")


def test_watch_limit_falls_back_to_rescans(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from watchdog.observers import inotify_c

    real = inotify_c.InotifyFD.add_callback
    root = tmp_path / "project"
    write_files(root, {"top.py": "def top(): pass\n", "deep/er/x.py": "def x(): pass\n"})

    def limited(self, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.fsdecode(path) != str(root.resolve()):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(inotify_c.InotifyFD, "add_callback", limited)
    monkeypatch.setattr(watch_thread, "FALLBACK_RESCAN", 0.3)
    item = Session(root).start()
    try:
        status = item.watcher.status()
        assert status["watch_limit_reached"] is True
        assert "watch limit" in str(status["degraded"])
        # No watch on deep/er: the fallback rescan finds the change anyway.
        write_files(root, {"deep/er/x.py": "def x_changed(): pass\n"})
        item.sees("x_changed", "deep/er/x.py")
        wait_for(lambda: item.watcher.status()["rescans_with_changes"] >= 1, 5, "counted")
    finally:
        item.close()


def test_unwatchable_root_runs_on_rescans(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from watchdog.observers import inotify_c

    def refuse(self, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(inotify_c.InotifyFD, "add_callback", refuse)
    monkeypatch.setattr(watch_thread, "FALLBACK_RESCAN", 0.3)
    root = tmp_path / "project"
    write_files(root, {"a.py": "def alpha(): pass\n"})
    item = Session(root).start()
    try:
        assert item.watcher.status()["mode"] == "rescan"
        write_files(root, {"b.py": "def polled(): pass\n"})
        item.sees("polled", "b.py")
    finally:
        item.close()


def test_cli_watch_prints_a_line_per_batch_and_exits_0_on_ctrl_c(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_files(root, {"a.py": "def alpha(): pass\n"})
    script = Path(sys.executable).parent / "code-index"
    process = subprocess.Popen(
        [str(script), "watch", "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "start: 1 indexed" in first, first
        write_files(root, {"b.py": "def beta(): pass\ndef gamma(): pass\n"})
        line = process.stdout.readline()
        assert "changes: 1 indexed, 0 removed, 2 symbols in" in line, line
        rebuild = run_cli("index", "--rebuild", "--root", str(root), cwd=root)
        assert rebuild.returncode == 2
        assert "a watcher (pid" in rebuild.stderr and "stop it" in rebuild.stderr
        search = run_cli("gamma", "--root", str(root), cwd=root)
        assert search.returncode == 0 and "b.py:2" in search.stdout, search
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
        assert "Traceback" not in (process.stderr.read() if process.stderr else "")
    finally:
        if process.poll() is None:
            process.kill()
