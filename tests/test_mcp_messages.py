"""get_symbol's ambiguity and the messages of bad input, through the SDK's own client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_mcp_tools import Session, wait_ready, write

FILES = {
    "pkg/config.py": "def parse_config(text):\n    return dict(line.split('=') for line in text)\n",
    "pkg/loader.py": (
        "class Loader:\n"
        "    def parse_config(self, text):\n"
        "        return {}\n\n"
        "    def load(self):\n"
        "        return None\n"
    ),
    "pkg/other.py": "class Loader:\n    def parse_config(self):\n        return 1\n",
    "pkg/blob.py": "x = 1\n\0binary\n",
}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    root = tmp_path_factory.mktemp("messages") / "project"
    write(root, FILES)
    started = Session(root)
    wait_ready(started.service)
    yield started
    started.close()


def test_get_symbol_is_ambiguous_whenever_several_definitions_carry_the_name(
    session: Session,
) -> None:
    bare = session.ok("get_symbol", {"name": "parse_config"})
    assert bare["ambiguous"] is True and bare["total"] == 3
    # The exact qualified match (the module function) first, with its source.
    assert bare["matches"][0]["qualified_name"] == "parse_config"
    assert bare["matches"][0]["source"].startswith("def parse_config(text):")
    assert "3 definitions match 'parse_config'" in bare["note"]
    assert "the first is the exact qualified match" in bare["note"]

    qualified = session.ok("get_symbol", {"name": "Loader.parse_config"})
    assert qualified["ambiguous"] is True and qualified["total"] == 2
    assert {m["path"] for m in qualified["matches"]} == {"pkg/loader.py", "pkg/other.py"}

    one = session.ok("get_symbol", {"name": "load"})
    assert one["ambiguous"] is False and one["total"] == 1 and "note" not in one


def test_file_outline_of_a_skipped_file_says_why(session: Session) -> None:
    message = session.error("file_outline", {"path": "pkg/blob.py"})
    assert "skipped" in message and "binary" in message


def test_bad_arguments_get_one_plain_line_each(session: Session) -> None:
    message = session.error(
        "search_symbols", {"query": "x", "limit": -1, "language": "cobol", "colour": "red"}
    )
    lines = message.splitlines()
    assert lines[0] == "invalid arguments for search_symbols:"
    by_name = {line.split(":")[0].removeprefix("- "): line for line in lines[1:]}
    assert set(by_name) == {"limit", "language", "colour"}, lines
    assert "greater than or equal to 1" in by_name["limit"] and "-1" in by_name["limit"]
    assert "'py'" in by_name["language"] and "'cobol'" in by_name["language"]
    assert "unknown argument" in by_name["colour"] and "query" in by_name["colour"]
    assert "http" not in message and "pydantic" not in message and "type=" not in message
    assert "name: required" in session.error("get_symbol", {})


def test_nul_bytes_and_missing_reindex_paths_are_refused(session: Session) -> None:
    assert "NUL byte" in session.error("file_outline", {"path": "pkg/con\0fig.py"})
    assert "NUL byte" in session.error("get_symbol", {"name": "load", "path": "pkg/\0"})
    missing = session.error("reindex", {"paths": ["no/such/dir"]})
    assert "no/such/dir does not exist" in missing


def test_reindex_of_a_file_deleted_since_it_was_indexed_drops_it(tmp_path: Path) -> None:
    # Without a watcher, so that nothing else notices the deletion first: then the path is
    # neither on disk nor in the index, and "does not exist" would be the right answer.
    write(tmp_path, FILES)
    session = Session(tmp_path, use_watcher=False)
    try:
        wait_ready(session.service)
        (tmp_path / "pkg/other.py").unlink()
        assert session.ok("reindex", {"paths": ["pkg/other.py"]})["removed"] == 1
        assert "does not exist" in session.error("reindex", {"paths": ["pkg/other.py"]})
    finally:
        session.close()
