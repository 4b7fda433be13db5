"""Shared test helpers: small real projects on disk, indexed with the real library."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from codeindex.api import CodeIndex
from codeindex.extract import Extraction
from codeindex.refs import file_blob
from codeindex.refs.blob import Outline

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


def exported(root: Path) -> list[str]:
    """Every symbol of the root's index as `code-index export` prints it, sorted: two indexes
    hold the same symbols exactly when these are equal."""
    result = run_cli("export", "--root", str(root), cwd=root)
    assert result.returncode == 0, result.stderr
    return sorted(result.stdout.splitlines())


# Tests that start real processes (the CLI, the MCP server, concurrent writers) are marked
# `slow`, so `pytest -m "not slow"` is a quick local loop; CI runs everything. Marked here by
# what the test does, so a new test that starts a process is marked without anyone remembering.
_STARTS_A_PROCESS = ("run_cli(", "subprocess.", "Popen(", "stdio_client(", "multiprocessing.")
# Modules whose tests all start processes through helpers of their own.
_PROCESS_MODULES = frozenset(
    {
        "test_concurrency",
        "test_entry_points",
        "test_mcp_concurrency",
        "test_mcp_freshness",
        "test_mcp_stdio",
        "test_robust_writers",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    import inspect

    for item in items:
        function = getattr(item, "function", None)
        if function is None:
            continue
        if item.module is not None and item.module.__name__ in _PROCESS_MODULES:
            item.add_marker(pytest.mark.slow)
            continue
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        if any(marker in source for marker in _STARTS_A_PROCESS):
            item.add_marker(pytest.mark.slow)


def outline_of(extraction: Extraction) -> Outline:
    """A file's outline as a query reads it: the part of its refs blob after the words."""
    return Outline.decode(file_blob(extraction).partition(b"\n")[2])
