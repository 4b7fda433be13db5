import pytest

from codeindex.api import CodeIndex, UsageError

SOURCES = {
    "app/users.py": (
        "class UserService:\n"
        "    def get_user(self, user_id):\n"
        "        pass\n"
        "\n"
        "def user():\n"
        "    pass\n"
        "\n"
        "def username_of(u):\n"
        "    pass\n"
        "\n"
        "USER_ID = 3\n"
        "def load_USER_ID():\n"
        "    pass\n"
    ),
    "app/parse.py": (
        "def parse():\n    pass\n\ndef parser_for(x):\n    pass\n\n"
        "class ArgumentParser:\n    pass\n"
    ),
    "web/client.ts": (
        "export function fetchUser(userId: string) { return userId; }\n"
        "export class UserStore {\n  getUserId(): number { return 1; }\n}\n"
    ),
    "tests/test_users.py": "def test_user():\n    pass\n",
}


@pytest.fixture
def code_index(indexed) -> CodeIndex:
    return indexed(SOURCES)


def ranked(code_index: CodeIndex, query: str, **kwargs) -> list[str]:
    return [hit.symbol.qualified_name for hit in code_index.search(query, **kwargs).hits]


def test_identifier_aware_matching_finds_every_style(code_index: CodeIndex) -> None:
    found = set(ranked(code_index, "user", limit=50))
    assert {
        "user",
        "UserService",
        "UserService.get_user",
        "fetchUser",
        "UserStore",
        "UserStore.getUserId",
        "load_USER_ID",
        "test_user",
    } <= found


def test_ranking_exact_then_prefix_then_subword_then_fuzzy(code_index: CodeIndex) -> None:
    result = code_index.search("user", limit=50)
    order = [hit.symbol.qualified_name for hit in result.hits]
    scores = {hit.symbol.qualified_name: hit.score for hit in result.hits}
    assert order[0] == "user"
    # prefix tier: names starting with "user", shorter first
    assert order.index("UserStore") < order.index("UserService") < order.index("username_of")
    assert scores["user"] > scores["UserStore"] > scores["fetchUser"]
    assert scores["username_of"] > scores["fetchUser"]
    assert result.total == len(order)


def test_case_insensitive_and_exact_beats_longer(code_index: CodeIndex) -> None:
    assert ranked(code_index, "PARSE")[0] == "parse"
    assert ranked(code_index, "argumentparser") == ["ArgumentParser"]


def test_prefix_queries(code_index: CodeIndex) -> None:
    assert ranked(code_index, "pars*")[:2] == ["parse", "parser_for"]
    assert "ArgumentParser" in ranked(code_index, "pars*")  # sub-word prefix, ranked after
    assert ranked(code_index, "get_*") == ["UserService.get_user"]


def test_fuzzy_one_typo(code_index: CodeIndex) -> None:
    assert "UserService" in ranked(code_index, "servise")
    assert ranked(code_index, "zzzzzz") == []


def test_multi_word_query_ranks_names_with_every_word_first(code_index: CodeIndex) -> None:
    found = ranked(code_index, "get user")
    assert found[:2] == ["UserService.get_user", "UserStore.getUserId"]
    assert "UserService" in found[2:]  # one word of two: ranked after, not left out


def test_filters_language_kind_path(code_index: CodeIndex) -> None:
    assert ranked(code_index, "user", languages=["ts"]) == [
        "UserStore",
        "fetchUser",
        "UserStore.getUserId",
    ]
    assert ranked(code_index, "user", kinds=["class"]) == ["UserStore", "UserService"]
    assert ranked(code_index, "user", paths=["tests/"]) == ["test_user", "tests.test_users"]
    assert ranked(code_index, "user kind:method lang:py") == ["UserService.get_user"]
    assert ranked(code_index, "user", paths=["nothing/"]) == []


def test_limit_and_total(code_index: CodeIndex) -> None:
    result = code_index.search("user", limit=2)
    assert len(result.hits) == 2
    assert result.total > 2


