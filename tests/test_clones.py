"""Clone detection on the fixtures: real tree-sitter, a real index in a temporary directory."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy
import pytest

from codeindex.api import CodeIndex
from codeindex.clones import cluster, fingerprints, scan, similar
from codeindex.clones.scan_units import ScanUnits
from codeindex.clones.table import CloneTable, CloneTables
from codeindex.models import Symbol
from codeindex.storage import symbol_to_stored

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "clones"
LANGUAGES = {
    "python": ("original.py", "copies.py"),
    "typescript": ("original.ts", "copies.ts"),
    "go": ("original.go", "copies.go"),
    "rust": ("original.rs", "copies.rs"),
    "csharp": ("Original.cs", "Copies.cs"),
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> CodeIndex:
    root = tmp_path_factory.mktemp("clones")
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    code_index = CodeIndex.open(root)
    code_index.refresh()
    yield code_index
    code_index.close()


def _is_lookalike(symbol: Symbol) -> bool:
    return symbol.name.lower().startswith("lookalike")


def _reference(code_index: CodeIndex, language: str) -> Symbol:
    original = f"{language}/{LANGUAGES[language][0]}"
    found = [
        s
        for s in code_index.outline(str(code_index.root / original))
        if s.name.lower().replace("_", "") == "summarizeorders"
    ]
    assert len(found) == 1
    return found[0]


def _copies(code_index: CodeIndex, language: str) -> list[Symbol]:
    path = code_index.root / language / LANGUAGES[language][1]
    copies = [s for s in code_index.outline(str(path)) if s.kind in ("function", "method")]
    assert len(copies) == 8  # exact, layout, renamed, literals, added, removed, changed, several
    return copies


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_copy_is_grouped_with_the_reference(indexed: CodeIndex, language: str) -> None:
    reference = _reference(indexed, language)
    result = indexed.duplicates(languages=[language])
    groups = [g for g in result.groups if reference in g.members]
    assert len(groups) == 1, result.to_json()
    members = {(m.path, m.name) for m in groups[0].members}
    for copy in _copies(indexed, language):
        assert (copy.path, copy.name) in members, f"{copy.qualified_name} not found"
    assert groups[0].similarity >= 0.7


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_lookalikes_are_not_reported(indexed: CodeIndex, language: str) -> None:
    result = indexed.duplicates(languages=[language])
    for group in result.groups:
        assert not any(_is_lookalike(m) for m in group.members), group.to_json()


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_similar_finds_the_reference_for_each_copy(indexed: CodeIndex, language: str) -> None:
    reference = _reference(indexed, language)
    for copy in _copies(indexed, language):
        snippet = indexed.source_of(copy)
        result = indexed.similar(snippet, limit=20)  # language guessed from the snippet
        found = {(m.symbol.path, m.symbol.name): m.similarity for m in result.matches}
        assert (reference.path, reference.name) in found, (copy.name, result.to_json())
        assert found[(reference.path, reference.name)] >= 0.7
        assert result.matches[0].similarity >= 0.8
        assert not any(_is_lookalike(m.symbol) for m in result.matches), result.to_json()
        assert result.total >= len(result.matches)


def test_similar_json_shape(indexed: CodeIndex) -> None:
    reference = _reference(indexed, "python")
    data = indexed.similar(indexed.source_of(reference), languages=["py"], limit=3).to_json()
    assert set(data) == {"matches", "total"}
    assert len(data["matches"]) == 3
    assert set(data["matches"][0]) == {"path", "start_line", "end_line", "symbol", "similarity"}
    assert data["matches"][0]["similarity"] == 1.0


def test_duplicates_json_shape_path_and_limit(indexed: CodeIndex) -> None:
    data = indexed.duplicates().to_json()
    assert set(data) == {"groups", "total"}
    assert data["total"] == len(data["groups"]) >= 5
    group = data["groups"][0]
    assert set(group) == {"similarity", "members", "labels"}
    member = group["members"][0]
    assert set(member) == {"path", "start_line", "end_line", "symbol", "fingerprint"}
    only_go = indexed.duplicates(path=str(indexed.root / "go"))
    assert only_go.total == 1
    assert all(m.path.startswith("go/") for m in only_go.groups[0].members)
    assert len(indexed.duplicates(limit=2).groups) == 2


SEMAPHORES = """
class Semaphore:
    def release(self, n=1):
        if n < 1:
            raise ValueError("n must be one or more")
        with self._cond:
            self._value += n
            for i in range(n):
                self._cond.notify()


