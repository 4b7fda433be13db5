"""Search the way agents ask (issue 17): the seed commands on a small Django-like project,
through the real CLI; words in docs; library before tests; the no-match hint."""

import json
from pathlib import Path

import pytest

from codeindex.api import CodeIndex
from codeindex.classify import classify
from tests.conftest import run_cli

DJANGO_LIKE = {
    "myapp/auth/models.py": (
        "class User:\n"
        '    """A person who can log in."""\n'
        "    def get_username(self):\n        return self.username\n\n"
        "class AnonymousUser:\n    pass\n\n"
        "class Permission:\n    pass\n"
    ),
    "myapp/auth/backends.py": (
        "class ModelBackend:\n"
        "    def authenticate(self, request, username=None, password=None):\n"
        '        """Check the credentials and return a user."""\n'
        "        return None\n\n"
        "def get_user(request):\n    return None\n"
    ),
    "myapp/sessions/base.py": (
        "class SessionBase:\n"
        "    def create(self):\n        pass\n\n"
        "    def update(self, data):\n        pass\n\n"
        "    def delete(self, session_key=None):\n        pass\n"
    ),
    "myapp/api/views.py": (
        "class APIView:\n    pass\n\n"
        "def api_root(request):\n"
        '    """List every endpoint of the service."""\n'
        "    return None\n\n"
        "def register_endpoint(path, view):\n    return None\n"
    ),
    "myapp/core/ratelimit.py": (
        "def rate_limit(request, key, amount):\n"
        '    """Refuse a request once it passes the allowed amount."""\n'
        "    return True\n\n"
        "def rate_limit_ipv6_prefix():\n"
        '    """For rate limiting purposes, IPv6 addresses are truncated."""\n'
        "    return 64\n\n"
        "def consume(request, action):\n"
        '    """Limit login attempts: count one attempt against the rate."""\n'
        "    return True\n"
    ),
    "myapp/text.py": (
        "def dedent(text):\n"
        '    """Remove any common leading whitespace from every line in `text`.\n\n'
        '    Lines that consist solely of whitespace are normalized."""\n'
        "    return text\n"
    ),
    "tests/test_auth.py": (
        "class UserTests:\n    def test_user(self):\n        pass\n\n"
        "def dedent(s):\n    return s\n\n"
        "def create_user():\n    pass\n"
    ),
}

SEED_COMMANDS = {
    "user": ["user"],
    "User\\|Auth\\|Session": ["user", "auth", "session"],
    "create\\|update\\|delete": ["create", "update", "delete"],
    "API\\|endpoint": ["api", "endpoint"],
}


@pytest.fixture
def root(project) -> Path:
    return project(DJANGO_LIKE)


