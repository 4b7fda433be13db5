"""`code-index show` end to end: --path relative to the root as printed, exit 0 with a note
when nothing matches, a page of definitions with a note when the name is ambiguous."""

import json
import subprocess
from pathlib import Path

from conftest import run_cli

PROJECT = {
    "pkg/auth/backends.py": (
        "class ModelBackend:\n    def get_user(self, user_id):\n        return user_id\n"
    ),
    "pkg/auth/models.py": "class User:\n    pass\n",
    "pkg/views.py": "".join(
        f"class View{n}:\n    def __init__(self):\n        self.n = {n}\n\n" for n in range(14)
    ),
}


def make(project) -> Path:
    root = project(PROJECT)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def test_show_path_is_root_relative_from_a_subdirectory(project) -> None:
    root = make(project)
    here = root / "pkg"
    shown = run_cli("show", "get_user", "--path", "pkg/auth/backends.py", cwd=here)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == "pkg/auth/backends.py:2-3  ModelBackend.get_user"
    glob = run_cli("show", "get_user", "--path", "pkg/auth/*.py", "--json", cwd=here)
    assert json.loads(glob.stdout)["total"] == 1


def test_show_finding_nothing_exits_0_and_says_where_the_name_is(project) -> None:
    root = make(project)
    outside = run_cli("show", "get_user", "--path", "pkg/auth/models.py", cwd=root)
    assert (outside.returncode, outside.stdout) == (0, "")
    assert outside.stderr == (
        "code-index: no symbol named 'get_user' in --path pkg/auth/models.py; "
        "1 definition in pkg/auth/backends.py\n"
    )
    missing = run_cli("show", "get_user", "--path", "auth/backends.py", cwd=root / "pkg")
    assert missing.returncode == 0
    assert "no indexed file is there (the path is relative to the root" in missing.stderr
    assert "1 definition in pkg/auth/backends.py" in missing.stderr
    nowhere = run_cli("show", "nothing_here", "--json", cwd=root)
    assert nowhere.returncode == 0
    assert json.loads(nowhere.stdout) == {
        "name": "nothing_here",
        "total": 0,
        "ambiguous": False,
        "matches": [],
    }
    assert "`code-index search nothing_here`" in nowhere.stderr


def test_show_pages_an_ambiguous_name_and_says_so(project) -> None:
    root = make(project)
    text = run_cli("show", "__init__", cwd=root)
    assert text.returncode == 0
    headers = [line for line in text.stdout.splitlines() if line.startswith("pkg/")]
    assert len(headers) == 10  # the default --limit
    assert text.stderr == (
        "code-index: 14 definitions named '__init__'; 4 more: raise --limit; "
        "narrow with Class.__init__ or --path\n"
    )
    data = json.loads(run_cli("show", "__init__", "--json", "--limit", "3", cwd=root).stdout)
    assert (data["total"], data["ambiguous"], len(data["matches"])) == (14, True, 3)
    one = run_cli("show", "View3.__init__", cwd=root)
    assert (one.stdout.splitlines()[0], one.stderr) == ("pkg/views.py:14-15  View3.__init__", "")
