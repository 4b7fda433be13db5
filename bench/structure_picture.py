"""The structure figures issue 19 asks for, for a checkout: modules over ~400 lines, functions
over ~60, whoosh imports outside codeindex/storage/, and private attributes of other modules
read. Not a benchmark: a count, so that before and after can be compared on any commit.

    python bench/structure_picture.py [ROOT] [--list]
    git worktree add /tmp/old COMMIT && python bench/structure_picture.py /tmp/old

ROOT is a checkout (default: this one); the library is ROOT/codeindex and ROOT/server.

A private attribute read is `x._name` where `x` is not `self`, `cls` or `super()`, and
`_name` is not defined in the reading module (a `def`, `class` or assignment there), or
`from m import _name` from another module (a private submodule, `from pkg import _mod`, is
the package's own). `os._exit` is public despite its name. Inside codeindex/storage/, such
reads are counted apart: they are Whoosh's internals, and storage is where Whoosh is meant to
be handled. mypy is not run here: `mypy --strict codeindex server` in ROOT gives it.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MODULE_LINES = 400
FUNCTION_LINES = 60
PACKAGES = ("codeindex", "server")


@dataclass
class Picture:
    long_modules: list[str] = field(default_factory=list)
    long_functions: list[str] = field(default_factory=list)
    whoosh_imports: list[str] = field(default_factory=list)
    private_reads: list[str] = field(default_factory=list)
    storage_whoosh_privates: list[str] = field(default_factory=list)


def sources(root: Path) -> Iterator[tuple[str, ast.Module, int]]:
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            yield path.relative_to(root).as_posix(), ast.parse(text), text.count("\n")


def defined_names(tree: ast.Module) -> set[str]:
    """Every name a module defines: functions, classes, assigned names and attributes."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _own_receiver(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ("self", "cls")
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "super"


PUBLIC = frozenset({"os._exit"})


def private_reads(
    tree: ast.Module, own: set[str], root: Path, path: str
) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            text = f"{ast.unparse(node.value)}.{node.attr}"
            if not _own_receiver(node.value) and node.attr not in own and text not in PUBLIC:
                yield node.lineno, text
        elif isinstance(node, ast.ImportFrom):
            package = _package(node, path)
            for alias in node.names:
                submodule = root / package.replace(".", "/") / f"{alias.name}.py"
                if _private(alias.name) and not submodule.exists():
                    yield node.lineno, f"from {node.module or '.'} import {alias.name}"


def _package(node: ast.ImportFrom, path: str) -> str:
    """The dotted module an ImportFrom names, relative imports resolved against `path`."""
    if node.level == 0:
        return node.module or ""
    parts = path.removesuffix(".py").split("/")[: -node.level]
    return ".".join([*parts, *([node.module] if node.module else [])])


def whoosh_imports(tree: ast.Module) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(alias.name.split(".")[0] == "whoosh" for alias in node.names):
                yield node.lineno
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "whoosh":
            yield node.lineno


def picture(root: Path) -> Picture:
    modules = list(sources(root))
    result = Picture()
    for path, tree, lines in modules:
        if lines > MODULE_LINES:
            result.long_modules.append(f"{path} ({lines})")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > FUNCTION_LINES:
                    result.long_functions.append(f"{path}:{node.lineno} {node.name} ({length})")
        in_storage = path.startswith("codeindex/storage/")
        if not in_storage:
            result.whoosh_imports += [f"{path}:{line}" for line in whoosh_imports(tree)]
        bucket = result.storage_whoosh_privates if in_storage else result.private_reads
        for line, text in private_reads(tree, defined_names(tree), root, path):
            bucket.append(f"{path}:{line} {text}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, nargs="?", default=Path(__file__).parents[1])
    parser.add_argument("--list", action="store_true", help="name every case, not just counts")
    args = parser.parse_args()
    found = picture(args.root.resolve())
    for label, items in (
        (f"modules over {MODULE_LINES} lines", found.long_modules),
        (f"functions over {FUNCTION_LINES} lines", found.long_functions),
        ("whoosh imports outside codeindex/storage/", found.whoosh_imports),
        ("private attributes of other modules read", found.private_reads),
        ("  (apart: Whoosh internals read inside storage/)", found.storage_whoosh_privates),
    ):
        print(f"{label}: {len(items)}")
        if args.list:
            for item in items:
                print(f"    {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
