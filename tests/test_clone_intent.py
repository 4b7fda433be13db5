"""Groups kept on purpose (codeindex.clones.intent and the registry's Intent and Variants
rows): each detection labels its group, ranks it after the unlabelled ones, and
`--hide-intentional` (old name `--hide-variants`) leaves it out. Real tree-sitter parses and
a real index in a temporary directory, one small fixture per language concerned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeindex import cli
from codeindex.clones.opposites import are_mirror_images
from codeindex.models import Symbol

# One Go function body; `{name}` and `{package}` vary, `{factor}` edits one literal-free spot.
GO_FUNC = """package {package}

{doc}func {name}(values []int, limit int) (int, error) {{
	total := 0
	for index, value := range values {{
		if value < 0 {{
			return 0, fmt.Errorf("negative value %d at %d", value, index)
		}}
		total += value * {factor}
		if total > limit {{
			return limit, nil
		}}
	}}
	return total, nil
}}
"""
# A second and a third unlike shape, for mirrored packages holding several functions.
GO_WALK = """
func {name}(nodes []*Node, seen map[*Node]bool) []*Node {{
	var order []*Node
	for len(nodes) > 0 {{
		node := nodes[len(nodes)-1]
		nodes = nodes[:len(nodes)-1]
		if seen[node] {{
			continue
		}}
		seen[node] = true
		order = append(order, node)
		nodes = append(nodes, node.Children...)
	}}
	return order
}}
"""
GO_LOOKUP = """
func {name}(table map[string][]string, key string, fallback []string) []string {{
	if values, ok := table[strings.ToLower(key)]; ok && len(values) > 0 {{
		copied := make([]string, len(values))
		copy(copied, values)
		sort.Strings(copied)
		return copied
	}}
	if fallback == nil {{
		return []string{{}}
	}}
	return append([]string(nil), fallback...)
}}
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _groups(root: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code = cli.main(["dups", "--root", str(root), "--json", *argv])
    assert code == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def _labels(root: Path, capsys: pytest.CaptureFixture[str]) -> list[list[str]]:
    """Each group's labels with its reason kept on purpose. JSON `labels` holds only the
    values DESIGN.md promises; the other reasons come as `on_purpose`."""
    groups = _groups(root, capsys)["groups"]
    assert isinstance(groups, list)
    for group in groups:
        assert set(group["labels"]) <= {"test", "platform-variants", "block"}
    return [
        list(
            dict.fromkeys(
                group["labels"] + [group.get("on_purpose")]
                if group.get("on_purpose")
                else group["labels"]
            )
        )
        for group in groups
    ]


def _go(package: str, name: str, factor: int = 2, doc: str = "") -> str:
    return GO_FUNC.format(package=package, name=name, factor=factor, doc=doc)


def test_go_architecture_file_prefixes_and_the_x86_folder_are_platform_variants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The compiler's generator inputs: one file per architecture, named by a prefix, each
    # `//go:build ignore` (the same constraint: only the prefix tells them apart).
    ignore = "//go:build ignore\n\n"
    _write(
        tmp_path,
        {
            "ssa/gen/AMD64Ops.go": ignore + _go("main", "init", 2),
            "ssa/gen/ARM64Ops.go": ignore + _go("main", "init", 3),
            "sum/sum.go": "package sum\n" + GO_WALK.format(name="Order"),
            "total/total.go": "package total\n" + GO_WALK.format(name="Visit"),
        },
    )
    assert _labels(tmp_path, capsys) == [[], ["platform-variants"]]
    (tmp_path / "ssa/gen/AMD64Ops.go").rename(tmp_path / "ssa/gen/OpsA.go")
    (tmp_path / "ssa/gen/ARM64Ops.go").rename(tmp_path / "ssa/gen/OpsB.go")
    # Not platform variants any more; still programs no build includes (`go run` inputs).
    assert _labels(tmp_path, capsys) == [[], ["unbuilt"]]
    # The 386 back end's folder is `x86`, not a GOARCH name.
    _write(
        tmp_path,
        {
            "compile/x86/ssa.go": "package x86\n" + GO_LOOKUP.format(name="ssaGenBlock"),
            "compile/amd64/ssa.go": "package amd64\n" + GO_LOOKUP.format(name="ssaGenBlock"),
        },
    )
    assert _labels(tmp_path, capsys) == [[], ["platform-variants"], ["unbuilt"]]


def test_a_package_copied_whole_into_another_directory_is_a_mirror(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # go/types and cmd/compile/internal/types2: the same files, the same functions, each
    # package named after its directory.
    files = {}
    for folder, package in (("go/types", "types"), ("compile/types2", "types2")):
        files[f"{folder}/expr.go"] = _go(package, "binary")
        files[f"{folder}/walk.go"] = f"package {package}\n" + GO_WALK.format(name="walk")
        files[f"{folder}/lookup.go"] = f"package {package}\n" + GO_LOOKUP.format(name="lookup")
    _write(tmp_path, files)
    assert _labels(tmp_path, capsys) == [["mirror"], ["mirror"], ["mirror"]]
    # Two shared functions are a coincidence of names, not a copied package.
    (tmp_path / "compile/types2/lookup.go").write_text("package types2\n")
    assert _labels(tmp_path, capsys) == [[], []]


GO_MAPS = """
func {name}(t *maptype, h *hmap, key {key}) unsafe.Pointer {{
	if h == nil || h.count == 0 {{
		return unsafe.Pointer(&zeroVal[0])
	}}
	hash := t.hasher(noescape(unsafe.Pointer(&key)), uintptr(h.hash0))
	bucket := hash & bucketMask(h.B)
	for b := (*bmap)(add(h.buckets, bucket*uintptr(t.bucketsize))); b != nil; b = b.overflow(t) {{
		for i := uintptr(0); i < bucketCnt; i++ {{
			if *(*{key})(add(unsafe.Pointer(b), dataOffset+i*{size})) == key {{
				return add(unsafe.Pointer(b), dataOffset+bucketCnt*{size}+i*uintptr(t.elemsize))
			}}
		}}
	}}
	return unsafe.Pointer(&zeroVal[0])
}}
"""


def test_go_functions_per_key_type_or_numbered_are_a_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime = "package runtime\n"
    _write(
        tmp_path,
        {
            "runtime/map_fast32.go": runtime
            + GO_MAPS.format(name="mapaccess_fast32", key="uint32", size=4),
            "runtime/map_fast64.go": runtime
            + GO_MAPS.format(name="mapaccess_fast64", key="uint64", size=8),
            "runtime/map_faststr.go": runtime
            + GO_MAPS.format(name="mapaccess_faststr", key="string", size=16),
            "runtime/walk.go": runtime
            + GO_WALK.format(name="walk1")
            + GO_WALK.format(name="walk2"),
        },
    )
    assert _labels(tmp_path, capsys) == [["family"], ["family"]]


CS_CLASS = """
namespace Demo
{{
    public {kind} {name}
    {{
{methods}
    }}
}}
"""
CS_METHOD = """
        public {modifier}int {name}(int[] source, int limit, string label)
        {{
            var total = 0;
            foreach (var item in source)
            {{
                if (item < 0) throw new ArgumentException(label + " has a negative item");
                total += item * {factor};
                if (total > limit) return limit;
            }}
            {log}.WriteLine(label + " total " + total);
            return total;
        }}
"""


def _cs_methods(*names: str, modifier: str = "static ", log: str = "Console") -> str:
    return "".join(
        CS_METHOD.format(modifier=modifier, name=name, factor=factor, log=log)
        for factor, name in enumerate(names, 2)
    )


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # UniTask's LINQ: one operator in sync, await and await-with-cancellation flavours.
        (
            {
                "Linq/Sum.cs": CS_CLASS.format(
                    kind="static partial class",
                    name="Enumerable",
                    methods=_cs_methods(
                        "SumAsync", "SumAwaitAsync", "SumAwaitWithCancellationAsync"
                    ),
                )
            },
            [["family"]],
        ),
        # A class and its generic twin.
        (
            {
                "Source.cs": CS_CLASS.format(
                    kind="class", name="Source", methods=_cs_methods("Signal", modifier="")
                )
                + CS_CLASS.format(
                    kind="class", name="Source<T>", methods=_cs_methods("Signal", modifier="")
                )
            },
            [["family"]],
        ),
        # Two operations of one shape: a copy to merge.
        (
            {
                "Metrics.cs": CS_CLASS.format(
                    kind="static class", name="Metrics", methods=_cs_methods("Count", "Measure")
                )
            },
            [[]],
        ),
        # Flavour words inside a name: UniTask's sorters per selector kind.
        (
            {
                "Linq/OrderBy.cs": "".join(
                    CS_CLASS.format(kind="class", name=name, methods=_cs_methods("CompareKeys"))
                    for name in (
                        "SyncSelectorSorter",
                        "AsyncSelectorSorter",
                        "AsyncSelectorWithCancellationSorter",
                    )
                )
            },
            [["family"]],
        ),
        # The async method builder's pair the compiler requires: `Unsafe` is a flavour.
        (
            {
                "Builder.cs": CS_CLASS.format(
                    kind="struct",
                    name="Builder",
                    methods=_cs_methods("AwaitOnCompleted", "AwaitUnsafeOnCompleted"),
                )
            },
            [["family"]],
        ),
    ],
    ids=["flavours", "generic-twins", "unrelated", "flavour-words", "unsafe"],
)
def test_csharp_flavours_and_generic_twins_are_a_family(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    expected: list[list[str]],
) -> None:
    _write(tmp_path, files)
    assert _labels(tmp_path, capsys) == expected


