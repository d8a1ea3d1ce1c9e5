"""The contract between the audit engine and its checks.

A check is a module with a :class:`Rule` (stable id, category, severity, confidence, documentation)
and a function ``check(subject, context)`` yielding :class:`Finding` objects. Checks never match
actions or ARNs themselves: they ask the subject's :class:`~polp.iam.effective.PolicySet` (identity
permissions after denies, boundary and SCPs) or :func:`polp.iam.evaluate.evaluate`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

from polp._slots import fast_init
from polp.errors import Location
from polp.iam.effective import Grant, PolicySet
from polp.inventory import Inventory, PolicyRef, PrincipalRecord

Category = Literal[
    "admin",
    "privilege-escalation",
    "credentials-exposure",
    "secrets",
    "data-access",
    "destruction",
    "resource-exposure",
    "wildcards",
    "trust",
    "long-lived-credentials",
    "fragmentation",
    "config",
]


class Severity(IntEnum):
    low = 1
    medium = 2
    high = 3
    critical = 4

    @property
    def label(self) -> str:
        return self.name

    @staticmethod
    def parse(text: str) -> Severity:
        return Severity[text.lower()]


class Confidence(IntEnum):
    low = 1
    medium = 2
    high = 3


@dataclass(frozen=True, slots=True)
class Rule:
    """A check's identity and documentation. ``id`` never changes once released."""

    id: str
    name: str
    category: Category
    severity: Severity
    confidence: Confidence
    summary: str
    #: Why it matters, in a few sentences (shown in reports and as SARIF rule help).
    explanation: str
    remediation: str
    #: A link into polp's documentation or to the public source of the technique.
    help_uri: str = ""
    #: A broad rule whose finding is dropped when more specific findings of the same principal
    #: already name every one of its actions (so one grant is not reported twice).
    generic: bool = False


@fast_init
@dataclass(frozen=True, slots=True)
class PrincipalInfo:
    type: str
    name: str
    arn: str


@fast_init  # made by the ten thousand
@dataclass(frozen=True, slots=True)
class Finding:
    rule: Rule
    message: str
    principal: PrincipalInfo | None = None
    policy: str | None = None
    statement: str | None = None
    actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    location: Location | None = None
    #: Set by the check when it differs from the rule's defaults (a conditional grant, a symbolic
    #: reference, an unbounded versus a scoped resource).
    severity: Severity | None = None
    confidence: Confidence | None = None
    details: Mapping[str, object] = field(default_factory=dict)

    @property
    def effective_severity(self) -> Severity:
        return self.severity if self.severity is not None else self.rule.severity

    @property
    def effective_confidence(self) -> Confidence:
        return self.confidence if self.confidence is not None else self.rule.confidence

    @property
    def fingerprint(self) -> str:
        """A stable id for baselines: the rule, who, which policy and statement, and what.

        It deliberately leaves out line numbers and messages, so reformatting a file does not make
        an old finding look new.
        """
        parts = [
            self.rule.id,
            self.principal.arn if self.principal else "",
            self.policy or "",
            self.statement or "",
            ",".join(sorted(self.actions)),
            ",".join(sorted(self.resources)),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


@dataclass(slots=True)
class Subject:
    """One principal under audit, with its effective identity permissions."""

    record: PrincipalRecord
    permissions: PolicySet
    #: True when some policy in force could not be resolved (lowers confidence).
    symbolic: bool = False
    #: The subject's own references to the policies in force, by label. Principals with identical
    #: policies share one PolicySet, whose grants point at the first principal's attachments.
    refs: dict[str, PolicyRef] = field(default_factory=dict)
    _info: PrincipalInfo | None = field(default=None, init=False, repr=False, compare=False)

    def location_of(self, grant: Grant) -> Location | None:
        """Where this subject is granted ``grant``: its own attachment for a shared AWS managed policy."""
        handle = grant.source.handle
        location = grant.source.location
        if isinstance(handle, PolicyRef) and location is not None and location == handle.location:
            own = self.refs.get(handle.label)
            if own is not None and own.location is not None:
                return own.location
        return location

    @property
    def info(self) -> PrincipalInfo:
        """Who the subject is, as findings name it (one object per subject)."""
        if self._info is None:
            self._info = PrincipalInfo(self.record.kind, self.record.name, self.record.arn)
        return self._info


@dataclass(slots=True)
class AuditContext:
    """What checks may look at beyond one subject: the whole inventory and every subject."""

    inventory: Inventory
    subjects: list[Subject]
    #: The time the audit runs (for key ages); injectable for tests.
    now_epoch: float = 0.0
    max_key_age_days: int = 90
    by_arn: dict[str, Subject] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_arn = {s.record.arn: s for s in self.subjects}


CheckFunction = Callable[[Subject, AuditContext], Iterator[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    rule: Rule
    run: CheckFunction
    #: Checks that look at standalone policy documents (no principal) get a synthetic subject.
    applies_to_policies: bool = True


def grant_policy(grant: Grant) -> str:
    handle = grant.source.handle
    if isinstance(handle, PolicyRef):
        return handle.label
    return grant.source.policy


def finding_for_grants(
    rule: Rule,
    subject: Subject,
    grants: list[Grant],
    message: str,
    *,
    severity: Severity | None = None,
    confidence: Confidence | None = None,
    details: Mapping[str, object] | None = None,
) -> Finding:
    """One finding for a group of grants: the first grant's statement gives the location."""
    first = grants[0]
    conditional = all(not g.unconditional for g in grants)
    conf = confidence
    if conf is None and (conditional or subject.symbolic):
        conf = Confidence(max(Confidence.low, rule.confidence - 1))
    return Finding(
        rule=rule,
        message=message + (" (only under conditions)" if conditional else ""),
        principal=subject.info,
        policy=grant_policy(first),
        statement=first.source.statement,
        actions=tuple(sorted({g.action for g in grants})),
        resources=tuple(sorted({r for g in grants for r in g.resources})),
        location=subject.location_of(first),
        severity=severity,
        confidence=conf,
        details=dict(details or {}),
    )