@pytest.mark.parametrize(
    ("query", "kwargs", "message"),
    [
        ("", {}, "empty query"),
        ("user", {"limit": 0}, "limit"),
        ("user", {"languages": ["cobol"]}, "unknown language"),
        ("user kind:widget", {}, "unknown kind"),
        ("**", {}, "wildcard"),
    ],
)
def test_bad_queries_raise_usage_errors(code_index: CodeIndex, query, kwargs, message) -> None:
    with pytest.raises(UsageError, match=message):
        code_index.search(query, **kwargs)


def test_outline_and_show(code_index: CodeIndex) -> None:
    outline = code_index.outline("app/users.py")
    assert [s.qualified_name for s in outline][:2] == ["UserService", "UserService.get_user"]
    shown = code_index.show("UserService.get_user")
    assert len(shown) == 1
    assert shown[0].source.startswith("    def get_user(self, user_id):")
    with pytest.raises(UsageError, match="outside the project root"):
        code_index.outline("../../etc/passwd")


def test_typo_tier_counts_a_transposition_as_one_edit(indexed) -> None:
    code_index = indexed({"m.py": "def receive_all():\n    pass\n\ndef deceive():\n    pass\n"})
    assert [h.symbol.name for h in code_index.search("recieve").hits] == ["receive_all"]


def test_a_dollar_before_the_end_of_a_word_is_a_letter_of_the_name(indexed) -> None:
    code_index = indexed(
        {
            "a.ts": "export function $getRoot() { return 1; }\n"
            "export function has$inside() { return 2; }\n"
            "export function append() { return 3; }\n"
        }
    )

    def names(query: str) -> list[str]:
        return [h.symbol.name for h in code_index.search(query).hits]

    assert names("$getRoot") == ["$getRoot"]
    assert names("has$inside") == ["has$inside"]
    assert names("$get*") == ["$getRoot"]
    # At the end it still anchors: names ending that way.
    assert names("pend$") == ["append"]


def test_search_on_an_index_with_no_symbols(indexed) -> None:
    code_index = indexed({"README.txt": "nothing to index"})
    result = code_index.search("user")
    assert (result.total, result.hits) == (0, [])


def test_show_counts_lines_as_the_parser_does(indexed) -> None:
    code_index = indexed({"ff.py": "x = 1\n\x0c\r\ndef after_form_feed():\r\n    return 2\r\n"})
    (shown,) = code_index.show("after_form_feed")
    assert shown.source == "def after_form_feed():\n    return 2"


def test_typo_tier_sees_words_added_by_later_commits(indexed) -> None:
    code_index = indexed({"a.py": "def receive_all():\n    pass\n"})
    assert [h.symbol.name for h in code_index.search("recieve").hits] == ["receive_all"]
    (code_index.root / "b.py").write_text("def transmit_all():\n    pass\n")
    code_index.refresh()
    assert [h.symbol.name for h in code_index.search("trasnmit").hits] == ["transmit_all"]
    (code_index.root / "a.py").unlink()
    code_index.refresh()
    assert code_index.search("recieve").hits == []


def test_block_postings_read_the_same_documents_as_whoosh(indexed) -> None:  # type: ignore[no-untyped-def]
    # postings_docs reads Whoosh's posting blocks itself: it must agree with Whoosh's own
    # matchers on every term and prefix, across segments and with deleted documents.
    from whoosh import query

    from codeindex.storage.search import postings_docs

    files = {
        f"pkg/m{i}.py": f"def get_user_{i}():\n    pass\n\nclass User{i}:\n    pass\n"
        for i in range(60)
    }
    code_index = indexed(files)
    for i in range(0, 60, 7):  # a second segment, and deletions in the first
        (code_index.root / f"pkg/m{i}.py").write_text(f"def set_user_{i}():\n    pass\n")
    code_index.refresh(merge=False)
    searcher = code_index._store.searcher()
    assert searcher.subsearchers and searcher.reader().has_deletions()
    checked = 0
    for field in ("name", "parts", "facet", "path"):
        for word in list(searcher.reader().lexicon(field)):
            text = word.decode("utf-8")
            for prefix, wanted in (
                (False, query.Term(field, text)),
                (True, query.Prefix(field, text[:2])),
            ):
                shown = set(searcher.docs_for_query(wanted))
                assert postings_docs(searcher, field, text[:2] if prefix else text, prefix) == shown
                checked += 1
    assert checked > 200


