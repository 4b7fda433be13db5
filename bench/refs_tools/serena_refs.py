"""Serena's find_referencing_symbols for bench/refs_serena.py. Run with the Python of the
venv Serena is installed in (bench/.peers/serena), never ours: it imports serena.

    serena/bin/python serena_refs.py PROJECT NAME=RELATIVE_PATH ...

The project must be created and indexed already (`serena project create`, `serena project
index`). Prints one JSON object: the seconds to start the agent (its language server, reading
Serena's cache), then per name the seconds of its query and its references as
[path, 1-based line, 1-based column].
"""

import json
import sys
import time

from serena.agent import SerenaAgent
from serena.config.serena_config import SerenaConfig
from serena.repl.api.lsp_api import LspApi


def main() -> int:
    project = sys.argv[1]
    started = time.perf_counter()
    config = SerenaConfig.from_config_file().with_headless_mode_overrides()
    agent = SerenaAgent(project=project, serena_config=config)
    api = LspApi(agent)
    # The first request waits for the language server to come up.
    agent.execute_task(lambda: api.get_symbols_overview(sys.argv[2].split("=", 1)[1]))
    out: dict[str, object] = {"start_seconds": time.perf_counter() - started, "names": {}}
    for pair in sys.argv[2:]:
        name, path = pair.split("=", 1)
        started = time.perf_counter()
        try:
            found = agent.execute_task(lambda n=name, p=path: api.find_referencing_symbols(n, p))
            sites = [
                [ref.get_relative_path(), ref.line + 1, ref.character + 1]
                for ref in found.references
            ]
            error = ""
        except Exception as failure:  # noqa: BLE001 - reported, the next name goes on
            sites, error = [], f"{type(failure).__name__}: {failure}"[:300]
        seconds = time.perf_counter() - started
        out["names"][name] = {"seconds": seconds, "sites": sites, "error": error}  # type: ignore[index]
    print(json.dumps(out), flush=True)
    agent.shutdown()  # ends the process group (this process too) with SIGTERM
    return 0


if __name__ == "__main__":
    sys.exit(main())
