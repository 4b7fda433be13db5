"""More groups kept on purpose (issue 21, second ranking pass): copies a comment declares,
library code copied into test fixtures, data written as code, Rust modules under `#[cfg]`,
a portable version beside per-platform ones, overrides of one base class, an API's short
entry points. Real parses and a real index in a temporary directory, as in
test_clone_intent."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeindex.clones.density import DATA_SHARE, literal_share
from tests.test_clone_intent import (
    GO_FUNC,
    GO_LOOKUP,
    GO_WALK,
    PY_PARSE,
    _go,
    _groups,
    _labels,
    _write,
)


def test_a_copy_its_comment_declares_is_documented(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, {"a/a.go": _go("a", "Find"), "b/b.go": _go("b", "Find", 3)})
    assert _labels(tmp_path, capsys) == [[]]
    # "a copy of" a value is not a copy of code.
    _write(tmp_path, {"b/b.go": _go("b", "Find", 3, doc="// Find returns a copy of the total.\n")})
    assert _labels(tmp_path, capsys) == [[]]
    _write(tmp_path, {"b/b.go": _go("b", "Find", 3, doc="// Find is copied from a.Find.\n")})
    assert _labels(tmp_path, capsys) == [["documented"]]
    # A note in the file's head covers the file: Go's go/format/internal.go.
    head = "// This file is a lightly modified copy of a/a.go.\n\n"
    _write(tmp_path, {"b/b.go": head + _go("b", "Find", 3)})
    assert _labels(tmp_path, capsys) == [["documented"]]
    # ... but "in sync" there is about a specification (_pydecimal.py), not a copy.
    head = "// This file should be kept in sync with the latest updates of the spec.\n\n"
    _write(tmp_path, {"b/b.go": head + _go("b", "Find", 3)})
    assert _labels(tmp_path, capsys) == [[]]
    # At a definition, "keep in sync" names its twin (unittest.mock's decorate_callable).
    doc = "// Keep in sync with a.Find.\n"
    _write(tmp_path, {"b/b.go": head + _go("b", "Find", 3, doc=doc)})
    assert _labels(tmp_path, capsys) == [["documented"]]


@pytest.mark.parametrize(
    ("original", "copy"),
    [
        # go/printer/testdata/parser.go: the parser copied as input to print.
        ("parser/parser.go", "printer/testdata/parser.go"),
        # gin's render_test.go keeps gin.H.MarshalXML: package render cannot import gin.
        ("gin/utils.go", "gin/render/render_test.go"),
    ],
)
def test_library_code_copied_into_a_fixture_or_a_test_is_labelled_fixture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], original: str, copy: str
) -> None:
    _write(
        tmp_path,
        {
            original: "package a\n" + GO_WALK.format(name="walk"),
            copy: "package b\n" + GO_WALK.format(name="walk"),
        },
    )
    assert _labels(tmp_path, capsys) == [["fixture"]]
    # Two library copies are the project's to merge, whatever the fixture or test holds.
    _write(tmp_path, {"graph/graph.go": "package graph\n" + GO_WALK.format(name="order")})
    assert _labels(tmp_path, capsys) == [[]]


# Two rational approximations with different coefficients: alike once literals collapse.
PY_KERNEL = """
def {name}(x):
    z = x * x
    r = {a} + z * (-0.325 + z * (-0.0284 + z * (-0.00577 + z * -0.0000237)))
    s = 1.0 + z * (0.397 + z * (0.065 + z * (0.00508 + z * 0.000132)))
    t = z * (1.5 + z * (-2.75 + z * (0.125 + z * {b})))
    return x + x * (r / s) - t * {a}
