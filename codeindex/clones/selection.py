"""Which clone groups a `dups` report shows, and in what order.

The scan (clones.search) finds groups; here they are labelled (clones.labels,
clones.intent), members under a suppression comment dropped, filtered (`--path`, `--tests`,
`--hide-intentional`, `--baseline`) and ranked by what a refactor would save: the code that
merging the copies would remove (each copy's length less what a call costs, times the
similarity, times the extra copies with diminishing weight).
Library code comes first, then groups kept on purpose (INTENTIONAL), then test-only groups.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from codeindex.clones import density, intent, labels, opposites
from codeindex.clones.baseline import Baseline
from codeindex.models import DuplicateGroup, DuplicatesResult, Symbol

TESTS_CHOICES = ("include", "exclude", "only")
# What a call to a shared helper costs, in codes (about a signature and a call, ~6 tokens
# each): a copy no longer than that saves nothing when merged. UniTask's 182 seven-line
# argument-checking wrappers ranked first by length x copies; each would still need its
# own public entry point.
CALL_CODES = 24
# Extra copies count with diminishing weight: the more copies of one shape, the likelier
# they are an API surface or generated on purpose (the stdlib's 120 `getregentry`, UniTask's
# wrappers). On the hand-labelled sample (bench/clones_usefulness.py), the square root
# against a linear count: Rust 60 -> 80% useful in the top 10, TypeScript 60 -> 70%.
COPIES_EXPONENT = 0.5
# What merging keeps (2 x similarity - 1) counts to this power: near the threshold what
# differs is spread through the body, and the copies there are mostly alike in shape only
# (all 9 noise groups among the labelled groups ranked in the corpora's top 20s are under
# 0.76 alike, against 18 of 68 useful ones). On the hand-labelled sample, 1.5 against 1: the
# stdlib 70 -> 90% useful in the top 10 and its one noise group out, Django (held out)
# 70 -> 80%, zod (held out) 70 -> 60%, the others unchanged; 2 moved too much in at once.
SIMILARITY_EXPONENT = 1.5
# Labels of groups a team keeps on purpose or has no reason to merge: ranked after the
# rest, left out by `hide_intentional`. A group carries the first that applies.
INTENTIONAL = (
    labels.PLATFORM_VARIANTS,
    labels.UNBUILT,
    intent.MIRROR,
    intent.DOCUMENTED,
    intent.FIXTURE,
    intent.FAMILY,
    intent.IMPLEMENTATIONS,
    intent.WRAPPERS,
    intent.DEPRECATED,
    intent.MAJOR_VERSIONS,
    opposites.MIRROR_IMAGES,
    intent.VENDORED,
    intent.EXAMPLES,
    density.DATA_LIKE,
)


@dataclass(frozen=True, slots=True)
class Found:
    """A group as the scan found it: members, their fingerprints, their summed length in
    codes."""

    similarity: float
    members: list[Symbol]
    fingerprints: list[str]
    codes: int
    block: bool = False

    @property
    def mean_codes(self) -> float:
        """A member's length in codes, on average."""
        return self.codes / len(self.members)


@dataclass(frozen=True, slots=True)
class Options:
    path: str | None = None
    tests: str = "exclude"
    hide_intentional: bool = False
    baseline: Baseline | None = None
    limit: int | None = None


# Groups with their labels, each with what a refactor would save (_value).
Labelled = list[tuple[float, DuplicateGroup]]


def labelled(root: Path, found: list[Found]) -> Labelled:
    """The groups found, labelled from their sources, without the members a comment
    suppresses or a template generates. What `select` filters and ranks: the same for every
    set of options, so a server keeps it while the index is unchanged (clones.scan)."""
    sources = labels.Sources(root)
    mirrors = intent.Mirrors.of(item.members for item in found)
    context = _Context(sources, mirrors, intent.Deprecations(sources))
    groups = []
    for item in found:
        group = _labelled(context, item)
        if group is not None:
            groups.append((_value(item, group), group))
    return groups


def select(groups: Labelled, options: Options) -> DuplicatesResult:
    prefix = (options.path or "").rstrip("/")
    if prefix not in ("", "."):
        groups = [
            entry
            for entry in groups
            if any(m.path == prefix or m.path.startswith(prefix + "/") for m in entry[1].members)
        ]
    everything = [group for _, group in groups]
    hidden: dict[str, int] = {}
    shown = []
    for value, group in groups:
        reason = _hidden_by(group, options)
        if reason:
            hidden[reason] = hidden.get(reason, 0) + 1
        else:
            shown.append((value, group))
    shown.sort(key=lambda entry: _rank(*entry))
    total = len(shown)
    if options.limit is not None:
        shown = shown[: options.limit]
    return DuplicatesResult([group for _, group in shown], total, hidden, everything)


