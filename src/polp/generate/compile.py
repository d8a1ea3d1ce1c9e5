"""Compile a manifest into one role per identity: permissions, trust, session, boundary, EKS access.

For each capability the library gives the access on the named resources; the compiler adds what the
manifest declares around it (ABAC tag conditions, principal tags, the network perimeter, explicit
denies of the never items) and what AWS checks alongside (``iam:PassRole`` on the named role only,
with ``iam:PassedToService``; tagging on creation when tags are required). It refuses a capability
whose access breaks the catalog or reaches a never item, naming the manifest line.

Output order follows the manifest (capabilities in the order declared; actions and resources sorted
inside a statement), so a change to the manifest gives a small diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from polp.errors import Location
from polp.generate.capabilities import BY_NAME
from polp.generate.capabilities.base import REQUEST_TAG, Access, Condition, EksAccess, Scope
from polp.generate.catalog_check import access_problems
from polp.generate.conditions import abac_conditions, condition_block, network_deny, principal_tag_conditions
from polp.generate.trust import trust_policy
from polp.iam.catalog import get_catalog
from polp.iam.dependent_actions import PASS_ROLE, dependent_actions, passed_to_service
from polp.iam.wildcards import globs_intersect
from polp.manifest.model import Capability, Identity, Manifest, NeverItem
from polp.manifest.schema import ManifestError

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True, slots=True)
class PolicyStatement:
    """A statement of the permissions policy, with the capability it comes from (None: generated)."""

    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()
    origin: Capability | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Sid": self.sid,
            "Effect": self.effect,
            "Action": self.actions[0] if len(self.actions) == 1 else list(self.actions),
            "Resource": self.resources[0] if len(self.resources) == 1 else list(self.resources),
        }
        if self.conditions:
            out["Condition"] = condition_block(self.conditions)
        return out

    @property
    def key(self) -> tuple[object, ...]:
        return (self.effect, self.actions, self.resources, self.conditions)


@dataclass(frozen=True, slots=True)
class CompiledIdentity:
    identity: Identity
    role_arn: str
    statements: tuple[PolicyStatement, ...]
    trust: dict[str, Any]
    extra_statements: tuple[dict[str, Any], ...] = ()
    eks: tuple[EksAccess, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def permissions(self) -> dict[str, Any]:
        return {
            "Version": POLICY_VERSION,
            "Statement": [s.to_json() for s in self.statements] + list(self.extra_statements),
        }


@dataclass(frozen=True, slots=True)
class Plan:
    manifest: Manifest
    identities: tuple[CompiledIdentity, ...]


class _IdentityCompiler:
    def __init__(self, manifest: Manifest, identity: Identity, problems: list[tuple[str, Location]]) -> None:
        self.manifest = manifest
        self.identity = identity
        self.problems = problems
        self.scope = Scope(
            manifest.partition, manifest.account, manifest.region, manifest.pipeline, identity.name
        )
        self.statements: list[PolicyStatement] = []
        self.eks: list[EksAccess] = []

    def add(self, statement: PolicyStatement) -> None:
        if any(s.key == statement.key for s in self.statements):
            return
        self.statements.append(statement)

    def capability(self, capability: Capability) -> None:
        built = BY_NAME[capability.kind].build(capability.params, self.scope)
        self.eks.extend(built.eks)
        for access in built.accesses:
            self.access(access, capability)

    def access(self, access: Access, origin: Capability) -> None:
        abac = self.identity.abac
        conditions = (
            *access.conditions,
            *abac_conditions(access.tag_keys, abac),
            *principal_tag_conditions(abac),
        )
        actions, resources = tuple(sorted(set(access.actions))), tuple(sorted(set(access.resources)))
        for problem in access_problems(actions, resources, conditions):
            self.problems.append((f"{origin.kind}: {problem}", origin.location))
        self.add(PolicyStatement(access.sid, "Allow", actions, resources, conditions, origin))
        if access.passes_role is not None:
            self.pass_role(access, origin)
        if REQUEST_TAG in access.tag_keys and abac.resource_tags:
            self.tag_on_create(access, origin, conditions)

    def pass_role(self, access: Access, origin: Capability) -> None:
        role = str(access.passes_role)
        if role.split(":")[4:5] != [self.manifest.account]:
            self.problems.append(
                (
                    f"{origin.kind}: the role {role} is not in the pipeline's account "
                    f"{self.manifest.account}; a role can only be passed in its own account",
                    origin.location,
                )
            )
            return
        services = sorted({s for a in access.actions if (s := passed_to_service(a)) is not None})
        for service in services:
            label = service.split(".", 1)[0].replace("-", " ").title().replace(" ", "")
            condition: tuple[Condition, ...] = (
                ("StringEquals", "iam:PassedToService", (service,)),
                *principal_tag_conditions(self.identity.abac),
            )
            for index, existing in enumerate(self.statements):
                if existing.actions == (PASS_ROLE,) and existing.conditions == condition:
                    # One statement per service: the roles passed to it, sorted.
                    resources = tuple(sorted({*existing.resources, role}))
                    self.statements[index] = replace(existing, resources=resources)
                    break
            else:
                self.add(
                    PolicyStatement(f"PassRoleTo{label}", "Allow", (PASS_ROLE,), (role,), condition, origin)
                )

    def tag_on_create(self, access: Access, origin: Capability, conditions: tuple[Condition, ...]) -> None:
        """Creating with tags also authorizes the service's tagging action on the new resource."""
        catalog = get_catalog()
        tagging = sorted(
            {
                d.action
                for a in access.actions
                for d in dependent_actions(a)
                if (info := catalog.action(d.action)) is not None and info.access_level == "Tagging"
            }
        )
        if tagging:
            self.add(
                PolicyStatement(
                    f"{access.sid}Tags",
                    "Allow",
                    tuple(tagging),
                    tuple(sorted(access.resources)),
                    conditions,
                    origin,
                )
            )

    def never_conflicts(self) -> None:
        for item in self.identity.never:
            forbidden = _expand(item)
            for statement in self.statements:
                hit = (
                    sorted({a for a in statement.actions if a in forbidden})
                    if statement.effect == "Allow"
                    else []
                )
                if hit and _resources_meet(statement.resources, item.resources):
                    where = statement.origin.location if statement.origin else self.identity.location
                    kind = statement.origin.kind if statement.origin else "generated access"
                    self.problems.append(
                        (
                            f"{kind} needs {', '.join(hit)}, which the must-never item "
                            f"'{item.label}' (line {item.location.line}) forbids",
                            where,
                        )
                    )

    def never_denies(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for index, item in enumerate(self.identity.never, start=1):
            statement: dict[str, Any] = {
                "Sid": f"DenyNever{index}",
                "Effect": "Deny",
                "Action": list(item.actions) if len(item.actions) > 1 else item.actions[0],
                "Resource": list(item.resources) if len(item.resources) > 1 else item.resources[0],
            }
            if item.excluded:
                # The excluded actions are not API calls but permissions other calls check; they carry
                # iam:PassedToService, so "key absent" singles out every real call.
                statement["Condition"] = {"Null": {"iam:PassedToService": "true"}}
            out.append(statement)
        return out

    def compile(self) -> CompiledIdentity:
        for capability in self.identity.capabilities:
            self.capability(capability)
        self.never_conflicts()
        statements = _unique_sids(self.statements)
        extra: list[dict[str, Any]] = []
        deny = network_deny(self.identity.network)
        if deny is not None:
            extra.append(deny)
        if self.identity.deny_never:
            extra.extend(self.never_denies())
        return CompiledIdentity(
            self.identity,
            self.manifest.role_arn(self.identity),
            tuple(statements),
            trust_policy(self.manifest, self.identity),
            tuple(extra),
            tuple(self.eks),
        )


def _expand(item: NeverItem) -> frozenset[str]:
    catalog = get_catalog()
    excluded = {a.lower() for a in item.excluded}
    return frozenset(a for p in item.actions for a in catalog.expand(p) if a.lower() not in excluded)


def _resources_meet(ours: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    return any(
        a == "*" or b == "*" or globs_intersect(a, b, case_sensitive=True) for a in ours for b in theirs
    )


def _unique_sids(statements: list[PolicyStatement]) -> list[PolicyStatement]:
    seen: dict[str, int] = {}
    out: list[PolicyStatement] = []
    for statement in statements:
        count = seen.get(statement.sid, 0) + 1
        seen[statement.sid] = count
        if count > 1:
            statement = PolicyStatement(
                f"{statement.sid}{count}",
                statement.effect,
                statement.actions,
                statement.resources,
                statement.conditions,
                statement.origin,
            )
        out.append(statement)
    return out


def compile_manifest(manifest: Manifest) -> Plan:
    """The plan of every identity; raises :class:`ManifestError` naming the lines of any problem."""
    problems: list[tuple[str, Location]] = []
    identities = tuple(_IdentityCompiler(manifest, i, problems).compile() for i in manifest.identities)
    if problems:
        raise ManifestError(sorted(problems, key=lambda p: p[1].line or 0))
    return Plan(manifest, identities)
