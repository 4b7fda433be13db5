"""The cyclic collector is paused for one-shot work and handed back as it was found."""

from __future__ import annotations

import gc
import sys
from types import FrameType

import pytest

from codeindex.gc_pause import cyclic_gc_paused


def test_paused_inside_and_on_again_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_an_inner_pause_leaves_the_outer_one_in_charge() -> None:
    with cyclic_gc_paused():
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # the inner call did not turn it on under the outer one
    assert gc.isenabled()


def test_a_cli_call_in_process_hands_the_collector_back(indexed) -> None:
    from codeindex.cli import main

    code_index = indexed({"a.py": "def alpha():\n    return 1\n"})
    assert main(["dups", "--root", str(code_index.root)]) in (0, 1)
    assert gc.isenabled()


def test_library_clone_queries_leave_the_collector_on(indexed) -> None:
    """Only entry points (the CLI, the clone worker) pause it: the library runs inside the
    MCP server's threads, where a pause would be process-wide."""
    body = "".join(f"    total = total + item * {n}\n" for n in range(8))
    files = {
        f"m{i}.py": f"def f{i}(items):\n    total = 0\n    for item in items:\n{body}"
        "    return total\n"
        for i in range(3)
    }
    code_index = indexed(files)
    callers: list[str] = []

    def watch(frame: FrameType, event: str, arg: object) -> None:
        if event == "c_call" and arg is gc.disable:
            callers.append(frame.f_code.co_qualname)

    sys.setprofile(watch)
    try:
        assert code_index.duplicates().total == 1
        assert code_index.similar(files["m0.py"]).matches
    finally:
        sys.setprofile(None)
    assert callers == []
