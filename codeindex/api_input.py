"""The caller's input in our terms, with a UsageError that says what to do when it is wrong
(queries, languages, similarity), and what to say when a query matches nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from codeindex import storage
from codeindex.api_open import root_relative
from codeindex.api_types import UsageError
from codeindex.query import SearchQuery, parse_query

MAX_HINT_PIECES = 8  # words or alternatives counted alone in the no-match note
NEAREST_NAMES = 3
SHOWN_QUERY = 80  # characters of the query the note repeats
WORD_HITS = 50  # hits of an identifier's words looked through for names made of them
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_GLOB_SYNTAX = re.compile(r"[][*?\\]|^[!#]")  # a filter so spelled may also be a path
_SPECIAL = re.compile(r"[][*?\\!#]")


def parse_search(text: str, **filters: Any) -> SearchQuery:
    try:
        parsed = parse_query(text, **filters)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for alternative in parsed.alternatives:  # bad path globs are input errors too
        for group in alternative.paths:
            check_globs(group)
    return parsed


def path_filters(root: Path, globs: list[str] | None) -> list[str] | None:
    """Path filters (gitignore-style globs, as the store matches them), checked; one that is
    also the exact path of a file or folder under the root matches that path too, although
    `[`, `*`, `?`, `\\` and a leading `!` or `#` are glob syntax: the answers carry such
    paths (`br[ack]et.py`, `#hash.py`), and a path taken from one must find it again."""
    if not globs:
        return globs
    kept, literals = [], []
    for glob in globs:
        relative = _existing_path(root, glob) if _GLOB_SYNTAX.search(glob) else None
        if relative is None:
            check_globs([glob])
            kept.append(glob)
            continue
        literals.append(literal_glob(relative))
        if _matches_something(glob):
            kept.append(glob)  # `star*.py` is a glob as well as a file's name
    return [*kept, *literals]  # last: a literal wins over a negation before it


def _existing_path(root: Path, glob: str) -> str | None:
    try:
        relative = root_relative(root, glob)
    except UsageError:
        return None  # outside the root: not a path of ours
    return relative if relative != "." and (root / relative).exists() else None


def definition_query(bare: str) -> str:
    """The search text that finds the definitions called `bare`: the name itself, but for a
    `$` that ends it, which is query syntax, an anchor, with no escape (a `$` before the end
    is a letter: `$getRoot`). The caller keeps the exact name."""
    return bare.rstrip("$")


def file_filter(root: Path, relative: str) -> list[str] | None:
    """The path filter for `show --path` and get_symbol's `path` (root-relative): that file
    exactly when one is so named (`utils.py` is not every `utils.py` below it), else the glob
    or folder as search takes it; None for the root."""
    if relative == ".":
        return None
    return [literal_glob(relative)] if (root / relative).is_file() else [relative]


def literal_glob(relative: str) -> str:
    """The gitignore glob that matches exactly the root-relative path `relative` (and what
    lies under it, for a folder)."""
    escaped = _SPECIAL.sub(r"\\\g<0>", relative)
    stripped = escaped.rstrip(" ")  # trailing spaces are dropped unless escaped
    return "/" + stripped + "\\ " * (len(escaped) - len(stripped))


def check_globs(globs: Iterable[str]) -> None:
    """A UsageError for a glob that cannot be compiled, or that can match no path (`[`,
    `a[`, a `#` comment, blanks), rather than an empty answer."""
    for glob in globs:
        if not _matches_something(glob):
            why = "a comment" if glob.startswith("#") else "blank" if not glob.strip() else ""
            raise UsageError(
                f"path pattern {glob!r} can match no path"
                + (f" (gitignore syntax reads it as {why})" if why else " (an unclosed `[`?)")
                + "; e.g. 'src/', '*.py', '\\[' or '\\#' for a literal [ or #"
            )


def _matches_something(glob: str) -> bool:
    """Whether a glob compiles to a pattern (a UsageError when it cannot be compiled)."""
    try:
        storage.path_matcher([glob])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    from pathspec import GitIgnoreSpec  # path_matcher has imported it

    patterns = GitIgnoreSpec.from_lines([glob]).patterns
    return bool(patterns) and patterns[0].include is not None


def resolve_languages(values: list[str] | None) -> frozenset[str] | None:
    """`--type` values (short or full names) as language names; None for all."""
    from codeindex.languages import resolve_type

    if not values:
        return None
    names: set[str] = set()
    for value in values:
        try:
            names |= resolve_type(value)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return frozenset(names)


def check_similarity(value: float) -> None:
    if not 0.0 < value <= 1.0:
        raise UsageError("min similarity must be in (0, 1], e.g. 0.7")


def no_match_note(index_store: storage.Store, parsed: SearchQuery, filters: dict[str, Any]) -> str:
    """One line: nothing matched, each piece's count alone, up to three nearest names. A
    definition word (`class`, `function`) and an inline filter are filters, not words: the
    pieces counted and the names compared are the words searched for."""
    pieces = [alternative.text for alternative in parsed.alternatives]
    if len(pieces) == 1:
        pieces = list(parsed.alternatives[0].searched)
    counts = []
    if len(pieces) > 1:
        for piece in pieces[:MAX_HINT_PIECES]:
            try:
                alone = index_store.search(parse_search(piece, **filters), 1)[0]
            except UsageError:
                continue  # a filter word (`kind:x`) or a definition word alone
            counts.append(f"'{_shown(piece)}' {alone}")
    names = [word for alt in parsed.alternatives for word in alt.searched]
    nearest = index_store.closest_names(names, NEAREST_NAMES)
    note = f"nothing matched '{_shown(parsed.text)}'"
    bare = "|".join(" ".join(alt.searched) for alt in parsed.alternatives)
    options = any(filters[key] not in (None, [], "include") for key in filters)
    if options or bare != "|".join(alt.text for alt in parsed.alternatives):
        unfiltered = index_store.search(parse_search(bare), 1)[0]
        if unfiltered:
            note += f" with these filters ({unfiltered} without them)"
    if counts:
        note += "; alone: " + ", ".join(counts)
    note += _out_of_scope_note(index_store, parsed, filters)
    if nearest:
        note += "; nearest names: " + ", ".join(nearest)
    return note + _undefined_name_note(index_store, parsed, filters)


def _shown(text: str) -> str:
    """A query as the one-line note repeats it: a pasted 20,000-character text is cut."""
    return text if len(text) <= SHOWN_QUERY else text[: SHOWN_QUERY - 3] + "..."


def _out_of_scope_note(
    index_store: storage.Store, parsed: SearchQuery, filters: dict[str, Any]
) -> str:
    """For a dotted name (`os.path.join`) that matched nothing: how many definitions its last
    part has in other scopes (`join` is `posixpath.join`; `os.path` is no file)."""
    from codeindex.qualified import split_dotted

    found = []
    for alternative in parsed.alternatives:
        for word in alternative.text.split() if alternative.scope else ():
            dotted = split_dotted(word)
            if dotted is not None:
                bare = dotted[1]
                elsewhere = index_store.search(parse_search(f"^{bare}$", **filters), 1)[0]
                if elsewhere:
                    found.append(f"'{bare}' {elsewhere} in other scopes (`code-index {bare}`)")
    return "; " + ", ".join(found) if found else ""


def _undefined_name_note(
    index_store: storage.Store, parsed: SearchQuery, filters: dict[str, Any]
) -> str:
    """For one identifier that no definition has: where it appears (a settings key read as
    `settings.ACCOUNT_RATE_LIMITS` is defined by no code) and what its words find, since the
    definition often holds only part of the name (`RATE_LIMITS`)."""
    from codeindex.identifiers import subwords

    searched = parsed.alternatives[0].searched
    name = searched[0] if len(searched) == 1 else ""
    if len(parsed.alternatives) != 1 or not _IDENTIFIER.fullmatch(name):
        return ""
    languages = resolve_languages(filters.get("languages"))
    files = [
        record
        for record, _ in index_store.files_using(name)
        if languages is None or record.language in languages
    ]
    note = ""
    parts = _names_of_its_words(index_store, subwords(name), filters)
    if parts:
        note += "; names made of its words: " + ", ".join(parts)
    if files:
        plural = "s" if len(files) > 1 else ""
        note += f"; '{name}' appears in {len(files)} file{plural}: see `refs {name}`"
    return note


def _names_of_its_words(
    index_store: storage.Store, words: list[str], filters: dict[str, Any]
) -> list[str]:
    """Up to three distinct names built from two or more of `words` and nothing else:
    `RATE_LIMITS` for `ACCOUNT_RATE_LIMITS`, not every name that shares one word with it."""
    from codeindex.identifiers import subwords

    if len(words) < 2:
        return []
    found: list[str] = []
    for ranked in index_store.search(parse_search(" ".join(words), **filters), WORD_HITS)[1]:
        symbol = ranked.symbol
        parts = subwords(symbol.name)
        if len(parts) > 1 and set(parts) <= set(words) and symbol.qualified_name not in found:
            found.append(symbol.qualified_name)
        if len(found) == NEAREST_NAMES:
            break
    return found
