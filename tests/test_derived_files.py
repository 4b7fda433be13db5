"""codeindex.storage.derived: the caches kept in the index directory, on a real directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codeindex.storage import DerivedFiles


def test_what_is_written_whole_is_read_and_mapped_back(tmp_path: Path) -> None:
    files = DerivedFiles(tmp_path)
    assert files.read("clone-table-u.bin", 100) is None and files.map("clone-table-u.bin") is None
    assert files.write("clone-table-u.bin", b"0123456789")
    assert files.write("refs-cache/ab.json", b"{}")  # the subfolder is made
    assert files.read("clone-table-u.bin", 10) == b"0123456789"
    assert files.read("clone-table-u.bin", 9) is None  # over the limit: not a cut-off prefix
    mapped = files.map("clone-table-u.bin")
    assert mapped is not None and mapped[:] == b"0123456789"
    assert files.write("empty.bin", b"") and files.map("empty.bin") is None
    assert sorted(os.listdir(tmp_path)) == ["clone-table-u.bin", "empty.bin", "refs-cache"]


def test_a_refused_write_returns_false_and_leaves_the_old_file(tmp_path: Path) -> None:
    files = DerivedFiles(tmp_path)
    (tmp_path / "refs-cache").write_bytes(b"a file where the subfolder goes")
    assert not files.write("refs-cache/ab.json", b"{}")
    (tmp_path / "table.bin").mkdir()  # not replaceable by a file
    assert not files.write("table.bin", b"new")
    assert sorted(os.listdir(tmp_path)) == ["refs-cache", "table.bin"]  # no temporary file
    files.remove("table.bin")  # a directory: not removed, and no error
    files.remove("missing.bin")
    assert (tmp_path / "table.bin").is_dir()


def test_prune_drops_the_least_recently_written_files_until_the_rest_fit(tmp_path: Path) -> None:
    files = DerivedFiles(tmp_path)
    for age, name in enumerate(("new", "middle", "old")):
        assert files.write(f"refs-cache/{name}.json", b"x" * 100)
        os.utime(tmp_path / "refs-cache" / f"{name}.json", ns=(10 - age, 10 - age))
    (tmp_path / "refs-cache" / "folder").mkdir()
    files.prune("refs-cache", 250)
    assert sorted(os.listdir(tmp_path / "refs-cache")) == ["folder", "middle.json", "new.json"]
    files.prune("missing", 0)  # nothing to prune: no error


@pytest.mark.parametrize(
    "name", ["../x.json", "/tmp/x", "_symbols_1.toc", ".hidden", "a/b/c", "refs-cache/../x", ""]
)
def test_a_name_outside_the_caches_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not the name of a derived file"):
        DerivedFiles(tmp_path).read(name, 10)