PY_PARSE = """
def {name}(text, separator=",", strict=False):
    fields = []
    for index, part in enumerate(text.split(separator)):
        part = part.strip()
        if not part and strict:
            raise ValueError(f"empty field {{index}}")
        fields.append(part.lower())
    return fields
"""


def test_typescript_sync_and_async_twins_are_a_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # zod's `_parse` and `_parseAsync`, kept apart so that the sync path never awaits.
    file_name, text, _, _ = DEPRECATED["ts"]
    twins = text.replace("split_old", "_parse").replace("split_new", "_parseAsync")
    _write(tmp_path, {file_name: twins})
    assert _labels(tmp_path, capsys) == [["family"]]
    _write(tmp_path, {file_name: twins.replace("_parseAsync", "_parseLoose")})
    assert _labels(tmp_path, capsys) == [[]]


def test_a_numbered_copy_of_a_python_function_is_not_a_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `parse2` is the classic name of a copy to merge; `parse1` and `parse2` number versions.
    _write(tmp_path, {"fields.py": PY_PARSE.format(name="parse") + PY_PARSE.format(name="parse2")})
    assert _labels(tmp_path, capsys) == [[]]
    _write(tmp_path, {"fields.py": PY_PARSE.format(name="parse1") + PY_PARSE.format(name="parse2")})
    assert _labels(tmp_path, capsys) == [["family"]]


