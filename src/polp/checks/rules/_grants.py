"""Grant helpers shared by the access checks (a private module: the registry skips it).

What every access check needs beyond :meth:`PolicySet.grants`:

* **Time conditions decided now.** ``aws:CurrentTime``, ``aws:EpochTime`` and ``aws:TokenIssueTime``
  are known at audit time. A grant whose time window has closed is dead (``DateLessThan`` a past
  date); one whose window is open is as good as unconditional. Other condition keys stay and make
  the grant conditional.
* **"All resources of a type"**, honouring ``NotResource`` (everything except a few named resources
  is still everything).
* **Patterns against a concrete ARN**, with policy variables such as ``${aws:username}`` substituted
  for the principal that makes the request, and an exact decision (:func:`allowed_on`) when a Deny
  or a boundary makes the policy set's view of that ARN approximate.
* A quick "no": a policy set whose Allow statements never name a service has no grant for it.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from polp.iam.catalog import get_catalog
from polp.iam.conditions import evaluate_clause
from polp.iam.context import RequestContext
from polp.iam.effective import Grant, PolicySet
from polp.iam.evaluate import CompiledStatement, compile_policy, evaluate
from polp.iam.matching import arn_pattern_matches, compile_arn_pieces
from polp.iam.model import Statement
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.iam.variables import has_variables, substitute_pieces
from polp.iam.wildcards import has_wildcard
from polp.inventory import PolicyRef, PrincipalRecord

TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime", "aws:tokenissuetime"})
_TEN_YEARS = 10 * 365 * 86400

_LIVE: weakref.WeakKeyDictionary[PolicySet, dict[tuple[str, float], tuple[Grant, ...]]] = (
    weakref.WeakKeyDictionary()
)
_SERVICES: weakref.WeakKeyDictionary[PolicySet, frozenset[str] | None] = weakref.WeakKeyDictionary()


def _time_context(epoch: float) -> RequestContext:
    iso = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return RequestContext(
        {"aws:CurrentTime": iso, "aws:TokenIssueTime": iso, "aws:EpochTime": str(int(epoch))}
    )


def statement_of(grant: Grant) -> Statement | None:
    """The statement a grant comes from, when its policy is at hand (a :class:`PolicyRef` handle)."""
    handle = grant.source.handle
    if not isinstance(handle, PolicyRef) or handle.policy is None:
        return None
    for statement in handle.policy.statements:
        if statement.label == grant.source.statement:
            return statement
    return None


def _decide_time(grant: Grant, now: float) -> Grant | None:
    """Resolve the grant's time conditions at ``now``: ``None`` if the window is closed for good."""
    if not any(key.lower() in TIME_KEYS for key in grant.condition_keys):
        return grant
    statement = statement_of(grant)
    handle = grant.source.handle
    if statement is None or not isinstance(handle, PolicyRef) or handle.policy is None:
        return grant
    variables = handle.policy.version == "2012-10-17"
    current, later = _time_context(now), _time_context(now + _TEN_YEARS)
    pending = False
    for clause in statement.condition:
        if clause.key_lower not in TIME_KEYS:
            continue
        if evaluate_clause(clause, current, variables=variables):
            continue
        if not evaluate_clause(clause, later, variables=variables):
            return None  # the window has closed and will not reopen
        pending = True  # opens later: keep it conditional
    if pending:
        return grant
    remaining = tuple(k for k in grant.condition_keys if k.lower() not in TIME_KEYS)
    return replace(grant, condition_keys=remaining)


def _allowed_services(permissions: PolicySet) -> frozenset[str] | None:
    """The service prefixes some Allow statement names; ``None`` when it could be any service."""
    if permissions in _SERVICES:
        return _SERVICES[permissions]
    found: set[str] = set()
    anything = False
    for statement in (st for p in permissions.policies for st in p.policy.statements):
        if statement.effect != "Allow":
            continue
        patterns = statement.action if statement.action is not None else ("*",)  # NotAction: anything
        for pattern in patterns:
            prefix, sep, _ = pattern.partition(":")
            anything = anything or not sep or has_wildcard(prefix)
            found.add(prefix.lower())
        if anything:
            break
    result = None if anything else frozenset(found)
    _SERVICES[permissions] = result
    return result