def search_json(root: Path, *args: str) -> dict:
    result = run_cli(*args, "--json", cwd=root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_seed_commands_show_every_alternative(root: Path) -> None:
    for query, words in SEED_COMMANDS.items():
        data = search_json(root, query, "--type", "py")
        shown = [f"{hit['qualified_name']} {hit['doc']}".lower() for hit in data["results"]]
        for word in words:
            assert any(word in text for text in shown), (query, word, shown)
        assert data["total"] >= len(words)


def test_alternation_interleaves_and_counts_the_union(root: Path) -> None:
    data = search_json(root, "create|update|delete", "--limit", "3")
    assert [hit["name"] for hit in data["results"]] == ["create", "update", "delete"]
    both = search_json(root, "User|User")  # the same alternative twice counts once
    assert both["total"] == search_json(root, "User")["total"]
    union = search_json(root, "dedent|rate_limit")
    assert union["total"] == 4  # two dedent functions, rate_limit, rate_limit_ipv6_prefix


def test_library_code_ranks_before_tests_and_tests_can_be_left_out(root: Path) -> None:
    data = search_json(root, "dedent")
    assert [hit["path"] for hit in data["results"]] == ["myapp/text.py", "tests/test_auth.py"]
    names = [hit["qualified_name"] for hit in search_json(root, "user", "--limit", "50")["results"]]
    assert names.index("User") < names.index("UserTests")
    kept = search_json(root, "user", "--tests", "exclude", "--limit", "50")["results"]
    assert kept and all(not hit["path"].startswith("tests/") for hit in kept)
    only = search_json(root, "user", "--tests", "only")["results"]
    assert only and all(hit["path"].startswith("tests/") for hit in only)


def test_words_find_docs_and_rank_rather_than_filter(root: Path) -> None:
    found = search_json(root, "remove common indentation from text")["results"]
    assert found[0]["qualified_name"] == "dedent" and found[0]["path"] == "myapp/text.py"
    assert found[0]["doc"] == "Remove any common leading whitespace from every line in `text`."
    assert found[0]["match"] == "doc"
    assert search_json(root, "rate limiting")["results"][0]["name"] == "rate_limit"
    assert search_json(root, "limit login attempts")["results"][0]["name"] == "consume"
    text = run_cli("remove common indentation", cwd=root).stdout.splitlines()[0]
    assert text.endswith("-- Remove any common leading whitespace from every line in `text`.")


def test_a_name_with_every_word_ranks_above_doc_matches(indexed) -> None:
    code_index: CodeIndex = indexed(
        {
            "a.py": 'def helper():\n    """Parse the date from a header."""\n',
            "b.py": "def parse_date(text):\n    pass\n",
        }
    )
    hits = code_index.search("parse date").hits
    assert [hit.symbol.name for hit in hits] == ["parse_date", "helper"]
    assert hits[0].score > hits[1].score


def test_nothing_matched_says_so_on_stderr(root: Path) -> None:
    result = run_cli("zzqx\\|rate_lmt", "--type", "py", cwd=root)
    assert (result.returncode, result.stdout) == (0, "")
    (line,) = result.stderr.splitlines()
    assert line.startswith("code-index: nothing matched")
    assert "'zzqx' 0" in line and "rate_limit" in line  # counts alone; nearest names
    data = search_json(root, "^zzqx")
    assert data["results"] == [] and "nothing matched" in data["note"]


def test_regex_syntax_it_cannot_honour_is_refused(root: Path) -> None:
    result = run_cli("user[0-9]", cwd=root)
    assert result.returncode == 2
    assert "regex syntax" in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("django/contrib/auth/models.py", "library"),
        ("tests/auth_tests/test_views.py", "test"),
        ("pkg/views_test.py", "test"),
        ("conftest.py", "test"),
        ("src/server/handler_test.go", "test"),
        ("src/testing/testing.go", "library"),  # Go's testing package
        ("web/app.test.ts", "test"),
        ("web/app.spec.tsx", "test"),
        ("Assets/UniTask/Runtime/Linq/CombineLatest.cs", "library"),
        ("src/Foo.Tests/ParserTests.cs", "test"),
        ("src/Core/ParserTests.cs", "test"),
        ("UnitTests/Parser.cs", "test"),
        ("src/latest/contest.py", "library"),
        ("tests/fixtures/sample.py", "fixture"),
        ("go/pkg/testdata/x.go", "fixture"),
        ("pip/_vendor/requests/api.py", "vendored"),
        ("web/node_modules/lib/tests/a.test.ts", "vendored"),
        ("proto/user_pb2.py", "generated"),
        ("api/user.pb.go", "generated"),
        ("Forms/Main.Designer.cs", "generated"),
        ("dist/index.d.ts", "generated"),
        ("dist/core-CzDUc5m2.d.mts", "generated"),
        ("src/router.ts", "library"),
        ("src/d.ts", "library"),
        ("clap/examples/find.rs", "example"),
        ("docs_src/body_multiple_params/tutorial002.py", "example"),
        ("examples/tests/test_demo.py", "test"),
        ("go/doc/reader.go", "library"),
        ("library/core/src/fmt/tests.rs", "test"),  # `#[cfg(test)] mod tests;`
        ("rayon/src/iter/test.rs", "test"),  # `#[cfg(test)] mod test;`
        ("src/contest.rs", "library"),
        ("src/attests.rs", "library"),
        ("portable-simd/crates/test_helpers/src/lib.rs", "test"),  # a dev-dependency crate
        ("internal/testutil/server.go", "test"),
        ("net/http/httptest/server.go", "library"),  # programs import it too
    ],
)
def test_classify_paths(path: str, expected: str) -> None:
    assert classify(path) == expected


def test_a_packages_sources_rank_before_its_emitted_declarations(indexed) -> None:
    # @trpc/server's layout: the interface in src/, again in the dist/ declaration bundles.
    interface = "export interface Router<TRoot> {\n  root: TRoot;\n}\n"
    code_index: CodeIndex = indexed(
        {
            "dist/core-CzDUc5m2.d.mts": interface,
            "dist/core-Db2TnFh8.d.cts": interface,
            "src/router.ts": interface,
        }
    )
    hits = code_index.search("Router", languages=["ts"]).hits
    assert [hit.symbol.path for hit in hits][:1] == ["src/router.ts"]


