"""Rust definitions inside macro invocations (codeindex.macro_items), as tokio writes its API:
real parses and a real index. The golden beside fixtures/rust/item_macros.rs holds them all."""

from __future__ import annotations

from dataclasses import replace

from codeindex.extract import extract
from codeindex.languages import spec_by_name
from tests.conftest import FIXTURES

SOURCE = (FIXTURES / "rust" / "item_macros.rs").read_text()
INSIDE_MACROS = {"TcpStream", "TcpStream.connect", "spawn_connect", "runtime", "runtime.WORKERS"}


def _qualified(language_spec) -> set[str]:
    extraction = extract(SOURCE.encode(), language_spec, "src/net.rs")
    return {symbol.qualified_name for symbol in extraction.symbols}


def test_items_in_macro_invocations_are_definitions() -> None:
    rust = spec_by_name("rust")
    assert not INSIDE_MACROS & _qualified(replace(rust, item_macros=None))  # the grammar alone
    found = _qualified(rust)
    assert found >= INSIDE_MACROS
    assert {"cfg_net", "TcpStream.connect_addr", "plain"} <= found
    # Macro arguments that are expressions (`vec![..]`, `println!(..)`) hold no definitions,
    # and a macro_rules body is a definition of its own, not items.
    assert len(found) == len(INSIDE_MACROS) + 3


def test_uses_inside_macro_items_are_calls_in_their_function(indexed) -> None:
    index = indexed({"src/net.rs": SOURCE})
    uses = index.references("connect_addr").references
    assert [(use.symbol, use.kind) for use in uses] == [("TcpStream.connect", "call")]
    shown = index.definitions("TcpStream.connect")
    assert [(s.kind, s.line, s.doc) for s in shown] == [
        ("method", 17, "Opens a TCP connection to a remote host.")
    ]