def live_grants(permissions: PolicySet, action: str, now: float) -> tuple[Grant, ...]:
    """:meth:`PolicySet.grants` with time conditions decided at ``now`` (cached per policy set)."""
    services = _allowed_services(permissions)
    if services is not None and action.partition(":")[0].lower() not in services:
        return ()  # no Allow statement names the service: nothing to compute
    cache = _LIVE.get(permissions)
    if cache is None:
        cache = {}
        _LIVE[permissions] = cache
    key = (action, now)
    found = cache.get(key)
    if found is None:
        decided = (_decide_time(g, now) for g in permissions.grants(action))
        found = tuple(g for g in decided if g is not None)
        cache[key] = found
    return found


def pattern_unbounded(grant: Grant, pattern: str) -> bool:
    """Whether one Resource pattern names every resource of the grant's action."""
    return replace(grant, resources=(pattern,), not_resources=()).all_resources


def _addresses(action: str, pattern: str, types: Collection[str] | None) -> bool:
    info = get_catalog().action(action)
    if info is None:
        return False
    matching = get_catalog().resource_types_matching(info, pattern)
    if not info.resource_types:
        return True
    if types is None:
        return bool(matching)
    return any(rt.name in types for rt in matching)


def unbounded(grant: Grant, types: Collection[str] | None = None) -> bool:
    """Whether the grant covers every resource of the action (of ``types``, when given).

    ``NotResource`` grants cover everything except the listed patterns: they count as unbounded
    unless an excluded pattern itself names every resource of a relevant type.
    """
    if grant.not_resources:
        return not any(
            pattern_unbounded(grant, p) and _addresses(grant.action, p, types) for p in grant.not_resources
        )
    return any(pattern_unbounded(grant, p) and _addresses(grant.action, p, types) for p in grant.resources)


def service_linked(record: PrincipalRecord) -> bool:
    """A service-linked role: AWS owns its policies, so findings on it are not actionable."""
    return record.kind == "role" and ":role/aws-service-role/" in record.arn


def same_account(a: PrincipalRecord, b: PrincipalRecord) -> bool:
    """Whether two principals are in one account (a policy document without one matches any)."""
    first, second = a.account, b.account
    return first in (None, "aws") or second in (None, "aws") or first == second


def request_principal(record: PrincipalRecord) -> RequestPrincipal | None:
    """How a user or a role appears when it makes a request (a role as one of its sessions)."""
    if record.kind == "user":
        return RequestPrincipal("AWS", record.arn)
    if record.kind == "role":
        parts = record.arn.split(":", 5)
        if len(parts) == 6 and parts[4]:
            return RequestPrincipal(
                "AWS", f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{record.name}/polp-audit"
            )
    return None


def principal_context(record: PrincipalRecord) -> RequestContext | None:
    """The keys AWS sets from the principal itself: what policy variables can be replaced with."""
    principal = request_principal(record)
    if principal is None:
        return None
    values: dict[str, object] = {"aws:PrincipalArn": principal.principal_arn}
    if principal.account:
        values["aws:PrincipalAccount"] = principal.account
    if record.kind == "user":
        values["aws:username"] = record.name
        values["aws:PrincipalType"] = "User"
    else:
        values["aws:PrincipalType"] = "AssumedRole"
    for key, value in record.tags:
        values[f"aws:PrincipalTag/{key}"] = value
    try:
        return RequestContext(values)
    except ValueError:  # two tags differing only in case: leave the tags out
        return RequestContext({k: v for k, v in values.items() if not k.startswith("aws:PrincipalTag/")})


