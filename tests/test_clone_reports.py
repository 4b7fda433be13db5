"""What a `dups` report holds and how it reads: units with bodies only, test groups apart,
platform variants labelled, capped members, baselines and suppression comments. Real
tree-sitter and a real index in a temporary directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeindex import classify, cli
from codeindex.api import CodeIndex
from codeindex.clones.table import CloneTables

# One body worth copying, in several overload signatures, a `declare` and an abstract member.
TS_OVERLOADS = """
export function pipe<T, A>(fn1: UnaryFunction<T, A>, fn2: UnaryFunction<A, A>): UnaryFunction<T, A>;
export function pipe<T, A, B>(
  fn1: UnaryFunction<T, A>,
  fn2: UnaryFunction<A, B>,
  fn3: UnaryFunction<B, B>,
  fn4: UnaryFunction<B, B>
): UnaryFunction<T, B>;
export function pipe<T, A, B, C>(
  fn1: UnaryFunction<T, A>,
  fn2: UnaryFunction<A, B>,
  fn3: UnaryFunction<B, C>,
  fn4: UnaryFunction<C, C>,
  fn5: UnaryFunction<C, C>
): UnaryFunction<T, C>;
export function pipe(...fns: Array<UnaryFunction<any, any>>): UnaryFunction<any, any> {
  return pipeFromArray(fns);
}

declare function external<T, A, B, C>(
  fn1: UnaryFunction<T, A>,
  fn2: UnaryFunction<A, B>,
  fn3: UnaryFunction<B, C>,
  fn4: UnaryFunction<C, C>,
  fn5: UnaryFunction<C, C>
): UnaryFunction<T, C>;

export abstract class Base {
  abstract pipe<T, A, B, C>(
    fn1: UnaryFunction<T, A>,
    fn2: UnaryFunction<A, B>,
    fn3: UnaryFunction<B, C>,
    fn4: UnaryFunction<C, C>,
    fn5: UnaryFunction<C, C>
  ): UnaryFunction<T, C>;
}

export interface Piped {
  pipe<T, A, B, C>(
    fn1: UnaryFunction<T, A>,
    fn2: UnaryFunction<A, B>,
    fn3: UnaryFunction<B, C>,
    fn4: UnaryFunction<C, C>,
    fn5: UnaryFunction<C, C>
  ): UnaryFunction<T, C>;
}
"""

CS_DECLARATIONS = """
using System;
using System.Runtime.InteropServices;

namespace Demo
{
    public interface IChannel
    {
        int Send(
            string address, byte[] payload, int offset, int count,
            TimeSpan timeout, bool retry, int attempts
        );
    }

    public abstract class ChannelBase
    {
        public abstract int Send(
            string address, byte[] payload, int offset, int count,
            TimeSpan timeout, bool retry, int attempts
        );

        [DllImport("native")]
        public static extern int NativeSend(
            string address, byte[] payload, int offset, int count,
            TimeSpan timeout, bool retry, int attempts
        );

