"""Only codeindex/storage imports whoosh: swapping the engine is one package's job."""

from __future__ import annotations

import ast

from tests.conftest import REPO


def test_no_module_outside_storage_imports_whoosh() -> None:
    storage = REPO / "codeindex" / "storage"
    offenders = []
    for path in sorted([*(REPO / "codeindex").rglob("*.py"), *(REPO / "server").rglob("*.py")]):
        if storage in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            if any(name == "whoosh" or name.startswith("whoosh.") for name in names):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == [], offenders
