"""What a `dups` report holds and how it reads: units with bodies only, test groups apart,
platform variants labelled, capped members, baselines and suppression comments. Real
tree-sitter and a real index in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeindex.api import CodeIndex
from codeindex.clones.table import load

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
        return sorted(entry.symbol.qualified_name for entry in load(code_index.store).entries)
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