class BoundedSemaphore(Semaphore):
    def release(self, n=1):
        if n < 1:
            raise ValueError("n must be one or more")
        with self._cond:
            if self._value + n > self._initial_value:
                raise ValueError("Semaphore released too many times")
            self._value += n
            for i in range(n):
                self._cond.notify()
"""
# Two copies of a function under the token minimum, and nothing bigger like them.
SMALL_TWINS = """
def first_line(path):
    with open(path) as handle:
        for line in handle:
            if line.strip():
                return line
    return None


def first_row(name):
    with open(name) as stream:
        for row in stream:
            if row.strip():
                return row
    return None
"""


def test_the_size_minimum_applies_to_the_bigger_side_of_a_pair(tmp_path: Path) -> None:
    """A copy that lost a statement may fall under the token minimum; it is still reported
    with its original, but two units under the minimum are not a pair."""
    (tmp_path / "semaphores.py").write_text(SEMAPHORES)
    (tmp_path / "lines.py").write_text(SMALL_TWINS)
    code_index = CodeIndex.open(tmp_path)
    try:
        code_index.refresh()
        entries = CloneTables().get(code_index._store).entries
        sizes = {entry.symbol.qualified_name: entry.unit.size for entry in entries}
        assert sizes["Semaphore.release"] < fingerprints.SCAN_MIN_TOKENS
        assert sizes["BoundedSemaphore.release"] >= fingerprints.SCAN_MIN_TOKENS
        assert sizes["first_line"] == sizes["first_row"] < fingerprints.SCAN_MIN_TOKENS
        groups = code_index.duplicates().groups
        assert [sorted(m.qualified_name for m in g.members) for g in groups] == [
            ["BoundedSemaphore.release", "Semaphore.release"]
        ]
        assert 0.8 < groups[0].similarity < 0.9
        # A stricter threshold raises the smaller side's minimum (37 tokens at 0.85).
        assert len(code_index.duplicates(min_similarity=0.85).groups) == 1
    finally:
        code_index.close()


LOAD_CONFIG = """
import json


def load_config(path, defaults):
    def merge(base, extra):
        result = dict(base)
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key] = merge(result[key], value)
            else:
                result[key] = value
        return result

    with open(path) as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object")
    config = merge(defaults, data)
    config["source"] = str(path)
    return config
"""


def test_a_snippet_function_ranks_before_the_helpers_nested_in_it(tmp_path: Path) -> None:
    """The nested helper is copied unchanged (1.0) and the function around it edited; the
    function is what the snippet is about."""
    (tmp_path / "config.py").write_text(LOAD_CONFIG)
    snippet = LOAD_CONFIG.replace(
        '    config["source"] = str(path)\n',
        '    config.setdefault("name", path.stem)\n    config["origin"] = path.as_posix()\n',
    )
    code_index = CodeIndex.open(tmp_path)
    try:
        code_index.refresh()
        matches = code_index.similar(snippet, languages=["py"]).matches
    finally:
        code_index.close()
    assert [m.symbol.qualified_name for m in matches] == ["load_config", "load_config.merge"]
    assert 0.7 <= matches[0].similarity < 1.0
    assert matches[1].similarity == 1.0


def test_statement_snippet_finds_its_function(indexed: CodeIndex) -> None:
    """Bare statements (no function around them) in a language that needs one (Go)."""
    snippet = """
