"""Crafted input stays local (#18 F3-F7, F9, F15): a bad name, byte, ignore line or file
costs at most that file or line, and every read is bounded."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from codeindex.models import Symbol
from codeindex.storage import codec, schema
from tests.conftest import run_cli, write_files

BIN = Path(sys.executable).parent
BODY = (
    "    total = 0\n"
    "    for row in rows:\n"
    "        if row.value > 10:\n"
    "            total += row.value * 2\n"
    "        else:\n"
    "            total -= row.value\n"
    "    return total\n"
)


def _random_text(chance: random.Random) -> str:
    raw = bytes(chance.randrange(256) for _ in range(chance.randrange(0, 40)))
    # Any OS name or decoded source: surrogateescape keeps every byte.
    return raw.decode("utf-8", "surrogateescape") + chance.choice(["", "\x1f", "\x1e", "\n\t"])


def test_record_codec_round_trips_random_content() -> None:
    chance = random.Random(18)
    for _ in range(2000):
        symbol = Symbol(
            name=_random_text(chance),
            qualified_name=_random_text(chance),
            kind="function",
            language="python",
            path=_random_text(chance),
            line=chance.randrange(1, 10**6),
            end_line=chance.randrange(1, 10**6),
            signature=_random_text(chance),
            doc=_random_text(chance),
            start_line=chance.randrange(1, 10**6),
        )
        stored = codec.decode_record(schema.symbol_document(symbol).columns["data"])  # type: ignore[arg-type]
        assert codec.symbol_from_stored(stored) == symbol
        assert codec.stored_symbol_path(stored) == symbol.path


def test_separator_bytes_and_bad_names_cost_nothing(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_files(
        root,
        {
            "doc.py": 'def odd(rows):\n    """a \x1f b c"""\n' + BODY,
            "sep\x1fname.py": "def in_sep_name(): pass\n",
            "tab\tand\nnewline.py": "def in_tab_name(): pass\n",
            "ok.py": "def fine(rows):\n" + BODY,
        },
    )
    (root / os.fsdecode(b"bad_\xff.py")).write_text("def in_bad_name(): pass\n")
    for command in (["index"], ["index", "--rebuild"], ["odd"], ["in_sep_name"], ["status"]):
        result = run_cli(*command, "--root", str(root), cwd=root)
        assert result.returncode == 0, (command, result.stderr)
    odd = json.loads(run_cli("odd", "--json", "--root", str(root), cwd=root).stdout)
    assert odd["results"][0]["doc"] == "a \x1f b c"
    names = {json.loads(line)["name"] for line in _out(root, "export")}
    assert {"odd", "in_sep_name", "in_tab_name", "fine"} <= names
    assert "in_bad_name" not in names  # skipped, and counted:
    status = json.loads(run_cli("status", "--json", "--root", str(root), cwd=root).stdout)
    assert status["skipped"].get("non-UTF-8 name") == 1
    ctags = _out(root, "export", "--format", "ctags")
    assert all(line.count("\t") >= 3 for line in ctags if not line.startswith("!"))
    outline = run_cli("outline", "doc.py", "--root", str(root), cwd=root)
    assert outline.returncode == 0 and "odd" in outline.stdout
    for command in (["dups"], ["similar", str(root / "ok.py")]):
        result = run_cli(*command, "--root", str(root), cwd=root)
        assert result.returncode == 0, (command, result.stderr)
        assert command == ["dups"] or "doc.py" in result.stdout, result.stdout


def _out(root: Path, *command: str) -> list[str]:
    result = run_cli(*command, "--root", str(root), cwd=root)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_a_bad_gitignore_line_costs_that_line(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_files(
        root,
        {
            ".gitignore": "\\\n!\n**/[z-a]\nignored.py\n",
            "sub/.gitignore": "[\n",
            "ignored.py": "def hidden(): pass\n",
            "kept.py": "def visible(): pass\n",
            "sub/inner.py": "def inner(): pass\n",
        },
    )
    result = run_cli("visible", "--root", str(root), cwd=root)
    assert result.returncode == 0, result.stderr
    assert "kept.py" in result.stdout
    assert run_cli("inner", "--root", str(root), cwd=root).stdout.startswith("sub/inner.py")
    assert run_cli("hidden", "--root", str(root), cwd=root).stdout == ""  # other lines hold


def test_a_fifo_swapped_in_after_the_walk_does_not_hang(indexed, tmp_path: Path) -> None:
    from codeindex.file_reading import read_files
    from codeindex.walker import Candidate

    code_index = indexed({"a.py": "def alpha(): pass\n"})
    os.mkfifo(code_index.root / "x.py")
    started = time.monotonic()
    [outcome] = read_files(code_index.root, [Candidate("x.py", 10, 1)])
    assert time.monotonic() - started < 2
    assert outcome.record.skipped == "not a regular file"


def test_a_symlink_swapped_in_to_outside_the_root_is_not_read(indexed, tmp_path: Path) -> None:
    from codeindex.file_reading import read_files
    from codeindex.walker import Candidate

    code_index = indexed({"a.py": "def alpha(): pass\n"})
    secret = tmp_path / "secret.py"
    secret.write_text("def secret(): pass\n")
    (code_index.root / "a.py").unlink()
    (code_index.root / "a.py").symlink_to(secret)
    [outcome] = read_files(code_index.root, [Candidate("a.py", 10, 1)])
    assert outcome.record.skipped == "symlink outside root"
    assert outcome.record.symbols == 0


def test_a_nul_byte_late_in_a_file_is_reported_not_silently_truncated(indexed) -> None:
    code_index = indexed({"late.py": "def a(): pass\n" + "#" * 9000 + "\0\ndef b(): pass\n"})
    records = code_index._store.file_records()
    assert records["late.py"].skipped == "binary"


def test_similar_reads_at_most_the_limit_from_any_input(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_files(root, {"a.py": "def alpha(x):\n    return x\n"})
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    script = str(BIN / "code-index")
    for argv, stdin in (([script, "similar", "/dev/zero"], None), ([script, "similar"], "yes")):
        feeder = subprocess.Popen(["yes"], stdout=subprocess.PIPE) if stdin else None
        started = time.monotonic()
        result = subprocess.run(
            [*argv, "--root", str(root)],
            stdin=feeder.stdout if feeder else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if feeder:
            feeder.kill()
            feeder.wait()
        assert result.returncode == 2, result.stderr
        assert "too large" in result.stderr
        assert time.monotonic() - started < 20


def test_input_errors_say_what_to_do_and_never_suggest_a_rebuild(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write_files(root, {"a.py": "def alpha(): pass\n", "big.py": "#" * 3000 + "\ndef big(): pass\n"})
    assert run_cli("index", "--root", str(root), cwd=root).returncode == 0
    for command in (
        ["alpha", "--path", "!"],
        ["alpha", "--path", "[z-a]"],
        [os.fsdecode(b"\xff\xfe")],
        ["index", "--max-file-size", "-1"],
    ):
        result = run_cli(*command, "--root", str(root), cwd=root)
        assert result.returncode == 2, command
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "rebuild" not in result.stderr and "Error" not in result.stderr, result.stderr
    # The limit given to `index` holds for the commands after it.
    assert (
        run_cli("index", "--max-file-size", "1000", "--root", str(root), cwd=root).returncode == 0
    )
    assert run_cli("alpha", "--root", str(root), cwd=root).returncode == 0
    assert run_cli("big", "--root", str(root), cwd=root).stdout == ""


def test_deep_nesting_is_capped_and_costs_linear_time(tmp_path: Path) -> None:
    from codeindex.extract import MAX_NESTING

    depth = 3000
    source = "".join(f"function f{i}() {{\n" for i in range(depth)) + "return 1;\n" + "}\n" * depth
    root = tmp_path / "p"
    write_files(root, {"deep.ts": source, "ok.ts": "export function fine() { return 1; }\n"})
    started = time.monotonic()
    result = run_cli("index", "--root", str(root), cwd=root)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 20  # before the cap: minutes and gigabytes
    assert f"nested deeper than {MAX_NESTING} levels" in result.stderr
    deep = [line for line in _out(root, "export") if json.loads(line)["path"] == "deep.ts"]
    assert 0 < len(deep) <= MAX_NESTING
    assert run_cli("fine", "--root", str(root), cwd=root).stdout.startswith("ok.ts")
