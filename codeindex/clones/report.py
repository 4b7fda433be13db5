"""Renderings of clone results for the CLI: text and SARIF 2.1.0 (for code scanning)."""

from __future__ import annotations

from typing import Any

from codeindex.models import DuplicatesResult, SimilarResult, Symbol

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_ID = "code-index/duplicate-code"


def _lines(symbol: Symbol) -> str:
    return f"{symbol.start_line or symbol.line}-{symbol.end_line}"


def duplicates_text(result: DuplicatesResult) -> list[str]:
    lines = []
    for number, group in enumerate(result.groups, 1):
        copies = f"{len(group.members)} copies" + (" of a block" if group.block else "")
        lines.append(f"group {number}: {copies}, similarity {group.similarity:.2f}")
        for member in group.members:
            lines.append(f"  {member.path}:{_lines(member)}  {member.qualified_name}")
    return lines


def similar_text(result: SimilarResult) -> list[str]:
    return [
        f"{match.similarity:.2f}  {match.symbol.path}:{_lines(match.symbol)}  "
        f"{match.symbol.qualified_name}"
        for match in result.matches
    ]


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
                "properties": {"similarity": round(group.similarity, 3)},
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
                        "informationUri": "https://github.com/",
                        "rules": [rule],
                    }
                },
                "results": results,
            }
        ],
    }
