"""Identifier-aware tokens: `get_user`, `UserService`, `userId` and `USER_ID` all hold "user"."""

from __future__ import annotations

import re

# Splits snake_case, kebab-case, camelCase, PascalCase and ACRONYMWords; digits stay attached
# to the word they follow (`utf8`, `sha256`).
_WORD = re.compile(r"[A-Z]{2,}s(?![a-z])|[A-Z]+(?![a-z])\d*|[A-Z]?[a-z]+\d*|\d+[a-z]*", re.ASCII)


def subwords(identifier: str) -> list[str]:
    """Lowercased sub-words in order: `HTTPServerError` -> ["http", "server", "error"]."""
    if not identifier.isascii():
        # Unicode identifiers: split on separators only; case rules vary by script.
        return [part.lower() for part in re.split(r"[\W_]+", identifier) if part]
    return " ".join(_WORD.findall(identifier)).lower().split()


def name_key(identifier: str) -> str:
    """The exact-match form of a name: case folded, nothing else changed."""
    return identifier.lower()