# Per language: a file holding two copies of one function (`split_old`, `split_new`), the
# first one's definition line, and that line deprecated the language's way.
DEPRECATED = {
    "py": (
        "fields.py",
        PY_PARSE.format(name="split_old") + PY_PARSE.format(name="split_new"),
        "\ndef split_old",
        '\n@deprecated("use split_fields")\ndef split_old',
    ),
    "ts": (
        "fields.ts",
        "".join(
            f"""
export function {name}(text: string, separator: string, strict: boolean): string[] {{
  const fields: string[] = [];
  text.split(separator).forEach((part, index) => {{
    const field = part.trim();
    if (!field && strict) {{
      throw new Error(`empty field ${{index}}`);
    }}
    fields.push(field.toLowerCase());
  }});
  return fields;
}}
"""
            for name in ("split_old", "split_new")
        ),
        "\nexport function split_old",
        "\n/**\n * Splits fields.\n * @deprecated Use splitFields.\n */\nexport function split_old",
    ),
    "go": (
        "fields.go",
        "package fields\n"
        + GO_LOOKUP.format(name="split_old")
        + GO_LOOKUP.format(name="split_new"),
        "\nfunc split_old",
        "\n// split_old looks a key up.\n//\n// Deprecated: use Find.\nfunc split_old",
    ),
    "rs": (
        "src/fields.rs",
        "".join(
            f"""
pub fn {name}(text: &str, separator: char, strict: bool) -> Result<Vec<String>, String> {{
    let mut fields = Vec::new();
    for (index, part) in text.split(separator).enumerate() {{
        let field = part.trim();
        if field.is_empty() && strict {{
            return Err(format!("empty field {{}}", index));
        }}
        fields.push(field.to_lowercase());
    }}
    Ok(fields)
}}
"""
            for name in ("split_old", "split_new")
        ),
        "\npub fn split_old",
        '\n#[deprecated(note = "use split_fields")]\npub fn split_old',
    ),
    "cs": (
        "Fields.cs",
        CS_CLASS.format(
            kind="static class", name="Fields", methods=_cs_methods("split_old", "split_new")
        ),
        "\n        public static int split_old",
        '\n        [Obsolete("use Measure")]\n        public static int split_old',
    ),
}


