"""`code-index status` in text (skipped files with reasons, last update, the size limit and
where it comes from), and a --max-file-size that the index keeps for later commands."""

import json
import subprocess
from pathlib import Path

from conftest import run_cli

BIG = "def huge_function():\n    return 1\n" + "# padding\n" * 400  # about 4 KB


def make(project) -> Path:
    files: dict[str, str | bytes] = {"small.py": "def tiny():\n    return 0\n", "big.py": BIG}
    files.update({f"blob{n}.py": b"\x00\x01binary" for n in range(12)})
    root = project(files)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def test_status_text_lists_skipped_files_the_last_update_and_the_size_limit(project) -> None:
    root = make(project)
    lines = run_cli("status", cwd=root).stdout.splitlines()
    assert "skipped   12 binary" in lines
    listed = [line.split() for line in lines if line.startswith("  blob")]
    assert listed[0] == ["blob0.py", "binary"]
    assert len(listed) == 10
    assert "  (2 more: `status --json` lists every one)" in lines
    assert any(line.startswith("updated   20") and line.endswith(" ago)") for line in lines)
    assert "max size  1048576 bytes (the default; --max-file-size BYTES changes it)" in lines


def test_a_size_limit_given_once_is_kept_and_said_where_it_matters(project) -> None:
    """The index keeps the limit on purpose (codeindex.api_open.size_limit); what it skips
    must not go unnoticed: status says where the limit comes from, and a search that finds
    nothing says files were skipped as too large."""
    root = make(project)
    assert "huge_function" in run_cli("huge_function", cwd=root).stdout
    run_cli("tiny", "--max-file-size", "1000", cwd=root)
    later = run_cli("huge_function", cwd=root)
    assert (later.returncode, later.stdout) == (0, "")
    assert later.stderr.startswith("code-index: nothing matched 'huge_function'")
    assert later.stderr.rstrip().endswith(
        "; 1 file skipped as larger than 1000 bytes "
        "(given earlier and kept by the index; --max-file-size BYTES changes it)"
    )
    status = json.loads(run_cli("status", "--json", cwd=root).stdout)
    assert (status["max_file_size"], status["max_file_size_from"]) == (1000, "index")
    assert "max size  1000 bytes (given earlier" in run_cli("status", cwd=root).stdout
    indexed = run_cli("index", cwd=root)
    assert "note: 1 file skipped as larger than 1000 bytes" in indexed.stderr
    again = run_cli("huge_function", "--max-file-size", "1048576", cwd=root)
    assert "huge_function" in again.stdout
    assert "kept by the index" in " ".join(run_cli("search", "--help", cwd=root).stdout.split())
