"""Query text as people type it: grep's alternation and groups, regex habits with a meaning
here, a leading definition word, quotes a shell would have removed. Anything else that is
regex syntax is refused with a QueryError that says what to do."""

from __future__ import annotations

import re

from codeindex.models import KINDS


class QueryError(ValueError):
    pass


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
    text = _CASE_FLAG.sub("", unquoted(text))
    text = text.replace("\\|", "|").replace("\\(", "(").replace("\\)", ")")
    found: list[str] = []
    for piece in _split_top_level(text):
        for expanded in _expand_groups(unquoted(piece)):
            expanded = unquoted(expanded)
            if expanded and expanded not in found:
                found.append(expanded)
            if len(found) > MAX_ALTERNATIVES:
                raise QueryError(f"more than {MAX_ALTERNATIVES} alternatives; split the query")
    return found


def unquoted(text: str) -> str:
    """The query inside matching quotes, as an MCP client (no shell) or nested shell quoting
    sends the README's examples: `"class User"`, `'pars*'`. Quotes inside are no wrapping:
    `"User"|"Auth"` is two quoted alternatives, each unquoted on its own."""
    text = text.strip()
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        if text[0] in text[1:-1]:
            break
        text = text[1:-1].strip()
    return text


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
