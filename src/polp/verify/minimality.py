"""Minimality: what the actual policies allow beyond the manifest.

Two kinds of excess. Actions on resources: every action the actual policies allow (after denies and
the boundary) on a resource pattern that no statement of the plan covers, grouped by the statement
that grants it. Conditions not enforced: for each condition the plan puts on a call (a tag, the
network, ``iam:PassedToService``, ``s3:prefix``...), the same call with only that condition broken
must be denied; if the actual policies allow it, they grant more than the manifest declares.
"""

from __future__ import annotations

from collections import defaultdict

from polp.errors import Location
from polp.generate.compile import CompiledIdentity, PolicyStatement
from polp.generate.conditions import OUTSIDE_IP, network_routes
from polp.iam.effective import Grant, PolicySet, SourcedPolicy
from polp.iam.model import Policy
from polp.iam.wildcards import glob_match
from polp.verify.report import Call, CallOutcome, Excess
from polp.verify.sufficiency import call_context, decide, expected_policies, statement_targets

OTHER_VALUE = "polp-other-value"


def expected_permissions(compiled: CompiledIdentity) -> PolicySet:
    return PolicySet([SourcedPolicy(p, f"plan:{compiled.name}") for p in expected_policies(compiled)])


def _covered(pattern: str, allowed: tuple[Grant, ...]) -> bool:
    return any(
        not g.not_resources
        and any(q == "*" or glob_match(q, pattern, case_sensitive=True) for q in g.resources)
        for g in allowed
    )


def excess(actual: PolicySet, expected: PolicySet) -> tuple[Excess, ...]:
    groups: dict[tuple[str, str, tuple[str, ...], bool], list[str]] = defaultdict(list)
    locations: dict[tuple[str, str, tuple[str, ...], bool], Location | None] = {}
    for action in actual.allowed_actions():
        planned = expected.grants(action)
        for grant in actual.grants(action):
            if grant.not_resources:
                uncovered: tuple[str, ...] = (f"* except {', '.join(grant.not_resources)}",)
            else:
                uncovered = tuple(p for p in grant.resources if not _covered(p, planned))
            if not uncovered:
                continue
            key = (grant.source.policy, grant.source.statement, uncovered, not grant.unconditional)
            groups[key].append(action)
            locations[key] = grant.source.location
    out: list[Excess] = []
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2])):
        policy, statement, resources, conditional = key
        out.append(
            Excess(tuple(sorted(set(groups[key]))), resources, policy, statement, locations[key], conditional)
        )
    return tuple(out)


def _broken(statement: PolicyStatement, route: dict[str, object]) -> list[tuple[str, dict[str, object]]]:
    """One context per condition of the statement, with that condition alone broken."""
    context = call_context(statement, route)
    if context is None:
        return []
    out = []
    for _, key, values in statement.conditions:
        label = f"{key} is not {' or '.join(values)}"
        out.append((label, {**context, key: OTHER_VALUE}))
    return out


def unenforced_conditions(
    compiled: CompiledIdentity, principal: str, policies: tuple[Policy, ...], boundary: Policy | None
) -> tuple[CallOutcome, ...]:
    """The broken-condition calls the plan denies, decided against the actual policies."""
    planned = expected_policies(compiled)
    routes = network_routes(compiled.identity.network)
    calls: list[Call] = []
    for statement in compiled.statements:
        targets = list(statement_targets(statement))
        if statement.effect != "Allow" or not targets:
            continue
        action, resource = targets[0]
        for label, context in _broken(statement, routes[0][1]):
            calls.append(Call(action, resource, context, statement.origin, routes[0][0], label))
        if compiled.identity.network.declared:
            outside = call_context(statement, {"aws:SourceIp": OUTSIDE_IP})
            if outside is not None:
                calls.append(
                    Call(
                        action,
                        resource,
                        outside,
                        statement.origin,
                        f"from {OUTSIDE_IP}",
                        "outside the declared network",
                    )
                )
    out: list[CallOutcome] = []
    for call in calls:
        if decide(call, principal, planned, None).allowed:
            continue  # the plan itself allows it another way: not a condition it enforces
        out.append(CallOutcome(call, decide(call, principal, policies, boundary), expect_allowed=False))
    return tuple(out)
