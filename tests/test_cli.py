"""The CLI end to end through its console script, and the JSON contract in DESIGN.md."""

import json
import os
import subprocess
import time
from pathlib import Path

from conftest import run_cli

SEARCH_FIELDS = {
    "name",
    "qualified_name",
    "kind",
    "language",
    "path",
    "line",
    "end_line",
    "signature",
    "doc",
    "match",
    "score",
}
PROJECT = {
    "svc/users.py": (
        '"""Users."""\n\n\nclass UserService:\n    """Looks users up."""\n\n'
        "    def get_user(self, user_id: int) -> dict:\n        return {}\n"
    ),
    "svc/other.py": "def helper():\n    return 1\n",
}


def make(project) -> Path:
    root = project(PROJECT)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def test_first_search_builds_the_index_and_json_matches_contract(project) -> None:
    root = make(project)
    result = run_cli("user", "--json", cwd=root / "svc")  # root found via git from a subdir
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"query", "total", "results"}
    assert data["query"] == "user"
    assert data["total"] == 3  # UserService, get_user and the module svc.users
    first = data["results"][0]
    assert set(first) == SEARCH_FIELDS
    assert first["qualified_name"] == "UserService"
    assert first["path"] == "svc/users.py"
    assert (first["line"], first["end_line"], first["kind"], first["language"]) == (
        4,
        8,
        "class",
        "python",
    )
    assert data["results"][2]["signature"] == "def get_user(self, user_id: int) -> dict"
    assert (root / ".code-index").is_dir()


def test_search_is_never_stale(project) -> None:
    root = make(project)
    assert run_cli("helper", "--json", cwd=root).returncode == 0
    (root / "svc/other.py").write_text("def renamed_helper():\n    return 1\n")
    later = time.time_ns() + 2_000_000_000
    os.utime(root / "svc/other.py", ns=(later, later))
    data = json.loads(run_cli("helper", "--json", cwd=root).stdout)
    assert [r["name"] for r in data["results"]] == ["renamed_helper"]


def test_search_filters_and_text_output(project) -> None:
    root = make(project)
    result = run_cli("search", "user", "--type", "py", "--kind", "method", cwd=root)
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "svc/users.py:7  method      UserService.get_user  def get_user(self, user_id: int) -> dict"
    ]


def test_outline_show_status_export(project) -> None:
    root = make(project)
    outline = json.loads(run_cli("outline", "svc/users.py", "--json", cwd=root).stdout)
    assert [s["qualified_name"] for s in outline["symbols"]] == [
        "UserService",
        "UserService.get_user",
    ]
    assert outline["symbols"][0]["doc"] == "Looks users up."
    shown = run_cli("show", "get_user", cwd=root)
    assert shown.returncode == 0
    assert shown.stdout.splitlines()[0] == "svc/users.py:7-8  UserService.get_user"
    assert "return {}" in shown.stdout
    status = json.loads(run_cli("status", "--json", cwd=root).stdout)
    assert (status["files"], status["symbols"]) == (2, 3)
    assert status["languages"] == {"python": {"files": 2, "symbols": 3}}
    lines = run_cli("export", cwd=root).stdout.splitlines()
    assert {json.loads(line)["qualified_name"] for line in lines} == {
        "UserService",
        "UserService.get_user",
        "helper",
    }
    tags = run_cli("export", "--format", "ctags", cwd=root).stdout.splitlines()
    assert tags[0].startswith("!_TAG_FILE_FORMAT\t2")
    entries = [line for line in tags if not line.startswith("!")]
    assert entries == sorted(entries)
    assert 'get_user\tsvc/users.py\t7;"\tm\tline:7\tlanguage:python\tscope:UserService' in entries


def test_index_command_and_incremental_second_run(project) -> None:
    root = make(project)
    first = json.loads(run_cli("index", "--json", cwd=root).stdout)
    assert (first["indexed"], first["symbols"]) == (2, 3)
    second = json.loads(run_cli("index", "--json", cwd=root).stdout)
    assert (second["indexed"], second["removed"]) == (0, 0)
    rebuilt = json.loads(run_cli("index", "--rebuild", "--json", cwd=root).stdout)
    assert rebuilt["indexed"] == 2


