"""Files the grammar fails on: what error recovery makes of them. Reserved words it takes for
names are left out (LanguageSpec.reserved_words), and `status` lists such files. Real parses,
a real index."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from codeindex.extract import extract
from codeindex.languages import spec_by_name
from codeindex.models import Symbol
from tests.conftest import run_cli

# Cut down from onnxruntime's CheckpointState.shared.cs (MIT): the grammar fails on the
# pointer read `*(long*)`, and its recovery made `else if` a local function named `if`.
CHECKPOINT_STATE = """namespace Training
{
    public class CheckpointState
    {
        public object GetProperty(IntPtr propertyValue, int propertyType)
        {
            try
            {
                if (propertyType == 1)
                {
                    long value;
                    unsafe
                    {
                        value = *(long*)propertyValue;
                    }
                    return value;
                }
                else if (propertyType == 2)
                {
                    return propertyValue.ToString();
                }
                throw new ArgumentException();
            }
            finally
            {
                Free(propertyValue);
            }
        }

        public void Save(string path)
        {
        }
    }
}
"""

# Broken sources whose recovery, before reserved words were left out, made definitions of
# `match`, `if`, `while`, ... The real definitions around them stay.
BROKEN = {
    "rust": ("fn f() {\n    let x = (1;\n    if x { }\n}\nfn match() {}\nstruct if;\n", {"f"}),
    "typescript": (
        "function if() {}\nfunction f() { const x = (1;\n if (x) { } }\nclass while {}\n",
        {"f"},
    ),
}


def _symbols(source: str, language: str, gaps: bool = True) -> list[Symbol]:
    spec = spec_by_name(language)
    if not gaps:
        spec = replace(spec, grammar_gaps=())
    extraction = extract(source.encode(), spec, f"broken{spec.extensions[0]}")
    assert extraction.tree.root_node.has_error
    return extraction.symbols


def test_csharp_recovery_makes_no_definition_of_a_keyword() -> None:
    # Without the grammar gaps, as for a file no bridge helps.
    symbols = _symbols(CHECKPOINT_STATE, "csharp", gaps=False)
    names = {symbol.qualified_name for symbol in symbols}
    assert {"Training.CheckpointState.GetProperty", "Training.CheckpointState.Save"} <= names
    assert not {symbol.name for symbol in symbols} & {"if", "else", "try", "finally"}


@pytest.mark.parametrize("language", sorted(BROKEN))
def test_recovery_makes_no_definition_of_a_keyword(language: str) -> None:
    source, defined = BROKEN[language]
    assert {symbol.name for symbol in _symbols(source, language)} == defined


def test_reserved_words_that_name_members_stay() -> None:
    # JavaScript lets any word name a member (`promise.catch()`); C#'s indexer is `this`, and
    # `@if` is a C# name.
    typescript = "class Deferred {\n  catch() {}\n  finally() {}\n  delete(key: string) {}\n}\n"
    spec = spec_by_name("typescript")
    names = {s.qualified_name for s in extract(typescript.encode(), spec, "d.ts").symbols}
    assert names == {"Deferred", "Deferred.catch", "Deferred.finally", "Deferred.delete"}
    csharp = "class @if\n{\n    int this[int i] => i;\n    void @catch() {}\n}\n"
    spec = spec_by_name("csharp")
    names = {s.qualified_name for s in extract(csharp.encode(), spec, "a.cs").symbols}
    assert names == {"@if", "@if.this", "@if.@catch"}


def test_status_lists_the_files_that_parsed_with_errors(project) -> None:
    root = project({"clean.py": "def ok():\n    return 1\n", "half.py": "def f(:\n    pass\n"})
    lines = run_cli("status", cwd=root).stdout.splitlines()
    assert "errors    1 file parsed with errors (definitions may be missing there)" in lines
    assert "  half.py" in lines
    status = json.loads(run_cli("status", "--json", cwd=root).stdout)
    assert status["parse_error_files"] == ["half.py"]
    (root / "half.py").write_text("def f(x):\n    pass\n")
    status = json.loads(run_cli("status", "--json", cwd=root).stdout)
    assert status["parse_error_files"] == []
    assert "errors" not in run_cli("status", cwd=root).stdout
