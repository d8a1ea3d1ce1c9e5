"""Find the principal that plays an identity of the manifest in the sources.

The target is, in order: ``--map IDENTITY=TARGET``, the identity's ``maps_to``, else the role name the
plan creates. A target is an ARN or a name. Terraform and CloudFormation sources do not know the
account (their ARNs carry ``UNKNOWN-ACCOUNT``), so a role is also found by its name and path.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from polp.errors import UsageError
from polp.iam.effective import PolicySet, SourcedPolicy
from polp.iam.model import Policy, Statement
from polp.inventory import Inventory, PrincipalRecord
from polp.manifest.model import Identity, Manifest
from polp.sources.symbols import UNKNOWN_ACCOUNT


@dataclass(frozen=True, slots=True)
class Actual:
    """A principal with the policies in force for it."""

    record: PrincipalRecord
    identity_policies: tuple[Policy, ...]
    permissions: PolicySet
    boundary: Policy | None
    #: Labels of the policies that could not be resolved.
    symbolic: tuple[str, ...]
    #: The principal's ARN in the manifest's account (sources that do not know the account).
    arn: str


def parse_maps(values: tuple[str, ...], manifest: Manifest) -> dict[str, str]:
    """``--map identity=ARN-or-name`` options; an unknown identity is a usage error."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, target = value.partition("=")
        if not sep or not name or not target:
            raise UsageError(f"--map {value!r}: expected IDENTITY=ARN or IDENTITY=ROLE-NAME")
        if manifest.identity(name) is None:
            known = ", ".join(i.name for i in manifest.identities)
            raise UsageError(f"--map {value!r}: the manifest has no identity {name!r} (it has {known})")
        out[name] = target
    return out


def target_of(identity: Identity, maps: dict[str, str]) -> str:
    return maps.get(identity.name) or identity.maps_to or identity.role_name


def _in_account(arn: str, account: str) -> str:
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[4] in ("", UNKNOWN_ACCOUNT):
        parts[4] = account
    return ":".join(parts)


def _find(inventory: Inventory, target: str, account: str) -> PrincipalRecord | None:
    candidates = [p for p in inventory.principals if p.kind in ("role", "user")]
    if target.startswith("arn:"):
        return next((p for p in candidates if _in_account(p.arn, account) == target), None)
    named = [p for p in candidates if p.name == target or p.arn.endswith(f"/{target}")]
    named.sort(key=lambda p: (p.kind != "role", p.account not in (account, UNKNOWN_ACCOUNT), p.arn))
    return named[0] if named else None


def _localise_statement(statement: Statement, account: str) -> Statement:
    def fix(values: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if values is None else tuple(v.replace(UNKNOWN_ACCOUNT, account) for v in values)

    conditions = tuple(
        replace(c, values=tuple(v.replace(UNKNOWN_ACCOUNT, account) for v in c.values))
        for c in statement.condition
    )
    return replace(
        statement,
        resource=fix(statement.resource),
        not_resource=fix(statement.not_resource),
        condition=conditions,
    )


def localise(policy: Policy | None, account: str) -> Policy | None:
    """The policy with the ARNs of sources that do not know the account (a Terraform reference to a role
    of the same configuration) placed in the manifest's account, so that they meet the requests."""
    if policy is None or not any(
        UNKNOWN_ACCOUNT in text
        for s in policy.statements
        for text in (
            *(s.resource or ()),
            *(s.not_resource or ()),
            *(v for c in s.condition for v in c.values),
        )
    ):
        return policy
    return replace(policy, statements=tuple(_localise_statement(s, account) for s in policy.statements))


def resolve(inventory: Inventory, manifest: Manifest, target: str) -> Actual | None:
    record = _find(inventory, target, manifest.account)
    if record is None:
        return None
    refs = inventory.identity_policies(record)
    sourced = tuple(
        SourcedPolicy(p, r.label, r) for r in refs if (p := localise(r.policy, manifest.account)) is not None
    )
    boundary_ref = record.permissions_boundary
    boundary = localise(boundary_ref.policy, manifest.account) if boundary_ref is not None else None
    bounds = (
        (SourcedPolicy(boundary, boundary_ref.label, boundary_ref),)
        if boundary is not None and boundary_ref is not None
        else ()
    )
    unresolved = [
        r.label for r in (*refs, *([boundary_ref] if boundary_ref else [])) if r.symbolic or r.policy is None
    ]
    symbolic = tuple(dict.fromkeys([*unresolved, *record.unresolved]))
    return Actual(
        record,
        tuple(s.policy for s in sourced),
        PolicySet(sourced, bounds),
        boundary,
        symbolic,
        _in_account(record.arn, manifest.account),
    )


def session_arn(actual: Actual, manifest: Manifest) -> str:
    """The principal that makes calls: a session of the role, or the user."""
    if actual.record.kind == "role":
        return (
            f"arn:{manifest.partition}:sts::{manifest.account}:assumed-role/{actual.record.name}/polp-verify"
        )
    return actual.arn