"""


def test_tables_and_arithmetic_kernels_are_data_like_and_rank_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kernels = PY_KERNEL.format(name="erf", a=0.128, b=3.5) + PY_KERNEL.format(
        name="erfc", a=0.845, b=-1.25
    )
    _write(tmp_path, {"erf.py": kernels})
    assert _labels(tmp_path, capsys) == [["data-like"]]
    # Ordinary code ranks before it, though it is shorter.
    _write(tmp_path, {"fields.py": PY_PARSE.format(name="split") + PY_PARSE.format(name="cut")})
    assert _labels(tmp_path, capsys) == [[], ["data-like"]]
    data = _groups(tmp_path, capsys, "--hide-intentional")
    assert data["hidden"] == {"data-like": 1}


def test_the_data_share_counts_literals_and_arithmetic_not_names_or_comments() -> None:
    kernel = PY_KERNEL.format(name="erf", a=0.128, b=3.5)
    assert literal_share(kernel) >= DATA_SHARE
    assert literal_share(PY_PARSE.format(name="split")) < DATA_SHARE / 2
    # Comments, docstrings and Rust lifetimes are not literals.
    commented = 'def f(a):\n    """1, 2, 3, 4."""\n    # 5 + 6 + 7\n    return g(a)\n'
    assert literal_share(commented) == 0
    assert literal_share("fn f<'a>(x: &'a str) -> Ref<'a> { g(x) }") < DATA_SHARE


RUST_MOD = """
#[cfg(any(target_os = "{os}"))]
pub(crate) mod impl_{os} {{
    use crate::net::unix::UnixStream;

    pub(crate) fn get_peer_cred(sock: &UnixStream) -> io::Result<UCred> {{
        unsafe {{
            let raw_fd = sock.as_raw_fd();
            let mut ucred = libc::ucred {{ pid: 0, uid: 0, gid: 0 }};
            let ucred_size = mem::size_of::<libc::ucred>();
            let ret = libc::getsockopt(raw_fd, libc::SOL_SOCKET, libc::SO_PEERCRED);
            if ret == 0 && ucred_size == mem::size_of::<libc::ucred>() {{
                Ok(UCred {{ uid: ucred.uid, gid: ucred.gid, pid: Some(ucred.pid) }})
            }} else {{
                Err(io::Error::last_os_error())
            }}
        }}
    }}
}}
"""


def test_rust_functions_in_modules_under_cfg_are_platform_variants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # tokio's ucred.rs: `mod impl_linux` and `mod impl_netbsd`, each under its own #[cfg].
    text = RUST_MOD.format(os="linux") + RUST_MOD.format(os="netbsd")
    _write(tmp_path, {"src/ucred.rs": text})
    assert _labels(tmp_path, capsys) == [["platform-variants"]]
    _write(tmp_path, {"src/ucred.rs": text.replace("#[cfg(", "#[doc(")})
    assert _labels(tmp_path, capsys) == [[]]


def test_a_portable_version_beside_per_platform_ones_are_platform_variants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Go's cipher.gcm.Open beside the assembly-backed gcm_ppc64le.go and gcm_s390x.go.
    body = GO_LOOKUP.format(name="Open")
    _write(tmp_path, {"aes/gcm.go": "package aes\n" + body})
    _write(tmp_path, {"aes/gcm_s390x.go": "package aes\n" + body})
    assert _labels(tmp_path, capsys) == [[]]  # one platform: nothing tells copies apart
    _write(tmp_path, {"aes/gcm_ppc64le.go": "package aes\n" + body})
    assert _labels(tmp_path, capsys) == [["platform-variants"]]
    _write(tmp_path, {"cipher/gcm.go": "package cipher\n" + body})  # two portable copies
    assert _labels(tmp_path, capsys) == [[]]


CS_OPERATOR = """
namespace Linq {{
    sealed class _{name} : AsyncEnumeratorBase<int, int> {{
        {modifier} bool {method}(bool sourceHasCurrent, out bool result) {{
            if (sourceHasCurrent) {{
                var value = SourceCurrent;
                if (predicate(value, index++)) {{
                    Current = selector(value);
                    result = true;
                    return true;
                }}
                result = false;
                return false;
            }}
            result = false;
            return false;
        }}
    }}
}}
"""


def test_overrides_of_one_base_in_four_classes_are_implementations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # UniTask's operators fill in AsyncEnumeratorBase's TryMoveNextCore or TrySetCurrentCore.
    methods = ["TryMoveNextCore", "TrySetCurrentCore", "TryMoveNextCore", "TrySetCurrentCore"]
    names = ["Where", "Select", "Skip", "Take"]

    def write(modifier: str) -> None:
        _write(
            tmp_path,
            {
                f"Linq/{name}.cs": CS_OPERATOR.format(name=name, method=method, modifier=modifier)
                for name, method in zip(names, methods, strict=True)
            },
        )

    write("protected override")
    assert _labels(tmp_path, capsys) == [["implementations"]]
    write("protected")
    assert _labels(tmp_path, capsys) == [[]]


PY_WRAPPER = """
def {name}(source, selector=None, *, cancellation=None):
    if source is None:
        raise TypeError("source is required")
    if selector is None:
        raise TypeError("selector is required")
    return _aggregate("{name}", source, selector, cancellation, default=None)
