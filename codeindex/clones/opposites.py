"""Mirror images: two functions that do opposite operations (a reader and a writer, a client
and a server, an add and a subtract) written alike. Each runs its logic the other way through
the body (holes against data, the server's messages against the client's), so a helper for
both would branch at every step: teams keep them apart on purpose. A near copy is different:
`big.Float.Add` and `Sub` differ by one sign test and fold into one helper that takes it.

A pair is named for its operations: the names differ in one word, and those words are
opposites (`readServerCertificate` / `readClientCertificate`), also inside a longer word
(`uadd` / `usub`, `pread` / `pwrite`, `Recvmsg` / `Sendmsg`, `encoded` / `decoded`). Words
are English in every language here, so the list is not per language.
"""

from __future__ import annotations

import re

from codeindex.models import Symbol

MIRROR_IMAGES = "mirror-images"
# At or above this similarity two opposite operations are a near copy, worth one helper (Go's
# Float.Add and Sub: 0.985, where uadd and usub, 0.91, run different carry logic).
NEAR_COPY = 0.95
# Inverse operations and the two sides of an exchange: one undoes, or answers, the other.
# Not directions (first / last, min / max, left / right, prev / next): those are one
# operation run from the other end, which a parameter merges (rxjs' firstValueFrom and
# lastValueFrom, Decimal's min and max).
_OPPOSITES = (
    ("read", "write"),
    ("reader", "writer"),
    ("get", "set"),
    ("encode", "decode"),
    ("encoder", "decoder"),
    ("serialize", "deserialize"),
    ("marshal", "unmarshal"),
    ("pack", "unpack"),
    ("compress", "decompress"),
    ("encrypt", "decrypt"),
    ("client", "server"),
    ("request", "response"),
    ("send", "recv"),
    ("send", "receive"),
    ("input", "output"),
    ("import", "export"),
    ("load", "store"),
    ("load", "save"),
    ("load", "dump"),
    ("open", "close"),
    ("push", "pop"),
    ("lock", "unlock"),
    ("acquire", "release"),
    ("alloc", "free"),
    ("create", "destroy"),
    ("insert", "delete"),
    ("add", "delete"),  # JavaScript's Set and Map
    ("add", "remove"),
    ("enqueue", "dequeue"),
    ("mount", "unmount"),
    ("install", "uninstall"),
    ("start", "stop"),
    ("enter", "exit"),
    ("attach", "detach"),
    ("connect", "disconnect"),
    ("subscribe", "unsubscribe"),
    ("register", "unregister"),
    ("enable", "disable"),
    ("show", "hide"),
    ("add", "sub"),
    ("add", "subtract"),
    ("plus", "minus"),
    ("inc", "dec"),
    ("increment", "decrement"),
    ("wrap", "unwrap"),
)
# The shortest verb `de` is taken to reverse (`deinit`).
UNDONE_MIN = 4
OPPOSITE_WORDS = frozenset(_OPPOSITES) | frozenset((b, a) for a, b in _OPPOSITES)
# Words of a name: `readServerCertificate`, `read_server_certificate`, `HTTPServer`.
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def are_mirror_images(members: list[Symbol], similarity: float) -> bool:
    """Two members, alike below NEAR_COPY, named for opposite operations: their names, or
    else their qualified names (Go's `decoder.value` / `encoder.value`), differ in one word,
    and those words are opposites."""
    if len(members) != 2 or similarity >= NEAR_COPY:
        return False
    one, other = members
    return _opposites(one.name, other.name) or (
        one.name == other.name and _opposites(one.qualified_name, other.qualified_name)
    )


def _opposites(one: str, other: str) -> bool:
    """Whether the names differ in exactly one word, and those words are opposites (also with
    a prefix or a suffix they share: one word is the other with an opposite put in place)."""
    words, others = _words(one), _words(other)
    if len(words) != len(others):
        return False
    differing = [(a, b) for a, b in zip(words, others, strict=True) if a != b]
    if len(differing) != 1:
        return False
    word, opposite = differing[0]
    if _undoes(word, opposite) or _undoes(opposite, word):
        return True
    return any(
        one in word and word.replace(one, other, 1) == opposite for one, other in OPPOSITE_WORDS
    )


def _undoes(word: str, other: str) -> bool:
    """`other` is `word` with the English prefix that reverses a verb: `deinterleave`,
    `deallocate`, `deserialize`. Verbs of four letters or more: `debug` does not undo a bug."""
    return len(word) >= UNDONE_MIN and other == "de" + word


def _words(name: str) -> list[str]:
    return [word.lower() for word in _WORDS.findall(name)]
