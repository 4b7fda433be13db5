"""The README is for users: short, no commit hashes, and no install line for a package we do
not publish."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
# A word of 7-40 hex digits with at least one digit and one letter: how a commit is cited.
COMMIT_LIKE = re.compile(r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")


def test_readme_stays_short() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300


def test_readme_cites_no_commits() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if COMMIT_LIKE.search(line)] == []


def test_readme_installs_only_our_own_package() -> None:
    text = README.read_text(encoding="utf-8")
    assert not re.search(r"pip(x)? install code-index\b", text)
    # The peer's name appears only with its version, in benchmark rows; ours is `code-index mcp`.
    assert re.findall(r"code-index-mcp(?! \d)", text) == []
    assert "code-index mcp" in text
