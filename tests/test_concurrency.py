"""One writer, many readers, across processes; and what a SIGKILL leaves behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from codeindex import storage
from codeindex.api import CodeIndex
from codeindex.storage import merging
from codeindex.storage.index_dir import INDEX_DIR
from codeindex.storage.schema import INDEX_NAME
from codeindex.watcher import Watcher
from tests.conftest import REPO, run_cli, write_files
from tests.test_watcher import found, wait_for


def python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def symbols_of(root: Path) -> list[tuple[str, str, int]]:
    code_index = CodeIndex.open(root)
    try:
        return sorted((s.path, s.qualified_name, s.line) for s in code_index.export_symbols())
    finally:
        code_index.close()


def corpus(root: Path, files: int, functions: int) -> None:
    body = "".join(f"def f{j}_{{i}}(x):\n    return x + {j}\n\n" for j in range(functions))
    write_files(root, {f"pkg{i % 7}/m{i}.py": body.format(i=i) for i in range(files)})


def assert_no_leftovers(root: Path) -> None:
    """Everything in the index directory belongs to the latest commit."""
    index_store = storage.Store.open(root)
    live = {segment.segment_id() for segment in index_store._latest_segments()}
    names = os.listdir(root / INDEX_DIR)
    segment_files = [n for n in names if re.match(rf"{INDEX_NAME}_\w+\.", n)]
    assert all(name.split(".")[0] in live for name in segment_files), names
    assert not [n for n in names if ".toc." in n or n.endswith(".tmp")], names
    index_store.close()


def test_second_writer_waits_then_answers_read_only(indexed) -> None:  # type: ignore[no-untyped-def]
    code_index = indexed({"a.py": "def alpha(): pass\n"})
    holder = code_index._store.writer()  # another writer, mid-commit
    try:
        write_files(code_index.root, {"b.py": "def beta(): pass\n"})
        other = CodeIndex.open(code_index.root)
        started = time.monotonic()
        assert other.refresh() is None  # no LockError
        assert 1.5 < time.monotonic() - started < 5
        assert "another code-index process is updating" in other.read_only_reason
        assert found(other, "alpha") == ["a.py"]  # reads still work
        result = run_cli("beta", "--root", str(code_index.root), cwd=code_index.root)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        # The answer says it may be stale, rather than a bare "nothing matched 'beta'".
        assert "note: another code-index process is updating the index" in result.stderr
        assert "nothing is indexed yet" not in result.stderr
    finally:
        holder.cancel()
    assert other.refresh() is not None
    assert found(other, "beta") == ["b.py"]
    other.close()


def test_a_search_during_another_process_first_build_says_nothing_is_indexed_yet(
    project: Callable[..., Path],
) -> None:
    root = project({"a.py": "def dedent(): pass\n"})
    holder = python(
        """
        import sys, time
        from pathlib import Path
        from codeindex import storage
        writer = storage.Store.open(Path(sys.argv[1])).writer()
        print("locked", flush=True)
        time.sleep(120)
        """,
        str(root),
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        result = run_cli("dedent", "--root", str(root), cwd=root)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    assert result.returncode == 0, result.stderr
    assert "nothing is indexed yet" in result.stderr, result.stderr


def test_lock_of_a_killed_writer_is_released(indexed) -> None:  # type: ignore[no-untyped-def]
    code_index = indexed({"a.py": "def alpha(): pass\n"})
    holder = python(
        """
        import sys, time
        from pathlib import Path
        from codeindex import storage
        writer = storage.Store.open(Path(sys.argv[1])).writer()
        print("locked", flush=True)
        time.sleep(120)
        """,
        str(code_index.root),
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        try:
            code_index._store.writer(timeout=0).cancel()
            raise AssertionError("the lock should be held")
        except storage.IndexBusy:
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    # The OS released the dead process's lock: no waiting, no manual cleanup.
    started = time.monotonic()
    code_index._store.writer(timeout=0).cancel()
    assert time.monotonic() - started < 0.5


READER = """
import json, sys, time
from pathlib import Path
from codeindex.api import CodeIndex
root, marker, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
code_index = CodeIndex.open(root)  # a pure reader: never refreshes
searches, errors, seen = 0, [], set()
while not stop.exists():
    floor = int(marker.read_text()) if marker.exists() else -1
    try:
        hits = code_index.search("version", limit=50).hits
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
        continue
    versions = sorted(int(h.symbol.name[8:]) for h in hits if h.symbol.name.startswith("version_"))
    seen.update(versions)
    searches += 1
    if len(versions) > 1:
        errors.append(f"inconsistent: {versions}")
    elif floor >= 0 and (not versions or versions[0] < floor):
        errors.append(f"stale: saw {versions} after {floor} was committed")
