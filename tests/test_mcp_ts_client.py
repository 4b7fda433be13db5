"""A third-party client: the official MCP TypeScript SDK, which validates every answer's
structuredContent against the tool's outputSchema. The SDK is pinned in tests/ts_client
(package.json and package-lock.json); .ci/run installs it there with `npm ci` when npm exists.
Skipped, saying so, when node or that install is missing ($CODE_INDEX_TS_SDK names another
folder holding node_modules/@modelcontextprotocol/sdk)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_mcp_stdio import BIN, make_project

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parent / "bench" / "mcp_ts_client.mjs"
SDK_DIR = Path(os.environ.get("CODE_INDEX_TS_SDK", HERE / "ts_client"))
NODE = shutil.which("node")


@pytest.mark.skipif(
    NODE is None or not (SDK_DIR / "node_modules/@modelcontextprotocol/sdk").is_dir(),
    reason=f"node or the MCP TypeScript SDK is not installed (run `npm ci` in {SDK_DIR})",
)
def test_typescript_sdk_client_accepts_every_answer(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    ran = subprocess.run(
        [str(NODE), str(SCRIPT), str(SDK_DIR), str(BIN / "code-index"), str(root)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout.splitlines()[-1])
    failed = [result for result in report["results"] if not result["ok"]]
    assert failed == [], failed
    # every tool the server lists is called at least once, so a new tool cannot go unchecked
    assert set(report["tools"]) <= {result["tool"] for result in report["results"]}
    assert report["bad_argument"]["isError"] is True
    assert "limit:" in report["bad_argument"]["text"]