def test_an_undefined_name_says_where_it_appears_and_what_its_words_name(indexed) -> None:
    code_index: CodeIndex = indexed(
        {
            "app_settings.py": "class AppSettings:\n    @property\n    def RATE_LIMITS(self):\n"
            "        return {}\n\n\ndef account_adapter():\n    pass\n",
            "views.py": "from django.conf import settings\n\n\ndef login(request):\n"
            "    return settings.ACCOUNT_RATE_LIMITS['login']\n",
            "test_views.py": "def test_limit(settings):\n"
            "    settings.ACCOUNT_RATE_LIMITS = {'login': '1/m'}\n",
            "web.ts": "export function account(): void {}\n",
        }
    )
    result = code_index.search("ACCOUNT_RATE_LIMITS")
    assert result.hits == []
    assert "names made of its words: AppSettings.RATE_LIMITS;" in result.note
    where = "'ACCOUNT_RATE_LIMITS' appears in 2 files: see `refs ACCOUNT_RATE_LIMITS`"
    assert result.note.endswith(where)
    # a definition word is a filter, not a word searched for (`function debounce` counted
    # `'function' 180` alone and lost this hint)
    defined = code_index.search("function ACCOUNT_RATE_LIMITS").note
    assert "'function'" not in defined and defined.endswith(where)
    assert "alone" not in code_index.search("class account_adapter").note
    assert "(1 without them)" in code_index.search("class account_adapter").note
    # only the languages asked for; a word shared with one name is not a name made of its words
    note = code_index.search("ACCOUNT_RATE_LIMITS", languages=["ts"]).note
    assert "appears in" not in note and "made of its words" not in note


def test_library_code_ranks_before_example_programs(indexed) -> None:
    # FastAPI's layout: a thousand tutorial files under docs_src/, each with its own `User`.
    tutorial = "from pydantic import BaseModel\n\n\nclass User(BaseModel):\n    name: str\n"
    files = {f"docs_src/tutorial{i:03}.py": tutorial for i in range(12)}
    files["fastapi/security/users.py"] = "class UserStore:\n    pass\n"
    code_index: CodeIndex = indexed(files)
    hits = code_index.search("user", languages=["py"]).hits
    assert hits[0].symbol.path == "fastapi/security/users.py"


def test_words_rank_library_code_before_tests_whose_names_hold_them(indexed) -> None:
    # Django's `escape html`: eleven `test_*_html_escaping` methods came before
    # django.utils.html.escape, whose name holds one word and whose path the other.
    files = {
        "lib/html.py": 'def escape(text):\n    """Replace special characters."""\n',
        "tests/test_views.py": "def test_html_escaping():\n    pass\n\n"
        "def test_escaped_html_errors():\n    pass\n",
    }
    code_index: CodeIndex = indexed(files)
    hits = code_index.search("escape html").hits
    # library first across the text tier, even where it matches fewer of the words
    assert [hit.symbol.qualified_name for hit in hits] == [
        "escape",
        "lib.html",
        "test_html_escaping",
        "test_escaped_html_errors",
    ]


def test_rust_unit_tests_inside_a_library_file_rank_as_tests(indexed) -> None:
    # clap's value_parser.rs: `#[cfg(test)] mod test { fn parse(...) }` ranked first.
    source = (
        "pub fn parse(text: &str) -> usize {\n    text.len()\n}\n\n"
        "#[cfg(test)]\nmod test {\n    fn parse(_: &str) -> usize {\n        0\n    }\n}\n"
    )
    code_index: CodeIndex = indexed({"src/value_parser.rs": source})
    hits = code_index.search("parse", languages=["rust"]).hits
    assert [hit.symbol.qualified_name for hit in hits][:2] == ["parse", "test.parse"]
    only = code_index.search("parse", languages=["rust"], tests="exclude").hits
    assert "test.parse" not in [hit.symbol.qualified_name for hit in only]


def test_rust_code_its_attributes_mark_as_tests_ranks_as_tests(indexed) -> None:
    # rayon's range.rs ends with `#[test] fn test_issue_833`; a `#[cfg(test)]` module may
    # have any name; rayon-core's thread_pool/test.rs-like files open with `#![cfg(test)]`.
    source = (
        "pub fn parse(text: &str) -> usize {\n    text.len()\n}\n\n"
        '#[test]\nfn parse_empty() {\n    assert_eq!(parse(""), 0);\n}\n\n'
        "#[cfg(test)]\nmod checks {\n    fn parse_twice() {}\n}\n"
    )
    files = {"src/range.rs": source, "src/pool.rs": "#![cfg(test)]\nfn parse_pool() {}\n"}
    code_index: CodeIndex = indexed(files)
    every = code_index.search("parse", languages=["rust"]).hits
    assert [hit.symbol.qualified_name for hit in every][0] == "parse"
    assert len(every) == 4
    library = code_index.search("parse", languages=["rust"], tests="exclude").hits
    assert [hit.symbol.qualified_name for hit in library] == ["parse"]
