"""Verified uses of a name, kept beside the index, so that a name asked again (by the CLI, the
MCP server, `search --refs`) is answered without reading or parsing its files again: parsing
the candidates' regions and reading them is most of a query (`__init__` on the standard
library: 700 files, a megabyte of regions), and an agent asks for the same names repeatedly.

`<index directory>/refs-cache/<hash of the name>.json` holds, for each candidate file of the
bare name verified so far, its content digest as indexed (FileRecord.digest) and its uses of
the name (`Use` rows, before a qualifier narrows them; an empty list for a file that
only mentions it). An entry answers only while the index's record of the path has that
digest, and is only written when the bytes verified hash to it: a file changed since it was
indexed is verified from disk, not cached. The refs queries' text and CACHE_FORMAT (bump it
when codeindex.refs.verify changes what it finds) are part of each file, so entries made by
other code are misses. A damaged or foreign file is a miss and a failed write is ignored:
this is a cache, and the index is not touched. The format is this module's; the files are
read, written and pruned by the storage (codeindex.storage.derived).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codeindex.storage import DerivedFiles

CACHE_DIR = "refs-cache"
CACHE_FORMAT = 1
# Bounds on the disk it takes. The index may grow to 1.5x its size before references (#22):
# on the standard library 38 MB, 47.8 with the words and outlines, so a full cache stays
# under 57 MB. 400 names took 3 MB there (`len`, 6,000 uses, 0.6 MB); a name with more uses
# than fit in ENTRY_MAX (`self`, 170,000 uses: 16 MB) is verified each time; past TOTAL_MAX,
# the least recently written names go.
ENTRY_MAX = 1 << 20
TOTAL_MAX = 8 << 20
UseRow = list[Any]  # [row, column, text, kind, receiver, scope] (codeindex.refs.Use)


@cache
def _queries_key() -> str:
    from codeindex.languages import QUERY_DIR

    digest = hashlib.blake2b(str(CACHE_FORMAT).encode(), digest_size=16)
    for query in sorted(QUERY_DIR.glob("*.refs.scm")):
        digest.update(query.name.encode() + b"\0" + query.read_bytes())
    return digest.hexdigest()


class UseCache:
    """The cached uses of one bare name in one index directory (its files are storage's:
    codeindex.storage.derived)."""

    def __init__(self, disk: DerivedFiles, name: str) -> None:
        digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=12)
        self._disk = disk
        self.file_name = f"{CACHE_DIR}/{digest.hexdigest()}.json"
        self.name = name
        self.existed = False
        self.files: dict[str, list[Any]] = self._load()  # path -> [digest, [UseRow, ...]]
        self.changed = False

    def _load(self) -> dict[str, list[Any]]:
        text = self._disk.read(self.file_name, ENTRY_MAX)
        if text is None:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        self.existed = True
        if not isinstance(data, dict) or data.get("name") != self.name:
            return {}
        files = data.get("files")
        if data.get("key") != _queries_key() or not isinstance(files, dict):
            return {}
        return files

    def get(self, path: str, digest: str) -> list[UseRow] | None:
        entry = self.files.get(path)
        if entry is None or entry[0] != digest:
            return None
        return entry[1]  # type: ignore[no-any-return]

    def put(self, path: str, digest: str, uses: list[UseRow]) -> None:
        self.files[path] = [digest, uses]
        self.changed = True

    def save(self) -> None:
        """Write the entries back if any changed, keeping the cache's files within TOTAL_MAX
        bytes (the least recently written names go); never raises for the disk's sake."""
        if not self.changed:
            return
        data = {"name": self.name, "key": _queries_key(), "files": self.files}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        encoded = text.encode("utf-8", "surrogatepass")
        self.changed = False
        if len(encoded) > ENTRY_MAX:
            if self.existed:
                self._disk.remove(self.file_name)
            return
        if self._disk.write(self.file_name, encoded):
            self._disk.prune(CACHE_DIR, TOTAL_MAX)
