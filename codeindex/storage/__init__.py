"""The index on disk: the only package that imports Whoosh (tests/test_storage_boundary.py).

Above it, everything speaks in our models (codeindex.models): the indexer hands it
IndexedFile values, and reads come back as FileRecord, Symbol and Ranked. Swapping the
engine is this package's job alone. docs/storage.md describes the layout and the rules.

- schema, codec: the Whoosh schema; the record codec (a JSON array per record);
- store: opening, replacing, the searcher on the latest commit, the writer lock;
- reading, search, text: file records, a file's symbols, the ranked search;
- writing, segment_writer: the single writer, workers' segments, the one publish();
- index_dir: the directory as a whole (whose it is, creating, replacing, removing it);
- merging: the idle merge of small segments; locks: the OS file locks;
- derived: the caches kept in the index directory (clone table, sketches, uses of names).
"""

from codeindex.storage import _light_imports  # noqa: F401  (before whoosh: see the module)

# isort: split
from codeindex.storage.codec import stored_symbol_path, symbol_from_stored, symbol_to_stored
from codeindex.storage.derived import DerivedFiles
from codeindex.storage.errors import (
    ForeignIndex,
    IndexBusy,
    IndexError_,
    OtherVersion,
    WriteRefused,
    raised_reading_the_index,
)
from codeindex.storage.index_dir import holds_index, index_state, remove_leftovers
from codeindex.storage.locks import (
    REBUILD_LOCK,
    clear_leftovers,
    directory_lock,
    rebuild_running,
    rebuild_turn,
)
from codeindex.storage.merging import SMALL_SEGMENT_DOCS
from codeindex.storage.paths import path_matcher
from codeindex.storage.store import FORMAT_VERSION, WRITER_TIMEOUT, Store
from codeindex.storage.text import Ranked
from codeindex.storage.writing import BuiltSegment, IndexWriter, SegmentBuilder

__all__ = [
    "FORMAT_VERSION",
    "REBUILD_LOCK",
    "SMALL_SEGMENT_DOCS",
    "WRITER_TIMEOUT",
    "BuiltSegment",
    "DerivedFiles",
    "ForeignIndex",
    "IndexBusy",
    "IndexError_",
    "IndexWriter",
    "OtherVersion",
    "Ranked",
    "SegmentBuilder",
    "Store",
    "WriteRefused",
    "clear_leftovers",
    "directory_lock",
    "holds_index",
    "index_state",
    "path_matcher",
    "raised_reading_the_index",
    "rebuild_running",
    "rebuild_turn",
    "remove_leftovers",
    "stored_symbol_path",
    "symbol_from_stored",
    "symbol_to_stored",
]
