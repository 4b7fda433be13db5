"""Fault campaign for the index (#18): kills, crafted input, concurrent writers.

Run by hand (minutes, not part of the test suite):

    .venv/bin/python bench/faults.py [--corpus DIR] [--kills 30] [--seconds 60] [--seed 18]

Every phase works on a copy of the corpus under a temporary directory and ends by comparing
the index with a clean rebuild of the same tree (every symbol, as `code-index export` prints
it, sorted, duplicates counted). Phases:

1. kills: `index`, `index --rebuild` or a search (which refreshes), on a tree just edited,
   SIGKILLed after a random delay; then `status` must answer, one `index` must recover, and
   the index must equal a clean rebuild.
2. crafted: names with 0x1f, tabs, newlines and non-UTF-8 bytes; docs with 0x1f and 0x1e;
   NUL bytes late in a file; a BOM; a FIFO and a symlink out of the root in place of source
   files; ignore lines git accepts and pathspec does not. Every command must exit 0.
3. writers: for `--seconds`, a watcher plus processes running `index`, searches and `status`
   in a loop while files are added, edited and removed; then the same comparison.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

CLI = str(Path(sys.executable).parent / "code-index")
DEFAULT_CORPUS = "/root/.pyenv/versions/3.11.7/lib/python3.11/email"


def run(root: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args, "--root", str(root)], capture_output=True, text=True, timeout=timeout
    )


def exported(root: Path) -> Counter[str]:
    result = run(root, "export")
    assert result.returncode == 0, result.stderr
    return Counter(result.stdout.splitlines())


def clean_rebuild_of(root: Path, scratch: Path) -> Counter[str]:
    """The symbols of a fresh index of a copy of the tree (the copy keeps the paths)."""
    copy = scratch / "clean"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns(".code-index*"))
    assert run(copy, "index").returncode == 0
    return exported(copy)


def verdict(root: Path, scratch: Path) -> str:
    """ "" when the index equals a clean rebuild, else what differs."""
    mine, clean = exported(root), clean_rebuild_of(root, scratch)
    if mine == clean:
        return ""
    extra, missing = mine - clean, clean - mine
    return f"{sum(extra.values())} extra (duplicates or stale), {sum(missing.values())} missing"


def edit(root: Path, chance: random.Random, round_: int) -> None:
    """Add, change and remove a few files."""
    files = sorted(p for p in root.rglob("*.py") if ".code-index" not in p.parts)
    for path in chance.sample(files, min(3, len(files))):
        path.write_text(path.read_text() + f"\ndef edited_{round_}_{path.stem}():\n    pass\n")
    if len(files) > 20:
        chance.choice(files).unlink()
    (root / f"added_{round_}.py").write_text(f"class Added{round_}:\n    def m(self): pass\n")


def phase_kills(corpus: Path, scratch: Path, kills: int, chance: random.Random) -> list[str]:
    root = scratch / "kills"
    shutil.copytree(corpus, root)
    assert run(root, "index").returncode == 0
    failures = []
    for round_ in range(kills):
        edit(root, chance, round_)
        command = chance.choice([["index"], ["index", "--rebuild"], ["Added"]])
        process = subprocess.Popen(
            [CLI, *command, "--root", str(root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(chance.uniform(0.0, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        status = run(root, "status")
        recovered = run(root, "index")
        problem = verdict(root, scratch)
        if status.returncode or recovered.returncode or problem:
            failures.append(
                f"kill {round_} during {' '.join(command)}: status {status.returncode} "
                f"{status.stderr.strip()[:200]}; index {recovered.returncode} "
                f"{recovered.stderr.strip()[:200]}; {problem}"
            )
        leftovers = [n for n in os.listdir(root) if n.startswith(".code-index.")]
        print(
            f"kill {round_:>3} {' '.join(command):<16} {problem or 'equal'}"
            f"{'; side dirs: ' + str(len(leftovers)) if leftovers else ''}",
            flush=True,
        )
    return failures


def crafted_tree(root: Path, outside: Path) -> None:
    body = (
        "def {name}(rows):\n    '''{doc}'''\n    total = 0\n    for row in rows:\n"
        "        if row.value > 10:\n            total += row.value * 2\n"
        "        else:\n            total -= row.value\n    return total\n"
    )
    files: dict[str, bytes] = {
        "sep\x1fname.py": body.format(name="in_sep", doc="x").encode(),
        "tab\tand\nnewline.py": body.format(name="in_tab", doc="y").encode(),
        "docs.py": body.format(name="odd_doc", doc="a \x1f b \x1e c").encode(),
        "late_nul.py": b"def before(): pass\n" + b"#" * 9000 + b"\0\ndef after(): pass\n",
        "bom.py": b"\xef\xbb\xbf" + body.format(name="with_bom", doc="z").encode(),
        "crlf.ts": b"export function crlf() {\r\n  return 1;\r\n}\r\n",
        "latin1.py": "def caf\xe9(): pass\n".encode("latin-1"),
        ".gitignore": b"\\\n!\n**/[z-a]\nignored.py\n",
        "ignored.py": body.format(name="hidden", doc="h").encode(),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / os.fsdecode(b"bad_\xff.py")).write_bytes(body.format(name="in_bad", doc="b").encode())
    os.mkfifo(root / "fifo.py")
    outside.write_text("def outside_secret(): pass\n")
    (root / "link_out.py").symlink_to(outside)


def phase_crafted(corpus: Path, scratch: Path) -> list[str]:
    root = scratch / "crafted"
    shutil.copytree(corpus, root)
    crafted_tree(root, scratch / "outside.py")
    failures = []
    commands = [
        ["index"],
        ["odd_doc"],
        ["in_sep", "--json"],
        ["status", "--json"],
        ["export"],
        ["export", "--format", "ctags"],
        ["outline", str(root / "docs.py")],
        ["dups"],
        ["similar", str(root / "docs.py")],
        ["index", "--rebuild"],
        ["outside_secret"],
    ]
    for command in commands:
        result = run(root, *command, timeout=120)
        if result.returncode != 0 or "Traceback" in result.stderr:
            failures.append(f"{' '.join(command)}: {result.returncode} {result.stderr[:300]}")
        if command == ["outside_secret"] and result.stdout:
            failures.append("a file outside the root was indexed")
        print(f"crafted {' '.join(command)[:40]:<40} exit {result.returncode}", flush=True)
    os.unlink(root / "fifo.py")  # a clean rebuild's copy cannot copy a FIFO
    (root / "link_out.py").unlink()
    assert run(root, "index").returncode == 0
    problem = verdict(root, scratch)
    if problem:
        failures.append(f"crafted tree: {problem}")
    return failures


def phase_writers(corpus: Path, scratch: Path, seconds: float, chance: random.Random) -> list[str]:
    root = scratch / "writers"
    shutil.copytree(corpus, root)
    assert run(root, "index").returncode == 0
    watcher = subprocess.Popen(
        [CLI, "watch", "--root", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    loops = [
        subprocess.Popen(
            [sys.executable, __file__, "--loop", str(root), str(seconds), command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command in ("index", "search", "status", "index")
    ]
    deadline = time.monotonic() + seconds
    round_ = 0
    while time.monotonic() < deadline:
        edit(root, chance, 1000 + round_)
        round_ += 1
        time.sleep(chance.uniform(0.05, 0.5))
    failures = []
    for loop in loops:
        out, _ = loop.communicate(timeout=seconds + 300)
        if loop.returncode != 0:
            failures.append(f"writer loop failed: {out[-500:]}")
        print(f"writers loop: {out.strip().splitlines()[-1] if out.strip() else ''}", flush=True)
    watcher.send_signal(signal.SIGINT)
    watcher.wait(30)
    final = run(root, "index")
    if final.returncode != 0:
        failures.append(f"index after the writers: {final.stderr.strip()}")
    problem = verdict(root, scratch)
    print(f"writers: {round_} edit rounds; {problem or 'equal to a clean rebuild'}", flush=True)
    if problem:
        failures.append(f"concurrent writers: {problem}")
    return failures


def loop(root: Path, seconds: float, command: str) -> int:
    """One concurrent client: the command again and again; counts exits."""
    args = {"index": ["index"], "search": ["Added", "--json"], "status": ["status"]}[command]
    deadline = time.monotonic() + seconds
    exits: Counter[int] = Counter()
    while time.monotonic() < deadline:
        result = run(root, *args, timeout=300)
        exits[result.returncode] += 1
        if "Traceback" in result.stderr:
            print(result.stderr[-800:])
            return 1
    print(f"{command}: exits {dict(exits)}")
    return 0 if set(exits) <= {0, 2} else 1  # 2: `index` told another writer outlasted it


def main() -> int:
    if sys.argv[1:2] == ["--loop"]:
        return loop(Path(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path(DEFAULT_CORPUS))
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--only", choices=("kills", "crafted", "writers"), help="one phase")
    args = parser.parse_args()
    chance = random.Random(args.seed)
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="code-index-faults-") as scratch:
        started = time.monotonic()
        if args.only in (None, "kills"):
            failures += phase_kills(args.corpus, Path(scratch), args.kills, chance)
        if args.only in (None, "crafted"):
            failures += phase_crafted(args.corpus, Path(scratch))
        if args.only in (None, "writers"):
            failures += phase_writers(args.corpus, Path(scratch), args.seconds, chance)
        took = time.monotonic() - started
    print(f"\n{len(failures)} failure(s) in {took:.0f} s (seed {args.seed})")
    for failure in failures:
        print(" -", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