        public int Total(int[] values)
        {
            var total = 0;
            foreach (var value in values)
            {
                total += value;
            }
            return total;
        }
    }
}
"""


def _units(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (root / name).write_text(text)
    code_index = CodeIndex.open(root)
    try:
        code_index.refresh()
        entries = CloneTables().get(code_index._store).entries
        return sorted(entry.symbol.qualified_name for entry in entries)
    finally:
        code_index.close()


def test_typescript_signatures_without_a_body_are_not_units(tmp_path: Path) -> None:
    """Overload signatures, `declare function`, abstract and interface members: rxjs's top
    groups were overload lists of `pipe`."""
    assert _units(tmp_path, {"pipe.ts": TS_OVERLOADS}) == ["pipe"]


def test_csharp_abstract_interface_and_extern_members_are_not_units(tmp_path: Path) -> None:
    units = _units(tmp_path, {"Channel.cs": CS_DECLARATIONS})
    assert units == ["Demo.ChannelBase.Total"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "trait.rs",
            "pub trait Sink {\n    fn send(\n        &mut self,\n        address: &str,\n"
            "        payload: &[u8],\n        retry: bool,\n    ) -> Result<usize, Error>;\n"
            "    fn flush(&mut self) -> Result<(), Error> {\n        let done = self.send(\n"
            '            "", &[], false)?;\n        Ok(())\n    }\n}\n',
            ["Sink.flush"],
        ),
        (
            "asm.go",
            "package bytealg\n\n//go:noescape\nfunc IndexByte(\n\tb []byte,\n\tc byte,\n"
            "\tfrom int,\n\tto int,\n\tflags uint32,\n\tlimit int,\n\textra []byte,\n"
            ") (index int, found bool, err error)\n\n"
            "func Count(b []byte, c byte) int {\n\tn := 0\n\tfor _, x := range b {\n"
            "\t\tif x == c {\n\t\t\tn++\n\t\t}\n\t}\n\treturn n\n}\n",
            ["bytealg.Count"],
        ),
    ],
)
def test_rust_and_go_declarations_without_a_body_are_not_units(
    tmp_path: Path, name: str, text: str, expected: list[str]
) -> None:
    assert _units(tmp_path, {name: text}) == expected


# -- tests apart -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "test"),
    [
        ("Runtime/Linq/CombineLatest.cs", False),  # ends in "test.cs" only without case
        ("Runtime/Linq/Latest.cs", False),
        ("UniTask.Tests/ChannelTest.cs", True),
        ("Tests/Editor/AsyncTest.cs", True),
        ("src/Foo.Tests/Helpers.cs", True),
        ("testing/testing.go", False),  # Go's testing package is library code
        ("testing/quick/quick.go", False),
        ("bytes/buffer_test.go", True),
        ("cmd/go/testdata/script.go", True),
        ("Lib/test/test_os.py", True),
        ("conftest.py", True),
        ("src/app.spec.ts", True),
        ("src/Contest.ts", False),
        ("tests/io_read.rs", True),
    ],
)
def test_test_code_is_told_by_case_sensitive_path_conventions(path: str, test: bool) -> None:
    assert classify.is_test(path) is test


def test_rust_and_csharp_test_scopes() -> None:
    assert classify.is_test("src/lib.rs", "tests.parses_empty")
    assert classify.is_test("src/Lib.cs", "Demo.Tests.ParserTest.Parses")
    assert not classify.is_test("src/Lib.cs", "Demo.Latest.Parse")


_SHAPES = {
    1: """def {name}(items, limit):
    total = 0
    for item in items:
        if item is None or item.hidden:
            continue
        total += item.price * item.count - item.discount
        if total > limit:
            raise ValueError(f"over {{limit}} at {{item.name}}")
    return total


""",
    2: """def {name}(path, encoding="utf-8"):
    with open(path, encoding=encoding) as handle:
        lines = [line.rstrip("\\n") for line in handle]
    header, *rows = lines
    columns = header.split(",")
    records = []
    for row in rows:
        values = row.split(",")
        records.append(dict(zip(columns, values)))
    return records


""",
    3: """def {name}(client, url, retries=3):
    last = None
    while retries:
        retries -= 1
        try:
            response = client.get(url, timeout=10)
            response.raise_for_status()
            return response.json()
        except ConnectionError as error:
            last = error
    raise RuntimeError(f"gave up on {{url}}") from last


""",
}


def _function(name: str, shape: int) -> str:
    """A Python function of about 10 lines, one of three unlike shapes."""
    return _SHAPES[shape].format(name=name)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _dups(root: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["dups", "--root", str(root), *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_path_that_holds_no_indexed_file_is_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, {"shop/prices.py": _function("total_price", 1), "notes/a.txt": "text"})
    code, _, err = _dups(tmp_path, capsys, "--path", "nosuch")
    assert code == 0 and "nosuch does not exist under the project root" in err
    code, _, err = _dups(tmp_path, capsys, "--path", "notes")
    assert code == 0 and "no indexed source file is under notes" in err
    _, _, err = _dups(tmp_path, capsys, "--path", "shop")
    assert "under" not in err  # a path with indexed files and no groups: nothing to explain


def test_test_groups_are_counted_apart_and_fail_on_counts_what_is_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(
        tmp_path,
        {
            "shop/prices.py": _function("total_price", 1),
            "shop/weights.py": _function("total_weight", 1),
            "tests/test_prices.py": _function("check_prices", 2),
            "tests/test_weights.py": _function("check_weights", 2),
            "tests/test_ranks.py": _function("check_ranks", 3),
            "tests/test_counts.py": _function("check_counts", 3),
        },
    )
    code, out, _ = _dups(tmp_path, capsys, "--fail-on", "1")
    assert code == 0
    assert out.count("group ") == 1 and "shop/prices.py" in out
    assert out.splitlines()[-1].startswith("2 more group(s) of test code only")
    code, out, _ = _dups(tmp_path, capsys, "--tests", "include", "--fail-on", "1", "--json")
    assert code == 1
    groups = json.loads(out)["groups"]
    assert [g["labels"] for g in groups] == [[], ["test"], ["test"]]  # library first
    code, out, _ = _dups(tmp_path, capsys, "--tests", "only", "--json")
    data = json.loads(out)
    assert data["total"] == 2 and data["hidden"] == {"library": 1}


# -- platform variants ---------------------------------------------------------------------

GO_STAT = """package os

