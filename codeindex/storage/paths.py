"""Path filters: gitignore-style globs over root-relative paths."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def path_matcher(globs: Iterable[str]) -> Callable[[str], bool]:
    """gitignore-style globs: `src/`, `*.py`, `tests/**/test_*.py`; a bare name matches at any
    depth."""
    import pathspec

    patterns = list(globs)
    try:
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    except Exception:  # GitIgnorePatternError, re.error: say which one, as bad input
        bad = next((g for g in patterns if not _compiles(g)), patterns)
        raise ValueError(
            f"path pattern {bad!r} is not a valid gitignore-style glob; e.g. 'src/', '*.py'"
        ) from None
    return spec.match_file


def _compiles(glob: str) -> bool:
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([glob])
    except Exception:
        return False
    return True
