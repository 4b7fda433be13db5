"""The units a whole-repository scan compares, as arrays over the clone table's rows.

A scan of a big tree compares hundreds of thousands of units. As Python objects (a decoded
payload, a symbol record and a Symbol each) they were most of a scan's memory, although
only the units of candidate pairs need their code strings and only group members their
symbols. Here every unit is a position in a few arrays taken from the table's columns
(clones.table); code strings and symbols are decoded from the mapped table when asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from codeindex.clones import fingerprints
from codeindex.clones.table import CloneTable, Entry
from codeindex.models import Symbol

if TYPE_CHECKING:
    import numpy


class ScanUnits:
    """Units in source order (path, line, last line: ties between equal similarities then
    break the same way every time, whatever order the files were indexed in), and their
    classes of identical T2 forms.

    Positions index every array; `rows` maps them to table rows. `representatives` are the
    first member of each class, in increasing order; pairs and sketches are only made of
    them. `full_size` says whether a unit's class has a member that meets the scan's size
    minimum (one layout may meet the line minimum, another not)."""

    def __init__(self, table: CloneTable, rows: numpy.ndarray, min_tokens: int, min_lines: int):
        import numpy as np

        self.table = table
        paths = table.meta["paths"]
        path_rank = np.empty(len(paths), np.int64)
        path_rank[sorted(range(len(paths)), key=paths.__getitem__)] = np.arange(len(paths))
        column = table.column
        line, end_line = column("line")[rows], column("end_line")[rows]
        # lexsort is stable and its last key the first: what sorting by (path, line,
        # end_line) gives, equal keys in row order.
        order = np.lexsort((end_line, line, path_rank[column("path_id")[rows]]))
        self.rows = rows[order]
        self.path_id = column("path_id")[self.rows]
        self.line, self.end_line = line[order], end_line[order]
        self.start_line = column("start_line")[self.rows]
        self.lengths = column("code_length")[self.rows]  # in codes
        self.t2 = column("t2")[self.rows]
        full = (column("size")[self.rows] >= min_tokens) & (column("lines")[self.rows] >= min_lines)
        self._classes(full)
        self._codes: dict[int, str] = {}
        self._symbols: dict[int, Symbol] = {}

    def _classes(self, full: numpy.ndarray) -> None:
        import numpy as np

        by_t2 = np.argsort(self.t2, kind="stable")  # each class's positions in increasing order
        sorted_t2 = self.t2[by_t2]
        starts = np.flatnonzero(np.r_[True, sorted_t2[1:] != sorted_t2[:-1]][: len(by_t2)])
        sizes = np.diff(np.r_[starts, len(by_t2)])
        first = by_t2[starts]
        self.representatives = np.sort(first)
        class_full = np.logical_or.reduceat(full[by_t2], starts) if len(starts) else full
        self.full_size = np.empty(len(full), bool)
        self.full_size[by_t2] = np.repeat(class_full, sizes)
        shared = sizes > 1
        self._members = {
            int(by_t2[start]): by_t2[start : start + size].tolist()
            for start, size in zip(starts[shared].tolist(), sizes[shared].tolist(), strict=True)
        }

    def __len__(self) -> int:
        return len(self.rows)

    def members(self, representative: int) -> list[int]:
        """The positions of a representative's class, in increasing order."""
        return self._members.get(representative) or [representative]

    def codes(self, position: int) -> str:
        found = self._codes.get(position)
        if found is None:
            found = self._codes[position] = self.table.codes(int(self.rows[position]))
        return found

    def all_codes(self, positions: Iterable[int]) -> list[str]:
        return [self.codes(position) for position in positions]

    def forget_codes(self) -> None:
        """Drops the decoded code strings (the pairs are verified)."""
        self._codes.clear()

    def symbol(self, position: int) -> Symbol:
        found = self._symbols.get(position)
        if found is None:
            found = self._symbols[position] = self.table.entry_symbol(int(self.rows[position]))
        return found

    def fingerprint(self, position: int) -> str:
        """The unit's T2 hash as its payload holds it."""
        return self.table.payload(int(self.rows[position])).split(fingerprints.SEP, 2)[1]

    def line_span(self, position: int) -> int:
        """Lines from the definition's line to its last: a unit nested in another spans
        fewer."""
        return int(self.end_line[position] - self.line[position])

    def nested(self, a: int, b: int) -> bool:
        """Whether one of two units is nested in the other (clones.cluster.overlapping)."""
        return bool(
            self.path_id[a] == self.path_id[b]
            and self.start_line[a] <= self.end_line[b]
            and self.start_line[b] <= self.end_line[a]
        )

    def overlapping(self, first: numpy.ndarray, second: numpy.ndarray) -> numpy.ndarray:
        """Pair by pair, whether one unit is nested in the other (clones.cluster.overlapping
        over arrays)."""
        return (  # type: ignore[no-any-return]
            (self.path_id[first] == self.path_id[second])
            & (self.start_line[first] <= self.end_line[second])
            & (self.start_line[second] <= self.end_line[first])
        )

    def histograms(self, positions: numpy.ndarray) -> numpy.ndarray:
        """The units' code histograms (clones.table.code_histograms), from the table."""
        import numpy as np

        by_length = self.table.by_length()
        if not hasattr(self, "_at_length"):
            self._at_length = np.empty(len(by_length.order), np.int64)
            self._at_length[by_length.order] = np.arange(len(by_length.order))
        return by_length.histograms[self._at_length[self.rows[positions]]]  # type: ignore[no-any-return]

    def entries(self) -> list[Entry]:
        """Every unit as an Entry (what clones.blocks reads)."""
        return [self.table.entry(row) for row in self.rows.tolist()]


def scanned(
    table: CloneTable,
    languages: Iterable[str],
    partner_tokens: int,
    min_tokens: int,
    min_lines: int,
) -> ScanUnits:
    """The table's units a scan compares: not data tables, at least `min_lines` long and
    `partner_tokens` big, in `languages` (all when empty)."""
    import numpy as np

    size, lines = table.column("size"), table.column("lines")
    kept = (size >= partner_tokens) & ~table.column("data") & (lines >= min_lines)
    wanted = set(languages)
    if wanted:
        in_languages = np.zeros(len(table), dtype=bool)
        in_languages[table.rows_of(wanted)] = True
        kept &= in_languages
    return ScanUnits(table, np.flatnonzero(kept), min_tokens, min_lines)
