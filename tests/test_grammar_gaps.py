"""TypeScript the pinned grammar does not parse (codeindex.grammar_gaps): variance annotations
and effect-style overloads without separators. Real parses, a real index."""

from __future__ import annotations

from dataclasses import replace

import tree_sitter

from codeindex import grammar_gaps
from codeindex.extract import extract
from codeindex.languages import spec_by_name, ts_language
from tests.conftest import FIXTURES
from tests.test_parse_recovery import CHECKPOINT_STATE

# Effect-style TypeScript (variance annotations, overloads as bare call signature lines, and
# effect's Effect.catchTag, on which the grammar gave up on the rest of Effect.ts). Its golden
# beside it holds every definition (tests/test_extract.py checks it).
EFFECT_STYLE = (FIXTURES / "typescript" / "grammar_gaps.ts").read_text()
DEFINED = {"Effect", "Ref", "get", "retry", "map", "catchTag", "after"}


def _trees(source: bytes) -> tuple[tree_sitter.Tree, tree_sitter.Tree]:
    """The grammar's own parse of TypeScript `source`, and the parse with the gaps bridged."""
    parser = tree_sitter.Parser(ts_language("typescript"))
    return parser.parse(source), grammar_gaps.parse(parser.parse, source, grammar_gaps.TYPESCRIPT)


def _names(source: str, language: str = "typescript", qualified: bool = False) -> set[str]:
    extraction = extract(source.encode(), spec_by_name(language), "effect.ts")
    return {s.qualified_name if qualified else s.name for s in extraction.symbols}


def test_variance_annotations_and_bare_overload_lines_keep_every_definition() -> None:
    typescript = spec_by_name("typescript")
    unbridged = extract(EFFECT_STYLE.encode(), replace(typescript, grammar_gaps=()), "a.ts")
    # What the grammar alone gives: nothing from catchTag on.
    assert {symbol.name for symbol in unbridged.symbols} == DEFINED - {"catchTag", "after"}
    assert _names(EFFECT_STYLE) == DEFINED


def test_texts_come_from_the_source_as_written() -> None:
    extraction = extract(EFFECT_STYLE.encode(), spec_by_name("typescript"), "effect.ts")
    signatures = {symbol.name: symbol.signature for symbol in extraction.symbols}
    assert signatures["Effect"].startswith("interface Effect<out A, out E = never>")
    assert "in out A" in signatures["Ref"]
    assert extraction.source == EFFECT_STYLE.encode()


def test_a_bridge_moves_no_byte_and_no_line() -> None:
    source = EFFECT_STYLE.encode()
    rewritten = grammar_gaps.bridged(source, grammar_gaps.TYPESCRIPT)
    assert rewritten != source
    assert len(rewritten) == len(source)
    assert [len(line) for line in rewritten.split(b"\n")] == [
        len(line) for line in source.split(b"\n")
    ]


def test_a_bridge_over_a_line_break_keeps_the_lines() -> None:
    source = "export interface Ref<in\n  out A> { x: A }\nexport function after(): void {}\n"
    rewritten = grammar_gaps.bridged(source.encode(), grammar_gaps.TYPESCRIPT)
    assert rewritten == source.replace("in\n  out", "  \n     ").encode()
    symbols = extract(source.encode(), spec_by_name("typescript"), "a.ts").symbols
    assert {symbol.name: symbol.line for symbol in symbols} == {"Ref": 1, "after": 3}


def test_code_that_parses_is_left_alone() -> None:
    clean = (
        b"for (const key in table) { use(key) }\n"
        b"const pick = <T,>(x: T) => x\n"
        b"const out = 1, inner = out\n"
        b"const f =\n  <T>(x: T): T => x\n"
        b"type Fn = (x: number) =>\n  <T>(y: T) => T\n"
    )
    assert not tree_sitter.Parser(ts_language("typescript")).parse(clean).root_node.has_error
    assert grammar_gaps.bridged(clean, grammar_gaps.TYPESCRIPT) == clean


