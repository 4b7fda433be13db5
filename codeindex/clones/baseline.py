"""Baselines for `dups` in CI: the groups a project already has, so that a check fails only
on new duplication.

A baseline file (JSON, written by `dups --update-baseline FILE`) lists every group of a
scan by its members' path, qualified name and fingerprint (the digest of the member's
normalised code), never by line: code that moves keeps its entry. A group of a later scan
is known when some baseline group holds all of its members; a group that gained a member (a
new copy), or a member whose code changed, is new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from codeindex.models import DuplicateGroup

FORMAT = "code-index dups baseline"
VERSION = 1

Member = tuple[str, str, str]  # path, qualified name, fingerprint


def _members(group: DuplicateGroup) -> frozenset[Member]:
    return frozenset(
        (member.path, member.qualified_name, fingerprint)
        for member, fingerprint in zip(group.members, group.fingerprints, strict=True)
    )


@dataclass(frozen=True, slots=True)
class Baseline:
    groups: tuple[frozenset[Member], ...]

    def knows(self, group: DuplicateGroup) -> bool:
        members = _members(group)
        return any(members <= known for known in self.groups)


def load(path: Path) -> Baseline:
    """Raises ValueError with a message for the user when the file is not a baseline."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise ValueError(f"{path} is not JSON; write one with --update-baseline") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a dups baseline; write one with --update-baseline")
    try:
        groups = tuple(
            frozenset((m["path"], m["symbol"], m["fingerprint"]) for m in group["members"])
            for group in data["groups"]
        )
    except (KeyError, TypeError):
        raise ValueError(
            f"{path}: malformed baseline; write it again with --update-baseline"
        ) from None
    return Baseline(groups)


def dump(groups: list[DuplicateGroup]) -> str:
    entries = []
    for group in groups:
        members = sorted(_members(group))
        entries.append(
            {"members": [{"path": p, "symbol": s, "fingerprint": f} for p, s, f in members]}
        )
    entries.sort(key=lambda entry: [sorted(m.values()) for m in entry["members"]])
    return json.dumps({"format": FORMAT, "version": VERSION, "groups": entries}, indent=1) + "\n"
