"""codeindex.storage._light_imports: what whoosh would import for nothing stays out of a
command's start, and the stand-ins still work when called."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import codeindex.api
heavy = ["asyncio", "urllib.request", "whoosh.lang.morph_en"]
print(*[name for name in heavy if name in sys.modules])
from whoosh.query.terms import variations
print(sorted(variations("running"))[:2])
"""


def test_a_command_start_leaves_out_whooshs_unused_imports() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], check=True, capture_output=True, text=True
    ).stdout
    assert done.splitlines() == ["", "['ran', 'run']"]


COMMAND = """
import sys
from codeindex.launcher import main
main(sys.argv[1:])
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""
# What a command answering from a current index never uses: the build's processes and file
# readers, OpenSSL (secrets), logging, and the ignore-rule compiler (every listing replayed).
NOT_LOADED = (
    "multiprocessing",
    "codeindex.file_reading",
    "codeindex.clones.fingerprints",
    "secrets",
    "logging",
    "pathspec",
)


def test_a_command_on_a_current_index_loads_only_what_it_answers_with(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    from tests.conftest import write_files

    root = tmp_path / "project"
    write_files(
        root,
        {
            ".gitignore": "build/\n",
            "pkg/a.py": "def alpha():\n    return beta()\n",
            "pkg/b.py": "def beta():\n    return 1\n",
        },
    )

    def run(*args: str) -> set[str]:
        done = subprocess.run(
            [sys.executable, "-c", COMMAND, *args, "--root", str(root)],
            check=True,
            capture_output=True,
            text=True,
        )
        return set(done.stderr.split())

    run("index")
    for number, (top, _, _) in enumerate(os.walk(root)):  # old enough for the walk cache
        os.utime(top, ns=(10**18 + number, 10**18 + number))
    run("beta")  # keeps each listing, and notes a walk that found nothing to do
    for command in (["refs", "beta"], ["beta"], ["show", "beta"]):
        loaded = run(*command)
        assert "codeindex.walker" in loaded  # it did check freshness
        assert [name for name in NOT_LOADED if name in loaded] == [], command
