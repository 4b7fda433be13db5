"""Code strings (clones.encode) from real parses: which tokens count as locals, members,
operators and the unit's own name."""

from __future__ import annotations

import textwrap

from codeindex.clones import batch, snippet
from codeindex.clones.encode import (
    LOCAL_BASE,
    NAME_CODE,
    Encoded,
    callable_spans,
    encode_tokenised,
    tokenised_masked,
)
from codeindex.clones.normalize import mask
from codeindex.clones.tokens import text_hash
from codeindex.extract import extract
from codeindex.languages import language_for_path


def _codes(code: str, language: str) -> list[str]:
    units = snippet.query_units(textwrap.dedent(code), frozenset({language}))
    return [unit.codes for unit in units]


def _locals(codes: str) -> int:
    return sum(ord(code) >= LOCAL_BASE for code in codes)


def test_a_rest_parameter_is_a_local() -> None:
    template = """\
        function total(...ITEMS: number[]): number {
            let sum = 0;
            for (const item of ITEMS) { sum += item; }
            return sum / ITEMS.length;
        }
        """
    original = _codes(template.replace("ITEMS", "items"), "typescript")
    renamed = _codes(template.replace("ITEMS", "values"), "typescript")
    assert original == renamed
    assert len(original) == 1


def test_a_member_after_optional_chaining_is_not_a_local() -> None:
    """`value?.value`: the second `value` is a property, whatever the parameter is called."""
    template = """\
        function unwrap(NAME: Box | undefined, fallback: number): number {
            const inner = NAME?.value;
            return inner === undefined ? fallback : inner + NAME?.value;
        }
        """
    assert _codes(template.replace("NAME", "value"), "typescript") == _codes(
        template.replace("NAME", "box"), "typescript"
    )


def test_members_keep_their_names_and_locals_do_not() -> None:
    template = """\
        def describe(NAME, other):
            label = other.name + NAME
            if other.name:
                label = label + other.name
            return label.strip()
        """
    (original,) = _codes(template.replace("NAME", "name"), "python")
    (renamed,) = _codes(template.replace("NAME", "title"), "python")
    (other_member,) = _codes(template.replace("other.name", "other.title"), "python")
    assert original == renamed
    assert original != other_member
    # name/title, other, label: 2 + 4 + 4 occurrences, and no member among them.
    assert _locals(original) == 10


def test_overlapping_operators_pair_up_from_the_left() -> None:
    """`****p` is `**`, `**` (not `**`, `*`, `*`) and `***p` is `**`, `*`: a code string has
    one code per token, so the groupings show in its length."""
    source = """\
        package p

        func deref(p STARSint, q int) int {
        \tif q > 0 {
        \t\treturn STARSp + q
        \t}
        \treturn q
        }
        """
    (two,), (three,), (four,) = (
        _codes(source.replace("STARS", "*" * count), "go") for count in (2, 3, 4)
    )
    assert len(three) == len(two) + 2  # one more token at each of the two places
    assert len(four) == len(two) + 2


def test_the_units_own_name_has_one_code_wherever_it_occurs() -> None:
    template = """\
        def NAME(node, depth=0):
            seen = [node.label]
            for child in node.children:
                seen.extend(NAME(child, depth + 1))
            return seen
        """
    (walk,) = _codes(template.replace("NAME", "walk"), "python")
    (visit,) = _codes(template.replace("NAME", "visit"), "python")
    assert walk == visit
    assert walk.count(NAME_CODE) == 2


def test_bare_statements_take_uncalled_names_for_locals() -> None:
    template = """\
        total = PRICE * quantity + shipping
        if total > limit:
            notify(total, limit)
        ledger.append(total)
        """
    original = _codes(template.replace("PRICE", "price"), "python")
    renamed = _codes(template.replace("PRICE", "cost"), "python")
    called_differently = _codes(template.replace("notify(", "alert("), "python")
    assert original == renamed
    assert original != called_differently


def test_token_hashes_distinguish_long_names_that_differ_in_one_byte() -> None:
    assert text_hash(b"invalid_2B_seq_start_bytes") != text_hash(b"invalid_4B_seq_start_bytes")


CSHARP = """\
namespace Shop
{
    public class Orders
    {
        [Obsolete("use Total")]
        [Pure]
        public decimal Sum(
            IEnumerable<Order> orders)
        {
            var total = 0m;
            foreach (var order in orders)
            {
                total += order.Amount;
            }
            return total;
        }
    }
}
"""


