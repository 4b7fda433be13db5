"""Query text -> what to look for, and the ranking rules. Pure: no index access here.

Syntax: words plus optional filters, e.g. `user kind:function lang:py path:src/`.
A trailing `*` asks for a prefix (`get_*`, `pars*`); other `*`/`?` are wildcards on the name.

Ranking, best first (see TIERS): exact name, name prefix, whole sub-word, sub-word prefix,
fuzzy sub-word (one typo). Within a tier shorter names win, then definitions before members.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from codeindex.identifiers import name_key, subwords
from codeindex.languages import indexed_extensions, resolve_type
from codeindex.models import KINDS
from codeindex.qualified import split_dotted

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
    """One alternative: name tiers, the plain words the text tier ranks by, and filters."""

    text: str
    tiers: tuple[Tier, ...]
    kinds: frozenset[str] = field(default_factory=frozenset)
    languages: frozenset[str] = field(default_factory=frozenset)
    paths: tuple[str, ...] = ()
    # Words (no wildcard, no anchor) also matched in docs, signatures and paths.
    words: tuple[str, ...] = ()
    tests: str = "include"  # include | exclude | only (codeindex.classify)
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
    return SearchQuery(text=text, alternatives=alternatives)


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
    wanted_paths = list(paths or [])
    tokens, definition_kinds = definition_word(regex_to_words(text).split())
    if definition_kinds:
        wanted_kinds = wanted_kinds & definition_kinds if wanted_kinds else set(definition_kinds)
        if not wanted_kinds:
            raise QueryError(f"{text!r}: the definition word and --kind ask for different kinds")
    for token in tokens:
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
        paths=tuple(wanted_paths),
        tests=tests,
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
        # Typos are looked for in a name, not in a phrase: each word of a phrase would
        # read the whole vocabulary, and its text tier already ranks near words.
        if len(words) == 1 and all(len(p) >= FUZZY_MIN_LENGTH for p in parts):
            tiers.append(_tier("fuzzy", [[Clause("parts", "fuzzy", p)] for p in parts]))
    return tuple(tiers)


def _pattern_tiers(pattern: str) -> tuple[Tier, ...]:
    """Wildcards and anchors match the whole name: `get_*`, `*_user`, `^get`, `user$`."""
    key = name_key(pattern)
    starts, ends = key.startswith("^"), key.endswith("$")
    key = key.removeprefix("^").removesuffix("$")
    if "^" in key or "$" in key:
        raise QueryError("`^` and `$` anchor the whole name: put them first and last, e.g. `^get`")
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


# -- grep and regex habits ------------------------------------------------------------------

MAX_ALTERNATIVES = 32

# A leading definition word filters by kind (`class User`, `def parse`, `fn new`). Only kinds
# the index knows are used; a word whose kinds are all unknown stays an ordinary word.
DEFINITION_WORDS: dict[str, tuple[str, ...]] = {
    "class": ("class",),
    "def": ("function", "method", "constructor"),
    "func": ("function", "method"),
    "fn": ("function", "method"),
    "function": ("function", "method"),
    "method": ("method", "constructor"),
    "interface": ("interface",),
    "struct": ("struct",),
    "trait": ("trait",),
    "enum": ("enum",),
    "type": ("type", "class", "struct", "interface", "enum", "record", "trait"),
    "record": ("record",),
    "namespace": ("namespace",),
    "module": ("module",),
    "mod": ("module", "namespace"),
    "package": ("module", "namespace"),
    "macro": ("macro",),
    "macro_rules!": ("macro",),
    "const": ("constant",),
    "let": ("variable",),
    "var": ("variable",),
}
# Modifiers that may come before a definition word: `pub fn`, `async def`, `export class`.
_MODIFIERS = (
    "pub async export public private protected internal static abstract sealed partial "
    "virtual override unsafe default readonly"
)
MODIFIERS = frozenset(_MODIFIERS.split())

# Regex spellings with a meaning here, applied in order. `.` alone stays a scope separator
# (`UserService.get_user`).
_REGEX_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\\s[+*]?", " "),  # `def\s+parse`
        (r"\\b|\\<|\\>", ""),  # word boundaries: matching is sub-word aware already
        (r"\\w[+*]|\.[+*]|\\S[+*]", "*"),
        (r"\\w|\.\?", "?"),
        (r"\\([._\-:])", r"\1"),  # escaped punctuation is itself
    )
)
_CASE_FLAG = re.compile(r"\\?\(\?i\\?\)")  # `(?i)`: search ignores case anyway
_REFUSED = re.compile(r"\\.|[\[\]{}()+\\]")


def split_alternatives(text: str) -> list[str]:
    """`A\\|B`, `A|B` and groups `(get|set)_user` as a list of alternatives, duplicates and
    empty ones dropped, in order."""
    text = _CASE_FLAG.sub("", text)
    text = text.replace("\\|", "|").replace("\\(", "(").replace("\\)", ")")
    found: list[str] = []
    for piece in _split_top_level(text):
        for expanded in _expand_groups(piece):
            expanded = expanded.strip()
            if expanded and expanded not in found:
                found.append(expanded)
            if len(found) > MAX_ALTERNATIVES:
                raise QueryError(f"more than {MAX_ALTERNATIVES} alternatives; split the query")
    return found


def _split_top_level(text: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "|" and depth <= 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    pieces.append("".join(current))
    return pieces


_GROUP = re.compile(r"\(([^()]*)\)")


def _expand_groups(text: str) -> list[str]:
    """`(get|set)_user` -> get_user, set_user; `parse()` and a trailing `parse(` -> parse."""
    match = _GROUP.search(text)
    if match is None:
        if "(" in text.rstrip().removesuffix("("):
            raise QueryError(f"unbalanced `(` in {text.strip()!r}; close the group or drop it")
        return [text.rstrip().removesuffix("(")] if text.rstrip().endswith("(") else [text]
    head, tail = text[: match.start()], text[match.end() :]
    options = match.group(1).split("|")
    expanded: list[str] = []
    for option in options:
        expanded.extend(_expand_groups(head + option + tail))
        if len(expanded) > MAX_ALTERNATIVES:
            raise QueryError(f"more than {MAX_ALTERNATIVES} alternatives; split the query")
    return expanded


def regex_to_words(text: str) -> str:
    """Regex spellings that have a meaning here become words and wildcards; any other regex
    syntax is refused, never silently matched as text."""
    for pattern, replacement in _REGEX_SPELLINGS:
        text = pattern.sub(replacement, text)
    refused = _REFUSED.search(text)
    if refused:
        raise QueryError(
            f"{refused.group(0)!r} (regex syntax) is not supported here; use words, `*` "
            "wildcards, `^`/`$` anchors and `A|B` alternation, e.g. `code-index 'get_*|^parse'`"
        )
    return text


def definition_word(tokens: list[str]) -> tuple[list[str], frozenset[str]]:
    """Consume a leading `[modifiers] def-word` when exactly one name follows it (`class
    User`, `pub fn new`): the kinds it asks for and the tokens left. Longer phrases are intent
    words (`type of the file`), kept whole."""
    position = 0
    while position < len(tokens) and tokens[position].lower() in MODIFIERS:
        position += 1
    if position >= len(tokens) or tokens[position].lower() not in DEFINITION_WORDS:
        return tokens, frozenset()
    rest = tokens[position + 1 :]
    names = [token for token in rest if not _is_filter(token)]
    kinds = frozenset(DEFINITION_WORDS[tokens[position].lower()]) & frozenset(KINDS)
    if len(names) != 1 or not kinds:
        return tokens, frozenset()
    return rest, kinds


def _is_filter(token: str) -> bool:
    key, sep, value = token.partition(":")
    return bool(sep and value and key.lower() in FILTER_KEYS)


FILTER_KEYS = frozenset({"kind", "k", "lang", "language", "type", "t", "path", "p"})


def strip_call_syntax(word: str) -> str:
    """`parse(`, `User:` and `Repo{` as typed after a definition word: the name."""
    return word.rstrip("(){}:;<>,")


def _is_pattern(word: str) -> bool:
    return any(ch in word for ch in "*?^$")
