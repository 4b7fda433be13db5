"""Code strings (clones.encode) from real parses: which tokens count as locals, members,
operators and the unit's own name."""

from __future__ import annotations

import textwrap

from codeindex.clones import snippet
from codeindex.clones.encode import LOCAL_BASE, NAME_CODE, text_hash


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
