"""What the sources hand to the core: principals, the policies attached to them, and their credentials.

Every source (account details, Terraform, CloudFormation, policy files, credential reports, live AWS)
produces an :class:`Inventory`; inventories from several inputs merge into one. Nothing here evaluates
a policy: the checks ask :mod:`polp.iam` for that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Literal

from polp._slots import fast_init
from polp.errors import Location
from polp.iam.model import Policy

PrincipalKind = Literal["user", "role", "group", "policy"]
PolicyKind = Literal["inline", "managed", "aws-managed", "boundary", "trust", "resource", "scp", "file"]


@fast_init
@dataclass(frozen=True, slots=True)
class PolicyRef:
    """A policy as a principal holds it.

    ``policy`` is ``None`` when the document could not be resolved (a Terraform variable without a
    default, a managed policy that is not in the input nor in the snapshot); such a reference is
    ``symbolic`` and lowers the confidence of any finding that depends on it.
    """

    name: str
    kind: PolicyKind
    policy: Policy | None
    arn: str | None = None
    location: Location | None = None
    symbolic: bool = False

    @property
    def label(self) -> str:
        return self.arn or self.name


@dataclass(frozen=True, slots=True)
class AccessKey:
    key_id: str
    active: bool
    created: datetime | None = None
    last_used: datetime | None = None


@dataclass(frozen=True, slots=True)
class PrincipalRecord:
    """A user, role or group with everything attached to it directly."""

    kind: PrincipalKind
    name: str
    arn: str
    inline_policies: tuple[PolicyRef, ...] = ()
    managed_policies: tuple[PolicyRef, ...] = ()
    #: For users: the names of their groups; for groups: empty.
    groups: tuple[str, ...] = ()
    permissions_boundary: PolicyRef | None = None
    trust_policy: PolicyRef | None = None
    tags: tuple[tuple[str, str], ...] = ()
    access_keys: tuple[AccessKey, ...] = ()
    password_enabled: bool | None = None
    max_session_duration: int | None = None
    created: datetime | None = None
    last_used: datetime | None = None
    location: Location | None = None
    #: References that could not be resolved (Terraform variables, remote data, missing policies).
    unresolved: tuple[str, ...] = ()

    @property
    def account(self) -> str | None:
        return _account_of(self.arn)

    @property
    def policies(self) -> tuple[PolicyRef, ...]:
        return self.inline_policies + self.managed_policies


@dataclass(frozen=True, slots=True)
class InputProblem:
    """Something in an input that was skipped, with the reason; reported, never silently dropped."""

    message: str
    location: Location


@dataclass(frozen=True, slots=True)
class Inventory:
    principals: tuple[PrincipalRecord, ...] = ()
    #: Standalone policy documents (policy files, unattached managed policies), audited on their own.
    policies: tuple[PolicyRef, ...] = ()
    problems: tuple[InputProblem, ...] = ()
    #: The inputs this inventory was read from.
    origins: tuple[str, ...] = ()
    _by_arn: dict[str, PrincipalRecord] = field(default_factory=dict, compare=False, repr=False)
    #: The first group of each name (what :meth:`groups_of` finds).
    _groups: dict[str, PrincipalRecord] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for principal in self.principals:
            self._by_arn.setdefault(principal.arn, principal)
            if principal.kind == "group":
                self._groups.setdefault(principal.name, principal)

    def get(self, arn: str) -> PrincipalRecord | None:
        return self._by_arn.get(arn)

    def groups_of(self, user: PrincipalRecord) -> Iterator[PrincipalRecord]:
        for name in user.groups:
            group = self._groups.get(name)
            if group is not None:
                yield group

    def identity_policies(self, principal: PrincipalRecord) -> tuple[PolicyRef, ...]:
        """Every identity-based policy in force for a principal: its own and its groups'."""
        refs = list(principal.policies)
        if principal.kind == "user":
            for group in self.groups_of(principal):
                refs.extend(group.policies)
        return tuple(refs)

    @staticmethod
    def merge(inventories: Iterable[Inventory]) -> Inventory:
        principals: list[PrincipalRecord] = []
        policies: list[PolicyRef] = []
        problems: list[InputProblem] = []
        origins: list[str] = []
        for inv in inventories:
            principals.extend(inv.principals)
            policies.extend(inv.policies)
            problems.extend(inv.problems)
            origins.extend(inv.origins)
        return Inventory(tuple(principals), tuple(policies), tuple(problems), tuple(origins))

    def with_principals(self, principals: Iterable[PrincipalRecord]) -> Inventory:
        return replace(self, principals=tuple(principals), _by_arn={}, _groups={})


@lru_cache(maxsize=1 << 14)  # asked tens of thousands of times per audit, of a few thousand ARNs
def _account_of(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] or None if len(parts) == 6 else None
