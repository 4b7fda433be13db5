"""The lexical filter of Python references (codeindex.refs.lexical): occurrences in comments
and strings are dropped before any parse, and the uses found are those the parse alone finds."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import outline_of

from codeindex.extract import extract
from codeindex.languages import spec_by_name
from codeindex.refs import lexical
from codeindex.refs import verify as refs_verify
from codeindex.refs.lexical import python_code_occurrences
from codeindex.refs.regions import occurrences
from codeindex.refs.verify import sites

TRICKY = (
    'FMT = "%s" % "target"  # target in a comment\n'
    '__all__ = ["target", "other"]\n'
    "\n"
    "\n"
    "def first(x):\n"
    '    """A docstring naming target.\n'
    "\n"
    "    target(x) on its own line, still in the string\n"
    '    """\n'
    "    # target(x), commented out\n"
    '    empty = ""\n'
    "    target(x)\n"
    '    raw = r"\\"target"\n'
    "    quoted = 'it''s' + \"\"\"target\"\"\" + '''a ''target'' '''\n"
    "    return target\n"
    "\n"
    "\n"
    "def second(x):\n"
    '    label = f"{target(x)}" + "target"\n'
    "    return target.attr\n"
    "\n"
    "\n"
    "def nested(d):\n"
    '    return f"{d["k"] + target}"\n'
    "\n"
    "\n"
    "def third(x):\n"
    "    s = 'does not end\n"
    "    target(x)\n"
)


