"""Query text -> what to look for, and the ranking rules. Pure: no index access here.

Syntax: words plus optional filters, e.g. `user kind:function lang:py path:src/`.
A trailing `*` asks for a prefix (`get_*`, `pars*`); other `*`/`?` are wildcards on the name.

Ranking, best first (see TIERS): exact name, name prefix, whole sub-word, sub-word prefix,
fuzzy sub-word (one typo). Within a tier shorter names win, then definitions before members.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from codeindex.identifiers import name_key, subwords
from codeindex.languages import indexed_extensions, resolve_type
from codeindex.models import KINDS
from codeindex.qualified import split_dotted
from codeindex.query_syntax import (
    QueryError,
    definition_word,
    regex_to_words,
    split_alternatives,
    strip_call_syntax,
    unquoted,
)

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
    """One alternative: name tiers, the plain words the text tier ranks by, and filters."""

    text: str
    tiers: tuple[Tier, ...]
    kinds: frozenset[str] = field(default_factory=frozenset)
    languages: frozenset[str] = field(default_factory=frozenset)
    # Path globs in groups, the CLI's and the inline ones: a file must match one glob of
    # every group.
    paths: tuple[tuple[str, ...], ...] = ()
    # Words (no wildcard, no anchor) also matched in docs, signatures and paths.
    words: tuple[str, ...] = ()
    tests: str = "include"  # include | exclude | only (codeindex.classify)
    # What was searched for: the words without the definition word and the inline filters.
    searched: tuple[str, ...] = ()
    # The scope of a dotted name (`Loader` in `Loader.parse`, `ratelimit` in
    # `ratelimit.consume`): the tiers are those of its last part, and a match must be in that
    # scope (codeindex.qualified.names).
    scope: str = ""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A whole query: one or more alternatives (`A|B`), each a full query of its own."""

    text: str
    alternatives: tuple[ParsedQuery, ...]


TESTS_CHOICES = ("include", "exclude", "only")


def parse_query(
    text: str,
    kinds: list[str] | None = None,
    languages: list[str] | None = None,
    paths: list[str] | None = None,
    tests: str = "include",
) -> SearchQuery:
    """Parse `text`; the keyword filters apply to every alternative. Raises QueryError with a
    message that says what to do."""
    if tests not in TESTS_CHOICES:
        raise QueryError(f"tests must be one of {', '.join(TESTS_CHOICES)}")
    pieces = split_alternatives(text)
    if not pieces:
        raise QueryError("empty query; give a name or part of one, e.g. `code-index user`")
    alternatives = tuple(
        _parse_alternative(piece, kinds, languages, paths, tests) for piece in pieces
    )
    return SearchQuery(text=unquoted(text), alternatives=alternatives)


def _parse_alternative(
    text: str,
    kinds: list[str] | None,
    languages: list[str] | None,
    paths: list[str] | None,
    tests: str,
) -> ParsedQuery:
    words: list[str] = []
    wanted_kinds = {k.lower() for k in kinds or []}
    wanted_languages: set[str] = set()
    for value in languages or []:
        wanted_languages |= _resolve(value)
    inline_kinds: set[str] = set()
    inline_languages: set[str] = set()
    inline_paths: list[str] = []
    tokens, definition_kinds = definition_word(regex_to_words(text).split())
    if definition_kinds:
        wanted_kinds = wanted_kinds & definition_kinds if wanted_kinds else set(definition_kinds)
        if not wanted_kinds:
            raise QueryError(f"{text!r}: the definition word and --kind ask for different kinds")
    for token in tokens:
        key, sep, value = token.partition(":")
        if sep and value and key.lower() in ("kind", "k"):
            inline_kinds.add(value.lower())
        elif sep and value and key.lower() in ("lang", "language", "type", "t"):
            inline_languages |= _resolve(value)
        elif sep and value and key.lower() in ("path", "p"):
            inline_paths.append(value)
        else:
            words.append(token)
    unknown = sorted((wanted_kinds | inline_kinds) - set(KINDS))
    if unknown:
        raise QueryError(f"unknown kind {unknown[0]!r}; use one of: {', '.join(KINDS)}")
    wanted_kinds = _narrowed(wanted_kinds, inline_kinds, text, "kind")
    wanted_languages = _narrowed(wanted_languages, inline_languages, text, "lang")
    path_groups = tuple(tuple(group) for group in (paths, inline_paths) if group)
    words = [cleaned for word in words if (cleaned := strip_call_syntax(word))]
    if not words:
        raise QueryError(
            f"{text.strip() or 'empty query'!r} has no name to look for; give a name or part "
            "of one, e.g. `code-index user` or `code-index 'class User'`"
        )
    filters = ParsedQuery(
        text=text.strip(),
        tiers=(),
        kinds=frozenset(wanted_kinds),
        languages=frozenset(wanted_languages),
        paths=path_groups,
        tests=tests,
        searched=tuple(words),
    )
    if len(words) == 1 and (dotted := _dotted(words[0], filters)) is not None:
        return dotted
    # An identifier alone (`delete_user`, `AdminService`) asks for that name: only words
    # (`user`, `rate limiting`) are also looked up in docs, signatures and paths.
    prose = len(words) > 1 or len(subwords(words[0])) == 1
    plain = tuple(words) if prose and not any(_is_pattern(w) for w in words) else ()
    return replace(filters, tiers=_tiers(words), words=plain)


