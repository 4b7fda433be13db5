"""The walk's listing cache gives the walk's own answer, whatever changed in between.

Directory mtimes are set into the past after each round of changes ("time passes"), each
round to new values, so the cache really is used (a fresh mtime is too young to trust)."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from codeindex import walk_cache
from codeindex.walker import WalkResult, walk
from tests.conftest import write_files

PAST = 10**18  # ns: in 2001
STEP = 10**12  # ns between rounds of "time passing"
TREE = {
    ".gitignore": "build/\n*.gen.py\n",
    "a.py": "a = 1\n",
    "notes.txt": "text",
    "src/b.py": "b = 1\n",
    "src/b.gen.py": "g = 1\n",
    "src/deep/er/c.ts": "export const c = 1\n",
    "src/deep/er/readme.md": "#",
    "src/keep/.gitignore": "!*.gen.py\n",
    "src/keep/k.gen.py": "k = 1\n",
    "build/out.py": "o = 1\n",
    "lib/x.go": "package x\n",
    "lib/y/z.rs": "fn z() {}\n",
}


def age(root: Path, base: int) -> None:
    """Every directory's mtime, far in the past and different from any earlier round."""
    for number, (top, _, _) in enumerate(os.walk(root)):
        os.utime(top, ns=(base + number, base + number))


def same(root: Path, cache: Path) -> WalkResult:
    plain = walk(root)
    cached = walk(root, cache_file=cache)
    assert list(cached.files.items()) == list(plain.files.items())  # order too
    assert cached.skipped == plain.skipped
    assert cached.ignore_files == plain.ignore_files
    return cached


def counting_scandir(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    listed: list[str] = []
    real = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        listed.append(str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    return listed


def test_unchanged_directories_are_not_listed_again(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root, cache = tmp_path / "project", tmp_path / "walk-cache"
    write_files(root, TREE)
    age(root, PAST)
    same(root, cache)
    listed = counting_scandir(monkeypatch)
    walk(root, cache_file=cache)
    assert listed == []  # every directory came from the cache
    write_files(root, {"src/b.py": "b = 2  # longer\n"})  # content only: no listing
    write_files(root, {"lib/new.py": "n = 1\n"})  # lib's mtime moves: listed
    result = walk(root, cache_file=cache)
    assert [Path(p).name for p in listed] == ["lib"]
    assert result.files["src/b.py"].size == len("b = 2  # longer\n")
    assert "lib/new.py" in result.files


def test_ignore_files_are_read_only_for_directories_listed_again(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from codeindex import ignore

    root, cache = tmp_path / "project", tmp_path / "walk-cache"
    write_files(root, TREE)
    age(root, PAST)
    same(root, cache)
    read: list[str] = []
    real = ignore.load_rules

    def load_rules(path: str, base: str) -> ignore.Rules | None:
        read.append(os.path.relpath(path, root))
        return real(path, base)

    monkeypatch.setattr(ignore, "load_rules", load_rules)
    walk(root, cache_file=cache)
    assert read == []  # every listing replayed: no rule was needed
    # src/keep is listed again: the rules in force there (the root's, .git/info/exclude,
    # its own) are worked out, and they still decide (`!*.gen.py` re-includes).
    write_files(root, {"src/keep/new.gen.py": "n = 1\n", "src/keep/old.gen.py": "o = 1\n"})
    result = same(root, cache)
    assert {"src/keep/new.gen.py", "src/keep/old.gen.py"} <= set(result.files)
    assert "src/b.gen.py" not in result.files
    assert ".gitignore" in read and "src/keep/.gitignore" in read


def test_young_directories_are_not_trusted(tmp_path: Path) -> None:
    root, cache = tmp_path / "project", tmp_path / "walk-cache"
    write_files(root, TREE)  # just made: within the racy window
    walk(root, cache_file=cache)
    assert walk_cache.load(cache, _settings_of(cache)).listings == {}
    age(root, PAST)
    walk(root, cache_file=cache)
    assert len(walk_cache.load(cache, _settings_of(cache)).listings) == 7  # build/ ignored


def _settings_of(cache: Path) -> walk_cache.Settings:
    import marshal

    settings: walk_cache.Settings = marshal.loads(cache.read_bytes())[1]
    return settings


def test_ignore_rule_changes_are_seen(tmp_path: Path) -> None:
    root, cache = tmp_path / "project", tmp_path / "walk-cache"
    write_files(root, TREE)
    age(root, PAST)
    same(root, cache)
    # Edited in place (the directory's mtime does not move): the whole cache is dropped.
    with open(root / "src/keep/.gitignore", "a", encoding="utf-8") as handle:
        handle.write("k.gen.py\n")
    assert "src/keep/k.gen.py" not in same(root, cache).files
    age(root, PAST + STEP)
    same(root, cache)
    # A new ignore file: what lies below its directory is filtered again (lib/y itself is
    # unchanged, so its cached listing would still hold z.rs).
    write_files(root, {"lib/.code-indexignore": "*.rs\n"})
    assert "lib/y/z.rs" not in same(root, cache).files
    age(root, PAST + 2 * STEP)
    same(root, cache)
    (root / "lib/.code-indexignore").unlink()
    assert "lib/y/z.rs" in same(root, cache).files
    write_files(root, {".git/info/exclude": "lib/\n"})
    assert "lib/x.go" not in same(root, cache).files


def test_random_changes_agree_with_a_plain_walk(tmp_path: Path) -> None:
    root, cache = tmp_path / "project", tmp_path / "walk-cache"
    write_files(root, TREE)
    rng = random.Random(7)
    dirs = ["", "src", "src/deep", "src/deep/er", "src/keep", "lib", "lib/y", "new/one"]
    for round_number in range(40):
        age(root, PAST + round_number * STEP)
        same(root, cache)
        for _ in range(rng.randint(1, 3)):
            where = rng.choice(dirs)
            target = root / where
            choice = rng.random()
            if choice < 0.3:
                write_files(target, {f"f{rng.randint(0, 9)}.py": "x = 1\n" * rng.randint(1, 3)})
            elif choice < 0.45:
                present = [p for p in target.glob("*.py")] if target.is_dir() else []
                if present:
                    rng.choice(present).unlink()
            elif choice < 0.55:
                write_files(
                    target,
                    {
                        ".gitignore": rng.choice(
                            ["f1.py\n", "*.gen.py\n", "y/\n", "*.cs\n", "*.rs\n"]
                        )
                    },
                )
            elif choice < 0.65 and where and target.is_dir():
                shutil.rmtree(target)
            elif choice < 0.75 and where and target.is_dir():
                os.rename(target, target.with_name(target.name + "_moved"))
                dirs.append(where + "_moved")
            elif choice < 0.85:
                link = target / "alias"
                if target.is_dir() and not link.exists() and not link.is_symlink():
                    os.symlink(root / "src", link)
            else:
                (target / "sub").mkdir(parents=True, exist_ok=True)
                write_files(target / "sub", {"s.cs": "class S {}\n"})
        same(root, cache)