"""


def test_short_functions_of_one_module_are_an_apis_wrappers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["min_async", "max_async", "sum_async", "average_async"]
    _write(tmp_path, {"linq.py": "".join(PY_WRAPPER.format(name=n) for n in names)})
    assert _labels(tmp_path, capsys) == [["wrappers"]]
    # The same functions one per module are copies across modules; three are too few.
    _write(tmp_path, {"linq.py": ""})
    _write(tmp_path, {f"{n}.py": PY_WRAPPER.format(name=n) for n in names})
    assert _labels(tmp_path, capsys) == [[]]
    _write(tmp_path, {f"{n}.py": "" for n in names})
    _write(tmp_path, {"linq.py": "".join(PY_WRAPPER.format(name=n) for n in names[:3])})
    assert _labels(tmp_path, capsys) == [[]]


# zod's schema factories: one statement, spread over 12 lines by its generics and object.
TS_FACTORY = """
export function {name}<T extends schemas.$ZodString>(
  Class: util.SchemaClass<T>,
  params?: string | $ZodStringParams
): T {{
  return new Class({{
    type: "string",
    format: "{name}",
    check: "string_format",
    abort: false,
    ...util.normalizeParams(params),
  }});
}}
"""


def test_one_statement_factories_of_one_module_are_wrappers_whatever_their_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["_email", "_guid", "_uuid", "_url"]
    _write(tmp_path, {"api.ts": "".join(TS_FACTORY.format(name=n) for n in names)})
    assert _labels(tmp_path, capsys) == [["wrappers"]]
    # Long bodies in lines and in codes are no wrappers.
    longer = TS_FACTORY.replace(
        "    abort: false,\n",
        "    abort: false,\n" + "    pattern: util.pattern(params, Class, 1),\n" * 6,
    )
    _write(tmp_path, {"api.ts": "".join(longer.format(name=n) for n in names)})
    assert _labels(tmp_path, capsys) == [[]]


def _version(name: str) -> str:
    """GO_FUNC without its package clause: another version in the same file."""
    return "\n" + GO_FUNC.split("\n", 2)[2].format(doc="", name=name, factor=2)


def test_numbers_inside_names_and_go_address_family_twins_are_a_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Solaris' sysvicall1Err, sysvicall2Err: the arity inside the name.
    _write(tmp_path, {"os/calls.go": _go("os", "call1Err") + _version("call2Err")})
    assert _labels(tmp_path, capsys) == [["family"]]
    # internal/poll's WriteTo, WriteToInet4, WriteToInet6: one per sockaddr type.
    names = ["WriteTo", "WriteToInet4", "WriteToInet6"]
    text = _go("poll", names[0]) + "".join(map(_version, names[1:]))
    _write(tmp_path, {"os/calls.go": "package os\n", "poll/fd.go": text})
    assert _labels(tmp_path, capsys) == [["family"]]
    text = text.replace("WriteToInet", "WriteToPeer")  # a copy to merge, not a twin
    _write(tmp_path, {"poll/fd.go": text})
    assert _labels(tmp_path, capsys) == [[]]
