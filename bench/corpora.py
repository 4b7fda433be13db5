"""Re-create the shared benchmark corpora under /work/corpora from the package registries.

    python bench/corpora.py [--dest /work/corpora] [--cache DIR] [NAME ...]

NAME is any of go, rust, ts, csharp, django, allauth, big, readme (default: all of them, in
that order). Every source is a pinned package fetched with its registry's own client:
`apt-get download` (Debian), `npm pack` (npm) and `pip download` (PyPI sdists); nothing else
touches the network. The Python standard library comes from the running interpreter.

Each corpus is built in a temp folder beside its destination and renamed into place, so a
reader never sees half a corpus. `big` holds hard links to the other corpora's files (same
bytes, no extra disk), so build it last. `readme` counts files and lines per language (by the
index's own extension table) and writes README.md in the destination.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from codeindex.languages import language_for_path  # noqa: E402


@dataclass(frozen=True, slots=True)
class Package:
    registry: str  # "debian", "npm" or "pypi"
    name: str
    version: str
    keep: str = ""  # Debian: the folder inside the package to take; npm/PyPI: unused


GO = (Package("debian", "golang-1.19-src", "1.19.8-2", "usr/share/go-1.19"),)
RUST = (Package("debian", "rust-src", "1.63.0+dfsg1-2", "usr/src/rustc-1.63.0"),)
# npm packages that ship their TypeScript sources, not only compiled .js and .d.ts.
TYPESCRIPT = tuple(
    Package("npm", name, version)
    for name, version in (
        ("rxjs", "7.8.2"),
        ("effect", "4.1.5"),
        ("@effect/platform", "0.97.2"),
        ("@effect/sql", "0.52.1"),
        ("@effect/cli", "0.77.2"),
        ("zod", "4.6.7"),
        ("@trpc/server", "11.25.2"),
        ("@tanstack/query-core", "5.108.4"),
        ("@tanstack/react-query", "5.108.4"),
        ("@tanstack/router-core", "1.171.39"),
        ("@tanstack/react-router", "1.170.46"),
        ("mobx", "7.1.3"),
        ("@reduxjs/toolkit", "2.16.0"),
    )
)
# Unity packages published on npm, and the .NET parts of two PyPI sdists.
CSHARP = (
    Package("npm", "com.cysharp.unitask", "2.2.5"),
    Package("npm", "com.neuecc.unirx", "7.1.0"),
    Package("npm", "com.crowdin.unity-plugin", "0.12.0"),
    Package("npm", "com.taptap.sdk.login", "4.10.9"),
    Package("pypi", "pythonnet", "3.2.1"),
    Package("pypi", "clr-loader", "0.3.1"),
)
DJANGO = (Package("pypi", "Django", "5.2.20"),)
ALLAUTH = (Package("pypi", "django-allauth", "65.22.1"),)
SKIPPED_DIRS = frozenset({"site-packages", "__pycache__", ".code-index"})


def run(command: list[str], cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def fetch(package: Package, cache: Path) -> Path:
    """The package's archive in `cache`, downloaded with its registry's client if missing."""
    folder = cache / package.registry
    folder.mkdir(parents=True, exist_ok=True)
    found = _cached(package, folder)
    if found is None:
        if package.registry == "debian":
            run(["apt-get", "download", f"{package.name}={package.version}"], folder)
        elif package.registry == "npm":
            run(["npm", "pack", "--loglevel=warn", f"{package.name}@{package.version}"], folder)
        else:
            spec = f"{package.name}=={package.version}"
            pip = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
            ]
            run([*pip, "-d", str(folder), spec], folder)
        found = _cached(package, folder)
    if found is None:
        raise SystemExit(f"corpora: {package.name} {package.version} did not download")
    return found


def _cached(package: Package, folder: Path) -> Path | None:
    if package.registry == "debian":
        pattern = f"{package.name}_{package.version.replace(':', '%3a')}_*.deb"
    elif package.registry == "npm":
        pattern = f"{package.name.lstrip('@').replace('/', '-')}-{package.version}.tgz"
    else:
        stem = package.name.replace("-", "_").lower()
        pattern = f"*-{package.version}.tar.gz"
        matches = [p for p in folder.glob(pattern) if p.name.lower().startswith(stem + "-")]
        return matches[0] if matches else None
    matches = sorted(folder.glob(pattern))
    return matches[0] if matches else None


def unpack(package: Package, archive: Path, target: Path, wanted: Callable[[str], bool]) -> None:
    """Extract the files `wanted` accepts into `target`, without the archive's top folder."""
    if package.registry == "debian":
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            run(["dpkg-deb", "-x", str(archive), scratch], target.parent)
            shutil.copytree(Path(scratch) / package.keep, target, symlinks=True)
        return
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/", 1)
            if not member.isfile() or len(parts) < 2 or not wanted(parts[1]):
                continue
            member.name = parts[1]
            tar.extract(member, target, filter="data")


