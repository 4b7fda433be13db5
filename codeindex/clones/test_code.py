"""Test code among a group's members, beyond what its path and scope say (labels.is_test):
what the language marks as test code in the source, and checks that only the compiler runs.

- Rust marks a test with an attribute, not a name: `#[test]` on the function, `#[cfg(test)]`
  on it or on a `mod` holding it, `#![cfg(test)]` at a file's head (rayon's tests sit at the
  end of `range.rs`, hashbrown's in `mod test_map`, rayon-core's in files opening with
  `#![cfg(test)]`). The attribute is registry data (Variants.test_marker).
- A function whose body only declares nested functions runs nothing: it is a compile-time
  check (std's and hashbrown's `assert_covariance`, one per collection type, that each
  type stays covariant). It is tested code's test, written out per type on purpose.
"""

from __future__ import annotations

import re

from codeindex.clones.labels import Sources, compiled, is_test, lines_above, scope_constraints
from codeindex.languages import spec_by_name
from codeindex.models import Symbol


def is_test_code(sources: Sources, symbol: Symbol) -> bool:
    """Test code by its path or scope, by the language's test attribute on it, on a scope
    around it or at its file's head, or a compile-time check."""
    if is_test(symbol):
        return True
    rules = spec_by_name(symbol.language).clones.variants
    marker = compiled(rules.test_marker)
    if marker is None:
        return False
    source = sources.get(symbol.path)
    if source is None:
        return False
    if (file_rule := compiled(rules.file_constraint)) and any(
        marker.match(line) for line in source.file_marks(file_rule)
    ):
        return True
    if any(marker.match(line) for line in lines_above(source, symbol)):
        return True
    if scope_constraints(rules, marker, source, symbol):
        return True
    return _declares_only(rules.nested_function, source.lines[symbol.line - 1 : symbol.end_line])


# What may sit at the top level of a compile-time check's body, besides nested bodies:
# attributes, comments and the nested functions' headers.
_ATTRIBUTE = re.compile(r"#\[[^\]]*\]|//[^\n]*")
_BRACE = re.compile(r"[{}]")


def _declares_only(nested_function: str, lines: list[str]) -> bool:
    """The body (from the first `{`) holds nested functions and nothing else at its top
    level, and at least one."""
    header = compiled(nested_function)
    if header is None:
        return False
    text = "\n".join(lines)
    start = text.find("{")
    if start < 0:
        return False
    top: list[str] = []  # the body's text outside nested braces
    depth, since = 0, start + 1
    for brace in _BRACE.finditer(text, start + 1):
        if depth == 0:
            top.append(text[since : brace.start()])
        if brace.group(0) == "{":
            depth += 1
            if depth == 1:
                top.append(";")  # a nested body ends the header before it
        else:
            depth -= 1
            if depth < 0:
                break
        since = brace.end()
    statements = [s.strip() for s in _ATTRIBUTE.sub("", "".join(top)).split(";")]
    statements = [s for s in statements if s]
    return bool(statements) and all(header.match(s) for s in statements)