{constraint}
func fillFileStatFromSys(fs *fileStat, name string) {{
	fs.name = basename(name)
	fs.size = fs.sys.Size
	fs.modTime = timespecToTime(fs.sys.Mtim{suffix})
	fs.mode = FileMode(fs.sys.Mode & 0777)
	switch fs.sys.Mode & syscall.S_IFMT {{
	case syscall.S_IFBLK:
		fs.mode |= ModeDevice
	case syscall.S_IFDIR:
		fs.mode |= ModeDir
	}}
}}
"""
GO_PLAIN = """package {package}

func {name}(values []int, limit int) (int, error) {{
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


def test_go_platform_variants_are_labelled_ranked_last_and_can_be_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(
        tmp_path,
        {
            "os/stat_linux.go": GO_STAT.format(constraint="", suffix=""),
            "os/stat_darwin_arm64.go": GO_STAT.format(constraint="", suffix="espec"),
            "os/stat_bsd.go": GO_STAT.format(constraint="//go:build freebsd", suffix="e"),
            "os/stat_libc.go": GO_STAT.format(constraint="//go:build aix", suffix="s"),
            "sum/sum.go": GO_PLAIN.format(package="sum", name="Sum", factor=2),
            "total/total.go": GO_PLAIN.format(package="total", name="Total", factor=3),
        },
    )
    code, out, _ = _dups(tmp_path, capsys, "--json")
    groups = json.loads(out)["groups"]
    assert [g["labels"] for g in groups] == [[], ["platform-variants"]]
    assert len(groups[1]["members"]) == 4
    code, out, _ = _dups(tmp_path, capsys)
    assert "[platform-variants]" in out
    code, out, _ = _dups(tmp_path, capsys, "--hide-variants", "--json")
    data = json.loads(out)
    assert len(data["groups"]) == 1 and data["hidden"] == {"platform-variants": 1}


RUST_SOCKETS = """
pub struct Socket {{ fd: i32 }}

impl Socket {{
{attribute}
    pub fn peer_credentials(&self) -> io::Result<Credentials> {{
        let mut length = mem::size_of::<libc::ucred>() as libc::socklen_t;
        let mut credentials = libc::ucred {{ pid: 0, uid: 0, gid: 0 }};
        let target = &mut credentials as *mut _ as *mut c_void;
        let status = unsafe {{
            libc::getsockopt(self.fd, libc::SOL_SOCKET, {option}, target, &mut length)
        }};
        if status == 0 && length as usize == mem::size_of::<libc::ucred>() {{
            let pid = Some(credentials.pid);
            Ok(Credentials {{ uid: credentials.uid, gid: credentials.gid, pid }})
        }} else {{
            Err(io::Error::last_os_error())
        }}
    }}
}}
"""


def test_rust_cfg_variants_are_labelled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(
        tmp_path,
        {
            "src/linux.rs": RUST_SOCKETS.format(
                attribute='    #[cfg(target_os = "linux")]', option="libc::SO_PEERCRED"
            ),
            "src/netbsd.rs": RUST_SOCKETS.format(
                attribute='    #[cfg(target_os = "netbsd")]', option="libc::LOCAL_PEEREID"
            ),
            "src/plain_a.rs": RUST_SOCKETS.format(attribute="", option="libc::SO_A"),
            "src/plain_b.rs": RUST_SOCKETS.format(attribute="", option="libc::SO_B"),
        },
    )
    _, out, _ = _dups(tmp_path, capsys, "--json")
    groups = json.loads(out)["groups"]
    # All four are copies; only a group whose members all carry constraints is variants.
    assert [g["labels"] for g in groups] == [[]]
    (tmp_path / "src/plain_a.rs").unlink()
    (tmp_path / "src/plain_b.rs").unlink()
    _, out, _ = _dups(tmp_path, capsys, "--json")
    assert [g["labels"] for g in json.loads(out)["groups"]] == [["platform-variants"]]


# -- readable output ---------------------------------------------------------------------------


def test_text_shows_a_few_members_then_where_the_rest_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Names without a number: numbered ones (`entry_1`, `entry_2`) would be a family.
    _write(tmp_path, {f"codecs/c{k}.py": _function(f"entry_{'abcdefg'[k]}", 1) for k in range(7)})
    _, out, _ = _dups(tmp_path, capsys)
    lines = out.splitlines()
    assert lines[0] == "group 1: 7 copies, similarity 1.00"
    assert len(lines) == 5 and lines[4] == "  … and 4 more in `codecs/`"
    _, out, _ = _dups(tmp_path, capsys, "--members", "7")
    assert len(out.splitlines()) == 8
    _, out, _ = _dups(tmp_path, capsys, "--json", "--members", "1")
    assert len(json.loads(out)["groups"][0]["members"]) == 7
    code, _, err = _dups(tmp_path, capsys, "--members", "0")
    assert code == 2 and "--members" in err


# -- baselines and suppression -----------------------------------------------------------------


def test_a_baseline_survives_a_line_shift_and_fails_on_new_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    _write(root, {"a.py": _function("first", 1), "b.py": _function("second", 1)})
    baseline = tmp_path / "dups-baseline.json"
    code, _, err = _dups(root, capsys, "--update-baseline", str(baseline))
    assert code == 0 and "1 group(s) written" in err
    (root / "a.py").write_text("import os\n\n\n" + _function("first", 1))  # lines shift
    code, out, _ = _dups(root, capsys, "--baseline", str(baseline), "--fail-on", "0")
    assert code == 0 and out.splitlines() == ["1 group(s) already in the baseline left out"]
    (root / "c.py").write_text(_function("third", 1))  # a new copy joins the group
    code, out, _ = _dups(root, capsys, "--baseline", str(baseline), "--fail-on", "0")
    assert code == 1 and "c.py" in out
    baseline.write_text("{}")
    code, _, err = _dups(root, capsys, "--baseline", str(baseline))
    assert code == 2 and "not a dups baseline" in err


def test_suppression_comments_skip_a_function_or_a_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marked = "# generated by hand, kept in sync on purpose\n# code-index: ignore\n"
    region = "# code-index: ignore-start\n{}# code-index: ignore-end\n"
    _write(
        tmp_path,
        {
            "one.py": _function("alpha", 1),
            "two.py": marked + _function("beta", 1),
            "three.py": region.format(_function("gamma", 1)) + _function("delta", 2),
            "four.py": _function("epsilon", 2),
        },
    )
    _, out, _ = _dups(tmp_path, capsys, "--json")
    groups = json.loads(out)["groups"]
    assert [sorted(m["symbol"] for m in g["members"]) for g in groups] == [["delta", "epsilon"]]


# -- blocks ------------------------------------------------------------------------------------

RETRY_TWICE = '''\
import time


def fetch_both(client, first_id, second_id, timeout=30.0):
    """Two reports, each retried while the server is busy."""
    started = time.monotonic()
    body = None
    attempt = 0
    while body is None:
        response = client.get(f"/reports/{first_id}")
        if response.status == 200:
            body = response.json()
        elif response.status == 429:
            attempt += 1
            delay = min(2 ** attempt, 30)
            if time.monotonic() - started + delay > timeout:
                raise TimeoutError(f"report {first_id}: still busy after {attempt} tries")
            time.sleep(delay)
        else:
            response.raise_for_status()
    first = body
    started = time.monotonic()
    body = None
    attempt = 0
    while body is None:
        response = client.get(f"/reports/{second_id}")
        if response.status == 200:
            body = response.json()
        elif response.status == 429:
            attempt += 1
            delay = min(2 ** attempt, 30)
            if time.monotonic() - started + delay > timeout:
                raise TimeoutError(f"report {second_id}: still busy after {attempt} tries")
            time.sleep(delay)
        else:
            response.raise_for_status()
    return first, body
'''


def test_no_block_group_inside_a_single_function(tmp_path: Path) -> None:
    (tmp_path / "fetch.py").write_text(RETRY_TWICE)
    code_index = CodeIndex.open(tmp_path)
    try:
        code_index.refresh()
        assert code_index.duplicates(blocks=True).groups == []
    finally:
        code_index.close()


# -- near misses -------------------------------------------------------------------------------


def test_similar_shows_the_nearest_below_the_threshold_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    _write(root, {"shop.py": _function("total_price", 1)})
    draft = tmp_path / "draft.py"
    draft.write_text(
        "def order_total(orders, cap):\n"
        "    result = 0\n"
        "    for order in orders:\n"
        "        if order is None:\n"
        "            continue\n"
        "        result += order.price * order.count\n"
        "        result -= order.coupon.value if order.coupon else 0\n"
        "        result -= order.refund.value if order.refund else 0\n"
        "        if result > cap:\n"
        "            log.warning('over the cap: %s', result)\n"
        "            raise ValueError('over the cap')\n"
        "    log.info('total %s', result)\n"
        "    return result\n"
    )
    code = cli.main(["similar", str(draft), "--root", str(root), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["matches"] == [] and data["total"] == 0
    [near] = data["near_misses"]
    assert near["symbol"] == "total_price" and 0.55 <= near["similarity"] < 0.7
    assert "nothing reaches 0.70" in data["note"]
    cli.main(["similar", str(draft), "--root", str(root)])
    captured = capsys.readouterr()
    assert captured.out.rstrip().endswith("total_price  (near miss)")
    assert "near_misses" in captured.err
    cli.main(["similar", str(draft), "--root", str(root), "--min-similarity", "0.5"])
    assert "(near miss)" not in capsys.readouterr().out


# -- MCP -------------------------------------------------------------------------------------


def test_mcp_find_duplicates_takes_the_tests_argument(tmp_path: Path) -> None:
    from tests.test_mcp_tools import Session, wait_ready

    root = tmp_path / "project"
    _write(
        root,
        {
            "shop/prices.py": _function("total_price", 1),
            "shop/weights.py": _function("total_weight", 1),
            "tests/test_prices.py": _function("check_prices", 2),
            "tests/test_weights.py": _function("check_weights", 2),
        },
    )
    session = Session(root)
    try:
        wait_ready(session.service)
        default = session.ok("find_duplicates")
        assert len(default["groups"]) == 1 and default["hidden"] == {"test": 1}
        assert default["groups"][0]["labels"] == []
        only = session.ok("find_duplicates", {"tests": "only"})
        assert [g["labels"] for g in only["groups"]] == [["test"]]
        assert len(session.ok("find_duplicates", {"tests": "include"})["groups"]) == 2
        assert "tests" in session.error("find_duplicates", {"tests": "some"})
    finally:
        session.close()


CS_TOTAL = """
        public static int Total(int[] values, int limit)
        {{
            var total = 0;
            foreach (var value in values)
            {{
                if (value < 0) throw new ArgumentException("negative: " + value);
                total += value * {factor};
                if (total > limit) return limit;
            }}
            return total;
        }}
"""


def test_csharp_if_else_variants_are_labelled_but_a_file_wide_if_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variants = (
        "namespace Demo\n{\n    public static class Sums\n    {\n#if UNITY_2019_1_OR_NEWER\n"
        + CS_TOTAL.format(factor=2)
        + "#else\n"
        + CS_TOTAL.format(factor=3)
        + "#endif\n    }\n}\n"
    )
    wrapped = (
        "#if UNITY_2018_3_OR_NEWER\nnamespace Demo\n{{\n    public static class {name}\n    {{\n"
        "{body}    }}\n}}\n#endif\n"
    )
    _write(tmp_path, {"Sums.cs": variants})
    _, out, _ = _dups(tmp_path, capsys, "--json")
    assert [g["labels"] for g in json.loads(out)["groups"]] == [["platform-variants"]]
    (tmp_path / "Sums.cs").unlink()
    _write(
        tmp_path,
        {
            "A.cs": wrapped.format(name="A", body=CS_TOTAL.format(factor=2)),
            "B.cs": wrapped.format(name="B", body=CS_TOTAL.format(factor=3)),
        },
    )
    _, out, _ = _dups(tmp_path, capsys, "--json")
    assert [g["labels"] for g in json.loads(out)["groups"]] == [[]]