def test_words_one_edit_away_are_found_in_a_length_slice_as_in_the_whole_vocabulary() -> None:
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    from codeindex.storage.vocabulary import ByLength

    # Many words one edit from "get" (more than the limit), of lengths 2 to 4, in an order
    # that is not by length: the slice must pick and order them as the whole list would.
    vocabulary = [
        w
        for stem in ("get", "gte", "et", "gets", "sget", "pet", "git", "ge")
        for w in (stem, stem + "x", "x" + stem)
    ]
    vocabulary += ["getter", "target", "g", "gett"]
    by_length = ByLength(vocabulary)
    for word, limit in (("get", 5), ("get", 100), ("gett", 3), ("zz", 10), ("", 10)):
        whole = process.extract(word, vocabulary, scorer=OSA.distance, score_cutoff=1, limit=limit)
        assert by_length.within_one_edit(word, limit) == [text for text, _, _ in whole]


DOTTED = {
    "allauth/core/ratelimit.py": (
        "def consume(request):\n    pass\n\ndef consume_or_429():\n    pass\n"
    ),
    "allauth/mfa/totp.py": "def consume(code):\n    pass\n",
    "loaders.py": (
        "class Loader:\n    def parse(self):\n        pass\n"
        "    def parse_all(self):\n        pass\n"
        "class Writer:\n    def parse(self):\n        pass\n"
    ),
    "src/vec.rs": "pub struct Vec {}\nimpl Vec {\n    pub fn new() -> Vec { Vec {} }\n}\n"
    "pub fn new() {}\n",
}


def test_a_dotted_name_searches_its_last_part_in_that_scope(indexed) -> None:
    # How agents name what they look for: `Loader.parse`, `ratelimit.consume`, `Vec::new`.
    code_index = indexed(DOTTED)

    def places(query: str) -> list[tuple[str, str]]:
        return [(h.symbol.path, h.symbol.qualified_name) for h in code_index.search(query).hits]

    assert places("Loader.parse") == [
        ("loaders.py", "Loader.parse"),
        ("loaders.py", "Loader.parse_all"),
    ]
    assert places("ratelimit.consume") == [
        ("allauth/core/ratelimit.py", "consume"),
        ("allauth/core/ratelimit.py", "consume_or_429"),
    ]
    assert places("core.ratelimit.consume_or_429") == [
        ("allauth/core/ratelimit.py", "consume_or_429")
    ]
    assert places("Vec::new") == [("src/vec.rs", "Vec.new")]
    assert places("totp.consume|Writer.parse") == [
        ("allauth/mfa/totp.py", "consume"),
        ("loaders.py", "Writer.parse"),
    ]
    # A file name finds the file.
    assert places("ratelimit.py") == [("allauth/core/ratelimit.py", "allauth.core.ratelimit")]
    # Nothing in that scope: the note says where the name is.
    missed = code_index.search("os.path.consume")
    assert missed.hits == []
    assert "'consume' 2 in other scopes" in missed.note


def test_library_exact_and_prefix_matches_come_before_tests(indexed) -> None:
    # Django: twelve test models named `User` filled the first page before `UserAdmin`.
    code_index = indexed(
        {
            "auth/models.py": "class User:\n    pass\n\nclass UserManager:\n    pass\n",
            "auth/admin.py": "class UserAdmin:\n    pass\n\ndef get_user():\n    pass\n",
            "tests/models.py": "class User:\n    pass\n\nclass UserProxy:\n    pass\n",
        }
    )
    found = [(h.symbol.path, h.symbol.name) for h in code_index.search("user").hits]
    assert found[:5] == [
        ("auth/models.py", "User"),
        ("auth/admin.py", "UserAdmin"),
        ("auth/models.py", "UserManager"),
        ("tests/models.py", "User"),
        ("tests/models.py", "UserProxy"),
    ]
    assert found[5] == ("auth/admin.py", "get_user")  # sub-word matches after both


