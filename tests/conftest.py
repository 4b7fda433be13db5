"""Shared test helpers: small real projects on disk, indexed with the real library."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from codeindex.api import CodeIndex

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Make a project folder with the given files; returns its root."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        write_files(root, files)
        return root

    return make


@pytest.fixture
def indexed(project: Callable[[dict[str, str | bytes]], Path]) -> Callable[..., CodeIndex]:
    """Make a project and open (and build) its index in-process."""
    opened: list[CodeIndex] = []

    def make(files: dict[str, str | bytes]) -> CodeIndex:
        code_index = CodeIndex.open(project(files))
        code_index.refresh()
        opened.append(code_index)
        return code_index

    yield make
    for code_index in opened:
        code_index.close()


def run_cli(
    *args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `code-index` console script, as a user would."""
    script = Path(sys.executable).parent / "code-index"
    return subprocess.run(
        [str(script), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
