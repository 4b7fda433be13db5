"""Copies Rust keeps on purpose, found on its standard library (issue 21): reverse and
thread-safe twins, one function per CPU feature or per machine instruction, projects of
their own included whole, delegates alike by their parameter lists; and test code that Rust
marks with attributes, not names. Real parses and a real index in a temporary directory,
as in test_clone_intent."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeindex.clones.opposites import are_mirror_images
from codeindex.models import Symbol
from tests.test_clone_intent import _groups, _labels, _write
from tests.test_clone_scope import RUST_INTRINSIC


def _fn(name: str, above: str = "") -> str:
    """A Rust function of the same body whatever its name, under the lines `above`."""
    return "\n" + above + RUST_INTRINSIC.lstrip("\n").format(name=name)


def _impl(type_name: str, *methods: str) -> str:
    return f"impl {type_name} {{\n" + "".join(_fn(name) for name in methods) + "}\n"


def test_reverse_and_thread_safe_twins_are_a_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `DoubleEndedIterator::next_back` beside `Iterator::next`, `try_rfold` beside `try_fold`.
    _write(tmp_path, {"src/iter.rs": _impl("Chars", "next", "next_back")})
    assert _labels(tmp_path, capsys) == [["family"]]
    _write(tmp_path, {"src/iter.rs": _impl("Chars", "try_fold", "try_rfold")})
    assert _labels(tmp_path, capsys) == [["family"]]
    # Shared and mutable, owned and borrowed, plain and seeded twins.
    _write(tmp_path, {"src/iter.rs": _impl("Slice", "chunks", "chunks_mut")})
    assert _labels(tmp_path, capsys) == [["family"]]
    _write(tmp_path, {"src/iter.rs": _impl("Fold", "visit") + _impl("FoldWith", "visit")})
    assert _labels(tmp_path, capsys) == [["family"]]
    # Two operations, not one per direction: a copy to merge.
    _write(tmp_path, {"src/iter.rs": _impl("Chars", "next", "peek")})
    assert _labels(tmp_path, capsys) == [[]]
    # `Arc` is the atomic `Rc`; a `Lock` is the thread-safe `Cell`.
    _write(tmp_path, {"src/iter.rs": _impl("Rc", "from_iter") + _impl("Arc", "from_iter")})
    assert _labels(tmp_path, capsys) == [["family"]]
    _write(tmp_path, {"src/iter.rs": _impl("OnceCell", "fill") + _impl("OnceLock", "fill")})
    assert _labels(tmp_path, capsys) == [["family"]]
    _write(tmp_path, {"src/iter.rs": _impl("Reader", "fill") + _impl("Writer", "fill")})
    assert _labels(tmp_path, capsys) == [[]]


def test_one_function_per_cpu_feature_is_platform_variants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # stdarch's examples/hex.rs: hex_encode_avx2 and hex_encode_sse41, each compiled for its
    # feature; the names differ by the feature each is marked for.
    avx2 = _fn("hex_encode_avx2", '#[target_feature(enable = "avx2")]\n')
    sse41 = _fn("hex_encode_sse41", '#[target_feature(enable = "sse4.1")]\n')
    _write(tmp_path, {"examples/hex.rs": avx2 + sse41})
    assert _labels(tmp_path, capsys) == [["platform-variants"]]
    # Without the attributes, or under one feature, they are two names for one copy.
    _write(tmp_path, {"examples/hex.rs": (avx2 + sse41).replace('"sse4.1"', '"avx2"')})
    assert _labels(tmp_path, capsys) == [[]]
    plain = _fn("hex_encode_avx2") + _fn("hex_encode_sse41")
    _write(tmp_path, {"examples/hex.rs": plain})
    assert _labels(tmp_path, capsys) == [[]]


INSTRUCTION = """
pub fn {name}(x: u32, a: u32, block: u8) -> u32 {{
    let ans: u32;
    match block {{
        0 => unsafe {{ asm!("{insn} 0x18, {{}}, {{}}, {{}}", out(reg) ans, in(reg) x, in(reg) a) }},
        1 => unsafe {{ asm!("{insn} 0x38, {{}}, {{}}, {{}}", out(reg) ans, in(reg) x, in(reg) a) }},
        2 => unsafe {{ asm!("{insn} 0x58, {{}}, {{}}, {{}}", out(reg) ans, in(reg) x, in(reg) a) }},
        _ => unreachable!(),
    }};
    ans
}}
"""


def test_one_function_per_machine_instruction_is_data_like(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # RISC-V's sm4ed and sm4ks: alike once their `asm!` templates collapse to one literal;
    # a template must be a literal, so no parameter can merge them.
    sm4ed = INSTRUCTION.format(name="sm4ed", insn=".insn r 0x33, 0")
    sm4ks = INSTRUCTION.format(name="sm4ks", insn=".insn r 0x33, 1")
    _write(tmp_path, {"src/riscv.rs": sm4ed + sm4ks})
    assert _labels(tmp_path, capsys) == [["data-like"]]
    # The same instructions in both: a real copy.
    _write(tmp_path, {"src/riscv.rs": sm4ed + sm4ed.replace("sm4ed", "sm4ed_copy")})
    assert _labels(tmp_path, capsys) == [[]]


def test_copies_across_projects_included_whole_are_vendored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # rust's library/backtrace and library/stdarch: git submodules, each its own workspace.
    _write(
        tmp_path,
        {
            "backtrace/Cargo.toml": '[package]\nname = "backtrace"\n\n[workspace]\n',
            "stdarch/Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
            "backtrace/ci/runtest.rs": _fn("main"),
            "stdarch/ci/runtest.rs": _fn("main"),
        },
    )
    assert _labels(tmp_path, capsys) == [["vendored"]]
    # Two crates of one workspace: a copy one of them could take from the other.
    for project in ("backtrace", "stdarch"):
        _write(tmp_path, {f"{project}/Cargo.toml": f'[package]\nname = "{project}"\n'})
    assert _labels(tmp_path, capsys) == [[]]


def test_rust_test_attributes_and_compile_time_checks_are_test_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def labels() -> list[list[str]]:
        groups = _groups(tmp_path, capsys, "--tests", "include")["groups"]
        assert isinstance(groups, list)
        return [group["labels"] for group in groups]

    # rayon's range.rs ends with `#[test] fn test_issue_833`; hashbrown's `#[cfg(test)]`
    # modules are named `test_map`, but any name would do.
    _write(tmp_path, {"src/range.rs": _fn("check_a", "#[test]\n") + _fn("check_b", "#[test]\n")})
    assert labels() == [["test"]]
    module = "#[cfg(test)]\nmod checks {\n" + _fn("check_a") + _fn("check_b") + "}\n"
    _write(tmp_path, {"src/range.rs": module})
    assert labels() == [["test"]]
    # rayon-core's thread_pool/test.rs opens with `#![cfg(test)]`.
    _write(tmp_path, {"src/range.rs": "#![cfg(test)]\n" + _fn("check_a") + _fn("check_b")})
    assert labels() == [["test"]]
    _write(tmp_path, {"src/range.rs": _fn("check_a") + _fn("check_b")})
    assert labels() == [[]]
    # std's and hashbrown's assert_covariance: nested functions only, nothing runs.
    check = """
