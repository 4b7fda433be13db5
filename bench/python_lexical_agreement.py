"""How closely Python's normalisation from tokens (clones.lexical, what code-index uses) agrees
with the tree query's (clones.normalize, from the registry's Python row), over a corpus, and
what each costs in CPU, in the indexer's batches.

    python bench/python_lexical_agreement.py [corpus]   # default: the stdlib of this Python

Agreement is per unit of 20 tokens or more: the same tokens, literals and locals (a keyword
argument's name is a member either way, coded `.key` by the tokens and `.ke` by the tree's
same-length rewrite, so member and name codes are not compared), the same line profile, and
the same T1 digest.
"""

from __future__ import annotations

import sys
import sysconfig
import time
from pathlib import Path

from codeindex.clones import lexical, normalize
from codeindex.clones.encode import (
    LOCAL_BASE,
    NUMBER_CODE,
    STRING_CODE,
    callable_spans,
    encode_tokenised,
    tokenised_masked,
)
from codeindex.clones.fingerprints import MIN_UNIT_LINES, MIN_UNIT_TOKENS
from codeindex.extract import extract
from codeindex.indexer import FINGERPRINT_BATCH_BYTES
from codeindex.languages import spec_by_name

PYTHON = spec_by_name("python")


def shape(codes: str) -> str:
    return "".join(
        c if c in (STRING_CODE, NUMBER_CODE) or ord(c) >= LOCAL_BASE else "." for c in codes
    )


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else sysconfig.get_paths()["stdlib"])
    batches: list[list] = [[]]
    size = 0
    for path in sorted(corpus.rglob("*.py")):
        if "site-packages" in path.parts:
            continue
        try:
            extraction = extract(path.read_bytes(), PYTHON, str(path))
        except Exception:  # unreadable or unparsable: the index skips it too
            continue
        units = [
            (index, node)
            for index, node in extraction.callables
            if node.end_point[0] - node.start_point[0] + 1 >= MIN_UNIT_LINES
        ]
        if units:
            batches[-1].append((extraction, units, callable_spans(extraction, units)))
            size += len(extraction.source)
            if size >= FINGERPRINT_BATCH_BYTES:
                batches.append([])
                size = 0
    results = {}
    for way in ("tree", "tokens"):
        started = time.process_time()
        encoded, digests = [], []
        for batch in batches:
            if way == "tree":
                masked = [
                    (normalize.mask([node for _, node in units], ex.source, PYTHON), spans)
                    for ex, units, spans in batch
                ]
                tokenised = tokenised_masked(masked)
            else:
                tokenised = lexical.tokenised([(ex.source, spans) for ex, _, spans in batch])
            encoded += encode_tokenised(tokenised)
            layout = tokenised.layout
            digests += normalize.t1_digests(tokenised.t1, layout.unit_starts, layout.unit_ends)
        results[way] = (time.process_time() - started, encoded, digests)
    (tree_cpu, tree, tree_t1), (tokens_cpu, tokens, tokens_t1) = results["tree"], results["tokens"]
    pairs = [
        (a, b, c == d)
        for a, b, c, d in zip(tree, tokens, tree_t1, tokens_t1, strict=True)
        if a.size >= MIN_UNIT_TOKENS
    ]
    same = sum(shape(a.codes) == shape(b.codes) and a.lines == b.lines for a, b, _ in pairs)
    same_t1 = sum(t1 for _, _, t1 in pairs)
    print(f"{len(pairs)} units in {sum(map(len, batches))} files")
    print(f"same tokens, literals, locals and lines: {100 * same / len(pairs):.2f}%")
    print(f"same T1 digest: {100 * same_t1 / len(pairs):.2f}%")
    print(f"CPU, normalising and encoding: tree query {tree_cpu:.2f} s, tokens {tokens_cpu:.2f} s")


if __name__ == "__main__":
    main()