print(json.dumps({"searches": searches, "errors": errors[:5], "seen": len(seen)}))
"""


def test_one_writer_process_and_one_reader_process(tmp_path: Path) -> None:
    root = tmp_path / "project"
    corpus(root, 30, 20)  # some bulk, so commits and merges do real work
    write_files(root, {"mod.py": "def version_0(): pass\n"})
    marker, stop = tmp_path / "committed", tmp_path / "stop"
    code_index = CodeIndex.open(root)
    watcher = Watcher(code_index, debounce=0.05, rescan_interval=3600, merge_idle=0.3)
    watcher.start(timeout=60)
    reader = python(READER, str(root), str(marker), str(stop))
    try:
        for version in range(1, 41):
            write_files(root, {"mod.py": f"def version_{version}(): pass\n"})
            wait_for(lambda v=version: found(code_index, f"version_{v}") == ["mod.py"], 10)
            marker.with_suffix(".tmp").write_text(str(version))
            os.replace(marker.with_suffix(".tmp"), marker)
            if version % 10 == 0:
                wait_for(lambda n=version // 10: watcher.status()["merges"] >= n, 10, "a merge")
        stop.touch()
        out, err = reader.communicate(timeout=30)
    finally:
        if reader.poll() is None:
            reader.kill()
        watcher.stop()
        code_index.close()
    assert reader.returncode == 0, err
    summary = json.loads(out)
    assert summary["errors"] == []
    assert summary["searches"] > 40
    assert summary["seen"] > 10  # the reader really followed the edits


def _kill_when(process: subprocess.Popen[str], ready: Path, delay: float) -> None:
    wait_for(lambda: ready.exists() or process.poll() is not None, 30, f"{ready}")
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def test_sigkill_during_a_build_then_restart_recovers(tmp_path: Path) -> None:
    root = tmp_path / "project"
    # Big enough that a build outlasts the kill delay (about 1 s of work after the delay here).
    corpus(root, 240, 200)
    # First a killed initial build, then a killed rebuild-sized refresh on top of a commit.
    for delay, edit in ((0.2, False), (0.3, True)):
        if edit:
            corpus(root, 240, 201)  # every file changed: a full parallel re-index
        build = subprocess.Popen(
            [str(Path(sys.executable).parent / "code-index"), "index", "--root", str(root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _kill_when(build, root / INDEX_DIR / f"{INDEX_NAME}.tmp", delay)  # type: ignore[arg-type]
        assert build.returncode == -signal.SIGKILL
        recovered = CodeIndex.open(root)  # opens: the last complete commit is intact
        recovered.status()
        report = recovered.refresh()  # the restart reconciles; the lock is not stale
        assert report is not None
        assert report.indexed == 240  # the kill landed before the build's commit
        recovered.close()
    assert_no_leftovers(root)
    after_crash = symbols_of(root)
    clean = CodeIndex.open(root, rebuild=True)
    clean.refresh()
    clean.close()
    assert after_crash == symbols_of(root)
    assert len(after_crash) == 240 * 201


HOT_LOOP = """
import sys
from pathlib import Path
from codeindex.api import CodeIndex
root = Path(sys.argv[1])
code_index = CodeIndex.open(root)
n = 0
while True:
    n += 1
    path = f"pkg{n % 7}/m{n % 50}.py"
    (root / path).write_text(f"def hot_{n}(): pass\\ndef hot_{n}_b(): pass\\n")
    code_index.refresh(paths=[path], merge=n % 5 == 0)
    if n == 20:
        print("running", flush=True)