def test_no_separator_is_put_between_type_arguments() -> None:
    # Type arguments that are call signatures, each after a doc comment (effect's
    # `dual<\n  <A>(...) => ...,\n  /** */\n  <A>(...) => ...\n>(2, ...)`): the code above
    # the comment ends with `,`, so no `;` goes before the second.
    source = (
        "export interface Box<in out A> { value: A }\n"
        "export const set = dual<\n"
        "  <A>(value: A) => (self: Box<A>) => void,\n"
        "  /** data first */\n"
        "  <A>(self: Box<A>, value: A) => void\n"
        ">(2, (self, value) => { self.value = value })\n"
        "export function later(): void {}\n"
    )
    assert b";" not in grammar_gaps.bridged(source.encode(), grammar_gaps.TYPESCRIPT)
    assert _names(source) >= {"Box", "set", "later"}


def test_comments_between_overloads_are_looked_past() -> None:
    # effect's LanguageModel.generateText: a `//` comment line ending in prose before the
    # next overload; what counts is the code above it, which ends a member.
    source = (
        "export interface Model {\n"
        "  readonly generate: {\n"
        "    // No toolkit: force `{}`.\n"
        "    <O extends Options>(options: O): Effect<O>\n"
        "    // Generic toolkit: like `<T>(toolkit: T) => ...`.\n"
        "    <T, O extends Options>(options: O & T): Effect<O>\n"
        "  }\n"
        "}\n"
    )
    unbridged, bridged = _trees(source.encode())
    assert unbridged.root_node.has_error
    assert not bridged.root_node.has_error


def test_a_bridge_that_breaks_one_place_is_left_out() -> None:
    # A comparison continued on the next line looks like an overload line to the pattern: a
    # `;` there breaks what parsed. The variance bridge alone parses cleanly, and wins.
    source = (
        "export interface Box<A, in B> { value: A }\n"
        "export const small = width\n"
        "  < limit\n"
        "export function later(): void {}\n"
    )
    everything = grammar_gaps.bridged(source.encode(), grammar_gaps.TYPESCRIPT)
    assert b"width\n ;< limit" in everything
    assert tree_sitter.Parser(ts_language("typescript")).parse(everything).root_node.has_error
    assert not _trees(source.encode())[1].root_node.has_error
    assert _names(source) >= {"Box", "small", "later"}


def test_tsx_bridges_variance_but_never_touches_tags() -> None:
    source = (
        "export type Route<out T> = { id: T }\n"
        "export function View(): JSX.Element {\n"
        "  return <div>\n    <span>in out</span>\n  </div>\n"
        "}\n"
    )
    assert {"Route", "View"} <= _names(source, "tsx")
    rewritten = grammar_gaps.bridged(source.encode(), grammar_gaps.TSX)
    assert rewritten.count(b"<span>") == 1 and b";" not in rewritten


def test_refs_find_uses_inside_bridged_code_and_not_the_definition(indexed) -> None:
    index = indexed({"effect.ts": EFFECT_STYLE})
    lines = EFFECT_STYLE.splitlines()

    def line_of(text: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if text in line)

    found = [(ref.line, ref.symbol) for ref in index.references("retry").references]
    assert found == [(line_of("internal.retry"), "retry"), (line_of("return retry"), "after")]
    schedules = [ref.line for ref in index.references("Schedule").references]
    assert schedules == [line_of("<E>(policy"), line_of("<A, E>(self")]


def test_escaped_backticks_in_template_literal_types() -> None:
    # effect's Schema.ts parsed to a root ERROR from such a type on (line 17,530 of 19,743).
    source = (
        b"type MissingSelfGeneric<U extends string> =\n"
        b"  `Missing \\`Self\\` generic - use \\`class Self extends ${U}<Self>()\\``\n"
        b"export const path = `C:\\\\`\n"
        b"export function after(): void {}\n"
    )
    unbridged, bridged = _trees(source)
    assert unbridged.root_node.has_error
    rewritten = grammar_gaps.bridged(source, [grammar_gaps.ESCAPED_BACKTICKS])
    assert b"`C:\\\\`" in rewritten  # an escaped backslash, then the closing backtick
    assert not bridged.root_node.has_error
    assert _names(source.decode()) >= {"MissingSelfGeneric", "path", "after"}


# UniRx 7.1.0's AsyncSubject.cs (MIT), cut down: a directive inside the base list.
ASYNC_SUBJECT = """using System;
#if (NET_4_6 || NET_STANDARD_2_0)
using System.Threading;
#endif

namespace UniRx
{
    public sealed class AsyncSubject<T> : ISubject<T>, IDisposable
#if (NET_4_6 || NET_STANDARD_2_0)
        , INotifyCompletion
#endif
    {
        public IDisposable Subscribe(IObserver<T> observer)
        {
            return Disposable.Empty;
        }
    }
}
"""


