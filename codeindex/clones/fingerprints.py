"""Clone fingerprints for each callable unit, stored as index terms (see codeindex.clones)."""

from __future__ import annotations

from codeindex.extract import Extraction
from codeindex.languages import LanguageSpec


def unit_fingerprints(extraction: Extraction, spec: LanguageSpec) -> dict[int, list[str]]:
    """Index terms per symbol index. Clone detection is not built yet: no terms."""
    return {}
