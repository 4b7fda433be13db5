"""A command beside a running watcher: it skips its own walk only when the watcher vouches
for every change made before it (sync cookie), and checks the tree itself otherwise."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codeindex import watch_thread
from codeindex.api import CodeIndex
from codeindex.cli import entry, opening
from codeindex.watcher import Watcher
from tests.conftest import write_files


def search(capsys: pytest.CaptureFixture[str], root: Path, query: str) -> tuple[list[str], str]:
    """`code-index QUERY --json` in this process: no start-up time to hide a stale answer."""
    capsys.readouterr()
    assert entry.main([query, "--root", str(root), "--json"]) == 0
    captured = capsys.readouterr()
    paths = [hit["path"] for hit in json.loads(captured.out)["results"] if hit["name"] == query]
    return paths, captured.err


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    root = tmp_path / "project"
    write_files(root, {"a.py": "def alpha(): pass\n"})
    script = Path(sys.executable).parent / "code-index"
    process = subprocess.Popen(
        [str(script), "watch", "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "start:" in process.stdout.readline()
        yield root, process
    finally:
        process.send_signal(signal.SIGCONT)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_search_right_after_a_write_sees_it(watching, capsys) -> None:  # type: ignore[no-untyped-def]
    root, _ = watching
    for i in range(5):
        write_files(root, {f"m{i}.py": f"def fresh_{i}(): pass\n"})
        paths, err = search(capsys, root, f"fresh_{i}")
        assert paths == [f"m{i}.py"], err
        assert "may lag" not in err
    (root / "m0.py").unlink()
    assert search(capsys, root, "fresh_0")[0] == []


def test_a_watcher_that_does_not_answer_costs_a_note_not_a_hang(watching, capsys) -> None:  # type: ignore[no-untyped-def]
    root, process = watching
    process.send_signal(signal.SIGSTOP)  # alive (it holds the lock) but not answering
    write_files(root, {"late.py": "def late(): pass\n"})
    started = time.monotonic()
    _, err = search(capsys, root, "late")
    assert time.monotonic() - started < opening.WATCHER_WAIT + 5
    assert "still indexing recent changes; results may lag" in err
    assert not [name for name in os.listdir(root / ".code-index") if "cookie" in name]
    process.send_signal(signal.SIGCONT)


def test_a_watcher_down_to_rescans_does_not_vouch(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from watchdog.observers import inotify_c

    def refuse(self, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(inotify_c.InotifyFD, "add_callback", refuse)
    monkeypatch.setattr(watch_thread, "FALLBACK_RESCAN", 3600.0)
    root = tmp_path / "project"
    write_files(root, {"a.py": "def alpha(): pass\n"})
    code_index = CodeIndex.open(root)
    watcher = Watcher(code_index, rescan_interval=3600)
    watcher.start(timeout=30)
    try:
        assert watcher.status()["mode"] == "rescan"
        write_files(root, {"b.py": "def polled(): pass\n"})
        paths, err = search(capsys, root, "polled")  # its own walk finds it
        assert paths == ["b.py"], err
    finally:
        watcher.stop()
        code_index.close()