def is_typescript_source(path: str) -> bool:
    return path.endswith((".ts", ".tsx")) and not path.endswith(".d.ts")


def everything(path: str) -> bool:
    return True


def folder_name(package: Package) -> str:
    return f"{package.name.lstrip('@').replace('/', '-')}-{package.version}"


def build(
    dest: Path,
    name: str,
    packages: Iterable[Package],
    cache: Path,
    wanted: Callable[[str], bool],
    flat: bool = False,
) -> None:
    """Build `dest/name` from `packages`: one sub-folder per package, or flat for a single one."""
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=dest))
    try:
        for package in packages:
            target = staging / "tree" if flat else staging / "tree" / folder_name(package)
            target.parent.mkdir(parents=True, exist_ok=True)
            unpack(package, fetch(package, cache), target, wanted)
        replace(staging / "tree", dest / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def replace(new: Path, old: Path) -> None:
    """Put `new` at `old`; the old tree (if any) moves aside first and is then deleted."""
    retired = old.with_name(f".{old.name}-old")
    shutil.rmtree(retired, ignore_errors=True)
    if old.exists():
        old.rename(retired)
    new.rename(old)
    shutil.rmtree(retired, ignore_errors=True)


def link_tree(source: Path, target: Path, link: bool = True) -> None:
    """Mirror `source` under `target` with hard links (or copies: link=False, or it fails)."""
    for directory, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        out = target / Path(directory).relative_to(source)
        out.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            src = Path(directory) / name
            if src.is_symlink() or not src.is_file():
                continue
            try:
                if not link:
                    raise OSError("copy asked for")
                os.link(src, out / name)
            except OSError:
                shutil.copyfile(src, out / name)


def build_big(dest: Path) -> None:
    """The mixed five-language tree, about 5.6M lines: the corpora above (Go's and Rust's
    without their compiler test suites) plus the interpreter's stdlib."""
    parts = {
        "go/src": dest / "go" / "src",
        "rust/compiler": dest / "rust" / "compiler",
        "rust/library": dest / "rust" / "library",
        "ts": dest / "ts",
        "csharp": dest / "csharp",
        "python/django": dest / "django",
        "python/allauth": dest / "allauth",
        "python/stdlib": Path(sysconfig.get_paths()["stdlib"]),
    }
    missing = [str(path) for path in parts.values() if not path.is_dir()]
    if missing:
        raise SystemExit(f"corpora: build these first: {', '.join(missing)}")
    staging = Path(tempfile.mkdtemp(prefix=".big-", dir=dest))
    try:
        for relative, source in parts.items():
            # Never a link into the interpreter's own files: a write there would change Python.
            link_tree(source, staging / "tree" / relative, link=relative != "python/stdlib")
        replace(staging / "tree", dest / "big")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def source_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(language, path) for each file under `root` that the index would parse."""
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        for name in filenames:
            spec = language_for_path(name)
            path = Path(directory) / name
            if spec is not None and path.is_file() and not path.is_symlink():
                yield spec.name, path


def count(root: Path) -> dict[str, tuple[int, int]]:
    """Files and lines per language under `root`."""
    totals: dict[str, tuple[int, int]] = {}
    for language, path in source_files(root):
        data = path.read_bytes()
        lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        files, seen = totals.get(language, (0, 0))
        totals[language] = (files + 1, seen + lines)
    return totals


def describe(packages: Iterable[Package]) -> str:
    return ", ".join(f"{p.registry} `{p.name}` {p.version}" for p in packages)


SOURCES = {
    "go": f"Go 1.19 toolchain sources (src/, test/, misc/): {describe(GO)}",
    "rust": f"rustc 1.63 sources (compiler/, library/, src/): {describe(RUST)}",
    "ts": f"TypeScript sources (.ts/.tsx, no .d.ts) of {describe(TYPESCRIPT)}",
    "csharp": f"C# sources (.cs only) of {describe(CSHARP)}",
    "django": f"the sdist of {describe(DJANGO)} (incl. tests/)",
    "allauth": f"the sdist of {describe(ALLAUTH)}",
    "big": "go/src + rust/{compiler,library} + ts + csharp + python/{django,allauth} + "
    "python/stdlib (the interpreter's standard library without site-packages, copied); "
    "the rest as hard links",
}


def write_readme(dest: Path) -> str:
    rows = [
        "# Shared corpora",
        "",
        "Built by `python bench/corpora.py` (in the code-index repository) from pinned "
        "registry packages; re-run it to re-create any of them. Read-only by convention: "
        "index a copy (`cp -r`), so that your `.code-index/` never lands here. `big` "
        "shares its files with the others as hard links: never write into it in place.",
        "",
        "| corpus | source | language | files | lines |",
        "|---|---|---|---:|---:|",
    ]
    for name, source in SOURCES.items():
        root = dest / name
        if not root.is_dir():
            continue
        totals = count(root)
        all_files = sum(f for f, _ in totals.values())
        all_lines = sum(n for _, n in totals.values())
        for language, (files, lines) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
            rows.append(f"| `{root}` | {source} | {language} | {files:,} | {lines:,} |")
            source = ""
        rows.append(f"| `{root}` | | **all** | {all_files:,} | {all_lines:,} |")
    rows += [
        "",
        "Lines are newline counts of the files the index parses (by its extension "
        "table); files in other languages are left in the Go and Rust trees as shipped.",
    ]
    text = "\n".join(rows) + "\n"
    (dest / "README.md").write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    steps = ["go", "rust", "ts", "csharp", "django", "allauth", "big", "readme"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(steps))
    parser.add_argument("--dest", type=Path, default=Path("/work/corpora"))
    parser.add_argument("--cache", type=Path, help="where downloads are kept (DEST/dl)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(steps))
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}; use any of: {', '.join(steps)}")
    dest: Path = args.dest.resolve()
    cache: Path = (args.cache or dest / "dl").resolve()
    dest.mkdir(parents=True, exist_ok=True)
    builders: dict[str, Callable[[], None]] = {
        "go": lambda: build(dest, "go", GO, cache, everything, flat=True),
        "rust": lambda: build(dest, "rust", RUST, cache, everything, flat=True),
        "ts": lambda: build(dest, "ts", TYPESCRIPT, cache, is_typescript_source),
        "csharp": lambda: build(dest, "csharp", CSHARP, cache, lambda p: p.endswith(".cs")),
        "django": lambda: build(dest, "django", DJANGO, cache, everything, flat=True),
        "allauth": lambda: build(dest, "allauth", ALLAUTH, cache, everything, flat=True),
        "big": lambda: build_big(dest),
        "readme": lambda: print(write_readme(dest)),
    }
    for name in args.names or steps:
        print(f"corpora: {name}", file=sys.stderr)
        builders[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
