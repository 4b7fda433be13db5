"""Keep `import whoosh` cheap for a CLI call that answers in a few hundred milliseconds.

Three of whoosh-reloaded's imports cost more than whoosh itself and serve nothing we call
(measured with `python -X importtime`, then by timing the imports alone):
- the `cached_property` package, for one decorator: it imports asyncio, 0.1 s;
- `urllib.request`, for `whoosh.compat.urlretrieve`, which nothing in whoosh calls: it
  imports http.client and the email package, 25-30 ms, a tenth of a symbol search;
- `whoosh.lang.morph_en`, for the Variations query we never build: it compiles a regex of
  English word endings, 5 ms of every command's start.
whoosh gets stand-ins while it imports (functools has the same decorator; urlretrieve and
variations import the real ones when called). They are removed again, so anything importing the real
modules later gets the real modules.
"""

from __future__ import annotations

import functools
import sys
import types
from typing import Any


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _variations(*args: Any, **kwargs: Any) -> Any:
    from whoosh.lang.morph_en import variations

    return variations(*args, **kwargs)


def _stand_ins() -> dict[str, types.ModuleType]:
    cached_property = types.ModuleType("cached_property")
    cached_property.cached_property = functools.cached_property  # type: ignore[attr-defined]
    request = types.ModuleType("urllib.request")
    request.urlretrieve = _urlretrieve  # type: ignore[attr-defined]
    morph_en = types.ModuleType("whoosh.lang.morph_en")
    morph_en.variations = _variations  # type: ignore[attr-defined]
    return {
        "cached_property": cached_property,
        "urllib.request": request,
        "whoosh.lang.morph_en": morph_en,
    }


if "whoosh.reading" not in sys.modules:
    _installed = {name: module for name, module in _stand_ins().items() if name not in sys.modules}
    sys.modules.update(_installed)
    try:
        import whoosh.query  # noqa: F401  (every reader and writer imports it)
        import whoosh.reading  # noqa: F401
    finally:
        for _name, _module in _installed.items():
            if sys.modules.get(_name) is _module:
                del sys.modules[_name]
