"""Keep `import whoosh` cheap for a CLI call that answers in a few hundred milliseconds.

whoosh-reloaded imports the `cached_property` package for one decorator, and that package
imports asyncio: 0.1 s of every `code-index` call (measured with `python -X importtime`).
functools has the same decorator, so whoosh gets a stand-in while it imports; the stand-in is
removed again, so anything importing the real package later gets the real package.
"""

from __future__ import annotations

import functools
import sys
import types

if "cached_property" not in sys.modules and "whoosh.reading" not in sys.modules:
    _stand_in = types.ModuleType("cached_property")
    _stand_in.cached_property = functools.cached_property  # type: ignore[attr-defined]
    sys.modules["cached_property"] = _stand_in
    try:
        import whoosh.reading  # noqa: F401
    finally:
        if sys.modules.get("cached_property") is _stand_in:
            del sys.modules["cached_property"]