def test_a_unit_line_profile_counts_its_codes_on_each_of_its_lines() -> None:
    """From the definition's first line (its attributes) to its last: the lines that map a
    block's codes back to the file."""
    spec = language_for_path("Orders.cs")
    assert spec is not None
    extraction = extract(CSHARP.encode(), spec, "Orders.cs")
    [(index, node)] = extraction.callables
    spans = callable_spans(extraction, [(index, node)])
    [unit] = encode_tokenised(tokenised_masked([(mask([node], extraction.source, spec), spans)]))
    counts = [ord(c) for c in unit.lines]
    assert len(counts) == 16 - 5 + 1  # the node's rows: attributes on line 5 to `}` on 16
    assert sum(counts) == len(unit.codes)
    lines = textwrap.dedent(CSHARP).splitlines()[4:16]
    blank_or_brace = [i for i, line in enumerate(lines) if line.strip() in ("", "{", "}")]
    assert all(counts[i] == 1 for i in blank_or_brace if lines[i].strip())
    # `var total = 0m;` is five codes: var, the local, =, a number, `;`
    assert counts[lines.index("            var total = 0m;")] == 5


def test_a_span_without_tokens_on_some_lines_counts_zero_there() -> None:
    [unit] = _file_units(b"def f(a):\n\n    # only a comment\n    return a\n", "f.py")
    assert [ord(c) for c in unit.lines] == [6, 0, 0, 2]


def _batch_units(files: list[batch.FileUnits]) -> list[list[Encoded]]:
    """Each file's units as clones.batch normalises them: Python's by tokens."""
    encoded: list[list[Encoded]] = [[] for _ in files]
    for members, tokenised in batch.tokenised(files):
        units = encode_tokenised(tokenised)
        for member in members:
            count = len(files[member].spans)
            encoded[member], units = units[:count], units[count:]
    return encoded


def _file(source: bytes, name: str) -> batch.FileUnits:
    spec = language_for_path(name)
    assert spec is not None
    extraction = extract(source, spec, name)
    nodes = [node for _, node in extraction.callables]
    spans = callable_spans(extraction, extraction.callables)
    return batch.FileUnits(extraction.source, spec, nodes, spans)


def _file_units(source: bytes, name: str) -> list[Encoded]:
    [units] = _batch_units([_file(source, name)])
    return units


def test_files_encoded_together_get_what_each_gets_alone() -> None:
    """A batch lays files end to end: no token, local, line or open string may leak across,
    whichever way the files are normalised."""
    from pathlib import Path

    fixtures = Path(__file__).parent.parent / "fixtures" / "clones"
    files = [
        _file(path.read_bytes(), path.name)
        for path in sorted(fixtures.rglob("*.*"))
        if language_for_path(path.name) is not None
    ]
    # Python that leaves a string and a bracket open must not swallow what follows it.
    broken = b"def broken(a):\n    return f(a, '''\n\ndef after(b):\n    return [b\n"
    files[1:1] = [
        _file(broken, "broken.py"),
        _file(b"def quoted(x):\n    '''Doc.'''\n    return [x, '''s''']\n", "quoted.py"),
    ]
    # A file cut short: its last unit ends on tokens that look ahead (`def name`, `1.`),
    # and must read the same at the end of the batch as before another file.
    cut = b"def outer(a):\n    y = a + 1.\n    def inner"
    files[3:3] = [_file(cut, "cut.py")]
    assert len(files) >= 10 and all(file.spans for file in files)
    assert {file.spec.clones.lexical for file in files} == {True, False}
    alone = [_file_units(file.source, f"x{file.spec.extensions[0]}") for file in files]
    assert _batch_units(files) == alone
    assert _batch_units(files[::-1]) == alone[::-1]


def test_the_clone_query_keeps_every_pattern_its_grammar_can_match() -> None:
    """Compiled at once, the query loses exactly the patterns that fail on their own (C#'s
    registry row yields one: an `argument` name is never an `implicit_parameter`)."""
    import tree_sitter

    from codeindex.clones.normalize import clone_patterns, clone_query
    from codeindex.languages import LANGUAGES, ts_language

    def possible(language: tree_sitter.Language, pattern: str) -> bool:
        try:
            tree_sitter.Query(language, pattern)
        except tree_sitter.QueryError:
            return False
        return True

    dropped = {}
    for spec in LANGUAGES:
        patterns = clone_patterns(spec)
        kept = [p for p in patterns if possible(ts_language(spec.name), p)]
        assert clone_query(spec).pattern_count == len(kept)
        dropped[spec.name] = len(patterns) - len(kept)
    assert dropped["csharp"] >= 1