def _counted(monkeypatch: pytest.MonkeyPatch, function: str) -> list[int]:
    """A list that grows by one at each call of codeindex.refs.verify's `function`, which
    still runs."""
    calls: list[int] = []
    real = getattr(refs_verify, function)

    def counting(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(refs_verify, function, counting)
    return calls


def _rows_kept(source: bytes, name: bytes) -> list[int]:
    kept = python_code_occurrences(source, 0, occurrences(source, name), name)
    return [source.count(b"\n", 0, offset) + 1 for offset in kept]


def test_comments_and_strings_are_dropped_and_what_a_parse_must_decide_is_kept() -> None:
    # Kept: a string that is the name (1, 2 and 14: `__all__` uses it), code (12, 15, 20),
    # all of an f-string's line and what follows it (19: its braces hold code; 24: quotes
    # nested in braces), and what follows a string that does not end (29). Dropped:
    # comments (1, 10), the docstring (6, 8), the raw string with an escaped quote (13), a
    # string the name is only part of (14).
    assert _rows_kept(TRICKY.encode(), b"target") == [1, 2, 12, 14, 15, 19, 19, 20, 24, 29]


def test_the_uses_are_those_of_a_parse_without_the_filter() -> None:
    # Every form above, verified with and without the filter: a filter that read `""` before
    # a `"` as an empty string, or an escaped quote as a string's end, would drop a use.
    source = TRICKY.encode()
    spec = spec_by_name("python")
    extraction = extract(source, spec, "tricky.py")
    outline = outline_of(extraction)
    filtered = [tuple(site) for site in sites(source, spec, outline, "target", digest="d")]
    parsed = [tuple(site) for site in sites(source, spec, outline, "target", digest="")]
    assert filtered == parsed
    assert [(row + 1, kind) for _, row, kind, _, _ in filtered] == [
        (2, "name"),
        (12, "call"),
        (15, "name"),
        (19, "call"),
        (20, "name"),
        (24, "name"),
        (29, "call"),
    ]


def test_a_region_of_comments_and_docstrings_only_is_not_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = (
        b"def documented():\n"
        b'    """Calls target, in words only."""\n'
        b"    # target is not called here either\n"
        b"    return 1\n"
    )
    spec = spec_by_name("python")
    outline = outline_of(extract(source, spec, "d.py"))
    parsed = _counted(monkeypatch, "_parse")
    assert list(sites(source, spec, outline, "target", digest="d")) == []
    assert parsed == []
    assert list(sites(source, spec, outline, "target", digest="")) == []
    assert parsed == [1]


@pytest.mark.parametrize("step", [lexical.STEP, 7])
def test_a_big_region_read_in_steps_from_kept_positions_drops_the_same_occurrences(
    step: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Comments and strings of every form across the step boundaries of a region bigger than
    # many steps; each name asked twice (the second time from the positions kept), and the
    # answers are those of one read from the start. Steps of 7 bytes put kept positions
    # right before quotes and inside runs of strings.
    monkeypatch.setattr(lexical, "STEP", step)
    pieces = [
        "x = alpha(beta)\n",
        "# alpha and beta in a comment " + "." * 700 + "\n",
        "s = 'alpha \\' beta' + \"gamma!\"\n",
        'doc = """alpha\n' + "beta\n" * 300 + '"""\n',
        "r = r'\\\\' + gamma\n",
        "t = ('alpha', \"beta\", '''gamma''')\n",
        "y = beta.alpha\n",
        "q='alpha''beta'\"gamma \"'''alpha'''#beta\n",  # no byte between the tokens
    ]
    rng = random.Random(3)
    source = "".join(rng.choice(pieces) for _ in range(900)).encode()
    assert len(source) > 15 * 16384
    for name in (b"alpha", b"beta", b"gamma", b"alpha", b"beta"):
        found = occurrences(source, name)
        kept = python_code_occurrences(source, 0, found, name, (f"digest{step}", 0))
        assert kept == python_code_occurrences(source, 0, found, name)
        assert 0 < len(kept) < len(found)


STATEMENTS = (
    "class Base:\n"
    "    LIMIT = target(1)\n"
    "\n"
    "    def method(self, x):\n"
    "        a = 1\n"
    "        target(x)\n"
    "        y = [1,\n"
    "             target(2)]\n"
    "        z = a + \\\n"
    "            target(3)\n"
    "        if x: target(4)\n"
    "        w = target; v = target(5)\n"
    '        s = """\n'
    "        target(6) in a string\n"
    '        """\n'
    "        target.attr = (1,\n"
    "            2)\n"
    "        return target(\n"
    "            7,\n"
    "        )\n"
    "\n"
    "    @target\n"
    "    def decorated(self, target=target):\n"
    "        print(f'{target}'); target(8)\n"
)


def _shortcut_sites(source: bytes, path: str) -> list[refs_verify.Site]:
    """The uses of `target` as a query finds them in a file as indexed (every shortcut on)."""
    spec = spec_by_name("python")
    return list(sites(source, spec, outline_of(extract(source, spec, path)), "target", digest="d"))


def _sites_both_ways(source: bytes, name: str = "target") -> list[tuple[int, str]]:
    """The (1-based line, kind) of the uses of `name`: with the shortcuts (the file as
    indexed) and every occurrence parsed in its region, which must agree."""
    spec = spec_by_name("python")
    extraction = extract(source, spec, "statements.py")
    outline = outline_of(extraction)
    shortcut = [tuple(site) for site in sites(source, spec, outline, name, digest="d")]
    parsed = [tuple(site) for site in sites(source, spec, outline, name, digest="")]
    assert shortcut == parsed
    return [(row + 1, kind) for _, row, kind, _, _ in shortcut]


def test_statements_parsed_alone_find_the_uses_their_regions_find() -> None:
    # Simple statements, one-line compound statements, continuation lines inside brackets
    # and after a backslash, `;`, strings over several lines, decorators and defaults.
    assert _sites_both_ways(STATEMENTS.encode()) == [
        (2, "call"),
        (6, "call"),
        (8, "call"),
        (10, "call"),
        (11, "call"),
        (12, "name"),
        (12, "call"),
        (16, "name"),
        (18, "call"),
        (22, "decorator"),
        (23, "name"),
        (24, "name"),
        (24, "call"),
    ]


def test_a_files_simple_statements_are_parsed_together_not_their_regions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = (
        b"class Loader:\n"
        b"    def __init__(self, path):\n"
        b'        """Opens target."""\n'
        b"        self.path = path\n"
        b"        target(path)\n"
        b"        self.size = 0\n"
        b"\n"
        b"    def close(self):\n"
        b"        self.closed = True\n"
        b"        return target.close(\n"
        b"            self.path)\n"
    )
    region_parses = _counted(monkeypatch, "_parse")
    statement_parses = _counted(monkeypatch, "_parse_statements")
    found = [
        (site.row + 1, site.kind, site.receiver, site.scope)
        for site in _shortcut_sites(source, "l.py")
    ]
    assert found == [
        (5, "call", "", "Loader.__init__"),
        (10, "name", "", "Loader.close"),
    ]
    assert (statement_parses, region_parses) == ([1], [])


def test_statements_that_do_not_parse_alone_are_read_from_their_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Quotes nested in an f-string (Python 3.12) hide a bracket from the statement finder:
    # it takes line 3 for a statement's start, whose parse alone fails; the region decides.
    source = (
        b'def f(d):\n    x = (f"{d[")"]}"\n         + target()) or (\n        1)\n    return x\n'
    )
    region_parses = _counted(monkeypatch, "_parse")
    assert _sites_both_ways(source) == [(3, "call")]
    assert len(region_parses) == 2  # the fallback, then the parse without shortcuts


def test_a_file_with_a_syntax_error_has_its_regions_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = b"def f(x):\n    target(x)\n\n\ndef g(:\n    target(1)\n"
    spec = spec_by_name("python")
    extraction = extract(source, spec, "broken.py")
    assert extraction.tree.root_node.has_error
    outline = outline_of(extraction)
    monkeypatch.setattr(refs_verify, "_parse_statements", None)  # must not be called
    assert [site.row + 1 for site in sites(source, spec, outline, "target", digest="d")] == [2, 6]


def test_a_class_is_read_from_the_end_of_its_last_method_before_an_occurrence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Read from the class's start, the f-string stops the filter, and the docstring's line 8
    # does not start a statement: the whole class was parsed. Read from the end of `label`,
    # the docstring is dropped and the call is a statement parsed alone.
    source = (
        b"class Window:\n"
        b'    title = f"{NAME}"\n'
        b"\n"
        b"    def label(self):\n"
        b"        return 1\n"
        b"\n"
        b'    """Menus:\n'
        b'    target is set in __init__."""\n'
        b"    size = target(1)\n"
    )
    region_parses = _counted(monkeypatch, "_parse")
    statement_parses = _counted(monkeypatch, "_parse_statements")
    found = [(site.row + 1, site.kind, site.scope) for site in _shortcut_sites(source, "w.py")]
    assert found == [(9, "call", "Window")]
    assert (statement_parses, region_parses) == ([1], [])
    assert _sites_both_ways(source) == [(9, "call")]


def test_uses_in_a_definitions_header_are_read_from_the_header_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `inner`'s decorator and signature parse with `pass` for a body, not with its body;
    # a header whose body is on its own line (`Box`) has its region parsed.
    source = (
        b"import functools\n"
        b"\n"
        b"def cached(f):\n"
        b"    @functools.wraps(target)\n"
        b"    def inner(*args, key: target = None,\n"
        b"              **kwargs) -> target:  # the signature\n"
        b"        with lock:\n"
        b"            return f(*args)\n"
        b"    return inner\n"
        b"\n"
        b"@target\n"
        b"class Box: x = 1\n"
    )
    region_parses = _counted(monkeypatch, "_verified")
    parses = _counted(monkeypatch, "_parse")
    found = [(site.row + 1, site.kind, site.scope) for site in _shortcut_sites(source, "c.py")]
    assert found == [
        (4, "name", "cached.inner"),
        (5, "type", "cached.inner"),
        (6, "type", "cached.inner"),
        (11, "decorator", "Box"),
    ]
    assert (len(region_parses), len(parses)) == (1, 2)
    assert _sites_both_ways(source) == [(4, "name"), (5, "type"), (6, "type"), (11, "decorator")]
