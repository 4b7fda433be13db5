"""Copies kept on purpose that the third round of blind-labelled corpora showed (issue 21):
example programs, string and byte-string twins, spelled-out arities, a loop written again
to run backwards, one type defined in two sibling modules (a parallel API), and comments
that say the authors saw the copy. Real parses and a real index in a temporary directory,
as in test_clone_intent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_clone_intent import _labels, _write
from tests.test_clone_purpose import _version
from tests.test_clone_rust import _fn, _impl

TS_FUNC = """
{above}export function {name}(items: number[], limit: number): number {{
  let total = 0;
  for (const item of items) {{
    if (item < 0) {{
      throw new Error(`negative item ${{item}}`);
    }}
    total += item * 2;
    if (total > limit) {{
      return limit;
    }}
  }}
  return total;
}}
"""


def test_copies_across_example_programs_are_examples_and_within_one_stay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # mio's examples/tcp_server.rs and tcp_listenfd_server.rs: each example reads alone.
    _write(
        tmp_path,
        {"examples/tcp_server.rs": _fn("handle"), "examples/listenfd/main.rs": _fn("handle")},
    )
    assert _labels(tmp_path, capsys) == [["examples"]]
    # Two copies inside one example program are that program's own duplication.
    _write(
        tmp_path,
        {
            "examples/tcp_server.rs": _fn("handle") + _fn("serve"),
            "examples/listenfd/main.rs": "fn main() {}\n",
        },
    )
    assert _labels(tmp_path, capsys) == [[]]
    # ... and so are two files of one example program.
    _write(tmp_path, {"examples/listenfd/serve.rs": _fn("serve"), "examples/tcp_server.rs": ""})
    (tmp_path / "examples/tcp_server.rs").unlink()
    _write(tmp_path, {"examples/listenfd/main.rs": _fn("handle")})
    assert _labels(tmp_path, capsys) == [[]]


def test_string_and_byte_string_twins_and_spelled_out_arities_are_a_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # regex's expand_str / expand_bytes; zap's safeAddString / safeAddByteString.
    _write(tmp_path, {"src/expand.rs": _fn("expand_str") + _fn("expand_bytes")})
    assert _labels(tmp_path, capsys) == [["family"]]
    _write(tmp_path, {"src/expand.rs": _fn("expand_str") + _fn("expand_strict")})
    assert _labels(tmp_path, capsys) == [[]]
    (tmp_path / "src/expand.rs").unlink()
    text = "package zap\n" + _version("safeAddString") + _version("safeAddByteString")
    _write(tmp_path, {"zap/json.go": text})
    assert _labels(tmp_path, capsys) == [["family"]]
    # One copy per element type is left to merge (into a generic, say).
    text = "package pflag\n" + _version("int64SliceConv") + _version("float32SliceConv")
    _write(tmp_path, {"zap/json.go": text})
    assert _labels(tmp_path, capsys) == [[]]
    # noble's fromBigSix / fromBigTwelve: one constructor per tower level.
    (tmp_path / "zap/json.go").unlink()
    text = TS_FUNC.format(above="", name="fromBigSix") + TS_FUNC.format(
        above="", name="fromBigTwelve"
    )
    _write(tmp_path, {"src/tower.ts": text})
    assert _labels(tmp_path, capsys) == [["family"]]
    _write(tmp_path, {"src/tower.ts": text.replace("fromBigSix", "fromBigger")})
    assert _labels(tmp_path, capsys) == [[]]


RUST_TWINS = [
    # regex's dfa.rs: Fsm::exec_at and Fsm::exec_at_reverse; a loop written again to run
    # backwards.
    ("loop-reverse", _impl("Fsm", "exec_at", "exec_at_reverse"), ["family"]),
    ("loop-rewind", _impl("Fsm", "exec_at", "exec_at_rewind"), []),
    # bstr's find_not / rfind_not and inv_memchr / inv_memrchr: std's `r` before a search.
    ("rfind", _fn("find_not") + _fn("rfind_not"), ["family"]),
    ("memrchr", _fn("inv_memchr") + _fn("inv_memrchr"), ["family"]),
    ("not-r", _fn("find_not") + _fn("bind_not"), []),
    # num-bigint's from_signed_bytes_be / from_signed_bytes_le: byte-order twins.
    ("be-le", _fn("from_signed_bytes_be") + _fn("from_signed_bytes_le"), ["family"]),
    ("not-order", _fn("decode_be") + _fn("decode_bf"), []),
    # serde's ContentDeserializer / ContentRefDeserializer, one per trait method.
    (
        "ref-inside",
        _impl("ContentDeserializer", "deserialize_any")
        + _impl("ContentRefDeserializer", "deserialize_any"),
        ["family"],
    ),
    (
        "not-ref",
        _impl("ContentDeserializer", "deserialize_any")
        + _impl("ContentSeqDeserializer", "deserialize_any"),
        [],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [case[1:] for case in RUST_TWINS], ids=[case[0] for case in RUST_TWINS]
)
def test_rust_twins_named_by_std_conventions_are_a_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: list[str]
) -> None:
    _write(tmp_path, {"src/twins.rs": text})
    assert _labels(tmp_path, capsys) == [expected]


def test_one_type_defined_in_two_sibling_modules_is_a_parallel_api(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # regex's Regex::replacen in re_bytes.rs (for &[u8]) and re_unicode.rs (for &str).
    _write(
        tmp_path,
        {
            "src/re_bytes.rs": _impl("Regex", "replacen"),
            "src/re_unicode.rs": _impl("Regex", "replacen"),
        },
    )
    assert _labels(tmp_path, capsys) == [["implementations"]]
    # Two types of two names are a copy to merge ...
    _write(tmp_path, {"src/re_unicode.rs": _impl("Pattern", "replacen")})
    assert _labels(tmp_path, capsys) == [[]]
    # ... and so are top-level functions of one name in two modules.
    _write(tmp_path, {"src/re_bytes.rs": _fn("replacen"), "src/re_unicode.rs": _fn("replacen")})
    assert _labels(tmp_path, capsys) == [[]]


def test_comments_that_acknowledge_a_copy_make_it_documented(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = TS_FUNC.format(above="", name="getOrInsert")
    _write(tmp_path, {"src/utils.ts": original, "query/utils.ts": original})
    assert _labels(tmp_path, capsys) == [[]]
    # Redux Toolkit's query/utils/getOrInsert.ts opens with this, to keep the bundles apart.
    head = "// Duplicate some of the utils in `/src/utils` to ensure\n// we don't drag in core\n"
    _write(tmp_path, {"query/utils.ts": head + original})
    assert _labels(tmp_path, capsys) == [["documented"]]
    # fasthttp's decodeArgAppendNoPlus: "copy-pasted from decodeArgAppend due to the
    # performance reasons only"; client_golang: "is copy/paste to avoid a dependency".
    for note in ("// Copy-pasted from getOrInsert for speed.\n", "// This is copy/paste.\n"):
        _write(tmp_path, {"query/utils.ts": TS_FUNC.format(above=note, name="getOrInsert")})
        assert _labels(tmp_path, capsys) == [["documented"]]
    # ... but not pasting as a feature (lexical's clipboard).
    note = "// Handles copy and paste between editors.\n"
    _write(tmp_path, {"query/utils.ts": TS_FUNC.format(above=note, name="getOrInsert")})
    assert _labels(tmp_path, capsys) == [[]]
    # noble's FpPow: "same shape as pow() above"; regex: "the code duplication here is ...".
    for note in ("// Same shape as getOrInsert, over generic ops.\n", "// Duplication here.\n"):
        _write(tmp_path, {"query/utils.ts": TS_FUNC.format(above=note, name="getOrInsert")})
        assert _labels(tmp_path, capsys) == [["documented"]]


def test_rust_module_files_declared_under_cfg_are_platform_variants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # chrono's offset/local: one `mod inner;` per platform, each naming its file.
    parent = (
        "#[cfg(all(\n    not(unix),\n    not(windows),\n))]\n"
        '#[path = "stub.rs"]\nmod inner;\n\n'
        '#[cfg(windows)]\n#[path = "windows.rs"]\nmod inner;\n'
    )
    files = {
        "src/local/mod.rs": parent,
        "src/local/stub.rs": _fn("naive_to_local"),
        "src/local/windows.rs": _fn("naive_to_local"),
    }
    _write(tmp_path, files)
    assert _labels(tmp_path, capsys) == [["platform-variants"]]
    # The same files declared without constraints are a copy to merge.
    _write(tmp_path, {"src/local/mod.rs": parent.replace("#[cfg(windows)]\n", "")})
    assert _labels(tmp_path, capsys) == [[]]
    # parking_lot_core: the branches of a `cfg_if!`, declared by name in `lib.rs`.
    for name in ("mod.rs", "stub.rs", "windows.rs"):
        (tmp_path / "src/local" / name).unlink()
    branches = (
        "cfg_if! {\n    if #[cfg(unix)] {\n        mod unix;\n"
        "    } else if #[cfg(windows)] {\n        mod windows;\n    }\n}\n"
    )
    _write(
        tmp_path,
        {"src/lib.rs": branches, "src/unix.rs": _fn("park"), "src/windows.rs": _fn("park")},
    )
    assert _labels(tmp_path, capsys) == [["platform-variants"]]
    # A module for tests says where its tests run, not a platform (stdarch's test_support).
    tests_only = '#[cfg(test)]\n#[cfg(any(target_arch = "aarch64"))]\nmod support;\n'
    _write(
        tmp_path,
        {
            "src/lib.rs": "",
            "src/aarch64/support.rs": _fn("driver"),
            "src/shared/mod.rs": tests_only,
            "src/shared/support.rs": _fn("driver"),
        },
    )
    (tmp_path / "src/unix.rs").unlink()
    (tmp_path / "src/windows.rs").unlink()
    assert _labels(tmp_path, capsys) == [[]]