for _, order := range orders {
    if order.Status != "paid" {
        continue
    }
    customer := order.CustomerID
    amount := order.Amount * order.Rate(currency)
    totals[customer] += amount
    counts[customer] += 1
}
"""
    result = indexed.similar(snippet, languages=["go"])
    assert result.matches and result.matches[0].symbol.language == "go"
    assert result.matches[0].symbol.name.endswith("SummarizeOrders")


def _random_codes(seed: int, count: int) -> list[str]:
    generator = random.Random(seed)
    return [
        "".join(chr(0x100 + generator.randrange(300)) for _ in range(generator.randrange(0, 300)))
        for _ in range(count)
    ]


def test_sketches_are_one_permutation_minhash_of_four_token_shingles() -> None:
    """The vectorised sketch against a plain reading of its definition: per bin (hash mod the
    bin count), the least hash of the unit's 4-token windows; a unit under 4 tokens is one
    zero-padded window; an empty bin takes the next filled bin's value (circularly), plus
    the distance times a constant."""
    from codeindex.clones import sketch

    def reference(codes: str) -> list[int]:
        padded = codes.ljust(4, "\0")
        hashes = set()
        for start in range(len(padded) - 3):
            word = sum(ord(c) << (16 * i) for i, c in enumerate(padded[start : start + 4]))
            hashes.add(word % 4294967291)
        bins = [
            min((h for h in hashes if h % sketch.BINS == b), default=None)
            for b in range(sketch.BINS)
        ]
        filled = []
        for b in range(sketch.BINS):
            distance = next(
                d for d in range(sketch.BINS) if bins[(b + d) % sketch.BINS] is not None
            )
            value = bins[(b + distance) % sketch.BINS]
            filled.append((value + distance * 0x9E3779B1) & 0xFFFFFFFF)
        return filled

    all_codes = _random_codes(3, 150)
    assert any(len(codes) < 4 for codes in all_codes)
    assert sketch._signatures(all_codes).tolist() == [reference(c) for c in all_codes]


def test_a_unit_sketches_the_same_alone_or_with_others() -> None:
    """Units are sketched in one batch; no shingle may reach from one unit into the next."""
    from codeindex.clones import sketch

    all_codes = _random_codes(5, 60)
    assert sketch.band_keys_of(all_codes) == [sketch.unit_band_keys(c) for c in all_codes]
    assert sketch.band_keys_of([]) == []


def test_snippet_candidates_are_exactly_the_units_that_reach_the_threshold() -> None:
    """The length window and the histogram bound only skip units that can not reach the
    threshold: the candidates must be what comparing the snippet with every unit gives."""
    from rapidfuzz.distance import Indel

    generator = random.Random(11)
    bases = _random_codes(13, 4)

    def edited(codes: str) -> str:
        letters = list(codes)
        for _ in range(generator.randrange(0, 60)):
            position = generator.randrange(len(letters) + 1)
            letters[position:position] = chr(0x100 + generator.randrange(300))
            del letters[generator.randrange(len(letters))]
        return "".join(letters[: generator.randrange(len(letters) // 2, len(letters) + 1)])

    variants = [edited(base) for base in bases if len(base) > 40 for _ in range(60)]
    table = CloneTable.of([_row(f"u{i}", codes) for i, codes in enumerate(variants)])
    for query in [edited(base) for base in bases if len(base) > 40 for _ in range(5)]:
        scores = [Indel.normalized_similarity(query, codes) for codes in variants]
        expected = {i for i, score in enumerate(scores) if score >= 0.7}
        assert len(expected) < similar.SNIPPET_CANDIDATES
        assert set(similar._length_window_candidates(table, query, 0.7)) == expected


def _row(name: str, codes: str) -> tuple[str, str]:
    """A table row: the stored symbol and the payload of a unit with these codes."""
    symbol = Symbol(name, name, "function", "python", f"{name}.py", 1, 20, f"def {name}()")
    payload = fingerprints.SEP.join(
        ("", fingerprints.t2_digest(codes), "", str(len(codes)), codes, "")
    )
    return symbol_to_stored(symbol), payload


def _block_codes(blocks: list[int]) -> str:
    """A code string of runs of five equal codes, one run per block number."""
    return "".join(chr(0x100 + block) * 5 for block in blocks)


def _units(named: dict[str, list[int]]) -> ScanUnits:
    """Scan units (in name order) whose code strings are _block_codes of the lists."""
    table = CloneTable.of([_row(name, _block_codes(blocks)) for name, blocks in named.items()])
    return ScanUnits(table, numpy.arange(len(named)), 0, 0)


def _edges(scores: dict[tuple[int, int], float]) -> cluster.Edges:
    first, second = zip(*scores, strict=True)
    return cluster.Edges(
        numpy.array(first), numpy.array(second), numpy.array(list(scores.values()))
    )


def test_candidate_pairs_follow_the_bucket_rules() -> None:
    """A band shared in a bucket of at most 3 units pairs them; in buckets of 4-40 units, a pair
    needs two shared bands, one of which may be in a crowded bucket; a bucket of more than 40
    pairs each unit with its 3 neighbours by length only."""
    lengths = numpy.array([len(_block_codes(list(range(i + 1)))) for i in range(60)])  # 5, 10, ...
    keys = numpy.array([[10**6 + 100 * i + band for band in range(16)] for i in range(60)])
    keys = keys.astype(numpy.uint64)  # no band shared yet

    def share(band: int, members: list[int], key: int) -> None:
        keys[members, band] = key

    share(0, [0, 1], key=1)  # rare bucket: pair (0, 1)
    share(1, [2, 3, 4, 5], key=2)  # two buckets of four: only (2, 3) shares both
    share(2, [2, 3, 6, 7], key=3)
    share(3, list(range(10, 55)), key=4)  # 45 units: neighbours by length
    share(4, [10, 50, 56, 57], key=5)  # (10, 50) also share the crowded bucket's band
    first, second = scan._candidate_pairs(keys, list(range(60)), lengths)
    found = set(zip(first.tolist(), second.tolist(), strict=True))
    crowded = {(a, b) for a in range(10, 55) for b in range(a + 1, min(a + 4, 55))}
    assert found == {(0, 1), (2, 3), (10, 50)} | crowded


def test_a_group_never_reports_less_than_the_threshold() -> None:
    """Two clusters joined by an edge between their members: every member must stay similar
    to the centre it joins, not only the other centre. Here A~C is 0.81 but A~D 0.65, so D's
    cluster stays apart (checking the centres alone made one group of similarity 0.65)."""
    a = list(range(20))
    b = [0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]
    c = [0, 1, 2, 48, 43, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18]
    d = [0, 1, 2, 48, 43, 5, 6, 22, 27, 10, 55, 12, 13, 14, 15, 17, 18]
    units = _units({"a": a, "b": b, "c": c, "d": d})
    # What the candidate search would verify: A-B 0.92 and C-D 0.82 first, then B-D 0.71.
    edges = _edges({(0, 1): 0.919, (2, 3): 0.824, (1, 3): 0.706})
    groups = cluster.group(units, edges, 0.7)
    assert sorted(sorted(m.name for m in g.members) for g in groups) == [["a", "b"], ["c", "d"]]
    assert all(g.similarity >= 0.7 for g in groups)


def test_a_unit_similar_only_to_a_cluster_member_is_still_reported() -> None:
    """D is 0.71 similar to B, but B is in A's group and A~D is 0.65: D cannot join that
    group, and used to be left out of every group. It gets a group with B of its own."""
    a = list(range(20))
    b = [0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]
    d = [0, 1, 2, 48, 43, 5, 6, 22, 27, 10, 55, 12, 13, 14, 15, 17, 18]
    units = _units({"a": a, "b": b, "d": d})
    edges = _edges({(0, 1): 0.919, (1, 2): 0.706})
    groups = cluster.group(units, edges, 0.7)
    found = sorted((sorted(m.name for m in g.members), round(g.similarity, 3)) for g in groups)
    assert found == [(["a", "b"], 0.919), (["b", "d"], 0.706)]


def test_each_outermost_string_literal_is_one_token() -> None:
    """A concatenated string and a string inside an f-string nest literal captures, which
    tree-sitter lists in an order that varies between processes; each outermost literal must
    still become exactly one string token, or copies hash differently from run to run."""
    from codeindex.clones.normalize import STRING_CODE
    from codeindex.extract import extract
    from codeindex.languages import spec_by_name

    source = (
        b"def describe(value):\n"
        b'    head = "a" "b" "c"\n'
        b"    body = f\"{value!r} is {'big' if value else 'small'}\"\n"
        b"    tail = ('x'\n            'y')\n"
        b"    return head + body + tail + str(value) + repr(value)\n"
    )
    spec = spec_by_name("python")
    [prints] = fingerprints.fingerprint_files([(extract(source, spec, "m.py"), spec)])
    (only,) = prints.values()
    assert fingerprints.decode(only.payload).codes.count(STRING_CODE) == 3