@dataclass(slots=True)
class _Context:
    sources: labels.Sources
    mirrors: intent.Mirrors
    deprecations: intent.Deprecations


def _intentional(context: _Context, members: list[Symbol], item: Found, test: bool) -> str | None:
    """The first reason the copies are kept on purpose, or None. Test code is only asked
    about platforms: its groups rank last anyway, and they are most of a scan (86% of the
    stdlib's), so the other rules would mostly read files for nothing."""
    if labels.are_platform_variants(context.sources, members):
        return labels.PLATFORM_VARIANTS
    if test:
        return None
    if labels.are_unbuilt(context.sources, members):
        return labels.UNBUILT
    if context.mirrors.holds(members):
        return intent.MIRROR
    if intent.is_documented(context.sources, members):
        return intent.DOCUMENTED
    if intent.is_fixture_copy(members):
        return intent.FIXTURE
    if intent.is_family(members):
        return intent.FAMILY
    if intent.are_implementations(members):
        return intent.IMPLEMENTATIONS
    if intent.are_wrappers(context.sources, members, item.mean_codes):
        return intent.WRAPPERS
    if context.deprecations.holds(members):
        return intent.DEPRECATED
    if intent.are_major_versions(members):
        return intent.MAJOR_VERSIONS
    if opposites.are_mirror_images(members, item.similarity):
        return opposites.MIRROR_IMAGES
    if intent.is_vendored(context.sources, members):
        return intent.VENDORED
    if intent.are_example_programs(members):
        return intent.EXAMPLES
    if density.is_data_like(context.sources, members):
        return density.DATA_LIKE
    return None


def _labelled(context: _Context, item: Found) -> DuplicateGroup | None:
    """The group with its labels, without members a comment suppresses or a template
    generates (None when fewer than two are left)."""
    sources = context.sources
    kept = [
        (member, fingerprint)
        for member, fingerprint in zip(item.members, item.fingerprints, strict=True)
        if not labels.suppressed(sources, member) and not sources.generated(member)
    ]
    if len(kept) < 2:
        return None
    members = [member for member, _ in kept]
    found: list[str] = []
    test = all(labels.is_test(member) for member in members)
    if test:
        found.append(labels.TEST)
    if not item.block and (reason := _intentional(context, members, item, test)):
        found.append(reason)
    if item.block:
        found.append(labels.BLOCK)
    group = DuplicateGroup(item.similarity, members, item.block)
    return replace(group, labels=tuple(found), fingerprints=tuple(f for _, f in kept))


def _hidden_by(group: DuplicateGroup, options: Options) -> str | None:
    is_test = labels.TEST in group.labels
    if options.tests == "exclude" and is_test:
        return labels.TEST
    if options.tests == "only" and not is_test:
        return "library"
    if options.hide_intentional and (reason := _intentional_label(group)):
        return reason
    if options.baseline is not None and options.baseline.knows(group):
        return "baseline"
    return None


def _value(item: Found, group: DuplicateGroup) -> float:
    """What a refactor would save: each copy's length less a call (never under a tenth of
    it), times what merging keeps of it, times the extra copies, counted with diminishing
    weight. What merging keeps: the shared part (the similarity) less the differing part,
    which the merged helper must take as parameters or branches (2 x similarity - 1; never
    under a tenth of the similarity), to the power SIMILARITY_EXPONENT."""
    mean = item.mean_codes
    saved = max(mean - CALL_CODES, mean / 10)
    kept: float = max(2 * item.similarity - 1, item.similarity / 10) ** SIMILARITY_EXPONENT
    extra: float = (len(group.members) - 1) ** COPIES_EXPONENT  # int ** float is typed Any
    return kept * saved * extra


def _intentional_label(group: DuplicateGroup) -> str | None:
    return next((label for label in group.labels if label in INTENTIONAL), None)


def _rank(value: float, group: DuplicateGroup) -> tuple[bool, bool, float, str, int]:
    first = group.members[0]
    return (
        labels.TEST in group.labels,
        _intentional_label(group) is not None,
        -value,
        first.path,
        first.line,
    )
