"""Blocks copied inside bigger functions (`dups --blocks`): real parses, a real index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pytest

from codeindex import cli
from codeindex.api import CodeIndex
from codeindex.clones import blocks
from codeindex.clones.encode import LOCAL_BASE, renumbered

# The retry loop (lines 6-20) is pasted, locals renamed, into the middle of `sync_all`.
FETCH = '''\
import time


def fetch_report(client, report_id, timeout=30.0):
    """Download one report, retrying while the server is busy."""
    started = time.monotonic()
    body = None
    attempt = 0
    while body is None:
        response = client.get(f"/reports/{report_id}")
        if response.status == 200:
            body = response.json()
        elif response.status == 429:
            attempt += 1
            delay = min(2 ** attempt, 30)
            if time.monotonic() - started + delay > timeout:
                raise TimeoutError(f"report {report_id}: still busy after {attempt} tries")
            time.sleep(delay)
        else:
            response.raise_for_status()
    return body
'''
SYNC = '''\
import logging
import time

log = logging.getLogger(__name__)


def sync_all(client, store, names, timeout=30.0):
    """Copy every named dataset into the store, then prune what is gone."""
    if not names:
        raise ValueError("nothing to sync")
    unknown = [name for name in names if not name.isidentifier()]
    if unknown:
        raise ValueError(f"bad dataset names: {', '.join(unknown)}")
    store.begin()
    seen = set()
    for name in names:
        log.info("syncing %s", name)
        started = time.monotonic()
        data = None
        tries = 0
        while data is None:
            reply = client.get(f"/reports/{name}")
            if reply.status == 200:
                data = reply.json()
            elif reply.status == 429:
                tries += 1
                wait = min(2 ** tries, 30)
                if time.monotonic() - started + wait > timeout:
                    raise TimeoutError(f"report {name}: still busy after {tries} tries")
                time.sleep(wait)
            else:
                reply.raise_for_status()
        store.put(name, data)
        seen.add(name)
    for stale in set(store.keys()) - seen:
        log.info("dropping %s", stale)
        store.delete(stale)
    store.commit()
    stats = {"synced": len(seen), "total": len(store.keys())}
    log.info("synced %(synced)d of %(total)d", stats)
    return stats
'''
# The same shape over and over (a replace chain) in two functions otherwise unlike: the
# chains match each other at any alignment, and are no copied logic.
REPLACES = """\
def escape_html(text, quote=True):
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    if quote and text.startswith("\\"") and text.endswith("\\""):
        text = text[1:-1]
    text = text.replace("&", "&amp;")
    text = text.replace("<", "&lt;")
    text = text.replace(">", "&gt;")
    text = text.replace("`", "&#96;")
    text = text.replace("'", "&#39;")
    text = text.replace("=", "&#61;")
    text = text.replace("@", "&#64;")
    text = text.replace("+", "&#43;")
    text = text.replace("{", "&#123;")
    text = text.replace("}", "&#125;")
    text = text.replace("[", "&#91;")
    text = text.replace("]", "&#93;")
    return text


def escape_lines(lines, width):
    escaped = []
    for line in lines:
        text = line.rstrip()
        text = text.replace("&", "&amp;")
        text = text.replace("<", "&lt;")
        text = text.replace(">", "&gt;")
        text = text.replace("\\t", "&#9;")
        text = text.replace("\\r", "&#13;")
        text = text.replace("'", "&#39;")
        text = text.replace("`", "&#96;")
        text = text.replace("=", "&#61;")
        if len(text) > width:
            text = text[: width - 1] + "..."
        escaped.append(text)
    return "\\n".join(escaped)
"""


@pytest.fixture()
def indexed(tmp_path: Path) -> CodeIndex:
    (tmp_path / "reports.py").write_text(FETCH)
    (tmp_path / "sync.py").write_text(SYNC)
    (tmp_path / "escapes.py").write_text(REPLACES)
    code_index = CodeIndex.open(tmp_path)
    code_index.refresh()
    yield code_index
    code_index.close()


def _places(groups: list) -> list[list[tuple[str, int, int, str]]]:
    return [
        sorted((m.path, m.start_line, m.end_line, m.qualified_name) for m in g.members)
        for g in groups
    ]


def test_a_pasted_block_is_found_with_its_lines(
    indexed: CodeIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    assert indexed.duplicates().groups == []  # the functions as wholes are not alike
    groups = indexed.duplicates(blocks=True).groups
    assert _places(groups) == [
        [("reports.py", 6, 20, "fetch_report"), ("sync.py", 18, 32, "sync_all")]
    ]
    assert groups[0].similarity == 1.0  # consistently renamed
    assert groups[0].block
    assert cli.main(["dups", "--blocks", "--root", str(indexed.root)]) == 0
    assert "group 1: 2 copies of a block, similarity 1.00" in capsys.readouterr().out


def test_runs_of_alike_statements_are_not_blocks(indexed: CodeIndex) -> None:
    groups = indexed.duplicates(blocks=True).groups
    assert not any(m.path == "escapes.py" for g in groups for m in g.members)


def test_blocks_respect_the_line_minimum(indexed: CodeIndex) -> None:
    assert indexed.duplicates(blocks=True, min_lines=16).groups == []


def test_cli_blocks_flag(indexed: CodeIndex, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(indexed.root)
    assert cli.main(["dups", "--root", root, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["groups"] == []
    assert cli.main(["dups", "--blocks", "--root", root, "--json"]) == 0
    [group] = json.loads(capsys.readouterr().out)["groups"]
    assert group["block"] is True
    assert {(m["path"], m["start_line"], m["end_line"]) for m in group["members"]} == {
        ("reports.py", 6, 20),
        ("sync.py", 18, 32),
    }


def test_winnowing_keeps_the_smallest_hash_of_every_window_run() -> None:
    rng = numpy.random.default_rng(7)
    for count in (3, blocks.WINNOW, blocks.WINNOW + 1, 200):
        hashes = rng.integers(0, 40, count).astype(numpy.uint32)  # with ties
        valid = rng.random(count) > 0.1
        expected = set(range(count)) if count < blocks.WINNOW else set()
        for start in range(count - blocks.WINNOW + 1):
            window = hashes[start : start + blocks.WINNOW]
            expected |= {start + k for k in numpy.flatnonzero(window == window.min())}
        expected = {p for p in expected if valid[p]}
        assert set(blocks._winnow(hashes, valid).tolist()) == expected


def test_a_block_read_on_its_own_renumbers_locals_declared_before_it() -> None:
    first, again = chr(LOCAL_BASE), chr(LOCAL_BASE + 1)
    call = chr(0x200)
    # x = ...; call(x); call(x): the block from the first call on sees x first there.
    codes = first + call + again + call + again
    assert renumbered(codes, 1, 5) == call + first + call + again
    assert renumbered(codes, 0, 5) == codes
