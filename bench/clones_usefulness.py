"""Would a team act on the `dups` report? A hand-labelled sample of groups from real corpora,
scored again after every change to the ranking or the units.

    python bench/clones_usefulness.py sample go=/tmp/cc/c/go > /tmp/sample-go.txt
    python bench/clones_usefulness.py score go=/tmp/cc/c/go ts=/tmp/cc/c/rxjs ...

The corpora (each indexed with `code-index index --root DIR` first; see CORPORA):
they come from Debian and npm, so anyone can rebuild them.

`sample` prints 20 groups of one corpus for labelling: the top 10 of `dups --json --tests
include` and 10 more drawn at random (seed SEED) from the rest. Each group gets one label in
bench/clones_labels.json:
- `useful`: a reader would merge or factor these copies;
- `on purpose`: duplicated by design (platform variants, generated tables, API surfaces
  that must stay separate, test cases written out);
- `noise`: not a duplicate worth a line (no body, boilerplate only, a unit paired with itself).

A label names its group by up to KEY_MEMBERS member ids (`path::qualified_name`), so it still
finds the group after re-ranking, or when a group gained or lost members: a group of the
current report takes the label whose members it shares most (at least half of them).

`todo` prints the top 10 non-test groups that have no label yet, for labelling after a
change (such labels say `"labelled": "after ..."`).

`score` re-runs `dups` on every corpus and prints, per corpus: useful and noise shares among
the top 10 non-test groups, the shares over every labelled group found again, and how many
groups of the top 10 have no label yet (label them with `sample`'s output: new groups appear
when the units or the grouping change). `--top 30` scores the top 30 instead: the evidence
of how many useful groups a corpus holds at all, beyond its first ten.

Groups labelled as kept on purpose (`platform-variants`, `mirror`, `family`, ...) rank after
the rest, so the top 10 holds them only when fewer than ten unlabelled groups exist.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import subprocess
import sys
from pathlib import Path

from _results import save, table

LABELS = Path(__file__).resolve().parent / "clones_labels.json"
SEED = 21
TOP = 10
RANDOM = 10
KEY_MEMBERS = 10
CODE_LINES = 14
CORPORA = {
    "go": "Debian golang-1.19-src 1.19.8-2: usr/share/go-1.19/src",
    "rust": "Debian librust-tokio-dev 1.24.2-1: usr/share/cargo/registry/tokio-1.24.2",
    "ts": "npm rxjs 7.8.2: package/src",
    "cs": "npm com.cysharp.unitask 2.2.5: package",
    "py": "CPython 3.11 standard library (without site-packages)",
    # Held out: labelled before the rules they score were written, never used to choose them.
    "zod": "npm zod 4.6.7: package/src (held out)",
    "django": "PyPI Django 5.2.20 sdist: django/ (held out)",
    # Held out until the Rust rules of issue 21's last pass, which its groups motivated.
    "rust-std": "Debian rust-src 1.63.0+dfsg1-2: usr/src/rustc-1.63.0/library",
    # Labelled by another session from the code alone, at 75a9472, before the Rust rules
    # written after reading rust-std's groups: the held-out check of those rules, until its
    # own groups motivated the next ones (attributes, mutable and borrowed twins).
    "rust-crates": "Debian bookworm regex-syntax, hashbrown, rayon, rayon-core, "
    "crossbeam-channel, serde_json crates",
    # Labelled the same way at d4f9bbf, before the Rust rules that came after the first set
    # (attributes left out of units; mutable, borrowed and seeded twins).
    "rust-crates2": "Debian bookworm bytes, clap, futures-util, indexmap, itertools, nom, url "
    "crates (held out)",
    "go-apps": "Debian bookworm cobra, gin, prometheus client_golang, hashicorp raft, go-toml, "
    "chi (held out)",
    "cs-apps": "npm/PyPI UniRx 7.1.0, pythonnet 3.2.1, clr-loader 0.3.1, Crowdin Unity plugin "
    "0.12.0 (held out)",
    # Labelled the same way at 84fe69f. ts-apps' mobx Set.add / Set.delete had `add /
    # delete` put in the opposites list: for that pair it is held out no longer.
    "go-apps2": "Debian bookworm mux, logrus, urfave/cli, viper, testify, miekg/dns, afero "
    "(held out)",
    # Held out no longer since the fourth round: its noble-curves and Redux Toolkit groups
    # motivated spelled-out numbers and two `documented` wordings.
    "ts-apps": "npm @tanstack/query-core, @tanstack/router-core, @reduxjs/toolkit, mobx, "
    "@noble/curves, immer: src/",
    # Labelled the same way at 96deb20 (top 20 and 10 random each). py-apps and ts-apps3
    # stay held out; go-apps3's and rust-crates3's misses motivated the rules after it.
    "py-apps": "PyPI rich, click, jinja2, attrs, requests, flask, marshmallow sdists (held out)",
    "ts-apps3": "npm ethers, @tanstack/form-core, lexical, msw, @noble/hashes, @trpc/server: "
    "hand-written .ts (held out)",
    "go-apps3": "Debian bookworm echo, go-cmp, hcl, memberlist, pflag, websocket, yaml.v3, zap",
    "rust-crates3": "Debian bookworm regex, aho-corasick, memchr, chrono, time, toml_edit, mio, "
    "parking_lot, parking_lot_core crates",
    # Labelled the same way at b8d89ed. cs-apps2 stays held out; go-apps4's fasthttp
    # "copy-pasted from" and rust-crates4's serde `ContentRefDeserializer` motivated the
    # rules after it.
    "go-apps4": "Debian bookworm fasthttp, lib/pq, go-redis v5, go-sql-driver/mysql, "
    "BurntSushi/toml, sqlx, mapstructure",
    "rust-crates4": "Debian bookworm syn, petgraph, serde, rand, smallvec, semver crates",
    "cs-apps2": "npm hypersdk, onnxruntime (+ unity), justtrack, @autorest/csharp, taptap "
    "login, edge-js/edge-cs, keijiro's osc-jack, klak.hap, libsoundio: .cs (held out)",
    # Labelled the same way at eee59bc. go-apps5 stays held out; rust-crates5's reverse
    # searches and byte-order twins motivated the Rust flavours after it.
    "go-apps5": "Debian bookworm validator v10, serf, go-kit, prometheus/common, redigo, "
    "go-restful, golang-jwt (held out)",
    "rust-crates5": "Debian bookworm h2, http, num-bigint, tokio-util, bstr, toml, num-traits, "
    "base64, uuid crates",
    # Block groups only (`dups --blocks`), scored over the top 20 instead of 10.
    "py-blocks": "CPython 3.11 standard library: dups --blocks, block groups of library code",
}
LABEL_NAMES = ("useful", "on purpose", "noise")
# How `dups` is run; `--dups-command` replaces it (another build, for a before/after).
DUPS = [sys.executable, "-m", "codeindex"]


def run_dups(root: Path, extra: list[str] | None = None, blocks: bool = False) -> list[dict]:
    command = [*DUPS, "dups", "--root", str(root), "--json"]
    command += ["--tests", "include", *(["--blocks"] if blocks else []), *(extra or [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 and "--tests" in done.stderr:  # a build from before --tests
        command = command[: command.index("--tests")] + (extra or [])
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)["groups"]


def member_id(member: dict) -> str:
    return f"{member['path']}::{member['symbol']}"


def key_of(group: dict) -> list[str]:
    return sorted({member_id(m) for m in group["members"]})[:KEY_MEMBERS]


def is_test_group(group: dict) -> bool:
    if "labels" in group:
        return "test" in group["labels"]
    from codeindex.classify import is_test

    return all(is_test(m["path"], m["symbol"]) for m in group["members"])


def picks(groups: list[dict]) -> list[tuple[str, dict]]:
    chosen = [(f"top {i + 1}", g) for i, g in enumerate(groups[:TOP])]
    rest = list(range(TOP, len(groups)))
    for index in sorted(random.Random(SEED).sample(rest, min(RANDOM, len(rest)))):
        chosen.append((f"random (rank {index + 1})", groups[index]))
    return chosen


def show(root: Path, group: dict) -> list[str]:
    lines = [f"similarity {group['similarity']}, {len(group['members'])} members"]
    for member in group["members"][:6]:
        lines.append(
            f"  {member['path']}:{member['start_line']}-{member['end_line']}  {member['symbol']}"
        )
    first = group["members"][0]
    try:
        text = (root / first["path"]).read_text(errors="replace").splitlines()
    except OSError:
        return lines
    body = text[first["start_line"] - 1 : first["end_line"]][:CODE_LINES]
    return lines + ["    | " + line for line in body]


def cmd_sample(corpora: dict[str, Path]) -> None:
    for name, root in corpora.items():
        for pick, group in picks(run_dups(root)):
            print(f"== {name} {pick}")
            print(json.dumps(key_of(group)))
            print("\n".join(show(root, group)))
            print()


def cmd_todo(corpora: dict[str, Path], extra: list[str]) -> None:
    """The top non-test groups that no label names yet, shown as `sample` shows them."""
    data = json.loads(LABELS.read_text())
    for name, root in corpora.items():
        groups = [g for g in run_dups(root, extra) if not is_test_group(g)][:TOP]
        for rank, group in enumerate(groups, 1):
            if find_label(group, data[name]["groups"]) is None:
                print(f"== {name} top {rank} (unlabelled)")
                print(json.dumps(key_of(group)))
                print("\n".join(show(root, group)))
                print()


def find_label(group: dict, labels: list[dict]) -> dict | None:
    ids = {member_id(m) for m in group["members"]}
    best, best_shared = None, 0
    for label in labels:
        shared = len(ids & set(label["key"]))
        enough = shared * 2 >= len(label["key"]) and shared >= min(2, len(label["key"]))
        if enough and shared > best_shared:
            best, best_shared = label, shared
    return best


def share(labels: list[str], name: str) -> str:
    if not labels:
        return "  n/a"
    return f"{100 * labels.count(name) / len(labels):4.0f}%"


def score_corpus(name: str, root: Path, labels: list[dict], extra: list[str], top_n: int) -> dict:
    """One corpus's figures: the top N non-test groups' labels (2N for block groups), every
    labelled group found again, and which reasons kept on purpose met which hand labels."""
    blocks = name.endswith("-blocks")
    groups = run_dups(root, extra, blocks)
    if blocks:
        groups = [g for g in groups if "block" in g.get("labels", ())]
    library = [g for g in groups if not is_test_group(g)][: 2 * top_n if blocks else top_n]
    top = [find_label(g, labels) for g in library]
    everything = [(g, find_label(g, labels)) for g in groups]
    found = {id(label): label["label"] for _, label in everything if label}
    reasons: dict[str, dict[str, int]] = {}
    for group, label in everything:
        if label and group.get("on_purpose"):
            counts = reasons.setdefault(group["on_purpose"], {})
            counts[label["label"]] = counts.get(label["label"], 0) + 1
    return {
        "top": [label["label"] for label in top if label],
        "unlabelled": [key_of(g) for g, label in zip(library, top, strict=True) if not label],
        "all": list(found.values()),
        "on_purpose": reasons,
    }


def cmd_score(corpora: dict[str, Path], extra: list[str], top_n: int = TOP) -> dict:
    data = json.loads(LABELS.read_text())
    print(f"{'corpus':8} {f'top-{top_n} non-test':>28} {'all labelled found':>28} unlabelled")
    print(f"{'':8} {'useful':>9} {'noise':>9} {'n':>4}    {'useful':>9} {'noise':>9} {'n':>4}")
    results = {}
    for name, root in corpora.items():
        result = score_corpus(name, root, data[name]["groups"], extra, top_n)
        results[name] = result
        top_names, all_names = result["top"], result["all"]
        print(
            f"{name:8} {share(top_names, 'useful'):>9} {share(top_names, 'noise'):>9} "
            f"{len(top_names):4}    {share(all_names, 'useful'):>9} "
            f"{share(all_names, 'noise'):>9} {len(all_names):4}   {len(result['unlabelled'])}"
        )
        for key in result["unlabelled"]:
            print(f"    unlabelled: {json.dumps(key)}")
    return {"top_n": top_n, "dups_args": extra, "corpora": results}


def _percent(labels: list[str], name: str) -> str:
    return f"{100 * labels.count(name) / len(labels):.0f}%" if labels else "n/a"


def markdown(payload: dict) -> str:
    """Per corpus, the useful and noise shares of the top N non-test groups (before -> after
    when the payload holds a `before` run), then how each reason kept on purpose agrees
    with the hand labels of the groups it was given."""
    before = payload.get("before", {}).get("corpora", {})
    rows = []
    for name, result in payload["corpora"].items():
        cells = []
        for kind in ("useful", "noise"):
            now = _percent(result["top"], kind)
            old = before.get(name)
            cells.append(f"{_percent(old['top'], kind)} -> {now}" if old else now)
        held = " (held out)" if "held out" in CORPORA.get(name, "") else ""
        rows.append([f"{name}{held}", *cells, len(result["top"]), len(result["unlabelled"])])
    top = payload["top_n"]
    text = table(["Corpus", f"Useful, top {top} non-test", "Noise", "Labelled", "Unlabelled"], rows)
    totals: dict[str, dict[str, int]] = {}
    for result in payload["corpora"].values():
        for reason, counts in result["on_purpose"].items():
            for label, count in counts.items():
                totals.setdefault(reason, {})[label] = totals.get(reason, {}).get(label, 0) + count
    reason_rows = [
        [f"`{reason}`", *(counts.get(label, 0) for label in LABEL_NAMES)]
        for reason, counts in sorted(totals.items())
    ]
    text += (
        "\n\nLabelled groups (all corpora, top and random picks) by the reason `dups` gives for "
        "keeping them on purpose, against the hand label:\n\n"
        + table(["Reason", *LABEL_NAMES], reason_rows)
    )
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("sample", "score", "todo"))
    parser.add_argument("corpora", nargs="+", metavar="NAME=DIR")
    parser.add_argument("--dups-arg", action="append", default=[], help="passed to dups")
    parser.add_argument("--top", type=int, default=TOP, help="score: the top N non-test groups")
    parser.add_argument("--json", type=Path, help="score: also save the figures here")
    parser.add_argument("--before", type=Path, help="score: a saved run to show as 'before'")
    parser.add_argument("--dups-command", help="score: how to run code-index (another build)")
    args = parser.parse_args()
    if args.dups_command:
        DUPS[:] = shlex.split(args.dups_command)
    corpora = {}
    for item in args.corpora:
        name, _, root = item.partition("=")
        if name not in CORPORA or not root:
            parser.error(f"{item}: want NAME=DIR with NAME one of {', '.join(CORPORA)}")
        corpora[name] = Path(root)
    if args.command == "sample":
        cmd_sample(corpora)
        return 0
    if args.command == "todo":
        cmd_todo(corpora, args.dups_arg)
        return 0
    payload = cmd_score(corpora, args.dups_arg, args.top)
    if args.before:
        payload["before"] = json.loads(args.before.read_text())
        payload["before"].pop("before", None)
    if args.json:
        save(args.json, payload)
        print(markdown(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