def test_usage_errors_exit_2_with_one_line(project) -> None:
    root = make(project)
    for args in (
        ["user", "--type", "cobol"],
        ["outline", "missing.py"],
        ["show", "x", "--limit=0"],
    ):
        result = run_cli(*args, cwd=root)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("code-index: ")


def test_corrupt_index_message_suggests_rebuild(project) -> None:
    root = make(project)
    assert run_cli("index", cwd=root).returncode == 0
    for toc in (root / ".code-index").glob("*.toc"):
        toc.write_bytes(b"\x00garbage")
    result = run_cli("user", cwd=root)
    assert result.returncode == 2
    assert "code-index index --rebuild" in result.stderr
    assert run_cli("index", "--rebuild", cwd=root).returncode == 0
    assert run_cli("user", "--json", cwd=root).returncode == 0


def test_python_dash_m_entry_point(project) -> None:
    import sys

    root = make(project)
    result = subprocess.run(
        [sys.executable, "-m", "codeindex", "helper", "--json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["name"] == "helper"


def test_damaged_segment_files_give_one_line_and_rebuild_recovers(project) -> None:
    root = make(project)
    assert run_cli("index", cwd=root).returncode == 0
    for segment in (root / ".code-index").glob("*.seg"):
        data = bytearray(segment.read_bytes())
        data[16:-16] = b"\xff" * (len(data) - 32)  # keep only the ends
        segment.write_bytes(bytes(data))
    result = run_cli("user", "--json", cwd=root)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "code-index index --rebuild" in result.stderr
    assert run_cli("index", "--rebuild", cwd=root).returncode == 0
    assert json.loads(run_cli("user", "--json", cwd=root).stdout)["total"] == 3


def test_an_index_from_another_version_is_rebuilt_not_refused(project) -> None:  # type: ignore[no-untyped-def]
    # After an upgrade changes the format, the index is a stale cache of ours: commands
    # rebuild it and answer, instead of failing until the user runs --rebuild.
    root = project({"app.py": "def upgrade_me():\n    pass\n"})
    assert run_cli("index", cwd=root).returncode == 0
    marker = root / ".code-index" / "code-index.json"
    marker.write_text('{"format": "code-index", "version": 1}\n', encoding="utf-8")
    result = run_cli("upgrade_me", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "app.py" in result.stdout
    assert "another version" in result.stderr
    assert run_cli("index", cwd=root).returncode == 0
    assert marker.read_text(encoding="utf-8") != '{"format": "code-index", "version": 1}\n'


def test_index_says_what_the_rebuild_of_another_versions_index_did(project) -> None:  # type: ignore[no-untyped-def]
    # The rebuild is the work `index` did: its report must not read "indexed 0 files".
    root = project({"app.py": "def one():\n    pass\n", "lib.py": "def two():\n    pass\n"})
    assert run_cli("index", cwd=root).returncode == 0
    marker = root / ".code-index" / "code-index.json"
    marker.write_text('{"format": "code-index", "version": 1}\n', encoding="utf-8")
    result = run_cli("index", "--json", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "another version" in result.stderr
    assert json.loads(result.stdout)["indexed"] == 2


def test_options_before_the_query_and_before_a_command(project, tmp_path) -> None:
    """Agents often put options first: `-t py user` is still a search, `--root DIR status`
    still the status command; a command's name after options it does not take is a query."""
    root = make(project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args in (["-t", "py", "user"], ["--type=py", "--json", "user"], ["-tpy", "user"]):
        result = run_cli(*args, "--json", cwd=root)
        assert result.returncode == 0, (args, result.stderr)
        assert json.loads(result.stdout)["total"] == 3, args
    found = run_cli("--root", str(root), "--json", "helper", cwd=elsewhere)
    assert [r["name"] for r in json.loads(found.stdout)["results"]] == ["helper"]
    status = run_cli("--root", str(root), "status", "--json", cwd=elsewhere)
    assert json.loads(status.stdout)["files"] == 2, status.stderr
    # --kind belongs to search only: here `status` is the word searched for
    searched = run_cli("--kind", "class", "status", "--json", cwd=root)
    assert json.loads(searched.stdout)["query"] == "status", searched.stderr
    assert json.loads(run_cli("search", "index", "--json", cwd=root).stdout)["query"] == "index"
