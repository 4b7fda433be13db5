"""The query parser: alternation, grep and regex habits, definition words, refusals."""

import pytest

from codeindex.query import parse_query
from codeindex.query_syntax import QueryError, split_alternatives


def alternatives(text: str, **kwargs) -> list[str]:
    return [alternative.text for alternative in parse_query(text, **kwargs).alternatives]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("user", ["user"]),
        ("User\\|Auth\\|Session", ["User", "Auth", "Session"]),
        ("User|Auth|Session", ["User", "Auth", "Session"]),
        ("create\\|update\\|delete", ["create", "update", "delete"]),
        ("API\\|endpoint", ["API", "endpoint"]),
        ("a | b|a", ["a", "b"]),  # spaces trimmed, duplicates dropped
        ("user|", ["user"]),  # empty alternatives dropped
        ("(get|set)_user", ["get_user", "set_user"]),
        ("\\(get\\|set\\)_user", ["get_user", "set_user"]),  # grep's basic syntax
        ("x(a|b)y|z", ["xay", "xby", "z"]),
        ("(?i)user", ["user"]),
        ("parse()", ["parse"]),
        ("def parse(", ["def parse"]),
        # literal quotes, as an MCP client or nested shell quoting sends the README's examples
        ('"pars*"', ["pars*"]),
        ("'\"class User\"'", ["class User"]),
        ('"def parse("', ["def parse"]),
        ('"User"|"Auth"', ["User", "Auth"]),
        ('"(get|set)_user"', ["get_user", "set_user"]),
        ('"user', ['"user']),  # unmatched: kept, and refused later as no name
    ],
)
def test_split_alternatives(text: str, expected: list[str]) -> None:
    assert split_alternatives(text) == expected


def test_each_alternative_is_a_full_query_with_its_own_filters() -> None:
    parsed = parse_query("user kind:class|pars* lang:go|rate limiting", languages=["py", "go"])
    first, second, third = parsed.alternatives
    assert first.kinds == {"class"} and first.languages == {"python", "go"}
    assert second.languages == {"go"} and second.words == ()  # a wildcard
    assert [tier.name for tier in second.tiers] == ["prefix", "subword_prefix"]
    assert third.words == ("rate", "limiting")


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("class User", {"class"}),
        ("def parse", {"function", "method", "constructor"}),
        ("async def parse", {"function", "method", "constructor"}),
        ("func Handler", {"function", "method"}),
        ("pub fn new", {"function", "method"}),
        ("interface Repo", {"interface"}),
        ("struct Point", {"struct"}),
        ("trait Display", {"trait"}),
        ("enum Color", {"enum"}),
        ("export class Store", {"class"}),
        ("class User:", {"class"}),
        ("def\\s+parse", {"function", "method", "constructor"}),
    ],
)
def test_a_leading_definition_word_filters_by_kind(text: str, kinds: set[str]) -> None:
    (parsed,) = parse_query(text).alternatives
    assert parsed.kinds == kinds
    assert len(parsed.tiers[0].groups) == 1  # the name alone is searched


def test_definition_words_in_a_phrase_stay_words() -> None:
    (parsed,) = parse_query("type of the file").alternatives
    assert parsed.kinds == frozenset()
    assert parsed.words == ("type", "of", "the", "file")
    (alone,) = parse_query("class").alternatives  # a name, not a filter
    assert alone.kinds == frozenset()


def test_definition_word_and_kind_option_must_agree() -> None:
    assert parse_query("def parse", kinds=["method"]).alternatives[0].kinds == {"method"}
    with pytest.raises(QueryError, match="different kinds"):
        parse_query("class User", kinds=["function"])


def test_inline_filters_narrow_the_options() -> None:
    # docs/search.md: a match must satisfy both (probe: `user kind:class --kind function`
    # listed classes and functions).
    (both,) = parse_query("user kind:class", kinds=["class", "function"]).alternatives
    assert both.kinds == {"class"}
    (lang,) = parse_query("user lang:ts", languages=["ts", "py"]).alternatives
    assert lang.languages == {"typescript", "tsx"}
    (paths,) = parse_query("user path:src/", paths=["tests/"]).alternatives
    assert paths.paths == (("tests/",), ("src/",))  # a file must match both groups
    with pytest.raises(QueryError, match="narrow the options"):
        parse_query("user kind:class", kinds=["function"])
    with pytest.raises(QueryError, match="narrow the options"):
        parse_query("user lang:py", languages=["go"])
    with pytest.raises(QueryError, match="unknown kind"):
        parse_query("user kind:widget", kinds=["class"])


def test_short_sub_words_stay_as_typed_in_the_typo_tiers() -> None:
    fuzzy = [c for c in clauses("get_querset") if c[0] == "fuzzy"]
    assert fuzzy == [
        ("fuzzy", "parts", "term", "get"),
        ("fuzzy", "parts", "fuzzy", "querset"),
        ("fuzzy", "name", "fuzzy", "get_querset"),
    ]
    assert [c for c in clauses("usr") if c[0] == "fuzzy"] == []


def clauses(text: str) -> list[tuple[str, str, str, str]]:
    (parsed,) = parse_query(text).alternatives
    return [
        (tier.name, clause.field, clause.op, clause.value)
        for tier in parsed.tiers
        for group in tier.groups
        for clause in group
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("^get", [("prefix", "name", "prefix", "get")]),
        ("user$", [("prefix", "name", "wildcard", "*user")]),
        ("^User$", [("exact", "name", "term", "user")]),
        ("get_.*", [("prefix", "name", "prefix", "get_")]),
        ("^get.*user$", [("prefix", "name", "wildcard", "get*user")]),
        (
            "get\\w+",
            [("prefix", "name", "prefix", "get")] + [("subword_prefix", "parts", "prefix", "get")],
        ),
        (
            "\\bparse\\b",
            [("exact", "name", "term", "parse")] + [("prefix", "name", "prefix", "parse")],
        ),
    ],
)
def test_regex_habits_become_name_patterns(text: str, expected: list[tuple]) -> None:
    assert clauses(text)[: len(expected)] == expected


def test_patterns_do_not_search_docs() -> None:
    for text in ("^get", "user$", "get_*", "get.*user"):
        assert parse_query(text).alternatives[0].words == ()
    # An identifier alone asks for that name; words are also looked up in docs.
    assert parse_query("delete_user").alternatives[0].words == ()
    assert parse_query("user").alternatives[0].words == ("user",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user[0-9]", "regex syntax"),
        ("a{2}", "regex syntax"),
        ("get\\d", "regex syntax"),
        ("a+b", "regex syntax"),
        ("(get|set", "unbalanced"),
        ("ge^t", "anchor"),
        ("|", "empty query"),
        ("kind:class", "no name"),
        ("**", "wildcard"),
        ("|".join(f"n{i}" for i in range(40)), "alternatives"),
    ],
)
def test_other_regex_syntax_is_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text)