@pytest.mark.parametrize("language", sorted(DEPRECATED))
def test_a_copy_of_deprecated_code_is_labelled_deprecated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    """Two copies, one deprecated: the duplication leaves with the deprecated one."""
    path, text, plain, marked = DEPRECATED[language]
    assert text.count(plain) == 1
    _write(tmp_path, {path: text})
    assert _labels(tmp_path, capsys) == [[]]
    _write(tmp_path, {path: text.replace(plain, marked)})
    assert _labels(tmp_path, capsys) == [["deprecated"]]


def test_python_modules_and_packages_deprecated_by_a_module_level_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """distutils warns in its package's `__init__.py`, cgitb in its own module, others in
    the deprecated function's body."""
    warn = "import warnings\nwarnings.warn('distutils is deprecated', DeprecationWarning, 2)\n"
    _write(
        tmp_path,
        {
            "distutils/__init__.py": warn,
            "distutils/command/build.py": PY_PARSE.format(name="parse_makefile"),
            "sysconfig.py": PY_PARSE.format(name="_parse_makefile"),
        },
    )
    assert _labels(tmp_path, capsys) == [["deprecated"]]
    (tmp_path / "distutils/__init__.py").write_text("import warnings\n")
    assert _labels(tmp_path, capsys) == [[]]
    old = "import warnings\nwarnings._deprecated(__name__, remove=(3, 13))\n"
    (tmp_path / "distutils/command/build.py").write_text(
        old + PY_PARSE.format(name="parse_makefile")
    )
    assert _labels(tmp_path, capsys) == [["deprecated"]]
    (tmp_path / "distutils/command/build.py").write_text(
        PY_PARSE.format(name="parse_makefile").replace(
            "    fields = []",
            "    warnings.warn('use sysconfig', DeprecationWarning, stacklevel=2)\n    fields = []",
        )
    )
    assert _labels(tmp_path, capsys) == [["deprecated"]]


def test_vendored_copies_are_labelled_and_all_intentional_groups_hide_with_one_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(
        tmp_path,
        {
            # Someone else's code twice: nothing for this project to merge.
            "vendor/golang.org/x/a/a.go": _go("a", "Find"),
            "vendor/golang.org/x/b/b.go": _go("b", "Find"),
            # A vendored function copied into the project is the project's to merge.
            "vendor/golang.org/x/c/walk.go": "package c\n" + GO_WALK.format(name="Walk"),
            "graph/walk.go": "package graph\n" + GO_WALK.format(name="walk"),
            "ssa/gen/AMD64Ops.go": "package main\n" + GO_LOOKUP.format(name="init"),
            "ssa/gen/ARM64Ops.go": "package main\n" + GO_LOOKUP.format(name="init"),
        },
    )
    assert _labels(tmp_path, capsys) == [[], ["platform-variants"], ["vendored"]]
    for flag in ("--hide-intentional", "--hide-variants"):  # the option's old name still works
        data = _groups(tmp_path, capsys, flag)
        assert [g["labels"] for g in data["groups"]] == [[]]  # type: ignore[attr-defined]
        assert data["hidden"] == {"platform-variants": 1, "vendored": 1}
    cli.main(["dups", "--root", str(tmp_path), "--hide-intentional"])
    out = capsys.readouterr().out
    assert "1 group(s) labelled vendored left out (without --hide-intentional)" in out


RUST_DEBUG = """
impl fmt::Debug for {name} {{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{
        f.debug_struct("{name}")
            .field("capacity", &self.capacity)
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .finish()
    }}
}}
"""