def test_csharp_directives_inside_a_base_list_keep_members_in_their_class() -> None:
    names = _names(ASYNC_SUBJECT, "csharp", qualified=True)
    assert "UniRx.AsyncSubject.Subscribe" in names and "UniRx.Subscribe" not in names


def test_csharp_branches_that_only_parse_apart_are_left_as_written() -> None:
    # Blanking these directives would join two headers of one method: the file as written
    # parses better, so it is kept (and Run stays a method of Runner).
    source = (
        "class Runner\n{\n#if DEBUG\n    public void Run(int a)\n#else\n"
        "    public void Run()\n#endif\n    {\n    }\n}\n"
    )
    assert "Runner.Run" in _names(source, "csharp", qualified=True)


# Azure SDK's AsyncLockWithValue.cs (MIT), cut down: a parameter named `async`, used as a
# value. The grammar reads it as the modifier, and the whole file parsed to a root ERROR.
ASYNC_LOCK = """namespace Azure.Core
{
    internal sealed class AsyncLockWithValue<T>
    {
        public async ValueTask<LockOrValue> GetLockOrValueAsync(bool async, CancellationToken t)
        {
            var source = new TaskCompletionSource<LockOrValue>(async ? Options.Run : Options.None);
            if (!async)
            {
                return Wait(source, async: false);
            }
            return await source.Task;
        }

        public void Reset(in long lockIndex)
        {
        }

        public readonly struct LockOrValue
        {
            public bool HasValue { get; }
        }
    }
}
"""


def test_csharp_async_as_a_name_keeps_every_definition(indexed) -> None:
    csharp = spec_by_name("csharp")
    unbridged = extract(ASYNC_LOCK.encode(), replace(csharp, grammar_gaps=()), "a.cs")
    assert unbridged.tree.root_node.type == "ERROR"
    index = indexed({"AsyncLockWithValue.cs": ASYNC_LOCK})
    outline = [(s.qualified_name, s.kind) for s in index.outline("AsyncLockWithValue.cs")]
    scope = "Azure.Core.AsyncLockWithValue"
    assert outline == [
        ("Azure.Core", "namespace"),
        (scope, "class"),
        (f"{scope}.GetLockOrValueAsync", "method"),
        (f"{scope}.Reset", "method"),
        (f"{scope}.LockOrValue", "struct"),
        (f"{scope}.LockOrValue.HasValue", "property"),
    ]
    # The uses are found and printed as written.
    uses = [ref.text for ref in index.references("async").references]
    assert uses[0].startswith("var source = new TaskCompletionSource<LockOrValue>(async ?")
    assert len(uses) == 3


def test_csharp_async_the_modifier_is_left_alone() -> None:
    source = (
        b"async Task Run(bool async) { Func<Task> f = async () => await Go(async);"
        b" Func<int, Task> g = async => Go(async); }"
    )
    rewritten = grammar_gaps.bridged(source, [grammar_gaps.CSHARP_ASYNC_NAMES])
    assert rewritten == (
        b"async Task Run(bool _____) { Func<Task> f = async () => await Go(_____);"
        b" Func<int, Task> g = async => Go(_____); }"
    )


def test_csharp_pointer_reads_of_parenthesised_expressions() -> None:
    # `*(long*)propertyValue` broke the method, and recovery made `Free(..)` a local function.
    csharp = spec_by_name("csharp")
    unbridged = extract(CHECKPOINT_STATE.encode(), replace(csharp, grammar_gaps=()), "a.cs")
    scope = "Training.CheckpointState"
    assert f"{scope}.GetProperty.Free" in {s.qualified_name for s in unbridged.symbols}
    bridged = extract(CHECKPOINT_STATE.encode(), csharp, "a.cs")
    assert not bridged.tree.root_node.has_error
    assert [s.qualified_name for s in bridged.symbols] == [
        "Training",
        scope,
        f"{scope}.GetProperty",
        f"{scope}.Save",
    ]
    source = b"value = *(long*)p; area = width * (height + 1); /*(x)*/"
    rewritten = grammar_gaps.bridged(source, [grammar_gaps.CSHARP_POINTER_READS])
    assert rewritten == b"value = +(long*)p; area = width + (height + 1); /*(x)*/"
