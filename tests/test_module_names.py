"""Files as symbols (kind `module`) and module-level constants and variables in the index."""

from __future__ import annotations

from codeindex.api import CodeIndex
from codeindex.languages import spec_by_name
from codeindex.qualified import module_name
from codeindex.storage import symbol_from_stored

RATELIMIT = (
    '"""Rate limiting."""\n'
    "ACCOUNT_RATE_LIMITS = {'login': '30/m/ip'}\n"
    "cache_prefix = 'rl'\n"
    "\n"
    "def consume(request, action):\n"
    "    return True\n"
    "\n"
    "class Limiter:\n"
    "    WINDOW = 60\n"
    "    def hit(self):\n"
    "        count = 1\n"
    "        return count\n"
)


def test_module_names_follow_the_path_and_package_index_files() -> None:
    python = spec_by_name("python")
    assert module_name("allauth/core/ratelimit.py", python) == "allauth.core.ratelimit"
    assert module_name("allauth/core/__init__.py", python) == "allauth.core"
    assert module_name("__init__.py", python) == "__init__"
    assert module_name("src/shapes/mod.rs", spec_by_name("rust")) == "src.shapes"
    assert module_name("web/api/index.ts", spec_by_name("typescript")) == "web.api"
    # Declaration files name the module they declare (hono's dist/types/).
    assert module_name("types/cors/index.d.ts", spec_by_name("typescript")) == "types.cors"
    assert module_name("types/context.d.mts", spec_by_name("typescript")) == "types.context"
    assert module_name("web/data.ts", spec_by_name("typescript")) == "web.data"
    assert module_name("cmd/main.go", spec_by_name("go")) == "cmd.main"


def test_a_file_is_found_by_its_module_name_and_outlines_its_definitions(indexed) -> None:
    code_index: CodeIndex = indexed(
        {"allauth/core/ratelimit.py": RATELIMIT, "allauth/core/__init__.py": ""}
    )
    hits = code_index.search("ratelimit").hits
    module = hits[0].symbol
    assert (module.kind, module.qualified_name, module.path) == (
        "module",
        "allauth.core.ratelimit",
        "allauth/core/ratelimit.py",
    )
    assert (module.line, module.end_line, module.doc) == (1, 12, "Rate limiting.")
    package = code_index.search("core", kinds=["module"]).hits[0].symbol
    assert (package.qualified_name, package.path) == ("allauth.core", "allauth/core/__init__.py")
    # The outline is of the file: its definitions, not the file itself, and not nested in it.
    outline = code_index.outline("allauth/core/ratelimit.py")
    assert [(s.qualified_name, s.kind) for s in outline] == [
        ("ACCOUNT_RATE_LIMITS", "constant"),
        ("cache_prefix", "variable"),
        ("consume", "function"),
        ("Limiter", "class"),
        ("Limiter.hit", "method"),
    ]
    # Class attributes (WINDOW) and locals (count) stay out.
    assert not code_index.search("WINDOW").hits
    constants = code_index.search("rate_limits", kinds=["constant"]).hits
    assert [hit.symbol.name for hit in constants] == ["ACCOUNT_RATE_LIMITS"]


def test_modules_and_module_level_names_are_not_clone_units(indexed) -> None:
    code_index: CodeIndex = indexed({"a.py": RATELIMIT, "b.py": RATELIMIT})
    kinds = {symbol_from_stored(data).kind for data, _ in code_index._store.clone_units()}
    assert kinds <= {"function", "method", "constructor"}
    assert code_index.status()["symbols"] == 10  # definitions only: files are not counted


def test_show_takes_a_module_qualified_name(indexed) -> None:
    # How people name things: `ratelimit.consume`, `Effect.retry`, `os.path.join`.
    code_index: CodeIndex = indexed(
        {
            "allauth/core/ratelimit.py": RATELIMIT,
            "allauth/mfa/ratelimit.py": "def consume(key):\n    return key\n",
            "allauth/core/other.py": "def consume():\n    pass\n",
        }
    )

    def places(name: str) -> list[tuple[str, int]]:
        return sorted((s.path, s.line) for s in code_index.definitions(name))

    assert places("ratelimit.consume") == [
        ("allauth/core/ratelimit.py", 5),
        ("allauth/mfa/ratelimit.py", 1),
    ]
    assert places("core.ratelimit.consume") == [("allauth/core/ratelimit.py", 5)]
    assert places("ratelimit.Limiter.hit") == [("allauth/core/ratelimit.py", 10)]
    assert places("Limiter.hit") == [("allauth/core/ratelimit.py", 10)]
    assert places("elsewhere.consume") == []
    assert places("atelimit.consume") == []  # whole parts only