def test_a_deleted_name_is_no_nearest_name(project) -> None:
    # The agent deleted its helper; a search for it must not suggest the name it just removed
    # (a segment keeps its words until a merge).
    root = project(
        {
            "app/helpers.py": "def fresh_agent_helper(x):\n    return x\n",
            "app/other.py": "def fresh_agent_helpers(x):\n    return x\n",
        }
    )
    code_index = CodeIndex.open(root)
    code_index.refresh()
    (root / "app" / "helpers.py").unlink()
    code_index.refresh()
    note = code_index.search("fresh_agent_helper", kinds=["class"]).note
    nearest = note.partition("nearest names: ")[2].partition(";")[0].split(", ")
    assert nearest == ["fresh_agent_helpers"]


def test_a_typo_next_to_short_sub_words_finds_the_name(indexed) -> None:
    # Django: `get_querset`, `is_autenticated`, `format_html_jon` found nothing, as the
    # typo tier needed every sub-word to have 4+ letters.
    code_index = indexed(
        {
            "m.py": "def get_queryset():\n    pass\n\ndef is_authenticated():\n    pass\n\n"
            "def format_html_json():\n    pass\n\ndef get_user():\n    pass\n\n"
            "def shot_written_0():\n    pass\n",
        }
    )
    assert ranked(code_index, "get_querset") == ["get_queryset"]
    assert ranked(code_index, "shot_written_1") == []  # another name, not a typo
    assert ranked(code_index, "is_autenticated") == ["is_authenticated"]
    assert ranked(code_index, "format_html_jon") == ["format_html_json"]


def test_total_does_not_depend_on_the_limit(indexed) -> None:
    # Django's `user`: total 1064 at --limit 20 and 1196 at 1000, the difference one edit
    # away (`auser`, `USE_TZ`), looked for only while the page had room.
    code_index = indexed(
        {
            "m.py": "def user():\n    pass\n\ndef get_user():\n    pass\n\n"
            "def auser():\n    pass\n\nUSE_TZ = True\n",
        }
    )
    totals = {limit: code_index.search("user", limit=limit).total for limit in (1, 2, 50)}
    assert totals == {1: 2, 2: 2, 50: 2}
    assert ranked(code_index, "user", limit=50) == ["user", "get_user"]
    assert ranked(code_index, "usre", limit=50)[:1] == ["user"]  # no name as typed: typos


def test_quoted_queries_mean_the_same_as_without_quotes(code_index: CodeIndex) -> None:
    for text in ("pars*", "^get", "user$", "def parse(", "class User", "user kind:class"):
        assert ranked(code_index, f'"{text}"') == ranked(code_index, text), text
    assert ranked(code_index, "'UserService'") == ["UserService"]


def test_inline_filters_and_options_must_both_hold(code_index: CodeIndex) -> None:
    assert ranked(code_index, "user path:app/", paths=["tests/"]) == []
    assert ranked(code_index, "user path:app/", paths=["app/users.py"])[:1] == ["user"]
    assert ranked(code_index, "user lang:py", kinds=["class"]) == ["UserService"]
    with pytest.raises(UsageError, match="narrow the options"):
        code_index.search("user kind:method", kinds=["class"])


def test_the_no_match_note_names_what_can_be_pasted_back(indexed) -> None:
    # Nearest names came case-folded (`parsegraphqlrequest`); `user --path nothing/`
    # suggested `user`; a 20,000-character query came back whole.
    code_index = indexed(
        {"m.py": "class ParseGraphQLRequest:\n    pass\n\ndef user():\n    pass\n"}
    )
    assert "nearest names: ParseGraphQLRequest" in code_index.search("ParseGrxxQLRequest").note
    filtered = code_index.search("user", paths=["nothing/"]).note
    assert "nearest names" not in filtered and "1 without them" in filtered
    assert len(code_index.search("zzqx " * 4000).note) < 400
