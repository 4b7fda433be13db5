"""References (codeindex.refs): golden sites per language, the CLI and MCP answers, narrowing
by receiver, and freshness through the watcher."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest
from conftest import outline_of, run_cli, write_files
from regen_refs_golden import GOLDEN, golden_references, render

import codeindex.refs as refs_package
from codeindex.api import CodeIndex, UsageError
from codeindex.extract import extract
from codeindex.languages import spec_by_name
from codeindex.refs import cache as refs_cache
from codeindex.refs import file_blob, split_name, words_of
from codeindex.refs.blob import Outline, encode_outline
from codeindex.refs.cache import CACHE_DIR
from codeindex.refs.regions import occurrences
from codeindex.refs.verify import BIG_REGION, sites
from codeindex.watcher import Watcher

VIEWS = (
    "from allauth.core import ratelimit\n"
    "from allauth.core.ratelimit import consume, rate_limit\n"
    "\n"
    "\n"
    "@rate_limit(action='login')\n"
    "def login(request):\n"
    "    # consume in a comment, and 'consume' in a string, are not uses\n"
    "    consume(request, 'consume')\n"
    "    return ratelimit.consume(request, 'x')\n"
)
RATELIMIT = (
    "ACCOUNT_RATE_LIMITS = {'login': '30/m/ip'}\n"
    "\n"
    "\n"
    "def consume(request, action):\n"
    "    return ACCOUNT_RATE_LIMITS.get(action)\n"
    "\n"
    "\n"
    "def rate_limit(action):\n"
    "    return lambda view: view\n"
)
PROJECT = {"allauth/views.py": VIEWS, "allauth/core/ratelimit.py": RATELIMIT}


def test_golden_references_in_every_language() -> None:
    # Calls, decorators/attributes, imports and type uses in Python, TypeScript, Go, Rust
    # and C#; comments, strings and definitions never count. Regenerate with
    # tests/regen_refs_golden.py and review the diff line by line.
    assert render(golden_references()) == GOLDEN.read_text(encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    languages = {Path(row[0]).suffix for rows in golden.values() for row in rows}
    assert languages == {".py", ".ts", ".go", ".rs", ".cs"}


def test_a_files_words_are_space_delimited_identifier_runs() -> None:
    words = words_of("x = größe + get_user(1) # 2nd\n".encode())
    assert sorted(words.split()) == sorted(
        w.encode() for w in ("x", "größe", "get_user", "1", "2nd")
    )
    assert words.startswith(b" ") and words.endswith(b" ") and b" get_user " in words
    assert words_of(b"  ") == b""


def _line_starts(source: bytes) -> list[int]:
    """Where each 1-based line starts, at index line - 1, then the size."""
    return [0] + [i + 1 for i, byte in enumerate(source) if byte == 0x0A] + [len(source)]


def test_the_refs_blob_holds_the_words_then_an_outline_of_the_definitions() -> None:
    source = (
        b"LIMIT = 1\n"
        b"\n"
        b"@cached\n"
        b"class Loader:\n"
        b"    def parse(self):\n"
        b"        return LIMIT\n"
        b"\n"
        b"run(Loader)\n"
    )
    extraction = extract(source, spec_by_name("python"), "pkg/loader.py")
    blob = file_blob(extraction)
    words, _, encoded = blob.partition(b"\n")  # storage keeps the two parts apart
    assert words == words_of(source)
    outline = Outline.decode(encoded)
    starts = _line_starts(source)
    method = outline.innermost(source.index(b"LIMIT\n"))
    assert method is not None and outline.qualified_name(method) == "Loader.parse"
    assert outline.member(method)
    assert (outline.start(method), outline.end(method)) == (starts[4], starts[6])
    assert outline.first_row(method) == 4
    outer = outline.innermost(source.index(b"cached"))  # a decorator belongs to its class
    assert outer is not None and outline.qualified_name(outer) == "Loader"
    assert outline.innermost(source.index(b"run")) is None
    size = len(source)
    assert outline.gap(source.index(b"run"), size) == (starts[6], size, 6)  # up to the end
    assert outline.gap(starts[1], size) == (starts[1], starts[2], 1)  # the constant, the class
    assert outline.name_line_starts("parse") == [starts[4]]
    assert outline.name_line_starts("Loader.parse") == []
    assert Outline.decode(b"").innermost(1) is None  # no outline: no regions


def test_an_outline_keeps_qualified_names_and_name_lines_of_every_form() -> None:
    # Go: the package before each name, a method outside its type; the names around a
    # qualified name that holds one of them (`Repo` in `repo.Repo.Get`) are not definitions.
    source = (
        b"package repo\n\ntype Repo struct{}\n\n"
        b"func (r *Repo) Get() int {\n\treturn 1\n}\n\nfunc Repo2() {}\n"
    )
    outline = outline_of(extract(source, spec_by_name("go"), "repo/repo.go"))
    starts = _line_starts(source)
    rows = [outline.innermost(starts[line - 1] + 1) for line in (3, 6, 9)]
    assert [outline.qualified_name(row) for row in rows if row is not None] == [
        "repo.Repo",
        "repo.Repo.Get",
        "repo.Repo2",
    ]
    assert [outline.member(row) for row in rows if row is not None] == [False, True, False]
    assert [outline.name_line_starts(name) for name in ("Repo", "Get", "Repo2", "repo")] == [
        [starts[2]],
        [starts[4]],
        [starts[8]],
        [],
    ]


def test_an_outline_places_every_byte_as_a_walk_over_all_definitions_does() -> None:
    # Nested and sibling definitions, decorated ones, module-level lines between and after:
    # each byte's innermost definition (by the lines it spans), and for a byte in none the
    # module-level lines around it, against the definitions' spans read one by one.
    rng = random.Random(5)
    parts = []
    for index in range(60):
        body = "    x = 1\n" * rng.randint(0, 3)
        inner = f"    def m{index}(self):\n        return {index}\n" if rng.random() < 0.5 else ""
        decorator = "@dec\n" if rng.random() < 0.3 else ""
        after = "    z = 3\n" * rng.randint(0, 2)  # the class goes on after its method
        module = "\ny = 2\n" * rng.randint(0, 2)
        parts.append(f"{decorator}class C{index}:\n{body}{inner}{after}{module}")
    source = "".join(parts).encode()
    extraction = extract(source, spec_by_name("python"), "m.py")
    outline, symbols = outline_of(extraction), extraction.symbols
    spans = sorted((s.start_line or s.line, s.end_line, s.qualified_name) for s in symbols)
    starts = _line_starts(source)
    line_count = source.count(b"\n") + 1
    for offset in range(len(source)):
        line = source.count(b"\n", 0, offset) + 1
        around = [span for span in spans if span[0] <= line <= span[1]]
        row = outline.innermost(offset)
        if around:
            assert row is not None and outline.qualified_name(row) == around[-1][2]
            assert outline.start(row) == starts[around[-1][0] - 1]
            assert outline.end(row) == starts[around[-1][1]]
            assert outline.first_row(row) == around[-1][0] - 1
            continue
        assert row is None
        before = max((end for start, end, _ in spans if start <= line), default=0)
        after = min((start for start, _, _ in spans if start > line), default=line_count + 1)
        end = starts[after - 1] if after <= line_count else len(source)
        assert outline.gap(offset, len(source)) == (starts[before], end, before)


def test_a_kept_tree_of_a_big_region_answers_only_for_the_same_bytes() -> None:
    # Trees of big regions are kept between queries; a file changed in place, same size
    # and offsets, must be parsed again.
    spec = spec_by_name("python")
    entries = "".join(f"    'entry{i}': 'a target a',\n" for i in range(2000))
    before = f"TABLE = {{\n{entries}}}\nprint(target)\n".encode()
    assert len(before) > BIG_REGION
    after = before.replace(b"'a target a'", b"(0, target )", 1)
    assert len(after) == len(before)
    for _ in range(2):  # parsed, then kept
        outline = outline_of(extract(before, spec, "t.py"))
        assert [(s.row, s.kind, s.scope) for s in sites(before, spec, outline, "target")] == [
            (2002, "name", "")
        ]
    outline = outline_of(extract(after, spec, "t.py"))
    assert [(s.row, s.scope) for s in sites(after, spec, outline, "target")] == [
        (1, "TABLE"),
        (2002, ""),
    ]


def test_split_name_reads_the_last_qualifier() -> None:
    assert split_name("parse") == ("", "parse")
    assert split_name("pkg.Loader.parse") == ("Loader", "parse")
    assert split_name("crate::Loader::parse") == ("Loader", "parse")


def test_refs_cli_json_contract_and_text(project) -> None:
    root = project(PROJECT)
    result = run_cli("refs", "consume", "--json", cwd=root)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["name"], data["total"]) == ("consume", 3)
    first = data["references"][0]
    assert {"path", "line", "column", "symbol", "text"} <= set(first)
    sites = [(r["path"], r["line"], r["column"], r["symbol"]) for r in data["references"]]
    assert sites == [
        ("allauth/views.py", 2, 36, "allauth.views"),  # the import
        ("allauth/views.py", 8, 5, "login"),
        ("allauth/views.py", 9, 22, "login"),
    ]
    assert data["references"][1]["text"] == "consume(request, 'consume')"
    decorator = json.loads(
        run_cli("refs", "rate_limit", "--kind", "decorator", "--json", cwd=root).stdout
    )
    assert [(r["line"], r["symbol"]) for r in decorator["references"]] == [(5, "login")]
    constant = json.loads(run_cli("refs", "ACCOUNT_RATE_LIMITS", "--json", cwd=root).stdout)
    assert [(r["line"], r["symbol"]) for r in constant["references"]] == [(5, "consume")]
    narrowed = json.loads(run_cli("refs", "ratelimit.consume", "--json", cwd=root).stdout)
    assert [r["line"] for r in narrowed["references"]] == [2, 9]
    text = run_cli("refs", "consume", "--limit", "1", "--path", "allauth/", cwd=root)
    assert text.stdout == "allauth/views.py:2:36  allauth.views  " + VIEWS.splitlines()[1] + "\n"
    assert "2 more" in text.stderr
    nothing = run_cli("refs", "no_such_name", cwd=root)
    assert (nothing.returncode, nothing.stdout) == (0, "")
    bad = run_cli("refs", "consume", "--type", "cobol", cwd=root)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_refs_takes_alternatives_and_call_syntax_and_refuses_what_is_no_name(indexed) -> None:
    code_index: CodeIndex = indexed(PROJECT)
    sites = [(r.path, r.line, r.column) for r in code_index.references("consume").references]
    decorator = [(r.path, r.line, r.column) for r in code_index.references("rate_limit").references]
    both = code_index.references("rate_limit\\|consume", limit=3, offset=1)
    assert both.total == len(sites) + len(decorator)  # every site once, in path and line order
    assert [(r.path, r.line, r.column) for r in both.references] == sorted(sites + decorator)[1:4]
    narrowed = code_index.references("consume|ratelimit.consume")  # a site both name: once
    assert narrowed.total == len(sites)
    assert code_index.references("consume(").total == len(sites)
    for text in ("rate limit", "cons*", "::", "List<T>"):
        with pytest.raises(UsageError) as refused:
            code_index.references(text)
        assert "name" in str(refused.value)


def test_show_refs_gives_the_definition_and_its_first_callers(project) -> None:
    root = project(PROJECT)
    data = json.loads(run_cli("show", "consume", "--refs", "--json", cwd=root).stdout)
    [match] = data["matches"]
    assert match["qualified_name"] == "consume"
    assert match["refs"]["total"] == 3
    assert [r["symbol"] for r in match["refs"]["references"]] == ["allauth.views", "login", "login"]
    text = run_cli("show", "consume", "--refs", cwd=root).stdout
    assert "-- 3 references to consume\n" in text
    one = run_cli("show", "rate_limit", "--refs", cwd=root).stdout
    assert "-- 2 references to rate_limit\n" in one
    lone = run_cli("show", "ACCOUNT_RATE_LIMITS", "--refs", cwd=root).stdout
    assert "-- 1 reference to ACCOUNT_RATE_LIMITS\n" in lone


CACHE_KEY = (
    "def cache_key(request, action, user=None):\n"
    "    parts = [action, request.method, request.path]\n"
    "    if user is not None and user.is_authenticated:\n"
    "        parts.append(str(user.pk))\n"
    "    else:\n"
    "        parts.append(request.META.get('REMOTE_ADDR', ''))\n"
    "    return ':'.join(part for part in parts if part)\n"
)


def test_search_and_similar_results_count_their_references(project, tmp_path: Path) -> None:
    root = project(
        {
            **PROJECT,
            "allauth/core/keys.py": CACHE_KEY,
            "loader.py": (
                "from allauth.core.keys import cache_key\n"
                "class Loader:\n"
                "    def parse(self, text):\n"
                "        return self.parse(text[1:]) or consume(cache_key(text, 'x'))\n"
                "\n"
                "class Other:\n"
                "    def parse(self, text):\n"
                "        return Loader.parse(self, text)\n"
            ),
        }
    )
    found = json.loads(run_cli("search", "consume|parse", "--refs", "--json", cwd=root).stdout)
    counts = {r["qualified_name"]: r["refs"] for r in found["results"] if r["kind"] != "module"}
    # `Type.name` for members, as `show --refs` asks: the receiver narrows each count.
    assert counts == {"consume": 4, "Loader.parse": 2, "Other.parse": 0}
    plain = json.loads(run_cli("search", "consume", "--json", cwd=root).stdout)
    assert "refs" not in plain["results"][0]
    text = run_cli("search", "consume", "--refs", "--kind", "function", cwd=root).stdout
    assert text.splitlines()[0].endswith("(4 refs)")
    draft = tmp_path / "draft.py"
    draft.write_text(CACHE_KEY.replace("parts", "pieces"))
    similar = json.loads(run_cli("similar", str(draft), "--refs", "--json", cwd=root).stdout)
    assert [(m["symbol"], m["refs"]) for m in similar["matches"]] == [("cache_key", 2)]
    text = run_cli("similar", str(draft), "--refs", cwd=root).stdout
    assert text.rstrip().endswith("cache_key  (2 refs)")


def test_refs_on_an_index_with_no_files_is_empty(indexed) -> None:
    code_index: CodeIndex = indexed({"notes.txt": "parse\n"})
    assert code_index.references("parse").references == []


def test_receiver_narrows_members(indexed) -> None:
    code_index: CodeIndex = indexed(
        {
            "loader.py": (
                "class Loader:\n"
                "    def parse(self, text):\n"
                "        return self.parse(text[1:])\n"
                "\n"
                "class Other:\n"
                "    def parse(self, text):\n"
                "        return self.parse(text) or Loader.parse(self, text)\n"
                "\n"
                "def use(thing):\n"
                "    return thing.parse('x')\n"
            )
        }
    )
    every = code_index.references("parse").references
    assert [(r.line, r.symbol) for r in every] == [
        (3, "Loader.parse"),
        (7, "Other.parse"),
        (7, "Other.parse"),
        (10, "use"),
    ]
    narrowed = code_index.references("Loader.parse").references
    assert [(r.line, r.column) for r in narrowed] == [(3, 21), (7, 43)]


def test_a_reference_disappears_when_its_file_is_edited(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_files(root, PROJECT)
    code_index = CodeIndex.open(root)
    watcher = Watcher(code_index, debounce=0.05, rescan_interval=3600)
    watcher.start(timeout=30)
    try:
        assert code_index.references("consume").total == 3
        (root / "allauth/views.py").write_text(VIEWS.replace("    consume(request", "    pass  #("))
        deadline = time.monotonic() + 10
        while code_index.references("consume").total != 2:
            assert time.monotonic() < deadline, "the edit never reached the references"
            time.sleep(0.02)
        write_files(root, {"allauth/other.py": "from allauth.core.ratelimit import consume\n"})
        while code_index.references("consume").total != 3:
            assert time.monotonic() < deadline, "a new file's reference never showed"
            time.sleep(0.02)
    finally:
        watcher.stop()
        code_index.close()


def test_find_references_over_mcp_mirrors_the_library(tmp_path: Path) -> None:
    from test_mcp_tools import Session, wait_ready

    root = tmp_path / "project"
    write_files(root, PROJECT)
    session = Session(root)
    try:
        wait_ready(session.service)
        data = session.ok("find_references", {"name": "consume", "limit": 2})
        expected = CodeIndex.open(root).references("consume").to_json()
        assert (data["name"], data["total"], data["offset"], data["more"]) == ("consume", 3, 0, 1)
        assert data["references"] == expected["references"][:2]
        page = session.ok("find_references", {"name": "consume", "offset": 1, "kind": "call"})
        assert [(r["line"], r["symbol"]) for r in page["references"]] == [(9, "login")]
        assert "should be 'call'" in session.error(
            "find_references", {"name": "consume", "kind": "x"}
        )
        # search_symbols and find_similar count references when asked, as the CLI does.
        counted = session.ok(
            "search_symbols", {"query": "consume", "kind": "function", "refs": True}
        )
        assert [(r["name"], r["refs"]) for r in counted["results"]] == [("consume", 3)]
        plain = session.ok("search_symbols", {"query": "consume", "kind": "function"})
        assert "refs" not in plain["results"][0]
        # get_symbol gives a lone definition's first callers.
        symbol = session.ok("get_symbol", {"name": "rate_limit"})
        refs = symbol["matches"][0]["refs"]
        assert [(r["line"], r["kind"]) for r in refs["references"]] == [
            (2, "import"),
            (5, "decorator"),
        ]
        # A narrowed name with no use says where the bare name's uses went.
        narrowed = session.ok("find_references", {"name": "request.consume"})
        assert narrowed["total"] == 0 and "`refs consume`" in narrowed["note"]
    finally:
        session.close()


GO_COMMAND = {
    "cmd/command.go": (
        "package cmd\n\ntype Command struct{ name string }\n\n"
        "func (c *Command) Execute() error { return nil }\n"
    ),
    "main.go": (
        'package main\n\nimport "example/cmd"\n\n'
        "func main() {\n\troot := &cmd.Command{}\n\troot.Execute()\n}\n"
    ),
}


def test_a_narrowed_name_with_no_use_says_the_bare_name_is_used(project) -> None:
    # Go receivers are variables: `root.Execute()` does not show it is a Command.
    root = project(GO_COMMAND)
    done = run_cli("refs", "Command.Execute", "--json", cwd=root)
    data = json.loads(done.stdout)
    # DESIGN.md fixes the JSON's keys: the note is on stderr.
    assert data == {"name": "Command.Execute", "total": 0, "references": []}
    assert done.stderr.strip() == (
        "no use of 'Execute' shows it is reached through 'Command'; the files that name "
        "'Command' hold 1 use of 'Execute' through receivers whose type the syntax does not "
        "show: `refs Execute` lists every use"
    )
    text = run_cli("refs", "Command.Execute", cwd=root)
    assert text.returncode == 0 and text.stdout == "" and "`refs Execute`" in text.stderr
    # Nothing to say when the bare name has no use either, or when the narrowed name has.
    assert run_cli("refs", "Command.Stop", "--json", cwd=root).stderr == ""
    assert run_cli("refs", "cmd.Command", "--json", cwd=root).stderr == ""


def _cached_names(root: Path) -> list[str]:
    folder = root / ".code-index" / CACHE_DIR
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return sorted(json.loads(path.read_text(encoding="utf-8"))["name"] for path in files)


def test_a_name_asked_again_is_answered_from_the_cache_until_the_index_changes(
    indexed,
) -> None:
    code_index: CodeIndex = indexed(PROJECT)
    root = code_index.root
    first = code_index.references("consume").to_json()
    assert first["total"] == 3 and _cached_names(root) == ["consume"]
    # Gone from disk but not yet from the index: the cached uses answer (no file is read),
    # as the index still holds the file.
    (root / "allauth/views.py").unlink()
    assert code_index.references("consume").to_json() == first
    assert [r.line for r in code_index.references("ratelimit.consume").references] == [2, 9]
    code_index.refresh()
    assert code_index.references("consume").total == 0
    write_files(root, {"allauth/views.py": VIEWS.replace("    consume(request", "    pass  #(")})
    code_index.refresh()  # a new digest: verified again
    assert [(r.path, r.line) for r in code_index.references("consume").references] == [
        ("allauth/views.py", 2),
        ("allauth/views.py", 9),
    ]
    # A damaged cache file is a miss.
    for path in (root / ".code-index" / CACHE_DIR).iterdir():
        path.write_text("{")
    assert code_index.references("consume").total == 2


def test_a_file_changed_since_it_was_indexed_is_verified_not_cached(indexed) -> None:
    code_index: CodeIndex = indexed(PROJECT)
    views = code_index.root / "allauth/views.py"
    views.write_text(VIEWS.replace("    consume(request", "    pass  #("))
    # Verified from disk; not kept under the digest of the bytes indexed...
    assert code_index.references("consume").total == 2
    views.write_text(VIEWS)
    # ...which are back: the answer is theirs, not the edit's.
    assert code_index.references("consume").total == 3


def test_a_file_grown_or_shrunk_since_it_was_indexed_is_read_whole(indexed) -> None:
    # A file is read with one read of its indexed size and a byte more: what it grew by
    # is read too.
    code_index: CodeIndex = indexed(PROJECT)
    views = code_index.root / "allauth/views.py"
    views.write_text(VIEWS + "\n\n" + "consume(1)\n" * 3 + "x = 1\n" * 20_000 + "consume(2)\n")
    lines = [r.line for r in code_index.references("consume").references]
    assert lines == [2, 8, 9, 12, 13, 14, 20_015]
    views.write_text(VIEWS[: VIEWS.index("    return")])
    assert [r.line for r in code_index.references("consume").references] == [2, 8]


def test_a_name_with_too_many_uses_is_not_cached(indexed, monkeypatch) -> None:
    code_index: CodeIndex = indexed(PROJECT)
    monkeypatch.setattr(refs_cache, "ENTRY_MAX", 100)
    assert code_index.references("consume").total == 3
    assert code_index.references("ratelimit").total == 3
    assert _cached_names(code_index.root) == []


def test_a_file_changed_since_its_outline_was_made_gives_its_uses_at_their_lines() -> None:
    # The outline's offsets and rows are the file's as indexed: in bytes read since, the
    # regions are a guess, but each use is found on the line it is on.
    spec = spec_by_name("python")
    indexed = (
        b"def load(path):\n    return target(path)\n\n\n"
        b"class Box:\n    def run(self):\n        target()\n\n\ntarget.attr = 1\n"
    )
    outline = outline_of(extract(indexed, spec, "m.py"))
    for edited in (b"import os\n# one more line\n" + indexed, indexed.replace(b"    ", b"  ")):
        found = [(s.row, s.kind) for s in sites(edited, spec, outline, "target")]
        rows = [edited.count(b"\n", 0, at) for at in occurrences(edited, b"target")]
        assert found == [(rows[0], "call"), (rows[1], "call"), (rows[2], "name")]


def test_past_its_total_size_the_cache_drops_the_least_recently_written_names(
    indexed, monkeypatch
) -> None:
    code_index: CodeIndex = indexed(PROJECT)
    assert code_index.references("consume").total == 3
    folder = code_index.root / ".code-index" / CACHE_DIR
    (first,) = folder.iterdir()
    os.utime(first, ns=(1, 1))  # older than anything written next, whatever the clock
    monkeypatch.setattr(refs_cache, "TOTAL_MAX", first.stat().st_size + 1)
    assert code_index.references("rate_limit").total == 2
    assert _cached_names(code_index.root) == ["rate_limit"]


def test_a_typescript_name_may_hold_a_dollar(tmp_path: Path) -> None:
    # zod names its classes $ZodCheck...: `$` is part of a JavaScript identifier, so the
    # file's words and the occurrence bounds must keep it (`ZodCheck` alone is another name).
    write_files(
        tmp_path,
        {
            "checks.ts": "export class $ZodCheck {}\nexport class ZodCheck {}\n",
            "api.ts": (
                'import * as checks from "./checks";\n'
                "export function make(): checks.$ZodCheck {\n"
                "  return new checks.$ZodCheck() ?? new checks.ZodCheck();\n"
                "}\n"
            ),
        },
    )
    code_index = CodeIndex.open(tmp_path)
    code_index.refresh()
    try:
        dollar = code_index.references("$ZodCheck").references
        plain = code_index.references("ZodCheck").references
    finally:
        code_index.close()
    assert [(r.path, r.line, r.column, r.kind) for r in dollar] == [
        ("api.ts", 2, 32, "type"),
        ("api.ts", 3, 21, "call"),
    ]
    assert [(r.path, r.line, r.column) for r in plain] == [("api.ts", 3, 47)]


def test_a_file_that_writes_a_name_only_where_it_defines_it_is_not_read(
    indexed, monkeypatch
) -> None:
    code_index: CodeIndex = indexed(
        {
            "pkg/a.py": "class A:\n    def helper(self):\n        return 1\n",
            "pkg/b.py": "class B:\n    def helper(self):\n        return self.helper()\n",
            "pkg/c.py": "# a helper, in a comment\nx = 1\n",
            "pkg/d.py": "def helper():\n    pass\n\n\ndef helper():\n    pass\n",
            "pkg/e.go": "package pkg\n\nfunc helper() {}\n",
            "pkg/f.go": "package pkg\n\nfunc run() { helper() }\n",
        }
    )
    read: list[str] = []
    real_read = refs_package._read

    def recording_read(path: str, size: int) -> tuple[bytes, bytes] | None:
        read.append(Path(path).name)
        return real_read(path, size)

    monkeypatch.setattr(refs_package, "_read", recording_read)
    found = code_index.references("helper").references
    assert [(r.path, r.line, r.kind) for r in found] == [
        ("pkg/b.py", 3, "call"),
        ("pkg/f.go", 3, "call"),
    ]
    assert sorted(read) == ["b.py", "c.py", "f.go"]


def test_an_outline_flags_the_names_a_file_writes_only_on_their_definition_lines() -> None:
    source = (
        b"LIMIT = 1\n"
        b"def parse(text, LIMIT=LIMIT):\n"
        b"    return text\n"
        b"def run():\n"
        b"    pass\n"
        b"class Box:\n"
        b"    def run(self):\n"
        b"        return parse('')\n"
    )
    extraction = extract(source, spec_by_name("python"), "m.py")
    outline = outline_of(extraction)
    flagged = {name: outline.only_defines(name) for name in ("LIMIT", "parse", "run", "Box")}
    assert flagged == {"LIMIT": False, "parse": False, "run": True, "Box": True}
    assert not outline.only_defines("text")  # not defined here: nothing to tell
    unflagged = Outline.decode(encode_outline(extraction.symbols, extraction.spans))  # no counts
    assert not any(unflagged.only_defines(name) for name in flagged)
