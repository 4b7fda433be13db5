"""Files' clone units normalised and tokenised, the way each language is: Python's from its
tokens alone (clones.lexical), the other languages' through their tree query
(clones.normalize), each way in one batch (why batches: encode.encode_tokenised)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from codeindex.clones import lexical, normalize
from codeindex.clones.encode import Tokenised, tokenised_masked
from codeindex.clones.tokens import Span
from codeindex.languages import LanguageSpec

if TYPE_CHECKING:
    import tree_sitter


class FileUnits(NamedTuple):
    source: bytes
    spec: LanguageSpec
    nodes: Sequence[tree_sitter.Node]  # the subtrees that hold the units: the tree query's
    spans: Sequence[Span]  # the units


def tokenised(files: Sequence[FileUnits]) -> list[tuple[list[int], Tokenised]]:
    """One Tokenised per way of normalising that some file needs, with the positions in
    `files` of the files it holds (their units are in it in that order)."""
    by_tokens = [number for number, file in enumerate(files) if file.spec.clones.lexical]
    by_tree = [number for number, file in enumerate(files) if not file.spec.clones.lexical]
    batches = []
    if by_tokens:
        batches.append(
            (by_tokens, lexical.tokenised([(files[n].source, files[n].spans) for n in by_tokens]))
        )
    if by_tree:
        masked = [
            (normalize.mask(files[n].nodes, files[n].source, files[n].spec), files[n].spans)
            for n in by_tree
        ]
        batches.append((by_tree, tokenised_masked(masked)))
    return batches
