"""Query text -> what to look for, and the ranking rules. Pure: no index access here.

Syntax: words plus optional filters, e.g. `user kind:function lang:py path:src/`.
A trailing `*` asks for a prefix (`get_*`, `pars*`); other `*`/`?` are wildcards on the name.

Ranking, best first (see TIERS): exact name, name prefix, whole sub-word, sub-word prefix,
fuzzy sub-word (one typo). Within a tier shorter names win, then definitions before members.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codeindex.identifiers import name_key, subwords
from codeindex.languages import resolve_type
from codeindex.models import KINDS

FUZZY_MIN_LENGTH = 4

# (tier name, score). Scores are reported to users; only their order matters for ranking.
TIERS: tuple[tuple[str, float], ...] = (
    ("exact", 100.0),
    ("prefix", 80.0),
    ("subword", 60.0),
    ("subword_prefix", 40.0),
    ("fuzzy", 20.0),
)

# Tie-break after name length: top-level definitions before members.
KIND_RANK: dict[str, int] = {
    kind: rank
    for rank, group in enumerate(
        (
            ("class", "struct", "interface", "trait", "enum", "record", "type", "function"),
            ("method", "constructor", "macro"),
            ("property", "namespace", "module"),
        )
    )
    for kind in group
}


class QueryError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Clause:
    """One way a document can match. `op` is one of: term, prefix, wildcard, fuzzy."""

    field: str
    op: str
    value: str


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    score: float
    # All groups must match (AND); a group matches when any clause in it does (OR).
    groups: tuple[tuple[Clause, ...], ...]


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    text: str
    tiers: tuple[Tier, ...]
    kinds: frozenset[str] = field(default_factory=frozenset)
    languages: frozenset[str] = field(default_factory=frozenset)
    paths: tuple[str, ...] = ()


def parse_query(
    text: str,
    kinds: list[str] | None = None,
    languages: list[str] | None = None,
    paths: list[str] | None = None,
) -> ParsedQuery:
    words: list[str] = []
    wanted_kinds = {k.lower() for k in kinds or []}
    wanted_languages: set[str] = set()
    for value in languages or []:
        wanted_languages |= resolve_type(value)
    wanted_paths = list(paths or [])
    for token in text.split():
        key, sep, value = token.partition(":")
        if sep and value and key.lower() in ("kind", "k"):
            wanted_kinds.add(value.lower())
        elif sep and value and key.lower() in ("lang", "language", "type", "t"):
            wanted_languages |= _resolve(value)
        elif sep and value and key.lower() in ("path", "p"):
            wanted_paths.append(value)
        else:
            words.append(token)
    unknown = sorted(wanted_kinds - set(KINDS))
    if unknown:
        raise QueryError(f"unknown kind {unknown[0]!r}; use one of: {', '.join(KINDS)}")
    if not words:
        raise QueryError("empty query; give a name or part of one, e.g. `code-index user`")
    return ParsedQuery(
        text=text,
        tiers=_tiers(words),
        kinds=frozenset(wanted_kinds),
        languages=frozenset(wanted_languages),
        paths=tuple(wanted_paths),
    )


def _resolve(value: str) -> frozenset[str]:
    try:
        return resolve_type(value)
    except ValueError as exc:
        raise QueryError(str(exc)) from None


def _tiers(words: list[str]) -> tuple[Tier, ...]:
    joined = "".join(words)
    if any(ch in joined for ch in "*?"):
        return _wildcard_tiers(joined)
    parts = [part for word in words for part in subwords(word)]
    tiers: list[Tier] = []
    if len(words) == 1:
        key = name_key(words[0])
        tiers.append(_tier("exact", [[Clause("name", "term", key)]]))
        tiers.append(_tier("prefix", [[Clause("name", "prefix", key)]]))
    if parts:
        tiers.append(_tier("subword", [[Clause("parts", "term", p)] for p in parts]))
        tiers.append(
            _tier(
                "subword_prefix",
                [[Clause("parts", "term", p)] for p in parts[:-1]]
                + [[Clause("parts", "prefix", parts[-1])]],
            )
        )
        if all(len(p) >= FUZZY_MIN_LENGTH for p in parts):
            tiers.append(_tier("fuzzy", [[Clause("parts", "fuzzy", p)] for p in parts]))
    return tuple(tiers)


def _wildcard_tiers(pattern: str) -> tuple[Tier, ...]:
    key = name_key(pattern)
    stem = key.rstrip("*")
    if stem and not any(ch in stem for ch in "*?"):
        tiers = [_tier("prefix", [[Clause("name", "prefix", stem)]])]
        if stem.isalnum():
            # `pars*` also finds the sub-word in `ArgumentParser`; `get_*` spells out a
            # separator, so it means names that start that way.
            tiers.append(_tier("subword_prefix", [[Clause("parts", "prefix", stem)]]))
        return tuple(tiers)
    if not stem.strip("*?"):
        raise QueryError("a wildcard needs at least one letter, e.g. `get_*`")
    return (_tier("prefix", [[Clause("name", "wildcard", key)]]),)


def _tier(name: str, groups: list[list[Clause]]) -> Tier:
    score = dict(TIERS)[name]
    return Tier(name=name, score=score, groups=tuple(tuple(group) for group in groups))