def test_one_method_written_alike_in_four_classes_is_implementations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rust's Debug impls: one trait method per type. Three types are a copy to consider."""
    types = ["ReadBuf", "WriteBuf", "Chunk", "Frame"]
    _write(tmp_path, {"src/bufs.rs": "".join(RUST_DEBUG.format(name=n) for n in types)})
    assert _labels(tmp_path, capsys) == [["implementations"]]
    _write(tmp_path, {"src/bufs.rs": "".join(RUST_DEBUG.format(name=n) for n in types[:3])})
    assert _labels(tmp_path, capsys) == [[]]


def test_most_members_of_one_name_in_four_classes_are_implementations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """UniTask's enumerators: `MoveNextCore` per operator, beside a `FirstMoveNextCore` of the
    same shape. Half the members of one name is not enough."""
    types = ["ReadBuf", "WriteBuf", "Chunk", "Frame"]
    other = RUST_DEBUG.format(name="Zip").replace("fn fmt(", "fn first_fmt(")
    impls = "".join(RUST_DEBUG.format(name=n) for n in types)
    _write(tmp_path, {"src/bufs.rs": impls + other})
    assert _labels(tmp_path, capsys) == [["implementations"]]
    half = "".join(RUST_DEBUG.format(name=n) for n in types[:2]) + "".join(
        RUST_DEBUG.format(name=n).replace("fn fmt(", f"fn {n.lower()}_fmt(") for n in types[2:]
    )
    _write(tmp_path, {"src/bufs.rs": half})
    assert _labels(tmp_path, capsys) == [[]]


PY_READ = PY_PARSE.format(name="read_fields")
# The opposite operation written alike: most lines run the other way (0.81 alike).
PY_WRITE = """
def write_fields(text, separator=",", strict=False):
    fields = []
    for index, part in enumerate(text.split(separator)):
        part = part.rstrip()
        if not part or strict:
            raise KeyError(f"empty field {index}", separator)
        fields.insert(0, part.upper())
    return separator.join(fields)
"""


def test_opposite_operations_written_alike_are_mirror_images_unless_a_near_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, {"codec.py": PY_READ + PY_WRITE})
    assert _labels(tmp_path, capsys) == [["mirror-images"]]
    # Not opposites: the same pair of bodies is a copy to merge.
    _write(tmp_path, {"codec.py": PY_READ + PY_WRITE.replace("write_fields", "parse_fields")})
    assert _labels(tmp_path, capsys) == [[]]
    # Opposites that differ by one call (0.98 alike) fold into one helper taking it.
    near = PY_READ.replace("read_fields", "write_fields").replace(".lower()", ".upper()")
    _write(tmp_path, {"codec.py": PY_READ + near})
    assert _labels(tmp_path, capsys) == [[]]


def test_mirror_images_are_named_for_opposite_operations() -> None:
    def pair(one: str, other: str, members: int = 2) -> bool:
        names = [one, other, f"{one}_owned"][:members]
        symbols = [Symbol(n.rpartition(".")[2], n, "method", "go", "a.go", 1, 9, "") for n in names]
        return are_mirror_images(symbols, 0.85)

    assert pair("readServerCertificate", "readClientCertificate")
    assert pair("uadd", "usub") and pair("pread", "pwrite")  # a shared prefix set aside
    assert pair("RecvmsgBuffers", "SendmsgBuffers")  # and a suffix (golang.org/x/sys)
    assert pair("encoded_words", "decoded_words")
    assert not pair("nlargest", "nsmallest")  # directions: one operation, a parameter
    assert pair("Read", "Write") and pair("encode_header", "decode_header")
    assert pair("MutationCache.add", "MutationCache.remove")  # @tanstack/query-core
    assert pair("ObservableSet.add", "ObservableSet.delete")  # mobx: JavaScript's Set words
    assert pair("StartTimer", "StopTimer")
    assert not pair("read", "write", members=3)  # a family of variants, not a pair
    assert not pair("parse", "parse2")
    assert not pair("read", "read_owned")
    assert not pair("readHeader", "writeBody")  # two words differ
    assert pair("binary.decoder.value", "binary.encoder.value")  # one name: its scopes
    assert not pair("tls.clientState.value", "tls.serverConn.value")