#[allow(dead_code)]
fn assert_covariance() {{
    fn keys<'new>(v: {kind}<&'static str, u8>) -> {kind}<&'new str, u8> {{
        v
    }}
    fn values<'new>(v: {kind}<u8, &'static str>) -> {kind}<u8, &'new str> {{
        v
    }}
    fn iter<'a, 'new>(v: Iter<'a, &'static str, u8>) -> Iter<'a, &'new str, u8> {{
        v
    }}
    fn drain<'new>(d: Drain<'static, &'static str>) -> Drain<'new, &'new str> {{
        d
    }}
}}
"""
    _write(
        tmp_path,
        {"src/map.rs": check.format(kind="HashMap"), "src/set.rs": check.format(kind="HashSet")},
    )
    (tmp_path / "src/range.rs").unlink()
    assert labels() == [["test"]]


DELEGATE = """
pub unsafe fn {name}(
    e00: i8, e01: i8, e02: i8, e03: i8, e04: i8, e05: i8, e06: i8, e07: i8,
    e08: i8, e09: i8, e10: i8, e11: i8, e12: i8, e13: i8, e14: i8, e15: i8,
) -> __m128i {{
    {call}(
        {arguments},
    )
}}
"""


def test_delegates_alike_by_their_parameter_lists_are_wrappers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # stdarch's _mm_set_epi8 hands its 16 parameters on to _mm_setr_epi8, reversed.
    names = [f"e{index:02}" for index in range(16)]
    forward = DELEGATE.format(name="set", call="setr", arguments=", ".join(reversed(names)))
    backward = DELEGATE.format(name="setr", call="build", arguments=", ".join(names))
    _write(tmp_path, {"src/set.rs": forward + backward})
    assert _labels(tmp_path, capsys) == [["wrappers"]]
    # The same calls after a body of their own: a copy to fold.
    lets = "\n".join(f"    let {name} = load({index});" for index, name in enumerate(names))
    for text in (forward, backward):
        assert text.count(") -> __m128i {") == 1
    own = (forward + backward).replace(") -> __m128i {", ") -> __m128i {\n" + lets)
    own = own.replace(DELEGATE.split("\n")[2], "").replace(DELEGATE.split("\n")[3], "")
    _write(tmp_path, {"src/set.rs": own})
    assert _labels(tmp_path, capsys) == [[]]


def test_a_verb_and_its_de_form_are_mirror_images() -> None:
    # portable-simd's interleave / deinterleave; `debug` does not undo a `bug`.
    def pair(one: str, other: str) -> list[Symbol]:
        return [
            Symbol(name, name, "function", "rust", "src/a.rs", 1, 30, name) for name in (one, other)
        ]

    assert are_mirror_images(pair("interleave", "deinterleave"), 0.8)
    assert are_mirror_images(pair("allocate_in", "deallocate_in"), 0.8)
    assert not are_mirror_images(pair("bug", "debug"), 0.8)
    assert not are_mirror_images(pair("interleave", "deinterleave"), 0.97)  # a near copy
