"""Groups whose copies are not the current library's to merge: code no build includes (Go's
`_asm/` generator programs, `//go:build ignore` files), an old major version shipped beside
the new one, modules that each implement one interface, and Rust's per-target folders. Real
parses and a real index in a temporary directory, as in test_clone_intent."""

from __future__ import annotations

from pathlib import Path

import pytest
from codeindex_server.schemas import CloneGroup

from codeindex.clones.selection import INTENTIONAL
from tests.test_clone_intent import PY_PARSE, _go, _labels, _write


def test_go_code_no_build_includes_is_unbuilt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # edwards25519's field/_asm/: an avo program that writes the assembly (go help packages:
    # the go tool ignores folders starting with `_` or `.`).
    _write(tmp_path, {"field/_asm/fe.go": _go("main", "feMul")})
    _write(tmp_path, {"field/_asm/sq.go": _go("main", "feSquare", 3)})
    assert _labels(tmp_path, capsys) == [["unbuilt"]]
    (tmp_path / "field/_asm").rename(tmp_path / "field/asm")
    assert _labels(tmp_path, capsys) == [[]]
    # A copy in the library is the project's code, whatever the generator holds.
    (tmp_path / "field/asm").rename(tmp_path / "field/.asm")
    _write(tmp_path, {"field/fe.go": _go("field", "feMul", 4)})
    assert _labels(tmp_path, capsys) == [[]]
    # internal/goos/gengoos.go and internal/goarch/gengoarch.go: programs for `go run`.
    (tmp_path / "field/fe.go").unlink()
    ignore = "//go:build ignore\n\n"
    _write(tmp_path, {"goos/gen.go": ignore + _go("main", "main"), "field/.asm/fe.go": ""})
    _write(tmp_path, {"goarch/gen.go": ignore + _go("main", "main", 3), "field/.asm/sq.go": ""})
    assert _labels(tmp_path, capsys) == [["unbuilt"]]
    _write(tmp_path, {"goarch/gen.go": _go("main", "main", 3)})
    assert _labels(tmp_path, capsys) == [[]]


TS_MERGE = """
export function {name}(a: any, b: any): {{ valid: boolean; data?: any }} {{
  if (a === b) {{
    return {{ valid: true, data: a }};
  }}
  if (Array.isArray(a) && Array.isArray(b)) {{
    const merged = [];
    for (let index = 0; index < a.length; index++) {{
      const item = {name}(a[index], b[index]);
      if (!item.valid) return {{ valid: false }};
      merged.push(item.data);
    }}
    return {{ valid: true, data: merged }};
  }}
  return {{ valid: false }};
}}
"""


def test_one_function_under_two_major_version_folders_is_major_versions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # zod ships v3/ frozen beside v4/: v3/types.ts and v4/core/schemas.ts' mergeValues.
    _write(
        tmp_path,
        {
            "v3/types.ts": TS_MERGE.format(name="mergeValues"),
            "v4/core/schemas.ts": TS_MERGE.format(name="mergeValues"),
        },
    )
    assert _labels(tmp_path, capsys) == [["major-versions"]]
    # Under other names they are two functions to merge, whatever the folders.
    _write(tmp_path, {"v4/core/schemas.ts": TS_MERGE.format(name="mergeShapes")})
    assert _labels(tmp_path, capsys) == [[]]
    # Two copies inside one version are the current code's own.
    _write(tmp_path, {"v4/core/schemas.ts": "", "v4/util.ts": TS_MERGE.format(name="mergeValues")})
    _write(tmp_path, {"v3/types.ts": "", "v4/classic.ts": TS_MERGE.format(name="mergeValues")})
    assert _labels(tmp_path, capsys) == [[]]


def test_one_name_in_four_modules_of_a_directory_is_implementations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The standard library's encodings/*.py each define getregentry; zod's locales/*.ts, error.
    codecs = ["cp1250", "cp1251", "latin_1", "koi8_r"]

    def write(folders: list[str]) -> None:
        _write(
            tmp_path,
            {
                f"{folder}/{codec}.py": PY_PARSE.format(name="getregentry")
                for folder, codec in zip(folders, codecs, strict=True)
            },
        )

    write(["encodings"] * 4)
    assert _labels(tmp_path, capsys) == [["implementations"]]
    for codec in codecs:
        (tmp_path / "encodings" / f"{codec}.py").unlink()
    # Four modules of different packages: copies to merge, as are three of one package.
    write(["encodings", "encodings", "encodings", "legacy"])
    assert _labels(tmp_path, capsys) == [[]]


RUST_INTRINSIC = """
pub unsafe fn {name}(a: &[u8], b: &mut [u8]) -> usize {{
    let mut written = 0;
    for (index, chunk) in a.chunks(16).enumerate() {{
        let value = load(chunk.as_ptr());
        if value.is_zero() {{
            break;
        }}
        store(b[index * 16..].as_mut_ptr(), shuffle(value, MASK));
        written += chunk.len();
    }}
    written
}}
"""


def test_rust_target_architecture_folders_are_platform_variants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # stdarch's core_arch/src/{x86,aarch64,wasm32}/: one folder per target_arch.
    folders = {"x86": "sse", "aarch64": "neon"}
    _write(
        tmp_path,
        {
            f"core_arch/src/{arch}/{unit}.rs": RUST_INTRINSIC.format(name="hex_encode")
            for arch, unit in folders.items()
        },
    )
    assert _labels(tmp_path, capsys) == [["platform-variants"]]
    # `arm_shared` serves arm and aarch64 alike: beside aarch64 it is the portable copy.
    (tmp_path / "core_arch/src/x86").rename(tmp_path / "core_arch/src/arm_shared")
    assert _labels(tmp_path, capsys) == [[]]


def test_the_mcp_schema_names_every_reason_a_group_is_kept_on_purpose() -> None:
    # An agent reads the output schema to know the values `on_purpose` can take.
    description = CloneGroup.model_fields["on_purpose"].description or ""
    assert [label for label in INTENTIONAL if label not in description] == []
