"""One way for every bench to keep its figures and show them as Markdown.

A bench run with `--json FILE` writes its raw figures with `save()`. Each bench module that
can be saved also defines `markdown(payload) -> str`, the table it prints. `bench/tables.py`
calls that same function on the saved payloads in `bench/results/` to regenerate the tables
of bench/README.md, so the published tables are never typed by hand.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, object]:
    """What a reader needs to weigh the figures: when, on what, and how busy it was."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_start": [round(x, 2) for x in os.getloadavg()],
    }


def save(path: Path, payload: dict[str, object]) -> None:
    """Write a bench's payload with the machine it ran on (added if the bench did not)."""
    payload.setdefault("machine", machine())
    payload.setdefault("load_avg_end", [round(x, 2) for x in os.getloadavg()])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ran_on(payload: dict[str, object]) -> str:
    """One line saying when and where a payload was measured."""
    info = payload.get("machine")
    if not isinstance(info, dict):
        return ""
    start = info.get("load_avg_start") or ["?"]
    end = payload.get("load_avg_end") or ["?"]
    return (
        f"Measured {info.get('date')} on {info.get('cpus')} CPUs, {info.get('memory_gb')} GB, "
        f"Python {info.get('python')}; load average {start[0]} at the start, {end[0]} at the end."
    )
