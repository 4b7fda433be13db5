"""bench/README.md's tables are generated from saved results, never typed by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import tables  # noqa: E402


def test_readme_tables_match_the_saved_results() -> None:
    completed = subprocess.run(
        [sys.executable, str(BENCH / "tables.py"), "--check"], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "no <!-- results:" not in completed.stdout


def test_a_section_is_rewritten_from_its_result_and_the_rest_is_kept(tmp_path: Path) -> None:
    import index_bench
    from _results import machine

    cold = index_bench.Measure("cold build", "s", 6.0, [4.0, 5.0, 9.0])
    saved = {
        "machine": machine(),
        "runs": 3,
        "measures": {"cold": asdict(cold)},
        "per_query_ms": {"user": [0.5, 0.7, 0.6]},
    }
    (tmp_path / "index_bench.json").write_text(json.dumps(saved), encoding="utf-8")
    (tmp_path / "orphan.json").write_text("{}", encoding="utf-8")
    text = "intro\n<!-- results:index_bench -->\nstale table\n<!-- /results:index_bench -->\nend\n"

    new, missing = tables.regenerate(text, tmp_path)

    assert missing == ["orphan"]
    assert "stale table" not in new
    assert new.startswith("intro\n<!-- results:index_bench -->\n")
    assert new.endswith("\n<!-- /results:index_bench -->\nend\n")
    body = new.split("\n", 2)[2]
    assert "| cold build | 5.00 s | 4.00 s – 9.00 s | ≤ 6.00 s | pass |" in body
    assert "`user` 0.60 ms" in body
    assert str(saved["machine"]["date"]) in body
