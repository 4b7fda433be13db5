"""Near-duplicate detection (docs/clones.md).

The default similarity lives here, not in its modules, so the CLI and the library API can
name it without importing the clone machinery (a search never needs it).
"""

DEFAULT_MIN_SIMILARITY = 0.7