"""


def test_sigkill_during_hot_commits_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    root = tmp_path / "project"
    corpus(root, 50, 5)
    CodeIndex.open(root).refresh()
    loop = python(HOT_LOOP, str(root))
    assert loop.stdout is not None
    assert loop.stdout.readline().strip() == "running"
    time.sleep(0.4)  # a few dozen more commits, then kill one of them midway
    loop.send_signal(signal.SIGKILL)
    loop.wait(10)
    recovered = CodeIndex.open(root)
    assert recovered.refresh() is not None
    recovered.close()
    after_crash = symbols_of(root)
    clean = CodeIndex.open(root, rebuild=True)
    clean.refresh()
    clean.close()
    assert after_crash == symbols_of(root)
    assert_no_leftovers(root)


def test_background_merge_reads_no_toc_while_it_copies(indexed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A commit in another thread deletes the TOC it replaces; a merge that read the latest
    TOC again while copying (for its schema) failed when that happened between Whoosh
    finding the latest TOC and opening it. Here the TOC is away for the whole copy."""
    code_index = indexed({"a.py": "def alpha(): pass\n"})
    root = code_index.root
    for i in range(3):
        write_files(root, {f"f{i}.py": f"def first_{i}(): pass\n"})
        assert code_index.refresh(paths=[f"f{i}.py"], merge=False) is not None
    real = merging.merge_aside
    directory = root / INDEX_DIR

    def toc_away(*args):  # type: ignore[no-untyped-def]
        (toc,) = directory.glob(f"_{INDEX_NAME}_*.toc")
        toc.rename(directory / "away")
        try:
            return real(*args)
        finally:
            (directory / "away").rename(toc)

    monkeypatch.setattr(merging, "merge_aside", toc_away)
    assert code_index._store.merge_small_segments() == 4
    assert found(code_index, "first_2") == ["f2.py"]


def test_background_merge_keeps_deletions_made_while_it_ran(indexed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code_index = indexed({"a.py": "def alpha(): pass\n"})
    root = code_index.root
    for i in range(4):
        write_files(root, {f"f{i}.py": f"def first_{i}(): pass\n"})
        assert code_index.refresh(paths=[f"f{i}.py"], merge=False) is not None
    assert len(code_index._store.segment_sizes()) == 5
    real = merging.merge_aside

    def racing(*args):  # type: ignore[no-untyped-def]
        built = real(*args)
        # Commits land while the merge works: they delete documents it has copied.
        write_files(root, {"f1.py": "def second_1(): pass\n"})
        assert code_index.refresh(paths=["f1.py"], merge=False) is not None
        (root / "f2.py").unlink()
        assert code_index.refresh(paths=["f2.py"], merge=False) is not None
        return built

    monkeypatch.setattr(merging, "merge_aside", racing)
    assert code_index._store.merge_small_segments() == 5
    assert len(code_index._store.segment_sizes()) == 2  # merged + the racing f1.py commit
    assert found(code_index, "first_1") == []
    assert found(code_index, "second_1") == ["f1.py"]
    assert found(code_index, "first_2") == []
    assert found(code_index, "first_3") == ["f3.py"]
    assert not (root / INDEX_DIR / merging.MERGE_DIR).exists()
    merged = symbols_of(root)
    clean = CodeIndex.open(root, rebuild=True)
    clean.refresh()
    clean.close()
    assert merged == symbols_of(root)
