"""The verification report: for each identity, the four checks and their evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from polp.errors import Location
from polp.iam.evaluate import Decision
from polp.inventory import InputProblem
from polp.manifest.model import Capability, NeverItem

CHECKS = ("sufficient", "minimal", "never", "trust")


@dataclass(frozen=True, slots=True)
class Call:
    """One API call an identity makes, in the context its manifest declares."""

    action: str
    resource: str
    context: dict[str, object]
    origin: Capability | None
    route: str = ""
    #: What the call is for when it is not a plain capability call (a violated condition, a service call).
    label: str = ""


@dataclass(frozen=True, slots=True)
class CallOutcome:
    call: Call
    decision: Decision
    expect_allowed: bool = True

    @property
    def passed(self) -> bool:
        return self.decision.allowed == self.expect_allowed


@dataclass(frozen=True, slots=True)
class Excess:
    """Actions the actual policies allow on resources the manifest does not declare, by statement."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    policy: str
    statement: str
    location: Location | None = None
    conditional: bool = False

    @property
    def count(self) -> int:
        return len(self.actions) * len(self.resources)


@dataclass(frozen=True, slots=True)
class Granted:
    """A must-never action that a statement grants."""

    action: str
    resources: tuple[str, ...]
    policy: str
    statement: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class NeverOutcome:
    item: NeverItem
    granted: tuple[Granted, ...]
    probe: CallOutcome | None
    actions_checked: int = 0

    @property
    def passed(self) -> bool:
        return not self.granted and (self.probe is None or self.probe.passed)


@dataclass(frozen=True, slots=True)
class TrustOutcome:
    label: str
    principal: str
    action: str
    decision: Decision
    expect_allowed: bool

    @property
    def passed(self) -> bool:
        return self.decision.allowed == self.expect_allowed


@dataclass(frozen=True, slots=True)
class IdentityResult:
    name: str
    role_name: str
    location: Location
    #: The principal verified (None: no principal in the sources matches the identity).
    principal_arn: str | None
    principal_kind: str | None = None
    target: str = ""
    sufficient: tuple[CallOutcome, ...] = ()
    excess: tuple[Excess, ...] = ()
    conditions: tuple[CallOutcome, ...] = ()
    never: tuple[NeverOutcome, ...] = ()
    trust: tuple[TrustOutcome, ...] = ()
    #: Problems of the principal itself: not found, a user with keys, a session too long, no trust policy.
    trust_problems: tuple[str, ...] = ()
    #: Policies that could not be resolved (Terraform variables...): results may be incomplete.
    symbolic: tuple[str, ...] = ()
    trust_location: Location | None = None

    @property
    def found(self) -> bool:
        return self.principal_arn is not None

    @property
    def excess_count(self) -> int:
        return sum(e.count for e in self.excess) + sum(1 for c in self.conditions if not c.passed)

    def passed(self, check: str, max_excess: int = 0) -> bool:
        if not self.found:
            return False
        if check == "sufficient":
            return all(o.passed for o in self.sufficient)
        if check == "minimal":
            return self.excess_count <= max_excess
        if check == "never":
            return all(o.passed for o in self.never)
        return not self.trust_problems and all(o.passed for o in self.trust)


@dataclass(slots=True)
class VerifyReport:
    manifest: str
    pipeline: str
    inputs: tuple[str, ...]
    identities: list[IdentityResult]
    max_excess: int = 0
    problems: tuple[InputProblem, ...] = field(default=())

    @property
    def excess_count(self) -> int:
        return sum(i.excess_count for i in self.identities)

    def identity_passed(self, result: IdentityResult) -> bool:
        """Excess is gated over the whole report (``--max-excess``); the other checks per identity."""
        return (
            all(result.passed(c, self.max_excess) for c in CHECKS if c != "minimal")
            and result.excess_count <= self.max_excess
        )

    @property
    def passed(self) -> bool:
        return all(self.identity_passed(i) for i in self.identities) and self.excess_count <= self.max_excess
