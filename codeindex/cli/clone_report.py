"""Renderings of clone results for the CLI: text and SARIF 2.1.0 (for code scanning)."""

from __future__ import annotations

from typing import Any

from codeindex.models import DuplicatesResult, SimilarMatch, SimilarResult, Symbol

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_ID = "code-index/duplicate-code"


def _lines(symbol: Symbol) -> str:
    return f"{symbol.start_line or symbol.line}-{symbol.end_line}"


DEFAULT_MEMBERS = 3
_HIDDEN = {
    "test": "{} more group(s) of test code only (--tests include to list them)",
    "library": "{} group(s) with library code left out (--tests only)",
    "baseline": "{} group(s) already in the baseline left out",
}
# Labels of groups kept on purpose (selection.INTENTIONAL), as `--hide-intentional` counts them.
_KEPT = "{} group(s) labelled {} left out (without --hide-intentional)"


def duplicates_text(result: DuplicatesResult, members: int = DEFAULT_MEMBERS) -> list[str]:
    """Each group with its first `members` members and where the rest are; then one line
    per kind of group the filters left out."""
    lines = []
    for number, group in enumerate(result.groups, 1):
        copies = f"{len(group.members)} copies" + (" of a block" if group.block else "")
        tags = [label for label in group.labels if label != "block"]
        labelled = f"  [{', '.join(tags)}]" if tags else ""
        lines.append(f"group {number}: {copies}, similarity {group.similarity:.2f}{labelled}")
        for member in group.members[:members]:
            lines.append(f"  {member.path}:{_lines(member)}  {member.qualified_name}")
        rest = group.members[members:]
        if rest:
            lines.append(f"  … and {len(rest)} more {_where(rest)}")
    for reason, count in (result.hidden or {}).items():
        if reason in _HIDDEN and count:
            lines.append(_HIDDEN[reason].format(count))
        elif count:
            lines.append(_KEPT.format(count, reason))
    return lines


def _where(members: list[Symbol]) -> str:
    """Where the members a report leaves out are: their common folder, if any."""
    folders = sorted({m.path.rpartition("/")[0] for m in members})
    if len(folders) == 1:
        return f"in `{folders[0]}/`" if folders[0] else "at the top level"
    common = folders[0].split("/")
    for folder in folders[1:]:
        parts = folder.split("/")
        size = 0
        while size < min(len(common), len(parts)) and common[size] == parts[size]:
            size += 1
        common = common[:size]
    place = f" under `{'/'.join(common)}/`" if common else ""
    return f"in {len(folders)} folders{place}"


def similar_text(result: SimilarResult) -> list[str]:
    """One line per match; near misses (below the threshold) marked `(near miss)`."""
    lines = [_similar_line(match) for match in result.matches]
    lines += [_similar_line(match) + "  (near miss)" for match in result.near_misses]
    return lines


def _similar_line(match: SimilarMatch) -> str:
    refs = "" if match.refs is None else f"  ({match.refs} ref{'' if match.refs == 1 else 's'})"
    return (
        f"{match.similarity:.2f}  {match.symbol.path}:{_lines(match.symbol)}  "
        f"{match.symbol.qualified_name}{refs}"
    )


def _location(symbol: Symbol, index: int | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": symbol.path, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": symbol.start_line or symbol.line, "endLine": symbol.end_line},
        }
    }
    if index is not None:
        location["id"] = index
        location["message"] = {"text": symbol.qualified_name}
    return location


def duplicates_sarif(result: DuplicatesResult, version: str) -> dict[str, Any]:
    """One result per group, located at its first member, the other copies related."""
    results = []
    for group in result.groups:
        first, others = group.members[0], group.members[1:]
        where = ", ".join(f"{m.path}:{_lines(m)}" for m in others)
        results.append(
            {
                "ruleId": RULE_ID,
                "level": "warning",
                "message": {
                    "text": f"{first.qualified_name} has {len(others)} near-duplicate(s)"
                    f"{' of a block' if group.block else ''} "
                    f"(similarity {group.similarity:.2f}): {where}"
                },
                "locations": [_location(first)],
                "relatedLocations": [_location(m, i) for i, m in enumerate(others, 1)],
                "properties": {
                    "similarity": round(group.similarity, 3),
                    "labels": list(group.labels),
                },
            }
        )
    rule = {
        "id": RULE_ID,
        "name": "DuplicateCode",
        "shortDescription": {"text": "Duplicated or near-duplicated function"},
        "fullDescription": {
            "text": "A function whose normalised token sequence matches other functions "
            "(exact, renamed or lightly edited copies)."
        },
        "defaultConfiguration": {"level": "warning"},
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "code-index",
                        "version": version,
                        "rules": [rule],
                    }
                },
                "results": results,
            }
        ],
    }
