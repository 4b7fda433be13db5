"""Mutation operators for the clone benchmark (Python sources), after Roy & Cordy's taxonomy.

T1: layout and comments (comment lines, trailing comments, blank lines, docstring dropped).
T2: consistent renaming of parameters and locals, changed literals, renamed function.
one edit: one simple statement inserted, deleted or changed.
several edits: optional renaming plus 2-9 statement edits, kept only when the blind token
similarity to the original (identifiers and literals normalised) is 0.7-0.9.
"""

from __future__ import annotations

import ast
import io
import keyword
import random
import re
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Indel

CLASSES = ("T1", "T2", "one edit", "several edits")
_SKIP_DIRS = ("test", "tests", "idlelib", "lib2to3", "turtledemo", "zz_injected", ".code-index")


@dataclass(frozen=True, slots=True)
class Original:
    fragment: tuple[str, int, int]  # path relative to the corpus, def line, last line
    text: str  # dedented source of the function


def pick_originals(root: Path, count: int, seed: int) -> list[Original]:
    """Functions of 8-40 lines and 60+ tokens from library (non-test) files, not nested."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if any(part in _SKIP_DIRS for part in relative.split("/")[:-1]):
            continue
        try:
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        lines = source.splitlines()
        for node in _top_functions(tree):
            first, last = node.lineno, node.end_lineno or node.lineno
            if not 8 <= last - first + 1 <= 40:
                continue
            text = textwrap.dedent("\n".join(lines[first - 1 : last])) + "\n"
            if len(_tokens(text)) < 60:
                continue
            found.append(Original((relative, first, last), text))
    random.Random(seed).shuffle(found)
    return found[:count]


def _top_functions(tree: ast.Module) -> list[ast.FunctionDef]:
    functions = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions.append(node)
        elif isinstance(node, ast.ClassDef):
            functions += [n for n in node.body if isinstance(n, ast.FunctionDef)]
    return functions


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    skip = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
    try:
        return [
            t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in skip
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []


def blind_similarity(a: str, b: str) -> float:
    """Token similarity with identifiers and literals normalised: the class oracle."""

    def blind(text: str) -> list[str]:
        out = []
        for token in _tokens(text):
            if token.type == tokenize.NAME and not keyword.iskeyword(token.string):
                out.append("ID")
            elif token.type in (tokenize.NUMBER, tokenize.STRING):
                out.append("LIT")
            else:
                out.append(token.string)
        return out

    return Indel.normalized_similarity(blind(a), blind(b))


def mutate(original: Original, kind: str, rng: random.Random) -> str | None:
    text = original.text
    if kind == "T1":
        return _layout(text, rng)
    if kind == "T2":
        return _literals(_rename(text, rng), rng)
    if kind == "one edit":
        return _edits(text, 1, rng)
    for _ in range(30):
        candidate = _rename(text, rng) if rng.random() < 0.5 else text
        candidate = _edits(candidate, rng.randint(2, 9), rng)
        if candidate and 0.7 <= blind_similarity(text, candidate) <= 0.9:
            return candidate
    return None


def _layout(text: str, rng: random.Random) -> str:
    tree = ast.parse(text)
    function = tree.body[0]
    lines = text.splitlines()
    doc = ast.get_docstring(function, clean=False) is not None
    if doc:
        node = function.body[0]
        del lines[node.lineno - 1 : node.end_lineno]
        if len(function.body) == 1:
            lines.insert(node.lineno - 1, " " * (node.col_offset) + "pass")
    strings = _string_lines(text)
    out = []
    for number, line in enumerate(lines, 1):
        indent = line[: len(line) - len(line.lstrip())]
        if line.strip() and rng.random() < 0.2:
            out.append(f"{indent}# step {number}: see below")
        if (
            line.strip()
            and not line.rstrip().endswith("\\")
            and rng.random() < 0.3
            and (number not in strings)
        ):
            line = line + "  # note"
        out.append(line)
        if rng.random() < 0.1:
            out.append("")
    return "\n".join(out) + "\n"


def _string_lines(text: str) -> set[int]:
    """Lines inside multi-line strings, where a trailing comment would become content."""
    inside = set()
    for token in _tokens(text):
        if token.type == tokenize.STRING and token.end[0] > token.start[0]:
            inside.update(range(token.start[0], token.end[0] + 1))
    return inside


def _rename(text: str, rng: random.Random) -> str:
    tree = ast.parse(text)
    function = tree.body[0]
    names = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    names |= {
        n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    names.discard("self")
    names.discard("cls")
    mapping = {name: f"{name}_{rng.choice(['v', 'tmp', 'x', 'val'])}" for name in names}
    mapping[function.name] = function.name + "_copy"
    keywords = {(k.lineno, k.col_offset) for k in ast.walk(function) if isinstance(k, ast.keyword)}
    return _replace_names(text, mapping, keywords)


def _replace_names(text: str, mapping: dict[str, str], skip: set[tuple[int, int]]) -> str:
    lines = text.splitlines(keepends=True)
    previous = None
    edits = []
    for token in _tokens(text):
        if (
            token.type == tokenize.NAME
            and token.string in mapping
            and (previous is None or previous.string != ".")
            and token.start not in skip
        ):
            edits.append(token)
        previous = token
    for token in reversed(edits):
        row, col = token.start
        line = lines[row - 1]
        lines[row - 1] = line[:col] + mapping[token.string] + line[col + len(token.string) :]
    return "".join(lines)


def _literals(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    edits = []
    for token in _tokens(text):
        if token.type == tokenize.NUMBER and rng.random() < 0.7:
            edits.append((token, str(int(token.string) + 1) if token.string.isdigit() else "2.5"))
        elif (
            token.type == tokenize.STRING
            and token.start[0] == token.end[0]
            and re.fullmatch(r"'[\w ]*'|\"[\w ]*\"", token.string)
            and rng.random() < 0.7
        ):
            quote = token.string[0]
            edits.append((token, f"{quote}{token.string[1:-1]}_changed{quote}"))
    for token, new in reversed(edits):
        row, col = token.start
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[token.end[1] :]
    return "".join(lines)


_SIMPLE = (ast.Assign, ast.AugAssign, ast.Expr, ast.AnnAssign)


def _edits(text: str, count: int, rng: random.Random) -> str | None:
    for _ in range(count):
        changed = _one_edit(text, rng)
        if changed is None:
            return None
        text = changed
    return text


def _one_edit(text: str, rng: random.Random) -> str | None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    function = tree.body[0]
    blocks = [
        node.body
        for node in ast.walk(function)
        if hasattr(node, "body") and isinstance(node.body, list)
    ]
    simple = [
        (block, statement)
        for block in blocks
        for statement in block
        if isinstance(statement, _SIMPLE)
        and statement.lineno == statement.end_lineno
        and not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
    ]
    if not simple:
        return None
    block, statement = rng.choice(simple)
    lines = text.splitlines()
    row = statement.lineno - 1
    indent = " " * statement.col_offset
    operation = rng.choice(("insert", "delete", "change"))
    if operation == "delete" and len(block) < 2:
        operation = "change"
    if operation == "insert":
        lines.insert(row + 1, f"{indent}_trace('checkpoint', {rng.randint(1, 99)})")
    elif operation == "delete":
        del lines[row]
    else:
        lines[row] = lines[row].rstrip() + " if _enabled else None"
    return "\n".join(lines) + "\n"