def pattern_matches(pattern: str, arn: str, ctx: RequestContext | None) -> bool:
    """Whether a Resource pattern names ``arn``; variables are substituted from ``ctx``."""
    if has_variables(pattern):
        if ctx is None:
            return False
        pieces = substitute_pieces(pattern, ctx)
        return pieces is not None and compile_arn_pieces(pieces).fullmatch(arn) is not None
    return arn_pattern_matches(pattern, arn)


def covers(grant: Grant, arn: str, ctx: RequestContext | None) -> bool:
    """Whether the grant's resources include ``arn``."""
    if grant.not_resources:
        return not any(pattern_matches(p, arn, ctx) for p in grant.not_resources)
    return any(pattern_matches(p, arn, ctx) for p in grant.resources)


_DENIES: weakref.WeakKeyDictionary[PolicySet, dict[str, tuple[CompiledStatement, ...]]] = (
    weakref.WeakKeyDictionary()
)


def _denies(permissions: PolicySet, action: str) -> tuple[CompiledStatement, ...]:
    """The Deny statements of the identity policies that cover ``action`` (cached)."""
    cache = _DENIES.setdefault(permissions, {})
    found = cache.get(action)
    if found is None:
        found = tuple(
            st
            for p in permissions.policies
            for st in compile_policy(p.policy, p.label).for_action(action)
            if not st.allow
        )
        cache[action] = found
    return found


def allowed_on(
    permissions: PolicySet,
    record: PrincipalRecord,
    action: str,
    arn: str,
    grants: Collection[Grant],
    ctx: RequestContext | None,
    extra: Mapping[str, str] | None = None,
) -> bool:
    """Whether the grants allow ``action`` on one concrete ARN, exactly.

    Covering Allow patterns are exact. :class:`PolicySet` intersects Deny statements and boundaries
    with them only approximately, so when a Deny names this ARN, or a boundary is in play, the
    request is decided by :func:`polp.iam.evaluate.evaluate`. An implicit denial there only counts
    when every covering grant is unconditional: conditions polp cannot know stay possible (they
    lower confidence).
    """
    covering = [g for g in grants if covers(g, arn, ctx)]
    if not covering:
        return False
    context = ctx or RequestContext({})
    if extra:
        context = context.merged(dict(extra))
    if (
        not permissions.boundary
        and not permissions.scps
        and not any(st.matches_resource(arn, context) for st in _denies(permissions, action))
    ):
        return True
    principal = request_principal(record)
    request = Request(
        principal=principal or RequestPrincipal("AWS", f"arn:aws:iam::{_account(arn)}:role/polp"),
        action=action,
        resource=arn,
        context=context,
        identity_policies=tuple(p.policy for p in permissions.policies),
        permission_boundary=permissions.boundary[0].policy if permissions.boundary else None,
    )
    decision = evaluate(request)
    if decision.allowed:
        return True
    return decision.decision == "ImplicitlyDenied" and any(not g.unconditional for g in covering)


def _account(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4] else "000000000000"


def concrete(pattern: str, ctx: RequestContext | None) -> str | None:
    """The one ARN a pattern names once variables are substituted; ``None`` if it has wildcards."""
    if has_variables(pattern):
        if ctx is None:
            return None
        pieces = substitute_pieces(pattern, ctx)
        if pieces is None or any(wild for wild, _ in pieces):
            return None
        return "".join(text for _, text in pieces)
    return None if has_wildcard(pattern) else pattern


def conditional(grants: Collection[Grant]) -> bool:
    """True when no grant holds without conditions."""
    return all(not g.unconditional for g in grants)


def condition_keys(grants: Collection[Grant]) -> tuple[str, ...]:
    return tuple(sorted({k for g in grants for k in g.condition_keys}))


def statements_of(grants: Collection[Grant]) -> list[str]:
    """``policy: statement`` labels, unique, in order (for ``details``)."""
    seen: dict[str, None] = {}
    for grant in grants:
        handle = grant.source.handle
        policy = handle.label if isinstance(handle, PolicyRef) else grant.source.policy
        seen.setdefault(f"{policy}: {grant.source.statement}", None)
    return list(seen)
