"""codeindex.storage._light_imports: what whoosh would import for nothing stays out of a
command's start, and the stand-ins still work when called."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import codeindex.api
heavy = ["asyncio", "urllib.request", "whoosh.lang.morph_en"]
print(*[name for name in heavy if name in sys.modules])
from whoosh.query.terms import variations
print(sorted(variations("running"))[:2])
"""


def test_a_command_start_leaves_out_whooshs_unused_imports() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], check=True, capture_output=True, text=True
    ).stdout
    assert done.splitlines() == ["", "['ran', 'run']"]
