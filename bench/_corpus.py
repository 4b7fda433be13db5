"""The benchmark corpus: the running interpreter's standard library, copied to a temp folder.

We copy rather than index in place so that `.code-index/` (and every peer's output) never
lands in the interpreter's tree. Only `.py` files are copied: that is the corpus the issue
names (~1,790 files, ~860k lines), and it guarantees that ctags, code-index-mcp and we see
exactly the same files (each tool has its own idea of which other extensions count).
"""

from __future__ import annotations

import os
import shutil
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

SKIPPED_DIRS = frozenset({"site-packages", "__pycache__"})


@dataclass(frozen=True, slots=True)
class Corpus:
    root: Path  # the copy; index it, never the original
    files: tuple[str, ...]  # root-relative `/` paths, sorted
    lines: int
    bytes: int

    def absolute(self, relative: str) -> Path:
        return self.root / relative


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def stdlib_sources(source: Path | None = None) -> list[str]:
    """Root-relative paths of the .py files of the standard library, without site-packages."""
    source = source or stdlib_dir()
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(source):
        # Pruning in place keeps os.walk out of site-packages entirely (it can be huge).
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        base = Path(directory).relative_to(source)
        for name in filenames:
            if name.endswith(".py"):
                found.append((base / name).as_posix())
    return sorted(found)


def copy_stdlib(destination: Path | None = None, source: Path | None = None) -> Corpus:
    """Copy the stdlib's .py files into `destination` (default: a new temp folder)."""
    source = source or stdlib_dir()
    root = destination or Path(tempfile.mkdtemp(prefix="code-index-corpus-")) / "stdlib"
    files = stdlib_sources(source)
    lines = size = 0
    for relative in files:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, target)
        data = target.read_bytes()
        lines += data.count(b"\n")
        size += len(data)
    return Corpus(root=root, files=tuple(files), lines=lines, bytes=size)


def remove(corpus: Corpus) -> None:
    """Delete the copy (and the temp folder made for it)."""
    parent = corpus.root.parent
    shutil.rmtree(corpus.root, ignore_errors=True)
    if parent.name.startswith("code-index-corpus-"):
        shutil.rmtree(parent, ignore_errors=True)


def code_under_test() -> str:
    """Which codeindex the benchmark imports, with its git state when it is a checkout.

    The working tree is shared with people editing it; to measure a commit, export it
    (`git archive HEAD codeindex | tar -x -C DIR`) and put DIR first on PYTHONPATH.
    """
    import subprocess

    import codeindex

    where = Path(codeindex.__file__).resolve().parent
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=where,
        capture_output=True,
        text=True,
    )
    state = described.stdout.strip() if described.returncode == 0 else "not a git checkout"
    return f"{where} ({state})"
