"""Disks that refuse writes (docs/storage.md, "Read-only and full disks"): a file size limit
stands in for a full disk (RLIMIT_FSIZE in the child process: writes past it fail with EFBIG,
as they fail with ENOSPC on a full disk). A failed write fails only the write: searches
answer from the last commit, `index` says why in one line, and nothing is left behind."""

from __future__ import annotations

import contextlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import exported, run_cli, write_files

BIN = Path(sys.executable).parent
LOCK_FILES = {"WATCHER", "REBUILDING"}  # empty files that carry OS locks


def _listing(directory: Path) -> set[str]:
    return {str(path.relative_to(directory)) for path in directory.rglob("*")}


def _size_limit(limit: int) -> Callable[[], None]:
    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limited


def _limited_cli(root: Path, limit: int, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "code-index"), *command, "--root", str(root)],
        capture_output=True,
        text=True,
        preexec_fn=_size_limit(limit),
        timeout=120,
    )


def _unique_words_file(functions: int) -> str:
    """Functions whose docs are unique words: far more posting bytes than column bytes, so
    a size limit can fail the segment's postings after its columns are written, and then
    fail Whoosh's cancel again as it closes the postings file."""
    chance = random.Random(5)

    def word() -> str:
        return "".join(chance.choice("bcdfghjklmnpqrstvwxz") for _ in range(9))

    return "".join(
        f"def {word()}_{word()}({word()}):\n"
        f'    """{" ".join(word() for _ in range(60))}"""\n    return 1\n\n'
        for _ in range(functions)
    )


def test_a_parallel_update_on_a_full_disk_answers_from_the_last_commit(tmp_path: Path) -> None:
    """Many changed files are indexed by worker processes; the OSError a worker meets is
    the one the single-process path meets, not a RuntimeError reported as a bug."""
    root = tmp_path / "p"
    write_files(root, {f"m{i}.py": f"def fn_{i}(x):\n    return x\n" for i in range(60)})
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    before = _listing(root / ".code-index")
    body = "".join(f"def later_{j}(x):\n    return x + {j}\n\n" for j in range(150))
    write_files(root, {f"m{i}.py": f"def fn_{i}(x):\n    return x\n\n{body}" for i in range(60)})

    search = _limited_cli(root, 64 << 10, "fn_1")
    assert search.returncode == 0, search.stderr
    assert search.stdout.startswith("m1.py"), search.stdout
    assert "bug" not in search.stderr
    index = _limited_cli(root, 64 << 10, "index")
    assert index.returncode == 2
    assert "cannot update the index" in index.stderr and "(File too large)" in index.stderr
    assert len(index.stderr.strip().splitlines()) == 1, index.stderr
    assert _listing(root / ".code-index") - before <= LOCK_FILES

    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    found = run_cli("later_7", "--json", "--limit", "500", "--root", str(root), cwd=root)
    names = [hit["name"] for hit in json.loads(found.stdout)["results"]]
    assert names.count("later_7") == 60


def test_a_write_refused_again_while_cancelling_leaves_no_files(tmp_path: Path) -> None:
    """Whoosh's cancel closes the segment's files, writing their tails: the disk refuses
    that too. The cleanup after the failed write runs all the same, at every size limit."""
    root = tmp_path / "p"
    write_files(root, {"small.py": "def kept():\n    pass\n"})
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    before = _listing(root / ".code-index")
    write_files(root, {"uniq.py": _unique_words_file(200)})
    for limit in range(256 << 10, 2 << 20, 256 << 10):
        result = _limited_cli(root, limit, "index")
        assert result.returncode == 2, (limit, result.stderr)
        assert "(File too large)" in result.stderr, (limit, result.stderr)
        assert _listing(root / ".code-index") - before <= LOCK_FILES, limit
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0


@contextlib.contextmanager
def _unwritable(directory: Path) -> Iterator[None]:
    """`directory` made unwritable as its owner can: permission bits, or `chattr +i` when
    running as root (root writes through permission bits). Skips when neither can work."""
    if os.geteuid() != 0:
        mode = directory.stat().st_mode
        directory.chmod(0o555)
        try:
            yield
        finally:
            directory.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: nothing makes a directory unwritable")
    if subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a file system without the immutable flag")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(directory)], check=True)


def _one_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    for wrong in ("bug", "damaged", "last complete update"):
        assert wrong not in lines[0], lines[0]
    return lines[0]


def test_a_read_only_tree_without_an_index_says_it_cannot_create_one(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_files(root, {"app.py": "def app():\n    pass\n"})
    commands = (["app"], ["status"], ["index"], ["index", "--rebuild"], ["dups"], ["export"])
    with _unwritable(root):
        results = [run_cli(*command, "--root", str(root), cwd=root) for command in commands]
    for result in results:
        _one_line(result, f"cannot create the index in {root}")
    assert os.listdir(root) == ["app.py"]


def test_a_rebuild_the_disk_refuses_says_why_and_keeps_the_index(tmp_path: Path) -> None:
    root = tmp_path / "p"
    body = "".join(f"def big_{i}(x):\n    return x * {i}\n\n" for i in range(3000))
    write_files(root, {"app.py": "def app():\n    pass\n", "big.py": body})
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    clean = exported(root)
    with _unwritable(root):  # no room for the new index beside the old one
        refused = run_cli("index", "--rebuild", "--root", str(root), cwd=root)
        search = run_cli("app", "--root", str(root), cwd=root)
    _one_line(refused, f"cannot rebuild the index of {root}")
    assert search.returncode == 0 and search.stdout.startswith("app.py"), search.stderr
    full = _limited_cli(root, 64 << 10, "index", "--rebuild")  # the build fills the disk
    _one_line(full, f"cannot rebuild the index of {root}", "(File too large)")
    assert exported(root) == clean
    assert sorted(os.listdir(root)) == [".code-index", "app.py", "big.py"]


def test_a_first_build_the_disk_refuses_does_not_claim_an_earlier_one(tmp_path: Path) -> None:
    root = tmp_path / "p"
    body = "".join(f"def big_{i}(x):\n    return x * {i}\n\n" for i in range(3000))
    write_files(root, {"big.py": body})
    result = _limited_cli(root, 64 << 10, "index")
    _one_line(result, "cannot build the index", "(File too large)")