def _dotted(word: str, filters: ParsedQuery) -> ParsedQuery | None:
    """A dotted name (`Loader.parse`) asks for its last part, as a name or the start of one,
    in that scope; a file name (`ratelimit.py`) for its module. None for any other word."""
    dotted = split_dotted(word)
    if dotted is None:
        return None
    scope, bare = dotted
    if f".{bare.lower()}" not in indexed_extensions():
        tiers = tuple(t for t in _tiers([bare]) if t.name in ("exact", "prefix"))
        return replace(filters, tiers=tiers, scope=scope)
    kinds = filters.kinds & {"module"} if filters.kinds else frozenset({"module"})
    if not kinds:
        raise QueryError(f"{word!r} names a file, whose kind is `module`")
    exact = _tiers([scope.rpartition(".")[2]])[0]
    return replace(filters, tiers=(exact,), kinds=kinds)


def _narrowed(wanted: set[str], inline: set[str], text: str, key: str) -> set[str]:
    """An inline filter narrows what the options (and a definition word) ask for: a match
    must satisfy both, as docs/search.md says. Sets that do not overlap are refused, as for a
    definition word, rather than answered with nothing."""
    if not inline or not wanted:
        return wanted or inline
    if not wanted & inline:
        raise QueryError(
            f"{text.strip()!r}: `{key}:` asks for {', '.join(sorted(inline))} and the options "
            f"for {', '.join(sorted(wanted))}; inline filters narrow the options, drop one"
        )
    return wanted & inline


def _resolve(value: str) -> frozenset[str]:
    try:
        return resolve_type(value)
    except ValueError as exc:
        raise QueryError(str(exc)) from None


def _tiers(words: list[str]) -> tuple[Tier, ...]:
    joined = "".join(words)
    if any(_is_pattern(word) for word in words):
        return _pattern_tiers(joined)
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
        if len(words) == 1:
            tiers.extend(_fuzzy_tiers(words[0], parts))
    return tuple(tiers)


def _fuzzy_tiers(word: str, parts: list[str]) -> list[Tier]:
    """One typo in a name. Typos are looked for in a name, not in a phrase: each word of a
    phrase would read the whole vocabulary, and its text tier already ranks near words. A
    sub-word shorter than FUZZY_MIN_LENGTH stays as typed (one edit from `get` or `is` reaches
    most short words), so `get_querset` finds `get_queryset`; a typo in a short sub-word
    (`format_html_jon`) is one edit on the whole name."""
    tiers = []
    if any(len(p) >= FUZZY_MIN_LENGTH for p in parts):
        op = {True: "fuzzy", False: "term"}
        groups = [[Clause("parts", op[len(p) >= FUZZY_MIN_LENGTH], p)] for p in parts]
        tiers.append(_tier("fuzzy", groups))
    key = name_key(word)
    if len(parts) > 1 and len(key) > FUZZY_MIN_LENGTH:
        tiers.append(_tier("fuzzy", [[Clause("name", "fuzzy", key)]]))
    return tiers


def _pattern_tiers(pattern: str) -> tuple[Tier, ...]:
    """Wildcards and anchors match the whole name: `get_*`, `*_user`, `^get`, `user$`."""
    key = name_key(pattern)
    starts, ends = key.startswith("^"), key.endswith("$")
    key = key.removeprefix("^").removesuffix("$")
    if "^" in key:
        raise QueryError("`^` anchors the whole name: put it first, e.g. `^get`")
    if not key.strip("*?"):
        raise QueryError("a wildcard needs at least one letter, e.g. `get_*`")
    if not any(ch in key for ch in "*?"):
        if starts and ends:
            return (_tier("exact", [[Clause("name", "term", key)]]),)
        if ends:
            return (_tier("prefix", [[Clause("name", "wildcard", "*" + key)]]),)
        return (_tier("prefix", [[Clause("name", "prefix", key)]]),)
    stem = key.rstrip("*")
    if stem and not any(ch in stem for ch in "*?"):
        tiers = [_tier("prefix", [[Clause("name", "prefix", stem)]])]
        if stem.isalnum() and not starts:
            # `pars*` also finds the sub-word in `ArgumentParser`; `get_*` spells out a
            # separator and `^pars*` an anchor, so those mean names that start that way.
            tiers.append(_tier("subword_prefix", [[Clause("parts", "prefix", stem)]]))
        return tuple(tiers)
    return (_tier("prefix", [[Clause("name", "wildcard", key)]]),)


def _tier(name: str, groups: list[list[Clause]]) -> Tier:
    score = dict(TIERS)[name]
    return Tier(name=name, score=score, groups=tuple(tuple(group) for group in groups))


def _is_pattern(word: str) -> bool:
    """Whether the word holds a wildcard or an anchor. `$` anchors only at the end: before
    that it is a letter of the name, as JavaScript and TypeScript allow (`$getRoot`)."""
    return any(ch in word for ch in "*?^") or word.endswith("$")
